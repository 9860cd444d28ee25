// Partial weight and bias gradients of a convolution as an implicit matrix product: each thread
// keeps 8 output channels by 8 taps (c, ky, kx) of dw in registers and sums dy · x over its chunk
// of the batch's output positions, reading each dy once for its 8 taps and each x once for its 8
// channels. The threads of the first 8 taps also sum dy for the bias. A column sum over the chunks
// then gives dw and dbias. Thread i (x + y · row_stride) is chunk i / blocks, block i % blocks.

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> weight_partials: array<f32>; // [chunks, weights]
@group(0) @binding(4) var<storage, read_write> bias_partials: array<f32>;   // [chunks, out_channels]

// The input values at `at` for four taps, zero where a tap falls in the padding.
fn input4(at: vec4<i32>, inside: vec4<bool>) -> vec4<f32> {
    let safe = select(vec4<i32>(0), at, inside);
    let v = vec4<f32>(x[safe.x], x[safe.y], x[safe.z], x[safe.w]);
    return select(vec4<f32>(0.0), v, inside);
}

// For four taps (c, ky, kx): their offsets in a sample of x from a window's top-left corner, and
// their (ky, kx). Taps past the last repeat it; they are not stored.
fn taps4(first: u32) -> array<vec4<i32>, 3> {
    let window = p.kernel * p.kernel;
    let t = min(vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.in_channels * window - 1u));
    let ky = (t % window) / p.kernel;
    let kx = t % p.kernel;
    let offset = (t / window) * p.height * p.width + ky * p.width + kx;
    return array<vec4<i32>, 3>(vec4<i32>(offset), vec4<i32>(ky), vec4<i32>(kx));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    let taps = p.in_channels * p.kernel * p.kernel;
    let tap_blocks = (taps + 7u) / 8u;
    let blocks = ((p.out_channels + 7u) / 8u) * tap_blocks;
    if (i >= blocks * p.chunks) {
        return;
    }
    let chunk = i / blocks;
    let o0 = (i % blocks) / tap_blocks * 8u;
    let t0 = (i % blocks) % tap_blocks * 8u;
    let out_plane = p.out_height * p.out_width;
    let total = p.batch * out_plane;
    let span = (total + p.chunks - 1u) / p.chunks;
    let first = min(chunk * span, total);
    let end = min(first + span, total);

    let ta = taps4(t0);
    let tb = taps4(t0 + 4u);
    // Each output channel's offset within a sample of dy (channels past the last repeat it).
    let last = p.out_channels - 1u;
    let orow = array<u32, 8>(
        min(o0, last) * out_plane, min(o0 + 1u, last) * out_plane, min(o0 + 2u, last) * out_plane, min(o0 + 3u, last) * out_plane,
        min(o0 + 4u, last) * out_plane, min(o0 + 5u, last) * out_plane, min(o0 + 6u, last) * out_plane, min(o0 + 7u, last) * out_plane,
    );
    var sums = Sums8x8();
    var bias_a = vec4<f32>(0.0);
    var bias_b = vec4<f32>(0.0);
    // The position (b, oy, ox) steps along without divisions: one loop, no nesting, which is
    // what software adapters run fastest.
    var b = first / out_plane;
    var oy = (first % out_plane) / p.out_width;
    var ox = first % p.out_width;
    let sample_x = i32(p.in_channels * p.height * p.width);
    let stride = i32(p.stride);
    let padding = i32(p.padding);
    for (var j = first; j < end; j++) {
        let top = i32(oy) * stride - padding;
        let left = i32(ox) * stride - padding;
        let corner = i32(b) * sample_x + top * i32(p.width) + left;
        let inside_a = (vec4<u32>(top + ta[1]) < vec4<u32>(p.height)) & (vec4<u32>(left + ta[2]) < vec4<u32>(p.width));
        let inside_b = (vec4<u32>(top + tb[1]) < vec4<u32>(p.height)) & (vec4<u32>(left + tb[2]) < vec4<u32>(p.width));
        let xa = input4(corner + ta[0], inside_a);
        let xb = input4(corner + tb[0], inside_b);
        let g_at = b * p.out_channels * out_plane + oy * p.out_width + ox;
        let gradients = array<f32, 8>(
            dy[g_at + orow[0]], dy[g_at + orow[1]], dy[g_at + orow[2]], dy[g_at + orow[3]],
            dy[g_at + orow[4]], dy[g_at + orow[5]], dy[g_at + orow[6]], dy[g_at + orow[7]],
        );
        sums = add_outer(sums, gradients, xa, xb);
        bias_a += vec4<f32>(gradients[0], gradients[1], gradients[2], gradients[3]);
        bias_b += vec4<f32>(gradients[4], gradients[5], gradients[6], gradients[7]);
        ox++;
        let row_done = ox == p.out_width;
        ox = select(ox, 0u, row_done);
        oy = select(oy, oy + 1u, row_done);
        let plane_done = oy == p.out_height;
        oy = select(oy, 0u, plane_done);
        b = select(b, b + 1u, plane_done);
    }
    store_channel(chunk, o0, t0, sums.r0a, sums.r0b);
    store_channel(chunk, o0 + 1u, t0, sums.r1a, sums.r1b);
    store_channel(chunk, o0 + 2u, t0, sums.r2a, sums.r2b);
    store_channel(chunk, o0 + 3u, t0, sums.r3a, sums.r3b);
    store_channel(chunk, o0 + 4u, t0, sums.r4a, sums.r4b);
    store_channel(chunk, o0 + 5u, t0, sums.r5a, sums.r5b);
    store_channel(chunk, o0 + 6u, t0, sums.r6a, sums.r6b);
    store_channel(chunk, o0 + 7u, t0, sums.r7a, sums.r7b);
    if (t0 == 0u) {
        for (var r = 0u; r < 4u; r++) {
            if (o0 + r < p.out_channels) {
                bias_partials[chunk * p.out_channels + o0 + r] = bias_a[r];
            }
            if (o0 + 4u + r < p.out_channels) {
                bias_partials[chunk * p.out_channels + o0 + 4u + r] = bias_b[r];
            }
        }
    }
}

// Stores output channel o's partial sums for taps t0 .. t0 + 7, those that exist.
fn store_channel(chunk: u32, o: u32, t0: u32, a: vec4<f32>, b: vec4<f32>) {
    let taps = p.in_channels * p.kernel * p.kernel;
    if (o >= p.out_channels) {
        return;
    }
    let at = chunk * p.out_channels * taps + o * taps + t0;
    for (var r = 0u; r < 4u; r++) {
        if (t0 + r < taps) {
            weight_partials[at + r] = a[r];
        }
        if (t0 + 4u + r < taps) {
            weight_partials[at + 4u + r] = b[r];
        }
    }
}
