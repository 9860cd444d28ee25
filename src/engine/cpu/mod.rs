//! The CPU device: plain reference kernels (the definition of every op), SIMD fast paths for matrix
//! products, convolutions and pooling (natively over all cores), and the `Backend` implementation
//! the trainer uses when there is no GPU.

pub mod conv;
#[cfg(target_arch = "x86_64")]
pub mod direct_conv;
pub mod fast;
mod parallel;
pub mod pool;
pub mod reference;
pub mod stacked;
mod tensor;

use std::cell::RefCell;
use std::future::Future;

pub use tensor::CpuTensor;

use super::activation::Activation;
use super::backend::Backend;
use super::optimizer::{AdamConfig, SgdConfig};
use super::shapes::{Conv2dDims, MatmulDims, Pool2dDims};
use super::EngineError;

/// Values below which an element-wise op stays on one core.
const ELEMENTWISE_CHUNK: usize = 1 << 15;

/// Runs every op at once: natively over all cores, in the browser on the calling thread.
#[derive(Debug, Default)]
pub struct CpuBackend {
    /// Room for a group of images' unfolded convolution patches, grown as needed.
    scratch: RefCell<Vec<f32>>,
}

impl CpuBackend {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Backend for CpuBackend {
    type Tensor = CpuTensor;

    fn name(&self) -> &'static str {
        "cpu"
    }

    fn zeros(&self, len: usize) -> Result<CpuTensor, EngineError> {
        Ok(CpuTensor::from_vec(vec![0.0; len]))
    }

    fn upload(&self, values: &[f32]) -> Result<CpuTensor, EngineError> {
        Ok(CpuTensor::from_vec(values.to_vec()))
    }

    fn write(&self, tensor: &CpuTensor, values: &[f32]) {
        tensor.values_mut().copy_from_slice(values);
    }

    fn fill(&self, tensor: &CpuTensor, value: f32) {
        tensor.values_mut().fill(value);
    }

    fn len(&self, tensor: &CpuTensor) -> usize {
        tensor.len()
    }

    fn copy(&self, src: &CpuTensor, src_at: usize, dst: &CpuTensor, dst_at: usize, len: usize) {
        assert!(!std::ptr::eq(src, dst), "copy: the source and the destination must be different tensors");
        dst.values_mut()[dst_at..dst_at + len].copy_from_slice(&src.values()[src_at..src_at + len]);
    }

    fn submit(&self) -> Result<(), EngineError> {
        Ok(())
    }

    fn read(&self, tensor: &CpuTensor) -> impl Future<Output = Result<Vec<f32>, EngineError>> {
        std::future::ready(Ok(tensor.values().clone()))
    }

    fn matmul(&self, a: &CpuTensor, b: &CpuTensor, c: &CpuTensor, dims: MatmulDims) {
        fast::matmul(&a.values(), &b.values(), &mut c.values_mut(), dims);
    }

    fn bias_add(&self, y: &CpuTensor, bias: &CpuTensor, rows: usize, cols: usize) {
        reference::bias_add(&mut y.values_mut(), &bias.values(), rows, cols);
    }

    fn bias_grad(&self, dy: &CpuTensor, dbias: &CpuTensor, rows: usize, cols: usize) {
        reference::bias_grad(&dy.values(), &mut dbias.values_mut(), rows, cols);
    }

    fn activation_forward(&self, activation: Activation, x: &CpuTensor, y: &CpuTensor) {
        let x = x.values();
        let x: &[f32] = &x;
        let chunk = parallel::chunk_for(x.len(), ELEMENTWISE_CHUNK);
        parallel::for_each_chunk(&mut y.values_mut(), chunk, |i, y| {
            reference::activation_forward(activation, &x[i * chunk..][..y.len()], y)
        });
    }

    fn activation_backward(&self, activation: Activation, x: &CpuTensor, y: &CpuTensor, dy: &CpuTensor, dx: &CpuTensor) {
        let (x, y, dy) = (x.values(), y.values(), dy.values());
        let (x, y, dy): (&[f32], &[f32], &[f32]) = (&x, &y, &dy);
        let chunk = parallel::chunk_for(x.len(), ELEMENTWISE_CHUNK);
        parallel::for_each_chunk(&mut dx.values_mut(), chunk, |i, dx| {
            let at = i * chunk;
            reference::activation_backward(activation, &x[at..][..dx.len()], &y[at..][..dx.len()], &dy[at..][..dx.len()], dx)
        });
    }

    fn dropout_forward(&self, x: &CpuTensor, y: &CpuTensor, p: f32, seed: u32) {
        reference::dropout_forward(&x.values(), &mut y.values_mut(), p, seed);
    }

    fn dropout_backward(&self, dy: &CpuTensor, dx: &CpuTensor, p: f32, seed: u32) {
        reference::dropout_backward(&dy.values(), &mut dx.values_mut(), p, seed);
    }

    fn softmax_cross_entropy(
        &self,
        logits: &CpuTensor,
        labels: &CpuTensor,
        dlogits: &CpuTensor,
        loss_sum: &CpuTensor,
        rows: usize,
        classes: usize,
    ) {
        reference::softmax_cross_entropy(
            &logits.values(),
            &labels.values(),
            &mut dlogits.values_mut(),
            &mut loss_sum.values_mut(),
            rows,
            classes,
        );
    }

    fn bce_with_logits(
        &self,
        logits: &CpuTensor,
        targets: &CpuTensor,
        dlogits: &CpuTensor,
        loss_sum: &CpuTensor,
        rows: usize,
        cols: usize,
    ) {
        reference::bce_with_logits(&logits.values(), &targets.values(), &mut dlogits.values_mut(), &mut loss_sum.values_mut(), rows, cols);
    }

