// The plain convolution's epilogue: y = conv(x) + bias.

@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn store(index: u32, value: f32) {
    y[index] = value;
}
