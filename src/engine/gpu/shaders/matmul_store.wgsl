// The plain matmul's epilogue: C[row, cols[j]] = values[j] (in the member's C) where inside[j].

@group(0) @binding(3) var<storage, read_write> c: array<f32>;

fn store_columns(row: u32, cols: vec4<u32>, values: vec4<f32>, inside: vec4<bool>) {
    for (var j = 0u; j < 4u; j++) {
        if (inside[j]) {
            c[member * p.c_stride + row * p.n + cols[j]] = values[j];
        }
    }
}
