//! `nas export --format weights` (a logged trial trained again on the CPU, written as a weights
//! file) and `nas predict` (a weights file's network on the data it was trained on).

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::nas::inspect::validation_report;
use nas_playground::nas::session::retrain_trial;
use nas_playground::nas::trained::{argmax, TrainedModel};
use nas_playground::nn::Task;
use serde_json::json;

use crate::search::{fail, read_log};

/// `nas export LOG --format weights`: trains the trial again (the best by default) and writes it.
pub fn export_weights(log_path: &Path, trial: Option<usize>, out: Option<&Path>) -> ExitCode {
    let log = match read_log(log_path) {
        Ok(log) => log,
        Err(message) => return fail(message),
    };
    let retrained = match retrain_trial(&log, trial) {
        Ok(retrained) => retrained,
        Err(message) => return fail(message),
    };
    let figure = |v: Option<f32>| v.map_or("none".to_string(), |v| format!("{v:.6}"));
    if retrained.matches_log() {
        eprintln!("trial {}: trained again on the CPU to the logged validation figure {}", retrained.trial, figure(retrained.logged));
    } else {
        eprintln!(
            "note: trial {} trained again on the CPU to a validation figure of {} where the log says {} (trained on another engine, or with another build)",
            retrained.trial,
            figure(retrained.retrained),
            figure(retrained.logged)
        );
    }
    write_out(&retrained.inspection.trained.to_json(), out)
}

/// Which part of the data to predict on.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum SplitChoice {
    Train,
    Validation,
}

/// `nas predict WEIGHTS`: the network's outputs on its data's split, with its accuracy (or error)
/// and, with `--out`, every sample's inputs, outputs and target as JSON.
pub fn predict(weights: &Path, split: SplitChoice, limit: Option<usize>, out: Option<&Path>) -> ExitCode {
    let text = match std::fs::read_to_string(weights) {
        Ok(text) => text,
        Err(error) => return fail(format!("{}: {error}", weights.display())),
    };
    let trained = match TrainedModel::from_json(&text) {
        Ok(trained) => trained,
        Err(error) => return fail(format!("{}: {error}", weights.display())),
    };
    let Some(source) = &trained.source else {
        return fail(format!("{}: the file does not record the data it was trained on", weights.display()));
    };
    let splits = match source.load() {
        Ok(splits) => splits,
        Err(error) => return fail(format!("data ({}): {error}", source.label())),
    };
    let mut data = match split {
        SplitChoice::Train => splits.train,
        SplitChoice::Validation => splits.validation,
    };
    if let Some(n) = limit.filter(|&n| n < data.len()) {
        data = data.subset(&(0..n).collect::<Vec<_>>());
    }
    let be = CpuBackend::new();
    let mut model = match trained.build(&be) {
        Ok(model) => model,
        Err(error) => return fail(error),
    };
    // The split is already normalised as training saw it: predict on its features as they are.
    let outputs = match pollster::block_on(trained.predict(&mut model, &be, &data.features)) {
        Ok(outputs) => outputs,
        Err(error) => return fail(error),
    };
    let width = trained.task.outputs();
    match trained.task {
        Task::Classification { .. } => {
            let report = pollster::block_on(validation_report(&mut model, &be, &data, 0)).ok().flatten();
            if let Some(report) = report {
                println!("{} samples of {}: accuracy {:.2} %", data.len(), source.label(), report.accuracy() * 100.0);
                println!("confusion (rows: actual, columns: predicted)");
                for (name, row) in report.class_names.iter().zip(&report.confusion) {
                    println!("  {name:>12} {}", row.iter().map(|c| format!("{c:>5}")).collect::<String>());
                }
            }
        }
        Task::Regression { .. } => {
            let nas_playground::data::Targets::Values { values, .. } = &data.targets else { unreachable!("regression data") };
            let mse = outputs.iter().zip(values).map(|(p, t)| (p - t) * (p - t)).sum::<f32>() / outputs.len().max(1) as f32;
            println!("{} samples of {}: mean squared error {mse:.6}", data.len(), source.label());
        }
    }
    let Some(out) = out else { return ExitCode::SUCCESS };
    let len = data.feature_len();
    let targets: Vec<serde_json::Value> = match &data.targets {
        nas_playground::data::Targets::Classes { labels, .. } => labels.iter().map(|&l| json!(l)).collect(),
        nas_playground::data::Targets::Values { values, outputs } => values.chunks(*outputs).map(|v| json!(v)).collect(),
    };
    let rows: Vec<serde_json::Value> = outputs
        .chunks(width)
        .zip(data.features.chunks(len))
        .zip(targets)
        .map(|((output, input), target)| {
            let predicted = matches!(trained.task, Task::Classification { .. }).then(|| argmax(output));
            json!({ "input": input, "output": output, "predicted": predicted, "target": target })
        })
        .collect();
    let document = json!({ "feature_shape": data.feature_shape, "samples": rows });
    write_out(&document.to_string(), Some(out))
}

fn write_out(text: &str, out: Option<&Path>) -> ExitCode {
    match out {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(format!("{}: {error}", path.display())),
        },
        None => {
            println!("{text}");
            ExitCode::SUCCESS
        }
    }
}
