// The dense input gradient's fused epilogue: dy = the product (the gradient of the layer before's
// output) and dz = dy · f'(z) through that layer's activation (its z and y), in the same pass, with
// the member's own activation; as the plain product followed by activation_backward.wgsl, whose
// `derivative` it also takes four values at a time.

@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;

fn store_columns(row: u32, cols: vec4<u32>, values: vec4<f32>, inside: vec4<bool>) {
    // Columns outside C read its last column (their results are not stored).
    let at = vec4<u32>(member * p.c_stride + row * p.n) + min(cols, vec4<u32>(p.n - 1u));
    let before = vec4<f32>(z[at.x], z[at.y], z[at.z], z[at.w]);
    let after = vec4<f32>(y[at.x], y[at.y], y[at.z], y[at.w]);
    let kind = p.activations[member / 4u][member % 4u];
    let slope = p.slopes[member / 4u][member % 4u];
    let grads = values * derivative(kind, slope, before, after);
    for (var j = 0u; j < 4u; j++) {
        if (inside[j]) {
            dy[at[j]] = values[j];
            dz[at[j]] = grads[j];
        }
    }
}
