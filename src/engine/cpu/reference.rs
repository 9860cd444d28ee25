//! Plain reference kernels on slices: the definition of every op. The fast CPU paths and every
//! WGSL kernel are tested against these; the gradient checks test their backward halves.

use crate::engine::activation::{sigmoid, Activation};
use crate::engine::optimizer::{AdamConfig, SgdConfig};
use crate::engine::rng;
use crate::engine::shapes::{Conv2dDims, MatmulDims, Pool2dDims};

/// y <- alpha * x + y. x, y: [n]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy: x has {} values but y has {}", x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// c = op(a) · op(b), one dot product per output.
pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims) {
    assert_eq!(a.len(), d.m * d.k, "matmul: a");
    assert_eq!(b.len(), d.k * d.n, "matmul: b");
    assert_eq!(c.len(), d.m * d.n, "matmul: c");
    for i in 0..d.m {
        for j in 0..d.n {
            let mut sum = 0.0f32;
            for p in 0..d.k {
                let av = if d.trans_a { a[p * d.m + i] } else { a[i * d.k + p] };
                let bv = if d.trans_b { b[j * d.k + p] } else { b[p * d.n + j] };
                sum += av * bv;
            }
            c[i * d.n + j] = sum;
        }
    }
}

/// y: [rows, cols] += bias: [cols]
pub fn bias_add(y: &mut [f32], bias: &[f32], rows: usize, cols: usize) {
    for r in 0..rows {
        for (v, b) in y[r * cols..(r + 1) * cols].iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// dbias: [cols] = column sums of dy: [rows, cols]
pub fn bias_grad(dy: &[f32], dbias: &mut [f32], rows: usize, cols: usize) {
    dbias.fill(0.0);
    for r in 0..rows {
        for (db, g) in dbias.iter_mut().zip(&dy[r * cols..(r + 1) * cols]) {
            *db += g;
        }
    }
}

pub fn activation_forward(activation: Activation, x: &[f32], y: &mut [f32]) {
    // One loop per common activation, so each compiles to SIMD rather than a match per value.
    match activation {
        Activation::Relu => map(x, y, |v| Activation::Relu.forward(v)),
        Activation::Identity => map(x, y, |v| v),
        other => map(x, y, |v| other.forward(v)),
    }
}

/// `activation_forward` with y written over x.
pub fn activation_forward_in_place(activation: Activation, values: &mut [f32]) {
    match activation {
        Activation::Relu => values.iter_mut().for_each(|v| *v = Activation::Relu.forward(*v)),
        Activation::Identity => {}
        other => values.iter_mut().for_each(|v| *v = other.forward(*v)),
    }
}

fn map(x: &[f32], y: &mut [f32], f: impl Fn(f32) -> f32) {
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi = f(*xi));
}

pub fn activation_backward(activation: Activation, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    match activation {
        Activation::Relu => chain(x, y, dy, dx, |x, y| Activation::Relu.derivative(x, y)),
        Activation::Identity => chain(x, y, dy, dx, |_, _| 1.0),
        other => chain(x, y, dy, dx, |x, y| other.derivative(x, y)),
    }
}

/// dx = dy · f'(x, y), value by value.
fn chain(x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32], derivative: impl Fn(f32, f32) -> f32) {
    let n = dx.len();
    let (x, y, dy) = (&x[..n], &y[..n], &dy[..n]);
    for i in 0..n {
        dx[i] = dy[i] * derivative(x[i], y[i]);
    }
}

/// The dropout multiplier of element i: 0 (dropped) or 1 / (1 - p) (kept).
pub fn dropout_scale(p: f32, seed: u32, index: usize) -> f32 {
    if rng::uniform(seed, index as u32) >= p {
        1.0 / (1.0 - p)
    } else {
        0.0
    }
}

pub fn dropout_forward(x: &[f32], y: &mut [f32], p: f32, seed: u32) {
    for (i, (yi, xi)) in y.iter_mut().zip(x).enumerate() {
        *yi = xi * dropout_scale(p, seed, i);
    }
}

