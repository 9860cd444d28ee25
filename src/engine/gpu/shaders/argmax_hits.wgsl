// hits[r] = 1 where the row's first largest logit is its label, else 0 (summed on the device after).

@group(0) @binding(3) var<storage, read_write> hits: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = grid_index(gid, p.row_stride);
    if (r >= p.rows) {
        return;
    }
    hits[r] = hit(r);
}
