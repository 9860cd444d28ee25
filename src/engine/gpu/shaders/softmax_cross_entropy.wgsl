// Softmax cross-entropy with its gradient, one thread per row: row_loss[r] and dlogits_r (summed on
// the device after).

@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    row_loss[r] = softmax_cross_entropy_row(r);
}
