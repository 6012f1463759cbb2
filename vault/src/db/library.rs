//! The library: artists, albums, tracks, liked songs, playlists, downloads and
//! plays. Writes are upserts keyed by Spotify ID so a sync can run them again
//! and again; reads return the list rows the UI shows.

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::{Sqlite, SqliteConnection, Transaction};

use super::{now_text, DbError, DbResult, Vault};
use crate::model::*;

/// The most rows any list query returns at once.
pub const MAX_PAGE: i64 = 200;

/// The columns of a [`Track`] list row; `{added}` is the list's own date column.
const TRACK_COLUMNS: &str = "t.id, t.spotify_id, COALESCE(te.title, t.title) AS title,
    CASE WHEN te.artists IS NOT NULL
        THEN (SELECT json_group_array(json_object('id', 0, 'name', value)) FROM json_each(te.artists))
        ELSE (SELECT json_group_array(json_object('id', a.id, 'name', a.name)) FROM
            (SELECT ar.id, ar.name FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
             WHERE ta.track_id = t.id ORDER BY ta.position) a) END AS artists,
    t.album_id, COALESCE(ae.name, al.name) AS album_name, al.image_url,
    COALESCE(te.disc_number, t.disc_number) AS disc_number,
    COALESCE(te.track_number, t.track_number) AS track_number,
    t.duration_ms, t.explicit, t.isrc, {added} AS added_at, t.gone_from_spotify_at,
    d.state AS download_state, COALESCE(tp.plays, 0) AS plays, COALESCE(tp.skips, 0) AS skips,
    strftime('%Y-%m-%dT%H:%M:%SZ', tp.first_played_ms / 1000, 'unixepoch') AS first_played,
    strftime('%Y-%m-%dT%H:%M:%SZ', tp.last_played_ms / 1000, 'unixepoch') AS last_played,
    tm.rating, COALESCE(tm.loved, 0) AS loved,
    (SELECT json_group_array(name) FROM (SELECT g.name FROM track_tags tt JOIN tags g ON g.id = tt.tag_id
        WHERE tt.track_id = t.id AND g.user_id = 1 ORDER BY g.name COLLATE NOCASE)) AS tags,
    (te.track_id IS NOT NULL OR ae.album_id IS NOT NULL) AS edited";

/// The listener whose counts and marks list rows show (one user for now).
const PLAYS_JOIN: &str = "LEFT JOIN track_plays tp ON tp.track_id = t.id AND tp.user_id = 1 \
     LEFT JOIN track_marks tm ON tm.track_id = t.id AND tm.user_id = 1 \
     LEFT JOIN track_edits te ON te.track_id = t.id \
     LEFT JOIN album_edits ae ON ae.album_id = t.album_id";

const TRACK_JOINS: &str = "tracks t LEFT JOIN albums al ON al.id = t.album_id \
     LEFT JOIN downloads d ON d.track_id = t.id \
     LEFT JOIN track_plays tp ON tp.track_id = t.id AND tp.user_id = 1 \
     LEFT JOIN track_marks tm ON tm.track_id = t.id AND tm.user_id = 1 \
     LEFT JOIN track_edits te ON te.track_id = t.id \
     LEFT JOIN album_edits ae ON ae.album_id = t.album_id";

/// `SELECT` of track rows, with `added` as their date, `extra` columns after
/// theirs, and `tail` (joins, `WHERE`, `ORDER BY`) after the track joins.
pub(super) fn track_query(added: &str, extra: &str, tail: &str) -> String {
    format!(
        "SELECT {}{extra} FROM {TRACK_JOINS} {tail}",
        TRACK_COLUMNS.replace("{added}", added)
    )
}

#[derive(sqlx::FromRow)]
pub(super) struct TrackRow {
    id: Id,
    spotify_id: Option<String>,
    title: String,
    artists: Option<String>,
    album_id: Option<Id>,
    album_name: Option<String>,
    image_url: Option<String>,
    disc_number: i64,
    track_number: Option<i64>,
    duration_ms: i64,
    explicit: bool,
    isrc: Option<String>,
    added_at: Option<String>,
    gone_from_spotify_at: Option<String>,
    download_state: Option<String>,
    plays: i64,
    skips: i64,
    first_played: Option<String>,
    last_played: Option<String>,
    rating: Option<i64>,
    loved: bool,
    tags: Option<String>,
    edited: bool,
}

impl From<TrackRow> for Track {
    fn from(r: TrackRow) -> Self {
        Track {
            id: r.id,
            spotify_id: r.spotify_id,
            title: r.title,
            artists: parse_artists(r.artists.as_deref()),
            album_id: r.album_id,
            album_name: r.album_name,
            image_url: r.image_url,
            disc_number: r.disc_number,
            track_number: r.track_number,
            duration_ms: r.duration_ms,
            explicit: r.explicit,
            isrc: r.isrc,
            added_at: r.added_at,
            gone_from_spotify_at: r.gone_from_spotify_at,
            download_state: r.download_state,
            plays: r.plays,
            skips: r.skips,
            first_played: r.first_played,
            last_played: r.last_played,
            rating: r.rating,
            loved: r.loved,
            tags: r
                .tags
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
            edited: r.edited,
        }
    }
}

fn parse_artists(json: Option<&str>) -> Vec<ArtistRef> {
    #[derive(Deserialize)]
    struct Raw {
        id: Id,
        name: String,
    }
    let raw: Vec<Raw> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    raw.into_iter()
        .map(|r| ArtistRef {
            id: r.id,
            name: r.name,
        })
        .collect()
}

fn clamp_page(offset: i64, limit: i64) -> (i64, i64) {
    (offset.max(0), limit.clamp(1, MAX_PAGE))
}

/// A value for a statement whose text is built at run time.
#[derive(Clone, Debug)]
pub(crate) enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
}

pub(crate) type SqliteQueryAs<'q, O> =
    sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>;

