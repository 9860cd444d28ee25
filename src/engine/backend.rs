//! The operations training needs, as one trait that the CPU and the GPU devices both implement.
//!
//! Tensors are flat f32 buffers that stay on their device. Every op writes its output tensor
//! (overwriting it unless it says it accumulates); the GPU records ops into one command encoder
//! and runs them at `submit`, so a whole training step is one submission. Loss sums and correct
//! counts accumulate on the device and are read back only when the caller asks (`read`).
//! Flatten needs no op: an NCHW tensor is already [batch, channels·height·width] in row-major order.

use std::future::Future;

use super::activation::Activation;
use super::optimizer::{AdamConfig, SgdConfig};
use super::shapes::{Conv2dDims, MatmulDims, Pool2dDims};
use super::EngineError;

pub trait Backend {
    type Tensor;

    /// A short name for reports: "cpu" or "gpu".
    fn name(&self) -> &'static str;

    // Memory.
    fn zeros(&self, len: usize) -> Result<Self::Tensor, EngineError>;
    fn upload(&self, values: &[f32]) -> Result<Self::Tensor, EngineError>;
    /// Zeroed tensors of these lengths side by side in one allocation, and the tensor covering them
    /// all (with the zeros alignment leaves between them), so that one optimizer step can update
    /// them together; `None` where a device gains nothing from it (the CPU's steps are loops).
    fn zeros_packed(&self, lens: &[usize]) -> Result<Option<Packed<Self::Tensor>>, EngineError> {
        let _ = lens;
        Ok(None)
    }
    /// Replaces a tensor's contents (a new batch), in order with the ops recorded around it.
    fn write(&self, tensor: &Self::Tensor, values: &[f32]);
    fn fill(&self, tensor: &Self::Tensor, value: f32);
    fn len(&self, tensor: &Self::Tensor) -> usize;
    /// dst[dst_at..dst_at + len] = src[src_at..src_at + len], in order with the ops recorded
    /// around it, without a trip through the host (e.g. a generator's output into a
    /// discriminator's input). `src` and `dst` are different tensors.
    fn copy(&self, src: &Self::Tensor, src_at: usize, dst: &Self::Tensor, dst_at: usize, len: usize);
    /// Runs everything recorded so far. A lost or failing device is reported here.
    fn submit(&self) -> Result<(), EngineError>;
    /// Submits pending work, then copies a tensor to the host without blocking the browser.
    fn read(&self, tensor: &Self::Tensor) -> impl Future<Output = Result<Vec<f32>, EngineError>>;

    // Dense layers.
    /// c = op(a) · op(b); see [`MatmulDims`].
    fn matmul(&self, a: &Self::Tensor, b: &Self::Tensor, c: &Self::Tensor, dims: MatmulDims);
    /// y[r, j] += bias[j] in place. y: [rows, cols], bias: [cols]
    fn bias_add(&self, y: &Self::Tensor, bias: &Self::Tensor, rows: usize, cols: usize);
    /// dbias[j] = Σ_r dy[r, j]. dy: [rows, cols], dbias: [cols]
    fn bias_grad(&self, dy: &Self::Tensor, dbias: &Self::Tensor, rows: usize, cols: usize);

    // Element-wise.
    /// y = f(x). x, y: [n]
    fn activation_forward(&self, activation: Activation, x: &Self::Tensor, y: &Self::Tensor);
    /// dx = dy · f'(x), given the forward's x and y. All: [n]
    fn activation_backward(&self, activation: Activation, x: &Self::Tensor, y: &Self::Tensor, dy: &Self::Tensor, dx: &Self::Tensor);
    /// Inverted dropout: y = x / (1 - p) where uniform(seed, i) >= p, else 0. x, y: [n]
    fn dropout_forward(&self, x: &Self::Tensor, y: &Self::Tensor, p: f32, seed: u32);
    /// dx = dy through the same mask as the forward with this seed. dy, dx: [n]
    fn dropout_backward(&self, dy: &Self::Tensor, dx: &Self::Tensor, p: f32, seed: u32);

