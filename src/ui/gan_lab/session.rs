//! A GAN lab session: the trainer on the page's CPU engine, what it has reported, and how the
//! clock drives it (slices of training, or one explained step at a time).

use super::super::inside_panel::run_now;
use crate::engine::cpu::CpuBackend;
use crate::gan::{explain_step, FrameOptions, GanFrame, GanHistory, GanMetrics, GanSpec, GanTrainer, StepKind, Target2d};

/// How fast the lab trains: slices of the page's thread, or one explained step at a time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Speed {
    Explained,
    Normal,
    Fast,
}

impl Speed {
    pub(super) fn of(id: &str) -> Speed {
        match id {
            "explained" => Speed::Explained,
            "fast" => Speed::Fast,
            _ => Speed::Normal,
        }
    }

    /// Milliseconds between ticks, and milliseconds of training per tick.
    pub(super) fn timing(self) -> (u32, f64) {
        match self {
            Speed::Explained => (1_500, 0.0),
            Speed::Normal => (50, 10.0),
            Speed::Fast => (40, 24.0),
        }
    }
}

/// Iterations between two measurements of the generator.
pub(super) const MEASURE_EVERY: usize = 250;

/// A training session: the trainer on its engine and what it has reported.
pub(super) struct Session {
    pub(super) be: CpuBackend,
    pub(super) trainer: GanTrainer<CpuBackend>,
    pub(super) history: GanHistory,
    pub(super) last_measured: usize,
    /// In explained mode, the step the schedule takes next (d_steps D steps, then g_steps G steps).
    pub(super) schedule_at: usize,
}

impl Session {
    pub(super) fn new(spec: &GanSpec, target: &Target2d) -> Result<Session, String> {
        let be = CpuBackend::new();
        let trainer = GanTrainer::new(&be, spec, target).map_err(|e| e.to_string())?;
        Ok(Session { be, trainer, history: GanHistory::default(), last_measured: usize::MAX, schedule_at: 0 })
    }

    pub(super) fn record_losses(&mut self) {
        let iteration = self.trainer.iterations();
        if let Some(Ok(Some(losses))) = run_now(self.trainer.take_losses(&self.be)) {
            self.history.push_losses(iteration.max(1), losses);
        }
    }

    pub(super) fn measure(&mut self) -> Option<GanMetrics> {
        let points = run_now(self.trainer.samples(&self.be))?.ok()?;
        let metrics = self.trainer.measure(&points);
        self.last_measured = self.trainer.iterations();
        self.history.push_metrics(metrics.clone());
        Some(metrics)
    }

    /// Trains whole iterations for about `budget_ms`; measures when due.
    pub(super) fn train_for(&mut self, budget_ms: f64) -> Result<(), String> {
        let started = now();
        loop {
            self.trainer.iterate(&self.be).map_err(|e| e.to_string())?;
            if self.trainer.iterations().is_multiple_of(MEASURE_EVERY) {
                self.record_losses();
                self.measure();
            }
            if now() - started >= budget_ms {
                break;
            }
        }
        self.record_losses();
        Ok(())
    }

    /// One step of one network, and what it did in words.
    pub(super) fn step(&mut self, kind: StepKind) -> Result<String, String> {
        let spec = self.trainer.spec().clone();
        let result = match kind {
            StepKind::Discriminator => self.trainer.step_discriminator(&self.be),
            StepKind::Generator => self.trainer.step_generator(&self.be),
        };
        result.map_err(|e| e.to_string())?;
        let (d_steps, g_steps) = self.trainer.steps();
        let losses = run_now(self.trainer.take_losses(&self.be)).and_then(|r| r.ok()).flatten();
        let (count, value) = match kind {
            StepKind::Discriminator => (d_steps, losses.map_or(f32::NAN, |l| l.discriminator)),
            StepKind::Generator => (g_steps, losses.map_or(f32::NAN, |l| l.generator)),
        };
        if let Some(losses) = losses {
            let mut shown = losses;
            // A single step reports one network's loss; the chart keeps the other's last value.
            let previous = self.history.losses.last().map(|(_, l)| *l);
            if !shown.discriminator.is_finite() {
                shown.discriminator = previous.map_or(f32::NAN, |l| l.discriminator);
            }
            if !shown.generator.is_finite() {
                shown.generator = previous.map_or(f32::NAN, |l| l.generator);
            }
            self.history.push_losses(self.trainer.iterations().max(1), shown);
        }
        Ok(explain_step(kind, count, spec.loss, spec.batch_size, value))
    }

    /// The explained mode's next step: D for d_steps, then G for g_steps, then round again.
    pub(super) fn scheduled_step(&mut self) -> Result<String, String> {
        let spec = self.trainer.spec();
        let (d, g) = (spec.d_steps, spec.g_steps);
        let kind = if self.schedule_at < d { StepKind::Discriminator } else { StepKind::Generator };
        self.schedule_at = (self.schedule_at + 1) % (d + g);
        self.step(kind)
    }

    pub(super) fn frame(&mut self) -> Option<GanFrame> {
        run_now(self.trainer.frame(&self.be, FrameOptions::default()))?.ok()
    }
}

pub(super) fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
