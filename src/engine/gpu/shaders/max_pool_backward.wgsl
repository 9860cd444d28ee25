// dx of max pooling, one thread per input: it sums dy over every window whose maximum it was, so
// overlapping windows need no atomics.

@group(0) @binding(0) var<uniform> p: PoolParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.planes * p.height * p.width) {
        return;
    }
    let ix = i % p.width;
    let iy = (i / p.width) % p.height;
    let plane = i / (p.width * p.height);
    let own = f32(iy * p.width + ix);
    // Windows oy with oy·stride <= iy < oy·stride + size.
    let oy_first = select(0u, (iy - p.size + 1u + p.stride - 1u) / p.stride, iy + 1u > p.size);
    let oy_last = min(iy / p.stride, p.out_height - 1u);
    let ox_first = select(0u, (ix - p.size + 1u + p.stride - 1u) / p.stride, ix + 1u > p.size);
    let ox_last = min(ix / p.stride, p.out_width - 1u);
    var sum = 0.0;
    for (var oy = oy_first; oy <= oy_last; oy++) {
        for (var ox = ox_first; ox <= ox_last; ox++) {
            let o = (plane * p.out_height + oy) * p.out_width + ox;
            if (argmax[o] == own) {
                sum += dy[o];
            }
        }
    }
    dx[i] = sum;
}
