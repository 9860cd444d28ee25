//! `SearchView`: what anyone watching a search sees, reduced from its events alone — every trial
//! with its curve and progress, the leaderboard, best so far, the Pareto front, halving's rungs,
//! evolution's lineage, counts and an ETA. One pure reducer (`apply`) for every host: the page
//! wraps it, the terminal prints it, tests feed it logged searches.

use std::collections::BTreeMap;

use super::config::SearchConfig;
use super::event::SearchEvent;
use super::objective::{self, Objective};
use super::search::SearchSummary;
use super::trial::{Origin, Proposal, TrialRecord};
use crate::nn::EpochMetrics;

/// Where a trial stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialStatus {
    Running,
    Finished,
    Failed,
}

/// How far a running trial's current epoch has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepProgress {
    pub epoch: usize,
    pub step: usize,
    pub steps: usize,
}

/// One trial as the view knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialView {
    pub id: usize,
    pub proposal: Proposal,
    pub status: TrialStatus,
    /// Its epochs so far (a promoted trial's include the ones it continues).
    pub curve: Vec<EpochMetrics>,
    pub progress: Option<StepProgress>,
    /// Set once it finished.
    pub record: Option<TrialRecord>,
}

impl TrialView {
    /// A trial that has just started.
    pub fn started(id: usize, proposal: Proposal) -> Self {
        TrialView { id, proposal, status: TrialStatus::Running, curve: Vec::new(), progress: None, record: None }
    }

    /// The share of its epochs done, 0 to 1, counting the running epoch's steps.
    pub fn fraction_done(&self) -> f64 {
        let epochs = self.proposal.epochs.max(1) as f64;
        match (self.status, self.progress) {
            (TrialStatus::Running, Some(p)) if p.epoch > self.curve.len() => {
                (self.curve.len() as f64 + p.step as f64 / p.steps.max(1) as f64) / epochs
            }
            (TrialStatus::Running, _) => self.curve.len() as f64 / epochs,
            _ => 1.0,
        }
    }
}

/// A rung of successive halving as it was run: its trials, and which of them went on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RungView {
    pub bracket: usize,
    pub rung: usize,
    pub epochs: usize,
    pub trials: Vec<usize>,
    pub promoted: Vec<usize>,
}

/// A child joined to its parent (evolution's mutations, halving's promotions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    pub child: usize,
    pub parent: usize,
    /// The mutation in words; empty for a promotion.
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchView {
    pub config: Option<SearchConfig>,
    pub space_size: u64,
    /// What trials are ranked by (from the start event, the config, or the end).
    pub objective: Option<Objective>,
    pub trials: BTreeMap<usize, TrialView>,
    /// Set once the search ended.
    pub finished: Option<SearchSummary>,
}

impl SearchView {
    pub fn new() -> Self {
        SearchView::default()
    }

