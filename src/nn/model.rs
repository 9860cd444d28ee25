//! `Model`: a validated `ModelSpec` built on a `Backend`, with per-batch-size activation buffers,
//! and the forward / loss / backward / update sequence of one training step recorded at once.

use std::collections::HashMap;

use super::layer::{init_limit, layer_seed, uniform_init, InputGradient, Layer, LayerBuffers, Param, Update};
use super::spec::{LayerSpec, ModelSpec, ModelSummary, Shape, SpecError};
use crate::engine::{Activation, Backend, Conv2dDims, EngineError, Pool2dDims};

/// What the network's output means, and so which loss trains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Softmax cross-entropy over `classes` logits; targets are class indices.
    Classification { classes: usize },
    /// Mean squared error over `outputs` values.
    Regression { outputs: usize },
}

impl Task {
    pub fn outputs(&self) -> usize {
        match *self {
            Task::Classification { classes } => classes,
            Task::Regression { outputs } => outputs,
        }
    }

    /// Target values per sample: one class index, or `outputs` numbers.
    pub fn target_len(&self) -> usize {
        match *self {
            Task::Classification { .. } => 1,
            Task::Regression { outputs } => outputs,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("the last layer gives {got} outputs but the data needs {needed}: {hint}")]
    OutputMismatch { got: usize, needed: usize, hint: &'static str },
    #[error("the data has {got} features per sample but the network's input takes {expected}")]
    InputMismatch { got: usize, expected: usize },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Device tensors for one batch size.
struct Workspace<B: Backend> {
    input: B::Tensor,
    targets: B::Tensor,
    layers: Vec<LayerBuffers<B>>,
    /// The loss's gradient with respect to the input, made when first asked for.
    d_input: Option<B::Tensor>,
}

pub struct Model<B: Backend> {
    summary: ModelSummary,
    task: Task,
    layers: Vec<Layer<B>>,
    workspaces: HashMap<usize, Workspace<B>>,
    /// Optimizer steps taken (Adam's bias correction and dropout masks count them).
    steps: u32,
    /// Every parameter at once, where the device packs them (`Param::pack`): one optimizer step
    /// of it is the step of each.
    packed: Option<Param<B>>,
    /// For each built layer, the index of the spec layer it was built from.
    built_from: Vec<usize>,
    spec: ModelSpec,
}

impl<B: Backend> Model<B> {
    /// Validates `spec` against the task and builds it with seeded He / Xavier initial weights.
    pub fn new(backend: &B, spec: &ModelSpec, task: Task, seed: u32) -> Result<Self, ModelError> {
        let summary = spec.validate()?;
        let outputs = summary.output().len();
        if outputs != task.outputs() {
            let hint = match task {
                Task::Classification { .. } => "the last dense layer needs one unit per class",
                Task::Regression { .. } => "the last dense layer needs one unit per target value",
            };
            return Err(ModelError::OutputMismatch { got: outputs, needed: task.outputs(), hint });
        }
        let mut layers = Vec::new();
        let mut built_from = Vec::new();
        let mut shape = summary.input;
        for (index, (layer, out_shape)) in spec.layers.iter().zip(&summary.outputs).enumerate() {
            let seed_of_layer = layer_seed(seed, index);
            match *layer {
                LayerSpec::Dense { units, activation } => {
                    let inputs = shape.len();
                    let limit = init_limit(activation, inputs, units);
                    layers.push(Layer::Dense {
                        inputs,
                        units,
                        activation,
                        weights: Param::new(backend, &uniform_init(inputs * units, limit, seed_of_layer))?,
                        bias: Param::new(backend, &vec![0.0; units])?,
                    });
                }
                LayerSpec::Conv2d { filters, kernel, stride, padding, activation } => {
                    let Shape::Image { channels, height, width } = shape else { unreachable!("validated") };
                    let dims =
                        Conv2dDims { batch: 1, in_channels: channels, height, width, out_channels: filters, kernel, stride, padding };
                    let limit = init_limit(activation, dims.patch_len(), filters * kernel * kernel);
                    layers.push(Layer::Conv2d {
                        dims,
                        activation,
                        weights: Param::new(backend, &uniform_init(dims.weight_len(), limit, seed_of_layer))?,
                        bias: Param::new(backend, &vec![0.0; filters])?,
                    });
                }
                LayerSpec::MaxPool { size, stride } => {
                    let Shape::Image { channels, height, width } = shape else { unreachable!("validated") };
                    let stride = stride.unwrap_or(size);
                    layers.push(Layer::MaxPool { dims: Pool2dDims { batch: 1, channels, height, width, size, stride } });
                }
                LayerSpec::Dropout { rate } => {
                    if rate > 0.0 {
                        layers.push(Layer::Dropout { rate, seed: seed_of_layer + 1, len: shape.len() });
                    }
                }
                LayerSpec::Flatten => {}
            }
            built_from.resize(layers.len(), index);
            shape = *out_shape;
        }
        let packed = Param::pack(backend, &mut layers.iter_mut().flat_map(Layer::params_mut).collect::<Vec<_>>())?;
        Ok(Self { summary, task, layers, workspaces: HashMap::new(), steps: 0, packed, built_from, spec: spec.clone() })
    }

    pub fn summary(&self) -> &ModelSummary {
        &self.summary
    }

    pub fn task(&self) -> Task {
        self.task
    }

    /// The network this model was built from.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn workspace(&mut self, be: &B, batch: usize) -> Result<&Workspace<B>, EngineError> {
        if !self.workspaces.contains_key(&batch) {
            let workspace = Workspace {
                input: be.zeros(batch * self.summary.input.len())?,
                targets: be.zeros(batch * self.task.target_len())?,
                layers: self.layers.iter().map(|layer| layer.buffers(be, batch)).collect::<Result<_, _>>()?,
                d_input: None,
            };
            self.workspaces.insert(batch, workspace);
        }
        Ok(&self.workspaces[&batch])
    }

    fn check_batch(&self, batch: usize, inputs: &[f32], targets: &[f32]) -> Result<(), ModelError> {
        let expected = self.summary.input.len();
        if inputs.len() != batch * expected {
            return Err(ModelError::InputMismatch { got: inputs.len() / batch.max(1), expected });
        }
        assert_eq!(targets.len(), batch * self.task.target_len(), "targets for a batch of {batch}");
        Ok(())
    }

    /// Uploads a batch and records the forward pass and the loss; returns the workspace.
    fn forward_and_loss(
        &mut self,
        be: &B,
        batch: usize,
        inputs: &[f32],
        targets: &[f32],
        training: bool,
        (loss_sum, correct): (&B::Tensor, &B::Tensor),
    ) -> Result<(), ModelError> {
        self.check_batch(batch, inputs, targets)?;
        let task = self.task;
        // Both writes before any op is recorded, so the step stays one submission on the GPU.
        be.write(&self.workspace(be, batch)?.targets, targets);
        self.forward(be, batch, Some(inputs), training)?;
        let ws = &self.workspaces[&batch];
        let (output, d_output) = match ws.layers.last() {
            Some(last) => (&last.out, &last.d_out),
            None => unreachable!("a validated spec has layers"),
        };
        match task {
            Task::Classification { classes } => {
                be.softmax_cross_entropy_and_hits((output, &ws.targets, d_output), (loss_sum, correct), batch, classes);
            }
            Task::Regression { outputs } => be.mse(output, &ws.targets, d_output, loss_sum, batch, outputs),
        }
        Ok(())
    }

    /// Records the forward pass of a batch: of `inputs` from the host, or (None) of what is already
    /// in `input(batch)`, e.g. copied there on the device. `training` turns dropout on.
    pub fn forward(&mut self, be: &B, batch: usize, inputs: Option<&[f32]>, training: bool) -> Result<(), ModelError> {
        let expected = self.summary.input.len();
        if let Some(inputs) = inputs.filter(|i| i.len() != batch * expected) {
            return Err(ModelError::InputMismatch { got: inputs.len() / batch.max(1), expected });
        }
        let step = self.steps;
        self.workspace(be, batch)?;
        let ws = &self.workspaces[&batch];
        if let Some(inputs) = inputs {
            be.write(&ws.input, inputs);
        }
        let mut i = 0;
        while i < self.layers.len() {
            let input = if i == 0 { &ws.input } else { &ws.layers[i - 1].out };
            let (layer, next) = (&self.layers[i], self.layers.get(i + 1));
            if let Some(next) = next.filter(|_| training) {
                if layer.forward_with_pool(be, input, next, (&ws.layers[i], &ws.layers[i + 1]), batch) {
                    i += 2;
                    continue;
                }
            }
            layer.forward(be, input, &ws.layers[i], batch, training, step);
            i += 1;
        }
        Ok(())
    }

    /// The input tensor of a batch of `batch`, for filling on the device before `forward(.., None, ..)`.
    pub fn input(&mut self, be: &B, batch: usize) -> Result<&B::Tensor, ModelError> {
        Ok(&self.workspace(be, batch)?.input)
    }

    /// The last layer's output of the last forward pass of this batch size (logits or values).
    ///
    /// # Panics
    /// If no forward pass of this batch size was recorded.
    pub fn output(&self, batch: usize) -> &B::Tensor {
        &self.workspaces[&batch].layers.last().expect("layers").out
    }

    /// Where a loss writes its gradient with respect to `output(batch)`, for `backward`.
    pub fn output_grad(&self, batch: usize) -> &B::Tensor {
        &self.workspaces[&batch].layers.last().expect("layers").d_out
    }

    /// The gradient with respect to the input that the last `backward(.., true)` wrote.
    pub fn input_grad(&self, batch: usize) -> Option<&B::Tensor> {
        self.workspaces.get(&batch)?.d_input.as_ref()
    }

    /// Records the backward pass from `output_grad(batch)`: every parameter's gradient, and with
    /// `to_input` the gradient with respect to the input too (a generator trains through a
    /// discriminator's input gradient).
    pub fn backward(&mut self, be: &B, batch: usize, to_input: bool) -> Result<(), ModelError> {
        let step = self.steps;
        let input_len = batch * self.summary.input.len();
        let ws = self.workspaces.get_mut(&batch).expect("backward needs a forward pass of this batch size first");
        if to_input && ws.d_input.is_none() {
            ws.d_input = Some(be.zeros(input_len)?);
        }
        let ws = &self.workspaces[&batch];
        // Whether the layer after wrote this layer's dz through its activation already.
        let mut dz_ready = false;
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let input = if i == 0 { &ws.input } else { &ws.layers[i - 1].out };
            let d_input = match i {
                0 if to_input => InputGradient::Into(ws.d_input.as_ref().expect("made above")),
                0 => InputGradient::None,
                _ => match (layer, self.layers[i - 1].activation()) {
                    (Layer::Dense { .. } | Layer::MaxPool { .. }, Some(before)) if before != Activation::Identity => {
                        InputGradient::ThroughActivation(before, &ws.layers[i - 1])
                    }
                    _ => InputGradient::Into(&ws.layers[i - 1].d_out),
                },
            };
            let writes_dz_before = matches!(d_input, InputGradient::ThroughActivation(..));
            layer.backward(be, input, &ws.layers[i], d_input, dz_ready, batch, step);
            dz_ready = writes_dz_before;
        }
        Ok(())
    }

    /// The binary loss: cross-entropy of the last forward pass's logits (one per output) against
    /// `targets` (0 or 1 each, e.g. a discriminator's real or fake), its gradient into
    /// `output_grad(batch)` and the batch's summed loss added to `loss_sum`.
    pub fn binary_loss(&self, be: &B, batch: usize, targets: &B::Tensor, loss_sum: &B::Tensor) {
        let outputs = self.summary.output().len();
        be.bce_with_logits(self.output(batch), targets, self.output_grad(batch), loss_sum, batch, outputs);
    }

    /// Records one optimizer step of every parameter from the gradients `backward` wrote.
    pub fn update(&mut self, be: &B, update: Update) {
        self.steps += 1;
        if let Some(all) = &self.packed {
            return all.update(be, update, self.steps);
        }
        for layer in &self.layers {
            for param in layer.params() {
                param.update(be, update, self.steps);
            }
        }
    }

    /// One training step on a batch, submitted at once: forward, loss (added to `loss_sum`, hits to
    /// `correct`), backward, and the parameter update.
    #[allow(clippy::too_many_arguments)]
    pub fn train_step(
        &mut self,
        be: &B,
        batch: usize,
        inputs: &[f32],
        targets: &[f32],
        update: Update,
        loss_sum: &B::Tensor,
        correct: &B::Tensor,
    ) -> Result<(), ModelError> {
        self.forward_and_loss(be, batch, inputs, targets, true, (loss_sum, correct))?;
        self.backward(be, batch, false)?;
        self.update(be, update);
        Ok(be.submit()?)
    }

    /// Records the loss and correct count of a batch without training (dropout off).
    pub fn evaluate_batch(
        &mut self,
        be: &B,
        batch: usize,
        inputs: &[f32],
        targets: &[f32],
        loss_sum: &B::Tensor,
        correct: &B::Tensor,
    ) -> Result<(), ModelError> {
        self.forward_and_loss(be, batch, inputs, targets, false, (loss_sum, correct))?;
        Ok(be.submit()?)
    }

    /// The network's outputs (logits or values) for a batch: [batch, outputs].
    pub async fn predict(&mut self, be: &B, batch: usize, inputs: &[f32]) -> Result<Vec<f32>, ModelError> {
        let targets = vec![0.0; batch * self.task.target_len()];
        let scratch = (be.zeros(1)?, be.zeros(1)?);
        self.forward_and_loss(be, batch, inputs, &targets, false, (&scratch.0, &scratch.1))?;
        let ws = &self.workspaces[&batch];
        Ok(be.read(&ws.layers.last().expect("layers").out).await?)
    }

    /// Every layer's output for a batch, in layer order (dropout passes its input through):
    /// the hidden activations a decision-boundary view draws, and the logits or values last.
    pub async fn layer_outputs(&mut self, be: &B, batch: usize, inputs: &[f32]) -> Result<Vec<Vec<f32>>, ModelError> {
        let targets = vec![0.0; batch * self.task.target_len()];
        let scratch = (be.zeros(1)?, be.zeros(1)?);
        self.forward_and_loss(be, batch, inputs, &targets, false, (&scratch.0, &scratch.1))?;
        let mut outputs = Vec::with_capacity(self.layers.len());
        for buffers in &self.workspaces[&batch].layers {
            outputs.push(be.read(&buffers.out).await?);
        }
        Ok(outputs)
    }

    /// The spec layer each built layer came from (flatten and zero-rate dropout build none).
    pub fn layer_specs(&self) -> Vec<usize> {
        self.built_from.clone()
    }

    /// Every parameter's values, layer by layer (weights then bias), for checks and export.
    pub async fn parameters(&self, be: &B) -> Result<Vec<Vec<f32>>, EngineError> {
        let mut values = Vec::new();
        for param in self.layers.iter().flat_map(|layer| layer.params()) {
            values.push(be.read(&param.value).await?);
        }
        Ok(values)
    }

    /// The gradients the last training step computed, in the order of `parameters`.
    pub async fn gradients(&self, be: &B) -> Result<Vec<Vec<f32>>, EngineError> {
        let mut values = Vec::new();
        for param in self.layers.iter().flat_map(|layer| layer.params()) {
            values.push(be.read(&param.grad).await?);
        }
        Ok(values)
    }

    /// Replaces every parameter, in the order of `parameters` (an import, or a test's nudge).
    pub fn set_parameters(&self, be: &B, values: &[Vec<f32>]) {
        let params: Vec<_> = self.layers.iter().flat_map(|layer| layer.params()).collect();
        assert_eq!(params.len(), values.len(), "set_parameters: {} tensors for {} parameters", values.len(), params.len());
        for (param, value) in params.into_iter().zip(values) {
            be.write(&param.value, value);
        }
    }
}

/// The activation a spec's output layer should use: its loss applies softmax (or none) itself.
pub const OUTPUT_ACTIVATION: Activation = Activation::Identity;
