//! Classroom presets: one click sets up an experiment that asks one question, with a few
//! sentences saying what to look for. A teacher shares any of them by link (`?preset=xor`).

use super::config::Budget;
use super::experiment::Experiment;
use super::space::SearchSpace;
use super::strategy::StrategyConfig;

/// A ready experiment and what it teaches.
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    /// What to look for, in two or three sentences.
    pub guide: &'static str,
    data: &'static str,
    space: &'static str,
    strategy: StrategyConfig,
    budget: Budget,
    noise_percent: u32,
    images: usize,
}

impl Preset {
    /// The experiment, for a page that runs `jobs` workers.
    pub fn experiment(&self, jobs: usize) -> Experiment {
        Experiment {
            data: self.data.into(),
            noise_percent: self.noise_percent,
            images: self.images,
            space: SearchSpace::from_json(self.space).expect("the presets' spaces are valid"),
            strategy: self.strategy.clone(),
            budget: self.budget,
            seed: 1,
            ..Experiment::new(jobs)
        }
    }
}

const XOR_WIDTHS: &str = r#"{
  "family": "mlp",
  "dense": {"depth": {"min": 1, "max": 1}, "widths": [1, 2, 3, 4, 8]},
  "activations": ["tanh", "relu"],
  "optimizers": ["adam"],
  "learning_rate": {"min": 0.03, "max": 0.03, "steps": 1},
  "batch_sizes": [16],
  "epochs": 40
}"#;

const SPIRAL_ACTIVATIONS: &str = r#"{
  "family": "mlp",
  "dense": {"depth": {"min": 2, "max": 2}, "widths": [12]},
  "activations": ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "gelu"],
  "optimizers": ["adam"],
  "learning_rate": {"min": 0.01, "max": 0.01, "steps": 1},
  "batch_sizes": [16],
  "epochs": 60
}"#;

const MNIST_MLP: &str = r#"{
  "family": "mlp",
  "dense": {"depth": {"min": 1, "max": 2}, "widths": [32, 64, 128]},
  "activations": ["relu"],
  "optimizers": ["adam"],
  "learning_rate": {"min": 0.001, "max": 0.003, "steps": 2},
  "batch_sizes": [32],
  "epochs": 3
}"#;

const MNIST_CNN: &str = r#"{
  "family": "cnn",
  "conv": {"depth": {"min": 1, "max": 2}, "filters": [8, 16], "kernels": [3, 5], "pooling": ["max"], "padding": "same"},
  "dense": {"depth": {"min": 0, "max": 1}, "widths": [32, 64]},
  "activations": ["relu"],
  "optimizers": ["adam"],
  "learning_rate": {"min": 0.001, "max": 0.003, "steps": 2},
  "batch_sizes": [32],
  "epochs": 3
}"#;

const SPIRAL_SPACE: &str = include_str!("../../www/spaces/spiral-mlp.json");

