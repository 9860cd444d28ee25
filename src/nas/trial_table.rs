//! The leaderboard as rows: every trial of a `SearchView` with its architecture in words, score,
//! size, cost, status and notes (why it failed, what was repaired), sorted by any column and
//! filtered by status. The page's table and any other host show these rows as they are.

use std::cmp::Ordering;

use super::view::{SearchView, TrialStatus};

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// By score, best first (the leaderboard's own order; running trials last).
    Rank,
    Trial,
    Parameters,
    Flops,
    Seconds,
    Epochs,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [SortKey::Rank, SortKey::Trial, SortKey::Parameters, SortKey::Flops, SortKey::Seconds, SortKey::Epochs];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Rank => "rank",
            SortKey::Trial => "trial",
            SortKey::Parameters => "parameters",
            SortKey::Flops => "flops",
            SortKey::Seconds => "seconds",
            SortKey::Epochs => "epochs",
        }
    }
}

/// One trial as a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    pub id: usize,
    /// Its place by score among finished trials (1 is best); none while running or failed.
    pub rank: Option<usize>,
    pub architecture: String,
    pub score: Option<f64>,
    /// The score for people ("93.1 %"), or "running", or "failed".
    pub score_text: String,
    pub parameters: Option<usize>,
    pub flops: Option<u64>,
    pub seconds: Option<f64>,
    /// Epochs so far, of the epochs asked for.
    pub epochs: (usize, usize),
    pub status: TrialStatus,
    pub on_front: bool,
    /// Why it failed, and the repairs that made it fit.
    pub notes: Vec<String>,
}

/// The trials as rows, filtered to `status` when given, sorted by `key` (`descending` flips it).
pub fn trial_rows(view: &SearchView, key: SortKey, descending: bool, status: Option<TrialStatus>) -> Vec<TrialRow> {
    let objective = view.objective();
    let ranking = view.leaderboard();
    let front = view.pareto_front();
    let mut rows: Vec<TrialRow> = view
        .trials
        .values()
        .filter(|t| status.is_none_or(|s| s == t.status))
        .map(|t| {
            let record = t.record.as_ref();
            let score = record.and_then(|r| objective.score(r)).filter(|_| t.status == TrialStatus::Finished);
            let mut notes = Vec::new();
            if let Some(failure) = record.and_then(|r| r.result.failure.as_ref()) {
                notes.push(failure.message.clone());
            }
            notes.extend(record.map(|r| r.result.repairs.clone()).unwrap_or_default());
            TrialRow {
                id: t.id,
                rank: score.and_then(|_| ranking.iter().position(|&id| id == t.id)).map(|p| p + 1),
                architecture: t.proposal.candidate.label(),
                score,
                score_text: match (t.status, score) {
                    (TrialStatus::Running, _) => "running".into(),
                    (TrialStatus::Failed, _) => "failed".into(),
                    (TrialStatus::Finished, Some(s)) => objective.display(s),
                    (TrialStatus::Finished, None) => "-".into(),
                },
                parameters: record.map(|r| r.result.parameters).filter(|&p| p > 0),
                flops: record.map(|r| r.result.flops).filter(|&f| f > 0),
                seconds: record.map(|r| r.result.seconds),
                epochs: (t.curve.len(), t.proposal.epochs),
                status: t.status,
                on_front: front.contains(&t.id),
                notes,
            }
        })
        .collect();
    // Missing values sort after present ones in either direction.
    fn by<T: PartialOrd>(a: Option<T>, b: Option<T>, descending: bool) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => {
                let order = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
                if descending {
                    order.reverse()
                } else {
                    order
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    rows.sort_by(|a, b| {
        let order = match key {
            SortKey::Rank => by(a.rank, b.rank, descending),
            SortKey::Trial => by(Some(a.id), Some(b.id), descending),
            SortKey::Parameters => by(a.parameters, b.parameters, descending),
            SortKey::Flops => by(a.flops, b.flops, descending),
            SortKey::Seconds => by(a.seconds, b.seconds, descending),
            SortKey::Epochs => by(Some(a.epochs.0), Some(b.epochs.0), descending),
        };
        order.then(a.id.cmp(&b.id))
    });
    rows
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::nas::StrategyConfig;

    fn view() -> SearchView {
        crate::nas::charts::tests::searched(StrategyConfig::Random, 12)
    }

    #[test]
    fn rows_rank_sort_and_filter() {
        let view = view();
        let rows = trial_rows(&view, SortKey::Rank, false, None);
        assert_eq!(rows.len(), 12);
        let ranked: Vec<usize> = rows.iter().filter(|r| r.rank.is_some()).map(|r| r.id).collect();
        let leaderboard: Vec<usize> = view.leaderboard().into_iter().filter(|id| ranked.contains(id)).collect();
        assert_eq!(ranked, leaderboard);
        assert_eq!(rows[0].rank, Some(1));
        assert_eq!(rows[0].id, view.best().unwrap().0);

        let by_size = trial_rows(&view, SortKey::Parameters, true, None);
        let sizes: Vec<usize> = by_size.iter().filter_map(|r| r.parameters).collect();
        assert!(sizes.len() >= 10 && sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        let ascending: Vec<usize> = trial_rows(&view, SortKey::Parameters, false, None).iter().filter_map(|r| r.parameters).collect();
        assert!(ascending.windows(2).all(|w| w[0] <= w[1]) && ascending != sizes, "{ascending:?}");
        assert!(by_size.iter().any(|r| r.on_front));

        assert!(trial_rows(&view, SortKey::Trial, false, Some(TrialStatus::Running)).is_empty());
        assert_eq!(trial_rows(&view, SortKey::Trial, false, Some(TrialStatus::Finished)).len(), view.count(TrialStatus::Finished));
    }
}
