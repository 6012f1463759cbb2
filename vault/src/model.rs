//! The domain vocabulary, named once: [`Artist`], [`Album`], [`Track`],
//! [`Playlist`], [`PlaylistItem`], [`DownloadJob`] and [`Play`], and how a
//! track list is asked for ([`TrackList`], [`TrackQuery`]).
//!
//! The write side (`New*`) is what a sync or an import hands the vault; the
//! read side is what the UI shows. Spotify's wire types are not here: they are
//! mapped to these at the edge.

use serde::{Deserialize, Serialize};

/// The vault's own row id (stable for the life of the vault, used in URLs).
pub type Id = i64;

/// One page of a long list, with the size of the whole list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
}

/// Which track list a [`TrackQuery`] runs on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackList {
    /// The current liked songs.
    Liked,
    /// The current track entries of a playlist (a track in it twice is listed twice).
    Playlist(Id),
    /// An album's tracks.
    Album(Id),
    /// A smart playlist's tracks, as its rule picks and orders them now.
    Smart(Id),
    /// The tracks an artist is credited on, by title.
    Artist(Id),
}

/// Which rows of a track list to keep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackFilter {
    /// Every row.
    #[default]
    All,
    /// Tracks whose download finished.
    Downloaded,
    /// Tracks with no download job, or one that has not finished.
    NotDownloaded,
    /// Tracks Spotify no longer serves.
    Gone,
    /// Only these tracks (the browser's offline copies, say).
    Only(Vec<Id>),
}

/// The order of a track list. Every sort ends on the list's own order, so
/// rows that tie keep a fixed place and pages neither repeat nor skip one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackSort {
    /// The list's own order: liked songs newest first, a playlist by
    /// position, an album by disc and track number.
    #[default]
    Natural,
    /// By title.
    Title,
    /// By the first credited artist, then album, disc and track number.
    Artist,
    /// By album name, then disc and track number.
    Album,
    /// By when the track entered the list, oldest first.
    Added,
    /// Shortest first.
    Duration,
    /// Fewest plays first.
    Plays,
    /// Fewest skips first.
    Skips,
    /// Longest ago first; never played before all.
    LastPlayed,
    /// Earliest first; never played before all.
    FirstPlayed,
    /// Lowest rated first; not rated before all.
    Rating,
}

/// Search, filter and sort of a track list, done by the database so a long
/// list can be fetched a window at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackQuery {
    /// Words that must each occur in the title, an artist or the album name.
    pub text: String,
    /// Which rows to keep.
    pub filter: TrackFilter,
    /// The order, ascending unless `descending`.
    pub sort: TrackSort,
    /// Reverses the whole order (ties included), `Natural` too.
    pub descending: bool,
    /// Only loved tracks.
    #[serde(default)]
    pub loved: bool,
    /// Only tracks rated at least this (1–5).
    #[serde(default)]
    pub min_rating: Option<i64>,
    /// Only tracks with this personal tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// The tracks kept on the asking device, for smart playlists whose rules
    /// ask for them ("on this device"): only the browser knows them.
    #[serde(default)]
    pub on_device: Vec<Id>,
}

/// An artist as the vault knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artist {
    pub id: Id,
    pub spotify_id: Option<String>,
    pub name: String,
    pub image_url: Option<String>,
}

/// A reference to an artist, in credit order, as shown on a track or album.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistRef {
    pub id: Id,
    pub name: String,
}

/// An album with its credited artists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Album {
    pub id: Id,
    pub spotify_id: Option<String>,
    pub name: String,
    pub album_type: String,
    pub release_date: Option<String>,
    pub total_tracks: Option<i64>,
    pub image_url: Option<String>,
    pub artists: Vec<ArtistRef>,
}

