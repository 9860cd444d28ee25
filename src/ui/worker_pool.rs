//! The page's pool of search workers: starts one Web Worker per job, hands each message to the
//! core's `PoolCoordinator`, posts the commands it returns, and passes the rest to the panel.
//! Whenever a trial's record enters the log, the log is saved in IndexedDB, so a reload or a
//! closed tab loses nothing that finished.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};
use yew::prelude::*;

use super::inside_panel::{InspectAction, Inspections};
use super::run_panel::{RunAction, RunState};
use super::saved_searches;
use crate::nas::{EngineChoice, FromWorker, PoolAction, PoolCoordinator, PoolStatus, SearchConfig, SearchLog};

/// Where a search's log is kept in IndexedDB, and the name it is listed under.
#[derive(Clone, PartialEq)]
pub struct SavedAs {
    pub id: String,
    pub title: String,
}

/// The workers and the coordinator of one search.
pub struct Pool {
    pub coordinator: PoolCoordinator,
    saved_as: SavedAs,
    /// Called after each save, so the list of saved searches can refresh.
    on_saved: Callback<()>,
    saved_len: Cell<usize>,
    saved_end: Cell<bool>,
    workers: Vec<Worker>,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

impl Pool {
    /// Carries out the coordinator's actions: commands to workers, the rest to the panel.
    pub fn apply(&self, actions: Vec<PoolAction>, dispatch: &UseReducerDispatcher<RunState>) {
        let (mut events, mut notes) = (Vec::new(), Vec::new());
        let ended = matches!(self.coordinator.status(), PoolStatus::Finished(_) | PoolStatus::Stopped | PoolStatus::Failed(_));
        if self.coordinator.log_len() != self.saved_len.get() || (ended && !self.saved_end.replace(true)) {
            self.saved_len.set(self.coordinator.log_len());
            self.save();
        }
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

    /// Saves the log as it is now; a browser without IndexedDB is told once, in the notes. A search
    /// that failed before its first trial (its data would not load, say) is forgotten instead: it
    /// has nothing to resume, and resuming it would only fail again. Its settings stay in the editor.
    fn save(&self) {
        let (saved_as, on_saved) = (self.saved_as.clone(), self.on_saved.clone());
        let log = self.coordinator.log_text();
        let trials = self.coordinator.search().map_or(0, |s| s.trials().len());
        if trials == 0 && matches!(self.coordinator.status(), PoolStatus::Failed(_)) {
            return wasm_bindgen_futures::spawn_local(async move {
                match saved_searches::remove(&saved_as.id).await {
                    Ok(()) => on_saved.emit(()),
                    Err(message) => gloo::console::warn!(message),
                }
            });
        }
        let finished = matches!(self.coordinator.status(), PoolStatus::Finished(_));
        wasm_bindgen_futures::spawn_local(async move {
            match saved_searches::save(&saved_as.id, &saved_as.title, &log, trials, finished).await {
                Ok(()) => on_saved.emit(()),
                Err(message) => gloo::console::warn!(format!("the search could not be saved: {message}")),
            }
        });
    }

    fn terminate(&self) {
        self.workers.iter().for_each(Worker::terminate);
    }
}

pub type SharedPool = Rc<RefCell<Option<Pool>>>;

/// Starts `jobs` workers for `config` (going on from `resumed` when given), each training up to
/// `fuse` same-shape trials fused; their messages drive the coordinator.
#[allow(clippy::too_many_arguments)]
pub fn start_pool(
    (jobs, fuse): (usize, usize),
    engine: EngineChoice,
    config: SearchConfig,
    resumed: Option<SearchLog>,
    saved_as: SavedAs,
    on_saved: Callback<()>,
    shared: &SharedPool,
    dispatch: UseReducerDispatcher<RunState>,
    inspections: UseReducerDispatcher<Inspections>,
) -> Result<(), String> {
    let coordinator = PoolCoordinator::new(config, resumed, (jobs, fuse), engine).map_err(|e| e.to_string())?;
    let mut workers = Vec::new();
    let mut handlers = Vec::new();
    for index in 0..jobs {
        let worker = Worker::new("./search-worker_loader.js").map_err(|e| format!("could not start a Web Worker: {e:?}"))?;
        let (shared, dispatch, inspections) = (shared.clone(), dispatch.clone(), inspections.clone());
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            let message = FromWorker::from_json(&text);
            match message {
                FromWorker::Loading { loaded, total } => return dispatch.dispatch(RunAction::Loading(loaded, total)),
                FromWorker::Snapshot { trial, epoch, trained } => {
                    return inspections.dispatch(InspectAction::Snapshot { trial, epoch, trained: Rc::new(*trained) })
                }
                FromWorker::Inspected { trial, inspection } => {
                    return inspections.dispatch(InspectAction::Inspected { trial, inspection: Rc::new(*inspection) })
                }
                _ => {}
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
    if let Some(old) = shared.borrow_mut().replace(Pool {
        coordinator,
        saved_as,
        on_saved,
        saved_len: Cell::new(0),
        saved_end: Cell::new(false),
        workers,
        _handlers: handlers,
    }) {
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
