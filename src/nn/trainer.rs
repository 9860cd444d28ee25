//! The `Trainer`: epochs of shuffled mini-batches through a `Model`, per-epoch metrics read back
//! once an epoch, early stop on divergence with a reason, cancellation between steps, and events
//! for whoever draws. It never draws.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::layer::Update;
use super::model::{Model, ModelError, Task};
use super::spec::ModelSpec;
use crate::engine::{rng, AdamConfig, Backend, SgdConfig};

/// Samples as flat rows: `features` [n, feature_len] and `targets` [n, target_len] (class indices
/// as f32 for classification).
#[derive(Debug, Clone, Copy)]
pub struct Examples<'a> {
    pub features: &'a [f32],
    pub targets: &'a [f32],
    pub feature_len: usize,
    pub target_len: usize,
}

impl Examples<'_> {
    pub fn len(&self) -> usize {
        self.targets.len() / self.target_len.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies the listed samples into one batch.
    pub(crate) fn gather(&self, indices: &[usize], features: &mut Vec<f32>, targets: &mut Vec<f32>) {
        features.clear();
        targets.clear();
        for &i in indices {
            features.extend_from_slice(&self.features[i * self.feature_len..(i + 1) * self.feature_len]);
            targets.extend_from_slice(&self.targets[i * self.target_len..(i + 1) * self.target_len]);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Optimizer {
    Sgd,
    Momentum { momentum: f32 },
    Adam,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: Optimizer,
    pub learning_rate: f32,
    /// L2 penalty added to every gradient.
    #[serde(default)]
    pub l2: f32,
    /// The learning rate is multiplied by this after every epoch (1 keeps it constant).
    #[serde(default = "no_decay")]
    pub lr_decay: f32,
    /// Seeds the order of the samples in every epoch.
    #[serde(default)]
    pub seed: u32,
}

fn no_decay() -> f32 {
    1.0
}

impl TrainConfig {
    pub(crate) fn update(&self, learning_rate: f32) -> Update {
        match self.optimizer {
            Optimizer::Sgd => Update::Sgd(SgdConfig { learning_rate, momentum: 0.0, l2: self.l2 }),
            Optimizer::Momentum { momentum } => Update::Sgd(SgdConfig { learning_rate, momentum, l2: self.l2 }),
            Optimizer::Adam => Update::Adam(AdamConfig { l2: self.l2, ..AdamConfig::with_learning_rate(learning_rate) }),
        }
    }
}

/// The shortest training time a speed is worked out from. A browser's clock moves in steps of up
/// to 0.1 ms, so a shorter epoch (a few dozen rows) would read as far faster than it ran, or as
/// infinitely fast.
const SHORTEST_TIMED_SECONDS: f64 = 1e-3;

/// Samples per second, or 0 (not measured) where `seconds` is too short to read.
pub fn samples_per_second(samples: usize, seconds: f64) -> f64 {
    if seconds < SHORTEST_TIMED_SECONDS {
        0.0
    } else {
        samples as f64 / seconds
    }
}

/// What one epoch achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Counted from 1.
    pub epoch: usize,
    pub train_loss: f32,
    pub train_accuracy: Option<f32>,
    pub validation_loss: Option<f32>,
    pub validation_accuracy: Option<f32>,
    pub learning_rate: f32,
    /// Training samples per second over the epoch's steps (evaluation not counted); 0 where the
    /// epoch was too short to time (see `samples_per_second`).
    pub samples_per_sec: f64,
    pub seconds: f64,
    /// A GAN trial's epoch: how many of the target's modes its samples covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes_covered: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    Cancelled { epoch: usize },
    Diverged { epoch: usize, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainEvent {
    /// A training step of `epoch` is done (`step` of `steps`, counted from 1).
    Step {
        epoch: usize,
        step: usize,
        steps: usize,
    },
    Epoch(EpochMetrics),
    Stopped(StopReason),
    Finished {
        epochs: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    pub history: Vec<EpochMetrics>,
    pub stopped: Option<StopReason>,
}

impl TrainOutcome {
    pub fn last(&self) -> Option<&EpochMetrics> {
        self.history.last()
    }
}

/// Where training runs: a clock, a way to ask it to stop, where events go, and a chance to let
/// the page breathe between steps.
pub trait TrainerHost {
    /// Seconds from any fixed origin.
    fn now(&self) -> f64;
    fn should_stop(&self) -> bool {
        false
    }
    fn on_event(&mut self, _event: &TrainEvent) {}
    /// Awaited between steps; a browser host yields to the event loop here now and then.
    /// Whether to read the parameters after every epoch (`on_snapshot`); a read costs a copy.
    fn wants_snapshots(&self) -> bool {
        false
    }
    fn on_snapshot(&mut self, _snapshot: ModelSnapshot) {}
    fn breathe(&mut self) -> impl Future<Output = ()> {
        std::future::ready(())
    }
}

/// A seeded permutation of 0..n (Fisher-Yates over the counter-based generator).
/// A model's parameters after an epoch, for hosts that draw the network as it learns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSnapshot {
    pub epoch: usize,
    pub model: ModelSpec,
    pub task: Task,
    /// In `Model::parameters` order.
    pub parameters: Vec<Vec<f32>>,
}

pub fn shuffled(n: usize, seed: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng::uniform(seed, i as u32) * (i + 1) as f32) as usize;
        order.swap(i, j.min(i));
    }
    order
}

/// A training loss this many times the first epoch's counts as diverging.
pub(crate) const EXPLOSION_FACTOR: f32 = 1e3;

/// A host with no clock that never stops and never yields.
struct NoHost;

impl TrainerHost for NoHost {
    fn now(&self) -> f64 {
        0.0
    }
}

/// Loss and accuracy of `examples` without training. Returns (mean loss, accuracy if classifying).
pub async fn evaluate<B: Backend>(
    model: &mut Model<B>,
    be: &B,
    examples: &Examples<'_>,
    batch_size: usize,
) -> Result<(f32, Option<f32>), ModelError> {
    evaluate_breathing(model, be, examples, batch_size, &mut NoHost).await
}

/// `evaluate`, letting the host breathe between batches (validating a large set takes a while).
async fn evaluate_breathing<B: Backend, H: TrainerHost>(
    model: &mut Model<B>,
    be: &B,
    examples: &Examples<'_>,
    batch_size: usize,
    host: &mut H,
) -> Result<(f32, Option<f32>), ModelError> {
    let (loss_sum, correct) = (be.zeros(1)?, be.zeros(1)?);
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    let order: Vec<usize> = (0..examples.len()).collect();
    for chunk in order.chunks(batch_size.max(1)) {
        examples.gather(chunk, &mut features, &mut targets);
        model.evaluate_batch(be, chunk.len(), &features, &targets, &loss_sum, &correct)?;
        host.breathe().await;
    }
    let n = examples.len().max(1) as f32;
    let loss = be.read(&loss_sum).await?[0] / n;
    let accuracy = match model.task() {
        Task::Classification { .. } => Some(be.read(&correct).await?[0] / n),
        Task::Regression { .. } => None,
    };
    Ok((loss, accuracy))
}

/// Trains `model` on `train` for `config.epochs`, evaluating `validation` after every epoch.
pub async fn train<B: Backend, H: TrainerHost>(
    model: &mut Model<B>,
    be: &B,
    train: &Examples<'_>,
    validation: Option<&Examples<'_>>,
    config: &TrainConfig,
    host: &mut H,
) -> Result<TrainOutcome, ModelError> {
    continue_training(model, be, train, validation, config, &[], host).await
}

/// Goes on training a `model` that already trained the epochs in `done` with this `config`, up
/// to `config.epochs`, exactly as if it had never stopped: the same sample order, learning rate
/// and divergence test per epoch. The outcome's history holds `done` and the new epochs.
pub async fn continue_training<B: Backend, H: TrainerHost>(
    model: &mut Model<B>,
    be: &B,
    train: &Examples<'_>,
    validation: Option<&Examples<'_>>,
    config: &TrainConfig,
    done: &[EpochMetrics],
    host: &mut H,
) -> Result<TrainOutcome, ModelError> {
    let batch_size = config.batch_size.max(1);
    let (loss_sum, correct) = (be.zeros(1)?, be.zeros(1)?);
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    let mut history: Vec<EpochMetrics> = done.to_vec();
    let mut learning_rate = done.last().map_or(config.learning_rate, |m| m.learning_rate * config.lr_decay);
    let mut stopped = None;

    'epochs: for epoch in done.len() + 1..=config.epochs {
        let start = host.now();
        be.fill(&loss_sum, 0.0);
        be.fill(&correct, 0.0);
        let order = shuffled(train.len(), config.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u32));
        let update = config.update(learning_rate);
        let steps = train.len().div_ceil(batch_size);
        for (step, chunk) in order.chunks(batch_size).enumerate() {
            if host.should_stop() {
                stopped = Some(StopReason::Cancelled { epoch });
                break 'epochs;
            }
            train.gather(chunk, &mut features, &mut targets);
            model.train_step(be, chunk.len(), &features, &targets, update, &loss_sum, &correct)?;
            host.on_event(&TrainEvent::Step { epoch, step: step + 1, steps });
            host.breathe().await;
        }
        let n = train.len().max(1) as f32;
        let train_loss = be.read(&loss_sum).await?[0] / n;
        let train_seconds = host.now() - start;
        let train_accuracy = match model.task() {
            Task::Classification { .. } => Some(be.read(&correct).await?[0] / n),
            Task::Regression { .. } => None,
        };
        let first_loss = history.first().map(|m| m.train_loss).unwrap_or(train_loss);
        if !train_loss.is_finite() || train_loss > EXPLOSION_FACTOR * first_loss.max(1e-3) {
            let message = format!(
                "the training loss became {} in epoch {epoch}; a lower learning rate than {learning_rate} may help",
                if train_loss.is_finite() { format!("{train_loss:.3e}") } else { "NaN or infinite".into() }
            );
            stopped = Some(StopReason::Diverged { epoch, message });
            break;
        }
        let (validation_loss, validation_accuracy) = match validation {
            Some(examples) if !examples.is_empty() => {
                let (loss, accuracy) = evaluate_breathing(model, be, examples, batch_size, host).await?;
                (Some(loss), accuracy)
            }
            _ => (None, None),
        };
        if let Some(loss) = validation_loss.filter(|l| !l.is_finite()) {
            let message =
                format!("the validation loss became {loss} in epoch {epoch}; a lower learning rate than {learning_rate} may help");
            stopped = Some(StopReason::Diverged { epoch, message });
            break;
        }
        let metrics = EpochMetrics {
            epoch,
            train_loss,
            train_accuracy,
            validation_loss,
            validation_accuracy,
            learning_rate,
            samples_per_sec: samples_per_second(train.len(), train_seconds),
            seconds: host.now() - start,
            modes_covered: None,
        };
        host.on_event(&TrainEvent::Epoch(metrics.clone()));
        if host.wants_snapshots() {
            let parameters = model.parameters(be).await?;
            host.on_snapshot(ModelSnapshot { epoch, model: model.spec().clone(), task: model.task(), parameters });
        }
        history.push(metrics);
        learning_rate *= config.lr_decay;
    }
    match &stopped {
        Some(reason) => host.on_event(&TrainEvent::Stopped(reason.clone())),
        None => host.on_event(&TrainEvent::Finished { epochs: history.len() }),
    }
    Ok(TrainOutcome { history, stopped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_too_short_for_the_clock_has_no_speed() {
        // 96 rows in one 0.1 ms tick of a browser's clock, or in no measured time at all.
        assert_eq!(samples_per_second(96, 1e-4), 0.0);
        assert_eq!(samples_per_second(96, 0.0), 0.0);
        assert_eq!(samples_per_second(96_000, 0.5), 192_000.0);
    }

    #[test]
    fn shuffling_is_a_seeded_permutation() {
        let a = shuffled(1000, 5);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_eq!(a, shuffled(1000, 5));
        assert_ne!(a, shuffled(1000, 6));
    }
}
