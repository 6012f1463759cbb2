//! Long track lists (liked songs, playlists): search as you type, filters,
//! sort by any column, and a virtualised list that renders only the rows on
//! screen and fetches them from the server a window at a time, so 10,000
//! tracks scroll like 10 and no answer carries more than [`WINDOW`] rows.
//!
//! The search, filter and sort live in the address (`?q=…&filter=…&sort=…&desc=1`),
//! so a reload or a shared link shows the same rows.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use vault::model::{
    Id, MarkTarget, Marks, Page, Track, TrackFilter, TrackList, TrackQuery, TrackSort,
};

use crate::components::format;
use crate::components::icons::{Icon, Svg};
use crate::components::marks::{list_tags, MarkControls};
use crate::components::player::{use_player, QueueItem};
use crate::components::track_table::{badges, Artists};
use crate::device::use_device;
use crate::error::AppError;

/// The most rows one request returns (the vault's own cap).
pub const WINDOW: i64 = 200;
/// Height of one row in pixels (the stylesheet's `--row`).
const ROW_PX: f64 = 56.0;
/// Rows rendered above and below the visible ones.
#[cfg(feature = "hydrate")]
const OVERSCAN: usize = 6;
/// How long after the last scroll event a list counts as settled.
#[cfg(feature = "hydrate")]
const SETTLE_MS: u32 = 150;
/// Rows rendered before the browser has measured the screen: a phone's
/// screen and more, and most desktop ones (24 × 56 px = 1,344 px). Fewer rows
/// in the page are fewer for the browser to hydrate before the app is live;
/// a taller screen gets the rest once the list has measured it.
const FIRST_ROWS: usize = 24;

/// One window of a track list, searched, filtered and sorted by the vault.
#[server(endpoint = "track_window", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn track_window(
    list: TrackList,
    query: TrackQuery,
    offset: i64,
    limit: i64,
) -> Result<Page<Track>, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.track_list(&list, &query, offset, limit).await?)
}

/// The first rows of `list` for a page's server render: the [`FIRST_ROWS`]
/// it shows before the browser has measured the screen, no more (each row is
/// about half a kilobyte of data in the page, which the browser parses and
/// the app reads before it is live). The list fetches the rest of its first
/// window once the page is idle, or as soon as it scrolls past them. The
/// device filter's IDs are only known in the browser, so it starts
/// unfiltered (the list refetches once it knows them).
pub async fn first_window(list: TrackList, query: TrackQuery) -> Result<Page<Track>, AppError> {
    let query = match query.filter {
        TrackFilter::Only(_) => TrackQuery {
            filter: TrackFilter::All,
            ..query
        },
        _ => query,
    };
    crate::library_copy::track_window_or_copy(list, query, 0, FIRST_ROWS as i64).await
}

/// The list's query as the address has it.
pub fn use_track_query() -> Memo<TrackQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| TrackQuery {
            text: q.get("q").unwrap_or_default(),
            filter: match q.get("filter").as_deref() {
                Some("downloaded") => TrackFilter::Downloaded,
                Some("not-downloaded") => TrackFilter::NotDownloaded,
                Some("gone") => TrackFilter::Gone,
                // The device's IDs are only known in the browser; it fills them in.
                Some("device") => TrackFilter::Only(Vec::new()),
                _ => TrackFilter::All,
            },
            sort: match q.get("sort").as_deref() {
                Some("title") => TrackSort::Title,
                Some("artist") => TrackSort::Artist,
                Some("album") => TrackSort::Album,
                Some("added") => TrackSort::Added,
                Some("duration") => TrackSort::Duration,
                Some("plays") => TrackSort::Plays,
                Some("skips") => TrackSort::Skips,
                Some("last-played") => TrackSort::LastPlayed,
                Some("first-played") => TrackSort::FirstPlayed,
                Some("rating") => TrackSort::Rating,
                _ => TrackSort::Natural,
            },
            descending: q.get("desc").as_deref() == Some("1"),
            loved: q.get("loved").as_deref() == Some("1"),
            min_rating: q
                .get("rating")
                .and_then(|r| r.parse().ok())
                .filter(|r| (1..=5).contains(r)),
            tag: q.get("tag").filter(|t| !t.trim().is_empty()),
            on_device: Vec::new(),
        })
    })
}

