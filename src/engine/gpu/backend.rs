//! The GPU device's `Backend`: each op checks its shapes, packs its uniform words and records one
//! or two dispatches; nothing runs until `submit` (or a read) sends the whole step at once. Ops that
//! have a stacked form (stacked.rs) record its member-aware kernels as a stack of one.

use super::context::MatmulVariant;
use super::kernels::{
    self, CONV_CHANNELS_PER_THREAD, CONV_POSITIONS_PER_GROUP, CONV_TAPS_PER_THREAD, CONV_WEIGHT_WORKGROUP, ROW_WORKGROUP,
};
use super::recorder::{elementwise_grid, spread_groups};
use super::{GpuContext, GpuError, GpuTensor};
use crate::engine::activation::Activation;
use crate::engine::backend::{Backend, Packed};
use crate::engine::optimizer::{AdamConfig, SgdConfig};
use crate::engine::shapes::{Conv2dDims, MatmulDims, Pool2dDims};
use crate::engine::stacked::StackedBackend;
use crate::engine::EngineError;

pub(super) fn bits(value: f32) -> u32 {
    value.to_bits()
}

/// Workgroups in x and y for one thread per row, and the rows one grid row covers (the kernels'
/// `row_stride`).
pub(super) fn rows_grid(rows: usize) -> (u32, u32, u32) {
    let (groups_x, groups_y) = spread_groups((rows as u64).div_ceil(ROW_WORKGROUP as u64));
    (groups_x, groups_y, groups_x * ROW_WORKGROUP)
}

pub(super) fn check_len(op: &str, name: &str, tensor: &GpuTensor, expected: usize) {
    assert_eq!(tensor.len(), expected, "{op}: {name} has {} values, expected {expected}", tensor.len());
}

fn conv_words(d: &Conv2dDims, last: u32) -> [u32; 16] {
    [
        d.batch as u32,
        d.in_channels as u32,
        d.height as u32,
        d.width as u32,
        d.out_channels as u32,
        d.kernel as u32,
        d.stride as u32,
        d.padding as u32,
        d.out_height() as u32,
        d.out_width() as u32,
        last,
        0,
        0,
        0,
        0,
        0,
    ]
}

/// The grid of the convolution kernels that compute 8 channels at 8 positions per thread: blocks of
/// positions in x and y (x + y · row_stride), blocks of channels in z. Returns the grid and its row stride.
fn conv_grid(positions: usize, channels: usize) -> ((u32, u32, u32), u32) {
    let (gx, gy) = spread_groups(positions.div_ceil(CONV_POSITIONS_PER_GROUP) as u64);
    ((gx, gy, channels.div_ceil(CONV_CHANNELS_PER_THREAD) as u32), gx)
}

/// The weight gradient's grid for `threads` threads in rows of workgroups: (x, y, threads in a row).
/// Its workgroups are small, so that even a few hundred threads spread over a software adapter's cores.
fn conv_weight_grid(threads: usize) -> (u32, u32, u32) {
    let (gx, gy) = spread_groups(threads.div_ceil(CONV_WEIGHT_WORKGROUP as usize) as u64);
    (gx, gy, gx * CONV_WEIGHT_WORKGROUP)
}

/// Checks a convolution forward's tensors; its uniform words and grid.
fn conv_forward_dispatch([x, weights, bias]: [&GpuTensor; 3], outputs: &[&GpuTensor], d: &Conv2dDims) -> ([u32; 16], (u32, u32, u32)) {
    check_len("conv2d_forward", "x", x, d.input_len());
    check_len("conv2d_forward", "weights", weights, d.weight_len());
    check_len("conv2d_forward", "bias", bias, d.out_channels);
    for output in outputs {
        check_len("conv2d_forward", "an output", output, d.output_len());
    }
    let (grid, row_stride) = conv_grid(d.batch * d.out_height() * d.out_width(), d.out_channels);
    (conv_words(d, row_stride), grid)
}

