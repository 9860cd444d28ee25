//! Mutations for evolution: each changes exactly one decision of a candidate (one layer's width,
//! one block's kernel, the depth by one layer, the optimizer, ...) to another value the space
//! allows, and says in words what it changed.

use rand::Rng;

use super::candidate::{activation_name, optimizer_name, same_rate, Candidate};
use super::space::{DepthRange, SearchSpace};

/// One decision a mutation can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    ConvDepth,
    Filters(usize),
    Kernel(usize),
    Pooling(usize),
    DenseDepth,
    Width(usize),
    Activation,
    Dropout,
    Optimizer,
    LearningRate,
    BatchSize,
}

/// The decisions of `c` that have another value to change to.
fn open_decisions(space: &SearchSpace, c: &Candidate) -> Vec<Decision> {
    let mut open = Vec::new();
    let more_than_one = |n: usize| n > 1;
    if space.conv.is_some() {
        let d = space.conv_depth();
        if d.max > d.min {
            open.push(Decision::ConvDepth);
        }
        for i in 0..c.conv.len() {
            if more_than_one(space.filters().len()) {
                open.push(Decision::Filters(i));
            }
            if more_than_one(space.kernels().len()) {
                open.push(Decision::Kernel(i));
            }
            if more_than_one(space.pooling().len()) {
                open.push(Decision::Pooling(i));
            }
        }
    }
    if space.dense.depth.max > space.dense.depth.min {
        open.push(Decision::DenseDepth);
    }
    if more_than_one(space.widths().len()) {
        open.extend((0..c.dense.len()).map(Decision::Width));
    }
    let settings = [
        (space.activations.len(), Decision::Activation),
        (space.dropout.len(), Decision::Dropout),
        (space.optimizers.len(), Decision::Optimizer),
        (space.learning_rates().len(), Decision::LearningRate),
        (space.batch_sizes.len(), Decision::BatchSize),
    ];
    open.extend(settings.iter().filter(|(n, _)| more_than_one(*n)).map(|&(_, d)| d));
    open
}

/// A value of `values` other than the one at `current` (`values` has at least two).
pub(crate) fn other<T: Copy, R: Rng>(rng: &mut R, values: &[T], is_current: impl Fn(&T) -> bool) -> T {
    let others: Vec<T> = values.iter().copied().filter(|v| !is_current(v)).collect();
    others[rng.random_range(0..others.len())]
}

/// Whether a depth change adds a layer: it must at the least depth, cannot at the most, and
/// otherwise adds or removes with even odds.
fn grows<R: Rng>(rng: &mut R, len: usize, depth: DepthRange) -> bool {
    if len <= depth.min {
        true
    } else if len >= depth.max {
        false
    } else {
        rng.random_bool(0.5)
    }
}

fn ordinal(i: usize) -> String {
    format!("{}", i + 1)
}

/// A copy of `parent` with one decision changed, and what changed; `None` when the space has a
/// single member and nothing can change.
pub fn mutate<R: Rng>(space: &SearchSpace, parent: &Candidate, rng: &mut R) -> Option<(Candidate, String)> {
    if space.gan.is_some() {
        return space.gan_mutate(parent, rng);
    }
    let open = open_decisions(space, parent);
    if open.is_empty() {
        return None;
    }
    let decision = open[rng.random_range(0..open.len())];
    let mut child = parent.clone();
    let change = match decision {
        Decision::ConvDepth => {
            if grows(rng, parent.conv.len(), space.conv_depth()) {
                let at = rng.random_range(0..=parent.conv.len());
                let block = space.sample_block(rng);
                child.conv.insert(at, block);
                format!("added conv block {} ({} filters, {}x{})", ordinal(at), block.filters, block.kernel, block.kernel)
            } else {
                let at = rng.random_range(0..parent.conv.len());
                child.conv.remove(at);
                format!("removed conv block {}", ordinal(at))
            }
        }
        Decision::Filters(i) => {
            child.conv[i].filters = other(rng, &space.filters(), |&f| f == parent.conv[i].filters);
            format!("filters of block {}: {} -> {}", ordinal(i), parent.conv[i].filters, child.conv[i].filters)
        }
        Decision::Kernel(i) => {
            child.conv[i].kernel = other(rng, &space.kernels(), |&k| k == parent.conv[i].kernel);
            format!("kernel of block {}: {} -> {}", ordinal(i), parent.conv[i].kernel, child.conv[i].kernel)
        }
        Decision::Pooling(i) => {
            child.conv[i].pooling = other(rng, &space.pooling(), |&p| p == parent.conv[i].pooling);
            format!("pooling of block {}: {:?} -> {:?}", ordinal(i), parent.conv[i].pooling, child.conv[i].pooling)
        }
        Decision::DenseDepth => {
            if grows(rng, parent.dense.len(), space.dense.depth) {
                let at = rng.random_range(0..=parent.dense.len());
                let widths = space.widths();
                let width = widths[rng.random_range(0..widths.len())];
                child.dense.insert(at, width);
                format!("added hidden layer {} ({width} units)", ordinal(at))
            } else {
                let at = rng.random_range(0..parent.dense.len());
                child.dense.remove(at);
                format!("removed hidden layer {} ({} units)", ordinal(at), parent.dense[at])
            }
        }
        Decision::Width(i) => {
            child.dense[i] = other(rng, &space.widths(), |&w| w == parent.dense[i]);
            format!("width of hidden layer {}: {} -> {}", ordinal(i), parent.dense[i], child.dense[i])
        }
        Decision::Activation => {
            child.activation = other(rng, &space.activations, |&a| a == parent.activation);
            format!("activation: {} -> {}", activation_name(parent.activation), activation_name(child.activation))
        }
        Decision::Dropout => {
            child.dropout = other(rng, &space.dropout, |&r| r == parent.dropout);
            format!("dropout: {} -> {}", parent.dropout, child.dropout)
        }
        Decision::Optimizer => {
            child.optimizer = other(rng, &space.optimizers, |&o| o == parent.optimizer);
            format!("optimizer: {} -> {}", optimizer_name(parent.optimizer), optimizer_name(child.optimizer))
        }
        Decision::LearningRate => {
            child.learning_rate = other(rng, &space.learning_rates(), |&r| same_rate(r, parent.learning_rate));
            format!("learning rate: {} -> {}", parent.learning_rate, child.learning_rate)
        }
        Decision::BatchSize => {
            child.batch_size = other(rng, &space.batch_sizes, |&b| b == parent.batch_size);
            format!("batch size: {} -> {}", parent.batch_size, child.batch_size)
        }
    };
    Some((child, change))
}
