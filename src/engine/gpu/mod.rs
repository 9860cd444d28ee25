//! The GPU device: a wgpu context (Vulkan natively, WebGPU in the browser), tensors that live in its
//! memory, WGSL kernels compiled once and cached by name, and errors a caller can act on.

mod context;
mod error;
mod kernels;
mod ops;
mod tensor;

pub use context::GpuContext;
pub use error::GpuError;
pub use kernels::Kernel;
pub use ops::axpy;
pub use tensor::GpuTensor;