/// A track as a list row: what every track list in the UI shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub id: Id,
    pub spotify_id: Option<String>,
    pub title: String,
    pub artists: Vec<ArtistRef>,
    pub album_id: Option<Id>,
    pub album_name: Option<String>,
    pub image_url: Option<String>,
    pub disc_number: i64,
    pub track_number: Option<i64>,
    pub duration_ms: i64,
    pub explicit: bool,
    pub isrc: Option<String>,
    /// When the track entered the list being shown (liked songs, a playlist).
    pub added_at: Option<String>,
    /// Set when Spotify no longer serves the track; the vault keeps it.
    pub gone_from_spotify_at: Option<String>,
    /// The acquisition state, if a download job exists.
    pub download_state: Option<String>,
    /// The listener's plays (the scrobbling rule met) and skips of it.
    #[serde(default)]
    pub plays: i64,
    #[serde(default)]
    pub skips: i64,
    /// First and last play, ISO 8601 UTC.
    #[serde(default)]
    pub first_played: Option<String>,
    #[serde(default)]
    pub last_played: Option<String>,
    /// The listener's 1–5 rating, loved mark and personal tags.
    #[serde(default)]
    pub rating: Option<i64>,
    #[serde(default)]
    pub loved: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    /// True when the listener edited its details (or its album's).
    #[serde(default)]
    pub edited: bool,
}

/// What a rating or a loved mark is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MarkTarget {
    Track(Id),
    Album(Id),
    Artist(Id),
}

/// A listener's rating (1–5, `None` for not rated) and loved mark on one thing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    pub rating: Option<i64>,
    pub loved: bool,
}

/// A personal tag and how many tracks carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: Id,
    pub name: String,
    pub tracks: i64,
}

/// The longest tag name, in characters.
pub const MAX_TAG_CHARS: usize = 60;

/// A tag name as kept: trimmed, inner runs of white space made one space;
/// refused with a reason when empty or longer than [`MAX_TAG_CHARS`].
pub fn clean_tag(name: &str) -> Result<String, String> {
    let clean = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.is_empty() {
        return Err("A tag needs a name.".into());
    }
    if clean.chars().count() > MAX_TAG_CHARS {
        return Err(format!("A tag is at most {MAX_TAG_CHARS} characters."));
    }
    Ok(clean)
}

/// A playlist with the number of tracks it holds now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    pub id: Id,
    pub spotify_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub owner_name: Option<String>,
    pub image_url: Option<String>,
    pub public: Option<bool>,
    pub collaborative: bool,
    /// False when Spotify refuses this app the playlist's items.
    pub readable: bool,
    pub item_count: i64,
    pub removed_at: Option<String>,
}

/// An entry of a playlist: a track, or (with `track` empty) an entry that is
/// not a track the vault can hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistItem {
    pub position: i64,
    pub kind: String,
    pub label: Option<String>,
    pub track: Option<Track>,
    /// When the entry left the playlist (history views only).
    pub removed_at: Option<String>,
}

/// A version of a playlist the vault has seen (one Spotify snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistVersion {
    pub snapshot_id: String,
    pub seen_at: String,
    pub item_count: i64,
}

/// A download job, as the Downloads view lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadJob {
    pub track: Track,
    pub state: String,
    pub reason: Option<String>,
    pub attempts: i64,
    pub updated_at: String,
    /// `local`, `yt-dlp` or `url` once a file came from it.
    pub source: Option<String>,
    /// Why the file is this upload, or the URL the user gave.
    pub chosen: Option<String>,
    /// The URL the user pasted or picked, which overrides matching.
    pub url: Option<String>,
    /// The scored candidates of the last search, as JSON (`[{candidate, score, reasons}]`).
    pub candidates: Option<String>,
    pub bytes: Option<i64>,
    pub format: Option<String>,
}

/// How many jobs are in each state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadCounts {
    pub queued: i64,
    pub working: i64,
    pub downloaded: i64,
    pub failed: i64,
    pub skipped: i64,
    /// Tracks in the library (liked, in a playlist, on a saved album) with no job.
    pub not_queued: i64,
    pub quarantined: i64,
}

