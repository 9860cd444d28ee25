//! The playground: the page's state and its panels. It holds the experiment (data, the edited
//! space, strategy, budget), the running search's state, the chosen trial and the saved searches,
//! and wires the panels to them; every panel only draws what it is given.

use std::rc::Rc;

use yew::prelude::*;

use super::charts_panel::Charts;
use super::data_panel::DataPanel;
use super::gan_lab::GanLab;
use super::inside_panel::{InsidePanel, InspectAction, Inspections};
use super::leaderboard::{Compare, Leaderboard, NetworkDrawing};
use super::run_panel::{RunAction, RunPanel, RunState};
use super::saved_searches::{self, SavedSearch};
use super::share;
use super::space_editor::{SpaceEditor, SpaceText};
use super::worker_pool::{download, start_pool, Pool, SavedAs, SharedPool};
use crate::nas::experiment::example_space;
use crate::nas::export::{export, ExportFormat};
use crate::nas::space::format_count;
use crate::nas::{presets, space_form, Experiment, PoolAction, PoolCoordinator, SearchLog};

#[derive(Properties, PartialEq)]
pub struct PlaygroundProps {
    /// Projector mode: large type and thick lines.
    pub large: bool,
}

fn space_text(experiment: &Experiment) -> SpaceText {
    SpaceText::new(space_form::pretty(&serde_json::to_value(&experiment.space).unwrap_or_default()))
}

