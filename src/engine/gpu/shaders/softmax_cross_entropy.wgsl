// Softmax cross-entropy fused with its gradient, one thread per row:
// row_loss[r] = -log softmax(logits_r)[label_r]; dlogits = (softmax - onehot) / rows. In a stack
// every member's rows read the same labels and divide by one member's rows.

@group(0) @binding(0) var<uniform> p: RowParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    let base = r * p.cols;
    let label = u32(labels[r % p.member_rows]);
    var largest = logits[base];
    for (var c = 1u; c < p.cols; c++) {
        largest = max(largest, logits[base + c]);
    }
    var sum_exp = 0.0;
    for (var c = 0u; c < p.cols; c++) {
        sum_exp += exp(logits[base + c] - largest);
    }
    row_loss[r] = log(sum_exp) + largest - logits[base + label];
    let scale = 1.0 / f32(p.member_rows);
    for (var c = 0u; c < p.cols; c++) {
        let prob = exp(logits[base + c] - largest) / sum_exp;
        dlogits[base + c] = (prob - select(0.0, 1.0, c == label)) * scale;
    }
}
