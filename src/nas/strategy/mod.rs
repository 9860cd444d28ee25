//! Search strategies: small interchangeable types behind one trait. Each is seeded and
//! deterministic: the same seed and the same results give the same proposals, which is what lets
//! a stopped search resume exactly (the log's results are replayed into a fresh strategy).

mod evolution;
mod grid;
mod halving;
mod random;

pub use evolution::Evolution;
pub use grid::Grid;
pub use halving::{Halving, Rung};
pub use random::RandomSearch;

use serde::{Deserialize, Serialize};

use super::objective::Objective;
use super::space::SearchSpace;
use super::trial::{Proposal, TrialRecord};

/// What a strategy says when asked for the next trial.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Propose(Proposal),
    /// It needs results that are still training (halving waits for a whole rung); asked again
    /// once more trials have finished. Saying this changes nothing in the strategy.
    Wait,
    /// Nothing is left to try.
    Done,
}

/// Proposes what to train next from what has been trained so far.
pub trait Strategy {
    /// The proposal for trial `id`, seeing the finished trials `seen`: trials 0, 1, ... in order,
    /// possibly fewer than `id` when trials run in parallel (the others are still training).
    /// The same calls in the same order give the same answers, which is what makes a parallel
    /// search repeat for a seed and a log resume exactly.
    fn propose(&mut self, id: usize, seen: &[TrialRecord]) -> Step;
}

fn default_population() -> usize {
    20
}

fn default_sample() -> usize {
    5
}

fn default_eta() -> usize {
    3
}

fn one() -> usize {
    1
}

/// A strategy and its settings, as the search config and the CLI name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategyConfig {
    /// Every member in index order.
    Grid,
    /// Members drawn one decision at a time (MagicNet's way).
    Random,
    /// Regularized (aging) evolution: a tournament of `sample` picks the parent from the
    /// `population` most recent trials; the child changes one decision.
    Evolution {
        #[serde(default = "default_population")]
        population: usize,
        #[serde(default = "default_sample")]
        sample: usize,
    },
    /// Successive halving over epochs: many candidates get `min_epochs`, the best 1/`eta` of each
    /// rung get `eta` times more, up to the space's epochs. With `hyperband`, brackets that
    /// start at higher fidelities take turns.
    Halving {
        #[serde(default = "default_eta")]
        eta: usize,
        #[serde(default = "one")]
        min_epochs: usize,
        #[serde(default)]
        hyperband: bool,
    },
}

impl StrategyConfig {
    pub fn evolution() -> Self {
        StrategyConfig::Evolution { population: default_population(), sample: default_sample() }
    }

    pub fn halving() -> Self {
        StrategyConfig::Halving { eta: default_eta(), min_epochs: 1, hyperband: false }
    }

    pub fn name(&self) -> &'static str {
        match self {
            StrategyConfig::Grid => "grid",
            StrategyConfig::Random => "random",
            StrategyConfig::Evolution { .. } => "evolution",
            StrategyConfig::Halving { hyperband: false, .. } => "successive halving",
            StrategyConfig::Halving { hyperband: true, .. } => "hyperband",
        }
    }

    /// Whether the strategy stops by itself (otherwise the search needs a budget).
    pub fn is_finite(&self) -> bool {
        matches!(self, StrategyConfig::Grid)
    }

    /// Checks the settings against the space; the message names the setting.
    pub fn validate(&self, space: &SearchSpace) -> Result<(), String> {
        match *self {
            StrategyConfig::Evolution { population, sample } => {
                if population < 2 {
                    return Err(format!("evolution's population is {population}; it needs at least 2"));
                }
                if sample == 0 || sample > population {
                    return Err(format!("evolution's sample is {sample}; it must be between 1 and the population ({population})"));
                }
            }
            StrategyConfig::Halving { eta, min_epochs, .. } => {
                if !(2..=64).contains(&eta) {
                    return Err(format!("halving's eta is {eta}; it must be between 2 and 64"));
                }
                if min_epochs == 0 || min_epochs > space.epochs {
                    return Err(format!(
                        "halving's min_epochs is {min_epochs}; it must be between 1 and the space's epochs ({})",
                        space.epochs
                    ));
                }
            }
            StrategyConfig::Grid | StrategyConfig::Random => {}
        }
        Ok(())
    }

    /// A fresh strategy for `space` (already validated), seeded with `seed`.
    pub fn build(&self, space: &SearchSpace, objective: Objective, seed: u64) -> Box<dyn Strategy> {
        match *self {
            StrategyConfig::Grid => Box::new(Grid::new(space.clone())),
            StrategyConfig::Random => Box::new(RandomSearch::new(space.clone(), seed)),
            StrategyConfig::Evolution { population, sample } => {
                Box::new(Evolution::new(space.clone(), objective, population, sample, seed))
            }
            StrategyConfig::Halving { eta, min_epochs, hyperband } => {
                Box::new(Halving::new(space.clone(), objective, eta, min_epochs, hyperband, seed))
            }
        }
    }
}

/// The seeded generator strategies draw from (ChaCha8: the same stream natively and in wasm).
pub(crate) fn strategy_rng(seed: u64, salt: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
