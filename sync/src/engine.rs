//! One sync run: the [`Syncer`] that runs one at a time and records it, the
//! page writer every phase uses, and the profile phase. The other phases
//! live beside it: `liked` (2), `playlists` (3), `library` (4 to 6: saved
//! albums, followed artists, recently played). The crate README draws the flow.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Mutex};
use vault::model::{Id, SyncProgress};
use vault::{now_text, DbError, Vault, WriteCache};

use crate::client::{Api, ApiError, Endpoints, RetryPolicy};
use crate::crypto::{CryptoError, SecretBox};
use crate::{map, wire};

mod library;
mod liked;
mod playlists;

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
    /// One client for the connected account, shared by syncs and the
    /// listening poller, so a refresh token Spotify rotates is rotated once.
    connection: Mutex<Option<std::sync::Arc<Connection>>>,
    /// Woken when an account is connected, so the poller starts at once.
    connected: tokio::sync::Notify,
}

/// The Web API client of the connected account, with what it was built from.
pub struct Connection {
    pub api: std::sync::Arc<Api>,
    /// The scopes asked for when the account was connected.
    pub scopes: String,
    client_id: String,
    /// The sealed refresh token this client started from or last stored.
    sealed: Mutex<Vec<u8>>,
    known_refresh: Mutex<String>,
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
            connection: Mutex::new(None),
            connected: tokio::sync::Notify::new(),
        }
    }

    /// Resolves the next time an account is connected.
    pub async fn connected(&self) {
        self.connected.notified().await;
    }

    /// The vault this syncer writes.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The client of the connected account: the one already built while
    /// the stored token is the one it knows, a new one otherwise (after a
    /// new sign-in). [`SyncError::NotConnected`] without an account or token.
    pub async fn connection(&self) -> Result<std::sync::Arc<Connection>, SyncError> {
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
        let mut cached = self.connection.lock().await;
        if let Some(c) = cached.as_ref() {
            if c.client_id == account.client_id && *c.sealed.lock().await == sealed {
                return Ok(c.clone());
            }
        }
        let refresh_token = self.secrets.open(&sealed)?;
        let api = Api::from_refresh_token(
            &self.options.endpoints,
            &account.client_id,
            &self.options.redirect_uri,
            refresh_token.clone(),
            self.options.policy.clone(),
        );
        let scopes = self.vault.spotify_scopes().await?.unwrap_or_default();
        let connection = std::sync::Arc::new(Connection {
            api: std::sync::Arc::new(api),
            scopes,
            client_id: account.client_id,
            sealed: Mutex::new(sealed),
            known_refresh: Mutex::new(refresh_token),
        });
        *cached = Some(connection.clone());
        Ok(connection)
    }

    /// Stores the refresh token if Spotify rotated it since it was last stored.
    pub async fn persist_rotated_token(&self, connection: &Connection) -> Result<(), SyncError> {
        let Some(current) = connection.api.refresh_token().await else {
            return Ok(());
        };
        let mut known = connection.known_refresh.lock().await;
        if *known != current {
            let sealed = self.secrets.seal(&current)?;
            self.vault.set_spotify_refresh_token(&sealed).await?;
            *connection.sealed.lock().await = sealed;
            *known = current;
        }
        Ok(())
    }

    /// Records that Spotify ended the authorization (`invalid_grant`).
    pub async fn grant_ended(&self, reason: &str) -> Result<(), SyncError> {
        tracing::warn!(%reason, "Spotify ended the authorization; a new sign-in is needed");
        self.vault.spotify_grant_ended().await?;
        *self.connection.lock().await = None;
        Ok(())
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
        self.connected.notify_one();
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

    /// Runs one sync for the server (not a person at a terminal): the
    /// outcome goes to the log, and a sync already running is not an error.
    pub async fn run_logged(&self, trigger: &str, mode: SyncMode) {
        match self.run(trigger, mode).await {
            Ok(report) => tracing::info!("sync done: {}", report.summary()),
            Err(SyncError::Busy) => tracing::info!("sync skipped: one is running"),
            Err(e) => tracing::warn!("sync failed: {e}"),
        }
    }

    /// Starts a sync in the background, shown as starting at once.
    pub fn spawn(self: &std::sync::Arc<Self>, trigger: &'static str, mode: SyncMode) {
        self.announce();
        let syncer = self.clone();
        tokio::spawn(async move { syncer.run_logged(trigger, mode).await });
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
        let connection = self.connection().await?;
        let api = connection.api.clone();
        let calls_before = api.calls();
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
            connection: &connection,
            calls_before,
        };
        let result = run.all(mode).await;
        if let Err(SyncError::Api(ApiError::GrantEnded(reason))) = &result {
            self.grant_ended(reason).await?;
        }
        // A rotated refresh token must survive even a failed sync.
        let persisted = run.persist_rotated_token().await;
        let mut report = run.report;
        report.api_calls = api.calls() - calls_before;
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
        match vault::lock::hold(path) {
            Ok(Some(file)) => Ok(Some(file)),
            Ok(None) => Err(SyncError::Busy),
            Err(e) => Err(lock_error(e.to_string())),
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
    connection: &'a Connection,
    /// The shared client's count when this run began.
    calls_before: u64,
}

/// What this run has written: tracks by Spotify ID, and the albums and
/// artists the vault's cache knows.
#[derive(Default)]
struct Written {
    tracks: HashMap<String, Id>,
    cache: WriteCache,
}

impl Run<'_> {
    fn vault(&self) -> &Vault {
        &self.syncer.vault
    }

    fn progress(&self, f: impl FnOnce(&mut SyncProgress)) {
        let calls = (self.api.calls() - self.calls_before) as i64;
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
        self.top_items().await?;
        self.track_details().await?;
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
        self.syncer.persist_rotated_token(self.connection).await
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
}
