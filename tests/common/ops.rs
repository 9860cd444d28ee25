//! GPU-against-CPU agreement for every op: the same seeded inputs through the WGSL kernel and the
//! CPU reference, compared value by value within a stated tolerance. Shapes include sizes that are
//! not multiples of any workgroup or tile.

use nas_playground::engine::cpu::reference as cpu;
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::{GpuContext, GpuTensor, MatmulVariant};
use nas_playground::engine::{
    Activation, AdamConfig, Backend, Conv2dDims, MatmulDims, Pool2dDims, SgdConfig, StackedBackend, Update, MAX_MEMBERS,
};

use super::seeded_values;

type Check = Result<(), String>;

/// Relative tolerance: |gpu - cpu| <= tolerance · (1 + |cpu|).
pub fn compare(what: &str, got: &[f32], expected: &[f32], tolerance: f32) -> Check {
    if got.len() != expected.len() {
        return Err(format!("{what}: {} values on the GPU but {} on the CPU", got.len(), expected.len()));
    }
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        // Written as "not within" so that a NaN on either side fails too.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !((g - e).abs() <= tolerance * (1.0 + e.abs())) {
            return Err(format!("{what}: [{i}] is {g} on the GPU but {e} on the CPU"));
        }
    }
    Ok(())
}

fn up(ctx: &GpuContext, values: &[f32]) -> Result<GpuTensor, String> {
    ctx.upload("test", values).map_err(|e| e.to_string())
}

async fn down(ctx: &GpuContext, tensor: &GpuTensor) -> Result<Vec<f32>, String> {
    ctx.read(tensor).await.map_err(|e| e.to_string())
}

/// Shapes with partial tiles; (132, 36, 72), (200, 20, 64) and (68, 37, 64) take the texel kernels
/// (the last transposed only, with a k that leaves a part step of four), (70, 45, 10) the narrow one.
pub const MATMUL_SHAPES: [(usize, usize, usize); 9] =
    [(1, 1, 1), (33, 17, 65), (64, 100, 31), (70, 45, 67), (132, 36, 72), (200, 20, 64), (68, 37, 64), (70, 45, 10), (256, 784, 128)];

pub async fn matmul_matches_cpu(ctx: &GpuContext, shapes: &[(usize, usize, usize)]) -> Check {
    for &(m, k, n) in shapes {
        for (trans_a, trans_b) in [(false, false), (true, false), (false, true), (true, true)] {
            let d = MatmulDims { m, k, n, trans_a, trans_b };
            let a = seeded_values(31, m * k);
            let b = seeded_values(32, k * n);
            let mut expected = vec![0.0; m * n];
            cpu::matmul(&a, &b, &mut expected, d);
            let (ga, gb, gc) = (up(ctx, &a)?, up(ctx, &b)?, up(ctx, &vec![0.0; m * n])?);
            // Sums of k products: allow rounding that grows with √k.
            let tolerance = 2e-6 * (k as f32).sqrt() * 4.0;
            let chosen = ctx.matmul_variant();
            for variant in [MatmulVariant::Tiled, MatmulVariant::Registers, MatmulVariant::Texels] {
                // NaN first, so an output the kernel leaves unwritten fails instead of keeping the
                // last variant's value.
                ctx.write_tensor(&gc, &vec![f32::NAN; m * n]);
                ctx.set_matmul_variant(variant);
                ctx.matmul(&ga, &gb, &gc, d);
                ctx.set_matmul_variant(chosen);
                compare(&format!("{variant:?} matmul {d:?}"), &down(ctx, &gc).await?, &expected, tolerance)?;
            }
            ctx.matmul_naive(&ga, &gb, &gc, d);
            compare(&format!("naive matmul {d:?}"), &down(ctx, &gc).await?, &expected, tolerance)?;
        }
    }
    Ok(())
}

pub async fn dense_ops_match_cpu(ctx: &GpuContext) -> Check {
    let (rows, cols) = (37, 19);
    let y = seeded_values(33, rows * cols);
    let bias = seeded_values(34, cols);
    let mut expected = y.clone();
    cpu::bias_add(&mut expected, &bias, rows, cols);
    let (gy, gb) = (up(ctx, &y)?, up(ctx, &bias)?);
    ctx.bias_add(&gy, &gb, rows, cols);
    compare("bias_add", &down(ctx, &gy).await?, &expected, 1e-6)?;

    let dy = seeded_values(35, 300 * cols);
    let mut expected = vec![0.0; cols];
    cpu::bias_grad(&dy, &mut expected, 300, cols);
    let (gdy, gdb) = (up(ctx, &dy)?, up(ctx, &vec![9.0; cols])?);
    ctx.bias_grad(&gdy, &gdb, 300, cols);
    compare("bias_grad", &down(ctx, &gdb).await?, &expected, 1e-5)?;

    let gt = up(ctx, &vec![0.0; 1000])?;
    ctx.fill(&gt, 2.5);
    compare("fill", &down(ctx, &gt).await?, &vec![2.5; 1000], 0.0)
}

pub async fn activations_match_cpu(ctx: &GpuContext) -> Check {
    // 1,001 values take the backward's one-value-a-thread kernel, 1,000 its four-values-a-thread one.
    for n in [1_001, 1_000] {
        activations_match_cpu_on(ctx, n).await.map_err(|e| format!("{n} values: {e}"))?;
    }
    Ok(())
}

