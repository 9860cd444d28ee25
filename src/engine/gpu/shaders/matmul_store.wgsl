// The plain matmul's epilogue: C[row, col] = the product.

@group(0) @binding(3) var<storage, read_write> c: array<f32>;

fn store(row: u32, col: u32, value: f32) {
    c[row * p.n + col] = value;
}
