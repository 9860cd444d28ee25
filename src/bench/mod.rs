//! Training-throughput benchmark: the MLP 784-128-10 (Adam, batch 256), the small CNN
//! conv3x3x8-pool-conv3x3x16-pool-dense10 and the seeds' CNN conv3x3x32-pool-conv3x3x64-pool-dense10
//! (Adam, batch 64) trained as any `Model` is, on random data, on any `Backend`, reported as
//! samples per second. The CLI runs it natively; the page runs
//! it in `?bench` mode.

pub mod fused;
pub mod profile;

use serde::{Deserialize, Serialize};

use crate::engine::{rng, Activation, AdamConfig, Backend};
use crate::nn::{LayerSpec, Model, ModelError, ModelSpec, Task, Update};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BenchModel {
    Mlp,
    Cnn,
    /// The seeds' CNN, four times the small CNN's filters.
    CnnSeed,
}

impl BenchModel {
    pub const ALL: [BenchModel; 3] = [BenchModel::Mlp, BenchModel::Cnn, BenchModel::CnnSeed];

    pub fn batch(self) -> usize {
        match self {
            BenchModel::Mlp => 256,
            BenchModel::Cnn | BenchModel::CnnSeed => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BenchModel::Mlp => "mlp",
            BenchModel::Cnn => "cnn",
            BenchModel::CnnSeed => "cnn-seed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == text)
    }

    /// The network, as a spec.
    pub fn spec(self) -> ModelSpec {
        let relu = Activation::Relu;
        let output = LayerSpec::Dense { units: 10, activation: Activation::Identity };
        match self {
            BenchModel::Mlp => ModelSpec { input: vec![784], layers: vec![LayerSpec::Dense { units: 128, activation: relu }, output] },
            BenchModel::Cnn | BenchModel::CnnSeed => {
                let (first, second) = if self == BenchModel::Cnn { (8, 16) } else { (32, 64) };
                let conv = |filters| LayerSpec::Conv2d { filters, kernel: 3, stride: 1, padding: 0, activation: relu };
                let pool = LayerSpec::MaxPool { size: 2, stride: None };
                ModelSpec { input: vec![1, 28, 28], layers: vec![conv(first), pool.clone(), conv(second), pool, output] }
            }
        }
    }
}

/// One measurement, in the JSON shape the browser comparison harness reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub engine: String,
    pub model: BenchModel,
    pub batch: usize,
    pub steps: usize,
    pub samples_per_sec: f64,
    /// Mean training loss over the timed steps (finite when the step computes real gradients).
    pub mean_loss: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Distinct random batches cycled through, so every step uploads new data as training does.
const BATCHES: usize = 4;

/// Trains `model` on `backend` for about `target_seconds` after warming up; `clock` gives seconds.
pub async fn run_benchmark<B: Backend>(
    backend: &B,
    engine: &str,
    model: BenchModel,
    target_seconds: f64,
    clock: &dyn Fn() -> f64,
) -> BenchResult {
    let batch = model.batch();
    let outcome = measure(backend, model, target_seconds, clock).await;
    match outcome {
        Ok((steps, seconds, mean_loss)) => BenchResult {
            engine: engine.to_string(),
            model,
            batch,
            steps,
            samples_per_sec: (steps * batch) as f64 / seconds,
            mean_loss,
            error: None,
        },
        Err(error) => BenchResult {
            engine: engine.to_string(),
            model,
            batch,
            steps: 0,
            samples_per_sec: 0.0,
            mean_loss: f64::NAN,
            error: Some(error.to_string()),
        },
    }
}

/// Returns (timed steps, seconds, mean loss over them).
async fn measure<B: Backend>(
    backend: &B,
    model: BenchModel,
    target_seconds: f64,
    clock: &dyn Fn() -> f64,
) -> Result<(usize, f64, f64), ModelError> {
    time_training(backend, &model.spec(), Task::Classification { classes: 10 }, model.batch(), target_seconds, clock).await
}

/// Trains `spec` on random data in batches of `batch` for about `target_seconds` after a short
/// warm-up, as any `Model` trains. Returns (timed steps, seconds, mean loss over them).
pub async fn time_training<B: Backend>(
    backend: &B,
    spec: &ModelSpec,
    task: Task,
    batch: usize,
    target_seconds: f64,
    clock: &dyn Fn() -> f64,
) -> Result<(usize, f64, f64), ModelError> {
    let mut net = Model::new(backend, spec, task, 1)?;
    let input_len = net.summary().input.len();
    let (loss_sum, correct) = (backend.zeros(1)?, backend.zeros(1)?);
    let update = Update::Adam(AdamConfig::with_learning_rate(1e-3));
    let data: Vec<(Vec<f32>, Vec<f32>)> = (0..BATCHES as u32)
        .map(|b| {
            let inputs = (0..batch * input_len).map(|i| rng::uniform(100 + b, i as u32)).collect();
            let targets = match task {
                Task::Classification { classes } => {
                    (0..batch).map(|i| (rng::uniform(200 + b, i as u32) * classes as f32).floor().min(classes as f32 - 1.0)).collect()
                }
                Task::Regression { outputs } => (0..batch * outputs).map(|i| rng::uniform(200 + b, i as u32)).collect(),
            };
            (inputs, targets)
        })
        .collect();
    let mut step_index = 0usize;
    let mut run = |net: &mut Model<B>, steps: usize| -> Result<(), ModelError> {
        for _ in 0..steps {
            let (inputs, targets) = &data[step_index % BATCHES];
            net.train_step(backend, batch, inputs, targets, update, &loss_sum, &correct)?;
            step_index += 1;
        }
        Ok(())
    };

    // Warm up (pipelines, bind groups, caches), then time a few steps to size the real run.
    run(&mut net, 2)?;
    backend.read(&loss_sum).await?;
    let start = clock();
    run(&mut net, 2)?;
    backend.read(&loss_sum).await?;
    let per_step = ((clock() - start) / 2.0).max(1e-6);
    let steps = ((target_seconds / per_step).ceil() as usize).clamp(3, 5_000);

    let loss_before = backend.read(&loss_sum).await?[0] as f64;
    let start = clock();
    run(&mut net, steps)?;
    let loss_after = backend.read(&loss_sum).await?[0] as f64;
    let seconds = clock() - start;
    Ok((steps, seconds, (loss_after - loss_before) / (steps * batch) as f64))
}
