//! Native GPU suite: the WGSL kernels on a real wgpu device (llvmpipe through Vulkan where no GPU
//! is installed), checked against the CPU reference.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use nas_playground::bench::BenchModel;
use nas_playground::engine::gpu::{GpuContext, GpuError};
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
    ctx.axpy(2.0, &x, &y).unwrap();
    assert!(pollster::block_on(ctx.read(&y)).unwrap().is_empty());
}

#[test]
fn mismatched_lengths_are_an_error_not_a_panic() {
    let ctx = gpu_context();
    let x = ctx.zeros("x", 3).unwrap();
    let y = ctx.zeros("y", 4).unwrap();
    let error = ctx.axpy(1.0, &x, &y).unwrap_err();
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

fn agree(check: impl std::future::Future<Output = Result<(), String>>) {
    pollster::block_on(check).unwrap();
}

#[test]
fn packed_tensors_are_views_that_update_as_one() {
    agree(common::ops::packed_tensors_match_separate_ones(&gpu_context()));
}

#[test]
fn every_kernel_compiles() {
    let ctx = gpu_context();
    for kernel in nas_playground::engine::gpu::kernels::ALL {
        let _ = ctx.pipeline_for_test(kernel);
    }
    ctx.check_health().unwrap();
}

#[test]
fn every_matmul_kernel_matches_the_cpu_in_every_layout() {
    let ctx = gpu_context();
    agree(common::ops::matmul_matches_cpu(&ctx, &common::ops::MATMUL_SHAPES));
}

#[test]
fn bias_and_fill_match_the_cpu() {
    agree(common::ops::dense_ops_match_cpu(&gpu_context()));
}

#[test]
fn activations_match_the_cpu() {
    agree(common::ops::activations_match_cpu(&gpu_context()));
}

#[test]
fn dropout_masks_are_identical_on_both_devices() {
    agree(common::ops::dropout_matches_cpu(&gpu_context()));
}

#[test]
fn device_side_copies_match_the_cpu() {
    agree(common::ops::copy_matches_cpu(&gpu_context()));
}

#[test]
fn losses_and_correct_counts_match_the_cpu() {
    agree(common::ops::losses_match_cpu(&gpu_context()));
}

#[test]
fn convolutions_match_the_cpu() {
    agree(common::ops::convolution_matches_cpu(&gpu_context(), &common::ops::CONV_CASES));
}

#[test]
fn fused_layer_steps_match_the_cpu() {
    agree(common::ops::fused_layer_steps_match_cpu(&gpu_context()));
}

#[test]
fn pooling_matches_the_cpu() {
    agree(common::ops::pooling_matches_cpu(&gpu_context()));
}

#[test]
fn optimizers_match_the_cpu() {
    agree(common::ops::optimizers_match_cpu(&gpu_context()));
}

#[test]
fn stacked_ops_match_each_member_alone_bit_for_bit() {
    agree(common::ops::stacked_ops_match_each_member_alone(&gpu_context()));
}

#[test]
fn a_full_stack_of_dense_forwards_is_one_dispatch() {
    agree(common::ops::a_full_stack_costs_one_dispatch(&gpu_context()));
}

#[test]
fn bind_groups_are_reused_across_steps_and_released_with_their_tensors() {
    let ctx = gpu_context();
    let before = ctx.cached_bindings();
    {
        let x = ctx.upload("x", &[1.0; 64]).unwrap();
        let y = ctx.upload("y", &[0.0; 64]).unwrap();
        for _ in 0..10 {
            ctx.axpy(0.5, &x, &y).unwrap();
        }
        assert_eq!(ctx.cached_bindings(), before + 1, "ten steps of one op share one bind group");
        assert_eq!(pollster::block_on(ctx.read(&y)).unwrap(), vec![5.0; 64]);
    }
    assert_eq!(ctx.cached_bindings(), before, "dropping the tensors releases their bind group");
}

/// Trains a benchmark network for a few steps on one device; returns (loss sum, correct count).
fn train_a_few_steps<B: nas_playground::engine::Backend>(backend: &B, model: BenchModel) -> (f32, f32) {
    use nas_playground::engine::AdamConfig;
    use nas_playground::nn::{Model, Task, Update};
    let mut net = Model::new(backend, &model.spec(), Task::Classification { classes: 10 }, 3).unwrap();
    let (loss_sum, correct) = (backend.zeros(1).unwrap(), backend.zeros(1).unwrap());
    let batch = 32;
    let input_len = net.summary().input.len();
    for step in 0..5u32 {
        let inputs: Vec<f32> = (0..batch * input_len).map(|i| common::unit(step, i)).collect();
        let labels: Vec<f32> = (0..batch).map(|i| (common::unit(step + 50, i) * 10.0).floor()).collect();
        let update = Update::Adam(AdamConfig::with_learning_rate(1e-3));
        net.train_step(backend, batch, &inputs, &labels, update, &loss_sum, &correct).unwrap();
    }
    let loss = pollster::block_on(backend.read(&loss_sum)).unwrap()[0];
    let correct = pollster::block_on(backend.read(&correct)).unwrap()[0];
    (loss, correct)
}

#[test]
fn whole_training_steps_agree_between_cpu_and_gpu() {
    let ctx = gpu_context();
    let cpu = nas_playground::engine::cpu::CpuBackend::new();
    for model in BenchModel::ALL {
        let (cpu_loss, cpu_correct) = train_a_few_steps(&cpu, model);
        let (gpu_loss, gpu_correct) = train_a_few_steps(&ctx, model);
        assert!(cpu_loss.is_finite() && cpu_loss > 0.0);
        assert!(
            (gpu_loss - cpu_loss).abs() <= 1e-3 * cpu_loss,
            "{model:?}: loss over five steps is {gpu_loss} on the GPU but {cpu_loss} on the CPU"
        );
        assert!((gpu_correct - cpu_correct).abs() <= 1.0, "{model:?}: correct {gpu_correct} vs {cpu_correct}");
    }
}

#[test]
fn a_released_device_refuses_work_with_a_clear_error_instead_of_panicking() {
    use nas_playground::engine::{Backend, EngineError};
    let ctx = gpu_context();
    let x = ctx.upload("x", &[1.0; 16]).unwrap();
    ctx.release();
    let lost = |result: Result<_, EngineError>| match result {
        Err(EngineError::Gpu(GpuError::DeviceLost(reason))) => reason,
        other => panic!("expected DeviceLost, got {other:?}"),
    };
    assert_eq!(lost(Backend::submit(&ctx)), "the device was released");
    assert!(matches!(pollster::block_on(ctx.read(&x)), Err(GpuError::DeviceLost(_))));
    assert!(matches!(ctx.zeros("y", 4), Err(GpuError::DeviceLost(_))));
}

#[test]
fn scratch_for_many_batch_sizes_stays_one_tensor_per_purpose() {
    use nas_playground::engine::Backend;
    let ctx = gpu_context();
    let total = ctx.zeros("total", 1).unwrap();
    for rows in (1..=200).map(|i| i * 7) {
        let logits = ctx.zeros("logits", rows * 3).unwrap();
        let labels = ctx.zeros("labels", rows).unwrap();
        ctx.count_correct(&logits, &labels, &total, rows, 3);
        Backend::submit(&ctx).unwrap();
    }
    let (count, bytes) = ctx.scratch_usage();
    assert_eq!(count, 1, "one purpose, one tensor");
    assert_eq!(bytes, 200 * 7 * 4, "as large as the largest need, no larger");
    // Every row hits (all logits tie, so the first class wins, and every label is class 0).
    let expected: usize = (1..=200).map(|i| i * 7).sum();
    assert_eq!(pollster::block_on(ctx.read(&total)).unwrap(), vec![expected as f32]);
}

#[test]
fn a_scratch_tensor_that_cannot_be_had_is_an_error_at_submit_not_a_panic() {
    use nas_playground::engine::{Backend, EngineError};
    let ctx = gpu_context();
    let logits = ctx.zeros("logits", 8).unwrap();
    let labels = ctx.zeros("labels", 4).unwrap();
    let dlogits = ctx.zeros("dlogits", 8).unwrap();
    let loss = ctx.zeros("loss", 1).unwrap();
    ctx.release();
    ctx.softmax_cross_entropy(&logits, &labels, &dlogits, &loss, 4, 2);
    assert!(matches!(Backend::submit(&ctx), Err(EngineError::Gpu(GpuError::DeviceLost(_)))));
}

/// Past 65,535 workgroups of 64 threads (4,194,240 rows) the row kernels' grid spills into y.
const ROWS_PAST_ONE_GRID_ROW: usize = 65_535 * 64 + 1_000;

#[test]
fn row_kernels_cover_rows_that_spill_into_the_second_grid_row() {
    use nas_playground::engine::Backend;
    let ctx = gpu_context();
    let rows = ROWS_PAST_ONE_GRID_ROW;
    let value = |i: usize| (i % 13) as f32 - 6.0;
    let values: Vec<f32> = (0..rows).map(value).collect();

    // Column sum over one row of `rows` columns: one thread per column.
    let x = ctx.upload("x", &values).unwrap();
    let sums = ctx.zeros("sums", rows).unwrap();
    ctx.bias_grad(&x, &sums, 1, rows);
    let sums = pollster::block_on(ctx.read(&sums)).unwrap();
    if let Some(i) = (0..rows).find(|&i| sums[i] != values[i]) {
        panic!("column {i} of {rows} sums to {} instead of {}", sums[i], values[i]);
    }

    // Argmax over one class: every row hits exactly when its label is 0.
    let labels: Vec<f32> = (0..rows).map(|i| (i % 2) as f32).collect();
    let labels = ctx.upload("labels", &labels).unwrap();
    let hits = ctx.zeros("hits", 1).unwrap();
    ctx.count_correct(&x, &labels, &hits, rows, 1);
    assert_eq!(pollster::block_on(ctx.read(&hits)).unwrap(), vec![rows.div_ceil(2) as f32]);

    // MSE of width 1 against zeros: the gradient of the last rows is 2·x / rows.
    let zeros = ctx.zeros("targets", rows).unwrap();
    let dpred = ctx.zeros("dpred", rows).unwrap();
    let loss = ctx.zeros("loss", 1).unwrap();
    ctx.mse(&x, &zeros, &dpred, &loss, rows, 1);
    let dpred = pollster::block_on(ctx.read(&dpred)).unwrap();
    for i in [0, rows - 1_000, rows - 1] {
        let expected = value(i) * (2.0 / rows as f32);
        assert!((dpred[i] - expected).abs() <= 1e-6 * expected.abs(), "row {i}: {} instead of {expected}", dpred[i]);
    }
    Backend::submit(&ctx).unwrap();
}

/// A model's parameters are packed on the GPU, so its optimizer step is one dispatch however many
/// layers it has; and the MLP's whole training step records the dispatches listed below.
#[test]
fn a_models_optimizer_step_is_one_dispatch() {
    use nas_playground::engine::{AdamConfig, SgdConfig, Update};
    use nas_playground::nn::{Model, Task};
    let gpu = gpu_context();
    for model in BenchModel::ALL {
        let mut net = Model::new(&gpu, &model.spec(), Task::Classification { classes: 10 }, 1).unwrap();
        for update in
            [Update::Adam(AdamConfig::with_learning_rate(1e-3)), Update::Sgd(SgdConfig { learning_rate: 0.1, momentum: 0.9, l2: 0.0 })]
        {
            let before = gpu.dispatches_recorded();
            net.update(&gpu, update);
            assert_eq!(gpu.dispatches_recorded() - before, 1, "{model:?}'s {update:?} step");
        }
    }
    // Dense 784→128 ReLU with bias and activation in the product (1), dense 128→10 likewise (2),
    // softmax cross-entropy with the argmax hits (3) and both their sums (4); dW2 (5), db2 (6), dh
    // through the ReLU (7), dW1 (8), db1 (9); Adam over every parameter (10).
    let dispatches = nas_playground::bench::profile::dispatches_per_step(&gpu, BenchModel::Mlp).unwrap();
    assert_eq!(dispatches, 10, "dispatches per MLP training step");
}
