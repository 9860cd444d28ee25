//! Trials: what a strategy proposes (a candidate, how many epochs, and where it came from), and
//! what came of it (metrics per epoch, size, time, or the reason it failed).

use serde::{Deserialize, Serialize};

use super::candidate::Candidate;
use crate::nn::{EpochMetrics, ModelSpec};

/// Where a proposal came from: its lineage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// The grid's member with this index.
    Grid { index: u64 },
    /// A random draw.
    Random,
    /// A random member of evolution's first population.
    Initial,
    /// Evolution: a copy of trial `parent` with one decision changed.
    Mutation { parent: usize, change: String },
    /// Successive halving: rung `rung` of bracket `bracket`; `from` is the trial of the rung below
    /// that earned this one (none on the first rung).
    Rung { bracket: usize, rung: usize, from: Option<usize> },
}

impl Origin {
    /// The trial this one descends from, if any.
    pub fn parent(&self) -> Option<usize> {
        match *self {
            Origin::Mutation { parent, .. } => Some(parent),
            Origin::Rung { from, .. } => from,
            _ => None,
        }
    }
}

/// An earlier trial of the same candidate that a proposal goes on from: its weights after
/// `epochs` epochs are where this one starts, so only the epochs past them cost anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continues {
    pub trial: usize,
    pub epochs: usize,
}

/// What a strategy asks to be trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub candidate: Candidate,
    pub epochs: usize,
    pub origin: Origin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<Continues>,
    /// How many finished trials the strategy saw when it made this proposal, where that is
    /// fewer than all before it (trials in parallel); resuming replays it with the same view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<usize>,
}

impl Proposal {
    /// A proposal trained from scratch.
    pub fn fresh(candidate: Candidate, epochs: usize, origin: Origin) -> Self {
        Proposal { candidate, epochs, origin, continues: None, seen: None }
    }
}

/// Why a trial produced no usable result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The loss became NaN or exploded.
    Diverged,
    /// The network did not fit in the device's memory.
    OutOfMemory,
    /// The network could not be built for this data.
    InvalidModel,
    /// The device rejected the work for another reason.
    Engine,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// What came of a trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    pub parameters: usize,
    /// Forward-pass FLOPs per sample.
    pub flops: u64,
    /// One entry per epoch trained.
    pub history: Vec<EpochMetrics>,
    /// Measured training time (evaluation included).
    pub seconds: f64,
    /// The network that was trained, after any repairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl TrialResult {
    pub fn failed(kind: FailureKind, message: String) -> Self {
        TrialResult {
            parameters: 0,
            flops: 0,
            history: Vec::new(),
            seconds: 0.0,
            model: None,
            repairs: Vec::new(),
            failure: Some(Failure { kind, message }),
        }
    }

    pub fn last(&self) -> Option<&EpochMetrics> {
        self.history.last()
    }
}

/// A finished trial as the log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Counted from 0, in the order trials ran.
    pub id: usize,
    pub proposal: Proposal,
    pub result: TrialResult,
}

impl TrialRecord {
    /// Epochs this trial trained itself: those past the trial it continues.
    pub fn epochs_trained(&self) -> usize {
        self.result.history.len().saturating_sub(self.proposal.continues.map_or(0, |c| c.epochs))
    }
}
