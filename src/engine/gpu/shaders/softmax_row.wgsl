// Softmax cross-entropy of one row fused with its gradient: returns -log softmax(logits_r)[label_r]
// and writes dlogits_r = (softmax - onehot) / rows (one member's rows, in a stack).

@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;

fn softmax_cross_entropy_row(r: u32) -> f32 {
    let base = r * p.cols;
    let label = label_of(r);
    var largest = logits[base];
    for (var c = 1u; c < p.cols; c++) {
        largest = max(largest, logits[base + c]);
    }
    var sum_exp = 0.0;
    for (var c = 0u; c < p.cols; c++) {
        sum_exp += exp(logits[base + c] - largest);
    }
    let scale = 1.0 / f32(p.member_rows);
    for (var c = 0u; c < p.cols; c++) {
        let prob = exp(logits[base + c] - largest) / sum_exp;
        dlogits[base + c] = (prob - select(0.0, 1.0, c == label)) * scale;
    }
    return log(sum_exp) + largest - logits[base + label];
}
