//! What a search optimises and how trials compare: the score (validation accuracy, or validation
//! loss for regression), the Pareto front of score against size, and the best so far.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::trial::TrialRecord;

/// The quantity a search ranks trials by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Higher is better.
    ValidationAccuracy,
    /// Lower is better (used for regression).
    ValidationLoss,
    /// A GAN's: the target's modes its samples cover first, then the share of high-quality
    /// samples (targets without modes, `modes` 0: 1 - JS / ln 2 between the densities).
    ModesThenQuality { modes: usize },
}

impl Objective {
    /// The score of a trial, higher is better; `None` for a failed trial or one with no epoch.
    pub fn score(self, trial: &TrialRecord) -> Option<f64> {
        if trial.result.failure.is_some() {
            return None;
        }
        self.epoch_score(trial.result.last()?)
    }

    /// The score after one epoch, higher is better (a trial's score is its last epoch's).
    pub fn epoch_score(self, epoch: &crate::nn::EpochMetrics) -> Option<f64> {
        let value = match self {
            Objective::ValidationAccuracy => epoch.validation_accuracy.or(epoch.train_accuracy)? as f64,
            Objective::ValidationLoss => -(epoch.validation_loss.unwrap_or(epoch.train_loss) as f64),
            Objective::ModesThenQuality { .. } => gan_score(epoch)?,
        };
        value.is_finite().then_some(value)
    }

    /// The score as people read it: accuracy in percent, or the loss itself.
    pub fn display(self, score: f64) -> String {
        match self {
            Objective::ValidationAccuracy => format!("{:.2} %", score * 100.0),
            Objective::ValidationLoss => format!("{:.4}", -score),
            Objective::ModesThenQuality { modes: 0 } => format!("closeness {score:.3}"),
            Objective::ModesThenQuality { modes } => {
                format!("{}/{modes} modes, {:.1} % HQ", score.floor(), score.fract() * 100.0)
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Objective::ValidationAccuracy => "validation accuracy",
            Objective::ValidationLoss => "validation loss",
            Objective::ModesThenQuality { .. } => "modes covered, then high-quality share",
        }
    }
}

/// Below 1, so a high-quality share never counts as another mode.
const MOST_QUALITY: f64 = 0.9999;

/// A GAN epoch's score: modes covered plus the high-quality share (kept below 1), or for a
/// target without modes the closeness alone (see `nas::gan_trial`).
fn gan_score(last: &crate::nn::EpochMetrics) -> Option<f64> {
    let quality = (last.validation_accuracy? as f64).min(MOST_QUALITY);
    Some(last.modes_covered.map_or(quality, |covered| covered as f64 + quality))
}

/// The leaderboard order: higher score first (failed trials last), then fewer parameters, then
/// the earlier trial.
fn compare(objective: Objective, a: &TrialRecord, b: &TrialRecord) -> Ordering {
    let score = |t: &TrialRecord| objective.score(t).unwrap_or(f64::NEG_INFINITY);
    score(b).total_cmp(&score(a)).then((a.result.parameters, a.id).cmp(&(b.result.parameters, b.id)))
}

/// The scored trials that trained the search's full `epochs` (multi-fidelity searches also hold
/// short, cheaper runs that are not comparable).
fn at_full_fidelity(trials: &[TrialRecord], objective: Objective, epochs: usize) -> impl Iterator<Item = &TrialRecord> {
    trials.iter().filter(move |t| t.proposal.epochs == epochs && objective.score(t).is_some())
}

/// The best trial that trained the full `epochs`.
pub fn best(trials: &[TrialRecord], objective: Objective, epochs: usize) -> Option<&TrialRecord> {
    at_full_fidelity(trials, objective, epochs).min_by(|a, b| compare(objective, a, b))
}

/// Trials ranked for leaderboards: longest-trained first, then best first, failed ones last.
pub fn ranking(trials: &[TrialRecord], objective: Objective) -> Vec<&TrialRecord> {
    let mut ranked: Vec<&TrialRecord> = trials.iter().collect();
    let failed = |t: &TrialRecord| objective.score(t).is_none();
    ranked.sort_by(|a, b| failed(a).cmp(&failed(b)).then(b.proposal.epochs.cmp(&a.proposal.epochs)).then_with(|| compare(objective, a, b)));
    ranked
}

/// The trials (at full `epochs`) that no other beats on both score and parameter count, in
/// order of size.
pub fn pareto_front(trials: &[TrialRecord], objective: Objective, epochs: usize) -> Vec<usize> {
    let mut points: Vec<&TrialRecord> = at_full_fidelity(trials, objective, epochs).collect();
    points.sort_by(|a, b| a.result.parameters.cmp(&b.result.parameters).then_with(|| compare(objective, a, b)));
    let mut front = Vec::new();
    let mut best_score = f64::NEG_INFINITY;
    for t in points {
        let score = objective.score(t).expect("only scored trials are at full fidelity");
        if score > best_score {
            front.push(t.id);
            best_score = score;
        }
    }
    front
}

/// After each trial, the best score reached so far at the search's full fidelity `epochs`
/// (`None` until one trial gets there).
pub fn best_so_far(trials: &[TrialRecord], objective: Objective, epochs: usize) -> Vec<Option<f64>> {
    let mut best: Option<f64> = None;
    trials
        .iter()
        .map(|t| {
            if t.proposal.epochs == epochs {
                if let Some(s) = objective.score(t) {
                    best = Some(best.map_or(s, |b: f64| b.max(s)));
                }
            }
            best
        })
        .collect()
}
