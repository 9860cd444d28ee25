// The pool backward's fused epilogue: dx[at] = the gradient, and dz[at] = dx · f'(z) through the
// activation of the layer before the pool (its z and y), as activation_backward.wgsl computes it.

@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;

fn store(at: u32, value: f32) {
    dx[at] = value;
    dz[at] = value * derivative(p.activation, p.slope, vec4<f32>(z[at]), vec4<f32>(y[at])).x;
}