/// Whether a pool's windows miss the last rows or columns of its input (the stride does not divide
/// it): the one-thread-per-window backward kernels leave those inputs to a fill.
fn windows_leave_inputs_out(d: &Pool2dDims) -> bool {
    d.out_height() * d.stride < d.height || d.out_width() * d.stride < d.width
}

/// PoolParams (common.wgsl), with no activation.
fn pool_words(d: &Pool2dDims, row_stride: u32) -> [u32; 12] {
    [
        (d.batch * d.channels) as u32,
        d.height as u32,
        d.width as u32,
        d.size as u32,
        d.stride as u32,
        d.out_height() as u32,
        d.out_width() as u32,
        row_stride,
        0,
        0,
        0,
        0,
    ]
}

impl GpuContext {
    /// y <- alpha * x + y. x, y: [n]
    pub fn axpy(&self, alpha: f32, x: &GpuTensor, y: &GpuTensor) -> Result<(), GpuError> {
        if x.len() != y.len() {
            return Err(GpuError::Validation(format!("axpy: x has {} values but y has {}", x.len(), y.len())));
        }
        self.check_health()?;
        if y.is_empty() {
            return Ok(());
        }
        let (gx, gy, stride) = elementwise_grid(y.len());
        self.dispatch(kernels::AXPY, &[y.len() as u32, bits(alpha), stride, 0], 1, &[x, y], (gx, gy));
        Ok(())
    }

    /// The plain one-thread-per-output matmul: the GPU reference the tiled kernel is tested against.
    pub fn matmul_naive(&self, a: &GpuTensor, b: &GpuTensor, c: &GpuTensor, d: MatmulDims) {
        self.record_matmul(MatmulVariant::Naive, (a, b, c), d, 1, false);
    }

    pub(super) fn row_scratch(&self, rows: usize) -> Option<std::rc::Rc<GpuTensor>> {
        self.named_scratch("per-row values", rows)
    }

    /// A scratch tensor for one op's intermediate values, or `None` when it cannot be had: the op
    /// then records nothing and the error waits for the next `submit` or `read`, since `Backend`
    /// ops return no result of their own.
    fn named_scratch(&self, purpose: &'static str, len: usize) -> Option<std::rc::Rc<GpuTensor>> {
        self.scratch(purpose, len).map_err(|error| self.defer_error(error)).ok()
    }

    /// out_k[j] = Σ_r x_k[r, j] for each member's [rows, cols] in the first members·rows·cols values
    /// of x (a scratch x may be longer); out: members · [cols].
    pub(super) fn column_sum(&self, x: &GpuTensor, out: &GpuTensor, rows: usize, cols: usize, members: usize) {
        let len = members * rows * cols;
        assert!(x.len() >= len, "column_sum: x has {} values, expected at least {len}", x.len());
        // One thread per member's column.
        let (gx, gy, stride) = rows_grid(members * cols);
        self.dispatch(kernels::COLUMN_SUM, &[rows as u32, cols as u32, stride, members as u32], 4, &[x, out], (gx, gy));
    }
}

/// The words of a fused epilogue's activation: its code and its slope.
fn activation_words(activation: Activation) -> [u32; 2] {
    [activation.code(), bits(activation.slope())]
}

impl Backend for GpuContext {
    type Tensor = GpuTensor;

