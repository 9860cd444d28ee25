// C = op(A) · op(B) for software adapters: each thread of an 8x8 workgroup keeps an 8x8 block of a
// 64x64 tile of C in registers and reads its operands straight from storage, with no workgroup
// memory and no barriers. On a CPU that runs the shader (SwiftShader, llvmpipe), workgroup memory
// is ordinary memory that costs a scatter to fill and a barrier to share, and that took more than
// half of matmul_wide.wgsl's time; this kernel runs the same products 2-4x faster there. Sums run
// in k order, as in the tiled kernels. The grid's z is the member of a stack; the epilogue file that
// follows defines `store_columns(row, cols, values, inside)` with bindings 3...

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    member = stack_member(wid.z);
    // Thread (x, y) owns rows row, row + 8, .., row + 56 and columns col, col + 8, .., col + 56.
    let row = wid.y * 64u + lid.y;
    let col = wid.x * 64u + lid.x;
    let sa = a_strides();
    let sb = b_strides();
    // Rows and columns past C's edge read its last row or column; store_four leaves them out.
    let last_row = p.m - 1u;
    let last_col = p.n - 1u;
    let ra = array<u32, 8>(
        min(row, last_row) * sa.x, min(row + 8u, last_row) * sa.x, min(row + 16u, last_row) * sa.x, min(row + 24u, last_row) * sa.x,
        min(row + 32u, last_row) * sa.x, min(row + 40u, last_row) * sa.x, min(row + 48u, last_row) * sa.x, min(row + 56u, last_row) * sa.x,
    );
    let cb = array<u32, 8>(
        min(col, last_col) * sb.y, min(col + 8u, last_col) * sb.y, min(col + 16u, last_col) * sb.y, min(col + 24u, last_col) * sb.y,
        min(col + 32u, last_col) * sb.y, min(col + 40u, last_col) * sb.y, min(col + 48u, last_col) * sb.y, min(col + 56u, last_col) * sb.y,
    );
    var sums = Sums8x8();
    var a_at = member * p.a_stride; // op(A)[0, kk] of this member
    var b_at = member * p.b_stride; // op(B)[kk, 0]
    for (var kk = 0u; kk < p.k; kk++) {
        let rows = array<f32, 8>(
            a[a_at + ra[0]], a[a_at + ra[1]], a[a_at + ra[2]], a[a_at + ra[3]],
            a[a_at + ra[4]], a[a_at + ra[5]], a[a_at + ra[6]], a[a_at + ra[7]],
        );
        let b0 = vec4<f32>(b[b_at + cb[0]], b[b_at + cb[1]], b[b_at + cb[2]], b[b_at + cb[3]]);
        let b1 = vec4<f32>(b[b_at + cb[4]], b[b_at + cb[5]], b[b_at + cb[6]], b[b_at + cb[7]]);
        sums = add_outer(sums, rows, b0, b1);
        a_at += sa.y;
        b_at += sb.x;
    }

    store_sums(row, col, sums);
}
