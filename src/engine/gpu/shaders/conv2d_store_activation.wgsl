// The convolution's fused epilogue: z = conv(x) + bias and y = f(z), in the same pass.

@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

fn store(index: u32, value: f32) {
    z[index] = value;
    y[index] = activate(p.activation, p.slope, value);
}
