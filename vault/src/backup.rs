//! Backups of the vault, and restoring one.
//!
//! A backup is a snapshot of the database made with SQLite's `VACUUM INTO`
//! (a consistent copy read in one transaction while the server goes on
//! writing; never a copy of a file being written). It is written under a
//! `.partial` name, flushed to disk, checked with `PRAGMA quick_check`, and
//! only then renamed to `hoard-YYYYMMDDTHHMMSSZ.db`: a process killed at any
//! moment leaves the earlier snapshots as they were and at most a `.partial`
//! file, which the next backup removes. The newest [`BackupSettings::keep`]
//! snapshots are kept.
//!
//! With a remote (any rclone remote, `name:path`, or a local folder), the
//! snapshot is then uploaded under `incoming/` and moved into `snapshots/`
//! (so an interrupted upload never looks like a snapshot), the covers folder
//! and (unless switched off) the audio library are copied with `rclone copy`,
//! which sends only what the remote does not have yet and never deletes
//! there, and the remote keeps as many snapshots as the local folder.
//! Remote credentials stay in rclone's own config file.
//!
//! [`restore`] puts a snapshot back as the vault's database (the server must
//! be stopped; `hoard restore` checks), after copying missing audio and
//! covers back from the remote when restoring from there.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::model::{BackupOutcome, BackupOverview, Snapshot};
use crate::{DbError, Vault};

/// A snapshot's file name: `hoard-` and its UTC time.
const NAME_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");
const PREFIX: &str = "hoard-";
const SUFFIX: &str = ".db";
const PARTIAL: &str = ".partial";

/// Where backups go and how many are kept.
#[derive(Clone, Debug)]
pub struct BackupSettings {
    /// The vault's database file.
    pub database: PathBuf,
    /// The folder snapshots are kept in.
    pub dir: PathBuf,
    /// The audio library (`<data_dir>/library`).
    pub library_dir: PathBuf,
    /// The kept covers (`<data_dir>/covers`).
    pub covers_dir: PathBuf,
    /// How many snapshots are kept, here and on the remote (at least 1).
    pub keep: usize,
    /// Hours between scheduled backups (0: none).
    pub interval_hours: u32,
    /// An rclone destination (`name:path` from rclone's config, or a local
    /// folder), if backups also go elsewhere.
    pub remote: Option<String>,
    /// Whether the audio library goes to the remote too.
    pub remote_audio: bool,
    pub rclone: Rclone,
}

/// How to run rclone.
#[derive(Clone, Debug)]
pub struct Rclone {
    /// The program (`rclone`).
    pub command: String,
    /// rclone's config file, when not its default.
    pub config: Option<PathBuf>,
}

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("the database: {0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Bad(String),
    #[error("rclone {what} failed: {message}")]
    Rclone { what: String, message: String },
    #[error("another backup is running")]
    Busy,
}

type Result<T> = std::result::Result<T, BackupError>;

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Db(DbError::from(e))
    }
}

/// What a backup did.
#[derive(Clone, Debug)]
pub struct BackupReport {
    pub snapshot: Snapshot,
    /// Tracks in the snapshot.
    pub tracks: i64,
    /// Snapshots removed by the retention rule (here).
    pub removed: Vec<String>,
    /// Whether it went to the remote too.
    pub sent: bool,
    pub seconds: f64,
}

impl BackupReport {
    /// One line for people.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "Backed up {} tracks to {} ({:.1} MB) in {:.1} s",
            self.tracks,
            self.snapshot.name,
            self.snapshot.bytes as f64 / 1e6,
            self.seconds
        );
        if self.sent {
            line.push_str(", and sent it to the remote");
        }
        if !self.removed.is_empty() {
            line.push_str(&format!(
                "; removed {} older snapshot(s)",
                self.removed.len()
            ));
        }
        line.push('.');
        line
    }
}

