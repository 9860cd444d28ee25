//! The GAN lab's training, natively: gradients of both GAN losses against finite differences,
//! CPU and GPU agreeing over 20 iterations, divergence stopped with a reason, and the default GAN
//! covering the ring of eight for five seeds.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::seeded_values;
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::{Activation, Backend};
use nas_playground::gan::{
    run_gan, GanEvent, GanLoss, GanOptimizer, GanRunConfig, GanSpec, GanTrainer, NetworkSpec, NoiseDistribution, NoiseSpec, Target2d,
};
use nas_playground::nn::Optimizer;

fn small_spec(loss: GanLoss) -> GanSpec {
    let smooth = NetworkSpec { depth: 2, width: 6, activation: Activation::Tanh };
    GanSpec {
        generator: smooth.clone(),
        discriminator: NetworkSpec { activation: Activation::Gelu, ..smooth },
        noise: NoiseSpec { dim: 3, distribution: NoiseDistribution::Uniform },
        loss,
        batch_size: 5,
        ..GanSpec::default()
    }
}

/// Both losses of `trainer` at its current parameters on fixed batches.
fn losses<B: Backend>(be: &B, trainer: &mut GanTrainer<B>, noise: &[f32], real: &[f32]) -> (f32, f32) {
    let losses = pollster::block_on(trainer.losses_on(be, noise, real)).unwrap();
    (losses.discriminator, losses.generator)
}

#[test]
fn both_losses_of_both_kinds_pass_a_finite_difference_check() {
    let be = CpuBackend::new();
    for loss in [GanLoss::NonSaturating, GanLoss::LeastSquares] {
        let spec = small_spec(loss);
        let mut trainer = GanTrainer::new(&be, &spec, &Target2d::ring()).unwrap();
        let noise = seeded_values(3, 5 * 3);
        let real: Vec<f32> = seeded_values(4, 5 * 2);
        losses(&be, &mut trainer, &noise, &real);
        let (g_grads, d_grads) = pollster::block_on(trainer.gradients(&be)).unwrap();
        let (g_params, d_params) = pollster::block_on(trainer.parameters(&be)).unwrap();
        let h = 1e-3;
        let mut worst = 0f32;
        // G's gradient of G's loss, through D; D's gradient of D's loss. D's loss is reported as
        // the sum of its real and generated means, its gradient taken of their mean: half of it.
        for (network, grads) in [(0, &g_grads), (1, &d_grads)] {
            for (tensor, values) in grads.iter().enumerate() {
                for i in (0..values.len()).step_by(3) {
                    let mut nudged = |delta: f32| {
                        let (mut g, mut d) = (g_params.clone(), d_params.clone());
                        if network == 0 {
                            g[tensor][i] += delta
                        } else {
                            d[tensor][i] += delta
                        }
                        trainer.set_parameters(&be, &g, &d);
                        let (d_loss, g_loss) = losses(&be, &mut trainer, &noise, &real);
                        if network == 0 {
                            g_loss
                        } else {
                            d_loss / 2.0
                        }
                    };
                    let (up, down) = (nudged(h), nudged(-h));
                    let numeric = (up - down) / (2.0 * h);
                    let analytic = values[i];
                    let gap = (numeric - analytic).abs() / (1e-2 + numeric.abs().max(analytic.abs()));
                    worst = worst.max(gap);
                    let who = if network == 0 { "generator" } else { "discriminator" };
                    assert!(gap < 2e-2, "{loss:?}, {who} tensor {tensor}[{i}]: {numeric} by differences, {analytic} by backward");
                }
            }
        }
        trainer.set_parameters(&be, &g_params, &d_params);
        println!("{loss:?}: worst relative gap {worst:.2e}");
    }
}

/// 20 iterations of a small GAN: both losses as read every 5, and both networks' parameters.
fn twenty_iterations<B: Backend>(be: &B, spec: &GanSpec) -> (Vec<f32>, Vec<f32>) {
    let mut trainer = GanTrainer::new(be, spec, &Target2d::grid()).unwrap();
    let mut losses = Vec::new();
    for i in 1..=20 {
        trainer.iterate(be).unwrap();
        if i % 5 == 0 {
            let l = pollster::block_on(trainer.take_losses(be)).unwrap().unwrap();
            losses.extend([l.discriminator, l.generator]);
        }
    }
    let (g, d) = pollster::block_on(trainer.parameters(be)).unwrap();
    (losses, g.into_iter().chain(d).flatten().collect())
}

#[test]
fn cpu_and_gpu_agree_over_twenty_iterations() {
    let gpu = pollster::block_on(GpuContext::new()).expect("a GPU adapter (llvmpipe) for the native tests");
    for loss in [GanLoss::NonSaturating, GanLoss::LeastSquares] {
        let spec = GanSpec {
            generator: NetworkSpec { depth: 2, width: 16, activation: Activation::Relu },
            discriminator: NetworkSpec { depth: 2, width: 16, activation: Activation::LeakyRelu { slope: 0.2 } },
            d_steps: 2,
            batch_size: 32,
            loss,
            ..GanSpec::default()
        };
        let (cpu_losses, cpu_params) = twenty_iterations(&CpuBackend::new(), &spec);
        let (gpu_losses, gpu_params) = twenty_iterations(&gpu, &spec);
        let gap = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        println!("{loss:?}: losses differ by {:.2e}, parameters by {:.2e}", gap(&cpu_losses, &gpu_losses), gap(&cpu_params, &gpu_params));
        assert!(gap(&cpu_losses, &gpu_losses) < 1e-3, "{cpu_losses:?} on the CPU, {gpu_losses:?} on the GPU");
        assert!(gap(&cpu_params, &gpu_params) < 1e-3, "parameters differ by {}", gap(&cpu_params, &gpu_params));
        assert_ne!(cpu_params, twenty_iterations(&CpuBackend::new(), &GanSpec { seed: 1, ..spec.clone() }).1, "the seed matters");
    }
}

