//! The GAN lab's core: 2D targets a generator learns to imitate (a ring of Gaussians, a grid of
//! Gaussians, a spiral, two moons, points a person draws) and the measures of how well it does
//! (modes covered, the share of high-quality samples, reverse KL over modes, binned KL and JS).

pub mod metrics;
pub mod targets;

pub use metrics::{binned_divergences, mode_coverage, ModeCoverage};
pub use targets::Target2d;
