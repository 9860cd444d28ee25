//! Taking a search elsewhere: its trials as a CSV table, the whole search as one JSON document, a
//! trial's network as PyTorch or Keras code that builds and trains the same network, and the
//! search itself as an Optuna study script over the same space. The page and `nas export` both
//! write these from a log.

mod optuna;
mod python;

pub use optuna::optuna_study;
pub use python::{keras_model, pytorch_model};

use serde_json::json;

use super::candidate::{activation_name, optimizer_name};
use super::log::SearchLog;
use super::objective::Objective;
use super::trial::TrialRecord;

/// What `export` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    Pytorch,
    Keras,
    Optuna,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            "pytorch" => Ok(ExportFormat::Pytorch),
            "keras" => Ok(ExportFormat::Keras),
            "optuna" => Ok(ExportFormat::Optuna),
            other => Err(format!(
                "'{other}' is not an export format: choose csv, json, pytorch, keras, optuna or weights (weights: `nas export` only)"
            )),
        }
    }
}

impl ExportFormat {
    /// The file name a download of this format gets.
    pub fn file_name(self, trial: Option<usize>) -> String {
        match (self, trial) {
            (ExportFormat::Csv, _) => "trials.csv".into(),
            (ExportFormat::Json, _) => "search.json".into(),
            (ExportFormat::Pytorch, Some(t)) => format!("trial_{t}_pytorch.py"),
            (ExportFormat::Keras, Some(t)) => format!("trial_{t}_keras.py"),
            (ExportFormat::Pytorch, None) => "best_pytorch.py".into(),
            (ExportFormat::Keras, None) => "best_keras.py".into(),
            (ExportFormat::Optuna, _) => "optuna_study.py".into(),
        }
    }
}

/// The objective a log ranks by: its own, or the natural one for its data.
fn objective_of(log: &SearchLog) -> Objective {
    log.objective.or(log.config.objective).unwrap_or_else(|| {
        let classification = log.trials.iter().any(|t| t.result.history.iter().any(|m| m.validation_accuracy.is_some()));
        log.config.objective_for(classification)
    })
}

/// Writes `format` from a log; `trial` picks the network for code (the best when absent).
/// Why a GAN search's trials have no code to export.
pub const GAN_NOT_EXPORTED: &str = "a GAN search's trials are exported as CSV or JSON only (their code and weights are not \
     written): open a trial in the page's GAN lab, or train its settings with `nas gan`";

pub fn export(log: &SearchLog, format: ExportFormat, trial: Option<usize>) -> Result<String, String> {
    let objective = objective_of(log);
    let record = || -> Result<&TrialRecord, String> {
        let chosen = match trial {
            Some(id) => log.trials.iter().find(|t| t.id == id).ok_or_else(|| format!("the log has no trial {id}"))?,
            None => super::objective::ranking(&log.trials, objective)
                .into_iter()
                .find(|t| t.result.model.is_some() && objective.score(t).is_some())
                .ok_or("the log has no finished trial to export")?,
        };
        if chosen.result.model.is_none() {
            return Err(format!(
                "trial {} has no network in the log (it failed: {})",
                chosen.id,
                chosen.result.failure.as_ref().map_or("no reason given", |f| &f.message)
            ));
        }
        Ok(chosen)
    };
    let classification = objective == Objective::ValidationAccuracy;
    let code = matches!(format, ExportFormat::Pytorch | ExportFormat::Keras | ExportFormat::Optuna);
    if code && log.config.space.gan.is_some() {
        return Err(GAN_NOT_EXPORTED.into());
    }
    match format {
        ExportFormat::Csv => Ok(results_csv(&log.trials, objective)),
        ExportFormat::Json => Ok(search_json(log, objective)),
        ExportFormat::Pytorch => record().map(|r| pytorch_model(r, &log.config.space, classification)),
        ExportFormat::Keras => record().map(|r| keras_model(r, &log.config.space, classification)),
        ExportFormat::Optuna => Ok(optuna_study(&log.config, classification)),
    }
}

