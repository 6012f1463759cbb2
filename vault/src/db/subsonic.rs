//! What the OpenSubsonic API (`server/src/subsonic`) reads and writes.
//!
//! Subsonic apps play files, so they see the vault's *playable* part: tracks
//! with a downloaded file, the albums those tracks are on and those albums'
//! artists. Titles, artists, album names, dates and genres are the edited
//! ones where the listener edited them. Everything a listener owns (stars,
//! which are Hoard's loved marks, ratings, plays, their own playlists, the
//! play queue, API keys) is read and written for one user id.

use super::{now_text, DbError, DbResult, Vault};
use crate::model::{Id, OWNER};

/// A playable track as Subsonic shows a song.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SongRow {
    pub id: Id,
    pub title: String,
    pub album_id: Option<Id>,
    pub album: Option<String>,
    pub artist: Option<String>,
    pub artist_id: Option<Id>,
    pub track_number: Option<i64>,
    pub disc_number: i64,
    pub duration_ms: i64,
    pub year: Option<i64>,
    pub genre: Option<String>,
    pub file_path: String,
    pub format: Option<String>,
    pub bytes: Option<i64>,
    pub created: String,
    pub starred: Option<String>,
    pub rating: Option<i64>,
    pub plays: Option<i64>,
    pub last_played_ms: Option<i64>,
    pub isrc: Option<String>,
    pub explicit: bool,
}

/// An album with at least one playable track.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AlbumRow {
    pub id: Id,
    pub name: String,
    pub artist: Option<String>,
    pub artist_id: Option<Id>,
    pub songs: i64,
    pub duration_ms: i64,
    pub created: String,
    pub year: Option<i64>,
    pub genre: Option<String>,
    pub starred: Option<String>,
    pub rating: Option<i64>,
    pub plays: Option<i64>,
    pub last_played_ms: Option<i64>,
    pub album_type: String,
}

/// An artist credited on an album with a playable track.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ArtistRow {
    pub id: Id,
    pub name: String,
    pub albums: i64,
    pub starred: Option<String>,
    pub rating: Option<i64>,
}

/// A playlist a listener sees: Spotify's (read-only) and their own.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlaylistRow {
    pub id: Id,
    pub name: String,
    pub comment: Option<String>,
    pub public: bool,
    /// True for a playlist mirrored from Spotify, which Hoard never changes.
    pub readonly: bool,
    pub songs: i64,
    pub duration_ms: i64,
    pub created: String,
    pub changed: String,
}

/// An API key as Settings lists it (the key itself is never kept).
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct SubsonicKey {
    pub id: Id,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub last_client: Option<String>,
}

/// A saved play queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlayQueue {
    pub track_ids: Vec<Id>,
    pub current: Option<Id>,
    pub position_ms: i64,
    pub changed_at: String,
    pub changed_by: String,
}

/// A key's row: key id, user id, user name, last use and app.
type KeyUse = (Id, Id, String, Option<String>, Option<String>);

/// `getAlbumList2`'s list types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlbumList {
    Random,
    Newest,
    Highest,
    Frequent,
    Recent,
    ByName,
    ByArtist,
    Starred,
    /// From one year to another; later first when `from` > `to`.
    ByYear {
        from: i64,
        to: i64,
    },
    ByGenre(String),
}

/// Which playlists a user may see: their own, and (while Hoard has one
/// Spotify connection, the owner's) the playlists mirrored from Spotify.
const VISIBLE_PLAYLIST: &str =
    "(p.user_id = ?1 OR (p.user_id IS NULL AND ?1 = 1)) AND p.removed_at IS NULL";

/// Tracks that have a file.
const PLAYABLE: &str =
    "JOIN downloads d ON d.track_id = t.id AND d.state = 'downloaded' AND d.file_path IS NOT NULL";

