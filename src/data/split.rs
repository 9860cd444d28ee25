//! Train / validation / test splits: shuffle the sample indices with a seeded generator, then cut
//! them at the asked ratios. The same seed always gives the same three parts.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::random::seeded_rng;
use super::{DataError, Dataset, Normalization, Normalizer};

/// The share of the samples each part gets; the three add up to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRatios {
    pub train: f32,
    pub validation: f32,
    pub test: f32,
}

impl Default for SplitRatios {
    fn default() -> Self {
        SplitRatios { train: 0.8, validation: 0.1, test: 0.1 }
    }
}

impl SplitRatios {
    fn validate(self) -> Result<(), DataError> {
        let parts = [self.train, self.validation, self.test];
        let each_in_range = parts.iter().all(|r| (0.0..=1.0).contains(r));
        let sum: f32 = parts.iter().sum();
        if each_in_range && (sum - 1.0).abs() <= 1e-3 {
            Ok(())
        } else {
            Err(DataError::BadSplitRatios { train: self.train, validation: self.validation, test: self.test })
        }
    }
}

/// Which samples went where: disjoint, and together every index below the sample count once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitIndices {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

/// The three parts of a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Splits {
    pub train: Dataset,
    pub validation: Dataset,
    pub test: Dataset,
}

/// Shuffles `0..samples` with `seed` and cuts it: round(samples * train) for training,
/// round(samples * validation) for validation (never more than what is left), the rest for testing.
pub fn split_indices(samples: usize, ratios: SplitRatios, seed: u64) -> Result<SplitIndices, DataError> {
    ratios.validate()?;
    let train_len = (samples as f64 * ratios.train as f64).round() as usize;
    if train_len == 0 {
        return Err(DataError::EmptyTrainingSplit { samples, train: ratios.train });
    }
    let train_len = train_len.min(samples);
    let validation_len = ((samples as f64 * ratios.validation as f64).round() as usize).min(samples - train_len);

    let mut order: Vec<usize> = (0..samples).collect();
    order.shuffle(&mut seeded_rng(seed));
    let test = order.split_off(train_len + validation_len);
    let validation = order.split_off(train_len);
    Ok(SplitIndices { train: order, validation, test })
}

impl Dataset {
    /// Splits the samples into training, validation and test sets (shuffled, deterministic per seed).
    pub fn split(&self, ratios: SplitRatios, seed: u64) -> Result<Splits, DataError> {
        let indices = split_indices(self.len(), ratios, seed)?;
        Ok(Splits { train: self.subset(&indices.train), validation: self.subset(&indices.validation), test: self.subset(&indices.test) })
    }
}

impl Splits {
    /// Fits a normaliser on the training part only and applies it to all three parts; keep the
    /// returned normaliser to transform new inputs (e.g. the points of a decision-boundary plot).
    pub fn normalize(&mut self, kind: Normalization) -> Normalizer {
        let normalizer = Normalizer::fit(kind, &self.train);
        for part in [&mut self.train, &mut self.validation, &mut self.test] {
            normalizer.apply(part).expect("the three parts share one feature length");
        }
        normalizer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratios(train: f32, validation: f32, test: f32) -> SplitRatios {
        SplitRatios { train, validation, test }
    }

    #[test]
    fn sizes_follow_the_ratios() {
        let parts = split_indices(1000, ratios(0.7, 0.2, 0.1), 1).unwrap();
        assert_eq!((parts.train.len(), parts.validation.len(), parts.test.len()), (700, 200, 100));
        let parts = split_indices(5, ratios(0.5, 0.5, 0.0), 1).unwrap();
        assert_eq!((parts.train.len(), parts.validation.len(), parts.test.len()), (3, 2, 0));
    }

    #[test]
    fn parts_are_disjoint_cover_everything_and_depend_on_the_seed() {
        let a = split_indices(100, SplitRatios::default(), 7).unwrap();
        assert_eq!(a, split_indices(100, SplitRatios::default(), 7).unwrap());
        assert_ne!(a, split_indices(100, SplitRatios::default(), 8).unwrap());
        let mut all: Vec<usize> = a.train.iter().chain(&a.validation).chain(&a.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_ne!(a.train, (0..80).collect::<Vec<_>>(), "the indices are shuffled");
    }

    #[test]
    fn bad_ratios_are_refused_with_their_values() {
        let error = split_indices(10, ratios(0.8, 0.3, 0.1), 0).unwrap_err();
        assert_eq!(error.to_string(), "the split ratios 0.8 / 0.3 / 0.1 must each be between 0 and 1 and add up to 1");
        assert!(split_indices(10, ratios(1.2, -0.1, -0.1), 0).is_err());
        assert!(matches!(split_indices(1, ratios(0.2, 0.4, 0.4), 0), Err(DataError::EmptyTrainingSplit { samples: 1, .. })));
    }
}
