//! `nas`: the command-line interface on the same core as the playground page.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The page is the browser's entry point; this binary is native only.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand, ValueEnum};
    use nas_playground::bench::{run_benchmark, BenchModel, BenchResult};
    use nas_playground::engine::cpu::CpuBackend;
    use nas_playground::engine::detect_engine;
    use std::process::ExitCode;
    use std::time::Instant;

    /// Neural architecture search on WebGPU or the CPU: the playground's engine, from a terminal.
    #[derive(Parser)]
    #[command(name = "nas", version, about, long_about = None)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Show which engine this machine would train on: the GPU adapter, or the CPU and why.
        Engine {
            /// Print the report as JSON.
            #[arg(long)]
            json: bool,
        },
        /// Measure training throughput (samples/s) of the MLP 784-128-10 (batch 256) and the CNN
        /// conv8-pool-conv16-pool-dense10 (batch 64) on random data, with Adam.
        Bench {
            /// Which engines to measure.
            #[arg(long, value_enum, default_value = "all")]
            device: DeviceChoice,
            /// Which networks to train.
            #[arg(long, value_enum, default_value = "all")]
            model: ModelChoice,
            /// Seconds of timed training per measurement.
            #[arg(long, default_value_t = 3.0)]
            seconds: f64,
            /// Print the results as JSON instead of a table.
            #[arg(long)]
            json: bool,
            /// Also time each op of the MLP step on the GPU.
            #[arg(long)]
            profile: bool,
        },
    }

    #[derive(Clone, Copy, PartialEq, ValueEnum)]
    enum DeviceChoice {
        Cpu,
        Gpu,
        All,
    }

    #[derive(Clone, Copy, PartialEq, ValueEnum)]
    enum ModelChoice {
        Mlp,
        Cnn,
        All,
    }

    fn profile_gpu_ops() {
        let origin = Instant::now();
        let clock = move || origin.elapsed().as_secs_f64();
        match pollster::block_on(detect_engine()) {
            (_, Some(gpu)) => match pollster::block_on(nas_playground::bench::profile::profile_ops(&gpu, &clock)) {
                Ok(timings) => {
                    for t in timings {
                        eprintln!("{:>8.2} ms  {}", t.millis, t.op);
                    }
                }
                Err(error) => eprintln!("profile failed: {error}"),
            },
            (report, None) => eprintln!("no GPU to profile: {}", report.headline()),
        }
    }

    fn bench(device: DeviceChoice, model: ModelChoice, seconds: f64, json: bool) -> ExitCode {
        let models: Vec<BenchModel> = match model {
            ModelChoice::Mlp => vec![BenchModel::Mlp],
            ModelChoice::Cnn => vec![BenchModel::Cnn],
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
            println!("{:<10} {:<5} {:>6} {:>7} {:>14} {:>10}", "engine", "model", "batch", "steps", "samples/s", "mean loss");
            for r in &results {
                match &r.error {
                    None => println!(
                        "{:<10} {:<5} {:>6} {:>7} {:>14.0} {:>10.4}",
                        r.engine,
                        r.model.name(),
                        r.batch,
                        r.steps,
                        r.samples_per_sec,
                        r.mean_loss
                    ),
                    Some(error) => println!("{:<10} {:<5} failed: {error}", r.engine, r.model.name()),
                }
            }
        }
        if results.iter().any(|r| r.error.is_some()) {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match cli.command {
            Command::Engine { json } => {
                let (report, _context) = pollster::block_on(detect_engine());
                if json {
                    println!("{}", serde_json::to_string_pretty(&report).expect("a report always serialises"));
                } else {
                    println!("{}", nas_playground::version_line());
                    println!("engine: {}", report.headline());
                }
                ExitCode::SUCCESS
            }
            Command::Bench { device, model, seconds, json, profile } => {
                if profile {
                    profile_gpu_ops();
                }
                bench(device, model, seconds, json)
            }
        }
    }
}
