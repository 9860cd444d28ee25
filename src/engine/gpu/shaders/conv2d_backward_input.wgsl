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
    let first = (wid.x + wid.y * p.row_stride) * 512u + lid.x;
    // Positions first + 64·i, i < 8, as two vectors of four (past the end: the last position, not stored).
    let na = min(vec4<u32>(first) + vec4<u32>(0u, 64u, 128u, 192u), vec4<u32>(total - 1u));
    let nb = min(vec4<u32>(first) + vec4<u32>(256u, 320u, 384u, 448u), vec4<u32>(total - 1u));
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
    var acc0a = vec4<f32>(0.0);
    var acc0b = vec4<f32>(0.0);
    var acc1a = vec4<f32>(0.0);
    var acc1b = vec4<f32>(0.0);
    var acc2a = vec4<f32>(0.0);
    var acc2b = vec4<f32>(0.0);
    var acc3a = vec4<f32>(0.0);
    var acc3b = vec4<f32>(0.0);
    var acc4a = vec4<f32>(0.0);
    var acc4b = vec4<f32>(0.0);
    var acc5a = vec4<f32>(0.0);
    var acc5b = vec4<f32>(0.0);
    var acc6a = vec4<f32>(0.0);
    var acc6b = vec4<f32>(0.0);
    var acc7a = vec4<f32>(0.0);
    var acc7b = vec4<f32>(0.0);
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
            let w0 = w[wr[0] + w_at];
            let w1 = w[wr[1] + w_at];
            let w2 = w[wr[2] + w_at];
            let w3 = w[wr[3] + w_at];
            let w4 = w[wr[4] + w_at];
            let w5 = w[wr[5] + w_at];
            let w6 = w[wr[6] + w_at];
            let w7 = w[wr[7] + w_at];
            acc0a += ga * w0;
            acc0b += gb * w0;
            acc1a += ga * w1;
            acc1b += gb * w1;
            acc2a += ga * w2;
            acc2b += gb * w2;
            acc3a += ga * w3;
            acc3b += gb * w3;
            acc4a += ga * w4;
            acc4b += gb * w4;
            acc5a += ga * w5;
            acc5b += gb * w5;
            acc6a += ga * w6;
            acc6b += gb * w6;
            acc7a += ga * w7;
            acc7b += gb * w7;
            at_a += out_plane;
            at_b += out_plane;
            w_at += per_output_channel;
        }
    }
    // Where each position's value of channel 0 goes in dx.
    let out_a = (na / plane) * p.in_channels * plane + na % plane;
    let out_b = (nb / plane) * p.in_channels * plane + nb % plane;
    store_channel(c0, out_a, out_b, first, total, acc0a, acc0b);
    store_channel(c0 + 1u, out_a, out_b, first, total, acc1a, acc1b);
    store_channel(c0 + 2u, out_a, out_b, first, total, acc2a, acc2b);
    store_channel(c0 + 3u, out_a, out_b, first, total, acc3a, acc3b);
    store_channel(c0 + 4u, out_a, out_b, first, total, acc4a, acc4b);
    store_channel(c0 + 5u, out_a, out_b, first, total, acc5a, acc5b);
    store_channel(c0 + 6u, out_a, out_b, first, total, acc6a, acc6b);
    store_channel(c0 + 7u, out_a, out_b, first, total, acc7a, acc7b);
}

// Stores channel c's gradients at the thread's positions that exist.
fn store_channel(c: u32, out_a: vec4<u32>, out_b: vec4<u32>, first: u32, total: u32, a: vec4<f32>, b: vec4<f32>) {
    if (c >= p.in_channels) {
        return;
    }
    let at = c * p.height * p.width;
    for (var i = 0u; i < 4u; i++) {
        if (first + 64u * i < total) {
            dx[out_a[i] + at] = a[i];
        }
        if (first + 256u + 64u * i < total) {
            dx[out_b[i] + at] = b[i];
        }
    }
}
