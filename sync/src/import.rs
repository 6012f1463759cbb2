//! Lists from anywhere: a `.txt` list of songs (`Artist - Title`, or a link,
//! a line each), a pasted Spotify track, album or playlist link, or a
//! YouTube, YouTube Music or SoundCloud playlist (read by yt-dlp, through a
//! [`Lister`] the server gives) becomes a playlist of Hoard's own, each
//! entry matched to a Spotify track where one matches, and kept by name
//! (for the download queue to find by name) where none does.
//!
//! An import is two steps: [`Importer::preview`] reads and matches every
//! line and says, line by line, what it understood and what it did not and
//! why; nothing is written. [`Importer::confirm`] then writes the playlist
//! from that preview, in one transaction. A preview is kept an hour.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::Mutex;
use vault::model::{Id, ImportLine, ImportPreview, NewArtist, NewPlaylistItem, NewTrack};
use vault::{DbError, Vault, WriteCache};

use crate::client::ApiError;
use crate::discography::recording_key;
use crate::engine::{SyncError, Syncer};
use crate::{map, wire, Api};

/// The largest list, in bytes.
pub const MAX_BYTES: usize = 1_000_000;
/// The most lines a list may have.
pub const MAX_LINES: usize = 5_000;
/// The longest line.
pub const MAX_LINE_CHARS: usize = 500;
/// The most songs one import may bring (an album or playlist link brings many).
pub const MAX_SONGS: usize = 10_000;
/// Lines matched at once.
const AT_ONCE: usize = 4;
/// How long a preview waits for "Import".
const KEEP_PREVIEW: Duration = Duration::from_secs(3600);

/// Why an import was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("The list is {size} KB; Hoard imports lists of up to {} KB.", MAX_BYTES / 1000)]
    TooBig { size: usize },
    #[error(
        "The list has {lines} lines; Hoard imports lists of up to {} lines.",
        MAX_LINES
    )]
    TooManyLines { lines: usize },
    #[error("The list has no songs or links in it.")]
    Empty,
    #[error(
        "The list would bring {songs} songs; one import brings up to {}.",
        MAX_SONGS
    )]
    TooManySongs { songs: usize },
    #[error("This preview is no longer kept (previews are kept an hour); preview the list again.")]
    PreviewGone,
    #[error("Give the playlist a name.")]
    NoName,
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> Self {
        ImportError::Sync(SyncError::Db(e))
    }
}

impl From<ApiError> for ImportError {
    fn from(e: ApiError) -> Self {
        ImportError::Sync(SyncError::Api(e))
    }
}

/// What one line of a list says, before anything is looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// A song by name: the ways to read it as (artist, title), likeliest first.
    Song(Vec<(String, String)>),
    SpotifyTrack(String),
    SpotifyAlbum(String),
    SpotifyPlaylist(String),
    /// A YouTube, YouTube Music or SoundCloud link (a playlist or one
    /// upload), read by yt-dlp: `flat` when the playlist's page names its
    /// entries (YouTube), not when each must be opened (SoundCloud).
    Uploads {
        url: String,
        site: &'static str,
        flat: bool,
    },
    /// Not understood, and why.
    Bad(String),
}

/// Reads a YouTube, YouTube Music or SoundCloud link with yt-dlp: the
/// link and whether to read it flat, to yt-dlp's `--dump-single-json`.
pub type Lister = Arc<
    dyn Fn(String, bool) -> futures::future::BoxFuture<'static, Result<serde_json::Value, String>>
        + Send
        + Sync,
>;

/// The most entries read from one playlist link.
pub const MAX_UPLOADS: usize = 2_000;

/// One entry of an import, as it will be written.
#[derive(Clone, Debug)]
enum Entry {
    Spotify(Box<wire::Track>, Option<Box<wire::SimplifiedAlbum>>),
    ByName { artist: String, title: String },
}

struct Draft {
    name: String,
    source: String,
    entries: Vec<Entry>,
    made: Instant,
}

/// Previews and imports lists, through the syncer's Spotify connection.
pub struct Importer {
    syncer: Arc<Syncer>,
    drafts: Mutex<HashMap<String, Draft>>,
    lister: Option<Lister>,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer").finish_non_exhaustive()
    }
}

/// The 22-character base62 ID at the start of `s`, if it is one.
fn spotify_id(s: &str) -> Option<String> {
    let id: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (id.len() == 22).then_some(id)
}

