//! The GAN lab's core: 2D targets a generator learns to imitate (a ring of Gaussians, a grid of
//! Gaussians, a spiral, two moons, points a person draws), `GanSpec` (both networks and how they
//! train, as data), the step-by-step `GanTrainer` on either engine, a whole run with events and
//! divergence checks, and the measures of how well it does (modes covered, the share of
//! high-quality samples, reverse KL over modes, binned KL and JS).

pub mod link;
pub mod metrics;
pub mod presets;
pub mod run;
pub mod spec;
pub mod targets;
pub mod train;
pub mod view;

pub use link::GanSetup;
pub use metrics::{binned_divergences, mode_coverage, ModeCoverage};
pub use presets::{gan_lessons, GanLesson};
pub use run::{run_gan, DivergenceWatch, GanEvent, GanOutcome, GanRunConfig};
pub use spec::{GanLoss, GanOptimizer, GanSpec, GanSpecError, NetworkSpec, NoiseDistribution, NoiseSpec};
pub use targets::Target2d;
pub use train::{GanError, GanLosses, GanMetrics, GanTrainer, MEASURE_SAMPLES};
pub use view::{explain_step, FrameOptions, GanFrame, GanHistory, StepKind};
