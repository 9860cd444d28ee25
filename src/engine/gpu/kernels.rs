//! The WGSL kernels, each loaded from its own `.wgsl` file and named for the pipeline cache.
//! Every kernel's binding 0 is its uniform parameters and bindings 1.. are its tensors, in order.

use crate::engine::activation::Activation;

/// One compute kernel: a cache key and its WGSL source with a `main` entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    pub name: &'static str,
    pub source: &'static str,
    /// The one activation code (see `activate` in common.wgsl) its pipeline is made for, or `None`
    /// for each member's own from the uniform.
    pub activation: Option<u32>,
    /// Whether its pipeline is made for a stack of one (see `stack_member` in common.wgsl).
    pub one_member: bool,
}

impl Kernel {
    /// The kernel's pipeline for these members' activations: made for their activation where they
    /// share one. SwiftShader runs every case of a switch it cannot prove uniform, so a pipeline
    /// made for ReLU runs an activation pass about 3x faster there than one that picks per member.
    pub fn specialized(self, activations: &[Activation]) -> Kernel {
        let shared = activations.first().map(|a| a.code()).filter(|&code| activations.iter().all(|a| a.code() == code));
        Kernel { activation: shared, ..self }.for_members(activations.len())
    }

    /// The kernel's pipeline for a stack of `members`: made for one member where there is one, so
    /// its per-member settings are plain loads (on SwiftShader, Adam's step takes half the time).
    pub fn for_members(self, members: usize) -> Kernel {
        Kernel { one_member: members == 1, ..self }
    }

    /// The pipeline-overridable constants its pipeline is made with: those it is specialized for,
    /// of those its source uses.
    pub fn constants(&self) -> Vec<(&'static str, f64)> {
        let mut constants = Vec::new();
        if let Some(code) = self.activation {
            constants.push(("ACTIVATION", f64::from(code)));
        }
        // common.wgsl defines stack_member; a kernel that calls it uses ONE_MEMBER.
        if self.one_member && self.source.matches("stack_member(").count() > 1 {
            constants.push(("ONE_MEMBER", 1.0));
        }
        constants
    }
}

/// Threads per workgroup of the element-wise kernels; must match `@workgroup_size` in their sources.
pub const ELEMENTWISE_WORKGROUP: u32 = 256;
/// Threads per workgroup of the one-thread-per-row kernels (losses, argmax).
pub const ROW_WORKGROUP: u32 = 64;
/// Output tile of the tiled matmul (its 8x8 threads compute 4x4 outputs each).
pub const MATMUL_TILE: u32 = 32;
/// Output tile of the wide matmul (its 8x8 threads compute 8x8 outputs each).
pub const MATMUL_WIDE_TILE: u32 = 64;
// The register-blocked matmuls use the wide kernel's tile (8x8 outputs per thread) where both of
// C's sides reach it, and the tiled kernel's (4x4 per thread) otherwise.

/// Output tile of the narrow register-blocked matmul (its 4x16 threads compute 4x4 outputs each):
/// rows, columns. It takes products of at most this many columns.
pub const MATMUL_NARROW_TILE: (u32, u32) = (64, 16);
/// Output tile of the texel matmul (its 8x8 threads compute 16x8 outputs each): rows, columns.
pub const MATMUL_TEXELS_TILE: (u32, u32) = (128, 64);

/// Threads per side of the naive matmul's workgroup.
pub const MATMUL_NAIVE_SIDE: u32 = 16;
/// The convolutions' threads each compute 8 channels at 8 positions (over batch and pixels), 64
/// threads to a workgroup: a workgroup covers 512 positions of 8 channels.
pub const CONV_POSITIONS_PER_GROUP: usize = 512;
pub const CONV_CHANNELS_PER_THREAD: usize = 8;
/// The weight gradient's threads each compute 8 output channels by 8 taps of one chunk, 64 to a
/// workgroup.
pub const CONV_TAPS_PER_THREAD: usize = 8;
pub const CONV_WEIGHT_WORKGROUP: u32 = 64;

