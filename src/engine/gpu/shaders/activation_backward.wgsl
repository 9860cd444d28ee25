// dx = dy · f'(x) element-wise, using the forward's x and y, with each member's own activation;
// matches src/engine/activation.rs.

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

fn derivative(kind: u32, slope: f32, v: f32, out: f32) -> f32 {
    switch kind {
        case 1u: { return select(0.0, 1.0, v > 0.0); }
        case 2u: { return select(slope, 1.0, v > 0.0); }
        case 3u: { return out * (1.0 - out); }
        case 4u: { return 1.0 - out * out; }
        case 5u: {
            let t = tanh(0.7978846 * (v + 0.044715 * v * v * v));
            return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * 0.7978846 * (1.0 + 3.0 * 0.044715 * v * v);
        }
        default: { return 1.0; }
    }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    let member = i / p.member_len;
    dx[i] = dy[i] * derivative(p.kinds[member / 4u][member % 4u], p.slopes[member / 4u][member % 4u], x[i], y[i]);
}
