//! Listening history: every listen kept once, whichever way it arrived.
//!
//! Spotify tells of one listen up to three times (Hoard's poll of
//! currently-playing, the recently-played backfill, an Extended Streaming
//! History file), each with its own idea of the time: the poll sees the
//! start and the end to a second or two, a history row gives the end and
//! the milliseconds heard, and recently-played gives one moment that is the
//! start on some clients and the end on others (spotify/web-api#613,
//! #1083). Two Spotify listens of one track from different sources are the
//! same listen when their starts or their ends are within [`tolerance`] of
//! each other, or, when one side is a single moment, when that moment is
//! that near either end of the other. From the same source they are the
//! same only when they are exactly the same (a backfill that sees an entry
//! again, a file uploaded twice): one source never reports one listen at
//! two times. Hoard's own player names its plays, so those are matched by
//! name.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::{DbResult, Vault};
use crate::model::{counts_as_play, Id, PlayReport};

/// A listen to record.
#[derive(Clone, Debug, Default)]
pub struct NewListen {
    pub user_id: Id,
    pub track_id: Id,
    pub started_ms: i64,
    pub ended_ms: i64,
    pub ms_played: Option<i64>,
    pub counted: bool,
    /// `spotify-poll`, `spotify-recent`, `spotify-history` or `hoard`.
    pub source: &'static str,
    pub device: Option<String>,
    pub platform: Option<String>,
    pub context_uri: Option<String>,
    pub shuffle: Option<bool>,
    pub skipped: Option<bool>,
    pub reason_start: Option<String>,
    pub reason_end: Option<String>,
    pub conn_country: Option<String>,
    pub offline: Option<bool>,
    pub incognito: Option<bool>,
    pub client_play_id: Option<String>,
}

impl NewListen {
    /// A single moment rather than a span (recently-played).
    fn is_point(&self) -> bool {
        self.ms_played.is_none()
    }
}

/// How far apart two reports of one listen may be: 30 s, or half the track
/// for a track shorter than a minute (so a short track repeated is two
/// listens).
pub fn tolerance(duration_ms: i64) -> i64 {
    if duration_ms <= 0 {
        30_000
    } else {
        (duration_ms / 2).clamp(1_000, 30_000)
    }
}

/// The hour of the week (0 = Sunday 00:00 UTC) of an hour since the epoch
/// (1970-01-01 was a Thursday: hour 0 is week hour 96).
pub fn week_hour(hour: i64) -> i64 {
    (hour + 96).rem_euclid(168)
}

/// One kept Spotify listen of a track, as the duplicate test sees it.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: i64,
    end: i64,
    point: bool,
    source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Poll,
    Recent,
    History,
}

impl Source {
    fn of(name: &str) -> Source {
        match name {
            "spotify-poll" => Source::Poll,
            "spotify-recent" => Source::Recent,
            _ => Source::History,
        }
    }
}

fn same_listen(a: Span, b: Span, tol: i64) -> bool {
    if a.source == b.source {
        return a.start == b.start && a.end == b.end;
    }
    if (a.start - b.start).abs() <= tol || (a.end - b.end).abs() <= tol {
        return true;
    }
    (a.point || b.point) && ((a.start - b.end).abs() <= tol || (a.end - b.start).abs() <= tol)
}

fn span(l: &NewListen) -> Span {
    Span {
        start: l.started_ms,
        end: l.ended_ms,
        point: l.is_point(),
        source: Source::of(l.source),
    }
}

/// The Spotify listens of a user in memory, for an import that tests
/// hundreds of thousands of rows: one query instead of one per row.
#[derive(Debug, Default)]
pub struct ListenIndex {
    by_track: HashMap<Id, Vec<Span>>,
}

impl ListenIndex {
    /// True when `listen` is already kept (or was added to this index).
    pub fn contains(&self, listen: &NewListen, tol: i64) -> bool {
        let new = span(listen);
        self.by_track
            .get(&listen.track_id)
            .is_some_and(|spans| spans.iter().any(|s| same_listen(*s, new, tol)))
    }

    pub fn add(&mut self, listen: &NewListen) {
        self.by_track
            .entry(listen.track_id)
            .or_default()
            .push(span(listen));
    }
}

const LISTEN_COLUMNS: &str =
    "user_id, track_id, started_ms, ended_ms, ms_played, counted, source, \
     device, platform, context_uri, shuffle, skipped, reason_start, reason_end, conn_country, \
     offline, incognito, client_play_id";
const LISTEN_ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/// 18 parameters a row; SQLite allows 32766 in a statement.
const LISTEN_CHUNK: usize = 1_000;

