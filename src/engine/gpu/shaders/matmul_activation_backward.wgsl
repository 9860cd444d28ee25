// The dense input gradient's fused epilogue: dy = the product (the gradient of the layer before's
// output) and dz = dy · f'(z) through that layer's activation (its z and y), in the same pass, with
// the member's own activation; as the plain product followed by activation_backward.wgsl.

@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;

fn store(row: u32, col: u32, value: f32) {
    let at = member * p.c_stride + row * p.n + col;
    let kind = p.activations[member / 4u][member % 4u];
    let slope = p.slopes[member / 4u][member % 4u];
    dy[at] = value;
    dz[at] = value * derivative(kind, slope, vec4<f32>(z[at]), vec4<f32>(y[at])).x;
}
