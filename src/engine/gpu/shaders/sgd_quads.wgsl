// SGD (sgd_update.wgsl), four values a thread, where each member's length is a multiple of 4; the
// grid's z is the member (see adam_quads.wgsl for why).

@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> weights: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> velocity: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let q = gid.x + gid.y * p.row_stride;
    let member = stack_member(gid.z);
    if (q >= p.n || !is_updated(member)) {
        return;
    }
    let i = member * p.n + q;
    let updated = sgd_update(member, weights[i], grads[i], velocity[i]);
    weights[i] = updated[0];
    velocity[i] = updated[1];
}
