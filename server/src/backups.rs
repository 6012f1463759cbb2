//! Backups from the server's side: the settings, the schedule, the data
//! folder's lock and the `hoard backup` / `hoard restore` commands. The
//! work itself is `vault::backup`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use vault::backup::{BackupSettings, Backups, Rclone, RestoreFrom};

use crate::config::Config;

/// The backup settings of `config`.
pub fn settings(config: &Config) -> BackupSettings {
    BackupSettings {
        database: config.database_path(),
        dir: config.backup_dir(),
        // The acquirer's folders (`hoard_acquire::queue::Settings`).
        library_dir: config.data_dir.join("library"),
        covers_dir: config.data_dir.join("covers"),
        keep: config.backup_keep as usize,
        interval_hours: config.backup_interval_hours,
        remote: config.backup_remote.as_ref().map(|r| r.trim().to_string()),
        remote_audio: config.backup_remote_audio,
        rclone: Rclone {
            command: config.rclone_command.clone(),
            config: config.rclone_config.clone(),
        },
    }
}

/// An exclusive hold on the data folder: one server at a time, and no
/// restore while a server runs. Released when the process ends.
pub struct DataLock(#[allow(dead_code)] std::fs::File);

impl DataLock {
    pub fn take(data_dir: &Path, doing: &str) -> anyhow::Result<Self> {
        let path = data_dir.join("hoard.lock");
        match vault::lock::hold(&path)
            .with_context(|| format!("cannot lock {} (setting `data_dir`)", path.display()))?
        {
            Some(file) => Ok(Self(file)),
            None => anyhow::bail!(
                "cannot {doing}: a Hoard server is running on {} (stop it first)",
                data_dir.display()
            ),
        }
    }
}

/// Refuses to open a vault whose restore was interrupted after the old
/// database was moved aside: a server started then would make an empty one.
pub fn check_no_interrupted_restore(config: &Config) -> anyhow::Result<()> {
    let database = config.database_path();
    let restoring = vault::backup::restoring_path(&database);
    if restoring.exists() {
        if database.exists() {
            // Interrupted before the swap: the database is the old one, whole.
            std::fs::remove_file(&restoring)
                .with_context(|| format!("cannot remove {}", restoring.display()))?;
        } else {
            anyhow::bail!(
                "a restore was interrupted ({} is there, {} is not): run `hoard restore` again",
                restoring.display(),
                database.display()
            );
        }
    }
    Ok(())
}

/// Checks at start that a `backup_remote` naming an rclone remote names
/// one rclone knows, so a typo is said now, not at 3 a.m.
pub async fn check_remote(settings: &BackupSettings) -> anyhow::Result<()> {
    let Some(remote) = &settings.remote else {
        return Ok(());
    };
    if remote.starts_with('/') {
        return Ok(());
    }
    let name = remote.split(':').next().unwrap_or_default();
    let known = settings
        .rclone
        .run("listing the remotes", &["listremotes".into()])
        .await
        .map_err(|e| anyhow::anyhow!("setting `backup_remote`: {e} (setting `rclone_command`)"))?;
    if !known
        .lines()
        .any(|line| line.trim().trim_end_matches(':') == name)
    {
        anyhow::bail!(
            "setting `backup_remote`: rclone's config{} has no remote called `{name}` (`rclone config` makes one; `rclone listremotes` lists them)",
            settings
                .rclone
                .config
                .as_ref()
                .map(|c| format!(" ({})", c.display()))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// How long until the next scheduled backup: `interval` after the newest
/// snapshot, and never sooner than `settle` (a server just started has
/// enough to do).
pub fn next_backup_in(
    newest: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
    interval: Duration,
    settle: Duration,
) -> Duration {
    let due = match newest {
        None => Duration::ZERO,
        Some(newest) => {
            let since = now - newest;
            let since = Duration::try_from(since).unwrap_or(Duration::ZERO);
            interval.saturating_sub(since)
        }
    };
    due.max(settle)
}

/// Backs up every `interval_hours`, counted from the newest snapshot, so a
/// server restarted every day still backs up once a day. A failed backup
/// is tried again after an hour (or the interval, if shorter).
pub async fn schedule(backups: Arc<Backups>, vault: vault::Vault, interval_hours: u32) {
    if interval_hours == 0 {
        return;
    }
    let interval = Duration::from_secs(u64::from(interval_hours) * 3600);
    let retry = interval.min(Duration::from_secs(3600));
    let mut settle = Duration::from_secs(300);
    loop {
        let wait = next_backup_in(
            backups.newest(),
            time::OffsetDateTime::now_utc(),
            interval,
            settle,
        );
        tokio::time::sleep(wait).await;
        match backups.run(&vault).await {
            Ok(report) => {
                tracing::info!(trigger = "schedule", "{}", report.summary());
                settle = Duration::from_secs(60);
            }
            Err(vault::backup::BackupError::Busy) => settle = Duration::from_secs(60),
            Err(e) => {
                tracing::warn!(trigger = "schedule", "the backup failed: {e}");
                settle = retry;
            }
        }
    }
}

/// `hoard backup`: one backup now.
pub async fn back_up_once(config: &Config) -> anyhow::Result<()> {
    check_no_interrupted_restore(config)?;
    let database = config.database_path();
    anyhow::ensure!(
        database.exists(),
        "there is no database at {} to back up (settings `data_dir`, `database`)",
        database.display()
    );
    let vault = vault::Vault::open(&database)
        .await
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    let result = vault::backup::back_up(&vault, &settings(config)).await;
    vault.close().await;
    println!("{}", result?.summary());
    Ok(())
}

/// `hoard backup list`: the snapshots here, newest first.
pub fn list(config: &Config) -> anyhow::Result<()> {
    let dir = config.backup_dir();
    let found = vault::backup::list(&dir)?;
    if found.is_empty() {
        println!("No snapshot in {}.", dir.display());
    }
    for snapshot in found {
        println!(
            "{}  {:>10.1} MB  {}",
            snapshot.name,
            snapshot.bytes as f64 / 1e6,
            snapshot.taken_at
        );
    }
    Ok(())
}

/// `hoard restore [--remote] [NAME|latest]`.
pub async fn restore(config: &Config, args: &[&str]) -> anyhow::Result<()> {
    let mut from_remote = false;
    let mut from = RestoreFrom::Newest;
    for arg in args {
        match *arg {
            "--remote" => from_remote = true,
            name => from = name.parse()?,
        }
    }
    crate::config::prepare_dirs(config)?;
    let _lock = DataLock::take(&config.data_dir, "restore")?;
    let report = vault::backup::restore(&settings(config), &from, from_remote).await?;
    println!("{}", report.summary());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_counts_from_the_newest_snapshot() {
        let now = time::macros::datetime!(2026-12-07 12:00 UTC);
        let day = Duration::from_secs(86_400);
        let settle = Duration::from_secs(300);
        // None yet: as soon as the server has settled.
        assert_eq!(next_backup_in(None, now, day, settle), settle);
        // Taken 20 hours ago: 4 hours from now.
        let newest = now - time::Duration::hours(20);
        assert_eq!(
            next_backup_in(Some(newest), now, day, settle),
            Duration::from_secs(4 * 3600)
        );
        // Overdue: soon, but not at once.
        let old = now - time::Duration::days(3);
        assert_eq!(next_backup_in(Some(old), now, day, settle), settle);
        // A clock that went back: no sooner than an interval.
        let future = now + time::Duration::hours(1);
        assert_eq!(next_backup_in(Some(future), now, day, settle), day);
    }
}
