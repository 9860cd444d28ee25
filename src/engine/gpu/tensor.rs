//! A tensor of f32 values that stays in GPU memory between steps.

/// A flat f32 buffer on the GPU; shapes are tracked by the layers that own it.
#[derive(Debug)]
pub struct GpuTensor {
    pub(crate) buffer: wgpu::Buffer,
    len: usize,
}

impl GpuTensor {
    pub(crate) fn new(buffer: wgpu::Buffer, len: usize) -> Self {
        Self { buffer, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn byte_size(&self) -> u64 {
        (self.len * std::mem::size_of::<f32>()) as u64
    }
}
