// Max pooling (NCHW, no padding), one thread per output: y = the window's max, argmax = its index
// within the input plane (stored as f32 for the backward).

@group(0) @binding(0) var<uniform> p: PoolParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.planes * p.out_height * p.out_width) {
        return;
    }
    let ox = i % p.out_width;
    let oy = (i / p.out_width) % p.out_height;
    let plane = (i / (p.out_width * p.out_height)) * p.height * p.width;
    var best = (oy * p.stride) * p.width + ox * p.stride;
    for (var ky = 0u; ky < p.size; ky++) {
        for (var kx = 0u; kx < p.size; kx++) {
            let j = (oy * p.stride + ky) * p.width + ox * p.stride + kx;
            if (x[plane + j] > x[plane + best]) {
                best = j;
            }
        }
    }
    y[i] = x[plane + best];
    argmax[i] = f32(best);
}
