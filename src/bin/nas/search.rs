//! `nas run`, `nas resume`, `nas tabulate` and `nas space`: architecture searches from a terminal,
//! on the same engine (and so with the same results for the same seed) as the page's CPU device.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use nas_playground::data::{Normalization, SplitRatios};
use nas_playground::nas::session::{load_data, pick_engine, run_native};
use nas_playground::nas::space::format_count;
use nas_playground::nas::{
    open_search, Budget, DataSource, DataSpec, EndReason, EngineChoice, Family, RunEnd, Search, SearchConfig, SearchEvent, SearchLog,
    SearchSpace, StrategyConfig, TabularBenchmark,
};

use crate::progress::TerminalHost;
use crate::table::print_results;

#[derive(Args)]
pub struct DataOptions {
    /// spiral, circle, xor, gaussians, moons, regress-plane, regress-gaussian, mnist,
    /// fashion-mnist, or a .csv file [default: spiral for an mlp space, mnist for a cnn space]
    #[arg(long)]
    data: Option<String>,
    /// How many samples: points to generate, or images to take [default: 500 points, all images]
    #[arg(long)]
    samples: Option<usize>,
    /// Noise of a generated set, in percent (0-50).
    #[arg(long, default_value_t = 0)]
    noise: u32,
    /// The share of the samples the search validates on.
    #[arg(long, default_value_t = 0.2)]
    validation: f32,
    #[arg(long, value_enum)]
    normalize: Option<NormalizeChoice>,
}

#[derive(Clone, Copy, ValueEnum)]
enum NormalizeChoice {
    None,
    Standardize,
    MinMax,
}

#[derive(Args)]
pub struct BudgetOptions {
    /// Stop after this many trials.
    #[arg(long)]
    trials: Option<usize>,
    /// Stop after this many minutes of training.
    #[arg(long)]
    minutes: Option<f64>,
    /// Stop after this many epochs trained in all.
    #[arg(long = "epoch-budget")]
    epochs: Option<usize>,
}

impl BudgetOptions {
    fn given(&self) -> bool {
        self.trials.is_some() || self.minutes.is_some() || self.epochs.is_some()
    }

    fn budget(&self) -> Budget {
        Budget { trials: self.trials, seconds: self.minutes.map(|m| m * 60.0), epochs: self.epochs }
    }
}

/// Where and how many trials train at once.
#[derive(Args)]
pub struct EngineOptions {
    /// cpu, gpu, or auto: time a short burst of this search's kind of network on each engine
    /// and train on the faster.
    #[arg(long, default_value = "cpu", value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<EngineChoice>()))]
    device: EngineChoice,
    /// Trials trained at once, each on its own thread. The same seed and the same number of
    /// jobs give the same trials; a log resumes with any number.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Up to this many dense networks of the same widths, batch size and epochs train fused, as
    /// one stack whose every op runs once for all of them (with --jobs 1: the fused ops spread
    /// over the cores themselves). Each trial's figures are those it has alone; proposals are
    /// drawn as for this many jobs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=16))]
    fuse: u8,
}

#[derive(Clone, Copy, ValueEnum)]
enum StrategyChoice {
    Grid,
    Random,
    Evolution,
    Halving,
    Hyperband,
}

#[derive(Args)]
pub struct RunOptions {
    #[command(flatten)]
    data: DataOptions,
    /// How to search [default: random, or the config file's]
    #[arg(long, value_enum)]
    strategy: Option<StrategyChoice>,
    /// Evolution: how many recent trials form the population.
    #[arg(long, default_value_t = 20)]
    population: usize,
    /// Evolution: how many of them a tournament samples.
    #[arg(long, default_value_t = 5)]
    sample: usize,
    /// Halving and Hyperband: the share of each rung that goes on is 1/eta.
    #[arg(long, default_value_t = 3)]
    eta: usize,
    /// Halving and Hyperband: the epochs of the first rung.
    #[arg(long, default_value_t = 1)]
    min_epochs: usize,
    #[command(flatten)]
    budget: BudgetOptions,
    /// Seeds the strategy, the weights and the sample order [default: 0, or the config file's]
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the search log (JSON lines; `nas resume` reads it).
    #[arg(long, default_value = "search.jsonl")]
    log: PathBuf,
    #[command(flatten)]
    engine: EngineOptions,
    /// Print the final summary as JSON (the table still goes to stderr-free stdout above it).
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Replace the log if it exists (otherwise `run` refuses, and points to `nas resume`).
    #[arg(long)]
    force: bool,
}

pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Reads a search space, or a whole search config (a file with a "space" field).
fn read_space_file(path: &Path) -> Result<(SearchSpace, Option<SearchConfig>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if value.get("space").is_some() {
        let config = SearchConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((config.space.clone(), Some(config)))
    } else {
        let space = SearchSpace::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((space, None))
    }
}

impl DataOptions {
    fn spec(&self, family: Family, seed: u64) -> Result<DataSpec, String> {
        let name = self.data.clone().unwrap_or_else(|| {
            match family {
                Family::Cnn => "mnist",
                Family::Gan => "ring",
                Family::Mlp => "spiral",
            }
            .into()
        });
        let mut source: DataSource = name.parse().map_err(|e| format!("--data {e}"))?;
        let mut normalization = Normalization::None;
        match &mut source {
            DataSource::Toy2d(spec) => {
                spec.samples = self.samples.unwrap_or(spec.samples);
                spec.noise_percent = self.noise;
                spec.seed = seed;
            }
            DataSource::Images { samples, .. } => *samples = self.samples,
            DataSource::Csv { .. } => normalization = Normalization::Standardize,
            DataSource::GanTarget { .. } => {}
        }
        if !(0.0..1.0).contains(&self.validation) || self.validation == 0.0 {
            return Err(format!("--validation {}: must be above 0 and below 1", self.validation));
        }
        let normalization = match self.normalize {
            None => normalization,
            Some(NormalizeChoice::None) => Normalization::None,
            Some(NormalizeChoice::Standardize) => Normalization::Standardize,
            Some(NormalizeChoice::MinMax) => Normalization::MinMax,
        };
        Ok(DataSpec {
            source,
            split: SplitRatios { train: 1.0 - self.validation, validation: self.validation, test: 0.0 },
            normalization,
            split_seed: seed,
        })
    }
}

fn strategy_config(choice: StrategyChoice, options: &RunOptions) -> StrategyConfig {
    let (eta, min_epochs) = (options.eta, options.min_epochs);
    match choice {
        StrategyChoice::Grid => StrategyConfig::Grid,
        StrategyChoice::Random => StrategyConfig::Random,
        StrategyChoice::Evolution => StrategyConfig::Evolution { population: options.population, sample: options.sample },
        StrategyChoice::Halving => StrategyConfig::Halving { eta, min_epochs, hyperband: false },
        StrategyChoice::Hyperband => StrategyConfig::Halving { eta, min_epochs, hyperband: true },
    }
}

pub fn run(space_path: &Path, options: RunOptions) -> ExitCode {
    let (space, file_config) = match read_space_file(space_path) {
        Ok(read) => read,
        Err(message) => return fail(message),
    };
    let seed = options.seed.or(file_config.as_ref().map(|c| c.seed)).unwrap_or(0);
    let data = match (&file_config, options.data.data.is_some()) {
        (Some(config), false) => config.data.clone(),
        _ => match options.data.spec(space.family, seed) {
            Ok(spec) => spec,
            Err(message) => return fail(message),
        },
    };
    let strategy = match (options.strategy, &file_config) {
        (Some(choice), _) => strategy_config(choice, &options),
        (None, Some(config)) => config.strategy.clone(),
        (None, None) => StrategyConfig::Random,
    };
    let budget = match (&file_config, options.budget.given()) {
        (Some(config), false) => config.budget,
        _ => options.budget.budget(),
    };
    let objective = file_config.as_ref().and_then(|c| c.objective);
    let config = SearchConfig { space, data, strategy, budget, seed, objective };
    if options.log.exists() && !options.force {
        return fail(format!(
            "{} exists: go on with `nas resume {}`, or replace it with --force",
            options.log.display(),
            options.log.display()
        ));
    }
    execute(config, None, &options.log, &options.engine, options.json, options.quiet)
}

/// Reads a log; the error names the file.
pub fn read_log(log_path: &Path) -> Result<SearchLog, String> {
    // Lossy: a crash can cut the last line in the middle of a character.
    let bytes = std::fs::read(log_path).map_err(|error| format!("{}: {error}", log_path.display()))?;
    SearchLog::parse(&String::from_utf8_lossy(&bytes)).map_err(|error| format!("{}: {error}", log_path.display()))
}

