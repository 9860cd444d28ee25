//! The page's benchmark mode (`?bench`, `?bench=mlp&device=gpu&seconds=3`): trains the benchmark
//! networks on this browser's engines and writes the figures as JSON into `#bench-results`, where
//! the comparison harness (tests/bench) reads them beside TF.js's. `?bench=fused` times K = 1, 4
//! and 16 MLP candidates trained fused against the same K one after another instead.

use std::rc::Rc;

use yew::prelude::*;

use crate::bench::{run_benchmark, BenchModel, BenchResult};
use crate::engine::cpu::CpuBackend;
use crate::engine::detect_engine;
use crate::engine::gpu::MatmulVariant;

/// What `?bench` asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRequest {
    pub models: Vec<BenchModel>,
    /// `bench=fused`: fused candidates against one after another, not the benchmark networks.
    pub fused: bool,
    pub cpu: bool,
    pub gpu: bool,
    pub seconds: f64,
    /// `matmul=naive`, `matmul=tiled` or `matmul=registers` forces a GPU matmul kernel; otherwise the engine's choice.
    pub matmul: Option<MatmulVariant>,
    /// `profile` logs per-op GPU timings of the MLP step to the console.
    pub profile: bool,
}

impl BenchRequest {
    /// Reads the request from the page's query string; None when the page is not in bench mode.
    pub fn from_location() -> Option<Self> {
        let search = web_sys::window()?.location().search().ok()?;
        let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
        let models = params.get("bench")?;
        let models: Vec<BenchModel> = models.split(',').filter_map(BenchModel::parse).collect();
        let device = params.get("device").unwrap_or_default();
        Some(Self {
            fused: params.get("bench").as_deref() == Some("fused"),
            models: if models.is_empty() { BenchModel::ALL.to_vec() } else { models },
            cpu: device != "gpu",
            gpu: device != "cpu",
            profile: params.has("profile"),
            matmul: match params.get("matmul").as_deref() {
                Some("naive") => Some(MatmulVariant::Naive),
                Some("tiled") => Some(MatmulVariant::Tiled),
                Some("registers") => Some(MatmulVariant::Registers),
                Some("texels") => Some(MatmulVariant::Texels),
                _ => None,
            },
            seconds: params.get("seconds").and_then(|s| s.parse().ok()).filter(|s: &f64| *s > 0.0).unwrap_or(3.0),
        })
    }
}

fn now_seconds() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now() / 1000.0).unwrap_or_else(|| js_sys::Date::now() / 1000.0)
}

/// Lets the browser paint between measurements.
async fn yield_to_browser() {
    gloo::timers::future::TimeoutFuture::new(0).await;
}

#[derive(Properties, PartialEq)]
pub struct BenchPageProps {
    pub request: BenchRequest,
}

#[function_component(BenchPage)]
pub fn bench_page(props: &BenchPageProps) -> Html {
    if props.request.fused {
        return html! { <FusedBenchPage request={ props.request.clone() } /> };
    }
    html! { <NetworksBenchPage request={ props.request.clone() } /> }
}

/// Marks the page measured for the harness.
fn mark_done() {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.dataset().set("done", "1");
    }
}