#[test]
fn a_runaway_learning_rate_stops_with_a_reason() {
    let sgd = GanOptimizer { optimizer: Optimizer::Momentum { momentum: 0.9 }, learning_rate: 1.0, beta1: 0.5 };
    let config = GanRunConfig {
        target: Target2d::grid(),
        gan: GanSpec { generator_optimizer: sgd, discriminator_optimizer: sgd, loss: GanLoss::LeastSquares, ..GanSpec::default() },
        iterations: 2_000,
        report_every: 10,
        measure_every: 50,
    };
    let mut events = Vec::new();
    let outcome = pollster::block_on(run_gan(&CpuBackend::new(), &config, |event| {
        events.push(event.clone());
        true
    }))
    .unwrap();
    let reason = outcome.stopped.clone().expect("a learning rate of 1 with momentum diverges");
    println!("stopped after {} iterations: {reason}", outcome.iterations);
    assert!(outcome.iterations < 2_000);
    assert!(reason.contains("learning rate"), "the reason says what to change: {reason}");
    assert!(matches!(events.last(), Some(GanEvent::Stopped { .. })), "the last event is the stop");
    assert_eq!(outcome.score(), 0.0, "a diverged run scores nothing");
}

#[test]
fn the_default_gan_covers_the_ring_of_eight_for_five_seeds() {
    let be = CpuBackend::new();
    let mut figures = Vec::new();
    for seed in 0..5 {
        let config = GanRunConfig {
            target: Target2d::ring(),
            gan: GanSpec { seed, ..GanSpec::default() },
            iterations: 8_000,
            report_every: 100,
            measure_every: 2_000,
        };
        let mut measured = 0;
        let outcome = pollster::block_on(run_gan(&be, &config, |event| {
            measured += matches!(event, GanEvent::Metrics(_)) as usize;
            true
        }))
        .unwrap();
        assert_eq!(measured, 4, "measured every 2,000 iterations");
        assert_eq!(outcome.stopped, None, "seed {seed}");
        let coverage = outcome.metrics.coverage.clone().expect("the ring has modes");
        println!(
            "seed {seed}: {}/8 modes, {:.1} % high quality, reverse KL {:.3}, KL {:.3}, JS {:.3}",
            coverage.covered,
            100.0 * coverage.high_quality,
            coverage.reverse_kl,
            outcome.metrics.kl,
            outcome.metrics.js
        );
        assert!(coverage.covered >= 7, "seed {seed}: {coverage:?}");
        assert!(coverage.high_quality >= 0.5, "seed {seed}: {coverage:?}");
        figures.push(coverage);
    }
    let n = figures.len() as f32;
    println!(
        "mean over 5 seeds after 8,000 iterations: {:.2}/8 modes, {:.1} % high quality",
        figures.iter().map(|c| c.covered as f32).sum::<f32>() / n,
        100.0 * figures.iter().map(|c| c.high_quality).sum::<f32>() / n
    );
}

/// Every lesson runs, and shows what its guide says it shows (seed 0, its iterations).
#[test]
fn every_gan_lesson_shows_what_its_guide_says() {
    let be = CpuBackend::new();
    let mut covered = std::collections::HashMap::new();
    for lesson in nas_playground::gan::gan_lessons() {
        lesson.setup.target.validate().unwrap();
        lesson.setup.gan.validate().unwrap();
        let config = GanRunConfig {
            target: lesson.setup.target.clone(),
            gan: lesson.setup.gan.clone(),
            iterations: lesson.iterations,
            report_every: 100,
            measure_every: lesson.iterations,
        };
        let outcome = pollster::block_on(run_gan(&be, &config, |_| true)).unwrap();
        let coverage = outcome.metrics.coverage.clone().expect("every lesson's target has modes");
        println!("{}: {}/{} modes, {:.1} % high quality", lesson.id, coverage.covered, coverage.modes, 100.0 * coverage.high_quality);
        covered.insert(lesson.id, (coverage.covered, coverage.high_quality));
    }
    assert_eq!(covered["ring"].0, 8, "the ring lesson covers every mode");
    assert!(covered["collapse"].0 <= 2 && covered["collapse"].1 > 0.7, "collapse: few modes, sharp: {:?}", covered["collapse"]);
    assert!(covered["strong-critic"].0 <= 5, "a strong critic leaves modes uncovered: {:?}", covered["strong-critic"]);
    assert!(covered["hasty"].0 <= 3, "high learning rates cover a couple: {:?}", covered["hasty"]);
    assert!(covered["line-noise"].0 < 8, "one noise dimension reaches fewer: {:?}", covered["line-noise"]);
    assert!((15..25).contains(&covered["grid"].0), "the grid climbs past 15 early: {:?}", covered["grid"]);
}