async fn activations_match_cpu_on(ctx: &GpuContext, n: usize) -> Check {
    let x: Vec<f32> = seeded_values(36, n).iter().map(|v| v * 6.0).collect();
    let dy = seeded_values(37, n);
    for activation in [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.2 },
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Gelu,
    ] {
        let mut y = vec![0.0; n];
        cpu::activation_forward(activation, &x, &mut y);
        let mut dx = vec![0.0; n];
        cpu::activation_backward(activation, &x, &y, &dy, &mut dx);
        let (gx, gy, gdy, gdx) = (up(ctx, &x)?, up(ctx, &vec![0.0; n])?, up(ctx, &dy)?, up(ctx, &vec![0.0; n])?);
        ctx.activation_forward(activation, &gx, &gy);
        ctx.activation_backward(activation, &gx, &gy, &gdy, &gdx);
        // Transcendentals differ by a few ulps between libm and the GPU's exp/tanh.
        compare(&format!("{activation:?} forward"), &down(ctx, &gy).await?, &y, 1e-5)?;
        compare(&format!("{activation:?} backward"), &down(ctx, &gdx).await?, &dx, 1e-5)?;
    }
    Ok(())
}

pub async fn dropout_matches_cpu(ctx: &GpuContext) -> Check {
    let n = 5_003;
    let x = seeded_values(38, n);
    for (p, seed) in [(0.1, 1), (0.5, 12_345), (0.8, u32::MAX)] {
        let mut expected = vec![0.0; n];
        cpu::dropout_forward(&x, &mut expected, p, seed);
        let (gx, gy) = (up(ctx, &x)?, up(ctx, &vec![0.0; n])?);
        ctx.dropout_forward(&gx, &gy, p, seed);
        // The mask is bit-identical; only the division may round differently.
        compare(&format!("dropout p={p} seed={seed}"), &down(ctx, &gy).await?, &expected, 1e-6)?;
    }
    Ok(())
}

pub async fn losses_match_cpu(ctx: &GpuContext) -> Check {
    let (rows, classes) = (203, 10);
    let logits: Vec<f32> = seeded_values(39, rows * classes).iter().map(|v| v * 8.0).collect();
    let labels: Vec<f32> = (0..rows).map(|r| ((r * 7) % classes) as f32).collect();

    let mut dlogits = vec![0.0; rows * classes];
    let mut loss = [1.5f32];
    cpu::softmax_cross_entropy(&logits, &labels, &mut dlogits, &mut loss, rows, classes);
    let (gz, gl, gd, gloss) = (up(ctx, &logits)?, up(ctx, &labels)?, up(ctx, &vec![0.0; rows * classes])?, up(ctx, &[1.5])?);
    ctx.softmax_cross_entropy(&gz, &gl, &gd, &gloss, rows, classes);
    compare("softmax cross-entropy gradient", &down(ctx, &gd).await?, &dlogits, 1e-5)?;
    compare("softmax cross-entropy loss (accumulated onto 1.5)", &down(ctx, &gloss).await?, &loss, 1e-5)?;

    let mut correct = [3.0f32];
    cpu::count_correct(&logits, &labels, &mut correct, rows, classes);
    let gc = up(ctx, &[3.0])?;
    ctx.count_correct(&gz, &gl, &gc, rows, classes);
    let plain = (down(ctx, &gd).await?, down(ctx, &gloss).await?, down(ctx, &gc).await?);
    compare("correct count", &plain.2, &correct, 0.0)?;

    // Both at once: the plain ops' values bit for bit, onto the same running sums.
    let (gd2, gloss2, gc2) = (up(ctx, &vec![0.0; rows * classes])?, up(ctx, &[1.5])?, up(ctx, &[3.0])?);
    ctx.softmax_cross_entropy_and_hits((&gz, &gl, &gd2), (&gloss2, &gc2), rows, classes);
    compare("fused softmax cross-entropy gradient", &down(ctx, &gd2).await?, &plain.0, 0.0)?;
    compare("fused softmax cross-entropy loss", &down(ctx, &gloss2).await?, &plain.1, 0.0)?;
    compare("fused correct count", &down(ctx, &gc2).await?, &plain.2, 0.0)?;

    let cols = 3;
    let z = &logits[..rows * cols];
    let targets: Vec<f32> = seeded_values(40, rows * cols).iter().map(|v| (v + 1.0) / 2.0).collect();
    for (name, run_cpu) in [
        ("binary cross-entropy", cpu::bce_with_logits as fn(&[f32], &[f32], &mut [f32], &mut [f32], usize, usize)),
        ("mean squared error", cpu::mse),
    ] {
        let mut grad = vec![0.0; rows * cols];
        let mut loss = [0.0f32];
        run_cpu(z, &targets, &mut grad, &mut loss, rows, cols);
        let (gz, gt, gg, gloss) = (up(ctx, z)?, up(ctx, &targets)?, up(ctx, &vec![0.0; rows * cols])?, up(ctx, &[0.0])?);
        if name == "mean squared error" {
            ctx.mse(&gz, &gt, &gg, &gloss, rows, cols);
        } else {
            ctx.bce_with_logits(&gz, &gt, &gg, &gloss, rows, cols);
        }
        compare(&format!("{name} gradient"), &down(ctx, &gg).await?, &grad, 1e-5)?;
        compare(&format!("{name} loss"), &down(ctx, &gloss).await?, &loss, 1e-4)?;
    }
    Ok(())
}