/// Every trial as a CSV row: its decisions, score, size, cost and status.
pub fn results_csv(trials: &[TrialRecord], objective: Objective) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "trial",
        "status",
        "score",
        "objective",
        "parameters",
        "flops",
        "seconds",
        "epochs",
        "conv",
        "dense",
        "activation",
        "dropout",
        "optimizer",
        "learning_rate",
        "batch_size",
        "origin",
        "notes",
    ];
    let _ = writer.write_record(header);
    for t in trials {
        let c = &t.proposal.candidate;
        let conv: Vec<String> = c
            .conv
            .iter()
            .map(|b| format!("{}x{}{}", b.filters, b.kernel, if b.pooling == super::Pooling::Max { "p" } else { "" }))
            .collect();
        let dense: Vec<String> = c.dense.iter().map(usize::to_string).collect();
        let score = objective.score(t);
        let mut notes: Vec<String> = t.result.failure.iter().map(|f| f.message.clone()).collect();
        notes.extend(t.result.repairs.iter().cloned());
        let origin = match &t.proposal.origin {
            super::Origin::Grid { index } => format!("grid {index}"),
            super::Origin::Random => "random".into(),
            super::Origin::Initial => "initial".into(),
            super::Origin::Mutation { parent, change } => format!("mutation of {parent}: {change}"),
            super::Origin::Rung { bracket, rung, from } => {
                format!("bracket {bracket} rung {rung}{}", from.map(|f| format!(" from {f}")).unwrap_or_default())
            }
        };
        let _ = writer.write_record([
            t.id.to_string(),
            if t.result.failure.is_some() { "failed".into() } else { "finished".into() },
            score
                .map(|s| match objective {
                    Objective::ValidationAccuracy => format!("{s:.6}"),
                    Objective::ValidationLoss => format!("{:.6}", -s),
                    Objective::ModesThenQuality { .. } => format!("{s:.6}"),
                })
                .unwrap_or_default(),
            objective.name().to_string(),
            t.result.parameters.to_string(),
            t.result.flops.to_string(),
            format!("{:.3}", t.result.seconds),
            t.result.history.len().to_string(),
            conv.join(" "),
            dense.join(" "),
            activation_name(c.activation),
            c.dropout.to_string(),
            optimizer_name(c.optimizer),
            c.learning_rate.to_string(),
            c.batch_size.to_string(),
            origin,
            notes.join("; "),
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The whole search as one JSON document: its config, objective, every trial, and how it ended.
pub fn search_json(log: &SearchLog, objective: Objective) -> String {
    let best = super::objective::ranking(&log.trials, objective).first().filter(|t| objective.score(t).is_some()).map(|t| t.id);
    let document = json!({
        "config": log.config,
        "objective": objective,
        "best_trial": best,
        "trials": log.trials,
        "finished": log.finished,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A real log: the CPU search the browser suite also re-runs.
    fn log() -> SearchLog {
        SearchLog::parse(include_str!("../../../tests/data/spiral-search.jsonl")).unwrap()
    }

    #[test]
    fn the_csv_has_a_row_per_trial_that_reads_back() {
        let log = log();
        let text = export(&log, ExportFormat::Csv, None).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), log.trials.len());
        for (row, trial) in rows.iter().zip(&log.trials) {
            assert_eq!(row[0].parse::<usize>().unwrap(), trial.id);
            assert_eq!(row[4].parse::<usize>().unwrap(), trial.result.parameters);
            assert_eq!(row[14].parse::<usize>().unwrap(), trial.proposal.candidate.batch_size);
        }
    }

    #[test]
    fn the_json_holds_the_config_and_every_trial() {
        let log = log();
        let value: serde_json::Value = serde_json::from_str(&export(&log, ExportFormat::Json, None).unwrap()).unwrap();
        assert_eq!(value["trials"].as_array().unwrap().len(), log.trials.len());
        let config: crate::nas::SearchConfig = serde_json::from_value(value["config"].clone()).unwrap();
        assert_eq!(config, log.config);
        let best = value["best_trial"].as_u64().unwrap() as usize;
        let objective = objective_of(&log);
        assert_eq!(Some(best), super::super::objective::ranking(&log.trials, objective).first().map(|t| t.id));
    }

    #[test]
    fn asking_for_a_missing_trial_says_so() {
        assert_eq!(export(&log(), ExportFormat::Keras, Some(999)).unwrap_err(), "the log has no trial 999");
        assert!("torch".parse::<ExportFormat>().unwrap_err().contains("csv, json, pytorch, keras, optuna or weights"));
    }
}
