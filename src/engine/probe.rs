//! Which engine a session trains on, and why: the GPU when an adapter opens, else the CPU with the reason.

use serde::{Deserialize, Serialize};

use super::gpu::GpuContext;

/// What a person needs to know about the GPU adapter in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterSummary {
    /// The adapter's name as the driver or browser reports it (browsers may leave it empty).
    pub name: String,
    /// "discrete GPU", "integrated GPU", "virtual GPU", "software adapter" or "unknown type".
    pub device_type: String,
    /// The API underneath: "Vulkan", "Metal", "DirectX 12", "WebGPU", ...
    pub backend: String,
    pub driver: String,
}

impl AdapterSummary {
    pub fn from_info(info: &wgpu::AdapterInfo) -> Self {
        let device_type = match info.device_type {
            wgpu::DeviceType::DiscreteGpu => "discrete GPU",
            wgpu::DeviceType::IntegratedGpu => "integrated GPU",
            wgpu::DeviceType::VirtualGpu => "virtual GPU",
            wgpu::DeviceType::Cpu => "software adapter",
            wgpu::DeviceType::Other => "unknown type",
        };
        let backend = match info.backend {
            wgpu::Backend::Vulkan => "Vulkan",
            wgpu::Backend::Metal => "Metal",
            wgpu::Backend::Dx12 => "DirectX 12",
            wgpu::Backend::Gl => "OpenGL",
            wgpu::Backend::BrowserWebGpu => "WebGPU",
            wgpu::Backend::Noop => "no-op",
        };
        let driver =
            [info.driver.as_str(), info.driver_info.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
        Self { name: info.name.clone(), device_type: device_type.into(), backend: backend.into(), driver }
    }

    /// True for adapters that emulate a GPU on the processor (llvmpipe, SwiftShader).
    pub fn is_software(&self) -> bool {
        self.device_type == "software adapter"
    }
}

/// The engine a session uses, as shown on the page and printed by the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "engine", rename_all = "lowercase")]
pub enum EngineReport {
    Gpu { adapter: AdapterSummary },
    Cpu { reason: String },
}

impl EngineReport {
    /// "gpu" or "cpu": a stable word for tests and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineReport::Gpu { .. } => "gpu",
            EngineReport::Cpu { .. } => "cpu",
        }
    }

    /// One line for a person: "WebGPU: google swiftshader (software adapter)" or
    /// "CPU: no WebGPU adapter (this browser does not offer WebGPU ...)".
    pub fn headline(&self) -> String {
        match self {
            EngineReport::Gpu { adapter } => {
                let name = if adapter.name.is_empty() { "unnamed adapter" } else { adapter.name.as_str() };
                format!("{}: {} ({})", adapter.backend, name, adapter.device_type)
            }
            EngineReport::Cpu { reason } => format!("CPU: no WebGPU adapter ({reason})"),
        }
    }
}

/// Opens the GPU if one is offered; otherwise says why the CPU engine is used.
pub async fn detect_engine() -> (EngineReport, Option<GpuContext>) {
    match GpuContext::new().await {
        Ok(context) => (EngineReport::Gpu { adapter: context.adapter().clone() }, Some(context)),
        Err(error) => (EngineReport::Cpu { reason: cpu_reason(&error) }, None),
    }
}

/// Which adapter a GPU engine would use, without opening a device: cheap enough for the page's
/// own thread, where opening one would compile every kernel.
pub async fn detect_adapter() -> EngineReport {
    match GpuContext::adapter_only().await {
        Ok(adapter) => EngineReport::Gpu { adapter },
        Err(error) => EngineReport::Cpu { reason: cpu_reason(&error) },
    }
}

fn cpu_reason(error: &super::gpu::GpuError) -> String {
    let text = error.to_string();
    text.strip_prefix("no WebGPU adapter: ").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn software_adapter() -> AdapterSummary {
        AdapterSummary {
            name: "llvmpipe (LLVM 15.0.6, 256 bits)".into(),
            device_type: "software adapter".into(),
            backend: "Vulkan".into(),
            driver: "llvmpipe".into(),
        }
    }

    #[test]
    fn headline_names_backend_adapter_and_type() {
        let report = EngineReport::Gpu { adapter: software_adapter() };
        assert_eq!(report.headline(), "Vulkan: llvmpipe (LLVM 15.0.6, 256 bits) (software adapter)");
        assert_eq!(report.kind(), "gpu");
        assert!(software_adapter().is_software());
    }

    #[test]
    fn cpu_headline_carries_the_reason() {
        let report = EngineReport::Cpu { reason: "navigator.gpu is missing".into() };
        assert_eq!(report.headline(), "CPU: no WebGPU adapter (navigator.gpu is missing)");
        assert_eq!(report.kind(), "cpu");
    }

    #[test]
    fn report_round_trips_through_json_with_a_readable_tag() {
        let report = EngineReport::Gpu { adapter: software_adapter() };
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.starts_with(r#"{"engine":"gpu""#), "{json}");
        assert_eq!(serde_json::from_str::<EngineReport>(&json).unwrap(), report);
    }
}
