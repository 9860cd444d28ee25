// The pool backward's fused epilogue: dx as the plain one writes it, and dz = dx · f'(z) through
// the activation of the layer before the pool (its z and y). Only a window's maximum has a nonzero
// dx, so f' is taken there alone, once per window (activation_backward.wgsl takes it everywhere).

@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;

var<private> gradient: f32;
var<private> through: f32;

fn begin_window(best_at: u32, g: f32) {
    gradient = g;
    through = g * derivative(p.activation, p.slope, vec4<f32>(z[best_at]), vec4<f32>(y[best_at])).x;
}

fn store(at: u32, is_max: bool) {
    dx[at] = select(0.0, gradient, is_max);
    dz[at] = select(0.0, through, is_max);
}
