//! Browser suite (wasm-pack test --headless --chrome): the page's state as actions in, state out.
//! A real search's events (the shipped tabular benchmark, so no training) go through the run
//! panel's reducer; the space editor's text reports typed and JSON mistakes at their fields.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use nas_playground::nas::{
    run_search, Budget, PoolStatus, RecordingHost, Search, SearchEvent, StrategyConfig, TabularBenchmark, TabularEvaluator,
};
use nas_playground::ui::run_panel::{RunAction, RunState};
use nas_playground::ui::space_editor::SpaceText;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

async fn search_events(trials: usize) -> Vec<SearchEvent> {
    let table = TabularBenchmark::parse(include_bytes!("../www/data/tabular-spiral.json.gz")).unwrap();
    let mut config = table.config.clone();
    (config.strategy, config.budget, config.seed) = (StrategyConfig::Random, Budget::trials(trials), 9);
    let mut search = Search::new(config, table.objective).unwrap();
    let mut host = RecordingHost::default();
    run_search(&mut search, &mut TabularEvaluator { table: &table }, &mut host).await;
    host.events
}

fn pool(events: Vec<SearchEvent>, status: PoolStatus, workers: Vec<Option<usize>>) -> RunAction {
    RunAction::Pool { events, notes: Vec::new(), status, engine: None, workers }
}

#[wasm_bindgen_test]
async fn the_run_state_follows_the_pools_actions() {
    let events = search_events(6).await;
    let middle = events.iter().position(|e| matches!(e, SearchEvent::TrialStarted { trial: 3, .. })).unwrap();

    let state = Rc::new(RunState::default()).reduce(RunAction::Reset);
    assert!(state.running && state.status == "starting");
    let state = state.reduce(RunAction::Loading(1_000_000, Some(2_000_000)));
    assert_eq!(state.status, "preparing: downloading the images, 1.0 MB of 2.0 MB");

    let state = state.reduce(pool(events[..=middle].to_vec(), PoolStatus::Running, vec![Some(3)]));
    assert_eq!((state.running, state.paused, state.status.as_str()), (true, false, "running"));
    assert_eq!(state.view.records().len(), 3);
    assert_eq!(state.view.running().map(|t| t.id).collect::<Vec<_>>(), vec![3]);
    assert_eq!(state.workers, vec![Some(3)]);

    // An update without events keeps the very same view: the panels neither clone nor redraw it.
    let before = state.view.clone();
    let state = state.reduce(pool(Vec::new(), PoolStatus::Paused, vec![Some(3)]));
    assert!(state.paused && state.running);
    assert!(Rc::ptr_eq(&before.0, &state.view.0));

    // Stopped: the trial that was running leaves the view; the finished ones stay.
    let state = state.reduce(pool(Vec::new(), PoolStatus::Stopped, vec![None]));
    assert_eq!((state.running, state.paused, state.status.as_str()), (false, false, "stopped"));
    assert_eq!(state.view.running().count(), 0);
    assert_eq!(state.view.records().len(), 3);

    let state = state.reduce(RunAction::Failed("worker 1: data (broken.csv): line 3".into()));
    assert_eq!(state.error.as_deref(), Some("worker 1: data (broken.csv): line 3"));
    assert!(!state.running);

    // Going on: everything arrives, and the best is the leaderboard's first.
    let state = state.reduce(RunAction::Reset).reduce(pool(events.clone(), PoolStatus::Running, vec![None]));
    assert_eq!(state.view.records().len(), 6);
    assert_eq!(state.error, None);
    assert_eq!(state.view.best().map(|b| b.0), state.view.leaderboard().first().copied());
}

#[wasm_bindgen_test]
fn the_space_text_reports_mistakes_at_their_fields() {
    let good = include_str!("../www/spaces/spiral-mlp.json");
    assert_eq!(SpaceText::new(good.into()).problem(), None);

    let wrong = SpaceText::new(good.replace("\"epochs\": 40", "\"epochs\": 0"));
    let (field, message) = wrong.problem().unwrap();
    assert_eq!(field, "epochs", "{message}");

    let misspelt = SpaceText::new(good.replace("\"epochs\"", "\"epochz\""));
    assert!(misspelt.problem().unwrap().1.contains("did you mean \"epochs\""), "{:?}", misspelt.problem());

    let mut typed = SpaceText::new(good.into());
    typed.typed.insert("batch_sizes", ("16, x".into(), "'x' is not a whole number".into()));
    assert_eq!(typed.problem(), Some(("batch_sizes".into(), "'x' is not a whole number".into())));
}
