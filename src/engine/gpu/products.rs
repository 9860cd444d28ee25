//! The GPU device's matrix products, plain and with fused epilogues (a dense layer's bias and
//! activation; the input gradient through the layer before's activation), over a stack of members:
//! which kernel takes a product (tiled, register-blocked, narrow, texel), its grid and its words.

use super::backend::{bits, check_len};
use super::context::MatmulVariant;
use super::kernels::{self, Kernel, MATMUL_NAIVE_SIDE, MATMUL_NARROW_TILE, MATMUL_TEXELS_TILE, MATMUL_TILE, MATMUL_WIDE_TILE};
use super::stacked::{check_members, member_words};
use super::{GpuContext, GpuTensor};
use crate::engine::activation::Activation;
use crate::engine::shapes::MatmulDims;

/// MatmulParams (common.wgsl): the product's shape, each member's offsets into a, b and c, and each
/// member's activation for the fused epilogue. All words are part of the bind group's key.
fn matmul_words(d: MatmulDims, shared_a: bool, activations: &[Activation]) -> Vec<u32> {
    let a_stride = if shared_a { 0 } else { d.m * d.k };
    let shape = [d.m, d.k, d.n, d.trans_a as usize, d.trans_b as usize, a_stride, d.k * d.n, d.m * d.n];
    let mut words: Vec<u32> = shape.iter().map(|&w| w as u32).collect();
    words.extend(member_words(activations, |a| a.code()));
    words.extend(member_words(activations, |a| bits(a.slope())));
    words
}

/// The blocked product kernel for `variant` and C's shape, of one epilogue's five (tiled, wide,
/// registers, registers small, registers narrow), and its grid of workgroups over C.
fn blocked_kernel(
    variant: MatmulVariant,
    d: MatmulDims,
    [tiled, wide, registers, registers_small, registers_narrow]: [Kernel; 5],
) -> (Kernel, (u32, u32)) {
    let registers_blocked = matches!(variant, MatmulVariant::Registers | MatmulVariant::Texels);
    let (narrow_rows, narrow_cols) = MATMUL_NARROW_TILE;
    let (kernel, (rows, cols)) = match (registers_blocked, is_wide(d)) {
        (true, _) if d.n <= narrow_cols as usize => (registers_narrow, (narrow_rows, narrow_cols)),
        (true, true) => (registers, (MATMUL_WIDE_TILE, MATMUL_WIDE_TILE)),
        (true, false) => (registers_small, (MATMUL_TILE, MATMUL_TILE)),
        (false, true) => (wide, (MATMUL_WIDE_TILE, MATMUL_WIDE_TILE)),
        (false, false) => (tiled, (MATMUL_TILE, MATMUL_TILE)),
    };
    (kernel, ((d.n as u32).div_ceil(cols), (d.m as u32).div_ceil(rows)))
}

impl GpuContext {
    /// Whether `variant` runs op(a) · op(b) as a texel product: C is wide enough for it to pay, and
    /// the texel kernel takes the operands (see texels.rs).
    fn texel_product(&self, variant: MatmulVariant, d: MatmulDims, a: &GpuTensor, b: &GpuTensor) -> bool {
        variant == MatmulVariant::Texels && is_wide(d) && self.texels_take(d, a, b)
    }

    /// Copies the operands (`tensors`' first two) into their textures and records `kernel`, a texel
    /// product, over C's tiles for each member.
    fn dispatch_texels(&self, kernel: Kernel, words: &[u32], tensors: &[&GpuTensor], d: MatmulDims, members: usize) {
        self.record_texels(tensors[0]);
        self.record_texels(tensors[1]);
        let (tile_rows, tile_cols) = MATMUL_TEXELS_TILE;
        let groups = ((d.n as u32).div_ceil(tile_cols), (d.m as u32).div_ceil(tile_rows), members as u32);
        self.record_dispatch(kernel, words, words.len(), (tensors, 2), groups);
    }

    /// c_k = op(a_k) · op(b_k) for each member with `variant`'s kernel, one dispatch for all.
    pub(super) fn record_matmul(
        &self,
        variant: MatmulVariant,
        (a, b, c): (&GpuTensor, &GpuTensor, &GpuTensor),
        d: MatmulDims,
        members: usize,
        shared_a: bool,
    ) {
        check_members("matmul", members);
        check_len("matmul", "a", a, if shared_a { 1 } else { members } * d.m * d.k);
        check_len("matmul", "b", b, members * d.k * d.n);
        check_len("matmul", "c", c, members * d.m * d.n);
        let words = matmul_words(d, shared_a, &[]);
        if self.texel_product(variant, d, a, b) {
            let kernel = if d.trans_a { kernels::MATMUL_TEXELS_TRANSPOSED_A } else { kernels::MATMUL_TEXELS };
            return self.dispatch_texels(kernel.for_members(members), &words, &[a, b, c], d, members);
        }
        let (kernel, groups) = if variant == MatmulVariant::Naive {
            let side = MATMUL_NAIVE_SIDE;
            (kernels::MATMUL_NAIVE, ((d.n as u32).div_ceil(side), (d.m as u32).div_ceil(side)))
        } else {
            let plain = [
                kernels::MATMUL_TILED,
                kernels::MATMUL_WIDE,
                kernels::MATMUL_REGISTERS,
                kernels::MATMUL_REGISTERS_SMALL,
                kernels::MATMUL_REGISTERS_NARROW,
            ];
            blocked_kernel(variant, d, plain)
        };
        self.dispatch_per_member(kernel.for_members(members), &words, words.len(), &[a, b, c], groups, members as u32);
    }

