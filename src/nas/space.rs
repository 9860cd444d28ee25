//! `SearchSpace`: the architectures and training settings a search may try, as data a person can
//! write by hand and the page can edit, with one `validate()` that explains mistakes and counts
//! the members.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::engine::Activation;
use crate::nn::Optimizer;

/// Which kind of network the space describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Dense layers only.
    Mlp,
    /// Convolution blocks (each optionally followed by a 2x2 max pool), then dense layers.
    Cnn,
    /// A generator and a discriminator trained against each other on a 2D target (see `gan_space`).
    Gan,
}

impl Family {
    /// The name a space's JSON gives it.
    pub fn name(self) -> &'static str {
        match self {
            Family::Mlp => "mlp",
            Family::Cnn => "cnn",
            Family::Gan => "gan",
        }
    }
}

/// An inclusive range of whole numbers, e.g. the number of hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepthRange {
    pub min: usize,
    pub max: usize,
}

impl DepthRange {
    pub fn values(self) -> impl Iterator<Item = usize> {
        self.min..=self.max
    }
}

/// Choices given as a list (`[16, 32, 64]`) or as a range with a step (`{"min": 16, "max": 128, "step": 16}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Choices {
    List(Vec<usize>),
    Range { min: usize, max: usize, step: usize },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceRange {
    min: usize,
    max: usize,
    step: usize,
}

// By hand rather than `untagged`, whose one message ("did not match any variant") names neither
// the element nor the field that is wrong.
impl<'de> Deserialize<'de> for Choices {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChoicesVisitor;

        impl<'de> Visitor<'de> for ChoicesVisitor {
            type Value = Choices;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of whole numbers, or {\"min\": 16, \"max\": 128, \"step\": 16}")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Choices, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(Choices::List)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Choices, A::Error> {
                let ChoiceRange { min, max, step } = ChoiceRange::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Choices::Range { min, max, step })
            }
        }

        deserializer.deserialize_any(ChoicesVisitor)
    }
}

impl Choices {
    /// The choices in the order they were given (a range counts up from `min`).
    pub fn values(&self) -> Vec<usize> {
        match *self {
            Choices::List(ref values) => values.clone(),
            Choices::Range { min, max, step } => (min..=max).step_by(step.max(1)).collect(),
        }
    }
}

/// What may follow a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    None,
    /// A 2x2 max pool with stride 2.
    Max,
}

/// How convolutions pad their input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// kernel / 2 zeros on each side, so an odd kernel keeps the map's size.
    #[default]
    Same,
    /// No padding: each convolution shrinks the map by kernel - 1.
    Valid,
}

/// The convolution blocks of a CNN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvSpace {
    /// How many conv blocks.
    pub depth: DepthRange,
    pub filters: Choices,
    pub kernels: Choices,
    pub pooling: Vec<Pooling>,
    #[serde(default)]
    pub padding: Padding,
}

/// The hidden dense layers (the output layer is added to fit the data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseSpace {
    /// How many hidden layers.
    pub depth: DepthRange,
    /// The units a hidden layer may have; each layer picks its own.
    pub widths: Choices,
}

/// Learning rates spaced evenly on a log scale: `steps` values from `min` to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRange {
    pub min: f32,
    pub max: f32,
    pub steps: usize,
}

impl LogRange {
    /// The values, rounded to three significant digits so they read well in logs and tables.
    pub fn values(self) -> Vec<f32> {
        if self.steps <= 1 || self.min == self.max {
            return vec![self.min];
        }
        let (lo, hi) = ((self.min as f64).ln(), (self.max as f64).ln());
        (0..self.steps)
            .map(|i| {
                let value = (lo + (hi - lo) * i as f64 / (self.steps - 1) as f64).exp();
                round_significant(value, 3) as f32
            })
            .collect()
    }
}

fn round_significant(value: f64, digits: i32) -> f64 {
    let magnitude = 10f64.powi(digits - 1 - value.abs().log10().floor() as i32);
    (value * magnitude).round() / magnitude
}

fn no_dropout() -> Vec<f32> {
    vec![0.0]
}

fn no_decay() -> f32 {
    1.0
}

