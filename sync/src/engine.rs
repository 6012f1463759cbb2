//! One sync run: the phases, their incremental shortcuts and how each page
//! reaches the vault. See the crate README for the flow.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use tokio::sync::{watch, Mutex};
use vault::model::{Id, NewPlaylistItem, SyncProgress};
use vault::{now_text, DbError, Vault, WriteCache};

use crate::client::{Api, ApiError, Endpoints, RetryPolicy};
use crate::crypto::{CryptoError, SecretBox};
use crate::{map, wire};

/// Liked songs, playlists and playlist items come 50 to a page (the API's maximum).
const PAGE: usize = 50;
/// Playlists whose items are fetched at once.
const PLAYLISTS_AT_ONCE: usize = 4;

const LIKED_FULL_PASS_AT: &str = "sync.liked_full_pass_at";
const PLAYED_AFTER_MS: &str = "sync.recently_played_after_ms";

/// How a sync behaves; the server fills it from its configuration.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    pub endpoints: Endpoints,
    pub redirect_uri: String,
    /// How often liked songs, saved albums and the profile get a full pass
    /// (which is what notices removals that counts alone cannot).
    pub full_pass_every: Duration,
    pub policy: RetryPolicy,
    /// A file locked while a sync runs, so two processes never sync at once.
    pub lock_file: Option<PathBuf>,
}

/// Incremental (the default) or everything from the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    Incremental,
    Full,
}

/// Why a sync did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no Spotify account is connected; connect one in Settings")]
    NotConnected,
    #[error("a sync is already running")]
    Busy,
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("vault: {0}")]
    Db(#[from] DbError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("sync lock {path}: {message}")]
    Lock { path: String, message: String },
}

/// What a completed sync did.
#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    pub liked_total: u64,
    pub liked_added: usize,
    pub liked_removed: usize,
    pub playlists_total: usize,
    pub playlists_fetched: usize,
    pub playlists_unchanged: usize,
    pub playlists_unreadable: usize,
    pub playlists_removed: usize,
    pub tracks_written: usize,
    pub unavailable_entries: usize,
    pub local_files: usize,
    pub episodes: usize,
    pub saved_albums: usize,
    pub followed_artists: usize,
    pub plays: usize,
    pub api_calls: u64,
    pub elapsed: Duration,
    pub full_pass: bool,
    pub warnings: Vec<String>,
}

impl SyncReport {
    /// The one line the UI shows for the last sync.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} liked songs (+{} −{}), {} playlists ({} fetched, {} unchanged",
            self.liked_total,
            self.liked_added,
            self.liked_removed,
            self.playlists_total,
            self.playlists_fetched,
            self.playlists_unchanged
        );
        if self.playlists_unreadable > 0 {
            s += &format!(", {} not readable with this app", self.playlists_unreadable);
        }
        s += &format!(
            "), {} saved albums, {} followed artists, {} new plays; {} API calls in {:.1} s",
            self.saved_albums,
            self.followed_artists,
            self.plays,
            self.api_calls,
            self.elapsed.as_secs_f64()
        );
        let kept: Vec<String> = [
            (
                self.unavailable_entries,
                "entry Spotify no longer serves",
                "entries Spotify no longer serves",
            ),
            (self.local_files, "local file", "local files"),
            (self.episodes, "podcast episode", "podcast episodes"),
        ]
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
        if !kept.is_empty() {
            s += &format!("; kept as entries: {}", kept.join(", "));
        }
        s
    }
}

/// Runs syncs of the connected account into the vault, one at a time, and
/// publishes their progress.
pub struct Syncer {
    vault: Vault,
    secrets: SecretBox,
    options: SyncOptions,
    running: Mutex<()>,
    progress: watch::Sender<SyncProgress>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("endpoints", &self.options.endpoints)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    pub fn new(vault: Vault, secrets: SecretBox, options: SyncOptions) -> Self {
        Self {
            vault,
            secrets,
            options,
            running: Mutex::new(()),
            progress: watch::Sender::new(SyncProgress::default()),
        }
    }

