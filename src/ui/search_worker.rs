//! The search worker's body (a dedicated Web Worker, never the page's thread): it prepares the
//! search's data and engine when told, trains the trials the page hands it (one at a time, or
//! several of one shape fused), and
//! posts every epoch, progress step and outcome back as JSON. It yields to its event loop every
//! few milliseconds of training, so pause and stop take effect within a training step.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine::cpu::CpuBackend;
use crate::engine::gpu::GpuContext;
use crate::engine::Device;
use crate::nas::engine_pick::{probe_network, time_engine};
use crate::nas::{
    fusion_groups, prepare_data, EngineChoice, EnginePick, EngineTiming, Evaluation, Evaluator, FromWorker, InputPipeline, Proposal,
    SearchConfig, SearchEvent, SearchHost, ToWorker, TrainedModel, TrainingEvaluator, TrialOutcome,
};
use crate::nn::ModelSnapshot;

/// Seconds of training between two yields to the worker's event loop.
const YIELD_EVERY: f64 = 0.008;
/// Seconds each engine is timed for when the page asks for a probe.
const PROBE_SECONDS: f64 = 0.4;

struct Flags {
    paused: Cell<bool>,
    stop: Cell<bool>,
}

struct Worker {
    scope: DedicatedWorkerGlobalScope,
    flags: Flags,
    evaluator: RefCell<Option<TrainingEvaluator>>,
    /// For data on the plane: what a running trial's snapshots need to become weights files.
    plane: RefCell<Option<PlaneFacts>>,
}

/// The data's name, classes and input pipeline, for turning snapshots into `TrainedModel`s.
#[derive(Clone)]
struct PlaneFacts {
    data: String,
    class_names: Vec<String>,
    input: InputPipeline,
}

/// At most this many snapshots of a running trial a second (the page redraws from each).
const SNAPSHOTS_PER_SECOND: f64 = 2.0;

impl Worker {
    fn post(&self, message: &FromWorker) {
        let _ = self.scope.post_message(&JsValue::from_str(&message.to_json()));
    }

    fn now(&self) -> f64 {
        self.scope.performance().map_or(0.0, |p| p.now() / 1000.0)
    }
}

/// Starts the worker: installs the message handler and tells the page it is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let worker = Rc::new(Worker {
        scope: scope.clone(),
        flags: Flags { paused: Cell::new(false), stop: Cell::new(false) },
        evaluator: RefCell::new(None),
        plane: RefCell::new(None),
    });
    let handler = {
        let worker = worker.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match serde_json::from_str::<ToWorker>(&text) {
                Ok(command) => handle(&worker, command),
                Err(error) => worker.post(&FromWorker::Error { message: format!("a command that does not parse ({error})") }),
            }
        })
    };
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    worker.post(&FromWorker::Ready);
}

fn handle(worker: &Rc<Worker>, command: ToWorker) {
    match command {
        ToWorker::Prepare { config, engine, probe } => {
            let worker = worker.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match prepare(&worker, &config, engine, probe).await {
                    Ok(message) => worker.post(&message),
                    Err(message) => worker.post(&FromWorker::Error { message }),
                }
            });
        }
        ToWorker::Train { trial, proposal } => {
            wasm_bindgen_futures::spawn_local(train_trials(worker.clone(), vec![(trial, *proposal)], 1));
        }
        ToWorker::TrainFused { trials, fuse } => wasm_bindgen_futures::spawn_local(train_trials(worker.clone(), trials, fuse)),
        ToWorker::Pause => worker.flags.paused.set(true),
        ToWorker::Resume => worker.flags.paused.set(false),
        ToWorker::Stop => worker.flags.stop.set(true),
    }
}

