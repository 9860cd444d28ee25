// dx = dy · f'(x) element-wise, four values a thread: activation_backward.wgsl where each member's
// length is a multiple of 4. The grid's z is the member (see adam_quads.wgsl for why).

struct Params {
    quads: u32, // per member
    row_stride: u32,
    _member_quads: u32,
    _pad: u32,
    kinds: array<vec4<u32>, 4>,
    slopes: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> dx: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let q = gid.x + gid.y * p.row_stride;
    if (q >= p.quads) {
        return;
    }
    let member = stack_member(gid.z);
    let i = member * p.quads + q;
    dx[i] = dy[i] * derivative(p.kinds[member / 4u][member % 4u], p.slopes[member / 4u][member % 4u], x[i], y[i]);
}