/// Reads one link.
fn link(text: &str) -> Line {
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("spotify:") {
        let mut parts = rest.splitn(2, ':');
        let kind = parts.next().unwrap_or_default();
        let id = parts
            .next()
            .and_then(|_| spotify_id(&text["spotify:".len() + kind.len() + 1..]));
        return spotify_link(kind, id, text);
    }
    let Ok(url) = url::Url::parse(text) else {
        return Line::Bad("not a link Hoard can read".into());
    };
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches("www.");
    match host {
        "open.spotify.com" | "play.spotify.com" => {
            let mut segments: Vec<&str> = url.path_segments().map(Iterator::collect).unwrap_or_default();
            if segments.first().is_some_and(|s| s.starts_with("intl-")) {
                segments.remove(0);
            }
            let kind = segments.first().copied().unwrap_or_default();
            let id = segments.get(1).and_then(|s| spotify_id(s));
            spotify_link(kind, id, text)
        }
        "youtube.com" | "m.youtube.com" | "youtu.be" => Line::Uploads {
            url: text.to_string(),
            site: "YouTube",
            flat: true,
        },
        "music.youtube.com" => Line::Uploads {
            url: text.to_string(),
            site: "YouTube Music",
            flat: true,
        },
        "soundcloud.com" | "on.soundcloud.com" | "m.soundcloud.com" => Line::Uploads {
            url: text.to_string(),
            site: "SoundCloud",
            flat: false,
        },
        _ => Line::Bad(format!(
            "a link to {host}: Hoard imports links to Spotify, YouTube, YouTube Music and SoundCloud"
        )),
    }
}

fn spotify_link(kind: &str, id: Option<String>, text: &str) -> Line {
    let Some(id) = id else {
        return Line::Bad(format!(
            "a Spotify link without an ID Hoard can read: {text}"
        ));
    };
    match kind {
        "track" => Line::SpotifyTrack(id),
        "album" => Line::SpotifyAlbum(id),
        "playlist" => Line::SpotifyPlaylist(id),
        other => Line::Bad(format!(
            "a Spotify {other} link: Hoard imports track, album and playlist links"
        )),
    }
}

