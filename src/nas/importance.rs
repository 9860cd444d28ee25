//! Why this winner: how much each decision of the space matters to the score, over the finished
//! trials. A seeded random forest of regression trees is fitted to (decisions -> score); a
//! decision's importance is its share of the forest's total decrease in squared error (mean
//! decrease in impurity, as Optuna's `MeanDecreaseImpurityImportanceEvaluator` reports it).

use rand::seq::IndexedRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::candidate::{activation_name, optimizer_name};
use super::trial::TrialRecord;
use super::view::SearchView;

/// One decision, as numbers a tree can split (a category by its index).
pub struct Decision {
    pub name: &'static str,
    value: fn(&TrialRecord) -> f64,
}

/// A GAN trial's own choices (only asked of GAN trials).
fn gan(r: &TrialRecord) -> &super::gan_space::GanChoice {
    r.proposal.candidate.gan.as_ref().expect("a GAN search's trials have GAN choices")
}

/// The decisions of a GAN search's trials.
fn gan_decisions() -> Vec<Decision> {
    use super::gan_space::loss_name;
    vec![
        Decision { name: "generator layers", value: |r| r.proposal.candidate.dense.len() as f64 },
        Decision { name: "generator width", value: |r| r.proposal.candidate.dense.first().copied().unwrap_or(0) as f64 },
        Decision { name: "discriminator layers", value: |r| gan(r).discriminator.len() as f64 },
        Decision { name: "discriminator width", value: |r| gan(r).discriminator.first().copied().unwrap_or(0) as f64 },
        Decision { name: "generator activation", value: |r| category(&activation_name(r.proposal.candidate.activation)) },
        Decision { name: "discriminator activation", value: |r| category(&activation_name(gan(r).discriminator_activation)) },
        Decision { name: "generator learning rate", value: |r| (r.proposal.candidate.learning_rate as f64).ln() },
        Decision { name: "discriminator learning rate", value: |r| (gan(r).discriminator_learning_rate as f64).ln() },
        Decision { name: "D steps per G step", value: |r| gan(r).d_steps as f64 },
        Decision { name: "loss", value: |r| category(loss_name(gan(r).loss)) },
        Decision { name: "noise dimensions", value: |r| gan(r).noise_dim as f64 },
        Decision { name: "optimizer", value: |r| category(&optimizer_name(r.proposal.candidate.optimizer)) },
        Decision { name: "batch size", value: |r| r.proposal.candidate.batch_size as f64 },
    ]
}

/// The decisions a trial's candidate makes (a network's, or with `gan` a GAN's).
pub fn decisions(cnn: bool, gan: bool) -> Vec<Decision> {
    if gan {
        return gan_decisions();
    }
    fn mean(values: &[usize]) -> f64 {
        if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<usize>() as f64 / values.len() as f64
        }
    }
    let mut all = vec![
        Decision { name: "hidden layers", value: |r| r.proposal.candidate.dense.len() as f64 },
        Decision { name: "width", value: |r| mean(&r.proposal.candidate.dense) },
        Decision { name: "activation", value: |r| category(&activation_name(r.proposal.candidate.activation)) },
        Decision { name: "dropout", value: |r| r.proposal.candidate.dropout as f64 },
        Decision { name: "optimizer", value: |r| category(&optimizer_name(r.proposal.candidate.optimizer)) },
        Decision { name: "learning rate", value: |r| (r.proposal.candidate.learning_rate as f64).ln() },
        Decision { name: "batch size", value: |r| r.proposal.candidate.batch_size as f64 },
    ];
    if cnn {
        all.push(Decision { name: "conv blocks", value: |r| r.proposal.candidate.conv.len() as f64 });
        all.push(Decision { name: "filters", value: |r| mean(&r.proposal.candidate.conv.iter().map(|b| b.filters).collect::<Vec<_>>()) });
        all.push(Decision { name: "kernel", value: |r| mean(&r.proposal.candidate.conv.iter().map(|b| b.kernel).collect::<Vec<_>>()) });
    }
    all
}

/// A category as a number: a stable hash of its name (trees only need distinct values).
fn category(name: &str) -> f64 {
    name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) as f64
}

