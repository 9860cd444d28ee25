//! Trials in parallel: the same seed and jobs give the same search, a parallel log resumes with
//! one job, halving waits for whole rungs, the view reducer agrees with the search's own
//! summary, and on the tabular benchmark parallel evolution and halving find as good networks
//! as sequential ones at equal evaluations (prints the figures).
#![cfg(not(target_arch = "wasm32"))]

mod search_fixture;
use nas_playground::data::{Toy2d, Toy2dSpec};
use nas_playground::engine::Device;
use nas_playground::nas::parallel::run_search_parallel;
use nas_playground::nas::{
    run_search, Budget, DataSource, DataSpec, LogOrder, Next, Objective, Origin, RunEnd, Search, SearchConfig, SearchEvent, SearchHost,
    SearchLog, SearchSpace, SearchView, StrategyConfig, TabularBenchmark, TabularEvaluator, TrainingEvaluator, TrialRecord,
};
use search_fixture::{log_text, without_timing};

/// Keeps the log as the CLI writes it (in log order) and every event as it came.
#[derive(Default)]
struct Recorder {
    order: LogOrder,
    log: Vec<SearchEvent>,
    live: Vec<SearchEvent>,
    stop_after_trials: Option<usize>,
}

impl SearchHost for Recorder {
    fn now(&self) -> f64 {
        0.0
    }

    fn should_stop(&self) -> bool {
        let finished = self.live.iter().filter(|e| matches!(e, SearchEvent::TrialFinished { .. })).count();
        self.stop_after_trials.is_some_and(|n| finished >= n)
    }

    fn on_event(&mut self, event: &SearchEvent) {
        self.live.push(event.clone());
        let ready = self.order.push(event);
        self.log.extend(ready);
    }
}

fn spiral_config(strategy: StrategyConfig, trials: usize, seed: u64) -> SearchConfig {
    let space: SearchSpace = serde_json::from_str(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [4, 8, 16]}, "activations": ["relu", "tanh"],
            "optimizers": ["adam"], "learning_rate": {"min": 0.003, "max": 0.03, "steps": 2}, "batch_sizes": [16], "epochs": 4}"#,
    )
    .unwrap();
    let data = DataSpec::new(DataSource::Toy2d(Toy2dSpec { set: Toy2d::Spiral, samples: 200, seed: 3, ..Toy2dSpec::default() }));
    SearchConfig { space, data, strategy, budget: Budget::trials(trials), seed, objective: None }
}

/// Trains a real search on the CPU with `jobs` threads.
fn train_parallel(search: &mut Search, jobs: usize, host: &mut Recorder) -> RunEnd {
    let config = search.config().clone();
    let splits = config.data.load().unwrap();
    run_search_parallel(search, jobs, || Ok(TrainingEvaluator::new(Device::cpu(), &config, splits.clone())), host)
}

#[test]
fn the_same_seed_and_jobs_give_the_same_log_and_it_resumes_with_one_job() {
    let config = spiral_config(StrategyConfig::Evolution { population: 4, sample: 2 }, 10, 7);
    let run = || {
        let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
        let mut host = Recorder::default();
        assert!(matches!(train_parallel(&mut search, 2, &mut host), RunEnd::Finished(_)));
        (without_timing(&log_text(&host.log)), host)
    };
    let (first, host) = run();
    let (second, _) = run();
    assert_eq!(first, second, "two runs with 2 jobs wrote different logs");
    // Some proposals were made before the trial just ahead had finished.
    let log = SearchLog::parse(&log_text(&host.log)).unwrap();
    assert_eq!(log.trials.len(), 10);
    assert!(log.trials.iter().any(|t| t.proposal.seen.is_some()), "no trial was proposed in parallel");

    // Stop a 2-job run after 5 trials, then resume its log with one job to the end.
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    let mut stopped = Recorder { stop_after_trials: Some(5), ..Recorder::default() };
    assert_eq!(train_parallel(&mut search, 2, &mut stopped), RunEnd::Stopped);
    let log = SearchLog::parse(&log_text(&stopped.log)).unwrap();
    let kept = log.trials.len();
    assert!(kept >= 4, "only {kept} trials were kept");
    let mut resumed = Search::resume(log.config.clone(), Objective::ValidationAccuracy, log.trials.clone()).unwrap();
    let splits = config.data.load().unwrap();
    let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, splits);
    assert!(matches!(pollster::block_on(run_search(&mut resumed, &mut evaluator, &mut Recorder::default())), RunEnd::Finished(_)));
    assert_eq!(resumed.trials().len(), 10);
    // What the stopped run finished is kept as it was, and matches the uninterrupted 2-job run.
    let whole = SearchLog::parse(&first).unwrap();
    for (a, b) in resumed.trials()[..kept].iter().zip(&whole.trials) {
        assert_eq!(a.proposal, b.proposal, "trial {}", a.id);
        assert_eq!(a.result.history.last().unwrap().validation_accuracy, b.result.history.last().unwrap().validation_accuracy);
    }
}