/// Reads one line of a list (`None` for a blank line or a `#` comment).
pub fn read_line(raw: &str) -> Option<Line> {
    let text = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() || text.starts_with('#') {
        return None;
    }
    if text.contains('\u{fffd}') {
        return Some(Line::Bad("not UTF-8 text (save the list as UTF-8)".into()));
    }
    if text.chars().count() > MAX_LINE_CHARS {
        return Some(Line::Bad(format!(
            "longer than {MAX_LINE_CHARS} characters"
        )));
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("spotify:")
    {
        return Some(link(text));
    }
    // "1. Artist - Title", "01) Artist - Title": the number goes.
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let text = match text[digits..].chars().next() {
        Some('.' | ')') if digits > 0 && digits < 5 => text[digits + 1..].trim_start(),
        _ => text,
    };
    // Every place a dash could split artist from title.
    let mut splits = Vec::new();
    for sep in [" - ", " – ", " — "] {
        for (at, _) in text.match_indices(sep) {
            let (artist, title) = (text[..at].trim(), text[at + sep.len()..].trim());
            if !artist.is_empty() && !title.is_empty() {
                splits.push((artist.to_string(), title.to_string()));
            }
        }
    }
    splits.sort_by_key(|(artist, _)| artist.len());
    if splits.is_empty() {
        return Some(Line::Bad(
            if text.contains(" - ") || text.ends_with(" -") || text.starts_with("- ") {
                "an artist or a title is missing around the dash".into()
            } else {
                "no \" - \" between artist and title".into()
            },
        ));
    }
    Some(Line::Song(splits))
}

/// A title as compared: a remaster note and a "feat." credit aside.
fn title_key(title: &str) -> String {
    let mut t = recording_key(title);
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let (Some(a), Some(b)) = (t.find(open), t.rfind(close)) {
            let inner = &t[a..b];
            if a < b && (inner.contains("feat") || inner.contains("ft.") || inner.contains("with "))
            {
                t = format!("{}{}", &t[..a], &t[b + 1..]);
            }
        }
    }
    if let Some(at) = t.find(" feat. ").or_else(|| t.find(" ft. ")) {
        t.truncate(at);
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn same_artist(wanted: &str, t: &wire::Track) -> bool {
    let wanted = wanted.trim().to_lowercase();
    let first = wanted
        .split([',', '&'])
        .next()
        .unwrap_or(&wanted)
        .split(" feat")
        .next()
        .unwrap_or(&wanted)
        .trim()
        .to_string();
    t.artists.iter().any(|a| {
        let name = a.name.trim().to_lowercase();
        name == wanted || name == first
    })
}

fn describe(t: &wire::Track, album: Option<&wire::SimplifiedAlbum>) -> String {
    let artists: Vec<&str> = t.artists.iter().map(|a| a.name.as_str()).collect();
    let album = t.album.as_ref().or(album);
    let on = album
        .map(|a| {
            let year = a
                .release_date
                .as_deref()
                .and_then(|d| d.get(..4))
                .unwrap_or("");
            if year.is_empty() {
                format!(" ({})", a.name)
            } else {
                format!(" ({}, {year})", a.name)
            }
        })
        .unwrap_or_default();
    format!("{} — {}{on}", t.name, artists.join(", "))
}

/// The outcome of one line: its preview row and its entries.
struct Resolved {
    rows: Vec<ImportLine>,
    entries: Vec<Entry>,
}

fn row(line: usize, text: &str, status: &str, detail: String, songs: usize) -> ImportLine {
    ImportLine {
        line,
        text: text.to_string(),
        status: status.to_string(),
        detail,
        songs,
    }
}

impl Importer {
    pub fn new(syncer: Arc<Syncer>) -> Self {
        Self {
            syncer,
            drafts: Mutex::new(HashMap::new()),
            lister: None,
        }
    }

    /// Reads YouTube, YouTube Music and SoundCloud links with `lister`
    /// (without one they are refused with the reason).
    pub fn with_lister(mut self, lister: Lister) -> Self {
        self.lister = Some(lister);
        self
    }

    /// Reads and matches every line of `text` (a list, or one pasted link);
    /// writes nothing. `name` names the playlist to be, `source` where the
    /// list came from (a file name, or "pasted").
    pub async fn preview(
        &self,
        name: &str,
        source: &str,
        text: &str,
    ) -> Result<ImportPreview, ImportError> {
        if text.len() > MAX_BYTES {
            return Err(ImportError::TooBig {
                size: text.len().div_ceil(1000),
            });
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: Vec<&str> = text.lines().collect();
        if raw.len() > MAX_LINES {
            return Err(ImportError::TooManyLines { lines: raw.len() });
        }
        let lines: Vec<(usize, String, Line)> = raw
            .iter()
            .enumerate()
            .filter_map(|(i, l)| read_line(l).map(|line| (i + 1, l.trim().to_string(), line)))
            .collect();
        if lines.is_empty() {
            return Err(ImportError::Empty);
        }
        let connection = self.syncer.connection().await?;
        let api = connection.api.clone();
        let lister = self.lister.clone();
        let resolved: Vec<Result<Resolved, ApiError>> = futures::stream::iter(lines)
            .map(|(n, text, line)| {
                let api = api.clone();
                let lister = lister.clone();
                async move { resolve(&api, lister.as_ref(), n, &text, line).await }
            })
            .buffered(AT_ONCE)
            .collect()
            .await;
        self.syncer.persist_rotated_token(&connection).await?;
        let mut rows = Vec::with_capacity(resolved.len());
        let mut entries = Vec::new();
        for r in resolved {
            let r = r?;
            rows.extend(r.rows);
            entries.extend(r.entries);
        }
        if entries.len() > MAX_SONGS {
            return Err(ImportError::TooManySongs {
                songs: entries.len(),
            });
        }
        let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
        let preview = ImportPreview {
            token: token(),
            name: name.trim().to_string(),
            matched: count("matched"),
            ambiguous: count("ambiguous"),
            by_name: count("by_name"),
            refused: count("refused"),
            songs: entries.len(),
            lines: rows,
        };
        let mut drafts = self.drafts.lock().await;
        drafts.retain(|_, d| d.made.elapsed() < KEEP_PREVIEW);
        drafts.insert(
            preview.token.clone(),
            Draft {
                name: preview.name.clone(),
                source: source.trim().to_string(),
                entries,
                made: Instant::now(),
            },
        );
        Ok(preview)
    }

    /// Writes the previewed list as a playlist of the listener's, named
    /// `name` (or the preview's name), and queues its songs for download
    /// when `queue`. Returns the playlist's id and how many were queued.
    pub async fn confirm(
        &self,
        user: Id,
        token: &str,
        name: Option<&str>,
        queue: bool,
    ) -> Result<(Id, u64), ImportError> {
        let draft = self
            .drafts
            .lock()
            .await
            .remove(token)
            .filter(|d| d.made.elapsed() < KEEP_PREVIEW)
            .ok_or(ImportError::PreviewGone)?;
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&draft.name)
            .to_string();
        if name.is_empty() {
            return Err(ImportError::NoName);
        }
        let vault = self.syncer.vault();
        // A song kept by name is credited to the vault's artist of that
        // name, when there is one.
        let names: Vec<String> = draft
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::ByName { artist, .. } => Some(artist.clone()),
                Entry::Spotify(..) => None,
            })
            .collect();
        let known = vault.artists_named(&names).await?;
        let mut tx = vault.begin().await?;
        let mut cache = WriteCache::default();
        let mut track_ids = Vec::with_capacity(draft.entries.len());
        for entry in &draft.entries {
            let id = match entry {
                Entry::Spotify(t, album) => {
                    let new = map::track(t, album.as_deref());
                    Vault::upsert_track_cached(&mut tx, &new, &mut cache).await?
                }
                Entry::ByName { artist, title } => {
                    let new = NewTrack {
                        title: title.clone(),
                        artists: vec![NewArtist {
                            spotify_id: known.get(&artist.to_lowercase()).map(|(_, s)| s.clone()),
                            name: artist.clone(),
                            image_url: None,
                        }],
                        disc_number: 1,
                        ..NewTrack::default()
                    };
                    let uri = format!(
                        "hoard:import:{}:{}",
                        artist.trim().to_lowercase(),
                        title.trim().to_lowercase()
                    );
                    Vault::upsert_local_track(&mut tx, &uri, &new, &mut cache).await?
                }
            };
            track_ids.push(id);
        }
        let now = vault::now_text();
        let items: Vec<NewPlaylistItem> = track_ids
            .iter()
            .map(|&id| NewPlaylistItem {
                kind: "track".into(),
                track_id: Some(id),
                label: None,
                added_at: Some(now.clone()),
                added_by: None,
            })
            .collect();
        let playlist = Vault::create_own_playlist(&mut tx, user, &name, &draft.source).await?;
        Vault::replace_playlist_items(&mut tx, playlist, &items, None).await?;
        tx.commit().await.map_err(DbError::from)?;
        let queued = if queue {
            vault.queue_track_ids(&track_ids).await?
        } else {
            0
        };
        Ok((playlist, queued))
    }
}

