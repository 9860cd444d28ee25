// Adam with L2, in place: the parameters and the update shared by adam.wgsl (one value a thread)
// and adam_quads.wgsl (four). The bias corrections 1-β1^t and 1-β2^t come from the host each step.
// In a stack each member has its own settings, and a member whose bit in `members_updated` is
// clear (another optimizer updates it) is left alone.

struct Params {
    n: u32, // values, or in adam_quads.wgsl fours of values per member
    row_stride: u32,
    member_len: u32,
    members_updated: u32,
    learning_rates: array<vec4<f32>, 4>,
    beta1: array<vec4<f32>, 4>,
    beta2: array<vec4<f32>, 4>,
    epsilon: array<vec4<f32>, 4>,
    l2: array<vec4<f32>, 4>,
    correction1: array<vec4<f32>, 4>,
    correction2: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> p: Params;

struct AdamState {
    weights: vec4<f32>,
    m: vec4<f32>,
    v: vec4<f32>,
}

fn is_updated(member: u32) -> bool {
    return (p.members_updated & (1u << member)) != 0u;
}

// One step of member `member`'s Adam on four weights w with gradients grad and moments m and v.
fn adam_update(member: u32, w: vec4<f32>, grad: vec4<f32>, m: vec4<f32>, v: vec4<f32>) -> AdamState {
    let slot = member / 4u;
    let lane = member % 4u;
    let beta1 = p.beta1[slot][lane];
    let beta2 = p.beta2[slot][lane];
    let g = grad + p.l2[slot][lane] * w;
    let m_new = beta1 * m + (1.0 - beta1) * g;
    let v_new = beta2 * v + (1.0 - beta2) * g * g;
    let m_hat = m_new / p.correction1[slot][lane];
    let v_hat = v_new / p.correction2[slot][lane];
    return AdamState(w - p.learning_rates[slot][lane] * m_hat / (sqrt(v_hat) + p.epsilon[slot][lane]), m_new, v_new);
}
