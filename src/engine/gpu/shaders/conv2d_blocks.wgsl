// The positions and stores of the convolution kernels that keep 8 channels at 8 positions per
// thread (conv2d_forward.wgsl, conv2d_backward_input.wgsl). Positions count over batch and pixels;
// the grid's x and y (x + y · row_stride) number blocks of 512 of them, and thread lid of a block
// takes positions first + 64·i, i < 8. The kernel that follows defines its `p` and
// `store_value(channel, index, value)`.

// The thread's first position.
fn block_first(lid: u32, wid: vec3<u32>) -> u32 {
    return (wid.x + wid.y * p.row_stride) * 512u + lid;
}

// The thread's 8 positions as two vectors of four; past the last (total - 1) they repeat it, and
// store_block leaves those out.
fn block_positions(first: u32, total: u32) -> array<vec4<u32>, 2> {
    let last = vec4<u32>(total - 1u);
    return array<vec4<u32>, 2>(
        min(vec4<u32>(first) + vec4<u32>(0u, 64u, 128u, 192u), last),
        min(vec4<u32>(first) + vec4<u32>(256u, 320u, 384u, 448u), last),
    );
}

// Where a thread's values go: channel 0's index for each position, which positions exist, and
// the tensor's channels and plane size.
struct Positions {
    out_a: vec4<u32>,
    out_b: vec4<u32>,
    first: u32,
    total: u32,
    channels: u32,
    plane: u32,
}

// Stores row r of `sums` as channel c0 + r of a [samples, channels, plane] tensor at the thread's
// positions that exist, for the channels that exist.
fn store_block(c0: u32, channels: u32, plane: u32, n: array<vec4<u32>, 2>, first: u32, total: u32, sums: Sums8x8) {
    // Where each position's value of channel 0 goes.
    let out_a = (n[0] / plane) * channels * plane + n[0] % plane;
    let out_b = (n[1] / plane) * channels * plane + n[1] % plane;
    let at = Positions(out_a, out_b, first, total, channels, plane);
    store_channel(at, c0, sums.r0a, sums.r0b);
    store_channel(at, c0 + 1u, sums.r1a, sums.r1b);
    store_channel(at, c0 + 2u, sums.r2a, sums.r2b);
    store_channel(at, c0 + 3u, sums.r3a, sums.r3b);
    store_channel(at, c0 + 4u, sums.r4a, sums.r4b);
    store_channel(at, c0 + 5u, sums.r5a, sums.r5b);
    store_channel(at, c0 + 6u, sums.r6a, sums.r6b);
    store_channel(at, c0 + 7u, sums.r7a, sums.r7b);
}

// Stores channel c's values at the positions that exist, if the channel exists.
fn store_channel(at: Positions, c: u32, a: vec4<f32>, b: vec4<f32>) {
    if (c >= at.channels) {
        return;
    }
    let offset = c * at.plane;
    for (var i = 0u; i < 4u; i++) {
        if (at.first + 64u * i < at.total) {
            store_value(c, at.out_a[i] + offset, a[i]);
        }
        if (at.first + 256u + 64u * i < at.total) {
            store_value(c, at.out_b[i] + offset, b[i]);
        }
    }
}
