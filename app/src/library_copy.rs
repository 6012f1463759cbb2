//! The library on this device: a copy of every track, album, artist,
//! playlist, liked song and smart playlist, kept in IndexedDB and brought up
//! to date from the vault's change feed, so that every list view searches,
//! filters, sorts and pages the whole library with no server.
//!
//! ```text
//!  vault: library_changes (triggers)        service worker (public/sw.js)
//!  ─────────────────────────────────        ────────────────────────────────────
//!  feed_page(since) ──page──▶ pageRecords ──▶ IndexedDB `library` store
//!      ▲ (2,000 things a page)     │            (one record a thing, and the
//!      └──── cursor ◀──────────────┘             cursor: one transaction a page,
//!                                                so a kill resumes)
//!  the page asks the worker for a copy ("copy-library") and hears back the
//!  new cursor. A list asks the server; when the server cannot be reached
//!  (AppError::Transport) the store is read into memory once and the same
//!  query runs on it (vault::mirror).
//! ```
//!
//! The copy runs in the service worker so that reading and storing
//! thousands of rows never blocks the page (in the page, Lighthouse measured
//! 12 s of blocking time on a 10,000-track library under its mobile CPU
//! throttling). The worker writes the records that [`page_records`] describes;
//! a copy already read into memory is given the same pages to apply.
//!
//! The first copy reads the whole feed (6 s after the app starts, so a first
//! visit becomes interactive first); later ones only what changed after the
//! stored cursor, and nothing is written when nothing changed. A copy runs
//! when the app starts, when the browser comes back online and when the tab
//! is shown again (at most once a minute); after it, kept lists follow their
//! lists ([`crate::device::follow`]). The rows the copy answers are the
//! vault's own (names with edits, counts, marks), as they were at the last
//! copy.

use std::future::Future;

use leptos::prelude::*;
use vault::mirror::{LibraryChanges, Mirror};
use vault::model::{Album, Artist, Id, Page, Playlist, Track, TrackList, TrackQuery};

use crate::error::AppError;

/// The key of the record that holds the copy's feed position.
pub const CURSOR_KEY: &str = "cursor";
/// The key of the record that holds every smart playlist's tracks.
const SMART_TRACKS_KEY: &str = "smart-tracks";

/// One page of the vault's change feed after `since`. `on_device` is what
/// smart playlists' "on this device" rules see.
#[server(endpoint = "library_changes", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn feed_page(since: i64, on_device: Vec<Id>) -> Result<LibraryChanges, AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .library_changes(since, vault::mirror::CHANGES_PAGE, &on_device)
        .await?)
}

/// What the app shows of the copy.
#[derive(Clone, Copy)]
pub struct LibraryCopy {
    /// Tracks, albums, artists and playlists in the copy.
    pub counts: RwSignal<(usize, usize, usize, usize)>,
    /// Bytes the copy's records take (their JSON).
    pub bytes: RwSignal<f64>,
    /// A copy is being brought up to date.
    pub syncing: RwSignal<bool>,
    /// When the copy was last complete (ms since the epoch).
    pub synced_at: RwSignal<Option<f64>>,
    /// Why the last copy stopped, if it failed.
    pub error: RwSignal<Option<String>>,
    /// The last list shown came from the copy (the server could not be reached).
    pub answering: RwSignal<bool>,
    /// There is a copy on this device (it may not be read into memory yet).
    pub copied: RwSignal<bool>,
}

/// Provides [`LibraryCopy`] and, in the browser, starts the first copy once
/// the device's store is open.
pub fn provide_library_copy() {
    let copy = LibraryCopy {
        counts: RwSignal::new((0, 0, 0, 0)),
        bytes: RwSignal::new(0.0),
        syncing: RwSignal::new(false),
        synced_at: RwSignal::new(None),
        error: RwSignal::new(None),
        answering: RwSignal::new(false),
        copied: RwSignal::new(false),
    };
    provide_context(copy);
    #[cfg(feature = "hydrate")]
    browser::start(copy);
}

/// Reads the copy into memory to show what it holds (the device view).
pub fn show_copy() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(browser::load_and_show());
}

/// The app's [`LibraryCopy`].
pub fn use_library_copy() -> Option<LibraryCopy> {
    use_context::<LibraryCopy>()
}

/// Whether the page at `href` can be drawn from a copy with no server
/// (lists, playlists, albums, artists, smart playlists, the device view).
pub fn answers_offline(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("" | "playlists" | "smart" | "device"), None, None) => true,
        (Some("playlists" | "albums" | "artists" | "smart"), Some(id), None) => {
            id.parse::<Id>().is_ok()
        }
        _ => false,
    }
}

