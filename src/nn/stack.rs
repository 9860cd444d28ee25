//! `ModelStack`: several MLPs of the same shapes trained as one, each op recorded once for all of
//! them (`StackedBackend`). The members share the input batch and may differ in activation,
//! dropout rate, optimizer and learning rate; each member's weights start where its own `Model`
//! would start, and each step leaves every member exactly where its own `Model` would be.

use std::collections::HashMap;

use super::layer::{dropout_step_seed, init_limit, layer_seed, uniform_init, Param, Update};
use super::model::{Model, ModelError, Task};
use super::spec::{LayerSpec, ModelSpec, ModelSummary, SpecError};
use crate::engine::{Activation, EngineError, MatmulDims, StackedBackend, MAX_MEMBERS};

/// Why a set of networks cannot train as one stack.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StackError {
    #[error("a stack needs between 1 and {MAX_MEMBERS} networks, not {0}")]
    Members(usize),
    #[error("network {member}: {reason}")]
    NotStackable { member: usize, reason: String },
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl From<SpecError> for StackError {
    fn from(error: SpecError) -> Self {
        StackError::Model(error.into())
    }
}

impl From<EngineError> for StackError {
    fn from(error: EngineError) -> Self {
        StackError::Model(error.into())
    }
}

/// What must agree for networks to stack: the input's length and the dense widths in order
/// (activations and dropout rates may differ).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StackShape {
    pub input: usize,
    pub widths: Vec<usize>,
}

impl StackShape {
    /// The shape of a network made of dense, dropout and flatten layers; why not, otherwise.
    pub fn of(spec: &ModelSpec) -> Result<Self, String> {
        let input = spec.input.iter().product();
        let mut widths = Vec::new();
        let mut dropped_after = None;
        for layer in &spec.layers {
            match *layer {
                LayerSpec::Dense { units, .. } => widths.push(units),
                LayerSpec::Dropout { .. } if widths.is_empty() => return Err("it drops out its input".into()),
                LayerSpec::Dropout { .. } if dropped_after == Some(widths.len()) => return Err("it has two dropouts in a row".into()),
                LayerSpec::Dropout { .. } => dropped_after = Some(widths.len()),
                LayerSpec::Flatten => {}
                LayerSpec::Conv2d { .. } | LayerSpec::MaxPool { .. } => {
                    return Err(format!("it has a {} layer, and only dense networks stack", layer.kind()))
                }
            }
        }
        Ok(StackShape { input, widths })
    }
}

/// One layer of the stack: every member's weights in one tensor, or a dropout that each member
/// applies at its own rate (0 where a member has none).
enum StackLayer<B: StackedBackend> {
    Dense { inputs: usize, units: usize, activations: Vec<Activation>, weights: Param<B>, bias: Param<B> },
    Dropout { rates: Vec<f32>, seeds: Vec<u32> },
}

struct LayerTensors<B: StackedBackend> {
    out: B::Tensor,
    d_out: B::Tensor,
    /// A dense layer's pre-activation and its gradient.
    pre: Option<(B::Tensor, B::Tensor)>,
}

/// The device tensors of one batch size: the shared input and targets, then each layer's.
struct Workspace<B: StackedBackend> {
    input: B::Tensor,
    targets: B::Tensor,
    layers: Vec<LayerTensors<B>>,
}

pub struct ModelStack<B: StackedBackend> {
    members: usize,
    specs: Vec<ModelSpec>,
    task: Task,
    summaries: Vec<ModelSummary>,
    layers: Vec<StackLayer<B>>,
    workspaces: HashMap<usize, Workspace<B>>,
    steps: u32,
    input_len: usize,
}

