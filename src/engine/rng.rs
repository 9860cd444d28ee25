//! A counter-based random number: the same (seed, index) gives the same value on the CPU and in
//! WGSL (gpu/shaders/dropout.wgsl), so dropout masks agree across devices without storing them.

/// A well-mixed 32-bit hash (Wellons' lowbias32).
pub fn hash_u32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// A uniform value in [0, 1) for element `index` under `seed`.
pub fn uniform(seed: u32, index: u32) -> f32 {
    let h = hash_u32(index ^ hash_u32(seed.wrapping_add(0x9e37_79b9)));
    (h >> 8) as f32 / (1u32 << 24) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_values_are_spread_over_the_unit_interval() {
        let n = 100_000;
        let values: Vec<f32> = (0..n).map(|i| uniform(7, i)).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = values.iter().sum::<f32>() / n as f32;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        let below_tenth = values.iter().filter(|v| **v < 0.1).count() as f32 / n as f32;
        assert!((below_tenth - 0.1).abs() < 0.01, "{below_tenth}");
    }

    #[test]
    fn different_seeds_give_different_streams() {
        let a: Vec<f32> = (0..64).map(|i| uniform(1, i)).collect();
        let b: Vec<f32> = (0..64).map(|i| uniform(2, i)).collect();
        assert_ne!(a, b);
        assert_eq!(a, (0..64).map(|i| uniform(1, i)).collect::<Vec<_>>());
    }
}
