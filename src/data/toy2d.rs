//! TF Playground's 2D data sets, drawn by the formulas of its `dataset.ts` (circle, XOR, two
//! Gaussians, spiral, and the two regression sets), plus two moons; seeded, so a spec always
//! gives the same points. TF's labels -1 / +1 become classes 0 / 1.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::feature::{push_features, validate_features};
use super::random::{normal, seeded_rng, uniform, SeededRng};
use super::{DataError, Dataset, Feature, Targets};

/// Half the side of the square TF Playground draws the points and the decision boundary in.
pub const DOMAIN: f32 = 6.0;
/// The noise slider's range in TF Playground, in percent.
pub const MAX_NOISE_PERCENT: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Toy2d {
    Circle,
    Xor,
    Gaussians,
    Spiral,
    /// Not in TF Playground: scikit-learn's `make_moons`, scaled to TF's canvas.
    Moons,
    RegressPlane,
    RegressGaussian,
}

impl Toy2d {
    pub const CLASSIFICATION: [Toy2d; 5] = [Toy2d::Circle, Toy2d::Xor, Toy2d::Gaussians, Toy2d::Spiral, Toy2d::Moons];
    pub const REGRESSION: [Toy2d; 2] = [Toy2d::RegressPlane, Toy2d::RegressGaussian];

    pub fn is_regression(self) -> bool {
        Toy2d::REGRESSION.contains(&self)
    }

    /// The name the CLI, configs' data names and links use.
    pub fn name(self) -> &'static str {
        match self {
            Toy2d::Circle => "circle",
            Toy2d::Xor => "xor",
            Toy2d::Gaussians => "gaussians",
            Toy2d::Spiral => "spiral",
            Toy2d::Moons => "moons",
            Toy2d::RegressPlane => "regress-plane",
            Toy2d::RegressGaussian => "regress-gaussian",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Toy2d::Circle => "Circle",
            Toy2d::Xor => "Exclusive or",
            Toy2d::Gaussians => "Gaussian",
            Toy2d::Spiral => "Spiral",
            Toy2d::Moons => "Two moons",
            Toy2d::RegressPlane => "Plane",
            Toy2d::RegressGaussian => "Multi Gaussian",
        }
    }
}

/// Everything that decides a generated set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toy2dSpec {
    pub set: Toy2d,
    pub samples: usize,
    /// 0..=50, as TF Playground's noise slider.
    pub noise_percent: u32,
    /// The input columns, in this order.
    pub features: Vec<Feature>,
    pub seed: u64,
}

impl Default for Toy2dSpec {
    /// TF Playground's opening state: the circle, 500 points, no noise, inputs x and y.
    fn default() -> Self {
        Toy2dSpec { set: Toy2d::Circle, samples: 500, noise_percent: 0, features: vec![Feature::X, Feature::Y], seed: 0 }
    }
}

/// A generated point: its position, and its class (0.0 or 1.0) or regression value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point2d {
    pub x: f32,
    pub y: f32,
    pub target: f32,
}

impl Toy2dSpec {
    /// The raw points, in generation order (TF's: class 1 first; moons: class 0 first). With an
    /// odd count, class 1 gets the extra point.
    pub fn points(&self) -> Result<Vec<Point2d>, DataError> {
        if self.noise_percent > MAX_NOISE_PERCENT {
            return Err(DataError::NoiseOutOfRange(self.noise_percent));
        }
        let minimum = if self.set.is_regression() { 1 } else { 2 };
        if self.samples < minimum {
            return Err(DataError::TooFewSamples { asked: self.samples, minimum });
        }
        let noise = self.noise_percent as f64 / 100.0;
        let rng = &mut seeded_rng(self.seed);
        // TF Playground assumes even counts; with an odd one the first half gets the extra point.
        let (first, second) = (self.samples - self.samples / 2, self.samples / 2);
        let mut points = Vec::with_capacity(self.samples);
        match self.set {
            Toy2d::Circle => {
                circle_ring(rng, first, 0.0, 0.5 * CIRCLE_RADIUS, noise, &mut points);
                circle_ring(rng, second, 0.7 * CIRCLE_RADIUS, CIRCLE_RADIUS, noise, &mut points);
            }
            Toy2d::Xor => (0..self.samples).for_each(|_| points.push(xor_point(rng, noise))),
            Toy2d::Gaussians => {
                // TF maps noise 0..0.5 linearly onto variance 0.5..4.
                let variance = 0.5 + noise * 7.0;
                gaussian_blob(rng, first, 2.0, variance, 1.0, &mut points);
                gaussian_blob(rng, second, -2.0, variance, 0.0, &mut points);
            }
            Toy2d::Spiral => {
                spiral_arm(rng, first, 0.0, 1.0, noise, &mut points);
                spiral_arm(rng, second, PI, 0.0, noise, &mut points);
            }
            Toy2d::Moons => {
                // As sklearn: the outer moon (class 0) first, the inner one (class 1) gets any extra point.
                moon(rng, second, false, noise, &mut points);
                moon(rng, first, true, noise, &mut points);
            }
            Toy2d::RegressPlane => (0..self.samples).for_each(|_| points.push(regression_point(rng, noise, |x, y| (x + y) / 10.0))),
            Toy2d::RegressGaussian => (0..self.samples).for_each(|_| points.push(regression_point(rng, noise, multi_gaussian_value))),
        }
        Ok(points)
    }

