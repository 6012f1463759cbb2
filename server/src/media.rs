//! Acquisition in the server: the download queue built from the settings,
//! the audio and cover files it serves (with Range requests), the live feed
//! of job changes and the "not downloaded" report.
//!
//! No request names a path: files are found by a track or album id through
//! the vault, and the path the vault holds is checked to stay inside its
//! folder before it is opened.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, Stream, StreamExt};
use hoard_acquire::folder::LocalFolder;
use hoard_acquire::matcher::MatchOptions;
use hoard_acquire::validate::Tolerance;
use hoard_acquire::ytdlp::YtDlp;
use hoard_acquire::ytmusic::{YtMusic, YtMusicSettings};
use hoard_acquire::{Acquirer, QueueSettings, Source};
use hoard_sync::Syncer;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use vault::model::Id;
use vault::QueueScope;

use crate::config::Config;
use crate::router::AppState;

/// yt-dlp as the settings run it.
pub fn ytdlp(config: &Config) -> YtDlp {
    YtDlp {
        command: config
            .ytdlp_command
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        timeout: Duration::from_secs(u64::from(config.ytdlp_timeout_seconds)),
        ..YtDlp::default()
    }
}

/// Reads YouTube, YouTube Music and SoundCloud links for imports, with yt-dlp.
pub fn lister(config: &Config) -> hoard_sync::import::Lister {
    let ytdlp = Arc::new(ytdlp(config));
    Arc::new(move |url: String, flat: bool| {
        let ytdlp = ytdlp.clone();
        Box::pin(async move {
            ytdlp
                .list(&url, flat, hoard_sync::import::MAX_UPLOADS)
                .await
                .map_err(|e| e.to_string())
        })
    })
}

/// The download queue as the settings describe it: the music folder first
/// (if there is one, also returned), then the search sources in their
/// order; yt-dlp downloads for them and fetches pasted URLs.
pub fn acquirer(config: &Config, vault: vault::Vault) -> (Arc<Acquirer>, Option<Arc<LocalFolder>>) {
    let matching = MatchOptions {
        threshold: config.match_threshold,
        ..MatchOptions::default()
    };
    let ytdlp = ytdlp(config);
    let folder = config
        .music_folder
        .as_ref()
        .map(|dir| Arc::new(LocalFolder::new(dir.clone())));
    let mut sources: Vec<Arc<dyn Source>> = Vec::new();
    if let Some(folder) = &folder {
        sources.push(folder.clone());
    }
    for name in &config.search_sources {
        let source: Arc<dyn Source> = match name.as_str() {
            "youtube-music" => Arc::new(YtMusic::new(
                YtMusicSettings {
                    python: config
                        .python_command
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                    url: config.ytmusic_url.clone(),
                    matching: matching.clone(),
                    ..YtMusicSettings::default()
                },
                ytdlp.clone(),
            )),
            "youtube" => Arc::new(YtDlp {
                name: "youtube",
                search: "ytsearch8:{query}".into(),
                ..ytdlp.clone()
            }),
            "soundcloud" => Arc::new(YtDlp {
                name: "soundcloud",
                search: "scsearch8:{query}".into(),
                ..ytdlp.clone()
            }),
            _ => continue,
        };
        sources.push(source);
    }
    let ytdlp: Arc<dyn Source> = Arc::new(ytdlp);
    let settings = QueueSettings {
        // Absolute, so a child process's paths mean the same as Hoard's.
        data_dir: std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone()),
        concurrency: config.download_concurrency as usize,
        max_attempts: i64::from(config.download_attempts),
        retry_after: Duration::from_secs(u64::from(config.download_retry_seconds)),
        tolerance: Tolerance {
            seconds: config.duration_tolerance_seconds,
            percent: config.duration_tolerance_percent,
        },
        matching,
    };
    let acquirer = Arc::new(Acquirer::new(vault, settings, sources, Some(ytdlp)));
    (acquirer, folder)
}

/// When a sync ends and automatic downloads are on, queues the library's
/// tracks that have no job yet. A sync counts as ended when the newest
/// finished run changes, so one that starts and ends between two looks is
/// not missed.
pub async fn queue_after_syncs(syncer: Arc<Syncer>, state: app::state::ServerState) {
    let latest_finished = || async {
        match state.vault.sync_runs(1).await {
            Ok(runs) => runs
                .into_iter()
                .find(|r| r.finished_at.is_some())
                .map(|r| r.id),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the sync runs");
                None
            }
        }
    };
    let mut progress = syncer.progress();
    let mut seen = latest_finished().await;
    while progress.changed().await.is_ok() {
        if progress.borrow_and_update().running {
            continue;
        }
        let latest = latest_finished().await;
        if latest == seen {
            continue;
        }
        seen = latest;
        match app::routes::downloads::auto_download_on(&state).await {
            Ok(true) => match state.vault.queue_downloads(QueueScope::NewInLibrary).await {
                Ok(0) => {}
                Ok(queued) => {
                    tracing::info!(tracks = queued, "newly synced tracks queued for download");
                    state.acquirer.wake();
                }
                Err(e) => tracing::error!(error = %e, "cannot queue newly synced tracks"),
            },
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the auto-download setting"),
        }
    }
}

/// The content type of an audio format (a file extension).
pub(crate) fn audio_type(format: &str) -> &'static str {
    match format {
        "mp3" => "audio/mpeg",
        "m4a" | "mp4" | "aac" => "audio/mp4",
        "opus" | "ogg" | "oga" => "audio/ogg",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "aiff" | "aif" => "audio/aiff",
        _ => "application/octet-stream",
    }
}