fn filter_name(f: &TrackFilter) -> &'static str {
    match f {
        TrackFilter::All => "all",
        TrackFilter::Downloaded => "downloaded",
        TrackFilter::NotDownloaded => "not-downloaded",
        TrackFilter::Gone => "gone",
        TrackFilter::Only(_) => "device",
    }
}

fn sort_name(s: TrackSort) -> &'static str {
    match s {
        TrackSort::Natural => "natural",
        TrackSort::Title => "title",
        TrackSort::Artist => "artist",
        TrackSort::Album => "album",
        TrackSort::Added => "added",
        TrackSort::Duration => "duration",
        TrackSort::Plays => "plays",
        TrackSort::Skips => "skips",
        TrackSort::LastPlayed => "last-played",
        TrackSort::FirstPlayed => "first-played",
        TrackSort::Rating => "rating",
    }
}

/// The address of `path` showing `query`.
fn href(path: &str, query: &TrackQuery) -> String {
    let mut parts = Vec::new();
    if !query.text.is_empty() {
        parts.push(format!("q={}", format::urlencode(&query.text)));
    }
    if query.filter != TrackFilter::All {
        parts.push(format!("filter={}", filter_name(&query.filter)));
    }
    if query.sort != TrackSort::Natural {
        parts.push(format!("sort={}", sort_name(query.sort)));
    }
    if query.descending {
        parts.push("desc=1".into());
    }
    if query.loved {
        parts.push("loved=1".into());
    }
    if let Some(r) = query.min_rating {
        parts.push(format!("rating={r}"));
    }
    if let Some(tag) = &query.tag {
        parts.push(format!("tag={}", format::urlencode(tag)));
    }
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

/// Fills in the device's IDs for the "on this device" filter, and for a
/// smart playlist's rules (which may ask for what is on this device).
fn with_device_ids(
    list: &TrackList,
    mut query: TrackQuery,
    kept: &std::collections::HashSet<Id>,
) -> TrackQuery {
    let mut ids: Vec<Id> = kept.iter().copied().collect();
    ids.sort_unstable();
    if let TrackFilter::Only(only) = &mut query.filter {
        *only = ids.clone();
    }
    if matches!(list, TrackList::Smart(_)) {
        query.on_device = ids;
    }
    query
}

/// A searchable, sortable, virtualised track list. `first` is the first
/// window, fetched with the page (so the rows are in the server's HTML).
/// With the server out of reach, windows come from the library's copy on
/// this device ([`crate::library_copy`]).
#[component]
pub fn TrackBrowser(
    list: TrackList,
    /// The page's path, for the query in the address.
    path: String,
    first: Page<Track>,
    caption: String,
    #[prop(optional)] date_label: Option<&'static str>,
    /// What the count says: ("liked song", "liked songs") and the like.
    #[prop(default = ("track", "tracks"))]
    noun: (&'static str, &'static str),
) -> impl IntoView {
    let url_query = use_track_query();
    let device = use_device();
    let player = use_player();
    let query = RwSignal::new(url_query.get_untracked());
    let text = RwSignal::new(query.get_untracked().text);
    let total = RwSignal::new(first.total);
    // The page brings only the first rows of the first window (see
    // `first_window`): the rest of it is still to fetch.
    let partial = StoredValue::new(first.items.len() < first.total.min(WINDOW) as usize);
    let blocks: RwSignal<HashMap<i64, Vec<Track>>> =
        RwSignal::new(HashMap::from([(0, first.items)]));
    // Which rows are on screen: [start, end).
    let range = RwSignal::new((0usize, FIRST_ROWS));
    // Bumped on every new query, so answers to an old one are dropped.
    let generation = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    let list_ref = NodeRef::<leptos::html::Div>::new();
    // False while the list is scrolling and for a moment after: rows that
    // come into view meanwhile show their text only, and their controls
    // (stars, heart, actions) once it stops. A fling renders text, not
    // thirty buttons a frame.
    let settled = RwSignal::new(true);

    let fetch_block = move |block: i64| {
        let gen = generation.get_untracked();
        let list = list.clone();
        let q = with_device_ids(&list, query.get_untracked(), &device.kept.get_untracked());
        blocks.update_untracked(|b| {
            b.entry(block).or_default();
        });
        leptos::task::spawn_local(async move {
            match crate::library_copy::track_window_or_copy(list, q, block * WINDOW, WINDOW).await {
                Ok(page) if generation.get_untracked() == gen => {
                    total.set(page.total);
                    blocks.update(|b| {
                        b.insert(block, page.items);
                    });
                }
                Ok(_) => {}
                Err(e) if generation.get_untracked() == gen => {
                    blocks.update(|b| {
                        b.remove(&block);
                    });
                    error.set(Some(e.to_string()));
                }
                Err(_) => {}
            }
        });
    };
    let fetch_block = StoredValue::new(fetch_block);
    // The rest of the first window (the page brought only its first rows),
    // fetched once: when the page is idle or when the list scrolls past them,
    // whichever comes first.
    let complete_first = move || {
        if partial.try_get_value() == Some(true) {
            partial.set_value(false);
            fetch_block.with_value(|f| f(0));
        }
    };

    // A new search, filter or sort: start over from the first window.
    let restart = move |q: TrackQuery| {
        let address = href(&path, &q);
        query.set(q);
        generation.update(|g| *g += 1);
        blocks.set(HashMap::new());
        partial.set_value(false);
        error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w.history().and_then(|h| {
                h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address))
            });
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = address;
        fetch_block.with_value(|f| f(0));
    };
    let restart = StoredValue::new(restart);

    // The "on this device" filter needs the device's IDs, known once loaded.
    Effect::new(move |_| {
        let ready = device.available.get();
        if ready && matches!(query.get_untracked().filter, TrackFilter::Only(_)) {
            restart.with_value(|r| r(query.get_untracked()));
        }
    });

    // Search as you type, a moment after the last key.
    #[cfg(feature = "hydrate")]
    {
        let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
        Effect::new(move |prev: Option<()>| {
            let t = text.get();
            if prev.is_none() {
                return;
            }
            pending.set_value(Some(gloo_timers::callback::Timeout::new(180, move || {
                let mut q = query.get_untracked();
                if q.text != t {
                    q.text = t.clone();
                    restart.with_value(|r| r(q));
                }
            })));
        });
    }

    // Which rows are on screen, from the scroll position.
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let measure = move || {
            let (Some(w), Some(el)) = (web_sys::window(), list_ref.try_get_untracked().flatten())
            else {
                return;
            };
            let top = el.get_bounding_client_rect().top();
            let height = w
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(800.0);
            let first = ((-top) / ROW_PX).floor().max(0.0) as usize;
            let shown = (height / ROW_PX).ceil() as usize;
            let start = first.saturating_sub(OVERSCAN);
            let end = first + shown + OVERSCAN;
            if range.try_get_untracked().is_some_and(|r| r != (start, end)) {
                range.set((start, end));
            }
        };
        let frame_pending = StoredValue::new(false);
        let settle = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
        let on_scroll = Closure::<dyn Fn()>::new(move || {
            if settled.try_get_untracked() == Some(true) {
                settled.set(false);
            }
            // (Dropping the previous timeout cancels it.)
            settle.try_set_value(Some(gloo_timers::callback::Timeout::new(
                SETTLE_MS,
                move || {
                    settled.try_set(true);
                },
            )));
            // One measurement per frame, however many scroll events come.
            if frame_pending.try_get_value().unwrap_or(true) {
                return;
            }
            frame_pending.set_value(true);
            let cb = Closure::once_into_js(move || {
                if frame_pending.try_set_value(false).is_none() {
                    measure();
                }
            });
            if let Some(w) = web_sys::window() {
                let _ = w.request_animation_frame(cb.unchecked_ref());
            }
        });
        if let Some(w) = web_sys::window() {
            let f: &js_sys::Function = on_scroll.as_ref().unchecked_ref();
            let _ = w.add_event_listener_with_callback("scroll", f);
            let _ = w.add_event_listener_with_callback("resize", f);
            let f = f.clone();
            on_cleanup(move || {
                if let Some(w) = web_sys::window() {
                    let _ = w.remove_event_listener_with_callback("scroll", &f);
                    let _ = w.remove_event_listener_with_callback("resize", &f);
                }
            });
        }
        on_scroll.forget();
        Effect::new(move |_| measure());
        // The rest of the first window, once the page has nothing else to do:
        // a play from the top then queues the whole window, as it did when
        // the page brought all of it.
        if partial.get_value() {
            let rest = Closure::once_into_js(complete_first);
            if let Some(w) = web_sys::window() {
                let _ = w.request_idle_callback(rest.unchecked_ref());
            }
        }
    }

    // Fetch the windows the visible rows need.
    Effect::new(move |_| {
        let (start, end) = range.get();
        let total = total.get() as usize;
        if total == 0 {
            return;
        }
        let last = end.min(total).saturating_sub(1);
        if blocks.with_untracked(|b| b.get(&0).map_or(0, Vec::len)) <= last {
            complete_first();
        }
        for block in (start as i64 / WINDOW)..=(last as i64 / WINDOW) {
            if blocks.with_untracked(|b| !b.contains_key(&block)) {
                fetch_block.with_value(|f| f(block));
            }
        }
    });

    let row_at = move |i: usize| -> Option<Track> {
        let block = i as i64 / WINDOW;
        let at = i % WINDOW as usize;
        blocks.with(|b| b.get(&block).and_then(|rows| rows.get(at).cloned()))
    };
    // The loaded rows in list order, and where row `i` is among them: the
    // queue when a row is played.
    let queue_from = move |i: usize| -> (Vec<QueueItem>, usize) {
        blocks.with_untracked(|b| {
            let mut loaded: Vec<_> = b.iter().collect();
            loaded.sort_by_key(|(block, _)| **block);
            let mut items = Vec::new();
            let mut start = 0;
            for (block, rows) in loaded {
                for (at, track) in rows.iter().enumerate() {
                    if (*block * WINDOW) as usize + at == i {
                        start = items.len();
                    }
                    items.push(QueueItem::from(track));
                }
            }
            (items, start)
        })
    };

    let visible = move || {
        let (start, end) = range.get();
        let end = end.min(total.get() as usize);
        (start..end).map(|i| (i, row_at(i))).collect::<Vec<_>>()
    };
    let sort_button = move |label: &'static str, sort: TrackSort, class: &'static str| {
        let state = move || {
            let q = query.get();
            if q.sort != sort {
                "none"
            } else if q.descending {
                "descending"
            } else {
                "ascending"
            }
        };
        view! {
            <span role="columnheader" class=class aria-sort=state>
                <button type="button" class="sort" on:click=move |_| {
                    let mut q = query.get_untracked();
                    if q.sort == sort {
                        q.descending = !q.descending;
                    } else {
                        q.sort = sort;
                        q.descending = false;
                    }
                    restart.with_value(|r| r(q));
                }>
                    {label}
                    <span aria-hidden="true" class="arrow">{move || match state() { "ascending" => " ▲", "descending" => " ▼", _ => "" }}</span>
                </button>
            </span>
        }
    };
    let set_filter = move |f: TrackFilter| {
        let mut q = query.get_untracked();
        q.filter = f;
        restart.with_value(|r| r(q));
    };
    let filter_is = move |name: &'static str| filter_name(&query.get().filter) == name;
    let show_date = date_label.is_some();

    // Search and filters work in the browser only, so they appear once the page is live.
    let live = RwSignal::new(false);
    let tags = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        live.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(all) = list_tags().await {
                tags.set(all);
            }
        });
    });
    let search_label = format!("Search {caption}");
    let copy = crate::library_copy::use_library_copy();
    let from_copy = move || copy.is_some_and(|c| c.answering.get());
    view! {
        // Rendered from the start, hidden until live, so nothing moves when it appears.
        <div class="list-tools" role="search" class:pending=move || !live.get()>
            <label class="filter">
                <span class="visually-hidden">{search_label.clone()}</span>
                <input type="search" placeholder="Search title, artist or album" bind:value=text data-testid="search"/>
            </label>
            <div class="chips" role="group" aria-label="Show">
                {[("all", "All", TrackFilter::All), ("downloaded", "In vault", TrackFilter::Downloaded),
                  ("device", "On this device", TrackFilter::Only(Vec::new())), ("gone", "Gone from Spotify", TrackFilter::Gone)]
                    .into_iter()
                    .map(|(name, label, f)| view! {
                        <button type="button" class="chip" aria-pressed=move || filter_is(name).to_string()
                            on:click=move |_| set_filter(f.clone())>{label}</button>
                    })
                    .collect_view()}
                <button type="button" class="chip" aria-pressed=move || query.get().loved.to_string()
                    on:click=move |_| { let mut q = query.get_untracked(); q.loved = !q.loved; restart.with_value(|r| r(q)); }>"Loved"</button>
            </div>
            <label class="filter-select">
                <span class="visually-hidden">"Rated at least"</span>
                <select data-testid="rating-filter" on:change=move |ev| {
                    let mut q = query.get_untracked();
                    q.min_rating = event_target_value(&ev).parse().ok();
                    restart.with_value(|r| r(q));
                }>
                    <option value="" selected=move || query.get().min_rating.is_none()>"Any rating"</option>
                    {(1..=5i64).map(|n| view! {
                        <option value=n.to_string() selected=move || query.get().min_rating == Some(n)>{format!("{n}+ stars")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="filter-select">
                <span class="visually-hidden">"Tag"</span>
                <select data-testid="tag-filter" on:change=move |ev| {
                    let mut q = query.get_untracked();
                    q.tag = Some(event_target_value(&ev)).filter(|t| !t.is_empty());
                    restart.with_value(|r| r(q));
                }>
                    <option value="" selected=move || query.get().tag.is_none()>"Any tag"</option>
                    {move || {
                        // The address's tag is offered even before the list of tags arrives.
                        let mut names: Vec<String> = tags.get().into_iter().map(|t| t.name).collect();
                        if let Some(t) = query.get().tag {
                            if !names.iter().any(|n| n.eq_ignore_ascii_case(&t)) { names.push(t); }
                        }
                        names.into_iter().map(|name| {
                            let selected = {
                                let name = name.clone();
                                move || query.get().tag.is_some_and(|t| t.eq_ignore_ascii_case(&name))
                            };
                            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                        }).collect_view()
                    }}
                </select>
            </label>
        </div>
        <p class="summary" data-testid="list-count" aria-live="polite">
            {move || format::count(total.get(), noun.0, noun.1)}
            {move || error.get().map(|e| view! { <span class="error">" · " {e}</span> })}
            {move || from_copy().then(|| view! {
                <span class="from-copy" data-testid="from-copy">" · from this device's copy of your library (offline)"</span>
            })}
        </p>
        <div class="vlist" role="table" aria-label=caption.clone() aria-rowcount=move || total.get() + 1>
            <div role="rowgroup" class="vhead">
                <div role="row" class="vrow head" aria-rowindex="1" class:with-date=show_date>
                    {sort_button("#", TrackSort::Natural, "num")}
                    {sort_button("Title", TrackSort::Title, "title")}
                    {sort_button("Artist", TrackSort::Artist, "artist-sort")}
                    {sort_button("Album", TrackSort::Album, "album")}
                    {date_label.map(|l| sort_button(l, TrackSort::Added, "date"))}
                    {sort_button("Rating", TrackSort::Rating, "marks-cell")}
                    {sort_button("Plays", TrackSort::Plays, "plays")}
                    {sort_button("Last played", TrackSort::LastPlayed, "played")}
                    {sort_button("Time", TrackSort::Duration, "dur")}
                    <span role="columnheader" class="acts"><span class="visually-hidden">"Actions"</span></span>
                </div>
            </div>
            <div role="rowgroup" class="vbody" node_ref=list_ref
                style:height=move || format!("{}px", total.get() as f64 * ROW_PX)>
                <div class="vwindow" style:transform=move || format!("translateY({}px)", range.get().0 as f64 * ROW_PX)>
                    <For each=visible key=|(i, t)| (*i, t.as_ref().map(|t| t.id)) let:((i, track))>
                        {match track {
                            Some(t) => view! { <VRow index=i track=t show_date settled play=move |i| { let (q, s) = queue_from(i); player.play_list(q, s); }/> }.into_any(),
                            None => view! { <div role="row" class="vrow loading" aria-rowindex=i + 2><span role="cell">"…"</span></div> }.into_any(),
                        }}
                    </For>
                </div>
            </div>
        </div>
        <Show when=move || total.get() == 0 && blocks.with(|b| b.values().all(Vec::is_empty))>
            <p class="empty-filter">"No track matches."</p>
        </Show>
    }
}

#[component]
fn VRow(
    index: usize,
    track: Track,
    show_date: bool,
    /// Whether the list has stopped scrolling (see `TrackBrowser`).
    settled: RwSignal<bool>,
    #[prop(into)] play: Callback<usize>,
) -> impl IntoView {
    // Controls once the list has settled, and from then on.
    let full = Memo::new(move |was: Option<&bool>| was.copied().unwrap_or(false) || settled.get());
    let album = match (track.album_id, track.album_name.clone()) {
        (Some(id), Some(name)) => Some(view! { <a href=format!("/albums/{id}")>{name}</a> }),
        _ => None,
    };
    let item = QueueItem::from(&track);
    let added = track
        .added_at
        .as_deref()
        .map(format::date)
        .map(str::to_string);
    let title = track.title.clone();
    let id = track.id;
    let title_for_marks = track.title.clone();
    let track_for_actions = track.clone();
    let marks = Marks {
        rating: track.rating,
        loved: track.loved,
    };
    let b = badges(
        track.id,
        &track.gone_from_spotify_at,
        track.download_state.clone(),
        track.explicit,
    );
    view! {
        <div role="row" class="vrow" class:with-date=show_date aria-rowindex=index + 2 data-testid="track-row">
            <span role="cell" class="num">
                // The number gives way to a play mark (drawn by the stylesheet) on hover and focus.
                <button type="button" class="row-play" aria-label=format!("Play {title}") on:click=move |_| play.run(index)>
                    <span class="n" aria-hidden="true">{index + 1}</span>
                </button>
            </span>
            <span role="cell" class="title">
                // One line for the title and its badges, one for the artists:
                // a row is 56 px, and a third line would spill into the next.
                <span class="name-line">
                    <a class="name" href=format!("/tracks/{}", track.id)>{track.title.clone()}</a>
                    {b}
                </span>
                <span class="artists"><Artists artists=track.artists.clone()/></span>
            </span>
            <span role="cell" class="album">{album}</span>
            {show_date.then(|| view! { <span role="cell" class="date">{added}</span> })}
            <span role="cell" class="marks-cell">{move || full.get().then(|| view! {
                <MarkControls target=MarkTarget::Track(id) initial=marks name=title_for_marks.clone()/>
            })}</span>
            <span role="cell" class="plays" title=format!("{} plays, {} skips", track.plays, track.skips)>{track.plays}</span>
            <span role="cell" class="played">{track.last_played.as_deref().map(format::date).map(str::to_string)}</span>
            <span role="cell" class="dur">{format::duration(track.duration_ms)}</span>
            <span role="cell" class="acts">{move || full.get().then(|| view! {
                <RowActions item=item.clone() track=track_for_actions.clone()/>
            })}</span>
        </div>
    }
}

/// "Play next", "Add to queue" and "Keep on this device" for one track.
#[component]
pub fn RowActions(item: QueueItem, track: Track) -> impl IntoView {
    let player = use_player();
    let device = use_device();
    let next = item.clone();
    let later = item.clone();
    let id = track.id;
    let title = track.title.clone();
    let keep = move |_| {
        crate::device::keep(
            device,
            crate::device::KeepRequest {
                key: format!("track:{id}"),
                name: track.title.clone(),
                href: track
                    .album_id
                    .map(|a| format!("/albums/{a}"))
                    .unwrap_or_else(|| "/".into()),
                source: crate::device::KeepSource::Tracks(vec![track.clone()]),
            },
        )
    };
    view! {
        <button type="button" class="icon" title="Play next" aria-label=format!("Play {} next", item.title) on:click=move |_| player.play_next(next.clone())>
            <Svg icon=Icon::PlayNext/>
        </button>
        <button type="button" class="icon" title="Add to queue" aria-label=format!("Add {} to the queue", item.title)
            on:click=move |_| player.add_to_queue(later.clone())>
            "+"
        </button>
        <Show when=move || !device.kept.with(|k| k.contains(&id)) && device.available.get()>
            <button type="button" class="icon needs-server" title="Keep on this device"
                aria-label=format!("Keep {title} on this device") on:click=keep.clone()>
                <Svg icon=Icon::Keep/>
            </button>
        </Show>
    }
}
