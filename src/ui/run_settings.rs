//! What the person chose in the run panel (data, space, strategy, budget, workers, engine, seed,
//! a CSV file), read from the page's query, and the search config it describes.

use crate::nas::{Budget, DataSource, DataSpec, EngineChoice, SearchConfig, SearchSpace, StrategyConfig};

/// The example spaces shipped in www/spaces, by name.
const SPACES: [(&str, &str); 6] = [
    ("spiral-mlp", include_str!("../../www/spaces/spiral-mlp.json")),
    ("mnist-mlp", include_str!("../../www/spaces/mnist-mlp.json")),
    ("mnist-cnn", include_str!("../../www/spaces/mnist-cnn.json")),
    ("optuna-mnist", include_str!("../../www/spaces/optuna-mnist.json")),
    ("keras-grid", include_str!("../../www/spaces/keras-grid.json")),
    ("tabular-spiral", include_str!("../../www/spaces/tabular-spiral.json")),
];

/// What the person chose before starting.
#[derive(Clone, PartialEq)]
pub struct RunSettings {
    pub data: String,
    /// One of `SPACES`; "auto" takes spiral-mlp for points and mnist-mlp for images.
    pub space: String,
    /// Images to take from an image set.
    pub samples: usize,
    /// Epochs per trial; 0 keeps the space's own.
    pub strategy: String,
    pub trials: usize,
    pub epochs: usize,
    pub jobs: usize,
    pub engine: EngineChoice,
    pub seed: u64,
    /// A CSV file the person chose: its name and contents (kept in the search's config, so its
    /// log resumes without the file).
    pub csv: Option<(String, String)>,
}

impl RunSettings {
    /// The defaults, overridden by the page's query (`?data=moons&trials=8&jobs=2&engine=cpu`).
    pub fn from_location() -> Self {
        let concurrency = web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency()) as usize;
        let mut settings = RunSettings {
            data: "spiral".into(),
            space: "auto".into(),
            samples: 3000,
            strategy: "evolution".into(),
            trials: 30,
            epochs: 20,
            jobs: concurrency.saturating_sub(1).clamp(1, 8),
            engine: EngineChoice::Auto,
            seed: 1,
            csv: None,
        };
        let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&query) {
            let number = |key: &str| params.get(key).and_then(|v| v.parse::<usize>().ok());
            if let Some(data) = params.get("data") {
                settings.data = data;
            }
            if let Some(space) = params.get("space") {
                settings.space = space;
            }
            settings.samples = number("samples").unwrap_or(settings.samples).clamp(100, 10_000);
            if let Some(strategy) = params.get("strategy") {
                settings.strategy = strategy;
            }
            settings.trials = number("trials").unwrap_or(settings.trials).clamp(1, 10_000);
            settings.epochs = number("epochs").unwrap_or(settings.epochs).min(1_000);
            settings.jobs = number("jobs").unwrap_or(settings.jobs).clamp(1, 8);
            settings.seed = number("seed").unwrap_or(1) as u64;
            if let Some(engine) = params.get("engine").and_then(|e| e.parse().ok()) {
                settings.engine = engine;
            }
        }
        settings
    }

    /// The search these settings describe, or what is wrong with them.
    pub fn config(&self) -> Result<SearchConfig, String> {
        let mut source: DataSource = match (&self.csv, self.data.as_str()) {
            (Some((name, text)), "csv") => DataSource::Csv {
                path: name.clone(),
                options: crate::data::CsvOptions { name: name.clone(), delimiter: None, ..crate::data::CsvOptions::default() },
                contents: Some(text.clone()),
            },
            (None, "csv") => return Err("choose a CSV file first".into()),
            (_, name) => name.parse()?,
        };
        let csv = matches!(source, DataSource::Csv { .. });
        let images = matches!(source, DataSource::Images { .. });
        // As `nas run` does: the seed also seeds a generated set's points and the split.
        if let DataSource::Toy2d(spec) = &mut source {
            spec.seed = self.seed;
        }
        if let DataSource::Images { samples, .. } = &mut source {
            *samples = Some(self.samples);
        }
        let name = match self.space.as_str() {
            "auto" if images => "mnist-mlp",
            "auto" => "spiral-mlp",
            other => other,
        };
        let text = SPACES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| *text)
            .ok_or_else(|| format!("'{name}' is not one of the example spaces"))?;
        let mut space = SearchSpace::from_json(text).map_err(|e| e.to_string())?;
        if self.epochs > 0 {
            space.epochs = self.epochs;
        }
        let strategy = match self.strategy.as_str() {
            "grid" => StrategyConfig::Grid,
            "random" => StrategyConfig::Random,
            "evolution" => StrategyConfig::Evolution { population: 10.min(self.trials.max(2)), sample: 3.min(self.trials.max(2)) },
            "halving" => StrategyConfig::halving(),
            "hyperband" => StrategyConfig::Halving { eta: 3, min_epochs: 1, hyperband: true },
            other => return Err(format!("'{other}' is not a strategy")),
        };
        let mut data = DataSpec::new(source);
        data.split_seed = self.seed;
        if csv {
            data.normalization = crate::data::Normalization::Standardize;
        }
        let config = SearchConfig { space, data, strategy, budget: Budget::trials(self.trials), seed: self.seed, objective: None };
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }
}
