//! Metadata edits: the listener's corrections, kept beside Spotify's values
//! (a sync writes Spotify's to `tracks` and `albums` and never touches these),
//! and read back as the values every list shows and every file is tagged with.

use super::{now_text, DbError, DbResult, Vault};
use crate::model::{AlbumEdit, Id, SpotifyValues, TrackDetails, TrackEdit};

impl Vault {
    /// The edits of one track (none: every field as Spotify has it).
    pub async fn track_edit(&self, track: Id) -> DbResult<TrackEdit> {
        #[derive(sqlx::FromRow)]
        struct Row {
            title: Option<String>,
            artists: Option<String>,
            track_number: Option<i64>,
            disc_number: Option<i64>,
            genre: Option<String>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT title, artists, track_number, disc_number, genre FROM track_edits WHERE track_id = ?",
        )
        .bind(track)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .map(|r| TrackEdit {
                title: r.title,
                artists: r.artists.and_then(|a| serde_json::from_str(&a).ok()),
                track_number: r.track_number,
                disc_number: r.disc_number,
                genre: r.genre,
            })
            .unwrap_or_default())
    }

    /// The edits of one album.
    pub async fn album_edit(&self, album: Id) -> DbResult<AlbumEdit> {
        #[derive(sqlx::FromRow)]
        struct Row {
            name: Option<String>,
            album_artist: Option<String>,
            date: Option<String>,
            genre: Option<String>,
            cover_mime: Option<String>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT name, album_artist, date, genre, cover_mime FROM album_edits WHERE album_id = ?",
        )
        .bind(album)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .map(|r| AlbumEdit {
                name: r.name,
                album_artist: r.album_artist,
                date: r.date,
                genre: r.genre,
                cover_mime: r.cover_mime,
            })
            .unwrap_or_default())
    }

    /// Keeps `edit` for `track` (an edit with every field empty removes it).
    pub async fn set_track_edit(&self, user: Id, track: Id, edit: &TrackEdit) -> DbResult<()> {
        self.track(track).await?;
        if *edit == TrackEdit::default() {
            sqlx::query("DELETE FROM track_edits WHERE track_id = ?")
                .bind(track)
                .execute(self.pool())
                .await?;
            return Ok(());
        }
        let artists = edit
            .artists
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DbError::Other(e.to_string()))?;
        sqlx::query(
            "INSERT INTO track_edits (track_id, title, artists, track_number, disc_number, genre, edited_by, edited_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (track_id) DO UPDATE SET title = excluded.title, artists = excluded.artists,
                 track_number = excluded.track_number, disc_number = excluded.disc_number,
                 genre = excluded.genre, edited_by = excluded.edited_by, edited_at = excluded.edited_at",
        )
        .bind(track)
        .bind(&edit.title)
        .bind(artists)
        .bind(edit.track_number)
        .bind(edit.disc_number)
        .bind(&edit.genre)
        .bind(user)
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Keeps `edit` for `album` (every field empty and no cover: removed).
    pub async fn set_album_edit(&self, user: Id, album: Id, edit: &AlbumEdit) -> DbResult<()> {
        let exists: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM albums WHERE id = ?")
            .bind(album)
            .fetch_optional(self.pool())
            .await?;
        if exists.is_none() {
            return Err(DbError::NotFound);
        }
        if *edit == AlbumEdit::default() {
            sqlx::query("DELETE FROM album_edits WHERE album_id = ?")
                .bind(album)
                .execute(self.pool())
                .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO album_edits (album_id, name, album_artist, date, genre, cover_mime, edited_by, edited_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (album_id) DO UPDATE SET name = excluded.name,
                 album_artist = excluded.album_artist, date = excluded.date, genre = excluded.genre,
                 cover_mime = excluded.cover_mime, edited_by = excluded.edited_by,
                 edited_at = excluded.edited_at",
        )
        .bind(album)
        .bind(&edit.name)
        .bind(&edit.album_artist)
        .bind(&edit.date)
        .bind(&edit.genre)
        .bind(&edit.cover_mime)
        .bind(user)
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A track's editor: its row as lists show it, Spotify's own values,
    /// the edits, and its file.
    pub async fn track_details(&self, track: Id) -> DbResult<TrackDetails> {
        let row = self.track(track).await?;
        #[derive(sqlx::FromRow)]
        struct Spotify {
            title: String,
            artists: String,
            album: Option<String>,
            album_artist: Option<String>,
            track_number: Option<i64>,
            disc_number: i64,
            date: Option<String>,
            file_path: Option<String>,
        }
        let spotify: Spotify = sqlx::query_as(
            "SELECT t.title,
                (SELECT json_group_array(name) FROM (SELECT ar.name FROM track_artists ta
                   JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id ORDER BY ta.position)) AS artists,
                al.name AS album,
                (SELECT group_concat(name, '; ') FROM (SELECT ar.name FROM album_artists aa
                   JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = t.album_id ORDER BY aa.position)) AS album_artist,
                t.track_number, t.disc_number, al.release_date AS date,
                CASE WHEN d.state = 'downloaded' THEN d.file_path END AS file_path
             FROM tracks t LEFT JOIN albums al ON al.id = t.album_id LEFT JOIN downloads d ON d.track_id = t.id
             WHERE t.id = ?",
        )
        .bind(track)
        .fetch_one(self.pool())
        .await?;
        let edit = self.track_edit(track).await?;
        let album_edit = match row.album_id {
            Some(album) => self.album_edit(album).await?,
            None => AlbumEdit::default(),
        };
        Ok(TrackDetails {
            track: row,
            spotify: SpotifyValues {
                title: spotify.title,
                artists: serde_json::from_str(&spotify.artists).unwrap_or_default(),
                album: spotify.album,
                album_artist: spotify.album_artist,
                track_number: spotify.track_number,
                disc_number: spotify.disc_number,
                date: spotify.date,
            },
            edit,
            album_edit,
            file_path: spotify.file_path,
        })
    }

    /// The downloaded tracks of an album: (track id, file relative to the library).
    pub async fn album_files(&self, album: Id) -> DbResult<Vec<(Id, String)>> {
        Ok(sqlx::query_as(
            "SELECT t.id, d.file_path FROM tracks t JOIN downloads d ON d.track_id = t.id
             WHERE t.album_id = ? AND d.state = 'downloaded' AND d.file_path IS NOT NULL ORDER BY t.id",
        )
        .bind(album)
        .fetch_all(self.pool())
        .await?)
    }

    /// Spotify's name, album artists (joined with "; ") and date of an album.
    pub async fn album_spotify_values(
        &self,
        album: Id,
    ) -> DbResult<(String, Option<String>, Option<String>)> {
        Ok(sqlx::query_as(
            "SELECT al.name, (SELECT group_concat(name, '; ') FROM (SELECT ar.name FROM album_artists aa
                JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = al.id ORDER BY aa.position)),
                al.release_date FROM albums al WHERE al.id = ?",
        )
        .bind(album)
        .fetch_one(self.pool())
        .await?)
    }

    /// Other albums credited to an artist of `album`, by name: (id, name).
    pub async fn albums_sharing_artists(&self, album: Id) -> DbResult<Vec<(Id, String)>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT al.id, al.name FROM albums al JOIN album_artists aa ON aa.album_id = al.id
             WHERE al.id <> ? AND aa.artist_id IN (SELECT artist_id FROM album_artists WHERE album_id = ?)
             ORDER BY al.name COLLATE NOCASE LIMIT 200",
        )
        .bind(album)
        .bind(album)
        .fetch_all(self.pool())
        .await?)
    }
}
