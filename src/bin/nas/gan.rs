//! `nas gan`: train the GAN lab's GAN natively on a 2D target for one or more seeds and print
//! modes covered, the high-quality share and the divergences, per seed and their mean.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::Backend;
use nas_playground::gan::{run_gan, GanEvent, GanOutcome, GanRunConfig, GanSpec, Target2d};

use crate::search::fail;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum TargetChoice {
    Ring,
    Grid,
    Spiral,
    Moons,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum GanDevice {
    Cpu,
    Gpu,
}

#[derive(Args)]
pub struct GanOptions {
    /// A run config as JSON ({"target", "gan", "iterations", ...}); the options below override it.
    config: Option<PathBuf>,
    #[arg(long, value_enum)]
    target: Option<TargetChoice>,
    #[arg(long)]
    iterations: Option<usize>,
    /// Train with seeds 0..N (each seed changes the weights, the noise and the real batches).
    #[arg(long, default_value_t = 1)]
    seeds: u32,
    #[arg(long, value_enum, default_value = "cpu")]
    device: GanDevice,
    /// Print every loss report as it comes.
    #[arg(long)]
    verbose: bool,
    /// Print the outcomes as JSON lines.
    #[arg(long)]
    json: bool,
}

fn load_config(options: &GanOptions) -> Result<GanRunConfig, String> {
    let mut config = match &options.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => GanRunConfig { target: Target2d::ring(), gan: GanSpec::default(), iterations: 3_000, report_every: 50, measure_every: 500 },
    };
    if let Some(target) = options.target {
        config.target = match target {
            TargetChoice::Ring => Target2d::ring(),
            TargetChoice::Grid => Target2d::grid(),
            TargetChoice::Spiral => Target2d::Spiral,
            TargetChoice::Moons => Target2d::Moons,
        };
    }
    if let Some(iterations) = options.iterations {
        config.iterations = iterations;
    }
    config.gan.validate().map_err(|e| format!("gan.{e}"))?;
    Ok(config)
}

fn train_seed<B: Backend>(be: &B, config: &GanRunConfig, verbose: bool) -> Result<GanOutcome, String> {
    pollster::block_on(run_gan(be, config, |event| {
        if verbose {
            match event {
                GanEvent::Losses { iteration, losses } => {
                    eprintln!("  {iteration:>6}  D {:.4}  G {:.4}", losses.discriminator, losses.generator)
                }
                GanEvent::Metrics(m) => eprintln!("  {:>6}  {}", m.iteration, describe(m)),
                GanEvent::Stopped { reason, .. } => eprintln!("  stopped: {reason}"),
                _ => {}
            }
        }
        true
    }))
    .map_err(|e| e.to_string())
}

fn describe(m: &nas_playground::gan::GanMetrics) -> String {
    let modes = m.coverage.as_ref().map_or(String::new(), |c| {
        format!("modes {}/{}  high quality {:.1} %  reverse KL {:.3}  ", c.covered, c.modes, 100.0 * c.high_quality, c.reverse_kl)
    });
    format!("{modes}KL {:.3}  JS {:.3}", m.kl, m.js)
}

pub fn gan(options: GanOptions) -> ExitCode {
    let base = match load_config(&options) {
        Ok(config) => config,
        Err(message) => return fail(message),
    };
    let gpu = match options.device {
        GanDevice::Gpu => match pollster::block_on(GpuContext::new()) {
            Ok(gpu) => Some(gpu),
            Err(error) => return fail(format!("no GPU to train on: {error}")),
        },
        GanDevice::Cpu => None,
    };
    let cpu = CpuBackend::new();
    let mut outcomes = Vec::new();
    for seed in 0..options.seeds.max(1) {
        let mut config = base.clone();
        config.gan.seed = base.gan.seed.wrapping_add(seed);
        let started = Instant::now();
        let outcome = match &gpu {
            Some(gpu) => train_seed(gpu, &config, options.verbose),
            None => train_seed(&cpu, &config, options.verbose),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(message) => return fail(message),
        };
        let seconds = started.elapsed().as_secs_f64();
        if options.json {
            println!("{}", serde_json::json!({"seed": config.gan.seed, "seconds": seconds, "outcome": outcome}));
        } else {
            let stop = outcome.stopped.as_deref().map_or(String::new(), |r| format!("  (stopped: {r})"));
            println!(
                "seed {:>3}: {} iterations in {seconds:.1} s ({:.0}/s)  {}{stop}",
                config.gan.seed,
                outcome.iterations,
                outcome.iterations as f64 / seconds,
                describe(&outcome.metrics)
            );
        }
        outcomes.push(outcome);
    }
    if outcomes.len() > 1 && !options.json {
        let n = outcomes.len() as f32;
        let mean = |f: &dyn Fn(&GanOutcome) -> f32| outcomes.iter().map(f).sum::<f32>() / n;
        let coverage = |o: &GanOutcome| o.metrics.coverage.clone();
        if outcomes.iter().all(|o| coverage(o).is_some()) {
            println!(
                "mean over {} seeds: modes {:.2}/{}  high quality {:.1} %  reverse KL {:.3}  KL {:.3}  JS {:.3}",
                outcomes.len(),
                mean(&|o| coverage(o).unwrap().covered as f32),
                coverage(&outcomes[0]).unwrap().modes,
                100.0 * mean(&|o| coverage(o).unwrap().high_quality),
                mean(&|o| coverage(o).unwrap().reverse_kl),
                mean(&|o| o.metrics.kl),
                mean(&|o| o.metrics.js)
            );
        } else {
            println!("mean over {} seeds: KL {:.3}  JS {:.3}", outcomes.len(), mean(&|o| o.metrics.kl), mean(&|o| o.metrics.js));
        }
    }
    ExitCode::SUCCESS
}
