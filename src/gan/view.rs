//! What the GAN lab's view draws, as GAN Lab draws it, computed here so the page only paints:
//! real and generated samples, the discriminator's belief over the plane, the pull on each
//! generated sample (D's input gradient), the noise grid pushed through G as a warped mesh, the
//! history of losses and metrics, and the sentences a slow mode says about each step.

use serde::{Deserialize, Serialize};

use crate::engine::Backend;

use super::spec::{GanLoss, NoiseDistribution};
use super::train::{GanError, GanLosses, GanMetrics, GanTrainer};

/// How much of the picture to compute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameOptions {
    /// Cells per side of the discriminator's map.
    pub resolution: usize,
    /// Real and generated points drawn.
    pub samples: usize,
    /// Generated points that get an arrow.
    pub arrows: usize,
    /// Lines per direction of the noise mesh.
    pub mesh_lines: usize,
}

impl Default for FrameOptions {
    fn default() -> Self {
        Self { resolution: 32, samples: 500, arrows: 120, mesh_lines: 11 }
    }
}

/// One picture of a GAN in training.
#[derive(Debug, Clone, PartialEq)]
pub struct GanFrame {
    pub iteration: usize,
    /// Discriminator and generator steps taken.
    pub steps: (usize, usize),
    /// The picture spans [-reach, reach] on both axes.
    pub reach: f32,
    pub resolution: usize,
    /// D's belief that a point is real, per cell, row by row from the top (y = reach) down.
    pub belief: Vec<f32>,
    pub real: Vec<[f32; 2]>,
    pub generated: Vec<[f32; 2]>,
    /// Where G's loss pushes `generated[i]`, for the first `pull.len()` points.
    pub pull: Vec<[f32; 2]>,
    /// Lines of the noise grid (first two noise dimensions; the rest at zero) as G maps them.
    pub mesh: Vec<Vec<[f32; 2]>>,
}

impl<B: Backend> GanTrainer<B> {
    /// Computes the picture of this moment (no training).
    pub async fn frame(&mut self, be: &B, options: FrameOptions) -> Result<GanFrame, GanError> {
        let reach = self.target().reach();
        let side = options.resolution.max(2);
        let cells: Vec<[f32; 2]> = (0..side * side).map(|cell| cell_centre(cell, side, reach)).collect();
        let belief = self.discriminator_map(be, &cells).await?;
        let mut generated = self.samples(be).await?;
        generated.truncate(options.samples);
        let arrows = options.arrows.min(generated.len());
        let pull = if arrows > 0 { self.generator_pull(be, &generated[..arrows]).await? } else { Vec::new() };
        let mesh = self.noise_mesh(be, options.mesh_lines).await?;
        Ok(GanFrame {
            iteration: self.iterations(),
            steps: self.steps(),
            reach,
            resolution: side,
            belief,
            real: self.real_points(options.samples),
            generated,
            pull,
            mesh,
        })
    }

    /// The noise grid's lines through the generator: `lines` horizontal and `lines` vertical ones
    /// across the noise's usual range, each sampled at `lines * 3` points.
    async fn noise_mesh(&mut self, be: &B, lines: usize) -> Result<Vec<Vec<[f32; 2]>>, GanError> {
        if lines < 2 {
            return Ok(Vec::new());
        }
        let dim = self.spec().noise.dim;
        let span = match self.spec().noise.distribution {
            NoiseDistribution::Uniform => 1.0,
            NoiseDistribution::Gaussian => 2.0,
        };
        let along = lines * 3;
        let at = |i: usize, of: usize| -span + 2.0 * span * i as f32 / (of - 1) as f32;
        let directions = if dim == 1 { 1 } else { 2 };
        let mut noise = Vec::with_capacity(directions * lines * along * dim);
        for direction in 0..directions {
            for line in 0..lines {
                for step in 0..along {
                    let mut z = vec![0.0; dim];
                    let (fixed, moving) = (at(line, lines), at(step, along));
                    if dim == 1 {
                        z[0] = moving;
                    } else if direction == 0 {
                        (z[0], z[1]) = (moving, fixed);
                    } else {
                        (z[0], z[1]) = (fixed, moving);
                    }
                    noise.extend(z);
                }
            }
        }
        let points = self.generate_from(be, &noise).await?;
        let lines_made = if dim == 1 { 1 } else { directions * lines };
        Ok(points.chunks(along).take(lines_made).map(|line| line.to_vec()).collect())
    }
}

