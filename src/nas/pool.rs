//! The coordinator of a pool of search workers, as plain logic: it keeps the `Search`, hands each
//! idle worker the next trial, records outcomes in any order, and turns pause, resume and stop
//! into commands. It does no I/O: each call returns the commands to send and the events to show,
//! so the page's Web Workers and a native test drive the same code.

use super::config::SearchConfig;
use super::engine_pick::{EngineChoice, EnginePick};
use super::event::SearchEvent;
use super::log::SearchLog;
use super::protocol::{FromWorker, ToWorker, TrialOutcome};
use super::search::{Next, Search, SearchSummary};
use super::session::{open_search, SessionError};
use super::trial::Proposal;
use super::view::SearchView;
use super::LogOrder;
use crate::nn::Task;

/// What the host should do after a call.
#[derive(Debug, Clone, PartialEq)]
pub enum PoolAction {
    Send {
        worker: usize,
        command: ToWorker,
    },
    /// An event for the view (and, in log order, for the log).
    Event(SearchEvent),
    /// Something to tell the person: the data's warnings, a lost GPU.
    Note(String),
}

/// Where the pool stands.
#[derive(Debug, Clone, PartialEq)]
pub enum PoolStatus {
    /// Workers are starting, fetching data or timing the engines.
    Preparing,
    Running,
    Paused,
    /// Asked to stop; waiting for running trials to end.
    Stopping,
    Finished(SearchSummary),
    /// Stopped by the person: the log resumes where it ended.
    Stopped,
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkerState {
    Starting,
    /// Ready, waiting for the engine to be chosen before it prepares.
    Waiting,
    Preparing,
    Idle,
    /// Training these trials (one, or several fused), each answered by its own `TrialDone`.
    Training(usize),
}

pub struct PoolCoordinator {
    config: SearchConfig,
    resumed: Option<SearchLog>,
    engine: EngineChoice,
    workers: Vec<WorkerState>,
    /// The trials each worker has yet to answer for, in order (the first is its `Training`'s).
    outstanding: Vec<Vec<usize>>,
    /// Up to how many trials of one shape a worker trains fused.
    fuse: usize,
    search: Option<Search>,
    pick: Option<EnginePick>,
    task: Option<Task>,
    log_order: LogOrder,
    log: Vec<SearchEvent>,
    /// Trials to hand out again before anything new (their worker lost its GPU).
    retry: Vec<(usize, Proposal)>,
    status: PoolStatus,
}

impl PoolCoordinator {
    /// A pool of `jobs` workers for `config`, fresh or going on from `resumed`; `engine` auto
    /// has the first worker time both engines and every worker use the faster. Each worker is
    /// handed up to `fuse` trials at a time and trains those of one shape fused.
    pub fn new(
        config: SearchConfig,
        resumed: Option<SearchLog>,
        (jobs, fuse): (usize, usize),
        engine: EngineChoice,
    ) -> Result<Self, SessionError> {
        config.validate()?;
        let jobs = jobs.clamp(1, 64);
        Ok(PoolCoordinator {
            config,
            resumed,
            engine,
            workers: vec![WorkerState::Starting; jobs],
            outstanding: vec![Vec::new(); jobs],
            fuse: fuse.clamp(1, crate::engine::MAX_MEMBERS),
            search: None,
            pick: None,
            task: None,
            log_order: LogOrder::new(0),
            log: Vec::new(),
            retry: Vec::new(),
            status: PoolStatus::Preparing,
        })
    }

    pub fn jobs(&self) -> usize {
        self.workers.len()
    }

    pub fn status(&self) -> &PoolStatus {
        &self.status
    }

    pub fn engine(&self) -> Option<&EnginePick> {
        self.pick.as_ref()
    }

    pub fn search(&self) -> Option<&Search> {
        self.search.as_ref()
    }

    /// The trial each worker trains, if any.
    pub fn worker_trials(&self) -> Vec<Option<usize>> {
        self.workers.iter().map(|w| if let WorkerState::Training(t) = w { Some(*t) } else { None }).collect()
    }

    /// The log so far, one JSON event a line, in log order.
    pub fn log_text(&self) -> String {
        self.log.iter().map(|e| e.to_line() + "\n").collect()
    }

    /// Events in the log so far; it grows only when trials are written whole.
    pub fn log_len(&self) -> usize {
        self.log.len()
    }

