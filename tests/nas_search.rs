//! The NAS engine natively: search spaces from hand-written JSON and their errors, members and
//! the grid's exact cover, strategies that propose only members and repeat for a seed, mutations
//! of one decision, conv stacks repaired to fit, failing trials recorded, logs that resume to the
//! same final log, and pausing.
#![cfg(not(target_arch = "wasm32"))]

mod search_fixture;
use search_fixture::{log_text, without_timing};
use std::collections::HashSet;

use nas_playground::data::{Toy2d, Toy2dSpec};
use nas_playground::engine::Device;
use nas_playground::nas::mutation::mutate;
use nas_playground::nas::objective::{best_so_far, pareto_front};
use nas_playground::nas::{
    run_search, Budget, Candidate, DataSource, DataSpec, Evaluation, Evaluator, FailureKind, Objective, Proposal, RunEnd, Search,
    SearchConfig, SearchEvent, SearchHost, SearchLog, SearchSpace, StrategyConfig, TrainingEvaluator, TrialRecord, TrialResult,
};
use nas_playground::nn::{EpochMetrics, Task};
use rand::SeedableRng;

fn space(json: &str) -> SearchSpace {
    serde_json::from_str(json).unwrap()
}

fn mlp_space() -> SearchSpace {
    space(
        r#"{"family": "mlp", "dense": {"depth": {"min": 0, "max": 2}, "widths": {"min": 8, "max": 24, "step": 8}},
            "activations": ["relu", "tanh"], "dropout": [0, 0.2], "optimizers": ["sgd", {"momentum": {"momentum": 0.9}}, "adam"],
            "learning_rate": {"min": 0.001, "max": 0.1, "steps": 3}, "batch_sizes": [16, 64], "epochs": 4}"#,
    )
}

fn cnn_space() -> SearchSpace {
    space(
        r#"{"family": "cnn", "conv": {"depth": {"min": 1, "max": 3}, "filters": [4, 8], "kernels": [3, 5, 7], "pooling": ["none", "max"], "padding": "valid"},
            "dense": {"depth": {"min": 0, "max": 1}, "widths": [16, 32]}, "activations": ["relu"],
            "optimizers": ["adam"], "learning_rate": {"min": 0.001, "max": 0.001, "steps": 1}, "batch_sizes": [32], "epochs": 2}"#,
    )
}

/// A stand-in for training in these tests: a fixed score per architecture, from its label.
struct ScoreByLabel;

impl Evaluator for ScoreByLabel {
    async fn evaluate<H: SearchHost>(&mut self, trial: usize, proposal: &Proposal, host: &mut H) -> Evaluation {
        let label = proposal.candidate.label();
        let hash = label.bytes().fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
        let accuracy = (hash % 1000) as f32 / 1000.0;
        let history = (1..=proposal.epochs)
            .map(|epoch| EpochMetrics {
                epoch,
                train_loss: 1.0,
                train_accuracy: None,
                validation_loss: Some(1.0 - accuracy),
                validation_accuracy: Some(accuracy * epoch as f32 / proposal.epochs as f32),
                learning_rate: proposal.candidate.learning_rate,
                samples_per_sec: 0.0,
                seconds: 0.0,
                modes_covered: None,
            })
            .collect::<Vec<EpochMetrics>>();
        for metrics in &history {
            host.on_event(&SearchEvent::Epoch { trial, metrics: metrics.clone() });
        }
        let parameters = proposal.candidate.dense.iter().sum::<usize>() + proposal.candidate.conv.iter().map(|b| b.filters).sum::<usize>();
        Evaluation::Done(TrialResult { parameters, flops: 0, history, seconds: 0.0, model: None, repairs: Vec::new(), failure: None })
    }
}

#[derive(Default)]
struct Recorder {
    events: Vec<SearchEvent>,
    stop_after_trials: Option<usize>,
    stop_after_epochs: Option<usize>,
    epochs_seen: usize,
}

impl SearchHost for Recorder {
    fn now(&self) -> f64 {
        0.0
    }

    fn should_stop(&self) -> bool {
        let trials = self.events.iter().filter(|e| matches!(e, SearchEvent::TrialFinished { .. })).count();
        self.stop_after_trials.is_some_and(|n| trials >= n) || self.stop_after_epochs.is_some_and(|n| self.epochs_seen >= n)
    }

