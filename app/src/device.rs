//! On this device: the tracks, audio and cover art the browser keeps in
//! IndexedDB so that Hoard plays with no network and no server.
//!
//! The database `hoard` (version [`DB_VERSION`]) has six object stores,
//! four shared with the service worker (`public/sw.js`), which answers
//! `/audio/{id}` and `/covers/{album id}` from them:
//!
//! - `tracks`, key `id`: a [`KeptTrack`] (the metadata, as JSON values);
//! - `audio`, key `id`: `{id, type, size, data: ArrayBuffer}`;
//! - `covers`, key `id` (the album's): `{id, type, data: ArrayBuffer}`;
//! - `lists`, key `key`: a [`KeptList`], what the user chose to keep;
//! - `plays`, key `client_play_id`: plays heard in the player that the
//!   server has not confirmed yet (a [`PlayReport`](vault::model::PlayReport));
//!   they are sent when the server answers and deleted once it has them;
//! - `library`, key `key`: the copy of the whole library's metadata
//!   (`{key, json}` records, see [`crate::library_copy`]).
//!
//! Audio is stored as ArrayBuffer records, not Blobs (Safari refuses some
//! Blob writes). A track's audio, metadata and list entry are written in one
//! transaction, so a full quota leaves no half-kept track.

use std::collections::HashSet;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use vault::model::{ArtistRef, Id, Track, TrackList};

/// Where the storage budget for kept audio is set (localStorage, bytes).
pub const BUDGET_KEY: &str = "hoard-device-budget";

/// The IndexedDB database's name (the service worker opens the same one).
pub const DB_NAME: &str = "hoard";
/// Its schema version.
pub const DB_VERSION: u32 = 3;

/// A track kept on the device: what its rows show without the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptTrack {
    pub id: Id,
    pub title: String,
    pub artists: Vec<ArtistRef>,
    pub album_id: Option<Id>,
    pub album_name: Option<String>,
    pub duration_ms: i64,
    /// Size of the audio, in bytes.
    pub bytes: f64,
    /// The lists (by [`KeptList::key`]) that keep it; it goes when none does.
    pub lists: Vec<String>,
}

impl KeptTrack {
    /// The row the track lists show for it.
    pub fn to_track(&self) -> Track {
        Track {
            id: self.id,
            spotify_id: None,
            title: self.title.clone(),
            artists: self.artists.clone(),
            album_id: self.album_id,
            album_name: self.album_name.clone(),
            image_url: None,
            disc_number: 1,
            track_number: None,
            duration_ms: self.duration_ms,
            explicit: false,
            isrc: None,
            added_at: None,
            gone_from_spotify_at: None,
            download_state: Some("downloaded".into()),
            plays: 0,
            skips: 0,
            first_played: None,
            last_played: None,
            rating: None,
            loved: false,
            tags: Vec::new(),
            edited: false,
        }
    }
}

/// Something the user chose to keep: a playlist, an album, liked songs or one track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptList {
    /// `liked`, `playlist:{id}`, `album:{id}` or `track:{id}`.
    pub key: String,
    pub name: String,
    /// Where its page is.
    pub href: String,
    /// The tracks of it on the device, in list order.
    pub tracks: Vec<Id>,
    /// Tracks of it that the storage budget freed: following the list does
    /// not fetch them again (keeping the list again does).
    #[serde(default)]
    pub evicted: Vec<Id>,
}

/// Where the tracks to keep come from.
#[derive(Clone, Debug, PartialEq)]
pub enum KeepSource {
    /// These tracks (an album, one track).
    Tracks(Vec<Track>),
    /// A whole list, fetched from the server a window at a time.
    List(TrackList),
}

/// A keep request: what to keep, and under which name.
#[derive(Clone, Debug, PartialEq)]
pub struct KeepRequest {
    pub key: String,
    pub name: String,
    pub href: String,
    pub source: KeepSource,
}

/// A keep in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub name: String,
    pub done: usize,
    pub total: usize,
}

/// What the app knows of the device's store, for every view.
#[derive(Clone, Copy)]
pub struct Device {
    /// IDs of the tracks whose audio is on the device.
    pub kept: RwSignal<HashSet<Id>>,
    /// The kept lists.
    pub lists: RwSignal<Vec<KeptList>>,
    /// Bytes of audio kept.
    pub bytes: RwSignal<f64>,
    /// The keep running now.
    pub progress: RwSignal<Option<Progress>>,
    /// The outcome of the last keep or remove, for the status line.
    pub message: RwSignal<Option<String>>,
    /// Whether the page is live in a browser with IndexedDB (false while server-rendered).
    pub available: RwSignal<bool>,
}

impl Device {
    /// Whether this list's key is kept.
    pub fn is_kept(&self, key: &str) -> bool {
        self.lists.with(|l| l.iter().any(|l| l.key == key))
    }
}

