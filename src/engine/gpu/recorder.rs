//! Recording kernels: each op becomes a dispatch in the pending command encoder's open compute pass, with a
//! bind group and uniform made on the op's first use and reused on every later step, so a training
//! step costs one submission and no allocations.

use std::collections::HashSet;
use std::rc::Rc;

use super::kernels::{Kernel, ELEMENTWISE_WORKGROUP};
use super::{GpuContext, GpuTensor};

/// The widest a dispatch may be in one dimension (WebGPU's guaranteed minimum limit).
pub(crate) const MAX_GROUPS_PER_DIMENSION: u32 = 65_535;

/// Workgroups in x and y that cover `n` elements, and the elements one grid row covers.
pub(crate) fn elementwise_grid(n: usize) -> (u32, u32, u32) {
    let groups = (n as u64).div_ceil(ELEMENTWISE_WORKGROUP as u64).max(1);
    let (groups_x, groups_y) = spread_groups(groups);
    (groups_x, groups_y, groups_x * ELEMENTWISE_WORKGROUP)
}

/// Lays `groups` workgroups out as rows of at most 65,535.
pub(crate) fn spread_groups(groups: u64) -> (u32, u32) {
    let groups = groups.max(1);
    let groups_x = groups.min(MAX_GROUPS_PER_DIMENSION as u64) as u32;
    (groups_x, groups.div_ceil(groups_x as u64) as u32)
}

/// What makes a bind group reusable: the kernel, its tensors, and its parameters that never change
/// for those tensors (shapes). Per-step values (an Adam step, a dropout seed) are left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BindingKey {
    /// The kernel and what its pipeline is made for (each pipeline has its own layouts).
    kernel: (&'static str, Option<u32>, bool),
    tensors: Vec<u64>,
    fixed_params: Vec<u32>,
}

pub(crate) struct CachedBinding {
    bind_group: wgpu::BindGroup,
    uniform: wgpu::Buffer,
    params: Vec<u32>,
    /// The submission this binding was last recorded into.
    recorded_in: u64,
}

impl GpuContext {
    /// Records one dispatch of `kernel` over `groups` (x, y) workgroups. `params` are the uniform
    /// words; the first `fixed` of them are part of the cache key, the rest may change per call.
    pub(crate) fn dispatch(&self, kernel: Kernel, params: &[u32], fixed: usize, tensors: &[&GpuTensor], groups: (u32, u32)) {
        self.dispatch_per_member(kernel, params, fixed, tensors, groups, 1);
    }

    /// Records one dispatch of `kernel` whose grid repeats `groups` for each of `members` members of
    /// a stack: member k's workgroups have z = k (kernels that find the member from their
    /// element's index use `dispatch`).
    pub(crate) fn dispatch_per_member(
        &self,
        kernel: Kernel,
        params: &[u32],
        fixed: usize,
        tensors: &[&GpuTensor],
        groups: (u32, u32),
        members: u32,
    ) {
        self.dispatch_grid(kernel, params, fixed, tensors, (groups.0, groups.1, members));
    }

    /// Records one dispatch of `kernel` over a grid of workgroups (x, y, z).
    pub(crate) fn dispatch_grid(&self, kernel: Kernel, params: &[u32], fixed: usize, tensors: &[&GpuTensor], groups: (u32, u32, u32)) {
        self.record_dispatch(kernel, params, fixed, (tensors, 0), groups);
    }

