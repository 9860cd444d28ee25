//! NAS Playground: neural architecture search that trains on WebGPU or on the CPU, in the browser
//! (a Yew page) and natively (the `nas` command), from one core that never touches the DOM.

pub mod bench;
pub mod data;
pub mod engine;
pub mod gan;
pub mod nas;
pub mod nn;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// The version line shared by the page and the command-line interface.
pub fn version_line() -> String {
    format!("NAS Playground {}", env!("CARGO_PKG_VERSION"))
}
