//! Spotify's wire types to the vault's `New*` types.

use vault::model::{NewAlbum, NewArtist, NewPlaylist, NewTrack};

use crate::wire;

/// The image the UI shows (the one nearest 300 px) and every size as JSON.
pub fn images(images: Option<&Vec<wire::Image>>) -> (Option<String>, Option<String>) {
    let Some(images) = images.filter(|i| !i.is_empty()) else {
        return (None, None);
    };
    let shown = images
        .iter()
        .min_by_key(|i| i.width.unwrap_or(300).abs_diff(300))
        .map(|i| i.url.clone());
    let all: Vec<serde_json::Value> = images
        .iter()
        .map(|i| serde_json::json!({"url": i.url, "width": i.width, "height": i.height}))
        .collect();
    (shown, serde_json::to_string(&all).ok())
}

pub fn artist(a: &wire::SimplifiedArtist) -> NewArtist {
    NewArtist {
        spotify_id: a.id.clone(),
        name: a.name.clone(),
        image_url: None,
    }
}

/// A full artist object (followed, or in a top list) as the vault keeps it.
pub fn full_artist(a: &wire::Artist) -> NewArtist {
    NewArtist {
        spotify_id: Some(a.id.clone()),
        name: a.name.clone(),
        image_url: images(a.images.as_ref()).0,
    }
}

pub fn album(a: &wire::SimplifiedAlbum) -> NewAlbum {
    let (image_url, images) = images(a.images.as_ref());
    NewAlbum {
        spotify_id: a.id.clone(),
        name: a.name.clone(),
        album_type: a.album_type.clone().unwrap_or_else(|| "album".into()),
        release_date: a.release_date.clone(),
        release_date_precision: a.release_date_precision.clone(),
        total_tracks: a.total_tracks,
        image_url,
        images,
        artists: a.artists.iter().map(artist).collect(),
    }
}

/// A track; `album` stands in for a track listed under its album (which has no `album` field).
pub fn track(t: &wire::Track, album_override: Option<&wire::SimplifiedAlbum>) -> NewTrack {
    let album_wire = t.album.as_ref().or(album_override);
    NewTrack {
        spotify_id: t.id.clone(),
        isrc: t
            .external_ids
            .as_ref()
            .and_then(|e| e.isrc.clone())
            .filter(|i| !i.is_empty()),
        title: t.name.clone(),
        // A local file's album has no ID and would be a new row each time; its
        // name stays on the track's label instead.
        album: album_wire.filter(|a| a.id.is_some()).map(album),
        artists: t.artists.iter().map(artist).collect(),
        disc_number: t.disc_number.unwrap_or(1),
        track_number: t.track_number,
        duration_ms: t.duration_ms.unwrap_or(0).max(0),
        explicit: t.explicit.unwrap_or(false),
        is_local: t.is_local.unwrap_or(false),
        is_playable: t.is_playable,
        preview_url: t.preview_url.clone(),
    }
}

pub fn playlist(p: &wire::SimplifiedPlaylist) -> NewPlaylist {
    let (image_url, images) = images(p.images.as_ref());
    NewPlaylist {
        spotify_id: Some(p.id.clone()),
        name: p.name.clone(),
        description: p.description.clone().filter(|d| !d.is_empty()),
        owner_id: p.owner.as_ref().and_then(|o| o.id.clone()),
        owner_name: p
            .owner
            .as_ref()
            .and_then(|o| o.display_name.clone().or(o.id.clone())),
        snapshot_id: p.snapshot_id.clone(),
        public: p.public,
        collaborative: p.collaborative.unwrap_or(false),
        image_url,
        images,
    }
}
