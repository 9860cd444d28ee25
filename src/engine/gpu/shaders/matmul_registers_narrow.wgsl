// matmul_registers_small.wgsl for products with at most 16 columns (a classifier's output layer):
// each thread of a 4x16 workgroup keeps a 4x4 block of a 64x16 tile of C in registers, so a
// workgroup computes 16 columns where the small kernel's compute 32, and a 10-column product wastes
// 6 columns in 16 instead of 22 in 32.

@compute @workgroup_size(4, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    member = stack_member(wid.z);
    // Thread (x, y) owns rows row, row + 16, row + 32, row + 48 and columns col, col + 4, .., col + 12.
    let row = wid.y * 64u + lid.y;
    let col = wid.x * 16u + lid.x;
    let sa = a_strides();
    let sb = b_strides();
    let last_row = p.m - 1u;
    let last_col = p.n - 1u;
    let ra = array<u32, 4>(min(row, last_row) * sa.x, min(row + 16u, last_row) * sa.x, min(row + 32u, last_row) * sa.x, min(row + 48u, last_row) * sa.x);
    let cb = array<u32, 4>(min(col, last_col) * sb.y, min(col + 4u, last_col) * sb.y, min(col + 8u, last_col) * sb.y, min(col + 12u, last_col) * sb.y);
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

    let cols = vec4<u32>(col, col + 4u, col + 8u, col + 12u);
    let inside = cols < vec4<u32>(p.n);
    for (var i = 0u; i < 4u; i++) {
        let r = row + 16u * i;
        if (r < p.m) {
            store_columns(r, cols, array<vec4<f32>, 4>(acc0, acc1, acc2, acc3)[i], inside);
        }
    }
}
