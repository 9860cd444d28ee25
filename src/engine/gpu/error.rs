//! What can go wrong on the GPU, in words a caller can act on (the playground falls back to the CPU).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum GpuError {
    #[error("no WebGPU adapter: {0}")]
    NoAdapter(String),
    #[error("the GPU adapter refused a device: {0}")]
    DeviceRequest(String),
    #[error("the GPU device was lost: {0}")]
    DeviceLost(String),
    #[error("{what} needs {bytes} bytes, over this GPU's limit of {limit} bytes per buffer")]
    TooLarge { what: String, bytes: u64, limit: u64 },
    #[error("the GPU ran out of memory: {0}")]
    OutOfMemory(String),
    #[error("the GPU rejected a command: {0}")]
    Validation(String),
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
}

impl From<wgpu::Error> for GpuError {
    fn from(error: wgpu::Error) -> Self {
        match error {
            wgpu::Error::OutOfMemory { .. } => GpuError::OutOfMemory(error.to_string()),
            other => GpuError::Validation(other.to_string()),
        }
    }
}