/// A song's columns; `?1` is the user.
fn song_select() -> String {
    format!(
        "SELECT t.id, COALESCE(te.title, t.title) AS title, t.album_id,
            COALESCE(ae.name, al.name) AS album,
            COALESCE(
                (SELECT group_concat(j.value, ', ') FROM json_each(te.artists) j),
                (SELECT group_concat(x.name, ', ') FROM
                    (SELECT ar.name FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
                     WHERE ta.track_id = t.id ORDER BY ta.position) x)) AS artist,
            (SELECT ta.artist_id FROM track_artists ta WHERE ta.track_id = t.id
             ORDER BY ta.position LIMIT 1) AS artist_id,
            COALESCE(te.track_number, t.track_number) AS track_number,
            COALESCE(te.disc_number, t.disc_number) AS disc_number,
            t.duration_ms,
            CAST(substr(COALESCE(ae.date, al.release_date), 1, 4) AS INTEGER) AS year,
            COALESCE(te.genre, ae.genre) AS genre,
            d.file_path, d.format, d.bytes, t.first_seen_at AS created,
            CASE WHEN m.loved THEN m.loved_at END AS starred, m.rating,
            p.plays, p.last_played_ms, t.isrc, t.explicit
         FROM tracks t {PLAYABLE}
         LEFT JOIN albums al ON al.id = t.album_id
         LEFT JOIN track_edits te ON te.track_id = t.id
         LEFT JOIN album_edits ae ON ae.album_id = t.album_id
         LEFT JOIN track_marks m ON m.user_id = ?1 AND m.track_id = t.id
         LEFT JOIN track_plays p ON p.user_id = ?1 AND p.track_id = t.id"
    )
}

/// An album's columns over its playable tracks; `?1` is the user.
fn album_select() -> String {
    format!(
        "SELECT al.id, COALESCE(ae.name, al.name) AS name,
            COALESCE(ae.album_artist, (SELECT group_concat(x.name, ', ') FROM
                (SELECT ar.name FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id
                 WHERE aa.album_id = al.id ORDER BY aa.position) x)) AS artist,
            (SELECT aa.artist_id FROM album_artists aa WHERE aa.album_id = al.id
             ORDER BY aa.position LIMIT 1) AS artist_id,
            s.songs, s.duration_ms, al.first_seen_at AS created,
            CAST(substr(COALESCE(ae.date, al.release_date), 1, 4) AS INTEGER) AS year,
            ae.genre AS genre,
            CASE WHEN m.loved THEN m.loved_at END AS starred, m.rating,
            s.plays, s.last_played_ms, al.album_type
         FROM (SELECT t.album_id, count(*) AS songs, sum(t.duration_ms) AS duration_ms,
                      sum(p.plays) AS plays, max(p.last_played_ms) AS last_played_ms
               FROM tracks t {PLAYABLE}
               LEFT JOIN track_plays p ON p.user_id = ?1 AND p.track_id = t.id
               WHERE t.album_id IS NOT NULL
               GROUP BY t.album_id) s
         JOIN albums al ON al.id = s.album_id
         LEFT JOIN album_edits ae ON ae.album_id = al.id
         LEFT JOIN album_marks m ON m.user_id = ?1 AND m.album_id = al.id"
    )
}

/// An artist's columns; `?1` is the user.
fn artist_select() -> String {
    format!(
        "SELECT ar.id, ar.name, count(DISTINCT aa.album_id) AS albums,
            CASE WHEN m.loved THEN m.loved_at END AS starred, m.rating
         FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id
         LEFT JOIN artist_marks m ON m.user_id = ?1 AND m.artist_id = ar.id
         WHERE aa.album_id IN (SELECT t.album_id FROM tracks t {PLAYABLE})"
    )
}

fn playlist_select() -> String {
    format!(
        "SELECT p.id, p.name, p.description AS comment, COALESCE(p.public, 0) AS public,
            p.spotify_id IS NOT NULL AS readonly,
            count(t.id) AS songs, COALESCE(sum(t.duration_ms), 0) AS duration_ms,
            p.first_seen_at AS created,
            COALESCE((SELECT max(max(x.first_seen_at), COALESCE(max(x.removed_at), ''))
                      FROM playlist_items x WHERE x.playlist_id = p.id), p.first_seen_at) AS changed
         FROM playlists p
         LEFT JOIN playlist_items i ON i.playlist_id = p.id AND i.removed_at IS NULL
         LEFT JOIN (SELECT t.id, t.duration_ms FROM tracks t {PLAYABLE}) t ON t.id = i.track_id
         WHERE {VISIBLE_PLAYLIST}"
    )
}

