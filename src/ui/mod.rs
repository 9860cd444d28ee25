//! The playground page (Yew): a thin layer that shows what the core reports and never does maths.

mod bench_page;
mod browser_adapter;
mod engine_badge;
mod panel;
mod run_settings;
mod search_runner;
pub mod search_worker;
mod worker_pool;

use yew::prelude::*;

use crate::engine::{detect_adapter, EngineReport};
use bench_page::{BenchPage, BenchRequest};
use engine_badge::EngineBadge;
use panel::Panel;
use search_runner::SearchRunner;

/// Mounts the app on the page's body.
pub fn start() {
    yew::Renderer::<App>::new().render();
}

#[function_component(App)]
pub fn app() -> Html {
    // The page's own thread only asks which adapter there is; searches open their devices in
    // their workers, and the benchmark mode opens its own.
    let adapter = use_state(|| None::<EngineReport>);
    {
        let adapter = adapter.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut report = detect_adapter().await;
                if let EngineReport::Gpu { adapter } = &mut report {
                    browser_adapter::fill_in_name(adapter).await;
                }
                adapter.set(Some(report));
            });
        });
    }

    let main = match BenchRequest::from_location() {
        Some(request) => html! { <main class="bench-layout"><BenchPage { request } /></main> },
        None => empty_layout(),
    };
    html! {
        <div class="app">
            <header class="top">
                <h1>{ "NAS Playground" }</h1>
                <p class="tagline">{ "Neural architecture search that trains in your browser, on your GPU." }</p>
                <EngineBadge report={ (*adapter).clone() } />
            </header>
            { main }
            <footer class="bottom">{ crate::version_line() }</footer>
        </div>
    }
}

/// The playground's panels before any search has run.
fn empty_layout() -> Html {
    html! {
        <main class="layout">
            <SearchRunner />
            <Panel id="space" title="Search space">
                { "Depth, widths, activations, optimizer and learning rate to search over." }
            </Panel>
            <Panel id="curves" title="Learning curves">
                { "No trials yet: each trial's loss and accuracy are drawn here as it trains." }
            </Panel>
            <Panel id="pareto" title="Accuracy against size">
                { "No trials yet: every finished trial becomes a point, with the Pareto front." }
            </Panel>
            <Panel id="network" title="Best network">
                { "No trials yet: the winning architecture is drawn here." }
            </Panel>
        </main>
    }
}