fn token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Looks one line up on Spotify.
async fn resolve(
    api: &Api,
    lister: Option<&Lister>,
    n: usize,
    text: &str,
    line: Line,
) -> Result<Resolved, ApiError> {
    match line {
        Line::Uploads { url, site, flat } => match lister {
            Some(lister) => uploads(api, lister, n, text, &url, site, flat).await,
            None => Ok(Resolved {
                rows: vec![row(
                    n,
                    text,
                    "refused",
                    format!("{site} links need yt-dlp, which this server does not run"),
                    0,
                )],
                entries: Vec::new(),
            }),
        },
        Line::Bad(reason) => Ok(Resolved {
            rows: vec![row(n, text, "refused", reason, 0)],
            entries: Vec::new(),
        }),
        Line::Song(splits) => song(api, n, text, &splits).await,
        Line::SpotifyTrack(id) => {
            match api.get::<wire::Track>(&format!("tracks/{id}"), &[]).await {
                Ok(t) => Ok(Resolved {
                    rows: vec![row(n, text, "matched", describe(&t, None), 1)],
                    entries: vec![Entry::Spotify(Box::new(t), None)],
                }),
                Err(ApiError::NotFound) => Ok(Resolved {
                    rows: vec![row(
                        n,
                        text,
                        "refused",
                        "Spotify has no such track".into(),
                        0,
                    )],
                    entries: Vec::new(),
                }),
                Err(e) => Err(e),
            }
        }
        Line::SpotifyAlbum(id) => album(api, n, text, &id).await,
        Line::SpotifyPlaylist(id) => playlist(api, n, text, &id).await,
    }
}

