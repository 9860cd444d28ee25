// The dense layer's fused epilogue: z = the product + bias[col] and y = f(z), in the same pass, with
// the member's own bias ([n] per member) and activation.

@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

fn store(row: u32, col: u32, value: f32) {
    let pre = value + bias[member * p.n + col];
    let at = member * p.c_stride + row * p.n + col;
    z[at] = pre;
    y[at] = activate(p.activations[member / 4u][member % 4u], p.slopes[member / 4u][member % 4u], pre);
}
