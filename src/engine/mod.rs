//! Compute engines: the plain CPU reference kernels, the wgpu device with its WGSL kernels, and the
//! probe that decides which engine a session uses and says why.

pub mod cpu;
pub mod gpu;
pub mod probe;

pub use probe::{detect_engine, AdapterSummary, EngineReport};