/// What the last scan of the music folder found, for the Downloads view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderSummary {
    pub dir: String,
    /// False until the first scan has finished.
    pub scanned: bool,
    pub files: usize,
    /// Files that could not be read, with the reason (the first 50).
    pub problems: Vec<(String, String)>,
    pub problem_count: usize,
}

/// A file that failed validation, kept in the quarantine folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    pub id: Id,
    pub track_id: Option<Id>,
    pub title: Option<String>,
    /// Relative to the quarantine folder.
    pub path: String,
    pub reason: String,
    pub source: Option<String>,
    pub at: String,
}

/// Everything acquisition needs to know of a track: to search, to name the
/// file and to tag it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquireTrack {
    pub id: Id,
    pub spotify_id: Option<String>,
    pub title: String,
    pub artists: Vec<String>,
    pub album_id: Option<Id>,
    pub album: Option<String>,
    pub album_artists: Vec<String>,
    pub release_date: Option<String>,
    pub disc_number: i64,
    pub disc_total: Option<i64>,
    pub track_number: Option<i64>,
    pub track_total: Option<i64>,
    pub duration_ms: i64,
    pub isrc: Option<String>,
    /// Spotify's explicit flag.
    pub explicit: bool,
    /// The album's cover (the largest Spotify offers).
    pub cover_url: Option<String>,
    pub is_local: bool,
    /// A URL the user chose for this track.
    pub url: Option<String>,
    /// The file the track has now, relative to the library folder.
    pub file_path: Option<String>,
    /// Attempts made so far, this one included.
    pub attempts: i64,
    /// The listener's edits, which the file's tags follow (matching uses Spotify's values).
    #[serde(default)]
    pub edit: TrackEdit,
    #[serde(default)]
    pub album_edit: AlbumEdit,
}

/// A change to a download job, pushed to the UI while the queue runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DownloadEvent {
    pub track_id: Id,
    /// `queued`, `searching`, `downloading`, `validating`, `downloaded`, `failed` or `skipped`.
    pub state: String,
    /// How far the transfer is, from 0 to 1, while downloading.
    pub progress: Option<f32>,
    pub reason: Option<String>,
}

/// A line of the "not downloaded" report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotDownloaded {
    pub title: String,
    pub artists: String,
    pub album: Option<String>,
    pub spotify_id: Option<String>,
    /// `None` when the track has no job yet.
    pub state: Option<String>,
    pub reason: Option<String>,
}

/// One listen, from Spotify's history or Hoard's own player.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Play {
    pub track: Track,
    /// When it ended, ISO 8601 UTC with milliseconds.
    pub played_at: String,
    /// `spotify-poll`, `spotify-recent`, `spotify-history` or `hoard`.
    pub source: String,
    /// How long it was heard, when the source says.
    pub ms_played: Option<i64>,
    /// False for a skip: heard for less than the scrobbling rule asks.
    pub counted: bool,
    /// The device or platform it was heard on, when known.
    pub device: Option<String>,
}

/// The listener everything is kept for while Hoard has one user.
pub const OWNER: Id = 1;

/// Whether a listen counts as a play, by the rule scrobblers use (Last.fm's):
/// the track is longer than 30 s and was heard for half its length or for
/// 4 minutes, whichever comes first. A track whose length is not known yet
/// (one known only from a history file) counts from 30 s, Spotify's own
/// rule for a stream.
pub fn counts_as_play(ms_played: i64, duration_ms: i64) -> bool {
    if duration_ms <= 0 {
        return ms_played >= 30_000;
    }
    duration_ms > 30_000 && ms_played >= (duration_ms / 2).min(240_000)
}

/// A play heard in Hoard's own player, as a device reports it. The device
/// names each play (`client_play_id`, a random id made when the play
/// starts), so a report sent twice is one play.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayReport {
    pub client_play_id: String,
    pub track_id: Id,
    /// When it started and ended, milliseconds since the epoch (the device's clock).
    pub started_ms: i64,
    pub ended_ms: i64,
    pub ms_played: i64,
    /// True when the device had no server when the play ended.
    pub offline: bool,
}

