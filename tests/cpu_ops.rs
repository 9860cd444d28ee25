//! CPU reference ops: central finite-difference checks of every backward, the fast paths against
//! the plain kernels, and the optimizers against hand-computed updates.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::seeded_values;
use nas_playground::engine::cpu::{conv, fast, pool, reference as r};
use nas_playground::engine::{Activation, AdamConfig, Conv2dDims, MatmulDims, Pool2dDims, SgdConfig};

/// Compares an analytic gradient with central differences of `loss` at up to 40 coordinates.
fn gradcheck(name: &str, point: &[f32], analytic: &[f32], loss: impl Fn(&[f32]) -> f32) {
    assert_eq!(point.len(), analytic.len(), "{name}: gradient length");
    let eps = 1e-2f32;
    let step = (point.len() / 40).max(1);
    for i in (0..point.len()).step_by(step) {
        let mut plus = point.to_vec();
        let mut minus = point.to_vec();
        plus[i] += eps;
        minus[i] -= eps;
        let numeric = (loss(&plus) - loss(&minus)) / (2.0 * eps);
        let error = (numeric - analytic[i]).abs() / (numeric.abs() + analytic[i].abs()).max(1e-2);
        assert!(error < 2e-2, "{name}: d/dx[{i}] analytic {} but numeric {numeric}", analytic[i]);
    }
}

/// Σ weights·values: a scalar whose gradient with respect to `values` is `weights`.
fn dot(weights: &[f32], values: &[f32]) -> f32 {
    weights.iter().zip(values).map(|(a, b)| a * b).sum()
}

#[test]
fn matmul_gradients_in_every_transpose_layout() {
    let (m, k, n) = (3, 5, 4);
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        let d = MatmulDims { m, k, n, trans_a: ta, trans_b: tb };
        let a = seeded_values(1, m * k);
        let b = seeded_values(2, k * n);
        let dy = seeded_values(3, m * n);
        let out = |a: &[f32], b: &[f32]| {
            let mut c = vec![0.0; m * n];
            r::matmul(a, b, &mut c, d);
            c
        };
        // dA = dY · op(B)ᵀ and dB = op(A)ᵀ · dY, laid out like A and B.
        let mut da = vec![0.0; m * k];
        let mut db = vec![0.0; k * n];
        if ta {
            r::matmul(&b, &dy, &mut da, MatmulDims { m: k, k: n, n: m, trans_a: tb, trans_b: true });
        } else {
            r::matmul(&dy, &b, &mut da, MatmulDims { m, k: n, n: k, trans_a: false, trans_b: !tb });
        }
        if tb {
            r::matmul(&dy, &a, &mut db, MatmulDims { m: n, k: m, n: k, trans_a: true, trans_b: ta });
        } else {
            r::matmul(&a, &dy, &mut db, MatmulDims { m: k, k: m, n, trans_a: !ta, trans_b: false });
        }
        gradcheck(&format!("matmul {ta}/{tb} dA"), &a, &da, |a| dot(&dy, &out(a, &b)));
        gradcheck(&format!("matmul {ta}/{tb} dB"), &b, &db, |b| dot(&dy, &out(&a, b)));
    }
}

#[test]
fn bias_gradient_is_the_column_sum() {
    let (rows, cols) = (6, 4);
    let y = seeded_values(4, rows * cols);
    let bias = seeded_values(5, cols);
    let dy = seeded_values(6, rows * cols);
    let mut db = vec![0.0; cols];
    r::bias_grad(&dy, &mut db, rows, cols);
    gradcheck("bias", &bias, &db, |bias| {
        let mut out = y.clone();
        r::bias_add(&mut out, bias, rows, cols);
        dot(&dy, &out)
    });
}