    /// The data set: the chosen feature columns of every point, with classes 0 / 1 or values.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        validate_features(&self.features)?;
        let points = self.points()?;
        let mut features = Vec::with_capacity(points.len() * self.features.len());
        for p in &points {
            push_features(&self.features, p.x, p.y, &mut features);
        }
        let targets = if self.set.is_regression() {
            Targets::Values { values: points.iter().map(|p| p.target).collect(), outputs: 1 }
        } else {
            Targets::Classes { labels: points.iter().map(|p| p.target as u32).collect(), class_names: vec!["0".into(), "1".into()] }
        };
        Ok(Dataset {
            name: self.set.label().to_string(),
            features,
            feature_shape: vec![self.features.len()],
            feature_names: self.features.iter().map(|f| f.label().to_string()).collect(),
            targets,
            warnings: Vec::new(),
        })
    }
}

const CIRCLE_RADIUS: f64 = 5.0;

fn point(x: f64, y: f64, target: f64) -> Point2d {
    Point2d { x: x as f32, y: y as f32, target: target as f32 }
}

/// Points at a uniform radius in [r_min, r_max); the label is whether the *noisy* position lies
/// inside half the radius (so at high noise some points carry the other class, as in TF).
fn circle_ring(rng: &mut SeededRng, count: usize, r_min: f64, r_max: f64, noise: f64, out: &mut Vec<Point2d>) {
    for _ in 0..count {
        let r = uniform(rng, r_min, r_max);
        let angle = uniform(rng, 0.0, 2.0 * PI);
        let (x, y) = (r * angle.sin(), r * angle.cos());
        let noise_x = uniform(rng, -CIRCLE_RADIUS, CIRCLE_RADIUS) * noise;
        let noise_y = uniform(rng, -CIRCLE_RADIUS, CIRCLE_RADIUS) * noise;
        let inside = (x + noise_x).hypot(y + noise_y) < CIRCLE_RADIUS * 0.5;
        out.push(point(x, y, if inside { 1.0 } else { 0.0 }));
    }
}

/// A point in [-5, 5]² pushed 0.3 away from both axes; class 1 when the noisy x·y >= 0.
fn xor_point(rng: &mut SeededRng, noise: f64) -> Point2d {
    const PADDING: f64 = 0.3;
    let mut x = uniform(rng, -5.0, 5.0);
    x += if x > 0.0 { PADDING } else { -PADDING };
    let mut y = uniform(rng, -5.0, 5.0);
    y += if y > 0.0 { PADDING } else { -PADDING };
    let noise_x = uniform(rng, -5.0, 5.0) * noise;
    let noise_y = uniform(rng, -5.0, 5.0) * noise;
    point(x, y, if (x + noise_x) * (y + noise_y) >= 0.0 { 1.0 } else { 0.0 })
}

fn gaussian_blob(rng: &mut SeededRng, count: usize, center: f64, variance: f64, label: f64, out: &mut Vec<Point2d>) {
    for _ in 0..count {
        let x = normal(rng, center, variance);
        let y = normal(rng, center, variance);
        out.push(point(x, y, label));
    }
}

