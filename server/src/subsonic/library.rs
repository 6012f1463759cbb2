//! The endpoints over the vault's data: browsing (by tags and by folders),
//! lists, search, stars and ratings, plays, playlists and the play queue.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};
use vault::model::{Id, MarkTarget};
use vault::subsonic::{AlbumList, AlbumRow, ArtistRow, PlaylistRow, SongRow};

use super::{
    album_id, artist_id, iso_ms, playlist_id, song_param, track_id, Call, Fault, NowPlaying, Reply,
    Thing,
};

/// Articles left out when artists are sorted into letters.
const IGNORED_ARTICLES: &str = "The El La Los Las Le Les";

/// The most items one list answer holds.
const MAX_PAGE: i64 = 500;

/// A song as the API's `Child`.
pub fn song(s: &SongRow, library: &Path) -> Value {
    let suffix = s.format.clone().unwrap_or_default();
    let size = std::fs::metadata(library.join(&s.file_path))
        .map(|m| m.len())
        .ok();
    let seconds = (s.duration_ms + 500) / 1000;
    let bit_rate = match (size, s.duration_ms) {
        (Some(size), ms) if ms > 0 => Some((size as i64 * 8) / ms),
        _ => None,
    };
    json!({
        "id": track_id(s.id),
        "parent": s.album_id.map(album_id),
        "isDir": false,
        "title": s.title,
        "album": s.album,
        "artist": s.artist,
        "track": s.track_number,
        "discNumber": s.disc_number,
        "year": s.year,
        "genre": s.genre,
        "genres": s.genre.as_ref().map(|g| vec![json!({"name": g})]),
        "coverArt": Some(s.album_id.map_or_else(|| track_id(s.id), album_id)),
        "size": size,
        "contentType": crate::media::audio_type(&suffix),
        "suffix": suffix,
        "duration": seconds,
        "bitRate": bit_rate,
        "path": s.file_path,
        "isVideo": false,
        "userRating": s.rating,
        "playCount": s.plays.unwrap_or(0),
        "played": s.last_played_ms.and_then(iso_ms),
        "created": s.created,
        "starred": s.starred,
        "albumId": s.album_id.map(album_id),
        "artistId": s.artist_id.map(artist_id),
        "displayArtist": s.artist,
        "type": "music",
        "mediaType": "song",
        "isrc": s.isrc.as_ref().map(|i| vec![i.clone()]),
        "explicitStatus": if s.explicit { "explicit" } else { "" },
    })
}

/// An album as the API's `AlbumID3`.
pub fn album(a: &AlbumRow) -> Value {
    json!({
        "id": album_id(a.id),
        "name": a.name,
        "artist": a.artist,
        "displayArtist": a.artist,
        "artistId": a.artist_id.map(artist_id),
        "coverArt": album_id(a.id),
        "songCount": a.songs,
        "duration": (a.duration_ms + 500) / 1000,
        "playCount": a.plays.unwrap_or(0),
        "played": a.last_played_ms.and_then(iso_ms),
        "created": a.created,
        "starred": a.starred,
        "year": a.year,
        "genre": a.genre,
        "genres": a.genre.as_ref().map(|g| vec![json!({"name": g})]),
        "userRating": a.rating,
        "releaseTypes": [a.album_type],
        "isCompilation": a.album_type == "compilation",
    })
}

/// An album as a folder (`Child` with `isDir`), for the folder-based
/// endpoints (`getMusicDirectory`, `getAlbumList`, `search2`, `getStarred`).
fn album_folder(al: &AlbumRow) -> Value {
    json!({
        "id": album_id(al.id),
        "parent": al.artist_id.map(artist_id),
        "isDir": true,
        "title": al.name,
        "album": al.name,
        "artist": al.artist,
        "year": al.year,
        "genre": al.genre,
        "coverArt": album_id(al.id),
        "created": al.created,
        "starred": al.starred,
        "userRating": al.rating,
        "playCount": al.plays.unwrap_or(0),
    })
}

/// An artist as the API's `Artist` (the folder-based endpoints).
fn artist_folder(a: &ArtistRow) -> Value {
    json!({"id": artist_id(a.id), "name": a.name, "starred": a.starred, "userRating": a.rating})
}