    // Losses: each adds the batch's summed per-sample loss to `loss_sum[0]` and writes the
    // gradient of the batch's mean loss.
    /// Softmax cross-entropy fused with its gradient. logits, dlogits: [rows, classes];
    /// labels: [rows] (class indices stored as f32).
    fn softmax_cross_entropy(
        &self,
        logits: &Self::Tensor,
        labels: &Self::Tensor,
        dlogits: &Self::Tensor,
        loss_sum: &Self::Tensor,
        rows: usize,
        classes: usize,
    );
    /// `softmax_cross_entropy` and `count_correct` on the same logits at once, as a training step
    /// needs both: the loss sum into `loss_sum`, the hits into `correct`.
    fn softmax_cross_entropy_and_hits(
        &self,
        (logits, labels, dlogits): (&Self::Tensor, &Self::Tensor, &Self::Tensor),
        (loss_sum, correct): (&Self::Tensor, &Self::Tensor),
        rows: usize,
        classes: usize,
    ) {
        self.softmax_cross_entropy(logits, labels, dlogits, loss_sum, rows, classes);
        self.count_correct(logits, labels, correct, rows, classes);
    }
    /// Binary cross-entropy on logits, per sample averaged over its `cols` outputs.
    /// logits, targets, dlogits: [rows, cols]
    fn bce_with_logits(
        &self,
        logits: &Self::Tensor,
        targets: &Self::Tensor,
        dlogits: &Self::Tensor,
        loss_sum: &Self::Tensor,
        rows: usize,
        cols: usize,
    );
    /// Mean squared error, per sample averaged over its `cols` outputs. pred, target, dpred: [rows, cols]
    fn mse(&self, pred: &Self::Tensor, target: &Self::Tensor, dpred: &Self::Tensor, loss_sum: &Self::Tensor, rows: usize, cols: usize);
    /// correct[0] += how many rows' argmax equals their label. logits: [rows, classes], labels: [rows]
    fn count_correct(&self, logits: &Self::Tensor, labels: &Self::Tensor, correct: &Self::Tensor, rows: usize, classes: usize);

    // Convolution and pooling (NCHW).
    /// y = conv(x, weights) + bias[channel]. bias: [out_channels]
    fn conv2d_forward(&self, x: &Self::Tensor, weights: &Self::Tensor, bias: &Self::Tensor, y: &Self::Tensor, dims: Conv2dDims);
    /// dx = the gradient of the input.
    fn conv2d_backward_input(&self, dy: &Self::Tensor, weights: &Self::Tensor, dx: &Self::Tensor, dims: Conv2dDims);
    /// dweights and dbias, summed over the batch.
    fn conv2d_backward_weights(&self, x: &Self::Tensor, dy: &Self::Tensor, dweights: &Self::Tensor, dbias: &Self::Tensor, dims: Conv2dDims);
    /// y = the max of each window; argmax = its index within the input plane (as f32).
    fn max_pool_forward(&self, x: &Self::Tensor, y: &Self::Tensor, argmax: &Self::Tensor, dims: Pool2dDims);
    /// dx = dy routed back to each window's maximum (summed where windows overlap).
    fn max_pool_backward(&self, dy: &Self::Tensor, argmax: &Self::Tensor, dx: &Self::Tensor, dims: Pool2dDims);

    // Optimizers, in place on the parameters and their state.
    fn sgd_step(&self, weights: &Self::Tensor, grads: &Self::Tensor, velocity: &Self::Tensor, config: SgdConfig);
    /// `step` counts from 1.
    fn adam_step(&self, weights: &Self::Tensor, grads: &Self::Tensor, m: &Self::Tensor, v: &Self::Tensor, config: AdamConfig, step: u32);

    // Fused layer steps: what a layer needs in one call, so a device can do it in fewer passes
    // over memory (or fewer dispatches). Each is defined by the plain ops it replaces, and a
    // device that has nothing better runs exactly those.
    /// The dense forward: z = x · W + bias, y = f(z). `dims` as for `matmul`, untransposed.
    #[allow(clippy::too_many_arguments)]
    fn dense_forward(
        &self,
        x: &Self::Tensor,
        weights: &Self::Tensor,
        bias: &Self::Tensor,
        z: &Self::Tensor,
        y: &Self::Tensor,
        activation: Activation,
        dims: MatmulDims,
    ) {
        dense_forward_plain(self, (x, weights, bias), (z, y), activation, dims);
    }

    /// The convolution forward: z = conv(x, weights) + bias, y = f(z). Where
    /// `activation.derivative_from_output()`, a device may leave z unwritten (the layers then read
    /// f' from y): on large layers, writing z costs as much as the rest of the epilogue.
    #[allow(clippy::too_many_arguments)]
    fn conv2d_forward_activation(
        &self,
        x: &Self::Tensor,
        weights: &Self::Tensor,
        bias: &Self::Tensor,
        z: &Self::Tensor,
        y: &Self::Tensor,
        activation: Activation,
        dims: Conv2dDims,
    ) {
        self.conv2d_forward(x, weights, bias, z, dims);
        self.activation_forward(activation, z, y);
    }

