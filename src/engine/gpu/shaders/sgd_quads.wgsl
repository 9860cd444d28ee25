// SGD with momentum and L2, in place, four values a thread: sgd.wgsl's update where each member's
// length is a multiple of 4. The grid's z is the member (see adam_quads.wgsl for why).

struct Params {
    quads: u32, // per member
    row_stride: u32,
    _member_quads: u32,
    members_updated: u32,
    learning_rates: array<vec4<f32>, 4>,
    momenta: array<vec4<f32>, 4>,
    l2: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> weights: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> velocity: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let q = gid.x + gid.y * p.row_stride;
    let member = gid.z;
    if (q >= p.quads || (p.members_updated & (1u << member)) == 0u) {
        return;
    }
    let i = member * p.quads + q;
    let slot = member / 4u;
    let lane = member % 4u;
    let w = weights[i];
    let g = grads[i] + p.l2[slot][lane] * w;
    let v = p.momenta[slot][lane] * velocity[i] + g;
    velocity[i] = v;
    weights[i] = w - p.learning_rates[slot][lane] * v;
}
