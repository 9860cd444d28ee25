// SGD with momentum and L2, in place: g' = g + l2·w; v = momentum·v + g'; w -= lr·v. The
// parameters and the update shared by sgd.wgsl (one value a thread) and sgd_quads.wgsl (four). In
// a stack each member has its own settings, and a member whose bit in `members_updated` is clear
// (another optimizer updates it) is left alone.

struct Params {
    n: u32, // values, or in sgd_quads.wgsl fours of values per member
    row_stride: u32,
    member_len: u32,
    members_updated: u32,
    learning_rates: array<vec4<f32>, 4>,
    momenta: array<vec4<f32>, 4>,
    l2: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> p: Params;

fn is_updated(member: u32) -> bool {
    return (p.members_updated & (1u << member)) != 0u;
}

// One step of member `member`'s SGD on four weights w with gradients grad and velocities velocity:
// the new weights and velocities.
fn sgd_update(member: u32, w: vec4<f32>, grad: vec4<f32>, velocity: vec4<f32>) -> array<vec4<f32>, 2> {
    let slot = member / 4u;
    let lane = member % 4u;
    let g = grad + p.l2[slot][lane] * w;
    let v = p.momenta[slot][lane] * velocity + g;
    return array<vec4<f32>, 2>(w - p.learning_rates[slot][lane] * v, v);
}
