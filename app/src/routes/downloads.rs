//! Downloads: the acquisition queue. Counts and controls (download all,
//! pause, retry, automatic downloads), the jobs with their live state and
//! progress, the candidates of a job that found no confident match (pick one,
//! or paste a URL), the quarantine and the "not downloaded" report.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use vault::model::{
    DownloadCounts, DownloadEvent, DownloadJob, FolderSummary, Id, Page, Quarantined,
};

use crate::components::format::{date_time, duration};
use crate::components::live::{DownloadBadge, LiveDownloads};
use crate::components::pager::{use_page, Pager};
use crate::components::track_table::TitleCell;
use crate::components::{Empty, ErrorNotice};
use crate::error::AppError;

/// The settings key of the automatic-download switch.
#[cfg(feature = "ssr")]
pub const AUTO_DOWNLOAD: &str = "downloads.auto";

/// Whether newly synced tracks are queued: the switch, or the configuration's default.
#[cfg(feature = "ssr")]
pub async fn auto_download_on(state: &crate::state::ServerState) -> Result<bool, vault::DbError> {
    Ok(match state.vault.setting(AUTO_DOWNLOAD).await?.as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => state.auto_download_default,
    })
}

/// Everything the Downloads view shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DownloadsOverview {
    pub counts: DownloadCounts,
    pub paused: bool,
    pub auto: bool,
    /// Jobs being worked on now, with progress.
    pub active: Vec<DownloadEvent>,
    pub jobs: Page<DownloadJob>,
    pub quarantined: Vec<Quarantined>,
    /// The music folder, when one is set.
    pub folder: Option<FolderSummary>,
}

/// The queue's counts, its switches, and a page of jobs (only `state`'s, if
/// given). At a fixed address (`/api/downloads_view`) for scripts too.
#[server(endpoint = "downloads_view", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn downloads_view(
    state: Option<String>,
    page: i64,
) -> Result<DownloadsOverview, AppError> {
    let server = crate::state::server_state()?;
    let vault = &server.vault;
    Ok(DownloadsOverview {
        counts: vault.download_counts().await?,
        paused: server.acquirer.is_paused(),
        auto: auto_download_on(&server).await?,
        active: server.acquirer.active(),
        jobs: vault
            .downloads(
                state.as_deref(),
                page * crate::components::pager::PAGE_SIZE,
                crate::components::pager::PAGE_SIZE,
            )
            .await?,
        quarantined: vault.quarantined().await?,
        folder: match &server.music_folder {
            Some(folder) => Some(folder.summary().await),
            None => None,
        },
    })
}

/// What a button of the Downloads view (or a list's "Download all") asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownloadAction {
    /// Queue every library track with no file yet.
    QueueLibrary,
    QueueLiked,
    QueuePlaylist(Id),
    /// The tracks a smart playlist holds now.
    QueueSmart(Id),
    Pause,
    Resume,
    /// Switch automatic downloads of newly synced tracks on or off.
    Auto(bool),
    RetryFailed,
    Retry(Id),
    Cancel(Id),
    /// Download this track from a URL (pasted, or a candidate picked).
    UseUrl {
        track_id: Id,
        url: String,
    },
    ClearQuarantine,
    /// Read the music folder again (files added since the last scan).
    RescanFolder,
}

/// Checks a URL the user gives for a track: http(s) only, or a file of the
/// music folder offered as a candidate (the folder source checks it again).
#[cfg(feature = "ssr")]
fn check_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    let scheme_ok =
        url.starts_with("https://") || url.starts_with("http://") || url.starts_with("file://");
    if url.is_empty() || !scheme_ok || url.len() > 2048 || url.chars().any(char::is_whitespace) {
        return Err(AppError::Refused(
            "That is not a web address: paste a link that starts with https://".into(),
        ));
    }
    Ok(url.to_owned())
}

