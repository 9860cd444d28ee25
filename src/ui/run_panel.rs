//! The run panel: choose a data set, space, strategy, budget, parallel workers and engine; start,
//! pause, resume and stop a search that trains in a pool of Web Workers; watch its progress,
//! the engine choice with both measured speeds, and the leaderboard. It draws the core's
//! `SearchView`; the pool (worker_pool.rs) drives the core's `PoolCoordinator`.

use std::rc::Rc;

use yew::prelude::*;

use super::run_settings::RunSettings;
use super::worker_pool::{download, start_pool, Pool, SharedPool};
use crate::nas::{EngineChoice, EnginePick, PoolAction, PoolCoordinator, PoolStatus, SearchEvent, SearchLog, SearchView};

/// What the panel shows, reduced from the pool's actions.
#[derive(Clone, PartialEq, Default)]
pub struct RunState {
    pub view: SearchView,
    pub status: String,
    pub running: bool,
    pub paused: bool,
    pub engine: Option<EnginePick>,
    pub workers: Vec<Option<usize>>,
    pub notes: Vec<String>,
    pub error: Option<String>,
}

pub enum RunAction {
    /// Data downloading: bytes so far and in all.
    Loading(u64, Option<u64>),
    /// What one message from a worker changed, in one update (one render).
    Pool {
        events: Vec<SearchEvent>,
        notes: Vec<String>,
        status: PoolStatus,
        engine: Option<EnginePick>,
        workers: Vec<Option<usize>>,
    },
    Failed(String),
    Reset,
}

impl Reducible for RunState {
    type Action = RunAction;

    fn reduce(self: Rc<Self>, action: RunAction) -> Rc<Self> {
        let mut state = Rc::unwrap_or_clone(self);
        match action {
            RunAction::Loading(loaded, total) => {
                let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
                state.status = format!(
                    "preparing: downloading the images, {}{}",
                    mb(loaded),
                    total.map(|t| format!(" of {}", mb(t))).unwrap_or_default()
                );
            }
            RunAction::Pool { events, notes, status, engine, workers } => {
                events.iter().for_each(|e| state.view.apply(e));
                state.notes.extend(notes);
                state.running = matches!(status, PoolStatus::Preparing | PoolStatus::Running | PoolStatus::Paused | PoolStatus::Stopping);
                state.paused = status == PoolStatus::Paused;
                state.status = describe(&status);
                if let PoolStatus::Failed(message) = &status {
                    state.error = Some(message.clone());
                }
                if matches!(status, PoolStatus::Stopped) {
                    state.view.drop_running();
                }
                state.engine = engine;
                state.workers = workers;
            }
            RunAction::Failed(message) => {
                state.error = Some(message);
                state.running = false;
                state.status = "could not start".into();
            }
            RunAction::Reset => state = RunState { status: "starting".into(), running: true, ..RunState::default() },
        }
        Rc::new(state)
    }
}

fn describe(status: &PoolStatus) -> String {
    match status {
        PoolStatus::Preparing => "preparing: loading data and timing the engines".into(),
        PoolStatus::Running => "running".into(),
        PoolStatus::Paused => "paused".into(),
        PoolStatus::Stopping => "stopping".into(),
        PoolStatus::Finished(summary) => format!("finished: {}", summary.ended.map_or("done", |e| e.describe())),
        PoolStatus::Stopped => "stopped".into(),
        // The message itself stands in the alert below the status.
        PoolStatus::Failed(_) => "failed".into(),
    }
}