    /// Takes one message from worker `worker`.
    pub fn on_message(&mut self, worker: usize, message: FromWorker) -> Vec<PoolAction> {
        let mut actions = Vec::new();
        if worker >= self.workers.len() {
            return actions;
        }
        match message {
            FromWorker::Ready => match (&self.pick, worker) {
                (None, 0) => {
                    self.workers[0] = WorkerState::Preparing;
                    let probe = self.engine == EngineChoice::Auto;
                    actions.push(self.prepare(0, self.engine, probe));
                }
                (None, _) => self.workers[worker] = WorkerState::Waiting,
                (Some(pick), _) => {
                    let engine = engine_of(pick);
                    self.workers[worker] = WorkerState::Preparing;
                    actions.push(self.prepare(worker, engine, false));
                }
            },
            // Progress and inspections go to the page's views, not into the search.
            FromWorker::Loading { .. } | FromWorker::Snapshot { .. } | FromWorker::Inspected { .. } => {}
            FromWorker::Prepared { task, warnings, engine, .. } => {
                if self.search.is_none() {
                    if let Err(error) = self.open(task, &mut actions) {
                        self.fail(error.to_string());
                        return actions;
                    }
                    actions.extend(warnings.into_iter().map(PoolAction::Note));
                }
                if self.pick.is_none() {
                    let chosen = engine_of(&engine);
                    self.pick = Some(engine);
                    for w in 0..self.workers.len() {
                        if self.workers[w] == WorkerState::Waiting {
                            self.workers[w] = WorkerState::Preparing;
                            actions.push(self.prepare(w, chosen, false));
                        }
                    }
                }
                // A worker that reopened after a lost GPU may still owe answers for its last trials.
                self.workers[worker] = match self.outstanding[worker].first() {
                    Some(&trial) => WorkerState::Training(trial),
                    None => WorkerState::Idle,
                };
                if self.status == PoolStatus::Preparing {
                    self.status = PoolStatus::Running;
                }
                self.dispatch(&mut actions);
            }
            FromWorker::Event { event } => self.emit(event, &mut actions),
            FromWorker::TrialDone { trial, outcome } => {
                let lost_before = self.workers[worker] == WorkerState::Preparing;
                self.outstanding[worker].retain(|&t| t != trial);
                self.workers[worker] = match self.outstanding[worker].first() {
                    _ if lost_before => WorkerState::Preparing,
                    Some(&next) => WorkerState::Training(next),
                    None => WorkerState::Idle,
                };
                let Some(search) = self.search.as_mut() else { return actions };
                match outcome {
                    TrialOutcome::Done { result } => {
                        let record = search.record(trial, *result).clone();
                        self.emit(SearchEvent::TrialFinished { record: Box::new(record) }, &mut actions);
                    }
                    TrialOutcome::Stopped => search.abandon(trial),
                    TrialOutcome::DeviceLost { message } => {
                        // The trial trains again from its start, on the CPU this time.
                        if let Some(proposal) = search.running().get(&trial).cloned() {
                            self.retry.push((trial, proposal));
                        }
                        self.log_order.restart(trial);
                        actions.push(PoolAction::Note(format!(
                            "the GPU was lost ({message}); trial {trial} trains again, and the search goes on, on the CPU engine"
                        )));
                        // A fused stack's other trials are lost with it; the worker reopens once.
                        if !lost_before {
                            self.workers[worker] = WorkerState::Preparing;
                            actions.push(self.prepare(worker, EngineChoice::Cpu, false));
                        }
                    }
                }
                self.dispatch(&mut actions);
            }
            FromWorker::Error { message } => self.fail(format!("worker {}: {message}", worker + 1)),
        }
        actions
    }

    /// Holds every running trial between two steps.
    pub fn pause(&mut self) -> Vec<PoolAction> {
        if self.status != PoolStatus::Running {
            return Vec::new();
        }
        self.status = PoolStatus::Paused;
        self.broadcast(ToWorker::Pause)
    }

    pub fn resume(&mut self) -> Vec<PoolAction> {
        if self.status != PoolStatus::Paused {
            return Vec::new();
        }
        self.status = PoolStatus::Running;
        let mut actions = self.broadcast(ToWorker::Resume);
        self.dispatch(&mut actions);
        actions
    }

    /// Ends running trials between two steps; the log keeps every finished one.
    pub fn stop(&mut self) -> Vec<PoolAction> {
        if matches!(self.status, PoolStatus::Finished(_) | PoolStatus::Stopped | PoolStatus::Failed(_)) {
            return Vec::new();
        }
        let mut actions = self.broadcast(ToWorker::Resume);
        actions.extend(self.broadcast(ToWorker::Stop));
        self.status = PoolStatus::Stopping;
        self.settle();
        actions
    }

