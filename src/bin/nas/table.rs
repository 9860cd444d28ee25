//! The results table printed when a search ends: the leaderboard, the Pareto front and the
//! failures.

use nas_playground::nas::objective::ranking;
use nas_playground::nas::{Search, SearchSummary};

pub fn print_results(search: &Search, summary: &SearchSummary, top: usize) {
    let objective = search.objective();
    let trials = search.trials();
    println!();
    println!(
        "{} trials ({} failed), {} epochs, {:.1} s of training; ranked by {}",
        summary.trials,
        summary.failed,
        summary.epochs_trained,
        summary.seconds,
        objective.name()
    );
    println!("{:>4} {:>6} {:>10} {:>10} {:>7} {:>8}  architecture", "rank", "trial", "score", "params", "epochs", "seconds");
    for (rank, t) in ranking(trials, objective).into_iter().take(top).enumerate() {
        let score = objective.score(t).map(|s| objective.display(s)).unwrap_or_else(|| "failed".into());
        let front = if summary.pareto_front.contains(&t.id) { " *" } else { "" };
        println!(
            "{:>4} {:>6} {:>10} {:>10} {:>7} {:>8.2}  {}{front}",
            rank + 1,
            t.id,
            score,
            t.result.parameters,
            t.proposal.epochs,
            t.result.seconds,
            t.proposal.candidate.label()
        );
    }
    let front: Vec<String> = summary
        .pareto_front
        .iter()
        .map(|&id| {
            let t = &trials[id];
            format!("#{id} ({} params, {})", t.result.parameters, objective.score(t).map(|s| objective.display(s)).unwrap_or_default())
        })
        .collect();
    println!("Pareto front of score against size (* above): {}", front.join(", "));
    if let (Some(best), Some(score)) = (summary.best, summary.best_score) {
        println!("best: trial {best}, {}: {}", objective.display(score), trials[best].proposal.candidate.label());
    }
    for t in trials.iter().filter(|t| t.result.failure.is_some()) {
        let failure = t.result.failure.as_ref().unwrap();
        println!("trial {} failed ({:?}): {}", t.id, failure.kind, failure.message);
    }
}