/// How much the vault holds, for Settings and empty states.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub tracks: i64,
    pub liked: i64,
    pub playlists: i64,
    pub albums: i64,
    pub artists: i64,
    pub downloaded: i64,
    pub plays: i64,
}

/// An artist to write, identified by its Spotify ID.
#[derive(Clone, Debug, Default)]
pub struct NewArtist {
    pub spotify_id: Option<String>,
    pub name: String,
    pub image_url: Option<String>,
}

/// An album to write, with its artists in credit order.
#[derive(Clone, Debug, Default)]
pub struct NewAlbum {
    pub spotify_id: Option<String>,
    pub name: String,
    pub album_type: String,
    pub release_date: Option<String>,
    pub release_date_precision: Option<String>,
    pub total_tracks: Option<i64>,
    pub image_url: Option<String>,
    /// Every size Spotify offers, as JSON `[{url, width, height}]`.
    pub images: Option<String>,
    pub artists: Vec<NewArtist>,
}

/// A track to write, with its album and artists.
#[derive(Clone, Debug, Default)]
pub struct NewTrack {
    pub spotify_id: Option<String>,
    pub isrc: Option<String>,
    pub title: String,
    pub album: Option<NewAlbum>,
    pub artists: Vec<NewArtist>,
    pub disc_number: i64,
    pub track_number: Option<i64>,
    pub duration_ms: i64,
    pub explicit: bool,
    pub is_local: bool,
    pub is_playable: Option<bool>,
    pub preview_url: Option<String>,
}

/// A playlist to write.
#[derive(Clone, Debug, Default)]
pub struct NewPlaylist {
    pub spotify_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub snapshot_id: Option<String>,
    pub public: Option<bool>,
    pub collaborative: bool,
    pub image_url: Option<String>,
    /// Every size Spotify offers, as JSON `[{url, width, height}]`.
    pub images: Option<String>,
}

/// A playlist entry to write: a track, a local file, an episode or a greyed-out entry.
#[derive(Clone, Debug, Default)]
pub struct NewPlaylistItem {
    /// `track`, `local`, `episode` or `unavailable`.
    pub kind: String,
    pub track_id: Option<Id>,
    /// What to show for an entry that is not a vault track (an episode's name).
    pub label: Option<String>,
    pub added_at: Option<String>,
    pub added_by: Option<String>,
}

/// The connected Spotify account, as the UI may see it (never its tokens).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifyAccount {
    pub client_id: String,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    /// When the user last signed in to Spotify through Hoard.
    pub connected_at: String,
    /// Six months after `connected_at`: Spotify ends the authorization then,
    /// and the user must sign in again before it.
    pub renew_by: String,
    /// True from 14 days before `renew_by`: the UI warns.
    pub renew_soon: bool,
    /// When Spotify refused the authorization (`invalid_grant`); the token
    /// is gone and only a new sign-in brings syncing back.
    pub grant_ended_at: Option<String>,
}

/// One run of the Spotify sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    pub id: Id,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `ok`, `failed` or `interrupted`; `None` while it runs.
    pub outcome: Option<String>,
    /// `start`, `schedule`, `manual` or `cli`.
    pub trigger: Option<String>,
    pub api_calls: Option<i64>,
    /// A one-line summary or the reason it failed.
    pub detail: Option<String>,
}

/// The live progress of a running sync.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub running: bool,
    /// `profile`, `liked songs`, `playlists`, `saved albums`, `followed artists`.
    pub phase: String,
    pub liked_seen: i64,
    pub playlists_done: i64,
    pub playlists_total: i64,
    pub tracks_written: i64,
    pub api_calls: i64,
    /// Problems that did not stop the sync (a playlist refused, an entry skipped).
    pub warnings: Vec<String>,
}

