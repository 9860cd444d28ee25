//! The messages between the page and its search workers, as JSON: the page hands each worker the
//! search's config once, then one trial at a time (or several to fuse); a worker answers with its data and engine
//! reports, the trial's events as they happen, and the trial's outcome. The page's coordinator
//! keeps the `Search` (proposals are cheap); workers only train.

use serde::{Deserialize, Serialize};

use super::config::SearchConfig;
use super::engine_pick::{EngineChoice, EnginePick};
use super::event::SearchEvent;
use super::inspect::TrialInspection;
use super::trained::TrainedModel;
use super::trial::{Proposal, TrialResult};
use crate::nn::Task;

/// What the page asks of a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum ToWorker {
    /// Fetch or generate the config's data and open the engine: with `probe`, time both engines
    /// on the search's own network first and take `engine` (auto: the faster); without, take
    /// `engine` as it is (auto without a probe: the CPU).
    Prepare {
        config: Box<SearchConfig>,
        engine: EngineChoice,
        probe: bool,
    },
    /// Train this trial and answer `TrialDone`.
    Train {
        trial: usize,
        proposal: Box<Proposal>,
    },
    /// Train these trials, those of one shape fused into stacks of up to `fuse`
    /// (`Evaluator::fusion_key`), and answer a `TrialDone` for each.
    TrainFused {
        trials: Vec<(usize, Proposal)>,
        fuse: usize,
    },
    /// Hold training between two steps until `Resume`.
    Pause,
    Resume,
    /// End the running trial between two steps (it is not recorded).
    Stop,
}

/// How a trial ended in a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TrialOutcome {
    Done {
        result: Box<TrialResult>,
    },
    Stopped,
    /// The worker's GPU is gone: the page trains the trial again on the CPU.
    DeviceLost {
        message: String,
    },
}

/// What a worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// Its WebAssembly has started: it takes commands from now on.
    Ready,
    /// Downloading the data: bytes so far, and the total where the server says.
    Loading {
        loaded: u64,
        total: Option<u64>,
    },
    /// The data is in and the engine open.
    Prepared {
        task: Task,
        train: usize,
        validation: usize,
        warnings: Vec<String>,
        engine: EnginePick,
    },
    /// A trial's epoch or progress.
    Event {
        event: SearchEvent,
    },
    TrialDone {
        trial: usize,
        outcome: TrialOutcome,
    },
    /// A running trial's weights after an epoch (data on the plane only), to draw it learning.
    Snapshot {
        trial: usize,
        epoch: usize,
        trained: Box<TrainedModel>,
    },
    /// A trial that trained to the end: its weights and validation report (sent before its
    /// `TrialDone`).
    Inspected {
        trial: usize,
        inspection: Box<TrialInspection>,
    },
    /// Something went wrong that is not a trial's own failure (bad data, a lost worker).
    Error {
        message: String,
    },
}

impl ToWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("commands always serialise")
    }
}

impl FromWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("worker messages always serialise")
    }

    /// Reads a worker's message; a message that does not parse becomes an `Error` saying so.
    pub fn from_json(text: &str) -> FromWorker {
        serde_json::from_str(text)
            .unwrap_or_else(|e| FromWorker::Error { message: format!("a worker sent a message that does not parse ({e})") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nas::{Budget, DataSource, DataSpec, SearchSpace, StrategyConfig};

    #[test]
    fn commands_and_messages_round_trip_through_json() {
        let space: SearchSpace = serde_json::from_str(
            r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [4, 8]}, "activations": ["relu"],
                "optimizers": ["adam"], "learning_rate": {"min": 0.01, "max": 0.01, "steps": 1}, "batch_sizes": [16], "epochs": 2}"#,
        )
        .unwrap();
        let config = SearchConfig {
            space: space.clone(),
            data: DataSpec::new("spiral".parse::<DataSource>().unwrap()),
            strategy: StrategyConfig::Random,
            budget: Budget::trials(3),
            seed: 1,
            objective: None,
        };
        let command = ToWorker::Prepare { config: Box::new(config), engine: EngineChoice::Auto, probe: true };
        let json = command.to_json();
        assert!(json.starts_with(r#"{"command":"prepare""#), "{json}");
        assert_eq!(serde_json::from_str::<ToWorker>(&json).unwrap(), command);
        let proposal = crate::nas::Proposal::fresh(space.member(1), 2, crate::nas::Origin::Random);
        let command = ToWorker::Train { trial: 4, proposal: Box::new(proposal.clone()) };
        assert_eq!(serde_json::from_str::<ToWorker>(&command.to_json()).unwrap(), command);
        let command = ToWorker::TrainFused { trials: vec![(4, proposal.clone()), (5, proposal)], fuse: 4 };
        assert_eq!(serde_json::from_str::<ToWorker>(&command.to_json()).unwrap(), command);
        let message = FromWorker::TrialDone { trial: 4, outcome: TrialOutcome::DeviceLost { message: "gone".into() } };
        assert_eq!(FromWorker::from_json(&message.to_json()), message);
        assert!(matches!(FromWorker::from_json("{\"kind\": \"nonsense\"}"), FromWorker::Error { .. }));
    }
}
