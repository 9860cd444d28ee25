// y = conv(x, w) + bias (NCHW, square kernel, stride, zero padding): one thread per output value.

struct Params {
    batch: u32,
    in_channels: u32,
    height: u32,
    width: u32,
    out_channels: u32,
    kernel: u32,
    stride: u32,
    padding: u32,
    out_height: u32,
    out_width: u32,
    row_stride: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.batch * p.out_channels * p.out_height * p.out_width) {
        return;
    }
    let ox = i % p.out_width;
    let oy = (i / p.out_width) % p.out_height;
    let o = (i / (p.out_width * p.out_height)) % p.out_channels;
    let b = i / (p.out_width * p.out_height * p.out_channels);
    var sum = bias[o];
    for (var c = 0u; c < p.in_channels; c++) {
        let plane = (b * p.in_channels + c) * p.height;
        let kernel_base = (o * p.in_channels + c) * p.kernel;
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
                sum = fma(x[(plane + u32(iy)) * p.width + u32(ix)], w[(kernel_base + ky) * p.kernel + kx], sum);
            }
        }
    }
    y[i] = sum;
}
