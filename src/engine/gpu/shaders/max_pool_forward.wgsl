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
    let windows = p.out_height * p.out_width;
    let plane = (i / windows) * p.height * p.width;
    // One loop over the window with the best value kept in a register: nested loops and reloads
    // are what software adapters run slowest.
    var at = (i % windows) / p.out_width * p.stride * p.width + (i % p.out_width) * p.stride;
    var best = at;
    var best_value = x[plane + at];
    var kx = 0u;
    for (var t = 0u; t < p.size * p.size; t++) {
        let v = x[plane + at];
        let better = v > best_value;
        best = select(best, at, better);
        best_value = select(best_value, v, better);
        kx++;
        at++;
        let row_done = kx == p.size;
        kx = select(kx, 0u, row_done);
        at = select(at, at + p.width - p.size, row_done);
    }
    y[i] = best_value;
    argmax[i] = f32(best);
}
