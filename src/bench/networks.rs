//! The two benchmark networks written directly against the `Backend`: each training step is the
//! forward pass, the fused loss, the backward pass and Adam, recorded and submitted once.

use crate::engine::{Activation, AdamConfig, Backend, Conv2dDims, EngineError, MatmulDims, Pool2dDims};

/// He-uniform initial weights from the counter-based generator (identical on every device).
fn he_uniform(len: usize, fan_in: usize, seed: u32) -> Vec<f32> {
    let limit = (6.0 / fan_in as f32).sqrt();
    (0..len).map(|i| (crate::engine::rng::uniform(seed, i as u32) * 2.0 - 1.0) * limit).collect()
}

/// A trainable tensor with its gradient and Adam moments.
struct Param<B: Backend> {
    value: B::Tensor,
    grad: B::Tensor,
    m: B::Tensor,
    v: B::Tensor,
}

impl<B: Backend> Param<B> {
    fn new(backend: &B, values: &[f32]) -> Result<Self, EngineError> {
        Ok(Self {
            value: backend.upload(values)?,
            grad: backend.zeros(values.len())?,
            m: backend.zeros(values.len())?,
            v: backend.zeros(values.len())?,
        })
    }

    fn step(&self, backend: &B, config: AdamConfig, t: u32) {
        backend.adam_step(&self.value, &self.grad, &self.m, &self.v, config, t);
    }
}

/// What every benchmark network offers the runner.
pub trait BenchNetwork<B: Backend> {
    fn batch(&self) -> usize;
    fn input_len(&self) -> usize;
    /// Records one training step on the batch in `inputs`/`labels` and submits it.
    fn train_step(&mut self, backend: &B) -> Result<(), EngineError>;
    fn inputs(&self) -> &B::Tensor;
    fn labels(&self) -> &B::Tensor;
    /// The running loss sum and correct count on the device.
    fn loss_sum(&self) -> &B::Tensor;
    fn correct(&self) -> &B::Tensor;
}

/// MLP 784-128(relu)-10, softmax cross-entropy, Adam.
pub struct Mlp<B: Backend> {
    batch: usize,
    w1: Param<B>,
    b1: Param<B>,
    w2: Param<B>,
    b2: Param<B>,
    x: B::Tensor,
    labels: B::Tensor,
    h1: B::Tensor,
    a1: B::Tensor,
    logits: B::Tensor,
    dlogits: B::Tensor,
    da1: B::Tensor,
    dh1: B::Tensor,
    loss_sum: B::Tensor,
    correct: B::Tensor,
    adam: AdamConfig,
    t: u32,
}

const MLP_IN: usize = 784;
const MLP_HIDDEN: usize = 128;
const CLASSES: usize = 10;

impl<B: Backend> Mlp<B> {
    pub fn new(backend: &B, batch: usize, seed: u32) -> Result<Self, EngineError> {
        Ok(Self {
            batch,
            w1: Param::new(backend, &he_uniform(MLP_IN * MLP_HIDDEN, MLP_IN, seed))?,
            b1: Param::new(backend, &[0.0; MLP_HIDDEN])?,
            w2: Param::new(backend, &he_uniform(MLP_HIDDEN * CLASSES, MLP_HIDDEN, seed + 1))?,
            b2: Param::new(backend, &[0.0; CLASSES])?,
            x: backend.zeros(batch * MLP_IN)?,
            labels: backend.zeros(batch)?,
            h1: backend.zeros(batch * MLP_HIDDEN)?,
            a1: backend.zeros(batch * MLP_HIDDEN)?,
            logits: backend.zeros(batch * CLASSES)?,
            dlogits: backend.zeros(batch * CLASSES)?,
            da1: backend.zeros(batch * MLP_HIDDEN)?,
            dh1: backend.zeros(batch * MLP_HIDDEN)?,
            loss_sum: backend.zeros(1)?,
            correct: backend.zeros(1)?,
            adam: AdamConfig::with_learning_rate(1e-3),
            t: 0,
        })
    }
}

impl<B: Backend> BenchNetwork<B> for Mlp<B> {
    fn batch(&self) -> usize {
        self.batch
    }

    fn input_len(&self) -> usize {
        MLP_IN
    }