/// The centre of `cell` (row by row from the top) of a `side` x `side` grid over [-reach, reach]².
pub fn cell_centre(cell: usize, side: usize, reach: f32) -> [f32; 2] {
    let (row, col) = (cell / side, cell % side);
    let step = 2.0 * reach / side as f32;
    [-reach + (col as f32 + 0.5) * step, reach - (row as f32 + 0.5) * step]
}

/// A point's position on a square picture `size` pixels across.
pub fn to_pixel(point: [f32; 2], reach: f32, size: f64) -> (f64, f64) {
    let scale = size / (2.0 * reach as f64);
    ((point[0] as f64 + reach as f64) * scale, (reach as f64 - point[1] as f64) * scale)
}

/// Green where D believes real, purple where it believes generated, pale at 0.5 (GAN Lab's
/// colours), one RGBA pixel per cell.
pub fn belief_rgba(belief: &[f32]) -> Vec<u8> {
    const REAL: [f32; 3] = [0x1b as f32, 0x9e as f32, 0x77 as f32];
    const FAKE: [f32; 3] = [0x75 as f32, 0x70 as f32, 0xb3 as f32];
    belief
        .iter()
        .flat_map(|&p| {
            let p = if p.is_finite() { p.clamp(0.0, 1.0) } else { 0.5 };
            let (colour, amount) = if p >= 0.5 { (REAL, (p - 0.5) * 2.0) } else { (FAKE, (0.5 - p) * 2.0) };
            // Never full strength, so the points stay visible over it.
            let amount = 0.55 * amount;
            let mix = |c: f32| (255.0 - (255.0 - c) * amount) as u8;
            [mix(colour[0]), mix(colour[1]), mix(colour[2]), 255]
        })
        .collect()
}

/// The longest arrow drawn, as a share of the picture's width; the others are scaled to it.
pub const ARROW_SHARE: f64 = 0.06;

/// The arrows' segments in pixels, from each generated point along its pull, the longest
/// `ARROW_SHARE` of the picture.
pub fn arrow_segments(frame: &GanFrame, size: f64) -> Vec<((f64, f64), (f64, f64))> {
    let longest = frame.pull.iter().map(|g| g[0].hypot(g[1])).filter(|v| v.is_finite()).fold(1e-12f32, f32::max) as f64;
    let scale = ARROW_SHARE * size / longest;
    frame
        .pull
        .iter()
        .zip(&frame.generated)
        .filter(|(g, _)| g[0].is_finite() && g[1].is_finite())
        .map(|(g, p)| {
            let from = to_pixel(*p, frame.reach, size);
            (from, (from.0 + g[0] as f64 * scale, from.1 - g[1] as f64 * scale))
        })
        .collect()
}

/// What a training run has reported so far, for the charts; long runs keep every other entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GanHistory {
    pub losses: Vec<(usize, GanLosses)>,
    pub metrics: Vec<GanMetrics>,
}

/// Entries kept per series before the oldest half is thinned.
const HISTORY_LIMIT: usize = 1_000;

fn thin<T>(series: &mut Vec<T>) {
    if series.len() > HISTORY_LIMIT {
        let mut keep = 0;
        series.retain(|_| {
            keep += 1;
            keep > HISTORY_LIMIT / 2 || keep % 2 == 1
        });
    }
}

impl GanHistory {
    pub fn push_losses(&mut self, iteration: usize, losses: GanLosses) {
        self.losses.push((iteration, losses));
        thin(&mut self.losses);
    }

    pub fn push_metrics(&mut self, metrics: GanMetrics) {
        self.metrics.push(metrics);
        thin(&mut self.metrics);
    }
}

/// Which network a single step trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Discriminator,
    Generator,
}

