//! The download queue: workers that take jobs from the vault's `downloads`
//! table and carry each through search, download, validation, tagging and
//! the move into the library.
//!
//! ```text
//! claim ─► searching: each source in priority order, scored by the matcher
//!        ─► downloading into data/tmp/<track id>-<pid>-<attempt>/ (progress pushed live)
//!        ─► validating: lofty reads it, duration within tolerance
//!             └─ invalid ─► data/quarantine/, failed with the reason
//!        ─► tag (cover fetched once per album) ─► rename into data/library/
//!        ─► downloaded (path relative to the library folder)
//! ```
//!
//! Every state is in the database, so a kill at any moment is resumed by
//! the next start: interrupted jobs go back to the queue and the temporary
//! folder is emptied. A file enters the library only by `rename`, complete
//! and tagged, at a path computed from the track alone, so a job run twice
//! replaces its own file rather than adding a second one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use vault::model::{AcquireTrack, DownloadEvent, Id};
use vault::{FinishedDownload, Vault};

use crate::layout::{relative_path, unique_path, TrackPlace};
use crate::matcher::{choose, Candidate, MatchOptions, Scored, Verdict, Wanted};
use crate::source::{Source, SourceError};
use crate::tag::{write_tags_checked, CheckedTagError, Cover, TrackTags};
use crate::validate::{check_decodes, check_header, Tolerance};

/// The setting that keeps the queue paused across restarts.
const PAUSED_SETTING: &str = "downloads_paused";

/// How the queue runs.
#[derive(Clone, Debug)]
pub struct QueueSettings {
    /// The data folder: `library/`, `tmp/`, `quarantine/` and `covers/` live in it.
    pub data_dir: PathBuf,
    /// Jobs worked on at once.
    pub concurrency: usize,
    /// Attempts per job before it fails.
    pub max_attempts: i64,
    /// The wait before the first retry; it doubles with each attempt.
    pub retry_after: Duration,
    pub tolerance: Tolerance,
    pub matching: MatchOptions,
}

impl QueueSettings {
    pub fn library_dir(&self) -> PathBuf {
        self.data_dir.join("library")
    }
    pub fn tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }
    pub fn quarantine_dir(&self) -> PathBuf {
        self.data_dir.join("quarantine")
    }
    pub fn covers_dir(&self) -> PathBuf {
        self.data_dir.join("covers")
    }
}

/// How an attempt ended, when it did not end with a file.
enum Outcome {
    /// Worth another attempt later.
    Retry(String),
    /// Final: the reason is shown to the user.
    Fail(String),
    Cancelled,
}

impl From<SourceError> for Outcome {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Transient(reason) => Outcome::Retry(reason),
            SourceError::Permanent(reason) => Outcome::Fail(reason),
            SourceError::Cancelled => Outcome::Cancelled,
        }
    }
}

impl From<vault::DbError> for Outcome {
    fn from(e: vault::DbError) -> Self {
        Outcome::Retry(format!("database: {e}"))
    }
}

/// A job a worker has now.
struct Active {
    event: DownloadEvent,
    cancel: CancellationToken,
}

/// The queue and its workers.
pub struct Acquirer {
    vault: Vault,
    settings: QueueSettings,
    /// Searched in this order; the first confident match wins.
    sources: Vec<Arc<dyn Source>>,
    /// Fetches a URL the user gave (yt-dlp).
    url_source: Option<Arc<dyn Source>>,
    paused: watch::Sender<bool>,
    wake: Notify,
    events: broadcast::Sender<DownloadEvent>,
    active: Mutex<HashMap<Id, Active>>,
    http: reqwest::Client,
    /// One cover download at a time, so an album's cover is fetched once.
    covers: tokio::sync::Mutex<()>,
    /// Hoard's own time for each finished job: all but the sources' search
    /// and transfer (matching, validation, tagging, the move, the database).
    overheads: Mutex<Vec<Duration>>,
    /// `downloads.lock` in the data folder, held while the queue runs.
    lock: Mutex<Option<std::fs::File>>,
}

impl std::fmt::Debug for Acquirer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acquirer")
            .field("settings", &self.settings)
            .field(
                "sources",
                &self.sources.iter().map(|s| s.name()).collect::<Vec<_>>(),
            )
            .field("paused", &self.is_paused())
            .finish_non_exhaustive()
    }
}

