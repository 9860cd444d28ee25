//! Neural architecture search: a `SearchSpace` (as data), strategies that propose its members
//! (grid, random, regularized evolution, successive halving / Hyperband), the `Search` that keeps
//! every trial, a runner that trains them on a `Device` and emits events, the log a search
//! resumes from, and a tabular benchmark for judging strategies without training.

pub mod candidate;
pub mod charts;
pub mod config;
pub mod engine_pick;
pub mod evaluator;
pub mod event;
pub mod experiment;
pub mod export;
pub mod gan_space;
mod gan_trial;
pub mod importance;
pub mod inspect;
mod json;
pub mod log;
mod members;
pub mod mutation;
pub mod objective;
#[cfg(not(target_arch = "wasm32"))]
pub mod parallel;
pub mod pool;
pub mod presets;
pub mod protocol;
pub mod runner;
pub mod search;
pub mod session;
pub mod space;
pub mod space_fields;
pub mod space_form;
pub mod strategy;
pub mod tabular;
pub mod trained;
pub mod trial;
pub mod trial_table;
pub mod view;

pub use candidate::{BuiltCandidate, Candidate, ConvBlock};
pub use config::{Budget, ConfigError, DataSource, DataSpec, SearchConfig};
pub use engine_pick::{EngineChoice, EnginePick, EngineTiming};
pub use evaluator::TrainingEvaluator;
pub use event::SearchEvent;
pub use experiment::Experiment;
pub use gan_space::{GanChoice, GanSpace};
pub use inspect::{Plane, PlaneMaps, TrialInspection, ValidationReport};
pub use log::{LogError, LogOrder, SearchLog};
pub use objective::Objective;
pub use pool::{PoolAction, PoolCoordinator, PoolStatus};
pub use protocol::{FromWorker, ToWorker, TrialOutcome};
pub use runner::{fusion_groups, run_search, run_search_fused, Evaluation, Evaluator, FusionKey, RecordingHost, RunEnd, SearchHost};
pub use search::{EndReason, Next, ResumeError, Search, SearchSummary};
pub use session::{open_search, prepare_data, OpenedSearch, PreparedData, SessionError};
pub use space::{Choices, ConvSpace, DenseSpace, DepthRange, Family, LogRange, Padding, Pooling, SearchSpace, SpaceError, SpaceSummary};
pub use strategy::{Step, Strategy, StrategyConfig};
pub use tabular::{TabularBenchmark, TabularEvaluator};
pub use trained::{InputPipeline, TrainedModel, WeightsError};
pub use trial::{Continues, Failure, FailureKind, Origin, Proposal, TrialRecord, TrialResult};
pub use view::{Lineage, RungView, SearchView, StepProgress, TrialStatus, TrialView};
