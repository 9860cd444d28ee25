// The operands of the tiled matrix products (matmul_tiled.wgsl, matmul_wide.wgsl), read one value
// at a time with zeros outside the matrices; the kernel's body and its epilogue follow this file.

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

// The member this workgroup multiplies for (its z in the grid).
var<private> member: u32;

// op(A)[row, col], zero outside the matrix.
fn load_a(row: u32, col: u32) -> f32 {
    if (row >= p.m || col >= p.k) {
        return 0.0;
    }
    let base = member * p.a_stride;
    if (p.trans_a == 1u) {
        return a[base + col * p.m + row];
    }
    return a[base + row * p.k + col];
}

// op(B)[row, col], zero outside the matrix.
fn load_b(row: u32, col: u32) -> f32 {
    if (row >= p.k || col >= p.n) {
        return 0.0;
    }
    let base = member * p.b_stride;
    if (p.trans_b == 1u) {
        return b[base + col * p.k + row];
    }
    return b[base + row * p.n + col];
}