    fn prepare(&self, worker: usize, engine: EngineChoice, probe: bool) -> PoolAction {
        PoolAction::Send { worker, command: ToWorker::Prepare { config: Box::new(self.config.clone()), engine, probe } }
    }

    fn broadcast(&self, command: ToWorker) -> Vec<PoolAction> {
        (0..self.workers.len())
            .filter(|&w| matches!(self.workers[w], WorkerState::Training(_)))
            .map(|worker| PoolAction::Send { worker, command: command.clone() })
            .collect()
    }

    fn open(&mut self, task: Task, actions: &mut Vec<PoolAction>) -> Result<(), SessionError> {
        let opened = open_search(self.config.clone(), task, self.resumed.as_ref())?;
        self.task = Some(task);
        self.log_order = opened.log_order;
        for event in opened.log_head {
            self.log.push(event.clone());
            actions.push(PoolAction::Event(event));
        }
        let fresh = opened.search.trials().is_empty() && !opened.search.is_resumed();
        let started = opened.search.started_event();
        self.search = Some(opened.search);
        if fresh {
            self.emit(started, actions);
        }
        Ok(())
    }

    fn emit(&mut self, event: SearchEvent, actions: &mut Vec<PoolAction>) {
        self.log.extend(self.log_order.push(&event));
        actions.push(PoolAction::Event(event));
    }

    fn fail(&mut self, message: String) {
        self.status = PoolStatus::Failed(message);
    }

    /// Hands idle workers their next trial, and ends the search when nothing is left.
    fn dispatch(&mut self, actions: &mut Vec<PoolAction>) {
        if self.status != PoolStatus::Running {
            self.settle();
            return;
        }
        // Proposals are drawn as for jobs · fuse trials at once, so a seed, the jobs and the
        // fuse width give the same search.
        let at_once = self.workers.len() * self.fuse;
        while let Some(worker) = self.workers.iter().position(|w| *w == WorkerState::Idle) {
            let mut trials: Vec<(usize, Proposal)> = Vec::new();
            let mut finished = false;
            while trials.len() < self.fuse {
                let Some(search) = self.search.as_mut() else { return };
                if let Some(again) = self.retry.pop() {
                    trials.push(again);
                    continue;
                }
                match search.next(at_once) {
                    Next::Trial { id, proposal } => {
                        self.emit(SearchEvent::TrialStarted { trial: id, proposal: proposal.clone() }, actions);
                        trials.push((id, proposal));
                    }
                    Next::Wait => break,
                    Next::Done => {
                        finished = trials.is_empty();
                        break;
                    }
                }
            }
            if finished {
                let busy = self.workers.iter().any(|w| matches!(w, WorkerState::Training(_) | WorkerState::Preparing));
                if let (false, Some(search)) = (busy, self.search.as_ref()) {
                    let summary = search.summary();
                    self.status = PoolStatus::Finished(summary.clone());
                    self.emit(SearchEvent::SearchFinished { summary }, actions);
                }
                break;
            }
            let Some(&(first, _)) = trials.first() else { break };
            self.workers[worker] = WorkerState::Training(first);
            self.outstanding[worker] = trials.iter().map(|(trial, _)| *trial).collect();
            let command = match trials.len() {
                1 => {
                    let (trial, proposal) = trials.pop().expect("one trial");
                    ToWorker::Train { trial, proposal: Box::new(proposal) }
                }
                _ => ToWorker::TrainFused { trials, fuse: self.fuse },
            };
            actions.push(PoolAction::Send { worker, command });
        }
    }

    /// A stopping pool has stopped once no worker trains.
    fn settle(&mut self) {
        if self.status == PoolStatus::Stopping && !self.workers.iter().any(|w| matches!(w, WorkerState::Training(_))) {
            self.status = PoolStatus::Stopped;
        }
    }

    /// A view of everything emitted so far (the page keeps its own, fed by the actions).
    pub fn view(&self) -> SearchView {
        SearchView::of_events(&self.log)
    }
}

/// The engine a pick chose, as a choice to hand the other workers.
fn engine_of(pick: &EnginePick) -> EngineChoice {
    if pick.chosen == "gpu" {
        EngineChoice::Gpu
    } else {
        EngineChoice::Cpu
    }
}
