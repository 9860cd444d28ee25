//! `TrainingEvaluator`: trains each proposal for real on a `Device` (the CPU or the GPU) on the
//! search's training data, ranks it on the validation data, and turns every way a trial can fail
//! (divergence, out of memory, a network that cannot be built) into a recorded failure. It keeps
//! the trained models of short multi-fidelity trials, so a promoted trial goes on from them.

use super::candidate::BuiltCandidate;
use super::config::SearchConfig;
use super::event::SearchEvent;
use super::gan_trial::train_gan_trial;
use super::inspect::{validation_report, TrialInspection};
use super::runner::{Evaluation, Evaluator, FusionKey, GroupHost, SearchHost, TrialHost};
use super::space::SearchSpace;
use super::trained::{InputPipeline, TrainedModel};
use super::trial::{Failure, FailureKind, Origin, Proposal, TrialResult};
use crate::data::{Dataset, Splits};
use crate::engine::cpu::CpuBackend;
use crate::engine::gpu::{GpuContext, GpuError};
use crate::engine::{Backend, Device, EngineError, StackedBackend};
use crate::nn::{
    continue_training, train_stack, EpochMetrics, Model, ModelError, ModelStack, StackError, StackShape, StopReason, TargetRows, Task,
    TrainOutcome,
};

/// A short trial's trained model, kept in case a strategy promotes it.
struct Checkpoint<B: Backend> {
    trial: usize,
    model: Model<B>,
    history: Vec<EpochMetrics>,
}

/// The kept models, oldest first, within a bound on their parameters (weights and optimizer
/// state live on the device). A promoted trial whose model was dropped trains again from its
/// seeded start to the same weights, only slower.
struct Checkpoints<B: Backend> {
    kept: Vec<Checkpoint<B>>,
}

impl<B: Backend> Default for Checkpoints<B> {
    fn default() -> Self {
        Checkpoints { kept: Vec::new() }
    }
}

/// At most this many parameters kept in all (with Adam's two moments, 48 MB of f32).
const MAX_KEPT_PARAMETERS: usize = 4_000_000;

impl<B: Backend> Checkpoints<B> {
    fn take(&mut self, trial: usize, epochs: usize) -> Option<Checkpoint<B>> {
        let at = self.kept.iter().position(|c| c.trial == trial && c.history.len() == epochs)?;
        Some(self.kept.remove(at))
    }

    fn keep(&mut self, checkpoint: Checkpoint<B>) {
        self.kept.push(checkpoint);
        while self.kept.iter().map(|c| c.model.summary().parameters).sum::<usize>() > MAX_KEPT_PARAMETERS {
            self.kept.remove(0);
        }
    }
}

pub struct TrainingEvaluator {
    device: Device,
    space: SearchSpace,
    train: Dataset,
    validation: Dataset,
    train_targets: TargetRows,
    validation_targets: TargetRows,
    task: Task,
    seed: u32,
    cpu_checkpoints: Checkpoints<CpuBackend>,
    gpu_checkpoints: Checkpoints<GpuContext>,
    /// Whether to keep short trials' models for promotions (turning it off changes speed only).
    pub keep_checkpoints: bool,
    /// How many promoted trials went on from a kept model instead of retraining.
    pub checkpoint_reuses: std::cell::Cell<usize>,
    /// When set, each trial that trains to the end leaves its weights and validation report
    /// (`take_inspection`), with inputs prepared this way.
    pub inspect: Option<InputPipeline>,
    /// The inspections of the last evaluation's trials (one, or a fused stack's).
    inspections: std::cell::RefCell<Vec<TrialInspection>>,
    /// A GAN search's target: its trials train GANs on it (see `gan_trial`).
    gan_target: Option<crate::gan::Target2d>,
}

