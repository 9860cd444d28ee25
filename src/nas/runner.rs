//! The runner: drives a `Search` trial by trial through an `Evaluator`, emitting events to a
//! `SearchHost`. The host supplies the clock, can stop the search between training steps, and
//! can pause it by not returning from `breathe` (the page awaits a resume there).

use std::future::Future;

use super::event::SearchEvent;
use super::search::{Next, Search, SearchSummary};
use super::trial::{Proposal, TrialResult};
use crate::nn::{ModelSnapshot, TrainEvent, TrainerHost};

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

/// Turns a proposal into a result: by training it, or by looking it up in a table.
pub trait Evaluator {
    fn evaluate<H: SearchHost>(&mut self, trial: usize, proposal: &Proposal, host: &mut H) -> impl Future<Output = Evaluation>;
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
    if search.trials().is_empty() && !search.is_resumed() {
        host.on_event(&search.started_event());
    }
    loop {
        if host.should_stop() {
            return RunEnd::Stopped;
        }
        let (trial, proposal) = match search.next(1) {
            Next::Trial { id, proposal } => (id, proposal),
            Next::Wait | Next::Done => break,
        };
        host.on_event(&SearchEvent::TrialStarted { trial, proposal: proposal.clone() });
        match evaluator.evaluate(trial, &proposal, host).await {
            Evaluation::Done(result) => {
                let record = search.record(trial, result).clone();
                host.on_event(&SearchEvent::TrialFinished { record: Box::new(record) });
            }
            Evaluation::Stopped => {
                search.abandon(trial);
                return RunEnd::Stopped;
            }
            Evaluation::DeviceLost(message) => {
                search.abandon(trial);
                return RunEnd::DeviceLost(message);
            }
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
        match event {
            TrainEvent::Epoch(metrics) => {
                self.host.on_event(&SearchEvent::Epoch { trial: self.trial, metrics: metrics.clone() });
            }
            &TrainEvent::Step { epoch, step, steps } => {
                let now = self.host.now();
                if now - self.last_progress >= PROGRESS_INTERVAL || step == steps {
                    self.last_progress = now;
                    self.host.on_event(&SearchEvent::Progress { trial: self.trial, epoch, step, steps });
                }
            }
            TrainEvent::Stopped(_) | TrainEvent::Finished { .. } => {}
        }
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
