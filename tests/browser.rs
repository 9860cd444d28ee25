//! Browser suite (wasm-pack test --headless --chrome): the same kernels on the browser's WebGPU,
//! checked against the CPU reference compiled to WebAssembly.
#![cfg(target_arch = "wasm32")]

mod common;
mod search_fixture;

use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::{detect_engine, EngineReport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn axpy_on_webgpu_matches_the_cpu_reference() {
    let ctx = GpuContext::new().await.expect("WebGPU adapter (webdriver.json turns WebGPU on)");
    common::axpy_matches_cpu(&ctx).await.unwrap();
}

#[wasm_bindgen_test]
async fn upload_then_read_returns_the_same_values() {
    let ctx = GpuContext::new().await.expect("WebGPU adapter");
    let values = common::seeded_values(7, 3_000);
    let tensor = ctx.upload("round trip", &values).unwrap();
    assert_eq!(ctx.read(&tensor).await.unwrap(), values);
}

#[wasm_bindgen_test]
async fn detection_reports_a_webgpu_adapter() {
    let (report, context) = detect_engine().await;
    assert!(context.is_some(), "{report:?}");
    match report {
        EngineReport::Gpu { adapter } => assert_eq!(adapter.backend, "WebGPU"),
        other => panic!("expected the GPU engine, got {other:?}"),
    }
}

async fn context() -> GpuContext {
    GpuContext::new().await.expect("WebGPU adapter (webdriver.json turns WebGPU on)")
}

/// Chromium compiles WGSL with Tint, which is stricter than the native suite's naga in places
/// (mixing `<` and `&` needs parentheses): every kernel must build here too.
#[wasm_bindgen_test]
async fn every_kernel_compiles_on_webgpu() {
    let ctx = context().await;
    for kernel in nas_playground::engine::gpu::kernels::ALL {
        let _ = ctx.pipeline_for_test(kernel);
    }
    // Compilation errors arrive with the device's next answer.
    let probe = ctx.upload("probe", &[1.0]).unwrap();
    ctx.read(&probe).await.unwrap();
    ctx.check_health().unwrap();
}

#[wasm_bindgen_test]
async fn matmul_on_webgpu_matches_the_cpu_reference() {
    common::ops::matmul_matches_cpu(
        &context().await,
        &[(33, 17, 65), (64, 100, 31), (70, 45, 67), (132, 36, 72), (200, 20, 64), (68, 37, 64), (70, 45, 10)],
    )
    .await
    .unwrap();
}

#[wasm_bindgen_test]
async fn activations_on_webgpu_match_the_cpu_reference() {
    common::ops::activations_match_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn dropout_masks_on_webgpu_match_the_cpu_reference() {
    common::ops::dropout_matches_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn device_side_copies_match_the_cpu() {
    common::ops::copy_matches_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn losses_on_webgpu_match_the_cpu_reference() {
    common::ops::losses_match_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn convolution_on_webgpu_matches_the_cpu_reference() {
    common::ops::convolution_matches_cpu(&context().await, &common::ops::CONV_CASES[1..3]).await.unwrap();
}

#[wasm_bindgen_test]
async fn fused_layer_steps_on_webgpu_match_the_cpu_reference() {
    common::ops::fused_layer_steps_match_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn pooling_on_webgpu_matches_the_cpu_reference() {
    common::ops::pooling_matches_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn optimizers_on_webgpu_match_the_cpu_reference() {
    common::ops::optimizers_match_cpu(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn stacked_ops_on_webgpu_match_each_member_alone() {
    common::ops::stacked_ops_match_each_member_alone(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn packed_tensors_on_webgpu_are_views_that_update_as_one() {
    common::ops::packed_tensors_match_separate_ones(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_full_stack_of_dense_forwards_on_webgpu_is_one_dispatch() {
    common::ops::a_full_stack_costs_one_dispatch(&context().await).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_search_on_the_browsers_cpu_device_matches_the_native_cli() {
    let report = search_fixture::rerun_matches_the_log(false).await.unwrap();
    gloo::console::log!(report);
}

/// The GAN lab's trainer on WebGPU: 20 iterations (two D steps each, D's input gradient fed back
/// into G on the device) give the CPU's losses and weights.
#[wasm_bindgen_test]
async fn twenty_gan_iterations_on_webgpu_match_the_cpu() {
    use nas_playground::engine::cpu::CpuBackend;
    use nas_playground::engine::Backend;
    use nas_playground::gan::{GanSpec, GanTrainer, NetworkSpec, Target2d};

    async fn run<B: Backend>(be: &B, spec: &GanSpec) -> (Vec<f32>, Vec<f32>) {
        let mut trainer = GanTrainer::new(be, spec, &Target2d::ring()).unwrap();
        let mut losses = Vec::new();
        for i in 1..=20 {
            trainer.iterate(be).unwrap();
            if i % 5 == 0 {
                let l = trainer.take_losses(be).await.unwrap().unwrap();
                losses.extend([l.discriminator, l.generator]);
            }
        }
        let (g, d) = trainer.parameters(be).await.unwrap();
        (losses, g.into_iter().chain(d).flatten().collect())
    }
    let spec = GanSpec {
        generator: NetworkSpec { width: 16, ..GanSpec::default().generator },
        discriminator: NetworkSpec { width: 16, ..GanSpec::default().discriminator },
        d_steps: 2,
        batch_size: 32,
        ..GanSpec::default()
    };
    let (cpu_losses, cpu_params) = run(&CpuBackend::new(), &spec).await;
    let (gpu_losses, gpu_params) = run(&context().await, &spec).await;
    let gap = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(gap(&cpu_losses, &gpu_losses) < 1e-3, "{cpu_losses:?} on the CPU, {gpu_losses:?} on WebGPU");
    assert!(gap(&cpu_params, &gpu_params) < 1e-3, "weights differ by {}", gap(&cpu_params, &gpu_params));
}
