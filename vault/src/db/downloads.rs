//! The download queue's state machine, kept in the `downloads` table so a
//! restart resumes it:
//!
//! ```text
//! queued ─claim─► searching ─► downloading ─► validating ─► downloaded
//!    ▲                │              │              │
//!    └── retry (attempts left) ◄─────┴──────────────┴──► failed (reason)
//! queued ─skip─► skipped        any unfinished state ─restart─► queued
//! ```
//!
//! Acquisition (issue 4) drives it; every transition is one statement, so a
//! kill at any moment leaves a job in a state the next start understands.

use serde::Deserialize;

use super::{now_text, DbError, DbResult, Vault};
use crate::model::{AcquireTrack, DownloadCounts, Id, NotDownloaded, Quarantined};

/// States a worker moves a claimed job through.
pub const WORKING_STATES: [&str; 3] = ["searching", "downloading", "validating"];

impl Vault {
    /// Takes the oldest queued job whose wait is over: it becomes
    /// `searching` and its attempt counts. Returns the track and the number
    /// of this attempt. Two workers never get the same job (one statement).
    pub async fn claim_next_download(&self) -> DbResult<Option<(Id, i64)>> {
        Ok(sqlx::query_as(
            "UPDATE downloads SET state = 'searching', attempts = attempts + 1, updated_at = ?1
             WHERE track_id = (SELECT track_id FROM downloads WHERE state = 'queued'
                                 AND (not_before IS NULL OR not_before <= ?1)
                               ORDER BY queued_at, track_id LIMIT 1)
             RETURNING track_id, attempts",
        )
        .bind(now_text())
        .fetch_optional(self.pool())
        .await?)
    }

