//! A tabular benchmark for judging strategies without training: every member of a small space
//! trained once on a fixed data set, each epoch's validation figures stored in a table (in the
//! repository), and an evaluator that answers a proposal from the table. Training is
//! deterministic per seed and an epoch does not depend on how many follow it, so the table's
//! epoch e is exactly what an e-epoch trial would give.

use serde::{Deserialize, Serialize};

use super::config::SearchConfig;
use super::objective::Objective;
use super::runner::{Evaluation, Evaluator, SearchHost};
use super::trial::{Failure, Proposal, TrialRecord, TrialResult};
use crate::nn::EpochMetrics;

/// One member's training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularRow {
    pub parameters: usize,
    pub flops: u64,
    /// Seconds per epoch as measured when the table was made.
    pub seconds_per_epoch: f32,
    /// Per epoch, from the first; shorter than the space's epochs when training failed.
    pub train_loss: Vec<f32>,
    pub validation_loss: Vec<f32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validation_accuracy: Vec<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// The table: the search config it was made with (its space, data and seed) and a row for every
/// member, in member-index order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularBenchmark {
    pub config: SearchConfig,
    pub objective: Objective,
    pub rows: Vec<TabularRow>,
}

/// Four significant digits: the table stays small and no figure loses anything that matters.
fn compact(x: f32) -> f32 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - (x.abs() as f64).log10().floor() as i32);
    ((x as f64 * scale).round() / scale) as f32
}

impl TabularRow {
    /// The row of a grid trial trained for the space's full epochs.
    pub fn of(record: &TrialRecord) -> TabularRow {
        let history = &record.result.history;
        let epochs = history.len().max(1) as f32;
        TabularRow {
            parameters: record.result.parameters,
            flops: record.result.flops,
            seconds_per_epoch: compact(record.result.seconds as f32 / epochs),
            train_loss: history.iter().map(|m| compact(m.train_loss)).collect(),
            validation_loss: history.iter().filter_map(|m| m.validation_loss.map(compact)).collect(),
            validation_accuracy: history.iter().filter_map(|m| m.validation_accuracy.map(compact)).collect(),
            failure: record.result.failure.clone(),
        }
    }
}

impl TabularBenchmark {
    /// Reads a table from JSON, gzip-compressed or not.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let table: TabularBenchmark = if bytes.starts_with(&[0x1f, 0x8b]) {
            let reader = flate2::read::GzDecoder::new(bytes);
            serde_json::from_reader(reader).map_err(|e| format!("not a tabular benchmark: {e}"))?
        } else {
            serde_json::from_slice(bytes).map_err(|e| format!("not a tabular benchmark: {e}"))?
        };
        table.config.space.validate().map_err(|e| e.to_string())?;
        let size = table.config.space.size();
        if table.rows.len() as u128 != size {
            return Err(format!("the table has {} rows but its space has {size} members", table.rows.len()));
        }
        Ok(table)
    }

    /// The table as JSON, one row a line so it diffs well.
    pub fn to_json(&self) -> String {
        let mut text = format!(
            "{{\"config\":{},\"objective\":{},\"rows\":[\n",
            serde_json::to_string(&self.config).expect("serialises"),
            serde_json::to_string(&self.objective).expect("serialises")
        );
        let rows: Vec<String> = self.rows.iter().map(|r| serde_json::to_string(r).expect("serialises")).collect();
        text.push_str(&rows.join(",\n"));
        text.push_str("\n]}\n");
        text
    }

    /// A table from a finished grid search over `config.space` (every member once, in order).
    pub fn from_grid(config: SearchConfig, objective: Objective, trials: &[TrialRecord]) -> Result<Self, String> {
        let size = config.space.size();
        if trials.len() as u128 != size {
            return Err(format!("the grid ran {} trials but the space has {size} members", trials.len()));
        }
        let rows = trials.iter().map(TabularRow::of).collect();
        Ok(TabularBenchmark { config, objective, rows })
    }

    /// What `proposal` scores after its epochs, as a trial result.
    pub fn lookup(&self, proposal: &Proposal) -> Option<TrialResult> {
        let space = &self.config.space;
        let row = &self.rows[usize::try_from(space.index_of(&proposal.candidate)?).ok()?];
        let epochs = proposal.epochs.min(row.train_loss.len());
        let history = (0..epochs)
            .map(|e| EpochMetrics {
                epoch: e + 1,
                train_loss: row.train_loss[e],
                train_accuracy: None,
                validation_loss: row.validation_loss.get(e).copied(),
                validation_accuracy: row.validation_accuracy.get(e).copied(),
                learning_rate: proposal.candidate.learning_rate * space.lr_decay.powi(e as i32),
                samples_per_sec: 0.0,
                seconds: row.seconds_per_epoch as f64,
                modes_covered: None,
            })
            .collect();
        // A run that failed before this many epochs fails here too.
        let failure = if proposal.epochs > row.train_loss.len() { row.failure.clone() } else { None };
        Some(TrialResult {
            parameters: row.parameters,
            flops: row.flops,
            history,
            seconds: row.seconds_per_epoch as f64 * epochs.saturating_sub(proposal.continues.map_or(0, |c| c.epochs)) as f64,
            model: None,
            repairs: Vec::new(),
            failure,
        })
    }

    /// The best score any member reaches at the full epochs: regret is measured against it.
    pub fn best_score(&self) -> f64 {
        let epochs = self.config.space.epochs;
        self.rows
            .iter()
            .filter(|r| r.failure.is_none() && r.train_loss.len() == epochs)
            .filter_map(|r| match self.objective {
                Objective::ValidationAccuracy => r.validation_accuracy.last().map(|&a| a as f64),
                Objective::ValidationLoss => r.validation_loss.last().map(|&l| -(l as f64)),
                Objective::ModesThenQuality { .. } => None,
            })
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Answers proposals from a table instead of training.
pub struct TabularEvaluator<'t> {
    pub table: &'t TabularBenchmark,
}

impl Evaluator for TabularEvaluator<'_> {
    async fn evaluate<H: SearchHost>(&mut self, trial: usize, proposal: &Proposal, host: &mut H) -> Evaluation {
        match self.table.lookup(proposal) {
            Some(result) => {
                // The same events a trained trial emits, so logs and charts cannot tell the difference.
                for metrics in &result.history {
                    host.on_event(&super::event::SearchEvent::Epoch { trial, metrics: metrics.clone() });
                }
                Evaluation::Done(result)
            }
            None => Evaluation::Done(TrialResult::failed(
                super::trial::FailureKind::InvalidModel,
                format!("{} is not in the table's space", proposal.candidate.label()),
            )),
        }
    }
}