    fn on_event(&mut self, event: &SearchEvent) {
        if matches!(event, SearchEvent::Epoch { .. }) {
            self.epochs_seen += 1;
        }
        if event.is_logged() {
            self.events.push(event.clone());
        }
    }
}

fn config(space: SearchSpace, strategy: StrategyConfig, budget: Budget, seed: u64) -> SearchConfig {
    let data = DataSpec::new(DataSource::Toy2d(Toy2dSpec { set: Toy2d::Spiral, samples: 300, seed: 1, ..Toy2dSpec::default() }));
    SearchConfig { space, data, strategy, budget, seed, objective: None }
}

fn proposals(space: &SearchSpace, strategy: StrategyConfig, trials: usize, seed: u64) -> Vec<Proposal> {
    let mut search = Search::new(config(space.clone(), strategy, Budget::trials(trials), seed), Objective::ValidationAccuracy).unwrap();
    pollster::block_on(run_search(&mut search, &mut ScoreByLabel, &mut Recorder::default()));
    search.trials().iter().map(|t| t.proposal.clone()).collect()
}

fn all_strategies() -> Vec<StrategyConfig> {
    vec![
        StrategyConfig::Grid,
        StrategyConfig::Random,
        StrategyConfig::Evolution { population: 10, sample: 3 },
        StrategyConfig::halving(),
        StrategyConfig::Halving { eta: 2, min_epochs: 1, hyperband: true },
    ]
}

#[test]
fn a_hand_written_space_validates_and_counts_its_members() {
    let summary = mlp_space().validate().unwrap();
    // (1 + 3 + 9) stacks x 2 activations x 2 dropouts x 3 optimizers x 3 rates x 2 batch sizes.
    assert_eq!(summary.size, 13 * 2 * 2 * 3 * 3 * 2);
    assert_eq!(mlp_space().learning_rates(), vec![0.001, 0.01, 0.1]);
    let cnn = cnn_space().validate().unwrap();
    assert_eq!(cnn.size, (12 + 144 + 1728) * 3);
    println!("mlp space: {}, cnn space: {}", summary, cnn);
}

