//! The library as a browser keeps it: a copy of every track, album, artist,
//! playlist and liked song, brought up to date from the vault's change feed
//! ([`LibraryChanges`]), and the same track-list queries the vault answers
//! ([`Mirror::track_list`]), answered from that copy when the server cannot be
//! reached.
//!
//! The vault computes the rows (names with edits applied, counts, marks,
//! tags); the copy only filters, sorts and pages them, with the vault's own
//! rules: text compared with ASCII letters folded (SQLite's `NOCASE` and
//! `LIKE`), missing values before all others, every order ending on the
//! list's own. `vault/tests/mirror.rs` holds the two to the same answers.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::{
    Album, Artist, ArtistRef, Id, Page, Playlist, Track, TrackFilter, TrackList, TrackQuery,
    TrackSort,
};
use crate::smart::SmartPlaylist;

/// Changed things per page of the feed.
pub const CHANGES_PAGE: i64 = 2000;

/// Search words past this many are ignored.
pub const MAX_SEARCH_WORDS: usize = 16;

/// One page of the change feed: the current state of everything that
/// changed after the asked-for position, up to [`CHANGES_PAGE`] things.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LibraryChanges {
    /// Where the next page starts: ask again from here.
    pub next: i64,
    /// Whether more changes follow this page.
    pub more: bool,
    /// The asked-for position is ahead of the vault (a vault restored from
    /// an older backup, say): drop the copy and start again from this page.
    pub reset: bool,
    pub tracks: Vec<MirrorTrack>,
    pub albums: Vec<MirrorAlbum>,
    pub artists: Vec<MirrorArtist>,
    pub liked: Vec<LikedEntry>,
    /// Tracks that left liked songs.
    pub unliked: Vec<Id>,
    pub playlists: Vec<MirrorPlaylist>,
    pub smart: Vec<SmartPlaylist>,
    /// Smart playlists deleted (or another listener's).
    pub smart_gone: Vec<Id>,
    /// On the last page only: every smart playlist's tracks as its rule picks
    /// them now (a rule reads plays and dates, which change without a feed entry).
    pub smart_tracks: Option<Vec<(Id, Vec<Id>)>>,
}

/// A track row, plus what the queries need that the row does not show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MirrorTrack {
    pub track: Track,
    /// The credited artists as Spotify has them (search and the artist sort
    /// use these; the row shows the edited ones).
    pub credits: Vec<ArtistRef>,
    pub first_played_ms: Option<i64>,
    pub last_played_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MirrorAlbum {
    pub album: Album,
    /// When it was saved to the library, if it is there now.
    pub saved_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MirrorArtist {
    pub artist: Artist,
    pub followed: bool,
}

/// A liked song: the track, when it was liked, and the like's own id (the tie-break).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LikedEntry {
    pub track_id: Id,
    pub added_at: String,
    pub entry: Id,
}

/// A playlist and its current track entries in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MirrorPlaylist {
    pub playlist: Playlist,
    pub entries: Vec<PlaylistEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaylistEntry {
    pub entry: Id,
    pub position: i64,
    pub track_id: Id,
    pub added_at: Option<String>,
}

/// The words of a search, each in every case it is tried in: `LIKE` folds
/// ASCII letters itself, other letters must be tried as names are written
/// (lower case, capitalised, upper case, as typed).
pub fn search_words(text: &str) -> Vec<Vec<String>> {
    text.split_whitespace()
        .take(MAX_SEARCH_WORDS)
        .map(|word| {
            let lower = word.to_lowercase();
            let mut cases = vec![lower.clone()];
            if !word.is_ascii() {
                let mut chars = lower.chars();
                let capitalised: String = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                for case in [capitalised, word.to_uppercase(), word.to_string()] {
                    if !cases.contains(&case) {
                        cases.push(case);
                    }
                }
            }
            cases
        })
        .collect()
}

/// `LIKE '%needle%'`: ASCII letters folded, everything else exact.
fn contains_folded(hay: &str, needle: &str) -> bool {
    let hay = hay.to_ascii_lowercase();
    hay.contains(&needle.to_ascii_lowercase())
}