#[test]
fn halving_in_parallel_waits_for_a_whole_rung_before_promoting() {
    let config = spiral_config(StrategyConfig::Halving { eta: 2, min_epochs: 1, hyperband: false }, 40, 2);
    let mut search = Search::new(config, Objective::ValidationAccuracy).unwrap();
    // Hand out as many trials as 4 jobs may, recording nothing: the first rung (4 candidates at
    // 1 epoch) goes out, and then the search waits instead of promoting blind.
    let mut handed = Vec::new();
    while let Next::Trial { id, proposal } = search.next(4) {
        handed.push((id, proposal));
    }
    assert_eq!(handed.len(), 4);
    assert!(handed.iter().all(|(_, p)| matches!(p.origin, Origin::Rung { rung: 0, .. })));
    assert_eq!(search.next(4), Next::Wait);
}

#[test]
fn the_view_reducer_agrees_with_the_search_on_logged_and_parallel_searches() {
    // The logged fixture, read event by event.
    let text = include_str!("data/spiral-search.jsonl");
    let events: Vec<SearchEvent> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let view = SearchView::of_events(&events);
    let log = SearchLog::parse(text).unwrap();
    let summary = log.finished.clone().unwrap();
    assert_eq!(view.best().map(|(id, _)| id), summary.best);
    assert_eq!(view.pareto_front(), summary.pareto_front);
    assert_eq!(view.best_so_far().into_iter().map(|(_, b)| b).collect::<Vec<_>>(), summary.best_so_far);
    assert_eq!(view.records().len(), log.trials.len());
    assert_eq!(view.fraction_done(), Some(1.0));

    // A parallel halving search's live events (trials finishing out of order, progress too).
    let config = spiral_config(StrategyConfig::Halving { eta: 2, min_epochs: 1, hyperband: false }, 12, 4);
    let mut search = Search::new(config, Objective::ValidationAccuracy).unwrap();
    let mut host = Recorder::default();
    let RunEnd::Finished(summary) = train_parallel(&mut search, 3, &mut host) else { panic!("the search did not finish") };
    let view = SearchView::of_events(&host.live);
    assert!(host.live.iter().any(|e| matches!(e, SearchEvent::Progress { .. })), "no progress event");
    assert_eq!(view.best().map(|(id, _)| id), summary.best);
    assert_eq!(view.pareto_front(), summary.pareto_front);
    assert_eq!(view.best_so_far().into_iter().map(|(_, b)| b).collect::<Vec<_>>(), summary.best_so_far);
    let ranked: Vec<usize> = nas_playground::nas::objective::ranking(search.trials(), summary.objective).iter().map(|t| t.id).collect();
    assert_eq!(view.leaderboard(), ranked);
    // Rungs: the first holds 4 candidates at 1 epoch, and its promoted trials are the next rung's parents.
    let rungs = view.rungs();
    assert_eq!((rungs[0].trials.len(), rungs[0].epochs), (4, 1));
    assert_eq!(rungs[0].promoted.len(), rungs[1].trials.len());
    assert_eq!(view.lineage().len(), search.trials().iter().filter(|t| t.proposal.origin.parent().is_some()).count());
}

fn table() -> TabularBenchmark {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/tabular-spiral.json.gz");
    TabularBenchmark::parse(&std::fs::read(path).unwrap()).unwrap()
}

/// Every trial of a search on the table with `jobs` at once.
fn tabular_search(table: &TabularBenchmark, strategy: StrategyConfig, budget: Budget, seed: u64, jobs: usize) -> Vec<TrialRecord> {
    let mut config = table.config.clone();
    (config.strategy, config.budget, config.seed) = (strategy, budget, seed);
    let mut search = Search::new(config, table.objective).unwrap();
    let end = run_search_parallel(&mut search, jobs, || Ok(TabularEvaluator { table }), &mut Recorder::default());
    assert!(matches!(end, RunEnd::Finished(_)), "{end:?}");
    search.trials().to_vec()
}

