//! The search worker's entry point: Trunk builds this binary as a Web Worker (see index.html);
//! the page starts one per parallel job.

#[cfg(target_arch = "wasm32")]
fn main() {
    nas_playground::ui::search_worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("{} — the search worker runs in the browser, started by the playground page.", nas_playground::version_line());
    std::process::exit(2);
}
