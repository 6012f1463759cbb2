//! The database side of the vault: opening, migrating and the repositories.

pub mod changes;
pub mod discography;
pub mod downloads;
pub mod edits;
pub mod error;
pub mod export;
pub mod history;
pub mod library;
pub mod listening;
pub mod marks;
pub mod sessions;
pub mod smart;
pub mod stats;
pub mod subsonic;
pub mod sync;
pub mod top;
pub mod users;
pub mod widget;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub use discography::{KeptTrack, ReleaseRecord, WatchDue};
pub use downloads::{FinishedDownload, QueueScope};
pub use error::{DbError, DbResult};
pub use history::{ImportStep, NameCache, TrackIndex};
pub use library::WriteCache;
pub use listening::{tolerance, ListenIndex, NewListen};
/// The connection type repository writes take (a transaction derefs to it).
pub use sqlx::SqliteConnection;
pub use sync::{ItemsDiff, PlaylistSyncState};

/// The migrations compiled into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the vault's database: one pool for the whole process.
#[derive(Clone, Debug)]
pub struct Vault {
    pool: SqlitePool,
}

impl Vault {
    /// Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> DbResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::open_with(options, 4).await
    }

    /// Opens a private in-memory database, for tests.
    pub async fn open_in_memory() -> DbResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| DbError::Other(e.to_string()))?;
        // One connection: every in-memory connection would be its own database.
        Self::open_with(options, 1).await
    }

    async fn open_with(options: SqliteConnectOptions, connections: u32) -> DbResult<Self> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 16 MiB of page cache a connection (SQLite's default is 2 MiB):
            // a vault of years of plays keeps its indexes in memory.
            .pragma("cache_size", "-16384");
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| DbError::Migration(e.to_string()))?;
        let vault = Self { pool };
        vault
            .ensure_builtin_smart_playlists(crate::model::OWNER)
            .await?;
        Ok(vault)
    }

    /// The connection pool, for modules that add their own queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Checks that the database answers; used by the health endpoint.
    pub async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Waits for open connections to finish and checkpoints the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The current time as ISO 8601 UTC text, the format every time column uses.
pub fn now_text() -> String {
    db_time(std::time::SystemTime::now())
}

/// The current time, milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A moment as ISO 8601 UTC text, the format every time column uses.
pub fn db_time(at: std::time::SystemTime) -> String {
    time::OffsetDateTime::from(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Milliseconds since the epoch of an RFC 3339 time (`2026-11-01T10:00:00.123Z`).
pub fn rfc3339_ms(text: &str) -> Option<i64> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_twice_keeps_the_schema_and_the_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hoard.db");
        let vault = Vault::open(&path).await.expect("first open");
        sqlx::query("INSERT INTO artists (name) VALUES ('Björk')")
            .execute(vault.pool())
            .await
            .expect("insert");
        vault.close().await;

        let vault = Vault::open(&path).await.expect("second open");
        let (name,): (String,) = sqlx::query_as("SELECT name FROM artists")
            .fetch_one(vault.pool())
            .await
            .expect("select");
        assert_eq!(name, "Björk");
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(vault.pool())
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn foreign_keys_are_enforced() {
        let vault = Vault::open_in_memory().await.expect("open");
        let result = sqlx::query("INSERT INTO liked_tracks (track_id, added_at) VALUES (999, 'x')")
            .execute(vault.pool())
            .await;
        assert!(result.is_err(), "a like of a missing track must be refused");
    }
}
