//! Browsers often leave a WebGPU adapter's description empty; its vendor and architecture still
//! name it ("google swiftshader"), so the page asks `navigator.gpu` for them directly.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::engine::AdapterSummary;

/// Fills `adapter.name` from the browser's GPUAdapterInfo when wgpu could not.
pub async fn fill_in_name(adapter: &mut AdapterSummary) {
    if !adapter.name.is_empty() {
        return;
    }
    if let Some(name) = adapter_info_name().await {
        adapter.name = name;
    }
}

async fn adapter_info_name() -> Option<String> {
    // The page's window or a worker's global scope: both have `navigator.gpu`.
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok()?;
    let gpu = Reflect::get(&navigator, &JsValue::from_str("gpu")).ok()?;
    let request = Reflect::get(&gpu, &JsValue::from_str("requestAdapter")).ok()?;
    let request: js_sys::Function = request.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = JsFuture::from(promise).await.ok()?;
    let info = Reflect::get(&adapter, &JsValue::from_str("info")).ok()?;
    let field = |key: &str| Reflect::get(&info, &JsValue::from_str(key)).ok().and_then(|v| v.as_string());
    let parts: Vec<String> =
        ["vendor", "architecture", "description"].iter().filter_map(|key| field(key)).filter(|s| !s.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}
