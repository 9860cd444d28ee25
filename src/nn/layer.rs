//! The layers a `ModelSpec` builds, each with its parameters, forward and backward side by side,
//! recorded on any `Backend`. Activations live in a per-batch-size `Buffers` owned by the model.

pub use crate::engine::Update;
use crate::engine::{rng, Activation, Backend, Conv2dDims, EngineError, MatmulDims, Pool2dDims};

/// A trainable tensor with its gradient and optimizer state (velocity, or Adam's two moments).
pub struct Param<B: Backend> {
    pub value: B::Tensor,
    pub grad: B::Tensor,
    first_moment: B::Tensor,
    second_moment: B::Tensor,
}

impl<B: Backend> Param<B> {
    pub fn new(backend: &B, values: &[f32]) -> Result<Self, EngineError> {
        Ok(Self {
            value: backend.upload(values)?,
            grad: backend.zeros(values.len())?,
            first_moment: backend.zeros(values.len())?,
            second_moment: backend.zeros(values.len())?,
        })
    }

    /// Moves every parameter into four packed tensors (values, gradients and the optimizer's two
    /// states) where the device has them, keeping each value, so that one optimizer step of the
    /// returned parameter, which covers them all, updates every one of them. `None` (and nothing
    /// moved) where the device does not pack.
    pub fn pack(backend: &B, params: &mut [&mut Param<B>]) -> Result<Option<Param<B>>, EngineError> {
        let lens: Vec<usize> = params.iter().map(|p| backend.len(&p.value)).collect();
        let Some(values) = backend.zeros_packed(&lens)? else { return Ok(None) };
        let (Some(grads), Some(first), Some(second)) =
            (backend.zeros_packed(&lens)?, backend.zeros_packed(&lens)?, backend.zeros_packed(&lens)?)
        else {
            return Ok(None);
        };
        let parts = values.parts.into_iter().zip(grads.parts).zip(first.parts).zip(second.parts);
        for (param, (((value, grad), first_moment), second_moment)) in params.iter_mut().zip(parts) {
            // Gradients and moments start at zero in both places; only the values move.
            backend.copy(&param.value, 0, &value, 0, backend.len(&value));
            **param = Param { value, grad, first_moment, second_moment };
        }
        Ok(Some(Param { value: values.whole, grad: grads.whole, first_moment: first.whole, second_moment: second.whole }))
    }

    /// One optimizer step of every member of a stacked parameter, each with its own update.
    pub fn stacked_update(&self, backend: &B, updates: &[Update], step: u32)
    where
        B: crate::engine::StackedBackend,
    {
        backend.stacked_update(&self.value, &self.grad, &self.first_moment, &self.second_moment, updates, step);
    }

    pub fn update(&self, backend: &B, update: Update, step: u32) {
        match update {
            Update::Sgd(config) => backend.sgd_step(&self.value, &self.grad, &self.first_moment, config),
            Update::Adam(config) => backend.adam_step(&self.value, &self.grad, &self.first_moment, &self.second_moment, config, step),
        }
    }
}

/// Initial weights drawn uniformly from ±limit with the counter-based generator, so the same
/// seed gives the same network on every device.
pub fn uniform_init(len: usize, limit: f32, seed: u32) -> Vec<f32> {
    (0..len).map(|i| (rng::uniform(seed, i as u32) * 2.0 - 1.0) * limit).collect()
}

/// The seed of the layer at `index` of a spec in a network seeded with `seed`: its initial
/// weights draw from it, and a dropout layer's masks from it plus one.
pub fn layer_seed(seed: u32, index: usize) -> u32 {
    seed.wrapping_mul(7919).wrapping_add(index as u32 * 2)
}

/// The mask seed of a dropout layer seeded `seed` at optimizer step `step`.
pub fn dropout_step_seed(seed: u32, step: u32) -> u32 {
    seed.wrapping_add(step.wrapping_mul(0x9e37_79b9))
}

/// He initialisation for ReLU-like activations, Xavier (Glorot) for the saturating ones.
pub fn init_limit(activation: Activation, fan_in: usize, fan_out: usize) -> f32 {
    match activation {
        Activation::Relu | Activation::LeakyRelu { .. } | Activation::Gelu => (6.0 / fan_in as f32).sqrt(),
        Activation::Sigmoid | Activation::Tanh | Activation::Identity => (6.0 / (fan_in + fan_out) as f32).sqrt(),
    }
}

/// One executable layer (flatten needs none: it changes only the shape).
pub enum Layer<B: Backend> {
    Dense { inputs: usize, units: usize, activation: Activation, weights: Param<B>, bias: Param<B> },
    Conv2d { dims: Conv2dDims, activation: Activation, weights: Param<B>, bias: Param<B> },
    MaxPool { dims: Pool2dDims },
    Dropout { rate: f32, seed: u32, len: usize },
}