#[test]
fn activation_gradients() {
    let x: Vec<f32> = seeded_values(7, 50).iter().map(|v| v * 3.0).collect();
    let dy = seeded_values(8, 50);
    for activation in [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Gelu,
    ] {
        let mut y = vec![0.0; 50];
        r::activation_forward(activation, &x, &mut y);
        let mut dx = vec![0.0; 50];
        r::activation_backward(activation, &x, &y, &dy, &mut dx);
        gradcheck(&format!("{activation:?}"), &x, &dx, |x| {
            let mut out = vec![0.0; 50];
            r::activation_forward(activation, x, &mut out);
            dot(&dy, &out)
        });
    }
}

#[test]
fn dropout_keeps_the_expected_share_and_routes_gradients_through_the_same_mask() {
    let n = 20_000;
    let x = vec![1.0; n];
    let mut y = vec![0.0; n];
    r::dropout_forward(&x, &mut y, 0.25, 99);
    let kept = y.iter().filter(|v| **v != 0.0).count() as f32 / n as f32;
    assert!((kept - 0.75).abs() < 0.015, "kept {kept}");
    assert!(y.iter().all(|v| *v == 0.0 || (*v - 1.0 / 0.75).abs() < 1e-6));
    let dy = seeded_values(9, n);
    let mut dx = vec![0.0; n];
    r::dropout_backward(&dy, &mut dx, 0.25, 99);
    let xs = seeded_values(10, n);
    gradcheck("dropout", &xs, &dx, |x| {
        let mut out = vec![0.0; n];
        r::dropout_forward(x, &mut out, 0.25, 99);
        dot(&dy, &out)
    });
}

#[test]
fn loss_gradients_are_those_of_the_batch_mean() {
    let (rows, classes) = (5, 4);
    let logits: Vec<f32> = seeded_values(11, rows * classes).iter().map(|v| v * 4.0).collect();
    let labels: Vec<f32> = (0..rows).map(|i| (i * 3 % classes) as f32).collect();
    type LossFn<'a> = dyn Fn(&[f32], &mut [f32], &mut [f32]) + 'a;
    let mean_loss = |f: &LossFn, z: &[f32]| {
        let mut grad = vec![0.0; z.len()];
        let mut sum = [0.0];
        f(z, &mut grad, &mut sum);
        (sum[0] / rows as f32, grad)
    };
    let ce = |z: &[f32], g: &mut [f32], s: &mut [f32]| r::softmax_cross_entropy(z, &labels, g, s, rows, classes);
    let (_, grad) = mean_loss(&ce, &logits);
    gradcheck("softmax cross-entropy", &logits, &grad, |z| mean_loss(&ce, z).0);

    let targets: Vec<f32> = seeded_values(12, rows * 2).iter().map(|v| (v + 1.0) / 2.0).collect();
    let bce = |z: &[f32], g: &mut [f32], s: &mut [f32]| r::bce_with_logits(z, &targets, g, s, rows, 2);
    let z = &logits[..rows * 2];
    let (_, grad) = mean_loss(&bce, z);
    gradcheck("binary cross-entropy", z, &grad, |z| mean_loss(&bce, z).0);

    let mse = |p: &[f32], g: &mut [f32], s: &mut [f32]| r::mse(p, &targets, g, s, rows, 2);
    let (_, grad) = mean_loss(&mse, z);
    gradcheck("mean squared error", z, &grad, |p| mean_loss(&mse, p).0);
}

#[test]
fn losses_match_hand_computed_values() {
    // Two classes with equal logits: loss ln 2 per sample; gradient ±0.5 over 1 row.
    let mut grad = [0.0; 2];
    let mut sum = [0.0];
    r::softmax_cross_entropy(&[3.0, 3.0], &[1.0], &mut grad, &mut sum, 1, 2);
    assert!((sum[0] - std::f32::consts::LN_2).abs() < 1e-6);
    assert_eq!(grad, [0.5, -0.5]);
    // Large logits stay finite.
    let mut sum = [0.0];
    r::softmax_cross_entropy(&[1000.0, -1000.0], &[1.0], &mut grad, &mut sum, 1, 2);
    assert!((sum[0] - 2000.0).abs() < 1e-3, "{}", sum[0]);
    let mut sum = [0.0];
    r::bce_with_logits(&[0.0, 100.0], &[1.0, 1.0], &mut grad, &mut sum, 2, 1);
    assert!((sum[0] - std::f32::consts::LN_2).abs() < 1e-6, "{}", sum[0]);
    let mut sum = [0.0];
    r::mse(&[1.0, 3.0], &[0.0, 1.0], &mut grad, &mut sum, 1, 2);
    assert_eq!(sum[0], 2.5);
    assert_eq!(grad, [1.0, 2.0]);
    let mut correct = [0.0];
    r::count_correct(&[0.1, 0.9, 0.8, 0.2, 0.5, 0.5], &[1.0, 1.0, 0.0], &mut correct, 3, 2);
    assert_eq!(correct[0], 2.0);
}