/// An artist as the API's `ArtistID3`.
fn artist(a: &ArtistRow) -> Value {
    json!({
        "id": artist_id(a.id),
        "name": a.name,
        "coverArt": artist_id(a.id),
        "albumCount": a.albums,
        "starred": a.starred,
    })
}

fn playlist(p: &PlaylistRow, owner: &str) -> Value {
    json!({
        "id": playlist_id(p.id),
        "name": p.name,
        "comment": p.comment,
        "owner": owner,
        "public": p.public,
        "songCount": p.songs,
        "duration": (p.duration_ms + 500) / 1000,
        "created": p.created,
        "changed": p.changed,
        "coverArt": playlist_id(p.id),
        "readonly": p.readonly,
    })
}

fn library_dir(call: &Call<'_>) -> std::path::PathBuf {
    call.state.server.acquirer.settings().library_dir()
}

fn songs(call: &Call<'_>, rows: &[SongRow]) -> Vec<Value> {
    let library = library_dir(call);
    rows.iter().map(|s| song(s, &library)).collect()
}

/// A page size: `default` when absent, at most [`MAX_PAGE`].
fn page_size(call: &Call<'_>, name: &str, default: i64) -> Result<i64, Fault> {
    let size = call.params.number(name, default)?;
    if size < 0 {
        return Err(Fault::bad(name, "cannot be negative"));
    }
    Ok(size.min(MAX_PAGE))
}

fn offset(call: &Call<'_>, name: &str) -> Result<i64, Fault> {
    let offset = call.params.number(name, 0)?;
    if offset < 0 {
        return Err(Fault::bad(name, "cannot be negative"));
    }
    Ok(offset)
}

/// Artists sorted into letters, articles ignored.
fn letters(rows: &[ArtistRow], each: impl Fn(&ArtistRow) -> Value) -> Vec<Value> {
    let articles: Vec<String> = IGNORED_ARTICLES
        .split(' ')
        .map(|a| format!("{} ", a.to_lowercase()))
        .collect();
    let mut groups: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for row in rows {
        let lower = row.name.to_lowercase();
        let key = articles
            .iter()
            .find_map(|a| lower.strip_prefix(a.as_str()))
            .unwrap_or(&lower)
            .trim()
            .to_string();
        let letter = match key.chars().next() {
            Some(c) if c.is_alphabetic() => c.to_uppercase().collect(),
            _ => "#".to_string(),
        };
        groups.entry(letter).or_default().push((key, each(row)));
    }
    groups
        .into_iter()
        .map(|(name, mut artists)| {
            artists.sort_by(|a, b| a.0.cmp(&b.0));
            json!({"name": name, "artist": artists.into_iter().map(|(_, v)| v).collect::<Vec<_>>()})
        })
        .collect()
}

pub async fn scan_status(call: &Call<'_>) -> Result<Reply, Fault> {
    let count = call.state.server.vault.subsonic_song_count().await?;
    Ok(Reply::Data(
        json!({"scanStatus": {"scanning": false, "count": count}}),
    ))
}

/// `getUser`: only the listener's own account.
pub async fn user(call: &Call<'_>) -> Result<Reply, Fault> {
    let name = call.params.required("username")?;
    if name != call.listener.name {
        return Err(Fault::new(50, "A listener may only see their own account"));
    }
    let admin = call.listener.id == vault::model::OWNER;
    Ok(Reply::Data(json!({"user": {
        "username": call.listener.name,
        "scrobblingEnabled": true,
        "adminRole": admin,
        "settingsRole": true,
        "downloadRole": true,
        "uploadRole": false,
        "playlistRole": true,
        "coverArtRole": false,
        "commentRole": false,
        "podcastRole": false,
        "streamRole": true,
        "jukeboxRole": false,
        "shareRole": false,
        "videoConversionRole": false,
        "folder": [1],
    }})))
}

async fn all_artists(call: &Call<'_>) -> Result<Vec<ArtistRow>, Fault> {
    Ok(call
        .state
        .server
        .vault
        .subsonic_artists(call.listener.id, &[], 0, i64::MAX)
        .await?)
}