#[test]
fn mistakes_in_a_space_are_explained_with_their_field() {
    let cases = [
        (r#""dense": {"depth": {"min": 3, "max": 1}, "widths": [8]}"#, "search space, dense.depth: max 1 is below min 3"),
        (r#""dense": {"depth": {"min": 1, "max": 2}, "widths": []}"#, "search space, dense.widths: give at least one choice"),
        (
            r#""dense": {"depth": {"min": 1, "max": 2}, "widths": {"min": 8, "max": 64, "step": 0}}"#,
            "search space, dense.widths: step must be at least 1",
        ),
        (r#""dense": {"depth": {"min": 1, "max": 2}, "widths": [8, 8]}"#, "search space, dense.widths: 8 is listed twice"),
        (
            r#""dense": {"depth": {"min": 1, "max": 2}, "widths": [8]}, "conv": {"depth": {"min": 1, "max": 1}, "filters": [4], "kernels": [3], "pooling": ["max"]}"#,
            "search space, conv: an mlp has no convolutions",
        ),
    ];
    let rest = r#""activations": ["relu"], "optimizers": ["adam"], "learning_rate": {"min": 0.01, "max": 0.1, "steps": 2}, "batch_sizes": [32], "epochs": 3"#;
    for (dense, expected) in cases {
        let json = format!(r#"{{"family": "mlp", {dense}, {rest}}}"#);
        let message = space(&json).validate().unwrap_err().to_string();
        assert!(message.starts_with(expected), "{message}");
    }
    let mut bad = mlp_space();
    bad.learning_rate.min = 0.0;
    assert_eq!(bad.validate().unwrap_err().to_string(), "search space, learning_rate: min 0 and max 0.1 must satisfy 0 < min <= max <= 10");
    let mut bad = mlp_space();
    bad.dropout = vec![1.0];
    assert_eq!(bad.validate().unwrap_err().to_string(), "search space, dropout: the rate 1 must be at least 0 and below 1");
    let mut bad = mlp_space();
    bad.dense.widths = nas_playground::nas::Choices::Range { min: 1, max: 1_000_000_000_000, step: 1 };
    assert_eq!(bad.validate().unwrap_err().to_string(), "search space, dense.widths: 1000000000000 must be between 1 and 4096");
    bad.dense.widths = nas_playground::nas::Choices::Range { min: 1, max: 4096, step: 1 };
    assert!(bad.validate().unwrap_err().to_string().contains("4096 choices is more than the limit of 64"));
    let mut bad = mlp_space();
    bad.learning_rate = nas_playground::nas::LogRange { min: 0.001, max: 0.001001, steps: 2 };
    assert_eq!(
        bad.validate().unwrap_err().to_string(),
        "search space, learning_rate: 2 steps from 0.001 to 0.001001 give 0.001 twice at three significant digits; use fewer steps"
    );
    let huge_eta = StrategyConfig::Halving { eta: usize::MAX, min_epochs: 2, hyperband: false };
    assert_eq!(huge_eta.validate(&mlp_space()).unwrap_err(), format!("halving's eta is {}; it must be between 2 and 64", usize::MAX));
    let unknown = serde_json::from_str::<SearchSpace>(r#"{"family": "rnn"}"#).unwrap_err().to_string();
    assert!(unknown.contains("unknown variant `rnn`"), "{unknown}");
}

#[test]
fn members_and_indices_round_trip() {
    for space in [mlp_space(), cnn_space()] {
        for index in (0..space.size()).step_by(7) {
            let member = space.member(index);
            assert!(member.is_member_of(&space));
            assert_eq!(space.index_of(&member), Some(index));
        }
    }
}

#[test]
fn the_grid_covers_the_space_exactly() {
    for space in [mlp_space(), cnn_space()] {
        let size = space.size() as usize;
        let grid = proposals(&space, StrategyConfig::Grid, size + 10, 0);
        assert_eq!(grid.len(), size, "the grid stops after the last member");
        let indices: HashSet<u128> = grid.iter().map(|p| space.index_of(&p.candidate).expect("a member")).collect();
        assert_eq!(indices.len(), size, "every member once");
    }
}

#[test]
fn every_strategy_proposes_only_members_and_repeats_for_a_seed() {
    for space in [mlp_space(), cnn_space()] {
        for strategy in all_strategies() {
            let a = proposals(&space, strategy.clone(), 80, 7);
            assert!(a.iter().all(|p| p.candidate.is_member_of(&space)), "{} proposed a non-member", strategy.name());
            assert!(a.iter().all(|p| (1..=space.epochs).contains(&p.epochs)));
            assert_eq!(a, proposals(&space, strategy.clone(), 80, 7), "{} with the same seed", strategy.name());
            if strategy != StrategyConfig::Grid {
                assert_ne!(a, proposals(&space, strategy.clone(), 80, 8), "{} with another seed", strategy.name());
            }
        }
    }
}

/// How many decisions differ between two candidates (a layer added or removed counts once).
fn decisions_changed(a: &Candidate, b: &Candidate) -> usize {
    let layers = |x: &[usize], y: &[usize]| {
        if x.len() != y.len() {
            1
        } else {
            x.iter().zip(y).filter(|(p, q)| p != q).count()
        }
    };
    let blocks = if a.conv.len() != b.conv.len() {
        1
    } else {
        a.conv
            .iter()
            .zip(&b.conv)
            .map(|(p, q)| (p.filters != q.filters) as usize + (p.kernel != q.kernel) as usize + (p.pooling != q.pooling) as usize)
            .sum()
    };
    blocks
        + layers(&a.dense, &b.dense)
        + (a.activation != b.activation) as usize
        + (a.dropout != b.dropout) as usize
        + (a.optimizer != b.optimizer) as usize
        + (a.learning_rate != b.learning_rate) as usize
        + (a.batch_size != b.batch_size) as usize
}

#[test]
fn a_mutation_changes_exactly_one_decision_and_stays_in_the_space() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for space in [mlp_space(), cnn_space()] {
        for _ in 0..500 {
            let parent = space.sample(&mut rng);
            let (child, change) = mutate(&space, &parent, &mut rng).unwrap();
            assert!(child.is_member_of(&space), "{change}");
            assert_eq!(decisions_changed(&parent, &child), 1, "{change}: {} -> {}", parent.label(), child.label());
        }
    }
}

#[test]
fn evolution_descends_from_its_parents() {
    let trials = proposals(&mlp_space(), StrategyConfig::Evolution { population: 10, sample: 3 }, 40, 1);
    for (id, p) in trials.iter().enumerate().skip(10) {
        let parent = p.origin.parent().expect("after the first population every trial has a parent");
        assert!(parent < id && parent >= id - 10, "trial {id}'s parent {parent} must be among the 10 most recent");
        assert_eq!(decisions_changed(&trials[parent].candidate, &p.candidate), 1);
    }
}

#[test]
fn every_member_of_a_cnn_space_builds_repairing_stacks_that_do_not_fit() {
    let space = cnn_space();
    let mut repaired = 0;
    for index in 0..space.size() {
        let built = space.member(index).build(&space, &[1, 8, 8], Task::Classification { classes: 3 }, 2, 0);
        built.model.validate().unwrap_or_else(|e| panic!("member {index}: {e}"));
        repaired += !built.repairs.is_empty() as usize;
    }
    println!("{repaired} of {} members of the cnn space needed a repair on 8x8 images", space.size());
    assert!(repaired > 0);
    let deep = Candidate {
        conv: vec![nas_playground::nas::ConvBlock { filters: 4, kernel: 7, pooling: nas_playground::nas::Pooling::Max }; 3],
        ..space.member(0)
    };
    let built = deep.build(&space, &[1, 8, 8], Task::Classification { classes: 3 }, 2, 0);
    assert_eq!(
        built.repairs,
        [
            "block 2: the 7x7 kernel does not fit the 1x1 map there, so it became 1x1",
            "block 2: the map there is 1x1, too small to pool, so the pool was left out",
            "block 3: the 7x7 kernel does not fit the 1x1 map there, so it became 1x1",
            "block 3: the map there is 1x1, too small to pool, so the pool was left out",
        ]
    );
}

#[test]
fn best_so_far_and_the_pareto_front_follow_the_trials() {
    let record = |id: usize, parameters: usize, accuracy: Option<f32>| TrialRecord {
        id,
        proposal: Proposal::fresh(mlp_space().member(0), 4, nas_playground::nas::Origin::Random),
        result: match accuracy {
            Some(a) => TrialResult {
                parameters,
                flops: 0,
                history: vec![EpochMetrics {
                    epoch: 1,
                    train_loss: 0.5,
                    train_accuracy: None,
                    validation_loss: Some(0.5),
                    validation_accuracy: Some(a),
                    learning_rate: 0.1,
                    samples_per_sec: 0.0,
                    seconds: 0.0,
                    modes_covered: None,
                }],
                seconds: 0.0,
                model: None,
                repairs: Vec::new(),
                failure: None,
            },
            None => TrialResult::failed(FailureKind::Diverged, "NaN".into()),
        },
    };
    let trials = vec![
        record(0, 100, Some(0.7)),
        record(1, 50, Some(0.6)),
        record(2, 400, Some(0.9)),
        record(3, 10, None),
        record(4, 200, Some(0.8)),
        record(5, 500, Some(0.85)),
    ];
    assert_eq!(pareto_front(&trials, Objective::ValidationAccuracy, 4), vec![1, 0, 4, 2]);
    let curve: Vec<Option<f64>> =
        best_so_far(&trials, Objective::ValidationAccuracy, 4).into_iter().map(|b| b.map(|s| (s * 100.0).round())).collect();
    assert_eq!(curve, vec![Some(70.0), Some(70.0), Some(90.0), Some(90.0), Some(90.0), Some(90.0)]);
}

#[test]
fn a_resumed_search_writes_the_same_log_as_one_never_stopped() {
    for strategy in all_strategies().into_iter().skip(1) {
        let config = config(mlp_space(), strategy.clone(), Budget::trials(45), 5);
        let whole = {
            let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
            let mut host = Recorder::default();
            pollster::block_on(run_search(&mut search, &mut ScoreByLabel, &mut host));
            log_text(&host.events)
        };
        let stopped = {
            let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
            let mut host = Recorder { stop_after_trials: Some(17), ..Recorder::default() };
            assert_eq!(pollster::block_on(run_search(&mut search, &mut ScoreByLabel, &mut host)), RunEnd::Stopped);
            log_text(&host.events)
        };
        let log = SearchLog::parse(&stopped).unwrap();
        assert_eq!(log.trials.len(), 17);
        let mut resumed = log_text(&log.finished_part());
        let mut search = Search::resume(log.config.clone(), Objective::ValidationAccuracy, log.trials).unwrap();
        let mut host = Recorder::default();
        pollster::block_on(run_search(&mut search, &mut ScoreByLabel, &mut host));
        resumed.push_str(&log_text(&host.events));
        assert_same_lines(&resumed, &whole, strategy.name());
    }
}

/// Two logs line by line, reporting only the first difference.
fn assert_same_lines(a: &str, b: &str, what: &str) {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        assert_eq!(x, y, "{what}: line {} differs", i + 1);
    }
    assert_eq!(a.lines().count(), b.lines().count(), "{what}: the logs differ in length");
}

#[test]
fn a_real_search_stopped_mid_trial_resumes_to_the_same_log() {
    let space = space(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [4, 16]}, "activations": ["relu", "tanh"],
            "optimizers": ["adam"], "learning_rate": {"min": 0.003, "max": 0.03, "steps": 2}, "batch_sizes": [16], "epochs": 5}"#,
    );
    let config = config(space, StrategyConfig::Evolution { population: 3, sample: 2 }, Budget::trials(7), 11);
    let run = |host: &mut Recorder, search: &mut Search| {
        let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
        pollster::block_on(run_search(search, &mut evaluator, host))
    };
    let mut whole_host = Recorder::default();
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    assert!(matches!(run(&mut whole_host, &mut search), RunEnd::Finished(_)));
    let whole = log_text(&whole_host.events);
    // Stop in the middle of the fourth trial (after 3 trials x 5 epochs and 2 more).
    let mut stopped_host = Recorder { stop_after_epochs: Some(17), ..Recorder::default() };
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    assert_eq!(run(&mut stopped_host, &mut search), RunEnd::Stopped);
    let log = SearchLog::parse(&log_text(&stopped_host.events)).unwrap();
    assert_eq!((log.trials.len(), log.interrupted.clone()), (3, vec![3]));
    let mut resumed = log_text(&log.finished_part());
    let mut search = Search::resume(log.config.clone(), Objective::ValidationAccuracy, log.trials).unwrap();
    let mut host = Recorder::default();
    assert!(matches!(run(&mut host, &mut search), RunEnd::Finished(_)));
    resumed.push_str(&log_text(&host.events));
    assert_same_lines(&without_timing(&resumed), &without_timing(&whole), "evolution");
}

#[test]
fn a_diverging_trial_is_recorded_with_its_reason_and_the_search_goes_on() {
    let space = space(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 1}, "widths": [16]}, "activations": ["relu"],
            "optimizers": ["sgd"], "learning_rate": {"min": 0.01, "max": 10, "steps": 2}, "batch_sizes": [8], "epochs": 3}"#,
    );
    let config = config(space, StrategyConfig::Grid, Budget::default(), 0);
    let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
    let mut search = Search::new(config, Objective::ValidationAccuracy).unwrap();
    let end = pollster::block_on(run_search(&mut search, &mut evaluator, &mut Recorder::default()));
    let RunEnd::Finished(summary) = end else { panic!("{end:?}") };
    assert_eq!((summary.trials, summary.failed), (2, 1));
    let failed = &search.trials()[1];
    let failure = failed.result.failure.as_ref().unwrap();
    assert_eq!(failure.kind, FailureKind::Diverged);
    assert!(failure.message.contains("a lower learning rate than 10 may help"), "{}", failure.message);
    assert_eq!(summary.best, Some(0));
}

