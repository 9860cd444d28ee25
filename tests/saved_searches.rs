//! Browser suite (wasm-pack test --headless --chrome): the page's IndexedDB store of search logs
//! saves, lists, loads back, replaces and removes searches.
#![cfg(target_arch = "wasm32")]

use gloo::timers::future::TimeoutFuture;
use nas_playground::ui::saved_searches::{self, SavedSearch};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The saved searches among `ids`, in the order the store lists them.
async fn listed(ids: &[&str]) -> Vec<SavedSearch> {
    let all = saved_searches::list().await.expect("list");
    all.into_iter().filter(|s| ids.contains(&s.id.as_str())).collect()
}

#[wasm_bindgen_test]
async fn saved_searches_round_trip_through_indexeddb() {
    let (a, b) = (format!("test-a-{}", saved_searches::new_id()), format!("test-b-{}", saved_searches::new_id()));
    assert_ne!(a, b);
    assert_ne!(saved_searches::new_id(), saved_searches::new_id());
    // A log with quotes, escapes, non-ASCII text and a few hundred kilobytes of lines.
    let mut log_a = String::from("{\"kind\":\"start\",\"title\":\"Ünïcode — ✓ \\\"quoted\\\"\"}\n");
    for i in 0..4_000 {
        log_a.push_str(&format!("{{\"kind\":\"trial\",\"id\":{i},\"accuracy\":{:.6}}}\n", i as f64 / 4_000.0));
    }
    let log_b = "{\"kind\":\"start\"}\n{\"kind\":\"end\"}\n".to_string();

    saved_searches::save(&a, "First", &log_a, 3, false).await.expect("save a");
    TimeoutFuture::new(5).await; // so the two saves have different times
    saved_searches::save(&b, "Second", &log_b, 7, true).await.expect("save b");

    let both = listed(&[&a, &b]).await;
    let summary: Vec<_> = both.iter().map(|s| (s.id.as_str(), s.title.as_str(), s.trials, s.finished)).collect();
    assert_eq!(summary, [(b.as_str(), "Second", 7, true), (a.as_str(), "First", 3, false)], "newest first");
    assert!(both[0].updated_ms > both[1].updated_ms);
    assert_eq!(saved_searches::load(&a).await.expect("load a"), log_a, "the log comes back byte for byte");
    assert_eq!(saved_searches::load(&b).await.expect("load b"), log_b);

    // Saving under the same id replaces the entry and its log, and makes it the newest.
    TimeoutFuture::new(5).await;
    let log_a2 = format!("{log_a}{{\"kind\":\"end\"}}\n");
    saved_searches::save(&a, "First, resumed", &log_a2, 5, true).await.expect("replace a");
    let replaced = listed(&[&a, &b]).await;
    let summary: Vec<_> = replaced.iter().map(|s| (s.id.as_str(), s.title.as_str(), s.trials, s.finished)).collect();
    assert_eq!(summary, [(a.as_str(), "First, resumed", 5, true), (b.as_str(), "Second", 7, true)]);
    assert_eq!(saved_searches::load(&a).await.expect("load replaced a"), log_a2);

    // Removing forgets both the entry and its log; a missing id says so.
    saved_searches::remove(&b).await.expect("remove b");
    let left: Vec<_> = listed(&[&a, &b]).await.into_iter().map(|s| s.id).collect();
    assert_eq!(left, [a.clone()]);
    let missing = saved_searches::load(&b).await.expect_err("a removed search cannot be loaded");
    assert!(missing.contains("no saved search") && missing.contains(&b), "{missing}");
    let never = saved_searches::load("never-saved").await.expect_err("a missing id cannot be loaded");
    assert!(never.contains("never-saved"), "{never}");
    saved_searches::remove("never-saved").await.expect("removing a missing id is not an error");

    saved_searches::remove(&a).await.expect("remove a");
    assert!(listed(&[&a, &b]).await.is_empty());
}