pub async fn indexes(call: &Call<'_>) -> Result<Reply, Fault> {
    let vault = &call.state.server.vault;
    let changed = vault.subsonic_changed_ms().await?;
    if let Some(since) = call.params.optional_number("ifModifiedSince")? {
        if since >= changed {
            return Ok(Reply::Data(json!({"indexes": {
                "ignoredArticles": IGNORED_ARTICLES, "lastModified": changed,
            }})));
        }
    }
    let rows = all_artists(call).await?;
    let index = letters(
        &rows,
        |a| json!({"id": artist_id(a.id), "name": a.name, "starred": a.starred, "userRating": a.rating}),
    );
    Ok(Reply::Data(json!({"indexes": {
        "ignoredArticles": IGNORED_ARTICLES,
        "lastModified": changed,
        "index": index,
    }})))
}

pub async fn artists(call: &Call<'_>) -> Result<Reply, Fault> {
    let rows = all_artists(call).await?;
    Ok(Reply::Data(json!({"artists": {
        "ignoredArticles": IGNORED_ARTICLES,
        "index": letters(&rows, artist),
    }})))
}

/// `getMusicDirectory`: an artist's albums as folders, or an album's songs.
pub async fn music_directory(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = call.params.required("id")?;
    let vault = &call.state.server.vault;
    let user = call.listener.id;
    match Thing::parse(id) {
        Some(Thing::Artist(artist_row)) => {
            let a = vault
                .subsonic_artist(user, artist_row)
                .await
                .map_err(|_| Fault::not_found(&format!("Directory {id}")))?;
            let albums = vault.subsonic_artist_albums(user, artist_row).await?;
            let child: Vec<Value> = albums
                .iter()
                .map(|al| {
                    let mut folder = album_folder(al);
                    folder["parent"] = json!(artist_id(a.id));
                    folder
                })
                .collect();
            Ok(Reply::Data(json!({"directory": {
                "id": artist_id(a.id), "name": a.name, "starred": a.starred,
                "userRating": a.rating, "child": child,
            }})))
        }
        Some(Thing::Album(album_row)) => {
            let a = vault
                .subsonic_albums(user, &[album_row])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Fault::not_found(&format!("Directory {id}")))?;
            let rows = vault.subsonic_album_songs(user, album_row).await?;
            Ok(Reply::Data(json!({"directory": {
                "id": album_id(a.id), "parent": a.artist_id.map(artist_id), "name": a.name,
                "starred": a.starred, "userRating": a.rating, "playCount": a.plays.unwrap_or(0),
                "child": songs(call, &rows),
            }})))
        }
        _ => Err(Fault::not_found(&format!("Directory {id}"))),
    }
}

pub async fn artist_by_id(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = call.params.required("id")?;
    let Some(Thing::Artist(row_id)) = Thing::parse(id) else {
        return Err(Fault::not_found(&format!("Artist {id}")));
    };
    let vault = &call.state.server.vault;
    let a = vault
        .subsonic_artist(call.listener.id, row_id)
        .await
        .map_err(|_| Fault::not_found(&format!("Artist {id}")))?;
    let albums = vault
        .subsonic_artist_albums(call.listener.id, row_id)
        .await?;
    let mut value = artist(&a);
    value["album"] = Value::Array(albums.iter().map(album).collect());
    Ok(Reply::Data(json!({ "artist": value })))
}

