//! The in-memory library the mock serves: catalogue, the user's saved things,
//! and the mutations tests apply to it.
//!
//! Everything refers to catalogue entries by index (not ID) so generation of
//! tens of thousands of entries stays cheap; ID lookups go through maps.

use std::collections::HashMap;

use base64::Engine as _;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::util;

/// The listener's country, which `market=from_token` stands for.
pub const USER_MARKET: &str = "SE";

/// A catalogue artist.
#[derive(Clone, Debug)]
pub struct Artist {
    pub id: String,
    pub name: String,
    pub genres: Vec<String>,
    pub popularity: u32,
    pub followers: u64,
}

/// A catalogue album.
#[derive(Clone, Debug)]
pub struct Album {
    pub id: String,
    pub name: String,
    pub album_type: &'static str,
    pub artists: Vec<usize>,
    pub release_date: String,
    pub release_date_precision: &'static str,
    pub tracks: Vec<usize>,
    pub label: String,
    pub upc: String,
    /// The markets that may see this release; `None` for everywhere. A
    /// regional edition (its own ID, the same recordings) is listed only
    /// where it is sold, so a request without `market` sees both editions.
    pub markets: Option<Vec<&'static str>>,
}

impl Album {
    /// Whether a listener in `market` can see this release.
    pub fn sold_in(&self, market: &str) -> bool {
        self.markets
            .as_ref()
            .is_none_or(|m| m.iter().any(|x| x.eq_ignore_ascii_case(market)))
    }
}

/// A catalogue track.
#[derive(Clone, Debug)]
pub struct Track {
    pub id: String,
    pub name: String,
    pub album: usize,
    pub artists: Vec<usize>,
    pub disc_number: u32,
    pub track_number: u32,
    pub duration_ms: u64,
    pub explicit: bool,
    pub isrc: Option<String>,
    pub playable: bool,
    pub preview: bool,
}

/// A podcast episode (only ever appears inside playlists).
#[derive(Clone, Debug)]
pub struct Episode {
    pub id: String,
    pub name: String,
    pub show_id: String,
    pub show_name: String,
    pub publisher: String,
    pub duration_ms: u64,
    pub release_date: String,
}

/// What one playlist position holds.
#[derive(Clone, Debug)]
pub enum ItemRef {
    Track(usize),
    Episode(usize),
    /// A local file: Spotify only knows the tags the uploader's client sent.
    Local {
        artist: String,
        album: String,
        title: String,
        duration_s: u64,
    },
    /// A deleted/unresolvable entry; Spotify answers `"track": null` for these.
    Null,
}

/// One playlist position.
#[derive(Clone, Debug)]
pub struct PlaylistItem {
    pub added_at: i64,
    pub added_by: String,
    pub item: ItemRef,
}

/// A user known to the mock (the library owner or another playlist owner).
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub display_name: String,
}

/// A playlist (followed by the user or not).
#[derive(Clone, Debug)]
pub struct Playlist {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: User,
    pub collaborative: bool,
    pub public: bool,
    pub has_images: bool,
    pub followers: u64,
    pub items: Vec<PlaylistItem>,
    /// Bumped by every mutation; the snapshot ID is derived from it.
    pub version: u64,
}

impl Playlist {
    /// Spotify's snapshot IDs are opaque base64 strings; this one encodes the
    /// version plus a digest so any mutation yields a new value.
    pub fn snapshot_id(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.id.as_bytes());
        h.update(self.version.to_be_bytes());
        let digest = h.finalize();
        let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
        base64::engine::general_purpose::STANDARD.encode(format!("{},{hex}", self.version))
    }
}

