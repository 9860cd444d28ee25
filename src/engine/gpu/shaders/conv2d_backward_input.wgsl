// dx of a convolution as an implicit matrix product: each thread keeps 8 input channels at 8 input
// positions (over batch and pixels) in registers and gathers dy·w from every output whose window
// covers them, so no two threads write the same value. Sums run over (ky, kx, o) in order.
// The grid's x and y (x + y · row_stride) number blocks of 512 positions, its z blocks of 8 channels.

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// The output gradients at `at` for four positions, zero where no output reads the position.
fn gradient4(at: vec4<i32>, hit: vec4<bool>) -> vec4<f32> {
    let safe = select(vec4<i32>(0), at, hit);
    let v = vec4<f32>(dy[safe.x], dy[safe.y], dy[safe.z], dy[safe.w]);
    return select(vec4<f32>(0.0), v, hit);
}

// For four positions at padded coordinates (py, px) and the tap (ky, kx): where the output that
// reads them through that tap sits in its plane, and whether there is one.
fn reader4(py: vec4<i32>, px: vec4<i32>, ky: i32, kx: i32) -> array<vec4<i32>, 2> {
    let stride = i32(p.stride);
    let ny = py - ky;
    let nx = px - kx;
    var oy = ny;
    var ox = nx;
    var aligned = vec4<bool>(true);
    if (stride > 1) {
        oy = ny / stride;
        ox = nx / stride;
        aligned = (ny == oy * stride) & (nx == ox * stride);
    }
    // A negative oy or ox turns into a large unsigned value and fails its bound.
    let hit = aligned & (vec4<u32>(oy) < vec4<u32>(p.out_height)) & (vec4<u32>(ox) < vec4<u32>(p.out_width));
    return array<vec4<i32>, 2>(oy * i32(p.out_width) + ox, select(vec4<i32>(0), vec4<i32>(1), hit));
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let plane = p.height * p.width;
    let total = p.batch * plane;
    let first = block_first(lid.x, wid);
    let n = block_positions(first, total);
    let na = n[0];
    let nb = n[1];
    let c0 = wid.z * 8u;
    let out_plane = i32(p.out_height * p.out_width);
    // Padded coordinates: the output at (oy, ox) reads padded row oy · stride + ky.
    let py_a = vec4<i32>((na % plane) / p.width + p.padding);
    let py_b = vec4<i32>((nb % plane) / p.width + p.padding);
    let px_a = vec4<i32>(na % p.width + p.padding);
    let px_b = vec4<i32>(nb % p.width + p.padding);
    let sample_a = vec4<i32>(na / plane) * i32(p.out_channels) * out_plane;
    let sample_b = vec4<i32>(nb / plane) * i32(p.out_channels) * out_plane;
    // Each channel's weights of output channel 0 (channels past the last read the last one).
    let window = p.kernel * p.kernel;
    let last = p.in_channels - 1u;
    let wr = array<u32, 8>(
        min(c0, last) * window, min(c0 + 1u, last) * window, min(c0 + 2u, last) * window, min(c0 + 3u, last) * window,
        min(c0 + 4u, last) * window, min(c0 + 5u, last) * window, min(c0 + 6u, last) * window, min(c0 + 7u, last) * window,
    );
    let per_output_channel = p.in_channels * window;
    var sums = Sums8x8();
    for (var tap = 0u; tap < window; tap++) {
        let ky = i32(tap / p.kernel);
        let kx = i32(tap % p.kernel);
        let ra = reader4(py_a, px_a, ky, kx);
        let rb = reader4(py_b, px_b, ky, kx);
        let hit_a = ra[1] == vec4<i32>(1);
        let hit_b = rb[1] == vec4<i32>(1);
        var at_a = sample_a + ra[0];
        var at_b = sample_b + rb[0];
        var w_at = tap;
        for (var o = 0u; o < p.out_channels; o++) {
            let ga = gradient4(at_a, hit_a);
            let gb = gradient4(at_b, hit_b);
            let weights = array<f32, 8>(
                w[wr[0] + w_at], w[wr[1] + w_at], w[wr[2] + w_at], w[wr[3] + w_at],
                w[wr[4] + w_at], w[wr[5] + w_at], w[wr[6] + w_at], w[wr[7] + w_at],
            );
            sums = add_outer(sums, weights, ga, gb);
            at_a += out_plane;
            at_b += out_plane;
            w_at += per_output_channel;
        }
    }
    store_block(c0, p.in_channels, plane, n, first, total, sums);
}

fn store_value(c: u32, index: u32, value: f32) {
    dx[index] = value;
}
