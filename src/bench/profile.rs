//! Per-op timing of the MLP benchmark's training step, to see where a device spends a step.
//! Each op runs many times between two synchronising reads; the read's own cost is measured apart
//! and taken off.

use serde::{Deserialize, Serialize};

use crate::engine::{Activation, AdamConfig, Backend, EngineError, MatmulDims};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpTiming {
    pub op: String,
    pub millis: f64,
}

const REPEATS: usize = 20;

/// Times the ops of one MLP 784-128-10 step at batch 256, each on its own.
pub async fn profile_mlp_ops<B: Backend>(backend: &B, clock: &dyn Fn() -> f64) -> Result<Vec<OpTiming>, EngineError> {
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
    let batch = vec![0.25; n * 784];
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
        ("bias add 256x128", Box::new(|| backend.bias_add(&h, &b, n, 128))),
        ("bias grad 256x128", Box::new(|| backend.bias_grad(&h, &b, n, 128))),
        ("relu forward 256x128", Box::new(|| backend.activation_forward(Activation::Relu, &h, &h2))),
        ("softmax cross-entropy 256x10", Box::new(|| backend.softmax_cross_entropy(&logits, &labels, &dlogits, &total, n, 10))),
        ("adam 100,352 weights", Box::new(|| backend.adam_step(&w1, &dw1, &m, &v, adam, 1))),
    ];
    for (name, op) in ops {
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
