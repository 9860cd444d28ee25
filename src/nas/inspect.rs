//! Looking inside a trained trial: its predictions over the 2D plane with each hidden neuron's
//! output there (TF Playground's boundary and neuron maps), and for any classifier the
//! confusion matrix of the validation split with its most confidently misclassified samples.
//! Both run on any `Backend`, so the CPU and the GPU can be checked against each other.

use serde::{Deserialize, Serialize};

use super::trained::{argmax, softmax, TrainedModel, WeightsError, PREDICT_BATCH};
use crate::data::{Dataset, Targets};
use crate::engine::Backend;
use crate::nn::{LayerSpec, Model, Task};

/// A square window of the plane sampled on a grid of `resolution` x `resolution` cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Plane {
    pub x_min: f32,
    pub x_max: f32,
    pub y_min: f32,
    pub y_max: f32,
    pub resolution: usize,
}

impl Plane {
    /// TF Playground's window, [-6, 6] on both axes.
    pub fn playground(resolution: usize) -> Plane {
        Plane { x_min: -6.0, x_max: 6.0, y_min: -6.0, y_max: 6.0, resolution }
    }

    /// The centre of cell (row, column); row 0 is the top (largest y).
    pub fn cell_centre(&self, row: usize, column: usize) -> (f32, f32) {
        let n = self.resolution as f32;
        let x = self.x_min + (column as f32 + 0.5) / n * (self.x_max - self.x_min);
        let y = self.y_max - (row as f32 + 0.5) / n * (self.y_max - self.y_min);
        (x, y)
    }

    pub fn cells(&self) -> usize {
        self.resolution * self.resolution
    }
}

/// One hidden layer's units over the plane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeuronMaps {
    /// The spec layer these units belong to.
    pub layer: usize,
    pub units: usize,
    /// [cells, units], cells row by row from the top.
    pub values: Vec<f32>,
}

impl NeuronMaps {
    /// Unit `unit`'s output at every cell.
    pub fn unit(&self, unit: usize) -> impl Iterator<Item = f32> + '_ {
        self.values.iter().skip(unit).step_by(self.units).copied()
    }
}

/// What a network predicts over the plane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaneMaps {
    pub plane: Plane,
    /// Per cell: the probability of class 1 (two classes), of the predicted class (more), or the
    /// predicted value (regression).
    pub output: Vec<f32>,
    /// Per cell: the predicted class (empty for regression).
    pub class: Vec<u32>,
    /// Every hidden dense layer's units, in order.
    pub hidden: Vec<NeuronMaps>,
}

/// The trained network's outputs and hidden units over `plane`. None when its data does not
/// live on the plane.
pub async fn plane_maps<B: Backend>(
    trained: &TrainedModel,
    model: &mut Model<B>,
    be: &B,
    plane: Plane,
) -> Result<Option<PlaneMaps>, WeightsError> {
    let mut inputs = Vec::new();
    for row in 0..plane.resolution {
        for column in 0..plane.resolution {
            let (x, y) = plane.cell_centre(row, column);
            if !trained.input.plane_input(x, y, &mut inputs) {
                return Ok(None);
            }
        }
    }
    let spec_layers = model.layer_specs();
    let outputs = model.layer_outputs(be, plane.cells(), &inputs).await?;
    let last = spec_layers.len() - 1;
    let mut hidden = Vec::new();
    for (built, values) in outputs.iter().enumerate().take(last) {
        if let LayerSpec::Dense { units, .. } = trained.model.layers[spec_layers[built]] {
            hidden.push(NeuronMaps { layer: spec_layers[built], units, values: values.clone() });
        }
    }
    let logits = &outputs[last];
    let (output, class) = match trained.task {
        Task::Classification { classes } => {
            let mut output = Vec::with_capacity(plane.cells());
            let mut class = Vec::with_capacity(plane.cells());
            for row in logits.chunks_exact(classes) {
                let p = softmax(row);
                let best = argmax(&p);
                output.push(if classes == 2 { p[1] } else { p[best] });
                class.push(best as u32);
            }
            (output, class)
        }
        Task::Regression { outputs } => (logits.iter().step_by(outputs).copied().collect(), Vec::new()),
    };
    Ok(Some(PlaneMaps { plane, output, class, hidden }))
}

/// A validation sample the network got wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Misclassified {
    /// Its index in the validation split.
    pub index: usize,
    pub label: u32,
    pub predicted: u32,
    /// The probability the network gave its (wrong) answer.
    pub confidence: f32,
    /// The sample's features as the network saw them (pixels for an image).
    pub features: Vec<f32>,
}

