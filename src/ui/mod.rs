//! The playground page (Yew): a thin layer that shows what the core reports and never does maths.

mod bench_page;
mod browser_adapter;
mod charts_panel;
mod data_panel;
mod drawing_pad;
mod engine_badge;
mod form;
mod gan_lab;
mod inside_panel;
mod leaderboard;
mod playground;
mod point_editor;
pub mod run_panel;
pub mod saved_searches;
pub mod search_worker;
mod share;
pub mod space_editor;
mod worker_pool;

use yew::prelude::*;

use crate::engine::{detect_adapter, EngineReport};
use bench_page::{BenchPage, BenchRequest};
use engine_badge::EngineBadge;
use playground::Playground;

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

    let large = use_state(|| share::query_flag("large"));
    let main = match BenchRequest::from_location() {
        Some(request) => html! { <main class="bench-layout"><BenchPage { request } /></main> },
        None => html! { <Playground large={ *large } /> },
    };
    let toggle_large = {
        let large = large.clone();
        Callback::from(move |_| large.set(!*large))
    };
    html! {
        <div class={ classes!("app", large.then_some("large")) }>
            <a class="skip" href="#run">{ "Skip to the search controls" }</a>
            <header class="top">
                <h1>{ "NAS Playground" }</h1>
                <p class="tagline">{ "Neural architecture search that trains in your browser, on your GPU." }</p>
                <EngineBadge report={ (*adapter).clone() } />
                <button id="large-type" aria-pressed={ large.to_string() } onclick={ toggle_large }>{ "Large type" }</button>
            </header>
            { main }
            <footer class="bottom">{ crate::version_line() }</footer>
        </div>
    }
}