/// One upload of a playlist as a song: its artist and title, or why it
/// is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// What the playlist shows of it.
    pub shown: String,
    /// The ways to read it as (artist, title), likeliest first; empty with
    /// `why_not`.
    pub splits: Vec<(String, String)>,
    pub why_not: Option<String>,
}

/// The words YouTube titles add that are not the song's.
const VIDEO_NOISE: &[&str] = &[
    "official music video",
    "official video",
    "official audio",
    "official lyric video",
    "lyric video",
    "lyrics",
    "audio",
    "visualizer",
    "visualiser",
    "hd",
    "hq",
    "4k",
    "remastered",
];

/// A video title without "(Official Video)", "[Lyrics]" and the like.
fn clean_video_title(title: &str) -> String {
    let mut t = title.trim().to_string();
    loop {
        let before = t.clone();
        for (open, close) in [('(', ')'), ('[', ']')] {
            if let (Some(a), Some(b)) = (t.rfind(open), t.rfind(close)) {
                if a < b && b == t.len() - 1 {
                    let inner = t[a + 1..b].trim().to_lowercase();
                    if VIDEO_NOISE.contains(&inner.as_str()) {
                        t = t[..a].trim().to_string();
                    }
                }
            }
        }
        if t == before {
            return t;
        }
    }
}

/// The playlist's title and its uploads as songs, from yt-dlp's JSON (a
/// playlist, or one upload). YouTube's flat entries carry `title` and
/// `channel` (an auto-generated "Artist - Topic" channel names the artist);
/// SoundCloud's opened entries `title` and `uploader`; a full entry may
/// carry `artist` (or `artists`) and `track`.
pub fn read_uploads(json: &serde_json::Value) -> (String, Vec<Upload>) {
    let text = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let title = text(json, "title").unwrap_or_else(|| "a playlist".into());
    let entries: Vec<&serde_json::Value> = match json.get("entries").and_then(|e| e.as_array()) {
        Some(list) => list.iter().collect(),
        None => vec![json],
    };
    let uploads = entries
        .into_iter()
        .take(MAX_UPLOADS)
        .map(|e| {
            let name = text(e, "title");
            let shown = name.clone().or_else(|| text(e, "url")).unwrap_or_default();
            let unavailable = |why: &str| Upload {
                shown: shown.clone(),
                splits: Vec::new(),
                why_not: Some(why.to_string()),
            };
            let Some(name) = name else {
                return unavailable(
                    "the playlist does not say its title (it may be private or removed)",
                );
            };
            if matches!(name.as_str(), "[Private video]" | "[Deleted video]") {
                return unavailable("a private or removed video");
            }
            let artist_field = text(e, "artist").or_else(|| {
                e.get("artists")
                    .and_then(|a| a.as_array())
                    .and_then(|a| a.first())
                    .and_then(|a| a.as_str())
                    .map(str::to_string)
            });
            let track_field = text(e, "track");
            let channel = text(e, "channel").or_else(|| text(e, "uploader"));
            let mut splits = Vec::new();
            if let (Some(a), Some(t)) = (artist_field, track_field) {
                splits.push((a, t));
            }
            if let Some(topic) = channel.as_deref().and_then(|c| c.strip_suffix(" - Topic")) {
                splits.push((topic.trim().to_string(), name.clone()));
            }
            let cleaned = clean_video_title(&name);
            if let Some(Line::Song(read)) = read_line(&cleaned) {
                splits.extend(read);
            }
            if let Some(c) = channel.filter(|c| !c.ends_with(" - Topic")) {
                splits.push((c, cleaned.clone()));
            }
            splits.dedup();
            if splits.is_empty() {
                return unavailable("no artist: neither the title nor the channel names one");
            }
            Upload {
                shown,
                splits,
                why_not: None,
            }
        })
        .collect();
    (title, uploads)
}