/// Carries out one [`DownloadAction`]; returns what to tell the user. At a
/// fixed address (`/api/download_command`) for scripts too:
/// `{"command": "QueueLibrary"}`.
#[server(endpoint = "download_command", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn download_command(command: DownloadAction) -> Result<String, AppError> {
    use vault::QueueScope;
    let server = crate::state::server_state()?;
    let vault = &server.vault;
    let acquirer = &server.acquirer;
    let queued = |n: u64| {
        if n == 0 {
            "Nothing new to queue: every track already has a job.".to_owned()
        } else if n == 1 {
            "1 track queued.".to_owned()
        } else {
            format!("{n} tracks queued.")
        }
    };
    let message = match command {
        DownloadAction::QueueLibrary => queued(vault.queue_downloads(QueueScope::Library).await?),
        DownloadAction::QueueLiked => queued(vault.queue_downloads(QueueScope::Liked).await?),
        DownloadAction::QueuePlaylist(id) => {
            queued(vault.queue_downloads(QueueScope::Playlist(id)).await?)
        }
        DownloadAction::QueueSmart(id) => {
            let ids = vault.smart_track_ids(vault::model::OWNER, id, &[]).await?;
            queued(vault.queue_track_ids(&ids).await?)
        }
        DownloadAction::Pause => {
            acquirer.set_paused(true).await?;
            "Paused: downloads running now finish, no new one starts.".into()
        }
        DownloadAction::Resume => {
            acquirer.set_paused(false).await?;
            "Resumed.".into()
        }
        DownloadAction::Auto(on) => {
            vault
                .set_setting(AUTO_DOWNLOAD, if on { "on" } else { "off" })
                .await?;
            if on {
                "Newly synced tracks will be downloaded.".into()
            } else {
                "Newly synced tracks will not be queued.".into()
            }
        }
        DownloadAction::RetryFailed => {
            format!(
                "{} failed downloads queued again.",
                vault.retry_failed_downloads().await?
            )
        }
        DownloadAction::Retry(id) => {
            vault.retry_download(id).await?;
            acquirer.announce(id, "queued");
            "Queued again.".into()
        }
        DownloadAction::Cancel(id) => {
            acquirer.cancel(id).await?;
            "Cancelled.".into()
        }
        DownloadAction::UseUrl { track_id, url } => {
            let url = check_url(&url)?;
            vault.set_download_url(track_id, &url).await?;
            acquirer.announce(track_id, "queued");
            "Queued with that URL.".into()
        }
        DownloadAction::RescanFolder => match server.music_folder.clone() {
            Some(folder) => {
                folder.rescan_in_background();
                "Scanning the music folder; reload to see what it found.".into()
            }
            None => {
                return Err(AppError::Refused(
                    "No music folder is set (setting `music_folder`).".into(),
                ))
            }
        },
        DownloadAction::ClearQuarantine => {
            let dir = acquirer.settings().quarantine_dir();
            let mut removed = 0;
            for path in vault.clear_quarantine().await? {
                // The vault holds plain file names; anything else is not followed.
                if path.contains(['/', '\\']) || path.contains("..") {
                    tracing::warn!(file = %path, "a quarantine entry that is not a plain file name was dropped");
                    continue;
                }
                match std::fs::remove_file(dir.join(&path)) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        tracing::warn!(file = %path, error = %e, "cannot remove a quarantined file")
                    }
                }
            }
            match removed {
                1 => "1 quarantined file removed.".into(),
                n => format!("{n} quarantined files removed."),
            }
        }
    };
    acquirer.wake();
    Ok(message)
}

/// The filters above the job list: (query value, label).
const FILTERS: &[(&str, &str)] = &[
    ("", "All"),
    ("working", "Working"),
    ("queued", "Queued"),
    ("failed", "Failed"),
    ("downloaded", "In vault"),
    ("skipped", "Skipped"),
];