    /// Moves a claimed job on (`downloading`, `validating`).
    pub async fn advance_download(&self, track_id: Id, state: &str) -> DbResult<()> {
        debug_assert!(WORKING_STATES.contains(&state));
        sqlx::query("UPDATE downloads SET state = ?, updated_at = ? WHERE track_id = ?")
            .bind(state)
            .bind(now_text())
            .bind(track_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a finished job: its source, why this upload, and its file
    /// (relative to the library folder).
    pub async fn finish_download(&self, track_id: Id, done: &FinishedDownload<'_>) -> DbResult<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'downloaded', source = ?, file_path = ?, chosen = ?,
                 bytes = ?, format = ?, reason = NULL, not_before = NULL, updated_at = ?
             WHERE track_id = ?",
        )
        .bind(done.source)
        .bind(done.file_path)
        .bind(done.chosen)
        .bind(done.bytes)
        .bind(done.format)
        .bind(now_text())
        .bind(track_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt: back to the queue (not before `retry_at`)
    /// while attempts are left and the failure is worth retrying, otherwise
    /// `failed` with the reason. Returns the state the job is in now.
    pub async fn fail_download(
        &self,
        track_id: Id,
        reason: &str,
        retry_at: Option<&str>,
        max_attempts: i64,
    ) -> DbResult<String> {
        let (state,): (String,) = sqlx::query_as(
            "UPDATE downloads SET reason = ?1, updated_at = ?2, not_before = ?3,
                 state = CASE WHEN ?3 IS NOT NULL AND attempts < ?4 THEN 'queued' ELSE 'failed' END
             WHERE track_id = ?5 RETURNING state",
        )
        .bind(reason)
        .bind(now_text())
        .bind(retry_at)
        .bind(max_attempts)
        .bind(track_id)
        .fetch_one(self.pool())
        .await?;
        Ok(state)
    }

    /// Keeps the scored candidates of a search (JSON), for the user to pick from.
    pub async fn set_download_candidates(&self, track_id: Id, json: &str) -> DbResult<()> {
        sqlx::query("UPDATE downloads SET candidates = ? WHERE track_id = ?")
            .bind(json)
            .bind(track_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Sets the URL a track is downloaded from (pasted, or a candidate the
    /// user picked) and queues it with fresh attempts; a track with a file
    /// gets the new one in its place. Refused while the job is running.
    pub async fn set_download_url(&self, track_id: Id, url: &str) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT OR IGNORE INTO downloads (track_id) VALUES (?)")
            .bind(track_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(
            "UPDATE downloads SET url = ?, state = 'queued', attempts = 0, reason = NULL,
                 not_before = NULL, updated_at = ?
             WHERE track_id = ? AND state NOT IN ('searching', 'downloading', 'validating')",
        )
        .bind(url)
        .bind(now_text())
        .bind(track_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::Invalid(
                "the track is being downloaded now; wait for it to finish".into(),
            ));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Puts a failed or skipped job back in the queue with fresh attempts.
    pub async fn retry_download(&self, track_id: Id) -> DbResult<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'queued', attempts = 0, reason = NULL, not_before = NULL,
                 updated_at = ?
             WHERE track_id = ? AND state IN ('failed', 'skipped')",
        )
        .bind(now_text())
        .bind(track_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes a job out of the queue (the user cancelled it): a queued one,
    /// or one a worker has stopped working on. A downloaded job keeps its file.
    pub async fn skip_download(&self, track_id: Id, reason: &str) -> DbResult<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'skipped', reason = ?, updated_at = ?
             WHERE track_id = ? AND state NOT IN ('downloaded', 'failed', 'skipped')",
        )
        .bind(reason)
        .bind(now_text())
        .bind(track_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// At start: jobs a stopped process was working on go back to the queue
    /// (their partial files are the caller's to remove). Returns how many.
    pub async fn requeue_interrupted_downloads(&self) -> DbResult<u64> {
        let done = sqlx::query(
            "UPDATE downloads SET state = 'queued', updated_at = ?
             WHERE state IN ('searching', 'downloading', 'validating')",
        )
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Puts every track of the scope that has no job (or a skipped one,
    /// except for [`QueueScope::NewInLibrary`]) in the queue. Returns how
    /// many were queued.
    pub async fn queue_downloads(&self, scope: QueueScope) -> DbResult<u64> {
        let tracks = match scope {
            QueueScope::Library | QueueScope::NewInLibrary => LIBRARY_TRACKS,
            QueueScope::Liked => "SELECT track_id FROM liked_tracks WHERE removed_at IS NULL",
            QueueScope::Playlist(_) => {
                "SELECT track_id FROM playlist_items WHERE playlist_id = ?2
                   AND removed_at IS NULL AND track_id IS NOT NULL"
            }
            QueueScope::Track(_) => "SELECT ?2",
        };
        let id = match scope {
            QueueScope::Playlist(id) | QueueScope::Track(id) => id,
            _ => 0,
        };
        let id = super::library::Bind::Int(id);
        self.queue_where(tracks, &id, scope == QueueScope::NewInLibrary)
            .await
    }

    /// Queues these tracks (a smart playlist's, say), as "download all" does.
    pub async fn queue_track_ids(&self, ids: &[Id]) -> DbResult<u64> {
        let ids = serde_json::to_string(ids).map_err(|e| super::DbError::Other(e.to_string()))?;
        let ids = super::library::Bind::Text(ids);
        self.queue_where("SELECT value FROM json_each(?2)", &ids, false)
            .await
    }

    /// Queues the tracks `tracks` selects (`?2` is `arg`); a job the user
    /// cancelled comes back unless `keep_cancelled`.
    async fn queue_where(
        &self,
        tracks: &str,
        arg: &super::library::Bind,
        keep_cancelled: bool,
    ) -> DbResult<u64> {
        let mut tx = self.begin().await?;
        let now = now_text();
        // A job the user cancelled comes back only when they ask for it.
        let requeue = if keep_cancelled { "AND 0" } else { "" };
        fn bind<'q>(
            q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
            arg: &'q super::library::Bind,
        ) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
            match arg {
                super::library::Bind::Int(v) => q.bind(*v),
                super::library::Bind::Real(v) => q.bind(*v),
                super::library::Bind::Text(v) => q.bind(v.as_str()),
            }
        }
        let update = format!(
            "UPDATE downloads SET state = 'queued', attempts = 0, reason = NULL,
                 not_before = NULL, updated_at = ?1
             WHERE state = 'skipped' AND track_id IN ({tracks}) {requeue}"
        );
        let requeued = bind(sqlx::query(&update).bind(&now), arg)
            .execute(&mut *tx)
            .await?;
        let insert = format!(
            "INSERT OR IGNORE INTO downloads (track_id, queued_at, updated_at)
             SELECT t.id, ?1, ?1 FROM tracks t WHERE t.id IN ({tracks})"
        );
        let added = bind(sqlx::query(&insert).bind(&now), arg)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(requeued.rows_affected() + added.rows_affected())
    }

    /// Puts every failed job back in the queue. Returns how many.
    pub async fn retry_failed_downloads(&self) -> DbResult<u64> {
        let done = sqlx::query(
            "UPDATE downloads SET state = 'queued', attempts = 0, reason = NULL, not_before = NULL,
                 updated_at = ? WHERE state = 'failed'",
        )
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// How many jobs are in each state, and how many library tracks have none.
    pub async fn download_counts(&self) -> DbResult<DownloadCounts> {
        let (queued, working, downloaded, failed, skipped, not_queued, quarantined): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(&format!(
            "SELECT
               (SELECT COUNT(*) FROM downloads WHERE state = 'queued'),
               (SELECT COUNT(*) FROM downloads
                  WHERE state IN ('searching', 'downloading', 'validating')),
               (SELECT COUNT(*) FROM downloads WHERE state = 'downloaded'),
               (SELECT COUNT(*) FROM downloads WHERE state = 'failed'),
               (SELECT COUNT(*) FROM downloads WHERE state = 'skipped'),
               (SELECT COUNT(*) FROM ({LIBRARY_TRACKS}) l
                  WHERE NOT EXISTS (SELECT 1 FROM downloads d WHERE d.track_id = l.track_id)),
               (SELECT COUNT(*) FROM quarantine)"
        ))
        .fetch_one(self.pool())
        .await?;
        Ok(DownloadCounts {
            queued,
            working,
            downloaded,
            failed,
            skipped,
            not_queued,
            quarantined,
        })
    }

    /// What acquisition needs to know of a track.
    pub async fn acquire_track(&self, track_id: Id) -> DbResult<AcquireTrack> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Id,
            spotify_id: Option<String>,
            title: String,
            artists: String,
            album_id: Option<Id>,
            album: Option<String>,
            album_artists: String,
            release_date: Option<String>,
            disc_number: i64,
            disc_total: Option<i64>,
            track_number: Option<i64>,
            track_total: Option<i64>,
            duration_ms: i64,
            isrc: Option<String>,
            explicit: bool,
            image_url: Option<String>,
            images: Option<String>,
            is_local: bool,
            url: Option<String>,
            file_path: Option<String>,
            attempts: Option<i64>,
        }
        let row: Row = sqlx::query_as(
            "SELECT t.id, t.spotify_id, t.title,
                (SELECT json_group_array(ar.name) FROM (SELECT ar.name FROM track_artists ta
                   JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id
                   ORDER BY ta.position) ar) AS artists,
                t.album_id, al.name AS album,
                (SELECT json_group_array(ar.name) FROM (SELECT ar.name FROM album_artists aa
                   JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = t.album_id
                   ORDER BY aa.position) ar) AS album_artists,
                al.release_date, t.disc_number,
                (SELECT MAX(disc_number) FROM tracks WHERE album_id = t.album_id) AS disc_total,
                t.track_number, al.total_tracks AS track_total, t.duration_ms, t.isrc, t.explicit,
                al.image_url, al.images, t.is_local, d.url, d.file_path, d.attempts
             FROM tracks t LEFT JOIN albums al ON al.id = t.album_id
                  LEFT JOIN downloads d ON d.track_id = t.id
             WHERE t.id = ?",
        )
        .bind(track_id)
        .fetch_one(self.pool())
        .await?;
        let names = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_default();
        Ok(AcquireTrack {
            id: row.id,
            spotify_id: row.spotify_id,
            title: row.title,
            artists: names(&row.artists),
            album_id: row.album_id,
            album: row.album,
            album_artists: names(&row.album_artists),
            release_date: row.release_date,
            disc_number: row.disc_number,
            disc_total: row.disc_total,
            track_number: row.track_number,
            track_total: row.track_total,
            duration_ms: row.duration_ms,
            isrc: row.isrc,
            explicit: row.explicit,
            cover_url: largest_image(row.images.as_deref()).or(row.image_url),
            is_local: row.is_local,
            url: row.url,
            file_path: row.file_path,
            attempts: row.attempts.unwrap_or(0),
            edit: self.track_edit(track_id).await?,
            album_edit: match row.album_id {
                Some(album) => self.album_edit(album).await?,
                None => Default::default(),
            },
        })
    }

    /// The track that has the file at `path` (relative to the library folder), if any.
    pub async fn file_owner(&self, path: &str) -> DbResult<Option<Id>> {
        let row: Option<(Id,)> =
            sqlx::query_as("SELECT track_id FROM downloads WHERE file_path = ?")
                .bind(path)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|r| r.0))
    }

    /// A downloaded track's file (relative to the library folder) and format.
    pub async fn track_file(&self, track_id: Id) -> DbResult<Option<(String, Option<String>)>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT file_path, format FROM downloads
             WHERE track_id = ? AND state = 'downloaded' AND file_path IS NOT NULL",
        )
        .bind(track_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// What a track without a file can offer instead: its Spotify ID and
    /// preview URL.
    pub async fn track_fallback(&self, track_id: Id) -> DbResult<(Option<String>, Option<String>)> {
        Ok(
            sqlx::query_as("SELECT spotify_id, preview_url FROM tracks WHERE id = ?")
                .bind(track_id)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Every library track with no file, for the "not downloaded" report.
    pub async fn not_downloaded(&self) -> DbResult<Vec<NotDownloaded>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            title: String,
            artists: Option<String>,
            album: Option<String>,
            spotify_id: Option<String>,
            state: Option<String>,
            reason: Option<String>,
        }
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT t.title,
                (SELECT group_concat(name, ', ') FROM (SELECT ar.name FROM track_artists ta
                   JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id
                   ORDER BY ta.position)) AS artists,
                al.name AS album, t.spotify_id, d.state, d.reason
             FROM tracks t LEFT JOIN albums al ON al.id = t.album_id
                  LEFT JOIN downloads d ON d.track_id = t.id
             WHERE t.id IN ({LIBRARY_TRACKS} UNION SELECT track_id FROM downloads)
               AND (d.state IS NULL OR d.state <> 'downloaded')
             ORDER BY artists, t.title"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| NotDownloaded {
                title: r.title,
                artists: r.artists.unwrap_or_default(),
                album: r.album,
                spotify_id: r.spotify_id,
                state: r.state,
                reason: r.reason,
            })
            .collect())
    }

    /// Records a file that failed validation (its path relative to the quarantine folder).
    pub async fn quarantine_file(
        &self,
        track_id: Id,
        path: &str,
        reason: &str,
        source: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO quarantine (track_id, path, reason, source, at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, at = excluded.at",
        )
        .bind(track_id)
        .bind(path)
        .bind(reason)
        .bind(source)
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The quarantined files, newest first.
    pub async fn quarantined(&self) -> DbResult<Vec<Quarantined>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Id,
            track_id: Option<Id>,
            title: Option<String>,
            path: String,
            reason: String,
            source: Option<String>,
            at: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT q.id, q.track_id, t.title, q.path, q.reason, q.source, q.at
             FROM quarantine q LEFT JOIN tracks t ON t.id = q.track_id ORDER BY q.at DESC, q.id DESC",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Quarantined {
                id: r.id,
                track_id: r.track_id,
                title: r.title,
                path: r.path,
                reason: r.reason,
                source: r.source,
                at: r.at,
            })
            .collect())
    }

    /// Forgets every quarantined file and returns their paths, for the caller
    /// to delete (a file left behind by a kill is only an orphan in the folder).
    pub async fn clear_quarantine(&self) -> DbResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("DELETE FROM quarantine RETURNING path")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// Which tracks "download all" queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueScope {
    /// Liked songs, playlist entries and saved albums' tracks.
    Library,
    /// The same, but only tracks with no job at all: what an automatic
    /// download after a sync queues (a cancelled job stays cancelled).
    NewInLibrary,
    Liked,
    Playlist(Id),
    Track(Id),
}

/// The library's tracks: liked songs, current playlist entries and the
/// tracks of saved albums (a subquery yielding `track_id`).
const LIBRARY_TRACKS: &str = "SELECT track_id FROM liked_tracks WHERE removed_at IS NULL
    UNION SELECT track_id FROM playlist_items WHERE removed_at IS NULL AND track_id IS NOT NULL
    UNION SELECT t.id FROM tracks t JOIN saved_albums s ON s.album_id = t.album_id
          WHERE s.removed_at IS NULL";

/// The URL of the largest image in Spotify's `[{url, width, height}]`.
fn largest_image(json: Option<&str>) -> Option<String> {
    #[derive(Deserialize)]
    struct Image {
        url: String,
        width: Option<i64>,
    }
    let images: Vec<Image> = serde_json::from_str(json?).ok()?;
    images
        .into_iter()
        .max_by_key(|i| i.width.unwrap_or(0))
        .map(|i| i.url)
}

/// A finished download, as [`Vault::finish_download`] records it.
#[derive(Clone, Debug)]
pub struct FinishedDownload<'a> {
    pub source: &'a str,
    pub file_path: &'a str,
    pub chosen: &'a str,
    pub bytes: i64,
    pub format: &'a str,
}
