//! Training a `ModelStack`: the `Trainer`'s epochs, metrics and divergence stops, kept for each
//! member apart. Every member's history is the one `train` gives its own `Model`; only the clock's
//! figures differ (a member's samples per second is the whole stack's pace).

use std::future::Future;

use super::model::{ModelError, Task};
use super::stack::ModelStack;
use super::trainer::{
    shuffled, EpochMetrics, Examples, ModelSnapshot, StopReason, TrainConfig, TrainEvent, TrainOutcome, EXPLOSION_FACTOR,
};
use crate::engine::StackedBackend;

/// Where a stack trains: the `TrainerHost` of several members at once.
pub trait StackHost {
    /// Seconds from any fixed origin.
    fn now(&self) -> f64;
    fn should_stop(&self) -> bool {
        false
    }
    /// An event of member `member`'s training.
    fn on_event(&mut self, _member: usize, _event: &TrainEvent) {}
    /// Whether to read each member's parameters after every epoch (`on_snapshot`).
    fn wants_snapshots(&self) -> bool {
        false
    }
    fn on_snapshot(&mut self, _member: usize, _snapshot: ModelSnapshot) {}
    /// Awaited between steps.
    fn breathe(&mut self) -> impl Future<Output = ()> {
        std::future::ready(())
    }
}

/// Why configurations cannot train in one stack, in words.
pub fn stack_config_conflict(configs: &[TrainConfig]) -> Option<String> {
    let first = configs.first()?;
    configs.iter().enumerate().skip(1).find_map(|(k, c)| {
        let differs = if c.epochs != first.epochs {
            "epochs"
        } else if c.batch_size != first.batch_size {
            "batch size"
        } else if c.seed != first.seed {
            "sample order seed"
        } else {
            return None;
        };
        Some(format!("member {k}'s {differs} differs from the first member's"))
    })
}

/// The members still training.
fn running(stopped: &[Option<StopReason>]) -> Vec<usize> {
    (0..stopped.len()).filter(|&k| stopped[k].is_none()).collect()
}

/// Every member's loss and accuracy on `examples` (in batches of `batch_size`), without training.
async fn evaluate_stack<B: StackedBackend, H: StackHost>(
    stack: &mut ModelStack<B>,
    be: &B,
    examples: &Examples<'_>,
    batch_size: usize,
    host: &mut H,
) -> Result<Vec<(f32, Option<f32>)>, ModelError> {
    let members = stack.members();
    let (loss_sums, correct) = (be.zeros(members)?, be.zeros(members)?);
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    let order: Vec<usize> = (0..examples.len()).collect();
    for chunk in order.chunks(batch_size.max(1)) {
        examples.gather(chunk, &mut features, &mut targets);
        stack.evaluate_batch(be, chunk.len(), &features, &targets, &loss_sums, &correct)?;
        host.breathe().await;
    }
    let n = examples.len().max(1) as f32;
    let losses = be.read(&loss_sums).await?;
    let hits = match stack.task() {
        Task::Classification { .. } => Some(be.read(&correct).await?),
        Task::Regression { .. } => None,
    };
    Ok((0..members).map(|k| (losses[k] / n, hits.as_ref().map(|h| h[k] / n))).collect())
}