impl Vault {
    /// Records a Spotify listen unless it is already kept; true when it was new.
    pub async fn add_spotify_listen(
        conn: &mut SqliteConnection,
        listen: &NewListen,
    ) -> DbResult<bool> {
        let (duration_ms,): (i64,) = sqlx::query_as("SELECT duration_ms FROM tracks WHERE id = ?")
            .bind(listen.track_id)
            .fetch_one(&mut *conn)
            .await?;
        let window = 6 * 3600 * 1000 + duration_ms;
        let kept: Vec<(i64, i64, bool, String)> = sqlx::query_as(
            "SELECT started_ms, ended_ms, ms_played IS NULL, source FROM listens
             WHERE track_id = ? AND user_id = ? AND source <> 'hoard'
               AND ended_ms BETWEEN ? AND ?",
        )
        .bind(listen.track_id)
        .bind(listen.user_id)
        .bind(listen.started_ms - window)
        .bind(listen.ended_ms + window)
        .fetch_all(&mut *conn)
        .await?;
        let tol = tolerance(duration_ms);
        let new = span(listen);
        let seen = kept.into_iter().any(|(start, end, point, source)| {
            let source = Source::of(&source);
            same_listen(
                Span {
                    start,
                    end,
                    point,
                    source,
                },
                new,
                tol,
            )
        });
        if seen {
            return Ok(false);
        }
        Self::insert_listens(conn, std::slice::from_ref(listen)).await?;
        Ok(true)
    }

    /// Inserts listens as they are, many per statement (the caller has
    /// removed duplicates). Hoard's plays already kept by name are ignored.
    pub async fn insert_listens(
        conn: &mut SqliteConnection,
        listens: &[NewListen],
    ) -> DbResult<u64> {
        let mut added = 0;
        for chunk in listens.chunks(LISTEN_CHUNK) {
            let values = vec![LISTEN_ROW; chunk.len()].join(", ");
            let sql = format!("INSERT OR IGNORE INTO listens ({LISTEN_COLUMNS}) VALUES {values}");
            let mut q = sqlx::query(&sql);
            for l in chunk {
                q = q
                    .bind(l.user_id)
                    .bind(l.track_id)
                    .bind(l.started_ms)
                    .bind(l.ended_ms)
                    .bind(l.ms_played)
                    .bind(l.counted)
                    .bind(l.source)
                    .bind(&l.device)
                    .bind(&l.platform)
                    .bind(&l.context_uri)
                    .bind(l.shuffle)
                    .bind(l.skipped)
                    .bind(&l.reason_start)
                    .bind(&l.reason_end)
                    .bind(&l.conn_country)
                    .bind(l.offline)
                    .bind(l.incognito)
                    .bind(&l.client_play_id);
            }
            added += q.execute(&mut *conn).await?.rows_affected();
        }
        Ok(added)
    }

