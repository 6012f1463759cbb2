//! Spotify's JSON, as the Web API sends it in 2026. These types stay at the
//! edge: [`crate::map`] turns them into the vault's `New*` types.
//!
//! Every field that Spotify documents as nullable, or has dropped for some
//! apps since 2025 (ISRCs, images, popularity), is optional here, so a
//! missing field never fails a page.

use serde::Deserialize;

/// A page of an offset-paged list (`next` is null on the last page).
#[derive(Debug, Deserialize)]
pub struct Paging<T> {
    pub items: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub offset: Option<u64>,
}

/// A page of a cursor-paged list (followed artists, recently played).
#[derive(Debug, Deserialize)]
pub struct CursorPaging<T> {
    pub items: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub cursors: Option<Cursors>,
}

#[derive(Debug, Deserialize)]
pub struct Cursors {
    #[serde(default)]
    pub after: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Image {
    pub url: String,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

/// `GET /me`.
#[derive(Debug, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub images: Option<Vec<Image>>,
}

/// The short user object of playlist owners and `added_by`.
#[derive(Clone, Debug, Deserialize)]
pub struct PublicUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SimplifiedArtist {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
}

/// A followed artist.
#[derive(Debug, Deserialize)]
pub struct Artist {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub images: Option<Vec<Image>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SimplifiedAlbum {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub album_type: Option<String>,
    #[serde(default)]
    pub total_tracks: Option<i64>,
    #[serde(default)]
    pub release_date: Option<String>,
    #[serde(default)]
    pub release_date_precision: Option<String>,
    #[serde(default)]
    pub images: Option<Vec<Image>>,
    #[serde(default)]
    pub artists: Vec<SimplifiedArtist>,
    /// How the release relates to the artist whose releases were listed
    /// (`/artists/{id}/albums` only).
    #[serde(default)]
    pub album_group: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ExternalIds {
    #[serde(default)]
    pub isrc: Option<String>,
}

/// A track; `album` is absent in an album's own track list.
#[derive(Clone, Debug, Deserialize)]
pub struct Track {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    pub name: String,
    #[serde(default)]
    pub album: Option<SimplifiedAlbum>,
    #[serde(default)]
    pub artists: Vec<SimplifiedArtist>,
    #[serde(default)]
    pub disc_number: Option<i64>,
    #[serde(default)]
    pub track_number: Option<i64>,
    #[serde(default)]
    pub duration_ms: Option<i64>,
    #[serde(default)]
    pub explicit: Option<bool>,
    #[serde(default)]
    pub external_ids: Option<ExternalIds>,
    #[serde(default)]
    pub is_local: Option<bool>,
    #[serde(default)]
    pub is_playable: Option<bool>,
    #[serde(default)]
    pub preview_url: Option<String>,
}

/// A podcast episode in a playlist: kept as a labelled entry, not a track.
#[derive(Clone, Debug, Deserialize)]
pub struct Episode {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub show: Option<Show>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Show {
    pub name: String,
}

/// What a playlist entry holds.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Playable {
    Track(Box<Track>),
    Episode(Episode),
}

/// An entry of `GET /playlists/{id}/items`. The entry is under `item`; older
/// responses (and the legacy `/tracks` endpoint) call it `track`. Either may
/// be null for an entry Spotify no longer serves.
#[derive(Clone, Debug, Deserialize)]
pub struct PlaylistEntry {
    #[serde(default)]
    pub added_at: Option<String>,
    #[serde(default)]
    pub added_by: Option<PublicUser>,
    #[serde(default)]
    pub is_local: Option<bool>,
    #[serde(default)]
    pub item: Option<Playable>,
    #[serde(default)]
    pub track: Option<Playable>,
}

impl PlaylistEntry {
    /// The entry's content, whichever key it came under.
    pub fn content(&self) -> Option<&Playable> {
        self.item.as_ref().or(self.track.as_ref())
    }
}

/// The item count of a playlist (`items`, formerly `tracks`).
#[derive(Clone, Debug, Deserialize)]
pub struct ItemsRef {
    #[serde(default)]
    pub total: Option<u64>,
}

/// An entry of `GET /me/playlists`.
#[derive(Clone, Debug, Deserialize)]
pub struct SimplifiedPlaylist {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owner: Option<PublicUser>,
    #[serde(default)]
    pub snapshot_id: Option<String>,
    #[serde(default)]
    pub public: Option<bool>,
    #[serde(default)]
    pub collaborative: Option<bool>,
    #[serde(default)]
    pub images: Option<Vec<Image>>,
    #[serde(default)]
    pub items: Option<ItemsRef>,
    #[serde(default)]
    pub tracks: Option<ItemsRef>,
}

/// An entry of liked songs.
#[derive(Debug, Deserialize)]
pub struct SavedTrack {
    pub added_at: String,
    pub track: Option<Track>,
}

/// A saved album (the full album object with its first page of tracks).
#[derive(Debug, Deserialize)]
pub struct SavedAlbum {
    pub added_at: String,
    pub album: FullAlbum,
}

#[derive(Debug, Deserialize)]
pub struct FullAlbum {
    #[serde(flatten)]
    pub album: SimplifiedAlbum,
    #[serde(default)]
    pub tracks: Option<Paging<Track>>,
}

/// `GET /me/following?type=artist`.
#[derive(Debug, Deserialize)]
pub struct FollowedArtists {
    pub artists: CursorPaging<Artist>,
}

/// An entry of recently played.
#[derive(Debug, Deserialize)]
pub struct PlayHistory {
    pub track: Track,
    pub played_at: String,
    #[serde(default)]
    pub context: Option<Context>,
}

/// Where a play came from (`playlist`, `album`, `artist`, `collection`).
#[derive(Clone, Debug, Deserialize)]
pub struct Context {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
}

/// Spotify's error body: `{"error": {"status": 429, "message": "..."}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

#[derive(Debug, Deserialize)]
pub struct ErrorObject {
    #[serde(default)]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlist_entries_accept_item_track_null_local_and_episode() {
        let json = r#"{"items":[
            {"added_at":"2024-01-01T00:00:00Z","is_local":false,"item":{"type":"track","id":"a","name":"New key","artists":[]}},
            {"added_at":"2024-01-02T00:00:00Z","is_local":false,"track":{"type":"track","id":"b","name":"Old key","artists":[]}},
            {"added_at":"2024-01-03T00:00:00Z","is_local":false,"item":null,"track":null},
            {"added_at":"2024-01-04T00:00:00Z","is_local":true,"item":{"type":"track","id":null,"uri":"spotify:local:A:B:C:200","name":"C","artists":[{"id":null,"name":"A"}]}},
            {"added_at":"2024-01-05T00:00:00Z","is_local":false,"item":{"type":"episode","id":"e","name":"Ep 1","show":{"name":"Pod"}}}
        ],"next":null,"total":5}"#;
        let page: Paging<PlaylistEntry> = serde_json::from_str(json).expect("parses");
        let names: Vec<String> = page
            .items
            .iter()
            .map(|e| match e.content() {
                Some(Playable::Track(t)) => t.name.clone(),
                Some(Playable::Episode(e)) => format!("episode {}", e.name),
                None => "null".into(),
            })
            .collect();
        assert_eq!(names, ["New key", "Old key", "null", "C", "episode Ep 1"]);
        assert_eq!(page.next, None);
    }
}
