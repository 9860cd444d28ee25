//! The `nas` command end to end: a small architecture search on the shipped MNIST digits, its
//! JSON-lines log, resuming it with a larger budget, and the messages for a bad space file.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nas_playground::nas::{Objective, SearchLog};

fn nas(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nas")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the nas binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nas-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_small_mnist_search_finishes_and_its_best_trial_clearly_beats_its_worst() {
    let log_path = scratch("mnist-evolution.jsonl");
    let log = log_path.to_str().unwrap();
    let run = nas(&[
        "run",
        "www/spaces/mnist-mlp.json",
        "--data",
        "mnist",
        "--samples",
        "3000",
        "--strategy",
        "evolution",
        "--trials",
        "12",
        "--seed",
        "1",
        "--log",
        log,
        "--quiet",
    ]);
    let stdout = text(&run.stdout);
    println!("{stdout}");
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(stdout.contains("12 trials (0 failed)") && stdout.contains("ended: the trial budget is spent"), "{stdout}");
    let parsed = SearchLog::parse(&std::fs::read_to_string(&log_path).unwrap()).unwrap();
    assert_eq!(parsed.trials.len(), 12);
    assert!(parsed.finished.is_some());
    let scores: Vec<f64> = parsed.trials.iter().filter_map(|t| Objective::ValidationAccuracy.score(t)).collect();
    let (best, worst) = scores.iter().fold((f64::MIN, f64::MAX), |(b, w), &s| (b.max(s), w.min(s)));
    println!("MNIST search: best {:.1} %, worst {:.1} % of {} trials", best * 100.0, worst * 100.0, scores.len());
    assert!(best >= 0.85, "best {best}");
    assert!(best - worst >= 0.2, "best {best} and worst {worst} are too close");

    // Running again onto the same log is refused, and the log is left as it was.
    let again = nas(&["run", "www/spaces/mnist-mlp.json", "--trials", "1", "--log", log]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("exists: go on with `nas resume"), "{}", text(&again.stderr));
    assert_eq!(SearchLog::parse(&std::fs::read_to_string(&log_path).unwrap()).unwrap().trials.len(), 12);

    // Resuming with a larger budget goes on from trial 12, and the first 12 stay as they were.
    let resumed = nas(&["resume", log, "--trials", "15"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let longer = SearchLog::parse(&std::fs::read_to_string(&log_path).unwrap()).unwrap();
    assert_eq!(longer.trials.len(), 15);
    for (a, b) in parsed.trials.iter().zip(&longer.trials) {
        assert_eq!(a.proposal, b.proposal);
        assert_eq!(
            a.result.history.iter().map(|m| m.validation_accuracy).collect::<Vec<_>>(),
            b.result.history.iter().map(|m| m.validation_accuracy).collect::<Vec<_>>()
        );
    }
    // A search that ended says so instead of running again.
    let again = nas(&["resume", log]);
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("this search has ended (the trial budget is spent)"), "{}", text(&again.stderr));
}

#[test]
fn bad_space_files_are_explained() {
    let bad = scratch("bad-space.json");
    std::fs::write(
        &bad,
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [8]}, "activations": [],
        "optimizers": ["adam"], "learning_rate": {"min": 0.01, "max": 0.1, "steps": 2}, "batch_sizes": [32], "epochs": 3}"#,
    )
    .unwrap();
    let out = nas(&["space", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).trim(), "error: search space, activations: give at least one activation, e.g. [\"relu\", \"tanh\"]");
    std::fs::write(&bad, "{\"family\": \"mlp\",\n \"dense\": 3}").unwrap();
    let out = nas(&["run", bad.to_str().unwrap(), "--trials", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("search space, dense: invalid type: integer `3`"), "{}", text(&out.stderr));
    let out =
        nas(&["run", "www/spaces/mnist-cnn.json", "--data", "spiral", "--trials", "1", "--log", scratch("x.jsonl").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("a cnn space needs images"), "{}", text(&out.stderr));
    let out = nas(&["run", "www/spaces/mnist-mlp.json", "--strategy", "random"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("random search goes on until stopped"), "{}", text(&out.stderr));
    let out = nas(&["space", "www/spaces/mnist-cnn.json"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("a valid cnn space with 135,648 members"), "{}", text(&out.stdout));
}

#[test]
fn two_jobs_twice_write_the_same_log_and_it_resumes_with_one() {
    let run = |name: &str| {
        let path = scratch(name);
        let out = nas(&[
            "run",
            "www/spaces/mnist-mlp.json",
            "--data",
            "mnist",
            "--samples",
            "1500",
            "--strategy",
            "evolution",
            "--population",
            "4",
            "--sample",
            "2",
            "--trials",
            "8",
            "--seed",
            "3",
            "--jobs",
            "2",
            "--log",
            path.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        path
    };
    let (a, b) = (run("jobs-a.jsonl"), run("jobs-b.jsonl"));
    let without_clock = |path: &Path| {
        let log = SearchLog::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        log.trials
            .iter()
            .map(|t| (t.proposal.clone(), t.result.history.iter().map(|m| (m.train_loss, m.validation_accuracy)).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    };
    assert_eq!(without_clock(&a), without_clock(&b), "two runs with --jobs 2 differ");
    assert!(without_clock(&a).iter().any(|(p, _)| p.seen.is_some()), "no trial was proposed while another trained");
    // The 2-job log goes on with one job.
    let resumed = nas(&["resume", a.to_str().unwrap(), "--trials", "10", "--jobs", "1"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert_eq!(SearchLog::parse(&std::fs::read_to_string(&a).unwrap()).unwrap().trials.len(), 10);
    // "all" is not an engine any more: "auto" picks by measuring.
    let out = nas(&["run", "www/spaces/mnist-mlp.json", "--trials", "1", "--device", "all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("choose cpu, gpu or auto"), "{}", text(&out.stderr));
}

#[test]
fn data_warnings_are_printed_as_notes() {
    let csv = scratch("one-class.csv");
    let rows: String = (0..40).map(|i| format!("{};{};a\n", i % 7, i % 5)).collect();
    std::fs::write(&csv, format!("x;y;label\n{rows}")).unwrap();
    let log = scratch("one-class.jsonl");
    let out = nas(&[
        "run",
        "www/spaces/spiral-mlp.json",
        "--data",
        csv.to_str().unwrap(),
        "--trials",
        "1",
        "--log",
        log.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("note: data (") && stderr.contains("column `label` holds one class (`a`) only"), "{stderr}");
}

#[test]
fn export_writes_a_logs_trials_network_and_study() {
    let log = "tests/data/spiral-search.jsonl";
    let csv = nas(&["export", log, "--format", "csv"]);
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    let rows = text(&csv.stdout).lines().count();
    let trials = std::fs::read_to_string(log).unwrap().lines().filter(|l| l.contains("\"trial_finished\"")).count();
    assert_eq!(rows, trials + 1, "a header and a row per trial");

    let out = scratch("best_keras.py");
    let keras = nas(&["export", log, "--format", "keras", "--out", out.to_str().unwrap()]);
    assert!(keras.status.success(), "{}", text(&keras.stderr));
    let code = std::fs::read_to_string(&out).unwrap();
    assert!(code.contains("keras.Sequential([") && code.contains("keras.Input(shape=(2,))"), "{code}");

    let optuna = nas(&["export", log, "--format", "optuna"]);
    assert!(text(&optuna.stdout).contains("optuna.create_study("));

    let missing = nas(&["export", log, "--format", "pytorch", "--trial", "500"]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("the log has no trial 500"), "{}", text(&missing.stderr));
    let wrong = nas(&["export", log, "--format", "onnx"]);
    assert!(text(&wrong.stderr).contains("'onnx' is not an export format"), "{}", text(&wrong.stderr));
}