/// Every preset, in the order the page lists them.
pub fn presets() -> Vec<Preset> {
    let epochs = |n: usize| Budget { epochs: Some(n), ..Budget::default() };
    vec![
        Preset {
            id: "xor",
            title: "XOR: how many hidden units does it need?",
            guide: "The grid tries one hidden layer of 1, 2, 3, 4 and 8 units. Sort the leaderboard by parameters: \
                    the smallest network that reaches 100 % is the answer. Look at the score against size chart: \
                    past that width, more units buy nothing.",
            data: "xor",
            space: XOR_WIDTHS,
            strategy: StrategyConfig::Grid,
            budget: Budget::default(),
            noise_percent: 0,
            images: 3000,
        },
        Preset {
            id: "spiral-activations",
            title: "Spiral: does the activation matter?",
            guide: "Six networks that differ only in their activation. The identity cannot bend the plane, so it stays near \
                    chance; watch the learning curves to see which activations learn the spiral and how fast. The \
                    parallel coordinates show the activation axis deciding the score.",
            data: "spiral",
            space: SPIRAL_ACTIVATIONS,
            strategy: StrategyConfig::Grid,
            budget: Budget::default(),
            noise_percent: 0,
            images: 3000,
        },
        Preset {
            id: "mnist-mlp",
            title: "MNIST, part 1: dense networks",
            guide: "Eight trials of dense networks on 2,000 digits. Note the best accuracy and the parameters it took, \
                    then open part 2: convolutions on the same digits and budget. Compare the two score against size \
                    charts: convolutions reach the same accuracy with far fewer parameters.",
            data: "mnist",
            space: MNIST_MLP,
            strategy: StrategyConfig::Random,
            budget: Budget::trials(8),
            noise_percent: 0,
            images: 2000,
        },
        Preset {
            id: "mnist-cnn",
            title: "MNIST, part 2: convolutions",
            guide: "The same digits and budget as part 1, now with convolution blocks. Each trial costs more time; look at \
                    what it buys in accuracy per parameter.",
            data: "mnist",
            space: MNIST_CNN,
            strategy: StrategyConfig::Random,
            budget: Budget::trials(8),
            noise_percent: 0,
            images: 2000,
        },
        Preset {
            id: "halving",
            title: "Successive halving, against random search on the same budget (part 1)",
            guide: "A budget of 400 epochs. Halving trains many networks for 1 epoch and gives the best third three times \
                    more; the rungs chart shows who went on. Note the best score, then open part 2: random search with \
                    the same 400 epochs, each trial trained in full.",
            data: "spiral",
            space: SPIRAL_SPACE,
            strategy: StrategyConfig::Halving { eta: 3, min_epochs: 1, hyperband: false },
            budget: epochs(400),
            noise_percent: 10,
            images: 3000,
        },
        Preset {
            id: "random-same-budget",
            title: "Random search on the same budget (part 2)",
            guide: "Random search with the same 400 epochs as part 1: at 40 epochs a trial, that is only 10 networks. \
                    Compare its best score and its best-so-far by time with halving's.",
            data: "spiral",
            space: SPIRAL_SPACE,
            strategy: StrategyConfig::Random,
            budget: epochs(400),
            noise_percent: 10,
            images: 3000,
        },
        Preset {
            id: "evolution",
            title: "Evolution: watch the family tree",
            guide: "Ten random networks start the population; after that, each trial copies a winner of a small \
                    tournament and changes one decision. The family tree joins every child to its parent with the \
                    mutation that made it: follow the lines to the best network.",
            data: "spiral",
            space: SPIRAL_SPACE,
            strategy: StrategyConfig::Evolution { population: 10, sample: 3 },
            budget: Budget::trials(40),
            noise_percent: 5,
            images: 3000,
        },
    ]
}

/// A preset by its id.
pub fn preset(id: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.id == id)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::nas::session::{load_data, open_search, run_native};
    use crate::nas::{EngineChoice, EnginePick, RecordingHost, RunEnd, SearchEvent};

    #[test]
    fn every_preset_is_a_valid_experiment_that_runs() {
        let mut ids = std::collections::HashSet::new();
        for preset in presets() {
            assert!(ids.insert(preset.id), "{} twice", preset.id);
            assert!(preset.guide.split(". ").count() >= 2, "{}: say what to look for", preset.id);
            let mut config = preset.experiment(1).config().unwrap_or_else(|e| panic!("{}: {e}", preset.id));
            // Two trials of one epoch each: the same data, space and strategy, run for real.
            config.space.epochs = config.space.epochs.min(3);
            if let StrategyConfig::Halving { min_epochs, .. } = &mut config.strategy {
                *min_epochs = 1;
            }
            config.budget = Budget::trials(2);
            let data = load_data(&config).unwrap_or_else(|e| panic!("{}: {e}", preset.id));
            let mut opened = open_search(config, data.task, None).unwrap();
            let mut host = RecordingHost::default();
            let end = run_native(&mut opened.search, &data, &EnginePick::decide(EngineChoice::Cpu, Vec::new()), (1, 1), &mut host).unwrap();
            assert!(matches!(end, RunEnd::Finished(_)), "{}: {end:?}", preset.id);
            let finished = host.events.iter().filter(|e| matches!(e, SearchEvent::TrialFinished { .. })).count();
            assert_eq!(finished, 2, "{}", preset.id);
        }
        assert_eq!(preset("xor").unwrap().experiment(1).data, "xor");
        assert!(preset("nope").is_none());
    }
}
