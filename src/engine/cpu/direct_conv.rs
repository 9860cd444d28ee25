//! Direct convolutions on x86-64 with AVX-512, for unit stride without padding (the wide layout of
//! `conv`). Each kernel tap reads a shifted run of the input plane where it lies, so nothing is
//! unfolded into columns or packed for a matrix product: the forward pass and the input gradient
//! broadcast weights against those runs, and the weight gradient takes dot products along them.
//! Work is split over images exactly as in `conv`, so figures never depend on the number of threads.
//! (The browser keeps the unfolded path: 4-lane WebAssembly SIMD tiles of this kind ran slower there
//! than its matrix products.)

use std::arch::x86_64::*;
use std::cell::Cell;

use super::conv::{for_each_partial, grow, lane_sum, output_gradient, span, widen, Through, IMAGES_PER_PARTIAL, IMAGES_PER_PRODUCT};
use super::{parallel, pool};
use crate::engine::activation::Activation;
use crate::engine::shapes::{Conv2dDims, Pool2dDims};

const LANES: usize = 16;
/// Output rows per broadcast tile, each one weight broadcast per tap.
const ROWS: usize = 8;
/// 16-lane vectors of positions per broadcast tile: ROWS x VECTORS accumulators stay in registers.
const VECTORS: usize = 3;
const TILE_WIDTH: usize = LANES * VECTORS;
/// Output channels and taps per weight-gradient tile (GRAD_ROWS x GRAD_TAPS accumulators).
const GRAD_ROWS: usize = 4;
const GRAD_TAPS: usize = 5;

thread_local! {
    static UNFOLDED_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// Whether the direct kernels run for `d`: unit stride, no padding, a CPU with AVX-512 (the kernels'
/// feature set, which every AVX-512 CPU since Skylake-SP and Zen 4 has), and a thread that has not
/// asked for the unfolded path.
pub fn applies(d: &Conv2dDims) -> bool {
    use std::arch::is_x86_feature_detected as has;
    d.stride == 1 && d.padding == 0 && !UNFOLDED_ONLY.get() && has!("avx512f") && has!("avx512vl") && has!("avx512bw") && has!("avx512dq")
}

/// Runs `work` with this thread's convolutions on the unfolded path, to compare the two in tests.
pub fn unfolded_only<R>(work: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            UNFOLDED_ONLY.set(self.0);
        }
    }
    let _restore = Restore(UNFOLDED_ONLY.replace(true));
    work()
}

/// The source rows a broadcast tile reads: for each tap (a, ky, kx), in the packed weights' order,
/// the run that starts at base + a·outer_step + ky·row_step + kx·col_step.
#[derive(Clone, Copy)]
struct Taps {
    base: isize,
    outer: usize,
    outer_step: isize,
    kernel: usize,
    row_step: isize,
    col_step: isize,
}

/// Lane masks for the vectors of a tile with `remaining` positions left (whole vectors get all 16).
fn lane_masks(remaining: usize) -> [u16; VECTORS] {
    let mut masks = [0u16; VECTORS];
    for (v, mask) in masks.iter_mut().enumerate() {
        let left = remaining.saturating_sub(v * LANES);
        *mask = if left >= LANES { u16::MAX } else { (1u16 << left) - 1 };
    }
    masks
}