/// An Extended Streaming History upload and how far its import has come.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryImport {
    pub id: Id,
    pub file_name: String,
    /// `queued`, `importing`, `done` or `failed`.
    pub state: String,
    /// Files of the upload done, and how many it has.
    pub member: i64,
    pub members: i64,
    /// Rows read so far (of every file), of `rows_total` once known.
    pub rows_done: i64,
    pub rows_total: i64,
    pub plays_added: i64,
    /// Rows the vault already had (a poll, the backfill, an earlier upload).
    pub duplicates: i64,
    /// Podcast and audiobook rows, counted and left out.
    pub episodes: i64,
    /// Rows with no track (Spotify leaves some empty), counted and left out.
    pub unknown_rows: i64,
    /// Tracks the vault did not know, created from the file's names.
    pub tracks_created: i64,
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// One line of a top list: a track (with its artists as `detail`), an
/// artist or an album, and its plays in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsEntry {
    pub id: Id,
    pub name: String,
    pub detail: Option<String>,
    pub plays: i64,
}

/// What a listener heard in a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListeningStats {
    /// Plays (the scrobbling rule met) and skips.
    pub plays: i64,
    pub skips: i64,
    /// Minutes heard in those plays.
    pub minutes: i64,
    pub top_tracks: Vec<StatsEntry>,
    pub top_artists: Vec<StatsEntry>,
    pub top_albums: Vec<StatsEntry>,
    /// Plays by hour of the day (0–23) and by weekday (0 = Sunday).
    pub by_hour: [i64; 24],
    pub by_weekday: [i64; 7],
    /// Tracks heard for the first time in the period.
    pub new_tracks: i64,
    /// Minutes heard by calendar month (0 = January), in the period's time
    /// zone; all zero for all time.
    #[serde(default)]
    pub minutes_by_month: [i64; 12],
}

/// Spotify's own top tracks and artists for one time range (`short_term`
/// is about four weeks, `medium_term` six months, `long_term` about a year).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifyTop {
    pub time_range: String,
    /// When the sync last mirrored it.
    pub synced_at: Option<String>,
    pub tracks: Vec<StatsEntry>,
    pub artists: Vec<StatsEntry>,
}

/// A listener's corrections to one track, beside Spotify's values; `None`
/// is "as Spotify has it". Album-wide fields are an [`AlbumEdit`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackEdit {
    pub title: Option<String>,
    /// In credit order.
    pub artists: Option<Vec<String>>,
    pub track_number: Option<i64>,
    pub disc_number: Option<i64>,
    pub genre: Option<String>,
}

/// A listener's corrections to one album, for all its tracks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumEdit {
    pub name: Option<String>,
    pub album_artist: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: Option<String>,
    pub genre: Option<String>,
    /// `image/jpeg` or `image/png` when the listener chose a cover.
    pub cover_mime: Option<String>,
}

/// What Spotify says of a track, for "as Spotify has it".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifyValues {
    pub title: String,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<i64>,
    pub disc_number: i64,
    pub date: Option<String>,
}

/// A track's editor: its row (with the edits applied), Spotify's values,
/// and the edits themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackDetails {
    pub track: Track,
    pub spotify: SpotifyValues,
    pub edit: TrackEdit,
    pub album_edit: AlbumEdit,
    /// The audio file, relative to the library folder, when the vault has one.
    pub file_path: Option<String>,
}

/// A field of the metadata editor that was refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field as the form labels it ("Track number").
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The editor's fields as typed: an empty field is "as Spotify has it".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditForm {
    pub title: String,
    /// Several artists separated by `;`.
    pub artists: String,
    pub track_number: String,
    pub disc_number: String,
    pub genre: String,
}

/// The album editor's fields as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumForm {
    pub name: String,
    pub album_artist: String,
    pub date: String,
    pub genre: String,
}

/// The longest text a tag field takes, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

fn text_field(field: &str, value: &str) -> Result<Option<String>, FieldError> {
    let value = value.trim();
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(FieldError {
            field: field.into(),
            message: format!("at most {MAX_FIELD_CHARS} characters"),
        });
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(FieldError {
            field: field.into(),
            message: "no line breaks or control characters".into(),
        });
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

fn number_field(field: &str, value: &str) -> Result<Option<i64>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<i64>() {
        Ok(n) if (1..=999).contains(&n) => Ok(Some(n)),
        _ => Err(FieldError {
            field: field.into(),
            message: format!("a whole number from 1 to 999, not “{value}”"),
        }),
    }
}