#[test]
fn a_cnn_space_on_points_is_refused_before_any_trial() {
    let config = config(cnn_space(), StrategyConfig::Grid, Budget::default(), 0);
    let splits = config.data.load().unwrap();
    let error = config.check_data(&splits.train).unwrap_err().to_string();
    assert_eq!(error, "data: a cnn space needs images, but Spiral (300 points, noise 0 %) gives 2 features per sample");
    let mut regression = config.clone();
    regression.space = mlp_space();
    regression.objective = Some(Objective::ValidationAccuracy);
    regression.data = DataSpec::new(DataSource::Toy2d(Toy2dSpec { set: Toy2d::RegressPlane, samples: 100, ..Toy2dSpec::default() }));
    let error = regression.check_data(&regression.data.load().unwrap().train).unwrap_err().to_string();
    assert!(error.contains("has values to predict, not classes"), "{error}");
    let unbounded = SearchConfig { strategy: StrategyConfig::Random, ..config };
    assert_eq!(
        unbounded.validate().unwrap_err().to_string(),
        "budget: random search goes on until stopped: give a number of trials, seconds or epochs"
    );
}

#[test]
fn a_damaged_log_is_explained_and_a_line_cut_off_at_the_end_is_dropped() {
    let config = config(mlp_space(), StrategyConfig::Random, Budget::trials(3), 2);
    let mut search = Search::new(config, Objective::ValidationAccuracy).unwrap();
    let mut host = Recorder::default();
    pollster::block_on(run_search(&mut search, &mut ScoreByLabel, &mut host));
    let text = log_text(&host.events);
    let lines: Vec<&str> = text.lines().collect();
    // A crash while writing leaves half a line at the end: dropped with a warning.
    let cut = format!("{}\n{}", lines[..8].join("\n"), &lines[8][..20]);
    let log = SearchLog::parse(&cut).unwrap();
    assert_eq!((log.trials.len(), log.interrupted.clone()), (1, vec![1]));
    assert_eq!(log.warnings, ["line 9 was cut off mid-write and is ignored"]);
    // Damage in the middle is an error that names the line.
    let mut damaged: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    damaged[3] = "{\"event\": \"epoch\", \"trial\": \"three\"}".into();
    let message = SearchLog::parse(&(damaged.join("\n") + "\n")).unwrap_err().to_string();
    assert!(message.starts_with("line 4: not a search event"), "{message}");
    let reordered = [lines[0], lines[7]].join("\n") + "\n";
    assert_eq!(SearchLog::parse(&reordered).unwrap_err().to_string(), "line 2: trial 1 starts, but trial 0 was expected");
    assert_eq!(SearchLog::parse("").unwrap_err().to_string(), "the log is empty");
    // A log edited so it no longer matches the seed is refused on resume.
    let mut log = SearchLog::parse(&text).unwrap();
    log.trials[1].proposal.candidate.batch_size = 999;
    let error = Search::resume(log.config.clone(), Objective::ValidationAccuracy, log.trials).err().unwrap().to_string();
    assert!(error.starts_with("trial 1 in the log is not what the strategy proposes for this seed"), "{error}");
}