/// `COLLATE NOCASE`: bytes compared with ASCII letters folded.
fn cmp_nocase(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// One sort key's value; `None` sorts first, as SQLite's NULL does.
#[derive(Clone, Copy, Debug)]
enum Key<'a> {
    Int(Option<i64>),
    /// Compared with ASCII letters folded.
    Text(Option<&'a str>),
    /// Compared byte by byte (dates).
    Raw(Option<&'a str>),
    /// Sorted the other way round (liked songs' newest-first order).
    IntDown(Option<i64>),
    RawDown(Option<&'a str>),
}

impl Key<'_> {
    /// The same key sorted the other way.
    fn flip(self) -> Self {
        match self {
            Key::Int(v) => Key::IntDown(v),
            Key::IntDown(v) => Key::Int(v),
            Key::Raw(v) => Key::RawDown(v),
            Key::RawDown(v) => Key::Raw(v),
            text => text,
        }
    }
}

fn cmp_key(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Int(a), Key::Int(b)) => a.cmp(b),
        (Key::Text(a), Key::Text(b)) => match (a, b) {
            (Some(a), Some(b)) => cmp_nocase(a, b),
            _ => a.is_some().cmp(&b.is_some()),
        },
        (Key::Raw(a), Key::Raw(b)) => a.cmp(b),
        (Key::IntDown(a), Key::IntDown(b)) => b.cmp(a),
        (Key::RawDown(a), Key::RawDown(b)) => b.cmp(a),
        _ => Ordering::Equal,
    }
}

/// A row of a list before sorting: the track, the date it entered the list,
/// and the list's own order.
struct Row<'a> {
    track: &'a MirrorTrack,
    added: Option<&'a str>,
    natural: [Key<'a>; 3],
}

/// The library copy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Mirror {
    /// The feed position read up to.
    pub cursor: i64,
    pub tracks: HashMap<Id, MirrorTrack>,
    pub albums: HashMap<Id, MirrorAlbum>,
    pub artists: HashMap<Id, MirrorArtist>,
    pub liked: HashMap<Id, LikedEntry>,
    pub playlists: HashMap<Id, MirrorPlaylist>,
    pub smart: HashMap<Id, SmartPlaylist>,
    pub smart_tracks: HashMap<Id, Vec<Id>>,
}

impl Mirror {
    /// Applies one page of the feed.
    pub fn apply(&mut self, changes: LibraryChanges) {
        if changes.reset {
            *self = Mirror::default();
        }
        for t in changes.tracks {
            self.tracks.insert(t.track.id, t);
        }
        for a in changes.albums {
            self.albums.insert(a.album.id, a);
        }
        for a in changes.artists {
            self.artists.insert(a.artist.id, a);
        }
        for l in changes.liked {
            self.liked.insert(l.track_id, l);
        }
        for id in changes.unliked {
            self.liked.remove(&id);
        }
        for p in changes.playlists {
            self.playlists.insert(p.playlist.id, p);
        }
        for s in changes.smart {
            self.smart.insert(s.id, s);
        }
        for id in changes.smart_gone {
            self.smart.remove(&id);
            self.smart_tracks.remove(&id);
        }
        if let Some(all) = changes.smart_tracks {
            self.smart_tracks = all.into_iter().collect();
        }
        self.cursor = changes.next;
    }

    /// One window of a track list, as [`Vault::track_list`](crate::Vault) answers it.
    pub fn track_list(
        &self,
        list: &TrackList,
        query: &TrackQuery,
        offset: i64,
        limit: i64,
    ) -> Page<Track> {
        let offset = offset.max(0);
        let limit = limit.clamp(0, 200);
        let rows = self.sorted_rows(list, query);
        let total = rows.len() as i64;
        let items = rows
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(Self::row_track)
            .collect();
        Page {
            items,
            total,
            offset,
        }
    }

    /// The whole of a track list in the order of `query`: what the windows
    /// of [`Mirror::track_list`] make one after another, filtered and sorted once.
    pub fn whole_list(&self, list: &TrackList, query: &TrackQuery) -> Vec<Track> {
        self.sorted_rows(list, query)
            .iter()
            .map(Self::row_track)
            .collect()
    }