/// The Downloads view.
#[component]
pub fn DownloadsPage() -> impl IntoView {
    let page = use_page();
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| q.get("state")).filter(|s| !s.is_empty()));
    let live = use_context::<LiveDownloads>();
    let tick = RwSignal::new(0u32);
    let view_data = Resource::new(
        move || {
            (
                filter.get(),
                page.get(),
                tick.get(),
                live.map(|l| l.changes.get()),
            )
        },
        |(filter, page, _, _)| downloads_view(filter, page),
    );
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let message = RwSignal::new(None::<Result<String, AppError>>);
    let run = Callback::new(move |command: DownloadAction| {
        leptos::task::spawn_local(async move {
            message.set(Some(download_command(command).await));
            tick.update(|t| *t += 1);
        });
    });

    view! {
        <Title text="Downloads"/>
        <h1>"Downloads"</h1>
        {move || message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
            Err(error) => view! { <p class="notice error" role="alert">{error.to_string()}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading the download queue…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(data) => view! {
                        <Controls data=data.clone() run hydrated/>
                        <nav class="filters" aria-label="Show jobs">
                            {FILTERS.iter().map(|(value, label)| {
                                let href = if value.is_empty() { "/downloads".to_string() } else { format!("/downloads?state={value}") };
                                let current = move || filter.get().unwrap_or_default() == *value;
                                view! {
                                    <a href=href aria-current=move || current().then_some("page")>{*label}</a>
                                }
                            }).collect_view()}
                        </nav>
                        {data.folder.map(|folder| view! { <MusicFolder folder run hydrated/> })}
                        <Jobs jobs=data.jobs filter=filter.get_untracked() run hydrated/>
                        <Quarantine files=data.quarantined run hydrated/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A button that runs one [`DownloadAction`]; one component for all of
/// them keeps the browser bundle small.
#[component]
fn Act(
    label: &'static str,
    action: DownloadAction,
    run: Callback<DownloadAction>,
    hydrated: RwSignal<bool>,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    view! {
        <button type="button" class:small=small disabled=move || !hydrated.get()
            on:click=move |_| run.run(action.clone())>{label}</button>
    }
}

/// Counts, switches and the buttons that act on the whole queue.
#[component]
fn Controls(
    data: DownloadsOverview,
    run: Callback<DownloadAction>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let c = data.counts;
    let paused = data.paused;
    let auto = data.auto;
    let disabled = move || !hydrated.get();
    view! {
        <section class="queue-summary" aria-label="Queue">
            <dl class="counts">
                <div><dt>"In vault"</dt><dd data-count="downloaded">{c.downloaded}</dd></div>
                <div><dt>"Working"</dt><dd data-count="working">{c.working}</dd></div>
                <div><dt>"Queued"</dt><dd data-count="queued">{c.queued}</dd></div>
                <div><dt>"Failed"</dt><dd data-count="failed">{c.failed}</dd></div>
                <div><dt>"Not queued"</dt><dd data-count="not_queued">{c.not_queued}</dd></div>
            </dl>
            {paused.then(|| view! { <p class="notice" role="status">"The queue is paused."</p> })}
            <div class="actions">
                <Act label="Download everything" action=DownloadAction::QueueLibrary run hydrated/>
                <Act label="Download liked songs" action=DownloadAction::QueueLiked run hydrated/>
                {if paused {
                    view! { <Act label="Resume" action=DownloadAction::Resume run hydrated/> }
                } else {
                    view! { <Act label="Pause" action=DownloadAction::Pause run hydrated/> }
                }}
                {(c.failed > 0).then(|| view! {
                    <Act label="Retry failed" action=DownloadAction::RetryFailed run hydrated/>
                })}
                <a class="button" href="/downloads/not-downloaded.txt" download="not_downloaded.txt" rel="external">
                    "Not-downloaded report"
                </a>
            </div>
            <label class="switch">
                <input type="checkbox" checked=auto disabled=disabled
                    on:change=move |_| run.run(DownloadAction::Auto(!auto))/>
                " Download newly synced tracks automatically"
            </label>
        </section>
    }
}

/// The job list.
#[component]
fn Jobs(
    jobs: Page<DownloadJob>,
    filter: Option<String>,
    run: Callback<DownloadAction>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    if jobs.total == 0 {
        return view! {
            <Empty title="No download jobs here">
                "Use “Download everything” or a playlist's “Download all” to fill the queue; each track's state and, for failures, the reason show here."
            </Empty>
        }
        .into_any();
    }
    let (offset, total, shown) = (jobs.offset, jobs.total, jobs.items.len());
    let base = match filter {
        Some(state) => format!("/downloads?state={state}"),
        None => "/downloads".to_string(),
    };
    view! {
        <table class="tracks jobs">
            <caption class="visually-hidden">"Download jobs"</caption>
            <thead><tr>
                <th scope="col">"Track"</th>
                <th scope="col">"State"</th>
                <th scope="col" class="date">"Updated"</th>
                <th scope="col" class="dur">"Time"</th>
            </tr></thead>
            <tbody>
                {jobs.items.into_iter().map(|job| view! { <JobRow job run hydrated/> }).collect_view()}
            </tbody>
        </table>
        <Pager base offset shown total/>
    }
    .into_any()
}

/// A candidate of a search, as the vault keeps it.
#[derive(Clone, Debug, Deserialize)]
struct ScoredCandidate {
    candidate: CandidateFields,
    score: f64,
    reasons: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
struct CandidateFields {
    title: String,
    uploader: String,
    duration_ms: Option<i64>,
    url: String,
    /// `song`, `official_video`, … (absent in candidates kept before kinds).
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    album: Option<String>,
}

#[component]
fn JobRow(
    job: DownloadJob,
    run: Callback<DownloadAction>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let id = job.track.id;
    let candidates: Vec<ScoredCandidate> = job
        .candidates
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let disabled = move || !hydrated.get();
    let url = RwSignal::new(String::new());
    let details = (job.chosen.clone(), job.format.clone(), job.bytes);
    // Only the badge follows the live events; the rest is as served, and the
    // list reloads whenever a job settles.
    let state = job.state.as_str();
    view! {
        <tr data-track=id>
            <TitleCell title=job.track.title artists=job.track.artists/>
            <td class="state">
                <DownloadBadge track_id=id state=Some(job.state.clone()) bar=true/>
                {job.reason.map(|r| view! { <span class="reason">{r}</span> })}
                <span class="job-actions">
                    {matches!(state, "failed" | "skipped").then(|| view! {
                        <Act label="Retry" action=DownloadAction::Retry(id) run hydrated small=true/>
                    })}
                    {matches!(state, "queued" | "searching" | "downloading" | "validating").then(|| view! {
                        <Act label="Cancel" action=DownloadAction::Cancel(id) run hydrated small=true/>
                    })}
                    {(state == "downloaded").then(|| view! {
                        <a class="small" href=format!("/audio/{id}") rel="external">"Open file"</a>
                    })}
                </span>
                {(details.0.is_some()).then(|| {
                    let (chosen, format, bytes) = details.clone();
                    view! {
                        <span class="chosen">
                            {chosen}
                            {format.map(|f| format!(" · {f}"))}
                            {bytes.map(|b| format!(" · {:.1} MB", b as f64 / 1_000_000.0))}
                        </span>
                    }
                })}
                <details class="fix">
                    <summary>{if candidates.is_empty() { "Paste a URL" } else { "Candidates, or paste a URL" }}</summary>
                    {(!candidates.is_empty()).then(|| view! {
                        <ol class="candidates">
                            {candidates.into_iter().map(|c| {
                                let pick = c.candidate.url.clone();
                                view! {
                                    <li>
                                        <span class="name">{c.candidate.title}</span>
                                        " · " {c.candidate.uploader}
                                        {c.candidate.album.map(|a| format!(" · {a}"))}
                                        " · " {c.candidate.duration_ms.map(duration).unwrap_or_default()}
                                        {c.candidate.kind.filter(|k| k != "unknown").map(|k| format!(" · {}", k.replace('_', " ")))}
                                        <span class="score">{format!(" · {:.0}%", c.score * 100.0)}</span>
                                        <span class="reason">{c.reasons.join(", ")}</span>
                                        <Act label="Use this" action=DownloadAction::UseUrl { track_id: id, url: pick } run hydrated small=true/>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    })}
                    <form class="paste-url" on:submit=move |ev| {
                        ev.prevent_default();
                        run.run(DownloadAction::UseUrl { track_id: id, url: url.get_untracked() });
                    }>
                        <label>
                            <span class="visually-hidden">"URL to download this track from"</span>
                            <input type="url" placeholder="https://…" required
                                bind:value=url/>
                        </label>
                        <button type="submit" class="small" disabled=disabled>"Download from URL"</button>
                    </form>
                </details>
            </td>
            <td class="date">{date_time(&job.updated_at)}</td>
            <td class="dur">{duration(job.track.duration_ms)}</td>
        </tr>
    }
}

/// The music folder: how many files it holds, which could not be read.
#[component]
fn MusicFolder(
    folder: FolderSummary,
    run: Callback<DownloadAction>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let state = if folder.scanned {
        format!(
            "{} audio files found, {} unreadable.",
            folder.files, folder.problem_count
        )
    } else {
        "Not scanned yet: it is read when the first job searches it.".to_string()
    };
    let problems = folder.problems;
    view! {
        <section class="music-folder" aria-label="Music folder">
            <p>"Music folder " <code>{folder.dir}</code> ": " {state}</p>
            {(!problems.is_empty()).then(|| view! {
                <details>
                    <summary>"Files Hoard cannot read"</summary>
                    <ul>
                        {problems.into_iter().map(|(path, why)| view! {
                            <li><code>{path}</code> <span class="reason">{why}</span></li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            <Act label="Rescan" action=DownloadAction::RescanFolder run hydrated small=true/>
        </section>
    }
}

/// Files that failed validation, and the button that removes them.
#[component]
fn Quarantine(
    files: Vec<Quarantined>,
    run: Callback<DownloadAction>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    (!files.is_empty()).then(|| {
        let count = files.len();
        view! {
            <section class="quarantine" aria-labelledby="quarantine-title">
                <h2 id="quarantine-title">{format!("Quarantine ({count})")}</h2>
                <p>"Files that failed validation are kept here for you to look at; they are not in the library."</p>
                <ul>
                    {files.into_iter().map(|f| view! {
                        <li>
                            <span class="name">{f.title.unwrap_or_else(|| f.path.clone())}</span>
                            <span class="reason">{f.reason}</span>
                            <span class="date">{date_time(&f.at)}</span>
                        </li>
                    }).collect_view()}
                </ul>
                <Act label="Clear quarantine" action=DownloadAction::ClearQuarantine run hydrated/>
            </section>
        }
    })
}

/// "Download all" for a list (liked songs, a playlist): queues its tracks
/// that have no file yet and says how many.
#[component]
pub fn DownloadAll(action: DownloadAction, label: &'static str) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let message = RwSignal::new(None::<Result<String, AppError>>);
    let busy = RwSignal::new(false);
    let click = move |_| {
        let action = action.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            message.set(Some(download_command(action).await));
            busy.set(false);
        });
    };
    view! {
        <div class="download-all">
            <button type="button" disabled=move || !hydrated.get() || busy.get() on:click=click>{label}</button>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <span class="note" role="status">{text} " " <a href="/downloads">"See the queue"</a></span> }.into_any(),
                Err(error) => view! { <span class="note error" role="alert">{error.to_string()}</span> }.into_any(),
            })}
        </div>
    }
}