/// Binds `binds` in order.
pub(crate) fn bind_all<'q, O>(
    mut query: SqliteQueryAs<'q, O>,
    binds: &'q [Bind],
) -> SqliteQueryAs<'q, O> {
    for bind in binds {
        query = match bind {
            Bind::Int(value) => query.bind(*value),
            Bind::Real(value) => query.bind(*value),
            Bind::Text(value) => query.bind(value.as_str()),
        };
    }
    query
}

/// Runs `sql` (whose last parameters are `LIMIT ? OFFSET ?`) for one page of
/// rows, counts the whole list with `count_sql` (unless the page shows where
/// the list ends), and maps each row with `map`. Both statements take `binds` first.
async fn fetch_page<R, T>(
    vault: &Vault,
    sql: &str,
    count_sql: &str,
    binds: &[Bind],
    offset: i64,
    limit: i64,
    map: impl FnMut(R) -> T,
) -> DbResult<Page<T>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let (offset, limit) = clamp_page(offset, limit);
    let rows: Vec<R> = bind_all(sqlx::query_as(sql), binds)
        .bind(limit)
        .bind(offset)
        .fetch_all(vault.pool())
        .await?;
    let fetched = rows.len() as i64;
    // A window that is not full ends the list: no need to count it.
    let total = if fetched < limit && (fetched > 0 || offset == 0) {
        offset + fetched
    } else {
        let (total,): (i64,) = bind_all(sqlx::query_as(count_sql), binds)
            .fetch_one(vault.pool())
            .await?;
        total
    };
    Ok(Page {
        items: rows.into_iter().map(map).collect(),
        total,
        offset,
    })
}

