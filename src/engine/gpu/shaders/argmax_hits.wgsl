// hits[r] = 1 where the row's first largest logit is its label, else 0 (summed on the device after).

struct Params {
    rows: u32,
    classes: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> hits: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.x;
    if (r >= p.rows) {
        return;
    }
    let base = r * p.classes;
    var best = 0u;
    for (var c = 1u; c < p.classes; c++) {
        if (logits[base + c] > logits[base + best]) {
            best = c;
        }
    }
    hits[r] = select(0.0, 1.0, best == u32(labels[r]));
}
