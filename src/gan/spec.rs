//! `GanSpec`: a generator and a discriminator as MLPs and how they are trained against each other
//! (noise, loss, an optimizer and a learning rate per network, steps per iteration, batch, seed),
//! as data a person writes, with one `validate()` that names the field at fault.

use serde::{Deserialize, Serialize};

use crate::engine::{Activation, AdamConfig, SgdConfig};
use crate::nn::model::OUTPUT_ACTIVATION;
use crate::nn::{LayerSpec, ModelSpec, Optimizer, Update};

/// One of the two networks: `depth` hidden dense layers of `width` units each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    pub depth: usize,
    pub width: usize,
    pub activation: Activation,
}

/// Where the generator's noise comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseDistribution {
    /// Uniform on [-1, 1] in every dimension.
    Uniform,
    /// Standard normal in every dimension.
    Gaussian,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    pub dim: usize,
    pub distribution: NoiseDistribution,
}

/// What the two networks minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GanLoss {
    /// Goodfellow et al.'s: D minimises binary cross-entropy (real 1, generated 0); G maximises
    /// log D(G(z)) rather than minimising log(1 - D(G(z))), which saturates early on.
    NonSaturating,
    /// LSGAN (Mao et al.): D regresses real to 1 and generated to 0; G pushes D(G(z)) to 1.
    LeastSquares,
}

fn adam_beta1() -> f32 {
    0.5
}

/// An optimizer for one of the networks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanOptimizer {
    pub optimizer: Optimizer,
    pub learning_rate: f32,
    /// Adam's first-moment decay; GANs usually train with 0.5 (Radford et al.).
    #[serde(default = "adam_beta1")]
    pub beta1: f32,
}

impl GanOptimizer {
    pub fn update(&self) -> Update {
        let learning_rate = self.learning_rate;
        match self.optimizer {
            Optimizer::Sgd => Update::Sgd(SgdConfig { learning_rate, momentum: 0.0, l2: 0.0 }),
            Optimizer::Momentum { momentum } => Update::Sgd(SgdConfig { learning_rate, momentum, l2: 0.0 }),
            Optimizer::Adam => Update::Adam(AdamConfig { beta1: self.beta1, ..AdamConfig::with_learning_rate(learning_rate) }),
        }
    }
}

/// A whole GAN: both networks and how they train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanSpec {
    pub generator: NetworkSpec,
    pub discriminator: NetworkSpec,
    pub noise: NoiseSpec,
    pub loss: GanLoss,
    pub generator_optimizer: GanOptimizer,
    pub discriminator_optimizer: GanOptimizer,
    /// Discriminator steps, then generator steps, in one iteration.
    pub d_steps: usize,
    pub g_steps: usize,
    pub batch_size: usize,
    #[serde(default)]
    pub seed: u32,
}

/// A problem with a `GanSpec`, naming the field (as written in the JSON) it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct GanSpecError {
    pub field: &'static str,
    pub message: String,
}

/// The largest hidden layer either network may have, so a typo cannot exhaust the device.
pub const MAX_WIDTH: usize = 1024;
pub const MAX_DEPTH: usize = 8;
pub const MAX_NOISE_DIM: usize = 64;
pub const MAX_BATCH: usize = 4096;

impl Default for GanSpec {
    /// A GAN that learns the ring of eight within a few thousand iterations on the CPU.
    fn default() -> Self {
        let adam = |learning_rate| GanOptimizer { optimizer: Optimizer::Adam, learning_rate, beta1: 0.5 };
        GanSpec {
            generator: NetworkSpec { depth: 3, width: 64, activation: Activation::Relu },
            discriminator: NetworkSpec { depth: 3, width: 64, activation: Activation::LeakyRelu { slope: 0.2 } },
            noise: NoiseSpec { dim: 2, distribution: NoiseDistribution::Gaussian },
            loss: GanLoss::NonSaturating,
            generator_optimizer: adam(1e-3),
            discriminator_optimizer: adam(1e-3),
            d_steps: 1,
            g_steps: 1,
            batch_size: 128,
            seed: 0,
        }
    }
}