/// One arm of radius 5 turning 1.75 times, offset by `delta_t`, with uniform noise of ±noise.
fn spiral_arm(rng: &mut SeededRng, count: usize, delta_t: f64, label: f64, noise: f64, out: &mut Vec<Point2d>) {
    let n = count as f64;
    for i in 0..count {
        let r = i as f64 / n * 5.0;
        let t = 1.75 * i as f64 / n * 2.0 * PI + delta_t;
        let x = r * t.sin() + uniform(rng, -1.0, 1.0) * noise;
        let y = r * t.cos() + uniform(rng, -1.0, 1.0) * noise;
        out.push(point(x, y, label));
    }
}

/// scikit-learn's moons (outer: class 0, inner: class 1) centred and scaled by 3, with Gaussian
/// noise of standard deviation noise / 2 in moon units (so 0..0.25, sklearn's usual range).
fn moon(rng: &mut SeededRng, count: usize, inner: bool, noise: f64, out: &mut Vec<Point2d>) {
    const SCALE: f64 = 3.0;
    let std = noise / 2.0;
    for i in 0..count {
        let t = if count > 1 { PI * i as f64 / (count - 1) as f64 } else { 0.0 };
        let (x, y) = if inner { (1.0 - t.cos(), 0.5 - t.sin()) } else { (t.cos(), t.sin()) };
        let x = x + normal(rng, 0.0, std * std);
        let y = y + normal(rng, 0.0, std * std);
        out.push(point((x - 0.5) * SCALE, (y - 0.25) * SCALE, if inner { 1.0 } else { 0.0 }));
    }
}

/// A uniform point in [-6, 6]² whose value is `value_at` its noisy position.
fn regression_point(rng: &mut SeededRng, noise: f64, value_at: impl Fn(f64, f64) -> f64) -> Point2d {
    let radius = DOMAIN as f64;
    let x = uniform(rng, -radius, radius);
    let y = uniform(rng, -radius, radius);
    let noise_x = uniform(rng, -radius, radius) * noise;
    let noise_y = uniform(rng, -radius, radius) * noise;
    point(x, y, value_at(x + noise_x, y + noise_y))
}

