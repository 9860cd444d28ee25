//! Looking inside a trained trial: its predictions over the 2D plane with each hidden neuron's
//! output there (TF Playground's boundary and neuron maps), and for any classifier the
//! confusion matrix of the validation split with its most confidently misclassified samples.
//! Both run on any `Backend`, so the CPU and the GPU can be checked against each other.

use serde::{Deserialize, Serialize};

use super::config::{DataSource, DataSpec};
use super::trained::{argmax, softmax, TrainedModel, WeightsError, PREDICT_BATCH};
use crate::data::{split_indices, DataError, Dataset, Targets};
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

/// A sample of data on the plane, where it lies before any feature columns or normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanePoint {
    pub x: f32,
    pub y: f32,
    /// The class, or the value's sign as 0 / 1 for regression.
    pub class: u32,
    pub validation: bool,
}

/// The data's points on the plane, split as a search splits them; None when it is not 2D.
pub fn plane_points(spec: &DataSpec) -> Result<Option<Vec<PlanePoint>>, DataError> {
    let raw: Vec<(f32, f32, f32)> = match &spec.source {
        DataSource::Toy2d(toy) => toy.points()?.into_iter().map(|p| (p.x, p.y, p.target)).collect(),
        DataSource::Csv { .. } | DataSource::GanTarget { .. } => {
            let data = spec.dataset_from(None)?;
            if data.feature_len() != 2 {
                return Ok(None);
            }
            (0..data.len())
                .map(|i| {
                    let target = match &data.targets {
                        Targets::Classes { labels, .. } => labels[i] as f32,
                        Targets::Values { values, outputs } => values[i * outputs],
                    };
                    (data.features[2 * i], data.features[2 * i + 1], target)
                })
                .collect()
        }
        DataSource::Images { .. } => return Ok(None),
    };
    let regression = match &spec.source {
        DataSource::Toy2d(toy) => toy.set.is_regression(),
        _ => spec.dataset_from(None)?.targets.class_count().is_none(),
    };
    let class = |t: f32| if regression { (t >= 0.0) as u32 } else { t as u32 };
    let parts = split_indices(raw.len(), spec.split, spec.split_seed)?;
    let point = |i: usize, validation: bool| PlanePoint { x: raw[i].0, y: raw[i].1, class: class(raw[i].2), validation };
    Ok(Some(parts.train.iter().map(|&i| point(i, false)).chain(parts.validation.iter().map(|&i| point(i, true))).collect()))
}

/// The name a drawn data set goes by (its points are kept as a CSV file's contents).
pub const DRAWN_POINTS: &str = "drawn points.csv";

/// Points a person draws, as the CSV a search reads: x, y and the class.
pub fn points_csv(points: &[PlanePoint]) -> String {
    let mut text = String::from("x,y,label\n");
    for p in points {
        text.push_str(&format!("{:.3},{:.3},{}\n", p.x, p.y, p.class));
    }
    text
}

/// The points of a drawn set's CSV, in its order (lines that do not read are left out).
pub fn points_of_csv(text: &str) -> Vec<PlanePoint> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',').map(str::trim);
            let (x, y, class) = (cells.next()?.parse().ok()?, cells.next()?.parse().ok()?, cells.next()?.parse().ok()?);
            Some(PlanePoint { x, y, class, validation: false })
        })
        .collect()
}

/// A drawn set to start from: four points of each class in the XOR pattern.
pub fn starting_points() -> Vec<PlanePoint> {
    [(-3.0, 3.0, 0), (-2.0, 4.0, 0), (3.0, -3.0, 0), (4.0, -2.0, 0), (3.0, 3.0, 1), (2.0, 4.0, 1), (-3.0, -3.0, 1), (-4.0, -2.0, 1)]
        .into_iter()
        .map(|(x, y, class)| PlanePoint { x, y, class, validation: false })
        .collect()
}

/// The index of the point nearest (x, y), within `reach`.
pub fn nearest_point(points: &[PlanePoint], x: f32, y: f32, reach: f32) -> Option<usize> {
    let distance = |p: &PlanePoint| (p.x - x).hypot(p.y - y);
    (0..points.len()).filter(|&i| distance(&points[i]) <= reach).min_by(|&a, &b| distance(&points[a]).total_cmp(&distance(&points[b])))
}

impl Plane {
    /// TF Playground's window, widened to hold every point.
    pub fn around(points: &[PlanePoint], resolution: usize) -> Plane {
        let reach = points.iter().map(|p| p.x.abs().max(p.y.abs())).fold(6.0f32, f32::max);
        let reach = if reach > 6.0 { reach * 1.05 } else { reach };
        Plane { x_min: -reach, x_max: reach, y_min: -reach, y_max: reach, resolution }
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
    /// The number of classes (0 for regression).
    pub classes: usize,
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
    let classes = match trained.task {
        Task::Classification { classes } => classes,
        Task::Regression { .. } => 0,
    };
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
    Ok(Some(PlaneMaps { plane, classes, output, class, hidden }))
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
    fn plane_points_are_the_raw_points_split_as_the_search_splits_them() {
        let spec = DataSpec::new(DataSource::Toy2d(crate::data::Toy2dSpec {
            features: vec![Feature::XSquared, Feature::SinY],
            ..crate::data::Toy2dSpec::default()
        }));
        let points = plane_points(&spec).unwrap().unwrap();
        let splits = spec.load().unwrap();
        assert_eq!(points.iter().filter(|p| !p.validation).count(), splits.train.len());
        // Training point 0 is the first training sample: its x² and sin y are the features.
        let first = points[0];
        assert!((splits.train.features[0] - first.x * first.x).abs() < 1e-5);
        assert!((splits.train.features[1] - first.y.sin()).abs() < 1e-5);
        let Targets::Classes { labels, .. } = &splits.validation.targets else { unreachable!() };
        assert_eq!(points.iter().filter(|p| p.validation).map(|p| p.class).collect::<Vec<_>>(), *labels);
        assert_eq!(Plane::around(&points, 10).x_max, 6.0);
        let images = DataSpec::new("mnist".parse().unwrap());
        assert_eq!(plane_points(&images).unwrap(), None);
    }

    #[test]
    fn drawn_points_go_through_their_csv_and_train_as_a_csv_search() {
        let mut points = starting_points();
        points.push(PlanePoint { x: 0.5, y: -1.25, class: 1, validation: false });
        let text = points_csv(&points);
        assert_eq!(points_of_csv(&text), points);
        let spec = DataSpec::new(DataSource::Csv {
            path: DRAWN_POINTS.into(),
            options: crate::data::CsvOptions { name: DRAWN_POINTS.into(), ..Default::default() },
            contents: Some(text),
        });
        let data = spec.dataset_from(None).unwrap();
        assert_eq!(data.targets.class_count(), Some(2));
        assert_eq!(spec.plane_features(2), Some(vec![Feature::X, Feature::Y]));
        assert_eq!(plane_points(&spec).unwrap().unwrap().len(), 9);
        assert_eq!(nearest_point(&points, 0.4, -1.0, 0.5), Some(8));
        assert_eq!(nearest_point(&points, 0.0, 0.0, 0.5), None);
    }

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
        let input =
            InputPipeline { plane_features: Some(vec![Feature::X, Feature::Y]), normalizer: Normalizer::fit(Normalization::None, &data) };
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
