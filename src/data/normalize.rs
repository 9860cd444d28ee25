//! Per-feature scaling fitted on the training split only and then applied to every split, so no
//! statistic of the validation or test data leaks into training.

use serde::{Deserialize, Serialize};

use super::{DataError, Dataset};

/// How features are rescaled. Pixels already lie in [0, 1], so image sets usually take `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    #[default]
    None,
    /// (x - mean) / std per feature, so the training data has mean 0 and standard deviation 1.
    Standardize,
    /// (x - min) / (max - min) per feature, so the training data spans [0, 1].
    MinMax,
}

/// A fitted per-feature transform x -> (x - shift) / scale. Constant features get scale 1, so
/// they become 0 (Standardize, MinMax) instead of dividing by zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    pub kind: Normalization,
    pub shift: Vec<f32>,
    pub scale: Vec<f32>,
}

impl Normalizer {
    /// Measures the per-feature statistics `kind` needs on `train`.
    pub fn fit(kind: Normalization, train: &Dataset) -> Normalizer {
        let len = train.feature_len();
        let rows = train.features.chunks_exact(len.max(1));
        let (shift, scale): (Vec<f64>, Vec<f64>) = match kind {
            Normalization::None => (vec![0.0; len], vec![1.0; len]),
            Normalization::Standardize => {
                let n = train.len().max(1) as f64;
                let mut mean = vec![0.0f64; len];
                for row in rows.clone() {
                    mean.iter_mut().zip(row).for_each(|(m, &x)| *m += x as f64 / n);
                }
                let mut variance = vec![0.0f64; len];
                for row in rows {
                    for ((v, &x), m) in variance.iter_mut().zip(row).zip(&mean) {
                        *v += (x as f64 - m) * (x as f64 - m) / n;
                    }
                }
                (mean, variance.into_iter().map(|v| v.sqrt()).collect())
            }
            Normalization::MinMax => {
                let mut min = vec![f64::INFINITY; len];
                let mut max = vec![f64::NEG_INFINITY; len];
                for row in rows {
                    for (k, &x) in row.iter().enumerate() {
                        min[k] = min[k].min(x as f64);
                        max[k] = max[k].max(x as f64);
                    }
                }
                let min: Vec<f64> = min.into_iter().map(|m| if m.is_finite() { m } else { 0.0 }).collect();
                let range = min.iter().zip(&max).map(|(lo, hi)| hi - lo).collect();
                (min, range)
            }
        };
        Normalizer {
            kind,
            shift: shift.into_iter().map(|s| s as f32).collect(),
            scale: scale.into_iter().map(|s| if s > 1e-12 { s as f32 } else { 1.0 }).collect(),
        }
    }

    /// Rescales one sample's features in place.
    pub fn apply_sample(&self, sample: &mut [f32]) {
        for ((x, shift), scale) in sample.iter_mut().zip(&self.shift).zip(&self.scale) {
            *x = (*x - shift) / scale;
        }
    }

    /// Rescales every sample of `data` in place.
    pub fn apply(&self, data: &mut Dataset) -> Result<(), DataError> {
        let len = data.feature_len();
        if len != self.shift.len() {
            return Err(DataError::FeatureCountMismatch { expected: self.shift.len(), found: len });
        }
        if self.kind != Normalization::None {
            data.features.chunks_exact_mut(len).for_each(|sample| self.apply_sample(sample));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Targets;

    fn columns(features: Vec<f32>) -> Dataset {
        let samples = features.len() / 2;
        Dataset {
            name: "t".into(),
            features,
            feature_shape: vec![2],
            feature_names: vec![],
            targets: Targets::Values { values: vec![0.0; samples], outputs: 1 },
            warnings: Vec::new(),
        }
    }

    #[test]
    fn standardize_gives_mean_zero_std_one_and_leaves_constant_features_finite() {
        // column 0: 1, 2, 3, 4 (mean 2.5, population std sqrt(1.25)); column 1 constant 7.
        let mut data = columns(vec![1.0, 7.0, 2.0, 7.0, 3.0, 7.0, 4.0, 7.0]);
        let normalizer = Normalizer::fit(Normalization::Standardize, &data);
        assert_eq!(normalizer.shift, vec![2.5, 7.0]);
        assert!((normalizer.scale[0] - 1.25f32.sqrt()).abs() < 1e-6);
        assert_eq!(normalizer.scale[1], 1.0);
        normalizer.apply(&mut data).unwrap();
        let first: Vec<f32> = data.features.iter().step_by(2).copied().collect();
        let expected = [-1.5, -0.5, 0.5, 1.5].map(|v: f32| v / 1.25f32.sqrt());
        first.iter().zip(expected).for_each(|(a, b)| assert!((a - b).abs() < 1e-6, "{a} vs {b}"));
        assert!(data.features.iter().skip(1).step_by(2).all(|&v| v == 0.0));
    }

    #[test]
    fn min_max_maps_the_training_range_to_the_unit_interval_and_extrapolates_beyond_it() {
        let train = columns(vec![-2.0, 0.0, 2.0, 10.0]);
        let normalizer = Normalizer::fit(Normalization::MinMax, &train);
        let mut other = columns(vec![0.0, 5.0, 6.0, 20.0]);
        normalizer.apply(&mut other).unwrap();
        assert_eq!(other.features, vec![0.5, 0.5, 2.0, 2.0]);
    }

    #[test]
    fn none_changes_nothing_and_a_wrong_width_is_refused() {
        let train = columns(vec![3.0, 4.0]);
        let mut copy = train.clone();
        Normalizer::fit(Normalization::None, &train).apply(&mut copy).unwrap();
        assert_eq!(copy, train);
        let mut wide = train.clone();
        wide.feature_shape = vec![1];
        let error = Normalizer::fit(Normalization::Standardize, &train).apply(&mut wide).unwrap_err();
        assert_eq!(error.to_string(), "the normaliser was fitted on 2 features but this data has 1");
    }
}
