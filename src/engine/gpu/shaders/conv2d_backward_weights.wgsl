// dw and dbias of a convolution: one workgroup per weight (and one per bias, after the weights),
// each reducing its products over the batch and every output position in workgroup memory.

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
    groups_x: u32, // workgroups in one row of the dispatch grid
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbias: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let index = wid.x + wid.y * p.groups_x;
    let weights = p.out_channels * p.in_channels * p.kernel * p.kernel;
    if (index >= weights + p.out_channels) {
        return; // uniform per workgroup, so the barriers below stay in uniform control flow
    }
    let pixels = p.out_height * p.out_width;
    let total = p.batch * pixels;
    var sum = 0.0;
    if (index < weights) {
        let kx = index % p.kernel;
        let ky = (index / p.kernel) % p.kernel;
        let c = (index / (p.kernel * p.kernel)) % p.in_channels;
        let o = index / (p.kernel * p.kernel * p.in_channels);
        for (var j = t; j < total; j += 256u) {
            let b = j / pixels;
            let oy = (j % pixels) / p.out_width;
            let ox = j % p.out_width;
            let iy = i32(oy * p.stride + ky) - i32(p.padding);
            let ix = i32(ox * p.stride + kx) - i32(p.padding);
            if (iy >= 0 && iy < i32(p.height) && ix >= 0 && ix < i32(p.width)) {
                let g = dy[(b * p.out_channels + o) * pixels + oy * p.out_width + ox];
                sum = fma(g, x[((b * p.in_channels + c) * p.height + u32(iy)) * p.width + u32(ix)], sum);
            }
        }
    } else {
        let o = index - weights;
        for (var j = t; j < total; j += 256u) {
            sum += dy[((j / pixels) * p.out_channels + o) * pixels + j % pixels];
        }
    }
    partial[t] = sum;
    workgroupBarrier();
    for (var width = 128u; width > 0u; width >>= 1u) {
        if (t < width) {
            partial[t] += partial[t + width];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        if (index < weights) {
            dw[index] = partial[0];
        } else {
            dbias[index - weights] = partial[0];
        }
    }
}
