//! The GPU device's stacked ops: each kernel they use is member-aware (its members' settings travel
//! as uniform words), so K members cost the dispatches of one. The plain ops (backend.rs) record
//! these same kernels as a stack of one, so member k's figures are the plain op's bit for bit.
//! The products and their fused epilogues are in products.rs.

use super::backend::{bits, check_len, rows_grid};
use super::kernels::{self, Kernel};
use super::recorder::elementwise_grid;
use super::{GpuContext, GpuTensor};
use crate::engine::activation::Activation;
use crate::engine::optimizer::{AdamConfig, SgdConfig, Update};
use crate::engine::shapes::MatmulDims;
use crate::engine::stacked::{StackedBackend, MAX_MEMBERS};

/// One uniform word per member, padded to `MAX_MEMBERS`: a kernel reads them as
/// `array<vec4<u32>, 4>` (or `f32`), member k's at [k / 4][k % 4].
pub(super) fn member_words<T>(settings: &[T], word: impl Fn(&T) -> u32) -> [u32; MAX_MEMBERS] {
    let mut words = [0; MAX_MEMBERS];
    for (slot, setting) in words.iter_mut().zip(settings) {
        *slot = word(setting);
    }
    words
}

pub(super) fn check_members(op: &str, members: usize) {
    assert!((1..=MAX_MEMBERS).contains(&members), "{op}: {members} members, expected 1 to {MAX_MEMBERS}");
}

/// One member's share of a stacked tensor of `len` values.
fn member_len(op: &str, len: usize, members: usize) -> usize {
    check_members(op, members);
    assert_eq!(len % members, 0, "{op}: {len} values do not split into {members} members");
    len / members
}

/// The uniform words of the element-wise kernels over a stack: n, the grid's row stride, one
/// member's length, the optimizers' bit per member they update (0 in the other kernels), then the
/// per-member settings.
fn elementwise_words(n: usize, stride: u32, member_len: usize, members_updated: u32, settings: &[[u32; MAX_MEMBERS]]) -> Vec<u32> {
    let mut words = vec![n as u32, stride, member_len as u32, members_updated];
    words.extend(settings.iter().flatten());
    words
}

impl GpuContext {
    /// y_k[r, j] += bias_k[j]. y: members · [rows, cols], bias: members · [cols]
    pub(super) fn record_bias_add(&self, y: &GpuTensor, bias: &GpuTensor, rows: usize, cols: usize, members: usize) {
        check_members("bias_add", members);
        check_len("bias_add", "y", y, members * rows * cols);
        check_len("bias_add", "bias", bias, members * cols);
        let n = members * rows * cols;
        let (gx, gy, stride) = elementwise_grid(n);
        self.dispatch(kernels::BIAS_ADD, &[n as u32, stride, cols as u32, (rows * cols) as u32], 4, &[bias, y], (gx, gy));
    }

    /// y_k = f_k(x_k) for each member's activation.
    pub(super) fn record_activation_forward(&self, activations: &[Activation], x: &GpuTensor, y: &GpuTensor) {
        check_len("activation_forward", "y", y, x.len());
        self.record_activation(kernels::ACTIVATION_FORWARD.specialized(activations), activations, &[x, y]);
    }

    /// dx_k = dy_k · f_k'(x_k), from the forward's x and y.
    pub(super) fn record_activation_backward(&self, activations: &[Activation], [x, y, dy, dx]: [&GpuTensor; 4]) {
        for (name, t) in [("y", y), ("dy", dy), ("dx", dx)] {
            check_len("activation_backward", name, t, x.len());
        }
        let member_len = member_len("activation_backward", x.len(), activations.len());
        let settings = [member_words(activations, |a| a.code()), member_words(activations, |a| bits(a.slope()))];
        let kernels = (kernels::ACTIVATION_BACKWARD.specialized(activations), kernels::ACTIVATION_BACKWARD_QUADS.specialized(activations));
        self.dispatch_elementwise(kernels, (member_len, activations.len()), 0, &settings, usize::MAX, &[x, y, dy, dx]);
    }