/// Each kernel's source is `shaders/common.wgsl` (shared parameter structs and helpers) followed by
/// the kernel's own file.
/// A kernel named `$name` may also be put together from several files: its operands, its body and
/// an epilogue (how it stores its outputs), so one body serves a plain and a fused kernel.
macro_rules! kernel {
    ($constant:ident, $name:literal) => {
        pub const $constant: Kernel =
            Kernel { name: $name, source: concat!(include_str!("shaders/common.wgsl"), include_str!(concat!("shaders/", $name, ".wgsl"))), activation: None, one_member: false };
    };
    ($constant:ident, $name:literal, $first:literal $(+ $part:literal)+) => {
        pub const $constant: Kernel = Kernel {
            name: $name,
            source: concat!(
                include_str!("shaders/common.wgsl"),
                include_str!(concat!("shaders/", $first, ".wgsl")),
                $(include_str!(concat!("shaders/", $part, ".wgsl"))),+
            ),
            activation: None,
            one_member: false,
        };
    };
}

kernel!(AXPY, "axpy");
kernel!(FILL, "fill");
kernel!(MATMUL_TILED, "matmul_tiled", "matmul_operands" + "matmul_tiled" + "matmul_store");
kernel!(MATMUL_BIAS_ACTIVATION, "matmul_bias_activation", "matmul_operands" + "matmul_tiled" + "matmul_bias_activation");
kernel!(MATMUL_WIDE, "matmul_wide", "matmul_operands" + "matmul_wide" + "matmul_store");
kernel!(MATMUL_WIDE_BIAS_ACTIVATION, "matmul_wide_bias_activation", "matmul_operands" + "matmul_wide" + "matmul_bias_activation");
kernel!(MATMUL_REGISTERS, "matmul_registers", "matmul_operands" + "matmul_registers" + "matmul_store");
kernel!(
    MATMUL_REGISTERS_BIAS_ACTIVATION,
    "matmul_registers_bias_activation",
    "matmul_operands" + "matmul_registers" + "matmul_bias_activation"
);
kernel!(MATMUL_REGISTERS_SMALL, "matmul_registers_small", "matmul_operands" + "matmul_registers_small" + "matmul_store");
kernel!(
    MATMUL_REGISTERS_SMALL_BIAS_ACTIVATION,
    "matmul_registers_small_bias_activation",
    "matmul_operands" + "matmul_registers_small" + "matmul_bias_activation"
);
kernel!(MATMUL_REGISTERS_NARROW, "matmul_registers_narrow", "matmul_operands" + "matmul_registers_narrow" + "matmul_store");
kernel!(
    MATMUL_REGISTERS_NARROW_BIAS_ACTIVATION,
    "matmul_registers_narrow_bias_activation",
    "matmul_operands" + "matmul_registers_narrow" + "matmul_bias_activation"
);
kernel!(MATMUL_ACTIVATION_BACKWARD, "matmul_activation_backward", "matmul_operands" + "matmul_tiled" + "matmul_activation_backward");
kernel!(
    MATMUL_WIDE_ACTIVATION_BACKWARD,
    "matmul_wide_activation_backward",
    "matmul_operands" + "matmul_wide" + "matmul_activation_backward"
);
kernel!(
    MATMUL_REGISTERS_ACTIVATION_BACKWARD,
    "matmul_registers_activation_backward",
    "matmul_operands" + "matmul_registers" + "matmul_activation_backward"
);
kernel!(
    MATMUL_REGISTERS_SMALL_ACTIVATION_BACKWARD,
    "matmul_registers_small_activation_backward",
    "matmul_operands" + "matmul_registers_small" + "matmul_activation_backward"
);
kernel!(
    MATMUL_REGISTERS_NARROW_ACTIVATION_BACKWARD,
    "matmul_registers_narrow_activation_backward",
    "matmul_operands" + "matmul_registers_narrow" + "matmul_activation_backward"
);
kernel!(MATMUL_TEXELS, "matmul_texels", "matmul_texel_operands" + "matmul_texels" + "matmul_store");
kernel!(
    MATMUL_TEXELS_BIAS_ACTIVATION,
    "matmul_texels_bias_activation",
    "matmul_texel_operands" + "matmul_texels" + "matmul_bias_activation"
);
kernel!(MATMUL_TEXELS_TRANSPOSED_A, "matmul_texels_transposed_a", "matmul_texel_operands" + "matmul_texels_transposed_a" + "matmul_store");
kernel!(MATMUL_NAIVE, "matmul_naive");
kernel!(BIAS_ADD, "bias_add");
kernel!(COLUMN_SUM, "column_sum");
kernel!(ACCUMULATE_SUM, "accumulate_sum", "accumulate_rows" + "accumulate_sum");
kernel!(ACCUMULATE_TWO_SUMS, "accumulate_two_sums", "accumulate_rows" + "accumulate_two_sums");
kernel!(ACTIVATION_FORWARD, "activation_forward");
kernel!(ACTIVATION_BACKWARD, "activation_backward");
kernel!(ACTIVATION_BACKWARD_QUADS, "activation_backward_quads");
kernel!(DROPOUT, "dropout");
kernel!(SOFTMAX_CROSS_ENTROPY, "softmax_cross_entropy", "logit_rows" + "softmax_row" + "softmax_cross_entropy");
kernel!(SOFTMAX_CROSS_ENTROPY_HITS, "softmax_cross_entropy_hits", "logit_rows" + "softmax_row" + "softmax_cross_entropy_hits");
kernel!(BCE_WITH_LOGITS, "bce_with_logits");
kernel!(MSE, "mse");
kernel!(ARGMAX_HITS, "argmax_hits", "logit_rows" + "argmax_hits");
kernel!(CONV2D_FORWARD, "conv2d_forward", "conv2d_blocks" + "conv2d_forward" + "conv2d_store");
kernel!(CONV2D_FORWARD_ACTIVATION, "conv2d_forward_activation", "conv2d_blocks" + "conv2d_forward" + "conv2d_store_activation");
kernel!(CONV2D_BACKWARD_INPUT, "conv2d_backward_input", "conv2d_blocks" + "conv2d_backward_input");
kernel!(CONV2D_BACKWARD_WEIGHTS, "conv2d_backward_weights");
kernel!(MAX_POOL_FORWARD, "max_pool_forward");
kernel!(MAX_POOL_BACKWARD, "max_pool_backward");
kernel!(MAX_POOL_BACKWARD_WINDOWS, "max_pool_backward_windows", "max_pool_backward_windows" + "pool_store");
kernel!(
    MAX_POOL_BACKWARD_WINDOWS_ACTIVATION,
    "max_pool_backward_windows_activation",
    "max_pool_backward_windows" + "pool_store_activation"
);
kernel!(SGD, "sgd", "sgd_update" + "sgd");
kernel!(SGD_QUADS, "sgd_quads", "sgd_update" + "sgd_quads");
kernel!(ADAM, "adam", "adam_update" + "adam");
kernel!(ADAM_QUADS, "adam_quads", "adam_update" + "adam_quads");

