// The dense layer's fused epilogue: z = the product + bias[col] and y = f(z), in the same pass, with
// the member's own bias ([n] per member) and activation.

@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

fn store_columns(row: u32, cols: vec4<u32>, values: vec4<f32>, inside: vec4<bool>) {
    let kind = p.activations[member / 4u][member % 4u];
    let slope = p.slopes[member / 4u][member % 4u];
    for (var j = 0u; j < 4u; j++) {
        if (inside[j]) {
            let pre = values[j] + bias[member * p.n + cols[j]];
            let at = member * p.c_stride + row * p.n + cols[j];
            z[at] = pre;
            y[at] = activate(kind, slope, pre);
        }
    }
}