/// A release date as tags write it: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real day.
pub fn valid_release_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let year_ok =
        |y: &str| y.len() == 4 && y.parse::<u32>().is_ok_and(|y| (1000..=9999).contains(&y));
    match parts.as_slice() {
        [y] => year_ok(y),
        [y, m] => {
            year_ok(y) && m.len() == 2 && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        }
        [_, _, _] => crate::smart::valid_date(text),
        _ => false,
    }
}

impl EditForm {
    /// The edit this form asks for, or the first field that is wrong.
    pub fn parse(&self) -> Result<TrackEdit, FieldError> {
        let artists = text_field("Artists", &self.artists)?.map(|a| {
            a.split(';')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
        Ok(TrackEdit {
            title: text_field("Title", &self.title)?,
            artists: artists.filter(|a| !a.is_empty()),
            track_number: number_field("Track number", &self.track_number)?,
            disc_number: number_field("Disc number", &self.disc_number)?,
            genre: text_field("Genre", &self.genre)?,
        })
    }
}

impl AlbumForm {
    /// The album edit this form asks for (the cover is set on its own).
    pub fn parse(&self, cover_mime: Option<String>) -> Result<AlbumEdit, FieldError> {
        let date = text_field("Date", &self.date)?;
        if let Some(d) = &date {
            if !valid_release_date(d) {
                return Err(FieldError {
                    field: "Date".into(),
                    message: format!(
                        "a year (2024), a month (2024-05) or a day (2024-05-31), not “{d}”"
                    ),
                });
            }
        }
        Ok(AlbumEdit {
            name: text_field("Album", &self.name)?,
            album_artist: text_field("Album artist", &self.album_artist)?,
            date,
            genre: text_field("Genre", &self.genre)?,
            cover_mime,
        })
    }
}

/// One snapshot of the database in the backups folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Its file name, `hoard-20261207T181500Z.db`.
    pub name: String,
    /// When it was taken, RFC 3339 UTC.
    pub taken_at: String,
    pub bytes: u64,
}

/// How the last backup went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupOutcome {
    /// When it ended, RFC 3339 UTC.
    pub at: String,
    pub ok: bool,
    /// What was done, or what went wrong.
    pub message: String,
}

/// What Settings shows of backups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupOverview {
    /// Newest first.
    pub snapshots: Vec<Snapshot>,
    /// The folder they are kept in.
    pub folder: String,
    /// How many are kept.
    pub keep: u32,
    /// Hours between scheduled backups; 0 when there is no schedule.
    pub interval_hours: u32,
    /// The rclone remote they are also sent to, if any.
    pub remote: Option<String>,
    /// Whether the library's audio goes to the remote too.
    pub remote_audio: bool,
    /// Whether a backup is running now.
    pub running: bool,
    /// How the last backup this server ran went.
    pub last: Option<BackupOutcome>,
}

