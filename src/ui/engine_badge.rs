//! Shows the engine the page trains on: the GPU adapter's name and type, or the CPU and why.

use yew::prelude::*;

use crate::engine::EngineReport;

#[derive(Properties, PartialEq)]
pub struct EngineBadgeProps {
    /// None while detection is still running.
    pub report: Option<EngineReport>,
}

#[function_component(EngineBadge)]
pub fn engine_badge(props: &EngineBadgeProps) -> Html {
    match &props.report {
        None => html! {
            <div id="engine" class="engine detecting" data-engine="detecting">{ "Looking for a GPU…" }</div>
        },
        Some(report) => {
            let title = match report {
                EngineReport::Gpu { adapter } if adapter.is_software() => {
                    "This adapter emulates a GPU on the processor: it works, but a hardware GPU is much faster."
                }
                EngineReport::Gpu { .. } => "Training runs on this GPU through WebGPU.",
                EngineReport::Cpu { .. } => "Training runs on the CPU engine, in WebAssembly.",
            };
            html! {
                <div id="engine" class={ classes!("engine", report.kind()) } data-engine={ report.kind() } title={ title }>
                    <span class="engine-label">{ "Engine" }</span>
                    <span class="engine-name">{ report.headline() }</span>
                </div>
            }
        }
    }
}