/// The fused layer steps (dense and convolution forwards with their bias and activation in the
/// kernel's epilogue, the dense input gradient with the activation's derivative in it) against the
/// CPU reference's plain ops.
pub async fn fused_layer_steps_match_cpu(ctx: &GpuContext) -> Check {
    for activation in [Activation::Relu, Activation::LeakyRelu { slope: 0.2 }, Activation::Tanh, Activation::Identity] {
        // The second shape takes the wide kernel (64x64 tiles), the first the 32x32 one; on software
        // adapters the third takes the texel kernel and the fourth the narrow one.
        for (m, k, n) in [(37, 50, 45), (70, 50, 67), (132, 36, 72), (70, 50, 10)] {
            let d = MatmulDims::new(m, k, n);
            let (x, w, bias) = (seeded_values(61, m * k), seeded_values(62, k * n), seeded_values(63, n));
            let mut z = vec![0.0; m * n];
            cpu::matmul(&x, &w, &mut z, d);
            cpu::bias_add(&mut z, &bias, m, n);
            let mut y = vec![0.0; m * n];
            cpu::activation_forward(activation, &z, &mut y);
            let (gx, gw, gb) = (up(ctx, &x)?, up(ctx, &w)?, up(ctx, &bias)?);
            let (gz, gy) = (up(ctx, &vec![0.0; m * n])?, up(ctx, &vec![0.0; m * n])?);
            ctx.dense_forward(&gx, &gw, &gb, &gz, &gy, activation, d);
            compare(&format!("dense_forward {activation:?} {d:?} z"), &down(ctx, &gz).await?, &z, 1e-5)?;
            compare(&format!("dense_forward {activation:?} {d:?} y"), &down(ctx, &gy).await?, &y, 1e-5)?;
        }

        // The dense input gradient through the layer before's activation: dy = dz_next · Wᵀ, dz = dy · f'(z).
        for (batch, units, inputs) in [(37, 10, 45), (70, 12, 67), (70, 12, 14)] {
            let d = MatmulDims::new(batch, units, inputs).transpose_b();
            let (dz_next, w, z) = (seeded_values(67, batch * units), seeded_values(68, inputs * units), seeded_values(69, batch * inputs));
            let mut y = vec![0.0; batch * inputs];
            cpu::activation_forward(activation, &z, &mut y);
            let mut dy = vec![0.0; batch * inputs];
            cpu::matmul(&dz_next, &w, &mut dy, d);
            let mut dz = vec![0.0; batch * inputs];
            cpu::activation_backward(activation, &z, &y, &dy, &mut dz);
            let (gn, gw, gz, gy) = (up(ctx, &dz_next)?, up(ctx, &w)?, up(ctx, &z)?, up(ctx, &y)?);
            let (gdy, gdz) = (up(ctx, &vec![0.0; batch * inputs])?, up(ctx, &vec![0.0; batch * inputs])?);
            ctx.dense_backward_input_activation((&gn, &gw), d, activation, (&gz, &gy, &gdy, &gdz));
            let (fused_dy, fused_dz) = (down(ctx, &gdy).await?, down(ctx, &gdz).await?);
            compare(&format!("dense_backward_input_activation {activation:?} {d:?} dy"), &fused_dy, &dy, 1e-5)?;
            compare(&format!("dense_backward_input_activation {activation:?} {d:?} dz"), &fused_dz, &dz, 1e-5)?;
            // The same bits as the device's two plain ops, so training curves do not move.
            ctx.matmul(&gn, &gw, &gdy, d);
            ctx.activation_backward(activation, &gz, &gy, &gdy, &gdz);
            compare(&format!("fused against plain {activation:?} {d:?} dy"), &fused_dy, &down(ctx, &gdy).await?, 0.0)?;
            compare(&format!("fused against plain {activation:?} {d:?} dz"), &fused_dz, &down(ctx, &gdz).await?, 0.0)?;
        }

        // Max pooling's input gradient through the layer before's activation: windows that tile
        // the input, windows that leave its last row and column out, and overlapping ones.
        for d in [
            Pool2dDims { batch: 3, channels: 8, height: 26, width: 26, size: 2, stride: 2 },
            Pool2dDims { batch: 2, channels: 3, height: 11, width: 11, size: 2, stride: 2 },
            Pool2dDims { batch: 1, channels: 2, height: 9, width: 7, size: 3, stride: 2 },
        ] {
            let (z, dy) = (seeded_values(70, d.input_len()), seeded_values(71, d.output_len()));
            let mut y = vec![0.0; d.input_len()];
            cpu::activation_forward(activation, &z, &mut y);
            let (mut pooled, mut argmax) = (vec![0.0; d.output_len()], vec![0.0; d.output_len()]);
            cpu::max_pool_forward(&y, &mut pooled, &mut argmax, d);
            let mut dx = vec![0.0; d.input_len()];
            cpu::max_pool_backward(&dy, &argmax, &mut dx, d);
            let mut dz = vec![0.0; d.input_len()];
            cpu::activation_backward(activation, &z, &y, &dx, &mut dz);
            let (gdy, ga, gz, gy) = (up(ctx, &dy)?, up(ctx, &argmax)?, up(ctx, &z)?, up(ctx, &y)?);
            let (gdx, gdz, gp) = (up(ctx, &vec![7.0; d.input_len()])?, up(ctx, &vec![7.0; d.input_len()])?, up(ctx, &pooled)?);
            ctx.max_pool_backward_activation((&gdy, &ga, &gp), d, activation, (&gz, &gy, &gdx, &gdz));
            let (fused_dx, fused_dz) = (down(ctx, &gdx).await?, down(ctx, &gdz).await?);
            compare(&format!("max_pool_backward_activation {activation:?} {d:?} dx"), &fused_dx, &dx, 1e-6)?;
            compare(&format!("max_pool_backward_activation {activation:?} {d:?} dz"), &fused_dz, &dz, 1e-5)?;
            ctx.max_pool_backward(&gdy, &ga, &gdx, d);
            ctx.activation_backward(activation, &gz, &gy, &gdx, &gdz);
            compare(&format!("fused pool against plain {activation:?} {d:?} dz"), &fused_dz, &down(ctx, &gdz).await?, 0.0)?;
        }

        let c = CONV_CASES[1];
        let (x, w, bias) = (seeded_values(64, c.input_len()), seeded_values(65, c.weight_len()), seeded_values(66, c.out_channels));
        let mut z = vec![0.0; c.output_len()];
        cpu::conv2d_forward(&x, &w, &bias, &mut z, c);
        let mut y = vec![0.0; c.output_len()];
        cpu::activation_forward(activation, &z, &mut y);
        let (gx, gw, gb) = (up(ctx, &x)?, up(ctx, &w)?, up(ctx, &bias)?);
        let (gz, gy) = (up(ctx, &vec![0.0; c.output_len()])?, up(ctx, &vec![0.0; c.output_len()])?);
        ctx.conv2d_forward_activation(&gx, &gw, &gb, &gz, &gy, activation, c);
        compare(&format!("conv2d_forward_activation {activation:?} z"), &down(ctx, &gz).await?, &z, 1e-5)?;
        compare(&format!("conv2d_forward_activation {activation:?} y"), &down(ctx, &gy).await?, &y, 1e-5)?;
    }
    Ok(())
}

