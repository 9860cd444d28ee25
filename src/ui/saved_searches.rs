//! The page's IndexedDB store of search logs: every search's JSONL log is kept as it runs, so
//! after a reload or a closed tab the page lists the saved searches and resumes one. Metadata and
//! logs live in two object stores keyed by the search's id, so listing never reads the logs.

use std::cell::RefCell;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

const DATABASE: &str = "nas-playground";
const VERSION: u32 = 1;
/// Metadata records `{ id, title, updated, trials, finished }`, keyed by id.
const SEARCHES: &str = "searches";
/// Log texts (strings), keyed by id.
const LOGS: &str = "logs";

/// A saved search as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearch {
    pub id: String,
    pub title: String,
    /// When it was last saved, in milliseconds since the epoch.
    pub updated_ms: f64,
    pub trials: usize,
    pub finished: bool,
}

/// Saves (or replaces) a search's log under `id`; resolves once the browser has committed it.
pub async fn save(id: &str, title: &str, log: &str, trials: usize, finished: bool) -> Result<(), String> {
    let meta = js_sys::Object::new();
    for (key, value) in [
        ("id", JsValue::from_str(id)),
        ("title", JsValue::from_str(title)),
        ("updated", JsValue::from_f64(js_sys::Date::now())),
        ("trials", JsValue::from_f64(trials as f64)),
        ("finished", JsValue::from_bool(finished)),
    ] {
        js_sys::Reflect::set(&meta, &JsValue::from_str(key), &value).map_err(describe)?;
    }
    let key = JsValue::from_str(id);
    // One transaction over both stores, so a list entry never lacks its log.
    write(|searches, logs| {
        logs.put_with_key(&JsValue::from_str(log), &key)?;
        searches.put_with_key(&meta, &key)?;
        Ok(())
    })
    .await
    .map_err(|why| format!("the search could not be saved ({why})"))
}

/// The saved searches, newest first.
pub async fn list() -> Result<Vec<SavedSearch>, String> {
    let request = read(SEARCHES, |store| store.get_all()).await?;
    let all = finish(&request).await?;
    let field = |item: &JsValue, key: &str| js_sys::Reflect::get(item, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    let mut searches: Vec<SavedSearch> = Array::from(&all)
        .iter()
        .filter_map(|item| {
            Some(SavedSearch {
                id: field(&item, "id").as_string()?,
                title: field(&item, "title").as_string().unwrap_or_default(),
                updated_ms: field(&item, "updated").as_f64().unwrap_or(0.0),
                trials: field(&item, "trials").as_f64().map_or(0, |n| n.max(0.0) as usize),
                finished: field(&item, "finished").as_bool().unwrap_or(false),
            })
        })
        .collect();
    searches.sort_by(|a, b| b.updated_ms.total_cmp(&a.updated_ms));
    Ok(searches)
}

/// A saved search's log text.
pub async fn load(id: &str) -> Result<String, String> {
    let key = JsValue::from_str(id);
    let request = read(LOGS, |store| store.get(&key)).await?;
    let log = finish(&request).await?;
    log.as_string().ok_or_else(|| format!("no saved search '{id}' in this browser (was it deleted, perhaps in another tab?)"))
}

/// Forgets a saved search (its list entry and its log); forgetting a missing one is not an error.
pub async fn remove(id: &str) -> Result<(), String> {
    let key = JsValue::from_str(id);
    write(|searches, logs| {
        searches.delete(&key)?;
        logs.delete(&key)?;
        Ok(())
    })
    .await
    .map_err(|why| format!("the saved search could not be deleted ({why})"))
}

/// A new id: the time in base 36, a dash, and random base-36 digits.
pub fn new_id() -> String {
    let base36 = |n: f64| js_sys::Number::from(n).to_string_with_radix(36).map(String::from).unwrap_or_else(|_| format!("{n}"));
    let random = (js_sys::Math::random() * 36f64.powi(8)).floor();
    format!("{}-{}", base36(js_sys::Date::now()), base36(random))
}

// The connection is opened once and kept: a transaction made on it right away keeps the order in
// which saves were asked for, which a fresh connection per call would not promise.
thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

struct Connection {
    database: IdbDatabase,
    /// Closes this connection when another page asks for a newer version of the database.
    _on_version_change: Closure<dyn FnMut(web_sys::Event)>,
}

/// A transaction over `stores` on the kept connection, opening (or reopening, when the browser
/// closed it) the connection as needed.
async fn transaction(stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    let cached = CONNECTION.with_borrow(|c| c.as_ref().map(|c| c.database.clone()));
    if let Some(database) = cached {
        if let Ok(transaction) = database.transaction_with_str_sequence_and_mode(&names, mode) {
            return Ok(transaction);
        }
        CONNECTION.with_borrow_mut(|c| *c = None);
    }
    let database = open().await?;
    let transaction = database.transaction_with_str_sequence_and_mode(&names, mode).map_err(describe);
    // Closing it makes the next transaction fail, and that call reopens (the closure is dropped
    // then, not while it runs).
    let closing = database.clone();
    let on_version_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| closing.close());
    database.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    CONNECTION.with_borrow_mut(|c| *c = Some(Connection { database, _on_version_change: on_version_change }));
    transaction
}

