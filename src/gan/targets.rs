//! The 2D distributions a generator is trained to imitate, sampled with a seed. The ring and the
//! grid are mixtures of Gaussians with known modes, as in the VEEGAN and PacGAN experiments: eight
//! means on the unit circle with standard deviation 0.01 (at angles 2πk/8 for k = 0..7: a
//! `linspace(0, 2π, 8)` would repeat one mode), and 25 means at (-4 + 2i, -4 + 2j) with 0.05.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::data::random::{normal, seeded_rng, uniform};
use crate::data::{Toy2d, Toy2dSpec};

/// Drawn points up to this many are measured as modes.
pub const MAX_DRAWN_MODES: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target2d {
    /// `modes` Gaussians with means evenly round a circle of `radius`.
    Ring { modes: usize, radius: f32, sigma: f32 },
    /// `side` x `side` Gaussians with means `spacing` apart, centred on the origin.
    Grid { side: usize, spacing: f32, sigma: f32 },
    /// TF Playground's two-armed spiral (both arms), radius 5, with 5 % noise.
    Spiral,
    /// Two interleaved half circles (both moons, as the data sets draw them), with 5 % noise.
    Moons,
    /// Points a person drew, each blurred by `sigma`.
    Drawn { points: Vec<[f32; 2]>, sigma: f32 },
}

