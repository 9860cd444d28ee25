// y = conv(x, w) + bias (NCHW, square kernel, stride, zero padding) as an implicit matrix product:
// each thread keeps 8 output channels at 8 output positions in registers (positions count over
// batch and pixels together), reading each weight once for its 8 positions and each input value
// once for its 8 channels, straight from storage. Sums run over (c, ky, kx) in order.
// The grid's x and y (x + y · row_stride) number blocks of 512 positions, its z blocks of 8
// channels. The epilogue file that follows defines `store(index, value)` with bindings 4...

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

// Whether four taps at rows iy and columns ix fall inside the input (not in the padding).
fn inside(iy: vec4<i32>, ix: vec4<i32>) -> vec4<bool> {
    return (vec4<u32>(iy) < vec4<u32>(p.height)) & (vec4<u32>(ix) < vec4<u32>(p.width));
}

// The input values at `at` for four positions, zero where the tap falls in the padding.
fn input4(at: vec4<i32>, inside: vec4<bool>) -> vec4<f32> {
    let safe = select(vec4<i32>(0), at, inside);
    let v = vec4<f32>(x[safe.x], x[safe.y], x[safe.z], x[safe.w]);
    return select(vec4<f32>(0.0), v, inside);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let pixels = p.out_height * p.out_width;
    let total = p.batch * pixels;
    let first = (wid.x + wid.y * p.row_stride) * 512u + lid.x;
    // Positions first + 64·i, i < 8, as two vectors of four (past the end: the last position, not stored).
    let na = min(vec4<u32>(first) + vec4<u32>(0u, 64u, 128u, 192u), vec4<u32>(total - 1u));
    let nb = min(vec4<u32>(first) + vec4<u32>(256u, 320u, 384u, 448u), vec4<u32>(total - 1u));
    let o0 = wid.z * 8u;
    let plane = i32(p.height * p.width);
    let width = i32(p.width);
    // Each position's sample offset in x and its window's top-left corner (negative in the padding).
    let sample_a = vec4<i32>(na / pixels) * i32(p.in_channels) * plane;
    let sample_b = vec4<i32>(nb / pixels) * i32(p.in_channels) * plane;
    let top_a = vec4<i32>((na % pixels) / p.out_width * p.stride) - i32(p.padding);
    let top_b = vec4<i32>((nb % pixels) / p.out_width * p.stride) - i32(p.padding);
    let left_a = vec4<i32>((na % p.out_width) * p.stride) - i32(p.padding);
    let left_b = vec4<i32>((nb % p.out_width) * p.stride) - i32(p.padding);
    // Each channel's first weight (channels past the last read the last one; they are not stored).
    let taps = p.in_channels * p.kernel * p.kernel;
    let last = p.out_channels - 1u;
    let wr = array<u32, 8>(
        min(o0, last) * taps, min(o0 + 1u, last) * taps, min(o0 + 2u, last) * taps, min(o0 + 3u, last) * taps,
        min(o0 + 4u, last) * taps, min(o0 + 5u, last) * taps, min(o0 + 6u, last) * taps, min(o0 + 7u, last) * taps,
    );
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
    // One loop over the taps (c, ky, kx): nested loops cost software adapters far more than the
    // few selects that step (ky, kx) and the taps' offset in x here.
    let kernel = i32(p.kernel);
    let corner_a = sample_a + top_a * width + left_a;
    let corner_b = sample_b + top_b * width + left_b;
    var ky = 0;
    var kx = 0;
    var x_at = 0; // c · plane + ky · width + kx
    for (var tap = 0u; tap < taps; tap++) {
        let xa = input4(corner_a + x_at, inside(top_a + ky, left_a + kx));
        let xb = input4(corner_b + x_at, inside(top_b + ky, left_b + kx));
        let w0 = w[wr[0] + tap];
        let w1 = w[wr[1] + tap];
        let w2 = w[wr[2] + tap];
        let w3 = w[wr[3] + tap];
        let w4 = w[wr[4] + tap];
        let w5 = w[wr[5] + tap];
        let w6 = w[wr[6] + tap];
        let w7 = w[wr[7] + tap];
        acc0a += xa * w0;
        acc0b += xb * w0;
        acc1a += xa * w1;
        acc1b += xb * w1;
        acc2a += xa * w2;
        acc2b += xb * w2;
        acc3a += xa * w3;
        acc3b += xb * w3;
        acc4a += xa * w4;
        acc4b += xb * w4;
        acc5a += xa * w5;
        acc5b += xb * w5;
        acc6a += xa * w6;
        acc6b += xb * w6;
        acc7a += xa * w7;
        acc7b += xb * w7;
        kx++;
        x_at++;
        let row_done = kx == kernel;
        kx = select(kx, 0, row_done);
        ky = select(ky, ky + 1, row_done);
        x_at = select(x_at, x_at + width - kernel, row_done);
        let window_done = ky == kernel;
        ky = select(ky, 0, window_done);
        x_at = select(x_at, x_at + plane - kernel * width, window_done);
    }
    // Where each position's value of channel 0 goes in y, and how many positions are real.
    let out_a = (na / pixels) * p.out_channels * pixels + na % pixels;
    let out_b = (nb / pixels) * p.out_channels * pixels + nb % pixels;
    store_channel(o0, out_a, out_b, first, total, acc0a, acc0b);
    store_channel(o0 + 1u, out_a, out_b, first, total, acc1a, acc1b);
    store_channel(o0 + 2u, out_a, out_b, first, total, acc2a, acc2b);
    store_channel(o0 + 3u, out_a, out_b, first, total, acc3a, acc3b);
    store_channel(o0 + 4u, out_a, out_b, first, total, acc4a, acc4b);
    store_channel(o0 + 5u, out_a, out_b, first, total, acc5a, acc5b);
    store_channel(o0 + 6u, out_a, out_b, first, total, acc6a, acc6b);
    store_channel(o0 + 7u, out_a, out_b, first, total, acc7a, acc7b);
}

// Stores channel o's sums plus its bias at the thread's positions that exist.
fn store_channel(o: u32, out_a: vec4<u32>, out_b: vec4<u32>, first: u32, total: u32, a: vec4<f32>, b: vec4<f32>) {
    if (o >= p.out_channels) {
        return;
    }
    let at = o * p.out_height * p.out_width;
    for (var i = 0u; i < 4u; i++) {
        if (first + 64u * i < total) {
            store(out_a[i] + at, a[i] + bias[o]);
        }
        if (first + 256u + 64u * i < total) {
            store(out_b[i] + at, b[i] + bias[o]);
        }
    }
}
