//! The Spotify panel of Settings: connecting an account, starting a sync,
//! its live progress, the schedule toggle and the last runs.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use vault::model::{SpotifyAccount, SyncProgress, SyncRun};

use crate::components::format;
use crate::error::AppError;
use crate::state::SpotifySetup;

/// Everything the panel shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifyStatus {
    pub account: Option<SpotifyAccount>,
    pub progress: SyncProgress,
    pub runs: Vec<SyncRun>,
    pub auto_sync: bool,
    pub setup: SpotifySetup,
}

/// The settings key of the schedule toggle.
#[cfg(feature = "ssr")]
pub const AUTO_SYNC: &str = "sync.auto";

/// The account, the running sync's progress and the last runs. At a fixed
/// address (`/api/sync_overview`) for scripts too.
#[server(endpoint = "sync_overview", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn sync_overview() -> Result<SpotifyStatus, AppError> {
    let state = crate::state::server_state()?;
    let progress = state.syncer.progress().borrow().clone();
    Ok(SpotifyStatus {
        account: state.vault.spotify_account().await?,
        progress,
        runs: state.vault.sync_runs(5).await?,
        auto_sync: state.vault.setting(AUTO_SYNC).await?.as_deref() != Some("off"),
        setup: state.spotify.clone(),
    })
}

/// What a button of the panel asks the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PanelAction {
    /// Start a sync in the background (`full` reads every list from the start).
    Sync { full: bool },
    /// Switch the scheduled sync on or off.
    AutoSync(bool),
    /// Forget the account and its token; the vault keeps the library.
    Disconnect,
}

/// Carries out one [`PanelAction`]. One server function for every button
/// keeps the browser bundle small. At a fixed address
/// (`/api/spotify_command`) for scripts too: `{"command": {"Sync": {"full": false}}}`.
#[server(endpoint = "spotify_command", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn spotify_command(command: PanelAction) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    let running = state.syncer.progress().borrow().running;
    match command {
        PanelAction::Sync { full } => {
            match state.vault.spotify_account().await? {
                None => {
                    return Err(AppError::Refused(
                        "No Spotify account is connected; connect one first.".into(),
                    ))
                }
                Some(account) if account.grant_ended_at.is_some() => {
                    return Err(AppError::Refused(
                        "Spotify wants a new sign-in first: press \"Sign in to Spotify again\"."
                            .into(),
                    ))
                }
                Some(_) => {}
            }
            if running {
                return Err(AppError::Refused("A sync is already running.".into()));
            }
            let mode = if full {
                hoard_sync::SyncMode::Full
            } else {
                hoard_sync::SyncMode::Incremental
            };
            state.syncer.spawn("manual", mode);
        }
        PanelAction::AutoSync(on) => {
            state
                .vault
                .set_setting(AUTO_SYNC, if on { "on" } else { "off" })
                .await?;
        }
        PanelAction::Disconnect => {
            if running {
                return Err(AppError::Refused(
                    "A sync is running; disconnect when it has finished.".into(),
                ));
            }
            state.vault.disconnect_spotify().await?;
        }
    }
    Ok(())
}

/// How often the panel asks for progress while a sync runs, in milliseconds.
const POLL_MS: u64 = 1_000;
/// Between syncs it asks every this many polls, so a scheduled sync shows up too.
const IDLE_POLLS: u32 = 5;

