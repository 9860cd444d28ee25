//! Starting and resuming a search, the same way for every host: check the config, prepare and
//! check the data, build the `Search` fresh or from its log, and keep the log in order. The page
//! (its worker pool) and the CLI call these and keep only their own input and drawing.

use super::config::{ConfigError, SearchConfig};
use super::event::SearchEvent;
use super::log::{LogOrder, SearchLog};
use super::search::{ResumeError, Search};
use super::view::SearchView;
use crate::data::{Dataset, Splits};
use crate::nn::Task;

/// Why a search could not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("data ({label}): {message}")]
    Data { label: String, message: String },
    #[error("the log: {0}")]
    Resume(#[from] ResumeError),
    #[error("{0}")]
    Device(String),
}

/// The data a search trains on, split and checked, with what the person should know about it.
pub struct PreparedData {
    pub splits: Splits,
    pub task: Task,
    pub warnings: Vec<String>,
}

/// Splits and normalises `dataset` as `config` asks and checks that the space can take it.
pub fn prepare_data(config: &SearchConfig, dataset: Dataset) -> Result<PreparedData, SessionError> {
    let data_error = |message: String| SessionError::Data { label: config.data.label(), message };
    let warnings = dataset.warnings.clone();
    let splits = config.data.prepare(dataset).map_err(|e| data_error(e.to_string()))?;
    config.check_data(&splits.train)?;
    Ok(PreparedData { task: Task::of(&splits.train), splits, warnings })
}

/// A search ready to run, and the log lines that must come before anything it emits.
pub struct OpenedSearch {
    pub search: Search,
    /// For a resumed search, its finished part as a fresh run writes it (the log is rewritten
    /// with these, then appended to); empty for a new one (it announces itself).
    pub log_head: Vec<SearchEvent>,
    /// Puts what the search emits into log order, after `log_head`.
    pub log_order: LogOrder,
    /// What is known so far, for watching.
    pub view: SearchView,
}

/// Builds the search for `config` on data of `task`, fresh or going on from `resumed`.
pub fn open_search(config: SearchConfig, task: Task, resumed: Option<&SearchLog>) -> Result<OpenedSearch, SessionError> {
    config.validate()?;
    let objective = config.objective_for(matches!(task, Task::Classification { .. }));
    match resumed {
        None => Ok(OpenedSearch {
            search: Search::new(config, objective)?,
            log_head: Vec::new(),
            log_order: LogOrder::new(0),
            view: SearchView::new(),
        }),
        Some(log) => {
            let mut head_log = log.clone();
            head_log.objective = Some(objective);
            let log_head = head_log.finished_part();
            let search = Search::resume(config, objective, log.trials.clone())?;
            let view = SearchView::of_events(&log_head);
            Ok(OpenedSearch { log_order: LogOrder::new(search.trials().len()), search, log_head, view })
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use crate::engine::cpu::CpuBackend;
    use crate::engine::gpu::GpuContext;
    use crate::engine::Device;
    use crate::nas::engine_pick::{probe_network, time_engine, EngineChoice, EnginePick, EngineTiming};
    use crate::nas::parallel::run_search_parallel;
    use crate::nas::runner::{run_search, RunEnd, SearchHost};
    use crate::nas::TrainingEvaluator;

    /// Loads the config's data from disk (generated sets, the shipped images, a CSV file).
    pub fn load_data(config: &SearchConfig) -> Result<PreparedData, SessionError> {
        config.validate()?;
        let data_error = |message: String| SessionError::Data { label: config.data.label(), message };
        let dataset = match &config.data.source {
            crate::nas::DataSource::Images { set, .. } => set.load_bundled(),
            crate::nas::DataSource::Csv { path, options, contents: None } => {
                crate::data::read_csv_file(std::path::Path::new(path), options)
            }
            _ => config.data.dataset_from(None),
        }
        .map_err(|e| data_error(e.to_string()))?;
        prepare_data(config, dataset)
    }

    fn clock() -> impl Fn() -> f64 {
        let origin = std::time::Instant::now();
        move || origin.elapsed().as_secs_f64()
    }

    /// With `choice` auto, times the search's own kind of network on the CPU engine and on the
    /// GPU where one opens, and picks the faster; a named engine is taken as it is, untimed.
    pub fn pick_engine(config: &SearchConfig, data: &PreparedData, choice: EngineChoice, seconds: f64) -> EnginePick {
        if choice != EngineChoice::Auto {
            return EnginePick::decide(choice, Vec::new());
        }
        let network = probe_network(config, &data.splits.train.feature_shape, data.task);
        let clock = clock();
        let speed = pollster::block_on(time_engine(&CpuBackend::new(), &network, data.task, seconds, &clock));
        let mut timings = vec![EngineTiming {
            engine: "cpu".into(),
            name: "CPU engine".into(),
            samples_per_sec: speed.as_ref().ok().copied(),
            error: speed.err(),
        }];
        timings.push(match pollster::block_on(GpuContext::new()) {
            Ok(gpu) => {
                let name = format!("{} {}", gpu.adapter().backend, gpu.adapter().name);
                let speed = pollster::block_on(time_engine(&gpu, &network, data.task, seconds, &clock));
                EngineTiming { engine: "gpu".into(), name, samples_per_sec: speed.as_ref().ok().copied(), error: speed.err() }
            }
            Err(error) => {
                EngineTiming { engine: "gpu".into(), name: "no GPU".into(), samples_per_sec: None, error: Some(error.to_string()) }
            }
        });
        EnginePick::decide(choice, timings)
    }

    /// Opens the engine `pick` chose (a fresh device per call: each parallel job has its own).
    pub fn open_device(pick: &EnginePick) -> Result<Device, SessionError> {
        if pick.chosen == "gpu" {
            pollster::block_on(GpuContext::new())
                .map(|gpu| Device::Gpu(std::rc::Rc::new(gpu)))
                .map_err(|e| SessionError::Device(format!("the GPU did not open: {e}")))
        } else {
            Ok(Device::cpu())
        }
    }

    /// Runs `search` to its end (or until the host stops it) with `jobs` trials at once, each
    /// job training on its own device of the picked engine.
    pub fn run_native<H: SearchHost>(
        search: &mut Search,
        data: &PreparedData,
        pick: &EnginePick,
        jobs: usize,
        host: &mut H,
    ) -> Result<RunEnd, SessionError> {
        let config = search.config().clone();
        if jobs <= 1 {
            let mut evaluator = TrainingEvaluator::new(open_device(pick)?, &config, data.splits.clone());
            return Ok(pollster::block_on(run_search(search, &mut evaluator, host)));
        }
        let make =
            || open_device(pick).map(|device| TrainingEvaluator::new(device, &config, data.splits.clone())).map_err(|e| e.to_string());
        Ok(run_search_parallel(search, jobs, make, host))
    }
}
