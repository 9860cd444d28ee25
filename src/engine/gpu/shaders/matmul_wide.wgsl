// C = op(A) · op(B) in large tiles: each 8x8 workgroup computes a 64x64 tile of C, 8x8 outputs per
// thread, staging 64x8 slices of op(A) and 8x64 slices of op(B) in workgroup memory. Each value a
// thread reads from the tiles feeds eight products (four in matmul_tiled.wgsl), which is what
// software adapters, where every read is a bounds-checked gather, are slowest at. The sums run in
// the same order as matmul_tiled.wgsl's. The grid's z is the member of a stack; its operands come
// from matmul_operands.wgsl, and the epilogue file that follows defines
// `store_columns(row, cols, values, inside)` with bindings 3...

const TILE: u32 = 64u;
const BK: u32 = 8u;

var<workgroup> a_tile: array<f32, 512>; // [BK][TILE]: a_tile[kk · 64 + r] = op(A)[row0 + r, k0 + kk]
var<workgroup> b_tile: array<f32, 512>; // [BK][TILE]: b_tile[kk · 64 + c] = op(B)[k0 + kk, col0 + c]

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    member = stack_member(wid.z);
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    let t = lid.y * 8u + lid.x;
    // Thread (x, y) owns rows y, y + 8, .., y + 56 and columns x, x + 8, .., x + 56 of the tile (two
    // vectors a row), so the four threads a software adapter runs side by side read one tile row's
    // neighbouring values of B and the same value of A.
    var sums = Sums8x8();

    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        // Neighbouring threads read neighbouring values of storage: along m or n where those are
        // contiguous, along k where the operand is stored the other way.
        for (var i = 0u; i < 8u; i++) {
            let e = t + i * 64u;
            var kk = e / TILE;
            var r = e % TILE;
            if (p.trans_a == 0u) {
                kk = e % BK;
                r = e / BK;
            }
            a_tile[kk * TILE + r] = load_a(row0 + r, k0 + kk);
            kk = e / TILE;
            var c = e % TILE;
            if (p.trans_b == 1u) {
                kk = e % BK;
                c = e / BK;
            }
            b_tile[kk * TILE + c] = load_b(k0 + kk, col0 + c);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            let a_at = kk * TILE + lid.y;
            let b_at = kk * TILE + lid.x;
            let rows = array<f32, 8>(
                a_tile[a_at + 0u], a_tile[a_at + 8u], a_tile[a_at + 16u], a_tile[a_at + 24u],
                a_tile[a_at + 32u], a_tile[a_at + 40u], a_tile[a_at + 48u], a_tile[a_at + 56u],
            );
            let b0 = vec4<f32>(b_tile[b_at], b_tile[b_at + 8u], b_tile[b_at + 16u], b_tile[b_at + 24u]);
            let b1 = vec4<f32>(b_tile[b_at + 32u], b_tile[b_at + 40u], b_tile[b_at + 48u], b_tile[b_at + 56u]);
            sums = add_outer(sums, rows, b0, b1);
        }
        workgroupBarrier();
    }

    let row = row0 + lid.y;
    let col = col0 + lid.x;
    store_sums(row, col, sums);
}