/// The table's best minus the best full-epoch score found.
fn regret(table: &TabularBenchmark, trials: &[TrialRecord]) -> f64 {
    let epochs = table.config.space.epochs;
    let found =
        trials.iter().filter(|t| t.proposal.epochs == epochs).filter_map(|t| table.objective.score(t)).fold(f64::NEG_INFINITY, f64::max);
    table.best_score() - found
}

#[test]
fn parallel_evolution_and_halving_are_no_worse_than_sequential_at_equal_evaluations() {
    let table = table();
    let seeds = 24u64;
    let epochs = table.config.space.epochs;
    let cases = [
        ("evolution, 100 trials", StrategyConfig::evolution(), Budget::trials(100)),
        (
            "halving eta 3, 365 epochs",
            StrategyConfig::Halving { eta: 3, min_epochs: 1, hyperband: false },
            Budget { epochs: Some(27 * epochs / 2), ..Budget::default() },
        ),
        (
            "hyperband eta 3, 729 epochs",
            StrategyConfig::Halving { eta: 3, min_epochs: 1, hyperband: true },
            Budget { epochs: Some(27 * epochs), ..Budget::default() },
        ),
    ];
    println!("mean regret (accuracy points) over {seeds} seeds");
    println!("{:<30} {:>8} {:>8} {:>8}", "search", "1 job", "4 jobs", "8 jobs");
    for (name, strategy, budget) in cases {
        let mean = |jobs: usize| {
            (0..seeds).map(|seed| regret(&table, &tabular_search(&table, strategy.clone(), budget, seed, jobs))).sum::<f64>() / seeds as f64
        };
        let (one, four, eight) = (mean(1), mean(4), mean(8));
        println!("{name:<30} {:>8.3} {:>8.3} {:>8.3}", one * 100.0, four * 100.0, eight * 100.0);
        // Half a point of slack: parallel proposals see fewer results, and 24 seeds are noisy.
        for (jobs, value) in [(4, four), (8, eight)] {
            assert!(value <= one + 0.005, "{name}: {jobs} jobs' regret {value:.4} is worse than sequential's {one:.4}");
        }
    }
}

/// Plays a pool of workers for the coordinator: each trains on the table when told, in the
/// order the messages come; `lose_gpu_on` makes one trial's first attempt report a lost GPU.
fn drive_pool(
    pool: &mut nas_playground::nas::PoolCoordinator,
    table: &TabularBenchmark,
    lose_gpu_on: Option<usize>,
) -> (Vec<SearchEvent>, usize) {
    use nas_playground::nas::EnginePick;
    use nas_playground::nas::{Evaluation, Evaluator, FromWorker, PoolAction, ToWorker, TrialOutcome};
    let mut inbox: std::collections::VecDeque<(usize, FromWorker)> = (0..pool.jobs()).map(|w| (w, FromWorker::Ready)).collect();
    let mut shown = Vec::new();
    let mut lost = false;
    let mut fused_batches = 0;
    let answer = |inbox: &mut std::collections::VecDeque<(usize, FromWorker)>,
                  worker: usize,
                  trial: usize,
                  proposal: &nas_playground::nas::Proposal,
                  lost: &mut bool| {
        let mut host = Recorder::default();
        let Evaluation::Done(result) = pollster::block_on(TabularEvaluator { table }.evaluate(trial, proposal, &mut host)) else {
            panic!("the table always answers")
        };
        let mut replies: Vec<FromWorker> = host.live.into_iter().map(|event| FromWorker::Event { event }).collect();
        let outcome = if lose_gpu_on == Some(trial) && !*lost {
            // The lost attempt got through its epochs; the retry trains from the start.
            *lost = true;
            TrialOutcome::DeviceLost { message: "gone".into() }
        } else {
            TrialOutcome::Done { result: Box::new(result) }
        };
        replies.push(FromWorker::TrialDone { trial, outcome });
        // Later trials' answers overtake earlier ones: answer at the front now and then.
        if trial % 3 == 1 {
            replies.into_iter().rev().for_each(|reply| inbox.push_front((worker, reply)));
        } else {
            replies.into_iter().for_each(|reply| inbox.push_back((worker, reply)));
        }
    };
    while let Some((worker, message)) = inbox.pop_front() {
        for action in pool.on_message(worker, message) {
            match action {
                PoolAction::Event(event) => shown.push(event),
                PoolAction::Note(_) => {}
                PoolAction::Send { worker, command: ToWorker::Prepare { engine, .. } } => {
                    let pick = EnginePick::decide(engine, Vec::new());
                    inbox.push_back((
                        worker,
                        FromWorker::Prepared {
                            task: nas_playground::nn::Task::Classification { classes: 2 },
                            train: 1,
                            validation: 1,
                            warnings: vec![],
                            engine: pick,
                        },
                    ));
                }
                PoolAction::Send { worker, command: ToWorker::Train { trial, proposal } } => {
                    answer(&mut inbox, worker, trial, &proposal, &mut lost);
                }
                PoolAction::Send { worker, command: ToWorker::TrainFused { trials, fuse } } => {
                    assert!(trials.len() > 1 && trials.len() <= fuse, "{} trials for a fuse width of {fuse}", trials.len());
                    fused_batches += 1;
                    for (trial, proposal) in trials {
                        answer(&mut inbox, worker, trial, &proposal, &mut lost);
                    }
                }
                PoolAction::Send { .. } => {}
            }
        }
    }
    (shown, fused_batches)
}

