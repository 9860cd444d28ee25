//! Compute engines: the `Backend` trait training is written against, the CPU device (plain reference
//! kernels plus fast paths), the wgpu device with its WGSL kernels, and the probe that decides
//! which engine a session uses and says why.

pub mod activation;
pub mod backend;
pub mod cpu;
pub mod device;
pub mod gpu;
pub mod optimizer;
pub mod probe;
pub mod rng;
pub mod shapes;
pub mod stacked;

pub use activation::Activation;
pub use backend::{Backend, Packed};
pub use device::Device;
pub use optimizer::{AdamConfig, SgdConfig, Update};
pub use probe::{detect_adapter, detect_engine, AdapterSummary, EngineReport};
pub use shapes::{Conv2dDims, MatmulDims, Pool2dDims};
pub use stacked::{StackedBackend, MAX_MEMBERS};

/// An engine failure the caller can act on (the playground falls back to the CPU).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Gpu(#[from] gpu::GpuError),
}