/// `words` as SQL LIKE patterns, each of which must match.
fn like(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Vault {
    /// Playable songs by id, in the order asked (unknown or unplayable ids
    /// are left out).
    pub async fn subsonic_songs(&self, user: Id, ids: &[Id]) -> DbResult<Vec<SongRow>> {
        self.in_order(&song_select(), user, ids).await
    }

    /// The rows of `select` (whose `?1` is the user) with these ids, in
    /// the order of `ids`.
    async fn in_order<T>(&self, select: &str, user: Id, ids: &[Id]) -> DbResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let ids = serde_json::to_string(ids).map_err(|e| DbError::Other(e.to_string()))?;
        let sql = format!(
            "SELECT x.* FROM json_each(?2) j JOIN ({select}) x ON x.id = j.value ORDER BY j.key"
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .bind(ids)
            .fetch_all(self.pool())
            .await?)
    }

    /// An album's playable songs, by disc and number.
    pub async fn subsonic_album_songs(&self, user: Id, album: Id) -> DbResult<Vec<SongRow>> {
        let sql = format!(
            "{} WHERE t.album_id = ?2 ORDER BY disc_number, track_number, t.id",
            song_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .bind(album)
            .fetch_all(self.pool())
            .await?)
    }

    /// Songs whose title, artist or album holds every word (all songs for
    /// no words), by id, paged.
    pub async fn subsonic_search_songs(
        &self,
        user: Id,
        words: &[String],
        offset: i64,
        limit: i64,
    ) -> DbResult<Vec<SongRow>> {
        self.matching(
            format!("SELECT * FROM ({}) s WHERE 1", song_select()),
            &["s.title", "s.artist", "s.album"],
            "ORDER BY s.id",
            (user, words, offset, limit),
        )
        .await
    }

    /// The rows of `base` (a query whose `?1` is the user, ending in a
    /// WHERE clause) where every word is in one of `columns`, then `tail`
    /// (the order), paged.
    async fn matching<T>(
        &self,
        base: String,
        columns: &[&str],
        tail: &str,
        (user, words, offset, limit): (Id, &[String], i64, i64),
    ) -> DbResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let mut text = base;
        for n in 0..words.len() {
            let p = n + 2;
            let any: Vec<String> = columns
                .iter()
                .map(|c| format!("{c} LIKE ?{p} ESCAPE '\\'"))
                .collect();
            text.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
        let next = words.len() + 2;
        text.push_str(&format!(" {tail} LIMIT ?{next} OFFSET ?{}", next + 1));
        let mut query = sqlx::query_as::<_, T>(&text).bind(user);
        for word in words {
            query = query.bind(like(word));
        }
        Ok(query
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?)
    }

    /// Up to `size` playable songs at random, of a genre and years if asked.
    pub async fn subsonic_random_songs(
        &self,
        user: Id,
        size: i64,
        genre: Option<&str>,
        from_year: Option<i64>,
        to_year: Option<i64>,
    ) -> DbResult<Vec<SongRow>> {
        let sql = format!(
            "SELECT * FROM ({}) s
             WHERE (?2 IS NULL OR s.genre = ?2 COLLATE NOCASE)
               AND (?3 IS NULL OR s.year >= ?3) AND (?4 IS NULL OR s.year <= ?4)
             ORDER BY random() LIMIT ?5",
            song_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .bind(genre)
            .bind(from_year)
            .bind(to_year)
            .bind(size)
            .fetch_all(self.pool())
            .await?)
    }

    /// A page of the playable songs of a genre (as edited), by album and number.
    pub async fn subsonic_genre_songs(
        &self,
        user: Id,
        genre: &str,
        offset: i64,
        count: i64,
    ) -> DbResult<Vec<SongRow>> {
        let sql = format!(
            "SELECT * FROM ({}) s WHERE s.genre = ?2 COLLATE NOCASE
             ORDER BY s.album COLLATE NOCASE, s.disc_number, s.track_number, s.id LIMIT ?3 OFFSET ?4",
            song_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .bind(genre)
            .bind(count)
            .bind(offset)
            .fetch_all(self.pool())
            .await?)
    }

    /// The user's most played playable songs credited to an artist of this
    /// name, then the rest of that artist's songs.
    pub async fn subsonic_top_songs(
        &self,
        user: Id,
        artist: &str,
        count: i64,
    ) -> DbResult<Vec<SongRow>> {
        let sql = format!(
            "{} WHERE t.id IN (SELECT ta.track_id FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
                               WHERE ar.name = ?2 COLLATE NOCASE)
             ORDER BY COALESCE(p.plays, 0) DESC, t.id LIMIT ?3",
            song_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .bind(artist)
            .bind(count)
            .fetch_all(self.pool())
            .await?)
    }

    /// The playable songs the user loved, last loved first.
    pub async fn subsonic_starred_songs(&self, user: Id) -> DbResult<Vec<SongRow>> {
        let sql = format!(
            "{} WHERE m.loved ORDER BY m.loved_at DESC, t.id",
            song_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .fetch_all(self.pool())
            .await?)
    }

    /// A page of albums in `list`'s order.
    pub async fn subsonic_album_list(
        &self,
        user: Id,
        list: &AlbumList,
        offset: i64,
        size: i64,
    ) -> DbResult<Vec<AlbumRow>> {
        let (filter, order) = match list {
            AlbumList::Random => ("1", "random()"),
            AlbumList::Newest => ("1", "a.created DESC, a.id DESC"),
            AlbumList::Highest => (
                "a.rating IS NOT NULL",
                "a.rating DESC, a.name COLLATE NOCASE",
            ),
            AlbumList::Frequent => ("a.plays > 0", "a.plays DESC, a.id"),
            AlbumList::Recent => (
                "a.last_played_ms IS NOT NULL",
                "a.last_played_ms DESC, a.id",
            ),
            AlbumList::ByName => ("1", "a.name COLLATE NOCASE, a.id"),
            AlbumList::ByArtist => (
                "1",
                "a.artist COLLATE NOCASE, a.year, a.name COLLATE NOCASE, a.id",
            ),
            AlbumList::Starred => ("a.starred IS NOT NULL", "a.starred DESC, a.id"),
            AlbumList::ByYear { from, to } if from > to => (
                "a.year BETWEEN ?3 AND ?2",
                "a.year DESC, a.name COLLATE NOCASE, a.id",
            ),
            AlbumList::ByYear { .. } => (
                "a.year BETWEEN ?2 AND ?3",
                "a.year, a.name COLLATE NOCASE, a.id",
            ),
            AlbumList::ByGenre(_) => ("a.genre = ?2 COLLATE NOCASE", "a.name COLLATE NOCASE, a.id"),
        };
        let sql = format!(
            "SELECT * FROM ({}) a WHERE {filter} ORDER BY {order} LIMIT ?4 OFFSET ?5",
            album_select()
        );
        let query = sqlx::query_as(&sql).bind(user);
        let query = match list {
            AlbumList::ByYear { from, to } => query.bind(*from).bind(*to),
            AlbumList::ByGenre(genre) => query.bind(genre.clone()).bind(None::<i64>),
            _ => query.bind(None::<i64>).bind(None::<i64>),
        };
        Ok(query.bind(size).bind(offset).fetch_all(self.pool()).await?)
    }

    /// Albums by id, in the order asked (unknown or unplayable ones left out).
    pub async fn subsonic_albums(&self, user: Id, ids: &[Id]) -> DbResult<Vec<AlbumRow>> {
        self.in_order(&album_select(), user, ids).await
    }

    /// An artist's albums (those the artist is an album artist of), oldest first.
    pub async fn subsonic_artist_albums(&self, user: Id, artist: Id) -> DbResult<Vec<AlbumRow>> {
        let sql = format!(
            "SELECT * FROM ({}) a
             WHERE a.id IN (SELECT album_id FROM album_artists WHERE artist_id = ?2)
             ORDER BY a.year, a.name COLLATE NOCASE, a.id",
            album_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .bind(artist)
            .fetch_all(self.pool())
            .await?)
    }

    /// Albums whose name or artist holds every word (all albums for no
    /// words), by id, paged.
    pub async fn subsonic_search_albums(
        &self,
        user: Id,
        words: &[String],
        offset: i64,
        limit: i64,
    ) -> DbResult<Vec<AlbumRow>> {
        self.matching(
            format!("SELECT * FROM ({}) a WHERE 1", album_select()),
            &["a.name", "a.artist"],
            "ORDER BY a.id",
            (user, words, offset, limit),
        )
        .await
    }

    /// Artists (album artists of playable albums) whose name holds every
    /// word, by name, paged. No words: all of them.
    pub async fn subsonic_artists(
        &self,
        user: Id,
        words: &[String],
        offset: i64,
        limit: i64,
    ) -> DbResult<Vec<ArtistRow>> {
        self.matching(
            artist_select(),
            &["ar.name"],
            "GROUP BY ar.id ORDER BY ar.name COLLATE NOCASE, ar.id",
            (user, words, offset, limit),
        )
        .await
    }

    /// One artist credited on a playable album or song (a song's other
    /// artists too, whose album count may be 0).
    pub async fn subsonic_artist(&self, user: Id, artist: Id) -> DbResult<ArtistRow> {
        let sql = format!(
            "SELECT ar.id, ar.name,
                (SELECT count(DISTINCT aa.album_id) FROM album_artists aa
                 WHERE aa.artist_id = ar.id
                   AND aa.album_id IN (SELECT t.album_id FROM tracks t {PLAYABLE})) AS albums,
                CASE WHEN m.loved THEN m.loved_at END AS starred, m.rating
             FROM artists ar
             LEFT JOIN artist_marks m ON m.user_id = ?1 AND m.artist_id = ar.id
             WHERE ar.id = ?2 AND (
                EXISTS (SELECT 1 FROM album_artists aa WHERE aa.artist_id = ar.id
                        AND aa.album_id IN (SELECT t.album_id FROM tracks t {PLAYABLE}))
                OR EXISTS (SELECT 1 FROM track_artists ta JOIN tracks t ON t.id = ta.track_id {PLAYABLE}
                           WHERE ta.artist_id = ar.id))"
        );
        sqlx::query_as(&sql)
            .bind(user)
            .bind(artist)
            .fetch_optional(self.pool())
            .await?
            .ok_or(DbError::NotFound)
    }

    /// The loved artists and albums among the playable ones, last loved first.
    pub async fn subsonic_starred(&self, user: Id) -> DbResult<(Vec<ArtistRow>, Vec<AlbumRow>)> {
        let artists = format!(
            "{} AND m.loved GROUP BY ar.id ORDER BY m.loved_at DESC, ar.id",
            artist_select()
        );
        let albums = format!(
            "SELECT * FROM ({}) a WHERE a.starred IS NOT NULL ORDER BY a.starred DESC, a.id",
            album_select()
        );
        Ok((
            sqlx::query_as(&artists)
                .bind(user)
                .fetch_all(self.pool())
                .await?,
            sqlx::query_as(&albums)
                .bind(user)
                .fetch_all(self.pool())
                .await?,
        ))
    }

    /// Genres of playable songs, with their song and album counts.
    pub async fn subsonic_genres(&self) -> DbResult<Vec<(String, i64, i64)>> {
        Ok(sqlx::query_as(&format!(
            "SELECT COALESCE(te.genre, ae.genre) AS genre, count(*), count(DISTINCT t.album_id)
             FROM tracks t {PLAYABLE}
             LEFT JOIN track_edits te ON te.track_id = t.id
             LEFT JOIN album_edits ae ON ae.album_id = t.album_id
             WHERE COALESCE(te.genre, ae.genre) IS NOT NULL
             GROUP BY 1 ORDER BY 1 COLLATE NOCASE"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// When the playable library last changed (a file was added), in ms
    /// since the epoch; 0 for an empty one.
    pub async fn subsonic_changed_ms(&self) -> DbResult<i64> {
        let (at,): (Option<String>,) =
            sqlx::query_as("SELECT max(updated_at) FROM downloads WHERE state = 'downloaded'")
                .fetch_one(self.pool())
                .await?;
        Ok(at.and_then(|at| crate::rfc3339_ms(&at)).unwrap_or(0))
    }

    /// How many songs are playable.
    pub async fn subsonic_song_count(&self) -> DbResult<i64> {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM tracks t {PLAYABLE}"))
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }

    /// The playlists the user sees, by name.
    pub async fn subsonic_playlists(&self, user: Id) -> DbResult<Vec<PlaylistRow>> {
        let sql = format!(
            "{} GROUP BY p.id ORDER BY p.name COLLATE NOCASE, p.id",
            playlist_select()
        );
        Ok(sqlx::query_as(&sql)
            .bind(user)
            .fetch_all(self.pool())
            .await?)
    }

    /// One playlist the user sees, and its playable entries in order as
    /// (item id, track id). Another user's playlist is "not found".
    pub async fn subsonic_playlist(
        &self,
        user: Id,
        playlist: Id,
    ) -> DbResult<(PlaylistRow, Vec<(Id, Id)>)> {
        let sql = format!("{} AND p.id = ?2 GROUP BY p.id", playlist_select());
        let row: PlaylistRow = sqlx::query_as(&sql)
            .bind(user)
            .bind(playlist)
            .fetch_optional(self.pool())
            .await?
            .ok_or(DbError::NotFound)?;
        let entries = sqlx::query_as(&format!(
            "SELECT i.id, i.track_id FROM playlist_items i
             JOIN tracks t ON t.id = i.track_id {PLAYABLE}
             WHERE i.playlist_id = ? AND i.removed_at IS NULL
             ORDER BY i.position, i.id"
        ))
        .bind(playlist)
        .fetch_all(self.pool())
        .await?;
        Ok((row, entries))
    }

    /// A new playlist of the user's own holding `tracks` in order.
    pub async fn subsonic_create_playlist(
        &self,
        user: Id,
        name: &str,
        tracks: &[Id],
    ) -> DbResult<Id> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DbError::Invalid("A playlist needs a name.".into()));
        }
        let mut tx = self.begin().await?;
        let (id,): (Id,) = sqlx::query_as(
            "INSERT INTO playlists (name, owner_name, user_id, source, public, collaborative)
             VALUES (?, (SELECT name FROM users WHERE id = ?2), ?2, 'subsonic', 0, 0) RETURNING id",
        )
        .bind(name)
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        append_items(&mut tx, id, tracks).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a playlist of the user's own: its name, comment, public
    /// mark; entries removed (by item id) and tracks appended. Spotify's
    /// playlists are refused, and so is another user's ("not found").
    #[allow(clippy::too_many_arguments)]
    pub async fn subsonic_update_playlist(
        &self,
        user: Id,
        playlist: Id,
        name: Option<&str>,
        comment: Option<&str>,
        public: Option<bool>,
        remove_items: &[Id],
        add_tracks: &[Id],
        replace: bool,
    ) -> DbResult<()> {
        let mut tx = self.begin().await?;
        own_playlist(&mut tx, user, playlist).await?;
        if let Some(name) = name {
            if name.trim().is_empty() {
                return Err(DbError::Invalid("A playlist needs a name.".into()));
            }
        }
        sqlx::query(
            "UPDATE playlists SET name = COALESCE(?2, name), description = COALESCE(?3, description),
                public = COALESCE(?4, public) WHERE id = ?1",
        )
        .bind(playlist)
        .bind(name.map(str::trim))
        .bind(comment)
        .bind(public)
        .execute(&mut *tx)
        .await?;
        let now = now_text();
        if replace {
            sqlx::query("UPDATE playlist_items SET removed_at = ? WHERE playlist_id = ? AND removed_at IS NULL")
                .bind(&now)
                .bind(playlist)
                .execute(&mut *tx)
                .await?;
        }
        for item in remove_items {
            sqlx::query("UPDATE playlist_items SET removed_at = ? WHERE id = ? AND playlist_id = ? AND removed_at IS NULL")
                .bind(&now)
                .bind(item)
                .bind(playlist)
                .execute(&mut *tx)
                .await?;
        }
        append_items(&mut tx, playlist, add_tracks).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a playlist of the user's own from their lists. Like
    /// everything in the vault it is kept, marked removed.
    pub async fn subsonic_delete_playlist(&self, user: Id, playlist: Id) -> DbResult<()> {
        let mut tx = self.begin().await?;
        own_playlist(&mut tx, user, playlist).await?;
        sqlx::query("UPDATE playlists SET removed_at = ? WHERE id = ?")
            .bind(now_text())
            .bind(playlist)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's saved play queue, if any.
    pub async fn play_queue(&self, user: Id) -> DbResult<Option<PlayQueue>> {
        let row: Option<(String, Option<Id>, i64, String, String)> = sqlx::query_as(
            "SELECT track_ids, current, position_ms, changed_at, changed_by FROM play_queues WHERE user_id = ?",
        )
        .bind(user)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            None => None,
            Some((ids, current, position_ms, changed_at, changed_by)) => Some(PlayQueue {
                track_ids: serde_json::from_str(&ids).map_err(|e| DbError::Other(e.to_string()))?,
                current,
                position_ms,
                changed_at,
                changed_by,
            }),
        })
    }

    /// Saves the user's play queue; an empty one clears it. Tracks the
    /// vault does not have are refused.
    pub async fn save_play_queue(
        &self,
        user: Id,
        track_ids: &[Id],
        current: Option<Id>,
        position_ms: i64,
        client: &str,
    ) -> DbResult<()> {
        if track_ids.is_empty() {
            sqlx::query("DELETE FROM play_queues WHERE user_id = ?")
                .bind(user)
                .execute(self.pool())
                .await?;
            return Ok(());
        }
        if position_ms < 0 {
            return Err(DbError::Invalid("A position cannot be negative.".into()));
        }
        let ids = serde_json::to_string(track_ids).map_err(|e| DbError::Other(e.to_string()))?;
        let (known,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM (SELECT DISTINCT j.value FROM json_each(?) j JOIN tracks t ON t.id = j.value)",
        )
        .bind(&ids)
        .fetch_one(self.pool())
        .await?;
        let distinct: std::collections::HashSet<&Id> = track_ids.iter().collect();
        if known as usize != distinct.len() {
            return Err(DbError::NotFound);
        }
        if let Some(current) = current {
            if !track_ids.contains(&current) {
                return Err(DbError::Invalid(
                    "The current track must be in the queue.".into(),
                ));
            }
        }
        sqlx::query(
            "INSERT INTO play_queues (user_id, track_ids, current, position_ms, changed_at, changed_by)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id) DO UPDATE SET track_ids = excluded.track_ids,
                current = excluded.current, position_ms = excluded.position_ms,
                changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        )
        .bind(user)
        .bind(ids)
        .bind(current)
        .bind(position_ms)
        .bind(now_text())
        .bind(client)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A new API key for `user` named for the app it is for, returned this
    /// once: the vault keeps only its SHA-256.
    pub async fn create_subsonic_key(&self, user: Id, name: &str) -> DbResult<String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DbError::Invalid(
                "An API key needs a name of 1 to 100 characters (the app it is for).".into(),
            ));
        }
        let key = super::widget::new_token()?;
        sqlx::query("INSERT INTO subsonic_keys (user_id, name, key_hash) VALUES (?, ?, ?)")
            .bind(user)
            .bind(name)
            .bind(super::widget::token_hash(&key))
            .execute(self.pool())
            .await?;
        Ok(key)
    }

    /// The user's API keys, newest first.
    pub async fn subsonic_keys(&self, user: Id) -> DbResult<Vec<SubsonicKey>> {
        Ok(sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, last_client FROM subsonic_keys
             WHERE user_id = ? ORDER BY id DESC",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }

    /// Revokes one of the user's keys (another user's is "not found").
    pub async fn revoke_subsonic_key(&self, user: Id, id: Id) -> DbResult<()> {
        let done = sqlx::query("DELETE FROM subsonic_keys WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    /// The user (id, name) an API key belongs to, noting its use by
    /// `client`. The note is written at most once a minute per key (and when
    /// the app changes), so reading through the API does not write to the
    /// vault on every request.
    pub async fn subsonic_key_user(
        &self,
        key: &str,
        client: &str,
    ) -> DbResult<Option<(Id, String)>> {
        let hash = super::widget::token_hash(key);
        let row: Option<KeyUse> = sqlx::query_as(
            "SELECT k.id, k.user_id, u.name, k.last_used_at, k.last_client
             FROM subsonic_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
        )
        .bind(&hash)
        .fetch_optional(self.pool())
        .await?;
        let Some((key_id, user, name, last_used, last_client)) = row else {
            return Ok(None);
        };
        let stale = last_used
            .as_deref()
            .and_then(crate::rfc3339_ms)
            .is_none_or(|at| super::now_ms() - at > 60_000);
        if stale || last_client.as_deref() != Some(client) {
            sqlx::query("UPDATE subsonic_keys SET last_used_at = ?, last_client = ? WHERE id = ?")
                .bind(now_text())
                .bind(client)
                .bind(key_id)
                .execute(self.pool())
                .await?;
        }
        Ok(Some((user, name)))
    }

    /// A user by name: id and sealed Subsonic password, if one is set.
    pub async fn subsonic_user(&self, name: &str) -> DbResult<Option<(Id, Option<Vec<u8>>)>> {
        Ok(
            sqlx::query_as("SELECT id, subsonic_password FROM users WHERE name = ?")
                .bind(name)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// The user's name and whether they have a Subsonic password.
    pub async fn subsonic_account(&self, user: Id) -> DbResult<(String, bool)> {
        sqlx::query_as("SELECT name, subsonic_password IS NOT NULL FROM users WHERE id = ?")
            .bind(user)
            .fetch_optional(self.pool())
            .await?
            .ok_or(DbError::NotFound)
    }

    /// Sets (sealed) or clears the user's Subsonic password.
    pub async fn set_subsonic_password(&self, user: Id, sealed: Option<&[u8]>) -> DbResult<()> {
        let done = sqlx::query("UPDATE users SET subsonic_password = ? WHERE id = ?")
            .bind(sealed)
            .bind(user)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }
}

/// Refuses a playlist that is not the user's own: Spotify's are read-only
/// (`Invalid`), another user's or a missing one are `NotFound`.
async fn own_playlist(conn: &mut sqlx::SqliteConnection, user: Id, playlist: Id) -> DbResult<()> {
    let row: Option<(Option<Id>, Option<String>)> = sqlx::query_as(
        "SELECT user_id, spotify_id FROM playlists WHERE id = ? AND removed_at IS NULL",
    )
    .bind(playlist)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some((Some(owner), _)) if owner == user => Ok(()),
        Some((None, Some(_))) if user == OWNER => Err(DbError::Invalid(
            "This playlist is Spotify's: Hoard keeps it as Spotify has it and never changes it. \
             Copy it to a playlist of your own to change it."
                .into(),
        )),
        _ => Err(DbError::NotFound),
    }
}

/// Appends tracks to a playlist after its last entry.
async fn append_items(
    conn: &mut sqlx::SqliteConnection,
    playlist: Id,
    tracks: &[Id],
) -> DbResult<()> {
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(max(position) + 1, 0) FROM playlist_items WHERE playlist_id = ?",
    )
    .bind(playlist)
    .fetch_one(&mut *conn)
    .await?;
    for (n, track) in tracks.iter().enumerate() {
        let known: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM tracks WHERE id = ?")
            .bind(track)
            .fetch_optional(&mut *conn)
            .await?;
        if known.is_none() {
            return Err(DbError::NotFound);
        }
        sqlx::query(
            "INSERT INTO playlist_items (playlist_id, position, track_id, kind, added_at)
             VALUES (?, ?, ?, 'track', ?)",
        )
        .bind(playlist)
        .bind(next + n as i64)
        .bind(track)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
