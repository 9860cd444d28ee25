//! A tensor of f32 values that stays in GPU memory between steps.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A flat f32 buffer on the GPU, or a view of one (packed parameters share one buffer); shapes are
/// tracked by the layers that own it.
#[derive(Debug)]
pub struct GpuTensor {
    pub(crate) buffer: wgpu::Buffer,
    /// Where the tensor starts in `buffer`, in bytes: 0, or a multiple of the device's storage
    /// offset alignment for a view.
    offset: u64,
    len: usize,
    /// Identifies the tensor in the bind-group cache.
    pub(crate) id: u64,
    /// Where a dropped tensor leaves its id, so the cache can let go of its bind groups.
    dropped: Rc<RefCell<Vec<u64>>>,
}

impl GpuTensor {
    pub(crate) fn new(buffer: wgpu::Buffer, len: usize, dropped: Rc<RefCell<Vec<u64>>>) -> Self {
        Self::view(buffer, 0, len, dropped)
    }

    /// `len` values of `buffer` from byte `offset` on.
    pub(crate) fn view(buffer: wgpu::Buffer, offset: u64, len: usize, dropped: Rc<RefCell<Vec<u64>>>) -> Self {
        Self { buffer, offset, len, id: NEXT_ID.fetch_add(1, Ordering::Relaxed), dropped }
    }

    /// The tensor as a kernel's storage binding: its own values only.
    pub(crate) fn binding(&self) -> wgpu::BindingResource<'_> {
        // An empty tensor still owns one value's room (see `GpuContext::zeros`).
        let size = std::num::NonZeroU64::new(self.byte_size().max(4));
        wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &self.buffer, offset: self.offset, size })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Where the tensor starts in its buffer, in bytes (see `GpuContext::zeros_packed`).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn byte_size(&self) -> u64 {
        (self.len * std::mem::size_of::<f32>()) as u64
    }
}

impl Drop for GpuTensor {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(self.id);
    }
}