    fn train_step(&mut self, be: &B) -> Result<(), EngineError> {
        let n = self.batch;
        // Forward. x: [n, 784] -> h1, a1: [n, 128] -> logits: [n, 10]
        be.matmul(&self.x, &self.w1.value, &self.h1, MatmulDims::new(n, MLP_IN, MLP_HIDDEN));
        be.bias_add(&self.h1, &self.b1.value, n, MLP_HIDDEN);
        be.activation_forward(Activation::Relu, &self.h1, &self.a1);
        be.matmul(&self.a1, &self.w2.value, &self.logits, MatmulDims::new(n, MLP_HIDDEN, CLASSES));
        be.bias_add(&self.logits, &self.b2.value, n, CLASSES);
        be.softmax_cross_entropy(&self.logits, &self.labels, &self.dlogits, &self.loss_sum, n, CLASSES);
        be.count_correct(&self.logits, &self.labels, &self.correct, n, CLASSES);
        // Backward.
        be.matmul(&self.a1, &self.dlogits, &self.w2.grad, MatmulDims::new(MLP_HIDDEN, n, CLASSES).transpose_a());
        be.bias_grad(&self.dlogits, &self.b2.grad, n, CLASSES);
        be.matmul(&self.dlogits, &self.w2.value, &self.da1, MatmulDims::new(n, CLASSES, MLP_HIDDEN).transpose_b());
        be.activation_backward(Activation::Relu, &self.h1, &self.a1, &self.da1, &self.dh1);
        be.matmul(&self.x, &self.dh1, &self.w1.grad, MatmulDims::new(MLP_IN, n, MLP_HIDDEN).transpose_a());
        be.bias_grad(&self.dh1, &self.b1.grad, n, MLP_HIDDEN);
        // Update.
        self.t += 1;
        for param in [&self.w1, &self.b1, &self.w2, &self.b2] {
            param.step(be, self.adam, self.t);
        }
        be.submit()
    }

    fn inputs(&self) -> &B::Tensor {
        &self.x
    }

    fn labels(&self) -> &B::Tensor {
        &self.labels
    }

    fn loss_sum(&self) -> &B::Tensor {
        &self.loss_sum
    }

    fn correct(&self) -> &B::Tensor {
        &self.correct
    }
}

/// CNN conv3x3x8(relu)-maxpool2-conv3x3x16(relu)-maxpool2-dense10 on 1x28x28 inputs, Adam.
pub struct Cnn<B: Backend> {
    batch: usize,
    conv1: Conv2dDims,
    pool1: Pool2dDims,
    conv2: Conv2dDims,
    pool2: Pool2dDims,
    k1: Param<B>,
    c1: Param<B>,
    k2: Param<B>,
    c2: Param<B>,
    w: Param<B>,
    b: Param<B>,
    x: B::Tensor,
    labels: B::Tensor,
    // Activations and their gradients, in forward order.
    z1: B::Tensor,
    a1: B::Tensor,
    p1: B::Tensor,
    i1: B::Tensor,
    z2: B::Tensor,
    a2: B::Tensor,
    p2: B::Tensor,
    i2: B::Tensor,
    logits: B::Tensor,
    dlogits: B::Tensor,
    dp2: B::Tensor,
    da2: B::Tensor,
    dz2: B::Tensor,
    dp1: B::Tensor,
    da1: B::Tensor,
    dz1: B::Tensor,
    loss_sum: B::Tensor,
    correct: B::Tensor,
    adam: AdamConfig,
    t: u32,
}

