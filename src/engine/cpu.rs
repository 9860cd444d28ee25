//! Plain CPU reference kernels. Every GPU kernel is tested against the function of the same name here.

/// y <- alpha * x + y, element by element.
/// x: [n], y: [n]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy: x has {} values but y has {}", x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axpy_matches_hand_computed_values() {
        let x = [1.0, -2.0, 0.5];
        let mut y = [10.0, 10.0, 10.0];
        axpy(2.0, &x, &mut y);
        assert_eq!(y, [12.0, 6.0, 11.0]);
    }

    #[test]
    #[should_panic(expected = "axpy: x has 2 values but y has 3")]
    fn axpy_rejects_mismatched_lengths() {
        axpy(1.0, &[1.0, 2.0], &mut [0.0; 3]);
    }
}
