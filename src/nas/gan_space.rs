//! Searching GAN settings with the same engine as architectures: a space of family `gan` adds a
//! `gan` section (the discriminator's layers and learning rate, discriminator steps per generator
//! step, the loss, the noise dimension, iterations per epoch) to the fields both networks share,
//! and a member carries its GAN choices beside the generator's. Here: the section, its checks,
//! how members are counted, indexed, drawn and mutated, and how one becomes a `GanSpec`.
//!
//! In a `gan` space the shared fields mean: `dense` the generator's hidden layers (each network's
//! layers share one width, as `GanSpec` builds them), `activations` the hidden activation each
//! network draws for itself, `optimizers` and `batch_sizes` one choice for both networks,
//! `learning_rate` the generator's, and `epochs` rounds of `iterations_per_epoch` iterations,
//! each ending with a measurement of the samples.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::candidate::{activation_name, optimizer_name, same_rate, Candidate};
use super::members::mixed_radix;
use super::mutation::other;
use super::space::{check_depth_within, check_list, check_log_range, DenseSpace, DepthRange, LogRange, SearchSpace, SpaceError};
use crate::engine::Activation;
use crate::gan::spec::{MAX_BATCH as GAN_MAX_BATCH, MAX_DEPTH as GAN_MAX_DEPTH, MAX_NOISE_DIM, MAX_WIDTH as GAN_MAX_WIDTH};
use crate::gan::{GanLoss, GanOptimizer, GanSpec, NetworkSpec, NoiseDistribution, NoiseSpec};

/// The most iterations one epoch of a GAN trial may ask for.
pub const MAX_ITERATIONS_PER_EPOCH: usize = 100_000;

fn default_iterations_per_epoch() -> usize {
    500
}

/// The GAN section of a `gan` space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanSpace {
    /// The discriminator's hidden layers: how many, and the width they share.
    pub discriminator: DenseSpace,
    /// The discriminator's learning rate, drawn apart from the generator's.
    pub discriminator_learning_rate: LogRange,
    /// Discriminator steps per generator step.
    pub d_steps: Vec<usize>,
    pub losses: Vec<GanLoss>,
    pub noise_dims: Vec<usize>,
    #[serde(default = "default_iterations_per_epoch")]
    pub iterations_per_epoch: usize,
}

/// A `gan` member's choices beyond the generator's (which are the candidate's own fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanChoice {
    /// The discriminator's hidden widths, all the same, input side first.
    pub discriminator: Vec<usize>,
    pub discriminator_activation: Activation,
    pub discriminator_learning_rate: f32,
    pub d_steps: usize,
    pub loss: GanLoss,
    pub noise_dim: usize,
}

pub fn loss_name(loss: GanLoss) -> &'static str {
    match loss {
        GanLoss::NonSaturating => "non-saturating",
        GanLoss::LeastSquares => "least squares",
    }
}

/// A network of `depth` layers of one width, as a candidate lists them.
fn uniform_stack(depth: usize, width: usize) -> Vec<usize> {
    vec![width; depth]
}

/// Whether `widths` is a stack `depth` lets through, every layer one of `choices` and all equal.
fn is_uniform_member(widths: &[usize], depth: DepthRange, choices: &[usize]) -> bool {
    (depth.min..=depth.max).contains(&widths.len())
        && widths.first().is_some_and(|w| choices.contains(w))
        && widths.windows(2).all(|pair| pair[0] == pair[1])
}

/// Members of a uniform stack: (depths) x (widths).
fn uniform_stacks(depth: DepthRange, widths: usize) -> u128 {
    (depth.max - depth.min + 1) as u128 * widths as u128
}

fn stack_from_index(index: u128, depth: DepthRange, widths: &[usize]) -> Vec<usize> {
    let width = widths[(index % widths.len() as u128) as usize];
    uniform_stack(depth.min + (index / widths.len() as u128) as usize, width)
}

fn stack_to_index(stack: &[usize], depth: DepthRange, widths: &[usize]) -> Option<u128> {
    let width = widths.iter().position(|&w| Some(&w) == stack.first())? as u128;
    Some((stack.len() - depth.min) as u128 * widths.len() as u128 + width)
}

fn from_mixed_radix(digits: &[usize], radices: &[usize]) -> u128 {
    digits.iter().zip(radices).rev().fold(0u128, |n, (&d, &r)| n * r as u128 + d as u128)
}

