//! Starting and resuming a search, the same way for every host: check the config, prepare and
//! check the data, build the `Search` fresh or from its log, and keep the log in order. The page
//! (its worker pool) and the CLI call these and keep only their own input and drawing.

use super::config::{ConfigError, SearchConfig};
use super::event::SearchEvent;
use super::log::{LogOrder, SearchLog};
use super::search::{ResumeError, Search};
use super::trained::InputPipeline;
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
    /// Run settings that do not go together.
    #[error("{0}")]
    Settings(String),
}

/// The data a search trains on, split and checked, with what the person should know about it.
pub struct PreparedData {
    pub splits: Splits,
    pub task: Task,
    pub warnings: Vec<String>,
    /// How a raw sample becomes a network input, for predicting with a trained trial.
    pub input: InputPipeline,
}

/// Splits and normalises `dataset` as `config` asks and checks that the space can take it.
pub fn prepare_data(config: &SearchConfig, dataset: Dataset) -> Result<PreparedData, SessionError> {
    let data_error = |message: String| SessionError::Data { label: config.data.label(), message };
    let warnings = dataset.warnings.clone();
    let (splits, normalizer) = config.data.prepare_keeping_normalizer(dataset).map_err(|e| data_error(e.to_string()))?;
    config.check_data(&splits.train)?;
    let input = InputPipeline { plane_features: config.data.plane_features(splits.train.feature_len()), normalizer };
    Ok(PreparedData { task: Task::of(&splits.train), splits, warnings, input })
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
    use crate::nas::runner::Evaluator;
    use crate::nas::runner::{run_search_fused, RunEnd, SearchHost};
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

    /// A logged trial trained again on the CPU engine, with its weights and validation report.
    /// CPU training is deterministic for a seed, so a trial the log shows was trained on the
    /// CPU comes back to the same figures; `RetrainedTrial::matches_log` says whether it did.
    pub fn retrain_trial(log: &crate::nas::SearchLog, trial: Option<usize>) -> Result<RetrainedTrial, String> {
        if log.config.space.gan.is_some() {
            return Err(crate::nas::export::GAN_NOT_EXPORTED.into());
        }
        let objective = log.objective.or(log.config.objective);
        let record = match trial {
            Some(id) => log.trials.iter().find(|t| t.id == id).ok_or_else(|| format!("the log has no trial {id}"))?,
            None => {
                let classification = log.trials.iter().any(|t| t.result.history.iter().any(|m| m.validation_accuracy.is_some()));
                let objective = objective.unwrap_or_else(|| log.config.objective_for(classification));
                crate::nas::objective::ranking(&log.trials, objective)
                    .into_iter()
                    .find(|t| objective.score(t).is_some())
                    .ok_or("the log has no finished trial to export")?
            }
        };
        if let Some(failure) = &record.result.failure {
            return Err(format!("trial {} failed ({}), so it has no weights", record.id, failure.message));
        }
        let data = load_data(&log.config).map_err(|e| e.to_string())?;
        let mut evaluator = TrainingEvaluator::new(Device::cpu(), &log.config, data.splits.clone());
        evaluator.inspect = Some(data.input.clone());
        let mut proposal = record.proposal.clone();
        // Train the whole trial here: the shorter run it continued from is not kept.
        proposal.continues = None;
        let result = match pollster::block_on(evaluator.evaluate(record.id, &proposal, &mut crate::nas::RecordingHost::default())) {
            crate::nas::Evaluation::Done(result) => result,
            other => return Err(format!("trial {} did not train again: {other:?}", record.id)),
        };
        let mut inspection = evaluator.take_inspection().ok_or_else(|| format!("trial {} did not train to the end", record.id))?;
        inspection.trained = inspection.trained.with_source(&log.config.data);
        let logged = record.result.last().and_then(|m| m.validation_accuracy.or(m.validation_loss));
        let now = result.last().and_then(|m| m.validation_accuracy.or(m.validation_loss));
        Ok(RetrainedTrial { trial: record.id, inspection, logged, retrained: now })
    }

    /// What `retrain_trial` gives back.
    pub struct RetrainedTrial {
        pub trial: usize,
        pub inspection: crate::nas::TrialInspection,
        /// The trial's last validation figure in the log, and after training again.
        pub logged: Option<f32>,
        pub retrained: Option<f32>,
    }

    impl RetrainedTrial {
        pub fn matches_log(&self) -> bool {
            self.logged == self.retrained
        }
    }

    /// Runs `search` to its end (or until the host stops it) with `jobs` trials at once, each
    /// job training on its own device of the picked engine, or with one job training up to
    /// `fuse` dense networks of the same shapes fused.
    pub fn run_native<H: SearchHost>(
        search: &mut Search,
        data: &PreparedData,
        pick: &EnginePick,
        (jobs, fuse): (usize, usize),
        host: &mut H,
    ) -> Result<RunEnd, SessionError> {
        let config = search.config().clone();
        if jobs > 1 && fuse > 1 {
            return Err(SessionError::Settings(format!(
                "--jobs {jobs} with --fuse {fuse}: fused trials train in one job (their ops spread over the cores themselves); give one of the two"
            )));
        }
        if jobs <= 1 {
            let mut evaluator = TrainingEvaluator::new(open_device(pick)?, &config, data.splits.clone());
            return Ok(pollster::block_on(run_search_fused(search, &mut evaluator, fuse, host)));
        }
        let make =
            || open_device(pick).map(|device| TrainingEvaluator::new(device, &config, data.splits.clone())).map_err(|e| e.to_string());
        Ok(run_search_parallel(search, jobs, make, host))
    }
}
