//! Stacked ops: one op over K networks of the same shapes at once (HFTA's fusion of
//! hyperparameter-tuning jobs), so K small candidates cost one set of dispatches instead of K.
//!
//! A stacked tensor holds its members' values one after another: member k's are
//! `[k · len, (k + 1) · len)`. The members share the input batch and its targets (a search trains
//! every candidate on the same sample order) and may differ in everything that leaves the shapes
//! alone: activation, dropout rate, optimizer, learning rate, L2. Member k of every stacked op
//! gives exactly what the plain op gives on member k's tensors alone, bit for bit, on each device,
//! so a fused trial's figures are the figures it would have had trained by itself.

use super::activation::Activation;
use super::backend::Backend;
use super::optimizer::Update;
use super::shapes::MatmulDims;

/// The most members one stack holds (the GPU passes their settings as uniform words).
pub const MAX_MEMBERS: usize = 16;

pub trait StackedBackend: Backend {
    /// c_k = op(a_k) · op(b_k) for each of `members`; `dims` is one member's product. With
    /// `shared_a`, `a` is one matrix that every member multiplies (the input batch).
    fn stacked_matmul(&self, a: &Self::Tensor, b: &Self::Tensor, c: &Self::Tensor, dims: MatmulDims, members: usize, shared_a: bool);

    /// Each member's dense forward (`Backend::dense_forward`) with its own activation:
    /// z_k = x_k · W_k + bias_k, y_k = f_k(z_k), `input` being x and whether it is one matrix
    /// for all members. `activations.len()` is the member count.
    #[allow(clippy::too_many_arguments)]
    fn stacked_dense_forward(
        &self,
        input: (&Self::Tensor, bool),
        weights: &Self::Tensor,
        bias: &Self::Tensor,
        z: &Self::Tensor,
        y: &Self::Tensor,
        activations: &[Activation],
        dims: MatmulDims,
    );

    /// dbias_k[j] = Σ_r dy_k[r, j]. dy: members · [rows, cols], dbias: members · [cols]
    fn stacked_bias_grad(&self, dy: &Self::Tensor, dbias: &Self::Tensor, rows: usize, cols: usize, members: usize);

    /// dx_k = dy_k · f_k'(x_k). Every tensor: members · [len], len = tensor length / members.
    fn stacked_activation_backward(
        &self,
        activations: &[Activation],
        x: &Self::Tensor,
        y: &Self::Tensor,
        dy: &Self::Tensor,
        dx: &Self::Tensor,
    );

    /// Each member's dense input gradient through the activation of the layer before it
    /// (`Backend::dense_backward_input_activation`) with member k's activation: dy_k = dz_next_k ·
    /// W_kᵀ, dz_k = dy_k · f_k'(z_k). `activations.len()` is the member count.
    fn stacked_dense_backward_input_activation(
        &self,
        (dz_next, weights): (&Self::Tensor, &Self::Tensor),
        dims: MatmulDims,
        activations: &[Activation],
        (z, y, dy, dz): (&Self::Tensor, &Self::Tensor, &Self::Tensor, &Self::Tensor),
    ) {
        self.stacked_matmul(dz_next, weights, dy, dims, activations.len(), false);
        self.stacked_activation_backward(activations, z, y, dy, dz);
    }

    /// Member k's inverted dropout with rate `rates[k]` and mask seed `seeds[k]` (a rate of 0
    /// passes its values through unchanged).
    fn stacked_dropout_forward(&self, x: &Self::Tensor, y: &Self::Tensor, rates: &[f32], seeds: &[u32]);
    /// dx_k = dy_k through member k's forward mask.
    fn stacked_dropout_backward(&self, dy: &Self::Tensor, dx: &Self::Tensor, rates: &[f32], seeds: &[u32]);

    /// Each member's softmax cross-entropy against the one set of `labels` ([rows]); member k's
    /// summed loss is added to `loss_sums[k]`.
    #[allow(clippy::too_many_arguments)]
    fn stacked_softmax_cross_entropy(
        &self,
        logits: &Self::Tensor,
        labels: &Self::Tensor,
        dlogits: &Self::Tensor,
        loss_sums: &Self::Tensor,
        rows: usize,
        classes: usize,
        members: usize,
    );
    /// correct[k] += member k's rows whose argmax equals their label.
    fn stacked_count_correct(
        &self,
        logits: &Self::Tensor,
        labels: &Self::Tensor,
        correct: &Self::Tensor,
        rows: usize,
        classes: usize,
        members: usize,
    );
    /// Both of the above on the same logits at once (`Backend::softmax_cross_entropy_and_hits`).
    #[allow(clippy::too_many_arguments)]
    fn stacked_softmax_cross_entropy_and_hits(
        &self,
        (logits, labels, dlogits): (&Self::Tensor, &Self::Tensor, &Self::Tensor),
        (loss_sums, correct): (&Self::Tensor, &Self::Tensor),
        rows: usize,
        classes: usize,
        members: usize,
    ) {
        self.stacked_softmax_cross_entropy(logits, labels, dlogits, loss_sums, rows, classes, members);
        self.stacked_count_correct(logits, labels, correct, rows, classes, members);
    }
    /// Each member's mean squared error against the one `target` ([rows, cols]).
    #[allow(clippy::too_many_arguments)]
    fn stacked_mse(
        &self,
        pred: &Self::Tensor,
        target: &Self::Tensor,
        dpred: &Self::Tensor,
        loss_sums: &Self::Tensor,
        rows: usize,
        cols: usize,
        members: usize,
    );

    /// Member k's optimizer step with `updates[k]` (SGD's velocity lives in `m`; `v` is Adam's).
    /// `step` counts from 1 and is the same for every member.
    fn stacked_update(
        &self,
        weights: &Self::Tensor,
        grads: &Self::Tensor,
        m: &Self::Tensor,
        v: &Self::Tensor,
        updates: &[Update],
        step: u32,
    );
}
