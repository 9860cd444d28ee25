//! `nas bench`: training throughput of the benchmark networks on the CPU and the GPU, and the
//! per-op GPU profile.

use std::process::ExitCode;
use std::time::Instant;

use nas_playground::bench::fused::{run_fused_benchmark, FusedModel, FusedResult, FUSED_MODELS};
use nas_playground::bench::{run_benchmark, BenchModel, BenchResult};
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::detect_engine;

use crate::{DeviceChoice, ModelChoice};

pub fn profile_gpu_ops() {
    let origin = Instant::now();
    let clock = move || origin.elapsed().as_secs_f64();
    match pollster::block_on(detect_engine()) {
        (_, Some(gpu)) => match pollster::block_on(nas_playground::bench::profile::profile_ops(&gpu, &clock)) {
            Ok(timings) => {
                for t in timings {
                    eprintln!("{:>8.2} ms  {}", t.millis, t.op);
                }
                for model in BenchModel::ALL {
                    match nas_playground::bench::profile::dispatches_per_step(&gpu, model) {
                        Ok(count) => eprintln!("{count:>8}     dispatches per {} training step", model.name()),
                        Err(error) => eprintln!("dispatch count failed: {error}"),
                    }
                }
            }
            Err(error) => eprintln!("profile failed: {error}"),
        },
        (report, None) => eprintln!("no GPU to profile: {}", report.headline()),
    }
}

pub fn bench(device: DeviceChoice, model: ModelChoice, seconds: f64, json: bool) -> ExitCode {
    let models: Vec<BenchModel> = match model {
        ModelChoice::Mlp => vec![BenchModel::Mlp],
        ModelChoice::Cnn => vec![BenchModel::Cnn],
        ModelChoice::CnnSeed => vec![BenchModel::CnnSeed],
        ModelChoice::All => BenchModel::ALL.to_vec(),
    };
    let origin = Instant::now();
    let clock = move || origin.elapsed().as_secs_f64();
    let mut results: Vec<BenchResult> = Vec::new();
    if device != DeviceChoice::Gpu {
        let cpu = CpuBackend::new();
        for &m in &models {
            results.push(pollster::block_on(run_benchmark(&cpu, "rust-cpu", m, seconds, &clock)));
        }
    }
    if device != DeviceChoice::Cpu {
        let (report, gpu) = pollster::block_on(detect_engine());
        match gpu {
            Some(gpu) => {
                eprintln!("GPU engine: {}", report.headline());
                for &m in &models {
                    results.push(pollster::block_on(run_benchmark(&gpu, "rust-gpu", m, seconds, &clock)));
                }
            }
            None => eprintln!("no GPU measured: {}", report.headline()),
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results).expect("results serialise"));
    } else {
        println!("{:<10} {:<8} {:>6} {:>7} {:>14} {:>10}", "engine", "model", "batch", "steps", "samples/s", "mean loss");
        for r in &results {
            match &r.error {
                None => {
                    println!(
                        "{:<10} {:<8} {:>6} {:>7} {:>14.0} {:>10.4}",
                        r.engine,
                        r.model.name(),
                        r.batch,
                        r.steps,
                        r.samples_per_sec,
                        r.mean_loss
                    )
                }
                Some(error) => println!("{:<10} {:<8} failed: {error}", r.engine, r.model.name()),
            }
        }
    }
    if results.iter().any(|r| r.error.is_some()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// How many candidates each fused measurement trains at once.
const FUSED_MEMBERS: [usize; 3] = [1, 4, 16];

pub fn bench_fused(device: DeviceChoice, seconds: f64, json: bool) -> ExitCode {
    let origin = Instant::now();
    let clock = move || origin.elapsed().as_secs_f64();
    let mut results: Vec<FusedResult> = Vec::new();
    let measure_all = |results: &mut Vec<FusedResult>, run: &dyn Fn(FusedModel, usize) -> FusedResult| {
        for model in FUSED_MODELS {
            for members in FUSED_MEMBERS {
                let result = run(model, members);
                eprintln!(
                    "{} {} x{}: {:.0} fused, {:.0} one after another",
                    result.engine, result.model, members, result.fused_samples_per_sec, result.sequential_samples_per_sec
                );
                results.push(result);
            }
        }
    };
    if device != DeviceChoice::Gpu {
        let cpu = CpuBackend::new();
        measure_all(&mut results, &|model, k| pollster::block_on(run_fused_benchmark(&cpu, "rust-cpu", model, k, seconds, &clock)));
    }
    if device != DeviceChoice::Cpu {
        match pollster::block_on(detect_engine()) {
            (report, Some(gpu)) => {
                eprintln!("GPU engine: {}", report.headline());
                measure_all(&mut results, &|model, k| pollster::block_on(run_fused_benchmark(&gpu, "rust-gpu", model, k, seconds, &clock)));
            }
            (report, None) => eprintln!("no GPU measured: {}", report.headline()),
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results).expect("results serialise"));
    } else {
        println!(
            "{:<10} {:<10} {:>6} {:>8} {:>16} {:>16} {:>8}",
            "engine", "model", "batch", "members", "fused samples/s", "one by one", "ratio"
        );
        for r in &results {
            match &r.error {
                None => println!(
                    "{:<10} {:<10} {:>6} {:>8} {:>16.0} {:>16.0} {:>7.2}x",
                    r.engine,
                    r.model,
                    r.batch,
                    r.members,
                    r.fused_samples_per_sec,
                    r.sequential_samples_per_sec,
                    r.speedup()
                ),
                Some(error) => println!("{:<10} {:<10} x{} failed: {error}", r.engine, r.model, r.members),
            }
        }
    }
    if results.iter().any(|r| r.error.is_some()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
