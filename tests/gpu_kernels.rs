//! Native GPU suite: the WGSL kernels on a real wgpu device (llvmpipe through Vulkan where no GPU
//! is installed), checked against the CPU reference.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use nas_playground::engine::gpu::{self, GpuContext, GpuError};
use nas_playground::engine::{detect_engine, EngineReport};

fn gpu_context() -> GpuContext {
    pollster::block_on(GpuContext::new()).unwrap_or_else(|error| {
        panic!("no GPU adapter for the native kernel tests ({error}); install mesa-vulkan-drivers (scripts/setup.sh does)")
    })
}

#[test]
fn axpy_on_the_gpu_matches_the_cpu_reference() {
    let ctx = gpu_context();
    pollster::block_on(common::axpy_matches_cpu(&ctx)).unwrap();
}

#[test]
fn upload_then_read_returns_the_same_values() {
    let ctx = gpu_context();
    let values = common::seeded_values(42, 1_000);
    let tensor = ctx.upload("round trip", &values).unwrap();
    assert_eq!(tensor.len(), 1_000);
    assert_eq!(pollster::block_on(ctx.read(&tensor)).unwrap(), values);
}

#[test]
fn empty_tensors_read_back_empty() {
    let ctx = gpu_context();
    let x = ctx.upload("empty x", &[]).unwrap();
    let y = ctx.zeros("empty y", 0).unwrap();
    gpu::axpy(&ctx, 2.0, &x, &y).unwrap();
    assert!(pollster::block_on(ctx.read(&y)).unwrap().is_empty());
}

#[test]
fn mismatched_lengths_are_an_error_not_a_panic() {
    let ctx = gpu_context();
    let x = ctx.zeros("x", 3).unwrap();
    let y = ctx.zeros("y", 4).unwrap();
    let error = gpu::axpy(&ctx, 1.0, &x, &y).unwrap_err();
    assert_eq!(error, GpuError::Validation("axpy: x has 3 values but y has 4".into()));
}

#[test]
fn a_tensor_over_the_device_limit_is_refused_with_its_size() {
    let ctx = gpu_context();
    let huge = usize::MAX / 8;
    match ctx.zeros("activations", huge) {
        Err(GpuError::TooLarge { what, bytes, limit }) => {
            assert_eq!(what, "activations");
            assert!(bytes > limit);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(ctx.check_health().is_ok(), "a refused allocation must not poison the device");
}

#[test]
fn detection_reports_the_gpu_adapter() {
    let (report, context) = pollster::block_on(detect_engine());
    assert!(context.is_some());
    match report {
        EngineReport::Gpu { adapter } => {
            assert!(!adapter.name.is_empty());
            assert_eq!(adapter.backend, "Vulkan");
        }
        other => panic!("expected the GPU engine, got {other:?}"),
    }
}
