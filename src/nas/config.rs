//! `SearchConfig`: everything that decides a search (space, data, strategy, budget, seed), as
//! data. It heads every search log, so a log alone is enough to resume or reproduce the search.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::objective::Objective;
use super::space::{SearchSpace, SpaceError, SpaceSummary};
use super::strategy::StrategyConfig;
use crate::data::{CsvOptions, DataError, Dataset, Feature, ImageSet, Normalization, Normalizer, SplitRatios, Splits, Toy2d, Toy2dSpec};

/// Where the samples come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
pub enum DataSource {
    /// A generated 2D set (TF Playground's, or moons).
    Toy2d(Toy2dSpec),
    /// A shipped image set; `samples` takes that many from its start (all when absent).
    Images {
        set: ImageSet,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        samples: Option<usize>,
    },
    /// A CSV file: a path the CLI reads, or the file's `contents` kept in the config itself (as
    /// the page does), so a saved search resumes without asking for the file again.
    Csv {
        path: String,
        #[serde(default)]
        options: CsvOptions,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contents: Option<String>,
    },
    /// A GAN's 2D target (a `gan` space searches GANs on it); as a data set, its points labelled
    /// by their nearest mode.
    GanTarget { target: crate::gan::Target2d },
}

/// The data names the CLI and links use: `spiral`, `circle`, `xor`, `gaussians`, `moons`,
/// `regress-plane`, `regress-gaussian`, `mnist`, `fashion-mnist`, the GAN targets `ring` and
/// `grid`, or a path ending in `.csv`.
/// A generated set gets 500 points without noise, an image set all its images.
impl std::str::FromStr for DataSource {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        let toy = |set: Toy2d| Ok(DataSource::Toy2d(Toy2dSpec { set, ..Toy2dSpec::default() }));
        match name {
            "spiral" => toy(Toy2d::Spiral),
            "circle" => toy(Toy2d::Circle),
            "xor" => toy(Toy2d::Xor),
            "gaussians" => toy(Toy2d::Gaussians),
            "moons" => toy(Toy2d::Moons),
            "regress-plane" => toy(Toy2d::RegressPlane),
            "regress-gaussian" => toy(Toy2d::RegressGaussian),
            "mnist" => Ok(DataSource::Images { set: ImageSet::Mnist, samples: None }),
            "fashion-mnist" => Ok(DataSource::Images { set: ImageSet::FashionMnist, samples: None }),
            "ring" => Ok(DataSource::GanTarget { target: crate::gan::Target2d::ring() }),
            "grid" => Ok(DataSource::GanTarget { target: crate::gan::Target2d::grid() }),
            path if path.to_ascii_lowercase().ends_with(".csv") => Ok(DataSource::Csv {
                path: path.to_string(),
                options: CsvOptions { name: path.to_string(), ..CsvOptions::default() },
                contents: None,
            }),
            other => Err(format!(
                "'{other}' is not a data set: choose spiral, circle, xor, gaussians, moons, regress-plane, regress-gaussian, mnist, fashion-mnist, a GAN target (ring, grid), or a .csv file"
            )),
        }
    }
}

fn search_split() -> SplitRatios {
    SplitRatios { train: 0.8, validation: 0.2, test: 0.0 }
}

/// The data a search trains and validates on. It reads back by hand (see `DataFields`), since
/// serde cannot refuse unknown fields beside a flattened one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataSpec {
    #[serde(flatten)]
    pub source: DataSource,
    /// The search ranks trials on the validation part, so it must not be empty.
    #[serde(default = "search_split")]
    pub split: SplitRatios,
    #[serde(default)]
    pub normalization: Normalization,
    /// Seeds the split (a generated set's own `seed` decides its points).
    #[serde(default)]
    pub split_seed: u64,
}

/// The `source` field of a `DataSpec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SourceKind {
    Toy2d,
    Images,
    Csv,
    GanTarget,
}

impl SourceKind {
    /// Every field a data spec of this source may have.
    fn fields(self) -> &'static [&'static str] {
        match self {
            SourceKind::Toy2d => &["source", "set", "samples", "noise_percent", "features", "seed", "split", "normalization", "split_seed"],
            SourceKind::Images => &["source", "set", "samples", "split", "normalization", "split_seed"],
            SourceKind::Csv => &["source", "path", "options", "contents", "split", "normalization", "split_seed"],
            SourceKind::GanTarget => &["source", "target", "split", "normalization", "split_seed"],
        }
    }
}