/// The most confidently misclassified validation images an inspection keeps.
const MISCLASSIFIED_KEPT: usize = 12;

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
            cpu_checkpoints: Checkpoints::default(),
            gpu_checkpoints: Checkpoints::default(),
            keep_checkpoints: true,
            checkpoint_reuses: std::cell::Cell::new(0),
            inspect: None,
            inspections: std::cell::RefCell::new(Vec::new()),
            gan_target: match &config.data.source {
                super::config::DataSource::GanTarget { target } => Some(target.clone()),
                _ => None,
            },
        }
    }

    pub fn task(&self) -> Task {
        self.task
    }

    /// The weights and validation report of the last evaluation's trial if it trained to the
    /// end, once; of a fused evaluation, its last such trial's (`take_inspections` gives each).
    pub fn take_inspection(&self) -> Option<TrialInspection> {
        self.inspections.borrow_mut().drain(..).next_back()
    }

    /// The inspections of the last evaluation's trials that trained to the end, once.
    pub fn take_inspections(&self) -> Vec<TrialInspection> {
        std::mem::take(&mut *self.inspections.borrow_mut())
    }

    async fn inspect<B: Backend>(&self, model: &mut Model<B>, be: &B, trial: usize) -> Result<TrialInspection, String> {
        let input = self.inspect.clone().expect("asked only when inspecting");
        let trained = TrainedModel::capture(model, be, &self.train, input, Some(trial)).await.map_err(|e| e.to_string())?;
        let keep = if self.train.feature_shape.len() == 3 { MISCLASSIFIED_KEPT } else { 0 };
        let report = validation_report(model, be, &self.validation, keep).await.map_err(|e| e.to_string())?;
        Ok(TrialInspection { trained, report })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The network and settings a proposal trains with.
    pub fn build(&self, proposal: &Proposal) -> BuiltCandidate {
        proposal.candidate.build(&self.space, &self.train.feature_shape, self.task, proposal.epochs, self.seed)
    }

    async fn train_on<B: Backend, H: SearchHost>(
        &self,
        be: &B,
        checkpoints: &mut Checkpoints<B>,
        trial: usize,
        proposal: &Proposal,
        host: &mut H,
    ) -> Evaluation {
        let built = self.build(proposal);
        let start = host.now();
        let kept = proposal.continues.and_then(|c| checkpoints.take(c.trial, c.epochs));
        let (mut model, done) = match kept {
            Some(checkpoint) => {
                self.checkpoint_reuses.set(self.checkpoint_reuses.get() + 1);
                // The trial's log shows its whole curve, whichever way its first epochs came about.
                for metrics in &checkpoint.history {
                    host.on_event(&SearchEvent::Epoch { trial, metrics: metrics.clone() });
                }
                (checkpoint.model, checkpoint.history)
            }
            None => match Model::new(be, &built.model, self.task, self.seed) {
                Ok(model) => (model, Vec::new()),
                Err(error) => return failure(error, built),
            },
        };
        let summary = model.summary().clone();
        let mut trial_host = TrialHost::new(host, trial);
        let outcome = continue_training(
            &mut model,
            be,
            &self.train_targets.examples(&self.train),
            Some(&self.validation_targets.examples(&self.validation)),
            &built.train,
            &done,
            &mut trial_host,
        )
        .await;
        let seconds = host.now() - start;
        match outcome {
            Err(error) => failure(error, built),
            Ok(outcome) => {
                let trained_to_the_end = outcome.stopped.is_none();
                self.inspections.borrow_mut().clear();
                if self.inspect.is_some() && trained_to_the_end {
                    // A failed read here means the device is going; the trial's result stands.
                    let inspection = self.inspect(&mut model, be, trial).await.ok();
                    self.inspections.borrow_mut().extend(inspection);
                }
                let promotable = matches!(proposal.origin, Origin::Rung { .. }) && proposal.epochs < self.space.epochs;
                if self.keep_checkpoints && promotable && trained_to_the_end {
                    checkpoints.keep(Checkpoint { trial, model, history: outcome.history.clone() });
                }
                finished(built, outcome, &summary, seconds)
            }
        }
    }
}

