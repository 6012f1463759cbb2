//! Listening statistics over a period: plays, minutes, the top tracks,
//! artists and albums, listening by hour and weekday, and what was heard
//! for the first time. The clock figures come from hourly totals
//! (`listen_hours`), so a period is as precise as the hour; all-time tops
//! come from the per-track counts (`track_plays`), a period's tops from its
//! listens. Time zones are whole hours (`offset_minutes` is rounded down).

use super::{DbResult, Vault};
use crate::model::{Id, ListeningStats, StatsEntry};

/// How many entries each top list has.
const TOP: i64 = 10;

impl Vault {
    /// Stats of `user_id`'s listens that ended in `[from_ms, to_ms)` (all
    /// time when both are `None`), with hours and weekdays in the time zone
    /// `offset_minutes` east of UTC.
    pub async fn listening_stats(
        &self,
        user_id: Id,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
        offset_minutes: i64,
    ) -> DbResult<ListeningStats> {
        let from = from_ms.unwrap_or(i64::MIN);
        let to = to_ms.unwrap_or(i64::MAX);
        let all_time = from_ms.is_none() && to_ms.is_none();
        let offset_ms = offset_minutes * 60_000;
        let mut stats = ListeningStats::default();

        // The clock: all time from the week's 168 hours, a period from its
        // hourly totals; each turned to the time zone.
        let hour_ms = 3_600_000;
        let shift = offset_ms.div_euclid(hour_ms);
        let clock: Vec<(i64, i64, i64)> = if all_time {
            sqlx::query_as(
                "SELECT week_hour, plays, ms_played FROM listen_week_hours WHERE user_id = ?",
            )
            .bind(user_id)
            .fetch_all(self.pool())
            .await?
        } else {
            sqlx::query_as(
                "SELECT (hour + 96) % 168 AS w, SUM(plays), SUM(ms_played) FROM listen_hours
                 WHERE user_id = ? AND hour >= ? AND hour < ? GROUP BY w",
            )
            .bind(user_id)
            .bind(from.div_euclid(hour_ms))
            .bind(to.div_euclid(hour_ms))
            .fetch_all(self.pool())
            .await?
        };
        for (week_hour, plays, ms) in clock {
            let local = (week_hour + shift).rem_euclid(168);
            stats.by_hour[(local % 24) as usize] += plays;
            stats.by_weekday[(local / 24) as usize] += plays;
            stats.plays += plays;
            stats.minutes += ms;
        }
        stats.minutes /= 60_000;
        let (skips,): (i64,) = if all_time {
            sqlx::query_as("SELECT COALESCE(SUM(skips), 0) FROM track_plays WHERE user_id = ?")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?
        } else {
            sqlx::query_as(
                "SELECT COUNT(*) FROM listens WHERE user_id = ? AND counted = 0
                 AND ended_ms >= ? AND ended_ms < ?",
            )
            .bind(user_id)
            .bind(from)
            .bind(to)
            .fetch_one(self.pool())
            .await?
        };
        stats.skips = skips;

        // Plays per track in the period, the base of every top list.
        let per_track = if all_time {
            // (?2 and ?3 are bound for the period's query; here they only compare.)
            "SELECT track_id, plays AS n FROM track_plays WHERE user_id = ?1 AND plays > 0 AND ?2 <= ?3"
        } else {
            "SELECT track_id, COUNT(*) AS n FROM listens
             WHERE user_id = ?1 AND counted = 1 AND ended_ms >= ?2 AND ended_ms < ?3
             GROUP BY track_id"
        };
        // `p` is computed once; a track's artists only for the ten shown.
        let tops = format!(
            "WITH p AS MATERIALIZED ({per_track}),
             tracks_top AS (
                 SELECT 'track' AS kind, t.id, t.title AS name,
                        (SELECT group_concat(name, ', ') FROM (SELECT ar.name FROM track_artists ta
                             JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id
                             ORDER BY ta.position)) AS detail,
                        top.n
                 FROM (SELECT track_id, n FROM p ORDER BY n DESC, track_id LIMIT {TOP}) top
                 JOIN tracks t ON t.id = top.track_id),
             artists_top AS (
                 SELECT 'artist' AS kind, ar.id, ar.name, NULL AS detail, a.n
                 FROM (SELECT ta.artist_id, SUM(p.n) AS n FROM p
                       JOIN track_artists ta ON ta.track_id = p.track_id
                       GROUP BY ta.artist_id ORDER BY n DESC, ta.artist_id LIMIT {TOP}) a
                 JOIN artists ar ON ar.id = a.artist_id),
             albums_top AS (
                 SELECT 'album' AS kind, al.id, al.name, NULL AS detail, b.n
                 FROM (SELECT t.album_id, SUM(p.n) AS n FROM p JOIN tracks t ON t.id = p.track_id
                       WHERE t.album_id IS NOT NULL
                       GROUP BY t.album_id ORDER BY n DESC, t.album_id LIMIT {TOP}) b
                 JOIN albums al ON al.id = b.album_id)
             SELECT * FROM (SELECT * FROM tracks_top ORDER BY n DESC, id)
             UNION ALL SELECT * FROM (SELECT * FROM artists_top ORDER BY n DESC, id)
             UNION ALL SELECT * FROM (SELECT * FROM albums_top ORDER BY n DESC, id)"
        );
        let rows: Vec<(String, Id, String, Option<String>, i64)> = sqlx::query_as(&tops)
            .bind(user_id)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
        for (kind, id, name, detail, plays) in rows {
            let entry = StatsEntry {
                id,
                name,
                detail,
                plays,
            };
            match kind.as_str() {
                "track" => stats.top_tracks.push(entry),
                "artist" => stats.top_artists.push(entry),
                _ => stats.top_albums.push(entry),
            }
        }

        // Discoveries: tracks first played in the period.
        let (new_tracks,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM track_plays WHERE user_id = ? AND first_played_ms >= ?
             AND first_played_ms < ?",
        )
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?;
        stats.new_tracks = new_tracks;

        // Minutes by month, from the hourly totals, on the listener's clock.
        if !all_time {
            let months: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT CAST(strftime('%m', hour * 3600 + ?, 'unixepoch') AS INTEGER) AS m,
                        SUM(ms_played) FROM listen_hours
                 WHERE user_id = ? AND hour >= ? AND hour < ? GROUP BY m",
            )
            .bind(offset_ms / 1000)
            .bind(user_id)
            .bind(from.div_euclid(hour_ms))
            .bind(to.div_euclid(hour_ms))
            .fetch_all(self.pool())
            .await?;
            for (month, ms) in months {
                if (1..=12).contains(&month) {
                    stats.minutes_by_month[(month - 1) as usize] += ms / 60_000;
                }
            }
        }
        Ok(stats)
    }
}