/// The records a feed page writes, straight from the page (the copy need
/// not be in memory to be brought up to date): each changed thing's new
/// value, `None` for what left, the smart playlists' tracks, the cursor.
pub fn page_records(page: &LibraryChanges) -> Vec<(String, Option<String>)> {
    fn json<T: serde::Serialize>(value: &T) -> Option<String> {
        serde_json::to_string(value).ok()
    }
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    out.extend(
        page.tracks
            .iter()
            .map(|t| (format!("t:{}", t.track.id), json(t))),
    );
    out.extend(
        page.albums
            .iter()
            .map(|a| (format!("al:{}", a.album.id), json(a))),
    );
    out.extend(
        page.artists
            .iter()
            .map(|a| (format!("ar:{}", a.artist.id), json(a))),
    );
    out.extend(
        page.liked
            .iter()
            .map(|l| (format!("lk:{}", l.track_id), json(l))),
    );
    out.extend(page.unliked.iter().map(|id| (format!("lk:{id}"), None)));
    out.extend(
        page.playlists
            .iter()
            .map(|p| (format!("pl:{}", p.playlist.id), json(p))),
    );
    out.extend(page.smart.iter().map(|s| (format!("sm:{}", s.id), json(s))));
    out.extend(page.smart_gone.iter().map(|id| (format!("sm:{id}"), None)));
    if let Some(all) = &page.smart_tracks {
        out.push((SMART_TRACKS_KEY.into(), smart_tracks_json(all)));
    }
    out.push((CURSOR_KEY.into(), Some(page.next.to_string())));
    out
}

/// The smart playlists' tracks as stored: by playlist id.
fn smart_tracks_json(all: &[(Id, Vec<Id>)]) -> Option<String> {
    let mut all: Vec<&(Id, Vec<Id>)> = all.iter().collect();
    all.sort();
    serde_json::to_string(&all).ok()
}

/// The copy the stored records make. A record that does not decode (a
/// copy written by another version) is skipped; the cursor is then taken
/// back to 0 so the next copy starts over rather than miss it.
pub fn from_records(records: impl IntoIterator<Item = (String, String)>) -> Mirror {
    let mut copy = Mirror::default();
    let mut broken = false;
    for (key, json) in records {
        let ok = match key.split_once(':') {
            _ if key == CURSOR_KEY => json.parse().map(|c| copy.cursor = c).is_ok(),
            _ if key == SMART_TRACKS_KEY => serde_json::from_str::<Vec<(Id, Vec<Id>)>>(&json)
                .map(|all| copy.smart_tracks = all.into_iter().collect())
                .is_ok(),
            Some(("t", _)) => serde_json::from_str(&json)
                .map(|t: vault::mirror::MirrorTrack| copy.tracks.insert(t.track.id, t))
                .is_ok(),
            Some(("al", _)) => serde_json::from_str(&json)
                .map(|a: vault::mirror::MirrorAlbum| copy.albums.insert(a.album.id, a))
                .is_ok(),
            Some(("ar", _)) => serde_json::from_str(&json)
                .map(|a: vault::mirror::MirrorArtist| copy.artists.insert(a.artist.id, a))
                .is_ok(),
            Some(("lk", _)) => serde_json::from_str(&json)
                .map(|l: vault::mirror::LikedEntry| copy.liked.insert(l.track_id, l))
                .is_ok(),
            Some(("pl", _)) => serde_json::from_str(&json)
                .map(|p: vault::mirror::MirrorPlaylist| copy.playlists.insert(p.playlist.id, p))
                .is_ok(),
            Some(("sm", _)) => serde_json::from_str(&json)
                .map(|s: vault::smart::SmartPlaylist| copy.smart.insert(s.id, s))
                .is_ok(),
            _ => true,
        };
        broken |= !ok;
    }
    if broken {
        copy.cursor = 0;
    }
    copy
}

/// `call`'s answer; when the server cannot be reached (in the browser, with a
/// copy of the library on the device), `answer` from the copy instead.
pub fn or_copy<T, Fut, F>(call: Fut, answer: F) -> impl Future<Output = Result<T, AppError>> + Send
where
    T: 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    F: FnOnce(&Mirror) -> Option<T> + Send + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        send_wrapper::SendWrapper::new(async move {
            match call.await {
                Err(AppError::Transport(e)) => match browser::answer(answer).await {
                    Some(value) => Ok(value),
                    None => Err(AppError::Transport(e)),
                },
                other => {
                    browser::server_answered();
                    other
                }
            }
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = answer;
        call
    }
}

/// Whether the copy is complete enough to answer for `list`: a first copy
/// has been stored, and the list's playlist, album, smart playlist or
/// artist is in it.
fn knows(copy: &Mirror, list: &TrackList) -> bool {
    copy.cursor > 0
        && match list {
            TrackList::Liked => true,
            TrackList::Playlist(id) => copy.playlists.contains_key(id),
            TrackList::Album(id) => copy.albums.contains_key(id),
            TrackList::Smart(id) => copy.smart.contains_key(id),
            TrackList::Artist(id) => copy.artists.contains_key(id),
        }
}

