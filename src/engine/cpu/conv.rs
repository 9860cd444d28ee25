//! Fast CPU convolutions: receptive fields unfolded into columns (im2col, a row per kernel tap) and
//! multiplied by the weights with sgemm, several images per product. At unit stride without padding
//! the columns sit on the input's own row pitch, so each row unfolds as one contiguous copy. Natively
//! images run on all cores; the weight gradient sums fixed runs of images, then the runs in order,
//! so figures never depend on the number of threads.

use super::fast::gemm_serial;
use super::{parallel, pool, reference};
use crate::engine::activation::Activation;
use crate::engine::shapes::{Conv2dDims, MatmulDims, Pool2dDims};

/// The most unfolded values held at once (16 MiB); larger batches run in groups of images.
const GROUP_BUDGET: usize = 1 << 22;

fn columns_len(d: &Conv2dDims) -> usize {
    (d.patch_len() + d.out_channels) * span(d)
}

/// Images unfolded side by side into one matrix product (the weights packed once for all of them).
pub(super) const IMAGES_PER_PRODUCT: usize = 4;

/// Images per group: within the budget, a whole number of products.
fn images_per_group(d: &Conv2dDims) -> usize {
    let products = (GROUP_BUDGET / (columns_len(d) * IMAGES_PER_PRODUCT).max(1)).max(1);
    (products * IMAGES_PER_PRODUCT).min(d.batch.max(1))
}

