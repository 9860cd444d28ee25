//! Networks: `ModelSpec` (a network as data) validated and built into a `Model` on any `Backend`,
//! with layers whose forward and backward sit side by side, and the `Trainer` that fits them.

pub mod examples;
pub mod layer;
pub mod model;
pub mod spec;
pub mod trainer;

pub use examples::TargetRows;
pub use layer::Update;
pub use model::{Model, ModelError, Task};
pub use spec::{LayerSpec, ModelSpec, ModelSummary, Shape, SpecError};
pub use trainer::{
    continue_training, evaluate, train, EpochMetrics, Examples, ModelSnapshot, Optimizer, StopReason, TrainConfig, TrainEvent,
    TrainOutcome, TrainerHost,
};