    fn record_activation(&self, kernel: Kernel, activations: &[Activation], tensors: &[&GpuTensor]) {
        let n = tensors[0].len();
        let member_len = member_len(kernel.name, n, activations.len());
        let (gx, gy, stride) = elementwise_grid(n);
        let settings = [member_words(activations, |a| a.code()), member_words(activations, |a| bits(a.slope()))];
        let words = elementwise_words(n, stride, member_len, 0, &settings);
        self.dispatch(kernel, &words, words.len(), tensors, (gx, gy));
    }

    /// Records an element-wise kernel over `members` members of `member_len` values each: its
    /// four-values-a-thread form (`kernels.1`, a grid per member in z) where the member length is a
    /// multiple of 4, its one-value-a-thread form (`kernels.0`) otherwise. The uniform is
    /// `elementwise_words`, counted in fours in the first form; its first `fixed` words are part
    /// of the bind group's key.
    fn dispatch_elementwise(
        &self,
        kernels: (Kernel, Kernel),
        (member_len, members): (usize, usize),
        members_updated: u32,
        settings: &[[u32; MAX_MEMBERS]],
        fixed: usize,
        tensors: &[&GpuTensor],
    ) {
        let kernels = (kernels.0.for_members(members), kernels.1.for_members(members));
        if member_len % 4 == 0 {
            let quads = member_len / 4;
            let (gx, gy, stride) = elementwise_grid(quads);
            let words = elementwise_words(quads, stride, quads, members_updated, settings);
            return self.dispatch_per_member(kernels.1, &words, fixed.min(words.len()), tensors, (gx, gy), members as u32);
        }
        let n = member_len * members;
        let (gx, gy, stride) = elementwise_grid(n);
        let words = elementwise_words(n, stride, member_len, members_updated, settings);
        self.dispatch(kernels.0, &words, fixed.min(words.len()), tensors, (gx, gy));
    }

    /// Member k's inverted dropout of x into y with `rates[k]` and `seeds[k]`; the seeds are left out
    /// of the bind group's key, as they change every step.
    pub(super) fn record_dropout(&self, x: &GpuTensor, y: &GpuTensor, rates: &[f32], seeds: &[u32]) {
        check_len("dropout", "y", y, x.len());
        assert_eq!(rates.len(), seeds.len(), "dropout: {} rates but {} seeds", rates.len(), seeds.len());
        let member_len = member_len("dropout", x.len(), rates.len());
        let (gx, gy, stride) = elementwise_grid(x.len());
        let words = elementwise_words(x.len(), stride, member_len, 0, &[member_words(rates, |&r| bits(r)), member_words(seeds, |&s| s)]);
        self.dispatch(kernels::DROPOUT, &words, 4 + MAX_MEMBERS, &[x, y], (gx, gy));
    }

    /// Records a one-thread-per-row kernel over members · rows rows of `cols` values (its tensors,
    /// then a scratch tensor of per-row values it fills), then adds member k's per-row values into
    /// `totals[k]`.
    pub(super) fn record_rows_then_sum(
        &self,
        kernel: Kernel,
        tensors: &[&GpuTensor],
        (rows, cols, members): (usize, usize, usize),
        totals: &GpuTensor,
    ) {
        check_members(kernel.name, members);
        assert!(totals.len() >= members, "{}: {} totals for {members} members", kernel.name, totals.len());
        let Some(scratch) = self.row_scratch(members * rows) else { return };
        let (gx, gy, stride) = rows_grid(members * rows);
        let words = [(members * rows) as u32, cols as u32, stride, rows as u32];
        let mut bound = tensors.to_vec();
        bound.push(&scratch);
        self.dispatch(kernel, &words, 4, &bound, (gx, gy));
        // One workgroup per member, each summing its rows in the same order as a plain op's.
        self.dispatch(kernels::ACCUMULATE_SUM, &[rows as u32, members as u32, 0, 0], 2, &[&scratch, totals], (members as u32, 1));
    }

