// C = op(A) · op(B), tiled: each 8x8 workgroup computes a 32x32 tile of C, 4x4 outputs per thread,
// staging 32x16 slices of op(A) and 16x32 slices of op(B) in workgroup memory. The grid's z is the
// member of a stack (0 for a plain product). Its operands come from matmul_operands.wgsl; the
// kernel's epilogue file follows this one and defines `store_columns(row, cols, values, inside)`
// with the output bindings (3..), writing member `member`'s C.

const TILE: u32 = 32u;
const BK: u32 = 16u;
const THREADS: u32 = 64u;

var<workgroup> a_tile: array<f32, 512>; // [TILE][BK]
var<workgroup> b_tile: array<f32, 512>; // [BK][TILE]

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    member = stack_member(wid.z);
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    let t = lid.y * 8u + lid.x;
    // Thread (x, y) owns rows y, y+8, y+16, y+24 and columns x, x+8, x+16, x+24 of the tile; plain
    // vector accumulators (no private arrays) keep the inner loop in registers on every compiler.
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);

    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        for (var i = 0u; i < 512u / THREADS; i++) {
            let e = t + i * THREADS;
            a_tile[e] = load_a(row0 + e / BK, k0 + e % BK);
            b_tile[e] = load_b(k0 + e / TILE, col0 + e % TILE);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            let b_row = kk * TILE + lid.x;
            let bv = vec4<f32>(b_tile[b_row], b_tile[b_row + 8u], b_tile[b_row + 16u], b_tile[b_row + 24u]);
            acc0 += a_tile[lid.y * BK + kk] * bv;
            acc1 += a_tile[(lid.y + 8u) * BK + kk] * bv;
            acc2 += a_tile[(lid.y + 16u) * BK + kk] * bv;
            acc3 += a_tile[(lid.y + 24u) * BK + kk] * bv;
        }
        workgroupBarrier();
    }

    store_four(row0 + lid.y, col0 + lid.x, acc0);
    store_four(row0 + lid.y + 8u, col0 + lid.x, acc1);
    store_four(row0 + lid.y + 16u, col0 + lid.x, acc2);
    store_four(row0 + lid.y + 24u, col0 + lid.x, acc3);
}
