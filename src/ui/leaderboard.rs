//! The leaderboard: every trial as a row (architecture in words, score, parameters, FLOPs, time,
//! epochs, status, why it failed and what was repaired), sortable by its column headers and
//! filtered by status. Choosing a trial selects it: the detail shows its network drawn layer by
//! layer with shapes and parameter counts, and the charts highlight it.

use yew::prelude::*;

use super::run_panel::SharedView;

use crate::nas::space::format_count;
use crate::nas::trial_table::{trial_rows, SortKey, TrialRow};
use crate::nas::TrialStatus;

#[derive(Properties, PartialEq)]
pub struct LeaderboardProps {
    pub view: SharedView,
    pub selected: Option<usize>,
    pub on_select: Callback<usize>,
    /// The trials ticked for comparing, and how one is ticked or unticked.
    pub compared: Vec<usize>,
    pub on_compare: Callback<usize>,
}

#[function_component(Leaderboard)]
pub fn leaderboard(props: &LeaderboardProps) -> Html {
    let sort = use_state(|| (SortKey::Rank, false));
    let filter = use_state(|| None::<TrialStatus>);
    let rows = trial_rows(&props.view, sort.0, sort.1, *filter);
    let header = |key: SortKey, label: &str| {
        let (active, descending) = (sort.0 == key, sort.1);
        let sort = sort.clone();
        let aria = match (active, descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        };
        let onclick =
            Callback::from(move |_| sort.set((key, if sort.0 == key { !sort.1 } else { key != SortKey::Rank && key != SortKey::Trial })));
        html! {
            <th scope="col" aria-sort={ aria }>
                <button class="sort" id={ format!("sort-{}", key.name()) } {onclick}>{ label }{ if active { if descending { " ▼" } else { " ▲" } } else { "" } }</button>
            </th>
        }
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                filter.set(match select.value().as_str() {
                    "running" => Some(TrialStatus::Running),
                    "finished" => Some(TrialStatus::Finished),
                    "failed" => Some(TrialStatus::Failed),
                    _ => None,
                });
            }
        })
    };
    let row = |r: &TrialRow| {
        let (on_select, on_compare) = (props.on_select.clone(), props.on_compare.clone());
        let id = r.id;
        let ticked = props.compared.contains(&id);
        let selected = props.selected == Some(id);
        let status = match r.status {
            TrialStatus::Running => "running",
            TrialStatus::Finished => "finished",
            TrialStatus::Failed => "failed",
        };
        html! {
            <tr class={ classes!(status, selected.then_some("selected")) } aria-selected={ selected.to_string() } data-trial={ id.to_string() }>
                <td>{ r.rank.map_or("-".into(), |r| r.to_string()) }</td>
                <td><button class="trial-link" onclick={ Callback::from(move |_| on_select.emit(id)) } aria-pressed={ selected.to_string() }
                    aria-label={ format!("Show trial {id}") }>{ id }</button></td>
                <td class="arch">{ &r.architecture }</td>
                <td>{ &r.score_text }{ if r.on_front { " ◆" } else { "" } }</td>
                <td>{ r.parameters.map_or("-".into(), |p| format_count(p as u128)) }</td>
                <td>{ r.flops.map_or("-".into(), |f| format_count(f as u128)) }</td>
                <td>{ r.seconds.map_or("-".into(), |s| format!("{s:.2}")) }</td>
                <td>{ format!("{}/{}", r.epochs.0, r.epochs.1) }</td>
                <td class="notes">{ r.notes.join("; ") }</td>
                <td><input type="checkbox" class="compare" checked={ ticked } aria-label={ format!("Compare trial {id}") }
                    onchange={ Callback::from(move |_| on_compare.emit(id)) } /></td>
            </tr>
        }
    };
    html! {
        <div class="leaderboard">
            <div class="table-head">
                <label>{ "Show " }
                    <select id="leaderboard-filter" onchange={ on_filter }>
                        <option value="all" selected=true>{ "all trials" }</option>
                        <option value="finished">{ "finished" }</option>
                        <option value="running">{ "running" }</option>
                        <option value="failed">{ "failed" }</option>
                    </select>
                </label>
                <span class="muted">{ "◆ on the Pareto front (no smaller trial scores as well). Choose a trial to see its network." }</span>
            </div>
            if rows.is_empty() {
                <p class="empty" id="leaderboard-empty">{ "No trials to show yet." }</p>
            } else {
                <div class="table-scroll">
                    <table id="leaderboard-table">
                        <caption>{ format!("{} trials, ranked by {}", rows.len(), props.view.objective().name()) }</caption>
                        <thead><tr>
                            { header(SortKey::Rank, "Rank") }{ header(SortKey::Trial, "Trial") }<th scope="col">{ "Architecture" }</th>
                            <th scope="col">{ "Score" }</th>{ header(SortKey::Parameters, "Parameters") }{ header(SortKey::Flops, "FLOPs") }
                            { header(SortKey::Seconds, "Seconds") }{ header(SortKey::Epochs, "Epochs") }<th scope="col">{ "Notes" }</th><th scope="col">{ "Compare" }</th>
                        </tr></thead>
                        <tbody>{ for rows.iter().map(row) }</tbody>
                    </table>
                </div>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NetworkProps {
    pub view: SharedView,
    /// The trial to draw; the best when none is chosen.
    pub trial: Option<usize>,
}

/// A trial's network, layer by layer: what each layer does, the shape it gives, its parameters.
#[function_component(NetworkDrawing)]
pub fn network_drawing(props: &NetworkProps) -> Html {
    let chosen = props.trial.or_else(|| props.view.best().map(|(id, _)| id));
    let Some(trial) = chosen.and_then(|id| props.view.trials.get(&id)) else {
        return html! { <p class="empty">{ "No finished trials yet: the best network is drawn here, or the one you choose in the leaderboard." }</p> };
    };
    let heading = format!(
        "Trial {}{}: {}",
        trial.id,
        if props.trial.is_none() { " (the best so far)" } else { "" },
        trial.proposal.candidate.label()
    );
    let Some(model) = trial.record.as_ref().and_then(|r| r.result.model.as_ref()) else {
        return html! { <div id="network-drawing"><h3>{ heading }</h3><p class="empty">{ "This trial has not finished, so its network is not built yet." }</p></div> };
    };
    // A GAN trial has two networks: the generator it kept, and the discriminator it trained against.
    let networks: Vec<(Option<&str>, crate::nn::ModelSpec)> = match trial.proposal.candidate.gan_spec(0).and_then(|g| g.validate().ok()) {
        Some((generator, discriminator)) => {
            vec![(Some("Generator: noise to a point"), generator), (Some("Discriminator: a point to real or generated"), discriminator)]
        }
        None => vec![(None, model.clone())],
    };
    let drawn = networks.iter().map(|(title, model)| {
        let layers = crate::nas::charts::network_layers(model);
        let total: usize = layers.iter().map(|l| l.parameters).sum();
        html! {
            <>
                if let Some(title) = title { <h4>{ *title }</h4> }
                <ol class="layers" aria-label={ format!("{} layers, {} parameters", layers.len(), format_count(total as u128)) }>
                    { for layers.iter().map(|layer| html! {
                        <li class={ classes!("layer", layer.kind.clone()) }>
                            <span class="layer-what">{ &layer.description }</span>
                            <span class="layer-shape">{ &layer.output }</span>
                            <span class="layer-params">{ if layer.parameters > 0 { format!("{} parameters", format_count(layer.parameters as u128)) } else { String::new() } }</span>
                        </li>
                    }) }
                </ol>
                <p class="muted">{ format!("{} parameters in all", format_count(total as u128)) }</p>
            </>
        }
    });
    html! {
        <div id="network-drawing">
            <h3>{ heading }</h3>
            { for drawn }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub view: SharedView,
    pub trials: Vec<usize>,
    pub large: bool,
}

/// The ticked trials side by side: their curves together, and their settings and results in
/// columns.
#[function_component(Compare)]
pub fn compare(props: &CompareProps) -> Html {
    let view = props.view.0.clone();
    let trials = props.trials.clone();
    let style = crate::nas::charts::ChartStyle { large_type: props.large };
    let draw: super::charts_panel::Draw = {
        let (view, trials) = (view.clone(), trials.clone());
        std::rc::Rc::new(move |area| crate::nas::charts::compare_curves(area, &view, &trials, &style))
    };
    let epochs: usize = trials.iter().filter_map(|id| view.trials.get(id)).map(|t| t.curve.len()).sum();
    let version = (trials.iter().fold(0u64, |h, &id| h.wrapping_mul(131).wrapping_add(id as u64 + 1)) << 16)
        ^ epochs as u64
        ^ (props.large as u64) << 62;
    let rows = trial_rows(&view, SortKey::Trial, false, None);
    let chosen: Vec<&TrialRow> = trials.iter().filter_map(|id| rows.iter().find(|r| r.id == *id)).collect();
    let cell = |f: &dyn Fn(usize) -> String| -> Html { trials.iter().map(|&id| html! { <td>{ f(id) }</td> }).collect() };
    let candidate = |id: usize| view.trials.get(&id).map(|t| t.proposal.candidate.clone());
    html! {
        <div id="compare-view">
            <super::charts_panel::ChartCanvas id="chart-compare" label="The chosen trials' validation curves, one colour each" draw={ draw } version={ version } stagger={ 0 } />
            <div class="table-scroll">
                <table id="compare-table">
                    <thead><tr><th scope="col">{ "" }</th>{ for chosen.iter().map(|r| html! { <th scope="col">{ format!("trial {}", r.id) }</th> }) }</tr></thead>
                    <tbody>
                        <tr><th scope="row">{ "architecture" }</th>{ for chosen.iter().map(|r| html! { <td>{ &r.architecture }</td> }) }</tr>
                        <tr><th scope="row">{ "score" }</th>{ for chosen.iter().map(|r| html! { <td>{ &r.score_text }</td> }) }</tr>
                        <tr><th scope="row">{ "parameters" }</th>{ for chosen.iter().map(|r| html! { <td>{ r.parameters.map_or("-".into(), |p| format_count(p as u128)) }</td> }) }</tr>
                        <tr><th scope="row">{ "seconds" }</th>{ for chosen.iter().map(|r| html! { <td>{ r.seconds.map_or("-".into(), |s| format!("{s:.2}")) }</td> }) }</tr>
                        <tr><th scope="row">{ "activation" }</th>{ cell(&|id| candidate(id).map(|c| crate::nas::candidate::activation_name(c.activation)).unwrap_or_default()) }</tr>
                        <tr><th scope="row">{ "optimizer" }</th>{ cell(&|id| candidate(id).map(|c| crate::nas::candidate::optimizer_name(c.optimizer)).unwrap_or_default()) }</tr>
                        <tr><th scope="row">{ "learning rate" }</th>{ cell(&|id| candidate(id).map(|c| c.learning_rate.to_string()).unwrap_or_default()) }</tr>
                        <tr><th scope="row">{ "batch size" }</th>{ cell(&|id| candidate(id).map(|c| c.batch_size.to_string()).unwrap_or_default()) }</tr>
                        <tr><th scope="row">{ "dropout" }</th>{ cell(&|id| candidate(id).map(|c| c.dropout.to_string()).unwrap_or_default()) }</tr>
                    </tbody>
                </table>
            </div>
        </div>
    }
}
