//! `TrainingEvaluator`: trains each proposal for real on a `Device` (the CPU or the GPU) on the
//! search's training data, ranks it on the validation data, and turns every way a trial can fail
//! (divergence, out of memory, a network that cannot be built) into a recorded failure.

use super::candidate::BuiltCandidate;
use super::config::SearchConfig;
use super::runner::{Evaluation, Evaluator, SearchHost, TrialHost};
use super::space::SearchSpace;
use super::trial::{Failure, FailureKind, Proposal, TrialResult};
use crate::data::{Dataset, Splits};
use crate::engine::gpu::GpuError;
use crate::engine::{Backend, Device, EngineError};
use crate::nn::{train, Model, ModelError, StopReason, TargetRows, Task};

pub struct TrainingEvaluator {
    device: Device,
    space: SearchSpace,
    train: Dataset,
    validation: Dataset,
    train_targets: TargetRows,
    validation_targets: TargetRows,
    task: Task,
    seed: u32,
}

/// The seed of every trial's initial weights and sample order: the same for every trial, so a
/// promoted trial repeats its shorter run's first epochs exactly.
pub fn trial_seed(search_seed: u64) -> u32 {
    (search_seed ^ (search_seed >> 32)) as u32
}

impl TrainingEvaluator {
    pub fn new(device: Device, config: &SearchConfig, splits: Splits) -> Self {
        let task = Task::of(&splits.train);
        TrainingEvaluator {
            device,
            space: config.space.clone(),
            train_targets: TargetRows::of(&splits.train),
            validation_targets: TargetRows::of(&splits.validation),
            train: splits.train,
            validation: splits.validation,
            task,
            seed: trial_seed(config.seed),
        }
    }

    pub fn task(&self) -> Task {
        self.task
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The network and settings a proposal trains with.
    pub fn build(&self, proposal: &Proposal) -> BuiltCandidate {
        proposal.candidate.build(&self.space, &self.train.feature_shape, self.task, proposal.epochs, self.seed)
    }

    async fn train_on<B: Backend, H: SearchHost>(&self, be: &B, trial: usize, proposal: &Proposal, host: &mut H) -> Evaluation {
        let built = self.build(proposal);
        let start = host.now();
        let mut model = match Model::new(be, &built.model, self.task, self.seed) {
            Ok(model) => model,
            Err(error) => return failure(error, built),
        };
        let summary = model.summary().clone();
        let mut trial_host = TrialHost { host, trial };
        let outcome = train(
            &mut model,
            be,
            &self.train_targets.examples(&self.train),
            Some(&self.validation_targets.examples(&self.validation)),
            &built.train,
            &mut trial_host,
        )
        .await;
        let seconds = host.now() - start;
        match outcome {
            Err(error) => failure(error, built),
            Ok(outcome) => {
                let failure = match outcome.stopped {
                    Some(StopReason::Cancelled { .. }) => return Evaluation::Stopped,
                    Some(StopReason::Diverged { message, .. }) => Some(Failure { kind: FailureKind::Diverged, message }),
                    None => None,
                };
                Evaluation::Done(TrialResult {
                    parameters: summary.parameters,
                    flops: summary.flops,
                    history: outcome.history,
                    seconds,
                    model: Some(built.model),
                    repairs: built.repairs,
                    failure,
                })
            }
        }
    }
}

/// A model error as a recorded failure, or the end of the search when the device is gone.
fn failure(error: ModelError, built: BuiltCandidate) -> Evaluation {
    let kind = match &error {
        ModelError::Engine(EngineError::Gpu(GpuError::DeviceLost(message))) => return Evaluation::DeviceLost(message.clone()),
        ModelError::Engine(EngineError::Gpu(GpuError::OutOfMemory(_) | GpuError::TooLarge { .. })) => FailureKind::OutOfMemory,
        ModelError::Engine(_) => FailureKind::Engine,
        ModelError::Spec(_) | ModelError::OutputMismatch { .. } | ModelError::InputMismatch { .. } => FailureKind::InvalidModel,
    };
    let mut result = TrialResult::failed(kind, error.to_string());
    if let Ok(summary) = built.model.validate() {
        (result.parameters, result.flops) = (summary.parameters, summary.flops);
    }
    result.model = Some(built.model);
    result.repairs = built.repairs;
    Evaluation::Done(result)
}

impl Evaluator for TrainingEvaluator {
    async fn evaluate<H: SearchHost>(&mut self, trial: usize, proposal: &Proposal, host: &mut H) -> Evaluation {
        match &self.device {
            Device::Cpu(be) => self.train_on(be, trial, proposal, host).await,
            Device::Gpu(gpu) => {
                let gpu = gpu.clone();
                self.train_on(&*gpu, trial, proposal, host).await
            }
        }
    }
}
