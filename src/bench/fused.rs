//! Fused-candidate throughput: K MLP candidates that differ in activation and learning rate
//! trained as one `ModelStack` against the same K trained one after another, as a search would
//! without fusion, on random data. Both figures count every candidate's samples.

use serde::{Deserialize, Serialize};

use crate::engine::{rng, Activation, AdamConfig, StackedBackend};
use crate::nn::{LayerSpec, Model, ModelError, ModelSpec, ModelStack, Task, Update};

/// A candidate to fuse: its name, hidden widths and batch.
pub type FusedModel = (&'static str, &'static [usize], usize);

/// The benchmark MLP, and the size a search over MNIST MLPs proposes most.
pub const FUSED_MODELS: [FusedModel; 2] = [("mlp", &[128], 256), ("mlp-small", &[32], 32)];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FusedResult {
    pub engine: String,
    pub model: String,
    pub members: usize,
    pub batch: usize,
    /// Samples per second over all members, fused and one after another.
    pub fused_samples_per_sec: f64,
    pub sequential_samples_per_sec: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl FusedResult {
    pub fn speedup(&self) -> f64 {
        self.fused_samples_per_sec / self.sequential_samples_per_sec.max(1e-9)
    }
}

/// Member k of a K-candidate benchmark: relu or tanh by turns, Adam at a rate of its own.
fn member(widths: &[usize], k: usize) -> (ModelSpec, Update) {
    let activation = if k.is_multiple_of(2) { Activation::Relu } else { Activation::Tanh };
    let mut layers: Vec<LayerSpec> = widths.iter().map(|&units| LayerSpec::Dense { units, activation }).collect();
    layers.push(LayerSpec::Dense { units: 10, activation: Activation::Identity });
    let rate = 1e-3 * (1.0 + k as f32 / 4.0);
    (ModelSpec { input: vec![784], layers }, Update::Adam(AdamConfig::with_learning_rate(rate)))
}

/// Distinct random batches cycled through.
const BATCHES: usize = 4;

/// Times `members` candidates of `widths` fused and one after another, each for about
/// `target_seconds` after a warm-up.
pub async fn run_fused_benchmark<B: StackedBackend>(
    be: &B,
    engine: &str,
    (name, widths, batch): FusedModel,
    members: usize,
    target_seconds: f64,
    clock: &dyn Fn() -> f64,
) -> FusedResult {
    let outcome = measure(be, widths, batch, members, target_seconds, clock).await;
    let (fused, sequential, error) = match outcome {
        Ok((fused, sequential)) => (fused, sequential, None),
        Err(error) => (0.0, 0.0, Some(error.to_string())),
    };
    FusedResult {
        engine: engine.into(),
        model: name.into(),
        members,
        batch,
        fused_samples_per_sec: fused,
        sequential_samples_per_sec: sequential,
        error,
    }
}

async fn measure<B: StackedBackend>(
    be: &B,
    widths: &[usize],
    batch: usize,
    members: usize,
    target_seconds: f64,
    clock: &dyn Fn() -> f64,
) -> Result<(f64, f64), ModelError> {
    let task = Task::Classification { classes: 10 };
    let data: Vec<(Vec<f32>, Vec<f32>)> = (0..BATCHES as u32)
        .map(|b| {
            let inputs = (0..batch * 784).map(|i| rng::uniform(100 + b, i as u32)).collect();
            let labels = (0..batch).map(|i| (rng::uniform(200 + b, i as u32) * 10.0).floor().min(9.0)).collect();
            (inputs, labels)
        })
        .collect();
    let (specs, updates): (Vec<ModelSpec>, Vec<Update>) = (0..members).map(|k| member(widths, k)).unzip();
    let (loss_sums, correct) = (be.zeros(members)?, be.zeros(members)?);

    let mut stack = ModelStack::new(be, &specs, task, 1).map_err(|e| match e {
        crate::nn::StackError::Model(error) => error,
        other => unreachable!("the benchmark's members stack: {other}"),
    })?;
    let fused_steps = |stack: &mut ModelStack<B>, steps: usize| -> Result<(), ModelError> {
        for step in 0..steps {
            let (inputs, labels) = &data[step % BATCHES];
            stack.train_step(be, batch, inputs, labels, &updates, &loss_sums, &correct)?;
        }
        Ok(())
    };
    let steps = sized_run(be, &loss_sums, target_seconds, clock, |n| fused_steps(&mut stack, n)).await?;
    let start = clock();
    fused_steps(&mut stack, steps)?;
    be.read(&loss_sums).await?;
    let fused = (steps * batch * members) as f64 / (clock() - start);

    let mut models = specs.iter().map(|spec| Model::new(be, spec, task, 1)).collect::<Result<Vec<_>, _>>()?;
    let (loss_sum, hits) = (be.zeros(1)?, be.zeros(1)?);
    let one_after_another = |models: &mut [Model<B>], steps: usize| -> Result<(), ModelError> {
        for (model, &update) in models.iter_mut().zip(&updates) {
            for step in 0..steps {
                let (inputs, labels) = &data[step % BATCHES];
                model.train_step(be, batch, inputs, labels, update, &loss_sum, &hits)?;
            }
        }
        Ok(())
    };
    let steps = sized_run(be, &loss_sum, target_seconds, clock, |n| one_after_another(&mut models, n)).await?;
    let start = clock();
    one_after_another(&mut models, steps)?;
    be.read(&loss_sum).await?;
    let sequential = (steps * batch * members) as f64 / (clock() - start);
    Ok((fused, sequential))
}

/// Warms `run` up, times two steps and returns how many steps fill about `target_seconds`.
async fn sized_run<B: StackedBackend>(
    be: &B,
    sync: &B::Tensor,
    target_seconds: f64,
    clock: &dyn Fn() -> f64,
    mut run: impl FnMut(usize) -> Result<(), ModelError>,
) -> Result<usize, ModelError> {
    run(2)?;
    be.read(sync).await?;
    let start = clock();
    run(2)?;
    be.read(sync).await?;
    let per_step = ((clock() - start) / 2.0).max(1e-6);
    Ok(((target_seconds / per_step).ceil() as usize).clamp(3, 5_000))
}
