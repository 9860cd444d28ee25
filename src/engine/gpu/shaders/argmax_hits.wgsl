// hits[r] = 1 where the row's first largest logit is its label, else 0 (summed on the device after).
// In a stack every member's rows read the same labels.

@group(0) @binding(0) var<uniform> p: RowParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> hits: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    let base = r * p.cols;
    var best = 0u;
    for (var c = 1u; c < p.cols; c++) {
        if (logits[base + c] > logits[base + best]) {
            best = c;
        }
    }
    hits[r] = select(0.0, 1.0, best == u32(labels[r % p.member_rows]));
}
