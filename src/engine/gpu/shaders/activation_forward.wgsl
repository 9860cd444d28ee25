// y = f(x) element-wise, with each member's own activation.

struct Params {
    n: u32,
    row_stride: u32,
    member_len: u32,
    _pad: u32,
    kinds: array<vec4<u32>, 4>, // see `activate` in common.wgsl
    slopes: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    let member = stack_member(i / p.member_len);
    y[i] = activate(p.kinds[member / 4u][member % 4u], p.slopes[member / 4u][member % 4u], x[i]);
}
