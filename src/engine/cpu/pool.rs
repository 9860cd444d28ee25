//! Fast CPU max pooling: the reference's scan (the first maximum in row order wins), image by
//! image over the cores natively.

use super::{parallel, reference};
use crate::engine::activation::Activation;
use crate::engine::shapes::Pool2dDims;

pub fn max_pool_forward(x: &[f32], y: &mut [f32], argmax: &mut [f32], d: Pool2dDims) {
    let (per_in, per_out) = (d.channels * d.height * d.width, d.channels * d.out_height() * d.out_width());
    parallel::for_each_chunk_pair(&mut y[..d.batch * per_out], per_out, &mut argmax[..d.batch * per_out], per_out, |b, y, argmax| {
        pool_image(&x[b * per_in..][..per_in], y, argmax, d)
    });
}

/// One image's pooling: `image` [channels, h, w] into its `y` and `argmax` [channels, oh, ow].
pub(super) fn pool_image(image: &[f32], y: &mut [f32], argmax: &mut [f32], d: Pool2dDims) {
    let (oh, ow, plane_len) = (d.out_height(), d.out_width(), d.height * d.width);
    for c in 0..d.channels {
        let plane = &image[c * plane_len..][..plane_len];
        let (y, argmax) = (&mut y[c * oh * ow..][..oh * ow], &mut argmax[c * oh * ow..][..oh * ow]);
        if d.size == 2 && d.stride == 2 {
            pool_2x2(plane, d.width, y, argmax, ow);
            continue;
        }
        for oy in 0..oh {
            for ox in 0..ow {
                let corner = oy * d.stride * d.width + ox * d.stride;
                let (mut best, mut best_value) = (corner, plane[corner]);
                for ky in 0..d.size {
                    let row = corner + ky * d.width;
                    for (kx, &v) in plane[row..row + d.size].iter().enumerate() {
                        if v > best_value {
                            (best, best_value) = (row + kx, v);
                        }
                    }
                }
                y[oy * ow + ox] = best_value;
                argmax[oy * ow + ox] = best as f32;
            }
        }
    }
}

pub fn max_pool_backward(dy: &[f32], argmax: &[f32], dx: &mut [f32], d: Pool2dDims) {
    let per_in = d.channels * d.height * d.width;
    parallel::for_each_chunk(&mut dx[..d.batch * per_in], per_in, |b, image| scatter_image(dy, argmax, b, image, d));
}

/// dz = dx · f'(z) through the activation of the layer before the pool, where dx is the gradient
/// `max_pool_backward` would write, image by image over the cores. Where windows do not overlap,
/// each input is the maximum of at most one window, so dz is zero but at the maxima, where it is
/// that window's dy · f'. There f' comes from the pooled value (y at the maximum) where the
/// activation allows, so z and y are not read at all: on large layers these passes are bound by
/// memory, not arithmetic. dx is left as it was. Overlapping windows first add their dy into dx,
/// as `max_pool_backward` does.
pub fn max_pool_backward_activation(
    (dy, argmax, pooled): (&[f32], &[f32], &[f32]),
    d: Pool2dDims,
    activation: Activation,
    (z, y, dx, dz): (&[f32], &[f32], &mut [f32], &mut [f32]),
) {
    let per_in = d.channels * d.height * d.width;
    let images = d.batch * per_in;
    if d.stride < d.size {
        parallel::for_each_chunk_pair(&mut dx[..images], per_in, &mut dz[..images], per_in, |b, dx, dz| {
            scatter_image(dy, argmax, b, dx, d);
            let at = b * per_in;
            reference::activation_backward(activation, &z[at..][..per_in], &y[at..][..per_in], dx, dz);
        });
        return;
    }
    let dz = &mut dz[..images];
    // One loop per common activation, so f' is not a match per value.
    match activation {
        Activation::Relu => scatter_through(dy, argmax, d, dz, |_, window| Activation::Relu.derivative(pooled[window], pooled[window])),
        other if other.derivative_from_output() => {
            scatter_through(dy, argmax, d, dz, |_, window| other.derivative(pooled[window], pooled[window]))
        }
        other => scatter_through(dy, argmax, d, dz, |input, _| other.derivative(z[input], y[input])),
    }
}

