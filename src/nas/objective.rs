//! What a search optimises and how trials compare: the score (validation accuracy, or validation
//! loss for regression), the Pareto front of score against size, and the best so far.

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
}

impl Objective {
    /// The score of a trial, higher is better; `None` for a failed trial or one with no epoch.
    pub fn score(self, trial: &TrialRecord) -> Option<f64> {
        if trial.result.failure.is_some() {
            return None;
        }
        let last = trial.result.last()?;
        let value = match self {
            Objective::ValidationAccuracy => last.validation_accuracy.or(last.train_accuracy)? as f64,
            Objective::ValidationLoss => -(last.validation_loss.unwrap_or(last.train_loss) as f64),
        };
        value.is_finite().then_some(value)
    }

    /// The score as people read it: accuracy in percent, or the loss itself.
    pub fn display(self, score: f64) -> String {
        match self {
            Objective::ValidationAccuracy => format!("{:.2} %", score * 100.0),
            Objective::ValidationLoss => format!("{:.4}", -score),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Objective::ValidationAccuracy => "validation accuracy",
            Objective::ValidationLoss => "validation loss",
        }
    }
}

/// Whether `a` should rank above `b`: higher score, then fewer parameters, then earlier.
fn better(objective: Objective, a: &TrialRecord, b: &TrialRecord) -> bool {
    let (sa, sb) = (objective.score(a), objective.score(b));
    match (sa, sb) {
        (Some(x), Some(y)) if x != y => x > y,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        _ => (a.result.parameters, a.id) < (b.result.parameters, b.id),
    }
}

/// The trials that count for "best": those trained the most epochs any finished trial reached
/// (multi-fidelity searches also hold short, cheaper runs that are not comparable).
fn full_fidelity(trials: &[TrialRecord], objective: Objective) -> impl Iterator<Item = &TrialRecord> {
    let top = trials.iter().filter(|t| objective.score(t).is_some()).map(|t| t.proposal.epochs).max().unwrap_or(0);
    trials.iter().filter(move |t| t.proposal.epochs == top && objective.score(t).is_some())
}

/// The best trial at full fidelity.
pub fn best(trials: &[TrialRecord], objective: Objective) -> Option<&TrialRecord> {
    full_fidelity(trials, objective).fold(None, |best: Option<&TrialRecord>, t| match best {
        Some(b) if !better(objective, t, b) => Some(b),
        _ => Some(t),
    })
}

/// Trials ranked best first (failed ones last), for leaderboards.
pub fn ranking(trials: &[TrialRecord], objective: Objective) -> Vec<&TrialRecord> {
    let mut ranked: Vec<&TrialRecord> = trials.iter().collect();
    ranked.sort_by(|a, b| {
        let fidelity = b.proposal.epochs.cmp(&a.proposal.epochs);
        let key = |t: &TrialRecord| objective.score(t).is_some();
        key(b).cmp(&key(a)).then(fidelity).then_with(|| {
            if better(objective, a, b) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        })
    });
    ranked
}

/// The trials (at full fidelity) that no other beats on both score and parameter count, in
/// order of size.
pub fn pareto_front(trials: &[TrialRecord], objective: Objective) -> Vec<usize> {
    let mut points: Vec<(usize, f64, usize)> =
        full_fidelity(trials, objective).map(|t| (t.result.parameters, objective.score(t).unwrap(), t.id)).collect();
    points.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut front = Vec::new();
    let mut best_score = f64::NEG_INFINITY;
    for (_, score, id) in points {
        if score > best_score {
            front.push(id);
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