/// Each decision's share of the forest's impurity decrease, largest first; empty with fewer than
/// four scored trials or when every score is the same.
pub fn decision_importance(view: &SearchView) -> Vec<(&'static str, f64)> {
    let objective = view.objective();
    let records: Vec<TrialRecord> = view.records().into_iter().filter(|r| objective.score(r).is_some()).collect();
    let cnn = records.iter().any(|r| !r.proposal.candidate.conv.is_empty());
    let gan = records.iter().all(|r| r.proposal.candidate.gan.is_some()) && !records.is_empty();
    let decisions = decisions(cnn, gan);
    let rows: Vec<Vec<f64>> = records.iter().map(|r| decisions.iter().map(|d| (d.value)(r)).collect()).collect();
    let scores: Vec<f64> = records.iter().filter_map(|r| objective.score(r)).collect();
    let shares = forest_importance(&rows, &scores, 64, 7);
    let mut named: Vec<(&'static str, f64)> = decisions.iter().map(|d| d.name).zip(shares).collect();
    named.sort_by(|a, b| b.1.total_cmp(&a.1));
    if named.iter().all(|(_, s)| *s == 0.0) {
        return Vec::new();
    }
    named
}

/// Mean decrease in impurity of a seeded random forest of `trees` regression trees fitted to
/// `rows` (features) -> `targets`, as shares that add up to 1 (all zero when nothing splits).
pub fn forest_importance(rows: &[Vec<f64>], targets: &[f64], trees: usize, seed: u64) -> Vec<f64> {
    let features = rows.first().map_or(0, Vec::len);
    let mut total = vec![0.0; features];
    if rows.len() < 4 {
        return total;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let all: Vec<usize> = (0..rows.len()).collect();
    for _ in 0..trees {
        let sample: Vec<usize> = (0..rows.len()).map(|_| *all.choose(&mut rng).expect("rows")).collect();
        grow(rows, targets, sample, 0, &mut total, &mut rng);
    }
    let sum: f64 = total.iter().sum();
    if sum > 0.0 {
        total.iter_mut().for_each(|t| *t /= sum);
    }
    total
}

const MAX_DEPTH: usize = 8;
const MIN_LEAF: usize = 2;

fn squared_error(targets: &[f64], samples: &[usize]) -> f64 {
    let mean = samples.iter().map(|&i| targets[i]).sum::<f64>() / samples.len().max(1) as f64;
    samples.iter().map(|&i| (targets[i] - mean).powi(2)).sum()
}

/// Splits `samples` where the squared error drops most, over a random two thirds of the
/// features (at least one), adding each split's drop to its feature's importance.
fn grow(rows: &[Vec<f64>], targets: &[f64], samples: Vec<usize>, depth: usize, importance: &mut [f64], rng: &mut ChaCha8Rng) {
    if depth >= MAX_DEPTH || samples.len() < 2 * MIN_LEAF {
        return;
    }
    let before = squared_error(targets, &samples);
    if before <= 1e-12 {
        return;
    }
    let features: Vec<usize> = (0..importance.len()).collect();
    let tried = (importance.len() * 2).div_ceil(3).max(1);
    let chosen: Vec<usize> = features.choose_multiple(rng, tried).copied().collect();
    let mut best: Option<(f64, usize, f64)> = None;
    for &feature in &chosen {
        let mut values: Vec<f64> = samples.iter().map(|&i| rows[i][feature]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        for pair in values.windows(2) {
            let threshold = (pair[0] + pair[1]) / 2.0;
            let (left, right): (Vec<usize>, Vec<usize>) = samples.iter().partition(|&&i| rows[i][feature] <= threshold);
            if left.len() < MIN_LEAF || right.len() < MIN_LEAF {
                continue;
            }
            let drop = before - squared_error(targets, &left) - squared_error(targets, &right);
            if best.is_none_or(|(b, _, _)| drop > b) {
                best = Some((drop, feature, threshold));
            }
        }
    }
    let Some((drop, feature, threshold)) = best.filter(|(drop, _, _)| *drop > 0.0) else { return };
    importance[feature] += drop;
    let (left, right): (Vec<usize>, Vec<usize>) = samples.iter().partition(|&&i| rows[i][feature] <= threshold);
    grow(rows, targets, left, depth + 1, importance, rng);
    grow(rows, targets, right, depth + 1, importance, rng);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_that_drives_the_score_gets_the_importance() {
        // Three features; the target follows the second alone, plus a little of the third.
        let rows: Vec<Vec<f64>> = (0..60).map(|i| vec![((i * 7) % 5) as f64, (i % 6) as f64, ((i * 13) % 4) as f64]).collect();
        let targets: Vec<f64> = rows.iter().map(|r| 10.0 * r[1] + 0.5 * r[2]).collect();
        let shares = forest_importance(&rows, &targets, 64, 1);
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{shares:?}");
        assert!(shares[1] > 0.8, "{shares:?}");
        assert!(shares[0] < 0.1, "{shares:?}");
        assert_eq!(forest_importance(&rows, &targets, 64, 1), shares, "seeded: the same shares every time");
    }

    #[test]
    fn nothing_to_learn_gives_no_importance() {
        let rows: Vec<Vec<f64>> = (0..20).map(|i| vec![i as f64, (i % 3) as f64]).collect();
        assert_eq!(forest_importance(&rows, &[0.5; 20], 16, 1), vec![0.0, 0.0]);
        assert_eq!(forest_importance(&rows[..3], &[0.1, 0.2, 0.3], 16, 1), vec![0.0, 0.0]);
    }
}
