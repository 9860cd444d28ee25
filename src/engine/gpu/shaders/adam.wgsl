// Adam with L2, in place. The bias corrections 1-β1^t and 1-β2^t come from the host each step. In a
// stack each member has its own settings, and a member whose bit in `members_updated` is clear
// (another optimizer updates it) is left alone.

struct Params {
    n: u32,
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
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

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
    let beta1 = p.beta1[slot][lane];
    let beta2 = p.beta2[slot][lane];
    let g = grads[i] + p.l2[slot][lane] * weights[i];
    let m_new = beta1 * m[i] + (1.0 - beta1) * g;
    let v_new = beta2 * v[i] + (1.0 - beta2) * g * g;
    m[i] = m_new;
    v[i] = v_new;
    let m_hat = m_new / p.correction1[slot][lane];
    let v_hat = v_new / p.correction2[slot][lane];
    weights[i] -= p.learning_rates[slot][lane] * m_hat / (sqrt(v_hat) + p.epsilon[slot][lane]);
}