/// A window of a track list from the server, or from the copy offline.
pub fn track_window_or_copy(
    list: TrackList,
    query: TrackQuery,
    offset: i64,
    limit: i64,
) -> impl Future<Output = Result<Page<Track>, AppError>> + Send {
    let call = crate::routes::lists::track_window(list.clone(), query.clone(), offset, limit);
    or_copy(call, move |copy| {
        knows(copy, &list).then(|| copy.track_list(&list, &query, offset, limit))
    })
}

/// An album, its tracks and the first window of its list, from the copy.
pub fn album(
    copy: &Mirror,
    id: Id,
    query: &TrackQuery,
) -> Option<(Album, Vec<Track>, Page<Track>)> {
    let (album, tracks) = copy.album(id)?;
    let first = copy.track_list(
        &TrackList::Album(id),
        query,
        0,
        crate::routes::lists::WINDOW,
    );
    Some((album, tracks, first))
}

/// An artist page's data: the artist, their albums, their tracks and the
/// first window of their list (what `get_artist` answers).
pub type ArtistView = (Artist, Vec<Album>, Vec<Track>, Page<Track>);

/// An artist, their albums and tracks and the first window of their list, from the copy.
pub fn artist(copy: &Mirror, id: Id, query: &TrackQuery) -> Option<ArtistView> {
    let (artist, albums, tracks) = copy.artist(id)?;
    let first = copy.track_list(
        &TrackList::Artist(id),
        query,
        0,
        crate::routes::lists::WINDOW,
    );
    Some((artist, albums, tracks, first))
}

/// `ids` in the order a full storage budget frees them: played least
/// recently first (never played before all), then by id. Plays are the
/// vault's as of the last copy.
pub fn eviction_order(ids: &[Id]) -> Vec<Id> {
    #[cfg(feature = "hydrate")]
    let last = browser::last_played(ids);
    #[cfg(not(feature = "hydrate"))]
    let last: Vec<Option<i64>> = vec![None; ids.len()];
    order_by_last_played(ids, &last)
}

/// `ids` ordered by `last` played (`None` first), then by id.
pub fn order_by_last_played(ids: &[Id], last: &[Option<i64>]) -> Vec<Id> {
    let mut both: Vec<(Option<i64>, Id)> = last.iter().copied().zip(ids.iter().copied()).collect();
    both.sort();
    both.into_iter().map(|(_, id)| id).collect()
}

/// The list a kept list's key follows (`None` for a single kept track).
pub fn followed_list(key: &str) -> Option<TrackList> {
    if key == "liked" {
        return Some(TrackList::Liked);
    }
    let (kind, id) = key.split_once(':')?;
    let id: Id = id.parse().ok()?;
    match kind {
        "playlist" => Some(TrackList::Playlist(id)),
        "album" => Some(TrackList::Album(id)),
        "smart" => Some(TrackList::Smart(id)),
        _ => None,
    }
}

