// Binary cross-entropy on logits, one thread per row: row_loss[r] is the mean over its cols of
// max(z,0) - z·t + ln(1 + e^-|z|); dlogits = (σ(z) - t) / (rows·cols).

@group(0) @binding(0) var<uniform> p: RowParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    let scale = 1.0 / f32(p.rows * p.cols);
    var loss = 0.0;
    for (var c = 0u; c < p.cols; c++) {
        let i = r * p.cols + c;
        let z = logits[i];
        let t = targets[i];
        loss += max(z, 0.0) - z * t + log(1.0 + exp(-abs(z)));
        dlogits[i] = (sigmoid(z) - t) * scale;
    }
    row_loss[r] = loss / f32(p.cols);
}