/// tile[i·TILE_WIDTH + p] = Σ over taps t of weights[t·ROWS + i] · src[row(t) + p], lanes outside
/// `masks` read as 0.
///
/// # Safety
/// `weights` holds ROWS values per tap, and every unmasked lane of every tap's run lies inside `src`'s allocation.
// The features beyond F give LLVM all 32 vector registers to allocate (with F alone it spilled).
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
unsafe fn broadcast_tile(weights: &[f32], src: *const f32, taps: Taps, masks: [u16; VECTORS], tile: &mut [f32; ROWS * TILE_WIDTH]) {
    debug_assert_eq!(weights.len(), taps.outer * taps.kernel * taps.kernel * ROWS);
    let mut acc = [[_mm512_setzero_ps(); VECTORS]; ROWS];
    let mut w = weights.as_ptr();
    for a in 0..taps.outer {
        let plane = taps.base + a as isize * taps.outer_step;
        for ky in 0..taps.kernel {
            let line = plane + ky as isize * taps.row_step;
            for kx in 0..taps.kernel {
                let run = src.wrapping_offset(line + kx as isize * taps.col_step);
                let mut b = [_mm512_setzero_ps(); VECTORS];
                for v in 0..VECTORS {
                    b[v] = unsafe { _mm512_maskz_loadu_ps(masks[v], run.wrapping_add(v * LANES)) };
                }
                for (i, row) in acc.iter_mut().enumerate() {
                    let wi = _mm512_set1_ps(unsafe { *w.add(i) });
                    for v in 0..VECTORS {
                        row[v] = _mm512_fmadd_ps(wi, b[v], row[v]);
                    }
                }
                w = w.wrapping_add(ROWS);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (v, value) in row.iter().enumerate() {
            unsafe { _mm512_storeu_ps(tile.as_mut_ptr().add(i * TILE_WIDTH + v * LANES), *value) };
        }
    }
}

/// sums[i][j] = Σ over `images` images of Σ_{p < n} dy_i[p] · x[offsets[j] + p], where image m's
/// rows are dy_i + m·dy_step and its input starts at x + m·x_step.
///
/// # Safety
/// Each dy row holds n rounded up to whole vectors (zeros past n), and x[offsets[j] + p] for
/// p < n lies inside the input of every image.
// The features beyond F give LLVM all 32 vector registers to allocate (with F alone it spilled).
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
unsafe fn correlation_tile(
    dy: [*const f32; GRAD_ROWS],
    dy_step: usize,
    x: *const f32,
    x_step: usize,
    offsets: [usize; GRAD_TAPS],
    images: usize,
    n: usize,
) -> [[f32; GRAD_TAPS]; GRAD_ROWS] {
    let mut acc = [[_mm512_setzero_ps(); GRAD_TAPS]; GRAD_ROWS];
    // One flat loop over (image, vector) steps: nested loops here made LLVM spill accumulators.
    let (mut x, mut dy_at, mut p) = (x, 0, 0);
    for _ in 0..images * n.div_ceil(LANES) {
        let mask = if n - p >= LANES { u16::MAX } else { (1u16 << (n - p)) - 1 };
        let mut runs = [_mm512_setzero_ps(); GRAD_TAPS];
        for j in 0..GRAD_TAPS {
            runs[j] = unsafe { _mm512_maskz_loadu_ps(mask, x.wrapping_add(offsets[j] + p)) };
        }
        for i in 0..GRAD_ROWS {
            let g = unsafe { _mm512_loadu_ps(dy[i].add(dy_at + p)) };
            for j in 0..GRAD_TAPS {
                acc[i][j] = _mm512_fmadd_ps(g, runs[j], acc[i][j]);
            }
        }
        p += LANES;
        if p >= n {
            (x, dy_at, p) = (x.wrapping_add(x_step), dy_at + dy_step, 0);
        }
    }
    let mut sums = [[0.0; GRAD_TAPS]; GRAD_ROWS];
    for (row, out) in acc.iter().zip(sums.iter_mut()) {
        for (sum, value) in row.iter().zip(out.iter_mut()) {
            *value = _mm512_reduce_add_ps(*sum);
        }
    }
    sums
}

/// Weights [rows, taps] regrouped for broadcast tiles: block b, tap t, row i at (b·taps + t)·ROWS + i,
/// zeros past the last row. `weight(row, tap)` reads the source.
fn pack_rows(rows: usize, taps: usize, weight: impl Fn(usize, usize) -> f32, packed: &mut [f32]) {
    for (b, block) in packed.chunks_exact_mut(taps * ROWS).enumerate() {
        for (t, lane) in block.chunks_exact_mut(ROWS).enumerate() {
            for (i, v) in lane.iter_mut().enumerate() {
                let row = b * ROWS + i;
                *v = if row < rows { weight(row, t) } else { 0.0 };
            }
        }
    }
}

/// What a forward tile row stores at its outputs v: v + bias (z), ReLU(v + bias), or another f.
#[derive(Clone, Copy)]
enum Epilogue {
    Plain,
    Relu,
    Apply(Activation),
}

impl Epilogue {
    /// The epilogue storing y = f(z).
    fn of(activation: Activation) -> Epilogue {
        match activation {
            Activation::Identity => Epilogue::Plain,
            Activation::Relu => Epilogue::Relu,
            other => Epilogue::Apply(other),
        }
    }
}

/// Stores one tile row's wide positions p0.. that are outputs into their output plane, through
/// `epilogue`. The runs are short (an output row or less), so whole runs go as masked vectors.
///
/// # Safety
/// The CPU has AVX-512F (`applies`).
#[target_feature(enable = "avx512f")]
unsafe fn place_outputs(tile_row: &[f32], p0: usize, d: &Conv2dDims, bias: f32, plane: &mut [f32], epilogue: Epilogue) {
    let (w, ow, oh) = (d.width, d.out_width(), d.out_height());
    let end = p0 + tile_row.len();
    for oy in p0 / w..oh {
        let start = oy * w;
        if start >= end {
            break;
        }
        let (lo, hi) = (start.max(p0), (start + ow).min(end));
        if lo < hi {
            let (values, out) = (&tile_row[lo - p0..hi - p0], &mut plane[oy * ow + lo - start..][..hi - lo]);
            match epilogue {
                Epilogue::Plain => store_run(values, out, bias, false),
                Epilogue::Relu => store_run(values, out, bias, true),
                Epilogue::Apply(f) => out.iter_mut().zip(values).for_each(|(o, v)| *o = f.forward(v + bias)),
            }
        }
    }
}

/// out[i] = values[i] + bias, or with `relu` ReLU of it (`Activation::Relu.forward`'s values: a
/// NaN sum gives 0, as `f32::max` does).
#[target_feature(enable = "avx512f")]
unsafe fn store_run(values: &[f32], out: &mut [f32], bias: f32, relu: bool) {
    let (len, b) = (out.len().min(values.len()), _mm512_set1_ps(bias));
    for i in (0..len).step_by(LANES) {
        let mask = if len - i >= LANES { u16::MAX } else { (1u16 << (len - i)) - 1 };
        let mut v = _mm512_add_ps(unsafe { _mm512_maskz_loadu_ps(mask, values.as_ptr().add(i)) }, b);
        if relu {
            v = _mm512_max_ps(v, _mm512_setzero_ps());
        }
        unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr().add(i), mask, v) };
    }
}