/// One track of an exported list: Exportify's columns (its CSV header
/// names, in its order, without popularity and preview URL, which Hoard does
/// not keep), then Hoard's own. Several artists are joined with `,` as
/// Exportify joins them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRow {
    #[serde(rename = "Track URI")]
    pub track_uri: String,
    #[serde(rename = "Track Name")]
    pub track_name: String,
    #[serde(rename = "Artist URI(s)")]
    pub artist_uris: String,
    #[serde(rename = "Artist Name(s)")]
    pub artist_names: String,
    #[serde(rename = "Album URI")]
    pub album_uri: String,
    #[serde(rename = "Album Name")]
    pub album_name: String,
    #[serde(rename = "Album Artist URI(s)")]
    pub album_artist_uris: String,
    #[serde(rename = "Album Artist Name(s)")]
    pub album_artist_names: String,
    #[serde(rename = "Album Release Date")]
    pub album_release_date: String,
    #[serde(rename = "Album Image URL")]
    pub album_image_url: String,
    #[serde(rename = "Disc Number")]
    pub disc_number: i64,
    #[serde(rename = "Track Number")]
    pub track_number: Option<i64>,
    #[serde(rename = "Track Duration (ms)")]
    pub duration_ms: i64,
    #[serde(rename = "Explicit")]
    pub explicit: bool,
    #[serde(rename = "ISRC")]
    pub isrc: String,
    #[serde(rename = "Added By")]
    pub added_by: String,
    #[serde(rename = "Added At")]
    pub added_at: String,
    /// Whether Hoard holds an audio file of it.
    #[serde(rename = "In Vault")]
    pub in_vault: bool,
    /// The file, relative to the library folder.
    #[serde(rename = "File Path")]
    pub file_path: String,
    #[serde(rename = "Rating")]
    pub rating: Option<i64>,
    #[serde(rename = "Loved")]
    pub loved: bool,
    #[serde(rename = "Play Count")]
    pub play_count: i64,
    #[serde(rename = "Gone From Spotify At")]
    pub gone_from_spotify_at: String,
}

/// How a release relates to an artist, as Spotify's `album_group` says:
/// their own album, single or compilation, or someone else's release they
/// appear on.
pub const ALBUM_GROUPS: [&str; 4] = ["album", "single", "compilation", "appears_on"];

/// What a person reads for each album group.
pub fn album_group_label(group: &str) -> &'static str {
    match group {
        "album" => "Albums",
        "single" => "Singles and EPs",
        "compilation" => "Compilations",
        "appears_on" => "Appears on",
        _ => "Other releases",
    }
}

/// One release of an artist that Hoard has read from Spotify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub spotify_album_id: String,
    /// The vault album, when at least one of its tracks was kept.
    pub album_id: Option<Id>,
    pub name: String,
    pub album_group: String,
    pub album_type: String,
    pub release_date: Option<String>,
    pub total_tracks: i64,
    pub tracks_saved: i64,
    /// Tracks left out as recordings the vault already has.
    pub duplicates: i64,
    /// The release those recordings were kept from, when it is one release.
    pub duplicate_of: Option<String>,
    /// Found by a watch since the listener last looked.
    pub new: bool,
    pub found_at: String,
}

/// An artist's discography as the listener saved and watches it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discography {
    /// Whether the listener saved it (the rest is empty when not).
    pub saved: bool,
    pub groups: Vec<String>,
    pub queue: bool,
    pub watch: bool,
    pub saved_at: Option<String>,
    pub checked_at: Option<String>,
    pub check_error: Option<String>,
    /// Newest first, in the chosen groups.
    pub releases: Vec<Release>,
}

/// What saving a discography (or checking a watched artist) did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscographyReport {
    /// Releases Spotify listed in the chosen groups.
    pub releases: usize,
    /// Of those, releases Hoard had not read before.
    pub new_releases: usize,
    pub tracks_saved: usize,
    /// Tracks left out as recordings already kept (from another edition,
    /// a single, a best-of, or the vault).
    pub duplicates: usize,
    pub queued: u64,
    pub api_calls: u64,
    pub elapsed_ms: u64,
}

impl DiscographyReport {
    /// The one line the artist page shows.
    pub fn summary(&self) -> String {
        let n =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = format!(
            "{} ({} new): {} saved, {} left out",
            n(self.releases, "release", "releases"),
            self.new_releases,
            n(self.tracks_saved, "track", "tracks"),
            n(self.duplicates, "duplicate", "duplicates"),
        );
        if self.queued > 0 {
            s += &format!(", {} queued for download", self.queued);
        }
        s + &format!("; {} Spotify calls", self.api_calls)
    }
}

