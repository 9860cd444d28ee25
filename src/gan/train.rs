//! `GanTrainer`: a generator and a discriminator trained against each other step by step on any
//! `Backend`. A discriminator step sees a batch of real points and a batch of generated ones (G's
//! output copied into D's input on the device); a generator step trains G through D's input
//! gradient while D stands still. Noise and real batches are drawn on the host from a seeded
//! generator, so both engines see the same numbers. Nothing runs by itself: the caller steps,
//! pauses and measures, which is what a live view and a slow, explained mode need.

use crate::data::random::{normal, seeded_rng, uniform, SeededRng};
use crate::engine::{Backend, EngineError};
use crate::nn::{Model, ModelError, Task, Update};

use super::metrics::{binned_divergences, mode_coverage, ModeCoverage};
use super::spec::{GanLoss, GanSpec, GanSpecError, NoiseDistribution, NoiseSpec};
use super::targets::Target2d;

/// Samples in a measurement (VEEGAN and PacGAN count over 2,500).
pub const MEASURE_SAMPLES: usize = 2_500;
/// Real points kept to draw batches from.
const REAL_POOL: usize = 20_000;
/// Cells per side of the grid the binned KL and JS are taken on.
const DIVERGENCE_BINS: usize = 40;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GanError {
    #[error(transparent)]
    Spec(#[from] GanSpecError),
    #[error("{0}")]
    Target(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Both losses averaged over the steps since they were last taken.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GanLosses {
    pub discriminator: f32,
    pub generator: f32,
}

/// How well the generator imitates the target at one moment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GanMetrics {
    pub iteration: usize,
    /// For mixtures with known modes (the ring, the grid): modes covered, high-quality share,
    /// reverse KL.
    pub coverage: Option<ModeCoverage>,
    /// KL(real || generated) and JS between the binned densities, in nats.
    pub kl: f32,
    pub js: f32,
}

pub struct GanTrainer<B: Backend> {
    spec: GanSpec,
    target: Target2d,
    generator: Model<B>,
    discriminator: Model<B>,
    g_update: Update,
    d_update: Update,
    real_pool: Vec<[f32; 2]>,
    /// Draws every noise vector and every real batch, in step order.
    rng: SeededRng,
    /// D's labels for a step: real (1) for the first half, generated (0) for the second.
    d_labels: B::Tensor,
    /// The generator's wish: every generated point taken for real.
    g_labels: B::Tensor,
    d_loss: B::Tensor,
    g_loss: B::Tensor,
    d_steps_since: usize,
    g_steps_since: usize,
    d_steps: usize,
    g_steps: usize,
    /// A fixed noise set, so measurements and drawn samples follow the same points over time.
    eval_noise: Vec<f32>,
    /// D's host-side input for a step: the real batch, then zeros where G's points are copied in.
    d_host_input: Vec<f32>,
    noise_batch: Vec<f32>,
}

/// Fills `out` with noise drawn from `rng`, as `noise` says.
fn fill_noise(out: &mut [f32], noise: &NoiseSpec, rng: &mut SeededRng) {
    match noise.distribution {
        NoiseDistribution::Uniform => out.iter_mut().for_each(|v| *v = uniform(rng, -1.0, 1.0) as f32),
        NoiseDistribution::Gaussian => out.iter_mut().for_each(|v| *v = normal(rng, 0.0, 1.0) as f32),
    }
}

impl<B: Backend> GanTrainer<B> {
    /// Validates the spec and the target and builds both networks with seeded weights.
    pub fn new(be: &B, spec: &GanSpec, target: &Target2d) -> Result<Self, GanError> {
        let (g_spec, d_spec) = spec.validate()?;
        target.validate().map_err(GanError::Target)?;
        let generator = Model::new(be, &g_spec, Task::Regression { outputs: 2 }, spec.seed.wrapping_mul(2).wrapping_add(1))?;
        let discriminator = Model::new(be, &d_spec, Task::Regression { outputs: 1 }, spec.seed.wrapping_mul(2).wrapping_add(2))?;
        let batch = spec.batch_size;
        let mut d_labels = vec![1.0; batch];
        d_labels.resize(2 * batch, 0.0);
        let mut trainer = Self {
            spec: spec.clone(),
            target: target.clone(),
            generator,
            discriminator,
            g_update: spec.generator_optimizer.update(),
            d_update: spec.discriminator_optimizer.update(),
            real_pool: target.sample(REAL_POOL, spec.seed as u64 ^ 0x005e_ed0f_7a12),
            rng: seeded_rng(spec.seed as u64),
            d_labels: be.upload(&d_labels)?,
            g_labels: be.upload(&vec![1.0; batch])?,
            d_loss: be.zeros(1)?,
            g_loss: be.zeros(1)?,
            d_steps_since: 0,
            g_steps_since: 0,
            d_steps: 0,
            g_steps: 0,
            eval_noise: Vec::new(),
            d_host_input: vec![0.0; 2 * batch * 2],
            noise_batch: vec![0.0; batch * spec.noise.dim],
        };
        trainer.eval_noise = vec![0.0; MEASURE_SAMPLES * spec.noise.dim];
        fill_noise(&mut trainer.eval_noise, &spec.noise, &mut seeded_rng(spec.seed as u64 ^ 0xe7a1));
        Ok(trainer)
    }

    pub fn spec(&self) -> &GanSpec {
        &self.spec
    }

    pub fn target(&self) -> &Target2d {
        &self.target
    }

    /// Whole iterations taken: d_steps D steps and g_steps G steps make one, whether taken by
    /// `iterate` or one step at a time.
    pub fn iterations(&self) -> usize {
        (self.d_steps / self.spec.d_steps).min(self.g_steps / self.spec.g_steps)
    }

    /// Discriminator and generator steps taken, one at a time or in iterations.
    pub fn steps(&self) -> (usize, usize) {
        (self.d_steps, self.g_steps)
    }

    /// The loss of the discriminator's last forward pass against `labels`, its gradient into D.
    fn record_loss(&self, be: &B, batch: usize, labels: &B::Tensor, loss_sum: &B::Tensor) {
        match self.spec.loss {
            GanLoss::NonSaturating => self.discriminator.binary_loss(be, batch, labels, loss_sum),
            GanLoss::LeastSquares => {
                let d = &self.discriminator;
                be.mse(d.output(batch), labels, d.output_grad(batch), loss_sum, batch, 1);
            }
        }
    }

    /// Draws the next noise batch and, with `real`, the next real batch, from the run's generator.
    fn draw_batches(&mut self, real: bool) {
        let batch = self.spec.batch_size;
        fill_noise(&mut self.noise_batch, &self.spec.noise, &mut self.rng);
        if real {
            for point in self.d_host_input[..batch * 2].chunks_exact_mut(2) {
                let at = (uniform(&mut self.rng, 0.0, 1.0) * self.real_pool.len() as f64) as usize;
                point.copy_from_slice(&self.real_pool[at.min(self.real_pool.len() - 1)]);
            }
        }
    }

    /// Records D's loss on the real batch (labelled 1) and G's points for the noise batch
    /// (labelled 0), together, into `loss_sum` (None: the run's running sum), and D's gradients.
    fn record_discriminator_pass(&mut self, be: &B, loss_sum: Option<&B::Tensor>) -> Result<(), GanError> {
        let batch = self.spec.batch_size;
        // Host writes before any op is recorded keep the step one submission on the GPU.
        be.write(self.discriminator.input(be, 2 * batch)?, &self.d_host_input);
        self.generator.forward(be, batch, Some(&self.noise_batch), true)?;
        let d_input = self.discriminator.input(be, 2 * batch)?;
        be.copy(self.generator.output(batch), 0, d_input, batch * 2, batch * 2);
        self.discriminator.forward(be, 2 * batch, None, true)?;
        self.record_loss(be, 2 * batch, &self.d_labels, loss_sum.unwrap_or(&self.d_loss));
        self.discriminator.backward(be, 2 * batch, false)?;
        Ok(())
    }

    /// Records G's loss on the noise batch's points as D judges them, into `loss_sum` (None: the
    /// run's running sum), and G's gradients through D's input gradient (D's are left as scratch).
    fn record_generator_pass(&mut self, be: &B, loss_sum: Option<&B::Tensor>) -> Result<(), GanError> {
        let batch = self.spec.batch_size;
        self.generator.forward(be, batch, Some(&self.noise_batch), true)?;
        let d_input = self.discriminator.input(be, batch)?;
        be.copy(self.generator.output(batch), 0, d_input, 0, batch * 2);
        self.discriminator.forward(be, batch, None, true)?;
        self.record_loss(be, batch, &self.g_labels, loss_sum.unwrap_or(&self.g_loss));
        self.discriminator.backward(be, batch, true)?;
        let d_input_grad = self.discriminator.input_grad(batch).expect("backward to the input made it");
        be.copy(d_input_grad, 0, self.generator.output_grad(batch), 0, batch * 2);
        self.generator.backward(be, batch, false)?;
        Ok(())
    }

    /// One discriminator step: a real batch labelled 1 and a generated batch labelled 0, together.
    pub fn step_discriminator(&mut self, be: &B) -> Result<(), GanError> {
        self.draw_batches(true);
        self.record_discriminator_pass(be, None)?;
        self.discriminator.update(be, self.d_update);
        be.submit()?;
        self.d_steps_since += 1;
        self.d_steps += 1;
        Ok(())
    }

    /// One generator step: G's batch through D, D's input gradient back into G; D is not updated.
    pub fn step_generator(&mut self, be: &B) -> Result<(), GanError> {
        self.draw_batches(false);
        self.record_generator_pass(be, None)?;
        self.generator.update(be, self.g_update);
        be.submit()?;
        self.g_steps_since += 1;
        self.g_steps += 1;
        Ok(())
    }

    /// Both losses on given batches (`noise`: batch_size noise vectors, `real`: batch_size
    /// points, flat), training nothing; afterwards `gradients` holds G's gradient of G's loss and
    /// D's of D's. For gradient checks, and for a slow mode that shows one step's numbers.
    pub async fn losses_on(&mut self, be: &B, noise: &[f32], real: &[f32]) -> Result<GanLosses, GanError> {
        let batch = self.spec.batch_size;
        assert_eq!((noise.len(), real.len()), (batch * self.spec.noise.dim, batch * 2), "one batch of noise and of real points");
        let (d_sum, g_sum) = (be.zeros(1)?, be.zeros(1)?);
        self.noise_batch.copy_from_slice(noise);
        self.d_host_input[..batch * 2].copy_from_slice(real);
        self.record_generator_pass(be, Some(&g_sum))?;
        self.record_discriminator_pass(be, Some(&d_sum))?;
        be.submit()?;
        let (d, g) = (be.read(&d_sum).await?[0], be.read(&g_sum).await?[0]);
        Ok(GanLosses { discriminator: d / batch as f32, generator: g / batch as f32 })
    }

    /// The gradients the last pass left: the generator's, then the discriminator's.
    pub async fn gradients(&self, be: &B) -> Result<(Vec<Vec<f32>>, Vec<Vec<f32>>), GanError> {
        Ok((self.generator.gradients(be).await?, self.discriminator.gradients(be).await?))
    }

    /// Replaces both networks' parameters (in the order of `parameters`).
    pub fn set_parameters(&self, be: &B, generator: &[Vec<f32>], discriminator: &[Vec<f32>]) {
        self.generator.set_parameters(be, generator);
        self.discriminator.set_parameters(be, discriminator);
    }

    /// One iteration: `d_steps` discriminator steps, then `g_steps` generator steps.
    pub fn iterate(&mut self, be: &B) -> Result<(), GanError> {
        for _ in 0..self.spec.d_steps {
            self.step_discriminator(be)?;
        }
        for _ in 0..self.spec.g_steps {
            self.step_generator(be)?;
        }
        Ok(())
    }

    /// The mean losses since the last call (None before any step), and a fresh start for both.
    /// The discriminator's is the sum of its real and generated terms, as papers plot it.
    pub async fn take_losses(&mut self, be: &B) -> Result<Option<GanLosses>, GanError> {
        if self.d_steps_since + self.g_steps_since == 0 {
            return Ok(None);
        }
        let batch = self.spec.batch_size as f32;
        let mean = |sum: f32, steps: usize| if steps == 0 { f32::NAN } else { sum / (batch * steps as f32) };
        let d = be.read(&self.d_loss).await?[0];
        let g = be.read(&self.g_loss).await?[0];
        let losses = GanLosses { discriminator: mean(d, self.d_steps_since), generator: mean(g, self.g_steps_since) };
        be.fill(&self.d_loss, 0.0);
        be.fill(&self.g_loss, 0.0);
        self.d_steps_since = 0;
        self.g_steps_since = 0;
        Ok(Some(losses))
    }

    /// The generator's points for `noise` (`noise.len() / noise.dim` of them), dropout off.
    pub async fn generate_from(&mut self, be: &B, noise: &[f32]) -> Result<Vec<[f32; 2]>, GanError> {
        let n = noise.len() / self.spec.noise.dim;
        self.generator.forward(be, n, Some(noise), false)?;
        be.submit()?;
        let flat = be.read(self.generator.output(n)).await?;
        Ok(flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect())
    }

    /// The generator's points for the fixed evaluation noise (2,500 of them).
    pub async fn samples(&mut self, be: &B) -> Result<Vec<[f32; 2]>, GanError> {
        let noise = std::mem::take(&mut self.eval_noise);
        let points = self.generate_from(be, &noise).await;
        self.eval_noise = noise;
        points
    }

    /// The first `n` of the real points batches are drawn from.
    pub fn real_points(&self, n: usize) -> Vec<[f32; 2]> {
        self.real_pool[..n.min(self.real_pool.len())].to_vec()
    }

    /// Modes covered, high-quality share and reverse KL (for mixtures), binned KL and JS, of
    /// `samples` (from `samples()`).
    pub fn measure(&self, samples: &[[f32; 2]]) -> GanMetrics {
        let coverage = self.target.modes().map(|(modes, sigma)| mode_coverage(samples, &modes, sigma));
        let real = &self.real_pool[..samples.len().min(self.real_pool.len())];
        let (kl, js) = binned_divergences(real, samples, self.target.reach(), DIVERGENCE_BINS);
        GanMetrics { iteration: self.iterations(), coverage, kl, js }
    }

    /// The discriminator's belief that each point is real: a probability for the
    /// non-saturating loss, the clamped score for least squares.
    pub async fn discriminator_map(&mut self, be: &B, points: &[[f32; 2]]) -> Result<Vec<f32>, GanError> {
        let n = points.len();
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        self.discriminator.forward(be, n, Some(&flat), false)?;
        be.submit()?;
        let scores = be.read(self.discriminator.output(n)).await?;
        Ok(match self.spec.loss {
            GanLoss::NonSaturating => scores.into_iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect(),
            GanLoss::LeastSquares => scores.into_iter().map(|s| s.clamp(0.0, 1.0)).collect(),
        })
    }

    /// Where the generator's loss pushes each point (minus the gradient of G's loss with respect to
    /// D's input, per sample): the arrows GAN Lab draws at the generated samples. It leaves D's
    /// parameter gradients as scratch: read `gradients` before it, not after.
    pub async fn generator_pull(&mut self, be: &B, points: &[[f32; 2]]) -> Result<Vec<[f32; 2]>, GanError> {
        let n = points.len();
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let (labels, scratch) = (be.upload(&vec![1.0; n])?, be.zeros(1)?);
        self.discriminator.forward(be, n, Some(&flat), false)?;
        self.record_loss(be, n, &labels, &scratch);
        self.discriminator.backward(be, n, true)?;
        be.submit()?;
        let grad = be.read(self.discriminator.input_grad(n).expect("backward to the input made it")).await?;
        // The loss is a mean over the points; per point, the pull is n times its share.
        Ok(grad.chunks_exact(2).map(|g| [-g[0] * n as f32, -g[1] * n as f32]).collect())
    }

    /// Both networks' parameters (generator first), for checks and agreement tests.
    pub async fn parameters(&self, be: &B) -> Result<(Vec<Vec<f32>>, Vec<Vec<f32>>), GanError> {
        Ok((self.generator.parameters(be).await?, self.discriminator.parameters(be).await?))
    }
}
