//! Fast CPU matrix products: `matrixmultiply`'s SIMD sgemm, natively with the rows of the result
//! split over the cores. Each row's sums run in the same order however the rows are split, so the
//! figures do not depend on the number of threads.

use super::parallel;
use crate::engine::shapes::MatmulDims;

/// Multiply-adds below which one core finishes before a second could help (handing a product of
/// a small candidate, say 32x784x32, to a second core costs more than it saves).
pub(super) const PARALLEL_WORK: usize = 1 << 21;

/// c = beta·c + op(a) · op(b) with `matrixmultiply`'s strides standing in for the transposes.
pub fn gemm(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims, beta: f32) {
    assert!(a.len() >= d.m * d.k && b.len() >= d.k * d.n && c.len() >= d.m * d.n, "gemm: buffers too small for {d:?}");
    let threads = parallel::threads();
    if threads < 2 || d.m < 32 || d.m * d.n * d.k < PARALLEL_WORK {
        return gemm_serial(a, b, c, d, beta);
    }
    let rows = d.m.div_ceil(threads).next_multiple_of(16);
    parallel::for_each_chunk(&mut c[..d.m * d.n], rows * d.n, |i, c_rows| {
        let first = i * rows;
        let a_rows = if d.trans_a { &a[first..] } else { &a[first * d.k..] };
        gemm_strided(a_rows, b, c_rows, MatmulDims { m: c_rows.len() / d.n, ..d }, d.m, beta);
    });
}

/// `gemm` on the calling thread only (for work already split over the cores).
pub fn gemm_serial(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims, beta: f32) {
    assert!(a.len() >= d.m * d.k && b.len() >= d.k * d.n && c.len() >= d.m * d.n, "gemm: buffers too small for {d:?}");
    gemm_strided(a, b, c, d, d.m, beta);
}

/// The product for `d.m` rows of a result whose transposed A has `a_columns` columns (its full row count).
fn gemm_strided(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims, a_columns: usize, beta: f32) {
    if d.m == 0 || d.n == 0 {
        return;
    }
    let (rsa, csa) = if d.trans_a { (1, a_columns) } else { (d.k, 1) };
    let (rsb, csb) = if d.trans_b { (1, d.k) } else { (d.n, 1) };
    assert!((d.m - 1) * rsa + d.k.saturating_sub(1) * csa < a.len().max(1) || d.k == 0, "gemm: a too small for {d:?}");
    assert!((d.k.saturating_sub(1)) * rsb + (d.n - 1) * csb < b.len() || d.k == 0, "gemm: b too small for {d:?}");
    assert!(c.len() >= d.m * d.n, "gemm: c too small for {d:?}");
    // SAFETY: the asserts above keep every index matrixmultiply computes from these strides inside the slices.
    unsafe {
        matrixmultiply::sgemm(
            d.m,
            d.k,
            d.n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            d.n as isize,
            1,
        );
    }
}

pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], d: MatmulDims) {
    assert_eq!(a.len(), d.m * d.k, "matmul: a");
    assert_eq!(b.len(), d.k * d.n, "matmul: b");
    assert_eq!(c.len(), d.m * d.n, "matmul: c");
    gemm(a, b, c, d, 0.0);
}
