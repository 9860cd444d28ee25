// dx = dy · f'(x) element-wise, using the forward's x and y, with each member's own activation;
// matches src/engine/activation.rs. Where each member's length is a multiple of 4,
// activation_backward_quads.wgsl runs instead.

struct Params {
    n: u32,
    row_stride: u32,
    member_len: u32,
    _pad: u32,
    kinds: array<vec4<u32>, 4>, // 0 identity, 1 relu, 2 leaky relu, 3 sigmoid, 4 tanh, 5 gelu (tanh form)
    slopes: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    let member = stack_member(i / p.member_len);
    let slope = p.slopes[member / 4u][member % 4u];
    dx[i] = dy[i] * derivative(p.kinds[member / 4u][member % 4u], slope, vec4<f32>(x[i]), vec4<f32>(y[i])).x;
}