/// The tracks of a kept list as the copy has the list now, in list order,
/// each once; `None` when the copy does not know the list (then nothing
/// of it is freed).
pub fn kept_list_now(copy: &Mirror, key: &str) -> Option<Vec<Track>> {
    let list = followed_list(key)?;
    if !knows(copy, &list) {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let mut all = copy.whole_list(&list, &TrackQuery::default());
    all.retain(|t| seen.insert(t.id));
    Some(all)
}

/// Every playlist, from the copy (none before a first copy).
pub fn playlists(copy: &Mirror) -> Option<Vec<Playlist>> {
    (copy.cursor > 0).then(|| copy.playlists())
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;

    use js_sys::Reflect;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    use super::*;
    use crate::device::browser::store;

    /// The object store of the copy (key `key`, value `{key, json}`).
    const STORE: &str = "library";
    /// A copy started within this long of the last one waits for the next occasion.
    const MIN_GAP_MS: f64 = 60_000.0;
    /// How long the first copy of a library waits after the app starts: it
    /// reads and stores thousands of rows, which would otherwise compete
    /// with the page becoming interactive on a first visit (later copies
    /// are a row or two and start at once).
    const FIRST_COPY_DELAY_MS: u32 = 6_000;

    thread_local! {
        static COPY: RefCell<Option<Mirror>> = const { RefCell::new(None) };
        /// The size of each stored record, for the storage shown.
        static SIZES: RefCell<HashMap<String, usize>> = RefCell::new(HashMap::new());
        static LOADING: Cell<bool> = const { Cell::new(false) };
        static SYNCING: Cell<bool> = const { Cell::new(false) };
        static LAST_START: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
        static SIGNALS: Cell<Option<LibraryCopy>> = const { Cell::new(None) };
        /// The stored cursor and smart playlists' record, read without
        /// reading the whole copy (bringing it up to date needs no more).
        static CURSOR: Cell<Option<i64>> = const { Cell::new(None) };
        static SMART: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// The stored feed position and smart playlists' record.
    async fn position() -> (i64, Option<String>) {
        if let Some(cursor) = CURSOR.with(Cell::get) {
            return (cursor, SMART.with(|s| s.borrow().clone()));
        }
        let read =
            |v: Option<JsValue>| v.and_then(|v| Reflect::get(&v, &"json".into()).ok()?.as_string());
        let cursor = read(store::get_value(STORE, CURSOR_KEY).await)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let smart = read(store::get_value(STORE, SMART_TRACKS_KEY).await);
        CURSOR.with(|c| c.set(Some(cursor)));
        SMART.with(|s| *s.borrow_mut() = smart.clone());
        (cursor, smart)
    }

    /// Reads the copy into memory (if it is not yet) and shows what it holds.
    pub async fn load_and_show() {
        loaded().await;
        if let Some(copy) = SIGNALS.with(Cell::get) {
            show(copy);
        }
    }

    fn now() -> f64 {
        js_sys::Date::now()
    }

    /// Reads the stored copy into memory, once; callers that come while it
    /// loads wait for it.
    async fn loaded() {
        loop {
            if COPY.with(|c| c.borrow().is_some()) {
                return;
            }
            if !LOADING.with(Cell::get) {
                break;
            }
            gloo_timers::future::TimeoutFuture::new(10).await;
        }
        LOADING.with(|l| l.set(true));
        let copy = match read_all().await {
            Ok(records) => {
                SIZES.with(|s| {
                    *s.borrow_mut() = records
                        .iter()
                        .map(|(k, v)| (k.clone(), k.len() + v.len()))
                        .collect();
                });
                from_records(records)
            }
            Err(e) => {
                leptos::logging::warn!("the library copy could not be read: {e}");
                Mirror::default()
            }
        };
        let smart: Vec<(Id, Vec<Id>)> = copy.smart_tracks.clone().into_iter().collect();
        CURSOR.with(|c| c.set(Some(copy.cursor)));
        SMART.with(|s| *s.borrow_mut() = smart_tracks_json(&smart));
        COPY.with(|c| *c.borrow_mut() = Some(copy));
        LOADING.with(|l| l.set(false));
    }

    async fn read_all() -> Result<Vec<(String, String)>, String> {
        let values = store::all_values(STORE).await?;
        Ok(values
            .iter()
            .filter_map(|v| {
                let key = Reflect::get(v, &"key".into()).ok()?.as_string()?;
                let json = Reflect::get(v, &"json".into()).ok()?.as_string()?;
                Some((key, json))
            })
            .collect())
    }

    /// `answer` from the copy, once it is read (`None` without a copy).
    pub async fn answer<T>(answer: impl FnOnce(&Mirror) -> Option<T>) -> Option<T> {
        loaded().await;
        let value = COPY.with(|c| c.borrow().as_ref().and_then(answer));
        if value.is_some() {
            if let Some(copy) = SIGNALS.with(Cell::get) {
                copy.answering.set(true);
            }
        }
        value
    }

    /// When each of `ids` was last played, as the copy knows.
    pub fn last_played(ids: &[Id]) -> Vec<Option<i64>> {
        COPY.with(|c| {
            let c = c.borrow();
            ids.iter()
                .map(|id| c.as_ref()?.tracks.get(id)?.last_played_ms)
                .collect()
        })
    }

    /// The server answered: lists show its rows again.
    pub fn server_answered() {
        if let Some(copy) = SIGNALS.with(Cell::get) {
            if copy.answering.get_untracked() {
                copy.answering.set(false);
            }
        }
    }

    fn show(copy: LibraryCopy) {
        if CURSOR.with(Cell::get).is_some_and(|c| c > 0) && !copy.copied.get_untracked() {
            copy.copied.set(true);
        }
        if let Some(counts) = COPY.with(|c| c.borrow().as_ref().map(Mirror::counts)) {
            copy.counts.set(counts);
            copy.bytes
                .set(SIZES.with(|s| s.borrow().values().sum::<usize>()) as f64);
        }
    }

    /// Starts the first copy once the device's store is open, and a new one
    /// when the browser is back online or the tab is shown again.
    pub fn start(copy: LibraryCopy) {
        SIGNALS.with(|s| s.set(Some(copy)));
        let device = crate::device::use_device();
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            if device.available.get() && !started.get_value() {
                started.set_value(true);
                start_run(copy, device);
                let again = Closure::<dyn Fn()>::new(move || {
                    let visible = web_sys::window()
                        .and_then(|w| w.document())
                        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
                    if visible && now() - LAST_START.with(Cell::get) > MIN_GAP_MS {
                        start_run(copy, device);
                    }
                });
                if let Some(w) = web_sys::window() {
                    let f: &js_sys::Function = again.as_ref().unchecked_ref();
                    let _ = w.add_event_listener_with_callback("online", f);
                    if let Some(d) = w.document() {
                        let _ = d.add_event_listener_with_callback("visibilitychange", f);
                    }
                }
                // Lives as long as the page: the app provides this once.
                again.forget();
            }
        });
    }

    // A part of the bundle of its own (see `crate::parts`), loaded after the
    // page is live: a first visit's critical path does not carry it.
    crate::parts::lazy_part!(hoard_copy: fn run(copy: LibraryCopy, device: crate::device::Device) -> () = run_now);

    /// Starts bringing the copy up to date. (If its part cannot be loaded,
    /// the next start, when the tab is shown again or back online, tries again.)
    fn start_run(copy: LibraryCopy, device: crate::device::Device) {
        leptos::task::spawn_local(async move {
            let _ = run(copy, device).await;
        });
    }

    /// Brings the copy up to date, a feed page at a time, each page and the
    /// new cursor stored in one transaction.
    async fn run_now(copy: LibraryCopy, device: crate::device::Device) {
        if SYNCING.with(|s| s.replace(true)) {
            return;
        }
        LAST_START.with(|l| l.set(now()));
        copy.syncing.set(true);
        if position().await.0 == 0 {
            gloo_timers::future::TimeoutFuture::new(FIRST_COPY_DELAY_MS).await;
        }
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark("hoard-library-copy-start");
        }
        let outcome = pull(copy, device).await;
        match &outcome {
            Ok(()) => {
                copy.error.set(None);
                copy.synced_at.set(Some(now()));
                // Following kept lists reads them from the copy.
                if !device.lists.with_untracked(Vec::is_empty) {
                    loaded().await;
                }
                let now: Vec<(String, Vec<Track>)> = device
                    .lists
                    .get_untracked()
                    .iter()
                    .filter_map(|l| {
                        COPY.with(|c| kept_list_now(c.borrow().as_ref()?, &l.key))
                            .map(|tracks| (l.key.clone(), tracks))
                    })
                    .collect();
                crate::device::follow(device, now);
                if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                    let _ = p.mark("hoard-library-copied");
                }
            }
            // Offline: the copy stays as it is, and that is no error.
            Err(AppError::Transport(_)) => {}
            Err(e) => copy.error.set(Some(e.to_string())),
        }
        copy.syncing.set(false);
        SYNCING.with(|s| s.set(false));
    }

    /// Has the service worker bring the stored copy up to date (it reads
    /// the feed and writes the store off this thread), then follows what it
    /// stored: the cursor, and a copy held in memory gets the same pages.
    async fn pull(copy: LibraryCopy, device: crate::device::Device) -> Result<(), AppError> {
        // Known before the server answers: offline, links stay in the app.
        let (since, _) = position().await;
        show(copy);
        let mut on_device: Vec<Id> = device.kept.get_untracked().into_iter().collect();
        on_device.sort_unstable();
        let in_memory = COPY.with(|c| c.borrow().is_some());
        let answer = worker::copy(&on_device, in_memory)
            .await
            .map_err(AppError::Refused)?;
        let field = |k: &str| Reflect::get(&answer, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let ok = field("ok").as_bool() == Some(true);
        let changed = field("changed").as_bool() == Some(true);
        // What the worker stored, also when it stopped part way (its pages
        // are whole): a copy held in memory takes the same pages, so it
        // never answers from older data than the store holds.
        if in_memory && changed {
            let pages = js_sys::Array::from(&field("pages"));
            for (i, text) in pages.iter().filter_map(|t| t.as_string()).enumerate() {
                let page: LibraryChanges = match serde_json::from_str(&text) {
                    Ok(page) => page,
                    Err(_) => {
                        // Read the stored copy again when next needed.
                        COPY.with(|c| c.borrow_mut().take());
                        break;
                    }
                };
                // The worker starts over from an empty store at cursor 0.
                remember(page, i == 0 && since == 0);
            }
        }
        if ok {
            CURSOR.with(|c| c.set(field("cursor").as_f64().map(|c| c as i64)));
            SMART.with(|s| *s.borrow_mut() = field("smart").as_string());
        } else if changed {
            // The stored cursor moved: read it again when next needed.
            CURSOR.with(|c| c.set(None));
            SMART.with(|s| *s.borrow_mut() = None);
        }
        show(copy);
        if ok {
            return Ok(());
        }
        let error = field("error").as_string().unwrap_or_default();
        Err(if field("offline").as_bool() == Some(true) {
            AppError::Transport(error)
        } else {
            AppError::Refused(format!(
                "the library copy could not be brought up to date: {error}"
            ))
        })
    }

    /// A copy held in memory takes a page the worker stored, as the store did.
    fn remember(page: LibraryChanges, from_empty: bool) {
        let records = page_records(&page);
        let reset = page.reset || from_empty;
        COPY.with(|c| {
            if let Some(m) = c.borrow_mut().as_mut() {
                if reset {
                    *m = Mirror::default();
                }
                m.apply(page);
            }
        });
        SIZES.with(|s| {
            let mut s = s.borrow_mut();
            if reset {
                s.clear();
            }
            for (k, r) in &records {
                match r {
                    Some(json) => s.insert(k.clone(), k.len() + json.len()),
                    None => s.remove(k),
                };
            }
        });
    }

    /// Talking to the service worker (public/sw.js) about the copy.
    mod worker {
        use std::cell::RefCell;
        use std::rc::Rc;

        use js_sys::{Array, Function, Object, Promise, Reflect};
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::{JsCast, JsValue};
        use wasm_bindgen_futures::JsFuture;
        use web_sys::{MessageChannel, MessageEvent, ServiceWorkerRegistration};

        use vault::model::Id;

        /// How long the worker has to say it copies: one from an older
        /// version of Hoard, waiting to be replaced, never answers.
        const ACK_WITHIN_MS: u32 = 10_000;

        /// Asks the active worker to copy; its answer (see `pullLibrary` in sw.js).
        pub async fn copy(on_device: &[Id], want_pages: bool) -> Result<JsValue, String> {
            let window = web_sys::window().ok_or("no window")?;
            let navigator = window.navigator();
            if !Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
                return Err("this browser runs no service worker here".into());
            }
            let ready = navigator
                .service_worker()
                .ready()
                .map_err(|_| "the service worker is not available")?;
            let registration: ServiceWorkerRegistration = JsFuture::from(ready)
                .await
                .map_err(|_| "the service worker is not available")?
                .unchecked_into();
            let worker = registration.active().ok_or("no active service worker")?;
            let channel = MessageChannel::new().map_err(|_| "no message channel")?;
            let resolve: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
            let answered = {
                let resolve = resolve.clone();
                Promise::new(&mut move |ok, _| *resolve.borrow_mut() = Some(ok))
            };
            let acked = Rc::new(std::cell::Cell::new(false));
            let settle = {
                let resolve = resolve.clone();
                move |value: &JsValue| {
                    if let Some(f) = resolve.borrow_mut().take() {
                        let _ = f.call1(&JsValue::NULL, value);
                    }
                }
            };
            let on_message = {
                let acked = acked.clone();
                let settle = settle.clone();
                Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                    let data = e.data();
                    if Reflect::get(&data, &"ack".into())
                        .ok()
                        .and_then(|v| v.as_bool())
                        == Some(true)
                    {
                        acked.set(true);
                    } else {
                        settle(&data);
                    }
                })
            };
            let port = channel.port1();
            port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            let message = Object::new();
            let ids: Array = on_device
                .iter()
                .map(|&id| JsValue::from(id as f64))
                .collect();
            let _ = Reflect::set(&message, &"type".into(), &"copy-library".into());
            let _ = Reflect::set(&message, &"onDevice".into(), &ids);
            let _ = Reflect::set(&message, &"wantPages".into(), &want_pages.into());
            worker
                .post_message_with_transferable(&message, &Array::of1(&channel.port2()))
                .map_err(|_| "the service worker could not be asked")?;
            let timeout = gloo_timers::callback::Timeout::new(ACK_WITHIN_MS, move || {
                if !acked.get() {
                    let answer = Object::new();
                    let _ = Reflect::set(&answer, &"ok".into(), &false.into());
                    let _ = Reflect::set(
                        &answer,
                        &"error".into(),
                        &"the service worker of an older version is still running (reload the page to take the new one)".into(),
                    );
                    settle(&answer);
                }
            });
            let answer = JsFuture::from(answered).await;
            drop(timeout);
            port.set_onmessage(None);
            port.close();
            drop(on_message);
            answer.map_err(|_| "the service worker did not answer".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use vault::mirror::{LikedEntry, MirrorAlbum, MirrorPlaylist, MirrorTrack, PlaylistEntry};
    use vault::model::{Album, ArtistRef, Playlist, TrackFilter, TrackSort};

    use super::*;

    fn track(id: Id, title: &str, album: Id, duration_ms: i64) -> MirrorTrack {
        let artist = ArtistRef {
            id: 1,
            name: "Sigur Rós".into(),
        };
        MirrorTrack {
            track: Track {
                id,
                spotify_id: Some(format!("sp{id}")),
                title: title.into(),
                artists: vec![artist.clone()],
                album_id: Some(album),
                album_name: Some("Takk…".into()),
                image_url: None,
                disc_number: 1,
                track_number: Some(id),
                duration_ms,
                explicit: false,
                isrc: None,
                added_at: None,
                gone_from_spotify_at: None,
                download_state: None,
                plays: 0,
                skips: 0,
                first_played: None,
                last_played: None,
                rating: None,
                loved: false,
                tags: Vec::new(),
                edited: false,
            },
            credits: vec![artist],
            first_played_ms: None,
            last_played_ms: None,
        }
    }

    fn album(id: Id) -> MirrorAlbum {
        MirrorAlbum {
            album: Album {
                id,
                spotify_id: None,
                name: "Takk…".into(),
                album_type: "album".into(),
                release_date: Some("2005-09-12".into()),
                total_tracks: Some(3),
                image_url: None,
                artists: Vec::new(),
            },
            saved_at: None,
        }
    }

    fn liked(track_id: Id) -> LikedEntry {
        LikedEntry {
            track_id,
            added_at: format!("2026-01-0{track_id}T00:00:00Z"),
            entry: track_id,
        }
    }

    /// The copy in memory after each page, and what the browser's store
    /// holds after storing each page's records.
    fn store_pages(pages: Vec<LibraryChanges>) -> (Mirror, HashMap<String, String>) {
        let mut copy = Mirror::default();
        let mut store = HashMap::new();
        for page in pages {
            for (key, json) in page_records(&page) {
                match json {
                    Some(json) => store.insert(key, json),
                    None => store.remove(&key),
                };
            }
            copy.apply(page);
        }
        (copy, store)
    }

    #[test]
    fn a_copy_stored_page_by_page_reads_back_as_the_same_library() {
        let first = LibraryChanges {
            next: 7,
            more: false,
            tracks: vec![
                track(1, "Glósóli", 10, 374_000),
                track(2, "Hoppípolla", 10, 268_000),
            ],
            albums: vec![album(10)],
            liked: vec![liked(1), liked(2)],
            playlists: vec![MirrorPlaylist {
                playlist: Playlist {
                    id: 5,
                    spotify_id: None,
                    name: "Nordic Nights".into(),
                    description: None,
                    owner_name: None,
                    image_url: None,
                    public: None,
                    collaborative: false,
                    readable: true,
                    item_count: 1,
                    removed_at: None,
                },
                entries: vec![PlaylistEntry {
                    entry: 1,
                    position: 0,
                    track_id: 2,
                    added_at: None,
                }],
            }],
            smart_tracks: Some(Vec::new()),
            ..Default::default()
        };
        // Then a track is renamed, another added and one unliked.
        let second = LibraryChanges {
            next: 9,
            more: false,
            tracks: vec![
                track(1, "Glósóli (live)", 10, 374_000),
                track(3, "Sæglópur", 10, 492_000),
            ],
            unliked: vec![2],
            smart_tracks: Some(Vec::new()),
            ..Default::default()
        };
        let (copy, store) = store_pages(vec![first, second]);
        assert!(
            !store.contains_key("lk:2"),
            "an unliked song's record is deleted"
        );
        let read = from_records(store);
        assert_eq!(read, copy);
        assert_eq!(read.cursor, 9);
        // The copy read back answers a search and a sort the way the live one does.
        let query = TrackQuery {
            text: "glós".into(),
            filter: TrackFilter::All,
            sort: TrackSort::Duration,
            ..TrackQuery::default()
        };
        let found = read.track_list(&TrackList::Album(10), &query, 0, 50);
        assert_eq!(found.total, 1);
        assert_eq!(found.items[0].title, "Glósóli (live)");
        let liked = read.track_list(&TrackList::Liked, &TrackQuery::default(), 0, 50);
        assert_eq!(
            liked.items.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![1]
        );
    }

    /// The worker's rule (sw.js `changesNothing`) against a copy stored
    /// as the page stores it.
    #[test]
    fn a_visit_with_no_change_writes_nothing() {
        let (_, store) = store_pages(vec![LibraryChanges {
            next: 4,
            tracks: vec![track(1, "Glósóli", 10, 374_000)],
            smart_tracks: Some(vec![(3, vec![1])]),
            ..Default::default()
        }]);
        let smart = store.get(SMART_TRACKS_KEY).map(String::as_str);
        let same = LibraryChanges {
            next: 4,
            smart_tracks: Some(vec![(3, vec![1])]),
            ..Default::default()
        };
        let nothing = |since: i64, page: &LibraryChanges| {
            worker_call("changesNothing", (since, smart, page))
                .as_bool()
                .expect("changesNothing answers true or false")
        };
        assert!(nothing(4, &same));
        let smart_moved = LibraryChanges {
            smart_tracks: Some(vec![(3, Vec::new())]),
            ..same.clone()
        };
        assert!(!nothing(4, &smart_moved));
        let renamed = LibraryChanges {
            next: 5,
            tracks: vec![track(1, "Glósóli (live)", 10, 374_000)],
            ..same.clone()
        };
        assert!(!nothing(4, &renamed));
        let with_a_record = LibraryChanges {
            unliked: vec![1],
            ..same.clone()
        };
        assert!(!nothing(4, &with_a_record));
        // A first copy, and a copy the server says to start over, write.
        assert!(!nothing(0, &LibraryChanges::default()));
        assert!(!nothing(
            4,
            &LibraryChanges {
                reset: true,
                ..same
            }
        ));
    }

    /// Calls `function` of the service worker's script (public/sw.js, run
    /// by node in a context of its own, its listeners ignored) with `args`
    /// (a tuple: its JSON array is the argument list, each value written
    /// with its fields in order, as the server writes them), and returns
    /// its answer.
    fn worker_call(function: &str, args: impl serde::Serialize) -> serde_json::Value {
        use std::io::Write;
        use std::process::{Command, Stdio};

        let sw = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/sw.js");
        let script = r#"
            const fs = require('fs'), vm = require('vm');
            const context = { self: { addEventListener() {} }, console };
            vm.createContext(context);
            vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), context);
            const args = JSON.parse(fs.readFileSync(0, 'utf8'));
            process.stdout.write(JSON.stringify(vm.runInContext(process.argv[2], context)(...args)));
        "#;
        let mut node = Command::new("node")
            .args(["-e", script, sw, function])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (scripts/setup installs it)");
        node.stdin
            .take()
            .expect("node's stdin")
            .write_all(
                serde_json::to_string(&args)
                    .expect("the arguments serialise")
                    .as_bytes(),
            )
            .expect("the arguments reach node");
        let out = node.wait_with_output().expect("node's answer");
        assert!(out.status.success(), "node failed calling {function}");
        serde_json::from_slice(&out.stdout).expect("the worker's answer is JSON")
    }

    /// The service worker (public/sw.js) stores the copy; the page reads
    /// it and sizes it with `page_records`. Both must give the same records,
    /// byte for byte: the smart playlists' record is compared as a string.
    #[test]
    fn the_service_worker_stores_the_records_the_page_expects() {
        use vault::mirror::MirrorArtist;
        use vault::model::Artist;

        let (key, name, comment, rules) = vault::smart::builtins().remove(0);
        let mut odd = track(3, "Ágætis byrjun \"live\" \u{1f} / 🎵", 10, 1);
        odd.track.tags = vec!["post-rock".into()];
        odd.last_played_ms = Some(1_700_000_000_000);
        let page = LibraryChanges {
            next: 12,
            more: true,
            tracks: vec![track(1, "Glósóli", 10, 374_000), odd],
            albums: vec![album(10)],
            artists: vec![MirrorArtist {
                artist: Artist {
                    id: 1,
                    spotify_id: Some("6UUrUCIZtQeOf8tC0WuzRy".into()),
                    name: "Sigur Rós".into(),
                    image_url: None,
                },
                followed: true,
            }],
            liked: vec![liked(1)],
            unliked: vec![2],
            smart: vec![vault::smart::SmartPlaylist {
                id: 4,
                name: name.into(),
                comment: Some(comment.into()),
                rules,
                builtin: Some(key.into()),
                updated_at: "2026-12-07T05:00:00Z".into(),
            }],
            smart_gone: vec![6],
            // Unsorted: both sides sort it by playlist id.
            smart_tracks: Some(vec![(9, vec![3, 1]), (4, vec![1])]),
            ..Default::default()
        };
        let from_worker: Vec<(String, Option<String>)> =
            serde_json::from_value(worker_call("pageRecords", (&page,)))
                .expect("pageRecords answers [key, json] pairs");
        let from_page = page_records(&page);
        assert_eq!(from_worker, from_page);
        assert!(from_page.contains(&(SMART_TRACKS_KEY.into(), Some("[[4,[1]],[9,[3,1]]]".into()))));
    }

    #[test]
    fn a_full_budget_frees_the_never_played_then_the_longest_unplayed() {
        let ids = [4, 7, 9, 12];
        let last = [Some(5_000), None, Some(1_000), None];
        assert_eq!(order_by_last_played(&ids, &last), vec![7, 12, 9, 4]);
    }

    #[test]
    fn a_record_that_no_longer_decodes_makes_the_next_copy_start_over() {
        let (_, mut store) = store_pages(vec![LibraryChanges {
            next: 4,
            tracks: vec![track(1, "Glósóli", 10, 374_000)],
            ..Default::default()
        }]);
        store.insert("t:2".into(), "{\"not\": \"a track\"}".into());
        let read = from_records(store);
        assert_eq!(read.cursor, 0);
        assert_eq!(read.tracks.len(), 1);
    }
}