/// `nas export`: writes a log as `format` to `out` or standard output.
pub fn export(log_path: &Path, format: &str, trial: Option<usize>, out: Option<&Path>) -> ExitCode {
    if format == "weights" {
        return crate::predict::export_weights(log_path, trial, out);
    }
    let written = format
        .parse::<nas_playground::nas::export::ExportFormat>()
        .and_then(|format| read_log(log_path).and_then(|log| nas_playground::nas::export::export(&log, format, trial)));
    let text = match written {
        Ok(text) => text,
        Err(message) => return fail(message),
    };
    match out {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(format!("{}: {error}", path.display())),
        },
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

pub fn resume(log_path: &Path, budget: BudgetOptions, engine: EngineOptions, json: bool) -> ExitCode {
    let mut log = match read_log(log_path) {
        Ok(log) => log,
        Err(message) => return fail(message),
    };
    for warning in &log.warnings {
        eprintln!("note: {}: {warning}", log_path.display());
    }
    if budget.given() {
        log.config.budget = budget.budget();
    } else if let Some(summary) = &log.finished {
        let why = summary.ended.map(|e| e.describe()).unwrap_or("it finished");
        if summary.ended == Some(EndReason::Exhausted) {
            eprintln!("this search has ended ({why}); there is nothing left to run");
        } else {
            eprintln!("this search has ended ({why}); give a larger --trials, --minutes or --epoch-budget to go on");
        }
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "resuming from {}: {} trials done{}",
        log_path.display(),
        log.trials.len(),
        match log.interrupted.as_slice() {
            [] => String::new(),
            [t] => format!(", trial {t} runs again"),
            more => format!(", trials {} run again", more.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")),
        }
    );
    let config = log.config.clone();
    execute(config, Some(log), log_path, &engine, json, false)
}

/// Runs a search and prints the results table; the exit code says how it ended.
fn execute(config: SearchConfig, resumed: Option<SearchLog>, log_path: &Path, engine: &EngineOptions, json: bool, quiet: bool) -> ExitCode {
    match search_to_end(config, resumed, log_path, engine, quiet) {
        Ok((search, end)) => report(&search, end, log_path, json),
        Err(code) => code,
    }
}

/// Opens the search through the core's session (data, checks, resume), picks the engine, and
/// runs it with a progress bar, writing the log as it goes; on an error the message is printed
/// and the exit code returned.
fn search_to_end(
    config: SearchConfig,
    resumed: Option<SearchLog>,
    log_path: &Path,
    engine: &EngineOptions,
    quiet: bool,
) -> Result<(Search, RunEnd), ExitCode> {
    let data = load_data(&config).map_err(fail)?;
    for warning in &data.warnings {
        eprintln!("note: data ({}): {warning}", config.data.label());
    }
    let opened = open_search(config, data.task, resumed.as_ref()).map_err(|e| match &resumed {
        Some(_) => fail(format!("{}: {e}", log_path.display())),
        None => fail(e),
    })?;
    let mut search = opened.search;
    let pick = pick_engine(search.config(), &data, engine.device, 0.3);
    if pick.chosen == "gpu" || engine.device != EngineChoice::Cpu {
        for timing in &pick.timings {
            match (timing.samples_per_sec, &timing.error) {
                (Some(speed), _) => eprintln!("engine {} ({}): {speed:.0} samples/s", timing.engine, timing.name),
                (None, error) => eprintln!("engine {} ({}): {}", timing.engine, timing.name, error.as_deref().unwrap_or("not measured")),
            }
        }
        eprintln!("training on {}", pick.headline());
    }
    // A resumed log is rewritten beside the old one, then moved over it: the old file stays
    // whole until the new one holds everything it had.
    let partial_path = log_path.with_extension("jsonl.partial");
    let file = File::create(&partial_path).map_err(|e| fail(format!("{}: {e}", partial_path.display())))?;
    let mut host = TerminalHost::new(search.config().budget.trials, Some(file), opened.view, opened.log_order, quiet);
    for event in &opened.log_head {
        host.write(event);
    }
    if let Some(error) = host.log_error.take() {
        let _ = std::fs::remove_file(&partial_path);
        return Err(fail(format!("writing {}: {error}; {} is unchanged", partial_path.display(), log_path.display())));
    }
    if let Err(error) = std::fs::rename(&partial_path, log_path) {
        return Err(fail(format!("{}: {error}", log_path.display())));
    }
    eprintln!(
        "{} search over {} members of a{} {} space on {}, {} at a time{}; log: {}",
        search.config().strategy.name(),
        format_count(search.space_summary().size as u128),
        if search.config().space.family == Family::Mlp { "n" } else { "" },
        search.config().space.family.name(),
        search.config().data.label(),
        engine.jobs,
        if engine.fuse > 1 { format!(", up to {} fused", engine.fuse) } else { String::new() },
        log_path.display()
    );
    let end = run_native(&mut search, &data, &pick, (engine.jobs as usize, engine.fuse as usize), &mut host).map_err(fail)?;
    host.finish();
    if let Some(error) = &host.log_error {
        return Err(fail(format!("writing {}: {error}", log_path.display())));
    }
    Ok((search, end))
}

fn report(search: &Search, end: RunEnd, log_path: &Path, json: bool) -> ExitCode {
    let summary = search.summary();
    print_results(search, &summary, 10);
    match end {
        RunEnd::Finished(summary) => {
            if let Some(reason) = summary.ended {
                println!("ended: {}", reason.describe());
            }
            if json {
                println!("{}", serde_json::to_string(&SearchEvent::SearchFinished { summary }).expect("serialises"));
            }
            ExitCode::SUCCESS
        }
        RunEnd::Stopped => {
            println!("stopped after {} trials; go on with: nas resume {}", search.trials().len(), log_path.display());
            ExitCode::from(130)
        }
        RunEnd::DeviceLost(message) => {
            println!("the device was lost ({message}); go on on the CPU with: nas resume {} --device cpu", log_path.display());
            ExitCode::FAILURE
        }
    }
}

pub fn tabulate(space_path: &Path, data: DataOptions, out: &Path, seed: u64) -> ExitCode {
    let space = match read_space_file(space_path) {
        Ok((space, _)) => space,
        Err(message) => return fail(message),
    };
    let data = match data.spec(space.family, seed) {
        Ok(spec) => spec,
        Err(message) => return fail(message),
    };
    let config = SearchConfig { space, data, strategy: StrategyConfig::Grid, budget: Budget::default(), seed, objective: None };
    let log_path = out.with_extension("log.jsonl");
    let cpu = EngineOptions { device: EngineChoice::Cpu, jobs: 1, fuse: 1 };
    let (search, summary) = match search_to_end(config.clone(), None, &log_path, &cpu, false) {
        Ok((search, RunEnd::Finished(summary))) => (search, summary),
        Ok((search, end)) => return report(&search, end, &log_path, false),
        Err(code) => return code,
    };
    let objective = summary.objective;
    let table = match TabularBenchmark::from_grid(config, objective, search.trials()) {
        Ok(table) => table,
        Err(message) => return fail(message),
    };
    let text = table.to_json();
    let bytes = if out.extension().is_some_and(|e| e == "gz") {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(text.as_bytes()).and_then(|_| encoder.finish()).expect("compressing into memory")
    } else {
        text.into_bytes()
    };
    if let Err(error) = std::fs::write(out, bytes) {
        return fail(format!("{}: {error}", out.display()));
    }
    let _ = std::fs::remove_file(&log_path);
    println!("wrote {} rows to {}; best {}", table.rows.len(), out.display(), objective.display(table.best_score()));
    ExitCode::SUCCESS
}

pub fn check_space(space_path: &Path) -> ExitCode {
    let (space, config) = match read_space_file(space_path) {
        Ok(read) => read,
        Err(message) => return fail(message),
    };
    let summary = match config.as_ref().map(|c| c.validate()).unwrap_or_else(|| space.validate().map_err(Into::into)) {
        Ok(summary) => summary,
        Err(error) => return fail(error),
    };
    println!("{}: a valid {} space with {}", space_path.display(), space.family.name(), summary);
    for (decision, choices) in &summary.decisions {
        println!("  {decision:<18} {choices} choices");
    }
    ExitCode::SUCCESS
}

/// `nas engine SPACE`: times the search's own kind of network on each engine and picks.
pub fn time_engines(space_path: &Path, data: DataOptions, json: bool) -> ExitCode {
    let (space, file_config) = match read_space_file(space_path) {
        Ok(read) => read,
        Err(message) => return fail(message),
    };
    let seed = file_config.as_ref().map_or(0, |c| c.seed);
    let config = match file_config {
        Some(config) if data.data.is_none() => config,
        _ => match data.spec(space.family, seed) {
            Ok(data) => SearchConfig { space, data, strategy: StrategyConfig::Random, budget: Budget::trials(1), seed, objective: None },
            Err(message) => return fail(message),
        },
    };
    let prepared = match load_data(&config) {
        Ok(prepared) => prepared,
        Err(error) => return fail(error),
    };
    let pick = pick_engine(&config, &prepared, EngineChoice::Auto, 1.0);
    if json {
        println!("{}", serde_json::to_string_pretty(&pick).expect("a pick always serialises"));
    } else {
        for timing in &pick.timings {
            match (timing.samples_per_sec, &timing.error) {
                (Some(speed), _) => println!("{:<4} {:>10.0} samples/s  {}", timing.engine, speed, timing.name),
                (None, error) => {
                    println!("{:<4} {:>10}  {}: {}", timing.engine, "-", timing.name, error.as_deref().unwrap_or("not measured"))
                }
            }
        }
        println!("chosen: {}", pick.headline());
    }
    ExitCode::SUCCESS
}