/// How a classifier did on the validation split, class by class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub class_names: Vec<String>,
    /// counts[actual][predicted].
    pub confusion: Vec<Vec<u32>>,
    /// The most confidently wrong samples, most confident first.
    pub misclassified: Vec<Misclassified>,
}

/// What a worker hands the page about a trained trial: its weights (to draw and predict with)
/// and, for a classifier, how it did on the validation split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialInspection {
    pub trained: TrainedModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ValidationReport>,
}

impl ValidationReport {
    pub fn accuracy(&self) -> f32 {
        let total: u32 = self.confusion.iter().flatten().sum();
        let right: u32 = (0..self.confusion.len()).map(|i| self.confusion[i][i]).sum();
        right as f32 / total.max(1) as f32
    }
}

/// The confusion matrix and the `keep` most confident mistakes of a classifier on `validation`
/// (already normalised, as training saw it). None for regression.
pub async fn validation_report<B: Backend>(
    model: &mut Model<B>,
    be: &B,
    validation: &Dataset,
    keep: usize,
) -> Result<Option<ValidationReport>, WeightsError> {
    let (Task::Classification { classes }, Targets::Classes { labels, class_names }) = (model.task(), &validation.targets) else {
        return Ok(None);
    };
    let len = validation.feature_len();
    let mut confusion = vec![vec![0u32; classes]; classes];
    let mut wrong: Vec<(f32, usize, u32)> = Vec::new();
    for (chunk_index, chunk) in validation.features.chunks(PREDICT_BATCH * len).enumerate() {
        let logits = model.predict(be, chunk.len() / len, chunk).await?;
        for (i, row) in logits.chunks_exact(classes).enumerate() {
            let index = chunk_index * PREDICT_BATCH + i;
            let p = softmax(row);
            let predicted = argmax(&p) as u32;
            let label = labels[index];
            confusion[label as usize][predicted as usize] += 1;
            if predicted != label {
                wrong.push((p[predicted as usize], index, predicted));
            }
        }
    }
    wrong.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let misclassified = wrong
        .into_iter()
        .take(keep)
        .map(|(confidence, index, predicted)| Misclassified {
            index,
            label: labels[index],
            predicted,
            confidence,
            features: validation.sample(index).to_vec(),
        })
        .collect();
    Ok(Some(ValidationReport { class_names: class_names.clone(), confusion, misclassified }))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::data::{Feature, Normalization, Normalizer};
    use crate::engine::cpu::CpuBackend;
    use crate::engine::Activation;
    use crate::nas::trained::InputPipeline;
    use crate::nn::ModelSpec;

    #[test]
    fn cells_run_left_to_right_from_the_top() {
        let plane = Plane::playground(4);
        assert_eq!(plane.cell_centre(0, 0), (-4.5, 4.5));
        assert_eq!(plane.cell_centre(3, 3), (4.5, -4.5));
    }

    #[test]
    fn a_hand_set_network_draws_its_boundary_and_neurons_where_they_must_be() {
        // One hidden unit that is x itself (identity), and logits (0, unit): class 1 where x > 0.
        let spec = ModelSpec {
            input: vec![2],
            layers: vec![
                LayerSpec::Dense { units: 1, activation: Activation::Identity },
                LayerSpec::Dense { units: 2, activation: Activation::Identity },
            ],
        };
        let be = CpuBackend::new();
        let data = crate::data::Toy2dSpec::default().generate().unwrap();
        let model = Model::new(&be, &spec, Task::Classification { classes: 2 }, 1).unwrap();
        let input = InputPipeline { plane_features: Some(vec![Feature::X, Feature::Y]), normalizer: Normalizer::fit(Normalization::None, &data) };
        let mut trained = pollster::block_on(TrainedModel::capture(&model, &be, &data, input, None)).unwrap();
        let values = [vec![1.0, 0.0], vec![0.0], vec![0.0, 1.0], vec![0.0, 0.0]];
        trained.parameters.iter_mut().zip(values).for_each(|(t, v)| t.values = v);
        let mut model = trained.build(&be).unwrap();
        let maps = pollster::block_on(plane_maps(&trained, &mut model, &be, Plane::playground(4))).unwrap().unwrap();
        assert_eq!(maps.class, [0, 0, 1, 1].repeat(4));
        assert_eq!(maps.hidden.len(), 1);
        assert_eq!(maps.hidden[0].unit(0).take(4).collect::<Vec<_>>(), [-4.5, -1.5, 1.5, 4.5]);
        assert!((maps.output[3] - 1.0 / (1.0 + (-4.5f32).exp())).abs() < 1e-6);
    }
}
