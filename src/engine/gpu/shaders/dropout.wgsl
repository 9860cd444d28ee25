// Inverted dropout: y = x / (1 - p) where uniform(seed, i) >= p, else 0. The backward runs the same
// kernel on dy with the same seed. The hash matches src/engine/rng.rs bit for bit.

struct Params {
    n: u32,
    row_stride: u32,
    p: f32,
    seed: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn hash_u32(v: u32) -> u32 {
    var h = v;
    h ^= h >> 16u;
    h *= 0x7feb352du;
    h ^= h >> 15u;
    h *= 0x846ca68bu;
    h ^= h >> 16u;
    return h;
}

fn uniform01(seed: u32, index: u32) -> f32 {
    let h = hash_u32(index ^ hash_u32(seed + 0x9e3779b9u));
    return f32(h >> 8u) / 16777216.0;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * params.row_stride;
    if (i >= params.n) {
        return;
    }
    if (uniform01(params.seed, i) >= params.p) {
        y[i] = x[i] / (1.0 - params.p);
    } else {
        y[i] = 0.0;
    }
}
