// Inverted dropout: y = x / (1 - p) where uniform(seed, i) >= p, else 0. The backward runs the same
// kernel on dy with the same seed. The hash matches src/engine/rng.rs bit for bit. In a stack each
// member has its own rate and seed, and its mask counts i from its own first value.

struct Params {
    n: u32,
    row_stride: u32,
    member_len: u32,
    _pad: u32,
    rates: array<vec4<f32>, 4>,
    seeds: array<vec4<u32>, 4>,
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
    let member = i / params.member_len;
    let rate = params.rates[member / 4u][member % 4u];
    let seed = params.seeds[member / 4u][member % 4u];
    if (uniform01(seed, i - member * params.member_len) >= rate) {
        y[i] = x[i] / (1.0 - rate);
    } else {
        y[i] = 0.0;
    }
}
