// y = f(x) element-wise; the formulas match src/engine/activation.rs.

struct Params {
    n: u32,
    row_stride: u32,
    kind: u32, // 0 identity, 1 relu, 2 leaky relu, 3 sigmoid, 4 tanh, 5 gelu (tanh form)
    slope: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn activate(v: f32) -> f32 {
    switch p.kind {
        case 1u: { return max(v, 0.0); }
        case 2u: { return select(p.slope * v, v, v > 0.0); }
        case 3u: { return sigmoid(v); }
        case 4u: { return tanh(v); }
        case 5u: { return 0.5 * v * (1.0 + tanh(0.7978846 * (v + 0.044715 * v * v * v))); }
        default: { return v; }
    }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    y[i] = activate(x[i]);
}
