//! The seeded random numbers behind every generated set and shuffle: ChaCha8, whose stream is the
//! same on every platform (native and wasm32) for a given seed, and the two draws TF Playground uses.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type SeededRng = ChaCha8Rng;

pub(crate) fn seeded_rng(seed: u64) -> SeededRng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A uniform draw from [a, b) (TF Playground's `randUniform`).
pub(crate) fn uniform(rng: &mut SeededRng, a: f64, b: f64) -> f64 {
    a + (b - a) * rng.random::<f64>()
}

/// A normal draw by the Marsaglia polar method (TF Playground's `normalRandom`).
pub(crate) fn normal(rng: &mut SeededRng, mean: f64, variance: f64) -> f64 {
    loop {
        let v1 = 2.0 * rng.random::<f64>() - 1.0;
        let v2 = 2.0 * rng.random::<f64>() - 1.0;
        let s = v1 * v1 + v2 * v2;
        // TF Playground rejects only s > 1; s == 0 would give ln(0), so reject it too.
        if s > 0.0 && s <= 1.0 {
            return mean + variance.sqrt() * (-2.0 * s.ln() / s).sqrt() * v1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let draw = |seed| {
            let mut rng = seeded_rng(seed);
            (0..8).map(|_| uniform(&mut rng, -1.0, 1.0)).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }

    #[test]
    fn normal_draws_have_the_asked_mean_and_variance() {
        let mut rng = seeded_rng(1);
        let n = 50_000;
        let draws: Vec<f64> = (0..n).map(|_| normal(&mut rng, 2.0, 4.0)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let variance = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.05, "mean {mean}");
        assert!((variance - 4.0).abs() < 0.1, "variance {variance}");
    }

    #[test]
    fn uniform_draws_stay_in_range() {
        let mut rng = seeded_rng(9);
        assert!((0..10_000).map(|_| uniform(&mut rng, -5.0, 5.0)).all(|v| (-5.0..5.0).contains(&v)));
    }
}
