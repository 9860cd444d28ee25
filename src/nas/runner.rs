//! The runner: drives a `Search` trial by trial through an `Evaluator`, emitting events to a
//! `SearchHost`. The host supplies the clock, can stop the search between training steps, and
//! can pause it by not returning from `breathe` (the page awaits a resume there).

use std::future::Future;

use super::event::SearchEvent;
use super::search::{Next, Search, SearchSummary};
use super::trial::{Proposal, TrialResult};
use crate::nn::{ModelSnapshot, StackHost, StackShape, TrainEvent, TrainerHost};

/// Where a search runs: the page, the CLI or a test.
pub trait SearchHost {
    /// Seconds from any fixed origin.
    fn now(&self) -> f64;
    /// Asked between training steps; true stops the search (the log stays resumable).
    fn should_stop(&self) -> bool {
        false
    }
    fn on_event(&mut self, _event: &SearchEvent) {}
    /// Whether a trial's parameters should be read after each of its epochs (`on_snapshot`).
    fn wants_snapshots(&self) -> bool {
        false
    }
    fn on_snapshot(&mut self, _trial: usize, _snapshot: ModelSnapshot) {}
    /// Awaited between steps and trials: a browser host yields to the event loop here, and a
    /// paused host waits here until it is resumed.
    fn breathe(&mut self) -> impl Future<Output = ()> {
        std::future::ready(())
    }
}

/// What came of evaluating one proposal.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    Done(TrialResult),
    /// The host asked to stop midway; the trial is not recorded.
    Stopped,
    /// The device is gone; the search stops and can resume on another device.
    DeviceLost(String),
}

/// A host that keeps every event and has no clock (seconds budgets do not apply): for tests and
/// tools that want a search's events as a list.
#[derive(Debug, Default)]
pub struct RecordingHost {
    pub events: Vec<SearchEvent>,
}

impl SearchHost for RecordingHost {
    fn now(&self) -> f64 {
        0.0
    }

    fn on_event(&mut self, event: &SearchEvent) {
        self.events.push(event.clone());
    }
}

/// What trials must share to train fused, as one stack of networks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FusionKey {
    pub shape: StackShape,
    pub batch_size: usize,
    pub epochs: usize,
}

/// Turns a proposal into a result: by training it, or by looking it up in a table.
pub trait Evaluator {
    fn evaluate<H: SearchHost>(&mut self, trial: usize, proposal: &Proposal, host: &mut H) -> impl Future<Output = Evaluation>;

    /// What a proposal shares with those it may train fused with; `None` trains it alone.
    fn fusion_key(&self, _proposal: &Proposal) -> Option<FusionKey> {
        None
    }

    /// Trains proposals of one fusion key together; an evaluation each, in their order. Each
    /// result is the one `evaluate` gives the proposal alone (only the clock's figures differ).
    fn evaluate_fused<H: SearchHost>(&mut self, trials: &[(usize, Proposal)], host: &mut H) -> impl Future<Output = Vec<Evaluation>> {
        async move {
            let mut evaluations = Vec::with_capacity(trials.len());
            for (trial, proposal) in trials {
                evaluations.push(self.evaluate(*trial, proposal, host).await);
            }
            evaluations
        }
    }
}