/// What one step did, in words, for the slow mode.
pub fn explain_step(kind: StepKind, step: usize, loss: GanLoss, batch: usize, value: f32) -> String {
    let value = if value.is_finite() { format!("{value:.3}") } else { "not a number".into() };
    match (kind, loss) {
        (StepKind::Discriminator, GanLoss::NonSaturating) => format!(
            "Discriminator step {step}: D looked at {batch} real points (answer: real) and {batch} generated ones (answer: \
             generated) and moved its weights to answer better. Its loss, the cross-entropy of both answers, was {value}. \
             Green grows where it now believes real, purple where it believes generated."
        ),
        (StepKind::Discriminator, GanLoss::LeastSquares) => format!(
            "Discriminator step {step}: D scored {batch} real points (target 1) and {batch} generated ones (target 0) and moved \
             its weights to score closer to the targets. Its loss, the squared error of both, was {value}."
        ),
        (StepKind::Generator, GanLoss::NonSaturating) => format!(
            "Generator step {step}: G made {batch} points, D judged them, and G moved its weights so its points go where D \
             believes real: along the arrows, which are D's gradient at each point. D did not change. G's loss, \
             -log D(G(z)), was {value}; the mesh shows how G now bends the noise plane."
        ),
        (StepKind::Generator, GanLoss::LeastSquares) => format!(
            "Generator step {step}: G made {batch} points and moved its weights to raise D's score of them towards 1 (real), \
             along the arrows. D did not change. G's loss, the squared distance of D's score from 1, was {value}."
        ),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::engine::cpu::CpuBackend;
    use crate::gan::{GanSpec, Target2d};

    #[test]
    fn a_frame_holds_every_layer_of_the_picture() {
        let be = CpuBackend::new();
        let spec = GanSpec { noise: crate::gan::NoiseSpec { dim: 3, ..GanSpec::default().noise }, ..GanSpec::default() };
        let mut trainer = GanTrainer::new(&be, &spec, &Target2d::ring()).unwrap();
        for _ in 0..20 {
            trainer.iterate(&be).unwrap();
        }
        let options = FrameOptions { resolution: 16, samples: 200, arrows: 50, mesh_lines: 5 };
        let frame = pollster::block_on(trainer.frame(&be, options)).unwrap();
        assert_eq!((frame.iteration, frame.steps), (20, (20, 20)));
        assert_eq!(frame.belief.len(), 256);
        assert!(frame.belief.iter().all(|p| (0.0..=1.0).contains(p)));
        assert_eq!((frame.real.len(), frame.generated.len(), frame.pull.len()), (200, 200, 50));
        assert_eq!(frame.mesh.len(), 10);
        assert!(frame.mesh.iter().all(|line| line.len() == 15));
        assert!(frame.pull.iter().any(|g| g[0].hypot(g[1]) > 0.0), "D pulls the generated points somewhere");
        assert_eq!(belief_rgba(&frame.belief).len(), 256 * 4);
        let arrows = arrow_segments(&frame, 400.0);
        let longest = arrows.iter().map(|(a, b)| (b.0 - a.0).hypot(b.1 - a.1)).fold(0.0, f64::max);
        assert!((longest - ARROW_SHARE * 400.0).abs() < 1e-6, "{longest}");
        // The same moment pictured twice is the same picture.
        assert_eq!(pollster::block_on(trainer.frame(&be, options)).unwrap(), frame);
    }

    #[test]
    fn pixels_and_cells_agree() {
        assert_eq!(cell_centre(0, 4, 2.0), [-1.5, 1.5]);
        assert_eq!(cell_centre(15, 4, 2.0), [1.5, -1.5]);
        assert_eq!(to_pixel([-2.0, 2.0], 2.0, 100.0), (0.0, 0.0));
        assert_eq!(to_pixel([2.0, -2.0], 2.0, 100.0), (100.0, 100.0));
        let colours = belief_rgba(&[1.0, 0.5, 0.0]);
        assert_eq!(&colours[4..8], &[255, 255, 255, 255], "undecided is white");
        assert!(colours[1] > colours[0] && colours[10] > colours[9], "green for real, purple for generated");
    }

    #[test]
    fn long_histories_are_thinned_not_cut() {
        let mut history = GanHistory::default();
        for i in 0..5_000 {
            history.push_losses(i, GanLosses { discriminator: 1.0, generator: 1.0 });
        }
        assert!(history.losses.len() <= HISTORY_LIMIT + 1);
        assert_eq!(history.losses.last().unwrap().0, 4_999, "the newest entry stays");
        assert!(history.losses[0].0 < 100, "the oldest stays in sight");
    }

    #[test]
    fn the_slow_mode_says_what_each_step_did() {
        let d = explain_step(StepKind::Discriminator, 3, GanLoss::NonSaturating, 128, 1.2345);
        assert!(d.contains("Discriminator step 3") && d.contains("128 real points") && d.contains("1.235"), "{d}");
        let g = explain_step(StepKind::Generator, 4, GanLoss::LeastSquares, 64, f32::NAN);
        assert!(g.contains("D did not change") && g.contains("not a number"), "{g}");
    }
}
