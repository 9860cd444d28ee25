//! A trained trial as a file: the network, its task, every parameter by name and shape, and how
//! raw inputs become the network's inputs (the 2D plane's feature columns, the normaliser fitted
//! on the training split). The page and `nas predict` load it again to predict; a file that was
//! cut short or edited is refused with the tensor or field at fault.

use serde::{Deserialize, Serialize};

use super::config::{DataSource, DataSpec};
use crate::data::feature::push_features;
use crate::data::{Dataset, Feature, Normalizer, Targets};
use crate::engine::{Backend, EngineError};
use crate::nn::{LayerSpec, Model, ModelError, ModelSnapshot, ModelSpec, Shape, Task};

/// The `format` field every weights file starts with.
pub const WEIGHTS_FORMAT: &str = "nas-playground-weights";
pub const WEIGHTS_VERSION: u32 = 1;

/// How raw samples become the network's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputPipeline {
    /// For data drawn on the plane: the columns a point (x, y) feeds the network, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plane_features: Option<Vec<Feature>>,
    /// Fitted on the training split; applied to every raw sample.
    pub normalizer: Normalizer,
}

impl InputPipeline {
    /// The network's input for the point (x, y) of the plane, when the data lives there.
    pub fn plane_input(&self, x: f32, y: f32, out: &mut Vec<f32>) -> bool {
        let Some(features) = &self.plane_features else { return false };
        let start = out.len();
        push_features(features, x, y, out);
        self.normalizer.apply_sample(&mut out[start..]);
        true
    }
}

/// One parameter tensor: "layer2.weight" or "layer2.bias", with its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedTensor {
    pub name: String,
    /// Dense weights are [inputs, units]; convolution weights [filters, channels, kernel, kernel].
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A trained network with everything needed to predict with it elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainedModel {
    pub format: String,
    pub version: u32,
    /// The trial it came from, when it came from a search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<usize>,
    /// The data it was trained on, in words.
    pub data: String,
    /// The data spec it was trained on (a file's contents left out), so it can be loaded and
    /// split the same way again to predict on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DataSpec>,
    pub model: ModelSpec,
    pub task: Task,
    /// One name per class (classification only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_names: Vec<String>,
    pub input: InputPipeline,
    pub parameters: Vec<NamedTensor>,
}

/// Why a weights file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    #[error("this is not a weights file: {0}")]
    Unreadable(String),
    #[error("this file's format is '{0}', not '{WEIGHTS_FORMAT}'")]
    Format(String),
    #[error("this weights file is version {0}; this build reads version {WEIGHTS_VERSION}")]
    Version(u32),
    #[error("the network in the file: {0}")]
    Model(String),
    #[error("parameter {index} ({name}): {message}")]
    Tensor { index: usize, name: String, message: String },
    #[error("the file holds {found} parameter tensors but its network has {expected}")]
    TensorCount { found: usize, expected: usize },
    #[error("the input normaliser has {found} values per feature list but the network takes {expected} inputs")]
    Normalizer { found: usize, expected: usize },
    #[error("the file names {found} classes but its network has {expected} outputs")]
    Classes { found: usize, expected: usize },
    #[error("the data has {found} features per sample but this network takes {expected}")]
    DataShape { found: usize, expected: usize },
    #[error(transparent)]
    Engine(#[from] ModelError),
}

/// The name and shape of every parameter `spec` builds, in `Model::parameters` order.
pub fn parameter_shapes(spec: &ModelSpec) -> Result<Vec<(String, Vec<usize>)>, WeightsError> {
    let summary = spec.validate().map_err(|e| WeightsError::Model(e.to_string()))?;
    let mut shapes = Vec::new();
    let mut input = summary.input;
    for (index, (layer, output)) in spec.layers.iter().zip(&summary.outputs).enumerate() {
        match *layer {
            LayerSpec::Dense { units, .. } => {
                shapes.push((format!("layer{index}.weight"), vec![input.len(), units]));
                shapes.push((format!("layer{index}.bias"), vec![units]));
            }
            LayerSpec::Conv2d { filters, kernel, .. } => {
                let Shape::Image { channels, .. } = input else { unreachable!("validated") };
                shapes.push((format!("layer{index}.weight"), vec![filters, channels, kernel, kernel]));
                shapes.push((format!("layer{index}.bias"), vec![filters]));
            }
            LayerSpec::MaxPool { .. } | LayerSpec::Dropout { .. } | LayerSpec::Flatten => {}
        }
        input = *output;
    }
    Ok(shapes)
}

impl TrainedModel {
    /// Reads a trained model's parameters off its device.
    pub async fn capture<B: Backend>(
        model: &Model<B>,
        be: &B,
        data: &Dataset,
        input: InputPipeline,
        trial: Option<usize>,
    ) -> Result<TrainedModel, EngineError> {
        let snapshot = ModelSnapshot { epoch: 0, model: model.spec().clone(), task: model.task(), parameters: model.parameters(be).await? };
        let class_names = match &data.targets {
            Targets::Classes { class_names, .. } => class_names.clone(),
            Targets::Values { .. } => Vec::new(),
        };
        Ok(TrainedModel::from_snapshot(snapshot, &data.name, class_names, input, trial))
    }

