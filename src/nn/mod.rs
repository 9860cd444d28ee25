//! Networks: `ModelSpec` (a network as data) validated and built into a `Model` on any `Backend`,
//! with layers whose forward and backward sit side by side, and the `Trainer` that fits them;
//! `ModelStack` trains several networks of the same shapes as one.

pub mod examples;
pub mod layer;
pub mod model;
pub mod spec;
pub mod stack;
pub mod stack_training;
pub mod trainer;

pub use examples::TargetRows;
pub use layer::Update;
pub use model::{Model, ModelError, Task};
pub use spec::{LayerSpec, ModelSpec, ModelSummary, Shape, SpecError};
pub use stack::{ModelStack, StackError, StackShape};
pub use stack_training::{stack_config_conflict, train_stack, StackHost};
pub use trainer::{
    continue_training, evaluate, train, EpochMetrics, Examples, ModelSnapshot, Optimizer, StopReason, TrainConfig, TrainEvent,
    TrainOutcome, TrainerHost,
};