impl GanSpace {
    pub fn discriminator_widths(&self) -> Vec<usize> {
        self.discriminator.widths.values()
    }

    pub fn discriminator_learning_rates(&self) -> Vec<f32> {
        self.discriminator_learning_rate.values()
    }
}

impl SearchSpace {
    /// The GAN section, for a space of family `gan`.
    fn gan_section(&self) -> &GanSpace {
        self.gan.as_ref().expect("a gan space has a gan section (validate checks)")
    }

    /// The checks a `gan` space adds to the shared ones.
    pub(crate) fn validate_gan(&self) -> Result<(), SpaceError> {
        let fail = |field: &str, message: String| Err(SpaceError { field: field.into(), message });
        let Some(gan) = &self.gan else {
            return fail(
                "gan",
                "a gan space needs a `gan` section (discriminator, discriminator_learning_rate, d_steps, losses, noise_dims)".into(),
            );
        };
        if self.conv.is_some() {
            return fail("conv", "a GAN's networks are dense: remove `conv`".into());
        }
        check_depth_within("dense.depth", self.dense.depth, 1, GAN_MAX_DEPTH)?;
        if let Some(&w) = self.widths().iter().find(|&&w| w > GAN_MAX_WIDTH) {
            return fail("dense.widths", format!("{w} units; a GAN's hidden layer takes 1 to {GAN_MAX_WIDTH}"));
        }
        check_depth_within("gan.discriminator.depth", gan.discriminator.depth, 1, GAN_MAX_DEPTH)?;
        super::space::check_choices("gan.discriminator.widths", &gan.discriminator.widths, 1, GAN_MAX_WIDTH)?;
        if self.dropout != [0.0] {
            return fail("dropout", "a GAN trains without dropout here: use [0]".into());
        }
        if self.l2 != 0.0 || self.lr_decay != 1.0 {
            return fail(if self.l2 != 0.0 { "l2" } else { "lr_decay" }, "a GAN trains without L2 or decay here: leave it out".into());
        }
        if let Some(&rate) = self.learning_rates().iter().find(|&&r| r > 1.0) {
            return fail("learning_rate", format!("{rate} is above 1, the most a GAN's optimizer takes"));
        }
        if let Some(&b) = self.batch_sizes.iter().find(|&&b| !(2..=GAN_MAX_BATCH).contains(&b)) {
            return fail("batch_sizes", format!("{b}; a GAN's batch takes 2 to {GAN_MAX_BATCH}"));
        }
        check_log_range("gan.discriminator_learning_rate", gan.discriminator_learning_rate, 1.0)?;
        check_list("gan.d_steps", &gan.d_steps, |&s| (1..=10).contains(&s), "takes 1 to 10 discriminator steps per generator step")?;
        check_list("gan.losses", &gan.losses, |_| true, "")?;
        check_list("gan.noise_dims", &gan.noise_dims, |&d| (1..=MAX_NOISE_DIM).contains(&d), "noise takes 1 to 64 dimensions")?;
        if !(1..=MAX_ITERATIONS_PER_EPOCH).contains(&gan.iterations_per_epoch) {
            return fail(
                "gan.iterations_per_epoch",
                format!("{} must be between 1 and {MAX_ITERATIONS_PER_EPOCH}", gan.iterations_per_epoch),
            );
        }
        Ok(())
    }

    pub(crate) fn gan_decision_sizes(&self) -> Vec<(String, usize)> {
        let gan = self.gan_section();
        let depths = |d: DepthRange| d.max - d.min + 1;
        vec![
            ("generator layers".into(), depths(self.dense.depth)),
            ("generator width".into(), self.widths().len()),
            ("discriminator layers".into(), depths(gan.discriminator.depth)),
            ("discriminator width".into(), gan.discriminator_widths().len()),
            ("activation per network".into(), self.activations.len()),
            ("optimizer".into(), self.optimizers.len()),
            ("generator learning rate".into(), self.learning_rates().len()),
            ("discriminator learning rate".into(), gan.discriminator_learning_rates().len()),
            ("D steps per G step".into(), gan.d_steps.len()),
            ("loss".into(), gan.losses.len()),
            ("noise dimensions".into(), gan.noise_dims.len()),
            ("batch size".into(), self.batch_sizes.len()),
        ]
    }

