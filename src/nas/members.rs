//! Walking a space's members: every member has an index below `SearchSpace::size()` (so a grid
//! can enumerate them lazily and a test can check it covers each once), and `sample` draws one
//! the way ConvNetJS's MagicNet does: each decision uniformly, depth first, then every layer.

use rand::Rng;

use super::candidate::{same_rate, Candidate, ConvBlock};
use super::space::{DepthRange, SearchSpace};

/// Splits `index` (below Σ_d base^d over `depth`) into a depth and that many digits in `base`.
fn stack_at(mut index: u128, base: u128, depth: DepthRange) -> Vec<usize> {
    for d in depth.values() {
        let count = base.saturating_pow(d as u32);
        if index < count {
            let mut digits = Vec::with_capacity(d);
            for _ in 0..d {
                digits.push((index % base) as usize);
                index /= base;
            }
            return digits;
        }
        index -= count;
    }
    unreachable!("a stack index below the stack count always lands in a depth")
}

/// The inverse of `stack_at` (`None` past u128, for spaces too large to index).
fn stack_index(digits: &[usize], base: u128, depth: DepthRange) -> Option<u128> {
    let before = (depth.min..digits.len()).try_fold(0u128, |sum, d| sum.checked_add(base.checked_pow(d as u32)?))?;
    let within = digits.iter().rev().try_fold(0u128, |n, &digit| n.checked_mul(base)?.checked_add(digit as u128))?;
    before.checked_add(within)
}

/// Splits `index` into digits of the given radices, least significant first.
pub(crate) fn mixed_radix(mut index: u128, radices: &[usize]) -> Vec<usize> {
    radices
        .iter()
        .map(|&r| {
            let digit = (index % r as u128) as usize;
            index /= r as u128;
            digit
        })
        .collect()
}

impl SearchSpace {
    fn settings_radices(&self) -> [usize; 5] {
        [self.activations.len(), self.dropout.len(), self.optimizers.len(), self.learning_rates().len(), self.batch_sizes.len()]
    }

    /// The member with this index (`index < size()`); indices order members by their settings
    /// first, then the dense stack, then the conv stack.
    pub fn member(&self, index: u128) -> Candidate {
        assert!(index < self.size(), "member {index} of a space of {}", self.size());
        if self.gan.is_some() {
            return self.gan_member(index);
        }
        let (settings, dense_stacks) = (self.settings(), self.dense_stacks());
        let s = mixed_radix(index % settings, &self.settings_radices());
        let rest = index / settings;
        let (widths, filters, kernels, pooling) = (self.widths(), self.filters(), self.kernels(), self.pooling());
        let dense = stack_at(rest % dense_stacks, widths.len() as u128, self.dense.depth).into_iter().map(|i| widths[i]).collect();
        let conv = if self.conv.is_some() {
            let per_block = [filters.len(), kernels.len(), pooling.len()];
            let base = per_block.iter().product::<usize>() as u128;
            stack_at(rest / dense_stacks, base, self.conv_depth())
                .into_iter()
                .map(|digit| {
                    let d = mixed_radix(digit as u128, &per_block);
                    ConvBlock { filters: filters[d[0]], kernel: kernels[d[1]], pooling: pooling[d[2]] }
                })
                .collect()
        } else {
            Vec::new()
        };
        Candidate {
            conv,
            dense,
            activation: self.activations[s[0]],
            dropout: self.dropout[s[1]],
            optimizer: self.optimizers[s[2]],
            learning_rate: self.learning_rates()[s[3]],
            batch_size: self.batch_sizes[s[4]],
            gan: None,
        }
    }

    /// The index of a member (`None` if `candidate` is not one).
    pub fn index_of(&self, candidate: &Candidate) -> Option<u128> {
        if !candidate.is_member_of(self) {
            return None;
        }
        if self.gan.is_some() {
            return self.gan_index_of(candidate);
        }
        let position = |values: &[usize], v: usize| values.iter().position(|&x| x == v).unwrap();
        let (widths, filters, kernels, pooling) = (self.widths(), self.filters(), self.kernels(), self.pooling());
        let settings_digits = [
            self.activations.iter().position(|&a| a == candidate.activation)?,
            self.dropout.iter().position(|&d| d == candidate.dropout)?,
            self.optimizers.iter().position(|&o| o == candidate.optimizer)?,
            self.learning_rates().iter().position(|&r| same_rate(r, candidate.learning_rate))?,
            self.batch_sizes.iter().position(|&b| b == candidate.batch_size)?,
        ];
        let settings = settings_digits.iter().zip(self.settings_radices()).rev().fold(0u128, |n, (&d, r)| n * r as u128 + d as u128);
        let dense_digits: Vec<usize> = candidate.dense.iter().map(|&w| position(&widths, w)).collect();
        let dense = stack_index(&dense_digits, widths.len() as u128, self.dense.depth)?;
        let conv = if self.conv.is_some() {
            let (f, k) = (filters.len(), kernels.len());
            let digits: Vec<usize> = candidate
                .conv
                .iter()
                .map(|b| {
                    position(&filters, b.filters)
                        + f * (position(&kernels, b.kernel) + k * pooling.iter().position(|&p| p == b.pooling).unwrap())
                })
                .collect();
            stack_index(&digits, (f * k * pooling.len()) as u128, self.conv_depth())?
        } else {
            0
        };
        conv.checked_mul(self.dense_stacks())?.checked_add(dense)?.checked_mul(self.settings())?.checked_add(settings)
    }

    /// A random conv block: filters, kernel and pooling each drawn uniformly.
    pub fn sample_block<R: Rng>(&self, rng: &mut R) -> ConvBlock {
        let (filters, kernels, pooling) = (self.filters(), self.kernels(), self.pooling());
        ConvBlock {
            filters: filters[rng.random_range(0..filters.len())],
            kernel: kernels[rng.random_range(0..kernels.len())],
            pooling: pooling[rng.random_range(0..pooling.len())],
        }
    }

    /// A random member, each decision drawn uniformly on its own: the number of layers first, then
    /// each layer's choices, then each setting. (Uniform over members would favour the deepest
    /// networks, which outnumber the rest; MagicNet draws the same way.)
    pub fn sample<R: Rng>(&self, rng: &mut R) -> Candidate {
        if self.gan.is_some() {
            return self.gan_sample(rng);
        }
        let pick = |rng: &mut R, n: usize| rng.random_range(0..n);
        let widths = self.widths();
        let conv_depth = self.conv_depth();
        let conv_blocks = if self.conv.is_some() { rng.random_range(conv_depth.min..=conv_depth.max) } else { 0 };
        let conv = (0..conv_blocks).map(|_| self.sample_block(rng)).collect();
        let dense_layers = rng.random_range(self.dense.depth.min..=self.dense.depth.max);
        let dense = (0..dense_layers).map(|_| widths[pick(rng, widths.len())]).collect();
        let rates = self.learning_rates();
        Candidate {
            conv,
            dense,
            activation: self.activations[pick(rng, self.activations.len())],
            dropout: self.dropout[pick(rng, self.dropout.len())],
            optimizer: self.optimizers[pick(rng, self.optimizers.len())],
            learning_rate: rates[pick(rng, rates.len())],
            batch_size: self.batch_sizes[pick(rng, self.batch_sizes.len())],
            gan: None,
        }
    }
}
