//! Fast CPU convolutions: each image's receptive fields unfolded into columns (im2col, a row per
//! kernel tap, contiguous runs copied at stride 1) and multiplied by the weights with sgemm.
//! Images are independent, so natively they run on all cores; the weight gradient splits its
//! output channels instead, summing the images in order, so figures never depend on threads.

use super::fast::{gemm, gemm_serial};
use super::parallel;
use crate::engine::shapes::{Conv2dDims, MatmulDims};

/// The most unfolded values held at once (16 MiB); larger batches run in groups of images.
const GROUP_BUDGET: usize = 1 << 22;

fn columns_len(d: &Conv2dDims) -> usize {
    d.patch_len() * d.out_height() * d.out_width()
}

fn images_per_group(d: &Conv2dDims) -> usize {
    (GROUP_BUDGET / columns_len(d).max(1)).clamp(1, d.batch.max(1))
}

fn grow(scratch: &mut Vec<f32>, len: usize) {
    if scratch.len() < len {
        scratch.resize(len, 0.0);
    }
}

/// The output columns `ox` whose tap `kx` lands inside a row of the input: lo..hi.
fn inside_columns(kx: usize, d: &Conv2dDims) -> (usize, usize) {
    let (ow, s, pad) = (d.out_width(), d.stride, d.padding);
    if d.width + pad <= kx {
        return (0, 0);
    }
    let hi = ((d.width - 1 + pad - kx) / s + 1).min(ow);
    let lo = if kx >= pad { 0 } else { (pad - kx).div_ceil(s) }.min(hi);
    (lo, hi)
}

/// Unfolds tap (ky, kx) of one input plane [h, w] into `out` [out_h·out_w], zeros where padding reaches.
fn unfold_tap(plane: &[f32], ky: usize, kx: usize, d: &Conv2dDims, out: &mut [f32]) {
    let (ow, s, pad) = (d.out_width(), d.stride, d.padding);
    let (lo, hi) = inside_columns(kx, d);
    for (oy, out) in out.chunks_exact_mut(ow).enumerate() {
        let iy = (oy * s + ky) as isize - pad as isize;
        if iy < 0 || iy as usize >= d.height {
            out.fill(0.0);
            continue;
        }
        let src = &plane[iy as usize * d.width..][..d.width];
        out[..lo].fill(0.0);
        out[hi..].fill(0.0);
        if s == 1 {
            let from = lo + kx - pad;
            out[lo..hi].copy_from_slice(&src[from..from + hi - lo]);
        } else {
            for (ox, v) in out[lo..hi].iter_mut().enumerate() {
                *v = src[(lo + ox) * s + kx - pad];
            }
        }
    }
}

/// Unfolds one image [c, h, w] into cols [c·k·k, out_h·out_w].
fn im2col(image: &[f32], d: &Conv2dDims, cols: &mut [f32]) {
    let (pixels, k) = (d.out_height() * d.out_width(), d.kernel);
    for (r, row) in cols[..d.patch_len() * pixels].chunks_exact_mut(pixels).enumerate() {
        let plane = &image[(r / (k * k)) * d.height * d.width..][..d.height * d.width];
        unfold_tap(plane, (r % (k * k)) / k, r % k, d, row);
    }
}

/// Σ values in 16 interleaved partial sums, so the loop runs as SIMD (a plain sum waits on each add).
fn lane_sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Adds cols [c·k·k, out_h·out_w] back into one image [c, h, w] (the adjoint of im2col).
fn col2im(cols: &[f32], d: &Conv2dDims, image: &mut [f32]) {
    let (oh, ow, k, s, pad) = (d.out_height(), d.out_width(), d.kernel, d.stride, d.padding);
    for c in 0..d.in_channels {
        let plane = &mut image[c * d.height * d.width..][..d.height * d.width];
        for ky in 0..k {
            for kx in 0..k {
                let row = &cols[((c * k + ky) * k + kx) * oh * ow..][..oh * ow];
                let (lo, hi) = inside_columns(kx, d);
                for (oy, grads) in row.chunks_exact(ow).enumerate() {
                    let iy = (oy * s + ky) as isize - pad as isize;
                    if iy < 0 || iy as usize >= d.height {
                        continue;
                    }
                    let dst = &mut plane[iy as usize * d.width..][..d.width];
                    for ox in lo..hi {
                        dst[ox * s + kx - pad] += grads[ox];
                    }
                }
            }
        }
    }
}

