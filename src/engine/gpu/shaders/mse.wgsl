// Mean squared error, one thread per row: row_loss[r] is the mean over its cols of (pred - target)²;
// dpred = 2 (pred - target) / (rows·cols). In a stack every member's rows read the same targets
// and divide by one member's rows.

@group(0) @binding(0) var<uniform> p: RowParams;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> dpred: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    let scale = 2.0 / f32(p.member_rows * p.cols);
    let target_row = (r % p.member_rows) * p.cols;
    var loss = 0.0;
    for (var c = 0u; c < p.cols; c++) {
        let i = r * p.cols + c;
        let diff = pred[i] - targets[target_row + c];
        loss += diff * diff;
        dpred[i] = diff * scale;
    }
    row_loss[r] = loss / f32(p.cols);
}