    /// Generator activation, optimizer, generator rate, batch, D activation, D rate, D steps,
    /// loss, noise: the radices of a member's settings digits.
    fn gan_radices(&self) -> [usize; 9] {
        let gan = self.gan_section();
        [
            self.activations.len(),
            self.optimizers.len(),
            self.learning_rates().len(),
            self.batch_sizes.len(),
            self.activations.len(),
            gan.discriminator_learning_rates().len(),
            gan.d_steps.len(),
            gan.losses.len(),
            gan.noise_dims.len(),
        ]
    }

    fn gan_stacks(&self) -> (u128, u128) {
        let gan = self.gan_section();
        (uniform_stacks(self.dense.depth, self.widths().len()), uniform_stacks(gan.discriminator.depth, gan.discriminator_widths().len()))
    }

    pub(crate) fn gan_size(&self) -> u128 {
        let (g, d) = self.gan_stacks();
        self.gan_radices().iter().fold(g.saturating_mul(d), |n, &r| n.saturating_mul(r as u128))
    }

    /// Members ordered by their settings first, then the generator's stack, then the discriminator's.
    pub(crate) fn gan_member(&self, index: u128) -> Candidate {
        let gan = self.gan_section();
        let radices = self.gan_radices();
        let settings = radices.iter().fold(1u128, |n, &r| n * r as u128);
        let s = mixed_radix(index % settings, &radices);
        let (g_stacks, _) = self.gan_stacks();
        let rest = index / settings;
        let generator = stack_from_index(rest % g_stacks, self.dense.depth, &self.widths());
        let discriminator = stack_from_index(rest / g_stacks, gan.discriminator.depth, &gan.discriminator_widths());
        Candidate {
            conv: Vec::new(),
            dense: generator,
            activation: self.activations[s[0]],
            dropout: 0.0,
            optimizer: self.optimizers[s[1]],
            learning_rate: self.learning_rates()[s[2]],
            batch_size: self.batch_sizes[s[3]],
            gan: Some(Box::new(GanChoice {
                discriminator,
                discriminator_activation: self.activations[s[4]],
                discriminator_learning_rate: gan.discriminator_learning_rates()[s[5]],
                d_steps: gan.d_steps[s[6]],
                loss: gan.losses[s[7]],
                noise_dim: gan.noise_dims[s[8]],
            })),
        }
    }

    pub(crate) fn gan_index_of(&self, c: &Candidate) -> Option<u128> {
        let (gan, choice) = (self.gan_section(), c.gan.as_ref()?);
        let digits = [
            self.activations.iter().position(|&a| a == c.activation)?,
            self.optimizers.iter().position(|&o| o == c.optimizer)?,
            self.learning_rates().iter().position(|&r| same_rate(r, c.learning_rate))?,
            self.batch_sizes.iter().position(|&b| b == c.batch_size)?,
            self.activations.iter().position(|&a| a == choice.discriminator_activation)?,
            gan.discriminator_learning_rates().iter().position(|&r| same_rate(r, choice.discriminator_learning_rate))?,
            gan.d_steps.iter().position(|&s| s == choice.d_steps)?,
            gan.losses.iter().position(|&l| l == choice.loss)?,
            gan.noise_dims.iter().position(|&d| d == choice.noise_dim)?,
        ];
        let radices = self.gan_radices();
        let settings = radices.iter().fold(1u128, |n, &r| n * r as u128);
        let (g_stacks, _) = self.gan_stacks();
        let g = stack_to_index(&c.dense, self.dense.depth, &self.widths())?;
        let d = stack_to_index(&choice.discriminator, gan.discriminator.depth, &gan.discriminator_widths())?;
        Some((d * g_stacks + g) * settings + from_mixed_radix(&digits, &radices))
    }

