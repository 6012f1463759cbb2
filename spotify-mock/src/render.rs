//! JSON shapes of the Web API objects (2026 reference), built from the
//! library. `b` is always the server's base URL, so every `href`, `next` and
//! image URL points back at this mock.

use serde_json::{json, Value};

use crate::model::{Album, Artist, Episode, ItemRef, Library, Playlist, PlaylistItem, Track, User};
use crate::util;

fn open(kind: &str, id: &str) -> Value {
    json!({ "spotify": format!("https://open.spotify.com/{kind}/{id}") })
}

/// Form-encodes a value for URLs and local-file URIs (space becomes `+`, as
/// Spotify writes local URIs).
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The three cover sizes Spotify returns for albums and artists.
pub fn images(b: &str, id: &str) -> Value {
    Value::Array(
        [640u32, 300, 64]
            .iter()
            .map(|s| json!({ "url": format!("{b}/_mock/images/{id}?size={s}"), "height": s, "width": s }))
            .collect(),
    )
}

/// A paging object; `extra` holds query parameters other than offset/limit
/// (already encoded, `&`-joined) so `next`/`previous` repeat them.
pub fn paging(
    b: &str,
    path: &str,
    extra: &str,
    items: Vec<Value>,
    limit: usize,
    offset: usize,
    total: usize,
) -> Value {
    let url = |o: usize| {
        let sep = if extra.is_empty() { "" } else { "&" };
        format!("{b}{path}?{extra}{sep}offset={o}&limit={limit}")
    };
    let next = (offset + limit < total).then(|| url(offset + limit));
    let previous = (offset > 0).then(|| url(offset.saturating_sub(limit)));
    json!({
        "href": url(offset),
        "items": items,
        "limit": limit,
        "next": next,
        "offset": offset,
        "previous": previous,
        "total": total,
    })
}

/// The slice of `0..total` a page covers.
pub fn window(total: usize, limit: usize, offset: usize) -> std::ops::Range<usize> {
    let start = offset.min(total);
    start..(offset.saturating_add(limit)).min(total)
}

/// SimplifiedArtistObject.
pub fn simple_artist(b: &str, a: &Artist) -> Value {
    json!({
        "external_urls": open("artist", &a.id),
        "href": format!("{b}/v1/artists/{}", a.id),
        "id": a.id,
        "name": a.name,
        "type": "artist",
        "uri": format!("spotify:artist:{}", a.id),
    })
}

/// ArtistObject.
pub fn artist(b: &str, a: &Artist) -> Value {
    json!({
        "external_urls": open("artist", &a.id),
        "followers": { "href": null, "total": a.followers },
        "genres": a.genres,
        "href": format!("{b}/v1/artists/{}", a.id),
        "id": a.id,
        "images": images(b, &a.id),
        "name": a.name,
        "popularity": a.popularity,
        "type": "artist",
        "uri": format!("spotify:artist:{}", a.id),
    })
}

fn artists(b: &str, lib: &Library, idx: &[usize]) -> Value {
    Value::Array(
        idx.iter()
            .map(|&a| simple_artist(b, &lib.artists[a]))
            .collect(),
    )
}

/// SimplifiedAlbumObject.
pub fn simple_album(b: &str, lib: &Library, al: &Album) -> Value {
    json!({
        "album_type": al.album_type,
        "total_tracks": al.tracks.len(),
        "artists": artists(b, lib, &al.artists),
        "external_urls": open("album", &al.id),
        "href": format!("{b}/v1/albums/{}", al.id),
        "id": al.id,
        "images": images(b, &al.id),
        "name": al.name,
        "release_date": al.release_date,
        "release_date_precision": al.release_date_precision,
        "type": "album",
        "uri": format!("spotify:album:{}", al.id),
    })
}

/// AlbumObject with the first page (50) of its simplified tracks.
pub fn album(b: &str, lib: &Library, al: &Album) -> Value {
    let tracks = album_tracks_page(b, lib, al, 50, 0);
    let mut v = simple_album(b, lib, al);
    let year = &al.release_date[..4];
    v["tracks"] = tracks;
    v["label"] = json!(al.label);
    v["copyrights"] = json!([
        { "text": format!("© {year} {}", al.label), "type": "C" },
        { "text": format!("℗ {year} {}", al.label), "type": "P" },
    ]);
    v["external_ids"] = json!({ "upc": al.upc });
    v["genres"] = json!([]);
    v
}