    /// A training forward through a convolution, its activation and the max pool after it: z =
    /// conv(x) + bias, y = f(z), then pooled and argmax = max_pool(y). Where the windows do not
    /// overlap and `activation.derivative_from_output()`, the backward reads neither z nor y
    /// (`max_pool_backward_activation` takes f' from the pooled values), so a device may leave both
    /// unwritten; passes that read y (evaluation, `Model::layer_outputs`) run the plain ops.
    #[allow(clippy::too_many_arguments)]
    fn conv2d_activation_max_pool(
        &self,
        (x, weights, bias): (&Self::Tensor, &Self::Tensor, &Self::Tensor),
        activation: Activation,
        (z, y): (&Self::Tensor, &Self::Tensor),
        conv: Conv2dDims,
        (pooled, argmax): (&Self::Tensor, &Self::Tensor),
        pool: Pool2dDims,
    ) {
        self.conv2d_forward_activation(x, weights, bias, z, y, activation, conv);
        self.max_pool_forward(y, pooled, argmax, pool);
    }

    /// A dense layer's input gradient through the activation of the layer before it: dy = dz_next ·
    /// weightsᵀ, then dz = dy · f'(z) with that layer's z and y. `dims` are the plain product's
    /// (batch, units, inputs) with B transposed; both dy and dz are written, as the two plain ops do.
    fn dense_backward_input_activation(
        &self,
        (dz_next, weights): (&Self::Tensor, &Self::Tensor),
        dims: MatmulDims,
        activation: Activation,
        (z, y, dy, dz): (&Self::Tensor, &Self::Tensor, &Self::Tensor, &Self::Tensor),
    ) {
        self.matmul(dz_next, weights, dy, dims);
        self.activation_backward(activation, z, y, dy, dz);
    }

    /// Max pooling's input gradient through the activation of the layer before the pool: dz =
    /// dx · f'(z) with that layer's z and y, where dx is what `max_pool_backward` writes. `pooled`
    /// is the pool's output, y at each window's maximum, from which a device may take f' there
    /// (`Activation::derivative_from_output`). dx is scratch: a device may write that plain
    /// gradient there on the way, or leave it as it was.
    fn max_pool_backward_activation(
        &self,
        (dy, argmax, _pooled): (&Self::Tensor, &Self::Tensor, &Self::Tensor),
        dims: Pool2dDims,
        activation: Activation,
        (z, y, dx, dz): (&Self::Tensor, &Self::Tensor, &Self::Tensor, &Self::Tensor),
    ) {
        self.max_pool_backward(dy, argmax, dx, dims);
        self.activation_backward(activation, z, y, dx, dz);
    }

    /// The convolution's parameter gradients through its activation: dz = dy · f'(z), then
    /// dweights and dbias from dz (which the input gradient reads next).
    #[allow(clippy::too_many_arguments)]
    fn conv2d_activation_backward_weights(
        &self,
        activation: Activation,
        (z, y, dy, dz): (&Self::Tensor, &Self::Tensor, &Self::Tensor, &Self::Tensor),
        x: &Self::Tensor,
        dweights: &Self::Tensor,
        dbias: &Self::Tensor,
        dims: Conv2dDims,
    ) {
        self.activation_backward(activation, z, y, dy, dz);
        self.conv2d_backward_weights(x, dz, dweights, dbias, dims);
    }
}

/// The dense forward as its three plain ops: what `Backend::dense_forward` means, and what a
/// device runs where its fused kernel does not apply.
pub fn dense_forward_plain<B: Backend + ?Sized>(
    be: &B,
    (x, weights, bias): (&B::Tensor, &B::Tensor, &B::Tensor),
    (z, y): (&B::Tensor, &B::Tensor),
    activation: Activation,
    dims: MatmulDims,
) {
    be.matmul(x, weights, z, dims);
    be.bias_add(z, bias, dims.m, dims.n);
    be.activation_forward(activation, z, y);
}

/// Tensors allocated side by side (`Backend::zeros_packed`): each part, and the whole they lie in.
pub struct Packed<T> {
    pub whole: T,
    pub parts: Vec<T>,
}
