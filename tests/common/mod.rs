//! Test bodies shared by the native suite (llvmpipe) and the browser suite (the browser's WebGPU):
//! the same kernels, the same inputs, compared with the CPU reference.

#![allow(dead_code)] // each test crate uses only part of this module
pub mod ops;

use nas_playground::engine::cpu::reference as cpu;
use nas_playground::engine::gpu::GpuContext;

/// Deterministic values in [-1, 1) from a seed (a 64-bit linear congruential generator).
pub fn seeded_values(seed: u64, len: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Lengths that include sizes smaller than, equal to and just past the 256-thread workgroup.
pub const AXPY_LENGTHS: [usize; 7] = [1, 7, 255, 256, 257, 4_099, 100_003];

/// Runs axpy on the GPU for each length and checks every value against the CPU reference.
pub async fn axpy_matches_cpu(ctx: &GpuContext) -> Result<(), String> {
    for (case, &len) in AXPY_LENGTHS.iter().enumerate() {
        let alpha = 0.75 - case as f32 * 0.5;
        let x = seeded_values(case as u64 * 2 + 1, len);
        let y = seeded_values(case as u64 * 2 + 2, len);
        let mut expected = y.clone();
        cpu::axpy(alpha, &x, &mut expected);

        let gx = ctx.upload("x", &x).map_err(|e| e.to_string())?;
        let gy = ctx.upload("y", &y).map_err(|e| e.to_string())?;
        ctx.axpy(alpha, &gx, &gy).map_err(|e| e.to_string())?;
        let got = ctx.read(&gy).await.map_err(|e| e.to_string())?;

        if got.len() != len {
            return Err(format!("length {len}: read back {} values", got.len()));
        }
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            // One multiply-add per element: GPU and CPU agree to a few ulps (the GPU may fuse it).
            if (g - e).abs() > 1e-6 * (1.0 + e.abs()) {
                return Err(format!("length {len}, alpha {alpha}: y[{i}] is {g} on the GPU but {e} on the CPU"));
            }
        }
    }
    Ok(())
}

/// A value in [0, 1) for (stream, index), like pixel intensities.
pub fn unit(stream: u32, index: usize) -> f32 {
    nas_playground::engine::rng::uniform(stream, index as u32)
}
