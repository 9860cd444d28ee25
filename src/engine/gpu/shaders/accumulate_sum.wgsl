// total[k] += Σ of member k's n values, x[k·n ..].

@group(0) @binding(2) var<storage, read_write> total: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let member = wid.x;
    let sum = workgroup_sum(t, member * p.n);
    if (t == 0u) {
        total[member] += sum;
    }
}