impl<B: Backend> Cnn<B> {
    pub fn new(backend: &B, batch: usize, seed: u32) -> Result<Self, EngineError> {
        let conv1 = Conv2dDims { batch, in_channels: 1, height: 28, width: 28, out_channels: 8, kernel: 3, stride: 1, padding: 0 };
        let pool1 = Pool2dDims { batch, channels: 8, height: 26, width: 26, size: 2, stride: 2 };
        let conv2 = Conv2dDims { batch, in_channels: 8, height: 13, width: 13, out_channels: 16, kernel: 3, stride: 1, padding: 0 };
        let pool2 = Pool2dDims { batch, channels: 16, height: 11, width: 11, size: 2, stride: 2 };
        let flat = pool2.output_len() / batch;
        let zeros = |len: usize| backend.zeros(len);
        Ok(Self {
            batch,
            k1: Param::new(backend, &he_uniform(conv1.weight_len(), conv1.patch_len(), seed))?,
            c1: Param::new(backend, &[0.0; 8])?,
            k2: Param::new(backend, &he_uniform(conv2.weight_len(), conv2.patch_len(), seed + 1))?,
            c2: Param::new(backend, &[0.0; 16])?,
            w: Param::new(backend, &he_uniform(flat * CLASSES, flat, seed + 2))?,
            b: Param::new(backend, &[0.0; CLASSES])?,
            x: zeros(conv1.input_len())?,
            labels: zeros(batch)?,
            z1: zeros(conv1.output_len())?,
            a1: zeros(conv1.output_len())?,
            p1: zeros(pool1.output_len())?,
            i1: zeros(pool1.output_len())?,
            z2: zeros(conv2.output_len())?,
            a2: zeros(conv2.output_len())?,
            p2: zeros(pool2.output_len())?,
            i2: zeros(pool2.output_len())?,
            logits: zeros(batch * CLASSES)?,
            dlogits: zeros(batch * CLASSES)?,
            dp2: zeros(pool2.output_len())?,
            da2: zeros(conv2.output_len())?,
            dz2: zeros(conv2.output_len())?,
            dp1: zeros(pool1.output_len())?,
            da1: zeros(conv1.output_len())?,
            dz1: zeros(conv1.output_len())?,
            loss_sum: zeros(1)?,
            correct: zeros(1)?,
            conv1,
            pool1,
            conv2,
            pool2,
            adam: AdamConfig::with_learning_rate(1e-3),
            t: 0,
        })
    }
}

impl<B: Backend> BenchNetwork<B> for Cnn<B> {
    fn batch(&self) -> usize {
        self.batch
    }

    fn input_len(&self) -> usize {
        28 * 28
    }

    fn train_step(&mut self, be: &B) -> Result<(), EngineError> {
        let n = self.batch;
        let flat = self.pool2.output_len() / n;
        let relu = Activation::Relu;
        // Forward. x: [n,1,28,28] -> [n,8,26,26] -> [n,8,13,13] -> [n,16,11,11] -> [n,16,5,5] -> [n,10]
        be.conv2d_forward(&self.x, &self.k1.value, &self.c1.value, &self.z1, self.conv1);
        be.activation_forward(relu, &self.z1, &self.a1);
        be.max_pool_forward(&self.a1, &self.p1, &self.i1, self.pool1);
        be.conv2d_forward(&self.p1, &self.k2.value, &self.c2.value, &self.z2, self.conv2);
        be.activation_forward(relu, &self.z2, &self.a2);
        be.max_pool_forward(&self.a2, &self.p2, &self.i2, self.pool2);
        be.matmul(&self.p2, &self.w.value, &self.logits, MatmulDims::new(n, flat, CLASSES));
        be.bias_add(&self.logits, &self.b.value, n, CLASSES);
        be.softmax_cross_entropy(&self.logits, &self.labels, &self.dlogits, &self.loss_sum, n, CLASSES);
        be.count_correct(&self.logits, &self.labels, &self.correct, n, CLASSES);
        // Backward.
        be.matmul(&self.p2, &self.dlogits, &self.w.grad, MatmulDims::new(flat, n, CLASSES).transpose_a());
        be.bias_grad(&self.dlogits, &self.b.grad, n, CLASSES);
        be.matmul(&self.dlogits, &self.w.value, &self.dp2, MatmulDims::new(n, CLASSES, flat).transpose_b());
        be.max_pool_backward(&self.dp2, &self.i2, &self.da2, self.pool2);
        be.activation_backward(relu, &self.z2, &self.a2, &self.da2, &self.dz2);
        be.conv2d_backward_weights(&self.p1, &self.dz2, &self.k2.grad, &self.c2.grad, self.conv2);
        be.conv2d_backward_input(&self.dz2, &self.k2.value, &self.dp1, self.conv2);
        be.max_pool_backward(&self.dp1, &self.i1, &self.da1, self.pool1);
        be.activation_backward(relu, &self.z1, &self.a1, &self.da1, &self.dz1);
        be.conv2d_backward_weights(&self.x, &self.dz1, &self.k1.grad, &self.c1.grad, self.conv1);
        // Update.
        self.t += 1;
        for param in [&self.k1, &self.c1, &self.k2, &self.c2, &self.w, &self.b] {
            param.step(be, self.adam, self.t);
        }
        be.submit()
    }

    fn inputs(&self) -> &B::Tensor {
        &self.x
    }

    fn labels(&self) -> &B::Tensor {
        &self.labels
    }

    fn loss_sum(&self) -> &B::Tensor {
        &self.loss_sum
    }

    fn correct(&self) -> &B::Tensor {
        &self.correct
    }
}
