//! Successive halving over epochs, and Hyperband's brackets of it (Li et al., 2018): many random
//! candidates train a few epochs, the best 1/eta of each rung train eta times longer, until the
//! survivors train the space's full epochs. A promoted trial continues its shorter run (the
//! evaluator keeps the weights, or retrains to the same weights when it has not kept them), so
//! a rung costs only the epochs it adds.

use std::collections::VecDeque;

use rand_chacha::ChaCha8Rng;

use super::{strategy_rng, Step, Strategy};
use crate::nas::objective::Objective;
use crate::nas::space::SearchSpace;
use crate::nas::trial::{Continues, Origin, Proposal, TrialRecord};

/// One rung of a bracket: how many candidates train, and for how many epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    pub candidates: usize,
    pub epochs: usize,
}

pub struct Halving {
    space: SearchSpace,
    objective: Objective,
    eta: usize,
    min_epochs: usize,
    hyperband: bool,
    rng: ChaCha8Rng,
    /// Brackets started so far.
    brackets: usize,
    /// The current bracket's rungs, and the one being trained.
    rungs: Vec<Rung>,
    rung: usize,
    queue: VecDeque<Proposal>,
    /// The trials of the current rung.
    rung_trials: Vec<usize>,
}

/// The largest s with min_epochs * eta^s <= max_epochs.
fn most_halvings(eta: usize, min_epochs: usize, max_epochs: usize) -> usize {
    let mut s = 0;
    while eta.checked_pow(s as u32 + 1).and_then(|p| p.checked_mul(min_epochs)).is_some_and(|e| e <= max_epochs) {
        s += 1;
    }
    s
}

/// The rungs of bracket `s` (s halvings; Hyperband's s_max is the full-depth bracket).
pub fn bracket(eta: usize, min_epochs: usize, max_epochs: usize, s: usize, hyperband: bool) -> Vec<Rung> {
    let s_max = most_halvings(eta, min_epochs, max_epochs);
    let first = if hyperband { ((s_max + 1) * eta.pow(s as u32)).div_ceil(s + 1) } else { eta.pow(s as u32) };
    (0..=s)
        .map(|i| Rung {
            candidates: (first / eta.pow(i as u32)).max(1),
            epochs: if i == s { max_epochs } else { min_epochs * eta.pow((s_max - s + i) as u32) },
        })
        .collect()
}

impl Halving {
    pub fn new(space: SearchSpace, objective: Objective, eta: usize, min_epochs: usize, hyperband: bool, seed: u64) -> Self {
        Halving {
            space,
            objective,
            eta,
            min_epochs,
            hyperband,
            rng: strategy_rng(seed, 3),
            brackets: 0,
            rungs: Vec::new(),
            rung: 0,
            queue: VecDeque::new(),
            rung_trials: Vec::new(),
        }
    }

    /// The rungs of the next bracket: always the deepest for plain halving; Hyperband cycles
    /// from the deepest to plain full-epoch training.
    fn next_bracket(&self) -> Vec<Rung> {
        let s_max = most_halvings(self.eta, self.min_epochs, self.space.epochs);
        let s = if self.hyperband { s_max - self.brackets % (s_max + 1) } else { s_max };
        bracket(self.eta, self.min_epochs, self.space.epochs, s, self.hyperband)
    }

    fn start_bracket(&mut self) {
        self.rungs = self.next_bracket();
        self.rung = 0;
        let (bracket, epochs) = (self.brackets, self.rungs[0].epochs);
        for _ in 0..self.rungs[0].candidates {
            let candidate = self.space.sample(&mut self.rng);
            self.queue.push_back(Proposal::fresh(candidate, epochs, Origin::Rung { bracket, rung: 0, from: None }));
        }
        self.brackets += 1;
    }

    /// Queues the best of the finished rung for the next; false when nothing can be promoted.
    fn promote(&mut self, trials: &[TrialRecord]) -> bool {
        if self.rung + 1 >= self.rungs.len() {
            return false;
        }
        let mut scored: Vec<(&TrialRecord, f64)> =
            self.rung_trials.iter().filter_map(|&id| self.objective.score(&trials[id]).map(|s| (&trials[id], s))).collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
        let next = self.rungs[self.rung + 1];
        self.rung += 1;
        let (bracket, rung) = (self.brackets - 1, self.rung);
        for (trial, _) in scored.into_iter().take(next.candidates) {
            // Survivors go on from where their shorter run stopped.
            self.queue.push_back(Proposal {
                candidate: trial.proposal.candidate.clone(),
                epochs: next.epochs,
                origin: Origin::Rung { bracket, rung, from: Some(trial.id) },
                continues: Some(Continues { trial: trial.id, epochs: trial.result.history.len() }),
                seen: None,
            });
        }
        !self.queue.is_empty()
    }
}

impl Strategy for Halving {
    /// Synchronous within a bracket: a rung is promoted once every trial of it has finished
    /// (until then, in parallel, it waits); a new bracket starts without waiting.
    fn propose(&mut self, id: usize, seen: &[TrialRecord]) -> Step {
        if self.queue.is_empty() {
            let promotes = !self.rungs.is_empty() && self.rung + 1 < self.rungs.len();
            if promotes && self.rung_trials.iter().any(|&trial| trial >= seen.len()) {
                return Step::Wait;
            }
            let promoted = promotes && self.promote(seen);
            self.rung_trials.clear();
            if !promoted {
                self.start_bracket();
            }
        }
        let Some(proposal) = self.queue.pop_front() else {
            return Step::Done;
        };
        self.rung_trials.push(id);
        Step::Propose(proposal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rungs(list: &[Rung]) -> Vec<(usize, usize)> {
        list.iter().map(|r| (r.candidates, r.epochs)).collect()
    }

    #[test]
    fn brackets_follow_the_hyperband_schedule() {
        // eta 3 from 1 to 27 epochs: successive halving's one bracket, and Hyperband's four.
        assert_eq!(rungs(&bracket(3, 1, 27, 3, false)), [(27, 1), (9, 3), (3, 9), (1, 27)]);
        assert_eq!(rungs(&bracket(3, 1, 27, 3, true)), [(27, 1), (9, 3), (3, 9), (1, 27)]);
        assert_eq!(rungs(&bracket(3, 1, 27, 2, true)), [(12, 3), (4, 9), (1, 27)]);
        assert_eq!(rungs(&bracket(3, 1, 27, 1, true)), [(6, 9), (2, 27)]);
        assert_eq!(rungs(&bracket(3, 1, 27, 0, true)), [(4, 27)]);
        // A top that is not a power of eta still ends at the full epochs.
        assert_eq!(rungs(&bracket(2, 1, 10, 3, false)), [(8, 1), (4, 2), (2, 4), (1, 10)]);
        assert_eq!(most_halvings(3, 1, 27), 3);
        assert_eq!(most_halvings(3, 5, 4), 0);
    }
}
