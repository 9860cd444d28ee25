// dx of a convolution, one thread per input value: it gathers dy·w from every output whose window
// covers it, so no two threads write the same value.

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.batch * p.in_channels * p.height * p.width) {
        return;
    }
    let ix = i % p.width;
    let iy = (i / p.width) % p.height;
    let c = (i / (p.width * p.height)) % p.in_channels;
    let b = i / (p.width * p.height * p.in_channels);
    // Padded coordinates: the output at (oy, ox) reads padded row oy·stride + ky.
    let py = iy + p.padding;
    let px = ix + p.padding;
    var sum = 0.0;
    for (var ky = 0u; ky < p.kernel; ky++) {
        if (py < ky || (py - ky) % p.stride != 0u) {
            continue;
        }
        let oy = (py - ky) / p.stride;
        if (oy >= p.out_height) {
            continue;
        }
        for (var kx = 0u; kx < p.kernel; kx++) {
            if (px < kx || (px - kx) % p.stride != 0u) {
                continue;
            }
            let ox = (px - kx) / p.stride;
            if (ox >= p.out_width) {
                continue;
            }
            for (var o = 0u; o < p.out_channels; o++) {
                let g = dy[((b * p.out_channels + o) * p.out_height + oy) * p.out_width + ox];
                sum = fma(g, w[((o * p.in_channels + c) * p.kernel + ky) * p.kernel + kx], sum);
            }
        }
    }
    dx[i] = sum;
}
