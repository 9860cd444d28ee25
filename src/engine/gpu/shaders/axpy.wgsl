// y <- alpha * x + y over n elements: one thread per element, a 2D grid of workgroups for long vectors.

struct Params {
    n: u32,
    alpha: f32,
    // Elements covered by one row of the dispatch grid (workgroups in x times the workgroup size).
    row_stride: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * params.row_stride;
    if (i >= params.n) {
        return;
    }
    y[i] = params.alpha * x[i] + y[i];
}