fn conv_cases() -> Vec<Conv2dDims> {
    vec![
        Conv2dDims { batch: 2, in_channels: 1, height: 6, width: 5, out_channels: 3, kernel: 3, stride: 1, padding: 0 },
        Conv2dDims { batch: 1, in_channels: 2, height: 5, width: 5, out_channels: 2, kernel: 3, stride: 2, padding: 1 },
        Conv2dDims { batch: 2, in_channels: 3, height: 4, width: 7, out_channels: 2, kernel: 2, stride: 1, padding: 2 },
        Conv2dDims { batch: 3, in_channels: 2, height: 9, width: 8, out_channels: 3, kernel: 5, stride: 3, padding: 2 },
        Conv2dDims { batch: 2, in_channels: 1, height: 3, width: 3, out_channels: 2, kernel: 3, stride: 1, padding: 3 },
        Conv2dDims { batch: 16, in_channels: 8, height: 13, width: 13, out_channels: 16, kernel: 3, stride: 1, padding: 1 },
    ]
}

/// Unit stride without padding, the fast path's wide layout: square and not, and the seeds' second layer.
fn wide_conv_cases() -> Vec<Conv2dDims> {
    vec![
        Conv2dDims { batch: 5, in_channels: 4, height: 11, width: 9, out_channels: 6, kernel: 3, stride: 1, padding: 0 },
        Conv2dDims { batch: 3, in_channels: 2, height: 7, width: 10, out_channels: 3, kernel: 4, stride: 1, padding: 0 },
        Conv2dDims { batch: 8, in_channels: 32, height: 13, width: 13, out_channels: 64, kernel: 3, stride: 1, padding: 0 },
        Conv2dDims { batch: 3, in_channels: 1, height: 28, width: 28, out_channels: 32, kernel: 3, stride: 1, padding: 0 },
        Conv2dDims { batch: 9, in_channels: 3, height: 6, width: 20, out_channels: 9, kernel: 5, stride: 1, padding: 0 },
        Conv2dDims { batch: 2, in_channels: 5, height: 4, width: 4, out_channels: 2, kernel: 1, stride: 1, padding: 0 },
    ]
}

#[test]
fn conv2d_gradients_for_stride_and_padding() {
    for d in conv_cases() {
        let x = seeded_values(13, d.input_len());
        let w = seeded_values(14, d.weight_len());
        let bias = seeded_values(15, d.out_channels);
        let dy = seeded_values(16, d.output_len());
        let out = |x: &[f32], w: &[f32], b: &[f32]| {
            let mut y = vec![0.0; d.output_len()];
            r::conv2d_forward(x, w, b, &mut y, d);
            y
        };
        let mut dx = vec![0.0; d.input_len()];
        r::conv2d_backward_input(&dy, &w, &mut dx, d);
        let mut dw = vec![0.0; d.weight_len()];
        let mut db = vec![0.0; d.out_channels];
        r::conv2d_backward_weights(&x, &dy, &mut dw, &mut db, d);
        gradcheck(&format!("conv dx {d:?}"), &x, &dx, |x| dot(&dy, &out(x, &w, &bias)));
        gradcheck(&format!("conv dw {d:?}"), &w, &dw, |w| dot(&dy, &out(&x, w, &bias)));
        gradcheck(&format!("conv db {d:?}"), &bias, &db, |b| dot(&dy, &out(&x, &w, b)));
    }
}