pub fn dropout_backward(dy: &[f32], dx: &mut [f32], p: f32, seed: u32) {
    dropout_forward(dy, dx, p, seed);
}

/// Adds Σ_r -log softmax(logits_r)[label_r] to loss_sum[0]; dlogits = (softmax - onehot) / rows.
pub fn softmax_cross_entropy(logits: &[f32], labels: &[f32], dlogits: &mut [f32], loss_sum: &mut [f32], rows: usize, classes: usize) {
    let mut total = 0.0f32;
    for r in 0..rows {
        let row = &logits[r * classes..(r + 1) * classes];
        let label = labels[r] as usize;
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum_exp: f32 = row.iter().map(|z| (z - max).exp()).sum();
        total += sum_exp.ln() + max - row[label];
        for c in 0..classes {
            let p = (row[c] - max).exp() / sum_exp;
            let target = if c == label { 1.0 } else { 0.0 };
            dlogits[r * classes + c] = (p - target) / rows as f32;
        }
    }
    loss_sum[0] += total;
}

/// Per sample, mean over cols of max(z,0) - z·t + ln(1 + e^-|z|); dlogits = (σ(z) - t) / (rows·cols).
pub fn bce_with_logits(logits: &[f32], targets: &[f32], dlogits: &mut [f32], loss_sum: &mut [f32], rows: usize, cols: usize) {
    let n = (rows * cols) as f32;
    let mut total = 0.0f32;
    for i in 0..rows * cols {
        let (z, t) = (logits[i], targets[i]);
        total += (z.max(0.0) - z * t + (-z.abs()).exp().ln_1p()) / cols as f32;
        dlogits[i] = (sigmoid(z) - t) / n;
    }
    loss_sum[0] += total;
}

/// Per sample, mean over cols of (p - t)²; dpred = 2 (p - t) / (rows·cols).
pub fn mse(pred: &[f32], target: &[f32], dpred: &mut [f32], loss_sum: &mut [f32], rows: usize, cols: usize) {
    let n = (rows * cols) as f32;
    let mut total = 0.0f32;
    for i in 0..rows * cols {
        let diff = pred[i] - target[i];
        total += diff * diff / cols as f32;
        dpred[i] = 2.0 * diff / n;
    }
    loss_sum[0] += total;
}

/// The first index of a row's largest value (ties go to the lower class, as in argmax everywhere).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

pub fn count_correct(logits: &[f32], labels: &[f32], correct: &mut [f32], rows: usize, classes: usize) {
    let hits = (0..rows).filter(|&r| argmax(&logits[r * classes..(r + 1) * classes]) == labels[r] as usize).count();
    correct[0] += hits as f32;
}

/// Index of input (b, c, y, x) when y and x are inside the image.
fn input_at(d: &Conv2dDims, b: usize, c: usize, y: isize, x: isize) -> Option<usize> {
    (y >= 0 && x >= 0 && (y as usize) < d.height && (x as usize) < d.width)
        .then(|| ((b * d.in_channels + c) * d.height + y as usize) * d.width + x as usize)
}

/// Input row and column under output pixel (oy, ox) at kernel offset (ky, kx).
fn source(d: &Conv2dDims, oy: usize, ox: usize, ky: usize, kx: usize) -> (isize, isize) {
    ((oy * d.stride + ky) as isize - d.padding as isize, (ox * d.stride + kx) as isize - d.padding as isize)
}

pub fn conv2d_forward(x: &[f32], w: &[f32], bias: &[f32], y: &mut [f32], d: Conv2dDims) {
    let (oh, ow, k) = (d.out_height(), d.out_width(), d.kernel);
    for b in 0..d.batch {
        for o in 0..d.out_channels {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut sum = bias[o];
                    for c in 0..d.in_channels {
                        for ky in 0..k {
                            for kx in 0..k {
                                let (iy, ix) = source(&d, oy, ox, ky, kx);
                                if let Some(i) = input_at(&d, b, c, iy, ix) {
                                    sum += x[i] * w[((o * d.in_channels + c) * k + ky) * k + kx];
                                }
                            }
                        }
                    }
                    y[((b * d.out_channels + o) * oh + oy) * ow + ox] = sum;
                }
            }
        }
    }
}