/// Provides [`Device`] and, in the browser, loads what is kept.
pub fn provide_device() {
    let device = Device {
        kept: RwSignal::new(HashSet::new()),
        lists: RwSignal::new(Vec::new()),
        bytes: RwSignal::new(0.0),
        progress: RwSignal::new(None),
        message: RwSignal::new(None),
        available: RwSignal::new(false),
    };
    provide_context(device);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| leptos::task::spawn_local(browser::refresh(device)));
}

/// The app's [`Device`].
pub fn use_device() -> Device {
    expect_context::<Device>()
}

/// "1.4 MB" and the like.
pub fn size(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[0])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Keeps `request`'s tracks on the device (in the browser; nothing on the server).
pub fn keep(device: Device, request: KeepRequest) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if browser::keep(device, request).await.is_err() {
            device.message.set(Some(crate::parts::MISSING.into()));
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (device, request);
}

/// Removes a kept list and the tracks no other list keeps.
pub fn remove(device: Device, key: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if browser::remove(device, key).await.is_err() {
            device.message.set(Some(crate::parts::MISSING.into()));
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (device, key);
}

/// Keeps a play heard in the player on the device and sends it when the
/// server answers (at once when online).
pub fn queue_play(report: vault::model::PlayReport) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(browser::queue_play(report));
    #[cfg(not(feature = "hydrate"))]
    let _ = report;
}

/// Sends the plays waiting on the device (at start, and when back online).
pub fn send_plays() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(browser::send_plays());
}