/// y[b] = W [out_channels, patch] · cols_b + bias, image by image.
pub fn conv2d_forward(x: &[f32], w: &[f32], bias: &[f32], y: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    let (pixels, cols_len) = (d.out_height() * d.out_width(), columns_len(&d));
    let (per_in, per_out, group) = (d.input_len() / d.batch.max(1), d.out_channels * pixels, images_per_group(&d));
    grow(scratch, group * cols_len);
    for first in (0..d.batch).step_by(group) {
        let count = group.min(d.batch - first);
        let outputs = &mut y[first * per_out..(first + count) * per_out];
        parallel::for_each_chunk_pair(outputs, per_out, &mut scratch[..count * cols_len], cols_len, |i, out, cols| {
            im2col(&x[(first + i) * per_in..][..per_in], &d, cols);
            gemm_serial(w, cols, out, MatmulDims::new(d.out_channels, d.patch_len(), pixels), 0.0);
            for (channel, b) in out.chunks_exact_mut(pixels).zip(bias) {
                channel.iter_mut().for_each(|v| *v += b);
            }
        });
    }
}

/// dcols_b = Wᵀ · dy_b, folded back into dx image by image.
pub fn conv2d_backward_input(dy: &[f32], w: &[f32], dx: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    let (pixels, cols_len) = (d.out_height() * d.out_width(), columns_len(&d));
    let (per_in, per_out, group) = (d.input_len() / d.batch.max(1), d.out_channels * pixels, images_per_group(&d));
    grow(scratch, group * cols_len);
    for first in (0..d.batch).step_by(group) {
        let count = group.min(d.batch - first);
        let grads = &mut dx[first * per_in..(first + count) * per_in];
        parallel::for_each_chunk_pair(grads, per_in, &mut scratch[..count * cols_len], cols_len, |i, image, cols| {
            let g = &dy[(first + i) * per_out..][..per_out];
            gemm_serial(w, g, cols, MatmulDims::new(d.patch_len(), d.out_channels, pixels).transpose_a(), 0.0);
            image.fill(0.0);
            col2im(cols, &d, image);
        });
    }
}

/// dW = Σ over images and pixels of dy · cols, as one product per group of images: the group's
/// taps unfolded side by side [patch, images·pixels] against its gradients gathered the same way
/// [out_channels, images·pixels]. The product runs as dW or dWᵀ, whichever has more rows to
/// split over the cores; dbias = Σ dy, in image order.
pub fn conv2d_backward_weights(x: &[f32], dy: &[f32], dw: &mut [f32], dbias: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    let (pixels, patch, k, oc) = (d.out_height() * d.out_width(), d.patch_len(), d.kernel, d.out_channels);
    let (per_in, per_out, group) = (d.input_len() / d.batch.max(1), oc * pixels, images_per_group(&d));
    let transposed = patch > oc;
    let dw_t_len = if transposed { patch * oc } else { 0 };
    grow(scratch, group * (patch + oc) * pixels + dw_t_len);
    let (cols_room, rest) = scratch.split_at_mut(group * patch * pixels);
    let (grads_room, rest) = rest.split_at_mut(group * per_out);
    let dw_t = &mut rest[..dw_t_len];
    dw.fill(0.0);
    dw_t.fill(0.0);
    dbias.fill(0.0);
    for first in (0..d.batch).step_by(group) {
        let count = group.min(d.batch - first);
        let width = count * pixels;
        let cols = &mut cols_room[..patch * width];
        parallel::for_each_chunk(cols, width, |r, row| {
            let (channel, ky, kx) = (r / (k * k), (r % (k * k)) / k, r % k);
            for (j, out) in row.chunks_exact_mut(pixels).enumerate() {
                let plane = &x[(first + j) * per_in + channel * d.height * d.width..][..d.height * d.width];
                unfold_tap(plane, ky, kx, &d, out);
            }
        });
        let grads = &mut grads_room[..oc * width];
        parallel::for_each_chunk(grads, width, |o, row| {
            for (j, out) in row.chunks_exact_mut(pixels).enumerate() {
                out.copy_from_slice(&dy[(first + j) * per_out + o * pixels..][..pixels]);
            }
        });
        for (db, row) in dbias.iter_mut().zip(grads.chunks_exact(width)) {
            *db += lane_sum(row);
        }
        if transposed {
            gemm(cols, grads, dw_t, MatmulDims::new(patch, width, oc).transpose_b(), 1.0);
        } else {
            gemm(grads, cols, dw, MatmulDims::new(oc, width, patch).transpose_b(), 1.0);
        }
    }
    if transposed {
        for (p, row) in dw_t.chunks_exact(oc).enumerate() {
            for (o, v) in row.iter().enumerate() {
                dw[o * patch + p] = *v;
            }
        }
    }
}