/// A playlist (or upload) link, read by yt-dlp, each upload matched as a
/// song: a row per upload, under the link's line.
async fn uploads(
    api: &Api,
    lister: &Lister,
    n: usize,
    text: &str,
    url: &str,
    site: &str,
    flat: bool,
) -> Result<Resolved, ApiError> {
    let json = match lister(url.to_string(), flat).await {
        Ok(json) => json,
        Err(why) => {
            return Ok(Resolved {
                rows: vec![row(
                    n,
                    text,
                    "refused",
                    format!("{site} could not be read: {why}"),
                    0,
                )],
                entries: Vec::new(),
            })
        }
    };
    let (title, list) = read_uploads(&json);
    if list.is_empty() {
        return Ok(Resolved {
            rows: vec![row(
                n,
                text,
                "refused",
                format!("the {site} playlist {title} is empty"),
                0,
            )],
            entries: Vec::new(),
        });
    }
    let mut out = Resolved {
        rows: Vec::new(),
        entries: Vec::new(),
    };
    for (i, upload) in list.into_iter().enumerate() {
        let shown = format!("{title} #{}: {}", i + 1, upload.shown);
        match upload.why_not {
            Some(why) => out.rows.push(row(n, &shown, "refused", why, 0)),
            None => {
                let r = song(api, n, &shown, &upload.splits).await?;
                out.rows.extend(r.rows);
                out.entries.extend(r.entries);
            }
        }
    }
    Ok(out)
}

/// Finds "Artist - Title" on Spotify: each way of reading the line in turn,
/// then the first reversed (a "Title - Artist" list).
async fn song(
    api: &Api,
    n: usize,
    text: &str,
    splits: &[(String, String)],
) -> Result<Resolved, ApiError> {
    #[derive(serde::Deserialize)]
    struct Found {
        tracks: wire::Paging<wire::Track>,
    }
    let mut tries: Vec<(String, String, bool)> = splits
        .iter()
        .map(|(a, t)| (a.clone(), t.clone(), false))
        .collect();
    if let Some((a, t)) = splits.first() {
        tries.push((t.clone(), a.clone(), true));
    }
    for (artist, title, reversed) in &tries {
        let q = format!(
            "track:\"{}\" artist:\"{}\"",
            title.replace('"', " "),
            artist.replace('"', " ")
        );
        let found: Found = api
            .get(
                "search",
                &[("q", q), ("type", "track".into()), ("limit", "10".into())],
            )
            .await?;
        let want = title_key(title);
        let exact: Vec<wire::Track> = found
            .tracks
            .items
            .into_iter()
            .filter(|t| t.id.is_some() && title_key(&t.name) == want && same_artist(artist, t))
            .collect();
        let Some(first) = exact.first().cloned() else {
            continue;
        };
        // Several Spotify tracks match: the same recording (one ISRC) on
        // several releases is one song; different recordings are a choice
        // Hoard makes and says so.
        let isrc = |t: &wire::Track| t.external_ids.as_ref().and_then(|e| e.isrc.clone());
        let others: Vec<&wire::Track> = exact
            .iter()
            .skip(1)
            .filter(|t| isrc(t).is_none() || isrc(t) != isrc(&first))
            .collect();
        let mut detail = describe(&first, None);
        if *reversed {
            detail += " (read as Title - Artist)";
        }
        let status = if others.is_empty() {
            "matched"
        } else {
            let also: Vec<String> = others.iter().take(2).map(|t| describe(t, None)).collect();
            detail = format!(
                "{} Spotify songs match; taking {detail}; also {}",
                others.len() + 1,
                also.join("; ")
            );
            "ambiguous"
        };
        return Ok(Resolved {
            rows: vec![row(n, text, status, detail, 1)],
            entries: vec![Entry::Spotify(Box::new(first), None)],
        });
    }
    let (artist, title) = splits[0].clone();
    Ok(Resolved {
        rows: vec![row(
            n,
            text,
            "by_name",
            format!("not on Spotify: kept as “{title}” by {artist}, for the download queue to find by name"),
            1,
        )],
        entries: vec![Entry::ByName { artist, title }],
    })
}