/// A host that a second thread can pause: `breathe` waits while the flag is set.
struct Pausable {
    paused: std::sync::Arc<std::sync::atomic::AtomicBool>,
    epochs: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Training steps taken (the trainer breathes once a step).
    steps: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Set once `breathe` has held the search because it was paused.
    held: std::sync::Arc<std::sync::atomic::AtomicBool>,
    events: Vec<SearchEvent>,
}

impl SearchHost for Pausable {
    fn now(&self) -> f64 {
        0.0
    }

    fn on_event(&mut self, event: &SearchEvent) {
        if matches!(event, SearchEvent::Epoch { .. }) {
            self.epochs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        if event.is_logged() {
            self.events.push(event.clone());
        }
    }

    fn breathe(&mut self) -> impl std::future::Future<Output = ()> {
        use std::sync::atomic::Ordering;
        while self.paused.load(Ordering::SeqCst) {
            self.held.store(true, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        self.steps.fetch_add(1, Ordering::SeqCst);
        std::future::ready(())
    }
}

#[test]
fn a_paused_search_makes_no_progress_and_then_finishes_as_if_never_paused() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let space = space(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [8, 16]}, "activations": ["tanh"],
            "optimizers": ["adam"], "learning_rate": {"min": 0.01, "max": 0.01, "steps": 1}, "batch_sizes": [4], "epochs": 20}"#,
    );
    let config = config(space, StrategyConfig::Random, Budget::trials(4), 3);
    let (steps, held) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let run = move |paused: Arc<AtomicBool>, epochs: Arc<AtomicUsize>, steps: Arc<AtomicUsize>, held: Arc<AtomicBool>| {
        let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
        let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
        let mut host = Pausable { paused, epochs, steps, held, events: Vec::new() };
        pollster::block_on(run_search(&mut search, &mut evaluator, &mut host));
        without_timing(&log_text(&host.events))
    };
    let reference = run(
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let (paused, epochs) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let worker = {
        let (paused, epochs, steps, held, run) = (paused.clone(), epochs.clone(), steps.clone(), held.clone(), run.clone());
        std::thread::spawn(move || run(paused, epochs, steps, held))
    };
    while epochs.load(Ordering::SeqCst) < 3 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    paused.store(true, Ordering::SeqCst);
    while !held.load(Ordering::SeqCst) {
        assert!(!worker.is_finished(), "the search finished before the pause took hold");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let (steps_at_pause, epochs_at_pause) = (steps.load(Ordering::SeqCst), epochs.load(Ordering::SeqCst));
    assert!(epochs_at_pause < 4 * 20, "the pause came after the last epoch");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(steps.load(Ordering::SeqCst), steps_at_pause, "training steps went on while paused");
    assert_eq!(epochs.load(Ordering::SeqCst), epochs_at_pause, "epochs went on while paused");
    assert!(!worker.is_finished(), "the search finished while paused");
    paused.store(false, Ordering::SeqCst);
    let log = worker.join().unwrap();
    assert_same_lines(&log, &reference, "paused");
}

#[test]
fn the_search_the_cli_logged_runs_again_to_the_same_figures() {
    let report = pollster::block_on(search_fixture::rerun_matches_the_log(true)).unwrap();
    println!("{report}");
}

#[test]
fn promoted_trials_go_on_from_kept_models_to_the_same_figures_as_retraining() {
    let space = space(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [4, 16]}, "activations": ["relu", "tanh"], "dropout": [0, 0.1],
            "optimizers": ["adam", "sgd"], "learning_rate": {"min": 0.003, "max": 0.03, "steps": 2}, "batch_sizes": [16], "epochs": 9}"#,
    );
    let config = config(space, StrategyConfig::halving(), Budget::trials(13), 2);
    let run = |keep: bool| {
        let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
        evaluator.keep_checkpoints = keep;
        let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
        let mut host = Recorder::default();
        pollster::block_on(run_search(&mut search, &mut evaluator, &mut host));
        (without_timing(&log_text(&host.events)), search.epochs_trained(), search.trials().to_vec(), evaluator.checkpoint_reuses.get())
    };
    let (kept, charged, trials, reuses) = run(true);
    let (retrained, _, _, no_reuses) = run(false);
    // Every promoted trial (4 of them) went on from its kept model; none did when none was kept.
    assert_eq!((reuses, no_reuses), (4, 0));
    assert_same_lines(&kept, &retrained, "continued and retrained");
    // 9 candidates x 1 epoch, 3 go on to 3 epochs, 1 to 9: 9 + 3 x 2 + 6 epochs.
    assert_eq!(trials.iter().map(|t| t.proposal.epochs).collect::<Vec<_>>(), [1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 9]);
    assert_eq!(charged, 9 + 3 * 2 + 6);
    assert!(trials[9..].iter().all(|t| t.proposal.continues.is_some() && t.result.history.len() == t.proposal.epochs));
}