/// Fused candidates against the same candidates one after another, on each engine asked for.
#[function_component(FusedBenchPage)]
fn fused_bench_page(props: &BenchPageProps) -> Html {
    use crate::bench::fused::{run_fused_benchmark, FusedResult, FUSED_MODELS};
    let results = use_state(Vec::<FusedResult>::new);
    let done = use_state(|| false);
    {
        let (results, done, request) = (results.clone(), done.clone(), props.request.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut collected = Vec::new();
                let clock: Rc<dyn Fn() -> f64> = Rc::new(now_seconds);
                let cpu = request.cpu.then(CpuBackend::new);
                let gpu = if request.gpu { detect_engine().await.1 } else { None };
                for model in FUSED_MODELS {
                    for members in [1, 4, 16] {
                        yield_to_browser().await;
                        if let Some(cpu) = &cpu {
                            collected.push(run_fused_benchmark(cpu, "rust-cpu", model, members, request.seconds, &*clock).await);
                        }
                        yield_to_browser().await;
                        if let Some(gpu) = &gpu {
                            collected.push(run_fused_benchmark(gpu, "rust-webgpu", model, members, request.seconds, &*clock).await);
                        }
                        results.set(collected.clone());
                    }
                }
                done.set(true);
                mark_done();
            });
        });
    }
    // The harness reads rows of {engine, model, batch, steps, samples_per_sec}: two per measurement.
    let rows: Vec<serde_json::Value> = results
        .iter()
        .flat_map(|r| {
            let model = format!("{} x{}", r.model, r.members);
            [("fused", r.fused_samples_per_sec), ("one by one", r.sequential_samples_per_sec)].map(|(how, speed)| {
                serde_json::json!({ "engine": format!("{} {how}", r.engine), "model": model, "batch": r.batch, "steps": 0,
                                    "samples_per_sec": speed, "error": r.error })
            })
        })
        .collect();
    let json = serde_json::to_string_pretty(&rows).unwrap_or_default();
    html! {
        <section class="panel bench">
            <h2>{ "Fused candidates" }</h2>
            <p class="panel-body">
                { if *done { "Done." } else { "Measuring… the page is busy between measurements." } }
            </p>
            <table>
                <thead><tr><th>{ "engine" }</th><th>{ "model" }</th><th>{ "members" }</th><th>{ "fused samples/s" }</th><th>{ "one by one" }</th><th>{ "ratio" }</th></tr></thead>
                <tbody>
                    { for results.iter().map(|r| html! {
                        <tr>
                            <td>{ &r.engine }</td>
                            <td>{ &r.model }</td>
                            <td>{ r.members }</td>
                            <td>{ r.error.clone().unwrap_or_else(|| format!("{:.0}", r.fused_samples_per_sec)) }</td>
                            <td>{ format!("{:.0}", r.sequential_samples_per_sec) }</td>
                            <td>{ format!("{:.2}x", r.speedup()) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <pre id="bench-results">{ if *done { json } else { String::new() } }</pre>
        </section>
    }
}

/// The benchmark networks on each engine asked for.
#[function_component(NetworksBenchPage)]
fn networks_bench_page(props: &BenchPageProps) -> Html {
    let results = use_state(Vec::<BenchResult>::new);
    let done = use_state(|| false);
    {
        let (results, done, request) = (results.clone(), done.clone(), props.request.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut collected = Vec::new();
                let clock: Rc<dyn Fn() -> f64> = Rc::new(now_seconds);
                if request.cpu {
                    let cpu = CpuBackend::new();
                    for &model in &request.models {
                        yield_to_browser().await;
                        collected.push(run_benchmark(&cpu, "rust-cpu", model, request.seconds, &*clock).await);
                        results.set(collected.clone());
                    }
                }
                if request.gpu {
                    let (report, gpu) = detect_engine().await;
                    if let (Some(gpu), Some(variant)) = (&gpu, request.matmul) {
                        gpu.set_matmul_variant(variant);
                    }
                    for &model in &request.models {
                        yield_to_browser().await;
                        let result = match &gpu {
                            Some(gpu) => run_benchmark(gpu, "rust-webgpu", model, request.seconds, &*clock).await,
                            None => BenchResult {
                                engine: "rust-webgpu".into(),
                                model,
                                batch: model.batch(),
                                steps: 0,
                                samples_per_sec: 0.0,
                                mean_loss: f64::NAN,
                                error: Some(report.headline()),
                            },
                        };
                        collected.push(result);
                        results.set(collected.clone());
                    }
                }
                if request.profile {
                    if let (_, Some(gpu)) = detect_engine().await {
                        match crate::bench::profile::profile_ops(&gpu, &*clock).await {
                            Ok(timings) => {
                                for t in timings {
                                    gloo::console::log!(format!("[bench] {:>8.2} ms  {}", t.millis, t.op));
                                }
                                for model in BenchModel::ALL {
                                    if let Ok(count) = crate::bench::profile::dispatches_per_step(&gpu, model) {
                                        gloo::console::log!(format!(
                                            "[bench] {count:>8}     dispatches per {} training step",
                                            model.name()
                                        ));
                                    }
                                }
                            }
                            Err(error) => gloo::console::error!(format!("[bench] profile failed: {error}")),
                        }
                    }
                }
                done.set(true);
                mark_done();
            });
        });
    }
    let json = serde_json::to_string_pretty(&*results).unwrap_or_default();
    html! {
        <section class="panel bench">
            <h2>{ "Training throughput" }</h2>
            <p class="panel-body">
                { if *done { "Done." } else { "Measuring… the page is busy between measurements." } }
            </p>
            <table>
                <thead><tr><th>{ "engine" }</th><th>{ "model" }</th><th>{ "batch" }</th><th>{ "steps" }</th><th>{ "samples/s" }</th></tr></thead>
                <tbody>
                    { for results.iter().map(|r| html! {
                        <tr>
                            <td>{ &r.engine }</td>
                            <td>{ r.model.name() }</td>
                            <td>{ r.batch }</td>
                            <td>{ r.steps }</td>
                            <td>{ r.error.clone().unwrap_or_else(|| format!("{:.0}", r.samples_per_sec)) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <pre id="bench-results">{ if *done { json } else { String::new() } }</pre>
        </section>
    }
}
