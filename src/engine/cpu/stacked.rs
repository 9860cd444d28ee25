//! The CPU device's stacked ops: each member's slice goes through the same kernel as the plain op,
//! so every member's figures equal its own training's; natively the members' products run on
//! all cores at once, one member per core, where the plain op would split one product.

use super::{fast, parallel, reference, CpuBackend, CpuTensor};
use crate::engine::activation::Activation;
use crate::engine::optimizer::Update;
use crate::engine::shapes::MatmulDims;
use crate::engine::stacked::StackedBackend;

/// Multiply-adds of all the members' products below which they run one after another.
const MEMBERS_PARALLEL_WORK: usize = 8 * fast::PARALLEL_WORK;

/// Runs `work(a_k, b_k, c_k)` for each member's slices: natively a member per core once the
/// members' products together are worth sharing out.
fn each_product(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    d: MatmulDims,
    shared_a: bool,
    work: impl Fn(&[f32], &[f32], &mut [f32]) + Sync + Send,
) {
    let (a_len, b_len, c_len) = (d.m * d.k, d.k * d.n, (d.m * d.n).max(1));
    let product = |k: usize, c_k: &mut [f32]| {
        let a_k = if shared_a { &a[..a_len] } else { &a[k * a_len..][..a_len] };
        work(a_k, &b[k * b_len..][..b_len], c_k)
    };
    // Waking a second core costs tens of microseconds here, so a stack shares out only products
    // that take a core several times that (a stack of small candidates runs faster on one).
    if c.len() * d.k < MEMBERS_PARALLEL_WORK {
        c.chunks_mut(c_len).enumerate().for_each(|(k, c_k)| product(k, c_k));
    } else {
        parallel::for_each_chunk(c, c_len, product);
    }
}

impl StackedBackend for CpuBackend {
    fn stacked_matmul(&self, a: &CpuTensor, b: &CpuTensor, c: &CpuTensor, d: MatmulDims, members: usize, shared_a: bool) {
        let (a, b, mut c) = (a.values(), b.values(), c.values_mut());
        assert_eq!(c.len(), members * d.m * d.n, "stacked_matmul: c");
        assert_eq!(a.len(), if shared_a { 1 } else { members } * d.m * d.k, "stacked_matmul: a");
        assert_eq!(b.len(), members * d.k * d.n, "stacked_matmul: b");
        if members == 1 {
            // One member's product splits its rows over the cores as the plain op does.
            return fast::gemm(&a, &b, &mut c, d, 0.0);
        }
        each_product(&a, &b, &mut c, d, shared_a, |a, b, c| fast::gemm_serial(a, b, c, d, 0.0));
    }

    fn stacked_dense_forward(
        &self,
        (x, shared_x): (&CpuTensor, bool),
        weights: &CpuTensor,
        bias: &CpuTensor,
        z: &CpuTensor,
        y: &CpuTensor,
        activations: &[Activation],
        d: MatmulDims,
    ) {
        let members = activations.len();
        self.stacked_matmul(x, weights, z, d, members, shared_x);
        let (bias, mut z, mut y) = (bias.values(), z.values_mut(), y.values_mut());
        let len = d.m * d.n;
        for (k, &activation) in activations.iter().enumerate() {
            let z_k = &mut z[k * len..][..len];
            reference::bias_add(z_k, &bias[k * d.n..][..d.n], d.m, d.n);
            reference::activation_forward(activation, z_k, &mut y[k * len..][..len]);
        }
    }

    fn stacked_bias_grad(&self, dy: &CpuTensor, dbias: &CpuTensor, rows: usize, cols: usize, members: usize) {
        let (dy, mut dbias) = (dy.values(), dbias.values_mut());
        for k in 0..members {
            reference::bias_grad(&dy[k * rows * cols..][..rows * cols], &mut dbias[k * cols..][..cols], rows, cols);
        }
    }

    fn stacked_activation_backward(&self, activations: &[Activation], x: &CpuTensor, y: &CpuTensor, dy: &CpuTensor, dx: &CpuTensor) {
        let (x, y, dy, mut dx) = (x.values(), y.values(), dy.values(), dx.values_mut());
        let len = dx.len() / activations.len();
        for (k, &activation) in activations.iter().enumerate() {
            let at = k * len;
            reference::activation_backward(activation, &x[at..][..len], &y[at..][..len], &dy[at..][..len], &mut dx[at..][..len]);
        }
    }

    fn stacked_dropout_forward(&self, x: &CpuTensor, y: &CpuTensor, rates: &[f32], seeds: &[u32]) {
        let (x, mut y) = (x.values(), y.values_mut());
        let len = y.len() / rates.len();
        for (k, (&rate, &seed)) in rates.iter().zip(seeds).enumerate() {
            reference::dropout_forward(&x[k * len..][..len], &mut y[k * len..][..len], rate, seed);
        }
    }

    fn stacked_dropout_backward(&self, dy: &CpuTensor, dx: &CpuTensor, rates: &[f32], seeds: &[u32]) {
        self.stacked_dropout_forward(dy, dx, rates, seeds);
    }

    fn stacked_softmax_cross_entropy(
        &self,
        logits: &CpuTensor,
        labels: &CpuTensor,
        dlogits: &CpuTensor,
        loss_sums: &CpuTensor,
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        let (logits, labels, mut dlogits, mut loss_sums) = (logits.values(), labels.values(), dlogits.values_mut(), loss_sums.values_mut());
        let len = rows * classes;
        for k in 0..members {
            let (at, sum) = (k * len, &mut loss_sums[k..k + 1]);
            reference::softmax_cross_entropy(&logits[at..][..len], &labels, &mut dlogits[at..][..len], sum, rows, classes);
        }
    }

    fn stacked_count_correct(
        &self,
        logits: &CpuTensor,
        labels: &CpuTensor,
        correct: &CpuTensor,
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        let (logits, labels, mut correct) = (logits.values(), labels.values(), correct.values_mut());
        let len = rows * classes;
        for k in 0..members {
            reference::count_correct(&logits[k * len..][..len], &labels, &mut correct[k..k + 1], rows, classes);
        }
    }

    fn stacked_mse(
        &self,
        pred: &CpuTensor,
        target: &CpuTensor,
        dpred: &CpuTensor,
        loss_sums: &CpuTensor,
        rows: usize,
        cols: usize,
        members: usize,
    ) {
        let (pred, target, mut dpred, mut loss_sums) = (pred.values(), target.values(), dpred.values_mut(), loss_sums.values_mut());
        let len = rows * cols;
        for k in 0..members {
            reference::mse(&pred[k * len..][..len], &target, &mut dpred[k * len..][..len], &mut loss_sums[k..k + 1], rows, cols);
        }
    }

    fn stacked_update(&self, weights: &CpuTensor, grads: &CpuTensor, m: &CpuTensor, v: &CpuTensor, updates: &[Update], step: u32) {
        let (mut w, g, mut m, mut v) = (weights.values_mut(), grads.values(), m.values_mut(), v.values_mut());
        let len = w.len() / updates.len();
        for (k, update) in updates.iter().enumerate() {
            let r = k * len..(k + 1) * len;
            match *update {
                Update::Sgd(config) => reference::sgd_step(&mut w[r.clone()], &g[r.clone()], &mut m[r], config),
                Update::Adam(config) => reference::adam_step(&mut w[r.clone()], &g[r.clone()], &mut m[r.clone()], &mut v[r], config, step),
            }
        }
    }
}