/// z = conv(x) + bias, and with `activated` y = f(z), image by image over the cores. Where f' comes
/// from y (`Activation::derivative_from_output`), z is not written: nothing reads it.
pub fn forward(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    z: &mut [f32],
    activated: Option<(Activation, &mut [f32])>,
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    match activated {
        None => forward_with(x, w, bias, Some(z), None, Epilogue::Plain, d, scratch),
        Some((activation, y)) => {
            let z = if activation.derivative_from_output() { None } else { Some(z) };
            forward_with(x, w, bias, z, Some(y), Epilogue::of(activation), d, scratch)
        }
    }
}

/// Values the forward's packed weights take: whole blocks of ROWS output channels.
fn packed_forward_len(d: &Conv2dDims) -> usize {
    d.out_channels.div_ceil(ROWS) * ROWS * d.patch_len()
}

/// The weights packed for broadcast tiles, at the front of `scratch`.
fn pack_forward<'s>(w: &[f32], d: &Conv2dDims, scratch: &'s mut [f32]) -> &'s [f32] {
    let (patch, oc) = (d.patch_len(), d.out_channels);
    let packed = &mut scratch[..packed_forward_len(d)];
    pack_rows(oc, patch, |o, t| w[o * patch + t], packed);
    packed
}

/// One image's convolution: z into `z` and the epilogue's values into `y`, whichever are given.
fn convolve_image(
    image: &[f32],
    packed: &[f32],
    bias: &[f32],
    d: &Conv2dDims,
    (mut z, mut y): (Option<&mut [f32]>, Option<&mut [f32]>),
    f: Epilogue,
) {
    let (patch, oc, n, k) = (d.patch_len(), d.out_channels, span(d), d.kernel);
    let (plane, pixels) = (d.height * d.width, d.out_height() * d.out_width());
    let mut tile = [0.0; ROWS * TILE_WIDTH];
    for (b, weights) in packed.chunks_exact(ROWS * patch).enumerate() {
        for p0 in (0..n).step_by(TILE_WIDTH) {
            let taps = Taps {
                base: p0 as isize,
                outer: d.in_channels,
                outer_step: plane as isize,
                kernel: k,
                row_step: d.width as isize,
                col_step: 1,
            };
            // SAFETY: a tap's run at positions p < n ends inside the image (the wide layout's
            // last output reads the plane's last value), and the masks stop at n.
            unsafe { broadcast_tile(weights, image.as_ptr(), taps, lane_masks(n - p0), &mut tile) };
            for (i, row) in tile.chunks_exact(TILE_WIDTH).enumerate().take(oc.saturating_sub(b * ROWS)) {
                let channel = (b * ROWS + i) * pixels..(b * ROWS + i + 1) * pixels;
                if let Some(z) = z.as_mut() {
                    // SAFETY: the direct kernels run only where `applies` found AVX-512F.
                    unsafe { place_outputs(row, p0, d, bias[b * ROWS + i], &mut z[channel.clone()], Epilogue::Plain) };
                }
                if let Some(y) = y.as_mut() {
                    // SAFETY: as above.
                    unsafe { place_outputs(row, p0, d, bias[b * ROWS + i], &mut y[channel], f) };
                }
            }
        }
    }
}

