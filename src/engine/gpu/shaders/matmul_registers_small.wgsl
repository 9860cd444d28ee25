// matmul_registers.wgsl for products with a side under 64: each thread of an 8x8 workgroup keeps a
// 4x4 block of a 32x32 tile of C in registers, reading its operands straight from storage.

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    member = stack_member(wid.z);
    // Thread (x, y) owns rows row, row + 8, row + 16, row + 24 and columns col, .., col + 24.
    let row = wid.y * 32u + lid.y;
    let col = wid.x * 32u + lid.x;
    let sa = a_strides();
    let sb = b_strides();
    let last_row = p.m - 1u;
    let last_col = p.n - 1u;
    let ra = array<u32, 4>(min(row, last_row) * sa.x, min(row + 8u, last_row) * sa.x, min(row + 16u, last_row) * sa.x, min(row + 24u, last_row) * sa.x);
    let cb = array<u32, 4>(min(col, last_col) * sb.y, min(col + 8u, last_col) * sb.y, min(col + 16u, last_col) * sb.y, min(col + 24u, last_col) * sb.y);
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    var a_at = member * p.a_stride;
    var b_at = member * p.b_stride;
    for (var kk = 0u; kk < p.k; kk++) {
        let bv = vec4<f32>(b[b_at + cb[0]], b[b_at + cb[1]], b[b_at + cb[2]], b[b_at + cb[3]]);
        acc0 += a[a_at + ra[0]] * bv;
        acc1 += a[a_at + ra[1]] * bv;
        acc2 += a[a_at + ra[2]] * bv;
        acc3 += a[a_at + ra[3]] * bv;
        a_at += sa.y;
        b_at += sb.x;
    }

    store_four(row, col, acc0);
    store_four(row + 8u, col, acc1);
    store_four(row + 16u, col, acc2);
    store_four(row + 24u, col, acc3);
}