impl TrainingEvaluator {
    /// Trains proposals of one fusion key as one `ModelStack`; their results are those each
    /// would have alone, with the stack's wall time as every trial's seconds.
    async fn train_fused_on<B: StackedBackend, H: SearchHost>(
        &self,
        be: &B,
        trials: &[(usize, Proposal)],
        host: &mut H,
    ) -> Vec<Evaluation> {
        let built: Vec<BuiltCandidate> = trials.iter().map(|(_, proposal)| self.build(proposal)).collect();
        let specs: Vec<_> = built.iter().map(|b| b.model.clone()).collect();
        let configs: Vec<_> = built.iter().map(|b| b.train.clone()).collect();
        let start = host.now();
        let mut stack = match ModelStack::new(be, &specs, self.task, self.seed) {
            Ok(stack) => stack,
            Err(StackError::Model(error)) => return built.into_iter().map(|b| failure(error.clone(), b)).collect(),
            Err(error) => unreachable!("fusion keys admit only stackable networks: {error}"),
        };
        let mut group_host = GroupHost::new(host, trials.iter().map(|(trial, _)| *trial).collect());
        let outcomes = train_stack(
            &mut stack,
            be,
            &self.train_targets.examples(&self.train),
            Some(&self.validation_targets.examples(&self.validation)),
            &configs,
            &mut group_host,
        )
        .await;
        let seconds = host.now() - start;
        self.inspections.borrow_mut().clear();
        match outcomes {
            Err(error) => built.into_iter().map(|b| failure(error.clone(), b)).collect(),
            Ok(outcomes) => {
                if self.inspect.is_some() {
                    for k in (0..outcomes.len()).filter(|&k| outcomes[k].stopped.is_none()) {
                        // A failed read here means the device is going; the trials' results stand.
                        if let Ok(mut model) = stack.member_model(be, k).await {
                            let inspection = self.inspect(&mut model, be, trials[k].0).await.ok();
                            self.inspections.borrow_mut().extend(inspection);
                        }
                    }
                }
                let summaries = stack.summaries().to_vec();
                built
                    .into_iter()
                    .zip(outcomes)
                    .zip(summaries)
                    .map(|((b, outcome), summary)| finished(b, outcome, &summary, seconds))
                    .collect()
            }
        }
    }
}

/// A trained trial's result, or `Stopped` when the host stopped its training.
fn finished(built: BuiltCandidate, outcome: TrainOutcome, summary: &crate::nn::ModelSummary, seconds: f64) -> Evaluation {
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
    /// Dense networks that start afresh fuse with those of the same widths, batch size and
    /// epochs; convolutions, GANs and continued trials train alone.
    fn fusion_key(&self, proposal: &Proposal) -> Option<FusionKey> {
        if self.gan_target.is_some() || proposal.continues.is_some() {
            return None;
        }
        let built = self.build(proposal);
        let summary = built.model.validate().ok()?;
        if summary.output().len() != self.task.outputs() {
            return None;
        }
        let shape = StackShape::of(&built.model).ok()?;
        Some(FusionKey { shape, batch_size: built.train.batch_size, epochs: built.train.epochs })
    }

    async fn evaluate_fused<H: SearchHost>(&mut self, trials: &[(usize, Proposal)], host: &mut H) -> Vec<Evaluation> {
        match &self.device {
            Device::Cpu(be) => self.train_fused_on(be, trials, host).await,
            Device::Gpu(gpu) => {
                let gpu = gpu.clone();
                self.train_fused_on(&*gpu, trials, host).await
            }
        }
    }

    async fn evaluate<H: SearchHost>(&mut self, trial: usize, proposal: &Proposal, host: &mut H) -> Evaluation {
        if let Some(target) = &self.gan_target {
            let per_epoch = self.space.gan_iterations_per_epoch();
            return match &self.device {
                Device::Cpu(be) => train_gan_trial(be, target, per_epoch, self.seed, trial, proposal, host).await,
                Device::Gpu(gpu) => train_gan_trial(&**gpu, target, per_epoch, self.seed, trial, proposal, host).await,
            };
        }
        match &self.device {
            Device::Cpu(be) => {
                let mut kept = std::mem::take(&mut self.cpu_checkpoints);
                let evaluation = self.train_on(be, &mut kept, trial, proposal, host).await;
                self.cpu_checkpoints = kept;
                evaluation
            }
            Device::Gpu(gpu) => {
                let (gpu, mut kept) = (gpu.clone(), std::mem::take(&mut self.gpu_checkpoints));
                let evaluation = self.train_on(&*gpu, &mut kept, trial, proposal, host).await;
                self.gpu_checkpoints = kept;
                evaluation
            }
        }
    }
}