impl Acquirer {
    /// A queue over `vault` with its sources in priority order; `url_source`
    /// fetches URLs the user pastes or picks.
    pub fn new(
        vault: Vault,
        settings: QueueSettings,
        sources: Vec<Arc<dyn Source>>,
        url_source: Option<Arc<dyn Source>>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Self {
            vault,
            settings,
            sources,
            url_source,
            paused: watch::Sender::new(false),
            wake: Notify::new(),
            events: broadcast::Sender::new(1024),
            active: Mutex::new(HashMap::new()),
            http,
            covers: tokio::sync::Mutex::new(()),
            overheads: Mutex::new(Vec::new()),
            lock: Mutex::new(None),
        }
    }

    /// Writes a downloaded track's tags again, from the vault's values with
    /// the listener's edits, keeping the file's cover unless the album has a
    /// chosen one. The tagged file is decoded again; a file the write fails
    /// or would damage is put back as it was, and the reason returned.
    pub async fn retag(&self, track_id: Id) -> Result<(), String> {
        let track = self
            .vault
            .acquire_track(track_id)
            .await
            .map_err(|e| format!("cannot read the track: {e}"))?;
        let relative = track
            .file_path
            .clone()
            .ok_or_else(|| "the track has no file in the vault yet".to_string())?;
        let library = self.settings.library_dir();
        let path = crate::layout::inside_library(&library, &relative)
            .ok_or_else(|| "the track's file path leaves the library folder".to_string())?;
        let cover = match track.album_edit.cover_mime {
            Some(_) => self.cover(&track).await,
            None => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || crate::tag::read_cover(&path))
                    .await
                    .map_err(|e| format!("reading the cover stopped: {e}"))?
                    .map_err(|e| e.to_string())?
            }
        };
        let tags = track_tags(&track, cover);
        let tolerance = self.settings.tolerance;
        tokio::task::spawn_blocking(move || {
            let info = check_header(&path).map_err(|e| format!("the file fails its check: {e}"))?;
            write_tags_checked(&path, &tags, |p| {
                check_decodes(p, info.duration_ms, None, tolerance)
            })
            .map(|_| ())
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| format!("tagging stopped: {e}"))?
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    /// Resumes what a stopped process left (interrupted jobs back to the
    /// queue, partial files removed) and starts the workers.
    pub async fn start(self: &Arc<Self>) -> Result<Vec<JoinHandle<()>>, String> {
        // Two processes on one data folder would take each other's running
        // jobs for interrupted ones and empty each other's temporary folder.
        std::fs::create_dir_all(&self.settings.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.settings.data_dir.display()))?;
        let lock_path = self.settings.data_dir.join("downloads.lock");
        let lock = match vault::lock::hold(&lock_path) {
            Ok(Some(lock)) => lock,
            Ok(None) => {
                return Err(format!(
                    "another Hoard is running the download queue of {} ({} is locked)",
                    self.settings.data_dir.display(),
                    lock_path.display()
                ));
            }
            Err(e) => return Err(format!("cannot lock {}: {e}", lock_path.display())),
        };
        *self.lock.lock().unwrap_or_else(|e| e.into_inner()) = Some(lock);
        let tmp = self.settings.tmp_dir();
        if tmp.exists() {
            stop_orphans(&tmp).await;
            std::fs::remove_dir_all(&tmp)
                .map_err(|e| format!("cannot empty {}: {e}", tmp.display()))?;
        }
        for dir in [
            tmp,
            self.settings.library_dir(),
            self.settings.quarantine_dir(),
            self.settings.covers_dir(),
        ] {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let requeued = self
            .vault
            .requeue_interrupted_downloads()
            .await
            .map_err(|e| e.to_string())?;
        if requeued > 0 {
            tracing::info!(
                jobs = requeued,
                "downloads interrupted by a stop are queued again"
            );
        }
        let paused = self
            .vault
            .setting(PAUSED_SETTING)
            .await
            .map_err(|e| e.to_string())?
            .is_some_and(|v| v == "true");
        self.paused.send_replace(paused);
        Ok((0..self.settings.concurrency.max(1))
            .map(|_| tokio::spawn(Arc::clone(self).work()))
            .collect())
    }

    /// Tells idle workers there is new work.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    /// Pauses or resumes the whole queue (kept across restarts). Jobs
    /// already running finish; no new one starts while paused.
    pub async fn set_paused(&self, paused: bool) -> Result<(), vault::DbError> {
        self.vault
            .set_setting(PAUSED_SETTING, if paused { "true" } else { "false" })
            .await?;
        self.paused.send_replace(paused);
        Ok(())
    }

    /// Cancels a job: a running one is stopped (its partial file removed),
    /// a queued one is taken out of the queue.
    pub async fn cancel(&self, track_id: Id) -> Result<(), vault::DbError> {
        let running = self.lock_active().get(&track_id).map(|a| a.cancel.clone());
        match running {
            Some(token) => token.cancel(),
            None => {
                self.vault
                    .skip_download(track_id, "cancelled by you")
                    .await?;
                self.emit(track_id, "skipped", None, Some("cancelled by you".into()));
            }
        }
        Ok(())
    }

    /// Live changes to jobs, for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<DownloadEvent> {
        self.events.subscribe()
    }

    /// The jobs being worked on now, with their progress.
    pub fn active(&self) -> Vec<DownloadEvent> {
        let mut jobs: Vec<DownloadEvent> = self
            .lock_active()
            .values()
            .map(|a| a.event.clone())
            .collect();
        jobs.sort_by_key(|e| e.track_id);
        jobs
    }

    /// Hoard's own time for each job finished so far (see `overheads`).
    pub fn overheads(&self) -> Vec<Duration> {
        self.overheads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Tells listeners a job changed outside the workers (queued, retried).
    pub fn announce(&self, track_id: Id, state: &str) {
        self.emit(track_id, state, None, None);
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Active>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emit(&self, track_id: Id, state: &str, progress: Option<f32>, reason: Option<String>) {
        let event = DownloadEvent {
            track_id,
            state: state.to_owned(),
            progress,
            reason,
        };
        if let Some(active) = self.lock_active().get_mut(&track_id) {
            active.event = event.clone();
        }
        // No listener is fine: the UI may not be open.
        let _ = self.events.send(event);
    }

    /// A worker: takes jobs while the queue is not paused.
    async fn work(self: Arc<Self>) {
        let mut paused = self.paused.subscribe();
        loop {
            while *paused.borrow_and_update() {
                if paused.changed().await.is_err() {
                    return;
                }
            }
            match self.vault.claim_next_download().await {
                Ok(Some((track_id, attempt))) => self.run_job(track_id, attempt).await,
                Ok(None) => {
                    // Retries wait for their time, so look again now and then.
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = tokio::time::sleep(Duration::from_secs(2)) => {}
                        _ = paused.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "download queue: cannot claim a job");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }

    /// Runs attempt number `attempt` of a claimed job and records how it ended.
    async fn run_job(&self, track_id: Id, attempt: i64) {
        let cancel = CancellationToken::new();
        self.lock_active().insert(
            track_id,
            Active {
                event: DownloadEvent {
                    track_id,
                    state: "searching".into(),
                    progress: None,
                    reason: None,
                },
                cancel: cancel.clone(),
            },
        );
        self.emit(track_id, "searching", None, None);
        // A folder of this attempt's own: a yt-dlp orphaned by a killed
        // Hoard may still be writing into the folder of an earlier attempt.
        let job_dir = self
            .settings
            .tmp_dir()
            .join(format!("{track_id}-{}-{attempt}", std::process::id()));
        let started = std::time::Instant::now();
        let mut in_sources = Duration::ZERO;
        let outcome = self
            .attempt(track_id, &job_dir, &cancel, &mut in_sources)
            .await;
        if outcome.is_ok() {
            let overhead = started.elapsed().saturating_sub(in_sources);
            tracing::debug!(
                track_id,
                overhead_ms = overhead.as_millis() as u64,
                "job overhead"
            );
            self.overheads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(overhead);
        }
        if let Err(e) = tokio::fs::remove_dir_all(&job_dir).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %job_dir.display(), error = %e, "cannot remove a job's temporary folder");
            }
        }
        self.lock_active().remove(&track_id);
        let recorded = match outcome {
            Ok(()) => {
                self.emit(track_id, "downloaded", Some(1.0), None);
                Ok(())
            }
            Err(Outcome::Cancelled) => {
                let reason = "cancelled by you";
                let done = self.vault.skip_download(track_id, reason).await;
                self.emit(track_id, "skipped", None, Some(reason.into()));
                done
            }
            Err(Outcome::Retry(reason)) => {
                self.record_failure(track_id, &reason, Some(attempt)).await
            }
            Err(Outcome::Fail(reason)) => self.record_failure(track_id, &reason, None).await,
        };
        if let Err(e) = recorded {
            tracing::error!(track_id, error = %e, "download queue: cannot record a job's outcome");
        }
    }

    /// Records a failed attempt: `retry` (the attempt's number) puts it back
    /// in the queue after a wait that doubles with each attempt, while
    /// attempts are left; without it the job fails.
    async fn record_failure(
        &self,
        track_id: Id,
        reason: &str,
        retry: Option<i64>,
    ) -> Result<(), vault::DbError> {
        let retry_at = retry.map(|attempt| {
            let doublings = (attempt - 1).clamp(0, 10) as u32;
            let wait = self.settings.retry_after * 2u32.pow(doublings);
            vault::db_time(std::time::SystemTime::now() + wait)
        });
        let state = self
            .vault
            .fail_download(
                track_id,
                reason,
                retry_at.as_deref(),
                self.settings.max_attempts,
            )
            .await?;
        tracing::info!(track_id, state = %state, reason, "download attempt failed");
        self.emit(track_id, &state, None, Some(reason.to_owned()));
        Ok(())
    }

    async fn advance(&self, track_id: Id, state: &str) -> Result<(), Outcome> {
        self.vault.advance_download(track_id, state).await?;
        self.emit(track_id, state, None, None);
        Ok(())
    }

    /// One attempt at a job, from search to the file in the library.
    async fn attempt(
        &self,
        track_id: Id,
        job_dir: &Path,
        cancel: &CancellationToken,
        in_sources: &mut Duration,
    ) -> Result<(), Outcome> {
        let track = self.vault.acquire_track(track_id).await?;
        let wanted = Wanted {
            title: track.title.clone(),
            artists: track.artists.clone(),
            album: track.album.clone(),
            duration_ms: track.duration_ms,
            isrc: track.isrc.clone(),
            explicit: Some(track.explicit),
        };
        let (source, candidate, chosen, user_chosen) = match &track.url {
            Some(url) => {
                let (source, candidate) = self.source_for_url(url)?;
                (source, candidate, format!("the URL you chose: {url}"), true)
            }
            None => {
                let (source, candidate, why) =
                    self.find(track_id, &wanted, cancel, in_sources).await?;
                (source, candidate, why, false)
            }
        };

        if let Err(e) = tokio::fs::remove_dir_all(job_dir).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(Outcome::Retry(format!(
                    "cannot clear {}: {e}",
                    job_dir.display()
                )));
            }
        }
        tokio::fs::create_dir_all(job_dir)
            .await
            .map_err(|e| Outcome::Retry(format!("cannot create {}: {e}", job_dir.display())))?;

        self.advance(track_id, "downloading").await?;
        let last = Mutex::new(-1i32);
        let progress = |fraction: f32| {
            // A percent at a time is plenty for a progress bar.
            let percent = (fraction * 100.0) as i32;
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if percent != *last {
                *last = percent;
                self.emit(track_id, "downloading", Some(fraction), None);
            }
        };
        let fetching = std::time::Instant::now();
        let fetched = source.fetch(&candidate, job_dir, &progress, cancel).await;
        *in_sources += fetching.elapsed();
        let file = fetched?;

        self.advance(track_id, "validating").await?;
        // A URL the user chose may be another edit of the song: only the
        // file itself is checked then, not its length against Spotify's.
        let expected = (!user_chosen && track.duration_ms > 0).then_some(track.duration_ms);
        let tolerance = self.settings.tolerance;
        let checked = {
            let file = file.clone();
            tokio::task::spawn_blocking(move || check_header(&file))
                .await
                .map_err(|e| Outcome::Retry(format!("validation stopped: {e}")))?
        };
        let info = match checked {
            Ok(info) => info,
            Err(invalid) => {
                let reason = format!("the file failed validation: {invalid}");
                self.quarantine(&track, &file, &reason, source.name()).await;
                return Err(Outcome::Fail(reason));
            }
        };

        let cover = self.cover(&track).await;
        let tags = track_tags(&track, cover);
        // Tagging, then the decode check on the tagged file: one full
        // decode, and a tagger that would damage the file is caught.
        let tagged = {
            let file = file.clone();
            let claimed = info.duration_ms;
            tokio::task::spawn_blocking(move || {
                write_tags_checked(&file, &tags, |path| {
                    check_decodes(path, claimed, expected, tolerance)
                })
            })
            .await
            .map_err(|e| Outcome::Retry(format!("tagging stopped: {e}")))?
        };
        match tagged {
            Ok(_) => {}
            Err(CheckedTagError::Tag(e)) => {
                return Err(Outcome::Fail(format!("tagging failed: {e}")))
            }
            Err(e) => {
                let reason = match e {
                    CheckedTagError::Invalid(invalid) => {
                        format!("the file failed validation: {invalid}")
                    }
                    other => other.to_string(),
                };
                self.quarantine(&track, &file, &reason, source.name()).await;
                return Err(Outcome::Fail(reason));
            }
        }
        if cancel.is_cancelled() {
            return Err(Outcome::Cancelled);
        }

        let relative = self.place(&track, info.extension).await?;
        let destination = self.settings.library_dir().join(&relative);
        if let Some(parent) = destination.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| Outcome::Retry(format!("cannot create {}: {e}", parent.display())))?;
        }
        let bytes = tokio::fs::metadata(&file)
            .await
            .map(|m| m.len() as i64)
            .unwrap_or(0);
        tokio::fs::rename(&file, &destination)
            .await
            .map_err(|e| Outcome::Retry(format!("cannot move the file into the library: {e}")))?;
        let relative_text = relative.to_string_lossy().into_owned();
        self.vault
            .finish_download(
                track_id,
                &FinishedDownload {
                    source: if user_chosen { "url" } else { source.name() },
                    file_path: &relative_text,
                    chosen: &chosen,
                    bytes,
                    format: info.extension,
                },
            )
            .await?;
        // A new file in another format replaces the old one.
        if let Some(old) = track.file_path.filter(|old| *old != relative_text) {
            let old = self.settings.library_dir().join(old);
            if let Err(e) = tokio::fs::remove_file(&old).await {
                tracing::warn!(file = %old.display(), error = %e, "cannot remove a replaced file");
            }
        }
        tracing::info!(track_id, file = %relative_text, chosen = %chosen, "downloaded");
        Ok(())
    }

    /// The source and candidate for a URL the user gave: a file of the music
    /// folder (picked from the candidates) or anything yt-dlp accepts.
    fn source_for_url(&self, url: &str) -> Result<(Arc<dyn Source>, Candidate), Outcome> {
        let candidate = Candidate {
            url: url.to_owned(),
            ..Candidate::default()
        };
        let source = if url.starts_with("file://") {
            self.sources.iter().find(|s| s.name() == "local").cloned()
        } else {
            self.url_source.clone()
        };
        source
            .map(|s| (s, candidate))
            .ok_or_else(|| Outcome::Fail(format!("no source here can fetch {url}")))
    }

    /// Searches every source in priority order; the first confident match wins.
    async fn find(
        &self,
        track_id: Id,
        wanted: &Wanted,
        cancel: &CancellationToken,
        in_sources: &mut Duration,
    ) -> Result<(Arc<dyn Source>, Candidate, String), Outcome> {
        let mut seen: Vec<Scored> = Vec::new();
        let mut errors: Vec<SourceError> = Vec::new();
        for source in &self.sources {
            let searching = std::time::Instant::now();
            let found = tokio::select! {
                found = source.search(wanted) => found,
                () = cancel.cancelled() => return Err(Outcome::Cancelled),
            };
            *in_sources += searching.elapsed();
            match found {
                Ok(candidates) => {
                    let (scored, verdict) = choose(wanted, &candidates, &self.settings.matching);
                    if let Verdict::Match { index, reason } = verdict {
                        let candidate = scored[index].candidate.clone();
                        self.keep_candidates(track_id, &scored).await;
                        return Ok((
                            Arc::clone(source),
                            candidate,
                            format!("{}: {reason}", source.name()),
                        ));
                    }
                    seen.extend(scored);
                }
                Err(e) => {
                    tracing::warn!(track_id, source = source.name(), error = %e, "search failed");
                    errors.push(e);
                }
            }
        }
        seen.sort_by(|a, b| b.score.total_cmp(&a.score));
        seen.truncate(10);
        self.keep_candidates(track_id, &seen).await;
        if let Some(best) = seen.first() {
            return Err(Outcome::Fail(format!(
                "no confident match (best {:.0}%, needs {:.0}%): pick a candidate or paste a URL",
                best.score * 100.0,
                self.settings.matching.threshold * 100.0
            )));
        }
        match errors.into_iter().next() {
            Some(e) => Err(e.into()),
            None => Err(Outcome::Fail(
                "nothing found: no source had a candidate; paste a URL".into(),
            )),
        }
    }

    async fn keep_candidates(&self, track_id: Id, scored: &[Scored]) {
        let json = serde_json::to_string(scored).unwrap_or_else(|_| "[]".into());
        if let Err(e) = self.vault.set_download_candidates(track_id, &json).await {
            tracing::warn!(track_id, error = %e, "cannot keep a job's candidates");
        }
    }

    /// The track's path in the library: its own, unless another track has it.
    async fn place(&self, track: &AcquireTrack, extension: &str) -> Result<PathBuf, Outcome> {
        let album_artist = track
            .album_artists
            .first()
            .or(track.artists.first())
            .map(String::as_str);
        let key = track
            .spotify_id
            .clone()
            .unwrap_or_else(|| track.id.to_string());
        let place = TrackPlace {
            album_artist,
            album: track.album.as_deref(),
            release_date: track.release_date.as_deref(),
            disc_number: track.disc_number,
            track_number: track.track_number,
            title: &track.title,
            extension,
            key: &key,
        };
        let plain = relative_path(&place);
        let owner = self.vault.file_owner(&plain.to_string_lossy()).await?;
        Ok(match owner {
            Some(other) if other != track.id => unique_path(&place, |_| true),
            _ => plain,
        })
    }

    /// Moves a file that failed validation to the quarantine folder.
    async fn quarantine(&self, track: &AcquireTrack, file: &Path, reason: &str, source: &str) {
        let extension = file
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bin".into());
        let name = format!(
            "{}-{} {}.{extension}",
            track.id,
            vault::db_time(std::time::SystemTime::now()).replace(':', ""),
            crate::layout::component(&track.title, "track")
        );
        let to = self.settings.quarantine_dir().join(&name);
        match tokio::fs::rename(file, &to).await {
            Ok(()) => {
                if let Err(e) = self
                    .vault
                    .quarantine_file(track.id, &name, reason, source)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record a quarantined file");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot move a file to quarantine"),
        }
    }

    /// The album's cover, fetched once and kept in the covers folder.
    async fn cover(&self, track: &AcquireTrack) -> Option<Cover> {
        let album_id = track.album_id?;
        if let Some(mime) = &track.album_edit.cover_mime {
            let path = self
                .settings
                .covers_dir()
                .join(edited_cover_name(album_id, mime));
            match tokio::fs::read(&path).await {
                Ok(data) => {
                    return Some(Cover {
                        data,
                        mime: mime.clone(),
                    })
                }
                Err(e) => {
                    tracing::warn!(album_id, error = %e, "the cover the listener chose is missing")
                }
            }
        }
        let url = track.cover_url.as_deref()?;
        let _one_at_a_time = self.covers.lock().await;
        let dir = self.settings.covers_dir();
        for (extension, mime) in [("jpg", "image/jpeg"), ("png", "image/png")] {
            if let Ok(data) = tokio::fs::read(dir.join(format!("{album_id}.{extension}"))).await {
                return Some(Cover {
                    data,
                    mime: mime.into(),
                });
            }
        }
        let fetched = async {
            let response = self.http.get(url).send().await?.error_for_status()?;
            response.bytes().await
        }
        .await;
        let data = match fetched {
            Ok(data) => data.to_vec(),
            Err(e) => {
                tracing::warn!(album_id, error = %e, "cannot fetch an album cover; the file gets none");
                return None;
            }
        };
        // Tags take JPEG or PNG; anything else (an SVG placeholder) is left out.
        let (extension, mime) = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            ("jpg", "image/jpeg")
        } else if data.starts_with(b"\x89PNG") {
            ("png", "image/png")
        } else {
            tracing::warn!(
                album_id,
                "an album cover is neither JPEG nor PNG; the file gets none"
            );
            return None;
        };
        let path = dir.join(format!("{album_id}.{extension}"));
        let partial = dir.join(format!("{album_id}.{extension}.part"));
        let written = async {
            tokio::fs::write(&partial, &data).await?;
            tokio::fs::rename(&partial, &path).await
        }
        .await;
        if let Err(e) = written {
            tracing::warn!(album_id, error = %e, "cannot keep an album cover");
        }
        Some(Cover {
            data,
            mime: mime.into(),
        })
    }
}

