//! Reading search spaces, search configs and model specs from JSON: plain activation names, errors
//! that name the field path, and unknown fields refused with the nearest valid name.

use nas_playground::data::{CsvOptions, ImageSet, Toy2dSpec};
use nas_playground::engine::Activation;
use nas_playground::nas::{DataSource, DataSpec, SearchConfig, SearchEvent, SearchSpace, StrategyConfig};
use nas_playground::nn::ModelSpec;

const SPACE: &str = r#"{
    "family": "mlp",
    "dense": {"depth": {"min": 1, "max": 2}, "widths": [4, 8]},
    "activations": ["relu"],
    "optimizers": ["adam"],
    "learning_rate": {"min": 0.01, "max": 0.01, "steps": 1},
    "batch_sizes": [16],
    "epochs": 5
}"#;

fn config_json(space: &str) -> String {
    format!(
        r#"{{"space": {space}, "data": {{"source": "toy2d", "set": "spiral", "samples": 100, "noise_percent": 0, "features": ["x", "y"], "seed": 1, "split_seed": 2}}, "strategy": {{"kind": "random"}}, "budget": {{"trials": 3}}}}"#
    )
}

fn space_error(json: &str) -> String {
    SearchSpace::from_json(json).unwrap_err().to_string()
}

fn config_error(json: &str) -> String {
    SearchConfig::from_json(json).unwrap_err().to_string()
}