impl<B: StackedBackend> ModelStack<B> {
    /// Builds `specs` as one stack, each member with the initial weights `Model::new` gives it
    /// for `seed`.
    pub fn new(be: &B, specs: &[ModelSpec], task: Task, seed: u32) -> Result<Self, StackError> {
        if specs.is_empty() || specs.len() > MAX_MEMBERS {
            return Err(StackError::Members(specs.len()));
        }
        let mut summaries = Vec::new();
        let mut shape = None;
        for (member, spec) in specs.iter().enumerate() {
            let summary = spec.validate()?;
            if summary.output().len() != task.outputs() {
                let reason = format!("its last layer gives {} outputs but the data needs {}", summary.output().len(), task.outputs());
                return Err(StackError::NotStackable { member, reason });
            }
            let this = StackShape::of(spec).map_err(|reason| StackError::NotStackable { member, reason })?;
            match &shape {
                None => shape = Some(this),
                Some(first) if *first != this => {
                    let reason = format!("its dense widths {:?} differ from the first network's {:?}", this.widths, first.widths);
                    return Err(StackError::NotStackable { member, reason });
                }
                Some(_) => {}
            }
            summaries.push(summary);
        }
        let shape = shape.expect("at least one member");
        let members = specs.len();
        // Each member's dense layers and dropouts by position, with the spec index that seeds them.
        let dense_of = |spec: &ModelSpec| -> Vec<(usize, Activation)> {
            spec.layers.iter().enumerate().filter(|(_, l)| matches!(l, LayerSpec::Dense { .. })).map(|(i, l)| (i, l.activation())).collect()
        };
        let dropout_after = |spec: &ModelSpec, dense: usize| -> Option<(usize, f32)> {
            let mut seen = 0;
            for (i, layer) in spec.layers.iter().enumerate() {
                match *layer {
                    LayerSpec::Dense { .. } => seen += 1,
                    LayerSpec::Dropout { rate } if seen == dense && rate > 0.0 => return Some((i, rate)),
                    _ => {}
                }
            }
            None
        };
        let dense: Vec<_> = specs.iter().map(dense_of).collect();
        let mut layers = Vec::new();
        let mut inputs = shape.input;
        for (position, &units) in shape.widths.iter().enumerate() {
            let mut weights = Vec::with_capacity(members * inputs * units);
            let mut activations = Vec::with_capacity(members);
            for member in &dense {
                let (index, activation) = member[position];
                let limit = init_limit(activation, inputs, units);
                weights.extend(uniform_init(inputs * units, limit, layer_seed(seed, index)));
                activations.push(activation);
            }
            layers.push(StackLayer::Dense {
                inputs,
                units,
                activations,
                weights: Param::new(be, &weights)?,
                bias: Param::new(be, &vec![0.0; members * units])?,
            });
            let dropouts: Vec<_> = specs.iter().map(|spec| dropout_after(spec, position + 1)).collect();
            if dropouts.iter().any(Option::is_some) {
                let rates = dropouts.iter().map(|d| d.map_or(0.0, |(_, rate)| rate)).collect();
                let seeds = dropouts.iter().map(|d| d.map_or(0, |(index, _)| layer_seed(seed, index) + 1)).collect();
                layers.push(StackLayer::Dropout { rates, seeds });
            }
            inputs = units;
        }
        let specs = specs.to_vec();
        Ok(ModelStack { members, specs, task, summaries, layers, workspaces: HashMap::new(), steps: 0, input_len: shape.input })
    }

    pub fn members(&self) -> usize {
        self.members
    }

    pub fn task(&self) -> Task {
        self.task
    }

    /// Member `member`'s network.
    pub fn spec(&self, member: usize) -> &ModelSpec {
        &self.specs[member]
    }

    /// Each member's summary (parameters, FLOPs), as its own `Model` reports it.
    pub fn summaries(&self) -> &[ModelSummary] {
        &self.summaries
    }

    /// Values per sample that layer `i` writes for one member.
    fn width_at(&self, i: usize) -> usize {
        match &self.layers[i] {
            StackLayer::Dense { units, .. } => *units,
            StackLayer::Dropout { .. } => self.width_at(i - 1),
        }
    }

