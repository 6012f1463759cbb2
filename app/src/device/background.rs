//! Keeping that goes on when the tab is closed: Background Fetch, where the
//! browser has it (Chromium-based browsers; elsewhere the page downloads
//! each track itself, as before, and the next visit goes on where it
//! stopped).
//!
//! - A keep (or a followed list that gained tracks) asks the browser for
//!   one background fetch, `keep:{list key}`, of the audio it still needs.
//!   The browser downloads it, with its own progress notification, whether
//!   the tab stays open or not.
//! - While the page is open it takes each track's download from the fetch's
//!   records as it arrives and stores it as ever: audio, metadata and list
//!   entry in one transaction, so a track is never half-kept.
//! - When the fetch ends, the service worker (`public/sw.js`,
//!   `backgroundfetchsuccess`) puts what the page has not stored into the
//!   [`DOWNLOADS`] cache, each answer marked with its list. It answers
//!   `/audio/{id}` from there too, so such a track plays offline at once;
//!   the next visit's follow stores it from there, without the network, and
//!   [`tidy`] drops the entries that are no longer needed.
use std::collections::HashSet;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The cache the service worker puts finished downloads in (sw.js names it too).
pub const DOWNLOADS: &str = "kept-downloads";
/// The header that names the kept list a cached download belongs to.
pub const LIST_HEADER: &str = "x-hoard-list";

#[wasm_bindgen]
extern "C" {
    /// `registration.backgroundFetch` (web-sys does not bind Background Fetch).
    type BackgroundFetchManager;
    #[wasm_bindgen(method, catch)]
    fn fetch(
        this: &BackgroundFetchManager,
        id: &str,
        requests: &Array,
        options: &JsValue,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn get(this: &BackgroundFetchManager, id: &str) -> Result<Promise, JsValue>;

    /// One background fetch.
    pub type BackgroundFetchRegistration;
    #[wasm_bindgen(method, catch, js_name = "match")]
    fn match_url(this: &BackgroundFetchRegistration, url: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn abort(this: &BackgroundFetchRegistration) -> Result<Promise, JsValue>;
    /// Bytes downloaded so far.
    #[wasm_bindgen(method, getter)]
    fn downloaded(this: &BackgroundFetchRegistration) -> f64;
    /// "" while it runs, then "success" or "failure".
    #[wasm_bindgen(method, getter)]
    fn result(this: &BackgroundFetchRegistration) -> String;

    type BackgroundFetchRecord;
    #[wasm_bindgen(method, getter, js_name = responseReady)]
    fn response_ready(this: &BackgroundFetchRecord) -> Promise;
}

/// The fetch ID of kept list `key`.
fn fetch_id(key: &str) -> String {
    format!("keep:{key}")
}

/// The audio address of a track, as the page and the service worker name it.
pub fn audio_url(id: vault::model::Id) -> String {
    format!("/audio/{id}")
}

/// The Background Fetch of the active service worker; `None` where the
/// browser has none, or no worker controls the page yet (then `ready`
/// could wait for as long as the worker takes to install).
async fn manager() -> Option<BackgroundFetchManager> {
    let navigator = web_sys::window()?.navigator();
    if !Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return None;
    }
    let container = navigator.service_worker();
    container.controller()?;
    let registration = JsFuture::from(container.ready().ok()?).await.ok()?;
    let manager = Reflect::get(&registration, &"backgroundFetch".into()).ok()?;
    (!manager.is_undefined() && !manager.is_null()).then(|| manager.unchecked_into())
}

async fn running(
    manager: &BackgroundFetchManager,
    key: &str,
) -> Option<BackgroundFetchRegistration> {
    let found = JsFuture::from(manager.get(&fetch_id(key)).ok()?)
        .await
        .ok()?;
    (!found.is_undefined() && !found.is_null()).then(|| found.unchecked_into())
}

/// The background fetch of list `key` still running (a keep started before
/// a reload), or a new one of `urls`. `None` where the browser has no
/// Background Fetch or refuses it (the page then downloads each track
/// itself).
pub async fn start(key: &str, name: &str, urls: &[String]) -> Option<BackgroundFetchRegistration> {
    let manager = manager().await?;
    if let Some(fetch) = running(&manager, key).await {
        return Some(fetch);
    }
    if urls.is_empty() {
        return None;
    }
    let requests: Array = urls.iter().map(|u| JsValue::from_str(u)).collect();
    let icon = Object::new();
    let _ = Reflect::set(&icon, &"src".into(), &"/icons/icon-192.png".into());
    let _ = Reflect::set(&icon, &"sizes".into(), &"192x192".into());
    let _ = Reflect::set(&icon, &"type".into(), &"image/png".into());
    let options = Object::new();
    let _ = Reflect::set(
        &options,
        &"title".into(),
        &format!("Keeping “{name}” on this device").into(),
    );
    let _ = Reflect::set(&options, &"icons".into(), &Array::of1(&icon));
    let started = manager.fetch(&fetch_id(key), &requests, &options).ok()?;
    JsFuture::from(started)
        .await
        .ok()
        .map(JsCast::unchecked_into)
}

/// Stops list `key`'s background fetch, if one runs (the list was removed,
/// or its keep stopped for want of room).
pub async fn stop(key: &str) {
    let Some(manager) = manager().await else {
        return;
    };
    if let Some(fetch) = running(&manager, key).await {
        if let Ok(aborted) = fetch.abort() {
            let _ = JsFuture::from(aborted).await;
        }
    }
}

/// How long a background fetch may download nothing before the page stops
/// waiting for it and downloads the rest itself. (Measured in Chromium: a
/// fetch the browser has no room for stalls rather than fails.)
const STALLED_MS: i32 = 5_000;

/// A promise that resolves (to `undefined`) after `ms`.
fn after(ms: i32) -> Promise {
    Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    })
}

