//! The playground page's entry point: Trunk builds this binary to WebAssembly (see index.html).

#[cfg(target_arch = "wasm32")]
fn main() {
    nas_playground::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("{} — the playground runs in the browser: see the README to serve it.", nas_playground::version_line());
    std::process::exit(2);
}
