// Softmax cross-entropy with its gradient and the argmax hit, one thread per row, in one pass over
// the logits: the row's loss at row_values[r] and its hit at row_values[rows + r] (both summed on the
// device after, by accumulate_two_sums.wgsl).

@group(0) @binding(4) var<storage, read_write> row_values: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    row_values[r] = softmax_cross_entropy_row(r);
    row_values[p.rows + r] = hit(r);
}