impl Vault {
    /// Starts a write transaction; a sync commits one per page of results.
    ///
    /// It takes the write lock at once (`BEGIN IMMEDIATE`), waiting up to the
    /// busy timeout for another writer. A deferred transaction that reads
    /// first and writes later cannot wait: in WAL mode SQLite answers its
    /// first write with "database is locked" at once if another connection
    /// wrote in between (a sync failed that way beside the listening poller).
    ///
    /// The BEGIN runs on a task of its own: a caller cancelled while it waits
    /// (a request whose client went away, an aborted import) would otherwise
    /// leave a pooled connection inside a transaction that holds the write
    /// lock, since the transaction is only rolled back once it is made and
    /// dropped. On its own task it is always made, then dropped and rolled
    /// back if nobody waits for it.
    pub async fn begin(&self) -> DbResult<Transaction<'static, Sqlite>> {
        let pool = self.pool().clone();
        tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
            .await
            .map_err(|e| DbError::Other(format!("beginning a transaction: {e}")))?
            .map_err(DbError::from)
    }

    // ----- writes -------------------------------------------------------

    /// Inserts or updates an artist by Spotify ID and returns its vault id.
    pub async fn upsert_artist(conn: &mut SqliteConnection, artist: &NewArtist) -> DbResult<Id> {
        // A NULL spotify_id never conflicts, so an artist without one is always a new row.
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO artists (spotify_id, name, image_url) VALUES (?, ?, ?)
             ON CONFLICT (spotify_id) DO UPDATE SET name = excluded.name,
                 image_url = COALESCE(excluded.image_url, artists.image_url)
             RETURNING id",
        )
        .bind(&artist.spotify_id)
        .bind(&artist.name)
        .bind(&artist.image_url)
        .fetch_one(&mut *conn)
        .await?;
        Ok(id)
    }

    /// Inserts or updates an album (and its artists) and returns its vault id.
    pub async fn upsert_album(conn: &mut SqliteConnection, album: &NewAlbum) -> DbResult<Id> {
        Self::upsert_album_cached(conn, album, &mut WriteCache::default()).await
    }

    /// [`upsert_album`](Self::upsert_album) that writes each album and artist
    /// once per `cache` (a sync run sees the same album on many tracks).
    pub async fn upsert_album_cached(
        conn: &mut SqliteConnection,
        album: &NewAlbum,
        cache: &mut WriteCache,
    ) -> DbResult<Id> {
        if let Some(id) = album.spotify_id.as_ref().and_then(|s| cache.albums.get(s)) {
            return Ok(*id);
        }
        let album_type = match album.album_type.as_str() {
            "single" | "compilation" => album.album_type.as_str(),
            _ => "album",
        };
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO albums (spotify_id, name, album_type, release_date,
                 release_date_precision, total_tracks, image_url, images)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (spotify_id) DO UPDATE SET name = excluded.name,
                 album_type = excluded.album_type, release_date = excluded.release_date,
                 release_date_precision = excluded.release_date_precision,
                 total_tracks = excluded.total_tracks,
                 image_url = COALESCE(excluded.image_url, albums.image_url),
                 images = COALESCE(excluded.images, albums.images)
             RETURNING id",
        )
        .bind(&album.spotify_id)
        .bind(&album.name)
        .bind(album_type)
        .bind(&album.release_date)
        .bind(&album.release_date_precision)
        .bind(album.total_tracks)
        .bind(&album.image_url)
        .bind(&album.images)
        .fetch_one(&mut *conn)
        .await?;
        let artists = artist_ids(conn, &album.artists, cache).await?;
        set_credits(conn, "album_artists", "album_id", &[(id, &artists)]).await?;
        if let Some(spotify_id) = &album.spotify_id {
            cache.albums.insert(spotify_id.clone(), id);
        }
        Ok(id)
    }

    /// Inserts or updates a track (with its album and artists) and returns its vault id.
    ///
    /// A local file has no Spotify ID, so each write of one makes a new row;
    /// callers match local files themselves before writing.
    pub async fn upsert_track(conn: &mut SqliteConnection, track: &NewTrack) -> DbResult<Id> {
        Self::upsert_track_cached(conn, track, &mut WriteCache::default()).await
    }

    /// [`upsert_track`](Self::upsert_track) that writes each album and artist once per `cache`.
    pub async fn upsert_track_cached(
        conn: &mut SqliteConnection,
        track: &NewTrack,
        cache: &mut WriteCache,
    ) -> DbResult<Id> {
        let ids = Self::upsert_tracks_cached(conn, std::slice::from_ref(track), cache).await?;
        ids.first().copied().ok_or(DbError::NotFound)
    }

    /// Writes many tracks (with their albums and artists) in few statements
    /// and returns their vault ids in order. A sync writes a page at a time:
    /// statements, not rows, are what SQLite writes cost here.
    pub async fn upsert_tracks_cached(
        conn: &mut SqliteConnection,
        tracks: &[NewTrack],
        cache: &mut WriteCache,
    ) -> DbResult<Vec<Id>> {
        // Albums and artists first, each once.
        let mut album_ids = Vec::with_capacity(tracks.len());
        for track in tracks {
            album_ids.push(match &track.album {
                Some(album) => Some(Self::upsert_album_cached(conn, album, cache).await?),
                None => None,
            });
        }
        let mut credits: Vec<Vec<Id>> = Vec::with_capacity(tracks.len());
        for track in tracks {
            credits.push(artist_ids(conn, &track.artists, cache).await?);
        }
        // Rows with a Spotify ID go in one statement per chunk, matched back
        // by that ID (RETURNING's order is not defined); local files one by one.
        let now = now_text();
        let mut ids: Vec<Option<Id>> = vec![None; tracks.len()];
        let keyed: Vec<usize> = (0..tracks.len())
            .filter(|i| tracks[*i].spotify_id.is_some())
            .collect();
        for chunk in keyed.chunks(TRACK_CHUNK) {
            let rows: Vec<(usize, &NewTrack)> = chunk.iter().map(|i| (*i, &tracks[*i])).collect();
            let returned = insert_tracks(conn, &rows, &album_ids, &now).await?;
            let by_spotify: HashMap<String, Id> = returned
                .into_iter()
                .filter_map(|(spotify_id, id)| Some((spotify_id?, id)))
                .collect();
            for (i, track) in rows {
                ids[i] = track
                    .spotify_id
                    .as_ref()
                    .and_then(|s| by_spotify.get(s))
                    .copied();
            }
        }
        for i in (0..tracks.len()).filter(|i| tracks[*i].spotify_id.is_none()) {
            // A NULL Spotify ID never conflicts: always one new row.
            let returned = insert_tracks(conn, &[(i, &tracks[i])], &album_ids, &now).await?;
            ids[i] = returned.first().map(|(_, id)| *id);
        }
        let ids: Vec<Id> = ids
            .into_iter()
            .map(|id| id.ok_or_else(|| DbError::Other("a written track returned no id".into())))
            .collect::<DbResult<_>>()?;
        // A track twice in one batch (a playlist may hold it twice) is credited once.
        let mut seen = std::collections::HashSet::new();
        let pairs: Vec<(Id, &[Id])> = ids
            .iter()
            .zip(&credits)
            .filter(|(id, _)| seen.insert(**id))
            .map(|(id, artists)| (*id, artists.as_slice()))
            .collect();
        set_credits(conn, "track_artists", "track_id", &pairs).await?;
        Ok(ids)
    }

    /// Marks a track as liked since `added_at`; liking a liked track changes nothing.
    pub async fn like_track(
        conn: &mut SqliteConnection,
        track_id: Id,
        added_at: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO liked_tracks (track_id, added_at) VALUES (?, ?)
             ON CONFLICT (track_id) WHERE removed_at IS NULL DO NOTHING",
        )
        .bind(track_id)
        .bind(added_at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Marks many tracks as liked, each since its `added_at`, in one statement per chunk.
    pub async fn like_tracks(conn: &mut SqliteConnection, likes: &[(Id, String)]) -> DbResult<()> {
        for chunk in likes.chunks(200) {
            let values = vec!["(?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO liked_tracks (track_id, added_at) VALUES {values}
                 ON CONFLICT (track_id) WHERE removed_at IS NULL DO NOTHING"
            );
            let mut insert = sqlx::query(&sql);
            for (track_id, added_at) in chunk {
                insert = insert.bind(*track_id).bind(added_at);
            }
            insert.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Records that a track left liked songs; the track and its like history stay.
    pub async fn unlike_track(conn: &mut SqliteConnection, track_id: Id) -> DbResult<()> {
        sqlx::query(
            "UPDATE liked_tracks SET removed_at = ? WHERE track_id = ? AND removed_at IS NULL",
        )
        .bind(now_text())
        .bind(track_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Inserts or updates a playlist's details and returns its vault id.
    pub async fn upsert_playlist(conn: &mut SqliteConnection, p: &NewPlaylist) -> DbResult<Id> {
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO playlists (spotify_id, name, description, owner_id, owner_name,
                 snapshot_id, public, collaborative, image_url, images)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (spotify_id) DO UPDATE SET name = excluded.name,
                 description = excluded.description, owner_id = excluded.owner_id,
                 owner_name = excluded.owner_name, snapshot_id = excluded.snapshot_id,
                 public = excluded.public, collaborative = excluded.collaborative,
                 image_url = COALESCE(excluded.image_url, playlists.image_url),
                 images = COALESCE(excluded.images, playlists.images), removed_at = NULL
             RETURNING id",
        )
        .bind(&p.spotify_id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.owner_id)
        .bind(&p.owner_name)
        .bind(&p.snapshot_id)
        .bind(p.public)
        .bind(p.collaborative)
        .bind(&p.image_url)
        .bind(&p.images)
        .fetch_one(&mut *conn)
        .await?;
        if let Some(snapshot) = &p.snapshot_id {
            sqlx::query(
                "INSERT OR IGNORE INTO playlist_snapshots (playlist_id, snapshot_id) VALUES (?, ?)",
            )
            .bind(id)
            .bind(snapshot)
            .execute(&mut *conn)
            .await?;
        }
        Ok(id)
    }

    /// Appends a track to a playlist at `position`.
    pub async fn add_playlist_track(
        conn: &mut SqliteConnection,
        playlist_id: Id,
        position: i64,
        track_id: Id,
        added_at: Option<&str>,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO playlist_items (playlist_id, position, track_id, kind, added_at)
             VALUES (?, ?, ?, 'track', ?)",
        )
        .bind(playlist_id)
        .bind(position)
        .bind(track_id)
        .bind(added_at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Puts a track in the download queue, unless it already has a job.
    pub async fn queue_download(conn: &mut SqliteConnection, track_id: Id) -> DbResult<()> {
        sqlx::query("INSERT OR IGNORE INTO downloads (track_id) VALUES (?)")
            .bind(track_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    // ----- reads --------------------------------------------------------

    /// Liked songs, newest first.
    pub async fn liked_tracks(&self, offset: i64, limit: i64) -> DbResult<Page<Track>> {
        let sql = track_query(
            "l.added_at",
            "",
            "JOIN liked_tracks l ON l.track_id = t.id AND l.removed_at IS NULL
             ORDER BY l.added_at DESC, l.id DESC LIMIT ? OFFSET ?",
        );
        let count = "SELECT COUNT(*) FROM liked_tracks WHERE removed_at IS NULL";
        fetch_page(self, &sql, count, &[], offset, limit, |r: TrackRow| {
            Track::from(r)
        })
        .await
    }

    /// One window of a track list, searched, filtered and sorted by the
    /// database, so a list of thousands of tracks is fetched a window at a
    /// time. `total` counts the rows the search and the filter keep. A list
    /// that does not exist is empty.
    ///
    /// Each word of `query.text` (the first [`MAX_SEARCH_WORDS`]) must occur
    /// in the title, an artist's name or the album's name; `%` and `_` are
    /// plain characters. SQLite folds case for ASCII letters only, so a word
    /// with other letters is tried as typed, in lower case, Capitalised and
    /// in UPPER CASE: "ágætis" finds "Ágætis" and "ÁGÆTIS" but not "áGÆTIS".
    /// Accents are not folded: "bjork" does not find "Björk". Text sorts
    /// fold ASCII case only, too (`COLLATE NOCASE`).
    pub async fn track_list(
        &self,
        list: &TrackList,
        query: &TrackQuery,
        offset: i64,
        limit: i64,
    ) -> DbResult<Page<Track>> {
        let mut binds = Vec::new();
        let smart = matches!(list, TrackList::Smart(_));
        // The list's rows, the date each entered it, and the list's own
        // order, which ends on a unique key so that every sort is total.
        let (source, condition, added, natural): (&str, &str, &str, &[SortKey]) = match list {
            TrackList::Smart(id) => {
                let Ok(ids) = self.smart_track_ids(OWNER, *id, &query.on_device).await else {
                    return Ok(Page {
                        items: vec![],
                        total: 0,
                        offset: offset.max(0),
                    });
                };
                // The rule runs once; the window and the count read its answer.
                binds.push(Bind::Text(
                    serde_json::to_string(&ids).map_err(|e| DbError::Other(e.to_string()))?,
                ));
                (
                    "json_each(?) s JOIN tracks t ON t.id = s.value",
                    "1",
                    "NULL",
                    &[SortKey::up("s.key")],
                )
            }
            TrackList::Liked => (
                "liked_tracks l JOIN tracks t ON t.id = l.track_id",
                "l.removed_at IS NULL",
                "l.added_at",
                &[SortKey::down("l.added_at"), SortKey::down("l.id")],
            ),
            TrackList::Playlist(id) => {
                binds.push(Bind::Int(*id));
                (
                    // The inner join leaves out entries that are not tracks.
                    "playlist_items i JOIN tracks t ON t.id = i.track_id",
                    "i.playlist_id = ? AND i.removed_at IS NULL",
                    "i.added_at",
                    &[SortKey::up("i.position"), SortKey::up("i.id")],
                )
            }
            TrackList::Album(id) => {
                binds.push(Bind::Int(*id));
                (
                    "tracks t",
                    "t.album_id = ?",
                    "NULL",
                    &[
                        SortKey::up("COALESCE(te.disc_number, t.disc_number)"),
                        SortKey::up("COALESCE(te.track_number, t.track_number)"),
                        SortKey::up("t.id"),
                    ],
                )
            }
            TrackList::Artist(id) => {
                binds.push(Bind::Int(*id));
                (
                    "tracks t",
                    "t.id IN (SELECT track_id FROM track_artists WHERE artist_id = ?)",
                    "NULL",
                    &[
                        SortKey::text("COALESCE(te.title, t.title)"),
                        SortKey::up("t.id"),
                    ],
                )
            }
        };
        let mut conditions = vec![condition.to_string()];
        // Every clause is fixed text; what the user gave is bound.
        match &query.filter {
            TrackFilter::All => {}
            TrackFilter::Downloaded => conditions.push("d.state = 'downloaded'".into()),
            TrackFilter::NotDownloaded => conditions.push("d.state IS NOT 'downloaded'".into()),
            TrackFilter::Gone => conditions.push("t.gone_from_spotify_at IS NOT NULL".into()),
            TrackFilter::Only(ids) => {
                conditions.push("t.id IN (SELECT value FROM json_each(?))".into());
                let ids = serde_json::to_string(ids).map_err(|e| DbError::Other(e.to_string()))?;
                binds.push(Bind::Text(ids));
            }
        }
        if query.loved {
            conditions.push("tm.loved = 1".into());
        }
        if let Some(min) = query.min_rating {
            conditions.push("tm.rating >= ?".into());
            binds.push(Bind::Int(min));
        }
        if let Some(tag) = &query.tag {
            conditions.push(
                "t.id IN (SELECT tt.track_id FROM track_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE g.user_id = 1 AND g.name = ? COLLATE NOCASE)"
                    .into(),
            );
            binds.push(Bind::Text(tag.trim().to_string()));
        }
        for patterns in search_patterns(&query.text) {
            conditions.push(word_condition(patterns.len()));
            for _column in ["title", "album", "artist"] {
                binds.extend(patterns.iter().cloned().map(Bind::Text));
            }
        }
        let joins = format!(
            "LEFT JOIN albums al ON al.id = t.album_id LEFT JOIN downloads d ON d.track_id = t.id \
             {PLAYS_JOIN}"
        );
        // Only the artist sort needs the first credit (numbered 0 by `set_credits`).
        let sort_joins = match query.sort {
            TrackSort::Artist => {
                "LEFT JOIN track_artists fa ON fa.track_id = t.id AND fa.position = 0
                 LEFT JOIN artists far ON far.id = fa.artist_id"
            }
            _ => "",
        };
        let conditions = conditions.join(" AND ");
        let keys = sort_keys(list, query.sort, added, natural);
        let order = |table: &str| -> String {
            keys.iter()
                .enumerate()
                .map(|(n, key)| {
                    let collate = if key.text { " COLLATE NOCASE" } else { "" };
                    let ascending = key.ascending != query.descending;
                    let direction = if ascending { "ASC" } else { "DESC" };
                    format!("{table}k{n}{collate} {direction}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let columns: String = keys
            .iter()
            .enumerate()
            .map(|(n, key)| format!(", {} AS k{n}", key.expr))
            .collect();
        // The window is chosen on its sort keys alone; only its rows pay for
        // the whole track row (the artists' JSON above all), and sort again
        // on the same keys.
        let window = format!(
            "SELECT t.id AS track_id, {added} AS added_at{columns}
             FROM {source} {joins} {sort_joins} WHERE {conditions}
             ORDER BY {} LIMIT ? OFFSET ?",
            order("")
        );
        let sql = track_query(
            "w.added_at",
            "",
            &format!(
                "JOIN ({window}) w ON w.track_id = t.id ORDER BY {}",
                order("w.")
            ),
        );
        // A smart list read whole (no search or filter; its one bind is the
        // rule's answer) has as many rows as that answer.
        let count = if smart && conditions == "1" {
            "SELECT COUNT(*) FROM json_each(?)".to_string()
        } else {
            format!("SELECT COUNT(*) FROM {source} {joins} WHERE {conditions}")
        };
        fetch_page(self, &sql, &count, &binds, offset, limit, |r: TrackRow| {
            Track::from(r)
        })
        .await
    }

    /// Every playlist in the vault, those still in the library first, by name.
    pub async fn playlists(&self) -> DbResult<Vec<Playlist>> {
        let rows: Vec<PlaylistRow> = sqlx::query_as(&format!(
            "{PLAYLIST_SELECT} ORDER BY p.removed_at IS NOT NULL, p.name COLLATE NOCASE, p.id"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Playlist::from).collect())
    }

    /// One playlist and a page of its current entries, in order.
    pub async fn playlist(
        &self,
        id: Id,
        offset: i64,
        limit: i64,
    ) -> DbResult<(Playlist, Page<PlaylistItem>)> {
        let (offset, limit) = clamp_page(offset, limit);
        let row: PlaylistRow = sqlx::query_as(&format!("{PLAYLIST_SELECT} WHERE p.id = ?"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        let playlist = Playlist::from(row);
        #[derive(sqlx::FromRow)]
        struct ItemRow {
            position: i64,
            kind: String,
            label: Option<String>,
            track_id: Option<Id>,
            added_at: Option<String>,
        }
        let items: Vec<ItemRow> = sqlx::query_as(
            "SELECT position, kind, label, track_id, added_at FROM playlist_items
             WHERE playlist_id = ? AND removed_at IS NULL ORDER BY position LIMIT ? OFFSET ?",
        )
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        // The page's tracks in one query, then each entry takes its own copy
        // (a track can be in a playlist twice, added at different times).
        let sql = track_query(
            "NULL",
            "",
            "WHERE t.id IN (SELECT track_id FROM playlist_items
             WHERE playlist_id = ? AND removed_at IS NULL ORDER BY position LIMIT ? OFFSET ?)",
        );
        let tracks: HashMap<Id, Track> = sqlx::query_as::<_, TrackRow>(&sql)
            .bind(id)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|row| (row.id, Track::from(row)))
            .collect();
        let out = items
            .into_iter()
            .map(|item| PlaylistItem {
                removed_at: None,
                position: item.position,
                kind: item.kind,
                label: item.label,
                track: item.track_id.and_then(|t| tracks.get(&t)).map(|t| Track {
                    added_at: item.added_at,
                    ..t.clone()
                }),
            })
            .collect();
        let total = playlist.item_count;
        Ok((
            playlist,
            Page {
                items: out,
                total,
                offset,
            },
        ))
    }

    /// One track.
    pub async fn track(&self, id: Id) -> DbResult<Track> {
        let sql = track_query("NULL", "", "WHERE t.id = ?");
        let row: TrackRow = sqlx::query_as(&sql).bind(id).fetch_one(self.pool()).await?;
        Ok(Track::from(row))
    }

    /// One album and its tracks in disc and track order.
    pub async fn album(&self, id: Id) -> DbResult<(Album, Vec<Track>)> {
        let row: AlbumRow = sqlx::query_as(&format!("{ALBUM_SELECT} WHERE al.id = ?"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        let album = Album::from(row);
        let sql = track_query(
            "NULL",
            "",
            &format!(
                "WHERE t.album_id = ? ORDER BY COALESCE(te.disc_number, t.disc_number),
                 COALESCE(te.track_number, t.track_number), t.id LIMIT {MAX_PAGE}"
            ),
        );
        let rows: Vec<TrackRow> = sqlx::query_as(&sql).bind(id).fetch_all(self.pool()).await?;
        Ok((album, rows.into_iter().map(Track::from).collect()))
    }

    /// One artist alone (not their albums and tracks).
    pub async fn artist_only(&self, id: Id) -> DbResult<Artist> {
        Ok(
            sqlx::query_as::<_, (Id, Option<String>, String, Option<String>)>(
                "SELECT id, spotify_id, name, image_url FROM artists WHERE id = ?",
            )
            .bind(id)
            .fetch_one(self.pool())
            .await
            .map(|(id, spotify_id, name, image_url)| Artist {
                id,
                spotify_id,
                name,
                image_url,
            })?,
        )
    }

    /// One artist, the albums they are credited on, and their tracks in the vault.
    pub async fn artist(&self, id: Id) -> DbResult<(Artist, Vec<Album>, Vec<Track>)> {
        let artist = self.artist_only(id).await?;
        let albums: Vec<AlbumRow> = sqlx::query_as(&format!(
            "{ALBUM_SELECT} WHERE al.id IN (SELECT album_id FROM album_artists WHERE artist_id = ?)
             ORDER BY al.release_date DESC, al.name"
        ))
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let albums = albums.into_iter().map(Album::from).collect();
        let sql = track_query(
            "NULL",
            "",
            &format!(
                "WHERE t.id IN (SELECT track_id FROM track_artists WHERE artist_id = ?)
                 ORDER BY t.title COLLATE NOCASE LIMIT {MAX_PAGE}"
            ),
        );
        let rows: Vec<TrackRow> = sqlx::query_as(&sql).bind(id).fetch_all(self.pool()).await?;
        Ok((artist, albums, rows.into_iter().map(Track::from).collect()))
    }

    /// The download queue, most recently changed first; `state` keeps only
    /// jobs in that state (`working` for the three working states).
    pub async fn downloads(
        &self,
        state: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> DbResult<Page<DownloadJob>> {
        #[derive(sqlx::FromRow)]
        struct JobRow {
            #[sqlx(flatten)]
            track: TrackRow,
            reason: Option<String>,
            attempts: i64,
            updated_at: String,
            source: Option<String>,
            chosen: Option<String>,
            url: Option<String>,
            candidates: Option<String>,
            bytes: Option<i64>,
            format: Option<String>,
        }
        // The filter is one of a fixed set of clauses, never the caller's text.
        let filter = match state {
            None => "",
            Some("working") => "AND d.state IN ('searching', 'downloading', 'validating')",
            Some("queued") => "AND d.state = 'queued'",
            Some("downloaded") => "AND d.state = 'downloaded'",
            Some("failed") => "AND d.state = 'failed'",
            Some("skipped") => "AND d.state = 'skipped'",
            Some(other) => {
                return Err(DbError::Invalid(format!("no download state {other:?}")));
            }
        };
        let sql = track_query(
            "d.queued_at",
            ", d.reason, d.attempts, d.updated_at, d.source, d.chosen, d.url, d.candidates,
               d.bytes, d.format",
            &format!(
                "WHERE d.track_id IS NOT NULL {filter}
                 ORDER BY d.updated_at DESC, d.track_id LIMIT ? OFFSET ?"
            ),
        );
        let count = format!("SELECT COUNT(*) FROM downloads d WHERE 1 {filter}");
        let count = count.as_str();
        fetch_page(self, &sql, count, &[], offset, limit, |r: JobRow| {
            DownloadJob {
                state: r.track.download_state.clone().unwrap_or_default(),
                track: Track::from(r.track),
                reason: r.reason,
                attempts: r.attempts,
                updated_at: r.updated_at,
                source: r.source,
                chosen: r.chosen,
                url: r.url,
                candidates: r.candidates,
                bytes: r.bytes,
                format: r.format,
            }
        })
        .await
    }

    /// Listening history, newest first: plays and skips.
    pub async fn history(&self, offset: i64, limit: i64) -> DbResult<Page<Play>> {
        #[derive(sqlx::FromRow)]
        struct PlayRow {
            #[sqlx(flatten)]
            track: TrackRow,
            source: String,
            ms_played: Option<i64>,
            counted: bool,
            device: Option<String>,
        }
        let sql = track_query(
            "strftime('%Y-%m-%dT%H:%M:%fZ', p.ended_ms / 1000.0, 'unixepoch')",
            ", p.source, p.ms_played, p.counted, COALESCE(p.device, p.platform) AS device",
            "JOIN listens p ON p.track_id = t.id WHERE p.user_id = ?
             ORDER BY p.ended_ms DESC, p.id DESC LIMIT ? OFFSET ?",
        );
        let count = "SELECT COUNT(*) FROM listens WHERE user_id = ?";
        fetch_page(
            self,
            &sql,
            count,
            &[Bind::Int(OWNER)],
            offset,
            limit,
            |r: PlayRow| Play {
                played_at: r.track.added_at.clone().unwrap_or_default(),
                track: Track::from(r.track),
                source: r.source,
                ms_played: r.ms_played,
                counted: r.counted,
                device: r.device,
            },
        )
        .await
    }

    /// Counts of what the vault holds.
    pub async fn stats(&self) -> DbResult<Stats> {
        let row: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM tracks),
                    (SELECT COUNT(*) FROM liked_tracks WHERE removed_at IS NULL),
                    (SELECT COUNT(*) FROM playlists WHERE removed_at IS NULL),
                    (SELECT COUNT(*) FROM albums),
                    (SELECT COUNT(*) FROM artists),
                    (SELECT COUNT(*) FROM downloads WHERE state = 'downloaded'),
                    (SELECT COUNT(*) FROM listens WHERE counted = 1)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(Stats {
            tracks: row.0,
            liked: row.1,
            playlists: row.2,
            albums: row.3,
            artists: row.4,
            downloaded: row.5,
            plays: row.6,
        })
    }
}

pub use crate::mirror::MAX_SEARCH_WORDS;

/// One key of a track list's order.
#[derive(Clone, Copy)]
struct SortKey<'a> {
    expr: &'a str,
    /// Compared with ASCII case folded.
    text: bool,
    ascending: bool,
}

impl<'a> SortKey<'a> {
    const fn up(expr: &'a str) -> Self {
        SortKey {
            expr,
            text: false,
            ascending: true,
        }
    }

    const fn down(expr: &'a str) -> Self {
        SortKey {
            expr,
            text: false,
            ascending: false,
        }
    }

    const fn text(expr: &'a str) -> Self {
        SortKey {
            expr,
            text: true,
            ascending: true,
        }
    }
}

/// The keys of `sort`, ending on the list's `natural` order. `Artist` needs
/// the first credit joined as `far`.
fn sort_keys<'a>(
    list: &TrackList,
    sort: TrackSort,
    added: &'a str,
    natural: &[SortKey<'a>],
) -> Vec<SortKey<'a>> {
    const DISC: [SortKey<'static>; 2] = [
        SortKey::up("COALESCE(te.disc_number, t.disc_number)"),
        SortKey::up("COALESCE(te.track_number, t.track_number)"),
    ];
    let mut keys = match sort {
        TrackSort::Natural => vec![],
        TrackSort::Title => vec![SortKey::text("COALESCE(te.title, t.title)")],
        TrackSort::Artist => [
            SortKey::text("far.name"),
            SortKey::text("COALESCE(ae.name, al.name)"),
        ]
        .into_iter()
        .chain(DISC)
        .collect(),
        TrackSort::Album => std::iter::once(SortKey::text("COALESCE(ae.name, al.name)"))
            .chain(DISC)
            .collect(),
        // Liked songs are in added order already, newest first.
        TrackSort::Added if *list == TrackList::Liked => {
            return natural
                .iter()
                .map(|key| SortKey {
                    ascending: !key.ascending,
                    ..*key
                })
                .collect();
        }
        TrackSort::Added if added != "NULL" => vec![SortKey::up(added)],
        TrackSort::Added => vec![],
        TrackSort::Duration => vec![SortKey::up("t.duration_ms")],
        TrackSort::Plays => vec![SortKey::up("COALESCE(tp.plays, 0)")],
        TrackSort::Skips => vec![SortKey::up("COALESCE(tp.skips, 0)")],
        TrackSort::LastPlayed => vec![SortKey::up("COALESCE(tp.last_played_ms, 0)")],
        TrackSort::FirstPlayed => vec![SortKey::up("COALESCE(tp.first_played_ms, 0)")],
        TrackSort::Rating => vec![
            SortKey::up("COALESCE(tm.rating, 0)"),
            SortKey::up("COALESCE(tm.loved, 0)"),
        ],
    };
    keys.extend_from_slice(natural);
    keys
}

/// The `LIKE` patterns of each search word, in every case the word is tried in.
fn search_patterns(text: &str) -> Vec<Vec<String>> {
    crate::mirror::search_words(text)
        .into_iter()
        .map(|cases| {
            cases
                .iter()
                .map(|case| format!("%{}%", escape_like(case)))
                .collect()
        })
        .collect()
}

/// `text` with `LIKE`'s wildcards and its escape character (`\`) escaped.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The condition that one search word, tried in `cases` patterns, occurs in
/// the title, the album's name or an artist's name. Its parameters are the
/// patterns three times over: title, album, artist.
fn word_condition(cases: usize) -> String {
    let any = |column: &str| vec![format!("{column} LIKE ? ESCAPE '\\'"); cases].join(" OR ");
    // The artists are searched once, not once per track: there are far
    // fewer of them, and the tracks they are credited on are looked up by index.
    format!(
        "({} OR {} OR t.id IN (SELECT ta.track_id FROM artists ar
             JOIN track_artists ta ON ta.artist_id = ar.id WHERE {}))",
        any("COALESCE(te.title, t.title)"),
        any("COALESCE(ae.name, al.name)"),
        any("ar.name")
    )
}

pub(super) const ALBUM_SELECT: &str =
    "SELECT al.id, al.spotify_id, COALESCE(ae.name, al.name) AS name,
    al.album_type, COALESCE(ae.date, al.release_date) AS release_date,
    al.total_tracks, al.image_url,
    (SELECT json_group_array(json_object('id', a.id, 'name', a.name)) FROM
        (SELECT ar.id, ar.name FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id
         WHERE aa.album_id = al.id ORDER BY aa.position) a) AS artists
    FROM albums al LEFT JOIN album_edits ae ON ae.album_id = al.id";

#[derive(sqlx::FromRow)]
pub(super) struct AlbumRow {
    id: Id,
    spotify_id: Option<String>,
    name: String,
    album_type: String,
    release_date: Option<String>,
    total_tracks: Option<i64>,
    image_url: Option<String>,
    artists: Option<String>,
}

impl From<AlbumRow> for Album {
    fn from(row: AlbumRow) -> Self {
        Album {
            id: row.id,
            spotify_id: row.spotify_id,
            name: row.name,
            album_type: row.album_type,
            release_date: row.release_date,
            total_tracks: row.total_tracks,
            image_url: row.image_url,
            artists: parse_artists(row.artists.as_deref()),
        }
    }
}

pub(super) const PLAYLIST_SELECT: &str = "SELECT p.id, p.spotify_id, p.name, p.description, p.owner_name,
    p.image_url, p.public, p.collaborative, p.readable, p.removed_at,
    (SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.id AND i.removed_at IS NULL) AS item_count
    FROM playlists p";

#[derive(sqlx::FromRow)]
pub(super) struct PlaylistRow {
    id: Id,
    spotify_id: Option<String>,
    name: String,
    description: Option<String>,
    owner_name: Option<String>,
    image_url: Option<String>,
    public: Option<bool>,
    collaborative: bool,
    readable: bool,
    removed_at: Option<String>,
    item_count: i64,
}

impl From<PlaylistRow> for Playlist {
    fn from(r: PlaylistRow) -> Self {
        Playlist {
            id: r.id,
            spotify_id: r.spotify_id,
            name: r.name,
            description: r.description,
            owner_name: r.owner_name,
            image_url: r.image_url,
            public: r.public,
            collaborative: r.collaborative,
            readable: r.readable,
            item_count: r.item_count,
            removed_at: r.removed_at,
        }
    }
}

/// Albums and artists already written in one batch of writes, by Spotify ID.
#[derive(Debug, Default)]
pub struct WriteCache {
    albums: HashMap<String, Id>,
    artists: HashMap<String, Id>,
}

/// Tracks per multi-row statement (12 parameters each, well under SQLite's limit).
const TRACK_CHUNK: usize = 50;

const TRACK_INSERT: &str = "INSERT INTO tracks (spotify_id, isrc, title, album_id, disc_number,
    track_number, duration_ms, explicit, is_local, is_playable, preview_url, gone_from_spotify_at)";
const TRACK_ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Inserts or updates tracks by Spotify ID; returns (Spotify ID, vault id)
/// pairs in no defined order.
async fn insert_tracks(
    conn: &mut SqliteConnection,
    rows: &[(usize, &NewTrack)],
    album_ids: &[Option<Id>],
    now: &str,
) -> DbResult<Vec<(Option<String>, Id)>> {
    let values = vec![TRACK_ROW; rows.len()].join(", ");
    let sql = format!(
        "{TRACK_INSERT} VALUES {values}
         ON CONFLICT (spotify_id) DO UPDATE SET
             isrc = COALESCE(excluded.isrc, tracks.isrc), title = excluded.title,
             album_id = excluded.album_id, disc_number = excluded.disc_number,
             track_number = excluded.track_number, duration_ms = excluded.duration_ms,
             explicit = excluded.explicit, is_local = excluded.is_local,
             is_playable = excluded.is_playable, preview_url = excluded.preview_url,
             -- Unplayable: keep the first date it was seen so. Playable: Spotify serves it again.
             gone_from_spotify_at = CASE excluded.is_playable
                 WHEN 0 THEN COALESCE(tracks.gone_from_spotify_at, excluded.gone_from_spotify_at)
                 WHEN 1 THEN NULL
                 ELSE tracks.gone_from_spotify_at END,
             -- Spotify's own data has arrived for a track known only by name.
             needs_details = 0
         RETURNING spotify_id, id"
    );
    let mut query = sqlx::query_as::<_, (Option<String>, Id)>(&sql);
    for (i, t) in rows {
        query = query
            .bind(&t.spotify_id)
            .bind(&t.isrc)
            .bind(&t.title)
            .bind(album_ids[*i])
            .bind(t.disc_number)
            .bind(t.track_number)
            .bind(t.duration_ms)
            .bind(t.explicit)
            .bind(t.is_local)
            .bind(t.is_playable)
            .bind(&t.preview_url)
            .bind((t.is_playable == Some(false)).then_some(now));
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// The vault ids of `artists`, writing those the cache does not know.
async fn artist_ids(
    conn: &mut SqliteConnection,
    artists: &[NewArtist],
    cache: &mut WriteCache,
) -> DbResult<Vec<Id>> {
    let mut ids = Vec::with_capacity(artists.len());
    for artist in artists {
        let cached = artist
            .spotify_id
            .as_ref()
            .and_then(|s| cache.artists.get(s));
        let id = match cached {
            Some(id) => *id,
            None => {
                let id = Vault::upsert_artist(conn, artist).await?;
                if let Some(spotify_id) = &artist.spotify_id {
                    cache.artists.insert(spotify_id.clone(), id);
                }
                id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Replaces the ordered credits of albums or tracks: `(owner id, artist ids in order)`.
async fn set_credits(
    conn: &mut SqliteConnection,
    table: &str,
    key: &str,
    credits: &[(Id, &[Id])],
) -> DbResult<()> {
    for chunk in credits.chunks(200) {
        // Only the credits that differ are rewritten: a re-sync writing the
        // same artists changes nothing (and enters nothing in the change feed).
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT {key}, artist_id FROM {table} WHERE {key} IN ({marks}) ORDER BY {key}, position"
        );
        let mut query = sqlx::query_as::<_, (Id, Id)>(&sql);
        for (owner, _) in chunk {
            query = query.bind(*owner);
        }
        let mut now: HashMap<Id, Vec<Id>> = HashMap::new();
        for (owner, artist) in query.fetch_all(&mut *conn).await? {
            now.entry(owner).or_default().push(artist);
        }
        let chunk: Vec<(Id, &[Id])> = chunk
            .iter()
            .copied()
            .filter(|(owner, artists)| now.get(owner).map(Vec::as_slice).unwrap_or(&[]) != *artists)
            .collect();
        if chunk.is_empty() {
            continue;
        }
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!("DELETE FROM {table} WHERE {key} IN ({marks})");
        let mut query = sqlx::query(&sql);
        for (owner, _) in &chunk {
            query = query.bind(*owner);
        }
        query.execute(&mut *conn).await?;
        let rows: Vec<(Id, Id, i64)> = chunk
            .iter()
            .flat_map(|(owner, artists)| {
                artists
                    .iter()
                    .enumerate()
                    .map(move |(position, artist)| (*owner, *artist, position as i64))
            })
            .collect();
        for part in rows.chunks(300) {
            let values = vec!["(?, ?, ?)"; part.len()].join(", ");
            let sql = format!("INSERT INTO {table} ({key}, artist_id, position) VALUES {values}");
            let mut insert = sqlx::query(&sql);
            for (owner, artist, position) in part {
                insert = insert.bind(*owner).bind(*artist).bind(*position);
            }
            insert.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_escaped_and_tried_in_the_cases_sqlite_cannot_fold() {
        assert_eq!(
            search_patterns(" Ágætis  100%_\\ "),
            [
                vec!["%ágætis%", "%Ágætis%", "%ÁGÆTIS%"],
                vec!["%100\\%\\_\\\\%"],
            ]
        );
        assert_eq!(
            search_patterns("björk")[0],
            ["%björk%", "%Björk%", "%BJÖRK%"]
        );
        assert!(search_patterns("  ").is_empty());
        assert_eq!(search_patterns(&"a ".repeat(40)).len(), MAX_SEARCH_WORDS);
    }
}
