// SGD (sgd_update.wgsl), one value a thread: for members whose length is not a multiple of 4.

@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    let member = stack_member(i / p.member_len);
    if (!is_updated(member)) {
        return;
    }
    let updated = sgd_update(member, vec4<f32>(weights[i]), vec4<f32>(grads[i]), vec4<f32>(velocity[i]));
    weights[i] = updated[0].x;
    velocity[i] = updated[1].x;
}