impl GanSpec {
    /// Checks every field and builds the two networks: the generator from noise to a 2D point,
    /// the discriminator from a 2D point to one logit (or, for least squares, one score).
    pub fn validate(&self) -> Result<(ModelSpec, ModelSpec), GanSpecError> {
        let fault = |field, message: String| Err(GanSpecError { field, message });
        for (name, net) in [("generator", &self.generator), ("discriminator", &self.discriminator)] {
            let (depth_field, width_field) = match name {
                "generator" => ("generator.depth", "generator.width"),
                _ => ("discriminator.depth", "discriminator.width"),
            };
            if net.depth == 0 || net.depth > MAX_DEPTH {
                return fault(depth_field, format!("{} hidden layers; the {name} needs 1 to {MAX_DEPTH}", net.depth));
            }
            if net.width == 0 || net.width > MAX_WIDTH {
                return fault(width_field, format!("{} units; a hidden layer takes 1 to {MAX_WIDTH}", net.width));
            }
            if let Activation::LeakyRelu { slope } = net.activation {
                if !(0.0..1.0).contains(&slope) {
                    let field = if name == "generator" { "generator.activation" } else { "discriminator.activation" };
                    return fault(field, format!("a leaky ReLU's slope {slope} must be at least 0 and below 1"));
                }
            }
        }
        if self.noise.dim == 0 || self.noise.dim > MAX_NOISE_DIM {
            return fault("noise.dim", format!("{} dimensions; the noise takes 1 to {MAX_NOISE_DIM}", self.noise.dim));
        }
        for (field, opt) in [("generator_optimizer", &self.generator_optimizer), ("discriminator_optimizer", &self.discriminator_optimizer)]
        {
            if !(opt.learning_rate.is_finite() && opt.learning_rate > 0.0 && opt.learning_rate <= 1.0) {
                return fault(field, format!("a learning rate of {} is outside (0, 1]", opt.learning_rate));
            }
            if !(0.0..1.0).contains(&opt.beta1) {
                return fault(field, format!("beta1 {} must be at least 0 and below 1", opt.beta1));
            }
            if let Optimizer::Momentum { momentum } = opt.optimizer {
                if !(0.0..1.0).contains(&momentum) {
                    return fault(field, format!("momentum {momentum} must be at least 0 and below 1"));
                }
            }
        }
        if !(1..=10).contains(&self.d_steps) {
            return fault("d_steps", format!("{} discriminator steps per iteration; take 1 to 10", self.d_steps));
        }
        if !(1..=10).contains(&self.g_steps) {
            return fault("g_steps", format!("{} generator steps per iteration; take 1 to 10", self.g_steps));
        }
        if self.batch_size < 2 || self.batch_size > MAX_BATCH {
            return fault("batch_size", format!("{} samples; a batch takes 2 to {MAX_BATCH}", self.batch_size));
        }
        let network = |input: usize, net: &NetworkSpec, outputs: usize| {
            let mut layers: Vec<LayerSpec> =
                (0..net.depth).map(|_| LayerSpec::Dense { units: net.width, activation: net.activation }).collect();
            layers.push(LayerSpec::Dense { units: outputs, activation: OUTPUT_ACTIVATION });
            ModelSpec { input: vec![input], layers }
        };
        Ok((network(self.noise.dim, &self.generator, 2), network(2, &self.discriminator, 1)))
    }

    /// Parameters of both networks, for a leaderboard's size column.
    pub fn parameters(&self) -> usize {
        match self.validate() {
            Ok((g, d)) => [g, d].iter().filter_map(|s| s.validate().ok()).map(|s| s.parameters).sum(),
            Err(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_builds_both_networks() {
        let (g, d) = GanSpec::default().validate().unwrap();
        assert_eq!(g.input, vec![2]);
        assert_eq!(g.layers.len(), 4);
        assert_eq!(g.validate().unwrap().output(), crate::nn::Shape::Vector(2));
        assert_eq!(d.validate().unwrap().output(), crate::nn::Shape::Vector(1));
        // 2·64+64 + 2·(64·64+64) + 64·2+2 for G; the same with one output for D.
        assert_eq!(GanSpec::default().parameters(), (192 + 8320 + 130) + (192 + 8320 + 65));
    }

    #[test]
    fn faults_name_their_field() {
        let mut spec = GanSpec::default();
        spec.discriminator.width = 0;
        assert_eq!(spec.validate().unwrap_err().field, "discriminator.width");
        let mut spec = GanSpec::default();
        spec.generator_optimizer.learning_rate = f32::NAN;
        let error = spec.validate().unwrap_err();
        assert_eq!(error.field, "generator_optimizer");
        assert!(error.to_string().contains("learning rate of NaN"), "{error}");
        let mut spec = GanSpec::default();
        spec.noise.dim = 0;
        assert!(spec.validate().unwrap_err().to_string().starts_with("noise.dim: 0 dimensions"));
        let spec = GanSpec { batch_size: 1, ..GanSpec::default() };
        assert_eq!(spec.validate().unwrap_err().field, "batch_size");
    }

    #[test]
    fn json_round_trips_and_unknown_fields_are_refused() {
        let spec = GanSpec::default();
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<GanSpec>(&text).unwrap(), spec);
        let typo = text.replace("\"d_steps\"", "\"d_step\"");
        let error = serde_json::from_str::<GanSpec>(&typo).unwrap_err().to_string();
        assert!(error.contains("d_step"), "{error}");
    }
}