async fn album(api: &Api, n: usize, text: &str, id: &str) -> Result<Resolved, ApiError> {
    let album: wire::SimplifiedAlbum = match api.get(&format!("albums/{id}"), &[]).await {
        Ok(a) => a,
        Err(ApiError::NotFound) => {
            return Ok(Resolved {
                rows: vec![row(
                    n,
                    text,
                    "refused",
                    "Spotify has no such album".into(),
                    0,
                )],
                entries: Vec::new(),
            })
        }
        Err(e) => return Err(e),
    };
    let mut tracks: Vec<wire::Track> = Vec::new();
    loop {
        let page: wire::Paging<wire::Track> = api
            .get(
                &format!("albums/{id}/tracks"),
                &[("limit", "50".into()), ("offset", tracks.len().to_string())],
            )
            .await?;
        let done = page.next.is_none() || page.items.is_empty();
        tracks.extend(page.items);
        if done || tracks.len() >= MAX_SONGS {
            break;
        }
    }
    let count = tracks.len();
    let boxed = Box::new(album.clone());
    Ok(Resolved {
        rows: vec![row(
            n,
            text,
            "matched",
            format!("the album {}: {count} songs", album.name),
            count,
        )],
        entries: tracks
            .into_iter()
            .filter(|t| t.id.is_some())
            .map(|t| Entry::Spotify(Box::new(t), Some(boxed.clone())))
            .collect(),
    })
}