    /// Each member's softmax cross-entropy and argmax hits in one pass over its logits, then both
    /// sums in one more dispatch (the same values and order as the two ops one after another).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_softmax_cross_entropy_and_hits(
        &self,
        (logits, labels, dlogits): (&GpuTensor, &GpuTensor, &GpuTensor),
        (loss_sums, correct): (&GpuTensor, &GpuTensor),
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        const OP: &str = "softmax_cross_entropy_and_hits";
        check_members(OP, members);
        check_len(OP, "logits", logits, members * rows * classes);
        check_len(OP, "labels", labels, rows);
        check_len(OP, "dlogits", dlogits, members * rows * classes);
        for (name, totals) in [("loss sums", loss_sums), ("correct", correct)] {
            assert!(totals.len() >= members, "{OP}: {} {name} for {members} members", totals.len());
        }
        // The losses of every member's rows, then their hits.
        let Some(scratch) = self.row_scratch(2 * members * rows) else { return };
        let (gx, gy, stride) = rows_grid(members * rows);
        let words = [(members * rows) as u32, classes as u32, stride, rows as u32];
        self.dispatch(kernels::SOFTMAX_CROSS_ENTROPY_HITS, &words, 4, &[logits, labels, dlogits, &scratch], (gx, gy));
        let words = [rows as u32, members as u32, 0, 0];
        self.dispatch(kernels::ACCUMULATE_TWO_SUMS, &words, 2, &[&scratch, loss_sums, correct], (2 * members as u32, 1));
    }

    /// Member k's SGD step with `configs[k]`, for the members that have one (the others are left alone).
    pub(super) fn record_sgd(&self, [weights, grads, velocity]: [&GpuTensor; 3], configs: &[Option<SgdConfig>]) {
        check_len("sgd_step", "grads", grads, weights.len());
        check_len("sgd_step", "velocity", velocity, weights.len());
        let member_len = member_len("sgd_step", weights.len(), configs.len());
        let settings = [
            member_words(configs, |c| c.map_or(0, |c| bits(c.learning_rate))),
            member_words(configs, |c| c.map_or(0, |c| bits(c.momentum))),
            member_words(configs, |c| c.map_or(0, |c| bits(c.l2))),
        ];
        let kernels = (kernels::SGD, kernels::SGD_QUADS);
        self.dispatch_elementwise(
            kernels,
            (member_len, configs.len()),
            members_updated(configs),
            &settings,
            4,
            &[grads, weights, velocity],
        );
    }

    /// Member k's Adam step with `configs[k]` at `step` (counted from 1), for the members that have
    /// one (the others are left alone).
    pub(super) fn record_adam(&self, [weights, grads, m, v]: [&GpuTensor; 4], configs: &[Option<AdamConfig>], step: u32) {
        for (name, t) in [("grads", grads), ("m", m), ("v", v)] {
            check_len("adam_step", name, t, weights.len());
        }
        let member_len = member_len("adam_step", weights.len(), configs.len());
        let corrections: Vec<Option<(f32, f32)>> = configs.iter().map(|c| c.map(|c| c.bias_corrections(step))).collect();
        let setting = |word: fn(&AdamConfig) -> f32| member_words(configs, move |c| c.as_ref().map_or(0, |c| bits(word(c))));
        let settings = [
            setting(|c| c.learning_rate),
            setting(|c| c.beta1),
            setting(|c| c.beta2),
            setting(|c| c.epsilon),
            setting(|c| c.l2),
            member_words(&corrections, |c| c.map_or(0, |(first, _)| bits(first))),
            member_words(&corrections, |c| c.map_or(0, |(_, second)| bits(second))),
        ];
        let kernels = (kernels::ADAM, kernels::ADAM_QUADS);
        self.dispatch_elementwise(kernels, (member_len, configs.len()), members_updated(configs), &settings, 4, &[grads, weights, m, v]);
    }
}

/// A bit per member that has a setting: the members an optimizer kernel updates.
fn members_updated<T>(configs: &[Option<T>]) -> u32 {
    configs.iter().enumerate().filter(|(_, c)| c.is_some()).map(|(k, _)| 1 << k).sum()
}

impl StackedBackend for GpuContext {
    fn stacked_matmul(&self, a: &GpuTensor, b: &GpuTensor, c: &GpuTensor, d: MatmulDims, members: usize, shared_a: bool) {
        self.record_matmul(self.matmul_variant(), (a, b, c), d, members, shared_a);
    }

    fn stacked_dense_forward(
        &self,
        x: (&GpuTensor, bool),
        weights: &GpuTensor,
        bias: &GpuTensor,
        z: &GpuTensor,
        y: &GpuTensor,
        activations: &[Activation],
        d: MatmulDims,
    ) {
        self.record_dense_forward(x, weights, bias, z, y, activations, d);
    }