/// One layer's tensors for one batch size: its output, the pre-activation when it has one, the
/// pooling argmax, and the gradients of both.
pub struct LayerBuffers<B: Backend> {
    pub out: B::Tensor,
    pub d_out: B::Tensor,
    pre: Option<(B::Tensor, B::Tensor)>,
    argmax: Option<B::Tensor>,
}

/// Where a layer's backward pass sends the gradient with respect to its input.
pub enum InputGradient<'a, B: Backend> {
    /// Nowhere: the first layer, when no one asks for it.
    None,
    /// Into this tensor.
    Into(&'a B::Tensor),
    /// A dense or pooling layer's, through the activation of the layer before it: into that
    /// layer's `d_out` and its dz at once (`Backend::dense_backward_input_activation`,
    /// `Backend::max_pool_backward_activation`).
    ThroughActivation(Activation, &'a LayerBuffers<B>),
}

impl<B: Backend> LayerBuffers<B> {
    /// The pre-activation z and its gradient dz, for the layers that have an activation. Where the
    /// activation's output gives its derivative (`Activation::derivative_from_output`), the
    /// backward pass reads y in z's place, so a device may leave z unwritten in the forward.
    fn pre(&self, activation: Activation) -> (&B::Tensor, &B::Tensor) {
        let (z, dz) = self.pre.as_ref().expect("a layer with an activation");
        (if activation.derivative_from_output() { &self.out } else { z }, dz)
    }
}

impl<'a, B: Backend> InputGradient<'a, B> {
    /// The tensor the plain input gradient goes into, where there is one.
    fn tensor(&self) -> Option<&'a B::Tensor> {
        match self {
            InputGradient::None => None,
            InputGradient::Into(dx) => Some(dx),
            InputGradient::ThroughActivation(_, before) => Some(&before.d_out),
        }
    }
}

impl<B: Backend> Layer<B> {
    /// Values per sample this layer writes.
    pub fn output_len(&self) -> usize {
        match self {
            Layer::Dense { units, .. } => *units,
            Layer::Conv2d { dims, .. } => dims.output_len() / dims.batch,
            Layer::MaxPool { dims } => dims.output_len() / dims.batch,
            Layer::Dropout { len, .. } => *len,
        }
    }

    /// This layer's dims for a batch of `batch` samples.
    fn at_batch(&self, batch: usize) -> (Option<Conv2dDims>, Option<Pool2dDims>) {
        match self {
            Layer::Conv2d { dims, .. } => (Some(Conv2dDims { batch, ..*dims }), None),
            Layer::MaxPool { dims } => (None, Some(Pool2dDims { batch, ..*dims })),
            _ => (None, None),
        }
    }

    pub fn buffers(&self, backend: &B, batch: usize) -> Result<LayerBuffers<B>, EngineError> {
        let len = batch * self.output_len();
        let has_activation = matches!(self, Layer::Dense { .. } | Layer::Conv2d { .. });
        Ok(LayerBuffers {
            out: backend.zeros(len)?,
            d_out: backend.zeros(len)?,
            pre: if has_activation { Some((backend.zeros(len)?, backend.zeros(len)?)) } else { None },
            argmax: if matches!(self, Layer::MaxPool { .. }) { Some(backend.zeros(len)?) } else { None },
        })
    }

    pub fn params(&self) -> Vec<&Param<B>> {
        match self {
            Layer::Dense { weights, bias, .. } | Layer::Conv2d { weights, bias, .. } => vec![weights, bias],
            _ => Vec::new(),
        }
    }

    pub fn params_mut(&mut self) -> Vec<&mut Param<B>> {
        match self {
            Layer::Dense { weights, bias, .. } | Layer::Conv2d { weights, bias, .. } => vec![weights, bias],
            _ => Vec::new(),
        }
    }

    /// Writes `buffers.out` from `input`. `step` seeds dropout; outside training dropout passes through.
    pub fn forward(&self, be: &B, input: &B::Tensor, buffers: &LayerBuffers<B>, batch: usize, training: bool, step: u32) {
        match self {
            // z = x · W + b; a = f(z). x: [batch, inputs], W: [inputs, units]
            Layer::Dense { inputs, units, activation, weights, bias } => {
                let (z, _) = buffers.pre.as_ref().expect("dense buffers");
                be.dense_forward(input, &weights.value, &bias.value, z, &buffers.out, *activation, MatmulDims::new(batch, *inputs, *units));
            }
            // z = conv(x) + b; a = f(z). x: [batch, c, h, w]
            Layer::Conv2d { activation, weights, bias, .. } => {
                let (z, _) = buffers.pre.as_ref().expect("conv buffers");
                let dims = self.at_batch(batch).0.unwrap();
                be.conv2d_forward_activation(input, &weights.value, &bias.value, z, &buffers.out, *activation, dims);
            }
            Layer::MaxPool { .. } => {
                let dims = self.at_batch(batch).1.unwrap();
                be.max_pool_forward(input, &buffers.out, buffers.argmax.as_ref().expect("pool buffers"), dims);
            }
            Layer::Dropout { rate, seed, .. } => {
                let rate = if training { *rate } else { 0.0 };
                be.dropout_forward(input, &buffers.out, rate, dropout_step_seed(*seed, step));
            }
        }
    }