/// dz for windows that do not overlap: zeros, then each window's dy · f' at its maximum, where
/// `derivative(input, window)` gives f' from the input's and the window's indices in the batch.
fn scatter_through(dy: &[f32], argmax: &[f32], d: Pool2dDims, dz: &mut [f32], derivative: impl Fn(usize, usize) -> f32 + Sync) {
    let (per_in, out_plane, plane_len) = (d.channels * d.height * d.width, d.out_height() * d.out_width(), d.height * d.width);
    parallel::for_each_chunk(dz, per_in, |b, dz| {
        dz.fill(0.0);
        for (c, plane) in dz.chunks_exact_mut(plane_len).enumerate() {
            let (at, plane_at) = ((b * d.channels + c) * out_plane, b * per_in + c * plane_len);
            for (window, (g, index)) in dy[at..at + out_plane].iter().zip(&argmax[at..at + out_plane]).enumerate() {
                let i = *index as usize;
                plane[i] = g * derivative(plane_at + i, at + window);
            }
        }
    });
}

/// Image `b`'s input gradient: zero, plus each window's dy at the input that was its maximum.
fn scatter_image(dy: &[f32], argmax: &[f32], b: usize, image: &mut [f32], d: Pool2dDims) {
    let (out_plane, plane_len) = (d.out_height() * d.out_width(), d.height * d.width);
    image.fill(0.0);
    for c in 0..d.channels {
        let at = (b * d.channels + c) * out_plane;
        let plane = &mut image[c * plane_len..][..plane_len];
        for (g, index) in dy[at..at + out_plane].iter().zip(&argmax[at..at + out_plane]) {
            plane[*index as usize] += g;
        }
    }
}

/// The common 2x2 window at stride 2, two input rows at a time, in the same scan order. Each
/// comparison picks with a select rather than a branch (maxima of random values mispredict half the
/// time), so the loop over windows runs as SIMD.
fn pool_2x2(plane: &[f32], width: usize, y: &mut [f32], argmax: &mut [f32], ow: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has the features the copy is compiled for.
        return unsafe { pool_2x2_avx512(plane, width, y, argmax, ow) };
    }
    pool_2x2_windows(plane, width, y, argmax, ow);
}

/// `pool_2x2` compiled for AVX-512, where its loop runs 16 windows to a vector instead of 4.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn pool_2x2_avx512(plane: &[f32], width: usize, y: &mut [f32], argmax: &mut [f32], ow: usize) {
    pool_2x2_windows(plane, width, y, argmax, ow);
}

#[inline(always)]
fn pool_2x2_windows(plane: &[f32], width: usize, y: &mut [f32], argmax: &mut [f32], ow: usize) {
    for (oy, (y, argmax)) in y.chunks_exact_mut(ow).zip(argmax.chunks_exact_mut(ow)).enumerate() {
        let top = 2 * oy * width;
        let (upper, lower) = (&plane[top..top + 2 * ow], &plane[top + width..top + width + 2 * ow]);
        let (top, width) = (top as f32, width as f32);
        for (ox, ((y, argmax), (up, low))) in
            y.iter_mut().zip(argmax.iter_mut()).zip(upper.chunks_exact(2).zip(lower.chunks_exact(2))).enumerate()
        {
            let left = top + (2 * ox) as f32;
            let (mut best, mut at) = (up[0], left);
            (best, at) = if up[1] > best { (up[1], left + 1.0) } else { (best, at) };
            (best, at) = if low[0] > best { (low[0], left + width) } else { (best, at) };
            (best, at) = if low[1] > best { (low[1], left + width + 1.0) } else { (best, at) };
            *y = best;
            *argmax = at;
        }
    }
}
