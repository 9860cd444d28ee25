//! A tensor of f32 values that stays in GPU memory between steps.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A flat f32 buffer on the GPU; shapes are tracked by the layers that own it.
#[derive(Debug)]
pub struct GpuTensor {
    pub(crate) buffer: wgpu::Buffer,
    len: usize,
    /// Identifies the tensor in the bind-group cache.
    pub(crate) id: u64,
    /// Where a dropped tensor leaves its id, so the cache can let go of its bind groups.
    dropped: Rc<RefCell<Vec<u64>>>,
}

impl GpuTensor {
    pub(crate) fn new(buffer: wgpu::Buffer, len: usize, dropped: Rc<RefCell<Vec<u64>>>) -> Self {
        Self { buffer, len, id: NEXT_ID.fetch_add(1, Ordering::Relaxed), dropped }
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

impl Drop for GpuTensor {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(self.id);
    }
}
