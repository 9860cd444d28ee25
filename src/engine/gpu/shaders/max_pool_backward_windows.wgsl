// dx of max pooling whose windows do not overlap (size == stride), one thread per window: it writes
// dy to the input that was its maximum and zero to the window's other inputs, with no divisions or
// nested loops per input (both are slow on software adapters). Inputs that no window covers (the
// last rows or columns when the stride does not divide the input) are zeroed by a fill first. The
// epilogue file that follows defines `begin_window(best_at, gradient)`, called once per window with
// its maximum's index, and `store(at, is_max)` for each of its inputs, with bindings 3...

@group(0) @binding(0) var<uniform> p: PoolParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let o = gid.x + gid.y * p.row_stride;
    let windows = p.out_height * p.out_width;
    if (o >= p.planes * windows) {
        return;
    }
    let g = dy[o];
    let best = argmax[o]; // the maximum's index within its plane
    let plane = o / windows;
    var at = (o % windows) / p.out_width * p.stride * p.width + (o % p.out_width) * p.stride;
    let base = plane * p.height * p.width;
    var wx = 0u;
    begin_window(base + u32(best), g);
    for (var t = 0u; t < p.size * p.size; t++) {
        store(base + at, f32(at) == best);
        wx++;
        at++;
        let row_done = wx == p.size;
        wx = select(wx, 0u, row_done);
        at = select(at, at + p.width - p.size, row_done);
    }
}