#[test]
fn conv2d_forward_matches_a_hand_computed_case() {
    // 3x3 input, 2x2 kernel of ones, bias 1: each output is its window's sum plus one.
    let d = Conv2dDims { batch: 1, in_channels: 1, height: 3, width: 3, out_channels: 1, kernel: 2, stride: 1, padding: 0 };
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let mut y = [0.0; 4];
    r::conv2d_forward(&x, &[1.0; 4], &[1.0], &mut y, d);
    assert_eq!(y, [13.0, 17.0, 25.0, 29.0]);
}

#[test]
fn max_pool_routes_gradients_to_each_maximum() {
    for d in [
        Pool2dDims { batch: 2, channels: 3, height: 6, width: 6, size: 2, stride: 2 },
        Pool2dDims { batch: 1, channels: 2, height: 5, width: 7, size: 3, stride: 2 },
        Pool2dDims { batch: 1, channels: 1, height: 5, width: 5, size: 2, stride: 2 },
    ] {
        let x = seeded_values(17, d.input_len());
        let dy = seeded_values(18, d.output_len());
        let mut y = vec![0.0; d.output_len()];
        let mut argmax = vec![0.0; d.output_len()];
        r::max_pool_forward(&x, &mut y, &mut argmax, d);
        let mut dx = vec![0.0; d.input_len()];
        r::max_pool_backward(&dy, &argmax, &mut dx, d);
        gradcheck(&format!("max pool {d:?}"), &x, &dx, |x| {
            let mut out = vec![0.0; d.output_len()];
            let mut idx = vec![0.0; d.output_len()];
            r::max_pool_forward(x, &mut out, &mut idx, d);
            dot(&dy, &out)
        });
    }
    let d = Pool2dDims { batch: 1, channels: 1, height: 2, width: 4, size: 2, stride: 2 };
    let mut y = [0.0; 2];
    let mut argmax = [0.0; 2];
    r::max_pool_forward(&[1.0, 5.0, -1.0, -2.0, 3.0, 2.0, -3.0, -0.5], &mut y, &mut argmax, d);
    assert_eq!(y, [5.0, -0.5]);
    assert_eq!(argmax, [1.0, 7.0]);
}

#[test]
fn fast_matmul_matches_the_reference_in_every_layout() {
    for (m, k, n) in [(1, 1, 1), (7, 13, 5), (64, 100, 33), (256, 784, 128)] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let d = MatmulDims { m, k, n, trans_a: ta, trans_b: tb };
            let a = seeded_values(19, m * k);
            let b = seeded_values(20, k * n);
            let mut expected = vec![0.0; m * n];
            let mut got = vec![0.0; m * n];
            r::matmul(&a, &b, &mut expected, d);
            fast::matmul(&a, &b, &mut got, d);
            for (g, e) in got.iter().zip(&expected) {
                assert!((g - e).abs() <= 1e-4 * (1.0 + e.abs()) * (k as f32).sqrt(), "{d:?}: {g} vs {e}");
            }
        }
    }
}

#[test]
fn rows_split_over_the_cores_give_the_same_bits_as_one_core() {
    for (m, k, n) in [(256, 784, 128), (784, 256, 128), (100, 300, 70)] {
        for (ta, tb) in [(false, false), (true, false), (false, true)] {
            let d = MatmulDims { m, k, n, trans_a: ta, trans_b: tb };
            let (a, b) = (seeded_values(25, m * k), seeded_values(26, k * n));
            let (mut split, mut serial) = (vec![0.5; m * n], vec![0.5; m * n]);
            fast::gemm(&a, &b, &mut split, d, 1.0);
            fast::gemm_serial(&a, &b, &mut serial, d, 1.0);
            assert!(split == serial, "{d:?}: the split product differs from the one-core product");
        }
    }
}

