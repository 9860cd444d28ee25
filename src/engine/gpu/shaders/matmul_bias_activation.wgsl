// The dense layer's fused epilogue: z = the product + bias[col] and y = f(z), in the same pass.

@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

fn store(row: u32, col: u32, value: f32) {
    let pre = value + bias[col];
    z[row * p.n + col] = pre;
    y[row * p.n + col] = activate(p.activation, p.slope, pre);
}
