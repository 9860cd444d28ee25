// C = op(A) · op(B), one thread per output: the plain GPU reference for the tiled kernel. The grid's
// z is the member of a stack (0 for a plain product).

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y;
    let col = gid.x;
    if (row >= p.m || col >= p.n) {
        return;
    }
    let member = stack_member(gid.z);
    let a_base = member * p.a_stride;
    let b_base = member * p.b_stride;
    var sum = 0.0;
    for (var i = 0u; i < p.k; i++) {
        var av = a[a_base + row * p.k + i];
        if (p.trans_a == 1u) {
            av = a[a_base + i * p.m + row];
        }
        var bv = b[b_base + i * p.n + col];
        if (p.trans_b == 1u) {
            bv = b[b_base + col * p.k + i];
        }
        sum += av * bv;
    }
    c[member * p.c_stride + row * p.n + col] = sum;
}