pub(super) fn grow(scratch: &mut Vec<f32>, len: usize) {
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

/// Unit stride and no padding, the common case, use a wide layout: an image's outputs sit on the
/// input's own row pitch (`width` columns, the last `kernel - 1` of each row unused), so every
/// unfolded row is one contiguous run of the input plane and folding it back one vector add.
fn wide(d: &Conv2dDims) -> bool {
    d.stride == 1 && d.padding == 0
}

/// Columns one image takes in the unfolded matrices: out_h·out_w, or in the wide layout the span
/// from the first output to the last on the input's pitch.
pub(super) fn span(d: &Conv2dDims) -> usize {
    if wide(d) {
        (d.out_height() - 1) * d.width + d.out_width()
    } else {
        d.out_height() * d.out_width()
    }
}

/// Unfolds one image [c, h, w] into cols [c·k·k, span], row r at cols[r·pitch..].
fn unfold(image: &[f32], d: &Conv2dDims, cols: &mut [f32], pitch: usize) {
    let (n, k, plane_len) = (span(d), d.kernel, d.height * d.width);
    for r in 0..d.patch_len() {
        let plane = &image[(r / (k * k)) * plane_len..][..plane_len];
        unfold_row(plane, (r % (k * k)) / k, r % k, d, &mut cols[r * pitch..][..n]);
    }
}

fn unfold_row(plane: &[f32], ky: usize, kx: usize, d: &Conv2dDims, out: &mut [f32]) {
    if wide(d) {
        out.copy_from_slice(&plane[ky * d.width + kx..][..out.len()]);
    } else {
        unfold_tap(plane, ky, kx, d, out);
    }
}

/// Adds cols [c·k·k, span], row r at cols[r·pitch..], back into one image [c, h, w] (the adjoint of `unfold`).
fn fold(cols: &[f32], d: &Conv2dDims, image: &mut [f32], pitch: usize) {
    let (n, k, plane_len) = (span(d), d.kernel, d.height * d.width);
    for r in 0..d.patch_len() {
        let row = &cols[r * pitch..][..n];
        let plane = &mut image[(r / (k * k)) * plane_len..][..plane_len];
        let (ky, kx) = ((r % (k * k)) / k, r % k);
        if wide(d) {
            let dst = &mut plane[ky * d.width + kx..][..n];
            dst.iter_mut().zip(row).for_each(|(v, g)| *v += g);
        } else {
            fold_tap(row, ky, kx, d, plane);
        }
    }
}

/// One output channel's values [out_h·out_w] laid out on `span` columns (zeros in the unused ones).
pub(super) fn widen(values: &[f32], d: &Conv2dDims, out: &mut [f32]) {
    if !wide(d) {
        return out.copy_from_slice(values);
    }
    let ow = d.out_width();
    for (oy, row) in values.chunks_exact(ow).enumerate() {
        let at = oy * d.width;
        out[at..at + ow].copy_from_slice(row);
        let end = (at + d.width).min(out.len());
        out[at + ow..end].fill(0.0);
    }
}

/// The inverse of `widen`, adding `bias` on the way.
fn narrow(wide_values: &[f32], d: &Conv2dDims, bias: f32, out: &mut [f32]) {
    let (ow, pitch) = (d.out_width(), if wide(d) { d.width } else { d.out_width() });
    for (oy, row) in out.chunks_exact_mut(ow).enumerate() {
        row.iter_mut().zip(&wide_values[oy * pitch..][..ow]).for_each(|(v, w)| *v = w + bias);
    }
}

/// Σ values in 16 interleaved partial sums, so the loop runs as SIMD (a plain sum waits on each add).
pub(super) fn lane_sum(values: &[f32]) -> f32 {
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

/// Adds one unfolded row of tap (ky, kx) back into its input plane (the adjoint of `unfold_tap`).
fn fold_tap(row: &[f32], ky: usize, kx: usize, d: &Conv2dDims, plane: &mut [f32]) {
    let (s, pad) = (d.stride, d.padding);
    let (lo, hi) = inside_columns(kx, d);
    for (oy, grads) in row.chunks_exact(d.out_width()).enumerate() {
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

/// y = W [out_channels, patch] · cols + bias, a product per `IMAGES_PER_PRODUCT` images.
pub fn conv2d_forward(x: &[f32], w: &[f32], bias: &[f32], y: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    forward(x, w, bias, y, None, d, scratch);
}

/// z = conv(x) + bias and y = f(z), each image's activations taken while its outputs are in cache.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_forward_activation(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    z: &mut [f32],
    y: &mut [f32],
    activation: Activation,
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    forward(x, w, bias, z, Some((activation, y)), d, scratch);
}

fn forward(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    z: &mut [f32],
    activated: Option<(Activation, &mut [f32])>,
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    #[cfg(target_arch = "x86_64")]
    if super::direct_conv::applies(&d) {
        return super::direct_conv::forward(x, w, bias, z, activated, d, scratch);
    }
    match activated {
        // Where y gives f', z is not kept (`Backend::conv2d_forward_activation`): y is written in place.
        Some((activation, y)) if activation.derivative_from_output() => unfolded_forward(x, w, bias, y, Some(activation), None, d, scratch),
        activated => unfolded_forward(x, w, bias, z, None, activated, d, scratch),
    }
}

/// The unfolded forward: conv(x) + bias into `out`, then f in place (`in_place`) or into another
/// output (`activated`).
#[allow(clippy::too_many_arguments)]
fn unfolded_forward(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    out: &mut [f32],
    in_place: Option<Activation>,
    mut activated: Option<(Activation, &mut [f32])>,
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    let (per_out, group) = (d.output_len() / d.batch.max(1), images_per_group(&d));
    let room = unfolded_room(&d);
    grow(scratch, group.div_ceil(IMAGES_PER_PRODUCT) * room);
    let work = |first: usize, out: &mut [f32], room: &mut [f32], y: Option<(Activation, &mut [f32])>| {
        let images = out.len() / per_out;
        let product = unfolded_product(x, w, first, images, &d, room);
        for (j, out) in out.chunks_exact_mut(per_out).enumerate() {
            place_image(product, j, images, bias, &d, out);
        }
        if let Some(activation) = in_place {
            reference::activation_forward_in_place(activation, out);
        }
        if let Some((activation, y)) = y {
            reference::activation_forward(activation, out, y);
        }
    };
    for first in (0..d.batch).step_by(group) {
        let count = group.min(d.batch - first);
        let outputs = &mut out[first * per_out..(first + count) * per_out];
        let rooms = &mut scratch[..count.div_ceil(IMAGES_PER_PRODUCT) * room];
        let chunk = per_out * IMAGES_PER_PRODUCT;
        let at = |i: usize| first + i * IMAGES_PER_PRODUCT;
        match activated.as_mut() {
            None => parallel::for_each_chunk_pair(outputs, chunk, rooms, room, |i, out, room| work(at(i), out, room, None)),
            Some((activation, y)) => {
                let y = &mut y[first * per_out..(first + count) * per_out];
                parallel::for_each_chunk_triple((outputs, chunk), (rooms, room), (y, chunk), |i, out, room, y| {
                    work(at(i), out, room, Some((*activation, y)))
                });
            }
        }
    }
}

/// Scratch one unfolded product of `IMAGES_PER_PRODUCT` images takes: their columns and the product.
fn unfolded_room(d: &Conv2dDims) -> usize {
    (d.patch_len() + d.out_channels) * span(d) * IMAGES_PER_PRODUCT
}

/// Unfolds `images` images from `first` into `room` and multiplies them by the weights: returns
/// the product [out_channels, images · span], image j's columns at j · span.
fn unfolded_product<'r>(x: &[f32], w: &[f32], first: usize, images: usize, d: &Conv2dDims, room: &'r mut [f32]) -> &'r [f32] {
    let (n, patch, oc, per_in) = (span(d), d.patch_len(), d.out_channels, d.input_len() / d.batch.max(1));
    let pitch = images * n;
    let (cols, product) = room.split_at_mut(patch * pitch);
    for j in 0..images {
        unfold(&x[(first + j) * per_in..][..per_in], d, &mut cols[j * n..], pitch);
    }
    gemm_serial(w, cols, &mut product[..oc * pitch], MatmulDims::new(oc, patch, pitch), 0.0);
    &product[..oc * pitch]
}

/// Image j's outputs [out_channels, oh, ow] from an unfolded product of `images` images, plus bias.
fn place_image(product: &[f32], j: usize, images: usize, bias: &[f32], d: &Conv2dDims, out: &mut [f32]) {
    let (n, pixels) = (span(d), d.out_height() * d.out_width());
    for (o, (channel, b)) in out.chunks_exact_mut(pixels).zip(bias).enumerate() {
        narrow(&product[o * images * n + j * n..][..n], d, *b, channel);
    }
}

/// Whether `conv2d_activation_max_pool` pools each image in cache, writing neither z nor y: where
/// the activation's output gives f' and the pooling windows do not overlap.
pub fn pools_in_cache(activation: Activation, p: &Pool2dDims) -> bool {
    activation.derivative_from_output() && p.stride >= p.size
}

/// A training forward through the convolution, its activation and the max pool after it, into the
/// pool's output and argmax only (`Backend::conv2d_activation_max_pool`), where `pools_in_cache`.
/// Each image's y is pooled from a scratch plane while it is still in cache.
pub fn conv2d_activation_max_pool(
    (x, w, bias): (&[f32], &[f32], &[f32]),
    activation: Activation,
    d: Conv2dDims,
    (pooled, argmax): (&mut [f32], &mut [f32]),
    p: Pool2dDims,
    scratch: &mut Vec<f32>,
) {
    assert!(pools_in_cache(activation, &p), "{activation:?} {p:?}: y gives f' and windows do not overlap");
    #[cfg(target_arch = "x86_64")]
    if super::direct_conv::applies(&d) {
        return super::direct_conv::forward_pooled((x, w, bias), activation, d, (pooled, argmax), p, scratch);
    }
    let (per_out, per_pooled, group) = (d.output_len() / d.batch.max(1), p.output_len() / p.batch.max(1), images_per_group(&d));
    // Each product's room holds one image's y after the columns and the product.
    let room = unfolded_room(&d) + per_out;
    grow(scratch, group.div_ceil(IMAGES_PER_PRODUCT) * room);
    for first in (0..d.batch).step_by(group) {
        let count = group.min(d.batch - first);
        let part = first * per_pooled..(first + count) * per_pooled;
        let rooms = &mut scratch[..count.div_ceil(IMAGES_PER_PRODUCT) * room];
        let chunk = per_pooled * IMAGES_PER_PRODUCT;
        let (pooled, argmax) = (&mut pooled[part.clone()], &mut argmax[part]);
        parallel::for_each_chunk_triple((pooled, chunk), (argmax, chunk), (rooms, room), |i, pooled, argmax, room| {
            let images = pooled.len() / per_pooled;
            let (room, y) = room.split_at_mut(room.len() - per_out);
            let product = unfolded_product(x, w, first + i * IMAGES_PER_PRODUCT, images, &d, room);
            for (j, (pooled, argmax)) in pooled.chunks_exact_mut(per_pooled).zip(argmax.chunks_exact_mut(per_pooled)).enumerate() {
                place_image(product, j, images, bias, &d, y);
                reference::activation_forward_in_place(activation, y);
                pool::pool_image(y, pooled, argmax, p);
            }
        });
    }
}

/// dcols = Wᵀ · dy, folded back into dx, a product per `IMAGES_PER_PRODUCT` images.
pub fn conv2d_backward_input(dy: &[f32], w: &[f32], dx: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    #[cfg(target_arch = "x86_64")]
    if super::direct_conv::applies(&d) {
        return super::direct_conv::backward_input(dy, w, dx, d, scratch);
    }
    let (pixels, n, patch, oc) = (d.out_height() * d.out_width(), span(&d), d.patch_len(), d.out_channels);
    let (per_in, per_out, group) = (d.input_len() / d.batch.max(1), oc * pixels, images_per_group(&d));
    let room = (patch + oc) * n * IMAGES_PER_PRODUCT;
    grow(scratch, group.div_ceil(IMAGES_PER_PRODUCT) * room);
    for first in (0..d.batch).step_by(group) {
        let count = group.min(d.batch - first);
        let grads = &mut dx[first * per_in..(first + count) * per_in];
        let rooms = &mut scratch[..count.div_ceil(IMAGES_PER_PRODUCT) * room];
        parallel::for_each_chunk_pair(grads, per_in * IMAGES_PER_PRODUCT, rooms, room, |i, grads, room| {
            let pitch = grads.len() / per_in * n;
            let (cols, wide_dy) = room.split_at_mut(patch * pitch);
            for (j, g) in
                dy[(first + i * IMAGES_PER_PRODUCT) * per_out..][..grads.len() / per_in * per_out].chunks_exact(per_out).enumerate()
            {
                for (o, values) in g.chunks_exact(pixels).enumerate() {
                    widen(values, &d, &mut wide_dy[o * pitch + j * n..][..n]);
                }
            }
            gemm_serial(w, &wide_dy[..oc * pitch], cols, MatmulDims::new(patch, oc, pitch).transpose_a(), 0.0);
            for (j, image) in grads.chunks_exact_mut(per_in).enumerate() {
                image.fill(0.0);
                fold(&cols[j * n..], &d, image, pitch);
            }
        });
    }
}

/// Images whose weight gradients one partial sum gathers. A fixed count, not one per thread, so the
/// order of every sum, and so every figure, is the same on any number of cores.
pub(super) const IMAGES_PER_PARTIAL: usize = 8;

/// dW = Σ over images of dy_b · cols_bᵀ, dbias = Σ dy. Each run of `IMAGES_PER_PARTIAL` images
/// sums into its own partial, image by image while its unfolded patches are still in cache, and
/// the partials are added in order. The product runs as dW or dWᵀ, whichever has more rows.
pub fn conv2d_backward_weights(x: &[f32], dy: &[f32], dw: &mut [f32], dbias: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    backward_weights(x, dy, None, dw, dbias, d, scratch);
}

/// dz = dy · f'(z), then dweights and dbias from it: each image's dz is written and used while in cache.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_activation_backward_weights(
    activation: Activation,
    (z, y, dy, dz): (&[f32], &[f32], &[f32], &mut [f32]),
    x: &[f32],
    dw: &mut [f32],
    dbias: &mut [f32],
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    backward_weights(x, dy, Some((activation, z, y, dz)), dw, dbias, d, scratch);
}