    fn workspace(&mut self, be: &B, batch: usize) -> Result<(), EngineError> {
        if self.workspaces.contains_key(&batch) {
            return Ok(());
        }
        let mut layers = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let len = self.members * batch * self.width_at(i);
            let pre = match layer {
                StackLayer::Dense { .. } => Some((be.zeros(len)?, be.zeros(len)?)),
                StackLayer::Dropout { .. } => None,
            };
            layers.push(LayerTensors { out: be.zeros(len)?, d_out: be.zeros(len)?, pre });
        }
        let input = be.zeros(batch * self.input_len)?;
        let targets = be.zeros(batch * self.task.target_len())?;
        self.workspaces.insert(batch, Workspace { input, targets, layers });
        Ok(())
    }

    /// Records the forward pass of one batch for every member and its loss: member k's summed
    /// loss is added to `loss_sums[k]` and its hits to `correct[k]`.
    fn forward_and_loss(
        &mut self,
        be: &B,
        batch: usize,
        (inputs, targets): (&[f32], &[f32]),
        training: bool,
        (loss_sums, correct): (&B::Tensor, &B::Tensor),
    ) -> Result<(), ModelError> {
        if inputs.len() != batch * self.input_len {
            return Err(ModelError::InputMismatch { got: inputs.len() / batch.max(1), expected: self.input_len });
        }
        assert_eq!(targets.len(), batch * self.task.target_len(), "targets for a batch of {batch}");
        self.workspace(be, batch)?;
        let ws = &self.workspaces[&batch];
        be.write(&ws.targets, targets);
        be.write(&ws.input, inputs);
        for (i, layer) in self.layers.iter().enumerate() {
            let (input, shared) = if i == 0 { (&ws.input, true) } else { (&ws.layers[i - 1].out, false) };
            let tensors = &ws.layers[i];
            match layer {
                StackLayer::Dense { inputs, units, activations, weights, bias } => {
                    let (z, _) = tensors.pre.as_ref().expect("dense tensors");
                    let dims = MatmulDims::new(batch, *inputs, *units);
                    be.stacked_dense_forward((input, shared), &weights.value, &bias.value, z, &tensors.out, activations, dims);
                }
                StackLayer::Dropout { rates, seeds } => {
                    let rates: Vec<f32> = if training { rates.clone() } else { vec![0.0; rates.len()] };
                    let seeds: Vec<u32> = seeds.iter().map(|&s| dropout_step_seed(s, self.steps)).collect();
                    be.stacked_dropout_forward(input, &tensors.out, &rates, &seeds);
                }
            }
        }
        let last = ws.layers.last().expect("a stack has layers");
        match self.task {
            Task::Classification { classes } => {
                be.stacked_softmax_cross_entropy_and_hits(
                    (&last.out, &ws.targets, &last.d_out),
                    (loss_sums, correct),
                    batch,
                    classes,
                    self.members,
                );
            }
            Task::Regression { outputs } => be.stacked_mse(&last.out, &ws.targets, &last.d_out, loss_sums, batch, outputs, self.members),
        }
        Ok(())
    }

    fn backward(&self, be: &B, batch: usize) {
        let ws = &self.workspaces[&batch];
        // Whether the layer after wrote this layer's dz through its activations already.
        let mut dz_ready = false;
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let tensors = &ws.layers[i];
            let d_input = (i > 0).then(|| &ws.layers[i - 1].d_out);
            let mut writes_dz_before = false;
            match layer {
                StackLayer::Dense { inputs, units, activations, weights, bias } => {
                    let (z, dz) = tensors.pre.as_ref().expect("dense tensors");
                    let (input, shared) = if i == 0 { (&ws.input, true) } else { (&ws.layers[i - 1].out, false) };
                    // Where every member's activation is the identity, dz is d_out itself.
                    let dz = if activations.iter().all(|a| *a == Activation::Identity) {
                        &tensors.d_out
                    } else {
                        if !dz_ready {
                            be.stacked_activation_backward(activations, z, &tensors.out, &tensors.d_out, dz);
                        }
                        dz
                    };
                    // dW = xᵀ · dz; db = Σ dz; dx = dz · Wᵀ
                    let dims = MatmulDims::new(*inputs, batch, *units).transpose_a();
                    be.stacked_matmul(input, dz, &weights.grad, dims, self.members, shared);
                    be.stacked_bias_grad(dz, &bias.grad, batch, *units, self.members);
                    let dims = MatmulDims::new(batch, *units, *inputs).transpose_b();
                    match (i.checked_sub(1).map(|before| (&self.layers[before], &ws.layers[before])), d_input) {
                        // Through the activations of a dense layer before: its dz in the same pass.
                        (Some((StackLayer::Dense { activations: before, .. }, tensors_before)), Some(dx))
                            if before.iter().any(|a| *a != Activation::Identity) =>
                        {
                            let (z_before, dz_before) = tensors_before.pre.as_ref().expect("dense tensors");
                            be.stacked_dense_backward_input_activation(
                                (dz, &weights.value),
                                dims,
                                before,
                                (z_before, &tensors_before.out, dx, dz_before),
                            );
                            writes_dz_before = true;
                        }
                        (_, Some(dx)) => be.stacked_matmul(dz, &weights.value, dx, dims, self.members, false),
                        (_, None) => {}
                    }
                }
                StackLayer::Dropout { rates, seeds } => {
                    let dx = d_input.expect("a dropout follows a dense layer");
                    let seeds: Vec<u32> = seeds.iter().map(|&s| dropout_step_seed(s, self.steps)).collect();
                    be.stacked_dropout_backward(&tensors.d_out, dx, rates, &seeds);
                }
            }
            dz_ready = writes_dz_before;
        }
    }

    /// One training step of every member on the same batch, submitted at once, member k updated
    /// with `updates[k]`.
    #[allow(clippy::too_many_arguments)]
    pub fn train_step(
        &mut self,
        be: &B,
        batch: usize,
        inputs: &[f32],
        targets: &[f32],
        updates: &[Update],
        loss_sums: &B::Tensor,
        correct: &B::Tensor,
    ) -> Result<(), ModelError> {
        assert_eq!(updates.len(), self.members, "one update per member");
        self.forward_and_loss(be, batch, (inputs, targets), true, (loss_sums, correct))?;
        self.backward(be, batch);
        self.steps += 1;
        for layer in &self.layers {
            if let StackLayer::Dense { weights, bias, .. } = layer {
                weights.stacked_update(be, updates, self.steps);
                bias.stacked_update(be, updates, self.steps);
            }
        }
        Ok(be.submit()?)
    }

    /// Records every member's loss and hits on a batch without training (dropout off).
    pub fn evaluate_batch(
        &mut self,
        be: &B,
        batch: usize,
        inputs: &[f32],
        targets: &[f32],
        loss_sums: &B::Tensor,
        correct: &B::Tensor,
    ) -> Result<(), ModelError> {
        self.forward_and_loss(be, batch, (inputs, targets), false, (loss_sums, correct))?;
        Ok(be.submit()?)
    }

    /// Member `member`'s parameters, layer by layer (weights then bias), as `Model::parameters`.
    pub async fn parameters(&self, be: &B, member: usize) -> Result<Vec<Vec<f32>>, EngineError> {
        let mut values = Vec::new();
        for layer in &self.layers {
            if let StackLayer::Dense { weights, bias, .. } = layer {
                for param in [weights, bias] {
                    let all = be.read(&param.value).await?;
                    let len = all.len() / self.members;
                    values.push(all[member * len..(member + 1) * len].to_vec());
                }
            }
        }
        Ok(values)
    }

    /// Member `member` as a `Model` of its own with its trained weights (to inspect or export;
    /// its optimizer state starts afresh).
    pub async fn member_model(&self, be: &B, member: usize) -> Result<Model<B>, ModelError> {
        let model = Model::new(be, &self.specs[member], self.task, 0)?;
        model.set_parameters(be, &self.parameters(be, member).await?);
        Ok(model)
    }
}

impl LayerSpec {
    /// A dense or convolution layer's activation; identity for the others.
    pub fn activation(&self) -> Activation {
        match *self {
            LayerSpec::Dense { activation, .. } | LayerSpec::Conv2d { activation, .. } => activation,
            _ => Activation::Identity,
        }
    }
}
