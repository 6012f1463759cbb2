//! What the Spotify sync reads and writes beyond the library upserts: the
//! connected account, settings, membership diffs that keep history, and the
//! record of sync runs.
//!
//! Nothing here deletes library rows: a track that leaves liked songs, a
//! playlist, saved albums or followed artists gets `removed_at`.

use std::collections::{HashMap, HashSet};

use sqlx::SqliteConnection;

use super::{now_text, DbResult, Vault};
use crate::model::*;

/// What a playlist diff changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ItemsDiff {
    pub added: usize,
    pub removed: usize,
    pub moved: usize,
}

/// The vault's knowledge of a Spotify playlist, for deciding whether to fetch it.
#[derive(Clone, Debug)]
pub struct PlaylistSyncState {
    pub id: Id,
    /// The snapshot of the playlist's details as last seen.
    pub snapshot_id: Option<String>,
    /// The snapshot whose items the vault holds completely.
    pub items_snapshot_id: Option<String>,
    pub readable: bool,
}

impl Vault {
    /// The scopes asked for when the account was connected.
    pub async fn spotify_scopes(&self) -> DbResult<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as("SELECT scopes FROM spotify_account")
            .fetch_optional(self.pool())
            .await?;
        Ok(row.and_then(|r| r.0))
    }

    // ----- account and settings ------------------------------------------

    /// The connected account, if any.
    pub async fn spotify_account(&self) -> DbResult<Option<SpotifyAccount>> {
        type Row = (
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            bool,
            Option<String>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT client_id, user_id, display_name, connected_at,
                    strftime('%Y-%m-%dT%H:%M:%SZ', connected_at, '+6 months'),
                    datetime(connected_at, '+6 months', '-14 days') <= datetime('now'),
                    grant_ended_at
             FROM spotify_account",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(
            |(
                client_id,
                user_id,
                display_name,
                connected_at,
                renew_by,
                renew_soon,
                grant_ended_at,
            )| {
                SpotifyAccount {
                    client_id,
                    user_id,
                    display_name,
                    connected_at,
                    renew_by,
                    renew_soon,
                    grant_ended_at,
                }
            },
        ))
    }

    /// Spotify refused the authorization for good (`invalid_grant`): the
    /// token is discarded, as Spotify asks, and the time kept for the UI.
    pub async fn spotify_grant_ended(&self) -> DbResult<()> {
        sqlx::query(
            "UPDATE spotify_account SET refresh_token_enc = NULL,
                 grant_ended_at = coalesce(grant_ended_at, ?)",
        )
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The encrypted refresh token of the connected account.
    pub async fn spotify_refresh_token(&self) -> DbResult<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT refresh_token_enc FROM spotify_account")
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|r| r.0))
    }

    /// Records a newly connected account, replacing any earlier one.
    pub async fn connect_spotify(
        &self,
        client_id: &str,
        refresh_token_enc: &[u8],
        scopes: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO spotify_account (id, client_id, refresh_token_enc, scopes, connected_at)
             VALUES (1, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id,
                 refresh_token_enc = excluded.refresh_token_enc, scopes = excluded.scopes,
                 connected_at = excluded.connected_at, grant_ended_at = NULL",
        )
        .bind(client_id)
        .bind(refresh_token_enc)
        .bind(scopes)
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a rotated refresh token.
    pub async fn set_spotify_refresh_token(&self, refresh_token_enc: &[u8]) -> DbResult<()> {
        sqlx::query("UPDATE spotify_account SET refresh_token_enc = ?")
            .bind(refresh_token_enc)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores the profile of the connected account.
    pub async fn set_spotify_profile(
        &self,
        user_id: &str,
        display_name: Option<&str>,
        email: Option<&str>,
        country: Option<&str>,
        product: Option<&str>,
        image_url: Option<&str>,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE spotify_account SET user_id = ?, display_name = ?, email = ?, country = ?,
                 product = ?, image_url = ?",
        )
        .bind(user_id)
        .bind(display_name)
        .bind(email)
        .bind(country)
        .bind(product)
        .bind(image_url)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets the account and its token; the library stays.
    pub async fn disconnect_spotify(&self) -> DbResult<()> {
        sqlx::query("DELETE FROM spotify_account")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A stored setting.
    pub async fn setting(&self, key: &str) -> DbResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Stores a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    // ----- tracks ---------------------------------------------------------

    /// Inserts or updates a local file (no Spotify ID), keyed by its `spotify:local:` URI.
    pub async fn upsert_local_track(
        conn: &mut SqliteConnection,
        uri: &str,
        track: &NewTrack,
        cache: &mut super::WriteCache,
    ) -> DbResult<Id> {
        let existing: Option<(Id,)> = sqlx::query_as("SELECT id FROM tracks WHERE local_uri = ?")
            .bind(uri)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((id,)) = existing {
            return Ok(id);
        }
        let id = Self::upsert_track_cached(conn, track, cache).await?;
        sqlx::query("UPDATE tracks SET local_uri = ? WHERE id = ?")
            .bind(uri)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(id)
    }

    /// Marks a track as no longer served by Spotify (keeps the first date).
    pub async fn mark_track_gone(conn: &mut SqliteConnection, track_id: Id) -> DbResult<()> {
        sqlx::query(
            "UPDATE tracks SET gone_from_spotify_at = COALESCE(gone_from_spotify_at, ?)
             WHERE id = ?",
        )
        .bind(now_text())
        .bind(track_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    // ----- liked songs ----------------------------------------------------

    /// Current liked songs: Spotify ID to `added_at`.
    pub async fn liked_spotify_ids(&self) -> DbResult<HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT t.spotify_id, l.added_at FROM liked_tracks l JOIN tracks t ON t.id = l.track_id
             WHERE l.removed_at IS NULL AND t.spotify_id IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Ends the like of every current liked song whose Spotify ID is not in `keep`.
    pub async fn unlike_missing(&self, keep: &HashSet<String>) -> DbResult<usize> {
        let current = self.liked_spotify_ids().await?;
        let gone: Vec<&String> = current.keys().filter(|id| !keep.contains(*id)).collect();
        let mut tx = self.begin().await?;
        let now = now_text();
        for spotify_id in &gone {
            sqlx::query(
                "UPDATE liked_tracks SET removed_at = ? WHERE removed_at IS NULL
                 AND track_id = (SELECT id FROM tracks WHERE spotify_id = ?)",
            )
            .bind(&now)
            .bind(spotify_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(gone.len())
    }

    // ----- playlists ------------------------------------------------------

    /// What the vault holds of each Spotify playlist, by Spotify ID.
    pub async fn playlist_sync_states(&self) -> DbResult<HashMap<String, PlaylistSyncState>> {
        type Row = (String, Id, Option<String>, Option<String>, bool);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT spotify_id, id, snapshot_id, items_snapshot_id, readable FROM playlists
             WHERE spotify_id IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(sid, id, snapshot_id, items_snapshot_id, readable)| {
                (
                    sid,
                    PlaylistSyncState {
                        id,
                        snapshot_id,
                        items_snapshot_id,
                        readable,
                    },
                )
            })
            .collect())
    }

    /// Records whether Spotify lets this app read the playlist's items.
    pub async fn set_playlist_readable(&self, playlist_id: Id, readable: bool) -> DbResult<()> {
        sqlx::query("UPDATE playlists SET readable = ? WHERE id = ?")
            .bind(readable)
            .bind(playlist_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Marks as removed every library playlist whose Spotify ID is not in `keep`.
    pub async fn remove_playlists_missing(&self, keep: &HashSet<String>) -> DbResult<usize> {
        // A playlist is its own membership row: it joins to itself.
        self.end_memberships_missing("playlists", "id", "playlists", keep)
            .await
    }

    /// Makes the playlist's current entries `items`, in order, keeping history:
    /// an entry still present keeps its row (its position may change), a new
    /// one gets a row, one that left gets `removed_at`. A greyed-out entry
    /// (Spotify sends it as null) that takes the place of a known track with
    /// the same `added_at` keeps that track and marks it gone from Spotify.
    /// Records the resulting order under `snapshot_id` and marks the
    /// playlist's items complete for that snapshot.
    pub async fn replace_playlist_items(
        conn: &mut SqliteConnection,
        playlist_id: Id,
        items: &[NewPlaylistItem],
        snapshot_id: Option<&str>,
    ) -> DbResult<ItemsDiff> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Id,
            position: i64,
            kind: String,
            track_id: Option<Id>,
            label: Option<String>,
            added_at: Option<String>,
        }
        let current: Vec<Row> = sqlx::query_as(
            "SELECT id, position, kind, track_id, label, added_at FROM playlist_items
             WHERE playlist_id = ? AND removed_at IS NULL ORDER BY position",
        )
        .bind(playlist_id)
        .fetch_all(&mut *conn)
        .await?;

        type Key = (String, Option<Id>, Option<String>, Option<String>);
        let key_of =
            |kind: &str, track: Option<Id>, label: &Option<String>, at: &Option<String>| {
                (kind.to_owned(), track, label.clone(), at.clone())
            };
        let mut unmatched: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, row) in current.iter().enumerate().rev() {
            unmatched
                .entry(key_of(&row.kind, row.track_id, &row.label, &row.added_at))
                .or_default()
                .push(i);
        }
        // First pass: exact matches. `matched[j]` is the current row for new entry j.
        let mut matched: Vec<Option<usize>> = items
            .iter()
            .map(|item| {
                unmatched
                    .get_mut(&key_of(
                        &item.kind,
                        item.track_id,
                        &item.label,
                        &item.added_at,
                    ))
                    .and_then(|rows| rows.pop())
            })
            .collect();
        let mut used: HashSet<usize> = matched.iter().flatten().copied().collect();
        // Second pass: greyed-out entries take over the track row they replace.
        let now = now_text();
        for (j, item) in items.iter().enumerate() {
            if matched[j].is_some() || item.kind != "unavailable" || item.added_at.is_none() {
                continue;
            }
            let candidate = current.iter().enumerate().find(|(i, row)| {
                !used.contains(i) && row.kind == "track" && row.added_at == item.added_at
            });
            if let Some((i, row)) = candidate {
                used.insert(i);
                matched[j] = Some(i);
                if let Some(track_id) = row.track_id {
                    Self::mark_track_gone(conn, track_id).await?;
                }
            }
        }

        let mut diff = ItemsDiff::default();
        // The vault id at each new position; new rows are filled in below.
        let mut order: Vec<Id> = vec![0; items.len()];
        let mut new_rows: Vec<usize> = Vec::new();
        // All of this runs in the caller's transaction, so a crash leaves
        // either the old order or the new one.
        for (j, slot) in matched.iter().enumerate() {
            let position = j as i64;
            match *slot {
                Some(i) => {
                    let row = &current[i];
                    if row.position != position {
                        sqlx::query("UPDATE playlist_items SET position = ? WHERE id = ?")
                            .bind(position)
                            .bind(row.id)
                            .execute(&mut *conn)
                            .await?;
                        diff.moved += 1;
                    }
                    order[j] = row.id;
                }
                None => new_rows.push(j),
            }
        }
        // New entries in multi-row inserts, matched back by their position.
        for chunk in new_rows.chunks(100) {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO playlist_items (playlist_id, position, track_id, kind, label,
                     added_at, added_by) VALUES {values} RETURNING position, id"
            );
            let mut insert = sqlx::query_as::<_, (i64, Id)>(&sql);
            for j in chunk {
                let item = &items[*j];
                insert = insert
                    .bind(playlist_id)
                    .bind(*j as i64)
                    .bind(item.track_id)
                    .bind(&item.kind)
                    .bind(&item.label)
                    .bind(&item.added_at)
                    .bind(&item.added_by);
            }
            for (position, id) in insert.fetch_all(&mut *conn).await? {
                order[position as usize] = id;
            }
            diff.added += chunk.len();
        }
        for (i, row) in current.iter().enumerate() {
            if !used.contains(&i) {
                sqlx::query("UPDATE playlist_items SET removed_at = ? WHERE id = ?")
                    .bind(&now)
                    .bind(row.id)
                    .execute(&mut *conn)
                    .await?;
                diff.removed += 1;
            }
        }
        if let Some(snapshot) = snapshot_id {
            let order_json = serde_json::to_string(&order).unwrap_or_default();
            sqlx::query(
                "INSERT INTO playlist_snapshots (playlist_id, snapshot_id, items) VALUES (?, ?, ?)
                 ON CONFLICT (playlist_id, snapshot_id) DO UPDATE SET items = excluded.items",
            )
            .bind(playlist_id)
            .bind(snapshot)
            .bind(order_json)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("UPDATE playlists SET items_snapshot_id = ?, readable = 1 WHERE id = ?")
            .bind(snapshot_id)
            .bind(playlist_id)
            .execute(&mut *conn)
            .await?;
        Ok(diff)
    }

    // ----- playlist history ------------------------------------------------

    /// The versions of a playlist the vault has seen, newest first.
    pub async fn playlist_versions(&self, playlist_id: Id) -> DbResult<Vec<PlaylistVersion>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT snapshot_id, seen_at, COALESCE(json_array_length(items), 0)
             FROM playlist_snapshots WHERE playlist_id = ? AND items IS NOT NULL
             ORDER BY seen_at DESC, rowid DESC",
        )
        .bind(playlist_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(snapshot_id, seen_at, item_count)| PlaylistVersion {
                snapshot_id,
                seen_at,
                item_count,
            })
            .collect())
    }

    /// The entries of one version of a playlist, in that version's order
    /// (at most [`MAX_PAGE`](super::library::MAX_PAGE) from `offset`).
    pub async fn playlist_version_items(
        &self,
        playlist_id: Id,
        snapshot_id: &str,
        offset: i64,
        limit: i64,
    ) -> DbResult<Page<PlaylistItem>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT items FROM playlist_snapshots WHERE playlist_id = ? AND snapshot_id = ?",
        )
        .bind(playlist_id)
        .bind(snapshot_id)
        .fetch_optional(self.pool())
        .await?;
        let order: Vec<Id> = row
            .and_then(|(json,)| serde_json::from_str(&json).ok())
            .ok_or(super::DbError::NotFound)?;
        let total = order.len() as i64;
        let (offset, limit) = (offset.max(0), limit.clamp(1, super::library::MAX_PAGE));
        let ids: Vec<Id> = order
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        let mut items = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            items.push(self.playlist_item_row(*id, offset + i as i64).await?);
        }
        Ok(Page {
            items,
            total,
            offset,
        })
    }

    /// Entries that left a playlist, most recent first.
    pub async fn playlist_removed_items(
        &self,
        playlist_id: Id,
        limit: i64,
    ) -> DbResult<Vec<PlaylistItem>> {
        let rows: Vec<(Id, i64)> = sqlx::query_as(
            "SELECT id, position FROM playlist_items WHERE playlist_id = ? AND removed_at IS NOT NULL
             ORDER BY removed_at DESC, id DESC LIMIT ?",
        )
        .bind(playlist_id)
        .bind(limit.clamp(1, super::library::MAX_PAGE))
        .fetch_all(self.pool())
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for (id, position) in rows {
            items.push(self.playlist_item_row(id, position).await?);
        }
        Ok(items)
    }

    async fn playlist_item_row(&self, item_id: Id, position: i64) -> DbResult<PlaylistItem> {
        let (kind, label, track_id, added_at, removed_at): (
            String,
            Option<String>,
            Option<Id>,
            Option<String>,
            Option<String>,
        ) = sqlx::query_as(
            "SELECT kind, label, track_id, added_at, removed_at FROM playlist_items WHERE id = ?",
        )
        .bind(item_id)
        .fetch_one(self.pool())
        .await?;
        let track = match track_id {
            Some(id) => Some(Track {
                added_at,
                ..self.track(id).await?
            }),
            None => None,
        };
        Ok(PlaylistItem {
            position,
            kind,
            label,
            track,
            removed_at,
        })
    }

    // ----- saved albums and followed artists --------------------------------

    /// Marks an album as saved since `added_at`; saving a saved album changes nothing.
    pub async fn save_album(
        conn: &mut SqliteConnection,
        album_id: Id,
        added_at: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO saved_albums (album_id, added_at) VALUES (?, ?)
             ON CONFLICT (album_id) WHERE removed_at IS NULL DO NOTHING",
        )
        .bind(album_id)
        .bind(added_at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Ends the save of every saved album whose Spotify ID is not in `keep`.
    pub async fn unsave_albums_missing(&self, keep: &HashSet<String>) -> DbResult<usize> {
        self.end_memberships_missing("saved_albums", "album_id", "albums", keep)
            .await
    }

    /// Marks an artist as followed.
    pub async fn follow_artist(conn: &mut SqliteConnection, artist_id: Id) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO followed_artists (artist_id) VALUES (?)
             ON CONFLICT (artist_id) WHERE removed_at IS NULL DO NOTHING",
        )
        .bind(artist_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Ends the follow of every followed artist whose Spotify ID is not in `keep`.
    pub async fn unfollow_artists_missing(&self, keep: &HashSet<String>) -> DbResult<usize> {
        self.end_memberships_missing("followed_artists", "artist_id", "artists", keep)
            .await
    }

    async fn end_memberships_missing(
        &self,
        table: &str,
        key: &str,
        target: &str,
        keep: &HashSet<String>,
    ) -> DbResult<usize> {
        let current: Vec<(Id, Option<String>)> = sqlx::query_as(&format!(
            "SELECT m.id, x.spotify_id FROM {table} m JOIN {target} x ON x.id = m.{key}
             WHERE m.removed_at IS NULL"
        ))
        .fetch_all(self.pool())
        .await?;
        let now = now_text();
        let mut ended = 0;
        for (id, spotify_id) in current {
            if spotify_id.is_some_and(|s| !keep.contains(&s)) {
                sqlx::query(&format!("UPDATE {table} SET removed_at = ? WHERE id = ?"))
                    .bind(&now)
                    .bind(id)
                    .execute(self.pool())
                    .await?;
                ended += 1;
            }
        }
        Ok(ended)
    }

    // ----- sync runs --------------------------------------------------------

    /// Records the start of a sync. A run still open from an earlier process
    /// (killed mid-sync) is closed as interrupted first.
    pub async fn start_sync_run(&self, trigger: &str) -> DbResult<Id> {
        let now = now_text();
        sqlx::query(
            "UPDATE sync_runs SET outcome = 'interrupted', finished_at = ?,
                 detail = COALESCE(detail, 'The server stopped before the sync finished')
             WHERE outcome IS NULL",
        )
        .bind(&now)
        .execute(self.pool())
        .await?;
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO sync_runs (started_at, trigger) VALUES (?, ?) RETURNING id",
        )
        .bind(&now)
        .bind(trigger)
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    /// Records how a sync ended.
    pub async fn finish_sync_run(
        &self,
        id: Id,
        outcome: &str,
        api_calls: i64,
        detail: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE sync_runs SET finished_at = ?, outcome = ?, api_calls = ?, detail = ? WHERE id = ?",
        )
        .bind(now_text())
        .bind(outcome)
        .bind(api_calls)
        .bind(detail)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The most recent sync runs, newest first.
    pub async fn sync_runs(&self, limit: i64) -> DbResult<Vec<SyncRun>> {
        let rows: Vec<SyncRunRow> = sqlx::query_as(
            "SELECT id, started_at, finished_at, outcome, trigger, api_calls, detail
             FROM sync_runs ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SyncRun {
                id: r.id,
                started_at: r.started_at,
                finished_at: r.finished_at,
                outcome: r.outcome,
                trigger: r.trigger,
                api_calls: r.api_calls,
                detail: r.detail,
            })
            .collect())
    }
}

#[derive(sqlx::FromRow)]
struct SyncRunRow {
    id: Id,
    started_at: String,
    finished_at: Option<String>,
    outcome: Option<String>,
    trigger: Option<String>,
    api_calls: Option<i64>,
    detail: Option<String>,
}
