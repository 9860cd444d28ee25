//! Searching GAN settings with the NAS engine: a `gan` space's members (counted, indexed, drawn,
//! mutated one decision at a time), its mistakes named by field, a real search on the ring of 8
//! ranked by modes covered then high-quality share, and its log resumed to the same figures.
#![cfg(not(target_arch = "wasm32"))]

mod search_fixture;
use search_fixture::without_timing;

use nas_playground::engine::Device;
use nas_playground::gan::Target2d;
use nas_playground::nas::experiment::example_space;
use nas_playground::nas::mutation::mutate;
use nas_playground::nas::objective::ranking;
use nas_playground::nas::session::load_data;
use nas_playground::nas::{
    open_search, run_search, Budget, DataSource, DataSpec, Objective, RecordingHost, RunEnd, SearchConfig, SearchEvent, SearchLog,
    SearchSpace, StrategyConfig, TrainingEvaluator,
};
use rand::SeedableRng;

/// The events a log keeps, one a line (progress is for watching only, and depends on the clock).
fn log_text(events: &[SearchEvent]) -> String {
    search_fixture::log_text(&events.iter().filter(|e| e.is_logged()).cloned().collect::<Vec<_>>())
}

fn space(json: &str) -> SearchSpace {
    serde_json::from_str(json).unwrap()
}

/// A small GAN space: 2 x 2 generators, 2 x 2 discriminators, 2 losses, 2 noise dims, 2 D steps.
fn small_space() -> SearchSpace {
    space(
        r#"{"family": "gan", "dense": {"depth": {"min": 2, "max": 3}, "widths": [32, 64]},
            "activations": ["relu"], "optimizers": ["adam"], "learning_rate": {"min": 0.001, "max": 0.001, "steps": 1},
            "batch_sizes": [128], "epochs": 2,
            "gan": {"discriminator": {"depth": {"min": 2, "max": 3}, "widths": [32, 64]},
                    "discriminator_learning_rate": {"min": 0.001, "max": 0.001, "steps": 1},
                    "d_steps": [1, 2], "losses": ["non_saturating", "least_squares"], "noise_dims": [1, 2],
                    "iterations_per_epoch": 1000}}"#,
    )
}

fn ring_config(space: SearchSpace, strategy: StrategyConfig, trials: usize, seed: u64) -> SearchConfig {
    SearchConfig {
        space,
        data: DataSpec::new(DataSource::GanTarget { target: Target2d::ring() }),
        strategy,
        budget: Budget::trials(trials),
        seed,
        objective: None,
    }
}

#[test]
fn a_gan_space_counts_indexes_and_draws_only_its_members() {
    let space = small_space();
    let summary = space.validate().unwrap();
    assert_eq!(summary.size, 4 * 4 * 2 * 2 * 2);
    assert!(summary.decisions.iter().any(|(name, n)| name == "D steps per G step" && *n == 2));
    let mut labels = std::collections::HashSet::new();
    for i in 0..space.size() {
        let member = space.member(i);
        assert!(member.is_member_of(&space), "member {i}: {}", member.label());
        assert_eq!(space.index_of(&member), Some(i));
        assert!(labels.insert(member.label()), "member {i} repeats {}", member.label());
        let gan = member.gan_spec(0).unwrap();
        gan.validate().unwrap();
    }
    let rng = &mut rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for _ in 0..200 {
        let parent = space.sample(rng);
        assert!(parent.is_member_of(&space));
        let (child, change) = mutate(&space, &parent, rng).unwrap();
        assert!(child.is_member_of(&space), "{change}");
        let (a, b) = (parent.gan_spec(0).unwrap(), child.gan_spec(0).unwrap());
        let differences = [
            a.generator.depth != b.generator.depth,
            a.generator.width != b.generator.width,
            a.discriminator.depth != b.discriminator.depth,
            a.discriminator.width != b.discriminator.width,
            a.loss != b.loss,
            a.noise.dim != b.noise.dim,
            a.d_steps != b.d_steps,
        ];
        assert_eq!(differences.iter().filter(|&&d| d).count(), 1, "{change}: {} -> {}", parent.label(), child.label());
    }
    let example = example_space("gan-ring").unwrap();
    assert_eq!(example.validate().unwrap().size, 3 * 3 * 3 * 3 * 3 * 3 * 3 * 3 * 2 * 2 * 3);
}

#[test]
fn mistakes_in_a_gan_search_name_their_field() {
    let wrong = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut json = serde_json::to_value(small_space()).unwrap();
        edit(&mut json);
        serde_json::from_value::<SearchSpace>(json).unwrap().validate().unwrap_err()
    };
    let error = wrong(&|j| j.as_object_mut().unwrap().remove("gan").map(drop).unwrap());
    assert_eq!(error.field, "gan");
    let error = wrong(&|j| j["gan"]["noise_dims"] = serde_json::json!([2, 100]));
    assert_eq!(error.field, "gan.noise_dims");
    assert!(error.message.contains("100"), "{error}");
    let error = wrong(&|j| j["dropout"] = serde_json::json!([0.1]));
    assert_eq!(error.field, "dropout");
    let error = wrong(&|j| j["gan"]["d_steps"] = serde_json::json!([]));
    assert_eq!(error.field, "gan.d_steps");
    let error = wrong(&|j| j["gan"]["discriminator"]["depth"] = serde_json::json!({"min": 0, "max": 2}));
    assert_eq!(error.field, "gan.discriminator.depth");

    let mut mlp_on_ring = ring_config(example_space("spiral-mlp").unwrap(), StrategyConfig::Random, 2, 0);
    assert!(mlp_on_ring.validate().unwrap_err().to_string().contains("is a GAN's target"));
    mlp_on_ring.space = small_space();
    mlp_on_ring.data = DataSpec::new("spiral".parse().unwrap());
    assert!(mlp_on_ring.validate().unwrap_err().to_string().contains("a gan space trains GANs on a 2D target"));
    let drawn = DataSource::GanTarget { target: Target2d::Drawn { points: Vec::new(), sigma: 0.05 } };
    let empty = SearchConfig { data: DataSpec::new(drawn), ..ring_config(small_space(), StrategyConfig::Random, 2, 0) };
    assert!(empty.validate().unwrap_err().to_string().contains("no points"));
    let text = r#"{"space": {"family": "gan"}, "data": {"source": "gan_target", "target": {"kind": "ring", "modes": 8}}}"#;
    let error = SearchConfig::from_json(text).unwrap_err().to_string();
    assert!(error.contains("space") || error.contains("data"), "{error}");
}