async fn playlist(api: &Api, n: usize, text: &str, id: &str) -> Result<Resolved, ApiError> {
    #[derive(serde::Deserialize)]
    struct Named {
        name: String,
    }
    let refused = |why: &str| Resolved {
        rows: vec![row(n, text, "refused", why.to_string(), 0)],
        entries: Vec::new(),
    };
    let named: Named = match api
        .get(&format!("playlists/{id}"), &[("fields", "name".into())])
        .await
    {
        Ok(p) => p,
        Err(ApiError::NotFound) => {
            return Ok(refused("Spotify has no such playlist (or it is private)"))
        }
        Err(ApiError::Forbidden(_)) => {
            return Ok(refused(
                "Spotify lets this app read only playlists you own or collaborate on",
            ))
        }
        Err(e) => return Err(e),
    };
    let mut entries = Vec::new();
    let mut skipped = 0usize;
    let mut offset = 0usize;
    loop {
        let page: wire::Paging<wire::PlaylistEntry> = match api
            .get(
                &format!("playlists/{id}/items"),
                &[("limit", "50".into()), ("offset", offset.to_string())],
            )
            .await
        {
            Ok(p) => p,
            Err(ApiError::Forbidden(_)) => return Ok(refused(
                "Spotify lets this app read only the items of playlists you own or collaborate on",
            )),
            Err(e) => return Err(e),
        };
        offset += page.items.len();
        for e in &page.items {
            match e.content() {
                Some(wire::Playable::Track(t)) if t.id.is_some() && t.is_local != Some(true) => {
                    entries.push(Entry::Spotify(t.clone(), None));
                }
                _ => skipped += 1,
            }
        }
        if page.next.is_none() || page.items.is_empty() || entries.len() >= MAX_SONGS {
            break;
        }
    }
    let mut detail = format!("the playlist {}: {} songs", named.name, entries.len());
    if skipped > 0 {
        detail += &format!(" ({skipped} entries that are not Spotify songs left out)");
    }
    Ok(Resolved {
        rows: vec![row(n, text, "matched", detail, entries.len())],
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn song(s: &str) -> Vec<(String, String)> {
        match read_line(s) {
            Some(Line::Song(splits)) => splits,
            other => panic!("{s:?} read as {other:?}"),
        }
    }

    fn bad(s: &str) -> String {
        match read_line(s) {
            Some(Line::Bad(why)) => why,
            other => panic!("{s:?} read as {other:?}"),
        }
    }

    #[test]
    fn lines_are_read_as_songs_links_or_refused_with_a_reason() {
        assert_eq!(read_line("   "), None);
        assert_eq!(read_line("# my list"), None);
        assert_eq!(
            song("Björk - Hunter\r"),
            vec![("Björk".into(), "Hunter".into())]
        );
        assert_eq!(
            song("\u{feff}12. Björk – Hunter"),
            vec![("Björk".into(), "Hunter".into())]
        );
        // Two dashes: both readings, the shorter artist first.
        assert_eq!(
            song("Sigur Rós - Hoppípolla - Live"),
            vec![
                ("Sigur Rós".into(), "Hoppípolla - Live".into()),
                ("Sigur Rós - Hoppípolla".into(), "Live".into())
            ]
        );
        assert!(bad("Hunter by Björk").contains("no \" - \""));
        assert!(bad("Björk - ").contains("missing"));
        assert!(bad("https://example.com/song.mp3").contains("example.com"));
        assert_eq!(
            read_line("https://music.youtube.com/playlist?list=PLabc"),
            Some(Line::Uploads {
                url: "https://music.youtube.com/playlist?list=PLabc".into(),
                site: "YouTube Music",
                flat: true
            })
        );
        assert!(bad(&"x".repeat(600)).contains("500"));
        assert!(bad("Bj\u{fffd}rk - Hunter").contains("UTF-8"));
        assert!(
            bad("https://open.spotify.com/artist/7w29UYBi0qsHi5RTcv3lmA").contains("artist link")
        );
        assert_eq!(
            read_line("https://open.spotify.com/intl-de/track/3n3Ppam7vgaVa1iaRUc9Lp?si=abc"),
            Some(Line::SpotifyTrack("3n3Ppam7vgaVa1iaRUc9Lp".into()))
        );
        assert_eq!(
            read_line("spotify:album:4aawyAB9vmqN3uQ7FjRGTy"),
            Some(Line::SpotifyAlbum("4aawyAB9vmqN3uQ7FjRGTy".into()))
        );
        assert_eq!(
            read_line("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"),
            Some(Line::SpotifyPlaylist("37i9dQZF1DXcBWIGoYBM5M".into()))
        );
    }

    #[test]
    fn youtube_and_soundcloud_uploads_are_read_as_songs() {
        // A flat YouTube playlist, with the keys yt-dlp's YoutubeTabIE
        // `_extract_video` gives each entry (yt_dlp/extractor/youtube/_tab.py).
        let entry =
            |id: &str, title: Option<&str>, channel: Option<&str>, duration: Option<i64>| {
                serde_json::json!({
                    "_type": "url", "ie_key": "Youtube", "id": id,
                    "url": format!("https://www.youtube.com/watch?v={id}"),
                    "title": title, "description": null, "duration": duration,
                    "channel_id": "UCabcdefghijklmnopqrstuv", "channel": channel,
                    "channel_url": "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
                    "uploader": channel, "uploader_id": null, "uploader_url": null,
                    "thumbnails": [], "timestamp": null, "release_timestamp": null,
                    "availability": null, "view_count": 1234, "live_status": null,
                })
            };
        let playlist = serde_json::json!({
            "_type": "playlist", "id": "PLx", "title": "Road trip", "extractor": "youtube:tab",
            "entries": [
                entry("a1", Some("Hunter"), Some("Björk - Topic"), Some(255)),
                entry("a2", Some("Sigur Rós - Hoppípolla (Official Video)"), Some("Sigur Rós"), Some(268)),
                entry("a3", Some("[Private video]"), None, None),
                entry("a4", Some("Starálfur"), Some("Some Fan Channel"), Some(200)),
                entry("a5", None, None, None),
            ],
        });
        let (title, uploads) = read_uploads(&playlist);
        assert_eq!(title, "Road trip");
        assert_eq!(
            uploads[0].splits[0],
            ("Björk".to_string(), "Hunter".to_string())
        );
        assert_eq!(
            uploads[1].splits[0],
            ("Sigur Rós".to_string(), "Hoppípolla".to_string())
        );
        assert!(uploads[2]
            .why_not
            .as_deref()
            .is_some_and(|w| w.contains("private")));
        assert_eq!(
            uploads[3].splits,
            vec![("Some Fan Channel".to_string(), "Starálfur".to_string())]
        );
        assert!(uploads[4].why_not.is_some());
        // One SoundCloud track, opened: title and uploader.
        let one = serde_json::json!({ "id": "1", "title": "Night Drive", "uploader": "Kestrel Lane", "duration": 201.5 });
        let (_, uploads) = read_uploads(&one);
        assert_eq!(
            uploads[0].splits,
            vec![("Kestrel Lane".to_string(), "Night Drive".to_string())]
        );
        assert_eq!(clean_video_title("Song (Lyrics) [HD]"), "Song");
    }

    #[test]
    fn titles_match_without_feat_credits_or_remaster_notes() {
        assert_eq!(title_key("Hunter (feat. Someone)"), "hunter");
        assert_eq!(title_key("Hunter - 2011 Remaster"), "hunter");
        assert_eq!(title_key("Hunter ft. Someone"), "hunter");
        assert_ne!(title_key("Hunter (Live)"), "hunter");
    }
}
