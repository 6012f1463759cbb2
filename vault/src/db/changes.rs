//! The change feed behind each browser's copy of the library
//! ([`crate::mirror`]): the table `library_changes` holds one row per thing
//! at the number of its last change (triggers keep it, see the migration
//! `20261204000001_changes.sql`), and [`Vault::library_changes`] reads the
//! things above a number, as they are now.

use std::collections::HashMap;

use super::library::{track_query, AlbumRow, PlaylistRow, TrackRow, ALBUM_SELECT, PLAYLIST_SELECT};
use super::{DbError, DbResult, Vault};
use crate::mirror::{
    LibraryChanges, LikedEntry, MirrorAlbum, MirrorArtist, MirrorPlaylist, MirrorTrack,
    PlaylistEntry, CHANGES_PAGE,
};
use crate::model::{Album, Artist, ArtistRef, Id, Playlist, Track, OWNER};

#[derive(sqlx::FromRow)]
struct FeedTrackRow {
    #[sqlx(flatten)]
    track: TrackRow,
    credits: Option<String>,
    first_played_ms: Option<i64>,
    last_played_ms: Option<i64>,
}

/// An artist row with whether it is followed.
type ArtistFollowRow = (Id, Option<String>, String, Option<String>, bool);

fn ids_json(ids: &[Id]) -> DbResult<String> {
    serde_json::to_string(ids).map_err(|e| DbError::Other(e.to_string()))
}

/// The setting that holds the feed's floor: a browser whose copy was read
/// up to this number or below holds a copy of the vault from before a
/// restore, and starts again.
const FEED_FLOOR: &str = "library_feed_floor";

