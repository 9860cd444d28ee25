//! What can go wrong while making, reading or splitting a data set, in words a student can act on.

use std::fmt;

/// Where a CSV cell sits: 1-based line and column, and the column's header name when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellAt {
    pub line: u64,
    pub column: usize,
    pub name: Option<String>,
}

impl fmt::Display for CellAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        match &self.name {
            Some(name) => write!(f, " ('{name}')"),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    // --- CSV files ---
    #[error("the file is empty")]
    EmptyFile,
    #[error("the file has a header row but no data rows")]
    NoDataRows,
    #[error("{at}: '{value}' is not a number")]
    NotANumber { at: CellAt, value: String },
    #[error("{at}: '{value}' is not a finite number")]
    NotFinite { at: CellAt, value: String },
    #[error("{at} is empty: every cell needs a value (missing values are not supported)")]
    EmptyCell { at: CellAt },
    #[error("{at}: '{value}' is not a number, so this label column cannot be a regression target")]
    LabelNotANumber { at: CellAt, value: String },
    #[error("line {line} has {found} fields but {reference} has {expected}")]
    RaggedRow { line: u64, found: usize, expected: usize, reference: String },
    #[error("the file has no feature columns: it needs at least one numeric column besides the label column")]
    NoFeatureColumns,
    #[error("{error} ({note})")]
    UnclearSeparator { error: Box<DataError>, note: String },
    #[error("there is no label column named '{name}'; the columns are: {columns}")]
    UnknownLabelColumn { name: String, columns: String },
    #[error("there is no label column named '{name}': the file has no header row, so choose the label column by number")]
    LabelNameWithoutHeader { name: String },
    #[error("label column {index} does not exist: the file has {columns} columns (counting from 1)")]
    LabelColumnOutOfRange { index: usize, columns: usize },
    #[error("line {line}: {message}")]
    UnreadableCsv { line: u64, message: String },
    #[error("could not read {path}: {message}")]
    UnreadableFile { path: String, message: String },

    // --- generated sets ---
    #[error("noise is {0}%: it must be between 0 and 50")]
    NoiseOutOfRange(u32),
    #[error("ask for at least {minimum} samples (asked for {asked})")]
    TooFewSamples { asked: usize, minimum: usize },
    #[error("choose at least one input feature (x, y, x², ...)")]
    NoFeatures,
    #[error("the input feature {0} is chosen twice")]
    DuplicateFeature(String),

    // --- image sets ---
    #[error("this is not a NAS Playground image set: it should start with the letters 'NASD'")]
    NotAnImageSet,
    #[error("this image set has format version {0}, but this playground reads version 1 only")]
    UnsupportedVersion(u32),
    #[error("the image set is truncated: it should hold {expected} bytes but holds {found}")]
    Truncated { expected: usize, found: usize },
    #[error("the image set is damaged: {0}")]
    Corrupt(String),

    // --- splits and normalisation ---
    #[error("the split ratios {train} / {validation} / {test} must each be between 0 and 1 and add up to 1")]
    BadSplitRatios { train: f32, validation: f32, test: f32 },
    #[error("the training split would be empty: {samples} samples at a training ratio of {train}")]
    EmptyTrainingSplit { samples: usize, train: f32 },
    #[error("the data set is malformed: {0}")]
    Malformed(String),
    #[error("the normaliser was fitted on {expected} features but this data has {found}")]
    FeatureCountMismatch { expected: usize, found: usize },
}