/// Six signed bumps; the value is the strongest bump's sign × max(0, 1 - distance / 2).
fn multi_gaussian_value(x: f64, y: f64) -> f64 {
    const BUMPS: [(f64, f64, f64); 6] =
        [(-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0), (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0)];
    let mut value: f64 = 0.0;
    for (cx, cy, sign) in BUMPS {
        let bump = sign * (1.0 - (x - cx).hypot(y - cy) / 2.0).clamp(0.0, 1.0);
        if bump.abs() > value.abs() {
            value = bump;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(set: Toy2d, samples: usize, noise_percent: u32) -> Toy2dSpec {
        Toy2dSpec { set, samples, noise_percent, seed: 42, ..Toy2dSpec::default() }
    }

    #[test]
    fn spiral_without_noise_lies_on_the_two_arms_of_tf_playground() {
        let points = spec(Toy2d::Spiral, 200, 0).points().unwrap();
        // i = 10 of 100 on the class-1 arm: r = 0.5, t = 1.75 * 0.1 * 2π.
        let t = 1.75 * 0.1 * 2.0 * PI;
        assert!((points[10].x as f64 - 0.5 * t.sin()).abs() < 1e-6);
        assert!((points[10].y as f64 - 0.5 * t.cos()).abs() < 1e-6);
        assert_eq!(points[10].target, 1.0);
        // The class-0 arm is the same arm turned by π: the point mirrored through the origin.
        assert!((points[110].x + points[10].x).abs() < 1e-6 && (points[110].y + points[10].y).abs() < 1e-6);
        assert_eq!(points[110].target, 0.0);
    }

    #[test]
    fn spiral_noise_is_at_most_the_noise_fraction_in_each_coordinate() {
        let clean = spec(Toy2d::Spiral, 100, 0).points().unwrap();
        let noisy = spec(Toy2d::Spiral, 100, 50).points().unwrap();
        let largest = clean.iter().zip(&noisy).map(|(a, b)| (a.x - b.x).abs().max((a.y - b.y).abs())).fold(0.0, f32::max);
        assert!(largest <= 0.5 && largest > 0.3, "largest shift {largest}");
    }

    #[test]
    fn circle_classes_sit_inside_and_outside_the_rings_without_noise() {
        for p in spec(Toy2d::Circle, 400, 0).points().unwrap() {
            let r = p.x.hypot(p.y);
            if p.target == 1.0 {
                assert!(r < 2.5 + 1e-5, "inner point at radius {r}");
            } else {
                assert!((3.5 - 1e-5..=5.0 + 1e-5).contains(&r), "outer point at radius {r}");
            }
        }
    }

    #[test]
    fn xor_points_keep_their_padding_and_quadrant_label() {
        for p in spec(Toy2d::Xor, 400, 0).points().unwrap() {
            assert!(p.x.abs() >= 0.3 - 1e-6 && p.x.abs() <= 5.3 + 1e-6 && p.y.abs() >= 0.3 - 1e-6);
            assert_eq!(p.target, if p.x * p.y >= 0.0 { 1.0 } else { 0.0 });
        }
    }

    #[test]
    fn gaussian_variance_follows_the_noise() {
        let spread = |noise| {
            let points = spec(Toy2d::Gaussians, 4000, noise).points().unwrap();
            let positive: Vec<f32> = points.iter().filter(|p| p.target == 1.0).map(|p| p.x).collect();
            let mean = positive.iter().sum::<f32>() / positive.len() as f32;
            let variance = positive.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / positive.len() as f32;
            (mean, variance)
        };
        let (mean, variance) = spread(0);
        assert!((mean - 2.0).abs() < 0.05 && (variance - 0.5).abs() < 0.05, "{mean} {variance}");
        let (mean, variance) = spread(50);
        assert!((mean - 2.0).abs() < 0.15 && (variance - 4.0).abs() < 0.35, "{mean} {variance}");
    }

    #[test]
    fn moons_without_noise_lie_on_their_arcs() {
        for p in spec(Toy2d::Moons, 100, 0).points().unwrap() {
            // Undo the centring and scaling, then measure from each moon's centre.
            let (x, y) = (p.x as f64 / 3.0 + 0.5, p.y as f64 / 3.0 + 0.25);
            let r = if p.target == 0.0 { x.hypot(y) } else { (x - 1.0).hypot(y - 0.5) };
            assert!((r - 1.0).abs() < 1e-5, "radius {r}");
        }
    }

    #[test]
    fn regression_values_follow_the_tf_formulas() {
        for p in spec(Toy2d::RegressPlane, 200, 0).points().unwrap() {
            assert!((p.target - (p.x + p.y) / 10.0).abs() < 1e-5);
        }
        assert_eq!(multi_gaussian_value(-4.0, 2.5), 1.0);
        assert_eq!(multi_gaussian_value(0.0, 2.5), -1.0);
        assert!((multi_gaussian_value(4.0, -1.5) - -0.5).abs() < 1e-12);
        assert_eq!(multi_gaussian_value(2.0, 0.0), 0.0);
    }

    #[test]
    fn generate_builds_the_chosen_columns_and_labels() {
        let spec = Toy2dSpec { features: vec![Feature::XSquared, Feature::X], ..spec(Toy2d::Spiral, 7, 10) };
        let data = spec.generate().unwrap();
        let points = spec.points().unwrap();
        assert_eq!((data.len(), data.feature_shape.clone()), (7, vec![2]));
        assert_eq!(data.feature_names, vec!["x²", "x"]);
        assert_eq!(data.sample(3), &[points[3].x * points[3].x, points[3].x]);
        assert_eq!(data.class_counts(), vec![3, 4]);
        data.validate().unwrap();
    }

    #[test]
    fn bad_specs_are_refused() {
        assert_eq!(spec(Toy2d::Circle, 100, 51).generate(), Err(DataError::NoiseOutOfRange(51)));
        assert_eq!(spec(Toy2d::Xor, 1, 0).generate(), Err(DataError::TooFewSamples { asked: 1, minimum: 2 }));
        let no_inputs = Toy2dSpec { features: vec![], ..spec(Toy2d::Xor, 10, 0) };
        assert_eq!(no_inputs.generate(), Err(DataError::NoFeatures));
    }
}