/// Trains the trials handed over, those of one shape fused into stacks of up to `fuse`, and
/// answers each with its inspection (when it trained to the end) and its `TrialDone`.
async fn train_trials(worker: Rc<Worker>, trials: Vec<(usize, Proposal)>, fuse: usize) {
    let Some(mut evaluator) = worker.evaluator.borrow_mut().take() else {
        worker.post(&FromWorker::Error { message: "asked to train before the data was prepared".into() });
        return;
    };
    worker.flags.stop.set(false);
    let plane = worker.plane.borrow().clone();
    let mut host = WorkerHost { worker: &worker, last_yield: worker.now(), plane, last_snapshot: f64::NEG_INFINITY };
    for group in fusion_groups(&evaluator, trials, fuse) {
        let evaluations = match group.as_slice() {
            [(trial, proposal)] => vec![evaluator.evaluate(*trial, proposal, &mut host).await],
            _ => evaluator.evaluate_fused(&group, &mut host).await,
        };
        for inspection in evaluator.take_inspections() {
            let trial = inspection.trained.trial.unwrap_or(group[0].0);
            worker.post(&FromWorker::Inspected { trial, inspection: Box::new(inspection) });
        }
        for ((trial, _), evaluation) in group.iter().zip(evaluations) {
            let outcome = match evaluation {
                Evaluation::Done(result) => TrialOutcome::Done { result: Box::new(result) },
                Evaluation::Stopped => TrialOutcome::Stopped,
                Evaluation::DeviceLost(message) => TrialOutcome::DeviceLost { message },
            };
            worker.post(&FromWorker::TrialDone { trial: *trial, outcome });
        }
    }
    *worker.evaluator.borrow_mut() = Some(evaluator);
}

/// Fetches or generates the data, picks and opens the engine, and keeps an evaluator ready.
async fn prepare(worker: &Worker, config: &SearchConfig, engine: EngineChoice, probe: bool) -> Result<FromWorker, String> {
    let bytes = match config.data.image_set() {
        Some(set) => Some(fetch_bytes(worker, &set.url()).await?),
        None => None,
    };
    let dataset = config.data.dataset_from(bytes.as_deref()).map_err(|e| format!("data ({}): {e}", config.data.label()))?;
    let data = prepare_data(config, dataset).map_err(|e| e.to_string())?;
    let clock = || worker.now();
    let network = probe_network(config, &data.splits.train.feature_shape, data.task);
    let mut timings = Vec::new();
    let mut gpu = None;
    if probe || engine == EngineChoice::Gpu {
        match GpuContext::new().await {
            Ok(context) => {
                let mut adapter = context.adapter().clone();
                super::browser_adapter::fill_in_name(&mut adapter).await;
                let name = format!("WebGPU ({})", adapter.name);
                let speed = if probe { Some(time_engine(&context, &network, data.task, PROBE_SECONDS, &clock).await) } else { None };
                timings.push(EngineTiming {
                    engine: "gpu".into(),
                    name,
                    samples_per_sec: speed.as_ref().and_then(|s| s.as_ref().ok().copied()),
                    error: speed.and_then(|s| s.err()),
                });
                gpu = Some(context);
            }
            Err(error) => timings.push(EngineTiming {
                engine: "gpu".into(),
                name: "no WebGPU".into(),
                samples_per_sec: None,
                error: Some(error.to_string()),
            }),
        }
    }
    if probe {
        let speed = time_engine(&CpuBackend::new(), &network, data.task, PROBE_SECONDS, &clock).await;
        timings.insert(
            0,
            EngineTiming {
                engine: "cpu".into(),
                name: "CPU engine (WebAssembly SIMD)".into(),
                samples_per_sec: speed.as_ref().ok().copied(),
                error: speed.err(),
            },
        );
    }
    let mut pick = EnginePick::decide(if probe { engine } else { engine_or_cpu(engine) }, timings);
    let device = match (pick.chosen.as_str(), gpu) {
        ("gpu", Some(context)) => Device::Gpu(Rc::new(context)),
        ("gpu", None) => {
            pick.chosen = "cpu".into();
            pick.reason = "the GPU did not open, so the CPU engine trains".into();
            Device::cpu()
        }
        _ => Device::cpu(),
    };
    let (task, train, validation, warnings) = (data.task, data.splits.train.len(), data.splits.validation.len(), data.warnings.clone());
    let class_names = match &data.splits.train.targets {
        crate::data::Targets::Classes { class_names, .. } => class_names.clone(),
        crate::data::Targets::Values { .. } => Vec::new(),
    };
    *worker.plane.borrow_mut() = data.input.plane_features.is_some().then(|| PlaneFacts {
        data: data.splits.train.name.clone(),
        class_names,
        input: data.input.clone(),
    });
    let mut evaluator = TrainingEvaluator::new(device, config, data.splits);
    evaluator.inspect = Some(data.input);
    *worker.evaluator.borrow_mut() = Some(evaluator);
    Ok(FromWorker::Prepared { task, train, validation, warnings, engine: pick })
}

