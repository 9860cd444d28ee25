//! The device a session trains on, chosen at run time: the GPU when an adapter opens, else the CPU.

use std::rc::Rc;

use super::cpu::CpuBackend;
use super::gpu::GpuContext;
use super::probe::{detect_engine, EngineReport};

/// A training device. Models are generic over `Backend`; callers match on this once to pick one.
pub enum Device {
    Cpu(CpuBackend),
    Gpu(Rc<GpuContext>),
}

impl Device {
    pub fn cpu() -> Self {
        Device::Cpu(CpuBackend::new())
    }

    /// The GPU if one opens, else the CPU; the report says which and why.
    pub async fn detect() -> (Self, EngineReport) {
        match detect_engine().await {
            (report, Some(gpu)) => (Device::Gpu(Rc::new(gpu)), report),
            (report, None) => (Device::cpu(), report),
        }
    }

    /// "cpu" or "gpu".
    pub fn kind(&self) -> &'static str {
        match self {
            Device::Cpu(_) => "cpu",
            Device::Gpu(_) => "gpu",
        }
    }
}
