//! `Experiment`: what a person sets up on the page (data settings, the edited space, strategy,
//! budget, seed, workers, engine), the search config it describes and what it will cost. Its
//! share link is in link.rs.

mod link;

pub use link::{decode_space, encode_space, pack_json, unpack_json};

use super::config::{Budget, DataSource, DataSpec, SearchConfig};
use super::engine_pick::EngineChoice;
use super::space::SearchSpace;
use super::strategy::StrategyConfig;
use crate::data::{CsvOptions, Normalization, SplitRatios};

/// The example spaces shipped in www/spaces, by name.
pub const EXAMPLE_SPACES: [(&str, &str); 7] = [
    ("spiral-mlp", include_str!("../../../www/spaces/spiral-mlp.json")),
    ("mnist-mlp", include_str!("../../../www/spaces/mnist-mlp.json")),
    ("mnist-cnn", include_str!("../../../www/spaces/mnist-cnn.json")),
    ("optuna-mnist", include_str!("../../../www/spaces/optuna-mnist.json")),
    ("keras-grid", include_str!("../../../www/spaces/keras-grid.json")),
    ("tabular-spiral", include_str!("../../../www/spaces/tabular-spiral.json")),
    ("gan-ring", include_str!("../../../www/spaces/gan-ring.json")),
];

/// The data sets a person can pick by name ("csv" for a file of their own; "ring" and "grid" are
/// GAN targets, and "gan" the GAN lab's own target, which the experiment holds).
pub const DATA_NAMES: [&str; 13] = [
    "spiral",
    "circle",
    "xor",
    "gaussians",
    "moons",
    "regress-plane",
    "regress-gaussian",
    "mnist",
    "fashion-mnist",
    "csv",
    "ring",
    "grid",
    "gan",
];

/// An example space by name.
pub fn example_space(name: &str) -> Option<SearchSpace> {
    EXAMPLE_SPACES.iter().find(|(n, _)| *n == name).and_then(|(_, text)| SearchSpace::from_json(text).ok())
}

/// The example that suits a data set: spiral-mlp for points, mnist-mlp for images, gan-ring
/// for a GAN's target.
pub fn default_space_name(data: &str) -> &'static str {
    if is_image_data(data) {
        "mnist-mlp"
    } else if is_gan_data(data) {
        "gan-ring"
    } else {
        "spiral-mlp"
    }
}

pub fn is_image_data(data: &str) -> bool {
    matches!(data, "mnist" | "fashion-mnist")
}

/// Whether the data is a GAN's target (a search over GAN settings trains on it).
pub fn is_gan_data(data: &str) -> bool {
    matches!(data, "ring" | "grid" | "gan")
}

/// Everything that decides a search, as the page's controls hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// One of `DATA_NAMES`.
    pub data: String,
    /// A generated set's noise, 0..=50 as TF Playground's slider.
    pub noise_percent: u32,
    /// A generated set's number of points.
    pub points: usize,
    /// How many images to take from an image set.
    pub images: usize,
    /// The share of samples kept for validation, which ranks the trials.
    pub validation: f32,
    pub space: SearchSpace,
    pub strategy: StrategyConfig,
    pub budget: Budget,
    pub seed: u64,
    /// Trials trained at once (one worker each); not part of what a search finds.
    pub jobs: usize,
    /// Up to how many same-shape dense networks a worker trains fused, as one stack.
    pub fuse: usize,
    pub engine: EngineChoice,
    /// A CSV file's name and contents; a link carries only the name.
    pub csv: Option<(String, String)>,
    /// The target of data "gan" (the GAN lab's: drawn points, the spiral, ...).
    pub gan_target: Option<crate::gan::Target2d>,
}

impl Experiment {
    /// The page's opening experiment: the spiral, the spiral example space, evolution for 30 trials.
    pub fn new(jobs: usize) -> Self {
        Experiment {
            data: "spiral".into(),
            noise_percent: 0,
            points: 500,
            images: 3000,
            validation: 0.2,
            space: example_space("spiral-mlp").expect("the example spaces are valid"),
            strategy: StrategyConfig::Evolution { population: 10, sample: 3 },
            budget: Budget { trials: Some(30), ..Budget::default() },
            seed: 1,
            jobs: jobs.clamp(1, 8),
            fuse: 1,
            engine: EngineChoice::Auto,
            csv: None,
            gan_target: None,
        }
    }

    /// The search this experiment describes, or what is wrong with it.
    pub fn config(&self) -> Result<SearchConfig, String> {
        let mut source: DataSource = match (&self.csv, self.data.as_str()) {
            (Some((name, text)), "csv") => DataSource::Csv {
                path: name.clone(),
                options: CsvOptions { name: name.clone(), delimiter: None, ..CsvOptions::default() },
                contents: Some(text.clone()),
            },
            (None, "csv") => return Err("data: choose a CSV file first".into()),
            (_, "gan") => match &self.gan_target {
                Some(target) => DataSource::GanTarget { target: target.clone() },
                None => return Err("data: the GAN lab's target is not set: open the search from the GAN lab".into()),
            },
            (_, name) => name.parse().map_err(|e| format!("data: {e}"))?,
        };
        // As `nas run` does: the seed also seeds a generated set's points and the split.
        match &mut source {
            DataSource::Toy2d(spec) => {
                spec.seed = self.seed;
                spec.samples = self.points;
                spec.noise_percent = self.noise_percent.min(50);
            }
            DataSource::Images { samples, .. } => *samples = Some(self.images),
            DataSource::Csv { .. } | DataSource::GanTarget { .. } => {}
        }
        let csv = matches!(source, DataSource::Csv { .. });
        let mut data = DataSpec::new(source);
        data.split = SplitRatios { train: 1.0 - self.validation, validation: self.validation, test: 0.0 };
        data.split_seed = self.seed;
        if csv {
            data.normalization = Normalization::Standardize;
        }
        let config = SearchConfig {
            space: self.space.clone(),
            data,
            strategy: self.strategy.clone(),
            budget: self.budget,
            seed: self.seed,
            objective: None,
        };
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// The data name of a GAN target: "ring" and "grid" for PacGAN's, "gan" for any other.
    pub fn gan_data_name(target: &crate::gan::Target2d) -> &'static str {
        use crate::gan::Target2d;
        match target {
            t if *t == Target2d::ring() => "ring",
            t if *t == Target2d::grid() => "grid",
            _ => "gan",
        }
    }

