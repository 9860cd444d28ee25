// Two sums per member in one dispatch: workgroups 0..members add member k's first run of n values
// (x[k·n ..]) to first[k], the next members workgroups add the runs after them to second[k].

@group(0) @binding(2) var<storage, read_write> first: array<f32>;
@group(0) @binding(3) var<storage, read_write> second: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let sum = workgroup_sum(t, wid.x * p.n);
    if (t == 0u) {
        if (wid.x < p.members) {
            first[wid.x] += sum;
        } else {
            second[wid.x - p.members] += sum;
        }
    }
}