    /// The options this syncer was built with.
    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// The key that seals the refresh token.
    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// Live progress; `running` is false between syncs.
    pub fn progress(&self) -> watch::Receiver<SyncProgress> {
        self.progress.subscribe()
    }

    /// Stores a newly connected account's refresh token, sealed.
    pub async fn store_connection(
        &self,
        client_id: &str,
        refresh_token: &str,
    ) -> Result<(), SyncError> {
        let sealed = self.secrets.seal(refresh_token)?;
        self.vault
            .connect_spotify(client_id, &sealed, &crate::client::SCOPES.join(" "))
            .await?;
        Ok(())
    }

    /// Runs one sync, recording it in `sync_runs`. Refuses with
    /// [`SyncError::Busy`] while another runs, in this process or another.
    pub async fn run(&self, trigger: &str, mode: SyncMode) -> Result<SyncReport, SyncError> {
        let _running = self.running.try_lock().map_err(|_| SyncError::Busy)?;
        let result = self.run_locked(trigger, mode).await;
        // Whatever happened, the UI must not show a sync that is not running.
        self.progress
            .send_if_modified(|p| std::mem::replace(&mut p.running, false));
        result
    }

    /// Shows a sync as starting before its task runs, so a page rendered
    /// right after "Connect" or "Sync now" already follows it.
    pub fn announce(&self) {
        self.progress.send_if_modified(|p| {
            if p.running {
                return false;
            }
            *p = SyncProgress {
                running: true,
                phase: "starting".into(),
                ..SyncProgress::default()
            };
            true
        });
    }

    async fn run_locked(&self, trigger: &str, mode: SyncMode) -> Result<SyncReport, SyncError> {
        let _file_lock = self.lock_file()?;
        let account = self
            .vault
            .spotify_account()
            .await?
            .ok_or(SyncError::NotConnected)?;
        let sealed = self
            .vault
            .spotify_refresh_token()
            .await?
            .ok_or(SyncError::NotConnected)?;
        let refresh_token = self.secrets.open(&sealed)?;
        let api = Api::from_refresh_token(
            &self.options.endpoints,
            &account.client_id,
            &self.options.redirect_uri,
            refresh_token.clone(),
            self.options.policy.clone(),
        );
        let run_id = self.vault.start_sync_run(trigger).await?;
        self.progress.send_replace(SyncProgress {
            running: true,
            phase: "starting".into(),
            ..SyncProgress::default()
        });
        let started = Instant::now();
        let mut run = Run {
            syncer: self,
            api: &api,
            report: SyncReport::default(),
            written: Mutex::new(Written::default()),
            write: Mutex::new(()),
            tracks_written: AtomicI64::new(0),
            known_refresh: Mutex::new(refresh_token),
        };
        let result = run.all(mode).await;
        // A rotated refresh token must survive even a failed sync.
        let persisted = run.persist_rotated_token().await;
        let mut report = run.report;
        report.api_calls = api.calls();
        report.elapsed = started.elapsed();
        let (outcome, detail) = match &result {
            Ok(()) => ("ok", report.summary()),
            Err(e) => ("failed", e.to_string()),
        };
        self.vault
            .finish_sync_run(run_id, outcome, report.api_calls as i64, &detail)
            .await?;
        self.progress.send_modify(|p| {
            p.running = false;
            p.phase = if result.is_ok() {
                "done".into()
            } else {
                "failed".into()
            };
            p.api_calls = report.api_calls as i64;
        });
        result?;
        persisted?;
        Ok(report)
    }

    fn lock_file(&self) -> Result<Option<std::fs::File>, SyncError> {
        let Some(path) = &self.options.lock_file else {
            return Ok(None);
        };
        let lock_error = |message: String| SyncError::Lock {
            path: path.display().to_string(),
            message,
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| lock_error(e.to_string()))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(SyncError::Busy),
            Err(std::fs::TryLockError::Error(e)) => Err(lock_error(e.to_string())),
        }
    }
}