#[test]
fn a_random_gan_search_on_the_ring_ranks_by_modes_then_quality_and_resumes_to_the_same_log() {
    let config = ring_config(small_space(), StrategyConfig::Random, 6, 4);
    let data = load_data(&config).unwrap();
    let opened = open_search(config.clone(), data.task, None).unwrap();
    assert_eq!(opened.search.objective(), Objective::ModesThenQuality { modes: 8 });
    let mut search = opened.search;
    let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, data.splits.clone());
    let mut host = RecordingHost::default();
    let started = std::time::Instant::now();
    let RunEnd::Finished(summary) = pollster::block_on(run_search(&mut search, &mut evaluator, &mut host)) else {
        panic!("the search did not finish")
    };
    let objective = search.objective();
    println!("6 GAN trials x 2,000 iterations in {:.1} s", started.elapsed().as_secs_f64());
    for t in ranking(search.trials(), objective) {
        let shown = objective.score(t).map_or_else(|| format!("failed: {:?}", t.result.failure), |s| objective.display(s));
        println!("trial {}: {shown}  {}  ({} parameters)", t.id, t.proposal.candidate.label(), t.result.parameters);
    }
    let best = &search.trials()[summary.best.unwrap()];
    let modes = best.result.last().unwrap().modes_covered.unwrap();
    assert!(modes >= 6, "the best of 6 GANs covers {modes} of 8 modes");
    // Modes first: no trial with fewer modes ranks above one with more.
    let ranked: Vec<usize> = ranking(search.trials(), objective)
        .iter()
        .filter(|t| objective.score(t).is_some())
        .map(|t| t.result.last().unwrap().modes_covered.unwrap())
        .collect();
    assert!(ranked.windows(2).all(|w| w[0] >= w[1]), "{ranked:?}");
    assert!(objective.display(summary.best_score.unwrap()).starts_with(&format!("{modes}/8 modes, ")));
    assert!(best.result.parameters > 0 && best.result.model.is_some());

    let whole = log_text(&host.events);
    let log = SearchLog::parse(&whole).unwrap();
    // Trials as a table, yes; a GAN's trial as Keras code or weights, no, and it says why.
    use nas_playground::nas::export::{export, ExportFormat};
    let csv = export(&log, ExportFormat::Csv, None).unwrap();
    assert_eq!(csv.lines().count(), 7, "{csv}");
    let refused = export(&log, ExportFormat::Keras, None).unwrap_err();
    assert!(refused.contains("CSV or JSON only"), "{refused}");
    let refused = nas_playground::nas::session::retrain_trial(&log, None).err().unwrap();
    assert!(refused.contains("GAN lab"), "{refused}");
    let cut = SearchLog { trials: log.trials[..3].to_vec(), ..log.clone() };
    let reopened = open_search(log.config.clone(), data.task, Some(&cut)).unwrap();
    let mut resumed = log_text(&reopened.log_head);
    let mut search = reopened.search;
    let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, data.splits);
    let mut host = RecordingHost::default();
    pollster::block_on(run_search(&mut search, &mut evaluator, &mut host));
    resumed.push_str(&log_text(&host.events));
    assert_eq!(without_timing(&resumed), without_timing(&whole));
}

#[test]
fn evolution_and_halving_search_gan_settings_too() {
    let data_task = load_data(&ring_config(small_space(), StrategyConfig::Random, 1, 0)).unwrap();
    for strategy in
        [StrategyConfig::Evolution { population: 3, sample: 2 }, StrategyConfig::Halving { eta: 2, min_epochs: 1, hyperband: false }]
    {
        let mut quick = small_space();
        quick.gan.as_mut().unwrap().iterations_per_epoch = 100;
        let config = ring_config(quick, strategy.clone(), 5, 9);
        let mut search = open_search(config.clone(), data_task.task, None).unwrap().search;
        let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, data_task.splits.clone());
        let end = pollster::block_on(run_search(&mut search, &mut evaluator, &mut RecordingHost::default()));
        assert!(matches!(end, RunEnd::Finished(_)), "{}: {end:?}", strategy.name());
        assert_eq!(search.trials().len(), 5);
        for t in search.trials() {
            assert!(t.proposal.candidate.is_member_of(&config.space));
            assert_eq!(t.result.history.len(), t.proposal.epochs, "{}: trial {}", strategy.name(), t.id);
        }
        if let StrategyConfig::Evolution { .. } = strategy {
            assert!(search.trials().iter().any(|t| t.proposal.origin.parent().is_some()), "evolution mutated nothing");
        }
    }
}
