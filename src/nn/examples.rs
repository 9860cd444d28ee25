//! From a `Dataset` to what training takes: the task it poses and its targets as f32 rows.

use super::model::Task;
use super::trainer::Examples;
use crate::data::{Dataset, Targets};

impl Task {
    /// Classification over the data's classes, or regression onto its values.
    pub fn of(dataset: &Dataset) -> Task {
        match &dataset.targets {
            Targets::Classes { class_names, .. } => Task::Classification { classes: class_names.len() },
            Targets::Values { outputs, .. } => Task::Regression { outputs: *outputs },
        }
    }
}

/// A dataset's targets as training reads them: class indices as f32, or the values themselves.
pub struct TargetRows {
    values: Vec<f32>,
    per_sample: usize,
}

impl TargetRows {
    pub fn of(dataset: &Dataset) -> Self {
        match &dataset.targets {
            Targets::Classes { labels, .. } => Self { values: labels.iter().map(|&l| l as f32).collect(), per_sample: 1 },
            Targets::Values { values, outputs } => Self { values: values.clone(), per_sample: *outputs },
        }
    }

    /// The dataset's samples paired with these targets.
    pub fn examples<'a>(&'a self, dataset: &'a Dataset) -> Examples<'a> {
        Examples { features: &dataset.features, targets: &self.values, feature_len: dataset.feature_len(), target_len: self.per_sample }
    }
}