/// The name of a snapshot taken at `at`.
pub fn snapshot_name(at: OffsetDateTime) -> String {
    let time = at
        .to_offset(time::UtcOffset::UTC)
        .format(NAME_TIME)
        .unwrap_or_default();
    format!("{PREFIX}{time}{SUFFIX}")
}

/// When the snapshot called `name` was taken, if `name` is a snapshot's.
pub fn snapshot_time(name: &str) -> Option<OffsetDateTime> {
    let time = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    time::PrimitiveDateTime::parse(time, NAME_TIME)
        .ok()
        .map(|t| t.assume_utc())
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The snapshots in `dir`, newest first. A missing folder has none.
pub fn list(dir: &Path) -> Result<Vec<Snapshot>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(format!("cannot read {}", dir.display()))(e)),
    };
    let mut found: Vec<(OffsetDateTime, Snapshot)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(at) = snapshot_time(&name) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        found.push((
            at,
            Snapshot {
                name,
                taken_at: rfc3339(at),
                bytes: meta.len(),
            },
        ));
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.0));
    Ok(found.into_iter().map(|(_, s)| s).collect())
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(format!("cannot flush {}", dir.display())))
}

/// Checks the SQLite file at `path` (read only) and counts its tracks.
pub async fn check_snapshot(path: &Path) -> Result<i64> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| BackupError::Bad(format!("{} cannot be opened: {e}", path.display())))?;
    let verdict: Vec<(String,)> = sqlx::query_as("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| BackupError::Bad(format!("{} is not a database: {e}", path.display())))?;
    if verdict.first().map(|v| v.0.as_str()) != Some("ok") {
        let problems: Vec<String> = verdict.into_iter().take(3).map(|v| v.0).collect();
        return Err(BackupError::Bad(format!(
            "{} is damaged: {}",
            path.display(),
            problems.join("; ")
        )));
    }
    let (tracks,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tracks")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| BackupError::Bad(format!("{} is not Hoard's: {e}", path.display())))?;
    conn.close().await.ok();
    Ok(tracks)
}

/// An exclusive hold on the backups folder, so two backups (the server's
/// schedule and `hoard backup`) never run at once. Released when dropped.
struct FolderLock(#[allow(dead_code)] std::fs::File);

impl FolderLock {
    fn take(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(io_error(format!("cannot create {}", dir.display())))?;
        let path = dir.join(".lock");
        match crate::lock::hold(&path) {
            Ok(Some(file)) => Ok(Self(file)),
            Ok(None) => Err(BackupError::Busy),
            Err(e) => Err(io_error(format!("cannot lock {}", path.display()))(e)),
        }
    }
}

/// Joins `part` onto an rclone destination (`name:`, `name:path`, `/dir`).
fn remote_path(remote: &str, part: &str) -> String {
    if remote.ends_with(':') || remote.ends_with('/') {
        format!("{remote}{part}")
    } else {
        format!("{remote}/{part}")
    }
}

impl Rclone {
    /// Runs rclone with `args`; its standard output, or the end of what it
    /// said on standard error.
    pub async fn run(&self, what: &str, args: &[OsString]) -> Result<String> {
        let mut cmd = tokio::process::Command::new(&self.command);
        if let Some(config) = &self.config {
            cmd.arg("--config").arg(config);
        }
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| BackupError::Rclone {
                what: what.into(),
                message: format!("cannot run `{}`: {e}", self.command),
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .rev()
            .take(3)
            .collect();
        let message = if tail.is_empty() {
            format!("it exited with {}", out.status)
        } else {
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        };
        Err(BackupError::Rclone {
            what: what.into(),
            message,
        })
    }

    /// The snapshots on `remote`, newest first.
    async fn snapshots(&self, remote: &str) -> Result<Vec<String>> {
        let out = self
            .run(
                "listing the remote's snapshots",
                &[
                    "lsf".into(),
                    "--files-only".into(),
                    remote_path(remote, "snapshots").into(),
                ],
            )
            .await;
        let out = match out {
            Ok(out) => out,
            // A remote that has never had a backup has no folder yet.
            Err(BackupError::Rclone { message, .. }) if message.contains("directory not found") => {
                return Ok(Vec::new())
            }
            Err(e) => return Err(e),
        };
        let mut names: Vec<(OffsetDateTime, String)> = out
            .lines()
            .filter_map(|n| snapshot_time(n.trim()).map(|t| (t, n.trim().to_string())))
            .collect();
        names.sort_by_key(|b| std::cmp::Reverse(b.0));
        Ok(names.into_iter().map(|(_, n)| n).collect())
    }
}

/// Backups of one vault: runs them, one at a time, and remembers how the
/// last one went.
#[derive(Debug)]
pub struct Backups {
    settings: BackupSettings,
    last: Mutex<Option<BackupOutcome>>,
    running: Arc<tokio::sync::Mutex<()>>,
}

impl Backups {
    pub fn new(settings: BackupSettings) -> Self {
        Self {
            settings,
            last: Mutex::new(None),
            running: Arc::default(),
        }
    }

    pub fn settings(&self) -> &BackupSettings {
        &self.settings
    }

    /// What Settings shows.
    pub fn overview(&self) -> Result<BackupOverview> {
        Ok(BackupOverview {
            snapshots: list(&self.settings.dir)?,
            folder: self.settings.dir.display().to_string(),
            keep: self.settings.keep as u32,
            interval_hours: self.settings.interval_hours,
            remote: self.settings.remote.clone(),
            remote_audio: self.settings.remote_audio,
            running: self.running.try_lock().is_err(),
            last: self.last.lock().ok().and_then(|l| l.clone()),
        })
    }

    /// When the newest snapshot was taken, if there is one.
    pub fn newest(&self) -> Option<OffsetDateTime> {
        list(&self.settings.dir)
            .ok()?
            .first()
            .and_then(|s| snapshot_time(&s.name))
    }

    /// Backs the vault up now; remembers how it went.
    pub async fn run(&self, vault: &Vault) -> Result<BackupReport> {
        let Ok(_turn) = self.running.try_lock() else {
            return Err(BackupError::Busy);
        };
        self.run_holding(vault).await
    }

    /// Starts a backup on a task of its own (one that outlives the request
    /// that asked for it); [`BackupError::Busy`] if one is running. Once
    /// this returns, [`Backups::overview`] says it runs.
    pub fn start(
        self: &Arc<Self>,
        vault: Vault,
    ) -> Result<tokio::task::JoinHandle<Result<BackupReport>>> {
        let turn = self
            .running
            .clone()
            .try_lock_owned()
            .map_err(|_| BackupError::Busy)?;
        let backups = self.clone();
        Ok(tokio::spawn(async move {
            let result = backups.run_holding(&vault).await;
            drop(turn);
            result
        }))
    }

    async fn run_holding(&self, vault: &Vault) -> Result<BackupReport> {
        let result = back_up(vault, &self.settings).await;
        let outcome = BackupOutcome {
            at: rfc3339(OffsetDateTime::now_utc()),
            ok: result.is_ok(),
            message: match &result {
                Ok(report) => report.summary(),
                Err(e) => format!("The backup failed: {e}"),
            },
        };
        if let Ok(mut last) = self.last.lock() {
            *last = Some(outcome);
        }
        result
    }
}

/// Takes a snapshot of `vault` into `settings.dir`, applies the retention
/// rule, and sends it to the remote if there is one.
pub async fn back_up(vault: &Vault, settings: &BackupSettings) -> Result<BackupReport> {
    let started = Instant::now();
    let dir = &settings.dir;
    let _lock = FolderLock::take(dir)?;
    // What a killed backup left.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().ends_with(PARTIAL) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    // One name a second; a second backup in the same second waits for the next.
    let mut now = OffsetDateTime::now_utc();
    let mut name = snapshot_name(now);
    while dir.join(&name).exists() {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        now = OffsetDateTime::now_utc();
        name = snapshot_name(now);
    }
    let partial = dir.join(format!(".{name}{PARTIAL}"));
    let target = dir.join(&name);
    let path = partial
        .to_str()
        .ok_or_else(|| BackupError::Bad(format!("{} is not UTF-8", partial.display())))?
        .to_string();
    sqlx::query("VACUUM INTO ?")
        .bind(&path)
        .execute(vault.pool())
        .await?;
    // SQLite does not flush what VACUUM INTO wrote.
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io_error(format!("cannot flush {}", partial.display())))?;
    let tracks = match check_snapshot(&partial).await {
        Ok(tracks) => tracks,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &target).map_err(io_error(format!(
        "cannot rename {} to {name}",
        partial.display()
    )))?;
    sync_dir(dir)?;
    let bytes = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    let snapshot = Snapshot {
        name: name.clone(),
        taken_at: rfc3339(now),
        bytes,
    };

    let keep = settings.keep.max(1);
    let mut removed = Vec::new();
    for old in list(dir)?.into_iter().skip(keep) {
        std::fs::remove_file(dir.join(&old.name)).map_err(io_error(format!(
            "cannot remove the old snapshot {}",
            old.name
        )))?;
        removed.push(old.name);
    }

    let sent = match &settings.remote {
        Some(remote) => {
            send(settings, remote, &target, &name).await?;
            true
        }
        None => false,
    };
    Ok(BackupReport {
        snapshot,
        tracks,
        removed,
        sent,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Sends the snapshot, the covers and the audio to `remote`.
async fn send(settings: &BackupSettings, remote: &str, snapshot: &Path, name: &str) -> Result<()> {
    let rclone = &settings.rclone;
    // What an upload killed half way left (never a snapshot: those are
    // only ever moved into `snapshots/` whole).
    let _ = rclone
        .run(
            "clearing incoming/",
            &["delete".into(), remote_path(remote, "incoming").into()],
        )
        .await;
    let incoming = remote_path(remote, &format!("incoming/{name}"));
    let final_path = remote_path(remote, &format!("snapshots/{name}"));
    rclone
        .run(
            "uploading the snapshot",
            &["copyto".into(), snapshot.into(), incoming.clone().into()],
        )
        .await?;
    rclone
        .run(
            "moving the snapshot into place",
            &["moveto".into(), incoming.into(), final_path.into()],
        )
        .await?;
    let mut folders = vec![(&settings.covers_dir, "covers")];
    if settings.remote_audio {
        folders.push((&settings.library_dir, "library"));
    }
    for (folder, part) in folders {
        if !folder.is_dir() {
            continue;
        }
        // `copy` sends what is new or changed and never deletes on the
        // remote: a file Hoard replaced is still in the backup.
        rclone
            .run(
                &format!("copying the {part}"),
                &[
                    "copy".into(),
                    folder.into(),
                    remote_path(remote, part).into(),
                ],
            )
            .await?;
    }
    let keep = settings.keep.max(1);
    for old in rclone.snapshots(remote).await?.into_iter().skip(keep) {
        rclone
            .run(
                "removing an old snapshot from the remote",
                &[
                    "deletefile".into(),
                    remote_path(remote, &format!("snapshots/{old}")).into(),
                ],
            )
            .await?;
    }
    Ok(())
}

/// Which snapshot to restore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestoreFrom {
    /// The newest one.
    Newest,
    /// The one with this file name.
    Named(String),
}

impl FromStr for RestoreFrom {
    type Err = BackupError;

    fn from_str(s: &str) -> Result<Self> {
        if s == "latest" || s == "newest" {
            return Ok(Self::Newest);
        }
        // Only a snapshot's own name: never a path.
        if snapshot_time(s).is_none() {
            return Err(BackupError::Bad(format!(
                "`{s}` is not a snapshot's name (hoard-YYYYMMDDTHHMMSSZ.db, as `hoard backup list` shows), nor `latest`"
            )));
        }
        Ok(Self::Named(s.to_string()))
    }
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    pub snapshot: String,
    pub tracks: i64,
    /// Where the database it replaced was put, if there was one.
    pub replaced: Option<PathBuf>,
    pub seconds: f64,
}

impl RestoreReport {
    pub fn summary(&self) -> String {
        let mut line = format!(
            "Restored {} ({} tracks) in {:.1} s.",
            self.snapshot, self.tracks, self.seconds
        );
        if let Some(old) = &self.replaced {
            line.push_str(&format!(
                " The database it replaced is kept as {}.",
                old.display()
            ));
        }
        line
    }
}

/// The file the database is copied to before it replaces the vault's; one
/// left behind means a restore was interrupted.
pub fn restoring_path(database: &Path) -> PathBuf {
    with_suffix(database, ".restoring")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Puts a snapshot back as the vault's database. The caller makes sure no
/// server has the vault open. From a remote, the snapshot is fetched first,
/// and the covers and audio files missing here are copied back (files
/// already here are left as they are).
///
/// The database it replaces is not deleted: it is moved aside as
/// `<database>.replaced-<time>`. Browsers' copies of the library start
/// again ([`Vault::restart_feed`]).
pub async fn restore(
    settings: &BackupSettings,
    from: &RestoreFrom,
    from_remote: bool,
) -> Result<RestoreReport> {
    let started = Instant::now();
    let dir = &settings.dir;
    let _lock = FolderLock::take(dir)?;
    let name = if from_remote {
        let remote = settings.remote.as_deref().ok_or_else(|| {
            BackupError::Bad("no remote: set `backup_remote` to restore from one".into())
        })?;
        let rclone = &settings.rclone;
        let names = rclone.snapshots(remote).await?;
        let name = match from {
            RestoreFrom::Newest => names
                .first()
                .cloned()
                .ok_or_else(|| BackupError::Bad("the remote has no snapshot".to_string()))?,
            RestoreFrom::Named(n) if names.contains(n) => n.clone(),
            RestoreFrom::Named(n) => {
                return Err(BackupError::Bad(format!("the remote has no snapshot {n}")))
            }
        };
        let partial = dir.join(format!(".{name}{PARTIAL}"));
        rclone
            .run(
                "fetching the snapshot",
                &[
                    "copyto".into(),
                    remote_path(remote, &format!("snapshots/{name}")).into(),
                    partial.clone().into(),
                ],
            )
            .await?;
        std::fs::rename(&partial, dir.join(&name))
            .map_err(io_error(format!("cannot rename {}", partial.display())))?;
        for (folder, part) in [
            (&settings.covers_dir, "covers"),
            (&settings.library_dir, "library"),
        ] {
            if part == "library" && !settings.remote_audio {
                continue;
            }
            std::fs::create_dir_all(folder)
                .map_err(io_error(format!("cannot create {}", folder.display())))?;
            rclone
                .run(
                    &format!("fetching the {part}"),
                    &[
                        "copy".into(),
                        "--ignore-existing".into(),
                        remote_path(remote, part).into(),
                        folder.into(),
                    ],
                )
                .await
                .or_else(|e| match e {
                    // Nothing of this kind was ever sent.
                    BackupError::Rclone { ref message, .. }
                        if message.contains("directory not found") =>
                    {
                        Ok(String::new())
                    }
                    e => Err(e),
                })?;
        }
        name
    } else {
        let found = list(dir)?;
        match from {
            RestoreFrom::Newest => found
                .first()
                .map(|s| s.name.clone())
                .ok_or_else(|| BackupError::Bad(format!("{} holds no snapshot", dir.display())))?,
            RestoreFrom::Named(n) if found.iter().any(|s| &s.name == n) => n.clone(),
            RestoreFrom::Named(n) => {
                return Err(BackupError::Bad(format!(
                    "{} holds no snapshot {n}",
                    dir.display()
                )))
            }
        }
    };
    let snapshot = dir.join(&name);
    let tracks = check_snapshot(&snapshot).await?;

    let database = &settings.database;
    // The feed position of the vault being replaced, so browsers' copies of
    // it start again; unknown if it is gone or unreadable.
    let old_position = if database.exists() {
        old_feed_position(database).await
    } else {
        None
    };
    // Copy first, then swap: an interruption leaves either the old database
    // in place or the whole new one beside it.
    let restoring = restoring_path(database);
    std::fs::copy(&snapshot, &restoring).map_err(io_error(format!(
        "cannot copy {name} to {}",
        restoring.display()
    )))?;
    std::fs::File::open(&restoring)
        .and_then(|f| f.sync_all())
        .map_err(io_error(format!("cannot flush {}", restoring.display())))?;
    let replaced = if database.exists() {
        let stamp = OffsetDateTime::now_utc()
            .format(NAME_TIME)
            .unwrap_or_default();
        let aside = with_suffix(database, &format!(".replaced-{stamp}"));
        // The old database's journal goes with it: applied to the restored
        // file, it would corrupt it.
        for suffix in ["-wal", "-shm"] {
            let journal = with_suffix(database, suffix);
            if journal.exists() {
                std::fs::rename(&journal, with_suffix(&aside, suffix))
                    .map_err(io_error(format!("cannot move {} aside", journal.display())))?;
            }
        }
        std::fs::rename(database, &aside).map_err(io_error(format!(
            "cannot move {} aside",
            database.display()
        )))?;
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&restoring, database).map_err(io_error(format!(
        "cannot rename {} to {}",
        restoring.display(),
        database.display()
    )))?;
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    // Opening migrates a snapshot made by an older Hoard.
    let vault = Vault::open(database).await?;
    // Unknown: far above any number the old vault can have reached.
    let above = old_position.unwrap_or(1 << 40);
    vault.restart_feed(above).await?;
    vault.close().await;
    Ok(RestoreReport {
        snapshot: name,
        tracks,
        replaced,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The feed position of the database at `path`, read without changing it.
async fn old_feed_position(path: &Path) -> Option<i64> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .ok()?;
    let row: (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM library_changes")
        .fetch_one(&mut conn)
        .await
        .ok()?;
    conn.close().await.ok();
    Some(row.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_round_trip_and_nothing_else_is_one() {
        let at = time::macros::datetime!(2026-12-07 18:15:00 UTC);
        let name = snapshot_name(at);
        assert_eq!(name, "hoard-20261207T181500Z.db");
        assert_eq!(snapshot_time(&name), Some(at));
        for other in [
            "hoard.db",
            ".hoard-20261207T181500Z.db.partial",
            "hoard-20261207T181500Z.db-wal",
            "../hoard-20261207T181500Z.db",
            "hoard-2026120T181500Z.db",
        ] {
            assert_eq!(snapshot_time(other), None, "{other}");
        }
    }

    #[test]
    fn a_restore_names_a_snapshot_never_a_path() {
        assert_eq!(
            "latest".parse::<RestoreFrom>().ok(),
            Some(RestoreFrom::Newest)
        );
        assert!("hoard-20261207T181500Z.db".parse::<RestoreFrom>().is_ok());
        let refused = "../../etc/passwd"
            .parse::<RestoreFrom>()
            .expect_err("a path");
        assert!(
            refused.to_string().contains("not a snapshot's name"),
            "{refused}"
        );
        assert!("/tmp/hoard-20261207T181500Z.db"
            .parse::<RestoreFrom>()
            .is_err());
    }

    #[test]
    fn remote_paths_join_as_rclone_reads_them() {
        assert_eq!(remote_path("gdrive:", "snapshots"), "gdrive:snapshots");
        assert_eq!(
            remote_path("gdrive:hoard", "snapshots"),
            "gdrive:hoard/snapshots"
        );
        assert_eq!(remote_path("/mnt/usb/", "library"), "/mnt/usb/library");
    }
}