/// The storage budget for kept audio, in bytes, if one is set (in the browser).
pub fn budget() -> Option<f64> {
    #[cfg(feature = "hydrate")]
    return browser::budget();
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Sets the storage budget (`None`: no budget).
pub fn set_budget(bytes: Option<f64>) {
    #[cfg(feature = "hydrate")]
    browser::set_budget(bytes);
    #[cfg(not(feature = "hydrate"))]
    let _ = bytes;
}

/// Brings kept lists up to date with the tracks each holds now (in the browser).
pub fn follow(device: Device, now: Vec<(String, Vec<Track>)>) {
    // (Nothing kept, nothing to follow: its code is not even loaded.)
    #[cfg(feature = "hydrate")]
    if !now.is_empty() {
        leptos::task::spawn_local(async move {
            // A part that cannot be loaded now: the next visit follows.
            let _ = browser::follow(device, now).await;
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (device, now);
}

/// Every kept track, with the lists (in the browser; empty on the server).
pub async fn kept_tracks() -> Result<Vec<KeptTrack>, String> {
    #[cfg(feature = "hydrate")]
    return browser::kept_tracks().await;
    #[cfg(not(feature = "hydrate"))]
    Ok(Vec::new())
}

#[cfg(feature = "hydrate")]
mod background;

/// The browser's side. Keeping, removing and following (`#[lazy]`) are
/// parts of the bundle of their own, loaded when first used: a first visit
/// does not download them (scripts/build-site splits them off).
#[cfg(feature = "hydrate")]
pub(crate) mod browser {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use js_sys::{Object, Reflect, JSON};
    use leptos::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::background::{self, audio_url, BackgroundFetchRegistration};
    use super::*;

    const STORES: [(&str, &str); 6] = [
        ("tracks", "id"),
        ("audio", "id"),
        ("covers", "id"),
        ("lists", "key"),
        ("plays", "client_play_id"),
        ("library", "key"),
    ];

    async fn open() -> Result<Database, String> {
        Database::open(DB_NAME)
            .with_version(DB_VERSION)
            .with_on_upgrade_needed(|_event, db| {
                let names: Vec<String> = db.object_store_names().collect();
                for (store, key) in STORES {
                    if !names.iter().any(|n| n == store) {
                        db.create_object_store(store)
                            .with_key_path(key.into())
                            .build()?;
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| format!("this browser's storage cannot be opened ({e})"))
    }

    fn to_js<T: Serialize>(value: &T) -> Result<JsValue, String> {
        let json = serde_json::to_string(value).map_err(|e| e.to_string())?;
        JSON::parse(&json).map_err(|_| "could not encode a record".to_string())
    }

    fn from_js<T: DeserializeOwned>(value: &JsValue) -> Option<T> {
        let json = JSON::stringify(value).ok()?.as_string()?;
        serde_json::from_str(&json).ok()
    }

    fn error_text(e: impl std::fmt::Display) -> String {
        e.to_string()
    }

    /// A read-write transaction on `stores`.
    fn readwrite<S: indexed_db_futures::database::ObjectStoreName>(
        db: &Database,
        stores: S,
    ) -> Result<indexed_db_futures::transaction::Transaction<'_>, String> {
        db.transaction(stores)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(error_text)
    }

    /// Loads the kept IDs, lists and total size into `device`.
    pub async fn refresh(device: Device) {
        match load(device).await {
            Ok(()) => device.available.set(true),
            Err(e) => device.message.set(Some(format!(
                "Keeping music on this device is not available: {e}"
            ))),
        }
    }

    async fn load(device: Device) -> Result<(), String> {
        let tracks = kept_tracks().await?;
        let lists: Vec<KeptList> = all("lists").await?;
        // Finished background downloads that are stored by now, or whose
        // list is gone or freed them, take no more room.
        let on_device: HashSet<Id> = tracks.iter().map(|t| t.id).collect();
        background::tidy(|key, id| {
            !on_device.contains(&id)
                && lists
                    .iter()
                    .any(|l| l.key == key && !l.evicted.contains(&id))
        })
        .await;
        device.bytes.set(tracks.iter().map(|t| t.bytes).sum());
        device.kept.set(tracks.iter().map(|t| t.id).collect());
        device.lists.set(lists);
        Ok(())
    }

    pub async fn kept_tracks() -> Result<Vec<KeptTrack>, String> {
        all("tracks").await
    }

    /// Plain access to one object store, for the library copy.
    pub(crate) mod store {
        use super::*;

        /// The record of `name` under `key`, if there is one.
        pub async fn get_value(name: &str, key: &str) -> Option<JsValue> {
            get_raw(&open().await.ok()?, name, key.into()).await
        }

        /// Every record of `name`, as stored.
        pub async fn all_values(name: &str) -> Result<Vec<JsValue>, String> {
            let db = open().await?;
            let tx = db.transaction(name).build().map_err(error_text)?;
            let values = tx
                .object_store(name)
                .map_err(error_text)?
                .get_all()
                .primitive()
                .map_err(error_text)?
                .await
                .map_err(error_text)?
                .filter_map(Result::ok)
                .collect();
            Ok(values)
        }
    }

    /// Every record of `store` that decodes as a `T`.
    async fn all<T: DeserializeOwned>(store: &str) -> Result<Vec<T>, String> {
        let values = self::store::all_values(store).await?;
        Ok(values.iter().filter_map(from_js).collect())
    }

    /// The tracks of `source`, in list order.
    async fn tracks_of(source: &KeepSource) -> Result<Vec<vault::model::Track>, String> {
        match source {
            KeepSource::Tracks(tracks) => Ok(tracks.clone()),
            KeepSource::List(list) => {
                let mut all = Vec::new();
                loop {
                    let page = crate::routes::lists::track_window(
                        list.clone(),
                        Default::default(),
                        all.len() as i64,
                        crate::routes::lists::WINDOW,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    let got = page.items.len();
                    all.extend(page.items);
                    if got == 0 || all.len() as i64 >= page.total {
                        return Ok(all);
                    }
                }
            }
        }
    }

    /// Fetches `url` whole, as an ArrayBuffer and its type; `None` for a 404.
    async fn fetch_bytes(url: &str) -> Result<Option<(js_sys::ArrayBuffer, String)>, String> {
        let window = web_sys::window().ok_or("no window")?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(|_| "the server cannot be reached".to_string())?
            .unchecked_into();
        read_whole(response).await
    }

    /// A track's audio: from its list's background fetch when that holds
    /// it, from the network (or the service worker's downloads) otherwise.
    async fn audio_bytes(
        id: Id,
        fetch: Option<&BackgroundFetchRegistration>,
    ) -> Result<Option<(js_sys::ArrayBuffer, String)>, String> {
        let url = audio_url(id);
        if let Some(fetch) = fetch {
            if let Some(response) = background::response(fetch, &url).await {
                if let Ok(Some(audio)) = read_whole(response).await {
                    return Ok(Some(audio));
                }
            }
        }
        fetch_bytes(&url).await
    }

    /// A response's body as an ArrayBuffer and its type; `None` for a 404.
    async fn read_whole(
        response: web_sys::Response,
    ) -> Result<Option<(js_sys::ArrayBuffer, String)>, String> {
        if response.status() == 404 {
            return Ok(None);
        }
        if !response.ok() {
            return Err(format!("the server answered {}", response.status()));
        }
        let mime = response
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_else(|| "application/octet-stream".into());
        let buffer = JsFuture::from(response.array_buffer().map_err(|_| "unreadable answer")?)
            .await
            .map_err(|_| "the transfer was cut off".to_string())?;
        Ok(Some((buffer.unchecked_into(), mime)))
    }

    /// Rough size of a track's audio, for deciding whether a background
    /// fetch fits: its length at 320 kb/s, the most a vault file usually
    /// takes (an estimate on the high side; nothing is stored by it).
    fn estimated_bytes(track: &vault::model::Track) -> f64 {
        track.duration_ms.max(0) as f64 / 1000.0 * 40_000.0
    }

    /// Starts (or joins) the background fetch of the audio list `key` still
    /// needs of `tracks`: those in the vault, not on the device, not
    /// downloaded already. Only when the device (and the budget, if one is
    /// set) has room for all of it by [`estimated_bytes`]: a download that
    /// cannot be kept would take the room the keep needs.
    async fn background_for(
        db: &Database,
        key: &str,
        name: &str,
        tracks: &[&vault::model::Track],
    ) -> Option<BackgroundFetchRegistration> {
        let mut urls = Vec::new();
        let mut bytes = 0.0;
        let mut seen = background::held().await;
        for track in tracks {
            if track.download_state.as_deref() != Some("downloaded") || !seen.insert(track.id) {
                continue;
            }
            if has_key(db, "audio", track.id as f64).await {
                continue;
            }
            bytes += estimated_bytes(track);
            urls.push(audio_url(track.id));
        }
        if !urls.is_empty() {
            let free = free_space().await?;
            if free < bytes {
                return None;
            }
            if let Some(budget) = budget() {
                let kept: Vec<KeptTrack> = all("tracks").await.ok()?;
                if kept.iter().map(|t| t.bytes).sum::<f64>() + bytes > budget {
                    return None;
                }
            }
        }
        background::start(key, name, &urls).await
    }

    fn record(id: f64, mime: &str, data: &js_sys::ArrayBuffer) -> Object {
        let record = Object::new();
        let _ = Reflect::set(&record, &"id".into(), &id.into());
        let _ = Reflect::set(&record, &"type".into(), &mime.into());
        let _ = Reflect::set(&record, &"size".into(), &data.byte_length().into());
        let _ = Reflect::set(&record, &"data".into(), data);
        record
    }

    async fn get<T: DeserializeOwned>(db: &Database, store: &str, key: JsValue) -> Option<T> {
        get_raw(db, store, key).await.as_ref().and_then(from_js)
    }

    /// The record of `store` under `key`, as stored.
    async fn get_raw(db: &Database, store: &str, key: JsValue) -> Option<JsValue> {
        let tx = db.transaction(store).build().ok()?;
        tx.object_store(store)
            .ok()?
            .get(key)
            .primitive()
            .ok()?
            .await
            .ok()?
    }

    async fn has_key(db: &Database, store: &str, key: f64) -> bool {
        let Ok(tx) = db.transaction(store).build() else {
            return false;
        };
        let Ok(store) = tx.object_store(store) else {
            return false;
        };
        let Ok(request) = store.count().with_query(key).primitive() else {
            return false;
        };
        matches!(request.await, Ok(n) if n > 0)
    }

    /// Asks the browser not to evict what is kept under storage pressure.
    async fn ask_persistence() {
        if let Some(window) = web_sys::window() {
            if let Ok(promise) = window.navigator().storage().persist() {
                let _ = JsFuture::from(promise).await;
            }
        }
    }

    /// Free space the browser grants the app, in bytes, if it says.
    async fn free_space() -> Option<f64> {
        let window = web_sys::window()?;
        let estimate = JsFuture::from(window.navigator().storage().estimate().ok()?)
            .await
            .ok()?;
        let get = |k: &str| Reflect::get(&estimate, &k.into()).ok()?.as_f64();
        Some(get("quota")? - get("usage")?)
    }

    crate::parts::lazy_part!(hoard_keep: pub fn keep(device: Device, request: KeepRequest) -> () = keep_now);

    async fn keep_now(device: Device, request: KeepRequest) {
        if device.progress.get_untracked().is_some() {
            device.message.set(Some(
                "Another keep is running; wait for it to finish.".into(),
            ));
            return;
        }
        device.message.set(None);
        device.progress.set(Some(Progress {
            name: request.name.clone(),
            done: 0,
            total: 0,
        }));
        let outcome = keep_all(device, &request).await;
        device.progress.set(None);
        let _ = load(device).await;
        device.message.set(Some(outcome));
    }

    /// Keeps every track it can and says what happened.
    async fn keep_all(device: Device, request: &KeepRequest) -> String {
        ask_persistence().await;
        let tracks = match tracks_of(&request.source).await {
            Ok(t) => t,
            Err(e) => return format!("Could not keep “{}”: {e}.", request.name),
        };
        let db = match open().await {
            Ok(db) => db,
            Err(e) => return format!("Could not keep “{}”: {e}.", request.name),
        };
        let total = tracks.len();
        let mut list: KeptList = get(&db, "lists", request.key.clone().into())
            .await
            .unwrap_or(KeptList {
                key: request.key.clone(),
                name: request.name.clone(),
                href: request.href.clone(),
                tracks: Vec::new(),
                evicted: Vec::new(),
            });
        list.name = request.name.clone();
        // Keeping a list again asks for all of it, what the budget freed too.
        list.evicted.clear();
        // The list is kept from now on: a keep stopped before its first
        // track (a closed tab) goes on when the list is next followed.
        if let Err(e) = put_list(&db, &list).await {
            return format!("Could not keep “{}”: {e}.", request.name);
        }
        let wanted: Vec<&vault::model::Track> = tracks.iter().collect();
        let fetch = background_for(&db, &request.key, &request.name, &wanted).await;
        let (mut kept, mut missing) = (0usize, 0usize);
        let mut evicted = Vec::new();
        for (i, track) in tracks.iter().enumerate() {
            device.progress.set(Some(Progress {
                name: request.name.clone(),
                done: i,
                total,
            }));
            match keep_one(&db, track, &mut list, &mut evicted, fetch.as_ref()).await {
                Ok(true) => kept += 1,
                Ok(false) => missing += 1,
                Err(KeepError::Budget(budget)) => {
                    return format!(
                        "The storage budget ({}) is full: “{}” does not fit beside the rest of “{}”. {kept} of {total} tracks are on the device.{}",
                        super::size(budget),
                        track.title,
                        request.name,
                        evicted_note(&evicted)
                    );
                }
                Err(KeepError::Quota(needed)) => {
                    let free = free_space().await.map(|f| format!(", {} free", super::size(f.max(0.0))));
                    return format!(
                        "This device has no room for more of “{}”: “{}” needs {}{}. {kept} of {total} tracks are on the device; nothing was half-written. Remove music from this device or free space, then keep it again.",
                        request.name,
                        track.title,
                        super::size(needed),
                        free.unwrap_or_default()
                    );
                }
                Err(KeepError::Other(e)) => {
                    return format!(
                        "Stopped keeping “{}” at “{}”: {e}. {kept} of {total} tracks are on the device.",
                        request.name, track.title
                    )
                }
            }
        }
        let missing = if missing > 0 {
            format!(" {missing} are not in the vault yet, so they could not be kept.")
        } else {
            String::new()
        };
        format!(
            "“{}” is on this device: {kept} of {total} tracks.{missing}{}",
            request.name,
            evicted_note(&evicted)
        )
    }

    /// Stores `list` as it is.
    async fn put_list(db: &Database, list: &KeptList) -> Result<(), String> {
        let tx = readwrite(db, "lists")?;
        tx.object_store("lists")
            .map_err(error_text)?
            .put(to_js(list)?)
            .primitive()
            .map_err(error_text)?;
        tx.commit().await.map_err(error_text)
    }

    /// What a keep freed to stay within the budget, for its status line.
    fn evicted_note(evicted: &[String]) -> String {
        match evicted.len() {
            0 => String::new(),
            1 => format!(" To stay within the storage budget, “{}” was freed (played least recently).", evicted[0]),
            n => format!(
                " To stay within the storage budget, {n} tracks played least recently were freed: {}.",
                evicted.iter().map(|t| format!("“{t}”")).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    enum KeepError {
        /// The browser refused the write: no room (the bytes it needed).
        Quota(f64),
        /// The storage budget is full of what this keep holds (the budget).
        Budget(f64),
        Other(String),
    }

    /// The budget the user set for audio on this device, in bytes.
    pub fn budget() -> Option<f64> {
        let storage = web_sys::window()?.local_storage().ok()??;
        let value = storage.get_item(super::BUDGET_KEY).ok()??;
        value.parse::<f64>().ok().filter(|b| *b > 0.0)
    }

    /// Sets (or with `None` clears) the budget.
    pub fn set_budget(bytes: Option<f64>) {
        let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
            return;
        };
        let _ = match bytes {
            Some(b) => storage.set_item(super::BUDGET_KEY, &format!("{b:.0}")),
            None => storage.remove_item(super::BUDGET_KEY),
        };
    }

    /// Makes room for `needed` more bytes within the budget by freeing the
    /// kept tracks played least recently (never played first), except those
    /// in `protect` (the list being kept). Each freed track leaves every
    /// list that kept it. Returns the titles freed, or the budget when the
    /// room cannot be made.
    async fn make_room(
        db: &Database,
        needed: f64,
        protect: &[Id],
    ) -> Result<Vec<String>, KeepError> {
        let Some(budget) = budget() else {
            return Ok(Vec::new());
        };
        let other = |e: String| KeepError::Other(e);
        let kept: Vec<KeptTrack> = all("tracks").await.map_err(other)?;
        let mut used: f64 = kept.iter().map(|t| t.bytes).sum();
        if used + needed <= budget {
            return Ok(Vec::new());
        }
        let mut candidates: Vec<&KeptTrack> =
            kept.iter().filter(|t| !protect.contains(&t.id)).collect();
        let ids: Vec<Id> = candidates.iter().map(|t| t.id).collect();
        let order = crate::library_copy::eviction_order(&ids);
        candidates.sort_by_key(|t| order.iter().position(|id| *id == t.id));
        let mut evict = Vec::new();
        for t in candidates {
            if used + needed <= budget {
                break;
            }
            used -= t.bytes;
            evict.push(t);
        }
        if used + needed > budget {
            return Err(KeepError::Budget(budget));
        }
        let lists: Vec<KeptList> = all("lists").await.map_err(other)?;
        let tx = readwrite(db, ["tracks", "audio", "lists"]).map_err(other)?;
        let tracks = tx
            .object_store("tracks")
            .map_err(error_text)
            .map_err(other)?;
        let audio = tx
            .object_store("audio")
            .map_err(error_text)
            .map_err(other)?;
        let gone: Vec<Id> = evict.iter().map(|t| t.id).collect();
        for id in &gone {
            tracks
                .delete(*id as f64)
                .primitive()
                .map_err(error_text)
                .map_err(other)?;
            audio
                .delete(*id as f64)
                .primitive()
                .map_err(error_text)
                .map_err(other)?;
        }
        let store = tx
            .object_store("lists")
            .map_err(error_text)
            .map_err(other)?;
        for mut list in lists {
            let freed: Vec<Id> = list
                .tracks
                .iter()
                .filter(|id| gone.contains(id))
                .copied()
                .collect();
            if freed.is_empty() {
                continue;
            }
            list.tracks.retain(|id| !gone.contains(id));
            if list.tracks.is_empty() && list.key.starts_with("track:") {
                // A single kept track that was freed is no longer kept at all.
                store
                    .delete(list.key.as_str())
                    .primitive()
                    .map_err(error_text)
                    .map_err(other)?;
            } else {
                for id in freed {
                    if !list.evicted.contains(&id) {
                        list.evicted.push(id);
                    }
                }
                store
                    .put(to_js(&list).map_err(other)?)
                    .primitive()
                    .map_err(error_text)
                    .map_err(other)?;
            }
        }
        tx.commit().await.map_err(error_text).map_err(other)?;
        Ok(evict.iter().map(|t| t.title.clone()).collect())
    }

    /// Keeps one track under `list` ([`store_one`]); when the device or the
    /// budget is full, also stops the list's background fetch: what it is
    /// still downloading would not fit either.
    async fn keep_one(
        db: &Database,
        track: &vault::model::Track,
        list: &mut KeptList,
        evicted: &mut Vec<String>,
        fetch: Option<&BackgroundFetchRegistration>,
    ) -> Result<bool, KeepError> {
        let outcome = store_one(db, track, list, evicted, fetch).await;
        if matches!(outcome, Err(KeepError::Budget(_) | KeepError::Quota(_))) {
            background::stop(&list.key).await;
        }
        outcome
    }

    /// Stores one track under `list`: its audio if not there yet, its
    /// metadata, its album's cover, and the list entry, in one transaction.
    /// `Ok(false)` when the vault has no file for it.
    async fn store_one(
        db: &Database,
        track: &vault::model::Track,
        list: &mut KeptList,
        evicted: &mut Vec<String>,
        fetch: Option<&BackgroundFetchRegistration>,
    ) -> Result<bool, KeepError> {
        let id = track.id as f64;
        let existing: Option<KeptTrack> = get(db, "tracks", id.into()).await;
        let have_audio = existing.is_some() && has_key(db, "audio", id).await;
        let audio = if have_audio {
            None
        } else {
            match audio_bytes(track.id, fetch)
                .await
                .map_err(KeepError::Other)?
            {
                Some(audio) => Some(audio),
                None => return Ok(false),
            }
        };
        if let Some((data, _)) = &audio {
            let mut protect = list.tracks.clone();
            protect.push(track.id);
            evicted.extend(make_room(db, data.byte_length() as f64, &protect).await?);
        }
        let cover = match track.album_id {
            Some(album) if audio.is_some() && !has_key(db, "covers", album as f64).await => {
                fetch_bytes(&format!("/covers/{album}"))
                    .await
                    .ok()
                    .flatten()
                    .map(|c| (album, c))
            }
            _ => None,
        };
        let bytes = audio
            .as_ref()
            .map(|(a, _)| a.byte_length() as f64)
            .or(existing.as_ref().map(|e| e.bytes))
            .unwrap_or(0.0);
        let mut lists = existing.map(|e| e.lists).unwrap_or_default();
        if !lists.contains(&list.key) {
            lists.push(list.key.clone());
        }
        let meta = KeptTrack {
            id: track.id,
            title: track.title.clone(),
            artists: track.artists.clone(),
            album_id: track.album_id,
            album_name: track.album_name.clone(),
            duration_ms: track.duration_ms,
            bytes,
            lists,
        };
        let mut new_list = list.clone();
        if !new_list.tracks.contains(&track.id) {
            new_list.tracks.push(track.id);
        }
        let other = |e: String| KeepError::Other(e);
        let write = async {
            let tx = readwrite(db, ["tracks", "audio", "covers", "lists"])?;
            if let Some((data, mime)) = &audio {
                tx.object_store("audio")
                    .map_err(error_text)?
                    .put(JsValue::from(record(id, mime, data)))
                    .primitive()
                    .map_err(error_text)?;
            }
            if let Some((album, (data, mime))) = &cover {
                tx.object_store("covers")
                    .map_err(error_text)?
                    .put(JsValue::from(record(*album as f64, mime, data)))
                    .primitive()
                    .map_err(error_text)?;
            }
            tx.object_store("tracks")
                .map_err(error_text)?
                .put(to_js(&meta)?)
                .primitive()
                .map_err(error_text)?;
            tx.object_store("lists")
                .map_err(error_text)?
                .put(to_js(&new_list)?)
                .primitive()
                .map_err(error_text)?;
            tx.commit().await.map_err(error_text)
        };
        match write.await {
            Ok(()) => {
                *list = new_list;
                if audio.is_some() {
                    background::forget(&audio_url(track.id)).await;
                }
                Ok(true)
            }
            Err(e) => {
                // Browsers report a full quota by aborting the commit (the
                // transaction's error is QuotaExceededError; the requests
                // themselves succeeded), so an aborted commit is taken for it,
                // as is the browser's own estimate leaving no room.
                let needed = bytes;
                let full = e.contains("aborted") || e.contains("Quota") || e.contains("quota");
                match free_space().await {
                    _ if full => Err(KeepError::Quota(needed)),
                    Some(free) if free < needed => Err(KeepError::Quota(needed)),
                    _ => Err(other(format!("the browser refused to store it ({e})"))),
                }
            }
        }
    }

    crate::parts::lazy_part!(hoard_remove: pub fn remove(device: Device, key: String) -> () = remove_now);

    async fn remove_now(device: Device, key: String) {
        background::stop(&key).await;
        let outcome = remove_list(&key).await;
        let _ = load(device).await;
        device.message.set(Some(match outcome {
            Ok((name, n)) => format!("Removed “{name}” from this device ({n} tracks freed)."),
            Err(e) => format!("Could not remove it from this device: {e}."),
        }));
    }

    async fn remove_list(key: &str) -> Result<(String, usize), String> {
        let db = open().await?;
        let list: KeptList = get(&db, "lists", key.into())
            .await
            .ok_or("it is not on this device")?;
        let freed = release(&db, &list, &list.tracks, None).await?;
        Ok((list.name, freed))
    }

    /// Takes `ids` out of kept list `list`, in one transaction: a track no
    /// other list keeps is deleted with its audio. The list is then stored
    /// as `keep_list` says, or deleted with `None`. Returns how many tracks
    /// were freed.
    async fn release(
        db: &Database,
        list: &KeptList,
        ids: &[Id],
        keep_list: Option<&KeptList>,
    ) -> Result<usize, String> {
        let key = list.key.as_str();
        let mut freed = 0;
        let tx = readwrite(db, ["tracks", "audio", "lists"])?;
        let tracks = tx.object_store("tracks").map_err(error_text)?;
        let audio = tx.object_store("audio").map_err(error_text)?;
        for id in ids {
            let value: Option<JsValue> = tracks
                .get(*id as f64)
                .primitive()
                .map_err(error_text)?
                .await
                .map_err(error_text)?;
            let Some(mut meta) = value.as_ref().and_then(from_js::<KeptTrack>) else {
                continue;
            };
            meta.lists.retain(|k| k != key);
            if meta.lists.is_empty() {
                tracks.delete(*id as f64).primitive().map_err(error_text)?;
                audio.delete(*id as f64).primitive().map_err(error_text)?;
                freed += 1;
            } else {
                tracks.put(to_js(&meta)?).primitive().map_err(error_text)?;
            }
        }
        let lists = tx.object_store("lists").map_err(error_text)?;
        match keep_list {
            Some(kept) => {
                lists.put(to_js(kept)?).primitive().map_err(error_text)?;
            }
            None => {
                lists.delete(key).primitive().map_err(error_text)?;
            }
        }
        tx.commit().await.map_err(error_text)?;
        Ok(freed)
    }

    crate::parts::lazy_part!(hoard_follow: pub fn follow(device: Device, now: Vec<(String, Vec<vault::model::Track>)>) -> () = follow_now);

    /// Brings kept lists up to date with what they hold now (`now`, each
    /// list's tracks in order, from the library's copy): tracks that joined
    /// and are in the vault are kept, tracks that left are released (freed
    /// unless another kept list holds them). A track is written whole or
    /// not at all, so a closed tab leaves nothing half-kept; the next visit
    /// goes on from there.
    async fn follow_now(device: Device, now: Vec<(String, Vec<vault::model::Track>)>) {
        let Ok(db) = open().await else {
            return;
        };
        let mut said = Vec::new();
        for (key, tracks) in now {
            let Some(mut list) = get::<KeptList>(&db, "lists", key.clone().into()).await else {
                continue;
            };
            let now_ids: HashSet<Id> = tracks.iter().map(|t| t.id).collect();
            let gone: Vec<Id> = list
                .tracks
                .iter()
                .filter(|id| !now_ids.contains(id))
                .copied()
                .collect();
            let joined: Vec<&vault::model::Track> = tracks
                .iter()
                .filter(|t| {
                    !list.tracks.contains(&t.id)
                        && !list.evicted.contains(&t.id)
                        && t.download_state.as_deref() == Some("downloaded")
                })
                .collect();
            if gone.is_empty() && joined.is_empty() {
                continue;
            }
            let mut added = 0;
            let mut stopped = None;
            let mut evicted = Vec::new();
            let fetch = background_for(&db, &list.key, &list.name, &joined).await;
            for (i, track) in joined.iter().enumerate() {
                device.progress.set(Some(Progress {
                    name: list.name.clone(),
                    done: i,
                    total: joined.len(),
                }));
                match keep_one(&db, track, &mut list, &mut evicted, fetch.as_ref()).await {
                    Ok(true) => added += 1,
                    Ok(false) => {}
                    Err(KeepError::Budget(budget)) => {
                        stopped = Some(format!(
                            "the storage budget ({}) is full",
                            super::size(budget)
                        ));
                        break;
                    }
                    Err(KeepError::Quota(needed)) => {
                        stopped = Some(format!(
                            "no room for “{}” ({})",
                            track.title,
                            super::size(needed)
                        ));
                        break;
                    }
                    Err(KeepError::Other(e)) => {
                        stopped = Some(e);
                        break;
                    }
                }
            }
            device.progress.set(None);
            let mut kept = list.clone();
            kept.tracks.retain(|id| now_ids.contains(id));
            // List order, as the list has it now.
            let order: std::collections::HashMap<Id, usize> = tracks
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id, i))
                .rev()
                .collect();
            kept.tracks
                .sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
            let freed = match release(&db, &list, &gone, Some(&kept)).await {
                Ok(freed) => freed,
                Err(e) => {
                    said.push(format!(
                        "“{}” could not be brought up to date: {e}.",
                        list.name
                    ));
                    continue;
                }
            };
            let mut line = format!(
                "“{}” followed its changes: {added} added, {} left ({freed} freed).",
                list.name,
                gone.len()
            );
            if let Some(why) = stopped {
                line.push_str(&format!(" Stopped: {why}; the next visit goes on."));
            }
            line.push_str(&evicted_note(&evicted));
            said.push(line);
        }
        if !said.is_empty() {
            let _ = load(device).await;
            device.message.set(Some(said.join(" ")));
        }
    }

    /// Keeps a play until the server has it, then tries to send it.
    pub async fn queue_play(report: vault::model::PlayReport) {
        let stored = async {
            let db = open().await?;
            let tx = readwrite(&db, "plays")?;
            tx.object_store("plays")
                .map_err(error_text)?
                .put(to_js(&report)?)
                .primitive()
                .map_err(error_text)?;
            tx.commit().await.map_err(error_text)
        };
        if let Err(e) = stored.await {
            // No storage (a private window): send it now or lose it.
            leptos::logging::warn!("a play could not be kept on the device: {e}");
            let _ = crate::routes::history::record_plays(vec![report]).await;
            return;
        }
        send_plays().await;
    }

    /// Sends the plays waiting on the device; each goes once the server has
    /// confirmed it. The server knows each by its id, so a send repeated
    /// after a lost answer is still one play.
    pub async fn send_plays() {
        let Ok(waiting) = all::<vault::model::PlayReport>("plays").await else {
            return;
        };
        for batch in waiting.chunks(200) {
            if crate::routes::history::record_plays(batch.to_vec())
                .await
                .is_err()
            {
                return;
            }
            let deleted = async {
                let db = open().await?;
                let tx = readwrite(&db, "plays")?;
                let store = tx.object_store("plays").map_err(error_text)?;
                for report in batch {
                    store
                        .delete(report.client_play_id.as_str())
                        .primitive()
                        .map_err(error_text)?;
                }
                tx.commit().await.map_err(error_text)
            };
            if let Err(e) = deleted.await {
                leptos::logging::warn!("sent plays could not be cleared: {e}");
                return;
            }
        }
    }
}