impl Vault {
    /// After a restore: numbers every change above `above` (and above
    /// every number the restored file used), and makes `above` the floor,
    /// so that every browser's copy, made from the vault that was replaced,
    /// starts again instead of reading on from a number that meant
    /// something else. Returns the new floor.
    pub async fn restart_feed(&self, above: i64) -> DbResult<i64> {
        let mut tx = self.pool().begin().await?;
        let (latest,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM library_changes")
            .fetch_one(&mut *tx)
            .await?;
        let floor = above.max(latest);
        // Every new number is above every old one, so no two rows collide
        // while the update runs.
        sqlx::query("UPDATE library_changes SET seq = seq + ?")
            .bind(floor)
            .execute(&mut *tx)
            .await?;
        // The next number AUTOINCREMENT gives is above the floor, even for
        // an empty feed.
        sqlx::query("DELETE FROM sqlite_sequence WHERE name = 'library_changes'")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sqlite_sequence (name, seq)
             SELECT 'library_changes', MAX(?, COALESCE(MAX(seq), 0)) FROM library_changes",
        )
        .bind(floor)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(FEED_FLOOR)
        .bind(floor.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(floor)
    }

    /// The feed's last number (0 for an empty feed).
    pub async fn feed_position(&self) -> DbResult<i64> {
        let (latest,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM library_changes")
            .fetch_one(self.pool())
            .await?;
        Ok(latest)
    }

    /// The things that changed after feed position `since`, as they are
    /// now, at most `limit` of them (at most [`CHANGES_PAGE`]). `since = 0`
    /// is a first copy: every thing the vault holds, a page at a time.
    /// `on_device` is what smart playlists' "on this device" rules see.
    pub async fn library_changes(
        &self,
        since: i64,
        limit: i64,
        on_device: &[Id],
    ) -> DbResult<LibraryChanges> {
        let limit = limit.clamp(1, CHANGES_PAGE);
        let mut tx = self.pool().begin().await?;
        let (latest,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM library_changes")
            .fetch_one(&mut *tx)
            .await?;
        // Ahead of the vault, or at or below the floor a restore set
        // ([`Vault::restart_feed`]): this copy is of another vault, or of
        // this one before a restore. Start again.
        let floor: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = ?")
            .bind(FEED_FLOOR)
            .fetch_optional(&mut *tx)
            .await?;
        let floor = floor.and_then(|(v,)| v.parse::<i64>().ok()).unwrap_or(0);
        let reset = since > latest || (since > 0 && since <= floor);
        let since = if reset { 0 } else { since.max(0) };
        let rows: Vec<(i64, String, Id)> = sqlx::query_as(
            "SELECT seq, kind, id FROM library_changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() as i64 == limit;
        let next = rows.last().map_or(since, |(seq, _, _)| *seq);
        let mut by_kind: HashMap<&str, Vec<Id>> = HashMap::new();
        for (_, kind, id) in &rows {
            by_kind.entry(kind.as_str()).or_default().push(*id);
        }
        let of = |kind: &str| by_kind.get(kind).cloned().unwrap_or_default();
        let mut out = LibraryChanges {
            next,
            more,
            reset,
            ..Default::default()
        };

        let ids = of("track");
        if !ids.is_empty() {
            let sql = track_query(
                "NULL",
                ", (SELECT json_group_array(json_object('id', a.id, 'name', a.name)) FROM
                    (SELECT ar.id, ar.name FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
                     WHERE ta.track_id = t.id ORDER BY ta.position) a) AS credits,
                   tp.first_played_ms, tp.last_played_ms",
                "WHERE t.id IN (SELECT value FROM json_each(?))",
            );
            let found: Vec<FeedTrackRow> = sqlx::query_as(&sql)
                .bind(ids_json(&ids)?)
                .fetch_all(&mut *tx)
                .await?;
            out.tracks = found
                .into_iter()
                .map(|r| MirrorTrack {
                    track: Track::from(r.track),
                    credits: r
                        .credits
                        .and_then(|j| serde_json::from_str::<Vec<ArtistRef>>(&j).ok())
                        .unwrap_or_default(),
                    first_played_ms: r.first_played_ms,
                    last_played_ms: r.last_played_ms,
                })
                .collect();
        }

        let ids = of("album");
        if !ids.is_empty() {
            let found: Vec<AlbumRow> = sqlx::query_as(&format!(
                "{ALBUM_SELECT} WHERE al.id IN (SELECT value FROM json_each(?))"
            ))
            .bind(ids_json(&ids)?)
            .fetch_all(&mut *tx)
            .await?;
            let saved: HashMap<Id, String> = sqlx::query_as(
                "SELECT album_id, added_at FROM saved_albums
                 WHERE removed_at IS NULL AND album_id IN (SELECT value FROM json_each(?))",
            )
            .bind(ids_json(&ids)?)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
            out.albums = found
                .into_iter()
                .map(|r| {
                    let album = Album::from(r);
                    MirrorAlbum {
                        saved_at: saved.get(&album.id).cloned(),
                        album,
                    }
                })
                .collect();
        }

        let ids = of("artist");
        if !ids.is_empty() {
            let found: Vec<ArtistFollowRow> = sqlx::query_as(
                "SELECT a.id, a.spotify_id, a.name, a.image_url,
                     EXISTS (SELECT 1 FROM followed_artists f
                             WHERE f.artist_id = a.id AND f.removed_at IS NULL)
                 FROM artists a WHERE a.id IN (SELECT value FROM json_each(?))",
            )
            .bind(ids_json(&ids)?)
            .fetch_all(&mut *tx)
            .await?;
            out.artists = found
                .into_iter()
                .map(|(id, spotify_id, name, image_url, followed)| MirrorArtist {
                    artist: Artist {
                        id,
                        spotify_id,
                        name,
                        image_url,
                    },
                    followed,
                })
                .collect();
        }

        let ids = of("liked");
        if !ids.is_empty() {
            let found: Vec<(Id, String, Id)> = sqlx::query_as(
                "SELECT track_id, added_at, id FROM liked_tracks
                 WHERE removed_at IS NULL AND track_id IN (SELECT value FROM json_each(?))",
            )
            .bind(ids_json(&ids)?)
            .fetch_all(&mut *tx)
            .await?;
            let liked: std::collections::HashSet<Id> = found.iter().map(|(t, _, _)| *t).collect();
            out.unliked = ids.into_iter().filter(|id| !liked.contains(id)).collect();
            out.liked = found
                .into_iter()
                .map(|(track_id, added_at, entry)| LikedEntry {
                    track_id,
                    added_at,
                    entry,
                })
                .collect();
        }

        let ids = of("playlist");
        if !ids.is_empty() {
            let found: Vec<PlaylistRow> = sqlx::query_as(&format!(
                "{PLAYLIST_SELECT} WHERE p.id IN (SELECT value FROM json_each(?))"
            ))
            .bind(ids_json(&ids)?)
            .fetch_all(&mut *tx)
            .await?;
            let entries: Vec<(Id, Id, i64, Id, Option<String>)> = sqlx::query_as(
                "SELECT playlist_id, id, position, track_id, added_at FROM playlist_items
                 WHERE removed_at IS NULL AND track_id IS NOT NULL
                   AND playlist_id IN (SELECT value FROM json_each(?))
                 ORDER BY playlist_id, position, id",
            )
            .bind(ids_json(&ids)?)
            .fetch_all(&mut *tx)
            .await?;
            let mut by_playlist: HashMap<Id, Vec<PlaylistEntry>> = HashMap::new();
            for (playlist, entry, position, track_id, added_at) in entries {
                by_playlist
                    .entry(playlist)
                    .or_default()
                    .push(PlaylistEntry {
                        entry,
                        position,
                        track_id,
                        added_at,
                    });
            }
            out.playlists = found
                .into_iter()
                .map(|r| {
                    let playlist = Playlist::from(r);
                    MirrorPlaylist {
                        entries: by_playlist.remove(&playlist.id).unwrap_or_default(),
                        playlist,
                    }
                })
                .collect();
        }
        tx.commit().await?;

        for id in of("smart") {
            match self.smart_playlist(OWNER, id).await {
                Ok(playlist) => out.smart.push(playlist),
                Err(DbError::NotFound) => out.smart_gone.push(id),
                Err(e) => return Err(e),
            }
        }
        if !more {
            let mut all = Vec::new();
            for playlist in self.smart_playlists(OWNER).await? {
                let ids = self.smart_track_ids(OWNER, playlist.id, on_device).await?;
                all.push((playlist.id, ids));
            }
            out.smart_tracks = Some(all);
        }
        Ok(out)
    }
}
