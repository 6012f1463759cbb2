//! Whole discographies: the artists a listener saved and watches, and the
//! releases Hoard has read for them (see the migration for the two tables).

use std::collections::HashSet;

use super::{now_text, DbError, DbResult, SqliteConnection, Vault};
use crate::model::{
    ArtistRef, Discography, DiscographySummary, Id, Release, WatchedRelease, ALBUM_GROUPS,
};

/// A release as read from Spotify, to record.
#[derive(Clone, Debug)]
pub struct ReleaseRecord {
    pub spotify_album_id: String,
    pub album_id: Option<Id>,
    pub name: String,
    pub album_group: String,
    pub album_type: String,
    pub release_date: Option<String>,
    pub total_tracks: i64,
    pub tracks_saved: i64,
    pub duplicates: i64,
    pub duplicate_of: Option<String>,
    /// True when a later read (a watch's check, or the listener's update)
    /// found it, not the first save.
    pub later: bool,
}

/// A watched artist due for a check.
#[derive(Clone, Debug)]
pub struct WatchDue {
    pub user: Id,
    pub artist: Id,
    pub spotify_id: String,
    pub name: String,
    pub groups: Vec<String>,
    pub queue: bool,
}

/// A track already in the vault under an artist, for telling recordings
/// apart: (Spotify ID, title, duration in ms, album name).
pub type KeptTrack = (Option<String>, String, i64, Option<String>);

#[derive(sqlx::FromRow)]
struct ReleaseRow {
    spotify_album_id: String,
    album_id: Option<Id>,
    name: String,
    album_group: String,
    album_type: String,
    release_date: Option<String>,
    total_tracks: i64,
    tracks_saved: i64,
    duplicates: i64,
    duplicate_of: Option<String>,
    new: bool,
    found_at: String,
}

impl From<ReleaseRow> for Release {
    fn from(r: ReleaseRow) -> Self {
        Release {
            spotify_album_id: r.spotify_album_id,
            album_id: r.album_id,
            name: r.name,
            album_group: r.album_group,
            album_type: r.album_type,
            release_date: r.release_date,
            total_tracks: r.total_tracks,
            tracks_saved: r.tracks_saved,
            duplicates: r.duplicates,
            duplicate_of: r.duplicate_of,
            new: r.new,
            found_at: r.found_at,
        }
    }
}

/// The columns of a release row for listener `?1`; `new` is a release a
/// watch found after the listener saved the discography and last looked.
const RELEASE_COLUMNS: &str = "r.spotify_album_id, r.album_id, r.name, r.album_group, r.album_type,
    r.release_date, r.total_tracks, r.tracks_saved, r.duplicates, r.duplicate_of,
    (r.found_by = 'watch' AND r.found_at >= d.saved_at
        AND (d.seen_at IS NULL OR r.found_at > d.seen_at)) AS new,
    r.found_at";

/// Whether release `r` is in a group discography `d` chose.
const IN_GROUPS: &str = "instr(',' || d.groups || ',', ',' || r.album_group || ',') > 0";

/// The chosen groups, checked (an unknown one refused by name), each once,
/// in Spotify's order.
pub fn check_groups(groups: &[String]) -> DbResult<Vec<String>> {
    if groups.is_empty() {
        return Err(DbError::Invalid(
            "Choose at least one kind of release to save.".into(),
        ));
    }
    for g in groups {
        if !ALBUM_GROUPS.contains(&g.as_str()) {
            return Err(DbError::Invalid(format!(
                "No release group {g:?}: use album, single, compilation or appears_on."
            )));
        }
    }
    Ok(ALBUM_GROUPS
        .into_iter()
        .filter(|g| groups.iter().any(|x| x == g))
        .map(str::to_string)
        .collect())
}