/// A data spec's fields as they are read, each deserialised as its own type (so an error names
/// the field) once `source` says which fields there may be.
#[derive(Default)]
struct DataFields {
    toy2d_set: Option<Toy2d>,
    image_set: Option<ImageSet>,
    samples: Option<Option<usize>>,
    noise_percent: Option<u32>,
    features: Option<Vec<Feature>>,
    seed: Option<u64>,
    path: Option<String>,
    options: Option<CsvOptions>,
    contents: Option<String>,
    target: Option<crate::gan::Target2d>,
    split: Option<SplitRatios>,
    normalization: Option<Normalization>,
    split_seed: Option<u64>,
}

impl DataFields {
    fn read<'de, D: Deserializer<'de>>(&mut self, kind: SourceKind, key: &str, value: D) -> Result<(), D::Error> {
        match (kind, key) {
            (_, "split") => self.split = Some(Deserialize::deserialize(value)?),
            (_, "normalization") => self.normalization = Some(Deserialize::deserialize(value)?),
            (_, "split_seed") => self.split_seed = Some(Deserialize::deserialize(value)?),
            (SourceKind::Toy2d, "set") => self.toy2d_set = Some(Deserialize::deserialize(value)?),
            (SourceKind::Toy2d, "samples") => self.samples = Some(Some(Deserialize::deserialize(value)?)),
            (SourceKind::Toy2d, "noise_percent") => self.noise_percent = Some(Deserialize::deserialize(value)?),
            (SourceKind::Toy2d, "features") => self.features = Some(Deserialize::deserialize(value)?),
            (SourceKind::Toy2d, "seed") => self.seed = Some(Deserialize::deserialize(value)?),
            (SourceKind::Images, "set") => self.image_set = Some(Deserialize::deserialize(value)?),
            (SourceKind::Images, "samples") => self.samples = Some(Deserialize::deserialize(value)?),
            (SourceKind::Csv, "path") => self.path = Some(Deserialize::deserialize(value)?),
            (SourceKind::Csv, "options") => self.options = Some(Deserialize::deserialize(value)?),
            (SourceKind::Csv, "contents") => self.contents = Deserialize::deserialize(value)?,
            (SourceKind::GanTarget, "target") => self.target = Some(Deserialize::deserialize(value)?),
            _ => return Err(de::Error::unknown_field(key, kind.fields())),
        }
        Ok(())
    }

    fn finish<E: de::Error>(self, kind: SourceKind) -> Result<DataSpec, E> {
        let source = match kind {
            SourceKind::Toy2d => DataSource::Toy2d(Toy2dSpec {
                set: self.toy2d_set.ok_or_else(|| E::missing_field("set"))?,
                samples: self.samples.flatten().ok_or_else(|| E::missing_field("samples"))?,
                noise_percent: self.noise_percent.ok_or_else(|| E::missing_field("noise_percent"))?,
                features: self.features.ok_or_else(|| E::missing_field("features"))?,
                seed: self.seed.ok_or_else(|| E::missing_field("seed"))?,
            }),
            SourceKind::Images => {
                DataSource::Images { set: self.image_set.ok_or_else(|| E::missing_field("set"))?, samples: self.samples.flatten() }
            }
            SourceKind::Csv => DataSource::Csv {
                path: self.path.ok_or_else(|| E::missing_field("path"))?,
                options: self.options.unwrap_or_default(),
                contents: self.contents,
            },
            SourceKind::GanTarget => DataSource::GanTarget { target: self.target.ok_or_else(|| E::missing_field("target"))? },
        };
        Ok(DataSpec {
            source,
            split: self.split.unwrap_or_else(search_split),
            normalization: self.normalization.unwrap_or_default(),
            split_seed: self.split_seed.unwrap_or_default(),
        })
    }
}

struct FieldSeed<'a> {
    fields: &'a mut DataFields,
    kind: SourceKind,
    key: &'a str,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.fields.read(self.kind, self.key, deserializer)
    }
}

