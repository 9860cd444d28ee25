//! `Search`: one search's state — its config, its strategy and every finished trial. Ask `next()`
//! for a trial (with how many may train at once), train it anywhere, hand the result to
//! `record()`, in any order. Resuming replays a log's trials into a fresh strategy, so the search
//! goes on exactly as if it had never stopped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::{ConfigError, SearchConfig};
use super::event::SearchEvent;
use super::objective::{self, Objective};
use super::space::SpaceSummary;
use super::strategy::{Step, Strategy};
use super::trial::{Proposal, TrialRecord, TrialResult};

/// Why a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The strategy has nothing left to try (the grid is covered).
    Exhausted,
    TrialBudget,
    TimeBudget,
    EpochBudget,
}

impl EndReason {
    pub fn describe(self) -> &'static str {
        match self {
            EndReason::Exhausted => "the strategy tried everything it had",
            EndReason::TrialBudget => "the trial budget is spent",
            EndReason::TimeBudget => "the time budget is spent",
            EndReason::EpochBudget => "the epoch budget is spent",
        }
    }
}

/// The outcome of a search so far, for tables, charts and the last log line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSummary {
    pub objective: Objective,
    pub trials: usize,
    pub failed: usize,
    pub epochs_trained: usize,
    pub seconds: f64,
    /// The best trial at full fidelity, and its score (higher is better).
    pub best: Option<usize>,
    pub best_score: Option<f64>,
    /// Trials on the front of score against parameter count, smallest first.
    pub pareto_front: Vec<usize>,
    /// After each trial, the best full-fidelity score so far.
    pub best_so_far: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<EndReason>,
}

/// A replayed log that does not match what this engine proposes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("trial {trial} in the log is not what the strategy proposes for this seed: the log was written by another version, or edited")]
    Diverged { trial: usize },
    #[error("trial {trial} in the log has id {id}; trials must be numbered 0, 1, 2, ... in order")]
    OutOfOrder { trial: usize, id: usize },
}

pub struct Search {
    config: SearchConfig,
    summary: SpaceSummary,
    objective: Objective,
    strategy: Box<dyn Strategy>,
    /// Finished trials 0, 1, 2, ... with no gap.
    trials: Vec<TrialRecord>,
    /// Handed out by `next()` and not yet recorded, by id.
    running: BTreeMap<usize, Proposal>,
    /// Finished while an earlier trial still trains: they join `trials` once the gap closes.
    finished_ahead: BTreeMap<usize, TrialRecord>,
    /// The id the next proposal gets.
    next_id: usize,
    ended: Option<EndReason>,
    resumed: bool,
}

/// What to do next, as `Search::next` says.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Train this proposal as trial `id`.
    Trial { id: usize, proposal: Proposal },
    /// Nothing to hand out until a running trial finishes.
    Wait,
    /// The search is over: nothing runs and nothing is left.
    Done,
}

impl Search {
    /// A fresh search; `objective` usually comes from `SearchConfig::objective_for`.
    pub fn new(config: SearchConfig, objective: Objective) -> Result<Self, ConfigError> {
        let summary = config.validate()?;
        let strategy = config.strategy.build(&config.space, objective, config.seed);
        Ok(Search {
            config,
            summary,
            objective,
            strategy,
            trials: Vec::new(),
            running: BTreeMap::new(),
            finished_ahead: BTreeMap::new(),
            next_id: 0,
            ended: None,
            resumed: false,
        })
    }

    /// A search that has already finished `trials` (from a log): each is checked against what
    /// the strategy proposes, with the view it had when it was proposed, and replayed into it.
    pub fn resume(config: SearchConfig, objective: Objective, trials: Vec<TrialRecord>) -> Result<Self, ResumeError> {
        let mut search = Search::new(config, objective)?;
        search.resumed = true;
        for (i, record) in trials.into_iter().enumerate() {
            if record.id != i {
                return Err(ResumeError::OutOfOrder { trial: i, id: record.id });
            }
            let seen = record.proposal.seen.unwrap_or(i);
            if seen > i {
                return Err(ResumeError::Diverged { trial: i });
            }
            match search.strategy.propose(i, &search.trials[..seen]) {
                Step::Propose(mut p) => {
                    p.seen = (seen < i).then_some(seen);
                    if p != record.proposal {
                        return Err(ResumeError::Diverged { trial: i });
                    }
                }
                Step::Wait | Step::Done => return Err(ResumeError::Diverged { trial: i }),
            }
            search.trials.push(record);
        }
        search.next_id = search.trials.len();
        Ok(search)
    }

    /// Whether this search was rebuilt from a log (its start is already logged).
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// The event that opens this search's log.
    pub fn started_event(&self) -> SearchEvent {
        SearchEvent::SearchStarted {
            version: crate::version_line(),
            config: Box::new(self.config.clone()),
            space_size: self.summary.size,
            objective: Some(self.objective),
        }
    }

    pub fn config(&self) -> &SearchConfig {
        &self.config
    }

    pub fn space_summary(&self) -> &SpaceSummary {
        &self.summary
    }