pub async fn album_with_songs(call: &Call<'_>, row_id: Id) -> Result<Option<Value>, Fault> {
    let vault = &call.state.server.vault;
    let Some(a) = vault
        .subsonic_albums(call.listener.id, &[row_id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let rows = vault.subsonic_album_songs(call.listener.id, row_id).await?;
    let mut value = album(&a);
    value["song"] = Value::Array(songs(call, &rows));
    Ok(Some(value))
}

pub async fn album_by_id(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = call.params.required("id")?;
    let Some(Thing::Album(row_id)) = Thing::parse(id) else {
        return Err(Fault::not_found(&format!("Album {id}")));
    };
    match album_with_songs(call, row_id).await? {
        Some(value) => Ok(Reply::Data(json!({ "album": value }))),
        None => Err(Fault::not_found(&format!("Album {id}"))),
    }
}

pub async fn song_by_id(call: &Call<'_>) -> Result<Reply, Fault> {
    let row = super::one_song(call, "id").await?;
    Ok(Reply::Data(json!({"song": song(&row, &library_dir(call))})))
}

pub async fn genres(call: &Call<'_>) -> Result<Reply, Fault> {
    let rows = call.state.server.vault.subsonic_genres().await?;
    let genre: Vec<Value> = rows
        .into_iter()
        .map(|(name, songs, albums)| json!({"value": name, "songCount": songs, "albumCount": albums}))
        .collect();
    Ok(Reply::Data(json!({"genres": {"genre": genre}})))
}

/// The albums `getAlbumList` and `getAlbumList2` ask for.
async fn album_list_rows(call: &Call<'_>) -> Result<Vec<AlbumRow>, Fault> {
    let params = call.params;
    let list = match params.required("type")? {
        "random" => AlbumList::Random,
        "newest" => AlbumList::Newest,
        "highest" => AlbumList::Highest,
        "frequent" => AlbumList::Frequent,
        "recent" => AlbumList::Recent,
        "alphabeticalByName" => AlbumList::ByName,
        "alphabeticalByArtist" => AlbumList::ByArtist,
        "starred" => AlbumList::Starred,
        "byYear" => AlbumList::ByYear {
            from: params
                .optional_number("fromYear")?
                .ok_or_else(|| Fault::missing("fromYear"))?,
            to: params
                .optional_number("toYear")?
                .ok_or_else(|| Fault::missing("toYear"))?,
        },
        "byGenre" => AlbumList::ByGenre(params.required("genre")?.to_string()),
        other => {
            return Err(Fault::bad(
                "type",
                &format!(
                    "must be one of random, newest, highest, frequent, recent, \
                     alphabeticalByName, alphabeticalByArtist, starred, byYear, byGenre; not “{other}”"
                ),
            ))
        }
    };
    let size = page_size(call, "size", 10)?;
    let offset = offset(call, "offset")?;
    Ok(call
        .state
        .server
        .vault
        .subsonic_album_list(call.listener.id, &list, offset, size)
        .await?)
}

pub async fn album_list2(call: &Call<'_>) -> Result<Reply, Fault> {
    let rows = album_list_rows(call).await?;
    Ok(Reply::Data(json!({"albumList2": {
        "album": rows.iter().map(album).collect::<Vec<_>>(),
    }})))
}

/// `getAlbumList`: the same lists, as folders.
pub async fn album_list(call: &Call<'_>) -> Result<Reply, Fault> {
    let rows = album_list_rows(call).await?;
    Ok(Reply::Data(json!({"albumList": {
        "album": rows.iter().map(album_folder).collect::<Vec<_>>(),
    }})))
}

pub async fn random_songs(call: &Call<'_>) -> Result<Reply, Fault> {
    let size = page_size(call, "size", 10)?;
    let rows = call
        .state
        .server
        .vault
        .subsonic_random_songs(
            call.listener.id,
            size,
            call.params.get("genre").filter(|g| !g.is_empty()),
            call.params.optional_number("fromYear")?,
            call.params.optional_number("toYear")?,
        )
        .await?;
    Ok(Reply::Data(
        json!({"randomSongs": {"song": songs(call, &rows)}}),
    ))
}

pub async fn starred2(call: &Call<'_>) -> Result<Reply, Fault> {
    let vault = &call.state.server.vault;
    let (artists, albums) = vault.subsonic_starred(call.listener.id).await?;
    let rows = vault.subsonic_starred_songs(call.listener.id).await?;
    Ok(Reply::Data(json!({"starred2": {
        "artist": artists.iter().map(artist).collect::<Vec<_>>(),
        "album": albums.iter().map(album).collect::<Vec<_>>(),
        "song": songs(call, &rows),
    }})))
}

/// `getStarred`: the same as `getStarred2`, artists and albums as folders.
pub async fn starred(call: &Call<'_>) -> Result<Reply, Fault> {
    let vault = &call.state.server.vault;
    let (artists, albums) = vault.subsonic_starred(call.listener.id).await?;
    let rows = vault.subsonic_starred_songs(call.listener.id).await?;
    Ok(Reply::Data(json!({"starred": {
        "artist": artists.iter().map(artist_folder).collect::<Vec<_>>(),
        "album": albums.iter().map(album_folder).collect::<Vec<_>>(),
        "song": songs(call, &rows),
    }})))
}

/// A query's words. Clients send `""` (two quote marks) or an empty query
/// for everything, and some add `*`: both are left out.
fn words(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '*').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

type Found = (Vec<ArtistRow>, Vec<AlbumRow>, Vec<SongRow>);

/// Artists, albums and songs whose names hold every word of the query;
/// an empty query finds everything, paged.
async fn search(call: &Call<'_>) -> Result<Found, Fault> {
    let words = words(call.params.required("query")?);
    let vault = &call.state.server.vault;
    let user = call.listener.id;
    let artists = vault
        .subsonic_artists(
            user,
            &words,
            offset(call, "artistOffset")?,
            page_size(call, "artistCount", 20)?,
        )
        .await?;
    let albums = vault
        .subsonic_search_albums(
            user,
            &words,
            offset(call, "albumOffset")?,
            page_size(call, "albumCount", 20)?,
        )
        .await?;
    let rows = vault
        .subsonic_search_songs(
            user,
            &words,
            offset(call, "songOffset")?,
            page_size(call, "songCount", 20)?,
        )
        .await?;
    Ok((artists, albums, rows))
}

/// `search3` (apps sync the whole library for offline use with an empty query).
pub async fn search3(call: &Call<'_>) -> Result<Reply, Fault> {
    let (artists, albums, rows) = search(call).await?;
    Ok(Reply::Data(json!({"searchResult3": {
        "artist": artists.iter().map(artist).collect::<Vec<_>>(),
        "album": albums.iter().map(album).collect::<Vec<_>>(),
        "song": songs(call, &rows),
    }})))
}

/// `search2`: the same search, artists and albums as folders.
pub async fn search2(call: &Call<'_>) -> Result<Reply, Fault> {
    let (artists, albums, rows) = search(call).await?;
    Ok(Reply::Data(json!({"searchResult2": {
        "artist": artists.iter().map(artist_folder).collect::<Vec<_>>(),
        "album": albums.iter().map(album_folder).collect::<Vec<_>>(),
        "song": songs(call, &rows),
    }})))
}

/// `getSongsByGenre`: a page of a genre's songs.
pub async fn songs_by_genre(call: &Call<'_>) -> Result<Reply, Fault> {
    let genre = call.params.required("genre")?;
    let rows = call
        .state
        .server
        .vault
        .subsonic_genre_songs(
            call.listener.id,
            genre,
            offset(call, "offset")?,
            page_size(call, "count", 10)?,
        )
        .await?;
    Ok(Reply::Data(
        json!({"songsByGenre": {"song": songs(call, &rows)}}),
    ))
}

/// `getTopSongs`: the listener's most played songs by an artist (by name).
pub async fn top_songs(call: &Call<'_>) -> Result<Reply, Fault> {
    let artist = call.params.required("artist")?;
    let rows = call
        .state
        .server
        .vault
        .subsonic_top_songs(call.listener.id, artist, page_size(call, "count", 50)?)
        .await?;
    Ok(Reply::Data(
        json!({"topSongs": {"song": songs(call, &rows)}}),
    ))
}

/// What a song, album or artist id marks (a playlist has no marks).
fn mark_target(text: &str) -> Result<MarkTarget, Fault> {
    match Thing::parse(text) {
        Some(Thing::Track(id)) => Ok(MarkTarget::Track(id)),
        Some(Thing::Album(id)) => Ok(MarkTarget::Album(id)),
        Some(Thing::Artist(id)) => Ok(MarkTarget::Artist(id)),
        _ => Err(Fault::not_found(&format!("Item {text}"))),
    }
}

/// The things `star`/`unstar`/`setRating` name: `id` (any kind), `albumId`, `artistId`.
fn mark_targets(call: &Call<'_>) -> Result<Vec<MarkTarget>, Fault> {
    let mut targets = Vec::new();
    for (name, text) in ["id", "albumId", "artistId"]
        .iter()
        .flat_map(|name| call.params.all(name).into_iter().map(move |v| (*name, v)))
    {
        let target = mark_target(text)?;
        let fits = matches!(
            (name, target),
            ("id", _) | ("albumId", MarkTarget::Album(_)) | ("artistId", MarkTarget::Artist(_))
        );
        if !fits {
            return Err(Fault::not_found(&format!("Item {text}")));
        }
        targets.push(target);
    }
    Ok(targets)
}

/// `star`/`unstar`: Hoard's loved mark, the heart in its own app.
pub async fn star(call: &Call<'_>, loved: bool) -> Result<Reply, Fault> {
    let targets = mark_targets(call)?;
    if targets.is_empty() {
        return Err(Fault::missing("id, albumId or artistId"));
    }
    let vault = &call.state.server.vault;
    let user = call.listener.id;
    for target in targets {
        let mut marks = vault.marks(user, target).await?;
        marks.loved = loved;
        vault.set_marks(user, target, marks).await?;
    }
    Ok(Reply::empty())
}

/// `setRating`: 1 to 5 stars, 0 to take the rating away.
pub async fn set_rating(call: &Call<'_>) -> Result<Reply, Fault> {
    let rating = call
        .params
        .optional_number("rating")?
        .ok_or_else(|| Fault::missing("rating"))?;
    if !(0..=5).contains(&rating) {
        return Err(Fault::bad("rating", "must be 0 (none) to 5"));
    }
    let target = mark_target(call.params.required("id")?)?;
    let vault = &call.state.server.vault;
    let mut marks = vault.marks(call.listener.id, target).await?;
    marks.rating = (rating > 0).then_some(rating);
    vault.set_marks(call.listener.id, target, marks).await?;
    Ok(Reply::empty())
}

/// `scrobble`: with `submission` (the default) each song was played, at
/// `time` (ms) or now; the plays go into the same history as Hoard's own,
/// and the same song at the same time twice is one play. Without it, the
/// app says what is playing now.
pub async fn scrobble(call: &Call<'_>) -> Result<Reply, Fault> {
    let ids: Vec<&str> = call.params.all("id");
    if ids.is_empty() {
        return Err(Fault::missing("id"));
    }
    let mut tracks = Vec::with_capacity(ids.len());
    for text in &ids {
        match Thing::parse(text) {
            Some(Thing::Track(id)) => tracks.push(id),
            _ => return Err(Fault::not_found(&format!("Song {text}"))),
        }
    }
    let times: Vec<&str> = call.params.all("time");
    if !times.is_empty() && times.len() != tracks.len() {
        return Err(Fault::bad(
            "time",
            "must be given once per id, or not at all",
        ));
    }
    let submission = call.params.flag("submission", true)?;
    let user = call.listener.id;
    if !submission {
        let Some(&track) = tracks.last() else {
            return Err(Fault::missing("id"));
        };
        if let Ok(mut now) = call.state.subsonic.now_playing.lock() {
            now.insert(
                user,
                NowPlaying {
                    track,
                    client: call.listener.client.clone(),
                    since: std::time::Instant::now(),
                },
            );
        }
        return Ok(Reply::empty());
    }
    let vault = &call.state.server.vault;
    let known = vault.subsonic_songs(user, &tracks).await?;
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let mut listens = Vec::with_capacity(tracks.len());
    for (n, track) in tracks.iter().enumerate() {
        let Some(row) = known.iter().find(|r| r.id == *track) else {
            return Err(Fault::not_found(&format!("Song {}", track_id(*track))));
        };
        let started = match times.get(n) {
            Some(t) => t
                .trim()
                .parse::<i64>()
                .map_err(|_| Fault::bad("time", &format!("must be ms since 1970, not “{t}”")))?,
            None => now_ms - row.duration_ms,
        };
        listens.push(vault::NewListen {
            user_id: user,
            track_id: *track,
            started_ms: started,
            ended_ms: started + row.duration_ms,
            ms_played: Some(row.duration_ms),
            counted: true,
            source: "hoard",
            device: Some(call.listener.client.clone()),
            platform: Some("subsonic".into()),
            offline: Some(false),
            client_play_id: Some(format!("subsonic:{track}:{started}")),
            ..Default::default()
        });
    }
    let mut tx = vault.begin().await?;
    vault::Vault::insert_listens(&mut tx, &listens).await?;
    tx.commit().await.map_err(vault::DbError::from)?;
    if let Ok(mut now) = call.state.subsonic.now_playing.lock() {
        if now.get(&user).is_some_and(|p| tracks.contains(&p.track)) {
            now.remove(&user);
        }
    }
    Ok(Reply::empty())
}

/// `getNowPlaying`: what this listener's apps said they play, in the last
/// half hour.
pub async fn now_playing(call: &Call<'_>) -> Result<Reply, Fault> {
    let playing = call
        .state
        .subsonic
        .now_playing
        .lock()
        .ok()
        .and_then(|now| now.get(&call.listener.id).cloned())
        .filter(|p| p.since.elapsed().as_secs() < 1800);
    let mut entries = Vec::new();
    if let Some(p) = playing {
        let rows = call
            .state
            .server
            .vault
            .subsonic_songs(call.listener.id, &[p.track])
            .await?;
        let library = library_dir(call);
        for row in &rows {
            let mut value = song(row, &library);
            value["username"] = json!(call.listener.name);
            value["minutesAgo"] = json!(p.since.elapsed().as_secs() / 60);
            value["playerId"] = json!(0);
            value["playerName"] = json!(p.client);
            entries.push(value);
        }
    }
    Ok(Reply::Data(json!({"nowPlaying": {"entry": entries}})))
}

pub async fn playlists(call: &Call<'_>) -> Result<Reply, Fault> {
    if let Some(name) = call.params.get("username") {
        if name != call.listener.name {
            return Err(Fault::new(
                50,
                "A listener may only list their own playlists",
            ));
        }
    }
    let rows = call
        .state
        .server
        .vault
        .subsonic_playlists(call.listener.id)
        .await?;
    Ok(Reply::Data(json!({"playlists": {
        "playlist": rows.iter().map(|p| playlist(p, &call.listener.name)).collect::<Vec<_>>(),
    }})))
}

fn playlist_param(call: &Call<'_>, name: &str) -> Result<Id, Fault> {
    let text = call.params.required(name)?;
    match Thing::parse(text) {
        Some(Thing::Playlist(id)) => Ok(id),
        _ => Err(Fault::not_found(&format!("Playlist {text}"))),
    }
}

/// A playlist with its playable entries.
async fn playlist_with_entries(call: &Call<'_>, id: Id) -> Result<Value, Fault> {
    let vault = &call.state.server.vault;
    let (row, entries) = vault
        .subsonic_playlist(call.listener.id, id)
        .await
        .map_err(|_| Fault::not_found(&format!("Playlist {}", playlist_id(id))))?;
    let ids: Vec<Id> = entries.iter().map(|(_, track)| *track).collect();
    let rows = vault.subsonic_songs(call.listener.id, &ids).await?;
    let mut value = playlist(&row, &call.listener.name);
    value["entry"] = Value::Array(songs(call, &rows));
    Ok(value)
}

pub async fn playlist_by_id(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = playlist_param(call, "id")?;
    Ok(Reply::Data(
        json!({"playlist": playlist_with_entries(call, id).await?}),
    ))
}

fn song_ids(call: &Call<'_>, name: &str) -> Result<Vec<Id>, Fault> {
    call.params
        .all(name)
        .into_iter()
        .map(|text| match Thing::parse(text) {
            Some(Thing::Track(id)) => Ok(id),
            _ => Err(Fault::not_found(&format!("Song {text}"))),
        })
        .collect()
}

/// `createPlaylist`: a new playlist of the listener's own (`name`), or the
/// songs of one of theirs replaced (`playlistId`).
pub async fn create_playlist(call: &Call<'_>) -> Result<Reply, Fault> {
    let songs = song_ids(call, "songId")?;
    let vault = &call.state.server.vault;
    let id = match (call.params.get("playlistId"), call.params.get("name")) {
        (Some(_), name) => {
            let id = playlist_param(call, "playlistId")?;
            vault
                .subsonic_update_playlist(call.listener.id, id, name, None, None, &[], &songs, true)
                .await?;
            id
        }
        (None, Some(name)) => {
            vault
                .subsonic_create_playlist(call.listener.id, name, &songs)
                .await?
        }
        (None, None) => return Err(Fault::missing("name or playlistId")),
    };
    Ok(Reply::Data(
        json!({"playlist": playlist_with_entries(call, id).await?}),
    ))
}

/// `updatePlaylist`: name, comment, public, songs added and removed (by
/// their index in the playlist as `getPlaylist` lists it).
pub async fn update_playlist(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = playlist_param(call, "playlistId")?;
    let add = song_ids(call, "songIdToAdd")?;
    let vault = &call.state.server.vault;
    let (_, entries) = vault
        .subsonic_playlist(call.listener.id, id)
        .await
        .map_err(|_| Fault::not_found(&format!("Playlist {}", playlist_id(id))))?;
    let mut remove = Vec::new();
    for text in call.params.all("songIndexToRemove") {
        let index: usize = text.trim().parse().map_err(|_| {
            Fault::bad(
                "songIndexToRemove",
                &format!("must be an index, not “{text}”"),
            )
        })?;
        let Some((item, _)) = entries.get(index) else {
            return Err(Fault::bad(
                "songIndexToRemove",
                &format!("{index} is past the playlist's {} songs", entries.len()),
            ));
        };
        remove.push(*item);
    }
    let public = match call.params.get("public") {
        Some(_) => Some(call.params.flag("public", false)?),
        None => None,
    };
    vault
        .subsonic_update_playlist(
            call.listener.id,
            id,
            call.params.get("name"),
            call.params.get("comment"),
            public,
            &remove,
            &add,
            false,
        )
        .await?;
    Ok(Reply::empty())
}

pub async fn delete_playlist(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = playlist_param(call, "id")?;
    call.state
        .server
        .vault
        .subsonic_delete_playlist(call.listener.id, id)
        .await?;
    Ok(Reply::empty())
}

pub async fn play_queue(call: &Call<'_>) -> Result<Reply, Fault> {
    let vault = &call.state.server.vault;
    let Some(queue) = vault.play_queue(call.listener.id).await? else {
        return Ok(Reply::empty());
    };
    let rows = vault
        .subsonic_songs(call.listener.id, &queue.track_ids)
        .await?;
    Ok(Reply::Data(json!({"playQueue": {
        "current": queue.current.map(track_id),
        "position": queue.position_ms,
        "username": call.listener.name,
        "changed": queue.changed_at,
        "changedBy": queue.changed_by,
        "entry": songs(call, &rows),
    }})))
}

pub async fn save_play_queue(call: &Call<'_>) -> Result<Reply, Fault> {
    let ids = song_ids(call, "id")?;
    let current = match call.params.get("current") {
        None | Some("") => None,
        Some(_) => Some(song_param(call.params, "current")?),
    };
    let position = call.params.number("position", 0)?;
    call.state
        .server
        .vault
        .save_play_queue(
            call.listener.id,
            &ids,
            current,
            position,
            &call.listener.client,
        )
        .await?;
    Ok(Reply::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_quoted_queries_mean_everything() {
        assert!(words("").is_empty());
        assert!(words("\"\"").is_empty());
        assert!(words("  * ").is_empty());
        assert_eq!(words("Song 12*"), ["Song", "12"]);
    }

    #[test]
    fn artists_sort_into_letters_without_their_article() {
        let row = |id, name: &str| ArtistRow {
            id,
            name: name.into(),
            albums: 1,
            starred: None,
            rating: None,
        };
        let index = letters(
            &[
                row(1, "The Beatles"),
                row(2, "abba"),
                row(3, "2Pac"),
                row(4, "Ásgeir"),
            ],
            artist,
        );
        let names: Vec<&str> = index.iter().filter_map(|i| i["name"].as_str()).collect();
        assert_eq!(names, ["#", "A", "B", "Á"]);
        assert_eq!(index[2]["artist"][0]["name"], "The Beatles");
    }
}
