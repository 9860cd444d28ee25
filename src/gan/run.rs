//! A whole GAN run: iterate a `GanTrainer`, report losses every few iterations and metrics and
//! samples every few more, and stop with a reason when training diverges. The same loop serves
//! the `nas gan` command, the tests and a search's trial; a live view steps the trainer itself.

use serde::{Deserialize, Serialize};

use crate::engine::Backend;

use super::metrics::ModeCoverage;
use super::spec::GanSpec;
use super::targets::Target2d;
use super::train::{GanError, GanLosses, GanMetrics, GanTrainer};

fn default_report_every() -> usize {
    50
}

fn default_measure_every() -> usize {
    500
}

/// What to train on, with what, for how long, and how often to look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanRunConfig {
    pub target: Target2d,
    pub gan: GanSpec,
    pub iterations: usize,
    /// Losses are read (and divergence checked) every this many iterations.
    #[serde(default = "default_report_every")]
    pub report_every: usize,
    /// Metrics and samples every this many iterations, and at the end.
    #[serde(default = "default_measure_every")]
    pub measure_every: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum GanEvent {
    Losses { iteration: usize, losses: GanLosses },
    Metrics(GanMetrics),
    Samples { iteration: usize, points: Vec<[f32; 2]> },
    Stopped { iteration: usize, reason: String },
    Finished { iterations: usize },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GanOutcome {
    pub iterations: usize,
    /// The last measurement (taken at the end, or when training stopped).
    pub metrics: GanMetrics,
    /// Why training stopped early, if it did.
    pub stopped: Option<String>,
}

/// Reports in a row with the discriminator's loss below `WINNING_LOSS` before a run is called
/// diverged: D then tells every point apart and G learns nothing useful.
const WINNING_REPORTS: usize = 3;
const WINNING_LOSS: f32 = 1e-3;

/// Tells a diverged run from a healthy one, from what it reports.
#[derive(Debug, Default)]
pub struct DivergenceWatch {
    winning_reports: usize,
}

impl DivergenceWatch {
    /// A reason to stop, from the losses read at `iteration`.
    pub fn losses(&mut self, iteration: usize, losses: &GanLosses) -> Option<String> {
        for (who, value) in [("discriminator", losses.discriminator), ("generator", losses.generator)] {
            if !value.is_finite() {
                return Some(format!("the {who}'s loss became {value} by iteration {iteration}: lower the learning rates"));
            }
        }
        if losses.discriminator < WINNING_LOSS {
            self.winning_reports += 1;
        } else {
            self.winning_reports = 0;
        }
        (self.winning_reports >= WINNING_REPORTS).then(|| {
            format!(
                "by iteration {iteration} the discriminator tells every real point from every generated one (its loss below \
                 {WINNING_LOSS} {WINNING_REPORTS} reports running), so the generator has nothing left to follow: give D fewer \
                 steps or a lower learning rate"
            )
        })
    }

    /// A reason to stop, from the generated samples.
    pub fn samples(iteration: usize, points: &[[f32; 2]], reach: f32) -> Option<String> {
        let far = 1_000.0 * reach;
        points.iter().flatten().find(|v| !v.is_finite() || v.abs() > far).map(|v| {
            format!(
                "by iteration {iteration} the generator puts points at {v:.1}, far off the plane (±{reach:.2}): lower its learning rate"
            )
        })
    }
}

/// Trains `config.gan` on `config.target` for `config.iterations`, calling `on_event` with each
/// report; `on_event` returns false to stop early (cancelled: no reason recorded).
pub async fn run_gan<B: Backend>(
    be: &B,
    config: &GanRunConfig,
    mut on_event: impl FnMut(&GanEvent) -> bool,
) -> Result<GanOutcome, GanError> {
    let mut trainer = GanTrainer::new(be, &config.gan, &config.target)?;
    let (report_every, measure_every) = (config.report_every.max(1), config.measure_every.max(1));
    let mut watch = DivergenceWatch::default();
    let mut stopped = None;
    let mut last_samples = None;
    while trainer.iterations() < config.iterations {
        trainer.iterate(be)?;
        let iteration = trainer.iterations();
        let mut keep_going = true;
        if iteration % report_every == 0 || iteration == config.iterations {
            if let Some(losses) = trainer.take_losses(be).await? {
                keep_going &= on_event(&GanEvent::Losses { iteration, losses });
                stopped = watch.losses(iteration, &losses);
            }
        }
        if keep_going && stopped.is_none() && (iteration % measure_every == 0 || iteration == config.iterations) {
            let points = trainer.samples(be).await?;
            stopped = DivergenceWatch::samples(iteration, &points, config.target.reach());
            if stopped.is_none() {
                keep_going &= on_event(&GanEvent::Metrics(trainer.measure(&points)));
                keep_going &= on_event(&GanEvent::Samples { iteration, points: points.clone() });
                last_samples = Some((iteration, points));
            }
        }
        if let Some(reason) = &stopped {
            on_event(&GanEvent::Stopped { iteration, reason: reason.clone() });
            break;
        }
        if !keep_going {
            break;
        }
    }
    let metrics = match last_samples {
        Some((iteration, points)) if iteration == trainer.iterations() => trainer.measure(&points),
        _ => {
            let points = trainer.samples(be).await?;
            trainer.measure(&points)
        }
    };
    if stopped.is_none() {
        on_event(&GanEvent::Finished { iterations: trainer.iterations() });
    }
    Ok(GanOutcome { iterations: trainer.iterations(), metrics, stopped })
}

impl GanOutcome {
    /// The search's score: modes covered first, then the high-quality share; targets without
    /// modes score by how close the densities are (1 - JS / ln 2).
    pub fn score(&self) -> f64 {
        match &self.metrics.coverage {
            Some(ModeCoverage { covered, high_quality, .. }) if self.stopped.is_none() => *covered as f64 + *high_quality as f64,
            Some(_) => 0.0,
            None if self.stopped.is_none() => 1.0 - self.metrics.js as f64 / std::f64::consts::LN_2,
            None => 0.0,
        }
    }
}