#[test]
fn leaky_relu_is_read_by_its_plain_name_in_a_space_and_a_model() {
    let space = SearchSpace::from_json(&SPACE.replace(r#"["relu"]"#, r#"["leaky_relu", {"leaky_relu": {"slope": 0.2}}]"#)).unwrap();
    assert_eq!(space.activations, vec![Activation::LeakyRelu { slope: 0.01 }, Activation::LeakyRelu { slope: 0.2 }]);
    space.validate().unwrap();
    let json = serde_json::to_string(&space).unwrap();
    assert_eq!(SearchSpace::from_json(&json).unwrap(), space, "{json}");

    let spec: ModelSpec = serde_json::from_str(
        r#"{"input": [2], "layers": [{"type": "dense", "units": 3, "activation": "leaky_relu"}, {"type": "dense", "units": 1, "activation": "identity"}]}"#,
    )
    .unwrap();
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<ModelSpec>(&json).unwrap(), spec);
}

#[test]
fn parse_errors_name_the_field_path() {
    let error = space_error(&SPACE.replace("[4, 8]", r#"[4, 8, "wide"]"#));
    assert!(error.starts_with("search space, dense.widths[2]: invalid type: string \"wide\""), "{error}");
    let error = space_error(&SPACE.replace(r#"["relu"]"#, r#"["swish"]"#));
    assert!(error.starts_with("search space, activations[0]: unknown variant `swish`"), "{error}");
    assert!(error.contains("`leaky_relu`"), "{error}");
    let error = space_error(&SPACE.replace(r#""epochs": 5"#, r#""epochs": -5"#));
    assert!(error.starts_with("search space, epochs: invalid value"), "{error}");
    let error = space_error(&SPACE.replace(r#"["adam"]"#, r#"[{"momentum": {"momentum": "high"}}]"#));
    assert!(error.starts_with("search space, optimizers[0].momentum.momentum: invalid type"), "{error}");
    let error = space_error(&SPACE.replace(r#""min": 0.01,"#, ""));
    assert!(error.starts_with("search space, learning_rate: missing field `min`"), "{error}");

    let error = config_error(&config_json(&SPACE.replace("[4, 8]", r#"[4, 8, "wide"]"#)));
    assert!(error.starts_with("search config, space.dense.widths[2]: invalid type"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""trials": 3"#, r#""trials": "three""#));
    assert!(error.starts_with("search config, budget.trials: invalid type"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""set": "spiral""#, r#""set": "spirals""#));
    assert!(error.starts_with("search config, data") && error.contains("unknown variant `spirals`"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""set": "spiral""#, r#""samples": "many""#));
    assert!(error.starts_with("search config, data.samples: invalid type"), "{error}");
    let error =
        config_error(&config_json(SPACE).replace(r#""source": "toy2d", "set": "spiral""#, r#""set": "spirals", "source": "toy2d""#));
    assert!(error.starts_with("search config, data: set: unknown variant `spirals`"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""source": "toy2d", "#, ""));
    assert!(error.starts_with("search config, data: missing field `source`"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""kind": "random""#, r#""kind": "annealing""#));
    assert!(error.starts_with("search config, strategy") && error.contains("unknown variant `annealing`"), "{error}");
}

#[test]
fn unknown_fields_are_refused_with_the_nearest_name() {
    let error = space_error(&SPACE.replace(r#""epochs""#, r#""epochs": 5, "epoch""#));
    assert!(error.starts_with(r#"search space: unknown field "epoch" (did you mean "epochs"?)"#), "{error}");
    let error = space_error(&SPACE.replace(r#""widths""#, r#""widht""#));
    assert!(error.starts_with(r#"search space, dense: unknown field "widht" (did you mean "widths"?)"#), "{error}");
    let error = space_error(&SPACE.replace("[4, 8]", r#"{"min": 4, "max": 8, "stpe": 4}"#));
    assert!(error.starts_with(r#"search space, dense.widths: unknown field "stpe" (did you mean "step"?)"#), "{error}");
    let error = space_error(&SPACE.replace(r#"["relu"]"#, r#"[{"leaky_relu": {"slop": 0.1}}]"#));
    assert!(error.contains(r#"unknown field "slop" (did you mean "slope"?)"#) && error.contains("activations[0]"), "{error}");
    let error = space_error(&SPACE.replace(r#""family""#, r#""colour": 1, "family""#));
    assert!(error.starts_with(r#"search space: unknown field "colour""#) && !error.contains("did you mean"), "{error}");

    let error = config_error(&config_json(SPACE).replace(r#""budget""#, r#""budgte""#));
    assert!(error.starts_with(r#"search config: unknown field "budgte" (did you mean "budget"?)"#), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""trials""#, r#""trial""#));
    assert!(error.starts_with(r#"search config, budget: unknown field "trial" (did you mean "trials"?)"#), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""split_seed""#, r#""split_sed""#));
    assert!(error.contains(r#"unknown field "split_sed" (did you mean "split_seed"?)"#) && error.contains("data"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""noise_percent""#, r#""noise""#));
    assert!(error.contains(r#"unknown field "noise""#) && error.contains("data"), "{error}");
    let error = config_error(&config_json(SPACE).replace(r#""kind": "random""#, r#""kind": "evolution", "populaton": 8"#));
    assert!(error.contains(r#"unknown field "populaton" (did you mean "population"?)"#) && error.contains("strategy"), "{error}");
}

#[test]
fn shipped_spaces_logs_and_serialised_configs_still_read() {
    for entry in std::fs::read_dir("www/spaces").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            SearchSpace::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    for entry in std::fs::read_dir("tests/data").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            let text = std::fs::read_to_string(&path).unwrap();
            let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
            SearchConfig::from_json(&first["config"].to_string()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            serde_json::from_value::<SearchEvent>(first).unwrap();
        }
    }
    let space = SearchSpace::from_json(SPACE).unwrap();
    let sources = [
        DataSource::Toy2d(Toy2dSpec::default()),
        DataSource::Images { set: ImageSet::Mnist, samples: Some(100) },
        DataSource::Images { set: ImageSet::FashionMnist, samples: None },
        DataSource::Csv { path: "iris.csv".into(), options: CsvOptions::default(), contents: None },
        DataSource::Csv {
            path: "iris.csv".into(),
            options: CsvOptions { delimiter: Some(b';'), ..CsvOptions::default() },
            contents: Some("x,label\n1,a\n".into()),
        },
    ];
    for source in sources {
        for strategy in [StrategyConfig::Grid, StrategyConfig::Random, StrategyConfig::evolution(), StrategyConfig::halving()] {
            let config = SearchConfig {
                space: space.clone(),
                data: DataSpec::new(source.clone()),
                strategy,
                budget: Default::default(),
                seed: 3,
                objective: None,
            };
            let event =
                SearchEvent::SearchStarted { version: "test".into(), config: Box::new(config.clone()), space_size: 4, objective: None };
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(serde_json::from_str::<SearchEvent>(&json).unwrap(), event, "{json}");
            let json = serde_json::to_string(&config).unwrap();
            assert_eq!(SearchConfig::from_json(&json).unwrap(), config, "{json}");
        }
    }
}