#[function_component(SearchRunner)]
pub fn search_runner() -> Html {
    let settings = use_state(RunSettings::from_location);
    let state = use_reducer(RunState::default);
    let pool: SharedPool = use_mut_ref(|| None::<Pool>);

    let start = {
        let (settings, state, pool) = (settings.clone(), state.clone(), pool.clone());
        Callback::from(move |_| {
            state.dispatch(RunAction::Reset);
            let started = settings.config().and_then(|config| start_pool(&settings, config, None, &pool, state.dispatcher()));
            if let Err(message) = started {
                state.dispatch(RunAction::Failed(message));
            }
        })
    };
    let on_log_file = {
        let (settings, state, pool) = (settings.clone(), state.clone(), pool.clone());
        Callback::from(move |e: Event| {
            let Some(file) =
                e.target_dyn_into::<web_sys::HtmlInputElement>().and_then(|input| input.files()).and_then(|files| files.get(0))
            else {
                return;
            };
            let (settings, state, pool) = (settings.clone(), state.clone(), pool.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()).unwrap_or_default();
                // A log that does not read leaves everything on the panel as it was.
                let started =
                    SearchLog::parse(&text).map_err(|e| format!("{}: {e}; the panel is as it was", file.name())).and_then(|log| {
                        state.dispatch(RunAction::Reset);
                        start_pool(&settings, log.config.clone(), Some(log), &pool, state.dispatcher())
                    });
                if let Err(message) = started {
                    state.dispatch(RunAction::Failed(message));
                }
            });
        })
    };
    let save_log = {
        let pool = pool.clone();
        Callback::from(move |_| {
            if let Some(p) = pool.borrow().as_ref() {
                let _ = download("search.jsonl", &p.coordinator.log_text());
            }
        })
    };
    let command = |act: fn(&mut PoolCoordinator) -> Vec<PoolAction>| {
        let (pool, state) = (pool.clone(), state.clone());
        Callback::from(move |_| {
            let mut shared = pool.borrow_mut();
            if let Some(p) = shared.as_mut() {
                let actions = act(&mut p.coordinator);
                p.apply(actions, &state.dispatcher());
            }
        })
    };
    let (pause, resume, stop) = (command(PoolCoordinator::pause), command(PoolCoordinator::resume), command(PoolCoordinator::stop));

    let select = |value: String, options: &[(&str, &str)], set: Rc<dyn Fn(String)>| {
        let onchange = Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                set(select.value());
            }
        });
        html! {
            <select {onchange} disabled={ state.running }>
                { for options.iter().map(|(v, label)| html! { <option value={ v.to_string() } selected={ *v == value }>{ *label }</option> }) }
            </select>
        }
    };
    let number = |value: usize, min: usize, max: usize, set: Rc<dyn Fn(usize)>| {
        let onchange = Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                if let Ok(v) = input.value().parse::<usize>() {
                    set(v.clamp(min, max));
                }
            }
        });
        html! { <input type="number" min={ min.to_string() } max={ max.to_string() } value={ value.to_string() } {onchange} disabled={ state.running } /> }
    };
    let setter = |f: fn(&mut RunSettings, String)| setting(&settings, f);
    let number_setter = |f: fn(&mut RunSettings, usize)| setting(&settings, f);

    let on_file = {
        let settings = settings.clone();
        Callback::from(move |e: Event| {
            let Some(file) =
                e.target_dyn_into::<web_sys::HtmlInputElement>().and_then(|input| input.files()).and_then(|files| files.get(0))
            else {
                return;
            };
            let settings = settings.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()).unwrap_or_default();
                let mut next = (*settings).clone();
                (next.data, next.csv) = ("csv".into(), Some((file.name(), text)));
                settings.set(next);
            });
        })
    };

    html! {
        <section class="panel run" id="run" aria-label="Run a search">
            <h2>{ "Run a search" }</h2>
            <div class="run-settings">
                <label>{ "Data " }{ select(settings.data.clone(), &[("spiral", "Spiral"), ("circle", "Circle"), ("xor", "XOR"), ("gaussians", "Gaussians"), ("moons", "Moons"), ("mnist", "MNIST digits"), ("fashion-mnist", "Fashion-MNIST"), ("csv", "Your CSV file")], setter(|s, v| s.data = v)) }</label>
                <label>{ "CSV file " }<input type="file" id="csv-file" accept=".csv,text/csv,text/plain" onchange={ on_file } disabled={ state.running } /></label>
                <label>{ "Space " }{ select(settings.space.clone(), &[("auto", "Example for the data"), ("spiral-mlp", "spiral-mlp"), ("mnist-mlp", "mnist-mlp"), ("mnist-cnn", "mnist-cnn"), ("optuna-mnist", "optuna-mnist"), ("keras-grid", "keras-grid"), ("tabular-spiral", "tabular-spiral")], setter(|s, v| s.space = v)) }</label>
                <label>{ "Strategy " }{ select(settings.strategy.clone(), &[("evolution", "Regularized evolution"), ("random", "Random"), ("halving", "Successive halving"), ("hyperband", "Hyperband"), ("grid", "Grid")], setter(|s, v| s.strategy = v)) }</label>
                <label>{ "Trials " }{ number(settings.trials, 1, 10_000, number_setter(|s, v| s.trials = v)) }</label>
                <label title="0 keeps the space's own">{ "Epochs " }{ number(settings.epochs, 0, 1_000, number_setter(|s, v| s.epochs = v)) }</label>
                <label>{ "Workers " }{ number(settings.jobs, 1, 8, number_setter(|s, v| s.jobs = v)) }</label>
                <label>{ "Engine " }{ select(engine_name(settings.engine).into(), &[("auto", "Faster (measured)"), ("cpu", "CPU"), ("gpu", "WebGPU")], setter(|s, v| s.engine = v.parse().unwrap_or_default())) }</label>
            </div>
            <div class="run-controls">
                <button id="start" onclick={ start } disabled={ state.running }>{ "Start" }</button>
                if state.paused {
                    <button id="resume" onclick={ resume }>{ "Resume" }</button>
                } else {
                    <button id="pause" onclick={ pause } disabled={ !state.running }>{ "Pause" }</button>
                }
                <button id="stop" onclick={ stop } disabled={ !state.running }>{ "Stop" }</button>
                <button id="save-log" onclick={ save_log } disabled={ state.view.config.is_none() }>{ "Save log" }</button>
                <label class="log-file">{ "Go on from a log " }<input type="file" id="log-file" accept=".jsonl,.json,text/plain" onchange={ on_log_file } disabled={ state.running } /></label>
                <span id="run-status" role="status" data-status={ state.status.split(':').next().unwrap_or("").to_string() }>{ &state.status }</span>
            </div>
            { progress(&state) }
            { engine_line(&state) }
            if let Some(error) = &state.error { <p class="run-error" role="alert">{ error }</p> }
            { for state.notes.iter().map(|n| html! { <p class="run-note">{ n }</p> }) }
            { leaderboard(&state.view) }
        </section>
    }
}

