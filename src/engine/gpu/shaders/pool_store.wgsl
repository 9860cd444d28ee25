// The plain pool backward's epilogue: dx = the window's gradient at its maximum, 0 elsewhere.

@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

var<private> gradient: f32;

fn begin_window(best_at: u32, g: f32) {
    gradient = g;
}

fn store(at: u32, is_max: bool) {
    dx[at] = select(0.0, gradient, is_max);
}