    /// A view of a whole log's events.
    pub fn of_events<'a>(events: impl IntoIterator<Item = &'a SearchEvent>) -> Self {
        let mut view = SearchView::new();
        for event in events {
            view.apply(event);
        }
        view
    }

    /// Takes one event into the view.
    pub fn apply(&mut self, event: &SearchEvent) {
        match event {
            SearchEvent::SearchStarted { config, space_size, objective, .. } => {
                *self = SearchView {
                    objective: objective.or(config.objective),
                    config: Some((**config).clone()),
                    space_size: *space_size,
                    ..SearchView::default()
                };
            }
            SearchEvent::TrialStarted { trial, proposal } => {
                self.trials.insert(*trial, TrialView::started(*trial, proposal.clone()));
            }
            SearchEvent::Epoch { trial, metrics } => {
                if let Some(view) = self.trials.get_mut(trial) {
                    view.curve.retain(|m| m.epoch < metrics.epoch);
                    view.curve.push(metrics.clone());
                }
            }
            &SearchEvent::Progress { trial, epoch, step, steps } => {
                if let Some(view) = self.trials.get_mut(&trial) {
                    view.progress = Some(StepProgress { epoch, step, steps });
                }
            }
            SearchEvent::TrialFinished { record } => {
                let failed = record.result.failure.is_some();
                let view = self.trials.entry(record.id).or_insert_with(|| TrialView::started(record.id, record.proposal.clone()));
                view.status = if failed { TrialStatus::Failed } else { TrialStatus::Finished };
                view.curve = record.result.history.clone();
                view.progress = None;
                view.record = Some((**record).clone());
            }
            SearchEvent::SearchFinished { summary } => {
                self.objective = Some(summary.objective);
                self.finished = Some(summary.clone());
            }
        }
    }

    /// Forgets trials that were running when a search stopped (they will run again).
    pub fn drop_running(&mut self) {
        self.trials.retain(|_, t| t.status != TrialStatus::Running);
    }

    pub fn objective(&self) -> Objective {
        self.objective.unwrap_or(Objective::ValidationAccuracy)
    }

    /// The epochs of a full-fidelity trial.
    fn full_epochs(&self) -> usize {
        self.config.as_ref().map_or(0, |c| c.space.epochs)
    }

    /// Finished trials (failed ones too), by id.
    pub fn records(&self) -> Vec<TrialRecord> {
        self.trials.values().filter_map(|t| t.record.clone()).collect()
    }

    pub fn running(&self) -> impl Iterator<Item = &TrialView> {
        self.trials.values().filter(|t| t.status == TrialStatus::Running)
    }

    pub fn count(&self, status: TrialStatus) -> usize {
        self.trials.values().filter(|t| t.status == status).count()
    }

    /// The leaderboard: trial ids, longest-trained first, then best first, failed ones last.
    pub fn leaderboard(&self) -> Vec<usize> {
        let records = self.records();
        objective::ranking(&records, self.objective()).iter().map(|t| t.id).collect()
    }

    /// The best full-fidelity trial so far and its score.
    pub fn best(&self) -> Option<(usize, f64)> {
        let records = self.records();
        let objective = self.objective();
        objective::best(&records, objective, self.full_epochs()).and_then(|t| objective.score(t).map(|s| (t.id, s)))
    }

    /// Trials on the front of score against parameter count, smallest first.
    pub fn pareto_front(&self) -> Vec<usize> {
        objective::pareto_front(&self.records(), self.objective(), self.full_epochs())
    }

    /// After each finished trial (by id), the best full-fidelity score so far.
    pub fn best_so_far(&self) -> Vec<(usize, Option<f64>)> {
        let records = self.records();
        let curve = objective::best_so_far(&records, self.objective(), self.full_epochs());
        records.iter().map(|t| t.id).zip(curve).collect()
    }

    /// Halving's rungs, bracket by bracket, with the trials each promoted.
    pub fn rungs(&self) -> Vec<RungView> {
        let mut rungs: BTreeMap<(usize, usize), RungView> = BTreeMap::new();
        for trial in self.trials.values() {
            if let Origin::Rung { bracket, rung, from } = trial.proposal.origin {
                let view = rungs.entry((bracket, rung)).or_insert_with(|| RungView { bracket, rung, ..RungView::default() });
                view.epochs = trial.proposal.epochs;
                view.trials.push(trial.id);
                if let Some(from) = from {
                    if let Some(below) = rung.checked_sub(1).and_then(|r| rungs.get_mut(&(bracket, r))) {
                        below.promoted.push(from);
                    }
                }
            }
        }
        rungs.into_values().collect()
    }

    /// Every child joined to its parent.
    pub fn lineage(&self) -> Vec<Lineage> {
        self.trials
            .values()
            .filter_map(|t| match &t.proposal.origin {
                Origin::Mutation { parent, change } => Some(Lineage { child: t.id, parent: *parent, change: change.clone() }),
                Origin::Rung { from: Some(from), .. } => Some(Lineage { child: t.id, parent: *from, change: String::new() }),
                _ => None,
            })
            .collect()
    }

    /// The median training speed (samples per second) over the finished trials' last epochs:
    /// what this search's networks train at, for estimating the next one's cost.
    pub fn samples_per_second(&self) -> Option<f64> {
        let mut speeds: Vec<f64> =
            self.trials.values().filter_map(|t| t.record.as_ref()?.result.last()).map(|m| m.samples_per_sec).filter(|s| *s > 0.0).collect();
        speeds.sort_by(f64::total_cmp);
        speeds.get(speeds.len() / 2).copied()
    }

    /// Epochs trained so far by finished trials (a promoted trial counts only what it added).
    pub fn epochs_trained(&self) -> usize {
        self.trials.values().filter_map(|t| t.record.as_ref()).map(TrialRecord::epochs_trained).sum()
    }

    /// Training seconds of the finished trials, added up.
    pub fn trial_seconds(&self) -> f64 {
        self.trials.values().filter_map(|t| t.record.as_ref()).map(|r| r.result.seconds).sum()
    }

    /// The share of the budget done, 0 to 1, where the search has a budget or ends by itself.
    pub fn fraction_done(&self) -> Option<f64> {
        if self.finished.is_some() {
            return Some(1.0);
        }
        let config = self.config.as_ref()?;
        let done_trials = self.trials.values().map(TrialView::fraction_done).sum::<f64>();
        let mut fractions = Vec::new();
        if let Some(n) = config.budget.trials {
            fractions.push(done_trials / n.max(1) as f64);
        }
        if let Some(seconds) = config.budget.seconds {
            fractions.push(self.trial_seconds() / seconds);
        }
        if let Some(epochs) = config.budget.epochs {
            fractions.push(self.epochs_trained() as f64 / epochs.max(1) as f64);
        }
        if config.strategy.is_finite() && self.space_size > 0 {
            fractions.push(done_trials / self.space_size as f64);
        }
        fractions.into_iter().reduce(f64::max).map(|f| f.clamp(0.0, 1.0))
    }

    /// Seconds left at the pace so far, with `jobs` trials training at once.
    pub fn eta_seconds(&self, jobs: usize) -> Option<f64> {
        let done = self.fraction_done()?;
        let spent = self.trial_seconds();
        if done <= 0.0 || spent <= 0.0 {
            return None;
        }
        Some(spent * (1.0 - done) / done / jobs.max(1) as f64)
    }
}
