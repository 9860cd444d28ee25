// Declarations shared by several kernels; the kernel registry prepends this file to every kernel.

// Matrix products: C[m, n] = op(A)[m, k] · op(B)[k, n] for each member of a stack (one for a plain
// product): member z's matrices start at z · a_stride, z · b_stride and z · c_stride (a_stride is 0
// when every member multiplies the same A).
struct MatmulParams {
    m: u32,
    k: u32,
    n: u32,
    trans_a: u32,
    trans_b: u32,
    a_stride: u32,
    b_stride: u32,
    c_stride: u32,
    // The fused epilogue's activation code and slope per member (see `activate`); 0 in a plain product.
    activations: array<vec4<u32>, 4>,
    slopes: array<vec4<f32>, 4>,
}

// An 8x8 block of sums that a thread keeps in registers (the register-blocked products and
// convolutions): row i is the two vectors ria (columns 0..3) and rib (columns 4..7).
struct Sums8x8 {
    r0a: vec4<f32>, r0b: vec4<f32>, r1a: vec4<f32>, r1b: vec4<f32>,
    r2a: vec4<f32>, r2b: vec4<f32>, r3a: vec4<f32>, r3b: vec4<f32>,
    r4a: vec4<f32>, r4b: vec4<f32>, r5a: vec4<f32>, r5b: vec4<f32>,
    r6a: vec4<f32>, r6b: vec4<f32>, r7a: vec4<f32>, r7b: vec4<f32>,
}

// s plus the outer product of u and the columns (va, vb): row i gains u[i] · (va, vb).
fn add_outer(s: Sums8x8, u: array<f32, 8>, va: vec4<f32>, vb: vec4<f32>) -> Sums8x8 {
    return Sums8x8(
        s.r0a + u[0] * va, s.r0b + u[0] * vb, s.r1a + u[1] * va, s.r1b + u[1] * vb,
        s.r2a + u[2] * va, s.r2b + u[2] * vb, s.r3a + u[3] * va, s.r3b + u[3] * vb,
        s.r4a + u[4] * va, s.r4b + u[4] * vb, s.r5a + u[5] * va, s.r5b + u[5] * vb,
        s.r6a + u[6] * va, s.r6b + u[6] * vb, s.r7a + u[7] * va, s.r7b + u[7] * vb,
    );
}

// Convolutions (NCHW, square kernel).
struct ConvParams {
    batch: u32,
    in_channels: u32,
    height: u32,
    width: u32,
    out_channels: u32,
    kernel: u32,
    stride: u32,
    padding: u32,
    out_height: u32,
    out_width: u32,
    row_stride: u32,
    chunks: u32, // weight gradients only: how many partial sums each weight is split into
    activation: u32, // the fused forward's activation (see `activate`)
    slope: f32,
    _pad0: u32,
    _pad1: u32,
}

// Max pooling (no padding).
struct PoolParams {
    planes: u32, // batch · channels
    height: u32,
    width: u32,
    size: u32,
    stride: u32,
    out_height: u32,
    out_width: u32,
    row_stride: u32,
    // The fused backward's activation of the layer before the pool (see `derivative`); 0 otherwise.
    activation: u32,
    slope: f32,
    _pad0: u32,
    _pad1: u32,
}

// One-thread-per-row kernels over [rows, cols] (cols are the classes for the softmax and argmax).
// Past 65,535 workgroups the grid spills into y; `row_stride` is the threads in one grid row.
// The rows may be a stack of members of `member_rows` rows each, all reading the same labels or
// targets (row r's are row r % member_rows's); a plain op is a stack of one.
struct RowParams {
    rows: u32,
    cols: u32,
    row_stride: u32,
    member_rows: u32,
}

// Per-member settings (up to 16 members) travel as uniform arrays of 4 vec4s, since uniform arrays
// space their elements 16 bytes apart: member k's setting is [k / 4u][k % 4u]. Element-wise kernels
// over a stack find an element's member as i / member_len; a plain op is a stack of one.

fn grid_index(gid: vec3<u32>, row_stride: u32) -> u32 {
    return gid.x + gid.y * row_stride;
}

fn sigmoid(v: f32) -> f32 {
    if (v >= 0.0) {
        return 1.0 / (1.0 + exp(-v));
    }
    let e = exp(v);
    return e / (1.0 + e);
}

// Whether a pipeline is made for a stack of one (`Kernel::for_members`): its member is then the
// constant 0, so reading the member's settings is one load instead of one per lane.
override ONE_MEMBER: bool = false;

// The member a thread works for, from its grid or its index: `computed`, or 0 in a pipeline made
// for one member.
fn stack_member(computed: u32) -> u32 {
    return select(computed, 0u, ONE_MEMBER);
}

// The one activation code a pipeline is made for (`Kernel::specialized`), or 255 where each member
// has its own: a pipeline made for one folds the switches below to that one case.
override ACTIVATION: u32 = 255u;

// `kind`, a member's activation code from the uniform, or the pipeline's where it is made for one.
fn pipeline_activation(kind: u32) -> u32 {
    return select(ACTIVATION, kind, ACTIVATION == 255u);
}

// f(v) for an activation code: 0 identity, 1 relu, 2 leaky relu, 3 sigmoid, 4 tanh, 5 gelu (tanh
// form); the formulas match src/engine/activation.rs.
fn activate(kind: u32, slope: f32, v: f32) -> f32 {
    switch pipeline_activation(kind) {
        case 1u: { return max(v, 0.0); }
        case 2u: { return select(slope * v, v, v > 0.0); }
        case 3u: { return sigmoid(v); }
        case 4u: { return tanh(v); }
        case 5u: { return 0.5 * v * (1.0 + tanh(0.7978846 * (v + 0.044715 * v * v * v))); }
        default: { return v; }
    }
}

// f'(v) for an activation code, four values at once, from its input v and output out.
fn derivative(kind: u32, slope: f32, v: vec4<f32>, out: vec4<f32>) -> vec4<f32> {
    let zero = vec4<f32>(0.0);
    let one = vec4<f32>(1.0);
    switch pipeline_activation(kind) {
        case 1u: { return select(zero, one, v > zero); }
        case 2u: { return select(vec4<f32>(slope), one, v > zero); }
        case 3u: { return out * (1.0 - out); }
        case 4u: { return 1.0 - out * out; }
        case 5u: {
            let t = tanh(0.7978846 * (v + 0.044715 * v * v * v));
            return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * 0.7978846 * (1.0 + 3.0 * 0.044715 * v * v);
        }
        default: { return one; }
    }
}
