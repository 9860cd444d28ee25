//! The events a search emits as it runs: what the page reduces into its charts and what the CLI
//! writes, one JSON object a line, as the search log.

use serde::{Deserialize, Serialize};

use super::config::SearchConfig;
use super::objective::Objective;
use super::search::SearchSummary;
use super::trial::{Proposal, TrialRecord};
use crate::nn::EpochMetrics;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SearchEvent {
    /// The first line of every log.
    SearchStarted {
        version: String,
        config: Box<SearchConfig>,
        space_size: u64,
        /// What the search ranks by (absent in logs of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        objective: Option<Objective>,
    },
    TrialStarted {
        trial: usize,
        proposal: Proposal,
    },
    Epoch {
        trial: usize,
        metrics: EpochMetrics,
    },
    /// How far the running epoch of a trial has got: sent at most about ten times a second per
    /// trial, for progress bars; never written to the log.
    Progress {
        trial: usize,
        epoch: usize,
        step: usize,
        steps: usize,
    },
    /// The trial's whole record: metrics per epoch, size, time, lineage, or why it failed.
    TrialFinished {
        record: Box<TrialRecord>,
    },
    SearchFinished {
        summary: SearchSummary,
    },
}

impl SearchEvent {
    /// The events a finished trial produced, in order, as a log holds them.
    pub fn of_trial(record: &TrialRecord) -> Vec<SearchEvent> {
        let mut events = vec![SearchEvent::TrialStarted { trial: record.id, proposal: record.proposal.clone() }];
        events.extend(record.result.history.iter().map(|m| SearchEvent::Epoch { trial: record.id, metrics: m.clone() }));
        events.push(SearchEvent::TrialFinished { record: Box::new(record.clone()) });
        events
    }

    /// Whether the log keeps this event (progress is only for watching).
    pub fn is_logged(&self) -> bool {
        !matches!(self, SearchEvent::Progress { .. })
    }

    /// The trial this event is about, if any.
    pub fn trial(&self) -> Option<usize> {
        match self {
            SearchEvent::TrialStarted { trial, .. } | SearchEvent::Epoch { trial, .. } | SearchEvent::Progress { trial, .. } => {
                Some(*trial)
            }
            SearchEvent::TrialFinished { record } => Some(record.id),
            SearchEvent::SearchStarted { .. } | SearchEvent::SearchFinished { .. } => None,
        }
    }

    /// One log line (no newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("search events always serialise")
    }
}
