//! On this device: what the browser keeps for offline listening, read from
//! IndexedDB (so it shows with the server stopped), with what each kept list
//! holds, the space used, and "Remove from this device".

use leptos::prelude::*;
use leptos_meta::Title;

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
                    <h2>"Kept lists"</h2>
                    <ul class="kept-lists">
                        {move || device.lists.get().into_iter().map(|l| {
                            let key = l.key.clone();
                            view! {
                                <li>
                                    <a href=l.href.clone()>{l.name.clone()}</a>
                                    {format!(" · {} tracks ", l.tracks.len())}
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