    /// In a training pass, a convolution and the max pool right after it as one op
    /// (`Backend::conv2d_activation_max_pool`), which may leave the convolution's outputs unwritten
    /// where the backward never reads them. Returns false, recording nothing, for any other pair.
    pub fn forward_with_pool(
        &self,
        be: &B,
        input: &B::Tensor,
        next: &Layer<B>,
        (buffers, pooled): (&LayerBuffers<B>, &LayerBuffers<B>),
        batch: usize,
    ) -> bool {
        let (Layer::Conv2d { activation, weights, bias, .. }, Layer::MaxPool { .. }) = (self, next) else {
            return false;
        };
        let (z, _) = buffers.pre.as_ref().expect("conv buffers");
        let (conv, pool) = (self.at_batch(batch).0.unwrap(), next.at_batch(batch).1.unwrap());
        let argmax = pooled.argmax.as_ref().expect("pool buffers");
        be.conv2d_activation_max_pool(
            (input, &weights.value, &bias.value),
            *activation,
            (z, &buffers.out),
            conv,
            (&pooled.out, argmax),
            pool,
        );
        true
    }

    /// The activation after this layer's weights, for the layers that have one.
    pub fn activation(&self) -> Option<Activation> {
        match self {
            Layer::Dense { activation, .. } | Layer::Conv2d { activation, .. } => Some(*activation),
            _ => None,
        }
    }

    /// From `buffers.d_out`, writes the parameter gradients and, when asked, the input gradient.
    /// `dz_ready`: the layer after this one already wrote this layer's dz (through
    /// `InputGradient::ThroughActivation`), so the activation's backward pass is skipped.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        be: &B,
        input: &B::Tensor,
        buffers: &LayerBuffers<B>,
        d_input: InputGradient<'_, B>,
        dz_ready: bool,
        batch: usize,
        step: u32,
    ) {
        match self {
            Layer::Dense { inputs, units, activation, weights, bias } => {
                let (z, dz) = buffers.pre(*activation);
                // An identity's dz is d_out itself (d_out · 1, the same bits): no pass to copy it.
                let dz = if *activation == Activation::Identity {
                    &buffers.d_out
                } else {
                    if !dz_ready {
                        be.activation_backward(*activation, z, &buffers.out, &buffers.d_out, dz);
                    }
                    dz
                };
                // dW = xᵀ · dz; db = Σ dz; dx = dz · Wᵀ
                be.matmul(input, dz, &weights.grad, MatmulDims::new(*inputs, batch, *units).transpose_a());
                be.bias_grad(dz, &bias.grad, batch, *units);
                let dims = MatmulDims::new(batch, *units, *inputs).transpose_b();
                match d_input {
                    InputGradient::None => {}
                    InputGradient::Into(dx) => be.matmul(dz, &weights.value, dx, dims),
                    InputGradient::ThroughActivation(before_activation, before) => {
                        let (before_z, before_dz) = before.pre(before_activation);
                        be.dense_backward_input_activation(
                            (dz, &weights.value),
                            dims,
                            before_activation,
                            (before_z, &before.out, &before.d_out, before_dz),
                        );
                    }
                }
            }
            Layer::Conv2d { activation, weights, bias, .. } => {
                let (z, dz) = buffers.pre(*activation);
                let dims = self.at_batch(batch).0.unwrap();
                if dz_ready {
                    be.conv2d_backward_weights(input, dz, &weights.grad, &bias.grad, dims);
                } else {
                    be.conv2d_activation_backward_weights(
                        *activation,
                        (z, &buffers.out, &buffers.d_out, dz),
                        input,
                        &weights.grad,
                        &bias.grad,
                        dims,
                    );
                }
                if let Some(dx) = d_input.tensor() {
                    be.conv2d_backward_input(dz, &weights.value, dx, dims);
                }
            }
            Layer::MaxPool { .. } => {
                let dims = self.at_batch(batch).1.unwrap();
                let argmax = buffers.argmax.as_ref().expect("pool buffers");
                match d_input {
                    InputGradient::None => {}
                    InputGradient::Into(dx) => be.max_pool_backward(&buffers.d_out, argmax, dx, dims),
                    InputGradient::ThroughActivation(before_activation, before) => {
                        let (before_z, before_dz) = before.pre(before_activation);
                        be.max_pool_backward_activation(
                            (&buffers.d_out, argmax, &buffers.out),
                            dims,
                            before_activation,
                            (before_z, &before.out, &before.d_out, before_dz),
                        );
                    }
                }
            }
            Layer::Dropout { rate, seed, .. } => {
                if let Some(dx) = d_input.tensor() {
                    be.dropout_backward(&buffers.d_out, dx, *rate, dropout_step_seed(*seed, step));
                }
            }
        }
    }
}
