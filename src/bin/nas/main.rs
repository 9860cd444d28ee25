//! `nas`: the command-line interface on the same core as the playground page: run and resume
//! architecture searches, build the tabular benchmark, check a search space, measure the engine.

#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod gan;
#[cfg(not(target_arch = "wasm32"))]
mod predict;
#[cfg(not(target_arch = "wasm32"))]
mod progress;
#[cfg(not(target_arch = "wasm32"))]
mod search;
#[cfg(not(target_arch = "wasm32"))]
mod table;

// The page is the browser's entry point; this binary is native only.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
use clap::{Parser, Subcommand, ValueEnum};

/// Neural architecture search on WebGPU or the CPU: the playground's engine, from a terminal.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Parser)]
#[command(name = "nas", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[cfg(not(target_arch = "wasm32"))]
#[derive(Subcommand)]
enum Command {
    /// Run an architecture search over SPACE (a search space, or a whole search config, as JSON).
    Run {
        /// The search space file; a file with a "space" field is read as a whole search config,
        /// whose settings the options below override.
        space: std::path::PathBuf,
        #[command(flatten)]
        options: search::RunOptions,
    },
    /// Go on with a search from its log, exactly where it stopped.
    Resume {
        /// The JSON-lines log `nas run` wrote.
        log: std::path::PathBuf,
        #[command(flatten)]
        budget: search::BudgetOptions,
        #[command(flatten)]
        engine: search::EngineOptions,
        /// Print the final summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Train every member of a small space once and store each epoch's figures as a table that
    /// strategies can be judged on without training.
    Tabulate {
        space: std::path::PathBuf,
        #[command(flatten)]
        data: search::DataOptions,
        /// Where to write the table (JSON).
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Write a search elsewhere, from its log: the trials as CSV, the whole search as JSON, a
    /// trial's network as PyTorch or Keras code, the search as an Optuna study script, or a
    /// trial's trained weights (trained again on the CPU from its seed).
    Export {
        /// The JSON-lines log `nas run` wrote (or the page exported).
        log: std::path::PathBuf,
        /// csv, json, pytorch, keras, optuna or weights.
        #[arg(long, default_value = "csv")]
        format: String,
        /// The trial whose network to write (pytorch, keras, weights); the best by default.
        #[arg(long)]
        trial: Option<usize>,
        /// Where to write it; standard output by default.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Predict with a weights file (from `nas export --format weights` or the page) on the data
    /// it was trained on, split as it was: accuracy and confusion, or the error; with --out, every
    /// sample's input, output and target as JSON.
    Predict {
        weights: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "validation")]
        split: predict::SplitChoice,
        /// Only the first N samples of the split.
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Train the GAN lab's GAN on a 2D target (the ring of 8 by default) for one or more seeds and
    /// print modes covered, the high-quality share, reverse KL and the binned KL and JS.
    Gan {
        #[command(flatten)]
        options: gan::GanOptions,
    },
    /// Check a search space file and count its members.
    Space { space: std::path::PathBuf },
    /// Show which engine this machine would train on. With a search space, time a short burst
    /// of that search's kind of network on the CPU engine and on the GPU, and say which is faster.
    Engine {
        /// A search space (or whole search config) to time.
        space: Option<std::path::PathBuf>,
        #[command(flatten)]
        data: search::DataOptions,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure training throughput (samples/s) of the MLP 784-128-10 (batch 256), the CNN
    /// conv8-pool-conv16-pool-dense10 and the seeds' CNN conv32-pool-conv64-pool-dense10 (batch 64)
    /// on random data, with Adam.
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
        /// Instead: K = 1, 4 and 16 MLP candidates trained fused, as one stack, against the same
        /// K trained one after another.
        #[arg(long)]
        fused: bool,
    },
}

#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum DeviceChoice {
    Cpu,
    Gpu,
    /// Both.
    All,
}

#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ModelChoice {
    Mlp,
    Cnn,
    /// The seeds' CNN, conv32-pool-conv64-pool-dense10.
    CnnSeed,
    All,
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use nas_playground::engine::detect_engine;
    use std::process::ExitCode;

    let cli = Cli::parse();
    match cli.command {
        Command::Run { space, options } => search::run(&space, options),
        Command::Resume { log, budget, engine, json } => search::resume(&log, budget, engine, json),
        Command::Tabulate { space, data, out, seed } => search::tabulate(&space, data, &out, seed),
        Command::Export { log, format, trial, out } => search::export(&log, &format, trial, out.as_deref()),
        Command::Predict { weights, split, limit, out } => predict::predict(&weights, split, limit, out.as_deref()),
        Command::Gan { options } => gan::gan(options),
        Command::Space { space } => search::check_space(&space),
        Command::Engine { space: Some(space), data, json } => search::time_engines(&space, data, json),
        Command::Engine { space: None, json, .. } => {
            let (report, _context) = pollster::block_on(detect_engine());
            if json {
                println!("{}", serde_json::to_string_pretty(&report).expect("a report always serialises"));
            } else {
                println!("{}", nas_playground::version_line());
                println!("engine: {}", report.headline());
            }
            ExitCode::SUCCESS
        }
        Command::Bench { device, model, seconds, json, profile, fused } => {
            if profile {
                bench::profile_gpu_ops();
            }
            if fused {
                return bench::bench_fused(device, seconds, json);
            }
            bench::bench(device, model, seconds, json)
        }
    }
}