    /// Adds `listens`' counts to `track_plays` and `listen_hours`, one
    /// statement for many tracks: what the trigger does row by row for the
    /// other sources, a history import does for each of its steps.
    pub async fn add_track_plays(
        conn: &mut SqliteConnection,
        listens: &[NewListen],
    ) -> DbResult<()> {
        #[derive(Default)]
        struct Counts {
            plays: i64,
            skips: i64,
            ms: i64,
            first: Option<i64>,
            last: Option<i64>,
        }
        let mut by_track: HashMap<(Id, Id), Counts> = HashMap::new();
        for l in listens {
            let c = by_track.entry((l.user_id, l.track_id)).or_default();
            c.ms += l.ms_played.unwrap_or(0);
            if l.counted {
                c.plays += 1;
                c.first = Some(c.first.map_or(l.ended_ms, |f| f.min(l.ended_ms)));
                c.last = Some(c.last.map_or(l.ended_ms, |f| f.max(l.ended_ms)));
            } else {
                c.skips += 1;
            }
        }
        let mut by_hour: HashMap<(Id, i64), (i64, i64)> = HashMap::new();
        for l in listens.iter().filter(|l| l.counted) {
            let h = by_hour
                .entry((l.user_id, l.ended_ms.div_euclid(3_600_000)))
                .or_default();
            h.0 += 1;
            h.1 += l.ms_played.unwrap_or(0);
        }
        let mut by_week_hour: HashMap<(Id, i64), (i64, i64)> = HashMap::new();
        for ((user, hour), (plays, ms)) in &by_hour {
            let w = by_week_hour.entry((*user, week_hour(*hour))).or_default();
            w.0 += plays;
            w.1 += ms;
        }
        let week: Vec<_> = by_week_hour.into_iter().collect();
        let values = vec!["(?, ?, ?, ?)"; week.len()].join(", ");
        if !week.is_empty() {
            let sql = format!(
                "INSERT INTO listen_week_hours (user_id, week_hour, plays, ms_played) VALUES {values}
                 ON CONFLICT (user_id, week_hour) DO UPDATE SET plays = plays + excluded.plays,
                     ms_played = ms_played + excluded.ms_played"
            );
            let mut q = sqlx::query(&sql);
            for ((user, w), (plays, ms)) in &week {
                q = q.bind(user).bind(w).bind(plays).bind(ms);
            }
            q.execute(&mut *conn).await?;
        }
        let hours: Vec<_> = by_hour.into_iter().collect();
        for chunk in hours.chunks(8_000) {
            let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO listen_hours (user_id, hour, plays, ms_played) VALUES {values}
                 ON CONFLICT (user_id, hour) DO UPDATE SET plays = plays + excluded.plays,
                     ms_played = ms_played + excluded.ms_played"
            );
            let mut q = sqlx::query(&sql);
            for ((user, hour), (plays, ms)) in chunk {
                q = q.bind(user).bind(hour).bind(plays).bind(ms);
            }
            q.execute(&mut *conn).await?;
        }
        let rows: Vec<_> = by_track.into_iter().collect();
        for chunk in rows.chunks(4_000) {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO track_plays (user_id, track_id, plays, skips, ms_played,
                     first_played_ms, last_played_ms) VALUES {values}
                 ON CONFLICT (user_id, track_id) DO UPDATE SET
                     plays = plays + excluded.plays, skips = skips + excluded.skips,
                     ms_played = ms_played + excluded.ms_played,
                     first_played_ms = CASE WHEN excluded.first_played_ms IS NULL THEN first_played_ms
                         ELSE MIN(COALESCE(first_played_ms, excluded.first_played_ms), excluded.first_played_ms) END,
                     last_played_ms = CASE WHEN excluded.last_played_ms IS NULL THEN last_played_ms
                         ELSE MAX(COALESCE(last_played_ms, excluded.last_played_ms), excluded.last_played_ms) END"
            );
            let mut q = sqlx::query(&sql);
            for ((user, track), c) in chunk {
                q = q
                    .bind(user)
                    .bind(track)
                    .bind(c.plays)
                    .bind(c.skips)
                    .bind(c.ms)
                    .bind(c.first)
                    .bind(c.last);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Every Spotify listen of `user_id`, for an import's duplicate test.
    pub async fn spotify_listen_index(&self, user_id: Id) -> DbResult<ListenIndex> {
        let rows: Vec<(Id, i64, i64, bool, String)> = sqlx::query_as(
            "SELECT track_id, started_ms, ended_ms, ms_played IS NULL, source FROM listens
             WHERE user_id = ? AND source <> 'hoard'",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        let mut index = ListenIndex::default();
        for (track, start, end, point, source) in rows {
            let source = Source::of(&source);
            index.by_track.entry(track).or_default().push(Span {
                start,
                end,
                point,
                source,
            });
        }
        Ok(index)
    }

    /// Records the plays a device heard in Hoard's player. A report already
    /// kept (the same `client_play_id`) adds nothing; a report of a track
    /// the vault does not have is refused with its id named. Returns how
    /// many plays were new.
    pub async fn add_reported_plays(&self, user_id: Id, reports: &[PlayReport]) -> DbResult<u64> {
        let mut tx = self.begin().await?;
        let mut listens = Vec::with_capacity(reports.len());
        for r in reports {
            let duration: Option<(i64,)> =
                sqlx::query_as("SELECT duration_ms FROM tracks WHERE id = ?")
                    .bind(r.track_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((duration_ms,)) = duration else {
                return Err(super::DbError::Invalid(format!(
                    "a play of track {} that the vault does not have",
                    r.track_id
                )));
            };
            if r.client_play_id.is_empty() || r.client_play_id.len() > 64 {
                return Err(super::DbError::Invalid(
                    "a play report needs a client_play_id of 1 to 64 characters".into(),
                ));
            }
            if r.ms_played < 0 || r.ended_ms < r.started_ms {
                return Err(super::DbError::Invalid(format!(
                    "play {} has a negative length",
                    r.client_play_id
                )));
            }
            listens.push(NewListen {
                user_id,
                track_id: r.track_id,
                started_ms: r.started_ms,
                ended_ms: r.ended_ms,
                ms_played: Some(r.ms_played),
                counted: counts_as_play(r.ms_played, duration_ms),
                source: "hoard",
                offline: Some(r.offline),
                client_play_id: Some(r.client_play_id.clone()),
                ..NewListen::default()
            });
        }
        let added = Self::insert_listens(&mut tx, &listens).await?;
        tx.commit().await?;
        Ok(added)
    }
}