impl<'de> Deserialize<'de> for DataSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataSpecVisitor;

        impl<'de> Visitor<'de> for DataSpecVisitor {
            type Value = DataSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a data spec: an object with a `source` (\"toy2d\", \"images\", \"csv\" or \"gan_target\") and its settings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DataSpec, A::Error> {
                let mut kind = None;
                let mut fields = DataFields::default();
                // Fields written before `source` wait for it (their errors then name them in words).
                let mut early: Vec<(String, serde_json::Value)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "source" {
                        kind = Some(map.next_value::<SourceKind>()?);
                    } else if let Some(kind) = kind {
                        map.next_value_seed(FieldSeed { fields: &mut fields, kind, key: &key })?;
                    } else {
                        let value = map.next_value()?;
                        early.push((key, value));
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("source"))?;
                for (key, value) in early {
                    if !kind.fields().contains(&key.as_str()) {
                        return Err(de::Error::unknown_field(&key, kind.fields()));
                    }
                    fields.read(kind, &key, value).map_err(|e| de::Error::custom(format!("{key}: {e}")))?;
                }
                fields.finish(kind)
            }
        }

        deserializer.deserialize_map(DataSpecVisitor)
    }
}

impl DataSpec {
    pub fn new(source: DataSource) -> Self {
        DataSpec { source, split: search_split(), normalization: Normalization::None, split_seed: 0 }
    }

    /// A name for headings: "Spiral (500 points)", "MNIST digits (2,000)".
    pub fn label(&self) -> String {
        match &self.source {
            DataSource::Toy2d(spec) => format!("{} ({} points, noise {} %)", spec.set.label(), spec.samples, spec.noise_percent),
            DataSource::Images { set, samples: Some(n) } => format!("{} ({n} images)", set.label()),
            DataSource::Images { set, samples: None } => set.label().to_string(),
            DataSource::Csv { path, .. } => path.clone(),
            DataSource::GanTarget { target } => format!("GAN target: {}", target.label()),
        }
    }

    /// Splits and normalises a loaded data set as this spec asks.
    pub fn prepare(&self, dataset: Dataset) -> Result<Splits, DataError> {
        Ok(self.prepare_keeping_normalizer(dataset)?.0)
    }

    /// As `prepare`, with the normaliser fitted on the training split (to transform new inputs).
    pub fn prepare_keeping_normalizer(&self, mut dataset: Dataset) -> Result<(Splits, Normalizer), DataError> {
        if let DataSource::Images { samples: Some(n), .. } = self.source {
            if n < dataset.len() {
                dataset = dataset.subset(&(0..n).collect::<Vec<_>>());
            }
        }
        let mut splits = dataset.split(self.split, self.split_seed)?;
        let normalizer = splits.normalize(self.normalization);
        Ok((splits, normalizer))
    }

    /// The columns a point (x, y) of the plane feeds the network, when the data lives on the
    /// plane: a generated set's chosen features, or a file with exactly two feature columns.
    pub fn plane_features(&self, feature_len: usize) -> Option<Vec<Feature>> {
        match &self.source {
            DataSource::Toy2d(spec) => Some(spec.features.clone()),
            DataSource::Csv { .. } if feature_len == 2 => Some(vec![Feature::X, Feature::Y]),
            _ => None,
        }
    }

    /// The image set to fetch before `dataset_from` can run, if any.
    pub fn image_set(&self) -> Option<ImageSet> {
        match self.source {
            DataSource::Images { set, .. } => Some(set),
            _ => None,
        }
    }

    /// The whole data set, from what a host fetched: the image set's file bytes for an image
    /// source (see `image_set`), nothing otherwise (a CSV must carry its `contents`).
    pub fn dataset_from(&self, image_bytes: Option<&[u8]>) -> Result<Dataset, DataError> {
        match &self.source {
            DataSource::Toy2d(spec) => spec.generate(),
            DataSource::Images { set, .. } => match image_bytes {
                Some(bytes) => crate::data::parse_image_set(bytes),
                None => Err(DataError::UnreadableFile { path: set.url(), message: "it was not fetched".into() }),
            },
            DataSource::GanTarget { target } => target.as_dataset(GAN_TARGET_POINTS),
            DataSource::Csv { path, options, contents } => match contents {
                Some(text) => crate::data::parse_csv(text.as_bytes(), options),
                None => Err(DataError::UnreadableFile {
                    path: path.clone(),
                    message: "the search does not hold this file's contents: choose the file again".into(),
                }),
            },
        }
    }

    /// Generates or reads the data (native: image sets and CSV files come from disk).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(&self) -> Result<Splits, DataError> {
        let dataset = match &self.source {
            DataSource::Images { set, .. } => set.load_bundled()?,
            DataSource::Csv { path, options, contents: None } => crate::data::read_csv_file(std::path::Path::new(path), options)?,
            _ => self.dataset_from(None)?,
        };
        self.prepare(dataset)
    }
}

/// Points of a GAN target in its data set (what the data panel draws; a GAN trial draws its own).
const GAN_TARGET_POINTS: usize = 1_000;

