//! How well a generator imitates a 2D target, as VEEGAN and PacGAN measure it on mixtures of
//! Gaussians: a sample is high quality when it lies within 3 standard deviations of its nearest
//! mode; a mode is covered when it is the nearest mode of some high-quality sample; the reverse
//! KL compares the high-quality samples' histogram over modes with the uniform one. For any
//! target, KL and JS between the real and generated densities binned on a grid.

use serde::{Deserialize, Serialize};

/// Mode coverage of a set of generated samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeCoverage {
    pub modes: usize,
    pub covered: usize,
    /// The share of samples within 3 standard deviations of their nearest mode.
    pub high_quality: f32,
    /// KL(histogram of high-quality samples over modes || uniform), in nats: 0 when every mode
    /// gets the same share, ln(modes) when all go to one; infinite when no sample is high quality.
    pub reverse_kl: f32,
    /// High-quality samples per mode.
    pub per_mode: Vec<usize>,
}

/// How many standard deviations from its mode a high-quality sample may be.
pub const QUALITY_SIGMAS: f32 = 3.0;

/// The index of the mode nearest `point`, and its distance (infinite when there are no modes).
pub fn nearest_mode(point: &[f32; 2], modes: &[[f32; 2]]) -> (usize, f32) {
    modes
        .iter()
        .enumerate()
        .map(|(i, m)| (i, (point[0] - m[0]).hypot(point[1] - m[1])))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, f32::INFINITY))
}

/// The coverage of `modes` (each with standard deviation `sigma`) by `samples`.
pub fn mode_coverage(samples: &[[f32; 2]], modes: &[[f32; 2]], sigma: f32) -> ModeCoverage {
    let mut per_mode = vec![0usize; modes.len()];
    for s in samples {
        let (nearest, distance) = nearest_mode(s, modes);
        if distance <= QUALITY_SIGMAS * sigma {
            per_mode[nearest] += 1;
        }
    }
    let good: usize = per_mode.iter().sum();
    let reverse_kl = if good == 0 {
        f32::INFINITY
    } else {
        let uniform = 1.0 / modes.len() as f64;
        per_mode
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let q = c as f64 / good as f64;
                q * (q / uniform).ln()
            })
            .sum::<f64>() as f32
    };
    ModeCoverage {
        modes: modes.len(),
        covered: per_mode.iter().filter(|&&c| c > 0).count(),
        high_quality: good as f32 / samples.len().max(1) as f32,
        reverse_kl,
        per_mode,
    }
}

/// KL(real || generated) and the Jensen-Shannon divergence (both in nats) between the two sample
/// sets' densities, binned on `bins` x `bins` cells over [-reach, reach]². Every bin gets a small
/// count added first, so an empty generated bin costs a lot but not infinitely much.
pub fn binned_divergences(real: &[[f32; 2]], generated: &[[f32; 2]], reach: f32, bins: usize) -> (f32, f32) {
    let histogram = |points: &[[f32; 2]]| {
        let mut counts = vec![1e-3f64; bins * bins];
        for p in points {
            let cell = |v: f32| (((v + reach) / (2.0 * reach) * bins as f32).floor() as isize).clamp(0, bins as isize - 1) as usize;
            counts[cell(p[1]) * bins + cell(p[0])] += 1.0;
        }
        let total: f64 = counts.iter().sum();
        counts.into_iter().map(|c| c / total).collect::<Vec<f64>>()
    };
    let (p, q) = (histogram(real), histogram(generated));
    let kl = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * (x / y).ln()).sum::<f64>();
    let m: Vec<f64> = p.iter().zip(&q).map(|(x, y)| (x + y) / 2.0).collect();
    (kl(&p, &q) as f32, (0.5 * kl(&p, &m) + 0.5 * kl(&q, &m)) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gan::Target2d;

    #[test]
    fn real_samples_cover_every_mode_with_almost_all_high_quality() {
        for target in [Target2d::ring(), Target2d::grid()] {
            let (modes, sigma) = target.modes().unwrap();
            let coverage = mode_coverage(&target.sample(2_500, 1), &modes, sigma);
            assert_eq!(coverage.covered, modes.len(), "{target:?}");
            // Within 3 sigma in 2D: 1 - exp(-4.5), about 98.9 %.
            assert!(coverage.high_quality > 0.97, "{coverage:?}");
            assert!(coverage.reverse_kl < 0.02, "{coverage:?}");
        }
    }

    #[test]
    fn a_collapsed_generator_covers_one_mode() {
        let (modes, sigma) = Target2d::ring().modes().unwrap();
        let collapsed = vec![[modes[3][0] + 0.005, modes[3][1]]; 2_500];
        let coverage = mode_coverage(&collapsed, &modes, sigma);
        assert_eq!(coverage.covered, 1);
        assert_eq!(coverage.high_quality, 1.0);
        assert!((coverage.reverse_kl - 8f32.ln()).abs() < 1e-5, "{coverage:?}");
        // Samples between the modes are not high quality, and cover nothing.
        let between = vec![[0.0, 0.0]; 100];
        let none = mode_coverage(&between, &modes, sigma);
        assert_eq!((none.covered, none.high_quality), (0, 0.0));
        assert!(none.reverse_kl.is_infinite());
    }

    #[test]
    fn binned_divergences_are_small_for_the_same_target_and_large_for_a_collapse() {
        let target = Target2d::grid();
        let (real, again) = (target.sample(5_000, 1), target.sample(5_000, 2));
        let (kl, js) = binned_divergences(&real, &again, target.reach(), 40);
        assert!(kl < 0.05 && js < 0.02, "{kl} {js}");
        let collapsed = vec![[0.0, 0.0]; 5_000];
        let (kl, js) = binned_divergences(&real, &collapsed, target.reach(), 40);
        assert!(kl > 2.0 && js > 0.5, "{kl} {js}");
        assert!(js <= std::f32::consts::LN_2 + 1e-4, "JS is at most ln 2");
    }
}