/// The benchmark networks' convolutions, and odd ones: strides, padding, channel counts that leave
/// partial blocks of 8, more positions than one workgroup covers.
pub const CONV_CASES: [Conv2dDims; 6] = [
    Conv2dDims { batch: 3, in_channels: 1, height: 28, width: 28, out_channels: 8, kernel: 3, stride: 1, padding: 0 },
    Conv2dDims { batch: 2, in_channels: 8, height: 13, width: 13, out_channels: 16, kernel: 3, stride: 1, padding: 0 },
    Conv2dDims { batch: 2, in_channels: 3, height: 9, width: 7, out_channels: 5, kernel: 5, stride: 2, padding: 2 },
    Conv2dDims { batch: 1, in_channels: 2, height: 6, width: 6, out_channels: 3, kernel: 2, stride: 3, padding: 1 },
    Conv2dDims { batch: 3, in_channels: 32, height: 13, width: 13, out_channels: 64, kernel: 3, stride: 1, padding: 0 },
    Conv2dDims { batch: 7, in_channels: 9, height: 11, width: 10, out_channels: 10, kernel: 3, stride: 2, padding: 1 },
];

pub async fn convolution_matches_cpu(ctx: &GpuContext, cases: &[Conv2dDims]) -> Check {
    for &d in cases {
        let x = seeded_values(41, d.input_len());
        let w = seeded_values(42, d.weight_len());
        let bias = seeded_values(43, d.out_channels);
        let dy = seeded_values(44, d.output_len());
        let mut y = vec![0.0; d.output_len()];
        cpu::conv2d_forward(&x, &w, &bias, &mut y, d);
        let mut dx = vec![0.0; d.input_len()];
        cpu::conv2d_backward_input(&dy, &w, &mut dx, d);
        let mut dw = vec![0.0; d.weight_len()];
        let mut db = vec![0.0; d.out_channels];
        cpu::conv2d_backward_weights(&x, &dy, &mut dw, &mut db, d);

        let (gx, gw, gb, gdy) = (up(ctx, &x)?, up(ctx, &w)?, up(ctx, &bias)?, up(ctx, &dy)?);
        let (gy, gdx) = (up(ctx, &vec![0.0; d.output_len()])?, up(ctx, &vec![0.0; d.input_len()])?);
        let (gdw, gdb) = (up(ctx, &vec![0.0; d.weight_len()])?, up(ctx, &vec![0.0; d.out_channels])?);
        ctx.conv2d_forward(&gx, &gw, &gb, &gy, d);
        ctx.conv2d_backward_input(&gdy, &gw, &gdx, d);
        ctx.conv2d_backward_weights(&gx, &gdy, &gdw, &gdb, d);
        // Weight gradients sum batch·pixels products; the tolerance grows with their count.
        let sums = (d.batch * d.out_height() * d.out_width()) as f32;
        compare(&format!("conv forward {d:?}"), &down(ctx, &gy).await?, &y, 1e-5)?;
        compare(&format!("conv input gradient {d:?}"), &down(ctx, &gdx).await?, &dx, 1e-5)?;
        compare(&format!("conv weight gradient {d:?}"), &down(ctx, &gdw).await?, &dw, 1e-6 * sums.sqrt() * 4.0)?;
        compare(&format!("conv bias gradient {d:?}"), &down(ctx, &gdb).await?, &db, 1e-6 * sums.sqrt() * 4.0)?;
    }
    Ok(())
}

