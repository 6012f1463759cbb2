//! Import a list: a `.txt` file or pasted text (songs as `Artist - Title`,
//! or links to Spotify, YouTube, YouTube Music or SoundCloud, one a line),
//! previewed line by line, then imported as a playlist of the listener's own.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use vault::model::ImportPreview;

use crate::error::AppError;

/// The largest file the page reads (the server refuses more too).
#[cfg(feature = "hydrate")]
const MAX_FILE_BYTES: f64 = 1_000_000.0;

#[cfg(feature = "ssr")]
fn refused(e: hoard_sync::import::ImportError) -> AppError {
    use hoard_sync::import::ImportError;
    match e {
        ImportError::Sync(hoard_sync::SyncError::Db(e)) => e.into(),
        other => AppError::Refused(other.to_string()),
    }
}

/// Reads and matches the list; writes nothing.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn preview_import(
    name: String,
    source: String,
    text: String,
) -> Result<ImportPreview, AppError> {
    let state = crate::state::server_state()?;
    state
        .importer
        .preview(&name, &source, &text)
        .await
        .map_err(refused)
}

/// Imports the previewed list as a playlist; returns the playlist's id.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn confirm_import(token: String, name: String, queue: bool) -> Result<i64, AppError> {
    let state = crate::state::server_state()?;
    let (playlist, queued) = state
        .importer
        .confirm(vault::model::OWNER, &token, Some(&name), queue)
        .await
        .map_err(refused)?;
    tracing::info!(playlist, queued, "a list was imported");
    Ok(playlist)
}

fn status_label(status: &str) -> &'static str {
    match status {
        "matched" => "Found",
        "ambiguous" => "Several matches",
        "by_name" => "Not on Spotify",
        _ => "Not understood",
    }
}

/// The import page.
#[component]
pub fn ImportPage() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let source = RwSignal::new("pasted".to_string());
    let queue = RwSignal::new(true);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let preview = RwSignal::new(None::<ImportPreview>);
    let done = RwSignal::new(None::<i64>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > MAX_FILE_BYTES {
                error.set(Some(AppError::Refused(format!(
                    "{} is {:.0} KB; Hoard imports lists of up to {:.0} KB.",
                    file.name(),
                    file.size() / 1000.0,
                    MAX_FILE_BYTES / 1000.0
                ))));
                return;
            }
            let file_name = file.name();
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(t) => {
                        text.set(t.as_string().unwrap_or_default());
                        source.set(file_name.clone());
                        if name.get_untracked().trim().is_empty() {
                            let stem = file_name
                                .rsplit_once('.')
                                .map_or(file_name.as_str(), |(s, _)| s)
                                .to_string();
                            name.set(stem);
                        }
                        error.set(None);
                    }
                    Err(_) => error.set(Some(AppError::Refused(format!(
                        "{file_name} could not be read."
                    )))),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let look = move |_| {
        busy.set(true);
        error.set(None);
        preview.set(None);
        done.set(None);
        let (n, s, t) = (
            name.get_untracked(),
            source.get_untracked(),
            text.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match preview_import(n, s, t).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let confirm = move |_| {
        let Some(p) = preview.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        let n = name.get_untracked();
        leptos::task::spawn_local(async move {
            match confirm_import(p.token, n, queue.get_untracked()).await {
                Ok(id) => {
                    done.set(Some(id));
                    preview.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <Title text="Import a list"/>
        <header class="page-head"><div><h1>"Import a list"</h1></div></header>
        <section class="panel import" data-testid="import">
            <p>
                "A list of songs, one a line as " <code>"Artist - Title"</code>
                ", or links: Spotify tracks, albums and playlists, and YouTube, YouTube Music or SoundCloud playlists. "
                "Hoard shows what it understood before anything is saved, then keeps the list as a playlist of yours and downloads its songs."
            </p>
            <label class="field">
                "Playlist name "
                <input type="text" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                "A .txt file (UTF-8, up to 1 MB and 5,000 lines) "
                <input type="file" accept=".txt,text/plain" on:change=on_file/>
            </label>
            <label class="field">
                "Or paste the list or a link"
                <textarea rows="8" prop:value=move || text.get() on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    source.set("pasted".into());
                }></textarea>
            </label>
            <p>
                <button type="button" disabled=move || busy.get() || !hydrated.get() || text.with(|t| t.trim().is_empty()) on:click=look>
                    "Preview"
                </button>
            </p>
            <p role="status" data-testid="import-status">
                {move || if busy.get() { "Looking the list up on Spotify…".to_string() } else { String::new() }}
            </p>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert" data-testid="import-error">{e.to_string()}</p> })}
            {move || done.get().map(|id| view! {
                <p class="notice" data-testid="import-done">"Imported. " <A href=format!("/playlists/{id}")>"Open the playlist"</A></p>
            })}
            {move || preview.get().map(|p| {
                let summary = format!(
                    "{} songs: {} found on Spotify, {} with several matches, {} not on Spotify (kept by name), {} lines not understood.",
                    p.songs, p.matched, p.ambiguous, p.by_name, p.refused
                );
                let songs = p.songs;
                view! {
                    <p data-testid="import-summary">{summary}</p>
                    <table class="import-preview" data-testid="import-preview">
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Text"</th><th scope="col">"Result"</th><th scope="col">"Details"</th></tr></thead>
                        <tbody>
                            {p.lines.into_iter().map(|l| view! {
                                <tr class=format!("st-{}", l.status) data-status=l.status.clone()>
                                    <td class="num">{l.line}</td>
                                    <td class="text">{l.text}</td>
                                    <td>{status_label(&l.status)}</td>
                                    <td>{l.detail}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <label>
                        <input type="checkbox" prop:checked=move || queue.get() on:change=move |ev| queue.set(event_target_checked(&ev))/>
                        " Download its songs"
                    </label>
                    " "
                    <button type="button" class="primary" disabled=move || busy.get() || songs == 0 || name.with(|n| n.trim().is_empty()) on:click=confirm>
                        {format!("Import {songs} songs")}
                    </button>
                }
            })}
        </section>
    }
}
