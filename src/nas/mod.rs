//! Neural architecture search: a `SearchSpace` (as data), strategies that propose its members
//! (grid, random, regularized evolution, successive halving / Hyperband), the `Search` that keeps
//! every trial, a runner that trains them on a `Device` and emits events, the log a search
//! resumes from, and a tabular benchmark for judging strategies without training.

pub mod candidate;
pub mod config;
pub mod evaluator;
pub mod event;
mod json;
pub mod log;
mod members;
pub mod mutation;
pub mod objective;
pub mod runner;
pub mod search;
pub mod space;
pub mod strategy;
pub mod tabular;
pub mod trial;

pub use candidate::{BuiltCandidate, Candidate, ConvBlock};
pub use config::{Budget, ConfigError, DataSource, DataSpec, SearchConfig};
pub use evaluator::TrainingEvaluator;
pub use event::SearchEvent;
pub use log::{LogError, SearchLog};
pub use objective::Objective;
pub use runner::{run_search, Evaluation, Evaluator, RunEnd, SearchHost};
pub use search::{EndReason, ResumeError, Search, SearchSummary};
pub use space::{Choices, ConvSpace, DenseSpace, DepthRange, Family, LogRange, Padding, Pooling, SearchSpace, SpaceError, SpaceSummary};
pub use strategy::{Strategy, StrategyConfig};
pub use tabular::{TabularBenchmark, TabularEvaluator};
pub use trial::{Continues, Failure, FailureKind, Origin, Proposal, TrialRecord, TrialResult};