pub async fn pooling_matches_cpu(ctx: &GpuContext) -> Check {
    for d in [
        Pool2dDims { batch: 3, channels: 8, height: 26, width: 26, size: 2, stride: 2 },
        Pool2dDims { batch: 2, channels: 3, height: 11, width: 11, size: 2, stride: 2 },
        Pool2dDims { batch: 1, channels: 2, height: 9, width: 7, size: 3, stride: 2 },
        Pool2dDims { batch: 1, channels: 1, height: 8, width: 8, size: 2, stride: 3 },
    ] {
        let x = seeded_values(45, d.input_len());
        let dy = seeded_values(46, d.output_len());
        let mut y = vec![0.0; d.output_len()];
        let mut argmax = vec![0.0; d.output_len()];
        cpu::max_pool_forward(&x, &mut y, &mut argmax, d);
        let mut dx = vec![0.0; d.input_len()];
        cpu::max_pool_backward(&dy, &argmax, &mut dx, d);
        let (gx, gy, ga) = (up(ctx, &x)?, up(ctx, &vec![0.0; d.output_len()])?, up(ctx, &vec![0.0; d.output_len()])?);
        let (gdy, gdx) = (up(ctx, &dy)?, up(ctx, &vec![7.0; d.input_len()])?);
        ctx.max_pool_forward(&gx, &gy, &ga, d);
        ctx.max_pool_backward(&gdy, &ga, &gdx, d);
        compare(&format!("max pool {d:?}"), &down(ctx, &gy).await?, &y, 0.0)?;
        compare(&format!("max pool argmax {d:?}"), &down(ctx, &ga).await?, &argmax, 0.0)?;
        compare(&format!("max pool gradient {d:?}"), &down(ctx, &gdx).await?, &dx, 1e-6)?;
    }
    Ok(())
}

/// Packed tensors (`zeros_packed`): views of one buffer, each written, bound and read on its own at
/// an aligned offset, and the whole holding them with zeros between; an optimizer step of the
/// wholes is each part's own step.
pub async fn packed_tensors_match_separate_ones(ctx: &GpuContext) -> Check {
    let lens = [5, 64, 1, 70];
    let pack = |what: &str| ctx.zeros_packed(what, &lens).map_err(|e| e.to_string());
    let (w, g, m, v) = (pack("w")?, pack("g")?, pack("m")?, pack("v")?);
    let config = AdamConfig { learning_rate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, l2: 0.01 };
    let mut expected = Vec::new();
    for (i, &len) in lens.iter().enumerate() {
        let (wi, gi) = (seeded_values(80 + i as u64, len), seeded_values(90 + i as u64, len));
        ctx.write_tensor(&w.parts[i], &wi);
        ctx.write_tensor(&g.parts[i], &gi);
        let (mut wi, mut mi, mut vi) = (wi, vec![0.0; len], vec![0.0; len]);
        for step in 1..=2 {
            cpu::adam_step(&mut wi, &gi, &mut mi, &mut vi, config, step);
        }
        expected.push(wi);
    }
    for step in 1..=2 {
        ctx.adam_step(&w.whole, &g.whole, &m.whole, &v.whole, config, step);
    }
    let whole = down(ctx, &w.whole).await?;
    let mut covered = vec![false; whole.len()];
    for (i, part) in w.parts.iter().enumerate() {
        compare(&format!("packed part {i} after two Adam steps"), &down(ctx, part).await?, &expected[i], 1e-6)?;
        let start = (part.offset() / 4) as usize;
        if part.offset() % ctx.storage_offset_alignment() != 0 {
            return Err(format!("part {i} starts at byte {}, off the storage offset alignment", part.offset()));
        }
        compare(&format!("packed part {i} inside the whole"), &whole[start..start + lens[i]], &expected[i], 1e-6)?;
        covered[start..start + lens[i]].fill(true);
    }
    if let Some(at) = (0..whole.len()).find(|&at| !covered[at] && whole[at] != 0.0) {
        return Err(format!("the gap at {at} between packed parts holds {} instead of 0", whole[at]));
    }
    // A kernel reads one part and writes another, each bound at its own offset.
    let (x, y) = (pack("x")?, pack("y")?);
    let values = seeded_values(99, 70);
    ctx.write_tensor(&x.parts[3], &values);
    ctx.activation_forward(Activation::Tanh, &x.parts[3], &y.parts[3]);
    let mut tanh = vec![0.0; 70];
    cpu::activation_forward(Activation::Tanh, &values, &mut tanh);
    compare("tanh from one packed part into another", &down(ctx, &y.parts[3]).await?, &tanh, 1e-6)?;
    compare("the part before it, untouched", &down(ctx, &y.parts[1]).await?, &[0.0; 64], 0.0)?;
    Ok(())
}

pub async fn optimizers_match_cpu(ctx: &GpuContext) -> Check {
    // 777 values take Adam's one-value-a-thread kernel, 776 its four-values-a-thread one.
    for n in [777, 776] {
        optimizers_match_cpu_on(ctx, n).await.map_err(|e| format!("{n} weights: {e}"))?;
    }
    Ok(())
}

async fn optimizers_match_cpu_on(ctx: &GpuContext, n: usize) -> Check {
    let w = seeded_values(47, n);
    let grads: Vec<Vec<f32>> = (0..3).map(|s| seeded_values(48 + s, n)).collect();

    let sgd = SgdConfig { learning_rate: 0.05, momentum: 0.9, l2: 1e-3 };
    let (mut cw, mut cv) = (w.clone(), vec![0.0; n]);
    let (gw, gv) = (up(ctx, &w)?, up(ctx, &vec![0.0; n])?);
    let adam = AdamConfig { learning_rate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, l2: 1e-4 };
    let (mut aw, mut am, mut av) = (w.clone(), vec![0.0; n], vec![0.0; n]);
    let (gaw, gam, gav) = (up(ctx, &w)?, up(ctx, &vec![0.0; n])?, up(ctx, &vec![0.0; n])?);
    let gg = up(ctx, &grads[0])?;
    for (step, g) in grads.iter().enumerate() {
        cpu::sgd_step(&mut cw, g, &mut cv, sgd);
        cpu::adam_step(&mut aw, g, &mut am, &mut av, adam, step as u32 + 1);
        ctx.write(&gg, g);
        ctx.sgd_step(&gw, &gg, &gv, sgd);
        ctx.adam_step(&gaw, &gg, &gam, &gav, adam, step as u32 + 1);
    }
    compare("sgd weights after 3 steps", &down(ctx, &gw).await?, &cw, 1e-5)?;
    compare("sgd velocity after 3 steps", &down(ctx, &gv).await?, &cv, 1e-5)?;
    compare("adam weights after 3 steps", &down(ctx, &gaw).await?, &aw, 1e-5)?;
    compare("adam second moment after 3 steps", &down(ctx, &gav).await?, &av, 1e-5)
}