/// Everything a search may vary, and the fixed settings every trial shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpace {
    pub family: Family,
    /// Required for `cnn`, absent for `mlp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conv: Option<ConvSpace>,
    pub dense: DenseSpace,
    /// One activation per network, used by every hidden layer.
    pub activations: Vec<Activation>,
    /// One dropout rate per network, applied after every hidden layer (0 means none).
    #[serde(default = "no_dropout")]
    pub dropout: Vec<f32>,
    pub optimizers: Vec<Optimizer>,
    pub learning_rate: LogRange,
    pub batch_sizes: Vec<usize>,
    /// The most epochs one trial trains (multi-fidelity strategies also try fewer).
    pub epochs: usize,
    /// Fixed for every trial: L2 penalty.
    #[serde(default)]
    pub l2: f32,
    /// Fixed for every trial: the learning rate is multiplied by this after every epoch.
    #[serde(default = "no_decay")]
    pub lr_decay: f32,
    /// Required for `gan`, absent otherwise: what a GAN search adds (see `gan_space`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gan: Option<super::gan_space::GanSpace>,
}

/// A mistake in a search space, naming the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("search space{}: {message}", if field.is_empty() { String::new() } else { format!(", {field}") })]
pub struct SpaceError {
    pub field: String,
    pub message: String,
}

/// What `validate` learns about a valid space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpaceSummary {
    /// How many different members (architecture plus training settings) the space has; saturates
    /// at `u64::MAX` for absurdly large spaces.
    pub size: u64,
    /// The number of values each decision offers, by name (depths count as one decision).
    pub decisions: Vec<(String, usize)>,
}

impl fmt::Display for SpaceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} members", format_count(self.size as u128))
    }
}