    pub(crate) fn gan_has_member(&self, c: &Candidate) -> bool {
        let gan = self.gan_section();
        let Some(choice) = &c.gan else { return false };
        c.conv.is_empty()
            && c.dropout == 0.0
            && is_uniform_member(&c.dense, self.dense.depth, &self.widths())
            && is_uniform_member(&choice.discriminator, gan.discriminator.depth, &gan.discriminator_widths())
            && self.activations.contains(&c.activation)
            && self.activations.contains(&choice.discriminator_activation)
            && self.optimizers.contains(&c.optimizer)
            && self.learning_rates().iter().any(|&r| same_rate(r, c.learning_rate))
            && gan.discriminator_learning_rates().iter().any(|&r| same_rate(r, choice.discriminator_learning_rate))
            && self.batch_sizes.contains(&c.batch_size)
            && gan.d_steps.contains(&choice.d_steps)
            && gan.losses.contains(&choice.loss)
            && gan.noise_dims.contains(&choice.noise_dim)
    }

    /// A random member, each decision drawn uniformly on its own.
    pub(crate) fn gan_sample<R: Rng>(&self, rng: &mut R) -> Candidate {
        let gan = self.gan_section();
        let pick = |rng: &mut R, n: usize| rng.random_range(0..n);
        let stack = |rng: &mut R, depth: DepthRange, widths: &[usize]| {
            let layers = rng.random_range(depth.min..=depth.max);
            uniform_stack(layers, widths[rng.random_range(0..widths.len())])
        };
        let generator = stack(rng, self.dense.depth, &self.widths());
        let discriminator = stack(rng, gan.discriminator.depth, &gan.discriminator_widths());
        let (rates, d_rates) = (self.learning_rates(), gan.discriminator_learning_rates());
        Candidate {
            conv: Vec::new(),
            dense: generator,
            activation: self.activations[pick(rng, self.activations.len())],
            dropout: 0.0,
            optimizer: self.optimizers[pick(rng, self.optimizers.len())],
            learning_rate: rates[pick(rng, rates.len())],
            batch_size: self.batch_sizes[pick(rng, self.batch_sizes.len())],
            gan: Some(Box::new(GanChoice {
                discriminator,
                discriminator_activation: self.activations[pick(rng, self.activations.len())],
                discriminator_learning_rate: d_rates[pick(rng, d_rates.len())],
                d_steps: gan.d_steps[pick(rng, gan.d_steps.len())],
                loss: gan.losses[pick(rng, gan.losses.len())],
                noise_dim: gan.noise_dims[pick(rng, gan.noise_dims.len())],
            })),
        }
    }