/// A page of an album's simplified tracks.
pub fn album_tracks_page(b: &str, lib: &Library, al: &Album, limit: usize, offset: usize) -> Value {
    let range = window(al.tracks.len(), limit, offset);
    let items = al.tracks[range]
        .iter()
        .map(|&t| simple_track(b, lib, &lib.tracks[t]))
        .collect();
    paging(
        b,
        &format!("/v1/albums/{}/tracks", al.id),
        "",
        items,
        limit,
        offset,
        al.tracks.len(),
    )
}

fn preview(b: &str, t: &Track) -> Value {
    if t.preview {
        json!(format!("{b}/_mock/previews/{}.mp3", t.id))
    } else {
        Value::Null
    }
}

/// SimplifiedTrackObject (inside an album, so no `album` field).
pub fn simple_track(b: &str, lib: &Library, t: &Track) -> Value {
    let mut v = json!({
        "artists": artists(b, lib, &t.artists),
        "disc_number": t.disc_number,
        "duration_ms": t.duration_ms,
        "explicit": t.explicit,
        "external_urls": open("track", &t.id),
        "href": format!("{b}/v1/tracks/{}", t.id),
        "id": t.id,
        "is_local": false,
        "is_playable": t.playable,
        "name": t.name,
        "preview_url": preview(b, t),
        "track_number": t.track_number,
        "type": "track",
        "uri": format!("spotify:track:{}", t.id),
    });
    if !t.playable {
        v["restrictions"] = json!({ "reason": "market" });
    }
    v
}

/// TrackObject.
pub fn track(b: &str, lib: &Library, t: &Track) -> Value {
    let mut v = simple_track(b, lib, t);
    v["album"] = simple_album(b, lib, &lib.albums[t.album]);
    v["external_ids"] = match &t.isrc {
        Some(isrc) => json!({ "isrc": isrc }),
        None => json!({}),
    };
    v
}

/// EpisodeObject with its show.
pub fn episode(b: &str, e: &Episode) -> Value {
    let description = format!("{} from {}.", e.name, e.show_name);
    json!({
        "audio_preview_url": null,
        "description": description,
        "html_description": format!("<p>{description}</p>"),
        "duration_ms": e.duration_ms,
        "explicit": false,
        "external_urls": open("episode", &e.id),
        "href": format!("{b}/v1/episodes/{}", e.id),
        "id": e.id,
        "images": images(b, &e.show_id),
        "is_externally_hosted": false,
        "is_playable": true,
        "language": "en",
        "languages": ["en"],
        "name": e.name,
        "release_date": e.release_date,
        "release_date_precision": "day",
        "type": "episode",
        "uri": format!("spotify:episode:{}", e.id),
        "show": {
            "description": "A show about self-hosting music.",
            "html_description": "<p>A show about self-hosting music.</p>",
            "explicit": false,
            "external_urls": open("show", &e.show_id),
            "href": format!("{b}/v1/shows/{}", e.show_id),
            "id": e.show_id,
            "images": images(b, &e.show_id),
            "is_externally_hosted": false,
            "languages": ["en"],
            "media_type": "audio",
            "name": e.show_name,
            "publisher": e.publisher,
            "total_episodes": 120,
            "type": "show",
            "uri": format!("spotify:show:{}", e.show_id),
        },
    })
}

/// A local file as Spotify describes it: names only, every ID null.
pub fn local_track(artist: &str, album: &str, title: &str, duration_s: u64) -> Value {
    json!({
        "album": {
            "album_type": null,
            "artists": [],
            "available_markets": [],
            "external_urls": {},
            "href": null,
            "id": null,
            "images": [],
            "name": album,
            "release_date": null,
            "release_date_precision": null,
            "type": "album",
            "uri": null,
        },
        "artists": [{
            "external_urls": {},
            "href": null,
            "id": null,
            "name": artist,
            "type": "artist",
            "uri": null,
        }],
        "disc_number": 0,
        "duration_ms": duration_s * 1000,
        "explicit": false,
        "external_ids": {},
        "external_urls": {},
        "href": null,
        "id": null,
        "is_local": true,
        "name": title,
        "preview_url": null,
        "track_number": 0,
        "type": "track",
        "uri": format!("spotify:local:{}:{}:{}:{duration_s}", enc(artist), enc(album), enc(title)),
    })
}

