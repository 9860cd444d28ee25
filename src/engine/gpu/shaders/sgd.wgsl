// SGD with momentum and L2, in place: g' = g + l2·w; v = momentum·v + g'; w -= lr·v. In a stack each
// member has its own settings, and a member whose bit in `members_updated` is clear (another
// optimizer updates it) is left alone.

struct Params {
    n: u32,
    row_stride: u32,
    member_len: u32,
    members_updated: u32,
    learning_rates: array<vec4<f32>, 4>,
    momenta: array<vec4<f32>, 4>,
    l2: array<vec4<f32>, 4>,
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
    let member = i / p.member_len;
    if ((p.members_updated & (1u << member)) == 0u) {
        return;
    }
    let slot = member / 4u;
    let lane = member % 4u;
    let g = grads[i] + p.l2[slot][lane] * weights[i];
    let v = p.momenta[slot][lane] * velocity[i] + g;
    velocity[i] = v;
    weights[i] -= p.learning_rates[slot][lane] * v;
}