/// One saved discography, as the Artists page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscographySummary {
    pub artist: ArtistRef,
    pub groups: Vec<String>,
    pub watch: bool,
    pub queue: bool,
    pub checked_at: Option<String>,
    pub check_error: Option<String>,
    /// Releases read in the chosen groups, and the tracks kept from them.
    pub releases: i64,
    pub tracks: i64,
    /// Releases a watch found that the listener has not looked at.
    pub new: i64,
}

/// A release a watch found, with its artist, for the "new releases" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchedRelease {
    pub artist: ArtistRef,
    pub release: Release,
}

/// An artist as Last.fm tells it: the story, the figures, the tags and
/// the artists listeners of this one also play.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtistStory {
    pub name: String,
    /// The artist's page on Last.fm.
    pub url: String,
    /// The bio's summary as plain text; `None` when Last.fm has none.
    pub bio: Option<String>,
    pub listeners: u64,
    pub playcount: u64,
    pub tags: Vec<String>,
    /// Most similar first.
    pub similar: Vec<SimilarArtist>,
    /// When Hoard asked Last.fm (the story is kept a week).
    pub fetched_at: String,
}

/// One artist similar to another, by Last.fm's listeners.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SimilarArtist {
    pub name: String,
    /// 0 to 1, 1 the most similar.
    #[serde(rename = "match")]
    pub similarity: f64,
    pub url: String,
    /// The vault's artist of that name, if it has one.
    pub in_vault: Option<Id>,
}

/// A track's figures on Last.fm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackStats {
    pub listeners: u64,
    pub playcount: u64,
    pub tags: Vec<String>,
    pub url: String,
}

/// What saving one more artist's discography would add, before anything
/// is saved ("Expand" on an artist page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpandCandidate {
    /// The name Last.fm gave.
    pub name: String,
    /// The Spotify artist of that name; `None` when Spotify has none.
    pub spotify_id: Option<String>,
    /// Releases in the chosen groups, and their tracks (before duplicates
    /// are left out).
    pub releases: usize,
    pub tracks: u64,
    /// What their audio would take, estimated.
    pub estimated_bytes: u64,
    /// Whether the listener already saved this artist's discography.
    pub saved: bool,
}

/// One line of a list as an import preview shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// Its number in the list (from 1).
    pub line: usize,
    pub text: String,
    /// `matched` (a Spotify song, album or playlist), `ambiguous` (several
    /// Spotify songs matched; the detail says which was taken), `by_name`
    /// (not on Spotify: kept by name) or `refused` (not understood).
    pub status: String,
    /// What was understood, or why not.
    pub detail: String,
    /// Songs it brings.
    pub songs: usize,
}

/// What importing a list would do; nothing is written until it is confirmed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// Names this preview when it is confirmed.
    pub token: String,
    pub name: String,
    pub lines: Vec<ImportLine>,
    pub songs: usize,
    pub matched: usize,
    pub ambiguous: usize,
    pub by_name: usize,
    pub refused: usize,
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    #[test]
    fn bad_values_are_refused_with_the_field_named() {
        let form = EditForm {
            track_number: "A1".into(),
            ..Default::default()
        };
        assert_eq!(form.parse().expect_err("refused").field, "Track number");
        let album = AlbumForm {
            date: "2024-13-40".into(),
            ..Default::default()
        };
        assert_eq!(album.parse(None).expect_err("refused").field, "Date");
        let fine = EditForm {
            title: " Hunter ".into(),
            artists: "Björk; ; Guest".into(),
            ..Default::default()
        };
        let edit = fine.parse().expect("fine");
        assert_eq!(edit.title.as_deref(), Some("Hunter"));
        assert_eq!(
            edit.artists,
            Some(vec!["Björk".to_string(), "Guest".to_string()])
        );
        assert_eq!(
            EditForm::default().parse().expect("empty"),
            TrackEdit::default()
        );
        assert!(
            valid_release_date("2024")
                && valid_release_date("2024-05")
                && valid_release_date("2024-02-29")
        );
        assert!(
            !valid_release_date("2023-02-29")
                && !valid_release_date("24")
                && !valid_release_date("2024-5")
        );
    }
}