impl Vault {
    /// Records that the listener saved the artist's discography with these
    /// groups and choices (keeping when it was first saved).
    pub async fn set_discography(
        &self,
        user: Id,
        artist: Id,
        groups: &[String],
        queue: bool,
        watch: bool,
    ) -> DbResult<()> {
        let groups = check_groups(groups)?.join(",");
        sqlx::query(
            "INSERT INTO discographies (user_id, artist_id, groups, queue, watch, saved_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, artist_id) DO UPDATE SET
               groups = excluded.groups, queue = excluded.queue, watch = excluded.watch",
        )
        .bind(user)
        .bind(artist)
        .bind(groups)
        .bind(queue)
        .bind(watch)
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Turns the watch of a saved discography on or off.
    pub async fn set_watch(&self, user: Id, artist: Id, watch: bool) -> DbResult<()> {
        let done =
            sqlx::query("UPDATE discographies SET watch = ? WHERE user_id = ? AND artist_id = ?")
                .bind(watch)
                .bind(user)
                .bind(artist)
                .execute(self.pool())
                .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::Invalid(
                "Save the discography first; watching checks it for new releases.".into(),
            ));
        }
        Ok(())
    }

    /// The listener's discography of `artist`: what they chose and the
    /// releases read, newest first.
    pub async fn discography(&self, user: Id, artist: Id) -> DbResult<Discography> {
        #[derive(sqlx::FromRow)]
        struct Row {
            groups: String,
            queue: bool,
            watch: bool,
            saved_at: String,
            checked_at: Option<String>,
            check_error: Option<String>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT groups, queue, watch, saved_at, checked_at, check_error
             FROM discographies WHERE user_id = ? AND artist_id = ?",
        )
        .bind(user)
        .bind(artist)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Discography::default());
        };
        let rows: Vec<ReleaseRow> = sqlx::query_as(&format!(
            "SELECT {RELEASE_COLUMNS} FROM artist_releases r
             JOIN discographies d ON d.artist_id = r.artist_id AND d.user_id = ?1
             WHERE r.artist_id = ?2
               AND {IN_GROUPS}
             ORDER BY r.release_date DESC, r.name"
        ))
        .bind(user)
        .bind(artist)
        .fetch_all(self.pool())
        .await?;
        Ok(Discography {
            saved: true,
            groups: row.groups.split(',').map(str::to_string).collect(),
            queue: row.queue,
            watch: row.watch,
            saved_at: Some(row.saved_at),
            checked_at: row.checked_at,
            check_error: row.check_error,
            releases: rows.into_iter().map(Release::from).collect(),
        })
    }

    /// The listener's saved discographies, watched ones first, by name.
    pub async fn discographies(&self, user: Id) -> DbResult<Vec<DiscographySummary>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Id,
            name: String,
            groups: String,
            watch: bool,
            queue: bool,
            checked_at: Option<String>,
            check_error: Option<String>,
            releases: i64,
            tracks: i64,
            new: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT a.id, a.name, d.groups, d.watch, d.queue, d.checked_at, d.check_error,
               COUNT(r.spotify_album_id) AS releases,
               COALESCE(SUM(r.tracks_saved), 0) AS tracks,
               COALESCE(SUM(r.found_by = 'watch' AND r.found_at >= d.saved_at
                 AND (d.seen_at IS NULL OR r.found_at > d.seen_at)), 0) AS new
             FROM discographies d JOIN artists a ON a.id = d.artist_id
             LEFT JOIN artist_releases r ON r.artist_id = d.artist_id AND {IN_GROUPS}
             WHERE d.user_id = ?
             GROUP BY d.artist_id
             ORDER BY d.watch DESC, a.name COLLATE NOCASE"
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| DiscographySummary {
                artist: ArtistRef {
                    id: r.id,
                    name: r.name,
                },
                groups: r.groups.split(',').map(str::to_string).collect(),
                watch: r.watch,
                queue: r.queue,
                checked_at: r.checked_at,
                check_error: r.check_error,
                releases: r.releases,
                tracks: r.tracks,
                new: r.new,
            })
            .collect())
    }

    /// The Spotify album IDs already read for `artist`.
    pub async fn known_releases(&self, artist: Id) -> DbResult<HashSet<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT spotify_album_id FROM artist_releases WHERE artist_id = ?")
                .bind(artist)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The tracks the vault holds credited to `artist` (any position).
    pub async fn artist_kept_tracks(&self, artist: Id) -> DbResult<Vec<KeptTrack>> {
        Ok(sqlx::query_as(
            "SELECT t.spotify_id, t.title, t.duration_ms, al.name FROM tracks t
             LEFT JOIN albums al ON al.id = t.album_id
             WHERE t.id IN (SELECT track_id FROM track_artists WHERE artist_id = ?)",
        )
        .bind(artist)
        .fetch_all(self.pool())
        .await?)
    }

    /// The Spotify album IDs among `ids` that the vault already has.
    pub async fn albums_in_vault(&self, ids: &[String]) -> DbResult<HashSet<String>> {
        let json = serde_json::to_string(ids).map_err(|e| DbError::Other(e.to_string()))?;
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT spotify_id FROM albums WHERE spotify_id IN (SELECT value FROM json_each(?))",
        )
        .bind(json)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Records a release read for `artist`, in the transaction that kept its
    /// tracks. Recording one twice keeps the first.
    pub async fn record_release(
        conn: &mut SqliteConnection,
        artist: Id,
        r: &ReleaseRecord,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO artist_releases (artist_id, spotify_album_id, album_id, name,
               album_group, album_type, release_date, total_tracks, tracks_saved,
               duplicates, duplicate_of, found_by, found_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (artist_id, spotify_album_id) DO NOTHING",
        )
        .bind(artist)
        .bind(&r.spotify_album_id)
        .bind(r.album_id)
        .bind(&r.name)
        .bind(&r.album_group)
        .bind(&r.album_type)
        .bind(&r.release_date)
        .bind(r.total_tracks)
        .bind(r.tracks_saved)
        .bind(r.duplicates)
        .bind(&r.duplicate_of)
        .bind(if r.later { "watch" } else { "save" })
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Records that Spotify was read for the listener's `artist` now, and
    /// what went wrong if anything did.
    pub async fn discography_checked(
        &self,
        user: Id,
        artist: Id,
        error: Option<&str>,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE discographies SET checked_at = ?, check_error = ?
             WHERE user_id = ? AND artist_id = ?",
        )
        .bind(now_text())
        .bind(error)
        .bind(user)
        .bind(artist)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Watched artists not checked since `before` (ISO time), oldest check first.
    pub async fn watches_due(&self, before: &str) -> DbResult<Vec<WatchDue>> {
        let rows: Vec<(Id, Id, String, String, String, bool)> = sqlx::query_as(
            "SELECT d.user_id, d.artist_id, a.spotify_id, a.name, d.groups, d.queue
             FROM discographies d JOIN artists a ON a.id = d.artist_id
             WHERE d.watch AND a.spotify_id IS NOT NULL
               AND (d.checked_at IS NULL OR d.checked_at < ?)
             ORDER BY d.checked_at IS NOT NULL, d.checked_at",
        )
        .bind(before)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, artist, spotify_id, name, groups, queue)| WatchDue {
                user,
                artist,
                spotify_id,
                name,
                groups: groups.split(',').map(str::to_string).collect(),
                queue,
            })
            .collect())
    }

    /// Releases watches found that the listener has not looked at, newest first.
    pub async fn new_releases(&self, user: Id) -> DbResult<Vec<WatchedRelease>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            artist_id: Id,
            artist_name: String,
            #[sqlx(flatten)]
            release: ReleaseRow,
        }
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT a.id AS artist_id, a.name AS artist_name, {RELEASE_COLUMNS}
             FROM artist_releases r
             JOIN discographies d ON d.artist_id = r.artist_id AND d.user_id = ?1
             JOIN artists a ON a.id = r.artist_id
             WHERE {IN_GROUPS}
               AND r.found_by = 'watch' AND r.found_at >= d.saved_at
               AND (d.seen_at IS NULL OR r.found_at > d.seen_at)
             ORDER BY r.found_at DESC, r.release_date DESC"
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| WatchedRelease {
                artist: ArtistRef {
                    id: r.artist_id,
                    name: r.artist_name,
                },
                release: r.release.into(),
            })
            .collect())
    }

    /// The listener has seen what is new (for one artist, or all).
    pub async fn mark_releases_seen(&self, user: Id, artist: Option<Id>) -> DbResult<()> {
        sqlx::query(
            "UPDATE discographies SET seen_at = ? WHERE user_id = ? AND (?3 IS NULL OR artist_id = ?3)",
        )
        .bind(now_text())
        .bind(user)
        .bind(artist)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

impl Vault {
    /// What Last.fm said under `key`, if kept.
    pub async fn lastfm_kept(&self, key: &str) -> DbResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM lastfm_kept WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Keeps what Last.fm said under `key`, replacing what was kept.
    pub async fn keep_lastfm(&self, key: &str, body: &str) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO lastfm_kept (key, body, fetched_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        )
        .bind(key)
        .bind(body)
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The vault's Spotify artists with these names (any case), by
    /// lower-case name: (id, Spotify ID), the earliest artist of a name.
    pub async fn artists_named(
        &self,
        names: &[String],
    ) -> DbResult<std::collections::HashMap<String, (Id, String)>> {
        let json = serde_json::to_string(names).map_err(|e| DbError::Other(e.to_string()))?;
        // SQLite takes a bare column from the row MIN() picked.
        let rows: Vec<(String, Id, String)> = sqlx::query_as(
            "SELECT lower(a.name), MIN(a.id), a.spotify_id FROM artists a
             WHERE lower(a.name) IN (SELECT lower(value) FROM json_each(?))
               AND a.spotify_id IS NOT NULL
             GROUP BY lower(a.name)",
        )
        .bind(json)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, id, spotify_id)| (name, (id, spotify_id)))
            .collect())
    }

    /// The Spotify IDs of the artists whose discography the listener saved.
    pub async fn saved_discography_spotify_ids(&self, user: Id) -> DbResult<HashSet<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT a.spotify_id FROM discographies d JOIN artists a ON a.id = d.artist_id
             WHERE d.user_id = ? AND a.spotify_id IS NOT NULL",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// What one downloaded song takes on disk, on average (5 MB until ten
    /// songs are downloaded).
    pub async fn average_audio_bytes(&self) -> DbResult<u64> {
        let (n, avg): (i64, Option<f64>) = sqlx::query_as(
            "SELECT COUNT(*), AVG(bytes) FROM downloads WHERE state = 'downloaded' AND bytes > 0",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(match avg {
            Some(avg) if n >= 10 => avg.round() as u64,
            _ => 5_000_000,
        })
    }
}

impl Vault {
    /// A new playlist of the listener's own (not Spotify's), from `source`.
    pub async fn create_own_playlist(
        conn: &mut SqliteConnection,
        user: Id,
        name: &str,
        source: &str,
    ) -> DbResult<Id> {
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO playlists (name, description, owner_name, user_id, source, public, collaborative)
             VALUES (?, ?, 'Imported', ?, ?, 0, 0) RETURNING id",
        )
        .bind(name)
        .bind(format!("Imported from {source}"))
        .bind(user)
        .bind(source)
        .fetch_one(&mut *conn)
        .await?;
        Ok(id)
    }
}