/// The cover Hoard keeps for an album in the covers folder `dir`: the one
/// the listener chose, else the one fetched from Spotify when its tracks
/// were tagged. Its path and type.
pub fn kept_cover(dir: &Path, album: Id) -> Option<(PathBuf, &'static str)> {
    [
        (format!("edit-{album}.jpg"), "image/jpeg"),
        (format!("edit-{album}.png"), "image/png"),
        (format!("{album}.jpg"), "image/jpeg"),
        (format!("{album}.png"), "image/png"),
    ]
    .into_iter()
    .map(|(name, mime)| (dir.join(name), mime))
    .find(|(path, _)| path.is_file())
}

/// The cover Hoard keeps for a playlist in the covers folder `dir`, fetched
/// from Spotify: its path and type.
pub fn kept_playlist_cover(dir: &Path, playlist: Id) -> Option<(PathBuf, &'static str)> {
    [
        (format!("playlist-{playlist}.jpg"), "image/jpeg"),
        (format!("playlist-{playlist}.png"), "image/png"),
    ]
    .into_iter()
    .map(|(name, mime)| (dir.join(name), mime))
    .find(|(path, _)| path.is_file())
}

/// The file name, in the covers folder, of the cover a listener chose for an album.
pub fn edited_cover_name(album_id: Id, mime: &str) -> String {
    let extension = if mime == "image/png" { "png" } else { "jpg" };
    format!("edit-{album_id}.{extension}")
}

