// One workgroup reduces a run of per-row values (losses or hits) into a running device-side sum:
// workgroup k reduces x[k·n ..][..n]. The kernel that follows says where each sum goes.

struct Params {
    n: u32,
    members: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;

var<workgroup> partial: array<f32, 256>;

// Σ x[base ..][..n] in the workgroup's fixed order; every thread gets it.
fn workgroup_sum(t: u32, base: u32) -> f32 {
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
    return partial[0];
}
