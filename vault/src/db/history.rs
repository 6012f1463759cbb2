//! Extended Streaming History imports: the uploads, their progress, and the
//! tracks a history file names that the vault does not know yet.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::{DbResult, Vault};
use crate::model::{HistoryImport, Id};

const IMPORT_COLUMNS: &str = "id, file_name, state, member, members, rows_done, rows_total, \
     plays_added, duplicates, episodes, unknown_rows, tracks_created, error, created_at, finished_at";

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: Id,
    file_name: String,
    state: String,
    member: i64,
    members: i64,
    rows_done: i64,
    rows_total: i64,
    plays_added: i64,
    duplicates: i64,
    episodes: i64,
    unknown_rows: i64,
    tracks_created: i64,
    error: Option<String>,
    created_at: String,
    finished_at: Option<String>,
}

impl From<ImportRow> for HistoryImport {
    fn from(r: ImportRow) -> Self {
        HistoryImport {
            id: r.id,
            file_name: r.file_name,
            state: r.state,
            member: r.member,
            members: r.members,
            rows_done: r.rows_done,
            rows_total: r.rows_total,
            plays_added: r.plays_added,
            duplicates: r.duplicates,
            episodes: r.episodes,
            unknown_rows: r.unknown_rows,
            tracks_created: r.tracks_created,
            error: r.error,
            created_at: r.created_at,
            finished_at: r.finished_at,
        }
    }
}

/// What one committed step of an import adds to its counts.
#[derive(Clone, Debug, Default)]
pub struct ImportStep {
    /// Where the import stands after the step: the file, and rows done in it.
    pub member: i64,
    pub rows_in_member: i64,
    pub rows: i64,
    pub plays_added: i64,
    pub duplicates: i64,
    pub episodes: i64,
    pub unknown_rows: i64,
    pub tracks_created: i64,
}

/// A track known by its Spotify ID: its vault id and length (0 if unknown).
pub type TrackIndex = HashMap<String, (Id, i64)>;

impl Vault {
    /// Registers an upload. The same file (by SHA-256) uploaded again is
    /// the import already made: returns it, and `false`.
    pub async fn create_history_import(
        &self,
        user_id: Id,
        file_name: &str,
        sha256: &str,
        stored_path: &str,
        members: i64,
    ) -> DbResult<(HistoryImport, bool)> {
        let existing: Option<ImportRow> = sqlx::query_as(&format!(
            "SELECT {IMPORT_COLUMNS} FROM history_imports WHERE user_id = ? AND sha256 = ?"
        ))
        .bind(user_id)
        .bind(sha256)
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = existing {
            return Ok((row.into(), false));
        }
        let row: ImportRow = sqlx::query_as(&format!(
            "INSERT INTO history_imports (user_id, file_name, sha256, stored_path, state, members)
             VALUES (?, ?, ?, ?, 'queued', ?) RETURNING {IMPORT_COLUMNS}"
        ))
        .bind(user_id)
        .bind(file_name)
        .bind(sha256)
        .bind(stored_path)
        .bind(members)
        .fetch_one(self.pool())
        .await?;
        Ok((row.into(), true))
    }