/// Trains every member of `stack` with its own `configs[k]` (which agree on epochs, batch size
/// and sample order: `stack_config_conflict`), evaluating `validation` after every epoch. A
/// member that diverges stops there, as it would alone, while the others go on (its weights,
/// still trained with theirs, are not kept).
pub async fn train_stack<B: StackedBackend, H: StackHost>(
    stack: &mut ModelStack<B>,
    be: &B,
    train: &Examples<'_>,
    validation: Option<&Examples<'_>>,
    configs: &[TrainConfig],
    host: &mut H,
) -> Result<Vec<TrainOutcome>, ModelError> {
    let members = stack.members();
    assert_eq!(configs.len(), members, "one training configuration per member");
    if let Some(conflict) = stack_config_conflict(configs) {
        panic!("train_stack: {conflict}");
    }
    let (epochs, batch_size, seed) = (configs[0].epochs, configs[0].batch_size.max(1), configs[0].seed);
    let (loss_sums, correct) = (be.zeros(members)?, be.zeros(members)?);
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    let mut histories: Vec<Vec<EpochMetrics>> = vec![Vec::new(); members];
    let mut stopped: Vec<Option<StopReason>> = vec![None; members];
    let mut learning_rates: Vec<f32> = configs.iter().map(|c| c.learning_rate).collect();

    'epochs: for epoch in 1..=epochs {
        if stopped.iter().all(Option::is_some) {
            break;
        }
        let start = host.now();
        be.fill(&loss_sums, 0.0);
        be.fill(&correct, 0.0);
        let order = shuffled(train.len(), seed.wrapping_mul(1_000_003).wrapping_add(epoch as u32));
        let updates: Vec<_> = configs.iter().zip(&learning_rates).map(|(c, &lr)| c.update(lr)).collect();
        let steps = train.len().div_ceil(batch_size);
        for (step, chunk) in order.chunks(batch_size).enumerate() {
            if host.should_stop() {
                for reason in stopped.iter_mut().filter(|r| r.is_none()) {
                    *reason = Some(StopReason::Cancelled { epoch });
                }
                break 'epochs;
            }
            train.gather(chunk, &mut features, &mut targets);
            stack.train_step(be, chunk.len(), &features, &targets, &updates, &loss_sums, &correct)?;
            for k in running(&stopped) {
                host.on_event(k, &TrainEvent::Step { epoch, step: step + 1, steps });
            }
            host.breathe().await;
        }
        let n = train.len().max(1) as f32;
        let losses = be.read(&loss_sums).await?;
        let train_seconds = host.now() - start;
        let hits = match stack.task() {
            Task::Classification { .. } => Some(be.read(&correct).await?),
            Task::Regression { .. } => None,
        };
        for k in running(&stopped) {
            let train_loss = losses[k] / n;
            let first_loss = histories[k].first().map(|m| m.train_loss).unwrap_or(train_loss);
            if !train_loss.is_finite() || train_loss > EXPLOSION_FACTOR * first_loss.max(1e-3) {
                let message = format!(
                    "the training loss became {} in epoch {epoch}; a lower learning rate than {} may help",
                    if train_loss.is_finite() { format!("{train_loss:.3e}") } else { "NaN or infinite".into() },
                    learning_rates[k]
                );
                stopped[k] = Some(StopReason::Diverged { epoch, message });
            }
        }
        let evaluated = match validation {
            Some(examples) if !examples.is_empty() && stopped.iter().any(Option::is_none) => {
                Some(evaluate_stack(stack, be, examples, batch_size, host).await?)
            }
            _ => None,
        };
        for k in running(&stopped) {
            let (validation_loss, validation_accuracy) = match &evaluated {
                Some(per_member) => (Some(per_member[k].0), per_member[k].1),
                None => (None, None),
            };
            if let Some(loss) = validation_loss.filter(|l| !l.is_finite()) {
                let message = format!(
                    "the validation loss became {loss} in epoch {epoch}; a lower learning rate than {} may help",
                    learning_rates[k]
                );
                stopped[k] = Some(StopReason::Diverged { epoch, message });
                continue;
            }
            let metrics = EpochMetrics {
                epoch,
                train_loss: losses[k] / n,
                train_accuracy: hits.as_ref().map(|h| h[k] / n),
                validation_loss,
                validation_accuracy,
                learning_rate: learning_rates[k],
                samples_per_sec: super::trainer::samples_per_second(train.len(), train_seconds),
                seconds: host.now() - start,
                modes_covered: None,
            };
            host.on_event(k, &TrainEvent::Epoch(metrics.clone()));
            if host.wants_snapshots() {
                let parameters = stack.parameters(be, k).await?;
                host.on_snapshot(k, ModelSnapshot { epoch, model: stack.spec(k).clone(), task: stack.task(), parameters });
            }
            histories[k].push(metrics);
            learning_rates[k] *= configs[k].lr_decay;
        }
    }
    let mut outcomes = Vec::with_capacity(members);
    for (k, (history, stopped)) in histories.into_iter().zip(stopped).enumerate() {
        match &stopped {
            Some(reason) => host.on_event(k, &TrainEvent::Stopped(reason.clone())),
            None => host.on_event(k, &TrainEvent::Finished { epochs: history.len() }),
        }
        outcomes.push(TrainOutcome { history, stopped });
    }
    Ok(outcomes)
}
