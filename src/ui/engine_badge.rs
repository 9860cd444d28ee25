//! Shows the GPU this browser offers through WebGPU (its adapter's name and type), or that there
//! is none and why; each search then times the engines it has and trains on the faster.

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
                    "This adapter emulates a GPU on the processor; a search times it against the CPU engine and trains on the faster."
                }
                EngineReport::Gpu { .. } => {
                    "This browser offers this GPU through WebGPU; a search times it against the CPU engine and trains on the faster."
                }
                EngineReport::Cpu { .. } => "No WebGPU here: searches train on the CPU engine, in WebAssembly.",
            };
            html! {
                <div id="engine" class={ classes!("engine", report.kind()) } data-engine={ report.kind() } title={ title }>
                    <span class="engine-label">{ "GPU" }</span>
                    <span class="engine-name">{ report.headline() }</span>
                </div>
            }
        }
    }
}
