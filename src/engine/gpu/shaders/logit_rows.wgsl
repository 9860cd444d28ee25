// The one-thread-per-row kernels over logits (argmax_hits.wgsl, softmax_cross_entropy*.wgsl): their
// parameters, logits and labels, and the steps they share. In a stack every member's rows read the
// same labels.

@group(0) @binding(0) var<uniform> p: RowParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;

fn label_of(r: u32) -> u32 {
    return u32(labels[r % p.member_rows]);
}

// 1 where row r's first largest logit is its label, else 0.
fn hit(r: u32) -> f32 {
    let base = r * p.cols;
    var best = 0u;
    for (var c = 1u; c < p.cols; c++) {
        if (logits[base + c] > logits[base + best]) {
            best = c;
        }
    }
    return select(0.0, 1.0, best == label_of(r));
}