    /// Records one dispatch of `kernel` over a grid of workgroups (x, y, z), with its first
    /// `texel_operands` tensors bound as their textures (`record_texels` filled them).
    pub(crate) fn record_dispatch(
        &self,
        kernel: Kernel,
        params: &[u32],
        fixed: usize,
        (tensors, texel_operands): (&[&GpuTensor], usize),
        groups: (u32, u32, u32),
    ) {
        self.release_dropped_bindings();
        let key = BindingKey {
            kernel: (kernel.name, kernel.activation, kernel.one_member),
            tensors: tensors.iter().map(|t| t.id).collect(),
            fixed_params: params[..fixed].to_vec(),
        };
        let current = self.submissions.get();
        let needs_flush = matches!(
            self.bindings.borrow().get(&key),
            Some(cached) if cached.params != params && cached.recorded_in == current
        );
        if needs_flush {
            // The uniform is about to change while an earlier dispatch still waits to read it.
            self.flush();
        }
        let current = self.submissions.get();
        let mut bindings = self.bindings.borrow_mut();
        let cached = bindings.entry(key).or_insert_with(|| self.new_binding(kernel, params, tensors, texel_operands));
        if cached.params != params {
            self.queue().write_buffer(&cached.uniform, 0, &uniform_bytes(params));
            cached.params = params.to_vec();
        }
        cached.recorded_in = current;

        let pipeline = self.pipeline(kernel);
        let mut open_pass = self.pass.borrow_mut();
        let pass = open_pass.get_or_insert_with(|| {
            let mut pending = self.pending.borrow_mut();
            let encoder = pending
                .get_or_insert_with(|| self.device().create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("step") }));
            // One pass holds a step's dispatches; WebGPU orders their storage reads and writes.
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("step"), timestamp_writes: None }).forget_lifetime()
        });
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &cached.bind_group, &[]);
        pass.dispatch_workgroups(groups.0, groups.1, groups.2);
        self.dispatches.set(self.dispatches.get() + 1);
    }

    fn new_binding(&self, kernel: Kernel, params: &[u32], tensors: &[&GpuTensor], texel_operands: usize) -> CachedBinding {
        let bytes = uniform_bytes(params);
        let uniform = self.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some(kernel.name),
            size: bytes.len() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.queue().write_buffer(&uniform, 0, &bytes);
        let pipeline = self.pipeline(kernel);
        let texels = self.texels.borrow();
        let mut entries = vec![wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() }];
        for (i, tensor) in tensors.iter().enumerate() {
            let resource = if i < texel_operands {
                wgpu::BindingResource::TextureView(texels.get(&tensor.id).expect("record_texels made the operand's texture"))
            } else {
                tensor.binding()
            };
            entries.push(wgpu::BindGroupEntry { binding: i as u32 + 1, resource });
        }
        let bind_group = self.device().create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        CachedBinding { bind_group, uniform, params: params.to_vec(), recorded_in: self.submissions.get() }
    }

    /// Forgets the bind groups of dropped tensors, so their GPU memory is freed.
    fn release_dropped_bindings(&self) {
        let dropped: HashSet<u64> = self.dropped.borrow_mut().drain(..).collect();
        if !dropped.is_empty() {
            self.bindings.borrow_mut().retain(|key, _| !key.tensors.iter().any(|id| dropped.contains(id)));
            self.texels.borrow_mut().retain(|id, _| !dropped.contains(id));
        }
    }

    /// Records a buffer-to-buffer copy of `len` values into the pending command encoder.
    pub(crate) fn record_copy(&self, src: &GpuTensor, src_at: usize, dst: &GpuTensor, dst_at: usize, len: usize) {
        if len == 0 {
            return;
        }
        const F32: u64 = std::mem::size_of::<f32>() as u64;
        self.outside_pass(|encoder| {
            encoder.copy_buffer_to_buffer(
                &src.buffer,
                src.offset() + src_at as u64 * F32,
                &dst.buffer,
                dst.offset() + dst_at as u64 * F32,
                Some(len as u64 * F32),
            )
        });
    }

    /// Records commands outside the step's compute pass (copies): ends the pass, and the next
    /// dispatch opens a new one.
    pub(crate) fn outside_pass(&self, record: impl FnOnce(&mut wgpu::CommandEncoder)) {
        self.pass.borrow_mut().take();
        let mut pending = self.pending.borrow_mut();
        let encoder =
            pending.get_or_insert_with(|| self.device().create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("step") }));
        record(encoder);
    }

    /// Submits everything recorded so far, if anything.
    pub(crate) fn flush(&self) {
        self.pass.borrow_mut().take();
        if let Some(encoder) = self.pending.borrow_mut().take() {
            self.queue().submit([encoder.finish()]);
            self.submissions.set(self.submissions.get() + 1);
        }
    }

    /// A scratch tensor of at least `len` values for one purpose of one op (kernels take their
    /// lengths from their parameters, not from the buffer). Ops run in recording order, so
    /// consecutive ops may share it; two scratch tensors of one op need different purposes. One
    /// tensor is kept per purpose and replaced by a larger one when an op needs more, so a search
    /// over many shapes holds no more scratch than its largest need of each purpose.
    pub(crate) fn scratch(&self, purpose: &'static str, len: usize) -> Result<Rc<GpuTensor>, super::GpuError> {
        if let Some(tensor) = self.scratch.borrow().get(purpose).filter(|t| t.len() >= len) {
            return Ok(Rc::clone(tensor));
        }
        // The old tensor goes first, so its memory can be reused for the new one.
        self.scratch.borrow_mut().remove(purpose);
        let tensor = Rc::new(self.zeros(purpose, len)?);
        self.scratch.borrow_mut().insert(purpose, Rc::clone(&tensor));
        Ok(tensor)
    }

    /// How many scratch tensors are kept and their bytes in all.
    pub fn scratch_usage(&self) -> (usize, u64) {
        let scratch = self.scratch.borrow();
        (scratch.len(), scratch.values().map(|t| t.byte_size()).sum())
    }

    /// How many bind groups are cached (for tests of the cache's life cycle).
    pub fn cached_bindings(&self) -> usize {
        self.release_dropped_bindings();
        self.bindings.borrow().len()
    }
}

/// Uniform words as bytes, padded to a multiple of 16 as uniform buffers need.
fn uniform_bytes(params: &[u32]) -> Vec<u8> {
    let mut bytes: Vec<u8> = bytemuck::cast_slice(params).to_vec();
    bytes.resize(bytes.len().div_ceil(16).max(1) * 16, 0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_every_element_once_row_by_row() {
        for n in [1, 255, 256, 257, 65_535 * 256, 65_535 * 256 + 1, 40_000_000] {
            let (gx, gy, stride) = elementwise_grid(n);
            assert!(gx <= MAX_GROUPS_PER_DIMENSION && gy <= MAX_GROUPS_PER_DIMENSION);
            assert_eq!(stride, gx * ELEMENTWISE_WORKGROUP);
            let covered = stride as u64 * gy as u64;
            assert!(covered >= n as u64, "n={n}: grid covers only {covered}");
            assert!(covered - (n as u64) < stride as u64, "n={n}: a whole spare row");
        }
    }

    #[test]
    fn uniforms_are_padded_to_sixteen_bytes() {
        assert_eq!(uniform_bytes(&[1, 2, 3]).len(), 16);
        assert_eq!(uniform_bytes(&[0; 5]).len(), 32);
        assert_eq!(&uniform_bytes(&[7])[..4], &7u32.to_ne_bytes());
    }
}
