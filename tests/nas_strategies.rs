//! Strategies judged on the tabular benchmark (every member of a small spiral space trained once,
//! stored in www/data): regularized evolution against random search at equal evaluations, and
//! successive halving against full training of the same candidates. Prints the figures.
#![cfg(not(target_arch = "wasm32"))]

use nas_playground::nas::{
    run_search, Budget, Origin, RunEnd, Search, SearchHost, StrategyConfig, TabularBenchmark, TabularEvaluator, TrialRecord,
};

struct Quiet;

impl SearchHost for Quiet {
    fn now(&self) -> f64 {
        0.0
    }
}

fn table() -> TabularBenchmark {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/tabular-spiral.json.gz");
    TabularBenchmark::parse(&std::fs::read(path).expect("the shipped table")).expect("a valid table")
}

/// Runs `strategy` on the table and returns every trial.
fn search(table: &TabularBenchmark, strategy: StrategyConfig, budget: Budget, seed: u64) -> Vec<TrialRecord> {
    let mut config = table.config.clone();
    (config.strategy, config.budget, config.seed) = (strategy, budget, seed);
    let mut search = Search::new(config, table.objective).unwrap();
    let end = pollster::block_on(run_search(&mut search, &mut TabularEvaluator { table }, &mut Quiet));
    assert!(matches!(end, RunEnd::Finished(_)));
    search.trials().to_vec()
}

/// Regret after each number of evaluations: the table's best minus the best found so far.
fn regret_curve(table: &TabularBenchmark, trials: &[TrialRecord]) -> Vec<f64> {
    let best = table.best_score();
    let mut found = f64::NEG_INFINITY;
    trials
        .iter()
        .map(|t| {
            if let Some(s) = table.objective.score(t) {
                found = found.max(s);
            }
            best - found
        })
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn regularized_evolution_reaches_lower_regret_than_random_search() {
    let table = table();
    let (seeds, evaluations) = (40u64, 150usize);
    let curves = |strategy: StrategyConfig| -> Vec<Vec<f64>> {
        (0..seeds).map(|seed| regret_curve(&table, &search(&table, strategy.clone(), Budget::trials(evaluations), seed))).collect()
    };
    let random = curves(StrategyConfig::Random);
    let evolution = curves(StrategyConfig::evolution());
    println!("mean regret (accuracy points) over {seeds} seeds; table best {:.2} %", table.best_score() * 100.0);
    println!("{:>12} {:>10} {:>10}", "evaluations", "random", "evolution");
    for n in [20, 40, 60, 80, 100, 150] {
        let (r, e) = (mean(random.iter().map(|c| c[n - 1])), mean(evolution.iter().map(|c| c[n - 1])));
        println!("{n:>12} {:>10.3} {:>10.3}", r * 100.0, e * 100.0);
    }
    let at = |curves: &[Vec<f64>], n: usize| mean(curves.iter().map(|c| c[n - 1]));
    for n in [100, 150] {
        assert!(
            at(&evolution, n) < at(&random, n),
            "at {n} evaluations evolution's regret {} is not below random's {}",
            at(&evolution, n),
            at(&random, n)
        );
    }
}

/// The best full-epoch score a search found.
fn best_full(table: &TabularBenchmark, trials: &[TrialRecord]) -> f64 {
    let epochs = table.config.space.epochs;
    trials.iter().filter(|t| t.proposal.epochs == epochs).filter_map(|t| table.objective.score(t)).fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn successive_halving_reaches_the_best_of_full_training_with_a_fraction_of_the_epochs() {
    let table = table();
    let epochs = table.config.space.epochs;
    let seeds = 40u64;
    // Full training: random search, every candidate trained all epochs.
    let full_trials = 27;
    let full_epochs = full_trials * epochs;
    let full = mean((0..seeds).map(|seed| best_full(&table, &search(&table, StrategyConfig::Random, Budget::trials(full_trials), seed))));
    println!(
        "full training: {full_trials} random candidates x {epochs} epochs = {full_epochs} epochs, mean best {:.2} % over {seeds} seeds",
        full * 100.0
    );
    let mut reached = None;
    for min_epochs in [1, 3] {
        for percent in [20, 30, 40, 50, 55, 60, 65, 70, 75, 80, 90, 100] {
            let budget = Budget { epochs: Some(full_epochs * percent / 100), ..Budget::default() };
            let strategy = StrategyConfig::Halving { eta: 3, min_epochs, hyperband: false };
            let runs: Vec<Vec<TrialRecord>> = (0..seeds).map(|seed| search(&table, strategy.clone(), budget, seed)).collect();
            let best = mean(runs.iter().map(|trials| best_full(&table, trials)));
            let spent = mean(runs.iter().map(|trials| trials.iter().map(|t| t.epochs_trained() as f64).sum::<f64>()));
            let candidates = mean(
                runs.iter()
                    .map(|trials| trials.iter().filter(|t| matches!(t.proposal.origin, Origin::Rung { rung: 0, .. })).count() as f64),
            );
            println!(
                "successive halving (eta 3, {min_epochs} -> {epochs} epochs), budget {percent:>3} % ({:>4.0} epochs spent, {candidates:>5.1} candidates): mean best {:.2} %",
                spent,
                best * 100.0
            );
            if best >= full && reached.is_none_or(|(_, p)| percent < p) {
                reached = Some((min_epochs, percent));
            }
        }
    }
    let (min_epochs, percent) = reached.expect("successive halving never reached full training's best");
    println!("successive halving reaches full training's mean best with {percent} % of its epochs (starting at {min_epochs} epochs)");
    assert!(percent <= 50, "it took {percent} % of the epochs");
}
