// SGD with momentum and L2, in place: g' = g + l2·w; v = momentum·v + g'; w -= lr·v.

struct Params {
    n: u32,
    row_stride: u32,
    learning_rate: f32,
    momentum: f32,
    l2: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    let g = grads[i] + p.l2 * weights[i];
    let v = p.momentum * velocity[i] + g;
    velocity[i] = v;
    weights[i] -= p.learning_rate * v;
}