    /// A snapshot's parameters named and shaped, with what predicting needs beside them.
    pub fn from_snapshot(
        snapshot: ModelSnapshot,
        data: &str,
        class_names: Vec<String>,
        input: InputPipeline,
        trial: Option<usize>,
    ) -> TrainedModel {
        let shapes = parameter_shapes(&snapshot.model).expect("a model that was built has a valid spec");
        TrainedModel {
            format: WEIGHTS_FORMAT.into(),
            version: WEIGHTS_VERSION,
            trial,
            data: data.to_string(),
            source: None,
            model: snapshot.model,
            task: snapshot.task,
            class_names,
            input,
            parameters: shapes
                .into_iter()
                .zip(snapshot.parameters)
                .map(|((name, shape), values)| NamedTensor { name, shape, values })
                .collect(),
        }
    }

    /// Records the data spec it was trained on, without a file's contents.
    pub fn with_source(mut self, spec: &DataSpec) -> TrainedModel {
        let mut spec = spec.clone();
        if let DataSource::Csv { contents, .. } = &mut spec.source {
            *contents = None;
        }
        self.source = Some(spec);
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a trained model always serialises")
    }

    /// Reads and checks a weights file: format, version, network, and every tensor's name,
    /// shape and values against the network it names.
    pub fn from_json(text: &str) -> Result<TrainedModel, WeightsError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| WeightsError::Unreadable(e.to_string()))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(WEIGHTS_FORMAT) => {}
            Some(other) => return Err(WeightsError::Format(other.to_string())),
            None => return Err(WeightsError::Unreadable("it has no \"format\" field".into())),
        }
        if let Some(version) = value.get("version").and_then(|v| v.as_u64()).filter(|&v| v != WEIGHTS_VERSION as u64) {
            return Err(WeightsError::Version(version as u32));
        }
        let trained: TrainedModel =
            serde_path_to_error::deserialize(value).map_err(|e| WeightsError::Unreadable(format!("{}: {}", e.path(), e.inner())))?;
        trained.validate()?;
        Ok(trained)
    }

    fn validate(&self) -> Result<(), WeightsError> {
        let expected = parameter_shapes(&self.model)?;
        let summary = self.model.validate().map_err(|e| WeightsError::Model(e.to_string()))?;
        if summary.output().len() != self.task.outputs() {
            return Err(WeightsError::Model(format!(
                "its last layer gives {} outputs but its task needs {}",
                summary.output().len(),
                self.task.outputs()
            )));
        }
        if let Task::Classification { classes } = self.task {
            if !self.class_names.is_empty() && self.class_names.len() != classes {
                return Err(WeightsError::Classes { found: self.class_names.len(), expected: classes });
            }
        }
        if self.parameters.len() != expected.len() {
            return Err(WeightsError::TensorCount { found: self.parameters.len(), expected: expected.len() });
        }
        for (index, (tensor, (name, shape))) in self.parameters.iter().zip(&expected).enumerate() {
            let fault = |message: String| WeightsError::Tensor { index, name: name.clone(), message };
            if &tensor.name != name {
                return Err(fault(format!("the file names it '{}'", tensor.name)));
            }
            if &tensor.shape != shape {
                return Err(fault(format!("its shape is {:?} but the network needs {shape:?}", tensor.shape)));
            }
            let len: usize = shape.iter().product();
            if tensor.values.len() != len {
                return Err(fault(format!("{} values for a shape of {len}", tensor.values.len())));
            }
            if let Some(at) = tensor.values.iter().position(|v| !v.is_finite()) {
                return Err(fault(format!("value {at} is not a finite number")));
            }
        }
        let inputs = summary.input.len();
        let normalizer = &self.input.normalizer;
        if normalizer.shift.len() != inputs || normalizer.scale.len() != inputs {
            return Err(WeightsError::Normalizer { found: normalizer.shift.len(), expected: inputs });
        }
        if let Some(features) = &self.input.plane_features {
            if features.len() != inputs {
                return Err(WeightsError::Model(format!("{} plane features for {inputs} inputs", features.len())));
            }
        }
        Ok(())
    }

    /// The network on `be` with these weights.
    pub fn build<B: Backend>(&self, be: &B) -> Result<Model<B>, WeightsError> {
        let model = Model::new(be, &self.model, self.task, 0)?;
        let values: Vec<Vec<f32>> = self.parameters.iter().map(|t| t.values.clone()).collect();
        model.set_parameters(be, &values);
        Ok(model)
    }

    /// Raw samples as the network's inputs (the training split's normaliser applied).
    pub fn prepare_inputs(&self, raw: &Dataset) -> Result<Vec<f32>, WeightsError> {
        let expected = self.model.validate().map_err(|e| WeightsError::Model(e.to_string()))?.input.len();
        if raw.feature_len() != expected {
            return Err(WeightsError::DataShape { found: raw.feature_len(), expected });
        }
        let mut inputs = raw.features.clone();
        inputs.chunks_exact_mut(expected).for_each(|sample| self.input.normalizer.apply_sample(sample));
        Ok(inputs)
    }

    /// The network's outputs for `samples` prepared inputs, in batches: [samples, outputs].
    pub async fn predict<B: Backend>(&self, model: &mut Model<B>, be: &B, inputs: &[f32]) -> Result<Vec<f32>, WeightsError> {
        let len = model.summary().input.len();
        let mut outputs = Vec::with_capacity(inputs.len() / len * self.task.outputs());
        for chunk in inputs.chunks(PREDICT_BATCH * len) {
            outputs.extend(model.predict(be, chunk.len() / len, chunk).await?);
        }
        Ok(outputs)
    }
}

