//! Per-op timing of the MLP benchmark's training step, to see where a device spends a step.
//! Each op runs many times between two synchronising reads; the read's own cost is measured apart
//! and taken off.

use serde::{Deserialize, Serialize};

use super::BenchModel;
use crate::engine::gpu::GpuContext;
use crate::engine::{Activation, AdamConfig, Backend, Conv2dDims, EngineError, MatmulDims, Pool2dDims};
use crate::nn::{Model, ModelError, Task, Update};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpTiming {
    pub op: String,
    pub millis: f64,
}

const REPEATS: usize = 20;

/// Times the ops of one MLP 784-128-10 step at batch 256 and of the CNN's convolutions and pools
/// at batch 64, each on its own.
pub async fn profile_ops<B: Backend>(backend: &B, clock: &dyn Fn() -> f64) -> Result<Vec<OpTiming>, EngineError> {
    let n = 256;
    let x = backend.upload(&vec![0.5; n * 784])?;
    let w1 = backend.upload(&vec![0.01; 784 * 128])?;
    let h = backend.zeros(n * 128)?;
    let h2 = backend.zeros(n * 128)?;
    let dw1 = backend.zeros(784 * 128)?;
    let b = backend.zeros(128)?;
    let logits = backend.zeros(n * 10)?;
    let dlogits = backend.zeros(n * 10)?;
    let labels = backend.zeros(n)?;
    let total = backend.zeros(1)?;
    let (m, v) = (backend.zeros(784 * 128)?, backend.zeros(784 * 128)?);
    let (w2, b2, dw2, correct) = (backend.upload(&vec![0.01; 128 * 10])?, backend.zeros(10)?, backend.zeros(128 * 10)?, backend.zeros(1)?);
    let (dh, dz1, outputs) = (backend.zeros(n * 128)?, backend.zeros(n * 128)?, backend.zeros(n * 10)?);
    let batch = vec![0.25; n * 784];
    let c1 = Conv2dDims { batch: 64, in_channels: 1, height: 28, width: 28, out_channels: 8, kernel: 3, stride: 1, padding: 0 };
    let c2 = Conv2dDims { batch: 64, in_channels: 8, height: 13, width: 13, out_channels: 16, kernel: 3, stride: 1, padding: 0 };
    let p1 = Pool2dDims { batch: 64, channels: 8, height: 26, width: 26, size: 2, stride: 2 };
    let cnn_x = backend.zeros(c1.input_len())?;
    let (k1, k2) = (backend.upload(&vec![0.1; c1.weight_len()])?, backend.upload(&vec![0.1; c2.weight_len()])?);
    let (bias1, bias2) = (backend.zeros(8)?, backend.zeros(16)?);
    let (y1, p1_out, p1_arg) = (backend.zeros(c1.output_len())?, backend.zeros(p1.output_len())?, backend.zeros(p1.output_len())?);
    let (y2, dx2) = (backend.zeros(c2.output_len())?, backend.zeros(c2.input_len())?);
    let (dk2, dy1) = (backend.zeros(c2.weight_len())?, backend.zeros(c1.output_len())?);
    let adam = AdamConfig::with_learning_rate(1e-3);

    let sync = || backend.read(&total);
    sync().await?;
    let start = clock();
    for _ in 0..REPEATS {
        backend.submit()?;
        sync().await?;
    }
    let round_trip = (clock() - start) / REPEATS as f64;
    let mut timings = vec![OpTiming { op: "submit + read 1 value".into(), millis: round_trip * 1e3 }];

    type TimedOp<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let ops: Vec<TimedOp> = vec![
        ("write batch (256x784)", Box::new(|| backend.write(&x, &batch))),
        ("matmul 256x784 · 784x128", Box::new(|| backend.matmul(&x, &w1, &h, MatmulDims::new(n, 784, 128)))),
        ("matmul 784x256ᵀ · 256x128 (dW1)", Box::new(|| backend.matmul(&x, &h, &dw1, MatmulDims::new(784, n, 128).transpose_a()))),
        (
            "dense 784→128 with bias and ReLU",
            Box::new(|| backend.dense_forward(&x, &w1, &b, &h, &h2, Activation::Relu, MatmulDims::new(n, 784, 128))),
        ),
        (
            "dense 128→10 with bias",
            Box::new(|| backend.dense_forward(&h2, &w2, &b2, &logits, &outputs, Activation::Identity, MatmulDims::new(n, 128, 10))),
        ),
        (
            "softmax cross-entropy and hits 256x10",
            Box::new(|| backend.softmax_cross_entropy_and_hits((&logits, &labels, &dlogits), (&total, &correct), n, 10)),
        ),
        ("matmul 128x256ᵀ · 256x10 (dW2)", Box::new(|| backend.matmul(&h2, &dlogits, &dw2, MatmulDims::new(128, n, 10).transpose_a()))),
        ("bias grad 256x10", Box::new(|| backend.bias_grad(&dlogits, &b2, n, 10))),
        (
            "dh through the ReLU 256x10 · 10x128ᵀ",
            Box::new(|| {
                let dims = MatmulDims::new(n, 10, 128).transpose_b();
                backend.dense_backward_input_activation((&dlogits, &w2), dims, Activation::Relu, (&h, &h2, &dh, &dz1))
            }),
        ),
        ("bias add 256x128", Box::new(|| backend.bias_add(&h, &b, n, 128))),
        ("bias grad 256x128", Box::new(|| backend.bias_grad(&h, &b, n, 128))),
        ("relu forward 256x128", Box::new(|| backend.activation_forward(Activation::Relu, &h, &h2))),
        ("softmax cross-entropy 256x10", Box::new(|| backend.softmax_cross_entropy(&logits, &labels, &dlogits, &total, n, 10))),
        ("adam 100,352 weights", Box::new(|| backend.adam_step(&w1, &dw1, &m, &v, adam, 1))),
        ("conv1 forward 64x1x28x28 -> 8", Box::new(|| backend.conv2d_forward(&cnn_x, &k1, &bias1, &y1, c1))),
        ("max pool 64x8x26x26", Box::new(|| backend.max_pool_forward(&y1, &p1_out, &p1_arg, p1))),
        ("max pool backward", Box::new(|| backend.max_pool_backward(&p1_out, &p1_arg, &dy1, p1))),
        ("conv2 forward 64x8x13x13 -> 16", Box::new(|| backend.conv2d_forward(&p1_out, &k2, &bias2, &y2, c2))),
        ("conv2 input gradient", Box::new(|| backend.conv2d_backward_input(&y2, &k2, &dx2, c2))),
        ("conv2 weight gradient", Box::new(|| backend.conv2d_backward_weights(&p1_out, &y2, &dk2, &bias2, c2))),
        ("conv1 weight gradient", Box::new(|| backend.conv2d_backward_weights(&cnn_x, &y1, &k1, &bias1, c1))),
    ];
    for (name, op) in ops {
        // Once untimed: the first dispatch of a kernel compiles its pipeline.
        op();
        backend.submit()?;
        sync().await?;
        let start = clock();
        for _ in 0..REPEATS {
            op();
            backend.submit()?;
        }
        sync().await?;
        let per_op = ((clock() - start) / REPEATS as f64 - round_trip / REPEATS as f64).max(0.0);
        timings.push(OpTiming { op: name.into(), millis: per_op * 1e3 });
    }
    Ok(timings)
}

/// The compute dispatches one training step of `model` records on the GPU (forward, loss,
/// backward and every parameter's update), counted on the step after a first one.
pub fn dispatches_per_step(gpu: &GpuContext, model: BenchModel) -> Result<u64, ModelError> {
    let mut net = Model::new(gpu, &model.spec(), Task::Classification { classes: 10 }, 1)?;
    let batch = model.batch();
    let inputs = vec![0.5; batch * net.summary().input.len()];
    let targets = vec![0.0; batch];
    let (loss_sum, correct) = (Backend::zeros(gpu, 1)?, Backend::zeros(gpu, 1)?);
    let update = Update::Adam(AdamConfig::with_learning_rate(1e-3));
    net.train_step(gpu, batch, &inputs, &targets, update, &loss_sum, &correct)?;
    let before = gpu.dispatches_recorded();
    net.train_step(gpu, batch, &inputs, &targets, update, &loss_sum, &correct)?;
    let counted = gpu.dispatches_recorded() - before;
    Backend::submit(gpu)?;
    Ok(counted)
}