/// The forward into whichever of z and y are given (at least one).
#[allow(clippy::too_many_arguments)]
fn forward_with(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    z: Option<&mut [f32]>,
    y: Option<&mut [f32]>,
    f: Epilogue,
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    let (per_in, per_out) = (d.input_len() / d.batch.max(1), d.output_len() / d.batch.max(1));
    grow(scratch, packed_forward_len(&d));
    let packed = pack_forward(w, &d, scratch);
    let run = |first_image: usize, mut z: Option<&mut [f32]>, mut y: Option<&mut [f32]>| {
        let images = z.as_ref().or(y.as_ref()).map_or(0, |out| out.len() / per_out);
        for m in 0..images {
            let image = &x[(first_image + m) * per_in..][..per_in];
            let z = z.as_mut().map(|z| &mut z[m * per_out..][..per_out]);
            let y = y.as_mut().map(|y| &mut y[m * per_out..][..per_out]);
            convolve_image(image, packed, bias, &d, (z, y), f);
        }
    };
    let chunk = per_out * IMAGES_PER_PRODUCT;
    let all = d.batch * per_out;
    match (z, y) {
        (Some(z), None) => parallel::for_each_chunk(&mut z[..all], chunk, |c, z| run(c * IMAGES_PER_PRODUCT, Some(z), None)),
        (None, Some(y)) => parallel::for_each_chunk(&mut y[..all], chunk, |c, y| run(c * IMAGES_PER_PRODUCT, None, Some(y))),
        (Some(z), Some(y)) => parallel::for_each_chunk_pair(&mut z[..all], chunk, &mut y[..all], chunk, |c, z, y| {
            run(c * IMAGES_PER_PRODUCT, Some(z), Some(y))
        }),
        (None, None) => {}
    }
}