/// The object at a playlist position (or null).
pub fn item(b: &str, lib: &Library, it: &ItemRef) -> Value {
    match it {
        ItemRef::Track(t) => track(b, lib, &lib.tracks[*t]),
        ItemRef::Episode(e) => episode(b, &lib.episodes[*e]),
        ItemRef::Local {
            artist,
            album,
            title,
            duration_s,
        } => local_track(artist, album, title, *duration_s),
        ItemRef::Null => Value::Null,
    }
}

/// PlaylistTrackObject; `item` and the legacy `track` carry the same value.
pub fn playlist_item(b: &str, lib: &Library, pi: &PlaylistItem) -> Value {
    let value = item(b, lib, &pi.item);
    json!({
        "added_at": util::iso_secs(pi.added_at),
        "added_by": {
            "external_urls": open("user", &pi.added_by),
            "href": format!("{b}/v1/users/{}", pi.added_by),
            "id": pi.added_by,
            "type": "user",
            "uri": format!("spotify:user:{}", pi.added_by),
        },
        "is_local": matches!(pi.item, ItemRef::Local { .. }),
        "primary_color": null,
        "video_thumbnail": { "url": null },
        "item": value.clone(),
        "track": value,
    })
}

/// A public user object (playlist owner).
pub fn owner(b: &str, u: &User) -> Value {
    json!({
        "display_name": u.display_name,
        "external_urls": open("user", &u.id),
        "href": format!("{b}/v1/users/{}", u.id),
        "id": u.id,
        "type": "user",
        "uri": format!("spotify:user:{}", u.id),
    })
}

/// SimplifiedPlaylistObject.
pub fn simple_playlist(b: &str, p: &Playlist) -> Value {
    let images = if p.has_images {
        images(b, &p.id)
    } else {
        Value::Null
    };
    json!({
        "collaborative": p.collaborative,
        "description": p.description,
        "external_urls": open("playlist", &p.id),
        "href": format!("{b}/v1/playlists/{}", p.id),
        "id": p.id,
        "images": images,
        "name": p.name,
        "owner": owner(b, &p.owner),
        "primary_color": null,
        "public": p.public,
        "snapshot_id": p.snapshot_id(),
        "items": { "href": format!("{b}/v1/playlists/{}/items", p.id), "total": p.items.len() },
        "tracks": { "href": format!("{b}/v1/playlists/{}/tracks", p.id), "total": p.items.len() },
        "type": "playlist",
        "uri": format!("spotify:playlist:{}", p.id),
    })
}

/// A page of a playlist's items; `leaf` is `items` or the legacy `tracks`.
pub fn playlist_items_page(
    b: &str,
    lib: &Library,
    p: &Playlist,
    leaf: &str,
    limit: usize,
    offset: usize,
) -> Value {
    let range = window(p.items.len(), limit, offset);
    let items = p.items[range]
        .iter()
        .map(|pi| playlist_item(b, lib, pi))
        .collect();
    paging(
        b,
        &format!("/v1/playlists/{}/{leaf}", p.id),
        "",
        items,
        limit,
        offset,
        p.items.len(),
    )
}

/// PlaylistObject; `with_items` false leaves the item pages out (what the
/// development-mode rule does for playlists the user may not read).
pub fn playlist(b: &str, lib: &Library, p: &Playlist, with_items: bool) -> Value {
    let mut v = simple_playlist(b, p);
    v["followers"] = json!({ "href": null, "total": p.followers });
    if with_items {
        v["items"] = playlist_items_page(b, lib, p, "items", 100, 0);
        v["tracks"] = playlist_items_page(b, lib, p, "tracks", 100, 0);
    } else if let Some(obj) = v.as_object_mut() {
        obj.remove("items");
        obj.remove("tracks");
    }
    v
}

/// The current user's private profile.
pub fn me(b: &str, u: &User) -> Value {
    json!({
        "country": crate::model::USER_MARKET,
        "display_name": u.display_name,
        "email": format!("{}@example.com", u.id),
        "explicit_content": { "filter_enabled": false, "filter_locked": false },
        "external_urls": open("user", &u.id),
        "followers": { "href": null, "total": 3 },
        "href": format!("{b}/v1/users/{}", u.id),
        "id": u.id,
        "images": images(b, &u.id),
        "product": "premium",
        "type": "user",
        "uri": format!("spotify:user:{}", u.id),
    })
}
