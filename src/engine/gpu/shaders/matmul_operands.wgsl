// The operands and outputs of the blocked matrix products (matmul_tiled.wgsl, matmul_wide.wgsl,
// matmul_registers*.wgsl); the kernel's body and its epilogue (`store_columns`) follow this file.

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

// How far apart op(A)'s neighbours are in a: (next row, next k).
fn a_strides() -> vec2<u32> {
    if (p.trans_a == 1u) {
        return vec2<u32>(1u, p.m);
    }
    return vec2<u32>(p.k, 1u);
}

// How far apart op(B)'s neighbours are in b: (next k, next column).
fn b_strides() -> vec2<u32> {
    if (p.trans_b == 1u) {
        return vec2<u32>(1u, p.k);
    }
    return vec2<u32>(p.n, 1u);
}

// Writes four outputs of one row of C (columns col, col + 8, col + 16, col + 24), those inside C,
// through the epilogue's `store_columns`.
fn store_four(row: u32, col: u32, values: vec4<f32>) {
    if (row >= p.m) {
        return;
    }
    let cols = vec4<u32>(col, col + 8u, col + 16u, col + 24u);
    store_columns(row, cols, values, cols < vec4<u32>(p.n));
}

// Writes a thread's 8x8 block of C: rows row + 8i, columns col + 8j, those inside C.
fn store_sums(row: u32, col: u32, s: Sums8x8) {
    store_four(row, col, s.r0a);
    store_four(row, col + 32u, s.r0b);
    store_four(row + 8u, col, s.r1a);
    store_four(row + 8u, col + 32u, s.r1b);
    store_four(row + 16u, col, s.r2a);
    store_four(row + 16u, col + 32u, s.r2b);
    store_four(row + 24u, col, s.r3a);
    store_four(row + 24u, col + 32u, s.r3b);
    store_four(row + 32u, col, s.r4a);
    store_four(row + 32u, col + 32u, s.r4b);
    store_four(row + 40u, col, s.r5a);
    store_four(row + 40u, col + 32u, s.r5b);
    store_four(row + 48u, col, s.r6a);
    store_four(row + 48u, col + 32u, s.r6b);
    store_four(row + 56u, col, s.r7a);
    store_four(row + 56u, col + 32u, s.r7b);
}
