//! Grid search: every member of the space once, in index order.

use super::{Step, Strategy};
use crate::nas::space::SearchSpace;
use crate::nas::trial::{Origin, Proposal, TrialRecord};

pub struct Grid {
    space: SearchSpace,
    size: u128,
    next: u128,
}

impl Grid {
    pub fn new(space: SearchSpace) -> Self {
        let size = space.size();
        Grid { space, size, next: 0 }
    }
}

impl Strategy for Grid {
    fn propose(&mut self, _id: usize, _seen: &[TrialRecord]) -> Step {
        if self.next >= self.size {
            return Step::Done;
        }
        let index = self.next;
        self.next += 1;
        let origin = Origin::Grid { index: u64::try_from(index).unwrap_or(u64::MAX) };
        Step::Propose(Proposal::fresh(self.space.member(index), self.space.epochs, origin))
    }
}
