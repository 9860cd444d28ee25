// C = op(A) · op(B), tiled: each 8x8 workgroup computes a 32x32 tile of C, 4x4 outputs per thread,
// staging 32x16 slices of op(A) and 16x32 slices of op(B) in workgroup memory.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    trans_a: u32,
    trans_b: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TILE: u32 = 32u;
const BK: u32 = 16u;
const THREADS: u32 = 64u;

var<workgroup> a_tile: array<f32, 512>; // [TILE][BK]
var<workgroup> b_tile: array<f32, 512>; // [BK][TILE]

// op(A)[row, col], zero outside the matrix.
fn load_a(row: u32, col: u32) -> f32 {
    if (row >= p.m || col >= p.k) {
        return 0.0;
    }
    if (p.trans_a == 1u) {
        return a[col * p.m + row];
    }
    return a[row * p.k + col];
}

// op(B)[row, col], zero outside the matrix.
fn load_b(row: u32, col: u32) -> f32 {
    if (row >= p.k || col >= p.n) {
        return 0.0;
    }
    if (p.trans_b == 1u) {
        return b[col * p.k + row];
    }
    return b[row * p.n + col];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    let t = lid.y * 8u + lid.x;
    var acc: array<f32, 16>;

    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        for (var i = 0u; i < 512u / THREADS; i++) {
            let e = t + i * THREADS;
            a_tile[e] = load_a(row0 + e / BK, k0 + e % BK);
            b_tile[e] = load_b(k0 + e / TILE, col0 + e % TILE);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = a_tile[(lid.y + i * 8u) * BK + kk];
                bv[i] = b_tile[kk * TILE + lid.x + i * 8u];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i * 4u + j] = fma(av[i], bv[j], acc[i * 4u + j]);
                }
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < 4u; i++) {
        let row = row0 + lid.y + i * 8u;
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + lid.x + j * 8u;
            if (row < p.m && col < p.n) {
                c[row * p.n + col] = acc[i * 4u + j];
            }
        }
    }
}
