//! Data sets: TF Playground's toy 2D sets, the shipped MNIST and Fashion-MNIST subsets, and CSV
//! files the user brings, all as one `Dataset`; seeded splits and train-only normalisation.

pub mod csv;
pub mod dataset;
pub mod drawing;
pub mod error;
pub mod feature;
pub mod mnist;
pub mod normalize;
pub(crate) mod random;
mod separator;
pub mod split;
pub mod toy2d;

pub use self::csv::{parse_csv, CsvOptions, LabelColumn, TargetKind};
pub use dataset::{Dataset, Targets};
pub use error::DataError;
pub use feature::Feature;
pub use mnist::{parse_image_set, ImageSet};
pub use normalize::{Normalization, Normalizer};
pub use split::{split_indices, SplitIndices, SplitRatios, Splits};
pub use toy2d::{Point2d, Toy2d, Toy2dSpec};

#[cfg(not(target_arch = "wasm32"))]
pub use self::csv::read_csv_file;
#[cfg(not(target_arch = "wasm32"))]
pub use mnist::read_image_set_file;