#[test]
fn the_pool_coordinator_runs_the_same_search_as_threads_and_survives_a_lost_gpu() {
    use nas_playground::nas::{EngineChoice, PoolCoordinator, PoolStatus};
    let table = table();
    let mut config = table.config.clone();
    (config.strategy, config.budget, config.seed) = (StrategyConfig::evolution(), Budget::trials(40), 9);
    let threads = tabular_search(&table, config.strategy.clone(), config.budget, 9, 3);
    for lose in [None, Some(5)] {
        let mut pool = PoolCoordinator::new(config.clone(), None, (3, 1), EngineChoice::Auto).unwrap();
        let (shown, _) = drive_pool(&mut pool, &table, lose);
        let PoolStatus::Finished(summary) = pool.status().clone() else { panic!("{:?}", pool.status()) };
        assert_eq!(summary.trials, 40);
        let log = SearchLog::parse(&pool.log_text()).unwrap();
        assert_eq!(log.trials.iter().map(|t| &t.proposal).collect::<Vec<_>>(), threads.iter().map(|t| &t.proposal).collect::<Vec<_>>());
        assert_eq!(SearchView::of_events(&shown).best().map(|(id, _)| id), summary.best);
        // Every trial's epochs appear once in the log, the retried one's too.
        for trial in &log.trials {
            let epochs =
                pool.log_text().lines().filter(|l| l.starts_with(&format!("{{\"event\":\"epoch\",\"trial\":{},", trial.id))).count();
            assert_eq!(epochs, trial.result.history.len(), "trial {}", trial.id);
        }
    }
}

#[test]
fn a_pool_that_fuses_hands_out_batches_and_runs_the_search_of_jobs_times_fuse_threads() {
    use nas_playground::nas::{EngineChoice, PoolCoordinator, PoolStatus};
    let table = table();
    let mut config = table.config.clone();
    (config.strategy, config.budget, config.seed) = (StrategyConfig::evolution(), Budget::trials(40), 9);
    // 2 workers fusing up to 4 draw proposals as 8 jobs do.
    let threads = tabular_search(&table, config.strategy.clone(), config.budget, 9, 8);
    for lose in [None, Some(5)] {
        let mut pool = PoolCoordinator::new(config.clone(), None, (2, 4), EngineChoice::Auto).unwrap();
        let (shown, fused_batches) = drive_pool(&mut pool, &table, lose);
        let PoolStatus::Finished(summary) = pool.status().clone() else { panic!("{:?}", pool.status()) };
        assert_eq!(summary.trials, 40);
        assert!(fused_batches >= 5, "only {fused_batches} batches of several trials were handed out");
        let log = SearchLog::parse(&pool.log_text()).unwrap();
        assert_eq!(log.trials.iter().map(|t| &t.proposal).collect::<Vec<_>>(), threads.iter().map(|t| &t.proposal).collect::<Vec<_>>());
        assert_eq!(SearchView::of_events(&shown).best().map(|(id, _)| id), summary.best);
    }
}