/// When a search stops: after this many trials, seconds of training, or epochs trained, whichever
/// comes first. A strategy that ends by itself (grid) needs none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
}

impl Budget {
    pub fn trials(n: usize) -> Self {
        Budget { trials: Some(n), ..Budget::default() }
    }

    pub fn is_unbounded(&self) -> bool {
        self.trials.is_none() && self.seconds.is_none() && self.epochs.is_none()
    }
}

/// A whole search, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    pub space: SearchSpace,
    pub data: DataSpec,
    pub strategy: StrategyConfig,
    #[serde(default)]
    pub budget: Budget,
    /// Seeds the strategy, the initial weights and the sample order of every trial.
    #[serde(default)]
    pub seed: u64,
    /// What to rank by; by default accuracy for classes and loss for regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Objective>,
}

/// A search config that cannot run, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Space(#[from] SpaceError),
    #[error("strategy: {0}")]
    Strategy(String),
    #[error("budget: {0}")]
    Budget(String),
    #[error("data: {0}")]
    Data(String),
    /// The JSON does not describe a config; `field` is the path to the mistake (empty for the top).
    #[error("search config{}: {message}", if field.is_empty() { String::new() } else { format!(", {field}") })]
    Parse { field: String, message: String },
}

impl SearchConfig {
    /// Reads a config from JSON; an error names the field path (`space.dense.widths[2]`), and a
    /// misspelt field the nearest valid name.
    pub fn from_json(text: &str) -> Result<SearchConfig, ConfigError> {
        super::json::from_json(text).map_err(|e| ConfigError::Parse { field: e.field, message: e.message })
    }

    /// Checks the space, the strategy's settings and the budget (not the data, which may not be
    /// loaded yet: see `check_data`).
    pub fn validate(&self) -> Result<SpaceSummary, ConfigError> {
        let summary = self.space.validate()?;
        self.strategy.validate(&self.space).map_err(ConfigError::Strategy)?;
        if self.budget.is_unbounded() && !self.strategy.is_finite() {
            return Err(ConfigError::Budget(format!(
                "{} search goes on until stopped: give a number of trials, seconds or epochs",
                self.strategy.name()
            )));
        }
        if self.budget.trials == Some(0) || self.budget.epochs == Some(0) {
            return Err(ConfigError::Budget("a budget of zero runs nothing".into()));
        }
        if let Some(seconds) = self.budget.seconds.filter(|s| s.is_nan() || *s <= 0.0) {
            return Err(ConfigError::Budget(format!("the time budget must be above 0 (it is {seconds} s)")));
        }
        let gan_data = matches!(self.data.source, DataSource::GanTarget { .. });
        if self.space.gan.is_some() != gan_data {
            return Err(ConfigError::Data(if gan_data {
                format!("{} is a GAN's target: search it with a space of family \"gan\"", self.data.label())
            } else {
                format!("a gan space trains GANs on a 2D target (ring, grid, spiral, moons or drawn points), not on {}", self.data.label())
            }));
        }
        if let DataSource::GanTarget { target } = &self.data.source {
            target.validate().map_err(ConfigError::Data)?;
        }
        if self.data.split.validation <= 0.0 {
            return Err(ConfigError::Data("the validation share is 0; the search ranks trials on validation data".into()));
        }
        Ok(summary)
    }

    /// Checks that the space's networks can take this data: a CNN needs images.
    pub fn check_data(&self, train: &Dataset) -> Result<(), ConfigError> {
        if self.space.conv.is_some() && train.feature_shape.len() != 3 {
            return Err(ConfigError::Data(format!(
                "a cnn space needs images, but {} gives {} features per sample",
                self.data.label(),
                train.feature_len()
            )));
        }
        if train.is_empty() {
            return Err(ConfigError::Data("the training part is empty".into()));
        }
        if self.objective == Some(Objective::ValidationAccuracy) && train.targets.class_count().is_none() {
            return Err(ConfigError::Data(format!(
                "{} has values to predict, not classes, so there is no accuracy to rank by: use the objective \"validation_loss\"",
                self.data.label()
            )));
        }
        Ok(())
    }

    /// The objective asked for, or the natural one for the data's task.
    pub fn objective_for(&self, classification: bool) -> Objective {
        if let DataSource::GanTarget { target } = &self.data.source {
            return Objective::ModesThenQuality { modes: target.modes().map_or(0, |(means, _)| means.len()) };
        }
        self.objective.unwrap_or(if classification { Objective::ValidationAccuracy } else { Objective::ValidationLoss })
    }
}