async fn open() -> Result<IdbDatabase, String> {
    let unavailable = |why: String| format!("this browser keeps no saved searches (IndexedDB is unavailable: {why})");
    let factory = web_sys::window()
        .ok_or_else(|| unavailable("there is no window".into()))?
        .indexed_db()
        .map_err(|e| unavailable(describe(e)))?
        .ok_or_else(|| unavailable("it is turned off".into()))?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, VERSION).map_err(|e| unavailable(describe(e)))?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(database) = event
            .target()
            .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        else {
            return;
        };
        for store in [SEARCHES, LOGS] {
            if !database.object_store_names().contains(store) {
                // A failure here aborts the upgrade, and the open request reports it.
                let _ = database.create_object_store(store);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = finish(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    result.map_err(unavailable)?.dyn_into::<IdbDatabase>().map_err(|_| unavailable("the database did not open".into()))
}

/// Makes one request on `store` in a read-only transaction.
async fn read(store: &str, request: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>) -> Result<IdbRequest, String> {
    let transaction = transaction(&[store], IdbTransactionMode::Readonly).await?;
    transaction.object_store(store).and_then(|s| request(&s)).map_err(describe)
}

/// Makes requests on the two stores (searches, logs) in one read-write transaction and resolves
/// once it has committed; if making one fails, none of them takes effect.
async fn write(requests: impl FnOnce(&IdbObjectStore, &IdbObjectStore) -> Result<(), JsValue>) -> Result<(), String> {
    let transaction = transaction(&[SEARCHES, LOGS], IdbTransactionMode::Readwrite).await?;
    let done = committed(&transaction);
    let made = transaction.object_store(SEARCHES).and_then(|searches| requests(&searches, &transaction.object_store(LOGS)?));
    if let Err(error) = made {
        let _ = transaction.abort();
        let _ = done.await;
        return Err(describe(error));
    }
    done.await
}

/// Resolves to a request's result, or its error in words. The handlers are the promise's own
/// functions, so nothing needs to outlive this future, and they are set before anything is awaited.
fn finish(request: &IdbRequest) -> impl std::future::Future<Output = Result<JsValue, String>> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let request = request.clone();
    async move {
        let settled = JsFuture::from(promise).await;
        request.set_onsuccess(None);
        request.set_onerror(None);
        match settled {
            Ok(_) => request.result().map_err(describe),
            Err(_) => Err(request.error().ok().flatten().map_or_else(|| "the request failed".to_string(), |e| exception(&e))),
        }
    }
}

/// Resolves once a transaction has committed, or to why it was aborted.
fn committed(transaction: &IdbTransaction) -> impl std::future::Future<Output = Result<(), String>> {
    let promise = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onabort(Some(&reject));
    });
    let transaction = transaction.clone();
    async move {
        let settled = JsFuture::from(promise).await;
        transaction.set_oncomplete(None);
        transaction.set_onabort(None);
        settled.map(|_| ()).map_err(|_| transaction.error().map_or_else(|| "it was cancelled".to_string(), |e| exception(&e)))
    }
}

fn exception(error: &DomException) -> String {
    match (error.name(), error.message()) {
        (name, message) if message.is_empty() => name,
        (_, message) => message,
    }
}

fn describe(error: JsValue) -> String {
    if let Some(e) = error.dyn_ref::<DomException>() {
        return exception(e);
    }
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