/// Samples per forward pass when predicting many.
pub const PREDICT_BATCH: usize = 256;

/// Softmax of one row of logits.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|&z| (z - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// The index of the largest value (the first on ties).
pub fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, &v)| if v > values[best] { i } else { best })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::{Normalization, Toy2d, Toy2dSpec};
    use crate::engine::cpu::CpuBackend;
    use crate::engine::Activation;

    fn spec() -> ModelSpec {
        ModelSpec {
            input: vec![3],
            layers: vec![
                LayerSpec::Dense { units: 5, activation: Activation::Tanh },
                LayerSpec::Dense { units: 2, activation: Activation::Identity },
            ],
        }
    }

    fn trained() -> TrainedModel {
        let be = CpuBackend::new();
        let data = Toy2dSpec { set: Toy2d::Xor, features: vec![Feature::X, Feature::Y, Feature::XTimesY], ..Toy2dSpec::default() }
            .generate()
            .unwrap();
        let model = Model::new(&be, &spec(), Task::Classification { classes: 2 }, 3).unwrap();
        let input = InputPipeline {
            plane_features: Some(vec![Feature::X, Feature::Y, Feature::XTimesY]),
            normalizer: Normalizer::fit(Normalization::Standardize, &data),
        };
        pollster::block_on(TrainedModel::capture(&model, &be, &data, input, Some(4))).unwrap()
    }

    #[test]
    fn a_weights_file_reads_back_and_predicts_as_the_model_it_came_from() {
        let be = CpuBackend::new();
        let original = trained();
        assert_eq!(
            original.parameters.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]
        );
        let read = TrainedModel::from_json(&original.to_json()).unwrap();
        assert_eq!(read, original);
        let mut a = original.build(&be).unwrap();
        let mut inputs = Vec::new();
        assert!(read.input.plane_input(1.5, -2.0, &mut inputs));
        let direct = pollster::block_on(a.predict(&be, 1, &inputs)).unwrap();
        let mut b = read.build(&be).unwrap();
        assert_eq!(pollster::block_on(read.predict(&mut b, &be, &inputs)).unwrap(), direct);
    }

    #[test]
    fn a_damaged_file_is_refused_at_the_tensor_or_field_at_fault() {
        let json = trained().to_json();
        let error = |text: &str| TrainedModel::from_json(text).unwrap_err().to_string();
        assert_eq!(error("{\"format\": \"other\"}"), "this file's format is 'other', not 'nas-playground-weights'");
        assert!(error(&json[..json.len() / 2]).starts_with("this is not a weights file"));
        assert_eq!(error(&json.replace("\"version\":1", "\"version\":9")), "this weights file is version 9; this build reads version 1");
        let mut t = trained();
        t.parameters[2].shape = vec![2, 5];
        assert_eq!(error(&t.to_json()), "parameter 2 (layer1.weight): its shape is [2, 5] but the network needs [5, 2]");
        let mut t = trained();
        t.parameters[1].values.pop();
        assert_eq!(error(&t.to_json()), "parameter 1 (layer0.bias): 4 values for a shape of 5");
        let mut t = trained();
        t.parameters.pop();
        assert_eq!(error(&t.to_json()), "the file holds 3 parameter tensors but its network has 4");
        let mut t = trained();
        t.input.normalizer.shift.pop();
        assert!(error(&t.to_json()).starts_with("the input normaliser has 2"));
        assert!(error(&json.replace("\"data\":", "\"dataa\":")).contains("dataa"), "{}", error(&json.replace("\"data\":", "\"dataa\":")));
    }

    #[test]
    fn softmax_and_argmax() {
        let p = softmax(&[1.0, 3.0, 2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(argmax(&p), 1);
        assert_eq!(argmax(&[2.0, 2.0]), 0);
    }
}
