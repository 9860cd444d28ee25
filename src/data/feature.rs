//! TF Playground's input features: the columns a 2D point (x, y) can feed the network, from the
//! plain coordinates to the crosses x², y², xy and sines that make a linear model see curves.

use serde::{Deserialize, Serialize};

use super::DataError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    X,
    Y,
    XSquared,
    YSquared,
    XTimesY,
    SinX,
    SinY,
}

impl Feature {
    pub const ALL: [Feature; 7] =
        [Feature::X, Feature::Y, Feature::XSquared, Feature::YSquared, Feature::XTimesY, Feature::SinX, Feature::SinY];

    /// The value of this feature at the point (x, y).
    pub fn value(self, x: f32, y: f32) -> f32 {
        match self {
            Feature::X => x,
            Feature::Y => y,
            Feature::XSquared => x * x,
            Feature::YSquared => y * y,
            Feature::XTimesY => x * y,
            Feature::SinX => x.sin(),
            Feature::SinY => y.sin(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Feature::X => "x",
            Feature::Y => "y",
            Feature::XSquared => "x²",
            Feature::YSquared => "y²",
            Feature::XTimesY => "xy",
            Feature::SinX => "sin x",
            Feature::SinY => "sin y",
        }
    }
}

/// Refuses an empty choice or a feature chosen twice.
pub fn validate_features(features: &[Feature]) -> Result<(), DataError> {
    if features.is_empty() {
        return Err(DataError::NoFeatures);
    }
    for (i, feature) in features.iter().enumerate() {
        if features[..i].contains(feature) {
            return Err(DataError::DuplicateFeature(feature.label().to_string()));
        }
    }
    Ok(())
}

/// Appends the chosen features of (x, y), in the chosen order, to `out` (one row of a data set,
/// or one grid point of a decision-boundary plot).
pub fn push_features(features: &[Feature], x: f32, y: f32, out: &mut Vec<f32>) {
    out.extend(features.iter().map(|f| f.value(x, y)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_at_a_known_point() {
        let (x, y) = (2.0f32, -3.0f32);
        let mut row = Vec::new();
        push_features(&Feature::ALL, x, y, &mut row);
        assert_eq!(row[..5], [2.0, -3.0, 4.0, 9.0, -6.0]);
        assert!((row[5] - 2.0f32.sin()).abs() < 1e-7);
        assert!((row[6] - (-3.0f32).sin()).abs() < 1e-7);
    }

    #[test]
    fn the_chosen_order_is_kept() {
        let mut row = Vec::new();
        push_features(&[Feature::XTimesY, Feature::X], 2.0, 5.0, &mut row);
        assert_eq!(row, vec![10.0, 2.0]);
    }

    #[test]
    fn empty_and_repeated_choices_are_refused() {
        assert_eq!(validate_features(&[]), Err(DataError::NoFeatures));
        let error = validate_features(&[Feature::X, Feature::XSquared, Feature::XSquared]).unwrap_err();
        assert_eq!(error.to_string(), "the input feature x² is chosen twice");
    }
}