/// The whole served state apart from auth and faults.
pub struct Library {
    pub user: User,
    pub artists: Vec<Artist>,
    pub albums: Vec<Album>,
    pub tracks: Vec<Track>,
    pub episodes: Vec<Episode>,
    pub playlists: Vec<Playlist>,
    pub artist_index: HashMap<String, usize>,
    pub album_index: HashMap<String, usize>,
    pub track_index: HashMap<String, usize>,
    pub playlist_index: HashMap<String, usize>,
    /// (track, added_at unix seconds), newest first.
    pub liked: Vec<(usize, i64)>,
    /// Playlist indices in /v1/me/playlists order.
    pub followed_playlists: Vec<usize>,
    /// (album, added_at), newest first.
    pub saved_albums: Vec<(usize, i64)>,
    pub followed_artists: Vec<usize>,
    /// The followed artists generated with a whole discography.
    pub discography_artists: Vec<usize>,
    /// (track, played_at unix milliseconds), newest first.
    pub plays: Vec<(usize, i64)>,
    /// Index of the playlist holding the null/local/episode/unavailable items.
    pub quirky_playlist: Option<usize>,
    /// Continues the generator so tracks created later are still reproducible.
    pub rng: ChaCha8Rng,
}

impl Library {
    /// A fresh empty library for `user` with a seeded generator.
    pub fn empty(user: User, seed: u64) -> Library {
        Library {
            user,
            artists: Vec::new(),
            albums: Vec::new(),
            tracks: Vec::new(),
            episodes: Vec::new(),
            playlists: Vec::new(),
            artist_index: HashMap::new(),
            album_index: HashMap::new(),
            track_index: HashMap::new(),
            playlist_index: HashMap::new(),
            liked: Vec::new(),
            followed_playlists: Vec::new(),
            saved_albums: Vec::new(),
            followed_artists: Vec::new(),
            discography_artists: Vec::new(),
            plays: Vec::new(),
            quirky_playlist: None,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A new random 22-character base62 ID.
    pub fn new_id(&mut self) -> String {
        util::base62_id(&mut self.rng)
    }

    /// Looks a playlist up by ID.
    pub fn playlist_mut(&mut self, id: &str) -> Option<&mut Playlist> {
        let idx = *self.playlist_index.get(id)?;
        self.playlists.get_mut(idx)
    }

    /// Current liked track IDs, newest first.
    pub fn liked_ids(&self) -> Vec<String> {
        self.liked
            .iter()
            .map(|(t, _)| self.tracks[*t].id.clone())
            .collect()
    }

    /// Saves a track; a track that is already saved keeps its date, as on
    /// Spotify. Returns false for an unknown track.
    pub fn add_liked(&mut self, track_id: &str) -> bool {
        let Some(&t) = self.track_index.get(track_id) else {
            return false;
        };
        if self.liked.iter().any(|(x, _)| *x == t) {
            return true;
        }
        // Strictly newer than everything so "newest first" stays unambiguous
        // even when several tracks are added within one second.
        let newest = self.liked.first().map(|(_, at)| *at).unwrap_or(0);
        let at = util::now_secs().max(newest + 1);
        self.liked.insert(0, (t, at));
        true
    }

    /// Unsaves a track. Returns false when it was not saved.
    pub fn remove_liked(&mut self, track_id: &str) -> bool {
        let Some(&t) = self.track_index.get(track_id) else {
            return false;
        };
        let before = self.liked.len();
        self.liked.retain(|(x, _)| *x != t);
        self.liked.len() != before
    }

    /// Appends a track (or episode) to a playlist.
    pub fn add_playlist_item(&mut self, playlist_id: &str, track_id: &str) -> Result<(), String> {
        let item = if let Some(&t) = self.track_index.get(track_id) {
            ItemRef::Track(t)
        } else if let Some(e) = self.episodes.iter().position(|e| e.id == track_id) {
            ItemRef::Episode(e)
        } else {
            return Err(format!("unknown track {track_id}"));
        };
        let user = self.user.id.clone();
        let p = self
            .playlist_mut(playlist_id)
            .ok_or_else(|| format!("unknown playlist {playlist_id}"))?;
        let newest = p.items.iter().map(|i| i.added_at).max().unwrap_or(0);
        p.items.push(PlaylistItem {
            added_at: util::now_secs().max(newest),
            added_by: user,
            item,
        });
        p.version += 1;
        Ok(())
    }

    /// Removes the item at `position`.
    pub fn remove_playlist_item(
        &mut self,
        playlist_id: &str,
        position: usize,
    ) -> Result<(), String> {
        let p = self
            .playlist_mut(playlist_id)
            .ok_or_else(|| format!("unknown playlist {playlist_id}"))?;
        if position >= p.items.len() {
            return Err(format!("position {position} out of range"));
        }
        p.items.remove(position);
        p.version += 1;
        Ok(())
    }

    /// Moves the item at `from` so that it ends up at index `to`.
    pub fn move_playlist_item(
        &mut self,
        playlist_id: &str,
        from: usize,
        to: usize,
    ) -> Result<(), String> {
        let p = self
            .playlist_mut(playlist_id)
            .ok_or_else(|| format!("unknown playlist {playlist_id}"))?;
        if from >= p.items.len() || to >= p.items.len() {
            return Err("position out of range".to_string());
        }
        let it = p.items.remove(from);
        p.items.insert(to, it);
        p.version += 1;
        Ok(())
    }

    /// Marks a track as not playable in the user's market. Playlists holding
    /// it count as changed, so their snapshots move too.
    pub fn make_unavailable(&mut self, track_id: &str) -> bool {
        let Some(&t) = self.track_index.get(track_id) else {
            return false;
        };
        self.tracks[t].playable = false;
        for p in &mut self.playlists {
            if p.items
                .iter()
                .any(|i| matches!(i.item, ItemRef::Track(x) if x == t))
            {
                p.version += 1;
            }
        }
        true
    }

    /// Removes a playlist from the user's list (it stays reachable by ID).
    pub fn unfollow_playlist(&mut self, playlist_id: &str) -> bool {
        let Some(&idx) = self.playlist_index.get(playlist_id) else {
            return false;
        };
        let before = self.followed_playlists.len();
        self.followed_playlists.retain(|x| *x != idx);
        before != self.followed_playlists.len()
    }

    /// Adds an artist to the catalogue and returns its index.
    pub fn push_artist(&mut self, a: Artist) -> usize {
        let idx = self.artists.len();
        self.artist_index.insert(a.id.clone(), idx);
        self.artists.push(a);
        idx
    }

    /// Adds an album to the catalogue and returns its index.
    pub fn push_album(&mut self, a: Album) -> usize {
        let idx = self.albums.len();
        self.album_index.insert(a.id.clone(), idx);
        self.albums.push(a);
        idx
    }

    /// Adds a track to the catalogue (and its album's list) and returns its index.
    pub fn push_track(&mut self, t: Track) -> usize {
        let idx = self.tracks.len();
        self.track_index.insert(t.id.clone(), idx);
        let album = t.album;
        self.tracks.push(t);
        self.albums[album].tracks.push(idx);
        idx
    }

    /// Creates a fresh single by a fresh artist and returns the track ID.
    pub fn new_track(&mut self) -> String {
        let artist = crate::gen::make_artist(self, false);
        let a = self.push_artist(artist);
        let album = crate::gen::make_album(self, vec![a], "single", false);
        let al = self.push_album(album);
        let track = crate::gen::make_track(self, al, vec![a], 1, false);
        let id = track.id.clone();
        self.push_track(track);
        id
    }

    /// A new release by the artist `artist_id`, dated today, with `tracks`
    /// new songs, the first of them titled `titles` (new recordings, with
    /// their own ISRCs); returns its album ID, or `None` for an unknown
    /// artist.
    pub fn new_release_titled(
        &mut self,
        artist_id: &str,
        album_type: &'static str,
        tracks: u32,
        titles: &[String],
    ) -> Option<String> {
        let &a = self.artist_index.get(artist_id)?;
        let mut album = crate::gen::make_album(self, vec![a], album_type, false);
        album.release_date = util::date(util::now_secs());
        album.release_date_precision = "day";
        let id = album.id.clone();
        let al = self.push_album(album);
        for number in 1..=tracks.max(titles.len() as u32).max(1) {
            let mut track = crate::gen::make_track(self, al, vec![a], number, false);
            if let Some(title) = titles.get(number as usize - 1) {
                track.name = title.clone();
            }
            self.push_track(track);
        }
        Some(id)
    }

    /// A random value in `range`, from the library's generator.
    pub fn rand_range(&mut self, range: std::ops::Range<u64>) -> u64 {
        self.rng.random_range(range)
    }
}
