//! Spotify's own top tracks and artists (`/me/top`), mirrored with each sync.

use super::{DbResult, Vault};
use crate::model::{Id, SpotifyTop, StatsEntry};

/// The time ranges Spotify ranks over, as it names them.
pub const TOP_RANGES: [&str; 3] = ["short_term", "medium_term", "long_term"];

impl Vault {
    /// Replaces one of Spotify's top lists (`kind` = `tracks` or `artists`)
    /// for `range` with `ids` in rank order.
    pub async fn replace_spotify_top(
        conn: &mut sqlx::SqliteConnection,
        user: Id,
        kind: &str,
        range: &str,
        ids: &[Id],
        now: &str,
    ) -> DbResult<()> {
        sqlx::query("DELETE FROM spotify_top WHERE user_id = ? AND kind = ? AND time_range = ?")
            .bind(user)
            .bind(kind)
            .bind(range)
            .execute(&mut *conn)
            .await?;
        let column = if kind == "tracks" {
            "track_id"
        } else {
            "artist_id"
        };
        for (position, id) in ids.iter().enumerate() {
            sqlx::query(&format!(
                "INSERT INTO spotify_top (user_id, kind, time_range, position, {column}, synced_at)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
            ))
            .bind(user)
            .bind(kind)
            .bind(range)
            .bind(position as i64)
            .bind(id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// Spotify's top lists as last mirrored, ten of each, per time range.
    pub async fn spotify_top(&self, user: Id) -> DbResult<Vec<SpotifyTop>> {
        let mut out = Vec::new();
        for range in TOP_RANGES {
            let rows: Vec<(String, Id, String, Option<String>, String)> = sqlx::query_as(
                "SELECT s.kind, COALESCE(s.track_id, s.artist_id),
                    COALESCE(COALESCE(te.title, t.title), ar.name),
                    CASE WHEN s.kind = 'tracks' THEN (SELECT group_concat(name, ', ') FROM
                        (SELECT a2.name FROM track_artists ta JOIN artists a2 ON a2.id = ta.artist_id
                         WHERE ta.track_id = s.track_id ORDER BY ta.position)) END,
                    s.synced_at
                 FROM spotify_top s LEFT JOIN tracks t ON t.id = s.track_id
                 LEFT JOIN track_edits te ON te.track_id = s.track_id
                 LEFT JOIN artists ar ON ar.id = s.artist_id
                 WHERE s.user_id = ? AND s.time_range = ? AND s.position < 10
                 ORDER BY s.kind, s.position",
            )
            .bind(user)
            .bind(range)
            .fetch_all(self.pool())
            .await?;
            let mut top = SpotifyTop {
                time_range: range.to_string(),
                synced_at: rows.first().map(|r| r.4.clone()),
                tracks: Vec::new(),
                artists: Vec::new(),
            };
            for (kind, id, name, detail, _) in rows {
                let entry = StatsEntry {
                    id,
                    name,
                    detail,
                    plays: 0,
                };
                if kind == "tracks" {
                    top.tracks.push(entry);
                } else {
                    top.artists.push(entry);
                }
            }
            out.push(top);
        }
        Ok(out)
    }
}
