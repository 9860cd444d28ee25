// The plain matmul's epilogue: C[row, col] = the product (in the member's C).

@group(0) @binding(3) var<storage, read_write> c: array<f32>;

fn store(row: u32, col: u32, value: f32) {
    c[member * p.c_stride + row * p.n + col] = value;
}
