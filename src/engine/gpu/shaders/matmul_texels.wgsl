// C = A · B for software adapters, with A and B read as texels (four values in one load; see
// matmul_texel_operands.wgsl). On SwiftShader a texel load fetches its four values as one vector,
// where a storage read at a computed index is a gather of one value per lane. Each thread of an 8x8
// workgroup keeps a 16x8 block of C in registers: the workgroup covers 128 rows and 64 columns.
// A's texels run along k and B's along its rows, so k and n are multiples of 4. Sums run in k
// order, as in the other products. The grid's z is the member of a stack; the epilogue file that
// follows defines `store_columns(row, cols, values, inside)` with bindings 3...
//
// The block's 32 sums are separate variables and each step of four k is written out, A's loads
// first, then each k's B loads and products: SwiftShader keeps the sums in registers this way, and
// a struct of sums updated through calls, or A's loads between the products, ran 5-15% slower.

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    member = stack_member(wid.z);
    let b_width = p.n / 4u; // B's texels per row
    // The thread's two texel columns of B; past C's edge they read its last (store_row leaves them out).
    let cb0 = min(wid.x * 16u + lid.x, b_width - 1u);
    let cb1 = min(wid.x * 16u + lid.x + 8u, b_width - 1u);
    let col = (wid.x * 16u + lid.x) * 4u;
    // Row i of the block: columns col .. col + 3 in li, col + 32 .. col + 35 in ri.
    var l0 = vec4<f32>(0.0);
    var r0 = vec4<f32>(0.0);
    var l1 = vec4<f32>(0.0);
    var r1 = vec4<f32>(0.0);
    var l2 = vec4<f32>(0.0);
    var r2 = vec4<f32>(0.0);
    var l3 = vec4<f32>(0.0);
    var r3 = vec4<f32>(0.0);
    var l4 = vec4<f32>(0.0);
    var r4 = vec4<f32>(0.0);
    var l5 = vec4<f32>(0.0);
    var r5 = vec4<f32>(0.0);
    var l6 = vec4<f32>(0.0);
    var r6 = vec4<f32>(0.0);
    var l7 = vec4<f32>(0.0);
    var r7 = vec4<f32>(0.0);
    var l8 = vec4<f32>(0.0);
    var r8 = vec4<f32>(0.0);
    var l9 = vec4<f32>(0.0);
    var r9 = vec4<f32>(0.0);
    var l10 = vec4<f32>(0.0);
    var r10 = vec4<f32>(0.0);
    var l11 = vec4<f32>(0.0);
    var r11 = vec4<f32>(0.0);
    var l12 = vec4<f32>(0.0);
    var r12 = vec4<f32>(0.0);
    var l13 = vec4<f32>(0.0);
    var r13 = vec4<f32>(0.0);
    var l14 = vec4<f32>(0.0);
    var r14 = vec4<f32>(0.0);
    var l15 = vec4<f32>(0.0);
    var r15 = vec4<f32>(0.0);
    var b_at = member * p.b_stride / 4u; // B's row k, in texels
    // A is m x k, four k to a texel: the thread owns rows row, row + 8, .., row + 120.
    let row = wid.y * 128u + lid.y;
    if (row >= p.m) {
        // All sixteen rows are past C's last: lanes that share a row stop together.
        return;
    }
    let a_width = p.k / 4u;
    let last = p.m - 1u;
    let a_base = member * p.a_stride / 4u;
    let ra0 = a_base + min(row + 0u, last) * a_width;
    let ra1 = a_base + min(row + 8u, last) * a_width;
    let ra2 = a_base + min(row + 16u, last) * a_width;
    let ra3 = a_base + min(row + 24u, last) * a_width;
    let ra4 = a_base + min(row + 32u, last) * a_width;
    let ra5 = a_base + min(row + 40u, last) * a_width;
    let ra6 = a_base + min(row + 48u, last) * a_width;
    let ra7 = a_base + min(row + 56u, last) * a_width;
    let ra8 = a_base + min(row + 64u, last) * a_width;
    let ra9 = a_base + min(row + 72u, last) * a_width;
    let ra10 = a_base + min(row + 80u, last) * a_width;
    let ra11 = a_base + min(row + 88u, last) * a_width;
    let ra12 = a_base + min(row + 96u, last) * a_width;
    let ra13 = a_base + min(row + 104u, last) * a_width;
    let ra14 = a_base + min(row + 112u, last) * a_width;
    let ra15 = a_base + min(row + 120u, last) * a_width;
    for (var kq = 0u; kq < a_width; kq++) {
        let a0 = a_texel(ra0 + kq);
        let a1 = a_texel(ra1 + kq);
        let a2 = a_texel(ra2 + kq);
        let a3 = a_texel(ra3 + kq);
        let a4 = a_texel(ra4 + kq);
        let a5 = a_texel(ra5 + kq);
        let a6 = a_texel(ra6 + kq);
        let a7 = a_texel(ra7 + kq);
        let a8 = a_texel(ra8 + kq);
        let a9 = a_texel(ra9 + kq);
        let a10 = a_texel(ra10 + kq);
        let a11 = a_texel(ra11 + kq);
        let a12 = a_texel(ra12 + kq);
        let a13 = a_texel(ra13 + kq);
        let a14 = a_texel(ra14 + kq);
        let a15 = a_texel(ra15 + kq);
        let bl0 = b_texel(b_at + cb0);
        let br0 = b_texel(b_at + cb1);
        l0 += a0.x * bl0;
        r0 += a0.x * br0;
        l1 += a1.x * bl0;
        r1 += a1.x * br0;
        l2 += a2.x * bl0;
        r2 += a2.x * br0;
        l3 += a3.x * bl0;
        r3 += a3.x * br0;
        l4 += a4.x * bl0;
        r4 += a4.x * br0;
        l5 += a5.x * bl0;
        r5 += a5.x * br0;
        l6 += a6.x * bl0;
        r6 += a6.x * br0;
        l7 += a7.x * bl0;
        r7 += a7.x * br0;
        l8 += a8.x * bl0;
        r8 += a8.x * br0;
        l9 += a9.x * bl0;
        r9 += a9.x * br0;
        l10 += a10.x * bl0;
        r10 += a10.x * br0;
        l11 += a11.x * bl0;
        r11 += a11.x * br0;
        l12 += a12.x * bl0;
        r12 += a12.x * br0;
        l13 += a13.x * bl0;
        r13 += a13.x * br0;
        l14 += a14.x * bl0;
        r14 += a14.x * br0;
        l15 += a15.x * bl0;
        r15 += a15.x * br0;
        let bl1 = b_texel(b_at + b_width + cb0);
        let br1 = b_texel(b_at + b_width + cb1);
        l0 += a0.y * bl1;
        r0 += a0.y * br1;
        l1 += a1.y * bl1;
        r1 += a1.y * br1;
        l2 += a2.y * bl1;
        r2 += a2.y * br1;
        l3 += a3.y * bl1;
        r3 += a3.y * br1;
        l4 += a4.y * bl1;
        r4 += a4.y * br1;
        l5 += a5.y * bl1;
        r5 += a5.y * br1;
        l6 += a6.y * bl1;
        r6 += a6.y * br1;
        l7 += a7.y * bl1;
        r7 += a7.y * br1;
        l8 += a8.y * bl1;
        r8 += a8.y * br1;
        l9 += a9.y * bl1;
        r9 += a9.y * br1;
        l10 += a10.y * bl1;
        r10 += a10.y * br1;
        l11 += a11.y * bl1;
        r11 += a11.y * br1;
        l12 += a12.y * bl1;
        r12 += a12.y * br1;
        l13 += a13.y * bl1;
        r13 += a13.y * br1;
        l14 += a14.y * bl1;
        r14 += a14.y * br1;
        l15 += a15.y * bl1;
        r15 += a15.y * br1;
        let bl2 = b_texel(b_at + 2u * b_width + cb0);
        let br2 = b_texel(b_at + 2u * b_width + cb1);
        l0 += a0.z * bl2;
        r0 += a0.z * br2;
        l1 += a1.z * bl2;
        r1 += a1.z * br2;
        l2 += a2.z * bl2;
        r2 += a2.z * br2;
        l3 += a3.z * bl2;
        r3 += a3.z * br2;
        l4 += a4.z * bl2;
        r4 += a4.z * br2;
        l5 += a5.z * bl2;
        r5 += a5.z * br2;
        l6 += a6.z * bl2;
        r6 += a6.z * br2;
        l7 += a7.z * bl2;
        r7 += a7.z * br2;
        l8 += a8.z * bl2;
        r8 += a8.z * br2;
        l9 += a9.z * bl2;
        r9 += a9.z * br2;
        l10 += a10.z * bl2;
        r10 += a10.z * br2;
        l11 += a11.z * bl2;
        r11 += a11.z * br2;
        l12 += a12.z * bl2;
        r12 += a12.z * br2;
        l13 += a13.z * bl2;
        r13 += a13.z * br2;
        l14 += a14.z * bl2;
        r14 += a14.z * br2;
        l15 += a15.z * bl2;
        r15 += a15.z * br2;
        let bl3 = b_texel(b_at + 3u * b_width + cb0);
        let br3 = b_texel(b_at + 3u * b_width + cb1);
        l0 += a0.w * bl3;
        r0 += a0.w * br3;
        l1 += a1.w * bl3;
        r1 += a1.w * br3;
        l2 += a2.w * bl3;
        r2 += a2.w * br3;
        l3 += a3.w * bl3;
        r3 += a3.w * br3;
        l4 += a4.w * bl3;
        r4 += a4.w * br3;
        l5 += a5.w * bl3;
        r5 += a5.w * br3;
        l6 += a6.w * bl3;
        r6 += a6.w * br3;
        l7 += a7.w * bl3;
        r7 += a7.w * br3;
        l8 += a8.w * bl3;
        r8 += a8.w * br3;
        l9 += a9.w * bl3;
        r9 += a9.w * br3;
        l10 += a10.w * bl3;
        r10 += a10.w * br3;
        l11 += a11.w * bl3;
        r11 += a11.w * br3;
        l12 += a12.w * bl3;
        r12 += a12.w * br3;
        l13 += a13.w * bl3;
        r13 += a13.w * br3;
        l14 += a14.w * bl3;
        r14 += a14.w * br3;
        l15 += a15.w * bl3;
        r15 += a15.w * br3;
        b_at += 4u * b_width;
    }
    store_row(row + 0u, col, l0, r0);
    store_row(row + 8u, col, l1, r1);
    store_row(row + 16u, col, l2, r2);
    store_row(row + 24u, col, l3, r3);
    store_row(row + 32u, col, l4, r4);
    store_row(row + 40u, col, l5, r5);
    store_row(row + 48u, col, l6, r6);
    store_row(row + 56u, col, l7, r7);
    store_row(row + 64u, col, l8, r8);
    store_row(row + 72u, col, l9, r9);
    store_row(row + 80u, col, l10, r10);
    store_row(row + 88u, col, l11, r11);
    store_row(row + 96u, col, l12, r12);
    store_row(row + 104u, col, l13, r13);
    store_row(row + 112u, col, l14, r14);
    store_row(row + 120u, col, l15, r15);
}
