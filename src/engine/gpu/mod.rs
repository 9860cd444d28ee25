//! The GPU device: a wgpu context (Vulkan natively, WebGPU in the browser), tensors that live in its
//! memory, WGSL kernels compiled once and cached by name, ops recorded into one command encoder per
//! step with cached bind groups, and errors a caller can act on.

mod backend;
mod context;
mod error;
pub mod kernels;
mod products;
mod recorder;
mod stacked;
mod tensor;
mod texels;

pub use context::{GpuContext, MatmulVariant};
pub use error::GpuError;
pub use kernels::Kernel;
pub use tensor::GpuTensor;