/// The state of one run.
struct Run<'a> {
    syncer: &'a Syncer,
    api: &'a Api,
    report: SyncReport,
    /// Spotify track ID to vault id, for tracks already written this run
    /// (a track shared by many playlists is written once).
    written: Mutex<Written>,
    /// SQLite has one writer: pages fetched at once are written in turn.
    write: Mutex<()>,
    tracks_written: AtomicI64,
    known_refresh: Mutex<String>,
}

/// What this run has written: tracks by Spotify ID, and the albums and
/// artists the vault's cache knows.
#[derive(Default)]
struct Written {
    tracks: HashMap<String, Id>,
    cache: WriteCache,
}

/// A playlist entry mapped for writing: the entry, and the track to write for it.
struct Entry<'t> {
    item: NewPlaylistItem,
    track: Option<&'t wire::Track>,
    local_uri: Option<String>,
}

impl Run<'_> {
    fn vault(&self) -> &Vault {
        &self.syncer.vault
    }

    fn progress(&self, f: impl FnOnce(&mut SyncProgress)) {
        let calls = self.api.calls() as i64;
        let written = self.tracks_written.load(Ordering::Relaxed);
        self.syncer.progress.send_modify(|p| {
            f(p);
            p.api_calls = calls;
            p.tracks_written = written;
        });
    }

    fn warn(&mut self, warning: String) {
        tracing::warn!("sync: {warning}");
        self.progress(|p| p.warnings.push(warning.clone()));
        self.report.warnings.push(warning);
    }

    async fn all(&mut self, mode: SyncMode) -> Result<(), SyncError> {
        let full = mode == SyncMode::Full || self.full_pass_due().await?;
        self.report.full_pass = full;
        if full
            || self
                .vault()
                .spotify_account()
                .await?
                .and_then(|a| a.user_id)
                .is_none()
        {
            self.profile().await?;
        }
        self.liked(full).await?;
        self.playlists(full).await?;
        self.saved_albums().await?;
        self.followed_artists().await?;
        self.recently_played().await?;
        if full {
            self.vault()
                .set_setting(LIKED_FULL_PASS_AT, &now_text())
                .await?;
        }
        Ok(())
    }

    async fn full_pass_due(&self) -> Result<bool, SyncError> {
        let Some(at) = self.vault().setting(LIKED_FULL_PASS_AT).await? else {
            return Ok(true);
        };
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(&at) else {
            return Ok(true);
        };
        let age = chrono::Utc::now().signed_duration_since(at);
        Ok(age
            .to_std()
            .map_or(true, |age| age >= self.syncer.options.full_pass_every))
    }

    async fn persist_rotated_token(&self) -> Result<(), SyncError> {
        let Some(current) = self.api.refresh_token().await else {
            return Ok(());
        };
        let mut known = self.known_refresh.lock().await;
        if *known != current {
            let sealed = self.syncer.secrets.seal(&current)?;
            self.vault().set_spotify_refresh_token(&sealed).await?;
            *known = current;
        }
        Ok(())
    }

    // ----- profile ---------------------------------------------------------

    async fn profile(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "profile".into());
        let me: wire::User = self.api.get("me", &[]).await?;
        let (image, _) = map::images(me.images.as_ref());
        self.vault()
            .set_spotify_profile(
                &me.id,
                me.display_name.as_deref(),
                me.email.as_deref(),
                me.country.as_deref(),
                me.product.as_deref(),
                image.as_deref(),
            )
            .await?;
        Ok(())
    }

    // ----- writing ---------------------------------------------------------

    /// Writes the tracks of one page in one transaction, with `extra` run in
    /// the same transaction on their vault ids (likes, album saves, plays).
    async fn write_page<F>(
        &self,
        tracks: &[(&wire::Track, Option<&wire::SimplifiedAlbum>, Option<&str>)],
        extra: F,
    ) -> Result<Vec<Option<Id>>, SyncError>
    where
        F: for<'c> FnOnce(
            &'c mut vault::SqliteConnection,
            &'c [Option<Id>],
        ) -> futures::future::BoxFuture<'c, Result<(), DbError>>,
    {
        let _writer = self.write.lock().await;
        let mut written = self.written.lock().await;
        // The cache learns ids only once the transaction commits.
        let mut cache = std::mem::take(&mut written.cache);
        let mut tx = self.vault().begin().await?;
        let mut ids: Vec<Option<Id>> = vec![None; tracks.len()];
        let mut batch = Vec::new();
        let mut batch_at = Vec::new();
        for (i, (track, album, local_uri)) in tracks.iter().enumerate() {
            match (&track.id, local_uri) {
                (Some(spotify_id), _) => match written.tracks.get(spotify_id) {
                    Some(id) => ids[i] = Some(*id),
                    None => {
                        batch.push(map::track(track, *album));
                        batch_at.push(i);
                    }
                },
                (None, Some(uri)) => {
                    let new = map::track(track, *album);
                    ids[i] = Some(Vault::upsert_local_track(&mut tx, uri, &new, &mut cache).await?);
                }
                (None, None) => {}
            }
        }
        let batch_ids = Vault::upsert_tracks_cached(&mut tx, &batch, &mut cache).await?;
        let mut fresh = Vec::with_capacity(batch.len());
        for ((i, id), new) in batch_at.into_iter().zip(batch_ids).zip(&batch) {
            ids[i] = Some(id);
            if let Some(spotify_id) = &new.spotify_id {
                fresh.push((spotify_id.clone(), id));
            }
        }
        fresh.sort_unstable();
        fresh.dedup();
        extra(&mut tx, &ids).await?;
        tx.commit().await.map_err(DbError::from)?;
        self.tracks_written
            .fetch_add(fresh.len() as i64, Ordering::Relaxed);
        written.tracks.extend(fresh);
        written.cache = cache;
        drop(written);
        self.persist_rotated_token().await?;
        Ok(ids)
    }

    // ----- liked songs -----------------------------------------------------

    /// Newest first; stops at the first page that reaches what the vault
    /// already has, unless a full pass is due or the counts say something
    /// was removed.
    async fn liked(&mut self, full: bool) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "liked songs".into());
        let known = self.vault().liked_spotify_ids().await?;
        let mut seen: HashSet<String> = HashSet::new();
        let mut added = 0usize;
        let mut offset = 0usize;
        let mut total;
        loop {
            let page: wire::Paging<wire::SavedTrack> = self
                .api
                .get(
                    "me/tracks",
                    &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                )
                .await?;
            total = page.total.unwrap_or(0);
            let (reached, new) = self.write_liked_page(&page, &known, &mut seen).await?;
            added += new;
            offset += page.items.len();
            let seen_count = seen.len() as i64;
            self.progress(|p| p.liked_seen = seen_count);
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
            if full {
                // Every page is needed: the rest are read a few at once.
                return self.liked_rest(offset, total, known, seen, added).await;
            }
            if reached {
                // Everything older is in the vault, unless something was
                // removed: then the counts disagree and a full pass follows.
                let expected = known.len() + added;
                if expected as u64 == total {
                    break;
                }
                tracing::info!(
                    expected,
                    total,
                    "liked songs count differs; reading them all"
                );
                return self.liked_rest(offset, total, known, seen, added).await;
            }
        }
        self.finish_liked(total, seen, added, true).await
    }

    /// Reads the remaining pages of liked songs (a few at once) and ends the
    /// likes of songs that are no longer there.
    async fn liked_rest(
        &mut self,
        from: usize,
        total: u64,
        known: HashMap<String, String>,
        mut seen: HashSet<String>,
        mut added: usize,
    ) -> Result<(), SyncError> {
        let offsets: Vec<usize> = (from..total as usize).step_by(PAGE).collect();
        let run: &Run = self;
        let known = &known;
        // Each page is fetched and written by its own future, so fetches go
        // on while another page is being written.
        let pages: Vec<(usize, Vec<String>, bool)> = futures::stream::iter(offsets)
            .map(|offset| async move {
                let page: wire::Paging<wire::SavedTrack> = run
                    .api
                    .get(
                        "me/tracks",
                        &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                    )
                    .await?;
                let mut ids = HashSet::new();
                let (_, new) = run.write_liked_page(&page, known, &mut ids).await?;
                run.progress(|p| p.liked_seen += ids.len() as i64);
                Ok::<_, SyncError>((new, ids.into_iter().collect(), page.items.is_empty()))
            })
            .buffer_unordered(self.syncer.options.policy.concurrency.max(1))
            .try_collect()
            .await?;
        let mut complete = true;
        for (new, ids, empty) in pages {
            added += new;
            seen.extend(ids);
            complete &= !empty;
        }
        self.finish_liked(total, seen, added, complete).await
    }

    async fn finish_liked(
        &mut self,
        total: u64,
        seen: HashSet<String>,
        added: usize,
        walked_all: bool,
    ) -> Result<(), SyncError> {
        self.report.liked_total = total;
        self.report.liked_added = added;
        // Removals are only decided after a walk of the whole list.
        if walked_all && seen.len() as u64 >= total {
            self.report.liked_removed = self.vault().unlike_missing(&seen).await?;
        }
        Ok(())
    }

    /// Writes one page of liked songs. Returns whether the page reached a
    /// like the vault already had, and how many songs were not liked in the
    /// vault at all (a song liked again since has a new like, but is not new).
    async fn write_liked_page(
        &self,
        page: &wire::Paging<wire::SavedTrack>,
        known: &HashMap<String, String>,
        seen: &mut HashSet<String>,
    ) -> Result<(bool, usize), SyncError> {
        let saved: Vec<(&wire::Track, &str)> = page
            .items
            .iter()
            .filter_map(|s| s.track.as_ref().map(|t| (t, s.added_at.as_str())))
            .filter(|(t, _)| t.id.is_some())
            .collect();
        let mut reached = false;
        let mut likes: Vec<(usize, String, bool)> = Vec::new();
        let mut brand_new = 0;
        for (i, (track, added_at)) in saved.iter().enumerate() {
            let id = track.id.clone().unwrap_or_default();
            match known.get(&id) {
                Some(at) if at == added_at => reached = true,
                // Liked again since the vault saw it: a new like.
                Some(_) => likes.push((i, added_at.to_string(), true)),
                None => {
                    brand_new += 1;
                    likes.push((i, added_at.to_string(), false));
                }
            }
            seen.insert(id);
        }
        let tracks: Vec<_> = saved.iter().map(|(t, _)| (*t, None, None)).collect();
        self.write_page(&tracks, move |conn, ids| {
            Box::pin(async move {
                let mut batch = Vec::with_capacity(likes.len());
                for (i, added_at, relike) in &likes {
                    if let Some(id) = ids[*i] {
                        if *relike {
                            Vault::unlike_track(conn, id).await?;
                        }
                        batch.push((id, added_at.clone()));
                    }
                }
                Vault::like_tracks(conn, &batch).await?;
                Ok(())
            })
        })
        .await?;
        Ok((reached, brand_new))
    }

    // ----- playlists -------------------------------------------------------

    async fn playlists(&mut self, full: bool) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "playlists".into());
        let states = self.vault().playlist_sync_states().await?;
        let mut listed: Vec<wire::SimplifiedPlaylist> = Vec::new();
        let first: wire::Paging<wire::SimplifiedPlaylist> = self
            .api
            .get(
                "me/playlists",
                &[("limit", PAGE.to_string()), ("offset", "0".into())],
            )
            .await?;
        let total = first.total.unwrap_or(first.items.len() as u64) as usize;
        let more = first.next.is_some();
        listed.extend(first.items);
        if more {
            let api = self.api;
            let offsets: Vec<usize> = (listed.len()..total).step_by(PAGE).collect();
            let pages: Vec<wire::Paging<wire::SimplifiedPlaylist>> = futures::stream::iter(offsets)
                .map(|offset| async move {
                    api.get::<wire::Paging<wire::SimplifiedPlaylist>>(
                        "me/playlists",
                        &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                    )
                    .await
                })
                .buffered(self.syncer.options.policy.concurrency.max(1))
                .try_collect()
                .await?;
            for page in pages {
                listed.extend(page.items);
            }
        }
        // The details of every playlist, in one transaction.
        let mut ids = Vec::with_capacity(listed.len());
        {
            let _writer = self.write.lock().await;
            let mut tx = self.vault().begin().await?;
            for p in &listed {
                ids.push(Vault::upsert_playlist(&mut tx, &map::playlist(p)).await?);
            }
            tx.commit().await.map_err(DbError::from)?;
        }
        let mut to_fetch = Vec::new();
        for (p, id) in listed.iter().zip(&ids) {
            let state = states.get(&p.id);
            let have_items = state.is_some_and(|s| {
                s.items_snapshot_id.is_some() && s.items_snapshot_id == p.snapshot_id
            });
            // A playlist this app may not read is asked again only when it
            // changes, or on a full pass.
            let refused_before =
                state.is_some_and(|s| !s.readable && s.snapshot_id == p.snapshot_id && !full);
            if have_items || refused_before {
                self.report.playlists_unchanged += 1;
                if refused_before {
                    self.report.playlists_unreadable += 1;
                }
            } else {
                to_fetch.push((p.clone(), *id));
            }
        }
        self.report.playlists_total = listed.len();
        let (total, unchanged) = (listed.len() as i64, self.report.playlists_unchanged as i64);
        self.progress(|p| {
            p.playlists_total = total;
            p.playlists_done = unchanged;
        });

        let run: &Run = self;
        let outcomes: Vec<PlaylistOutcome> = futures::stream::iter(to_fetch)
            .map(|(p, id): (wire::SimplifiedPlaylist, Id)| async move {
                let outcome = run.playlist_items(&p, id).await;
                run.progress(|pr| pr.playlists_done += 1);
                outcome
            })
            .buffer_unordered(PLAYLISTS_AT_ONCE)
            .try_collect()
            .await?;
        for outcome in outcomes {
            match outcome {
                PlaylistOutcome::Fetched(counts) => {
                    self.report.playlists_fetched += 1;
                    self.report.unavailable_entries += counts.unavailable;
                    self.report.local_files += counts.local;
                    self.report.episodes += counts.episodes;
                }
                PlaylistOutcome::Unreadable(name) => {
                    self.report.playlists_unreadable += 1;
                    self.warn(format!(
                        "“{name}” is not readable with this app: Spotify only gives apps in development mode the items of playlists you own or collaborate on. The vault keeps what it already had."
                    ));
                }
                PlaylistOutcome::Gone(name) => {
                    self.warn(format!(
                        "“{name}” is listed but Spotify could not find it; kept as it was"
                    ));
                }
            }
        }
        let keep: HashSet<String> = listed.iter().map(|p| p.id.clone()).collect();
        self.report.playlists_removed = self.vault().remove_playlists_missing(&keep).await?;
        Ok(())
    }

    /// Fetches every item of one playlist, writes the tracks page by page and
    /// then the new order in one transaction.
    async fn playlist_items(
        &self,
        playlist: &wire::SimplifiedPlaylist,
        playlist_id: Id,
    ) -> Result<PlaylistOutcome, SyncError> {
        let path = format!("playlists/{}/items", playlist.id);
        let mut entries: Vec<NewPlaylistItem> = Vec::new();
        let mut counts = EntryCounts::default();
        let mut offset = 0usize;
        loop {
            let page: wire::Paging<wire::PlaylistEntry> = match self
                .api
                .get(
                    &path,
                    &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                )
                .await
            {
                Ok(page) => page,
                Err(ApiError::Forbidden(_)) => {
                    self.vault()
                        .set_playlist_readable(playlist_id, false)
                        .await?;
                    return Ok(PlaylistOutcome::Unreadable(playlist.name.clone()));
                }
                Err(ApiError::NotFound) => return Ok(PlaylistOutcome::Gone(playlist.name.clone())),
                Err(e) => return Err(e.into()),
            };
            let mapped: Vec<Entry> = page.items.iter().map(|e| entry(e, &mut counts)).collect();
            let tracks: Vec<_> = mapped
                .iter()
                .filter_map(|e| e.track.map(|t| (t, None, e.local_uri.as_deref())))
                .collect();
            let ids = self
                .write_page(&tracks, |_, _| Box::pin(async { Ok(()) }))
                .await?;
            let mut ids = ids.into_iter();
            for mut e in mapped {
                if e.track.is_some() {
                    e.item.track_id = ids.next().flatten();
                }
                entries.push(e.item);
            }
            offset += page.items.len();
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
        }
        let _writer = self.write.lock().await;
        let mut tx = self.vault().begin().await?;
        Vault::replace_playlist_items(
            &mut tx,
            playlist_id,
            &entries,
            playlist.snapshot_id.as_deref(),
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(PlaylistOutcome::Fetched(counts))
    }

    // ----- saved albums, followed artists, recently played -------------------

    async fn saved_albums(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "saved albums".into());
        let mut seen = HashSet::new();
        let mut offset = 0usize;
        loop {
            let page: wire::Paging<wire::SavedAlbum> = self
                .api
                .get(
                    "me/albums",
                    &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                )
                .await?;
            for saved in &page.items {
                let album = &saved.album;
                let mut tracks: Vec<wire::Track> = album
                    .tracks
                    .as_ref()
                    .map(|t| t.items.clone())
                    .unwrap_or_default();
                if let (Some(id), Some(listed)) = (&album.album.id, &album.tracks) {
                    let mut next = listed.next.clone();
                    while next.is_some() {
                        let more: wire::Paging<wire::Track> = self
                            .api
                            .get(
                                &format!("albums/{id}/tracks"),
                                &[
                                    ("limit", PAGE.to_string()),
                                    ("offset", tracks.len().to_string()),
                                ],
                            )
                            .await?;
                        next = more.next.clone().filter(|_| !more.items.is_empty());
                        tracks.extend(more.items);
                    }
                    seen.insert(id.clone());
                }
                let album_new = map::album(&album.album);
                let added_at = saved.added_at.clone();
                let refs: Vec<_> = tracks
                    .iter()
                    .map(|t| (t, Some(&album.album), None))
                    .collect();
                self.write_page(&refs, move |conn, _| {
                    Box::pin(async move {
                        let id = Vault::upsert_album(conn, &album_new).await?;
                        Vault::save_album(conn, id, &added_at).await
                    })
                })
                .await?;
            }
            offset += page.items.len();
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
        }
        self.report.saved_albums = seen.len();
        self.vault().unsave_albums_missing(&seen).await?;
        Ok(())
    }

    async fn followed_artists(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "followed artists".into());
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("type", "artist".to_owned()), ("limit", PAGE.to_string())];
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let page: wire::FollowedArtists = self.api.get("me/following", &query).await?;
            let artists: Vec<vault::model::NewArtist> = page
                .artists
                .items
                .iter()
                .map(|a| vault::model::NewArtist {
                    spotify_id: Some(a.id.clone()),
                    name: a.name.clone(),
                    image_url: map::images(a.images.as_ref()).0,
                })
                .collect();
            seen.extend(page.artists.items.iter().map(|a| a.id.clone()));
            self.write_page(&[], move |conn, _| {
                Box::pin(async move {
                    for artist in &artists {
                        let id = Vault::upsert_artist(conn, artist).await?;
                        Vault::follow_artist(conn, id).await?;
                    }
                    Ok(())
                })
            })
            .await?;
            after = page.artists.cursors.and_then(|c| c.after);
            if page.artists.next.is_none() || after.is_none() || page.artists.items.is_empty() {
                break;
            }
        }
        self.report.followed_artists = seen.len();
        self.vault().unfollow_artists_missing(&seen).await?;
        Ok(())
    }

    /// Spotify keeps only the last 50 plays, so every sync takes what is new.
    async fn recently_played(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "listening history".into());
        let after = self.vault().setting(PLAYED_AFTER_MS).await?;
        let mut query = vec![("limit", PAGE.to_string())];
        if let Some(after) = after {
            query.push(("after", after));
        }
        let page: wire::CursorPaging<wire::PlayHistory> =
            self.api.get("me/player/recently-played", &query).await?;
        let latest = page
            .items
            .iter()
            .filter_map(|p| chrono::DateTime::parse_from_rfc3339(&p.played_at).ok())
            .max();
        let plays: Vec<String> = page.items.iter().map(|p| p.played_at.clone()).collect();
        let tracks: Vec<_> = page.items.iter().map(|p| (&p.track, None, None)).collect();
        self.report.plays = plays.len();
        self.write_page(&tracks, move |conn, ids| {
            Box::pin(async move {
                for (id, played_at) in ids.iter().zip(&plays) {
                    if let Some(id) = id {
                        Vault::record_play(conn, *id, played_at, "spotify").await?;
                    }
                }
                Ok(())
            })
        })
        .await?;
        if let Some(latest) = latest {
            let ms = latest.timestamp_millis();
            self.vault()
                .set_setting(PLAYED_AFTER_MS, &ms.to_string())
                .await?;
        }
        Ok(())
    }
}