/// Serves a file with Range support and the given type and caching.
pub(crate) async fn serve_file(
    path: PathBuf,
    content_type: &'static str,
    request: Request,
) -> Response {
    let mut response = match ServeFile::new(&path).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    };
    let headers = response.headers_mut();
    if headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    // A file changes only when it is downloaded again; the browser may keep
    // it for a day and revalidate with Last-Modified after that.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    response
}

/// `GET /audio/{track_id}`: the track's file, with Range requests for
/// seeking. A track with no file answers 404 with what Spotify offers
/// instead: an open-in-Spotify link and, where the API still gives one, a
/// 30-second preview.
pub async fn audio(
    State(state): State<AppState>,
    UrlPath(track_id): UrlPath<Id>,
    request: Request,
) -> Response {
    let vault = &state.server.vault;
    let library = state.server.acquirer.settings().library_dir();
    match vault.track_file(track_id).await {
        Ok(Some((path, format))) => {
            let Some(full) = hoard_acquire::layout::inside_library(&library, &path) else {
                tracing::error!(
                    track_id,
                    path,
                    "a file path in the vault leaves the library folder"
                );
                return StatusCode::NOT_FOUND.into_response();
            };
            if !full.is_file() {
                tracing::warn!(track_id, file = %full.display(), "a downloaded file is missing from disk");
                return fallback(
                    vault,
                    track_id,
                    "the file is missing from the library folder",
                )
                .await;
            }
            let kind = audio_type(format.as_deref().unwrap_or(""));
            serve_file(full, kind, request).await
        }
        Ok(None) => fallback(vault, track_id, "not in the vault yet").await,
        Err(vault::DbError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "audio: database error");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The 404 of a track with no file: what Spotify offers instead, labelled.
async fn fallback(vault: &vault::Vault, track_id: Id, why: &str) -> Response {
    match vault.track_fallback(track_id).await {
        Ok((spotify_id, preview_url)) => (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({
                "in_vault": false,
                "reason": why,
                "spotify_url": spotify_id.map(|id| format!("https://open.spotify.com/track/{id}")),
                "preview_url": preview_url,
            })),
        )
            .into_response(),
        Err(vault::DbError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// `GET /covers/{album_id}`: the album cover kept when its tracks were tagged.
pub async fn cover(
    State(state): State<AppState>,
    UrlPath(album_id): UrlPath<Id>,
    Query(size): Query<CoverSize>,
    request: Request,
) -> Response {
    let kept = state.artwork.album(album_id);
    serve_cover(&state, kept, size, request).await
}

/// `GET /covers/playlists/{id}[?size=N]`: a playlist's kept cover.
pub async fn playlist_cover(
    State(state): State<AppState>,
    UrlPath(playlist_id): UrlPath<Id>,
    Query(size): Query<CoverSize>,
    request: Request,
) -> Response {
    let kept = state.artwork.playlist(playlist_id);
    serve_cover(&state, kept, size, request).await
}

/// `?size=`: one of [`crate::artwork::SIZES`], or the kept file as it is.
#[derive(serde::Deserialize)]
pub struct CoverSize {
    size: Option<u32>,
}

async fn serve_cover(
    state: &AppState,
    kept: Option<(PathBuf, &'static str)>,
    size: CoverSize,
    request: Request,
) -> Response {
    let Some((path, kind)) = kept else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match size.size {
        None => serve_file(path, kind, request).await,
        Some(size) if crate::artwork::SIZES.contains(&size) => {
            match state.artwork.sized(&path, size).await {
                Ok(sized) => serve_file(sized, "image/jpeg", request).await,
                Err(reason) => {
                    tracing::warn!(file = %path.display(), "cannot scale a cover: {reason}");
                    serve_file(path, kind, request).await
                }
            }
        }
        Some(_) => (
            StatusCode::BAD_REQUEST,
            "size must be 64, 300 or 640 (or left out for the kept image)",
        )
            .into_response(),
    }
}

/// `GET /downloads/events`: server-sent events, one per job change, starting
/// with the jobs running now.
pub async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let acquirer = &state.server.acquirer;
    let receiver = acquirer.subscribe();
    let now = stream::iter(acquirer.active());
    let later = stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => return Some((event, receiver)),
                // A slow reader skips what it missed; the next events carry on.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let events = now.chain(later).map(|event| {
        Ok(Event::default()
            .event("job")
            .json_data(&event)
            .unwrap_or_else(|_| Event::default().comment("unencodable event")))
    });
    // The stream ends when the server shuts down (the browser reconnects to
    // the next one by itself).
    let mut stopping = state.shutting_down.clone();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    Sse::new(events.take_until(stopped))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// `GET /downloads/not-downloaded.txt`: every library track with no file,
/// one per line with the reason, as a file to keep.
pub async fn not_downloaded(State(state): State<AppState>) -> Response {
    match state.server.vault.not_downloaded().await {
        Ok(rows) => {
            let count = rows.len();
            let noun = if count == 1 { "track" } else { "tracks" };
            let mut text = format!(
                "# Hoard: {count} {noun} not downloaded ({})\n",
                vault::now_text()
            );
            for row in rows {
                let link = row
                    .spotify_id
                    .map(|id| format!(" https://open.spotify.com/track/{id}"))
                    .unwrap_or_default();
                let status = match (row.state.as_deref(), row.reason) {
                    (None, _) => "not queued".to_owned(),
                    (Some(state), Some(reason)) => format!("{state}: {reason}"),
                    (Some(state), None) => state.to_owned(),
                };
                text.push_str(&format!(
                    "{} - {}{link} ({status})\n",
                    row.artists, row.title
                ));
            }
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"not_downloaded.txt\"",
                    ),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                text,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "not-downloaded report: database error");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