impl Target2d {
    /// Says what is wrong with a target's settings (a config written by hand, a damaged link).
    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, v: f32| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("target.{name}: {v} must be a positive number"))
            }
        };
        match self {
            Target2d::Ring { modes, radius, sigma } => {
                if !(1..=1_000).contains(modes) {
                    return Err(format!("target.modes: {modes}; a ring takes 1 to 1000 modes"));
                }
                positive("radius", *radius)?;
                positive("sigma", *sigma)
            }
            Target2d::Grid { side, spacing, sigma } => {
                if !(1..=100).contains(side) {
                    return Err(format!("target.side: {side}; a grid takes 1 to 100 modes a side"));
                }
                positive("spacing", *spacing)?;
                positive("sigma", *sigma)
            }
            Target2d::Spiral | Target2d::Moons => Ok(()),
            Target2d::Drawn { points, sigma } => {
                if points.is_empty() {
                    return Err("the drawn target has no points: click on the plane to add some".into());
                }
                if let Some(i) = points.iter().position(|p| !(p[0].is_finite() && p[1].is_finite())) {
                    return Err(format!("target.points[{i}] is not a pair of numbers"));
                }
                positive("sigma", *sigma)
            }
        }
    }

    /// PacGAN's ring: 8 modes on the unit circle, standard deviation 0.01.
    pub fn ring() -> Target2d {
        Target2d::Ring { modes: 8, radius: 1.0, sigma: 0.01 }
    }

    /// PacGAN's grid: 25 modes at (-4 + 2i, -4 + 2j), standard deviation 0.05.
    pub fn grid() -> Target2d {
        Target2d::Grid { side: 5, spacing: 2.0, sigma: 0.05 }
    }

    /// The means of a mixture and their common standard deviation (drawn points count as means
    /// when there are at most `MAX_DRAWN_MODES`); None for the other targets.
    pub fn modes(&self) -> Option<(Vec<[f32; 2]>, f32)> {
        match *self {
            Target2d::Ring { modes, radius, sigma } => {
                let means = (0..modes)
                    .map(|k| {
                        let angle = 2.0 * std::f64::consts::PI * k as f64 / modes as f64;
                        [(radius as f64 * angle.cos()) as f32, (radius as f64 * angle.sin()) as f32]
                    })
                    .collect();
                Some((means, sigma))
            }
            Target2d::Grid { side, spacing, sigma } => {
                let start = -(side as f32 - 1.0) / 2.0 * spacing;
                let at = |i: usize| start + i as f32 * spacing;
                Some(((0..side).flat_map(|i| (0..side).map(move |j| [at(i), at(j)])).collect(), sigma))
            }
            // A few drawn points are a mixture like the others; a long stroke's would overlap.
            Target2d::Drawn { ref points, sigma } if !points.is_empty() && points.len() <= MAX_DRAWN_MODES => Some((points.clone(), sigma)),
            Target2d::Spiral | Target2d::Moons | Target2d::Drawn { .. } => None,
        }
    }

    /// `n` samples, the same for the same seed on every platform.
    pub fn sample(&self, n: usize, seed: u64) -> Vec<[f32; 2]> {
        let rng = &mut seeded_rng(seed);
        match self {
            Target2d::Ring { .. } | Target2d::Grid { .. } => {
                let (means, sigma) = self.modes().expect("a mixture");
                let variance = (sigma as f64) * (sigma as f64);
                (0..n)
                    .map(|_| {
                        let mean = means[((uniform(rng, 0.0, 1.0) * means.len() as f64) as usize).min(means.len() - 1)];
                        [normal(rng, mean[0] as f64, variance) as f32, normal(rng, mean[1] as f64, variance) as f32]
                    })
                    .collect()
            }
            Target2d::Spiral | Target2d::Moons => {
                let set = if *self == Target2d::Spiral { Toy2d::Spiral } else { Toy2d::Moons };
                // A little noise gives the curves some thickness to learn.
                let spec = Toy2dSpec { set, samples: n.max(2), noise_percent: 5, seed, ..Toy2dSpec::default() };
                let mut points: Vec<[f32; 2]> =
                    spec.points().expect("a valid generated set").into_iter().take(n).map(|p| [p.x, p.y]).collect();
                // The sets come arm by arm, inside out; any prefix must be a fair sample too.
                points.shuffle(rng);
                points
            }
            Target2d::Drawn { points, sigma } if !points.is_empty() => {
                let variance = (*sigma as f64) * (*sigma as f64);
                (0..n)
                    .map(|_| {
                        let p = points[((uniform(rng, 0.0, 1.0) * points.len() as f64) as usize).min(points.len() - 1)];
                        [normal(rng, p[0] as f64, variance) as f32, normal(rng, p[1] as f64, variance) as f32]
                    })
                    .collect()
            }
            Target2d::Drawn { .. } => Vec::new(),
        }
    }

    /// "ring of 8", "5x5 grid", "spiral", "two moons", "4 drawn points".
    pub fn label(&self) -> String {
        match self {
            Target2d::Ring { modes, .. } => format!("ring of {modes}"),
            Target2d::Grid { side, .. } => format!("{side}x{side} grid"),
            Target2d::Spiral => "spiral".into(),
            Target2d::Moons => "two moons".into(),
            Target2d::Drawn { points, .. } => format!("{} drawn points", points.len()),
        }
    }

    /// `n` of the target's points as a data set (seed 0): a mixture's labelled by their nearest
    /// mode, the others all class 0. A search's data panel draws these; GAN trials sample their own.
    pub fn as_dataset(&self, n: usize) -> Result<crate::data::Dataset, crate::data::DataError> {
        self.validate().map_err(crate::data::DataError::Malformed)?;
        let points = self.sample(n, 0);
        let modes = self.modes().map(|(means, _)| means);
        let nearest = |p: &[f32; 2]| match &modes {
            Some(means) => super::metrics::nearest_mode(p, means).0 as u32,
            None => 0,
        };
        let classes = modes.as_ref().map_or(1, |m| m.len());
        Ok(crate::data::Dataset {
            name: self.label(),
            features: points.iter().flatten().copied().collect(),
            feature_shape: vec![2],
            feature_names: vec!["x".into(), "y".into()],
            targets: crate::data::Targets::Classes {
                labels: points.iter().map(nearest).collect(),
                class_names: (0..classes).map(|c| format!("mode {}", c + 1)).collect(),
            },
            warnings: Vec::new(),
        })
    }

    /// A square window that holds the target with some room: [-reach, reach] on both axes.
    pub fn reach(&self) -> f32 {
        match self {
            Target2d::Ring { radius, sigma, .. } => (radius + 6.0 * sigma) * 1.5,
            Target2d::Grid { side, spacing, sigma } => ((*side as f32 - 1.0) / 2.0 * spacing + 6.0 * sigma) * 1.25,
            Target2d::Spiral => 6.5,
            Target2d::Moons => 5.5,
            // At least the plane a person draws on, so drawn points keep their place when trained on.
            Target2d::Drawn { points, sigma } => {
                (points.iter().map(|p| p[0].abs().max(p[1].abs())).fold(0.0, f32::max) + 4.0 * sigma).max(2.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_has_eight_distinct_modes_on_the_unit_circle() {
        let (means, sigma) = Target2d::ring().modes().unwrap();
        assert_eq!((means.len(), sigma), (8, 0.01));
        for (i, a) in means.iter().enumerate() {
            assert!((a[0].hypot(a[1]) - 1.0).abs() < 1e-6);
            for b in &means[i + 1..] {
                assert!((a[0] - b[0]).hypot(a[1] - b[1]) > 0.7, "two modes at {a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn the_grid_spans_minus_four_to_four() {
        let (means, sigma) = Target2d::grid().modes().unwrap();
        assert_eq!((means.len(), sigma), (25, 0.05));
        assert_eq!(means[0], [-4.0, -4.0]);
        assert_eq!(means[24], [4.0, 4.0]);
        assert!(means.contains(&[-2.0, 2.0]));
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(Target2d::ring().validate().is_ok() && Target2d::grid().validate().is_ok());
        let no_modes = Target2d::Ring { modes: 0, radius: 1.0, sigma: 0.01 };
        assert!(no_modes.validate().unwrap_err().starts_with("target.modes: 0"));
        let flat = Target2d::Grid { side: 5, spacing: 2.0, sigma: -1.0 };
        assert!(flat.validate().unwrap_err().starts_with("target.sigma: -1"));
        let odd = Target2d::Drawn { points: vec![[0.0, f32::NAN]], sigma: 0.1 };
        assert_eq!(odd.validate().unwrap_err(), "target.points[0] is not a pair of numbers");
    }

    #[test]
    fn a_prefix_of_the_spiral_is_a_fair_sample() {
        let points = Target2d::Spiral.sample(2_000, 1);
        let first = &points[..200];
        let radius = |p: &[f32; 2]| p[0].hypot(p[1]);
        assert!(first.iter().any(|p| radius(p) > 4.0) && first.iter().any(|p| radius(p) < 1.0), "inner and outer turns both");
        assert!(first.iter().any(|p| p[0] > 2.0) && first.iter().any(|p| p[0] < -2.0), "both arms");
    }

    #[test]
    fn a_few_drawn_points_are_modes_and_the_plane_keeps_its_size() {
        let drawn = Target2d::Drawn { points: vec![[0.5, 0.5], [-1.0, 0.2]], sigma: 0.05 };
        assert_eq!(drawn.modes(), Some((vec![[0.5, 0.5], [-1.0, 0.2]], 0.05)));
        assert_eq!(drawn.reach(), 2.0, "drawn points keep the plane they were drawn on");
        let stroke = Target2d::Drawn { points: vec![[0.1, 0.1]; MAX_DRAWN_MODES + 1], sigma: 0.05 };
        assert_eq!(stroke.modes(), None);
    }

    #[test]
    fn samples_are_seeded_and_sit_at_their_modes() {
        let target = Target2d::ring();
        let a = target.sample(2_000, 3);
        assert_eq!(a, target.sample(2_000, 3));
        assert_ne!(a, target.sample(2_000, 4));
        assert!(a.iter().all(|p| (p[0].hypot(p[1]) - 1.0).abs() < 0.06), "every sample within 6 sigma of the circle");
        for other in [Target2d::Spiral, Target2d::Moons, Target2d::Drawn { points: vec![[1.0, 2.0]], sigma: 0.1 }] {
            let samples = other.sample(300, 1);
            assert_eq!(samples.len(), 300, "{other:?}");
            assert!(samples.iter().all(|p| p[0].abs() <= other.reach() && p[1].abs() <= other.reach()), "{other:?}");
        }
    }
}