/// What `fetch` received for `url`, once it has all of it; `None` when the
/// fetch does not hold `url` or could not get it (the caller then asks the
/// network itself). A fetch that downloads nothing for [`STALLED_MS`] (the
/// browser holds it back: no network, no room) is stopped, so a keep never
/// waits on it for ever.
pub async fn response(fetch: &BackgroundFetchRegistration, url: &str) -> Option<web_sys::Response> {
    // A fetch the browser refused part way (no room for it) may never
    // settle its records: the page gets those tracks itself.
    if fetch.result() == "failure" {
        return None;
    }
    let matched = fetch.match_url(url).ok()?;
    let found = Promise::race(&Array::of2(&matched, &after(STALLED_MS)));
    let record = JsFuture::from(found).await.ok()?;
    if record.is_undefined() || record.is_null() {
        return None;
    }
    let record: BackgroundFetchRecord = record.unchecked_into();
    let ready = record.response_ready();
    let mut seen = fetch.downloaded();
    loop {
        let first = JsFuture::from(Promise::race(&Array::of2(&ready, &after(STALLED_MS))))
            .await
            .ok()?;
        if !first.is_undefined() {
            return Some(first.unchecked_into());
        }
        let now = fetch.downloaded();
        if now <= seen {
            if let Ok(aborted) = fetch.abort() {
                let _ = JsFuture::from(aborted).await;
            }
            return None;
        }
        seen = now;
    }
}

/// The downloads cache, if the service worker has made it (never made here:
/// an empty cache would be one more thing left on the device).
async fn downloads() -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    let has = JsFuture::from(caches.has(DOWNLOADS)).await.ok()?;
    if !has.as_bool().unwrap_or(false) {
        return None;
    }
    let cache = JsFuture::from(caches.open(DOWNLOADS)).await.ok()?;
    Some(cache.unchecked_into())
}

/// The tracks whose finished download waits in the cache.
pub async fn held() -> HashSet<vault::model::Id> {
    let Some(cache) = downloads().await else {
        return HashSet::new();
    };
    let Ok(keys) = JsFuture::from(cache.keys()).await else {
        return HashSet::new();
    };
    Array::from(&keys)
        .iter()
        .filter_map(|r| track_of(&r.unchecked_into::<web_sys::Request>().url()))
        .collect()
}

/// The track an audio address (absolute, as the cache gives it) names.
fn track_of(url: &str) -> Option<vault::model::Id> {
    url.rsplit('/').next()?.parse().ok()
}

/// Drops the cached download of `url` (it is stored on the device now).
pub async fn forget(url: &str) {
    if let Some(cache) = downloads().await {
        let _ = JsFuture::from(cache.delete_with_str(url)).await;
        drop_if_empty(&cache).await;
    }
}

/// Deletes the downloads cache once it holds nothing.
async fn drop_if_empty(cache: &web_sys::Cache) {
    let Ok(keys) = JsFuture::from(cache.keys()).await else {
        return;
    };
    if Array::from(&keys).length() == 0 {
        if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
            let _ = JsFuture::from(caches.delete(DOWNLOADS)).await;
        }
    }
}

/// Drops every cached download that `needed(list key, track id)` says is
/// no longer needed: stored on the device already, of a list no longer
/// kept, freed by the budget. Returns how many it dropped.
pub async fn tidy(needed: impl Fn(&str, vault::model::Id) -> bool) -> usize {
    let Some(cache) = downloads().await else {
        return 0;
    };
    let Ok(keys) = JsFuture::from(cache.keys()).await else {
        return 0;
    };
    let mut dropped = 0;
    for request in Array::from(&keys).iter() {
        let request: web_sys::Request = request.unchecked_into();
        let url = request.url();
        let id = track_of(&url);
        let Ok(found) = JsFuture::from(cache.match_with_request(&request)).await else {
            continue;
        };
        let list = found
            .dyn_ref::<web_sys::Response>()
            .and_then(|r| r.headers().get(LIST_HEADER).ok().flatten())
            .unwrap_or_default();
        let keep = id.is_some_and(|id| needed(&list, id));
        if !keep
            && JsFuture::from(cache.delete_with_request(&request))
                .await
                .is_ok()
        {
            dropped += 1;
        }
    }
    drop_if_empty(&cache).await;
    dropped
}
