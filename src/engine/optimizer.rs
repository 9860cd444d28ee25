//! Optimizer settings and the per-parameter update rules both devices implement.

use serde::{Deserialize, Serialize};

/// SGD with momentum (PyTorch's form) and L2: g' = g + l2·w; v = momentum·v + g'; w -= lr·v.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SgdConfig {
    pub learning_rate: f32,
    pub momentum: f32,
    pub l2: f32,
}

/// Adam with L2 added to the gradient: g' = g + l2·w; m = β1·m + (1-β1)·g'; v = β2·v + (1-β2)·g'²;
/// w -= lr · m̂ / (√v̂ + ε) with m̂ = m / (1-β1^t), v̂ = v / (1-β2^t).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    pub learning_rate: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub epsilon: f32,
    pub l2: f32,
}

impl AdamConfig {
    pub fn with_learning_rate(learning_rate: f32) -> Self {
        Self { learning_rate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, l2: 0.0 }
    }

    /// The bias corrections 1-β1^t and 1-β2^t for step `t` (counted from 1).
    pub fn bias_corrections(&self, t: u32) -> (f32, f32) {
        (1.0 - self.beta1.powi(t as i32), 1.0 - self.beta2.powi(t as i32))
    }
}

/// How parameters are updated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    Sgd(SgdConfig),
    Adam(AdamConfig),
}