/// `conv::conv2d_activation_max_pool` on the direct kernels: each image's y goes to a scratch plane
/// and is pooled from there while in cache; only the pool's output and argmax are written.
pub fn forward_pooled(
    (x, w, bias): (&[f32], &[f32], &[f32]),
    activation: Activation,
    d: Conv2dDims,
    (pooled, argmax): (&mut [f32], &mut [f32]),
    p: Pool2dDims,
    scratch: &mut Vec<f32>,
) {
    let (per_in, per_out, per_pooled) = (d.input_len() / d.batch.max(1), d.output_len() / d.batch.max(1), p.output_len() / p.batch.max(1));
    let packed_len = packed_forward_len(&d);
    let chunks = d.batch.div_ceil(IMAGES_PER_PRODUCT);
    grow(scratch, packed_len + chunks * per_out);
    let (front, planes) = scratch[..packed_len + chunks * per_out].split_at_mut(packed_len);
    let packed = pack_forward(w, &d, front);
    let run = |c: usize, pooled: &mut [f32], argmax: &mut [f32], y: &mut [f32]| {
        for (m, (pooled, argmax)) in pooled.chunks_exact_mut(per_pooled).zip(argmax.chunks_exact_mut(per_pooled)).enumerate() {
            let image = &x[(c * IMAGES_PER_PRODUCT + m) * per_in..][..per_in];
            convolve_image(image, packed, bias, &d, (None, Some(y)), Epilogue::of(activation));
            pool::pool_image(y, pooled, argmax, p);
        }
    };
    let chunk = per_pooled * IMAGES_PER_PRODUCT;
    let (pooled, argmax) = (&mut pooled[..p.output_len()], &mut argmax[..p.output_len()]);
    parallel::for_each_chunk_triple((pooled, chunk), (argmax, chunk), (planes, per_out), run);
}

/// dx[c, q] = Σ over (o, ky, kx) of W[o, c, ky, kx] · dy[o, q − ky·w − kx], with dy laid out wide
/// on a zero border so every shifted run is in bounds.
pub fn backward_input(dy: &[f32], w: &[f32], dx: &mut [f32], d: Conv2dDims, scratch: &mut Vec<f32>) {
    let (channels, oc, n, k) = (d.in_channels, d.out_channels, span(&d), d.kernel);
    let (plane, pixels, taps_per_channel) = (d.height * d.width, d.out_height() * d.out_width(), oc * k * k);
    let (per_in, per_out, blocks) = (d.input_len() / d.batch.max(1), oc * pixels, channels.div_ceil(ROWS));
    // Each output channel's wide gradient sits at border.. of a row long enough for every tile.
    let border = ((k - 1) * d.width + k - 1).next_multiple_of(LANES);
    let row_len = border + plane.next_multiple_of(TILE_WIDTH);
    let packed_len = blocks * ROWS * taps_per_channel;
    let room = oc * row_len;
    let chunks = d.batch.div_ceil(IMAGES_PER_PRODUCT);
    grow(scratch, packed_len + chunks * room);
    let (packed, rooms) = scratch[..packed_len + chunks * room].split_at_mut(packed_len);
    pack_rows(channels, taps_per_channel, |c, t| w[(t / (k * k)) * d.patch_len() + c * k * k + t % (k * k)], packed);
    let packed = &*packed;
    let dx = &mut dx[..d.batch * per_in];
    parallel::for_each_chunk_pair(dx, per_in * IMAGES_PER_PRODUCT, rooms, room, |chunk, grads, padded| {
        padded.fill(0.0);
        let mut tile = [0.0; ROWS * TILE_WIDTH];
        for (m, image) in grads.chunks_exact_mut(per_in).enumerate() {
            let g = &dy[(chunk * IMAGES_PER_PRODUCT + m) * per_out..][..per_out];
            for (values, row) in g.chunks_exact(pixels).zip(padded.chunks_exact_mut(row_len)) {
                widen(values, &d, &mut row[border..border + n]);
            }
            for (b, weights) in packed.chunks_exact(ROWS * taps_per_channel).enumerate() {
                for q0 in (0..plane).step_by(TILE_WIDTH) {
                    let taps = Taps {
                        base: (border + q0) as isize,
                        outer: oc,
                        outer_step: row_len as isize,
                        kernel: k,
                        row_step: -(d.width as isize),
                        col_step: -1,
                    };
                    // SAFETY: runs start at border + q0 − ((k−1)·w + k−1) ≥ 0 into a row and end by
                    // border + q0 + TILE_WIDTH ≤ row_len, so every lane is inside `padded`.
                    unsafe { broadcast_tile(weights, padded.as_ptr(), taps, [u16::MAX; VECTORS], &mut tile) };
                    let width = TILE_WIDTH.min(plane - q0);
                    for (i, row) in tile.chunks_exact(TILE_WIDTH).enumerate() {
                        let c = b * ROWS + i;
                        if c < channels {
                            image[c * plane + q0..][..width].copy_from_slice(&row[..width]);
                        }
                    }
                }
            }
        }
    });
}