/// A device-side copy of a range lands exactly where it should and leaves the rest alone.
pub async fn copy_matches_cpu(ctx: &GpuContext) -> Check {
    let src = seeded_values(41, 1_000);
    let dst = seeded_values(42, 700);
    for (from, to, len) in [(0, 0, 700), (13, 101, 333), (999, 0, 1), (5, 5, 0)] {
        let mut expected = dst.clone();
        expected[to..to + len].copy_from_slice(&src[from..from + len]);
        let (gs, gd) = (up(ctx, &src)?, up(ctx, &dst)?);
        // Recorded between two ops, as a step records it: the fill before it is seen, the one after overwrites.
        let scratch = up(ctx, &[0.0; 4])?;
        ctx.fill(&scratch, 1.0);
        ctx.copy(&gs, from, &gd, to, len);
        ctx.fill(&scratch, 2.0);
        compare(&format!("copy {len} from {from} to {to}"), &down(ctx, &gd).await?, &expected, 0.0)?;
    }
    Ok(())
}

/// The settings that tell a stack's members apart; member k takes entry (k + members) of each
/// list, so one member alone is not always the first entry.
struct MemberSettings {
    activations: Vec<Activation>,
    rates: Vec<f32>,
    seeds: Vec<u32>,
    updates: Vec<Update>,
}

impl MemberSettings {
    fn new(members: usize) -> Self {
        let activations =
            [Activation::Identity, Activation::Relu, Activation::LeakyRelu { slope: 0.1 }, Activation::Sigmoid, Activation::Tanh];
        let rates = [0.0, 0.3, 0.5];
        let seeds = [7, 12_345, u32::MAX, 99];
        let updates = [
            Update::Sgd(SgdConfig { learning_rate: 0.05, momentum: 0.9, l2: 1e-3 }),
            Update::Adam(AdamConfig { learning_rate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, l2: 1e-4 }),
            Update::Sgd(SgdConfig { learning_rate: 0.1, momentum: 0.0, l2: 0.0 }),
            Update::Adam(AdamConfig { learning_rate: 3e-3, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, l2: 0.0 }),
            Update::Sgd(SgdConfig { learning_rate: 0.02, momentum: 0.5, l2: 1e-2 }),
        ];
        fn pick<T: Copy>(list: &[T], members: usize) -> Vec<T> {
            (0..members).map(|k| list[(k + members) % list.len()]).collect()
        }
        Self {
            activations: pick(&activations, members),
            rates: pick(&rates, members),
            seeds: pick(&seeds, members),
            updates: pick(&updates, members),
        }
    }
}

/// One stacked op with its plain counterpart; shapes are one member's. `Dropout` runs the forward
/// and the backward with the same rates and seeds, `Classification` the softmax cross-entropy and
/// the correct counts against shared labels, `Update` three steps of each member's optimizer.
#[derive(Debug, Clone, Copy)]
enum StackedOp {
    Matmul { dims: MatmulDims, shared_a: bool },
    DenseForward { dims: MatmulDims, shared_x: bool },
    BiasGrad { rows: usize, cols: usize },
    ActivationBackward { len: usize },
    Dropout { len: usize },
    Classification { rows: usize, classes: usize },
    Mse { rows: usize, cols: usize },
    Update { len: usize },
}

/// A tensor of a stacked op: the whole stack's values, or one matrix that every member shares.
struct StackedValues {
    values: Vec<f32>,
    shared: bool,
}

fn stacked(values: Vec<f32>) -> StackedValues {
    StackedValues { values, shared: false }
}

impl StackedOp {
    /// The op's tensors for `members` members, inputs and outputs, in the order the op takes them.
    fn tensors(self, members: usize) -> Vec<StackedValues> {
        let seeded = |seed: u64, len: usize| stacked(seeded_values(seed, members * len));
        let zeros = |len: usize| stacked(vec![0.0; members * len]);
        let shared = |values: Vec<f32>| StackedValues { values, shared: true };
        match self {
            StackedOp::Matmul { dims: d, shared_a } => {
                let a = if shared_a { shared(seeded_values(70, d.m * d.k)) } else { seeded(70, d.m * d.k) };
                vec![a, seeded(71, d.k * d.n), seeded(72, d.m * d.n)]
            }
            StackedOp::DenseForward { dims: d, shared_x } => {
                let x = if shared_x { shared(seeded_values(73, d.m * d.k)) } else { seeded(73, d.m * d.k) };
                vec![x, seeded(74, d.k * d.n), seeded(75, d.n), zeros(d.m * d.n), zeros(d.m * d.n)]
            }
            StackedOp::BiasGrad { rows, cols } => vec![seeded(76, rows * cols), stacked(vec![9.0; members * cols])],
            StackedOp::ActivationBackward { len } => {
                let x = seeded_values(77, members * len).iter().map(|v| v * 6.0).collect();
                vec![stacked(x), seeded(78, len), seeded(79, len), zeros(len)]
            }
            StackedOp::Dropout { len } => vec![seeded(80, len), zeros(len), seeded(81, len), zeros(len)],
            StackedOp::Classification { rows, classes } => {
                let logits = seeded_values(82, members * rows * classes).iter().map(|v| v * 8.0).collect();
                let labels = (0..rows).map(|r| ((r * 7) % classes) as f32).collect();
                let (loss_sums, correct) = (stacked(vec![1.5; members]), stacked(vec![3.0; members]));
                vec![stacked(logits), shared(labels), zeros(rows * classes), loss_sums, correct]
            }
            StackedOp::Mse { rows, cols } => {
                vec![seeded(83, rows * cols), shared(seeded_values(84, rows * cols)), zeros(rows * cols), stacked(vec![0.25; members])]
            }
            StackedOp::Update { len } => vec![seeded(85, len), seeded(86, len), zeros(len), zeros(len)],
        }
    }