/// The Spotify panel; it bumps `synced` each time a sync it watched ends.
#[component]
pub fn SpotifyPanel(synced: RwSignal<u32>) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    // True while a sync runs (or was just asked for): the panel then polls.
    let live = RwSignal::new(false);
    let overview = Resource::new(move || tick.get(), |_| sync_overview());
    let refresh = move || tick.update(|t| *t += 1);
    // The buttons need the app running in the browser; until it hydrates they stay disabled.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    #[cfg(feature = "hydrate")]
    {
        let idle = std::cell::Cell::new(0);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                idle.set(idle.get() + 1);
                if live.get_untracked() || idle.get() >= IDLE_POLLS {
                    idle.set(0);
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_millis(POLL_MS),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (POLL_MS, IDLE_POLLS);

    // One error line and one runner for every button: smaller in the
    // browser bundle than an Action per button.
    let error = RwSignal::new(None::<AppError>);
    let run = Callback::new(move |command: PanelAction| {
        leptos::task::spawn_local(async move {
            let result = spotify_command(command).await;
            if matches!(command, PanelAction::Sync { .. }) {
                live.set(result.is_ok());
            }
            error.set(result.err());
            refresh();
        });
    });
    let action_error = move || {
        error
            .get()
            .map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })
    };
    let query = use_query_map();
    let callback_error = move || query.with(|q| q.get("spotify_error"));

    view! {
        <section class="panel" data-testid="spotify">
            <h2>"Spotify"</h2>
            {move || callback_error().map(|e| view! {
                <p class="notice error" role="alert">"Connecting Spotify failed: " {e}</p>
            })}
            {action_error}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(o) => {
                            if live.get_untracked() != o.progress.running {
                                if !o.progress.running {
                                    synced.update(|n| *n += 1);
                                }
                                live.set(o.progress.running);
                            }
                            view! { <PanelBody o hydrated run/> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PanelBody(
    o: SpotifyStatus,
    hydrated: RwSignal<bool>,
    run: Callback<PanelAction>,
) -> impl IntoView {
    let SpotifyStatus {
        account,
        progress,
        runs,
        auto_sync,
        setup,
    } = o;
    let Some(account) = account else {
        return view! { <ConnectForm setup/> }.into_any();
    };
    let running = progress.running;
    let disabled = move || running || !hydrated.get();
    let who = account
        .display_name
        .clone()
        .or(account.user_id.clone())
        .unwrap_or_else(|| "your account".into());
    let schedule = if setup.interval_minutes == 0 {
        "The schedule is off in the server's configuration (sync_interval_minutes = 0).".to_string()
    } else {
        format!(
            "Sync automatically every {}",
            format::every_minutes(setup.interval_minutes)
        )
    };
    let ended = account.grant_ended_at.is_some();
    let disabled = move || disabled() || ended;
    let renew_by = format::date(&account.renew_by).to_owned();
    let renewal = if ended {
        view! {
            <p class="notice error" role="alert" data-testid="spotify-renewal">
                {format!(
                    "Spotify wants a new sign-in: it ended Hoard's authorization on {}, as it does six months after you connect. Sign in again to sync; the vault and the schedule stay as they are.",
                    format::date(account.grant_ended_at.as_deref().unwrap_or_default())
                )}
            </p>
        }
        .into_any()
    } else if account.renew_soon {
        view! {
            <p class="notice warn" role="status" data-testid="spotify-renewal">
                {format!(
                    "Spotify ends this connection on {renew_by} (six months after you connected). Sign in again before then to keep syncing; nothing in the vault changes."
                )}
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="hint" data-testid="spotify-renewal">
                {format!("Renew by {renew_by}: Spotify ends a connection six months after you sign in.")}
            </p>
        }
        .into_any()
    };
    let renew = (ended || account.renew_soon).then(|| {
        view! {
            <form method="post" action="/spotify/connect" class="connect">
                <input type="hidden" name="client_id" value=account.client_id.clone()/>
                <button type="submit">"Sign in to Spotify again"</button>
            </form>
        }
    });
    view! {
        <p data-testid="spotify-account">
            "Connected as " <strong>{who}</strong>
            " since " {format::date(&account.connected_at).to_owned()} "."
        </p>
        {renewal}
        {renew}
        <div class="actions">
            <button type="button" disabled=disabled on:click=move |_| run.run(PanelAction::Sync { full: false })>
                "Sync now"
            </button>
            <button type="button" disabled=disabled on:click=move |_| run.run(PanelAction::Sync { full: true })
                title="Read every list from the start, which also notices removals">
                "Full sync"
            </button>
            <button type="button" class="secondary" disabled=disabled
                on:click=move |_| run.run(PanelAction::Disconnect)>
                "Disconnect"
            </button>
        </div>
        <label class="toggle">
            <input type="checkbox" checked=auto_sync
                disabled=move || setup.interval_minutes == 0 || !hydrated.get()
                on:change=move |ev| run.run(PanelAction::AutoSync(event_target_checked(&ev)))/>
            " " {schedule}
        </label>
        <Progress progress/>
        <Runs runs/>
    }
    .into_any()
}

/// A line on every page when the Spotify connection must be renewed soon,
/// or has ended: the user may not open Settings for months. Asked for once
/// the app is live, so it never holds up a page.
#[component]
pub fn RenewalBanner() -> impl IntoView {
    let notice = LocalResource::new(|| async { renewal_notice().await.ok().flatten() });
    move || {
        let (text, date) = notice.get()??;
        Some(view! {
            <p class="banner renewal" role="status" data-testid="renewal-banner">
                {format!("{text} (renew by {date}) ")} <a href="/settings">"Open Settings"</a>
            </p>
        })
    }
}

// A part of the bundle of its own (see `crate::parts`), with the sync
// overview's decoding: the banner shows on every page, but seldom.
crate::parts::lazy_part!(hoard_renewal: fn renewal_notice() -> Option<(&'static str, String)> = renewal_notice_now);

/// What the renewal banner says, if anything: its text and the date to
/// renew by.
async fn renewal_notice_now() -> Option<(&'static str, String)> {
    let account = sync_overview().await.ok()?.account?;
    let text = if account.grant_ended_at.is_some() {
        "Spotify wants a new sign-in: syncing has stopped until you sign in again."
    } else if account.renew_soon {
        "Spotify ends Hoard's connection soon: sign in again to keep syncing."
    } else {
        return None;
    };
    Some((text, format::date(&account.renew_by).to_owned()))
}

#[component]
fn ConnectForm(setup: SpotifySetup) -> impl IntoView {
    view! {
        <p>"No Spotify account is connected."</p>
        <p class="hint">
            "Create an app in Spotify's developer dashboard, add this redirect URI to it, and paste its Client ID here. "
            "No client secret is needed: Hoard uses PKCE."
        </p>
        <dl class="facts">
            <dt>"Redirect URI"</dt><dd><code data-testid="redirect-uri">{setup.redirect_uri}</code></dd>
            <dt>"Web API"</dt><dd><code>{setup.api_url}</code></dd>
        </dl>
        <form method="post" action="/spotify/connect" class="connect">
            <label for="client_id">"Client ID"</label>
            <input id="client_id" name="client_id" required autocomplete="off" spellcheck="false"
                value=setup.client_id.unwrap_or_default()/>
            <button type="submit">"Connect Spotify"</button>
        </form>
    }
}

#[component]
fn Progress(progress: SyncProgress) -> impl IntoView {
    let SyncProgress {
        running,
        phase,
        liked_seen,
        playlists_done,
        playlists_total,
        tracks_written,
        api_calls,
        warnings,
    } = progress;
    view! {
        <div role="status" aria-live="polite" data-testid="sync-progress">
            {running.then(|| view! {
                <p>
                    <strong>"Syncing: " {phase}</strong> " · "
                    {format::count(liked_seen, "liked song", "liked songs")} " read · "
                    "playlists " {playlists_done} " of " {playlists_total} " · "
                    {format::count(tracks_written, "track", "tracks")} " written · "
                    {format::count(api_calls, "API call", "API calls")}
                </p>
            })}
            {(!warnings.is_empty()).then(|| view! {
                <ul class="warnings">
                    {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}

#[component]
fn Runs(runs: Vec<SyncRun>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p data-testid="last-sync">"No sync has run yet."</p> }.into_any();
    }
    view! {
        <table class="runs" data-testid="last-sync">
            <caption>"Recent syncs"</caption>
            <thead><tr><th scope="col">"Started"</th><th scope="col">"How"</th><th scope="col">"Result"</th><th scope="col">"Details"</th></tr></thead>
            <tbody>
                {runs.into_iter().map(|r| {
                    let outcome = r.outcome.clone().unwrap_or_else(|| "running".into());
                    let class = format!("run {outcome}");
                    view! {
                        <tr class=class>
                            <td>{format::date_time(&r.started_at)}</td>
                            <td>{r.trigger.unwrap_or_default()}</td>
                            <td>{outcome}</td>
                            <td>{r.detail.unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