    fn mse(&self, pred: &CpuTensor, target: &CpuTensor, dpred: &CpuTensor, loss_sum: &CpuTensor, rows: usize, cols: usize) {
        reference::mse(&pred.values(), &target.values(), &mut dpred.values_mut(), &mut loss_sum.values_mut(), rows, cols);
    }

    fn count_correct(&self, logits: &CpuTensor, labels: &CpuTensor, correct: &CpuTensor, rows: usize, classes: usize) {
        reference::count_correct(&logits.values(), &labels.values(), &mut correct.values_mut(), rows, classes);
    }

    fn conv2d_forward(&self, x: &CpuTensor, weights: &CpuTensor, bias: &CpuTensor, y: &CpuTensor, dims: Conv2dDims) {
        conv::conv2d_forward(&x.values(), &weights.values(), &bias.values(), &mut y.values_mut(), dims, &mut self.scratch.borrow_mut());
    }

    fn conv2d_forward_activation(
        &self,
        x: &CpuTensor,
        weights: &CpuTensor,
        bias: &CpuTensor,
        z: &CpuTensor,
        y: &CpuTensor,
        activation: Activation,
        dims: Conv2dDims,
    ) {
        let (x, weights, bias) = (x.values(), weights.values(), bias.values());
        conv::conv2d_forward_activation(
            &x,
            &weights,
            &bias,
            &mut z.values_mut(),
            &mut y.values_mut(),
            activation,
            dims,
            &mut self.scratch.borrow_mut(),
        );
    }

    fn conv2d_activation_max_pool(
        &self,
        (x, weights, bias): (&CpuTensor, &CpuTensor, &CpuTensor),
        activation: Activation,
        (z, y): (&CpuTensor, &CpuTensor),
        conv: Conv2dDims,
        (pooled, argmax): (&CpuTensor, &CpuTensor),
        pool: Pool2dDims,
    ) {
        if conv::pools_in_cache(activation, &pool) {
            return conv::conv2d_activation_max_pool(
                (&x.values(), &weights.values(), &bias.values()),
                activation,
                conv,
                (&mut pooled.values_mut(), &mut argmax.values_mut()),
                pool,
                &mut self.scratch.borrow_mut(),
            );
        }
        self.conv2d_forward_activation(x, weights, bias, z, y, activation, conv);
        self.max_pool_forward(y, pooled, argmax, pool);
    }

    fn conv2d_activation_backward_weights(
        &self,
        activation: Activation,
        (z, y, dy, dz): (&CpuTensor, &CpuTensor, &CpuTensor, &CpuTensor),
        x: &CpuTensor,
        dweights: &CpuTensor,
        dbias: &CpuTensor,
        dims: Conv2dDims,
    ) {
        let (z, y, dy, x) = (z.values(), y.values(), dy.values(), x.values());
        conv::conv2d_activation_backward_weights(
            activation,
            (&z, &y, &dy, &mut dz.values_mut()),
            &x,
            &mut dweights.values_mut(),
            &mut dbias.values_mut(),
            dims,
            &mut self.scratch.borrow_mut(),
        );
    }

    fn conv2d_backward_input(&self, dy: &CpuTensor, weights: &CpuTensor, dx: &CpuTensor, dims: Conv2dDims) {
        conv::conv2d_backward_input(&dy.values(), &weights.values(), &mut dx.values_mut(), dims, &mut self.scratch.borrow_mut());
    }

    fn conv2d_backward_weights(&self, x: &CpuTensor, dy: &CpuTensor, dweights: &CpuTensor, dbias: &CpuTensor, dims: Conv2dDims) {
        conv::conv2d_backward_weights(
            &x.values(),
            &dy.values(),
            &mut dweights.values_mut(),
            &mut dbias.values_mut(),
            dims,
            &mut self.scratch.borrow_mut(),
        );
    }

    fn max_pool_forward(&self, x: &CpuTensor, y: &CpuTensor, argmax: &CpuTensor, dims: Pool2dDims) {
        pool::max_pool_forward(&x.values(), &mut y.values_mut(), &mut argmax.values_mut(), dims);
    }

    fn max_pool_backward(&self, dy: &CpuTensor, argmax: &CpuTensor, dx: &CpuTensor, dims: Pool2dDims) {
        pool::max_pool_backward(&dy.values(), &argmax.values(), &mut dx.values_mut(), dims);
    }

    fn max_pool_backward_activation(
        &self,
        (dy, argmax, pooled): (&CpuTensor, &CpuTensor, &CpuTensor),
        dims: Pool2dDims,
        activation: Activation,
        (z, y, dx, dz): (&CpuTensor, &CpuTensor, &CpuTensor, &CpuTensor),
    ) {
        pool::max_pool_backward_activation(
            (&dy.values(), &argmax.values(), &pooled.values()),
            dims,
            activation,
            (&z.values(), &y.values(), &mut dx.values_mut(), &mut dz.values_mut()),
        );
    }

    fn sgd_step(&self, weights: &CpuTensor, grads: &CpuTensor, velocity: &CpuTensor, config: SgdConfig) {
        reference::sgd_step(&mut weights.values_mut(), &grads.values(), &mut velocity.values_mut(), config);
    }

    fn adam_step(&self, weights: &CpuTensor, grads: &CpuTensor, m: &CpuTensor, v: &CpuTensor, config: AdamConfig, step: u32) {
        reference::adam_step(&mut weights.values_mut(), &grads.values(), &mut m.values_mut(), &mut v.values_mut(), config, step);
    }
}
