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
    let first = block_first(lid.x, wid);
    let n = block_positions(first, total);
    let na = n[0];
    let nb = n[1];
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
    var sums = Sums8x8();
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
        let weights = array<f32, 8>(
            w[wr[0] + tap], w[wr[1] + tap], w[wr[2] + tap], w[wr[3] + tap],
            w[wr[4] + tap], w[wr[5] + tap], w[wr[6] + tap], w[wr[7] + tap],
        );
        sums = add_outer(sums, weights, xa, xb);
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
    store_block(o0, p.out_channels, pixels, n, first, total, sums);
}

// y (through the epilogue's `store`) = the sum plus the channel's bias.
fn store_value(o: u32, index: u32, value: f32) {
    store(index, value + bias[o]);
}