    /// z_k = x_k · W_k + bias_k, y_k = f_k(z_k): the tiled product with the bias and activation in
    /// its epilogue, or (with the naive kernel, or a transposed operand) a product, a bias add and
    /// an activation, each one dispatch for all members.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_dense_forward(
        &self,
        (x, shared_x): (&GpuTensor, bool),
        weights: &GpuTensor,
        bias: &GpuTensor,
        z: &GpuTensor,
        y: &GpuTensor,
        activations: &[Activation],
        d: MatmulDims,
    ) {
        let members = activations.len();
        let variant = self.matmul_variant();
        if variant == MatmulVariant::Naive || d.trans_a || d.trans_b {
            self.record_matmul(variant, (x, weights, z), d, members, shared_x);
            self.record_bias_add(z, bias, d.m, d.n, members);
            return self.record_activation_forward(activations, z, y);
        }
        check_members("dense_forward", members);
        check_len("dense_forward", "x", x, if shared_x { 1 } else { members } * d.m * d.k);
        check_len("dense_forward", "weights", weights, members * d.k * d.n);
        check_len("dense_forward", "bias", bias, members * d.n);
        check_len("dense_forward", "z", z, members * d.m * d.n);
        check_len("dense_forward", "y", y, members * d.m * d.n);
        let words = matmul_words(d, shared_x, activations);
        if self.texel_product(variant, d, x, weights) {
            let kernel = kernels::MATMUL_TEXELS_BIAS_ACTIVATION.specialized(activations);
            return self.dispatch_texels(kernel, &words, &[x, weights, bias, z, y], d, members);
        }
        let (kernel, groups) = blocked_kernel(
            variant,
            d,
            [
                kernels::MATMUL_BIAS_ACTIVATION,
                kernels::MATMUL_WIDE_BIAS_ACTIVATION,
                kernels::MATMUL_REGISTERS_BIAS_ACTIVATION,
                kernels::MATMUL_REGISTERS_SMALL_BIAS_ACTIVATION,
                kernels::MATMUL_REGISTERS_NARROW_BIAS_ACTIVATION,
            ]
            .map(|kernel| kernel.specialized(activations)),
        );
        self.dispatch_per_member(kernel, &words, words.len(), &[x, weights, bias, z, y], groups, members as u32);
    }

    /// dy_k = op(a_k) · op(b_k), then dz_k = dy_k · f_k'(z_k) from the layer before's z and y: the
    /// blocked product with the activation's derivative in its epilogue, or (with the naive kernel)
    /// a product and an activation backward.
    pub(super) fn record_matmul_activation_backward(
        &self,
        (a, b): (&GpuTensor, &GpuTensor),
        d: MatmulDims,
        activations: &[Activation],
        [z, y, dy, dz]: [&GpuTensor; 4],
    ) {
        let members = activations.len();
        let variant = self.matmul_variant();
        if variant == MatmulVariant::Naive {
            self.record_matmul(variant, (a, b, dy), d, members, false);
            return self.record_activation_backward(activations, [z, y, dy, dz]);
        }
        check_members("matmul_activation_backward", members);
        check_len("matmul_activation_backward", "a", a, members * d.m * d.k);
        check_len("matmul_activation_backward", "b", b, members * d.k * d.n);
        for (name, t) in [("z", z), ("y", y), ("dy", dy), ("dz", dz)] {
            check_len("matmul_activation_backward", name, t, members * d.m * d.n);
        }
        let words = matmul_words(d, false, activations);
        let (kernel, groups) = blocked_kernel(
            variant,
            d,
            [
                kernels::MATMUL_ACTIVATION_BACKWARD,
                kernels::MATMUL_WIDE_ACTIVATION_BACKWARD,
                kernels::MATMUL_REGISTERS_ACTIVATION_BACKWARD,
                kernels::MATMUL_REGISTERS_SMALL_ACTIVATION_BACKWARD,
                kernels::MATMUL_REGISTERS_NARROW_ACTIVATION_BACKWARD,
            ]
            .map(|kernel| kernel.specialized(activations)),
        );
        self.dispatch_per_member(kernel, &words, words.len(), &[a, b, z, y, dy, dz], groups, members as u32);
    }
}

/// Whether a product is large enough in both of C's sides for the wide kernel's 64x64 tiles.
fn is_wide(d: MatmulDims) -> bool {
    d.m >= 64 && d.n >= 64
}