    /// The imports of `user_id`, newest first.
    pub async fn history_imports(&self, user_id: Id) -> DbResult<Vec<HistoryImport>> {
        let rows: Vec<ImportRow> = sqlx::query_as(&format!(
            "SELECT {IMPORT_COLUMNS} FROM history_imports WHERE user_id = ? ORDER BY id DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One import, with its stored file and its listener.
    pub async fn history_import(&self, id: Id) -> DbResult<(HistoryImport, String, Id)> {
        #[derive(sqlx::FromRow)]
        struct Stored {
            #[sqlx(flatten)]
            import: ImportRow,
            stored_path: String,
            user_id: Id,
        }
        let row: Stored = sqlx::query_as(&format!(
            "SELECT {IMPORT_COLUMNS}, stored_path, user_id FROM history_imports WHERE id = ?"
        ))
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok((row.import.into(), row.stored_path, row.user_id))
    }

    /// Imports that a stop or a kill left unfinished, oldest first.
    pub async fn unfinished_history_imports(&self) -> DbResult<Vec<Id>> {
        let rows: Vec<(Id,)> = sqlx::query_as(
            "SELECT id FROM history_imports WHERE state IN ('queued', 'importing') ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Rows done in the import's current file (to resume from).
    pub async fn history_import_position(&self, id: Id) -> DbResult<(i64, i64)> {
        let (member, rows): (i64, i64) = sqlx::query_as(
            "SELECT member, rows_in_member FROM history_imports_position WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .unwrap_or((0, 0));
        Ok((member, rows))
    }

    /// Records a committed step, in the transaction that wrote its plays,
    /// so a kill after it resumes after it and a kill before it redoes it.
    pub async fn history_import_step(
        conn: &mut SqliteConnection,
        id: Id,
        step: &ImportStep,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE history_imports SET state = 'importing', member = ?, rows_done = rows_done + ?,
                 plays_added = plays_added + ?, duplicates = duplicates + ?,
                 episodes = episodes + ?, unknown_rows = unknown_rows + ?,
                 tracks_created = tracks_created + ?
             WHERE id = ?",
        )
        .bind(step.member)
        .bind(step.rows)
        .bind(step.plays_added)
        .bind(step.duplicates)
        .bind(step.episodes)
        .bind(step.unknown_rows)
        .bind(step.tracks_created)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO history_imports_position (id, member, rows_in_member) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET member = excluded.member,
                 rows_in_member = excluded.rows_in_member",
        )
        .bind(id)
        .bind(step.member)
        .bind(step.rows_in_member)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Adds the rows a file holds to the import's total, once per file.
    pub async fn history_import_total(&self, id: Id, rows: i64, member: i64) -> DbResult<()> {
        sqlx::query(
            "UPDATE history_imports SET rows_total = rows_total + ?, totals_counted = ?
             WHERE id = ? AND totals_counted < ?",
        )
        .bind(rows)
        .bind(member + 1)
        .bind(id)
        .bind(member + 1)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends an import: `done`, or `failed` with the reason.
    pub async fn finish_history_import(&self, id: Id, error: Option<&str>) -> DbResult<()> {
        sqlx::query(
            "UPDATE history_imports SET state = ?, error = ?, member = members,
                 finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        )
        .bind(if error.is_some() { "failed" } else { "done" })
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every track with a Spotify ID: its vault id and length.
    pub async fn spotify_track_index(&self) -> DbResult<TrackIndex> {
        let rows: Vec<(String, Id, i64)> = sqlx::query_as(
            "SELECT spotify_id, id, duration_ms FROM tracks WHERE spotify_id IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(spotify, id, duration)| (spotify, (id, duration)))
            .collect())
    }

    /// A track known only from a history file: its Spotify ID and the
    /// file's names. Spotify's own data replaces them later
    /// (`needs_details`). Artists and albums by these names are reused.
    pub async fn insert_named_track(
        conn: &mut SqliteConnection,
        spotify_id: &str,
        title: &str,
        artist: Option<&str>,
        album: Option<&str>,
        names: &mut NameCache,
    ) -> DbResult<Id> {
        let artist_id = match artist {
            Some(name) => Some(names.artist(conn, name).await?),
            None => None,
        };
        let album_id = match (album, artist_id) {
            (Some(name), artist) => Some(names.album(conn, name, artist).await?),
            (None, _) => None,
        };
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO tracks (spotify_id, title, album_id, duration_ms, needs_details)
             VALUES (?, ?, ?, 0, 1)
             ON CONFLICT (spotify_id) DO UPDATE SET spotify_id = excluded.spotify_id
             RETURNING id",
        )
        .bind(spotify_id)
        .bind(title)
        .bind(album_id)
        .fetch_one(&mut *conn)
        .await?;
        if let Some(artist_id) = artist_id {
            sqlx::query(
                "INSERT OR IGNORE INTO track_artists (track_id, artist_id, position) VALUES (?, ?, 0)",
            )
            .bind(id)
            .bind(artist_id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(id)
    }

    /// Spotify IDs of tracks known only by name, at most `limit`.
    pub async fn tracks_needing_details(&self, limit: i64) -> DbResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT spotify_id FROM tracks WHERE needs_details = 1 AND spotify_id IS NOT NULL
             ORDER BY id LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// A track Spotify no longer knows: stop asking for it.
    pub async fn track_details_unavailable(&self, spotify_id: &str) -> DbResult<()> {
        sqlx::query("UPDATE tracks SET needs_details = 2 WHERE spotify_id = ?")
            .bind(spotify_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Artists and albums by name, for tracks known only from a history file.
#[derive(Debug, Default)]
pub struct NameCache {
    artists: HashMap<String, Id>,
    albums: HashMap<(String, Option<Id>), Id>,
}

impl NameCache {
    async fn artist(&mut self, conn: &mut SqliteConnection, name: &str) -> DbResult<Id> {
        if let Some(id) = self.artists.get(name) {
            return Ok(*id);
        }
        let found: Option<(Id,)> = sqlx::query_as("SELECT id FROM artists WHERE name = ? LIMIT 1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
        let id = match found {
            Some((id,)) => id,
            None => {
                let (id,): (Id,) =
                    sqlx::query_as("INSERT INTO artists (name) VALUES (?) RETURNING id")
                        .bind(name)
                        .fetch_one(&mut *conn)
                        .await?;
                id
            }
        };
        self.artists.insert(name.to_owned(), id);
        Ok(id)
    }

    async fn album(
        &mut self,
        conn: &mut SqliteConnection,
        name: &str,
        artist: Option<Id>,
    ) -> DbResult<Id> {
        let key = (name.to_owned(), artist);
        if let Some(id) = self.albums.get(&key) {
            return Ok(*id);
        }
        let found: Option<(Id,)> = sqlx::query_as(
            "SELECT a.id FROM albums a
             WHERE a.name = ? AND (? IS NULL OR EXISTS (SELECT 1 FROM album_artists aa
                   WHERE aa.album_id = a.id AND aa.artist_id = ?))
             LIMIT 1",
        )
        .bind(name)
        .bind(artist)
        .bind(artist)
        .fetch_optional(&mut *conn)
        .await?;
        let id = match found {
            Some((id,)) => id,
            None => {
                let (id,): (Id,) = sqlx::query_as(
                    "INSERT INTO albums (name, album_type) VALUES (?, 'album') RETURNING id",
                )
                .bind(name)
                .fetch_one(&mut *conn)
                .await?;
                if let Some(artist) = artist {
                    sqlx::query(
                        "INSERT INTO album_artists (album_id, artist_id, position) VALUES (?, ?, 0)",
                    )
                    .bind(id)
                    .bind(artist)
                    .execute(&mut *conn)
                    .await?;
                }
                id
            }
        };
        self.albums.insert(key, id);
        Ok(id)
    }
}