/// The tags a track's file gets: Spotify's values with the listener's edits
/// over them.
fn track_tags(track: &AcquireTrack, cover: Option<Cover>) -> TrackTags {
    let number = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0);
    let (edit, album) = (&track.edit, &track.album_edit);
    TrackTags {
        title: edit.title.clone().unwrap_or_else(|| track.title.clone()),
        artists: edit
            .artists
            .clone()
            .unwrap_or_else(|| track.artists.clone()),
        album: album.name.clone().or_else(|| track.album.clone()),
        album_artists: match &album.album_artist {
            Some(artist) => vec![artist.clone()],
            None => track.album_artists.clone(),
        },
        track_number: number(edit.track_number.or(track.track_number)),
        track_total: number(track.track_total),
        disc_number: number(Some(edit.disc_number.unwrap_or(track.disc_number))),
        disc_total: number(track.disc_total),
        release_date: album.date.clone().or_else(|| track.release_date.clone()),
        genre: edit.genre.clone().or_else(|| album.genre.clone()),
        isrc: track.isrc.clone(),
        spotify_id: track.spotify_id.clone(),
        cover,
    }
}

/// Stops the downloads a killed Hoard left running: its yt-dlp and ffmpeg
/// children outlive it and would go on writing into `tmp` after it has been
/// emptied. They are found by the job folder in their command line.
async fn stop_orphans(tmp: &Path) {
    let Ok(tmp) = std::path::absolute(tmp) else {
        return;
    };
    let stopped = kill_processes_naming(tmp.as_os_str().as_encoded_bytes());
    for pid in &stopped {
        tracing::warn!(pid, "stopped a download an earlier Hoard left running");
    }
    // Wait (briefly) until they are gone, so nothing writes after the sweep.
    for _ in 0..50 {
        if stopped
            .iter()
            .all(|pid| !Path::new(&format!("/proc/{pid}")).exists())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends SIGKILL to every other process whose command line contains
/// `needle` and returns their ids (Linux's `/proc`; elsewhere, none).
pub fn kill_processes_naming(needle: &[u8]) -> Vec<i32> {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        let me = std::process::id();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| *pid as u32 != me)
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                    !needle.is_empty() && c.windows(needle.len()).any(|w| w == needle)
                })
            })
            .filter(|pid| kill(Pid::from_raw(*pid), Signal::SIGKILL).is_ok())
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = needle;
        Vec::new()
    }
}
