//! Fast CPU paths for the ops that decide speed: matrix products through `matrixmultiply`'s SIMD
//! sgemm, and convolutions as unfolded patches (im2col) times the weight matrix.

use crate::engine::shapes::{Conv2dDims, MatmulDims};

/// c = beta·c + op(a) · op(b) with `matrixmultiply`'s strides standing in for the transposes.
pub fn gemm(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims, beta: f32) {
    assert!(a.len() >= d.m * d.k && b.len() >= d.k * d.n && c.len() >= d.m * d.n, "gemm: buffers too small for {d:?}");
    if d.m == 0 || d.n == 0 {
        return;
    }
    let (rsa, csa) = if d.trans_a { (1, d.m as isize) } else { (d.k as isize, 1) };
    let (rsb, csb) = if d.trans_b { (1, d.k as isize) } else { (d.n as isize, 1) };
    // SAFETY: the asserts above keep every index matrixmultiply computes from these strides inside the slices.
    unsafe {
        matrixmultiply::sgemm(d.m, d.k, d.n, 1.0, a.as_ptr(), rsa, csa, b.as_ptr(), rsb, csb, beta, c.as_mut_ptr(), d.n as isize, 1);
    }
}

pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims) {
    assert_eq!(a.len(), d.m * d.k, "matmul: a");
    assert_eq!(b.len(), d.k * d.n, "matmul: b");
    assert_eq!(c.len(), d.m * d.n, "matmul: c");
    gemm(a, b, c, d, 0.0);
}

/// Unfolds image `b` of x into cols: [out_h·out_w, in_channels·k·k], zeros where padding reaches.
fn im2col(x: &[f32], b: usize, d: &Conv2dDims, cols: &mut [f32]) {
    let (oh, ow, k) = (d.out_height(), d.out_width(), d.kernel);
    let patch = d.patch_len();
    for oy in 0..oh {
        for ox in 0..ow {
            let row = &mut cols[(oy * ow + ox) * patch..(oy * ow + ox + 1) * patch];
            for c in 0..d.in_channels {
                let plane = &x[(b * d.in_channels + c) * d.height * d.width..][..d.height * d.width];
                for ky in 0..k {
                    let iy = (oy * d.stride + ky) as isize - d.padding as isize;
                    for kx in 0..k {
                        let ix = (ox * d.stride + kx) as isize - d.padding as isize;
                        let inside = iy >= 0 && ix >= 0 && (iy as usize) < d.height && (ix as usize) < d.width;
                        row[(c * k + ky) * k + kx] = if inside { plane[iy as usize * d.width + ix as usize] } else { 0.0 };
                    }
                }
            }
        }
    }
}

/// Adds cols back into image `b` of dx (the adjoint of im2col).
fn col2im(cols: &[f32], b: usize, d: &Conv2dDims, dx: &mut [f32]) {
    let (oh, ow, k) = (d.out_height(), d.out_width(), d.kernel);
    let patch = d.patch_len();
    for oy in 0..oh {
        for ox in 0..ow {
            let row = &cols[(oy * ow + ox) * patch..(oy * ow + ox + 1) * patch];
            for c in 0..d.in_channels {
                let plane = &mut dx[(b * d.in_channels + c) * d.height * d.width..][..d.height * d.width];
                for ky in 0..k {
                    let iy = (oy * d.stride + ky) as isize - d.padding as isize;
                    for kx in 0..k {
                        let ix = (ox * d.stride + kx) as isize - d.padding as isize;
                        if iy >= 0 && ix >= 0 && (iy as usize) < d.height && (ix as usize) < d.width {
                            plane[iy as usize * d.width + ix as usize] += row[(c * k + ky) * k + kx];
                        }
                    }
                }
            }
        }
    }
}

/// Scratch room for one image's unfolded patches.
pub fn scratch_len(d: &Conv2dDims) -> usize {
    d.out_height() * d.out_width() * d.patch_len()
}

/// y[b] = W [out_channels, patch] · cols_bᵀ, plus bias. `scratch` holds at least `scratch_len(d)`.
pub fn conv2d_forward(x: &[f32], w: &[f32], bias: &[f32], y: &mut [f32], d: Conv2dDims, scratch: &mut [f32]) {
    let pixels = d.out_height() * d.out_width();
    for b in 0..d.batch {
        im2col(x, b, &d, scratch);
        let out = &mut y[b * d.out_channels * pixels..(b + 1) * d.out_channels * pixels];
        gemm(w, scratch, out, MatmulDims::new(d.out_channels, d.patch_len(), pixels).transpose_b(), 0.0);
        for (o, channel) in out.chunks_mut(pixels).enumerate() {
            channel.iter_mut().for_each(|v| *v += bias[o]);
        }
    }
}

/// dcols_b = dy_bᵀ · W, folded back into dx.
pub fn conv2d_backward_input(dy: &[f32], w: &[f32], dx: &mut [f32], d: Conv2dDims, scratch: &mut [f32]) {
    let pixels = d.out_height() * d.out_width();
    dx.fill(0.0);
    for b in 0..d.batch {
        let g = &dy[b * d.out_channels * pixels..(b + 1) * d.out_channels * pixels];
        gemm(g, w, scratch, MatmulDims::new(pixels, d.out_channels, d.patch_len()).transpose_a(), 0.0);
        col2im(scratch, b, &d, dx);
    }
}

/// dW += dy_b · cols_b over the batch; dbias = Σ dy.
pub fn conv2d_backward_weights(x: &[f32], dy: &[f32], dw: &mut [f32], dbias: &mut [f32], d: Conv2dDims, scratch: &mut [f32]) {
    let pixels = d.out_height() * d.out_width();
    dw.fill(0.0);
    dbias.fill(0.0);
    for b in 0..d.batch {
        im2col(x, b, &d, scratch);
        let g = &dy[b * d.out_channels * pixels..(b + 1) * d.out_channels * pixels];
        gemm(g, scratch, dw, MatmulDims::new(d.out_channels, pixels, d.patch_len()), 1.0);
        for (o, channel) in g.chunks(pixels).enumerate() {
            dbias[o] += channel.iter().sum::<f32>();
        }
    }
}
