//! Settings' "Listening history" panel: what the poller sees playing on
//! Spotify, and the Extended Streaming History uploads with their progress.
//! The upload is a plain multipart form (`POST /history/upload`), so it
//! works before the app hydrates.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use vault::model::HistoryImport;

use crate::error::AppError;

/// What the panel shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListeningState {
    /// Polling what plays on Spotify (false when switched off in the configuration).
    pub polling: bool,
    pub now_playing: Option<String>,
    pub polls: u64,
    pub last_error: Option<String>,
    pub imports: Vec<HistoryImport>,
}

/// The poller's state and the uploads, newest first.
#[server(endpoint = "listening_overview", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn listening_overview() -> Result<ListeningState, AppError> {
    let state = crate::state::server_state()?;
    let status = state.listening.borrow().clone();
    Ok(ListeningState {
        polling: state.listen_polling,
        now_playing: status.now_playing,
        polls: status.polls,
        last_error: status.last_error,
        imports: state.vault.history_imports(vault::model::OWNER).await?,
    })
}

fn import_line(i: &HistoryImport) -> String {
    let files = if i.members == 1 {
        String::new()
    } else {
        format!(", file {} of {}", (i.member + 1).min(i.members), i.members)
    };
    match i.state.as_str() {
        "queued" => "Waiting to start".to_string(),
        "importing" => format!(
            "Importing: {} of {} rows{files}; {} plays added so far",
            i.rows_done, i.rows_total, i.plays_added
        ),
        "failed" => format!("Stopped: {}", i.error.as_deref().unwrap_or("unknown error")),
        _ => {
            let mut s = format!(
                "Done: {} rows, {} plays added, {} already in the vault",
                i.rows_done, i.plays_added, i.duplicates
            );
            if i.tracks_created > 0 {
                s += &format!(
                    ", {} tracks new to the vault (their details come from Spotify with the next syncs)",
                    i.tracks_created
                );
            }
            if i.episodes > 0 {
                s += &format!(", {} podcast and audiobook rows left out", i.episodes);
            }
            if i.unknown_rows > 0 {
                s += &format!(", {} rows with no track left out", i.unknown_rows);
            }
            s
        }
    }
}

/// The panel.
#[component]
pub fn ListeningPanel() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let overview = Resource::new(move || tick.get(), |_| listening_overview());
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || tick.update(|t| *t += 1),
        std::time::Duration::from_millis(2_000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let query = use_query_map();
    let message = move || query.with(|q| q.get("history_message"));
    let error = move || query.with(|q| q.get("history_error"));
    view! {
        <section class="panel" id="history" aria-labelledby="history-heading">
            <h2 id="history-heading">"Listening history"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <p class="notice error">{e.to_string()}</p> }.into_any(),
                        Ok(o) => view! {
                            <p data-testid="now-playing-spotify">
                                {match (o.polling, o.now_playing) {
                                    (false, _) => "Hoard does not watch what plays on Spotify (listen_poll_seconds is 0); plays come from recently-played at each sync.".to_string(),
                                    (true, Some(track)) => format!("Playing on Spotify now: {track}"),
                                    (true, None) => "Hoard keeps every play on Spotify as it happens (nothing is playing now).".to_string(),
                                }}
                            </p>
                            {o.last_error.map(|e| view! { <p class="notice warn">{format!("Watching Spotify: {e}")}</p> })}
                            <ul class="imports" data-testid="imports">
                                {o.imports.into_iter().map(|i| view! {
                                    <li data-state=i.state.clone()>
                                        <strong>{i.file_name.clone()}</strong>
                                        " · "
                                        {import_line(&i)}
                                        {(i.state == "importing" && i.rows_total > 0).then(|| view! {
                                            <progress max=i.rows_total value=i.rows_done></progress>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
            {move || message().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {move || error().map(|m| view! { <p class="notice error" role="alert" data-testid="import-error">{m}</p> })}
            <form method="post" action="/history/upload" enctype="multipart/form-data" class="upload">
                <label>
                    "Import Spotify's Extended Streaming History "
                    <input type="file" name="file" accept=".zip,.json,application/zip,application/json" required/>
                </label>
                <button type="submit">"Import"</button>
                <p class="hint">
                    "Ask Spotify for it under Account → Privacy → Download your data → \"Extended streaming history\" (it takes up to 30 days), then upload my_spotify_data.zip or its Streaming_History_Audio_*.json files. Plays already in the vault are not counted twice, and uploading the same file again adds nothing."
                </p>
            </form>
        </section>
    }
}