/// dW = Σ over images of dy_b ⋆ x_b and dbias = Σ dy, or with `through` from dz = dy · f'(z),
/// written on the way. Each run of `IMAGES_PER_PARTIAL` images sums into its own partial, and the
/// partials are added in order.
pub fn backward_weights(
    x: &[f32],
    dy: &[f32],
    through: Option<Through>,
    dw: &mut [f32],
    dbias: &mut [f32],
    d: Conv2dDims,
    scratch: &mut Vec<f32>,
) {
    let (patch, oc, n, k) = (d.patch_len(), d.out_channels, span(&d), d.kernel);
    let (plane, pixels) = (d.height * d.width, d.out_height() * d.out_width());
    let (per_in, per_out, wide_len) = (d.input_len() / d.batch.max(1), oc * pixels, n.next_multiple_of(LANES));
    let room = IMAGES_PER_PARTIAL * oc * wide_len + patch * oc + oc;
    let partials = d.batch.div_ceil(IMAGES_PER_PARTIAL);
    grow(scratch, partials * room);
    let rooms = &mut scratch[..partials * room];
    let offset = |r: usize| (r / (k * k)) * plane + (r % (k * k)) / k * d.width + r % k;
    let work = |c: usize, room: &mut [f32], mut dz: Option<Through>| {
        let (wide, partial) = room.split_at_mut(IMAGES_PER_PARTIAL * oc * wide_len);
        let (partial_w, partial_b) = partial.split_at_mut(patch * oc);
        partial_b.fill(0.0);
        let first = c * IMAGES_PER_PARTIAL;
        let images = IMAGES_PER_PARTIAL.min(d.batch - first);
        for m in 0..images {
            let b = first + m;
            let g = output_gradient(dy, &mut dz, b, m, per_out);
            let rows = wide[m * oc * wide_len..][..oc * wide_len].chunks_exact_mut(wide_len);
            for ((values, row), db) in g.chunks_exact(pixels).zip(rows).zip(partial_b.iter_mut()) {
                widen(values, &d, &mut row[..n]);
                row[n..].fill(0.0);
                *db += lane_sum(values);
            }
        }
        let x = &x[first * per_in..][..images * per_in];
        for o0 in (0..oc).step_by(GRAD_ROWS) {
            let dy_rows: [*const f32; GRAD_ROWS] = std::array::from_fn(|i| wide[(o0 + i).min(oc - 1) * wide_len..].as_ptr());
            for r0 in (0..patch).step_by(GRAD_TAPS) {
                let offsets: [usize; GRAD_TAPS] = std::array::from_fn(|j| offset((r0 + j).min(patch - 1)));
                // SAFETY: dy rows are wide_len long with zeros past n, and a tap's run over p < n
                // ends inside its image (the wide layout's last output reads the plane's last value).
                let sums = unsafe { correlation_tile(dy_rows, oc * wide_len, x.as_ptr(), per_in, offsets, images, n) };
                for (i, row) in sums.iter().enumerate().take(oc - o0) {
                    let out = &mut partial_w[(o0 + i) * patch + r0..];
                    for (j, v) in row.iter().enumerate().take(patch - r0) {
                        out[j] = *v;
                    }
                }
            }
        }
    };
    for_each_partial(rooms, room, through, (d.batch, per_out), work);
    dw.fill(0.0);
    dbias.fill(0.0);
    for room in rooms.chunks_exact(room) {
        let (partial_w, partial_b) = room[IMAGES_PER_PARTIAL * oc * wide_len..].split_at(patch * oc);
        dw.iter_mut().zip(partial_w).for_each(|(a, v)| *a += v);
        dbias.iter_mut().zip(partial_b).for_each(|(a, v)| *a += v);
    }
}
