//! On this device: what the browser keeps for offline listening, read from
//! IndexedDB (so it shows with the server stopped), with what each kept list
//! holds, the space used, and "Remove from this device".

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::format::count;
use crate::components::keep::usage_line;
use crate::components::track_table::{numbered, TrackTable};
use crate::components::Empty;
use crate::device::{kept_tracks, remove, use_device, KeptTrack};

/// The device view.
#[component]
pub fn DevicePage() -> impl IntoView {
    let device = use_device();
    let tracks = RwSignal::new(None::<Result<Vec<KeptTrack>, String>>);
    Effect::new(move |_| {
        // Reload after every keep or removal.
        device.kept.track();
        leptos::task::spawn_local(async move {
            let mut all = kept_tracks().await;
            if let Ok(all) = &mut all {
                all.sort_by_key(|t| t.title.to_lowercase());
            }
            tracks.set(Some(all));
        });
    });
    view! {
        <Title text="On this device"/>
        <div class="page-head">
            <h1>"On this device"</h1>
        </div>
        <LibraryCopyStatus/>
        {move || match tracks.get() {
            None => view! { <p class="loading">"Reading what this device keeps…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <Empty title="Nothing on this device yet">
                    "Use “Keep on this device” on a playlist, an album or your liked songs: "
                    "their audio is stored in this browser and plays with no network."
                </Empty>
            }.into_any(),
            Some(Ok(list)) => {
                let bytes: f64 = list.iter().map(|t| t.bytes).sum();
                let summary = usage_line(bytes, list.len());
                let rows = numbered(list.iter().map(KeptTrack::to_track).collect(), 1);
                view! {
                    <p class="summary" data-testid="device-usage">{summary}</p>
                    <Budget used=bytes/>
                    <h2>"Kept lists"</h2>
                    <ul class="kept-lists">
                        {move || device.lists.get().into_iter().map(|l| {
                            let key = l.key.clone();
                            // A track two lists keep counts in both.
                            let list_bytes: f64 = list
                                .iter()
                                .filter(|t| t.lists.contains(&l.key))
                                .map(|t| t.bytes)
                                .sum();
                            view! {
                                <li data-testid="kept-list">
                                    <a href=l.href.clone()>{l.name.clone()}</a>
                                    {format!(" · {} · {} ", count(l.tracks.len() as i64, "track", "tracks"), crate::device::size(list_bytes))}
                                    <button type="button" on:click=move |_| remove(device, key.clone())>"Remove from this device"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <h2>"Tracks"</h2>
                    <TrackTable rows=Signal::stored(rows) caption="Tracks on this device".to_string()/>
                }.into_any()
            }
        }}
    }
}

/// What the library's copy on this device holds and takes.
#[component]
fn LibraryCopyStatus() -> impl IntoView {
    let copy = crate::library_copy::use_library_copy();
    Effect::new(move |_| crate::library_copy::show_copy());
    move || {
        let copy = copy?;
        let (tracks, albums, artists, playlists) = copy.counts.get();
        let state = if copy.syncing.get() {
            "Bringing it up to date…".to_string()
        } else if let Some(e) = copy.error.get() {
            format!("The last update failed: {e}")
        } else if copy.synced_at.get().is_some() {
            "Up to date.".to_string()
        } else if tracks > 0 {
            "Not updated since this page opened (offline, or the server is away).".to_string()
        } else {
            "No copy yet: it is made the next time the server can be reached.".to_string()
        };
        Some(view! {
            <section class="library-copy" aria-labelledby="library-copy-title">
                <h2 id="library-copy-title">"Your library, for offline browsing"</h2>
                <p class="summary" data-testid="library-copy">
                    {format!(
                        "{}, {}, {}, {} · {} on this device",
                        count(tracks as i64, "track", "tracks"),
                        count(albums as i64, "album", "albums"),
                        count(artists as i64, "artist", "artists"),
                        count(playlists as i64, "playlist", "playlists"),
                        crate::device::size(copy.bytes.get()),
                    )}
                </p>
                <p class="summary">{state}</p>
            </section>
        })
    }
}

/// The storage budget for kept audio: when it is set and full, keeping more
/// frees the tracks played least recently.
#[component]
fn Budget(used: f64) -> impl IntoView {
    let budget = RwSignal::new(None::<f64>);
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let b = crate::device::budget();
        budget.set(b);
        typed.set(
            b.map(|b| format!("{}", (b / 1e6).round()))
                .unwrap_or_default(),
        );
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = typed.get_untracked();
        let text = text.trim();
        if text.is_empty() {
            crate::device::set_budget(None);
            budget.set(None);
            error.set(None);
            return;
        }
        match text.parse::<f64>() {
            Ok(mb) if mb.is_finite() && mb >= 1.0 => {
                crate::device::set_budget(Some(mb * 1e6));
                budget.set(Some(mb * 1e6));
                error.set(None);
            }
            _ => error.set(Some(format!(
                "The storage budget must be a number of megabytes, at least 1 (not “{text}”)."
            ))),
        }
    };
    view! {
        <form class="budget" on:submit=save data-testid="budget">
            <label>
                "Storage budget for music (MB) "
                <input type="text" inputmode="numeric" size="6" placeholder="none" bind:value=typed/>
            </label>
            " "
            <button type="submit">"Set"</button>
            <span class="summary">
                {move || match budget.get() {
                    Some(b) => format!(
                        " {} of {} used; when it is full, keeping more frees the tracks played least recently.",
                        crate::device::size(used),
                        crate::device::size(b)
                    ),
                    None => " No budget: music is kept until the browser runs out of room.".to_string(),
                }}
            </span>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </form>
    }
}
