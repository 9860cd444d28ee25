// out[j] = Σ_r x[r, j] for x: [rows, cols]: one workgroup per column, a tree reduction over rows.
// Used for bias gradients.

struct Params {
    rows: u32,
    cols: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let col = wid.x;
    var sum = 0.0;
    for (var r = t; r < p.rows; r += 256u) {
        sum += x[r * p.cols + col];
    }
    partial[t] = sum;
    workgroupBarrier();
    for (var width = 128u; width > 0u; width >>= 1u) {
        if (t < width) {
            partial[t] += partial[t + width];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        out[col] = partial[0];
    }
}