/// A setter for one of the run settings, from a field's new value.
fn setting<T: 'static>(settings: &UseStateHandle<RunSettings>, set: fn(&mut RunSettings, T)) -> Rc<dyn Fn(T)> {
    let settings = settings.clone();
    Rc::new(move |value| {
        let mut next = (*settings).clone();
        set(&mut next, value);
        settings.set(next);
    })
}

fn engine_name(engine: EngineChoice) -> &'static str {
    match engine {
        EngineChoice::Cpu => "cpu",
        EngineChoice::Gpu => "gpu",
        EngineChoice::Auto => "auto",
    }
}

fn progress(state: &RunState) -> Html {
    let view = &state.view;
    let done = view.fraction_done().unwrap_or(0.0);
    let jobs = state.workers.len().max(1);
    let eta =
        view.eta_seconds(jobs).filter(|_| state.running && !state.paused).map(|s| format!(", about {s:.0} s left")).unwrap_or_default();
    let best = view.best().map(|(id, score)| format!("best: trial {id}, {}", view.objective().display(score))).unwrap_or_default();
    html! {
        <div class="run-progress">
            <label>{ format!("{} of {} trials{eta}", view.records().len(), view.config.as_ref().and_then(|c| c.budget.trials).map_or("?".into(), |n| n.to_string())) }
                <progress id="overall-progress" max="1" value={ done.to_string() }></progress>
            </label>
            <span id="best">{ best }</span>
            <ul class="workers">
                { for state.workers.iter().enumerate().map(|(i, trial)| {
                    let (label, fraction) = match trial.and_then(|t| view.trials.get(&t)) {
                        Some(t) => (format!("worker {}: trial {} {}", i + 1, t.id, t.proposal.candidate.label()), t.fraction_done()),
                        None => (format!("worker {}: idle", i + 1), 0.0),
                    };
                    html! { <li><progress max="1" value={ fraction.to_string() }></progress>{ " " }{ label }</li> }
                }) }
            </ul>
        </div>
    }
}

fn engine_line(state: &RunState) -> Html {
    let Some(pick) = &state.engine else { return html! {} };
    let timings: Vec<String> = pick
        .timings
        .iter()
        .map(|t| match (t.samples_per_sec, &t.error) {
            (Some(speed), _) => format!("{} {speed:.0} samples/s", t.name),
            (None, error) => format!("{}: {}", t.name, error.as_deref().unwrap_or("not timed")),
        })
        .collect();
    html! {
        <p id="run-engine" data-engine={ pick.chosen.clone() }>
            { format!("Training on the {}: {}", pick.chosen.to_uppercase(), pick.reason) }
            if !timings.is_empty() { <span class="timings">{ format!(" (measured: {})", timings.join("; ")) }</span> }
        </p>
    }
}

fn leaderboard(view: &SearchView) -> Html {
    let objective = view.objective();
    let front = view.pareto_front();
    let rows = view.leaderboard();
    if rows.is_empty() {
        return html! { <p class="panel-body empty">{ "No finished trials yet." }</p> };
    }
    html! {
        <table id="leaderboard-table">
            <caption>{ format!("Trials ranked by {}", objective.name()) }</caption>
            <thead><tr><th>{ "Rank" }</th><th>{ "Trial" }</th><th>{ "Score" }</th><th>{ "Parameters" }</th><th>{ "Epochs" }</th><th>{ "Seconds" }</th><th>{ "Architecture" }</th></tr></thead>
            <tbody>
                { for rows.iter().take(15).enumerate().filter_map(|(rank, id)| view.trials.get(id).and_then(|t| t.record.as_ref()).map(|r| {
                    let score = match (&r.result.failure, objective.score(r)) {
                        (Some(f), _) => format!("failed: {}", f.message),
                        (None, Some(s)) => objective.display(s),
                        (None, None) => "-".into(),
                    };
                    let mark = if front.contains(id) { " ◆" } else { "" };
                    html! { <tr><td>{ rank + 1 }</td><td>{ r.id }</td><td>{ score }{ mark }</td><td>{ r.result.parameters }</td><td>{ r.proposal.epochs }</td><td>{ format!("{:.2}", r.result.seconds) }</td><td>{ r.proposal.candidate.label() }</td></tr> }
                })) }
            </tbody>
        </table>
    }
}
