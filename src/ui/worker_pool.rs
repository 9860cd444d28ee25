//! The page's pool of search workers: starts one Web Worker per job, hands each message to the
//! core's `PoolCoordinator`, posts the commands it returns, and passes the rest to the panel.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};
use yew::prelude::*;

use super::run_settings::RunSettings;
use super::search_runner::{RunAction, RunState};
use crate::nas::{FromWorker, PoolAction, PoolCoordinator, PoolStatus, SearchConfig, SearchLog};

/// The workers and the coordinator of one search.
pub struct Pool {
    pub coordinator: PoolCoordinator,
    workers: Vec<Worker>,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

impl Pool {
    /// Carries out the coordinator's actions: commands to workers, the rest to the panel.
    pub fn apply(&self, actions: Vec<PoolAction>, dispatch: &UseReducerDispatcher<RunState>) {
        let (mut events, mut notes) = (Vec::new(), Vec::new());
        for action in actions {
            match action {
                PoolAction::Send { worker, command } => {
                    let _ = self.workers[worker].post_message(&JsValue::from_str(&command.to_json()));
                }
                PoolAction::Event(event) => events.push(event),
                PoolAction::Note(note) => notes.push(note),
            }
        }
        dispatch.dispatch(RunAction::Pool {
            events,
            notes,
            status: self.coordinator.status().clone(),
            engine: self.coordinator.engine().cloned(),
            workers: self.coordinator.worker_trials(),
        });
    }

    fn terminate(&self) {
        self.workers.iter().for_each(Worker::terminate);
    }
}

pub type SharedPool = Rc<RefCell<Option<Pool>>>;

/// Starts `jobs` workers for `config` (going on from `resumed` when given); their messages drive
/// the coordinator.
pub fn start_pool(
    settings: &RunSettings,
    config: SearchConfig,
    resumed: Option<SearchLog>,
    shared: &SharedPool,
    dispatch: UseReducerDispatcher<RunState>,
) -> Result<(), String> {
    let coordinator = PoolCoordinator::new(config, resumed, settings.jobs, settings.engine).map_err(|e| e.to_string())?;
    let mut workers = Vec::new();
    let mut handlers = Vec::new();
    for index in 0..settings.jobs {
        let worker = Worker::new("./search-worker_loader.js").map_err(|e| format!("could not start a Web Worker: {e:?}"))?;
        let (shared, dispatch) = (shared.clone(), dispatch.clone());
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            let message = FromWorker::from_json(&text);
            if let FromWorker::Loading { loaded, total } = message {
                dispatch.dispatch(RunAction::Loading(loaded, total));
                return;
            }
            let mut pool = shared.borrow_mut();
            let Some(pool) = pool.as_mut() else { return };
            let actions = pool.coordinator.on_message(index, message);
            pool.apply(actions, &dispatch);
            if matches!(pool.coordinator.status(), PoolStatus::Finished(_) | PoolStatus::Stopped | PoolStatus::Failed(_)) {
                pool.terminate();
            }
        });
        worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        workers.push(worker);
        handlers.push(handler);
    }
    if let Some(old) = shared.borrow_mut().replace(Pool { coordinator, workers, _handlers: handlers }) {
        old.terminate();
    }
    Ok(())
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-ndjson");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    web_sys::Url::revoke_object_url(&url)
}
