//! Random search: each decision drawn uniformly on its own, as MagicNet draws its candidates.

use rand_chacha::ChaCha8Rng;

use super::{strategy_rng, Step, Strategy};
use crate::nas::space::SearchSpace;
use crate::nas::trial::{Origin, Proposal, TrialRecord};

pub struct RandomSearch {
    space: SearchSpace,
    rng: ChaCha8Rng,
}

impl RandomSearch {
    pub fn new(space: SearchSpace, seed: u64) -> Self {
        RandomSearch { space, rng: strategy_rng(seed, 1) }
    }
}

impl Strategy for RandomSearch {
    fn propose(&mut self, _id: usize, _seen: &[TrialRecord]) -> Step {
        Step::Propose(Proposal::fresh(self.space.sample(&mut self.rng), self.space.epochs, Origin::Random))
    }
}