#[function_component(Playground)]
pub fn playground(props: &PlaygroundProps) -> Html {
    let opened = use_memo((), |_| share::experiment_from_location());
    let experiment = use_state(|| opened.0.clone());
    let space = use_state(|| space_text(&opened.0));
    let link_notes = use_state(|| opened.1.clone());
    let preset = use_state(|| opened.2);
    let state = use_reducer(RunState::default);
    let inspections = use_reducer(Inspections::default);
    let pool: SharedPool = use_mut_ref(|| None::<Pool>);
    let selected = use_state(|| None::<usize>);
    let compared = use_state(Vec::<usize>::new);
    let saved = use_state(|| Err::<Vec<SavedSearch>, String>("looking for saved searches...".into()));
    let share_url = use_state(|| None::<String>);

    let refresh_saved = {
        let saved = saved.clone();
        Callback::from(move |_: ()| {
            let saved = saved.clone();
            wasm_bindgen_futures::spawn_local(async move { saved.set(saved_searches::list().await) });
        })
    };
    {
        let refresh_saved = refresh_saved.clone();
        use_effect_with((), move |_| refresh_saved.emit(()));
    }

    // The space is the editor's text whenever that reads; the experiment follows it.
    let space_check = space_form::check(&space.text);
    let current = {
        let mut current = (*experiment).clone();
        if let Ok((parsed, _)) = &space_check {
            current.space = parsed.clone();
        }
        current
    };
    let config = current.config();
    let problem = match (space.problem(), &config) {
        (Some((field, message)), _) => {
            Some(if field.is_empty() { format!("the search space: {message}") } else { format!("the search space, {field}: {message}") })
        }
        (None, Err(message)) => Some(message.clone()),
        (None, Ok(_)) => None,
    };
    // The speed the engine was measured at, or the trials trained at; kept for the next estimate.
    let last_speed = use_mut_ref(|| None::<f64>);
    let measured = state
        .engine
        .as_ref()
        .and_then(|pick| pick.timings.iter().find(|t| t.engine == pick.chosen))
        .and_then(|t| t.samples_per_sec)
        .or_else(|| state.view.samples_per_second());
    if measured.is_some() {
        *last_speed.borrow_mut() = measured;
    }
    let speed = *last_speed.borrow();
    let members = space_check.as_ref().map(|(_, summary)| summary.size).unwrap_or(0);
    let estimate = {
        let cost = current.estimate(members, speed);
        let trials = if cost.trials == usize::MAX {
            "trials until the budget ends".to_string()
        } else {
            format!("{} trials", format_count(cost.trials as u128))
        };
        let epochs =
            if cost.epochs == usize::MAX { String::new() } else { format!(", at most {} epochs", format_count(cost.epochs as u128)) };
        let seconds = match cost.seconds {
            Some(s) if s.is_finite() => {
                format!(", {} at {} samples/s as measured", duration(s), format_count(speed.unwrap_or(0.0).round() as u128))
            }
            _ => ", its time once the engine is measured".into(),
        };
        format!(
            "{}{trials}{epochs}{seconds}",
            if members > 0 { format!("{} members; ", format_count(members as u128)) } else { String::new() }
        )
    };

    let on_experiment = {
        let experiment = experiment.clone();
        Callback::from(move |next: Experiment| experiment.set(next))
    };
    let on_space = {
        let space = space.clone();
        Callback::from(move |next: SpaceText| space.set(next))
    };
    let on_space_suggestion = {
        let space = space.clone();
        Callback::from(move |name: &'static str| {
            // Only an example is swapped for the other data kind's; an edited space stays.
            let is_example = crate::nas::experiment::EXAMPLE_SPACES
                .iter()
                .any(|(_, text)| crate::nas::SearchSpace::from_json(text).ok() == space_form::check(&space.text).ok().map(|(s, _)| s));
            if let (true, Some(example)) = (is_example, example_space(name)) {
                space.set(SpaceText::new(space_form::pretty(&serde_json::to_value(&example).unwrap_or_default())));
            }
        })
    };

    // Starts a search, fresh or going on from a log kept under `saved_as`.
    let launch = {
        let (state, pool, selected, compared, refresh_saved, inspections) =
            (state.clone(), pool.clone(), selected.clone(), compared.clone(), refresh_saved.clone(), inspections.clone());
        Rc::new(move |experiment: &Experiment, resumed: Option<SearchLog>, saved_as: SavedAs| {
            selected.set(None);
            compared.set(Vec::new());
            state.dispatch(RunAction::Reset);
            inspections.dispatch(InspectAction::Reset);
            let config = match &resumed {
                Some(log) => Ok(log.config.clone()),
                None => experiment.config(),
            };
            let started = config.and_then(|config| {
                start_pool(
                    (experiment.jobs, experiment.fuse),
                    experiment.engine,
                    config,
                    resumed,
                    saved_as,
                    refresh_saved.clone(),
                    &pool,
                    state.dispatcher(),
                    inspections.dispatcher(),
                )
            });
            if let Err(message) = started {
                state.dispatch(RunAction::Failed(message));
            }
        })
    };
    let on_start = {
        let (launch, current) = (launch.clone(), current.clone());
        Callback::from(move |_| {
            let title = format!("{} on {}, {}", current.strategy.name(), current.data, started_at());
            launch(&current, None, SavedAs { id: saved_searches::new_id(), title });
        })
    };
    // Goes on from a log: the controls show its experiment, and it keeps saving where it was.
    let resume_log = {
        let (launch, experiment, space, state) = (launch.clone(), experiment.clone(), space.clone(), state.clone());
        Rc::new(move |text: String, saved_as: SavedAs| match SearchLog::parse(&text) {
            Ok(log) => {
                let resumed = Experiment::from_config(&log.config, experiment.jobs, experiment.engine);
                space.set(space_text(&resumed));
                experiment.set(resumed.clone());
                launch(&resumed, Some(log), saved_as);
            }
            Err(e) => state.dispatch(RunAction::Failed(format!("{}: {e}; nothing was changed", saved_as.title))),
        })
    };
    let command = |act: fn(&mut PoolCoordinator) -> Vec<PoolAction>| {
        let (pool, state) = (pool.clone(), state.clone());
        Callback::from(move |_: ()| {
            let mut shared = pool.borrow_mut();
            if let Some(p) = shared.as_mut() {
                let actions = act(&mut p.coordinator);
                p.apply(actions, &state.dispatcher());
            }
        })
    };

    // Writes the running (or last) search as `format`, for the chosen trial where it is code.
    let export_as = |format: ExportFormat| {
        let (pool, state, selected) = (pool.clone(), state.clone(), selected.clone());
        Callback::from(move |_| {
            let text = pool.borrow().as_ref().map(|p| p.coordinator.log_text()).unwrap_or_default();
            let written = SearchLog::parse(&text).map_err(|e| e.to_string()).and_then(|log| export(&log, format, *selected));
            match written {
                Ok(text) => {
                    let _ = download(&format.file_name(*selected), &text);
                }
                Err(message) => state.dispatch(RunAction::Failed(format!("export: {message}"))),
            }
        })
    };

    let on_share = {
        let (current, share_url, preset) = (current.clone(), share_url.clone(), preset.clone());
        Callback::from(move |_| {
            let url = share::link_to(&current, *preset);
            share::copy_to_clipboard(&url);
            share_url.set(Some(url));
        })
    };
    let on_preset = {
        let (experiment, space, preset, share_url) = (experiment.clone(), space.clone(), preset.clone(), share_url.clone());
        Callback::from(move |e: Event| {
            let Some(chosen) = presets::preset(&super::form::event_value(&e)) else { return };
            let next = chosen.experiment(experiment.jobs);
            space.set(space_text(&next));
            experiment.set(next);
            preset.set(Some(chosen.id));
            share_url.set(None);
        })
    };
    // A GAN trial opened in the GAN lab, to watch it train.
    let gan_opened = use_state(|| None::<(crate::gan::GanSetup, u32)>);
    let open_in_lab = {
        let (gan_opened, view, selected) = (gan_opened.clone(), state.view.clone(), *selected);
        let trial = selected.or_else(|| view.best().map(|(id, _)| id)).and_then(|id| view.trials.get(&id).cloned());
        let target = match view.config.as_ref().map(|c| &c.data.source) {
            Some(crate::nas::DataSource::GanTarget { target }) => Some(target.clone()),
            _ => None,
        };
        let seed = view.config.as_ref().map_or(0, |c| crate::nas::evaluator::trial_seed(c.seed));
        let setup =
            trial.and_then(|t| t.proposal.candidate.gan_spec(seed)).zip(target).map(|(gan, target)| crate::gan::GanSetup { target, gan });
        setup.map(|setup| {
            Callback::from(move |_| {
                let count = gan_opened.as_ref().map_or(0, |(_, n)| n + 1);
                gan_opened.set(Some((setup.clone(), count)));
            })
        })
    };

    // From the GAN lab: a search over GAN settings on its target, ready to start.
    let on_gan_search = {
        let (experiment, space, preset, share_url) = (experiment.clone(), space.clone(), preset.clone(), share_url.clone());
        Callback::from(move |target: crate::gan::Target2d| {
            let mut next = (*experiment).clone();
            next.data = crate::nas::Experiment::gan_data_name(&target).to_string();
            next.gan_target = Some(target);
            next.space = example_space("gan-ring").expect("the example spaces are valid");
            next.strategy = crate::nas::StrategyConfig::Random;
            next.budget = crate::nas::Budget::trials(12);
            space.set(space_text(&next));
            experiment.set(next);
            preset.set(None);
            share_url.set(None);
            if let Some(run) = gloo::utils::document().get_element_by_id("data") {
                run.scroll_into_view();
            }
        })
    };
    let guide = preset.and_then(presets::preset).map(|p| {
        let preset = preset.clone();
        html! {
            <section class="panel guide" id="preset-guide" aria-labelledby="preset-title">
                <h2 id="preset-title">{ p.title }</h2>
                <p>{ p.guide }</p>
                <button onclick={ Callback::from(move |_| preset.set(None)) }>{ "Hide" }</button>
            </section>
        }
    });

    let on_compare = {
        let compared = compared.clone();
        Callback::from(move |id: usize| {
            let mut next = (*compared).clone();
            match next.iter().position(|&c| c == id) {
                Some(i) => {
                    next.remove(i);
                }
                None => next.push(id),
            }
            compared.set(next);
        })
    };

    let on_select = {
        let selected = selected.clone();
        Callback::from(move |id: usize| selected.set(if *selected == Some(id) { None } else { Some(id) }))
    };

    let saved_panel = {
        let running = state.running;
        let on_import = {
            let resume_log = resume_log.clone();
            Callback::from(move |e: Event| {
                let Some(file) = e.target_dyn_into::<web_sys::HtmlInputElement>().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                    return;
                };
                let resume_log = resume_log.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()).unwrap_or_default();
                    resume_log(text, SavedAs { id: saved_searches::new_id(), title: file.name() });
                });
            })
        };
        let on_export = {
            let pool = pool.clone();
            Callback::from(move |_| {
                if let Some(p) = pool.borrow().as_ref() {
                    let _ = download("search.jsonl", &p.coordinator.log_text());
                }
            })
        };
        let entry = |s: &SavedSearch| {
            let (id, title) = (s.id.clone(), s.title.clone());
            let resume = {
                let (resume_log, id, title, state) = (resume_log.clone(), id.clone(), title.clone(), state.clone());
                Callback::from(move |_| {
                    let (resume_log, id, title, state) = (resume_log.clone(), id.clone(), title.clone(), state.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match saved_searches::load(&id).await {
                            Ok(text) => resume_log(text, SavedAs { id, title }),
                            Err(message) => state.dispatch(RunAction::Failed(message)),
                        }
                    });
                })
            };
            let export = {
                let id = id.clone();
                Callback::from(move |_| {
                    let id = id.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(text) = saved_searches::load(&id).await {
                            let _ = download(&format!("search-{id}.jsonl"), &text);
                        }
                    });
                })
            };
            let remove = {
                let (id, refresh_saved) = (id.clone(), refresh_saved.clone());
                Callback::from(move |_| {
                    let (id, refresh_saved) = (id.clone(), refresh_saved.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = saved_searches::remove(&id).await;
                        refresh_saved.emit(());
                    });
                })
            };
            html! {
                <li data-saved={ id.clone() }>
                    <span class="saved-title">{ &s.title }</span>
                    <span class="muted">{ format!(" {} trials{}", s.trials, if s.finished { ", finished" } else { "" }) }</span>
                    <button class="saved-resume" onclick={ resume } disabled={ running }>{ if s.finished { "Open" } else { "Resume" } }</button>
                    <button class="saved-export" onclick={ export }>{ "Export" }</button>
                    <button class="saved-delete" onclick={ remove } disabled={ running } aria-label={ format!("Delete {}", s.title) }>{ "Delete" }</button>
                </li>
            }
        };
        html! {
            <section class="panel" id="saved" aria-labelledby="saved-title">
                <h2 id="saved-title">{ "Saved searches" }</h2>
                <p class="muted">{ "Every search is kept in this browser as it runs; after a reload, resume it here." }</p>
                { match &*saved {
                    Ok(list) if list.is_empty() => html! { <p class="empty" id="saved-empty">{ "None yet." }</p> },
                    Ok(list) => html! { <ul id="saved-list">{ for list.iter().map(entry) }</ul> },
                    Err(message) => html! { <p class="muted">{ message }</p> },
                } }
                <div class="run-controls">
                    <button id="save-log" onclick={ on_export } disabled={ state.view.config.is_none() }>{ "Export this search (.jsonl)" }</button>
                    <button id="export-csv" onclick={ export_as(ExportFormat::Csv) } disabled={ state.view.records().is_empty() }>{ "Trials as CSV" }</button>
                    <button id="export-json" onclick={ export_as(ExportFormat::Json) } disabled={ state.view.config.is_none() }>{ "Search as JSON" }</button>
                    <button id="export-optuna" onclick={ export_as(ExportFormat::Optuna) } disabled={ state.view.config.is_none() }>{ "Optuna study script" }</button>
                    <label class="file">{ "Import a search (.jsonl) " }<input type="file" id="log-file" accept=".jsonl,.json,text/plain" onchange={ on_import } disabled={ running } /></label>
                </div>
            </section>
        }
    };

    html! {
        <main class="layout">
            if !link_notes.is_empty() {
                <section class="panel notes" id="link-notes" role="alert" aria-labelledby="link-notes-title">
                    <h2 id="link-notes-title">{ "Some of this link could not be read" }</h2>
                    <ul>{ for link_notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                    <p class="muted">{ "Everything else in the link was used." }</p>
                    <button onclick={ let link_notes = link_notes.clone(); Callback::from(move |_| link_notes.set(Vec::new())) }>{ "Dismiss" }</button>
                </section>
            }
            <div class="share-bar">
                <label>{ "Classroom presets " }
                    <select id="preset" onchange={ on_preset } disabled={ state.running }>
                        <option value="" selected={ preset.is_none() }>{ "choose one..." }</option>
                        { for presets::presets().iter().map(|p| html! { <option value={ p.id } selected={ *preset == Some(p.id) }>{ p.title }</option> }) }
                    </select>
                </label>
                <button id="share" onclick={ on_share }>{ "Copy share link" }</button>
                if let Some(url) = &*share_url {
                    <label>{ "Link: " }<input id="share-url" type="text" readonly=true value={ url.clone() } aria-label="The share link" /></label>
                }
            </div>
            { guide.unwrap_or_default() }
            <DataPanel experiment={ current.clone() } on_change={ on_experiment.clone() } on_space_suggestion={ on_space_suggestion } disabled={ state.running } />
            <section class="panel" id="space" aria-labelledby="space-title">
                <h2 id="space-title">{ "Search space" }</h2>
                <SpaceEditor space={ (*space).clone() } on_change={ on_space } disabled={ state.running } summary={ estimate.clone() } />
            </section>
            <RunPanel experiment={ current.clone() } on_change={ on_experiment } state={ state.clone() } problem={ problem } estimate={ estimate }
                on_start={ on_start } on_pause={ command(PoolCoordinator::pause) } on_resume={ command(PoolCoordinator::resume) } on_stop={ command(PoolCoordinator::stop) } />
            <Charts view={ state.view.clone() } selected={ *selected } large={ props.large } />
            <section class="panel" id="leaderboard" aria-labelledby="leaderboard-title">
                <h2 id="leaderboard-title">{ "Leaderboard" }</h2>
                <Leaderboard view={ state.view.clone() } selected={ *selected } on_select={ on_select } compared={ (*compared).clone() } on_compare={ on_compare } />
            </section>
            if !compared.is_empty() {
                <section class="panel" id="compare" aria-labelledby="compare-title">
                    <h2 id="compare-title">{ "Compare" }</h2>
                    <Compare view={ state.view.clone() } trials={ (*compared).clone() } large={ props.large } />
                </section>
            }
            <section class="panel" id="network" aria-labelledby="network-title">
                <h2 id="network-title">{ "Network" }</h2>
                <NetworkDrawing view={ state.view.clone() } trial={ *selected } />
                <div class="run-controls">
                    <button id="export-pytorch" onclick={ export_as(ExportFormat::Pytorch) } disabled={ state.view.best().is_none() || state.view.config.as_ref().is_some_and(|c| c.space.gan.is_some()) }>{ "As PyTorch code" }</button>
                    if let Some(open) = open_in_lab {
                        <button id="gan-open-trial" onclick={ open } title="Train this trial's GAN again in the GAN lab, step by step">{ "Watch it train in the GAN lab" }</button>
                    }
                    <button id="export-keras" onclick={ export_as(ExportFormat::Keras) } disabled={ state.view.best().is_none() || state.view.config.as_ref().is_some_and(|c| c.space.gan.is_some()) }>{ "As Keras code" }</button>
                </div>
            </section>
            <InsidePanel view={ state.view.clone() } inspections={ (*inspections).clone() } selected={ *selected } large={ props.large }
                data={ state.view.config.as_ref().map(|c| c.data.clone()).or_else(|| config.as_ref().ok().map(|c| c.data.clone())) }
                on_load={ { let inspections = inspections.clone(); Callback::from(move |t| inspections.dispatch(InspectAction::Loaded(t))) } } />
            <GanLab large={ props.large } on_search={ on_gan_search } open={ (*gan_opened).clone() } />
            { saved_panel }
        </main>
    }
}

/// An estimated time: "under a second", "about 12 s", "about 3 min", "about 1.5 h".
fn duration(seconds: f64) -> String {
    match seconds {
        s if s < 1.0 => "under a second".into(),
        s if s < 90.0 => format!("about {s:.0} s"),
        s if s < 5400.0 => format!("about {:.0} min", s / 60.0),
        s => format!("about {:.1} h", s / 3600.0),
    }
}

/// "2026-11-23 22:25" (UTC), for naming a saved search; cheaper than a locale's format, whose
/// first use loads the locale's data on the page's thread.
fn started_at() -> String {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    format!("{} {} UTC", iso.get(..10).unwrap_or_default(), iso.get(11..16).unwrap_or_default())
}
