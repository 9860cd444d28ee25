//! Fast CPU max pooling: the reference's scan (the first maximum in row order wins), image by
//! image over the cores natively.

use super::{parallel, reference};
use crate::engine::activation::Activation;
use crate::engine::shapes::Pool2dDims;

pub fn max_pool_forward(x: &[f32], y: &mut [f32], argmax: &mut [f32], d: Pool2dDims) {
    let (oh, ow, plane_len) = (d.out_height(), d.out_width(), d.height * d.width);
    let (per_in, per_out) = (d.channels * plane_len, d.channels * oh * ow);
    parallel::for_each_chunk_pair(&mut y[..d.batch * per_out], per_out, &mut argmax[..d.batch * per_out], per_out, |b, y, argmax| {
        for c in 0..d.channels {
            let plane = &x[b * per_in + c * plane_len..][..plane_len];
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
    });
}

pub fn max_pool_backward(dy: &[f32], argmax: &[f32], dx: &mut [f32], d: Pool2dDims) {
    let per_in = d.channels * d.height * d.width;
    parallel::for_each_chunk(&mut dx[..d.batch * per_in], per_in, |b, image| scatter_image(dy, argmax, b, image, d));
}

/// `max_pool_backward`, then dz = dx · f'(z) through the activation of the layer before the pool,
/// image by image while each image's dx is still in cache: the same values as the two passes.
pub fn max_pool_backward_activation(
    (dy, argmax): (&[f32], &[f32]),
    d: Pool2dDims,
    activation: Activation,
    (z, y, dx, dz): (&[f32], &[f32], &mut [f32], &mut [f32]),
) {
    let per_in = d.channels * d.height * d.width;
    let images = d.batch * per_in;
    parallel::for_each_chunk_pair(&mut dx[..images], per_in, &mut dz[..images], per_in, |b, dx, dz| {
        scatter_image(dy, argmax, b, dx, d);
        let at = b * per_in;
        reference::activation_backward(activation, &z[at..][..per_in], &y[at..][..per_in], dx, dz);
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

/// The common 2x2 window at stride 2, two input rows at a time, in the same scan order.
fn pool_2x2(plane: &[f32], width: usize, y: &mut [f32], argmax: &mut [f32], ow: usize) {
    for (oy, (y, argmax)) in y.chunks_exact_mut(ow).zip(argmax.chunks_exact_mut(ow)).enumerate() {
        let top = 2 * oy * width;
        let (upper, lower) = (&plane[top..top + 2 * ow], &plane[top + width..top + width + 2 * ow]);
        for ox in 0..ow {
            let (a, b, c, e) = (upper[2 * ox], upper[2 * ox + 1], lower[2 * ox], lower[2 * ox + 1]);
            let (mut best, mut at) = (a, top + 2 * ox);
            if b > best {
                (best, at) = (b, top + 2 * ox + 1);
            }
            if c > best {
                (best, at) = (c, top + width + 2 * ox);
            }
            if e > best {
                (best, at) = (e, top + width + 2 * ox + 1);
            }
            y[ox] = best;
            argmax[ox] = at as f32;
        }
    }
}
