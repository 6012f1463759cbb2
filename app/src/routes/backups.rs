//! Settings' Backups panel: the snapshots kept, how the last backup went,
//! and "Back up now". Restoring is `hoard restore`, with the server stopped.

use leptos::prelude::*;
use vault::model::BackupOverview;

use crate::error::AppError;

/// The backups kept and how the last one went.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn backups_overview() -> Result<BackupOverview, AppError> {
    let state = crate::state::server_state()?;
    state.backups.overview().map_err(|e| {
        tracing::warn!("cannot list the backups: {e}");
        AppError::Refused(format!("The backups cannot be listed: {e}"))
    })
}

/// Starts a backup; it goes on after this returns.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn back_up_now() -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    let task = state
        .backups
        .start(state.vault.clone())
        .map_err(|e| AppError::Refused(format!("No backup was started: {e}.")))?;
    tokio::spawn(async move {
        match task.await {
            Ok(Ok(report)) => tracing::info!(trigger = "settings", "{}", report.summary()),
            Ok(Err(e)) => tracing::warn!(trigger = "settings", "the backup failed: {e}"),
            Err(e) => tracing::warn!(trigger = "settings", "the backup stopped: {e}"),
        }
    });
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The panel.
#[component]
pub fn BackupsPanel() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let overview = Resource::new(move || tick.get(), |_| backups_overview());
    // True from "Back up now" until the overview says it is done.
    let live = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if live.get_untracked() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_millis(1_000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let start = move |_| {
        live.set(true);
        leptos::task::spawn_local(async move {
            let result = back_up_now().await;
            if result.is_err() {
                live.set(false);
            }
            error.set(result.err());
            tick.update(|t| *t += 1);
        });
    };
    view! {
        <section class="panel" data-testid="backups" aria-labelledby="backups-heading">
            <h2 id="backups-heading">"Backups"</h2>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <p class="notice error">{e.to_string()}</p> }.into_any(),
                        Ok(o) => {
                            if !o.running && live.get_untracked() {
                                live.set(false);
                            }
                            let running = o.running;
                            view! {
                                <p>
                                    {if o.interval_hours == 0 {
                                        "Hoard takes a snapshot of the database only when you ask (backup_interval_hours is 0).".to_string()
                                    } else {
                                        format!("Hoard takes a snapshot of the database every {} hours and keeps the newest {}.", o.interval_hours, o.keep)
                                    }}
                                    " "
                                    {match &o.remote {
                                        Some(remote) if o.remote_audio => format!("Each one goes to {remote}, with the covers and the audio files that are new since the last."),
                                        Some(remote) => format!("Each one goes to {remote}, with the covers (not the audio)."),
                                        None => "They stay on this machine (set backup_remote to send them elsewhere with rclone).".to_string(),
                                    }}
                                </p>
                                <p class="hint">"Folder: " <code>{o.folder.clone()}</code>
                                    ". To restore one, stop the server and run " <code>"hoard restore"</code> "."</p>
                                {o.last.map(|last| {
                                    let class = if last.ok { "notice" } else { "notice error" };
                                    view! { <p class=class data-testid="backup-last" role="status">{last.message}</p> }
                                })}
                                {running.then(|| view! { <p class="notice" role="status">"Backing up…"</p> })}
                                {if o.snapshots.is_empty() {
                                    view! { <p data-testid="snapshots">"No snapshot yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="snapshots" data-testid="snapshots">
                                            {o.snapshots.into_iter().map(|s| view! {
                                                <li>
                                                    <time datetime=s.taken_at.clone()>{s.taken_at.replace('T', " ").replace('Z', " UTC")}</time>
                                                    " · " {megabytes(s.bytes)}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <button type="button" disabled=move || running || !hydrated.get() on:click=start>
                                    "Back up now"
                                </button>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
