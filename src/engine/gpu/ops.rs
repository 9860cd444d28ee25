//! Recording kernels into a command encoder: uniform parameters, bind groups and dispatch sizes.

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::kernels::{self, ELEMENTWISE_WORKGROUP};
use super::{GpuContext, GpuError, GpuTensor};

/// The widest a dispatch may be in one dimension (WebGPU's guaranteed minimum limit).
const MAX_GROUPS_PER_DIMENSION: u32 = 65_535;

/// Workgroups in x and y that cover `n` elements, and the elements one grid row covers.
pub(crate) fn elementwise_grid(n: usize) -> (u32, u32, u32) {
    let groups = (n as u64).div_ceil(ELEMENTWISE_WORKGROUP as u64).max(1);
    let groups_x = groups.min(MAX_GROUPS_PER_DIMENSION as u64) as u32;
    let groups_y = groups.div_ceil(groups_x as u64) as u32;
    (groups_x, groups_y, groups_x * ELEMENTWISE_WORKGROUP)
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct AxpyParams {
    n: u32,
    alpha: f32,
    row_stride: u32,
    _pad: u32,
}

/// y <- alpha * x + y on the GPU, recorded and submitted at once.
/// x: [n], y: [n]
pub fn axpy(ctx: &GpuContext, alpha: f32, x: &GpuTensor, y: &GpuTensor) -> Result<(), GpuError> {
    if x.len() != y.len() {
        return Err(GpuError::Validation(format!(
            "axpy: x has {} values but y has {}",
            x.len(),
            y.len()
        )));
    }
    ctx.check_health()?;
    if y.is_empty() {
        return Ok(());
    }
    let (groups_x, groups_y, row_stride) = elementwise_grid(y.len());
    let params = AxpyParams { n: y.len() as u32, alpha, row_stride, _pad: 0 };
    let device = ctx.device();
    let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("axpy params"),
        contents: bytemuck::bytes_of(&params),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let pipeline = ctx.pipeline(kernels::AXPY);
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("axpy"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() },
            wgpu::BindGroupEntry { binding: 1, resource: x.buffer.as_entire_binding() },
            wgpu::BindGroupEntry { binding: 2, resource: y.buffer.as_entire_binding() },
        ],
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("axpy") });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("axpy"), timestamp_writes: None });
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(groups_x, groups_y, 1);
    }
    ctx.queue().submit([encoder.finish()]);
    Ok(())
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
}
