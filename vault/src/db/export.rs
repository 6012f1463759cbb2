//! A list's tracks for export (CSV and JSON): Exportify's columns, so a
//! file made by Hoard reads where an Exportify file does, and Hoard's own
//! after them.

use std::collections::HashMap;

use super::library::MAX_PAGE;
use super::{DbResult, Vault};
use crate::model::{ExportRow, Id, TrackFilter, TrackList, TrackQuery};

#[derive(sqlx::FromRow)]
struct ExtraRow {
    id: Id,
    artist_ids: Option<String>,
    album_spotify_id: Option<String>,
    album_artist_ids: Option<String>,
    album_artist_names: Option<String>,
    release_date: Option<String>,
    album_image_url: Option<String>,
    file_path: Option<String>,
}

/// Text on one line (M3U is line-based).
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// An extended M3U playlist (UTF-8, so `.m3u8`) named `name`, of the rows
/// that have an audio file, in their order: each as its length, "artists -
/// title" and its path, the vault's path relative to the library folder
/// with `prefix` before it (`../` for a playlist in a folder of the
/// library). Rows without a file are left out: a player can do nothing
/// with them.
pub fn m3u8(name: &str, rows: &[ExportRow], prefix: &str) -> String {
    let mut out = format!("#EXTM3U\n#PLAYLIST:{}\n", one_line(name));
    for row in rows
        .iter()
        .filter(|r| r.in_vault && !r.file_path.is_empty())
    {
        let seconds = (row.duration_ms + 500) / 1000;
        out.push_str(&format!(
            "#EXTINF:{seconds},{} - {}\n{prefix}{}\n",
            one_line(&row.artist_names),
            one_line(&row.track_name),
            one_line(&row.file_path)
        ));
    }
    out
}

