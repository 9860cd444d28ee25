//! `Candidate`: one member of a search space (an architecture plus its training settings), and how
//! it becomes a `ModelSpec` and a `TrainConfig`, with conv stacks that would not fit the input
//! repaired (and the repairs said) instead of crashing a trial.

use serde::{Deserialize, Serialize};

use super::space::{Padding, Pooling, SearchSpace};
use crate::engine::Activation;
use crate::nn::{LayerSpec, ModelSpec, Optimizer, Task, TrainConfig};

/// One convolution block: a convolution, then optionally a 2x2 max pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvBlock {
    pub filters: usize,
    pub kernel: usize,
    pub pooling: Pooling,
}

/// A member of a `SearchSpace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Empty for an MLP.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conv: Vec<ConvBlock>,
    /// The widths of the hidden dense layers, input side first.
    pub dense: Vec<usize>,
    pub activation: Activation,
    pub dropout: f32,
    pub optimizer: Optimizer,
    pub learning_rate: f32,
    pub batch_size: usize,
    /// A GAN member's choices beyond its generator's (which the fields above hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gan: Option<Box<super::gan_space::GanChoice>>,
}

/// A candidate as a network and training settings, with the repairs that made it fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuiltCandidate {
    pub model: ModelSpec,
    pub train: TrainConfig,
    /// Changes made so the conv stack fits the input, in words; empty when none were needed.
    pub repairs: Vec<String>,
}

/// Learning rates within this relative distance count as the same choice (they went through JSON).
const RATE_TOLERANCE: f32 = 1e-5;

pub(crate) fn same_rate(a: f32, b: f32) -> bool {
    (a - b).abs() <= RATE_TOLERANCE * a.abs().max(b.abs())
}

impl Candidate {
    /// "c16k3p-c32k3 | 64-32 relu | adam lr 0.001 bs 32": a one-line name for tables and logs.
    pub fn label(&self) -> String {
        if let Some(choice) = &self.gan {
            return self.gan_label(choice);
        }
        let mut parts = Vec::new();
        if !self.conv.is_empty() {
            let blocks: Vec<String> = self
                .conv
                .iter()
                .map(|b| format!("c{}k{}{}", b.filters, b.kernel, if b.pooling == Pooling::Max { "p" } else { "" }))
                .collect();
            parts.push(blocks.join("-"));
        }
        let dense: Vec<String> = self.dense.iter().map(|w| w.to_string()).collect();
        let mut net = if dense.is_empty() && self.conv.is_empty() {
            // No hidden layer: activation and dropout have nothing to act on.
            "linear".to_string()
        } else {
            let mut net = if dense.is_empty() { String::new() } else { dense.join("-") + " " };
            net.push_str(&activation_name(self.activation));
            net
        };
        if self.dropout > 0.0 && !(dense.is_empty() && self.conv.is_empty()) {
            net.push_str(&format!(" drop {}", self.dropout));
        }
        parts.push(net);
        parts.push(format!("{} lr {} bs {}", optimizer_name(self.optimizer), self.learning_rate, self.batch_size));
        parts.join(" | ")
    }

    /// Whether this candidate is one of `space`'s members.
    pub fn is_member_of(&self, space: &SearchSpace) -> bool {
        if space.gan.is_some() {
            return space.gan_has_member(self);
        }
        if self.gan.is_some() {
            return false;
        }
        let depth_ok = |n: usize, d: super::space::DepthRange| (d.min..=d.max).contains(&n);
        let (filters, kernels, pooling, widths) = (space.filters(), space.kernels(), space.pooling(), space.widths());
        let conv_ok = match space.conv {
            None => self.conv.is_empty(),
            Some(_) => {
                depth_ok(self.conv.len(), space.conv_depth())
                    && self.conv.iter().all(|b| filters.contains(&b.filters) && kernels.contains(&b.kernel) && pooling.contains(&b.pooling))
            }
        };
        conv_ok
            && depth_ok(self.dense.len(), space.dense.depth)
            && self.dense.iter().all(|w| widths.contains(w))
            && space.activations.contains(&self.activation)
            && space.dropout.contains(&self.dropout)
            && space.optimizers.contains(&self.optimizer)
            && space.learning_rates().iter().any(|&r| same_rate(r, self.learning_rate))
            && space.batch_sizes.contains(&self.batch_size)
    }