    pub fn objective(&self) -> Objective {
        self.objective
    }

    /// The finished trials 0, 1, 2, ... up to the first that has not finished.
    pub fn trials(&self) -> &[TrialRecord] {
        &self.trials
    }

    /// The trials handed out and not yet recorded, by id.
    pub fn running(&self) -> &BTreeMap<usize, Proposal> {
        &self.running
    }

    pub fn ended(&self) -> Option<EndReason> {
        self.ended
    }

    fn finished(&self) -> impl Iterator<Item = &TrialRecord> {
        self.trials.iter().chain(self.finished_ahead.values())
    }

    pub fn epochs_trained(&self) -> usize {
        self.finished().map(TrialRecord::epochs_trained).sum()
    }

    pub fn seconds(&self) -> f64 {
        self.finished().map(|t| t.result.seconds).sum()
    }

    /// Which budget, if any, is spent (trials count when handed out, time and epochs when done).
    fn spent(&self) -> Option<EndReason> {
        let budget = self.config.budget;
        if budget.trials.is_some_and(|n| self.next_id >= n) {
            return Some(EndReason::TrialBudget);
        }
        if budget.seconds.is_some_and(|s| self.seconds() >= s) {
            return Some(EndReason::TimeBudget);
        }
        if budget.epochs.is_some_and(|e| self.epochs_trained() >= e) {
            return Some(EndReason::EpochBudget);
        }
        None
    }

    /// The id the next trial gets.
    pub fn next_id(&self) -> usize {
        self.next_id
    }

    /// The next trial to train with up to `jobs` trials training at once. Trial `id` is proposed
    /// seeing exactly the first `id + 1 - jobs` trials (more only if the strategy waits for
    /// them), never "whatever happened to have finished", so the same seed and the same `jobs`
    /// give the same trials however long each one takes. One job is the plain sequential search.
    pub fn next(&mut self, jobs: usize) -> Next {
        let jobs = jobs.max(1);
        let idle = |s: &Search| {
            if s.running.is_empty() {
                Next::Done
            } else {
                Next::Wait
            }
        };
        if self.ended.is_some() {
            return idle(self);
        }
        if let Some(reason) = self.spent() {
            self.ended = Some(reason);
            return idle(self);
        }
        let id = self.next_id;
        let least_seen = (id + 1).saturating_sub(jobs);
        if self.trials.len() < least_seen {
            return Next::Wait;
        }
        for seen in least_seen..=self.trials.len() {
            match self.strategy.propose(id, &self.trials[..seen]) {
                Step::Propose(mut proposal) => {
                    proposal.seen = (seen < id).then_some(seen);
                    self.running.insert(id, proposal.clone());
                    self.next_id += 1;
                    return Next::Trial { id, proposal };
                }
                Step::Wait => continue,
                Step::Done => {
                    self.ended = Some(EndReason::Exhausted);
                    return idle(self);
                }
            }
        }
        // The strategy waits for trials that are still training.
        if self.running.is_empty() {
            // Nothing left to wait for: only a strategy that waits on nothing gets here.
            self.ended = Some(EndReason::Exhausted);
            return Next::Done;
        }
        Next::Wait
    }

    /// The next trial of a sequential search (`next(1)`), or `None` once it is over.
    pub fn next_proposal(&mut self) -> Option<(usize, Proposal)> {
        match self.next(1) {
            Next::Trial { id, proposal } => Some((id, proposal)),
            Next::Wait | Next::Done => None,
        }
    }

    /// Records the result of trial `id` (handed out by `next`), in any order.
    pub fn record(&mut self, id: usize, result: TrialResult) -> &TrialRecord {
        let proposal = self.running.remove(&id).expect("record() takes a trial that next() handed out");
        self.finished_ahead.insert(id, TrialRecord { id, proposal, result });
        while let Some(record) = self.finished_ahead.remove(&self.trials.len()) {
            self.trials.push(record);
        }
        self.trials.get(id).or_else(|| self.finished_ahead.get(&id)).expect("just recorded")
    }

    /// Forgets trial `id` (stopped midway, or lost with its device): it will not be recorded.
    /// A search that loses a running trial ends; its log resumes with that trial run again.
    pub fn abandon(&mut self, id: usize) {
        self.running.remove(&id);
    }

    /// Best trial, Pareto front and best-so-far curve of the trials so far.
    pub fn summary(&self) -> SearchSummary {
        let epochs = self.config.space.epochs;
        let best = objective::best(&self.trials, self.objective, epochs);
        SearchSummary {
            objective: self.objective,
            trials: self.trials.len(),
            failed: self.trials.iter().filter(|t| t.result.failure.is_some()).count(),
            epochs_trained: self.epochs_trained(),
            seconds: self.seconds(),
            best: best.map(|t| t.id),
            best_score: best.and_then(|t| self.objective.score(t)),
            pareto_front: objective::pareto_front(&self.trials, self.objective, epochs),
            best_so_far: objective::best_so_far(&self.trials, self.objective, epochs),
            ended: self.ended,
        }
    }
}
