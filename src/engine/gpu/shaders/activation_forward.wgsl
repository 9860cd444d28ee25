// y = f(x) element-wise.

struct Params {
    n: u32,
    row_stride: u32,
    kind: u32, // see `activate` in common.wgsl
    slope: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    y[i] = activate(p.kind, p.slope, x[i]);
}
