//! The run panel: the strategy with its settings, the budget, seed, parallel workers and engine;
//! start, pause, resume and stop; the overall progress and one bar per worker with the trial it
//! trains, the engine in use and why (both measured speeds), and the best so far. `RunState` is
//! the page's state of a search, reduced from the pool's actions over the core's `SearchView`.

use std::rc::Rc;

use yew::prelude::*;

use crate::nas::experiment::strategy_key;
use crate::nas::{EnginePick, Experiment, PoolStatus, SearchEvent, SearchView, StrategyConfig};

/// The search view as the panels share it: one copy, compared by identity (a new one is made
/// only when events change it), so a render neither clones nor deep-compares it.
#[derive(Clone, Default)]
pub struct SharedView(pub Rc<SearchView>);

impl PartialEq for SharedView {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for SharedView {
    type Target = SearchView;

    fn deref(&self) -> &SearchView {
        &self.0
    }
}

/// What the panel shows, reduced from the pool's actions.
#[derive(Clone, PartialEq, Default)]
pub struct RunState {
    pub view: SharedView,
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
                if !events.is_empty() {
                    let mut view = (*state.view.0).clone();
                    events.iter().for_each(|e| view.apply(e));
                    state.view = SharedView(Rc::new(view));
                }
                state.notes.extend(notes);
                state.running = matches!(status, PoolStatus::Preparing | PoolStatus::Running | PoolStatus::Paused | PoolStatus::Stopping);
                state.paused = status == PoolStatus::Paused;
                state.status = describe(&status);
                if let PoolStatus::Failed(message) = &status {
                    state.error = Some(message.clone());
                }
                if matches!(status, PoolStatus::Stopped) {
                    let mut view = (*state.view.0).clone();
                    view.drop_running();
                    state.view = SharedView(Rc::new(view));
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

#[derive(Properties, PartialEq)]
pub struct RunPanelProps {
    pub experiment: Experiment,
    pub on_change: Callback<Experiment>,
    pub state: UseReducerHandle<RunState>,
    /// Why the experiment cannot start, if it cannot.
    pub problem: Option<String>,
    /// "30 trials, at most 600 epochs, about 40 s".
    pub estimate: String,
    pub on_start: Callback<()>,
    pub on_pause: Callback<()>,
    pub on_resume: Callback<()>,
    pub on_stop: Callback<()>,
}

#[function_component(RunPanel)]
pub fn run_panel(props: &RunPanelProps) -> Html {
    let (experiment, state) = (&props.experiment, &props.state);
    let disabled = state.running;
    let set = |f: fn(&mut Experiment, &str)| {
        let (experiment, on_change) = (experiment.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let value = super::form::event_value(&e);
            let mut next = experiment.clone();
            f(&mut next, value.trim());
            on_change.emit(next);
        })
    };
    let number = |id: &str, label: &str, value: String, min: &str, max: &str, f: fn(&mut Experiment, &str)| {
        html! { <label>{ label }{ " " }<input type="number" id={ id.to_string() } min={ min.to_string() } max={ max.to_string() } {value} onchange={ set(f) } {disabled} /></label> }
    };
    let strategy = strategy_key(&experiment.strategy);
    let strategy_settings = match experiment.strategy {
        StrategyConfig::Evolution { population, sample } => html! { <>
            { number("strategy-population", "Population", population.to_string(), "2", "1000", |e, v| if let (StrategyConfig::Evolution { population, .. }, Ok(n)) = (&mut e.strategy, v.parse()) { *population = n }) }
            { number("strategy-sample", "Tournament", sample.to_string(), "1", "1000", |e, v| if let (StrategyConfig::Evolution { sample, .. }, Ok(n)) = (&mut e.strategy, v.parse()) { *sample = n }) }
        </> },
        StrategyConfig::Halving { eta, min_epochs, .. } => html! { <>
            { number("strategy-eta", "Keep 1 in", eta.to_string(), "2", "64", |e, v| if let (StrategyConfig::Halving { eta, .. }, Ok(n)) = (&mut e.strategy, v.parse()) { *eta = n }) }
            { number("strategy-min-epochs", "First rung epochs", min_epochs.to_string(), "1", "1000", |e, v| if let (StrategyConfig::Halving { min_epochs, .. }, Ok(n)) = (&mut e.strategy, v.parse()) { *min_epochs = n }) }
        </> },
        StrategyConfig::Grid | StrategyConfig::Random => html! {},
    };
    let optional = |value: Option<String>| value.unwrap_or_default();
    let button = |id: &'static str, label: &'static str, on: &Callback<()>, off: bool| {
        let on = on.clone();
        html! { <button {id} onclick={ Callback::from(move |_| on.emit(())) } disabled={ off }>{ label }</button> }
    };
    html! {
        <section class="panel run" id="run" aria-labelledby="run-title">
            <h2 id="run-title">{ "Search" }</h2>
            <div class="settings">
                <label>{ "Strategy " }
                    <select id="strategy" onchange={ set(|e, v| e.strategy = match v {
                        "grid" => StrategyConfig::Grid,
                        "random" => StrategyConfig::Random,
                        "halving" => StrategyConfig::halving(),
                        "hyperband" => StrategyConfig::Halving { eta: 3, min_epochs: 1, hyperband: true },
                        _ => StrategyConfig::Evolution { population: 10, sample: 3 },
                    }) } {disabled}>
                        { for [("evolution", "Regularized evolution"), ("random", "Random"), ("halving", "Successive halving"), ("hyperband", "Hyperband"), ("grid", "Grid")].iter()
                            .map(|(v, l)| html! { <option value={ *v } selected={ strategy == *v }>{ *l }</option> }) }
                    </select>
                </label>
                { strategy_settings }
                { number("budget-trials", "Trials", optional(experiment.budget.trials.map(|t| t.to_string())), "1", "100000", |e, v| e.budget.trials = v.parse().ok().filter(|&n: &usize| n > 0)) }
                { number("budget-minutes", "Minutes", optional(experiment.budget.seconds.map(|s| (s / 60.0).to_string())), "0", "1440", |e, v| e.budget.seconds = v.parse::<f64>().ok().filter(|m| *m > 0.0).map(|m| m * 60.0)) }
                { number("budget-epochs", "Epoch budget", optional(experiment.budget.epochs.map(|t| t.to_string())), "1", "10000000", |e, v| e.budget.epochs = v.parse().ok().filter(|&n: &usize| n > 0)) }
                { number("seed", "Seed", experiment.seed.to_string(), "0", "4294967295", |e, v| e.seed = v.parse().unwrap_or(e.seed)) }
                { number("jobs", "Workers", experiment.jobs.to_string(), "1", "8", |e, v| e.jobs = v.parse::<usize>().map_or(e.jobs, |n| n.clamp(1, 8))) }
                { number("fuse", "Fuse same-shape trials", experiment.fuse.to_string(), "1", "16", |e, v| e.fuse = v.parse::<usize>().map_or(e.fuse, |n| n.clamp(1, 16))) }
                <label>{ "Engine " }
                    <select id="engine-choice" onchange={ set(|e, v| e.engine = v.parse().unwrap_or_default()) } {disabled}>
                        { for [("auto", "Faster (measured)"), ("cpu", "CPU"), ("gpu", "WebGPU")].iter()
                            .map(|(v, l)| html! { <option value={ *v } selected={ experiment.engine.to_string() == *v }>{ *l }</option> }) }
                    </select>
                </label>
            </div>
            <p id="estimate" class="muted">{ &props.estimate }</p>
            <div class="run-controls">
                { button("start", "Start", &props.on_start, state.running || props.problem.is_some()) }
                if state.paused {
                    { button("resume", "Resume", &props.on_resume, false) }
                } else {
                    { button("pause", "Pause", &props.on_pause, !state.running) }
                }
                { button("stop", "Stop", &props.on_stop, !state.running) }
                <span id="run-status" role="status" data-status={ state.status.split(':').next().unwrap_or("").to_string() }>{ &state.status }</span>
            </div>
            if let Some(problem) = &props.problem { if !state.running { <p class="field-error" id="start-problem">{ format!("Start is off: {problem}") }</p> } }
            { progress(state) }
            { engine_line(state) }
            if let Some(error) = &state.error { <p class="run-error" role="alert">{ error }</p> }
            { for state.notes.iter().map(|n| html! { <p class="run-note">{ n }</p> }) }
        </section>
    }
}

fn progress(state: &RunState) -> Html {
    let view = &state.view;
    let done = view.fraction_done().unwrap_or(0.0);
    let jobs = state.workers.len().max(1);
    let eta =
        view.eta_seconds(jobs).filter(|_| state.running && !state.paused).map(|s| format!(", about {s:.0} s left")).unwrap_or_default();
    let best = view.best().map(|(id, score)| format!("best: trial {id}, {}", view.objective().display(score))).unwrap_or_default();
    // The running trials' speed over their last epoch, added up across workers.
    let speed: f64 = view.running().filter_map(|t| t.curve.last()).map(|m| m.samples_per_sec).sum();
    html! {
        <div class="run-progress">
            <label>{ format!("{} of {} trials{eta}", view.records().len(), view.config.as_ref().and_then(|c| c.budget.trials.or((c.strategy == StrategyConfig::Grid).then_some(view.space_size as usize))).map_or("?".into(), |n| n.to_string())) }
                <progress id="overall-progress" max="1" value={ done.to_string() }></progress>
            </label>
            <span id="best">{ best }</span>
            if speed > 0.0 { <span id="throughput" class="muted">{ format!(" training at {speed:.0} samples/s") }</span> }
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