    fn name(&self) -> &'static str {
        "gpu"
    }

    fn zeros(&self, len: usize) -> Result<GpuTensor, EngineError> {
        Ok(GpuContext::zeros(self, "tensor", len)?)
    }

    fn upload(&self, values: &[f32]) -> Result<GpuTensor, EngineError> {
        Ok(GpuContext::upload(self, "tensor", values)?)
    }

    fn zeros_packed(&self, lens: &[usize]) -> Result<Option<Packed<GpuTensor>>, EngineError> {
        Ok(Some(GpuContext::zeros_packed(self, "packed", lens)?))
    }

    fn write(&self, tensor: &GpuTensor, values: &[f32]) {
        self.write_tensor(tensor, values);
    }

    fn fill(&self, tensor: &GpuTensor, value: f32) {
        if tensor.is_empty() {
            return;
        }
        let (gx, gy, stride) = elementwise_grid(tensor.len());
        self.dispatch(kernels::FILL, &[tensor.len() as u32, stride, bits(value), 0], 2, &[tensor], (gx, gy));
    }

    fn len(&self, tensor: &GpuTensor) -> usize {
        tensor.len()
    }

    fn copy(&self, src: &GpuTensor, src_at: usize, dst: &GpuTensor, dst_at: usize, len: usize) {
        // WebGPU copies only between different buffers, so two views of one packed buffer cannot either.
        assert!(src.buffer != dst.buffer, "copy: the source and the destination must be different buffers");
        assert!(
            src_at + len <= src.len() && dst_at + len <= dst.len(),
            "copy: {len} values from {src_at} of {} into {dst_at} of {}",
            src.len(),
            dst.len()
        );
        self.record_copy(src, src_at, dst, dst_at, len);
    }

    fn submit(&self) -> Result<(), EngineError> {
        self.flush();
        self.check_health()?;
        Ok(self.report_deferred()?)
    }

    async fn read(&self, tensor: &GpuTensor) -> Result<Vec<f32>, EngineError> {
        Ok(GpuContext::read(self, tensor).await?)
    }

    fn matmul(&self, a: &GpuTensor, b: &GpuTensor, c: &GpuTensor, d: MatmulDims) {
        self.record_matmul(self.matmul_variant(), (a, b, c), d, 1, false);
    }

    fn bias_add(&self, y: &GpuTensor, bias: &GpuTensor, rows: usize, cols: usize) {
        self.record_bias_add(y, bias, rows, cols, 1);
    }

    fn bias_grad(&self, dy: &GpuTensor, dbias: &GpuTensor, rows: usize, cols: usize) {
        check_len("bias_grad", "dy", dy, rows * cols);
        check_len("bias_grad", "dbias", dbias, cols);
        self.column_sum(dy, dbias, rows, cols, 1);
    }

    fn activation_forward(&self, activation: Activation, x: &GpuTensor, y: &GpuTensor) {
        self.record_activation_forward(&[activation], x, y);
    }

    fn activation_backward(&self, activation: Activation, x: &GpuTensor, y: &GpuTensor, dy: &GpuTensor, dx: &GpuTensor) {
        self.record_activation_backward(&[activation], [x, y, dy, dx]);
    }

    fn dropout_forward(&self, x: &GpuTensor, y: &GpuTensor, p: f32, seed: u32) {
        self.record_dropout(x, y, &[p], &[seed]);
    }

    fn dropout_backward(&self, dy: &GpuTensor, dx: &GpuTensor, p: f32, seed: u32) {
        self.record_dropout(dy, dx, &[p], &[seed]);
    }

    fn softmax_cross_entropy(
        &self,
        logits: &GpuTensor,
        labels: &GpuTensor,
        dlogits: &GpuTensor,
        loss_sum: &GpuTensor,
        rows: usize,
        classes: usize,
    ) {
        self.stacked_softmax_cross_entropy(logits, labels, dlogits, loss_sum, rows, classes, 1);
    }

    fn softmax_cross_entropy_and_hits(
        &self,
        predictions: (&GpuTensor, &GpuTensor, &GpuTensor),
        totals: (&GpuTensor, &GpuTensor),
        rows: usize,
        classes: usize,
    ) {
        self.record_softmax_cross_entropy_and_hits(predictions, totals, rows, classes, 1);
    }

    fn bce_with_logits(
        &self,
        logits: &GpuTensor,
        targets: &GpuTensor,
        dlogits: &GpuTensor,
        loss_sum: &GpuTensor,
        rows: usize,
        cols: usize,
    ) {
        for (name, t) in [("logits", logits), ("targets", targets), ("dlogits", dlogits)] {
            check_len("bce_with_logits", name, t, rows * cols);
        }
        self.record_rows_then_sum(kernels::BCE_WITH_LOGITS, &[logits, targets, dlogits], (rows, cols, 1), loss_sum);
    }

    fn mse(&self, pred: &GpuTensor, target: &GpuTensor, dpred: &GpuTensor, loss_sum: &GpuTensor, rows: usize, cols: usize) {
        self.stacked_mse(pred, target, dpred, loss_sum, rows, cols, 1);
    }

    fn count_correct(&self, logits: &GpuTensor, labels: &GpuTensor, correct: &GpuTensor, rows: usize, classes: usize) {
        self.stacked_count_correct(logits, labels, correct, rows, classes, 1);
    }

    fn conv2d_forward(&self, x: &GpuTensor, weights: &GpuTensor, bias: &GpuTensor, y: &GpuTensor, d: Conv2dDims) {
        let (words, grid) = conv_forward_dispatch([x, weights, bias], &[y], &d);
        self.dispatch_grid(kernels::CONV2D_FORWARD, &words, 16, &[x, weights, bias, y], grid);
    }

    fn dense_forward(
        &self,
        x: &GpuTensor,
        weights: &GpuTensor,
        bias: &GpuTensor,
        z: &GpuTensor,
        y: &GpuTensor,
        activation: Activation,
        d: MatmulDims,
    ) {
        self.record_dense_forward((x, false), weights, bias, z, y, &[activation], d);
    }

    fn dense_backward_input_activation(
        &self,
        (dz_next, weights): (&GpuTensor, &GpuTensor),
        d: MatmulDims,
        activation: Activation,
        (z, y, dy, dz): (&GpuTensor, &GpuTensor, &GpuTensor, &GpuTensor),
    ) {
        self.record_matmul_activation_backward((dz_next, weights), d, &[activation], [z, y, dy, dz]);
    }

    fn conv2d_forward_activation(
        &self,
        x: &GpuTensor,
        weights: &GpuTensor,
        bias: &GpuTensor,
        z: &GpuTensor,
        y: &GpuTensor,
        activation: Activation,
        d: Conv2dDims,
    ) {
        let (mut words, grid) = conv_forward_dispatch([x, weights, bias], &[z, y], &d);
        words[12..14].copy_from_slice(&activation_words(activation));
        let kernel = kernels::CONV2D_FORWARD_ACTIVATION.specialized(&[activation]);
        self.dispatch_grid(kernel, &words, 16, &[x, weights, bias, z, y], grid);
    }

    fn conv2d_backward_input(&self, dy: &GpuTensor, weights: &GpuTensor, dx: &GpuTensor, d: Conv2dDims) {
        check_len("conv2d_backward_input", "dy", dy, d.output_len());
        check_len("conv2d_backward_input", "weights", weights, d.weight_len());
        check_len("conv2d_backward_input", "dx", dx, d.input_len());
        let (grid, row_stride) = conv_grid(d.input_len() / d.in_channels, d.in_channels);
        self.dispatch_grid(kernels::CONV2D_BACKWARD_INPUT, &conv_words(&d, row_stride), 16, &[dy, weights, dx], grid);
    }

    fn conv2d_backward_weights(&self, x: &GpuTensor, dy: &GpuTensor, dweights: &GpuTensor, dbias: &GpuTensor, d: Conv2dDims) {
        check_len("conv2d_backward_weights", "x", x, d.input_len());
        check_len("conv2d_backward_weights", "dy", dy, d.output_len());
        check_len("conv2d_backward_weights", "dweights", dweights, d.weight_len());
        check_len("conv2d_backward_weights", "dbias", dbias, d.out_channels);
        // Split the sum over batch·pixels into chunks of about 256 terms; each chunk's threads
        // compute blocks of 8 output channels by 8 taps.
        let total = d.batch * d.out_height() * d.out_width();
        let chunks = total.div_ceil(256).clamp(1, 64);
        let Some(weight_partials) = self.named_scratch("conv weight partials", chunks * d.weight_len()) else { return };
        let Some(bias_partials) = self.named_scratch("conv bias partials", chunks * d.out_channels) else { return };
        let taps = d.weight_len() / d.out_channels;
        let blocks = d.out_channels.div_ceil(CONV_CHANNELS_PER_THREAD) * taps.div_ceil(CONV_TAPS_PER_THREAD);
        let (gx, gy, stride) = conv_weight_grid(chunks * blocks);
        let mut words = conv_words(&d, stride);
        words[11] = chunks as u32;
        self.dispatch(kernels::CONV2D_BACKWARD_WEIGHTS, &words, 16, &[x, dy, &weight_partials, &bias_partials], (gx, gy));
        self.column_sum(&weight_partials, dweights, chunks, d.weight_len(), 1);
        self.column_sum(&bias_partials, dbias, chunks, d.out_channels, 1);
    }

    fn max_pool_forward(&self, x: &GpuTensor, y: &GpuTensor, argmax: &GpuTensor, d: Pool2dDims) {
        check_len("max_pool_forward", "x", x, d.input_len());
        check_len("max_pool_forward", "y", y, d.output_len());
        check_len("max_pool_forward", "argmax", argmax, d.output_len());
        let (gx, gy, stride) = elementwise_grid(d.output_len());
        self.dispatch(kernels::MAX_POOL_FORWARD, &pool_words(&d, stride), 12, &[x, y, argmax], (gx, gy));
    }

    fn max_pool_backward(&self, dy: &GpuTensor, argmax: &GpuTensor, dx: &GpuTensor, d: Pool2dDims) {
        check_len("max_pool_backward", "dy", dy, d.output_len());
        check_len("max_pool_backward", "argmax", argmax, d.output_len());
        check_len("max_pool_backward", "dx", dx, d.input_len());
        if d.size == d.stride {
            // One thread per window; inputs past the last window get no thread and are zeroed first.
            if windows_leave_inputs_out(&d) {
                Backend::fill(self, dx, 0.0);
            }
            let (gx, gy, stride) = elementwise_grid(d.output_len());
            return self.dispatch(kernels::MAX_POOL_BACKWARD_WINDOWS, &pool_words(&d, stride), 12, &[dy, argmax, dx], (gx, gy));
        }
        let (gx, gy, stride) = elementwise_grid(d.input_len());
        self.dispatch(kernels::MAX_POOL_BACKWARD, &pool_words(&d, stride), 12, &[dy, argmax, dx], (gx, gy));
    }

    fn max_pool_backward_activation(
        &self,
        (dy, argmax, _pooled): (&GpuTensor, &GpuTensor, &GpuTensor),
        d: Pool2dDims,
        activation: Activation,
        (z, y, dx, dz): (&GpuTensor, &GpuTensor, &GpuTensor, &GpuTensor),
    ) {
        // The overlapping windows' kernel sums per input; it keeps the two plain passes.
        if d.size != d.stride {
            self.max_pool_backward(dy, argmax, dx, d);
            return self.activation_backward(activation, z, y, dx, dz);
        }
        check_len("max_pool_backward_activation", "dy", dy, d.output_len());
        check_len("max_pool_backward_activation", "argmax", argmax, d.output_len());
        for (name, t) in [("z", z), ("y", y), ("dx", dx), ("dz", dz)] {
            check_len("max_pool_backward_activation", name, t, d.input_len());
        }
        if windows_leave_inputs_out(&d) {
            Backend::fill(self, dx, 0.0);
            Backend::fill(self, dz, 0.0);
        }
        let (gx, gy, stride) = elementwise_grid(d.output_len());
        let mut words = pool_words(&d, stride);
        words[8..10].copy_from_slice(&activation_words(activation));
        let kernel = kernels::MAX_POOL_BACKWARD_WINDOWS_ACTIVATION.specialized(&[activation]);
        self.dispatch(kernel, &words, 12, &[dy, argmax, z, y, dx, dz], (gx, gy));
    }

    fn sgd_step(&self, weights: &GpuTensor, grads: &GpuTensor, velocity: &GpuTensor, c: SgdConfig) {
        self.record_sgd([weights, grads, velocity], &[Some(c)]);
    }

    fn adam_step(&self, weights: &GpuTensor, grads: &GpuTensor, m: &GpuTensor, v: &GpuTensor, c: AdamConfig, step: u32) {
        self.record_adam([weights, grads, m, v], &[Some(c)], step);
    }
}
