// y = conv(x, w) + bias (NCHW, square kernel, stride, zero padding): each thread computes one
// output position for a group of four output channels, reading each input value once for all four.
// The epilogue file that follows defines `store(index, value)` with the output bindings (4..).

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

// Weight (o, c, ky, kx), or 0 past the last output channel.
fn weight(o: u32, c: u32, ky: u32, kx: u32) -> f32 {
    if (o >= p.out_channels) {
        return 0.0;
    }
    return w[((o * p.in_channels + c) * p.kernel + ky) * p.kernel + kx];
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    let groups = (p.out_channels + 3u) / 4u;
    if (i >= p.batch * groups * p.out_height * p.out_width) {
        return;
    }
    let ox = i % p.out_width;
    let oy = (i / p.out_width) % p.out_height;
    let o = ((i / (p.out_width * p.out_height)) % groups) * 4u;
    let b = i / (p.out_width * p.out_height * groups);
    var acc = vec4<f32>(0.0);
    for (var c = 0u; c < p.in_channels; c++) {
        let plane = (b * p.in_channels + c) * p.height;
        for (var ky = 0u; ky < p.kernel; ky++) {
            let iy = i32(oy * p.stride + ky) - i32(p.padding);
            if (iy < 0 || iy >= i32(p.height)) {
                continue;
            }
            for (var kx = 0u; kx < p.kernel; kx++) {
                let ix = i32(ox * p.stride + kx) - i32(p.padding);
                if (ix < 0 || ix >= i32(p.width)) {
                    continue;
                }
                let xv = x[(plane + u32(iy)) * p.width + u32(ix)];
                acc += xv * vec4<f32>(weight(o, c, ky, kx), weight(o + 1u, c, ky, kx), weight(o + 2u, c, ky, kx), weight(o + 3u, c, ky, kx));
            }
        }
    }
    let pixels = p.out_height * p.out_width;
    let pixel = oy * p.out_width + ox;
    for (var j = 0u; j < 4u; j++) {
        if (o + j < p.out_channels) {
            store((b * p.out_channels + o + j) * pixels + pixel, acc[j] + bias[o + j]);
        }
    }
}