    /// The network for data of shape `input` and the training settings, for `epochs` epochs.
    /// Conv stacks are repaired to fit: a kernel larger than the map it meets is cut to the largest
    /// odd size that fits, and a pool that meets a map narrower than 2 is left out.
    pub fn build(&self, space: &SearchSpace, input: &[usize], task: Task, epochs: usize, seed: u32) -> BuiltCandidate {
        let mut layers = Vec::new();
        let mut repairs = Vec::new();
        let padding = space.conv.as_ref().map(|c| c.padding).unwrap_or_default();
        if let [_, mut height, mut width] = *input {
            for (i, block) in self.conv.iter().enumerate() {
                let mut kernel = block.kernel;
                let pad = |k: usize| if padding == Padding::Same { k / 2 } else { 0 };
                let side = height.min(width);
                if kernel > side + 2 * pad(kernel) {
                    let fitting = if side % 2 == 1 { side } else { side.saturating_sub(1).max(1) };
                    repairs.push(format!(
                        "block {}: the {kernel}x{kernel} kernel does not fit the {height}x{width} map there, so it became {fitting}x{fitting}",
                        i + 1
                    ));
                    kernel = fitting;
                }
                layers.push(LayerSpec::Conv2d {
                    filters: block.filters,
                    kernel,
                    stride: 1,
                    padding: pad(kernel),
                    activation: self.activation,
                });
                (height, width) = (height + 2 * pad(kernel) - kernel + 1, width + 2 * pad(kernel) - kernel + 1);
                if block.pooling == Pooling::Max {
                    if height.min(width) >= 2 {
                        layers.push(LayerSpec::MaxPool { size: 2, stride: None });
                        (height, width) = (height / 2, width / 2);
                    } else {
                        repairs.push(format!(
                            "block {}: the map there is {height}x{width}, too small to pool, so the pool was left out",
                            i + 1
                        ));
                    }
                }
            }
            if !self.conv.is_empty() && self.dropout > 0.0 {
                layers.push(LayerSpec::Flatten);
                layers.push(LayerSpec::Dropout { rate: self.dropout });
            }
        }
        for &units in &self.dense {
            layers.push(LayerSpec::Dense { units, activation: self.activation });
            if self.dropout > 0.0 {
                layers.push(LayerSpec::Dropout { rate: self.dropout });
            }
        }
        layers.push(LayerSpec::Dense { units: task.outputs(), activation: Activation::Identity });
        let train = TrainConfig {
            epochs,
            batch_size: self.batch_size,
            optimizer: self.optimizer,
            learning_rate: self.learning_rate,
            l2: space.l2,
            lr_decay: space.lr_decay,
            seed,
        };
        BuiltCandidate { model: ModelSpec { input: input.to_vec(), layers }, train, repairs }
    }
}

pub fn activation_name(activation: Activation) -> String {
    match activation {
        Activation::Identity => "identity".into(),
        Activation::Relu => "relu".into(),
        Activation::LeakyRelu { slope } => format!("leaky_relu({slope})"),
        Activation::Sigmoid => "sigmoid".into(),
        Activation::Tanh => "tanh".into(),
        Activation::Gelu => "gelu".into(),
    }
}

pub fn optimizer_name(optimizer: Optimizer) -> String {
    match optimizer {
        Optimizer::Sgd => "sgd".into(),
        Optimizer::Momentum { momentum } => format!("momentum({momentum})"),
        Optimizer::Adam => "adam".into(),
    }
}