/// 1512 as "1,512"; past a trillion as "3.1e14".
pub fn format_count(n: u128) -> String {
    if n >= 1_000_000_000_000 {
        return format!("{:.1e}", n as f64);
    }
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Limits that keep a hand-written space from asking for something no browser can train.
pub const MAX_DEPTH: usize = 12;
pub const MAX_WIDTH: usize = 4096;
pub const MAX_FILTERS: usize = 512;
pub const MAX_KERNEL: usize = 11;
pub const MAX_EPOCHS: usize = 1000;
pub const MAX_BATCH: usize = 4096;

impl SearchSpace {
    /// Reads a space from JSON; an error names the field path (`dense.widths[2]`), and a misspelt
    /// field the nearest valid name.
    pub fn from_json(text: &str) -> Result<SearchSpace, SpaceError> {
        super::json::from_json(text).map_err(|e| SpaceError { field: e.field, message: e.message })
    }

    /// The values of every per-layer decision and every network-wide one, as lists.
    pub fn widths(&self) -> Vec<usize> {
        self.dense.widths.values()
    }

    pub fn filters(&self) -> Vec<usize> {
        self.conv.as_ref().map(|c| c.filters.values()).unwrap_or_default()
    }

    pub fn kernels(&self) -> Vec<usize> {
        self.conv.as_ref().map(|c| c.kernels.values()).unwrap_or_default()
    }

    pub fn pooling(&self) -> Vec<Pooling> {
        self.conv.as_ref().map(|c| c.pooling.clone()).unwrap_or_default()
    }

    pub fn conv_depth(&self) -> DepthRange {
        self.conv.as_ref().map(|c| c.depth).unwrap_or(DepthRange { min: 0, max: 0 })
    }

    pub fn learning_rates(&self) -> Vec<f32> {
        self.learning_rate.values()
    }

    /// Checks every field and counts the members, or says what is wrong and where.
    pub fn validate(&self) -> Result<SpaceSummary, SpaceError> {
        let fail = |field: &str, message: String| Err(SpaceError { field: field.into(), message });
        match (self.family, &self.conv) {
            (Family::Cnn, None) => return fail("conv", "a cnn space needs a `conv` section (depth, filters, kernels, pooling)".into()),
            (Family::Mlp, Some(_)) => return fail("conv", "an mlp has no convolutions: remove `conv`, or set `family` to \"cnn\"".into()),
            _ => {}
        }
        if self.family == Family::Gan {
            self.validate_gan()?;
        } else if self.gan.is_some() {
            return fail("gan", "only a gan space has a `gan` section: remove it, or set `family` to \"gan\"".into());
        }
        if let Some(conv) = &self.conv {
            check_depth("conv.depth", conv.depth, 1)?;
            check_choices("conv.filters", &conv.filters, 1, MAX_FILTERS)?;
            check_choices("conv.kernels", &conv.kernels, 1, MAX_KERNEL)?;
            if conv.pooling.is_empty() {
                return fail("conv.pooling", "give at least one choice: \"none\", \"max\" or both".into());
            }
            if let Some(p) = duplicate(&conv.pooling) {
                return fail("conv.pooling", format!("{p:?} is listed twice"));
            }
        }
        check_depth("dense.depth", self.dense.depth, 0)?;
        check_choices("dense.widths", &self.dense.widths, 1, MAX_WIDTH)?;
        if self.activations.is_empty() {
            return fail("activations", "give at least one activation, e.g. [\"relu\", \"tanh\"]".into());
        }
        if let Some(a) = duplicate(&self.activations) {
            return fail("activations", format!("{a:?} is listed twice"));
        }
        if self.dropout.is_empty() {
            return fail("dropout", "give at least one rate; [0] means no dropout".into());
        }
        for &rate in &self.dropout {
            if !(0.0..1.0).contains(&rate) {
                return fail("dropout", format!("the rate {rate} must be at least 0 and below 1"));
            }
        }
        if let Some(r) = duplicate(&self.dropout) {
            return fail("dropout", format!("{r} is listed twice"));
        }
        if self.optimizers.is_empty() {
            return fail("optimizers", "give at least one of \"sgd\", {\"momentum\": {\"momentum\": 0.9}}, \"adam\"".into());
        }
        for optimizer in &self.optimizers {
            if let Optimizer::Momentum { momentum } = optimizer {
                if !(0.0..1.0).contains(momentum) {
                    return fail("optimizers", format!("the momentum {momentum} must be at least 0 and below 1"));
                }
            }
        }
        if let Some(o) = duplicate(&self.optimizers) {
            return fail("optimizers", format!("{o:?} is listed twice"));
        }
        let lr = self.learning_rate;
        check_log_range("learning_rate", lr, 10.0)?;
        if let Some(rate) = duplicate(&self.learning_rates()) {
            return fail(
                "learning_rate",
                format!("{} steps from {} to {} give {rate} twice at three significant digits; use fewer steps", lr.steps, lr.min, lr.max),
            );
        }
        if self.batch_sizes.is_empty() {
            return fail("batch_sizes", "give at least one batch size".into());
        }
        if let Some(&b) = self.batch_sizes.iter().find(|&&b| b == 0 || b > MAX_BATCH) {
            return fail("batch_sizes", format!("{b} must be between 1 and {MAX_BATCH}"));
        }
        if let Some(b) = duplicate(&self.batch_sizes) {
            return fail("batch_sizes", format!("{b} is listed twice"));
        }
        if self.epochs == 0 || self.epochs > MAX_EPOCHS {
            return fail("epochs", format!("{} must be between 1 and {MAX_EPOCHS}", self.epochs));
        }
        if !(0.0..1.0).contains(&self.l2) {
            return fail("l2", format!("{} must be at least 0 and below 1", self.l2));
        }
        if !(self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return fail("lr_decay", format!("{} must be above 0 and at most 1", self.lr_decay));
        }
        Ok(SpaceSummary { size: u64::try_from(self.size()).unwrap_or(u64::MAX), decisions: self.decision_sizes() })
    }

    fn decision_sizes(&self) -> Vec<(String, usize)> {
        if self.family == Family::Gan {
            return self.gan_decision_sizes();
        }
        let mut sizes = Vec::new();
        if self.conv.is_some() {
            let d = self.conv_depth();
            sizes.push(("conv blocks".into(), d.max - d.min + 1));
            sizes.push(("filters per block".into(), self.filters().len()));
            sizes.push(("kernel per block".into(), self.kernels().len()));
            sizes.push(("pooling per block".into(), self.pooling().len()));
        }
        sizes.push(("hidden layers".into(), self.dense.depth.max - self.dense.depth.min + 1));
        sizes.push(("width per layer".into(), self.widths().len()));
        sizes.push(("activation".into(), self.activations.len()));
        sizes.push(("dropout".into(), self.dropout.len()));
        sizes.push(("optimizer".into(), self.optimizers.len()));
        sizes.push(("learning rate".into(), self.learning_rates().len()));
        sizes.push(("batch size".into(), self.batch_sizes.len()));
        sizes
    }

    /// Members with a given conv stack: Σ over conv depths of (filters·kernels·pooling)^depth.
    pub(crate) fn conv_stacks(&self) -> u128 {
        if self.conv.is_none() {
            return 1;
        }
        let per_block = (self.filters().len() * self.kernels().len() * self.pooling().len()) as u128;
        sum_of_powers(per_block, self.conv_depth())
    }

    /// Σ over dense depths of widths^depth.
    pub(crate) fn dense_stacks(&self) -> u128 {
        sum_of_powers(self.widths().len() as u128, self.dense.depth)
    }

    /// Activation · dropout · optimizer · learning rate · batch size.
    pub(crate) fn settings(&self) -> u128 {
        [self.activations.len(), self.dropout.len(), self.optimizers.len(), self.learning_rates().len(), self.batch_sizes.len()]
            .iter()
            .fold(1u128, |n, &k| n.saturating_mul(k as u128))
    }

    /// The number of members (saturating).
    pub fn size(&self) -> u128 {
        if self.gan.is_some() {
            return self.gan_size();
        }
        self.conv_stacks().saturating_mul(self.dense_stacks()).saturating_mul(self.settings())
    }
}

fn sum_of_powers(base: u128, depth: DepthRange) -> u128 {
    depth.values().fold(0u128, |sum, d| sum.saturating_add(base.saturating_pow(d as u32)))
}

fn duplicate<T: PartialEq + Clone>(values: &[T]) -> Option<T> {
    values.iter().enumerate().find(|(i, v)| values[..*i].contains(v)).map(|(_, v)| v.clone())
}

fn check_depth(field: &str, depth: DepthRange, least: usize) -> Result<(), SpaceError> {
    check_depth_within(field, depth, least, MAX_DEPTH)
}

pub(crate) fn check_depth_within(field: &str, depth: DepthRange, least: usize, most: usize) -> Result<(), SpaceError> {
    let fail = |message: String| Err(SpaceError { field: field.into(), message });
    if depth.min < least {
        return fail(format!("min is {} but must be at least {least}", depth.min));
    }
    if depth.max < depth.min {
        return fail(format!("max {} is below min {}", depth.max, depth.min));
    }
    if depth.max > most {
        return fail(format!("max {} is above the limit of {most}", depth.max));
    }
    Ok(())
}

pub(crate) fn check_choices(field: &str, choices: &Choices, least: usize, most: usize) -> Result<(), SpaceError> {
    let fail = |message: String| Err(SpaceError { field: field.into(), message });
    if let Choices::Range { min, max, step } = *choices {
        if step == 0 {
            return fail("step must be at least 1".into());
        }
        if max < min {
            return fail(format!("max {max} is below min {min}"));
        }
        // Checked before the values are listed, so a huge range cannot exhaust memory.
        if max > most {
            return fail(format!("{max} must be between {least} and {most}"));
        }
        if (max - min) / step >= 64 {
            return fail(format!("{} choices is more than the limit of 64; use a larger step", (max - min) / step + 1));
        }
    }
    let values = choices.values();
    if values.is_empty() {
        return fail("give at least one choice".into());
    }
    if let Some(v) = values.iter().find(|&&v| v < least || v > most) {
        return fail(format!("{v} must be between {least} and {most}"));
    }
    if let Some(v) = duplicate(&values) {
        return fail(format!("{v} is listed twice"));
    }
    if values.len() > 64 {
        return fail(format!("{} choices is more than the limit of 64; use a larger step", values.len()));
    }
    Ok(())
}

/// Checks a range of learning rates: 0 < min <= max <= `most`, 1 to 32 steps.
pub(crate) fn check_log_range(field: &str, lr: LogRange, most: f32) -> Result<(), SpaceError> {
    let fail = |field: String, message: String| Err(SpaceError { field, message });
    if !(lr.min > 0.0 && lr.min.is_finite() && lr.max.is_finite()) || lr.max < lr.min || lr.max > most {
        return fail(field.into(), format!("min {} and max {} must satisfy 0 < min <= max <= {most}", lr.min, lr.max));
    }
    if lr.steps == 0 || lr.steps > 32 {
        return fail(format!("{field}.steps"), format!("{} must be between 1 and 32", lr.steps));
    }
    Ok(())
}

/// Checks a list of choices: not empty, each one allowed (`why` says what is), none twice.
pub(crate) fn check_list<T: PartialEq + Clone + fmt::Debug>(
    field: &str,
    values: &[T],
    allowed: impl Fn(&T) -> bool,
    why: &str,
) -> Result<(), SpaceError> {
    let fail = |message: String| Err(SpaceError { field: field.into(), message });
    if values.is_empty() {
        return fail("give at least one choice".into());
    }
    if let Some(v) = values.iter().find(|v| !allowed(v)) {
        return fail(format!("{v:?}: {why}"));
    }
    if let Some(v) = duplicate(values) {
        return fail(format!("{v:?} is listed twice"));
    }
    Ok(())
}