fn uris(kind: &str, json: Option<&str>) -> String {
    let ids: Vec<Option<String>> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    ids.into_iter()
        .flatten()
        .map(|id| format!("spotify:{kind}:{id}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Vault {
    /// The name of `list` as the app shows it, or `None` if there is no
    /// such list (a smart playlist must be `user`'s).
    pub async fn list_name(&self, user: Id, list: &TrackList) -> DbResult<Option<String>> {
        let (sql, id) = match list {
            TrackList::Liked => return Ok(Some("Liked songs".into())),
            TrackList::Playlist(id) => ("SELECT name FROM playlists WHERE id = ?", *id),
            TrackList::Album(id) => (
                "SELECT COALESCE(ae.name, al.name) FROM albums al
                 LEFT JOIN album_edits ae ON ae.album_id = al.id WHERE al.id = ?",
                *id,
            ),
            TrackList::Artist(id) => ("SELECT name FROM artists WHERE id = ?", *id),
            TrackList::Smart(id) => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT name FROM smart_playlists WHERE id = ? AND user_id = ?")
                        .bind(id)
                        .bind(user)
                        .fetch_optional(self.pool())
                        .await?;
                return Ok(row.map(|r| r.0));
            }
        };
        let row: Option<(String,)> = sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Every track of `list` (only those with an audio file if
    /// `downloaded`), in the list's own order, with what an export writes
    /// of it. A list that does not exist is empty.
    pub async fn export_list(
        &self,
        list: &TrackList,
        downloaded: bool,
    ) -> DbResult<Vec<ExportRow>> {
        let query = TrackQuery {
            filter: if downloaded {
                TrackFilter::Downloaded
            } else {
                TrackFilter::All
            },
            ..TrackQuery::default()
        };
        let mut tracks = Vec::new();
        loop {
            let page = self
                .track_list(list, &query, tracks.len() as i64, MAX_PAGE)
                .await?;
            let got = page.items.len();
            tracks.extend(page.items);
            if got == 0 || tracks.len() as i64 >= page.total {
                break;
            }
        }
        self.export_rows(tracks, Some(list)).await
    }

    /// The tracks `ids` (a selection, such as the player's queue), in that
    /// order, each once, as [`export_list`](Self::export_list) gives a list's.
    pub async fn export_selection(&self, ids: &[Id], downloaded: bool) -> DbResult<Vec<ExportRow>> {
        let ids_json =
            serde_json::to_string(ids).map_err(|e| super::DbError::Other(e.to_string()))?;
        let sql = super::library::track_query(
            "NULL",
            "",
            "WHERE t.id IN (SELECT value FROM json_each(?))",
        );
        let rows: Vec<super::library::TrackRow> = sqlx::query_as(&sql)
            .bind(&ids_json)
            .fetch_all(self.pool())
            .await?;
        let mut by_id: HashMap<Id, crate::model::Track> = rows
            .into_iter()
            .map(crate::model::Track::from)
            .map(|t| (t.id, t))
            .collect();
        let tracks: Vec<crate::model::Track> = ids
            .iter()
            .filter_map(|id| by_id.remove(id))
            .filter(|t| !downloaded || t.download_state.as_deref() == Some("downloaded"))
            .collect();
        self.export_rows(tracks, None).await
    }

    /// What an export writes of `tracks`, in order (`list` gives a
    /// playlist's "added by").
    async fn export_rows(
        &self,
        tracks: Vec<crate::model::Track>,
        list: Option<&TrackList>,
    ) -> DbResult<Vec<ExportRow>> {
        let ids: Vec<Id> = tracks.iter().map(|t| t.id).collect();
        let ids_json =
            serde_json::to_string(&ids).map_err(|e| super::DbError::Other(e.to_string()))?;
        let extras: Vec<ExtraRow> = sqlx::query_as(
            "SELECT t.id,
                (SELECT json_group_array(ar.spotify_id) FROM (SELECT ar.spotify_id FROM track_artists ta
                    JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id ORDER BY ta.position) ar)
                    AS artist_ids,
                al.spotify_id AS album_spotify_id,
                (SELECT json_group_array(ar.spotify_id) FROM (SELECT ar.spotify_id FROM album_artists aa
                    JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = al.id ORDER BY aa.position) ar)
                    AS album_artist_ids,
                (SELECT json_group_array(ar.name) FROM (SELECT ar.name FROM album_artists aa
                    JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = al.id ORDER BY aa.position) ar)
                    AS album_artist_names,
                al.release_date, al.image_url AS album_image_url,
                CASE WHEN d.state = 'downloaded' THEN d.file_path END AS file_path
             FROM tracks t LEFT JOIN albums al ON al.id = t.album_id
             LEFT JOIN downloads d ON d.track_id = t.id
             WHERE t.id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids_json)
        .fetch_all(self.pool())
        .await?;
        let extras: HashMap<Id, ExtraRow> = extras.into_iter().map(|e| (e.id, e)).collect();
        // Who added each track, for a playlist (its first entry's, for a
        // track in it twice).
        let mut added_by: HashMap<Id, String> = HashMap::new();
        if let Some(TrackList::Playlist(playlist)) = list {
            let rows: Vec<(Id, Option<String>)> = sqlx::query_as(
                "SELECT track_id, added_by FROM playlist_items
                 WHERE playlist_id = ? AND removed_at IS NULL AND track_id IS NOT NULL
                 ORDER BY position DESC",
            )
            .bind(playlist)
            .fetch_all(self.pool())
            .await?;
            for (track, by) in rows {
                if let Some(by) = by.filter(|b| !b.is_empty()) {
                    let uri = if by.starts_with("spotify:") {
                        by
                    } else {
                        format!("spotify:user:{by}")
                    };
                    added_by.insert(track, uri);
                }
            }
        }
        Ok(tracks
            .into_iter()
            .map(|t| {
                let extra = extras.get(&t.id);
                let text = |f: fn(&ExtraRow) -> Option<&String>| {
                    extra.and_then(f).cloned().unwrap_or_default()
                };
                let names: Vec<String> = extra
                    .and_then(|e| e.album_artist_names.as_deref())
                    .and_then(|j| serde_json::from_str(j).ok())
                    .unwrap_or_default();
                ExportRow {
                    track_uri: t
                        .spotify_id
                        .as_ref()
                        .map(|id| format!("spotify:track:{id}"))
                        .unwrap_or_default(),
                    track_name: t.title.clone(),
                    artist_uris: uris("artist", extra.and_then(|e| e.artist_ids.as_deref())),
                    artist_names: t
                        .artists
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    album_uri: extra
                        .and_then(|e| e.album_spotify_id.as_ref())
                        .map(|id| format!("spotify:album:{id}"))
                        .unwrap_or_default(),
                    album_name: t.album_name.clone().unwrap_or_default(),
                    album_artist_uris: uris(
                        "artist",
                        extra.and_then(|e| e.album_artist_ids.as_deref()),
                    ),
                    album_artist_names: names.join(","),
                    album_release_date: text(|e| e.release_date.as_ref()),
                    album_image_url: text(|e| e.album_image_url.as_ref()),
                    disc_number: t.disc_number,
                    track_number: t.track_number,
                    duration_ms: t.duration_ms,
                    explicit: t.explicit,
                    isrc: t.isrc.clone().unwrap_or_default(),
                    added_by: added_by.get(&t.id).cloned().unwrap_or_default(),
                    added_at: t.added_at.clone().unwrap_or_default(),
                    in_vault: t.download_state.as_deref() == Some("downloaded"),
                    file_path: text(|e| e.file_path.as_ref()),
                    rating: t.rating,
                    loved: t.loved,
                    play_count: t.plays,
                    gone_from_spotify_at: t.gone_from_spotify_at.clone().unwrap_or_default(),
                }
            })
            .collect())
    }
}

impl Vault {
    /// The cover URLs the vault knows: albums' and playlists', as `(album
    /// or playlist id, url)` lists. The largest image Spotify offered (its
    /// 640 px one), so every size the UI shows can be made from it; the one
    /// the UI shows when the sizes are not known.
    pub async fn cover_urls(&self) -> DbResult<(Vec<(Id, String)>, Vec<(Id, String)>)> {
        let largest = |rows: Vec<(Id, String, Option<String>)>| -> Vec<(Id, String)> {
            rows.into_iter()
                .map(|(id, shown, images)| {
                    let best = images
                        .and_then(|j| serde_json::from_str::<Vec<serde_json::Value>>(&j).ok())
                        .and_then(|all| {
                            all.into_iter()
                                .filter_map(|i| {
                                    let url = i.get("url")?.as_str()?.to_string();
                                    Some((
                                        i.get("width").and_then(|w| w.as_i64()).unwrap_or(0),
                                        url,
                                    ))
                                })
                                .max_by_key(|(width, _)| *width)
                                .map(|(_, url)| url)
                        });
                    (id, best.unwrap_or(shown))
                })
                .collect()
        };
        let albums: Vec<(Id, String, Option<String>)> = sqlx::query_as(
            "SELECT id, image_url, images FROM albums WHERE image_url IS NOT NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        let playlists: Vec<(Id, String, Option<String>)> = sqlx::query_as(
            "SELECT id, image_url, images FROM playlists WHERE image_url IS NOT NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok((largest(albums), largest(playlists)))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{NewAlbum, NewArtist};
    use crate::Vault;

    #[tokio::test]
    async fn covers_are_fetched_at_the_largest_size_spotify_offers() {
        let vault = Vault::open_in_memory().await.expect("vault");
        let mut tx = vault.begin().await.expect("begin");
        let images = r#"[{"url":"https://i.scdn.co/image/a640","width":640,"height":640},
            {"url":"https://i.scdn.co/image/a300","width":300,"height":300},
            {"url":"https://i.scdn.co/image/a64","width":64,"height":64}]"#;
        let album = |id: &str, images: Option<&str>| NewAlbum {
            spotify_id: Some(id.into()),
            name: id.into(),
            album_type: "album".into(),
            release_date: None,
            release_date_precision: None,
            total_tracks: None,
            image_url: Some("https://i.scdn.co/image/a300".into()),
            images: images.map(String::from),
            artists: vec![NewArtist {
                spotify_id: None,
                name: "A".into(),
                image_url: None,
            }],
        };
        let sized = Vault::upsert_album(&mut tx, &album("album000000000000000001", Some(images)))
            .await
            .expect("album");
        let plain = Vault::upsert_album(&mut tx, &album("album000000000000000002", None))
            .await
            .expect("album");
        tx.commit().await.expect("commit");
        let (albums, _) = vault.cover_urls().await.expect("urls");
        assert_eq!(
            albums,
            [
                (sized, "https://i.scdn.co/image/a640".to_string()),
                (plain, "https://i.scdn.co/image/a300".to_string())
            ]
        );
    }
}