/// Every kernel, so tests can compile them all.
pub const ALL: [Kernel; 46] = [
    AXPY,
    FILL,
    MATMUL_TILED,
    MATMUL_BIAS_ACTIVATION,
    MATMUL_WIDE,
    MATMUL_WIDE_BIAS_ACTIVATION,
    MATMUL_REGISTERS,
    MATMUL_REGISTERS_BIAS_ACTIVATION,
    MATMUL_REGISTERS_SMALL,
    MATMUL_REGISTERS_SMALL_BIAS_ACTIVATION,
    MATMUL_ACTIVATION_BACKWARD,
    MATMUL_WIDE_ACTIVATION_BACKWARD,
    MATMUL_REGISTERS_ACTIVATION_BACKWARD,
    MATMUL_REGISTERS_SMALL_ACTIVATION_BACKWARD,
    MATMUL_REGISTERS_NARROW,
    MATMUL_REGISTERS_NARROW_BIAS_ACTIVATION,
    MATMUL_REGISTERS_NARROW_ACTIVATION_BACKWARD,
    MATMUL_TEXELS,
    MATMUL_TEXELS_BIAS_ACTIVATION,
    MATMUL_TEXELS_TRANSPOSED_A,
    MATMUL_NAIVE,
    BIAS_ADD,
    COLUMN_SUM,
    ACCUMULATE_SUM,
    ACCUMULATE_TWO_SUMS,
    ACTIVATION_FORWARD,
    ACTIVATION_BACKWARD,
    ACTIVATION_BACKWARD_QUADS,
    DROPOUT,
    SOFTMAX_CROSS_ENTROPY,
    SOFTMAX_CROSS_ENTROPY_HITS,
    BCE_WITH_LOGITS,
    MSE,
    ARGMAX_HITS,
    CONV2D_FORWARD,
    CONV2D_FORWARD_ACTIVATION,
    CONV2D_BACKWARD_INPUT,
    CONV2D_BACKWARD_WEIGHTS,
    MAX_POOL_FORWARD,
    MAX_POOL_BACKWARD,
    MAX_POOL_BACKWARD_WINDOWS,
    MAX_POOL_BACKWARD_WINDOWS_ACTIVATION,
    SGD,
    SGD_QUADS,
    ADAM,
    ADAM_QUADS,
];