/// Releases the GPU when the second trial's first epoch ends, as a browser does when the device is lost.
struct LosesTheGpu {
    gpu: std::rc::Rc<nas_playground::engine::gpu::GpuContext>,
    events: Vec<SearchEvent>,
}

impl SearchHost for LosesTheGpu {
    fn now(&self) -> f64 {
        0.0
    }

    fn on_event(&mut self, event: &SearchEvent) {
        if matches!(event, SearchEvent::Epoch { trial: 1, .. }) {
            self.gpu.release();
        }
        self.events.push(event.clone());
    }
}

#[test]
fn a_gpu_lost_mid_search_stops_it_resumably_and_it_finishes_on_the_cpu() {
    let gpu =
        std::rc::Rc::new(pollster::block_on(nas_playground::engine::gpu::GpuContext::new()).expect("a GPU adapter (llvmpipe will do)"));
    let space = space(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 1}, "widths": [8, 16]}, "activations": ["tanh"],
            "optimizers": ["adam"], "learning_rate": {"min": 0.01, "max": 0.01, "steps": 1}, "batch_sizes": [32], "epochs": 2}"#,
    );
    let config = config(space, StrategyConfig::Random, Budget::trials(3), 1);
    let mut evaluator = TrainingEvaluator::new(Device::Gpu(gpu.clone()), &config, config.data.load().unwrap());
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    let mut host = LosesTheGpu { gpu, events: Vec::new() };
    let end = pollster::block_on(run_search(&mut search, &mut evaluator, &mut host));
    let RunEnd::DeviceLost(message) = end else { panic!("expected the device to be lost, got {end:?}") };
    println!("device lost: {message}");
    let log = SearchLog::parse(&log_text(&host.events)).unwrap();
    assert_eq!((log.trials.len(), log.interrupted.clone()), (1, vec![1]));
    let mut search = Search::resume(log.config.clone(), Objective::ValidationAccuracy, log.trials).unwrap();
    let mut cpu = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
    let end = pollster::block_on(run_search(&mut search, &mut cpu, &mut Recorder::default()));
    assert!(matches!(end, RunEnd::Finished(ref s) if s.trials == 3 && s.failed == 0), "{end:?}");
}