#[test]
fn fast_max_pool_matches_the_reference_exactly() {
    for d in [
        Pool2dDims { batch: 5, channels: 3, height: 6, width: 6, size: 2, stride: 2 },
        Pool2dDims { batch: 3, channels: 2, height: 5, width: 7, size: 3, stride: 2 },
        Pool2dDims { batch: 64, channels: 8, height: 26, width: 26, size: 2, stride: 2 },
        Pool2dDims { batch: 2, channels: 1, height: 5, width: 7, size: 2, stride: 2 },
    ] {
        // Repeated values, so the first-maximum rule decides the argmax.
        let x: Vec<f32> = seeded_values(27, d.input_len()).iter().map(|v| (v * 4.0).round()).collect();
        let dy = seeded_values(28, d.output_len());
        let (mut y1, mut y2) = (vec![0.0; d.output_len()], vec![9.0; d.output_len()]);
        let (mut a1, mut a2) = (vec![0.0; d.output_len()], vec![9.0; d.output_len()]);
        r::max_pool_forward(&x, &mut y1, &mut a1, d);
        pool::max_pool_forward(&x, &mut y2, &mut a2, d);
        assert_eq!((&y2, &a2), (&y1, &a1), "{d:?}");
        let (mut dx1, mut dx2) = (vec![0.0; d.input_len()], vec![9.0; d.input_len()]);
        r::max_pool_backward(&dy, &a1, &mut dx1, d);
        pool::max_pool_backward(&dy, &a2, &mut dx2, d);
        assert_eq!(dx2, dx1, "{d:?}");
        // Through the activation of the layer before, as the two plain passes give dz. The pool's
        // input is that activation's output, so the pooled values are y at the maxima.
        let activations = [
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.1 },
            Activation::LeakyRelu { slope: -0.1 },
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Gelu,
            Activation::Identity,
        ];
        for activation in activations {
            let mut before_y = vec![0.0; d.input_len()];
            r::activation_forward(activation, &x, &mut before_y);
            let (mut pooled, mut at) = (vec![0.0; d.output_len()], vec![0.0; d.output_len()]);
            r::max_pool_forward(&before_y, &mut pooled, &mut at, d);
            let (mut dx, mut dz1) = (vec![0.0; d.input_len()], vec![0.0; d.input_len()]);
            r::max_pool_backward(&dy, &at, &mut dx, d);
            r::activation_backward(activation, &x, &before_y, &dx, &mut dz1);
            let (mut dx3, mut dz3) = (vec![9.0; d.input_len()], vec![9.0; d.input_len()]);
            pool::max_pool_backward_activation((&dy, &at, &pooled), d, activation, (&x, &before_y, &mut dx3, &mut dz3));
            assert_eq!(dz3, dz1, "{activation:?} {d:?}");
        }
    }
}

/// Runs `check` on the path the fast convolutions take on this machine and, where that is the direct
/// AVX-512 kernels, once more on the unfolded path the other machines and the browser take.
fn on_every_conv_path(check: impl Fn()) {
    check();
    #[cfg(target_arch = "x86_64")]
    nas_playground::engine::cpu::direct_conv::unfolded_only(check);
}

#[test]
fn fast_convolution_matches_the_reference() {
    on_every_conv_path(fast_convolution_matches_the_reference_on_this_path);
}

fn fast_convolution_matches_the_reference_on_this_path() {
    for d in conv_cases().into_iter().chain(wide_conv_cases()) {
        let x = seeded_values(21, d.input_len());
        let w = seeded_values(22, d.weight_len());
        let bias = seeded_values(23, d.out_channels);
        let dy = seeded_values(24, d.output_len());
        let mut scratch = Vec::new();
        let close = |a: &[f32], b: &[f32], what: &str| {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "{what} {d:?} [{i}]: {x} vs {y}");
            }
        };
        let (mut y1, mut y2) = (vec![0.0; d.output_len()], vec![0.0; d.output_len()]);
        r::conv2d_forward(&x, &w, &bias, &mut y1, d);
        conv::conv2d_forward(&x, &w, &bias, &mut y2, d, &mut scratch);
        close(&y2, &y1, "forward");
        let (mut dx1, mut dx2) = (vec![0.0; d.input_len()], vec![1.0; d.input_len()]);
        r::conv2d_backward_input(&dy, &w, &mut dx1, d);
        conv::conv2d_backward_input(&dy, &w, &mut dx2, d, &mut scratch);
        close(&dx2, &dx1, "input gradient");
        let (mut dw1, mut dw2) = (vec![0.0; d.weight_len()], vec![1.0; d.weight_len()]);
        let (mut db1, mut db2) = (vec![0.0; d.out_channels], vec![1.0; d.out_channels]);
        r::conv2d_backward_weights(&x, &dy, &mut dw1, &mut db1, d);
        conv::conv2d_backward_weights(&x, &dy, &mut dw2, &mut db2, d, &mut scratch);
        close(&dw2, &dw1, "weight gradient");
        close(&db2, &db1, "bias gradient");
    }
}

