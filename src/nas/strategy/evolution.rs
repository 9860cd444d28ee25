//! Regularized evolution (Real et al., 2019): the population is the `population` most recent
//! trials, so every member ages out however good it was; each new trial mutates the best of a
//! random `sample` of that population in one decision.

use rand::seq::index;
use rand_chacha::ChaCha8Rng;

use super::{strategy_rng, Step, Strategy};
use crate::nas::mutation::mutate;
use crate::nas::objective::Objective;
use crate::nas::space::SearchSpace;
use crate::nas::trial::{Origin, Proposal, TrialRecord};

pub struct Evolution {
    space: SearchSpace,
    objective: Objective,
    population: usize,
    sample: usize,
    rng: ChaCha8Rng,
}

impl Evolution {
    pub fn new(space: SearchSpace, objective: Objective, population: usize, sample: usize, seed: u64) -> Self {
        Evolution { space, objective, population, sample, rng: strategy_rng(seed, 2) }
    }
}

impl Strategy for Evolution {
    /// Asynchronous, as in the paper's workers: a child's parent is drawn from the population
    /// among the trials `seen` finished, whatever is still training.
    fn propose(&mut self, _id: usize, seen: &[TrialRecord]) -> Step {
        let epochs = self.space.epochs;
        if seen.len() < self.population {
            return Step::Propose(Proposal::fresh(self.space.sample(&mut self.rng), epochs, Origin::Initial));
        }
        let alive = &seen[seen.len() - self.population..];
        let contestants = index::sample(&mut self.rng, alive.len(), self.sample);
        // The best contestant wins; a failed trial loses to any that finished; ties go to the first drawn.
        let score = |t: &TrialRecord| self.objective.score(t).unwrap_or(f64::NEG_INFINITY);
        let mut drawn = contestants.iter().map(|i| &alive[i]);
        let first = drawn.next().expect("the tournament has at least one contestant");
        let parent = drawn.fold(first, |best, t| if score(t) > score(best) { t } else { best });
        let (candidate, change) = mutate(&self.space, &parent.proposal.candidate, &mut self.rng)
            .unwrap_or_else(|| (parent.proposal.candidate.clone(), "none: the space has a single member".into()));
        Step::Propose(Proposal::fresh(candidate, epochs, Origin::Mutation { parent: parent.id, change }))
    }
}