    fn record_stacked<B: StackedBackend>(self, be: &B, t: &[B::Tensor], s: &MemberSettings) {
        let members = s.activations.len();
        match self {
            StackedOp::Matmul { dims, shared_a } => be.stacked_matmul(&t[0], &t[1], &t[2], dims, members, shared_a),
            StackedOp::DenseForward { dims, shared_x } => {
                be.stacked_dense_forward((&t[0], shared_x), &t[1], &t[2], &t[3], &t[4], &s.activations, dims)
            }
            StackedOp::BiasGrad { rows, cols } => be.stacked_bias_grad(&t[0], &t[1], rows, cols, members),
            StackedOp::ActivationBackward { .. } => be.stacked_activation_backward(&s.activations, &t[0], &t[1], &t[2], &t[3]),
            StackedOp::Dropout { .. } => {
                be.stacked_dropout_forward(&t[0], &t[1], &s.rates, &s.seeds);
                be.stacked_dropout_backward(&t[2], &t[3], &s.rates, &s.seeds);
            }
            StackedOp::Classification { rows, classes } => {
                be.stacked_softmax_cross_entropy(&t[0], &t[1], &t[2], &t[3], rows, classes, members);
                be.stacked_count_correct(&t[0], &t[1], &t[4], rows, classes, members);
            }
            StackedOp::Mse { rows, cols } => be.stacked_mse(&t[0], &t[1], &t[2], &t[3], rows, cols, members),
            StackedOp::Update { .. } => {
                for step in 1..=3 {
                    be.stacked_update(&t[0], &t[1], &t[2], &t[3], &s.updates, step);
                }
            }
        }
    }

    /// The plain ops on member k's tensors alone.
    fn record_alone<B: Backend>(self, be: &B, t: &[B::Tensor], s: &MemberSettings, k: usize) {
        match self {
            StackedOp::Matmul { dims, .. } => be.matmul(&t[0], &t[1], &t[2], dims),
            StackedOp::DenseForward { dims, .. } => be.dense_forward(&t[0], &t[1], &t[2], &t[3], &t[4], s.activations[k], dims),
            StackedOp::BiasGrad { rows, cols } => be.bias_grad(&t[0], &t[1], rows, cols),
            StackedOp::ActivationBackward { .. } => be.activation_backward(s.activations[k], &t[0], &t[1], &t[2], &t[3]),
            StackedOp::Dropout { .. } => {
                be.dropout_forward(&t[0], &t[1], s.rates[k], s.seeds[k]);
                be.dropout_backward(&t[2], &t[3], s.rates[k], s.seeds[k]);
            }
            StackedOp::Classification { rows, classes } => {
                be.softmax_cross_entropy(&t[0], &t[1], &t[2], &t[3], rows, classes);
                be.count_correct(&t[0], &t[1], &t[4], rows, classes);
            }
            StackedOp::Mse { rows, cols } => be.mse(&t[0], &t[1], &t[2], &t[3], rows, cols),
            StackedOp::Update { .. } => {
                for step in 1..=3 {
                    match s.updates[k] {
                        Update::Sgd(config) => be.sgd_step(&t[0], &t[1], &t[2], config),
                        Update::Adam(config) => be.adam_step(&t[0], &t[1], &t[2], &t[3], config, step),
                    }
                }
            }
        }
    }

    /// How far the GPU may stray from the CPU (as the plain ops' checks above allow).
    fn tolerance(self) -> f32 {
        match self {
            StackedOp::Matmul { dims, .. } | StackedOp::DenseForward { dims, .. } => 2e-6 * (dims.k as f32).sqrt() * 4.0,
            StackedOp::Mse { .. } => 1e-4,
            _ => 1e-5,
        }
    }
}

/// Uploads `tensors` (the whole stack with `member: None`, member k's share of each unshared one
/// with `Some((k, members))`), records an op on them and reads every tensor back.
async fn run_on<B: Backend>(
    be: &B,
    tensors: &[StackedValues],
    member: Option<(usize, usize)>,
    record: impl FnOnce(&[B::Tensor]),
) -> Result<Vec<Vec<f32>>, String> {
    let mut uploaded = Vec::new();
    for t in tensors {
        let values = match member {
            Some((k, members)) if !t.shared => {
                let len = t.values.len() / members;
                &t.values[k * len..(k + 1) * len]
            }
            _ => &t.values[..],
        };
        uploaded.push(be.upload(values).map_err(|e| e.to_string())?);
    }
    record(&uploaded);
    let mut read = Vec::new();
    for t in &uploaded {
        read.push(be.read(t).await.map_err(|e| e.to_string())?);
    }
    Ok(read)
}

