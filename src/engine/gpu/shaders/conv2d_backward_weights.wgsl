// Partial weight and bias gradients of a convolution, without barriers: thread (chunk, index) sums
// the products of one weight (or one bias, after the weights) over its chunk of the batch's output
// positions. A column sum over the chunks then gives dw and dbias.

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> weight_partials: array<f32>; // [chunks, weights]
@group(0) @binding(4) var<storage, read_write> bias_partials: array<f32>;   // [chunks, out_channels]

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    let weights = p.out_channels * p.in_channels * p.kernel * p.kernel;
    let per_chunk = weights + p.out_channels;
    if (i >= per_chunk * p.chunks) {
        return;
    }
    let chunk = i / per_chunk;
    let index = i % per_chunk;
    let pixels = p.out_height * p.out_width;
    let total = p.batch * pixels;
    let span = (total + p.chunks - 1u) / p.chunks;
    let first = chunk * span;
    let last = min(first + span, total);
    var sum = 0.0;
    if (index < weights) {
        let kx = index % p.kernel;
        let ky = (index / p.kernel) % p.kernel;
        let c = (index / (p.kernel * p.kernel)) % p.in_channels;
        let o = index / (p.kernel * p.kernel * p.in_channels);
        for (var j = first; j < last; j++) {
            let b = j / pixels;
            let oy = (j % pixels) / p.out_width;
            let ox = j % p.out_width;
            let iy = i32(oy * p.stride + ky) - i32(p.padding);
            let ix = i32(ox * p.stride + kx) - i32(p.padding);
            if (iy >= 0 && iy < i32(p.height) && ix >= 0 && ix < i32(p.width)) {
                let g = dy[(b * p.out_channels + o) * pixels + oy * p.out_width + ox];
                sum += g * x[((b * p.in_channels + c) * p.height + u32(iy)) * p.width + u32(ix)];
            }
        }
        weight_partials[chunk * weights + index] = sum;
    } else {
        let o = index - weights;
        for (var j = first; j < last; j++) {
            sum += dy[((j / pixels) * p.out_channels + o) * pixels + j % pixels];
        }
        bias_partials[chunk * p.out_channels + o] = sum;
    }
}