    fn stacked_bias_grad(&self, dy: &GpuTensor, dbias: &GpuTensor, rows: usize, cols: usize, members: usize) {
        check_members("bias_grad", members);
        check_len("bias_grad", "dy", dy, members * rows * cols);
        check_len("bias_grad", "dbias", dbias, members * cols);
        self.column_sum(dy, dbias, rows, cols, members);
    }

    fn stacked_activation_backward(&self, activations: &[Activation], x: &GpuTensor, y: &GpuTensor, dy: &GpuTensor, dx: &GpuTensor) {
        self.record_activation_backward(activations, [x, y, dy, dx]);
    }

    fn stacked_dense_backward_input_activation(
        &self,
        (dz_next, weights): (&GpuTensor, &GpuTensor),
        d: MatmulDims,
        activations: &[Activation],
        (z, y, dy, dz): (&GpuTensor, &GpuTensor, &GpuTensor, &GpuTensor),
    ) {
        self.record_matmul_activation_backward((dz_next, weights), d, activations, [z, y, dy, dz]);
    }

    fn stacked_dropout_forward(&self, x: &GpuTensor, y: &GpuTensor, rates: &[f32], seeds: &[u32]) {
        self.record_dropout(x, y, rates, seeds);
    }

    fn stacked_dropout_backward(&self, dy: &GpuTensor, dx: &GpuTensor, rates: &[f32], seeds: &[u32]) {
        self.record_dropout(dy, dx, rates, seeds);
    }

    fn stacked_softmax_cross_entropy(
        &self,
        logits: &GpuTensor,
        labels: &GpuTensor,
        dlogits: &GpuTensor,
        loss_sums: &GpuTensor,
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        check_len("softmax_cross_entropy", "logits", logits, members * rows * classes);
        check_len("softmax_cross_entropy", "labels", labels, rows);
        check_len("softmax_cross_entropy", "dlogits", dlogits, members * rows * classes);
        self.record_rows_then_sum(kernels::SOFTMAX_CROSS_ENTROPY, &[logits, labels, dlogits], (rows, classes, members), loss_sums);
    }

    fn stacked_count_correct(
        &self,
        logits: &GpuTensor,
        labels: &GpuTensor,
        correct: &GpuTensor,
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        check_len("count_correct", "logits", logits, members * rows * classes);
        check_len("count_correct", "labels", labels, rows);
        self.record_rows_then_sum(kernels::ARGMAX_HITS, &[logits, labels], (rows, classes, members), correct);
    }

    fn stacked_softmax_cross_entropy_and_hits(
        &self,
        predictions: (&GpuTensor, &GpuTensor, &GpuTensor),
        totals: (&GpuTensor, &GpuTensor),
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        self.record_softmax_cross_entropy_and_hits(predictions, totals, rows, classes, members);
    }

    fn stacked_mse(
        &self,
        pred: &GpuTensor,
        target: &GpuTensor,
        dpred: &GpuTensor,
        loss_sums: &GpuTensor,
        rows: usize,
        cols: usize,
        members: usize,
    ) {
        check_len("mse", "pred", pred, members * rows * cols);
        check_len("mse", "target", target, rows * cols);
        check_len("mse", "dpred", dpred, members * rows * cols);
        self.record_rows_then_sum(kernels::MSE, &[pred, target, dpred], (rows, cols, members), loss_sums);
    }

    fn stacked_update(&self, weights: &GpuTensor, grads: &GpuTensor, m: &GpuTensor, v: &GpuTensor, updates: &[Update], step: u32) {
        check_members("update", updates.len());
        let sgd: Vec<Option<SgdConfig>> = updates.iter().map(|u| if let Update::Sgd(c) = u { Some(*c) } else { None }).collect();
        let adam: Vec<Option<AdamConfig>> = updates.iter().map(|u| if let Update::Adam(c) = u { Some(*c) } else { None }).collect();
        // At most two dispatches: one kernel per optimizer the stack uses.
        if sgd.iter().any(Option::is_some) {
            self.record_sgd([weights, grads, m], &sgd);
        }
        if adam.iter().any(Option::is_some) {
            self.record_adam([weights, grads, m, v], &adam, step);
        }
    }
}