pub fn conv2d_backward_input(dy: &[f32], w: &[f32], dx: &mut [f32], d: Conv2dDims) {
    let (oh, ow, k) = (d.out_height(), d.out_width(), d.kernel);
    dx.fill(0.0);
    for b in 0..d.batch {
        for o in 0..d.out_channels {
            for oy in 0..oh {
                for ox in 0..ow {
                    let g = dy[((b * d.out_channels + o) * oh + oy) * ow + ox];
                    for c in 0..d.in_channels {
                        for ky in 0..k {
                            for kx in 0..k {
                                let (iy, ix) = source(&d, oy, ox, ky, kx);
                                if let Some(i) = input_at(&d, b, c, iy, ix) {
                                    dx[i] += g * w[((o * d.in_channels + c) * k + ky) * k + kx];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn conv2d_backward_weights(x: &[f32], dy: &[f32], dw: &mut [f32], dbias: &mut [f32], d: Conv2dDims) {
    let (oh, ow, k) = (d.out_height(), d.out_width(), d.kernel);
    dw.fill(0.0);
    dbias.fill(0.0);
    for b in 0..d.batch {
        for o in 0..d.out_channels {
            for oy in 0..oh {
                for ox in 0..ow {
                    let g = dy[((b * d.out_channels + o) * oh + oy) * ow + ox];
                    dbias[o] += g;
                    for c in 0..d.in_channels {
                        for ky in 0..k {
                            for kx in 0..k {
                                let (iy, ix) = source(&d, oy, ox, ky, kx);
                                if let Some(i) = input_at(&d, b, c, iy, ix) {
                                    dw[((o * d.in_channels + c) * k + ky) * k + kx] += g * x[i];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn max_pool_forward(x: &[f32], y: &mut [f32], argmax: &mut [f32], d: Pool2dDims) {
    let (oh, ow) = (d.out_height(), d.out_width());
    for plane in 0..d.batch * d.channels {
        let input = &x[plane * d.height * d.width..(plane + 1) * d.height * d.width];
        for oy in 0..oh {
            for ox in 0..ow {
                let mut best = (oy * d.stride) * d.width + ox * d.stride;
                for ky in 0..d.size {
                    for kx in 0..d.size {
                        let i = (oy * d.stride + ky) * d.width + ox * d.stride + kx;
                        if input[i] > input[best] {
                            best = i;
                        }
                    }
                }
                let out = (plane * oh + oy) * ow + ox;
                y[out] = input[best];
                argmax[out] = best as f32;
            }
        }
    }
}

pub fn max_pool_backward(dy: &[f32], argmax: &[f32], dx: &mut [f32], d: Pool2dDims) {
    let (oh, ow) = (d.out_height(), d.out_width());
    dx.fill(0.0);
    for plane in 0..d.batch * d.channels {
        for o in 0..oh * ow {
            let out = plane * oh * ow + o;
            dx[plane * d.height * d.width + argmax[out] as usize] += dy[out];
        }
    }
}

pub fn sgd_step(w: &mut [f32], g: &[f32], velocity: &mut [f32], c: SgdConfig) {
    for i in 0..w.len() {
        let grad = g[i] + c.l2 * w[i];
        velocity[i] = c.momentum * velocity[i] + grad;
        w[i] -= c.learning_rate * velocity[i];
    }
}

pub fn adam_step(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: AdamConfig, step: u32) {
    let (correction1, correction2) = c.bias_corrections(step);
    for i in 0..w.len() {
        let grad = g[i] + c.l2 * w[i];
        m[i] = c.beta1 * m[i] + (1.0 - c.beta1) * grad;
        v[i] = c.beta2 * v[i] + (1.0 - c.beta2) * grad * grad;
        let m_hat = m[i] / correction1;
        let v_hat = v[i] / correction2;
        w[i] -= c.learning_rate * m_hat / (v_hat.sqrt() + c.epsilon);
    }
}