enum PlaylistOutcome {
    Fetched(EntryCounts),
    Unreadable(String),
    Gone(String),
}

#[derive(Default)]
struct EntryCounts {
    unavailable: usize,
    local: usize,
    episodes: usize,
}

/// Maps one playlist entry; nothing is skipped: what is not a track the
/// vault can hold is kept as a labelled entry.
fn entry<'t>(e: &'t wire::PlaylistEntry, counts: &mut EntryCounts) -> Entry<'t> {
    let mut item = NewPlaylistItem {
        kind: "track".into(),
        track_id: None,
        label: None,
        added_at: e.added_at.clone(),
        added_by: e.added_by.as_ref().and_then(|u| u.id.clone()),
    };
    match e.content() {
        None => {
            counts.unavailable += 1;
            item.kind = "unavailable".into();
            Entry {
                item,
                track: None,
                local_uri: None,
            }
        }
        Some(wire::Playable::Episode(ep)) => {
            counts.episodes += 1;
            item.kind = "episode".into();
            item.label = Some(match &ep.show {
                Some(show) => format!("{} — {}", show.name, ep.name),
                None => ep.name.clone(),
            });
            Entry {
                item,
                track: None,
                local_uri: None,
            }
        }
        Some(wire::Playable::Track(t)) if e.is_local == Some(true) || t.is_local == Some(true) => {
            counts.local += 1;
            item.kind = "local".into();
            item.label = Some(t.name.clone());
            let uri = t.uri.clone().unwrap_or_else(|| {
                let artist = t.artists.first().map(|a| a.name.as_str()).unwrap_or("");
                format!(
                    "spotify:local:{artist}::{}:{}",
                    t.name,
                    t.duration_ms.unwrap_or(0) / 1000
                )
            });
            Entry {
                item,
                track: Some(t),
                local_uri: Some(uri),
            }
        }
        Some(wire::Playable::Track(t)) if t.id.is_none() => {
            counts.unavailable += 1;
            item.kind = "unavailable".into();
            item.label = Some(t.name.clone());
            Entry {
                item,
                track: None,
                local_uri: None,
            }
        }
        Some(wire::Playable::Track(t)) => Entry {
            item,
            track: Some(t),
            local_uri: None,
        },
    }
}