    /// The experiment a saved search ran, so the controls show it when the search goes on.
    pub fn from_config(config: &SearchConfig, jobs: usize, engine: EngineChoice) -> Self {
        let mut experiment = Experiment {
            space: config.space.clone(),
            strategy: config.strategy.clone(),
            budget: config.budget,
            seed: config.seed,
            validation: config.data.split.validation,
            engine,
            ..Experiment::new(jobs)
        };
        match &config.data.source {
            DataSource::Toy2d(spec) => {
                experiment.data = spec.set.name().to_string();
                experiment.points = spec.samples;
                experiment.noise_percent = spec.noise_percent;
            }
            DataSource::Images { set, samples } => {
                experiment.data = set.name().to_string();
                experiment.images = samples.unwrap_or(experiment.images);
            }
            DataSource::Csv { path, contents, .. } => {
                experiment.data = "csv".into();
                experiment.csv = contents.as_ref().map(|text| (path.clone(), text.clone()));
            }
            DataSource::GanTarget { target } => {
                experiment.data = Experiment::gan_data_name(target).into();
                experiment.gan_target = (experiment.data == "gan").then(|| target.clone());
            }
        }
        experiment
    }
}

/// What a search will cost, before it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostEstimate {
    pub trials: usize,
    /// At most this many epochs (halving stops most trials early, so it spends fewer).
    pub epochs: usize,
    /// At the measured speed, when there is one.
    pub seconds: Option<f64>,
}

impl Experiment {
    /// Training samples per epoch, as far as the settings tell.
    pub fn training_samples(&self) -> usize {
        let total = match (self.data.as_str(), &self.csv) {
            ("csv", Some((_, text))) => text.lines().filter(|l| !l.trim().is_empty()).count().saturating_sub(1),
            ("csv", None) => 0,
            (name, _) if is_image_data(name) => self.images,
            _ => self.points,
        };
        (total as f32 * (1.0 - self.validation)).round() as usize
    }

    /// Trials, epochs and seconds this experiment will take; `members` is the space's size.
    pub fn estimate(&self, members: u64, samples_per_sec: Option<f64>) -> CostEstimate {
        let mut trials = self.budget.trials.unwrap_or(usize::MAX);
        if self.strategy == StrategyConfig::Grid {
            trials = trials.min(members.min(usize::MAX as u64) as usize);
        }
        let mut epochs = trials.saturating_mul(self.space.epochs);
        if let Some(cap) = self.budget.epochs {
            epochs = epochs.min(cap);
        }
        let mut seconds = samples_per_sec
            .filter(|s| *s > 0.0)
            .map(|speed| epochs as f64 * self.training_samples() as f64 / speed / self.jobs.max(1) as f64);
        if let (Some(s), Some(cap)) = (seconds, self.budget.seconds) {
            seconds = Some(s.min(cap));
        }
        CostEstimate { trials, epochs, seconds }
    }
}

/// The strategy's name in links and the settings' select.
pub fn strategy_key(strategy: &StrategyConfig) -> &'static str {
    match strategy {
        StrategyConfig::Grid => "grid",
        StrategyConfig::Random => "random",
        StrategyConfig::Evolution { .. } => "evolution",
        StrategyConfig::Halving { hyperband: false, .. } => "halving",
        StrategyConfig::Halving { hyperband: true, .. } => "hyperband",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn edited() -> Experiment {
        let mut e = Experiment::new(3);
        e.data = "moons".into();
        e.noise_percent = 15;
        e.points = 400;
        e.validation = 0.3;
        e.space.dense.widths = crate::nas::Choices::List(vec![3, 7, 11]);
        e.space.epochs = 9;
        e.strategy = StrategyConfig::Halving { eta: 2, min_epochs: 2, hyperband: true };
        e.budget = Budget { trials: Some(12), seconds: Some(90.0), epochs: None };
        e.seed = 42;
        e.engine = EngineChoice::Cpu;
        e
    }

    #[test]
    fn the_estimate_counts_epochs_and_seconds() {
        let mut experiment = Experiment::new(2);
        experiment.space.epochs = 10;
        experiment.budget = Budget::trials(30);
        let estimate = experiment.estimate(1000, Some(4000.0));
        // 30 trials of 10 epochs over 400 training points at 4,000 samples/s on 2 workers.
        assert_eq!((estimate.trials, estimate.epochs), (30, 300));
        assert!((estimate.seconds.unwrap() - 15.0).abs() < 1e-9);
        experiment.strategy = StrategyConfig::Grid;
        assert_eq!(experiment.estimate(12, None), CostEstimate { trials: 12, epochs: 120, seconds: None });
    }

    #[test]
    fn a_saved_searchs_config_gives_back_its_experiment() {
        let experiment = edited();
        let config = experiment.config().unwrap();
        assert_eq!(Experiment::from_config(&config, 3, EngineChoice::Cpu), experiment);
    }
}
