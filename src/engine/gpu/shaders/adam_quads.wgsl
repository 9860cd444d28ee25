// Adam (adam_update.wgsl), four values a thread, where each member's length is a multiple of 4.
// The grid's z is the member, so no thread divides to find it, and each storage access moves four
// values: on a CPU adapter that runs the shader (SwiftShader), the index arithmetic and bounds
// checks around each access cost more than the update itself.

@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> weights: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> v: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let q = gid.x + gid.y * p.row_stride;
    let member = stack_member(gid.z);
    if (q >= p.n || !is_updated(member)) {
        return;
    }
    let i = member * p.n + q;
    let s = adam_update(member, weights[i], grads[i], m[i], v[i]);
    m[i] = s.m;
    v[i] = s.v;
    weights[i] = s.weights;
}
