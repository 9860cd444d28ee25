//! A search run once by `nas run` (tests/data/spiral-search.jsonl) and run again here, natively
//! and in the browser on the CPU device: the same seed must give the same trials and the same
//! figures: exactly natively, and in the browser to within one validation sample (SIMD widths
//! differ between the two builds).

// Several test crates share this module, each using a part of it.
#![allow(dead_code)]

use nas_playground::engine::Device;
use nas_playground::nas::{run_search, DataSource, RunEnd, Search, SearchHost, SearchLog, TrainingEvaluator};
use nas_playground::nn::Task;

pub const LOG: &str = include_str!("../data/spiral-search.jsonl");

/// A log as the CLI writes it: one event a line.
pub fn log_text(events: &[nas_playground::nas::SearchEvent]) -> String {
    events.iter().map(|e| e.to_line() + "\n").collect()
}

/// Zeroes what a clock decides, so two real training runs can be compared line by line.
pub fn without_timing(text: &str) -> String {
    fn scrub(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if key == "seconds" || key == "samples_per_sec" {
                        *value = serde_json::Value::from(0);
                    } else {
                        scrub(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    text.lines()
        .map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).expect("a log line is JSON");
            scrub(&mut value);
            value.to_string() + "\n"
        })
        .collect()
}

struct NoClock;

impl SearchHost for NoClock {
    fn now(&self) -> f64 {
        0.0
    }
}

/// Re-runs the logged search on the CPU device and compares every trial with the log.
pub async fn rerun_matches_the_log(exact: bool) -> Result<String, String> {
    let log = SearchLog::parse(LOG).map_err(|e| e.to_string())?;
    let DataSource::Toy2d(spec) = &log.config.data.source else { return Err("the fixture uses a generated set".into()) };
    let splits = log.config.data.prepare(spec.generate().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let validation_samples = splits.validation.len() as f32;
    let mut evaluator = TrainingEvaluator::new(Device::cpu(), &log.config, splits);
    let objective = log.config.objective_for(matches!(evaluator.task(), Task::Classification { .. }));
    let mut search = Search::new(log.config.clone(), objective).map_err(|e| e.to_string())?;
    let end = run_search(&mut search, &mut evaluator, &mut NoClock).await;
    if !matches!(end, RunEnd::Finished(_)) {
        return Err(format!("the search ended with {end:?}"));
    }
    if search.trials().len() != log.trials.len() {
        return Err(format!("{} trials instead of {}", search.trials().len(), log.trials.len()));
    }
    let mut report = String::new();
    for (ours, logged) in search.trials().iter().zip(&log.trials) {
        if ours.proposal != logged.proposal {
            return Err(format!("trial {}: proposed {:?}, the log has {:?}", ours.id, ours.proposal, logged.proposal));
        }
        let (a, b) = (ours.result.last().ok_or("no epoch")?, logged.result.last().ok_or("no epoch")?);
        let accuracy_gap = (a.validation_accuracy.unwrap_or(0.0) - b.validation_accuracy.unwrap_or(0.0)).abs();
        let loss_gap = (a.validation_loss.unwrap_or(0.0) - b.validation_loss.unwrap_or(0.0)).abs();
        let (accuracy_bound, loss_bound) = if exact { (0.0, 0.0) } else { (1.01 / validation_samples, 1e-3) };
        if accuracy_gap > accuracy_bound || loss_gap > loss_bound {
            return Err(format!(
                "trial {}: validation accuracy {:?} and loss {:?}, the log has {:?} and {:?}",
                ours.id, a.validation_accuracy, a.validation_loss, b.validation_accuracy, b.validation_loss
            ));
        }
        report.push_str(&format!("trial {}: accuracy gap {accuracy_gap:.4}, loss gap {loss_gap:.2e}\n", ours.id));
    }
    Ok(report)
}