/// The activation a gradient passes through on its way back: f, its forward's z and y, and dz to write.
pub(super) type Through<'a> = (Activation, &'a [f32], &'a [f32], &'a mut [f32]);

/// Image `b`'s gradient at the convolution's outputs: its part of `dy`, or with `through`
/// dz = dy · f'(z), written into that run's dz as its image `m` (while z, y and dy are in cache).
pub(super) fn output_gradient<'a>(dy: &'a [f32], through: &'a mut Option<Through>, b: usize, m: usize, per_out: usize) -> &'a [f32] {
    match through {
        None => &dy[b * per_out..][..per_out],
        Some((activation, z, y, dz)) => {
            let (at, dz) = (b * per_out, &mut dz[m * per_out..][..per_out]);
            reference::activation_backward(*activation, &z[at..at + per_out], &y[at..at + per_out], &dy[at..at + per_out], dz);
            dz
        }
    }
}

/// Runs `work(run, room, through)` over the cores for each run of `IMAGES_PER_PARTIAL` images, each
/// with its own `room`-long piece of `rooms` and, with `through`, its own images' part of dz.
pub(super) fn for_each_partial(
    rooms: &mut [f32],
    room: usize,
    through: Option<Through>,
    (batch, per_out): (usize, usize),
    work: impl Fn(usize, &mut [f32], Option<Through>) + Sync + Send,
) {
    match through {
        None => parallel::for_each_chunk(rooms, room, |c, room| work(c, room, None)),
        Some((activation, z, y, dz)) => {
            let dz = &mut dz[..batch * per_out];
            parallel::for_each_chunk_pair(rooms, room, dz, per_out * IMAGES_PER_PARTIAL, |c, room, dz| {
                work(c, room, Some((activation, z, y, dz)))
            })
        }
    }
}