/// Splits trials into groups that train together: those of one fusion key, in order of their
/// first trial, at most `fuse` to a group; a trial with no key trains alone.
pub fn fusion_groups<E: Evaluator>(evaluator: &E, trials: Vec<(usize, Proposal)>, fuse: usize) -> Vec<Vec<(usize, Proposal)>> {
    type Group = (Option<FusionKey>, Vec<(usize, Proposal)>);
    let mut groups: Vec<Group> = Vec::new();
    for (trial, proposal) in trials {
        let key = evaluator.fusion_key(&proposal);
        let open = key.as_ref().and_then(|key| groups.iter_mut().find(|(k, g)| k.as_ref() == Some(key) && g.len() < fuse.max(1)));
        match open {
            Some((_, group)) => group.push((trial, proposal)),
            None => groups.push((key, vec![(trial, proposal)])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// How a run of the runner ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEnd {
    Finished(SearchSummary),
    Stopped,
    DeviceLost(String),
}

/// Runs trials one at a time until the search ends, the host stops it, or the device is lost. A
/// search made by `Search::new` announces itself first; a resumed one goes straight on.
/// (`parallel::run_search_parallel` runs several at once natively; the page's worker pool does
/// the same with Web Workers, both around the same `Search::next`.)
pub async fn run_search<E: Evaluator, H: SearchHost>(search: &mut Search, evaluator: &mut E, host: &mut H) -> RunEnd {
    run_search_fused(search, evaluator, 1, host).await
}

/// `run_search`, training up to `fuse` proposals at once as one stack where they share their
/// shapes (`Evaluator::fusion_key`). Proposals are drawn as for `fuse` jobs (`Search::next`), so
/// a seed and a fuse width give the same search, and each trial's figures are those it has alone.
pub async fn run_search_fused<E: Evaluator, H: SearchHost>(search: &mut Search, evaluator: &mut E, fuse: usize, host: &mut H) -> RunEnd {
    let fuse = fuse.max(1);
    if search.trials().is_empty() && !search.is_resumed() {
        host.on_event(&search.started_event());
    }
    loop {
        if host.should_stop() {
            return RunEnd::Stopped;
        }
        let mut drawn = Vec::new();
        while drawn.len() < fuse {
            match search.next(fuse) {
                Next::Trial { id, proposal } => {
                    host.on_event(&SearchEvent::TrialStarted { trial: id, proposal: proposal.clone() });
                    drawn.push((id, proposal));
                }
                Next::Wait | Next::Done => break,
            }
        }
        if drawn.is_empty() {
            break;
        }
        let mut end = None;
        for group in fusion_groups(evaluator, drawn, fuse) {
            if end.is_some() {
                group.iter().for_each(|(trial, _)| search.abandon(*trial));
                continue;
            }
            let evaluations = match group.as_slice() {
                [(trial, proposal)] => vec![evaluator.evaluate(*trial, proposal, host).await],
                _ => evaluator.evaluate_fused(&group, host).await,
            };
            for ((trial, _), evaluation) in group.iter().zip(evaluations) {
                match evaluation {
                    Evaluation::Done(result) if end.is_none() => {
                        let record = search.record(*trial, result).clone();
                        host.on_event(&SearchEvent::TrialFinished { record: Box::new(record) });
                    }
                    Evaluation::Done(_) | Evaluation::Stopped => {
                        search.abandon(*trial);
                        end.get_or_insert(RunEnd::Stopped);
                    }
                    Evaluation::DeviceLost(message) => {
                        search.abandon(*trial);
                        end.get_or_insert(RunEnd::DeviceLost(message));
                    }
                }
            }
        }
        if let Some(end) = end {
            return end;
        }
        host.breathe().await;
    }
    let summary = search.summary();
    host.on_event(&SearchEvent::SearchFinished { summary: summary.clone() });
    RunEnd::Finished(summary)
}

/// How often a trial reports its progress within an epoch, at most (seconds).
const PROGRESS_INTERVAL: f64 = 0.1;

/// A search host seen by the trainer during one trial: its epochs become `SearchEvent::Epoch`,
/// its steps a throttled `SearchEvent::Progress`.
pub(crate) struct TrialHost<'h, H: SearchHost> {
    host: &'h mut H,
    trial: usize,
    last_progress: f64,
}

impl<'h, H: SearchHost> TrialHost<'h, H> {
    pub fn new(host: &'h mut H, trial: usize) -> Self {
        TrialHost { host, trial, last_progress: f64::NEG_INFINITY }
    }
}

impl<H: SearchHost> TrainerHost for TrialHost<'_, H> {
    fn now(&self) -> f64 {
        self.host.now()
    }

    fn should_stop(&self) -> bool {
        self.host.should_stop()
    }

    fn on_event(&mut self, event: &TrainEvent) {
        pass_on(self.host, self.trial, &mut self.last_progress, event);
    }

    fn wants_snapshots(&self) -> bool {
        self.host.wants_snapshots()
    }

    fn on_snapshot(&mut self, snapshot: ModelSnapshot) {
        self.host.on_snapshot(self.trial, snapshot);
    }

    fn breathe(&mut self) -> impl Future<Output = ()> {
        self.host.breathe()
    }
}

/// A trial's training event as the search's: epochs as `SearchEvent::Epoch`, steps as a
/// `SearchEvent::Progress` at most every `PROGRESS_INTERVAL` (`last_progress` is when the last was).
fn pass_on<H: SearchHost>(host: &mut H, trial: usize, last_progress: &mut f64, event: &TrainEvent) {
    match event {
        TrainEvent::Epoch(metrics) => host.on_event(&SearchEvent::Epoch { trial, metrics: metrics.clone() }),
        &TrainEvent::Step { epoch, step, steps } => {
            let now = host.now();
            if now - *last_progress >= PROGRESS_INTERVAL || step == steps {
                *last_progress = now;
                host.on_event(&SearchEvent::Progress { trial, epoch, step, steps });
            }
        }
        TrainEvent::Stopped(_) | TrainEvent::Finished { .. } => {}
    }
}

/// A search host seen by a stack of fused trials: member k's events are trial `trials[k]`'s.
pub(crate) struct GroupHost<'h, H: SearchHost> {
    host: &'h mut H,
    trials: Vec<usize>,
    last_progress: Vec<f64>,
}

impl<'h, H: SearchHost> GroupHost<'h, H> {
    pub fn new(host: &'h mut H, trials: Vec<usize>) -> Self {
        let last_progress = vec![f64::NEG_INFINITY; trials.len()];
        GroupHost { host, trials, last_progress }
    }
}

impl<H: SearchHost> StackHost for GroupHost<'_, H> {
    fn now(&self) -> f64 {
        self.host.now()
    }

    fn should_stop(&self) -> bool {
        self.host.should_stop()
    }

    fn on_event(&mut self, member: usize, event: &TrainEvent) {
        pass_on(self.host, self.trials[member], &mut self.last_progress[member], event);
    }

    fn wants_snapshots(&self) -> bool {
        self.host.wants_snapshots()
    }

    fn on_snapshot(&mut self, member: usize, snapshot: ModelSnapshot) {
        self.host.on_snapshot(self.trials[member], snapshot);
    }

    fn breathe(&mut self) -> impl Future<Output = ()> {
        self.host.breathe()
    }
}
