//! The one shape every data set takes: a row-major block of f32 features and either class labels
//! or regression values, whatever it came from (a toy 2D generator, an image set, a CSV file).

use serde::{Deserialize, Serialize};

use super::DataError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub name: String,
    /// [samples, feature_len], row-major.
    pub features: Vec<f32>,
    /// The shape of one sample, e.g. [2] for a 2D point or [1, 28, 28] for a grey image.
    pub feature_shape: Vec<usize>,
    /// One name per feature column; empty for images, whose features are pixels.
    pub feature_names: Vec<String>,
    pub targets: Targets,
    /// What the reader noticed that may make training meaningless (e.g. a single class), for the
    /// user to see; subsets and splits keep them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What a model learns to predict for each sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Targets {
    /// One class index per sample, each below `class_names.len()`.
    Classes { labels: Vec<u32>, class_names: Vec<String> },
    /// `outputs` values per sample: [samples, outputs], row-major.
    Values { values: Vec<f32>, outputs: usize },
}

impl Targets {
    /// The number of samples these targets describe.
    pub fn len(&self) -> usize {
        match self {
            Targets::Classes { labels, .. } => labels.len(),
            Targets::Values { values, outputs } => values.len() / (*outputs).max(1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The class count for classification, `None` for regression.
    pub fn class_count(&self) -> Option<usize> {
        match self {
            Targets::Classes { class_names, .. } => Some(class_names.len()),
            Targets::Values { .. } => None,
        }
    }

    /// The targets of the samples at `indices`, in that order.
    fn subset(&self, indices: &[usize]) -> Targets {
        match self {
            Targets::Classes { labels, class_names } => {
                Targets::Classes { labels: indices.iter().map(|&i| labels[i]).collect(), class_names: class_names.clone() }
            }
            Targets::Values { values, outputs } => Targets::Values {
                values: indices.iter().flat_map(|&i| &values[i * outputs..(i + 1) * outputs]).copied().collect(),
                outputs: *outputs,
            },
        }
    }
}

impl Dataset {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of f32 values in one sample (the product of `feature_shape`).
    pub fn feature_len(&self) -> usize {
        self.feature_shape.iter().product()
    }

    /// The features of sample `index`.
    pub fn sample(&self, index: usize) -> &[f32] {
        let len = self.feature_len();
        &self.features[index * len..(index + 1) * len]
    }

    /// How many samples each class has (empty for regression).
    pub fn class_counts(&self) -> Vec<usize> {
        match &self.targets {
            Targets::Classes { labels, class_names } => {
                let mut counts = vec![0; class_names.len()];
                for &label in labels {
                    counts[label as usize] += 1;
                }
                counts
            }
            Targets::Values { .. } => Vec::new(),
        }
    }

    /// A new data set of the samples at `indices`, in that order (an index may repeat).
    ///
    /// # Panics
    /// If an index is not below `len()`.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let len = self.feature_len();
        let mut features = Vec::with_capacity(indices.len() * len);
        for &i in indices {
            features.extend_from_slice(self.sample(i));
        }
        Dataset {
            name: self.name.clone(),
            features,
            feature_shape: self.feature_shape.clone(),
            feature_names: self.feature_names.clone(),
            targets: self.targets.subset(indices),
            warnings: self.warnings.clone(),
        }
    }

    /// Checks that the parts agree with each other (useful after deserialising one).
    pub fn validate(&self) -> Result<(), DataError> {
        let len = self.feature_len();
        if len == 0 {
            return Err(DataError::Malformed(format!("feature shape {:?} holds no values", self.feature_shape)));
        }
        if self.features.len() != self.len() * len {
            return Err(DataError::Malformed(format!(
                "{} samples of {} features need {} values, found {}",
                self.len(),
                len,
                self.len() * len,
                self.features.len()
            )));
        }
        if !self.feature_names.is_empty() && self.feature_names.len() != len {
            return Err(DataError::Malformed(format!("{} feature names for {} features", self.feature_names.len(), len)));
        }
        match &self.targets {
            Targets::Classes { labels, class_names } => {
                if let Some(index) = labels.iter().position(|&l| l as usize >= class_names.len()) {
                    return Err(DataError::Malformed(format!(
                        "sample {index} has label {} but there are {} classes",
                        labels[index],
                        class_names.len()
                    )));
                }
            }
            Targets::Values { values, outputs } => {
                if *outputs == 0 || values.len() % outputs != 0 {
                    return Err(DataError::Malformed(format!(
                        "{} target values do not divide into {} outputs per sample",
                        values.len(),
                        outputs
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three_points() -> Dataset {
        Dataset {
            name: "three".into(),
            features: vec![0.0, 1.0, 10.0, 11.0, 20.0, 21.0],
            feature_shape: vec![2],
            feature_names: vec!["x".into(), "y".into()],
            targets: Targets::Classes { labels: vec![0, 1, 1], class_names: vec!["a".into(), "b".into()] },
            warnings: Vec::new(),
        }
    }

    #[test]
    fn subset_picks_rows_and_labels_in_the_given_order() {
        let data = three_points();
        let picked = data.subset(&[2, 0]);
        assert_eq!(picked.features, vec![20.0, 21.0, 0.0, 1.0]);
        assert_eq!(picked.targets, Targets::Classes { labels: vec![1, 0], class_names: vec!["a".into(), "b".into()] });
        assert_eq!(picked.len(), 2);
        picked.validate().unwrap();
    }

    #[test]
    fn subset_of_values_keeps_every_output_of_a_sample() {
        let mut data = three_points();
        data.targets = Targets::Values { values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], outputs: 2 };
        assert_eq!(data.len(), 3);
        let picked = data.subset(&[1]);
        assert_eq!(picked.targets, Targets::Values { values: vec![3.0, 4.0], outputs: 2 });
    }

    #[test]
    fn lengths_and_counts() {
        let data = three_points();
        assert_eq!(data.feature_len(), 2);
        assert_eq!(data.sample(1), &[10.0, 11.0]);
        assert_eq!(data.class_counts(), vec![1, 2]);
        assert_eq!(data.targets.class_count(), Some(2));
    }

    #[test]
    fn validate_catches_a_label_beyond_the_classes_and_a_short_feature_block() {
        let mut data = three_points();
        data.targets = Targets::Classes { labels: vec![0, 2, 1], class_names: vec!["a".into(), "b".into()] };
        let message = data.validate().unwrap_err().to_string();
        assert!(message.contains("sample 1 has label 2"), "{message}");

        let mut data = three_points();
        data.features.pop();
        assert!(matches!(data.validate(), Err(DataError::Malformed(_))));
    }

    #[test]
    fn serde_round_trip() {
        let data = three_points();
        let json = serde_json::to_string(&data).unwrap();
        assert_eq!(serde_json::from_str::<Dataset>(&json).unwrap(), data);
    }
}
