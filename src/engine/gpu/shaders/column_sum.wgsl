// out[j] = Σ_r x[r, j] for x: [rows, cols], for each member of a stack of such matrices (one for a
// plain sum): one thread per member's column walking down its rows, so neighbouring threads read
// neighbouring values and no barriers are needed. Used for bias gradients.

struct Params {
    rows: u32,
    cols: u32,
    row_stride: u32, // threads in one grid row (the grid spills into y past 65,535 workgroups)
    members: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    // out is members · [cols]: thread j sums member j / cols's column j % cols.
    let j = grid_index(gid, p.row_stride);
    if (j >= p.members * p.cols) {
        return;
    }
    let member = j / p.cols;
    let base = member * p.rows * p.cols + (j - member * p.cols);
    var sum = 0.0;
    for (var r = 0u; r < p.rows; r++) {
        sum += x[base + r * p.cols];
    }
    out[j] = sum;
}