    /// A copy of `parent` with one GAN decision changed, and what changed.
    pub(crate) fn gan_mutate<R: Rng>(&self, parent: &Candidate, rng: &mut R) -> Option<(Candidate, String)> {
        let gan = self.gan_section();
        let choice = parent.gan.as_ref()?;
        let (widths, d_widths) = (self.widths(), gan.discriminator_widths());
        let (rates, d_rates) = (self.learning_rates(), gan.discriminator_learning_rates());
        let counts = [
            depth_choices(self.dense.depth),
            widths.len(),
            depth_choices(gan.discriminator.depth),
            d_widths.len(),
            self.activations.len(),
            self.activations.len(),
            self.optimizers.len(),
            rates.len(),
            d_rates.len(),
            gan.d_steps.len(),
            gan.losses.len(),
            gan.noise_dims.len(),
            self.batch_sizes.len(),
        ];
        let open: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 1).collect();
        if open.is_empty() {
            return None;
        }
        let mut child = parent.clone();
        let c = child.gan.as_mut().expect("cloned from a gan member");
        let change = match open[rng.random_range(0..open.len())] {
            0 => {
                let depth = other(rng, &depth_values(self.dense.depth), |&d| d == parent.dense.len());
                child.dense = uniform_stack(depth, parent.dense[0]);
                format!("generator layers: {} -> {depth}", parent.dense.len())
            }
            1 => {
                let width = other(rng, &widths, |&w| w == parent.dense[0]);
                child.dense = uniform_stack(parent.dense.len(), width);
                format!("generator width: {} -> {width}", parent.dense[0])
            }
            2 => {
                let depth = other(rng, &depth_values(gan.discriminator.depth), |&d| d == choice.discriminator.len());
                c.discriminator = uniform_stack(depth, choice.discriminator[0]);
                format!("discriminator layers: {} -> {depth}", choice.discriminator.len())
            }
            3 => {
                let width = other(rng, &d_widths, |&w| w == choice.discriminator[0]);
                c.discriminator = uniform_stack(choice.discriminator.len(), width);
                format!("discriminator width: {} -> {width}", choice.discriminator[0])
            }
            4 => {
                child.activation = other(rng, &self.activations, |&a| a == parent.activation);
                format!("generator activation: {} -> {}", activation_name(parent.activation), activation_name(child.activation))
            }
            5 => {
                c.discriminator_activation = other(rng, &self.activations, |&a| a == choice.discriminator_activation);
                format!(
                    "discriminator activation: {} -> {}",
                    activation_name(choice.discriminator_activation),
                    activation_name(c.discriminator_activation)
                )
            }
            6 => {
                child.optimizer = other(rng, &self.optimizers, |&o| o == parent.optimizer);
                format!("optimizer: {} -> {}", optimizer_name(parent.optimizer), optimizer_name(child.optimizer))
            }
            7 => {
                child.learning_rate = other(rng, &rates, |&r| same_rate(r, parent.learning_rate));
                format!("generator learning rate: {} -> {}", parent.learning_rate, child.learning_rate)
            }
            8 => {
                c.discriminator_learning_rate = other(rng, &d_rates, |&r| same_rate(r, choice.discriminator_learning_rate));
                format!("discriminator learning rate: {} -> {}", choice.discriminator_learning_rate, c.discriminator_learning_rate)
            }
            9 => {
                c.d_steps = other(rng, &gan.d_steps, |&s| s == choice.d_steps);
                format!("D steps per G step: {} -> {}", choice.d_steps, c.d_steps)
            }
            10 => {
                c.loss = other(rng, &gan.losses, |&l| l == choice.loss);
                format!("loss: {} -> {}", loss_name(choice.loss), loss_name(c.loss))
            }
            11 => {
                c.noise_dim = other(rng, &gan.noise_dims, |&d| d == choice.noise_dim);
                format!("noise dimensions: {} -> {}", choice.noise_dim, c.noise_dim)
            }
            _ => {
                child.batch_size = other(rng, &self.batch_sizes, |&b| b == parent.batch_size);
                format!("batch size: {} -> {}", parent.batch_size, child.batch_size)
            }
        };
        Some((child, change))
    }

    /// Iterations in one epoch of a GAN trial.
    pub fn gan_iterations_per_epoch(&self) -> usize {
        self.gan.as_ref().map_or(0, |g| g.iterations_per_epoch)
    }
}

fn depth_values(depth: DepthRange) -> Vec<usize> {
    depth.values().collect()
}

fn depth_choices(depth: DepthRange) -> usize {
    depth.max - depth.min + 1
}

impl Candidate {
    /// The GAN a `gan` member trains, seeded with `seed`; `None` for a network member.
    pub fn gan_spec(&self, seed: u32) -> Option<GanSpec> {
        let choice = self.gan.as_ref()?;
        let network =
            |widths: &[usize], activation| NetworkSpec { depth: widths.len(), width: widths.first().copied().unwrap_or(0), activation };
        let optimizer = |learning_rate| GanOptimizer { optimizer: self.optimizer, learning_rate, beta1: 0.5 };
        Some(GanSpec {
            generator: network(&self.dense, self.activation),
            discriminator: network(&choice.discriminator, choice.discriminator_activation),
            noise: NoiseSpec { dim: choice.noise_dim, distribution: NoiseDistribution::Gaussian },
            loss: choice.loss,
            generator_optimizer: optimizer(self.learning_rate),
            discriminator_optimizer: optimizer(choice.discriminator_learning_rate),
            d_steps: choice.d_steps,
            g_steps: 1,
            batch_size: self.batch_size,
            seed,
        })
    }

    /// "G 3x64 relu lr 0.001 | D 2x32 leaky_relu(0.2) lr 0.0003 x2 | non-saturating z2 | adam bs 128".
    pub(crate) fn gan_label(&self, choice: &GanChoice) -> String {
        let stack = |widths: &[usize]| format!("{}x{}", widths.len(), widths.first().copied().unwrap_or(0));
        format!(
            "G {} {} lr {} | D {} {} lr {} x{} | {} z{} | {} bs {}",
            stack(&self.dense),
            activation_name(self.activation),
            self.learning_rate,
            stack(&choice.discriminator),
            activation_name(choice.discriminator_activation),
            choice.discriminator_learning_rate,
            choice.d_steps,
            loss_name(choice.loss),
            choice.noise_dim,
            optimizer_name(self.optimizer),
            self.batch_size
        )
    }
}