#[test]
fn sgd_with_momentum_and_l2_matches_hand_computed_steps() {
    let config = SgdConfig { learning_rate: 0.1, momentum: 0.9, l2: 0.1 };
    let (mut w, mut velocity) = ([1.0f32], [0.0f32]);
    for (grad, expected) in [(0.5, 0.94), (-1.0, 0.9766), (2.0, 0.799774)] {
        r::sgd_step(&mut w, &[grad], &mut velocity, config);
        assert!((w[0] - expected).abs() < 1e-6, "{} vs {expected}", w[0]);
    }
}

#[test]
fn adam_matches_hand_computed_steps_with_and_without_l2() {
    for (l2, expected) in [(0.0, [0.900_000_02, 0.936_610_37, 0.894_644_8]), (0.01, [0.900_000_02, 0.935_523_7, 0.892_965_7])] {
        let config = AdamConfig { learning_rate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, l2 };
        let (mut w, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
        for (step, (grad, want)) in [0.5, -1.0, 2.0].into_iter().zip(expected).enumerate() {
            r::adam_step(&mut w, &[grad], &mut m, &mut v, config, step as u32 + 1);
            assert!((w[0] - want).abs() < 2e-6, "l2 {l2}, step {}: {} vs {want}", step + 1, w[0]);
        }
    }
}

#[test]
fn fused_convolution_steps_equal_the_plain_ops_they_replace() {
    on_every_conv_path(fused_convolution_steps_equal_the_plain_ops_on_this_path);
}

fn fused_convolution_steps_equal_the_plain_ops_on_this_path() {
    for d in conv_cases().into_iter().chain(wide_conv_cases()) {
        for activation in [Activation::Relu, Activation::Tanh, Activation::Gelu, Activation::LeakyRelu { slope: -0.1 }] {
            let x = seeded_values(31, d.input_len());
            let w = seeded_values(32, d.weight_len());
            let bias = seeded_values(33, d.out_channels);
            let dy = seeded_values(34, d.output_len());
            let mut scratch = Vec::new();
            let (mut z1, mut y1) = (vec![0.0; d.output_len()], vec![0.0; d.output_len()]);
            conv::conv2d_forward(&x, &w, &bias, &mut z1, d, &mut scratch);
            r::activation_forward(activation, &z1, &mut y1);
            let (mut z2, mut y2) = (vec![7.0; d.output_len()], vec![7.0; d.output_len()]);
            conv::conv2d_forward_activation(&x, &w, &bias, &mut z2, &mut y2, activation, d, &mut scratch);
            assert_eq!(y2, y1, "forward {activation:?} {d:?}");
            // z may be left unwritten only where y gives f', and then f' read from y is the same.
            if z2 != z1 {
                assert!(activation.derivative_from_output() && z2.iter().all(|v| *v == 7.0), "forward z {activation:?} {d:?}");
                let (mut from_z, mut from_y) = (vec![0.0; d.output_len()], vec![0.0; d.output_len()]);
                r::activation_backward(activation, &z1, &y1, &dy, &mut from_z);
                r::activation_backward(activation, &y1, &y1, &dy, &mut from_y);
                assert_eq!(from_y, from_z, "f' from y {activation:?} {d:?}");
            }

            let mut dz1 = vec![0.0; d.output_len()];
            r::activation_backward(activation, &z1, &y1, &dy, &mut dz1);
            let (mut dw1, mut db1) = (vec![0.0; d.weight_len()], vec![0.0; d.out_channels]);
            conv::conv2d_backward_weights(&x, &dz1, &mut dw1, &mut db1, d, &mut scratch);
            let mut dz2 = vec![7.0; d.output_len()];
            let (mut dw2, mut db2) = (vec![7.0; d.weight_len()], vec![7.0; d.out_channels]);
            conv::conv2d_activation_backward_weights(activation, (&z1, &y1, &dy, &mut dz2), &x, &mut dw2, &mut db2, d, &mut scratch);
            assert_eq!((&dz2, &dw2, &db2), (&dz1, &dw1, &db1), "backward {activation:?} {d:?}");
        }
    }
}

#[test]
fn a_convolution_pooled_in_cache_gives_the_plain_ops_pool() {
    use nas_playground::engine::cpu::CpuBackend;
    use nas_playground::engine::Backend;
    let be = CpuBackend::new();
    fn read<B: Backend>(be: &B, t: &B::Tensor) -> Vec<f32> {
        pollster::block_on(be.read(t)).unwrap()
    }
    on_every_conv_path(|| {
        for d in conv_cases().into_iter().chain(wide_conv_cases()) {
            for (size, stride) in [(2, 2), (3, 3), (2, 3), (3, 2)] {
                let p = Pool2dDims { batch: d.batch, channels: d.out_channels, height: d.out_height(), width: d.out_width(), size, stride };
                if p.height < size || p.width < size {
                    continue;
                }
                for activation in
                    [Activation::Relu, Activation::Identity, Activation::Tanh, Activation::LeakyRelu { slope: 0.1 }, Activation::Gelu]
                {
                    let x = seeded_values(41, d.input_len());
                    // Rounded weights repeat values, so the first-maximum rule decides some windows.
                    let w: Vec<f32> = seeded_values(42, d.weight_len()).iter().map(|v| (v * 4.0).round() / 4.0).collect();
                    let bias = seeded_values(43, d.out_channels);
                    let (gx, gw, gb) = (be.upload(&x).unwrap(), be.upload(&w).unwrap(), be.upload(&bias).unwrap());
                    // The plain ops, one after the other, on the same device.
                    let (gz, gy) = (be.zeros(d.output_len()).unwrap(), be.zeros(d.output_len()).unwrap());
                    let (gp, ga) = (be.zeros(p.output_len()).unwrap(), be.zeros(p.output_len()).unwrap());
                    be.conv2d_forward_activation(&gx, &gw, &gb, &gz, &gy, activation, d);
                    be.max_pool_forward(&gy, &gp, &ga, p);
                    let (z, y, pooled, argmax) = (read(&be, &gz), read(&be, &gy), read(&be, &gp), read(&be, &ga));

                    let (gz, gy) = (be.upload(&vec![7.0; d.output_len()]).unwrap(), be.upload(&vec![7.0; d.output_len()]).unwrap());
                    let (gp, ga) = (be.upload(&vec![7.0; p.output_len()]).unwrap(), be.upload(&vec![7.0; p.output_len()]).unwrap());
                    be.conv2d_activation_max_pool((&gx, &gw, &gb), activation, (&gz, &gy), d, (&gp, &ga), p);
                    assert_eq!((read(&be, &gp), read(&be, &ga)), (pooled.clone(), argmax.clone()), "{activation:?} {d:?} {p:?}");
                    // The convolution's own outputs may be skipped only where the backward reads neither.
                    let (got_z, got_y) = (read(&be, &gz), read(&be, &gy));
                    if got_y != y || (got_z != z && !activation.derivative_from_output()) {
                        assert!(activation.derivative_from_output() && stride >= size, "{activation:?} {d:?} {p:?}: z or y left out");
                    }
                }
            }
        }
    });
}