/// The weight gradients from `dy`, or with `through` from dz = dy · f'(z), written on the way.
fn backward_weights(
    x: &[f32],
    dy: &[f32],
    through: Option<Through>,
    dw: &mut [f32],
    dbias: &mut [f32],
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    #[cfg(target_arch = "x86_64")]
    if super::direct_conv::applies(&d) {
        return super::direct_conv::backward_weights(x, dy, through, dw, dbias, d, scratch);
    }
    let (pixels, n, patch, oc) = (d.out_height() * d.out_width(), span(&d), d.patch_len(), d.out_channels);
    let (per_in, per_out) = (d.input_len() / d.batch.max(1), oc * pixels);
    let transposed = patch > oc;
    let room = (patch + oc) * n + patch * oc + oc;
    let partials = d.batch.div_ceil(IMAGES_PER_PARTIAL);
    grow(scratch, partials * room);
    let rooms = &mut scratch[..partials * room];
    let work = |c: usize, room: &mut [f32], mut dz: Option<Through>| {
        let (cols, rest) = room.split_at_mut(patch * n);
        let (wide_dy, partial) = rest.split_at_mut(oc * n);
        let (partial_w, partial_b) = partial.split_at_mut(patch * oc);
        partial_w.fill(0.0);
        partial_b.fill(0.0);
        for b in c * IMAGES_PER_PARTIAL..((c + 1) * IMAGES_PER_PARTIAL).min(d.batch) {
            unfold(&x[b * per_in..][..per_in], &d, cols, n);
            let g = output_gradient(dy, &mut dz, b, b - c * IMAGES_PER_PARTIAL, per_out);
            for ((values, out), db) in g.chunks_exact(pixels).zip(wide_dy.chunks_exact_mut(n)).zip(partial_b.iter_mut()) {
                widen(values, &d, out);
                *db += lane_sum(values);
            }
            if transposed {
                gemm_serial(cols, wide_dy, partial_w, MatmulDims::new(patch, n, oc).transpose_b(), 1.0);
            } else {
                gemm_serial(wide_dy, cols, partial_w, MatmulDims::new(oc, n, patch).transpose_b(), 1.0);
            }
        }
    };
    for_each_partial(rooms, room, through, (d.batch, per_out), work);
    dw.fill(0.0);
    dbias.fill(0.0);
    for room in rooms.chunks_exact(room) {
        let (partial_w, partial_b) = room[(patch + oc) * n..].split_at(patch * oc);
        if transposed {
            for (p, row) in partial_w.chunks_exact(oc).enumerate() {
                for (o, v) in row.iter().enumerate() {
                    dw[o * patch + p] += v;
                }
            }
        } else {
            dw.iter_mut().zip(partial_w).for_each(|(a, v)| *a += v);
        }
        dbias.iter_mut().zip(partial_b).for_each(|(a, v)| *a += v);
    }
}
