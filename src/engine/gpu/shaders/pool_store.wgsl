// The plain pool backward's epilogue: dx[at] = the gradient.

@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

fn store(at: u32, value: f32) {
    dx[at] = value;
}
