//! One trial of a GAN search: the member's `GanSpec` trained on the search's target for the
//! proposal's epochs of `iterations_per_epoch` iterations, measured after each epoch. An epoch's
//! metrics read: `train_loss` the generator's loss and `validation_loss` the discriminator's
//! (means over the epoch), `validation_accuracy` the high-quality share (for a target without
//! modes, 1 - JS / ln 2), `modes_covered` the modes its samples covered, which
//! `Objective::ModesThenQuality` ranks by first.

use super::event::SearchEvent;
use super::runner::{Evaluation, SearchHost};
use super::trial::{FailureKind, Proposal, TrialResult};
use crate::engine::gpu::GpuError;
use crate::engine::{Backend, EngineError};
use crate::gan::{DivergenceWatch, GanError, GanTrainer, Target2d};
use crate::nn::{EpochMetrics, ModelError};

/// Losses are read (and divergence checked) every this many iterations.
const REPORT_EVERY: usize = 50;

/// How often progress is reported within an epoch, at most (seconds).
const PROGRESS_INTERVAL: f64 = 0.1;

/// Trains `proposal` (a GAN member) as trial `trial`. A proposal that goes on from a shorter
/// trial trains again from the same seeded start, so its first epochs repeat that trial's.
pub async fn train_gan_trial<B: Backend, H: SearchHost>(
    be: &B,
    target: &Target2d,
    iterations_per_epoch: usize,
    seed: u32,
    trial: usize,
    proposal: &Proposal,
    host: &mut H,
) -> Evaluation {
    let Some(spec) = proposal.candidate.gan_spec(seed) else {
        return Evaluation::Done(TrialResult::failed(FailureKind::InvalidModel, "a gan search's member has no GAN settings".into()));
    };
    let generator = match spec.validate() {
        Ok((generator, _)) => generator,
        Err(error) => return Evaluation::Done(TrialResult::failed(FailureKind::InvalidModel, error.to_string())),
    };
    let mut result = TrialResult {
        parameters: spec.parameters(),
        flops: generator.validate().map_or(0, |s| s.flops),
        history: Vec::new(),
        seconds: 0.0,
        model: Some(generator),
        repairs: Vec::new(),
        failure: None,
    };
    let start = host.now();
    let outcome = train_epochs(be, target, iterations_per_epoch, &spec, trial, proposal, host, &mut result.history).await;
    result.seconds = host.now() - start;
    match outcome {
        Ok(Some(reason)) => result.failure = Some(super::trial::Failure { kind: FailureKind::Diverged, message: reason }),
        Ok(None) => {}
        Err(Stop::Cancelled) => return Evaluation::Stopped,
        Err(Stop::Failed(GanError::Model(ModelError::Engine(EngineError::Gpu(GpuError::DeviceLost(message))))))
        | Err(Stop::Failed(GanError::Engine(EngineError::Gpu(GpuError::DeviceLost(message))))) => return Evaluation::DeviceLost(message),
        Err(Stop::Failed(error)) => {
            let kind = match &error {
                GanError::Spec(_) | GanError::Target(_) => FailureKind::InvalidModel,
                _ => FailureKind::Engine,
            };
            result.failure = Some(super::trial::Failure { kind, message: error.to_string() });
        }
    }
    Evaluation::Done(result)
}

enum Stop {
    Cancelled,
    Failed(GanError),
}

impl From<GanError> for Stop {
    fn from(error: GanError) -> Self {
        Stop::Failed(error)
    }
}

/// Trains epoch by epoch into `history`; `Ok(Some(reason))` when training diverged.
#[allow(clippy::too_many_arguments)]
async fn train_epochs<B: Backend, H: SearchHost>(
    be: &B,
    target: &Target2d,
    iterations_per_epoch: usize,
    spec: &crate::gan::GanSpec,
    trial: usize,
    proposal: &Proposal,
    host: &mut H,
    history: &mut Vec<EpochMetrics>,
) -> Result<Option<String>, Stop> {
    let mut trainer = GanTrainer::new(be, spec, target)?;
    let mut watch = DivergenceWatch::default();
    let mut last_progress = f64::NEG_INFINITY;
    for epoch in 1..=proposal.epochs {
        let epoch_start = host.now();
        let (mut generator_loss, mut discriminator_loss, mut reports) = (0.0f64, 0.0f64, 0usize);
        for step in 1..=iterations_per_epoch {
            trainer.iterate(be)?;
            if step % REPORT_EVERY != 0 && step != iterations_per_epoch {
                continue;
            }
            if let Some(losses) = trainer.take_losses(be).await? {
                if let Some(reason) = watch.losses(trainer.iterations(), &losses) {
                    return Ok(Some(reason));
                }
                generator_loss += losses.generator as f64;
                discriminator_loss += losses.discriminator as f64;
                reports += 1;
            }
            let now = host.now();
            if now - last_progress >= PROGRESS_INTERVAL || step == iterations_per_epoch {
                last_progress = now;
                host.on_event(&SearchEvent::Progress { trial, epoch, step, steps: iterations_per_epoch });
            }
            host.breathe().await;
            if host.should_stop() {
                return Err(Stop::Cancelled);
            }
        }
        let train_seconds = host.now() - epoch_start;
        let points = trainer.samples(be).await?;
        if let Some(reason) = DivergenceWatch::samples(trainer.iterations(), &points, target.reach()) {
            return Ok(Some(reason));
        }
        let measured = trainer.measure(&points);
        let quality = match &measured.coverage {
            Some(coverage) => coverage.high_quality,
            None => 1.0 - measured.js / std::f32::consts::LN_2,
        };
        let reports = reports.max(1) as f64;
        let metrics = EpochMetrics {
            epoch,
            train_loss: (generator_loss / reports) as f32,
            train_accuracy: None,
            validation_loss: Some((discriminator_loss / reports) as f32),
            validation_accuracy: Some(quality),
            learning_rate: spec.generator_optimizer.learning_rate,
            samples_per_sec: crate::nn::trainer::samples_per_second(iterations_per_epoch * spec.batch_size, train_seconds),
            seconds: host.now() - epoch_start,
            modes_covered: measured.coverage.as_ref().map(|c| c.covered),
        };
        host.on_event(&SearchEvent::Epoch { trial, metrics: metrics.clone() });
        history.push(metrics);
    }
    Ok(None)
}