/// Runs `op` stacked on the GPU, the plain GPU op on each member alone and the stack on the CPU:
/// each member's GPU values must equal its values alone bit for bit, and the CPU's within tolerance.
async fn check_stacked_op(gpu: &GpuContext, op: StackedOp, members: usize) -> Check {
    let settings = MemberSettings::new(members);
    let tensors = op.tensors(members);
    let on_gpu = run_on(gpu, &tensors, None, |t| op.record_stacked(gpu, t, &settings)).await?;
    let cpu = CpuBackend::new();
    let on_cpu = run_on(&cpu, &tensors, None, |t| op.record_stacked(&cpu, t, &settings)).await?;
    for k in 0..members {
        let alone = run_on(gpu, &tensors, Some((k, members)), |t| op.record_alone(gpu, t, &settings, k)).await?;
        for (i, (stack, alone)) in on_gpu.iter().zip(&alone).enumerate().filter(|(i, _)| !tensors[*i].shared) {
            let share = &stack[k * alone.len()..(k + 1) * alone.len()];
            if let Some(at) = (0..alone.len()).find(|&at| share[at].to_bits() != alone[at].to_bits()) {
                return Err(format!(
                    "{op:?} with {members} members: member {k}'s tensor {i}[{at}] is {} stacked but {} alone",
                    share[at], alone[at]
                ));
            }
        }
    }
    for (i, (got, expected)) in on_gpu.iter().zip(&on_cpu).enumerate() {
        compare(&format!("{op:?} with {members} members, tensor {i} against the CPU's stack"), got, expected, op.tolerance())?;
    }
    Ok(())
}

/// The products of a dense layer's forward and backward, each with its own and with a shared first
/// operand: plain, dW = xᵀ·dz (trans_a), dx = dz·Wᵀ (trans_b) and both; the fused dense forward,
/// and (transposed) the plain ops it stands for.
async fn products_match_each_member_alone(gpu: &GpuContext, product: MatmulDims, members: usize) -> Check {
    for shared in [false, true] {
        for dims in [product, product.transpose_a(), product.transpose_b(), product.transpose_a().transpose_b()] {
            check_stacked_op(gpu, StackedOp::Matmul { dims, shared_a: shared }, members).await?;
        }
        for dims in [product, product.transpose_b()] {
            check_stacked_op(gpu, StackedOp::DenseForward { dims, shared_x: shared }, members).await?;
        }
    }
    Ok(())
}

/// Every stacked op on 1, 3 and 5 members with different activations, dropout rates, seeds and
/// optimizers gives each member exactly what the plain GPU op gives it alone, and agrees with the
/// CPU's stacked ops. Odd shapes (rows 37, cols 19, k 45; 70x67 products) leave partial tiles and workgroups.
pub async fn stacked_ops_match_each_member_alone(gpu: &GpuContext) -> Check {
    let (rows, cols, inner) = (37, 19, 45);
    let chosen = gpu.matmul_variant();
    for members in [1, 3, 5] {
        for variant in [MatmulVariant::Tiled, MatmulVariant::Registers, MatmulVariant::Texels, MatmulVariant::Naive] {
            // The second shape is wide enough for the 64x64-tile kernels; the third, with sides
            // that are multiples of 4, for the texel kernel, past one of its tiles each way; the
            // fourth is narrow (at most 16 columns).
            for dims in [
                MatmulDims::new(rows, inner, cols),
                MatmulDims::new(70, inner, 67),
                MatmulDims::new(132, 36, 72),
                MatmulDims::new(70, inner, 10),
            ] {
                gpu.set_matmul_variant(variant);
                let checked = products_match_each_member_alone(gpu, dims, members).await;
                gpu.set_matmul_variant(chosen);
                checked.map_err(|e| format!("{variant:?} matmul {dims:?}: {e}"))?;
            }
        }
        for op in [
            StackedOp::BiasGrad { rows, cols },
            StackedOp::ActivationBackward { len: rows * cols },
            StackedOp::ActivationBackward { len: 44 * cols },
            StackedOp::Dropout { len: rows * cols },
            StackedOp::Classification { rows, classes: cols },
            StackedOp::Mse { rows, cols: 3 },
            StackedOp::Update { len: inner * cols },
            // A member length that is a multiple of 4 takes Adam's four-values-a-thread kernel.
            StackedOp::Update { len: 44 * cols },
        ] {
            check_stacked_op(gpu, op, members).await?;
        }
    }
    Ok(())
}

/// A stack of MAX_MEMBERS members' dense forward records one dispatch, as one network's does; the
/// last members' settings (the last words of the uniform arrays) reach their members.
pub async fn a_full_stack_costs_one_dispatch(gpu: &GpuContext) -> Check {
    let members = MAX_MEMBERS;
    let dense = StackedOp::DenseForward { dims: MatmulDims::new(37, 45, 19), shared_x: true };
    let settings = MemberSettings::new(members);
    let mut dispatches = 0;
    run_on(gpu, &dense.tensors(members), None, |t| {
        let before = gpu.dispatches_recorded();
        dense.record_stacked(gpu, t, &settings);
        dispatches = gpu.dispatches_recorded() - before;
    })
    .await?;
    if dispatches != 1 {
        return Err(format!("a dense forward of {members} members recorded {dispatches} dispatches instead of 1"));
    }
    for op in [dense, StackedOp::Dropout { len: 37 * 19 }, StackedOp::Update { len: 45 * 19 }] {
        check_stacked_op(gpu, op, members).await?;
    }
    Ok(())
}
