//! A tensor in host memory for the CPU device.

use std::cell::{Ref, RefCell, RefMut};

/// Flat f32 values; interior mutability lets ops take every tensor by shared reference, as on the GPU.
#[derive(Debug, Default)]
pub struct CpuTensor(RefCell<Vec<f32>>);

impl CpuTensor {
    pub fn from_vec(values: Vec<f32>) -> Self {
        Self(RefCell::new(values))
    }

    pub fn values(&self) -> Ref<'_, Vec<f32>> {
        self.0.borrow()
    }

    pub fn values_mut(&self) -> RefMut<'_, Vec<f32>> {
        self.0.borrow_mut()
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
