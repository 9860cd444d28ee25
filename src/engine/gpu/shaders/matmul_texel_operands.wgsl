// The operands of the texel products (matmul_texels*.wgsl): A and B as rgba32float textures whose
// texels hold their tensors' values four at a time, in order, TEXELS_PER_ROW texels to a texture row
// (`GpuContext::record_texels` copies them there), and how the products store their rows. The
// kernel's body and its epilogue (`store_columns`) follow this file.

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var a: texture_2d<f32>;
@group(0) @binding(2) var b: texture_2d<f32>;

// The member this workgroup multiplies for (its z in the grid).
var<private> member: u32;

const TEXELS_PER_ROW: u32 = 256u;

// Values 4i .. 4i + 3 of A's tensor.
fn a_texel(i: u32) -> vec4<f32> {
    return textureLoad(a, vec2<u32>(i % TEXELS_PER_ROW, i / TEXELS_PER_ROW), 0);
}

// Values 4i .. 4i + 3 of B's tensor.
fn b_texel(i: u32) -> vec4<f32> {
    return textureLoad(b, vec2<u32>(i % TEXELS_PER_ROW, i / TEXELS_PER_ROW), 0);
}

// Writes one row of a thread's block, the columns inside C, through the epilogue: columns
// col .. col + 3 (left) and col + 32 .. col + 35 (right).
fn store_row(row: u32, col: u32, left: vec4<f32>, right: vec4<f32>) {
    if (row >= p.m) {
        return;
    }
    let cols = vec4<u32>(col, col + 1u, col + 2u, col + 3u);
    store_columns(row, cols, left, cols < vec4<u32>(p.n));
    store_columns(row, cols + vec4<u32>(32u), right, cols + vec4<u32>(32u) < vec4<u32>(p.n));
}

