//! `Search`: one search's state — its config, its strategy and every finished trial — driven one
//! trial at a time: ask `next_proposal()` for a proposal, train it anywhere, hand the result to
//! `record()`. Resuming replays a log's trials into a fresh strategy, so the search goes on
//! exactly as if it had never stopped.

use serde::{Deserialize, Serialize};

use super::config::{ConfigError, SearchConfig};
use super::event::SearchEvent;
use super::objective::{self, Objective};
use super::space::SpaceSummary;
use super::strategy::Strategy;
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
    trials: Vec<TrialRecord>,
    /// The proposal handed out by `next_proposal()` and not yet recorded.
    running: Option<Proposal>,
    ended: Option<EndReason>,
    resumed: bool,
}

impl Search {
    /// A fresh search; `objective` usually comes from `SearchConfig::objective_for`.
    pub fn new(config: SearchConfig, objective: Objective) -> Result<Self, ConfigError> {
        let summary = config.validate()?;
        let strategy = config.strategy.build(&config.space, objective, config.seed);
        Ok(Search { config, summary, objective, strategy, trials: Vec::new(), running: None, ended: None, resumed: false })
    }

    /// A search that has already finished `trials` (from a log): each is checked against what
    /// the strategy proposes and replayed into it.
    pub fn resume(config: SearchConfig, objective: Objective, trials: Vec<TrialRecord>) -> Result<Self, ResumeError> {
        let mut search = Search::new(config, objective)?;
        search.resumed = true;
        for (i, record) in trials.into_iter().enumerate() {
            if record.id != i {
                return Err(ResumeError::OutOfOrder { trial: i, id: record.id });
            }
            match search.strategy.propose(&search.trials) {
                Some(p) if p == record.proposal => search.trials.push(record),
                _ => return Err(ResumeError::Diverged { trial: i }),
            }
        }
        Ok(search)
    }

    /// Whether this search was rebuilt from a log (its start is already logged).
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// The event that opens this search's log.
    pub fn started_event(&self) -> SearchEvent {
        SearchEvent::SearchStarted { version: crate::version_line(), config: Box::new(self.config.clone()), space_size: self.summary.size }
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

    pub fn trials(&self) -> &[TrialRecord] {
        &self.trials
    }

    pub fn ended(&self) -> Option<EndReason> {
        self.ended
    }

    pub fn epochs_trained(&self) -> usize {
        self.trials.iter().map(TrialRecord::epochs_trained).sum()
    }

    pub fn seconds(&self) -> f64 {
        self.trials.iter().map(|t| t.result.seconds).sum()
    }

    /// Which budget, if any, is spent.
    fn spent(&self) -> Option<EndReason> {
        let budget = self.config.budget;
        if budget.trials.is_some_and(|n| self.trials.len() >= n) {
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
        self.trials.len()
    }

    /// The next trial to train (the same one again if the last was never recorded), or `None`
    /// once the budget is spent or the strategy is done.
    pub fn next_proposal(&mut self) -> Option<Proposal> {
        if let Some(running) = &self.running {
            return Some(running.clone());
        }
        if self.ended.is_some() {
            return None;
        }
        if let Some(reason) = self.spent() {
            self.ended = Some(reason);
            return None;
        }
        match self.strategy.propose(&self.trials) {
            Some(proposal) => {
                self.running = Some(proposal.clone());
                Some(proposal)
            }
            None => {
                self.ended = Some(EndReason::Exhausted);
                None
            }
        }
    }

    /// Records the result of the proposal `next_proposal()` gave.
    pub fn record(&mut self, result: TrialResult) -> &TrialRecord {
        let proposal = self.running.take().expect("record() follows next_proposal()");
        self.trials.push(TrialRecord { id: self.trials.len(), proposal, result });
        self.trials.last().unwrap()
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
