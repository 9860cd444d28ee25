//! Product operands as textures: before a texel product (matmul_texels.wgsl) the step copies each
//! operand's values into an rgba32float texture, four to a texel, in the tensor's own order. A copy
//! is a plain memory copy and costs far less than the texel loads save on software adapters.

use super::{GpuContext, GpuTensor};
use crate::engine::shapes::MatmulDims;

/// Texels per texture row; matmul_texel_operands.wgsl's TEXELS_PER_ROW.
const TEXELS_PER_ROW: u32 = 256;
const TEXEL_BYTES: u64 = 16;

impl GpuContext {
    /// Whether the texel product takes op(a) · op(b) of shape `d`: B not transposed with n a multiple
    /// of 4, A's texels along k (a multiple of 4) or, transposed, along m (a multiple of 4), and both
    /// operands starting on a texel and small enough for a texture.
    pub(super) fn texels_take(&self, d: MatmulDims, a: &GpuTensor, b: &GpuTensor) -> bool {
        let along = if d.trans_a { d.m } else { d.k };
        let max_rows = self.device().limits().max_texture_dimension_2d as usize;
        let fits = |t: &GpuTensor| {
            t.offset().is_multiple_of(TEXEL_BYTES)
                && t.len().is_multiple_of(4)
                && (t.len() / 4).div_ceil(TEXELS_PER_ROW as usize) <= max_rows
        };
        !d.trans_b && d.n.is_multiple_of(4) && along.is_multiple_of(4) && fits(a) && fits(b)
    }

    /// Copies `tensor`'s values into its texture (made on first use, kept until the tensor drops),
    /// after everything recorded so far.
    pub(super) fn record_texels(&self, tensor: &GpuTensor) {
        let texels = (tensor.len() / 4) as u32;
        let full_rows = texels / TEXELS_PER_ROW;
        let rest = texels % TEXELS_PER_ROW;
        let texture = {
            let mut views = self.texels.borrow_mut();
            let view = views.entry(tensor.id).or_insert_with(|| {
                let texture = self.device().create_texture(&wgpu::TextureDescriptor {
                    label: Some("texels"),
                    size: wgpu::Extent3d {
                        width: TEXELS_PER_ROW,
                        height: texels.div_ceil(TEXELS_PER_ROW).max(1),
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format: wgpu::TextureFormat::Rgba32Float,
                    usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                    view_formats: &[],
                });
                texture.create_view(&wgpu::TextureViewDescriptor::default())
            });
            view.texture().clone()
        };
        let row_bytes = u64::from(TEXELS_PER_ROW) * TEXEL_BYTES;
        // Whole texture rows in one copy, the last part row in another.
        let copies = [(0, TEXELS_PER_ROW, full_rows), (full_rows, rest, 1)];
        self.outside_pass(|encoder| {
            for (first_row, width, height) in copies.into_iter().filter(|&(_, width, height)| width > 0 && height > 0) {
                encoder.copy_buffer_to_texture(
                    wgpu::TexelCopyBufferInfo {
                        buffer: &tensor.buffer,
                        layout: wgpu::TexelCopyBufferLayout {
                            offset: tensor.offset() + u64::from(first_row) * row_bytes,
                            bytes_per_row: Some(row_bytes as u32),
                            rows_per_image: None,
                        },
                    },
                    wgpu::TexelCopyTextureInfo {
                        texture: &texture,
                        mip_level: 0,
                        origin: wgpu::Origin3d { x: 0, y: first_row, z: 0 },
                        aspect: wgpu::TextureAspect::All,
                    },
                    wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
                );
            }
        });
    }
}