    fn row_track(row: &Row<'_>) -> Track {
        Track {
            added_at: row.added.map(str::to_string),
            ..row.track.track.clone()
        }
    }

    /// The rows of `list` that `query` keeps, in its order.
    fn sorted_rows(&self, list: &TrackList, query: &TrackQuery) -> Vec<Row<'_>> {
        let mut rows = self.rows(list);
        let words = search_words(&query.text);
        let only: HashSet<Id> = match &query.filter {
            TrackFilter::Only(ids) => ids.iter().copied().collect(),
            _ => HashSet::new(),
        };
        let tag = query.tag.as_ref().map(|t| t.trim());
        rows.retain(|row| {
            let m = row.track;
            let t = &m.track;
            let kept = match &query.filter {
                TrackFilter::All => true,
                TrackFilter::Downloaded => t.download_state.as_deref() == Some("downloaded"),
                TrackFilter::NotDownloaded => t.download_state.as_deref() != Some("downloaded"),
                TrackFilter::Gone => t.gone_from_spotify_at.is_some(),
                TrackFilter::Only(_) => only.contains(&t.id),
            };
            kept && (!query.loved || t.loved)
                && query
                    .min_rating
                    .is_none_or(|min| t.rating.is_some_and(|r| r >= min))
                && tag.is_none_or(|tag| {
                    t.tags
                        .iter()
                        .any(|have| cmp_nocase(have, tag) == Ordering::Equal)
                })
                && words.iter().all(|cases| {
                    cases.iter().any(|case| {
                        contains_folded(&t.title, case)
                            || t.album_name
                                .as_deref()
                                .is_some_and(|a| contains_folded(a, case))
                            || m.credits.iter().any(|a| contains_folded(&a.name, case))
                    })
                })
        });
        let mut keyed: Vec<(Vec<Key>, Row)> = rows
            .into_iter()
            .map(|r| (Self::sort_keys(list, query.sort, &r), r))
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            let order = a
                .iter()
                .zip(b)
                .map(|(a, b)| cmp_key(a, b))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal);
            if query.descending {
                order.reverse()
            } else {
                order
            }
        });
        keyed.into_iter().map(|(_, row)| row).collect()
    }

    /// The rows of `list`, unsorted, each with its list's own order.
    fn rows(&self, list: &TrackList) -> Vec<Row<'_>> {
        let none = Key::Int(None);
        match list {
            TrackList::Liked => self
                .liked
                .values()
                .filter_map(|l| {
                    let track = self.tracks.get(&l.track_id)?;
                    // Newest first.
                    Some(Row {
                        track,
                        added: Some(&l.added_at),
                        natural: [
                            Key::RawDown(Some(&l.added_at)),
                            Key::IntDown(Some(l.entry)),
                            none,
                        ],
                    })
                })
                .collect(),
            TrackList::Playlist(id) => self
                .playlists
                .get(id)
                .map(|p| {
                    p.entries
                        .iter()
                        .filter_map(|e| {
                            Some(Row {
                                track: self.tracks.get(&e.track_id)?,
                                added: e.added_at.as_deref(),
                                natural: [
                                    Key::Int(Some(e.position)),
                                    Key::Int(Some(e.entry)),
                                    none,
                                ],
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            TrackList::Album(id) => self
                .tracks
                .values()
                .filter(|t| t.track.album_id == Some(*id))
                .map(|t| Row {
                    track: t,
                    added: None,
                    natural: [
                        Key::Int(Some(t.track.disc_number)),
                        Key::Int(t.track.track_number),
                        Key::Int(Some(t.track.id)),
                    ],
                })
                .collect(),
            TrackList::Artist(id) => self
                .tracks
                .values()
                .filter(|t| t.credits.iter().any(|a| a.id == *id))
                .map(|t| Row {
                    track: t,
                    added: None,
                    natural: [
                        Key::Text(Some(&t.track.title)),
                        Key::Int(Some(t.track.id)),
                        none,
                    ],
                })
                .collect(),
            TrackList::Smart(id) => self
                .smart_tracks
                .get(id)
                .filter(|_| self.smart.contains_key(id))
                .map(|ids| {
                    ids.iter()
                        .enumerate()
                        .filter_map(|(at, track)| {
                            Some(Row {
                                track: self.tracks.get(track)?,
                                added: None,
                                natural: [Key::Int(Some(at as i64)), none, none],
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The keys `sort` orders `row` by, ending on the list's own order (as
    /// the vault's `sort_keys`).
    fn sort_keys<'a>(list: &TrackList, sort: TrackSort, row: &Row<'a>) -> Vec<Key<'a>> {
        let t = &row.track.track;
        let disc = [Key::Int(Some(t.disc_number)), Key::Int(t.track_number)];
        let liked = matches!(list, TrackList::Liked);
        let mut keys: Vec<Key<'a>> = match sort {
            TrackSort::Natural => vec![],
            TrackSort::Title => vec![Key::Text(Some(&t.title))],
            TrackSort::Artist => {
                let first = row.track.credits.first().map(|a| a.name.as_str());
                [Key::Text(first), Key::Text(t.album_name.as_deref())]
                    .into_iter()
                    .chain(disc)
                    .collect()
            }
            TrackSort::Album => std::iter::once(Key::Text(t.album_name.as_deref()))
                .chain(disc)
                .collect(),
            // Liked songs are in added order already, newest first.
            TrackSort::Added if liked => return row.natural.iter().map(|k| k.flip()).collect(),
            TrackSort::Added if matches!(list, TrackList::Playlist(_)) => vec![Key::Raw(row.added)],
            TrackSort::Added => vec![],
            TrackSort::Duration => vec![Key::Int(Some(t.duration_ms))],
            TrackSort::Plays => vec![Key::Int(Some(t.plays))],
            TrackSort::Skips => vec![Key::Int(Some(t.skips))],
            TrackSort::LastPlayed => vec![Key::Int(Some(row.track.last_played_ms.unwrap_or(0)))],
            TrackSort::FirstPlayed => {
                vec![Key::Int(Some(row.track.first_played_ms.unwrap_or(0)))]
            }
            TrackSort::Rating => vec![
                Key::Int(Some(t.rating.unwrap_or(0))),
                Key::Int(Some(t.loved as i64)),
            ],
        };
        keys.extend(row.natural);
        keys
    }

    /// An album and its tracks in disc and track order (as `Vault::album`).
    pub fn album(&self, id: Id) -> Option<(Album, Vec<Track>)> {
        let album = self.albums.get(&id)?.album.clone();
        let tracks = self
            .track_list(&TrackList::Album(id), &TrackQuery::default(), 0, 200)
            .items;
        Some((album, tracks))
    }

    /// An artist, the albums they are credited on (newest first), and their
    /// tracks by title (as `Vault::artist`).
    pub fn artist(&self, id: Id) -> Option<(Artist, Vec<Album>, Vec<Track>)> {
        let artist = self.artists.get(&id)?.artist.clone();
        let mut albums: Vec<Album> = self
            .albums
            .values()
            .filter(|a| a.album.artists.iter().any(|r| r.id == id))
            .map(|a| a.album.clone())
            .collect();
        albums.sort_by(|a, b| {
            b.release_date
                .cmp(&a.release_date)
                .then_with(|| a.name.cmp(&b.name))
        });
        let tracks = self
            .track_list(&TrackList::Artist(id), &TrackQuery::default(), 0, 200)
            .items;
        Some((artist, albums, tracks))
    }

    /// Every playlist, those still in the library first, by name (as `Vault::playlists`).
    pub fn playlists(&self) -> Vec<Playlist> {
        let mut all: Vec<Playlist> = self
            .playlists
            .values()
            .map(|p| p.playlist.clone())
            .collect();
        all.sort_by(|a, b| {
            a.removed_at
                .is_some()
                .cmp(&b.removed_at.is_some())
                .then_with(|| cmp_nocase(&a.name, &b.name))
                .then(a.id.cmp(&b.id))
        });
        all
    }

    /// How many things the copy holds: tracks, albums, artists, playlists.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.tracks.len(),
            self.albums.len(),
            self.artists.len(),
            self.playlists.len(),
        )
    }
}
