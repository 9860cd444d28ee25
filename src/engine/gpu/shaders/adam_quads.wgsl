// Adam with L2, in place, four values a thread: adam.wgsl's update where each member's length is a
// multiple of 4. The grid's z is the member, so no thread divides to find it, and each storage
// access moves four values: on a CPU adapter that runs the shader, the index arithmetic and bounds
// checks around each access cost more than the update itself.

struct Params {
    quads: u32, // per member
    row_stride: u32,
    _member_quads: u32,
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
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> weights: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> v: array<vec4<f32>>;

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
    let beta1 = p.beta1[slot][lane];
    let beta2 = p.beta2[slot][lane];
    let w = weights[i];
    let g = grads[i] + p.l2[slot][lane] * w;
    let m_new = beta1 * m[i] + (1.0 - beta1) * g;
    let v_new = beta2 * v[i] + (1.0 - beta2) * g * g;
    m[i] = m_new;
    v[i] = v_new;
    let m_hat = m_new / p.correction1[slot][lane];
    let v_hat = v_new / p.correction2[slot][lane];
    weights[i] = w - p.learning_rates[slot][lane] * m_hat / (sqrt(v_hat) + p.epsilon[slot][lane]);
}
