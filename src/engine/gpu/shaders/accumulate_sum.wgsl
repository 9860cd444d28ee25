// total[0] += Σ x[i]: one workgroup reduces per-row losses or hits into a running device-side sum.
// In a stack workgroup k reduces member k's n values, x[k·n ..], into total[k].

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> total: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let member = wid.x;
    let base = member * p.n;
    var sum = 0.0;
    for (var i = t; i < p.n; i += 256u) {
        sum += x[base + i];
    }
    partial[t] = sum;
    workgroupBarrier();
    for (var width = 128u; width > 0u; width >>= 1u) {
        if (t < width) {
            partial[t] += partial[t + width];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        total[member] += partial[0];
    }
}
