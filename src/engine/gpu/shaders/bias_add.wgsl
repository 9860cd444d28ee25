// y[r, j] += bias[j] for y: [rows, cols], one thread per element; in a stack, each member
// (`member_len` = rows · cols values) adds its own bias ([cols] per member).

struct Params {
    n: u32,
    row_stride: u32,
    cols: u32,
    member_len: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * p.row_stride;
    if (i >= p.n) {
        return;
    }
    y[i] += bias[(i / p.member_len) * p.cols + i % p.cols];
}