/// Auto without a probe means the CPU: the page probes once, on its first worker.
fn engine_or_cpu(engine: EngineChoice) -> EngineChoice {
    if engine == EngineChoice::Auto {
        EngineChoice::Cpu
    } else {
        engine
    }
}

/// Downloads `url` (relative to the page), telling the page how far it has got.
async fn fetch_bytes(worker: &Worker, url: &str) -> Result<Vec<u8>, String> {
    use wasm_bindgen_futures::JsFuture;
    let failed = |e: JsValue| format!("could not fetch {url}: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")));
    let response: web_sys::Response = JsFuture::from(worker.scope.fetch_with_str(url)).await.map_err(failed)?.unchecked_into();
    if !response.ok() {
        return Err(format!("could not fetch {url}: the server answered {} {}", response.status(), response.status_text()));
    }
    let total = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<u64>().ok());
    worker.post(&FromWorker::Loading { loaded: 0, total });
    let Some(body) = response.body() else {
        // No stream to read piece by piece: take the whole body at once.
        let buffer = JsFuture::from(response.array_buffer().map_err(failed)?).await.map_err(failed)?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        worker.post(&FromWorker::Loading { loaded: bytes.len() as u64, total });
        return Ok(bytes);
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    let mut reported = 0;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
        if js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).map_err(failed)?.is_truthy() {
            break;
        }
        let value: js_sys::Uint8Array = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")).map_err(failed)?.unchecked_into();
        bytes.extend(value.to_vec());
        if bytes.len() - reported >= 256 * 1024 {
            reported = bytes.len();
            worker.post(&FromWorker::Loading { loaded: reported as u64, total });
        }
    }
    worker.post(&FromWorker::Loading { loaded: bytes.len() as u64, total });
    Ok(bytes)
}

/// The worker as a search host: events go to the page; it yields now and then so commands
/// arrive, and holds while paused.
struct WorkerHost<'w> {
    worker: &'w Worker,
    last_yield: f64,
    plane: Option<PlaneFacts>,
    last_snapshot: f64,
}

impl SearchHost for WorkerHost<'_> {
    fn now(&self) -> f64 {
        self.worker.now()
    }

    fn should_stop(&self) -> bool {
        self.worker.flags.stop.get()
    }

    fn on_event(&mut self, event: &SearchEvent) {
        self.worker.post(&FromWorker::Event { event: event.clone() });
    }

    fn wants_snapshots(&self) -> bool {
        self.plane.is_some() && self.worker.now() - self.last_snapshot >= 1.0 / SNAPSHOTS_PER_SECOND
    }

    fn on_snapshot(&mut self, trial: usize, snapshot: ModelSnapshot) {
        let Some(facts) = &self.plane else { return };
        self.last_snapshot = self.worker.now();
        let epoch = snapshot.epoch;
        let trained = TrainedModel::from_snapshot(snapshot, &facts.data, facts.class_names.clone(), facts.input.clone(), Some(trial));
        self.worker.post(&FromWorker::Snapshot { trial, epoch, trained: Box::new(trained) });
    }

    async fn breathe(&mut self) {
        if self.worker.now() - self.last_yield < YIELD_EVERY && !self.worker.flags.paused.get() {
            return;
        }
        yield_to_event_loop().await;
        while self.worker.flags.paused.get() && !self.worker.flags.stop.get() {
            gloo::timers::future::TimeoutFuture::new(30).await;
        }
        self.last_yield = self.worker.now();
    }
}

/// Lets the worker's queued messages run: a message to itself through a channel comes back as
/// a new task at once (a zero timeout would be clamped to 4 ms when nested).
async fn yield_to_event_loop() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Ok(channel) = web_sys::MessageChannel::new() {
            channel.port1().set_onmessage(Some(&resolve));
            let _ = channel.port2().post_message(&JsValue::NULL);
        } else {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
