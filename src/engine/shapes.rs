//! Shape descriptors shared by both devices: matrix products, 2D convolutions and 2D pooling.
//! Tensors are flat row-major f32 buffers; images are NCHW ([batch, channels, height, width]).

use serde::{Deserialize, Serialize};

/// C[m, n] = op(A)[m, k] · op(B)[k, n]. A is stored [m, k], or [k, m] when `trans_a`;
/// B is stored [k, n], or [n, k] when `trans_b`. C is overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MatmulDims {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub trans_a: bool,
    pub trans_b: bool,
}

impl MatmulDims {
    pub fn new(m: usize, k: usize, n: usize) -> Self {
        Self { m, k, n, trans_a: false, trans_b: false }
    }

    pub fn transpose_a(self) -> Self {
        Self { trans_a: true, ..self }
    }

    pub fn transpose_b(self) -> Self {
        Self { trans_b: true, ..self }
    }
}

/// A square-kernel convolution: x [batch, in_channels, height, width] and
/// weights [out_channels, in_channels, kernel, kernel] give y [batch, out_channels, out_h, out_w].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conv2dDims {
    pub batch: usize,
    pub in_channels: usize,
    pub height: usize,
    pub width: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl Conv2dDims {
    pub fn out_height(&self) -> usize {
        (self.height + 2 * self.padding - self.kernel) / self.stride + 1
    }

    pub fn out_width(&self) -> usize {
        (self.width + 2 * self.padding - self.kernel) / self.stride + 1
    }

    pub fn input_len(&self) -> usize {
        self.batch * self.in_channels * self.height * self.width
    }

    pub fn weight_len(&self) -> usize {
        self.out_channels * self.in_channels * self.kernel * self.kernel
    }

    pub fn output_len(&self) -> usize {
        self.batch * self.out_channels * self.out_height() * self.out_width()
    }

    /// Rows of the unfolded input (one per output pixel) and their length (one receptive field).
    pub fn patch_rows(&self) -> usize {
        self.batch * self.out_height() * self.out_width()
    }

    pub fn patch_len(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }
}

/// Max pooling over size x size windows moved by `stride`, no padding:
/// x [batch, channels, height, width] gives y [batch, channels, out_h, out_w].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pool2dDims {
    pub batch: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub size: usize,
    pub stride: usize,
}

impl Pool2dDims {
    pub fn out_height(&self) -> usize {
        (self.height - self.size) / self.stride + 1
    }

    pub fn out_width(&self) -> usize {
        (self.width - self.size) / self.stride + 1
    }

    pub fn input_len(&self) -> usize {
        self.batch * self.channels * self.height * self.width
    }

    pub fn output_len(&self) -> usize {
        self.batch * self.channels * self.out_height() * self.out_width()
    }
}
