//! The share link in the browser: reads the page's query into an `Experiment` (the core says what
//! did not read), and writes an experiment back as a link to copy.

use crate::nas::{presets, Experiment};

/// The page's query as pairs.
fn query_pairs() -> Vec<(String, String)> {
    let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&query) else { return Vec::new() };
    let mut pairs = Vec::new();
    for entry in js_sys::try_iter(&params).ok().flatten().into_iter().flatten().flatten() {
        let entry = js_sys::Array::from(&entry);
        if let (Some(key), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((key, value));
        }
    }
    pairs
}

/// The value of `key` in the page's query, if it has one.
pub fn query_value(key: &str) -> Option<String> {
    query_pairs().into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// This page's address without its query.
pub fn page_address() -> String {
    let location = web_sys::window().map(|w| w.location());
    location.map(|l| format!("{}{}", l.origin().unwrap_or_default(), l.pathname().unwrap_or_default())).unwrap_or_default()
}

/// Whether the query asks for something (`large=1`).
pub fn query_flag(key: &str) -> bool {
    query_pairs().iter().any(|(k, v)| k == key && v != "0")
}

/// The number of workers a page starts with: the browser's cores less one.
pub fn default_jobs() -> usize {
    let concurrency = web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency()) as usize;
    concurrency.saturating_sub(1).max(1)
}

/// What the page opens with: the defaults (or the link's classroom preset), overridden by the
/// link's settings; what the link had that could not be read; the preset, if any.
pub fn experiment_from_location() -> (Experiment, Vec<String>, Option<&'static str>) {
    // `large` is the type size and `gan` the GAN lab's settings: neither is the experiment's.
    let mut pairs: Vec<(String, String)> = query_pairs().into_iter().filter(|(k, _)| k != "large" && k != "gan").collect();
    let mut notes = Vec::new();
    let mut defaults = Experiment::new(default_jobs());
    let mut active = None;
    if let Some(index) = pairs.iter().position(|(k, _)| k == "preset") {
        let (_, id) = pairs.remove(index);
        match presets::preset(&id) {
            Some(preset) => {
                defaults = preset.experiment(default_jobs());
                active = Some(preset.id);
                // A preset's link is read as the current format, so its space stays.
                if !pairs.iter().any(|(k, _)| k == "v") {
                    pairs.push(("v".into(), "2".into()));
                }
            }
            None => notes.push(format!(
                "the link's preset '{id}' is not one of this page's ({}); opened the default experiment",
                presets::presets().iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    if pairs.is_empty() {
        return (defaults, notes, active);
    }
    let (experiment, more) = defaults.from_link(&pairs);
    notes.extend(more);
    (experiment, notes, active)
}

/// This page's address with `experiment` as its query (and the preset it came from, whose guide
/// the link then shows too).
pub fn link_to(experiment: &Experiment, preset: Option<&str>) -> String {
    let base = page_address();
    let Ok(params) = web_sys::UrlSearchParams::new() else { return base };
    if let Some(id) = preset {
        params.append("preset", id);
    }
    for (key, value) in experiment.to_link() {
        params.append(&key, &value);
    }
    format!("{base}?{}", String::from(params.to_string()))
}

/// Puts `text` on the clipboard where the browser allows it (it may not, e.g. without focus).
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let promise = window.navigator().clipboard().write_text(text);
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}
