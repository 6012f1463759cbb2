//! For tests and benchmarks only (feature `testkit`): real audio files made
//! with ffmpeg, and a loopback YouTube Music that Hoard searches (through
//! ytmusicapi) and yt-dlp downloads from.
//!
//! The search is `ytmusic-mock`'s: answers shaped like real captured ones,
//! holding only what YouTube Music shows (title, artists, album, duration,
//! E badge, kind). Each offered result is downloaded from `/watch?v=ID` as
//! its file, served whole (`/files/`), slowly (`/slow/`), cut off half way
//! (`/drop/`) or replaced by random bytes (`/garbage/`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rand::RngCore;

/// A full set of tags for one real track ("Get Lucky"), as the queue writes
/// them, with an optional cover.
pub fn get_lucky_tags(cover: Option<crate::tag::Cover>) -> crate::tag::TrackTags {
    crate::tag::TrackTags {
        title: "Get Lucky".into(),
        artists: vec!["Daft Punk".into(), "Pharrell Williams".into()],
        album: Some("Random Access Memories".into()),
        album_artists: vec!["Daft Punk".into()],
        track_number: Some(8),
        track_total: Some(13),
        disc_number: Some(1),
        disc_total: Some(2),
        release_date: Some("2013-05-17".into()),
        genre: Some("Disco".into()),
        isrc: Some("USQX91300108".into()),
        spotify_id: Some("69kOkLUCkxIZYexIgSG8rq".into()),
        cover,
    }
}

/// Makes a `seconds` long sine tone in `format` (`mp3`, `m4a`, `opus`,
/// `ogg`, `flac`, `webm`, `wav`) with ffmpeg. Panics if ffmpeg fails: the
/// fixture is broken, not the code under test.
pub fn generate(dir: &Path, name: &str, seconds: f64, format: &str) -> PathBuf {
    let codec: &[&str] = match format {
        "mp3" => &["-c:a", "libmp3lame", "-b:a", "128k"],
        "m4a" => &["-c:a", "aac", "-b:a", "128k"],
        "opus" | "webm" => &["-c:a", "libopus", "-b:a", "96k"],
        "ogg" => &["-c:a", "libvorbis"],
        "flac" => &["-c:a", "flac"],
        "wav" => &["-c:a", "pcm_s16le"],
        other => panic!("no fixture format {other}"),
    };
    let path = dir.join(format!("{name}.{format}"));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args(["-ac", "2", "-ar", "48000"])
        .args(codec)
        .arg(&path)
        .status()
        .expect("ffmpeg runs (scripts/setup installs it)");
    assert!(status.success(), "ffmpeg made {}", path.display());
    path
}

/// Makes a small JPEG cover with ffmpeg.
pub fn generate_cover(dir: &Path) -> PathBuf {
    generate_picture(dir, "cover.jpg", "color=c=teal:s=300x300")
}

/// Makes the picture `name` (its type from its extension) with ffmpeg from
/// a lavfi `source` (`testsrc=s=1000x800`). Panics if ffmpeg fails.
pub fn generate_picture(dir: &Path, name: &str, source: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", source])
        .args(["-frames:v", "1"])
        .arg(&path)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg made {}", path.display());
    path
}

/// One result the loopback YouTube Music shows.
#[derive(Clone, Debug)]
pub struct Offer<'a> {
    /// The title as shown (a song result's title names no artist).
    pub title: &'a str,
    /// The artists shown (a user upload shows its channel).
    pub artists: &'a [&'a str],
    /// Song results only.
    pub album: Option<&'a str>,
    /// What the result says (it may lie, as uploads do).
    pub seconds: f64,
    /// `ATV` (song), `OMV`, `UGC` or `OFFICIAL_SOURCE_MUSIC`.
    pub kind: &'a str,
    pub explicit: bool,
    /// `/files/name.mp3`, `/slow/…`, `/drop/…` or `/garbage/…`.
    pub path: &'a str,
}

#[derive(Clone)]
struct Shared {
    dir: PathBuf,
    catalogue: Arc<ytmusic_mock::Catalogue>,
    /// videoId → the path its audio comes from.
    audio: Arc<Mutex<std::collections::HashMap<String, String>>>,
    /// The cases offered so far, by track.
    cases: Arc<Mutex<Vec<ytmusic_mock::case::Case>>>,
    /// Bytes per second of `/slow/`.
    slow_rate: usize,
}

/// The loopback server.
pub struct AudioServer {
    pub addr: SocketAddr,
    shared: Shared,
}

impl AudioServer {
    /// Serves the files of `dir` on a free loopback port.
    pub async fn start(dir: &Path) -> Self {
        Self::start_with_rate(dir, 64 * 1024).await
    }

    /// As [`AudioServer::start`], with `/slow/` sending `bytes_per_second`.
    pub async fn start_with_rate(dir: &Path, bytes_per_second: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let catalogue = ytmusic_mock::Catalogue::new(Vec::new());
        let shared = Shared {
            dir: dir.to_owned(),
            catalogue: catalogue.clone(),
            audio: Arc::default(),
            cases: Arc::default(),
            slow_rate: bytes_per_second.max(1),
        };
        let files = Router::new()
            .route("/watch", get(watch))
            .route("/files/{name}", get(file))
            .route("/slow/{name}", get(slow))
            .route("/drop/{name}", get(drop_half))
            .route("/garbage/{name}", get(garbage))
            .with_state(shared.clone());
        let app = ytmusic_mock::router(catalogue).merge(files);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared }
    }

    /// The base URL, `http://127.0.0.1:PORT`: YouTube Music's address for
    /// [`crate::ytmusic::YtMusicSettings::url`].
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The searches made so far.
    pub fn searches(&self) -> Vec<ytmusic_mock::Search> {
        self.shared.catalogue.searches()
    }

    /// Shows `offer` among the results for the track `title` by `artists`
    /// (a search finds them by the words they share with the track).
    pub fn offer(&self, title: &str, artists: &[&str], offer: Offer<'_>) {
        let seconds = offer.seconds.round() as u64;
        let video_id =
            ytmusic_mock::render::short_id(&format!("{}|{}", offer.path, offer.title), 11);
        let shown = ytmusic_mock::case::Shown {
            video_id: video_id.clone(),
            title: offer.title.into(),
            artists: offer.artists.iter().map(|a| a.to_string()).collect(),
            album: offer.album.map(str::to_owned),
            duration: format!("{}:{:02}", seconds / 60, seconds % 60),
            explicit: offer.explicit,
            kind: offer.kind.into(),
            plays: None,
            views: None,
        };
        lock(&self.shared.audio).insert(video_id, offer.path.into());
        let mut cases = lock(&self.shared.cases);
        let artists: Vec<String> = artists.iter().map(|a| a.to_string()).collect();
        let index = match cases
            .iter()
            .position(|c| c.track.title == title && c.track.artists == artists)
        {
            Some(i) => i,
            None => {
                let id = format!("testkit-{}", cases.len());
                cases.push(ytmusic_mock::case::Case {
                    id,
                    track: ytmusic_mock::case::Track {
                        title: title.into(),
                        artists,
                        ..Default::default()
                    },
                    ..Default::default()
                });
                cases.len() - 1
            }
        };
        if offer.kind == "ATV" {
            cases[index].songs.push(shown);
        } else {
            cases[index].videos.push(shown);
        }
        self.shared.catalogue.add(vec![cases[index].clone()]);
    }

    /// The usual result: the track's own song, as YouTube Music shows it.
    pub fn add_song(&self, title: &str, artist: &str, seconds: f64, path: &str) {
        self.offer(
            title,
            &[artist],
            Offer {
                title,
                artists: &[artist],
                album: Some(title),
                seconds,
                kind: "ATV",
                explicit: false,
                path,
            },
        );
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(serde::Deserialize)]
struct WatchQuery {
    v: String,
}

/// A result's audio, served the way its path says.
async fn watch(State(shared): State<Shared>, Query(query): Query<WatchQuery>) -> Response {
    let Some(path) = lock(&shared.audio).get(&query.v).cloned() else {
        return (StatusCode::NOT_FOUND, "Video unavailable").into_response();
    };
    let Some((kind, name)) = path.trim_start_matches('/').split_once('/') else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let name = UrlPath(name.to_owned());
    match kind {
        "files" => file(State(shared), name).await,
        "slow" => slow(State(shared), name).await,
        "drop" => drop_half(State(shared), name).await,
        "garbage" => garbage(name).await,
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        Some("opus" | "ogg") => "audio/ogg",
        Some("webm") => "audio/webm",
        Some("flac") => "audio/flac",
        Some("wav") => "audio/wav",
        _ => "application/octet-stream",
    }
}

/// Reads a fixture file; names are plain file names, never paths.
async fn read(shared: &Shared, name: &str) -> Result<Vec<u8>, StatusCode> {
    if name.contains('/') || name.contains("..") {
        return Err(StatusCode::BAD_REQUEST);
    }
    tokio::fs::read(shared.dir.join(name))
        .await
        .map_err(|_| StatusCode::NOT_FOUND)
}

async fn file(State(shared): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    match read(&shared, &name).await {
        Ok(data) => ([(header::CONTENT_TYPE, content_type(&name))], data).into_response(),
        Err(status) => status.into_response(),
    }
}

/// The file in chunks, at the server's slow rate.
async fn slow(State(shared): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    let data = match read(&shared, &name).await {
        Ok(data) => data,
        Err(status) => return status.into_response(),
    };
    let chunk = (shared.slow_rate / 10).max(1);
    let length = data.len();
    let chunks: Vec<Bytes> = data.chunks(chunk).map(Bytes::copy_from_slice).collect();
    let stream = ytmusic_mock::paced_stream(chunks, Duration::from_millis(100), None);
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(&name))
        .header(header::CONTENT_LENGTH, length)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Promises the whole file, sends half and drops the connection.
async fn drop_half(State(shared): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    let data = match read(&shared, &name).await {
        Ok(data) => data,
        Err(status) => return status.into_response(),
    };
    let length = data.len();
    let half = Bytes::copy_from_slice(&data[..length / 2]);
    let stream = ytmusic_mock::paced_stream(vec![half], Duration::ZERO, Some("connection dropped"));
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(&name))
        .header(header::CONTENT_LENGTH, length)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Random bytes dressed as audio.
async fn garbage(UrlPath(name): UrlPath<String>) -> Response {
    let mut data = vec![0u8; 256 * 1024];
    rand::thread_rng().fill_bytes(&mut data);
    ([(header::CONTENT_TYPE, content_type(&name))], data).into_response()
}

/// Every file below `dir`, sorted (none if it does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A track to put in a test vault, as a liked song.
#[derive(Clone, Debug)]
pub struct TestTrack<'a> {
    /// Unique per test: it makes the Spotify IDs.
    pub n: i64,
    pub title: &'a str,
    pub artists: &'a [&'a str],
    pub album: &'a str,
    pub seconds: f64,
    pub isrc: Option<&'a str>,
    pub cover_url: Option<String>,
}

/// Writes `track` to the vault as a liked song, with an album of its own
/// artist, and returns its id.
pub async fn add_liked_track(vault: &vault::Vault, track: &TestTrack<'_>) -> vault::model::Id {
    use vault::model::{NewAlbum, NewArtist, NewTrack};
    let artists: Vec<NewArtist> = track
        .artists
        .iter()
        .map(|name| NewArtist {
            spotify_id: Some(format!("ar{}", name.to_lowercase().replace(' ', ""))),
            name: (*name).to_owned(),
            image_url: None,
        })
        .collect();
    let new = NewTrack {
        spotify_id: Some(format!("{:0>22}", format!("tr{}", track.n))),
        isrc: track.isrc.map(str::to_owned),
        title: track.title.to_owned(),
        album: Some(NewAlbum {
            spotify_id: Some(format!("al{}", track.album.to_lowercase().replace(' ', ""))),
            name: track.album.to_owned(),
            album_type: "album".into(),
            release_date: Some("2001-05-04".into()),
            release_date_precision: Some("day".into()),
            total_tracks: Some(12),
            image_url: track.cover_url.clone(),
            images: None,
            artists: artists.iter().take(1).cloned().collect(),
        }),
        artists,
        disc_number: 1,
        track_number: Some(track.n),
        duration_ms: (track.seconds * 1000.0) as i64,
        ..NewTrack::default()
    };
    let mut tx = vault.begin().await.expect("begin");
    let id = vault::Vault::upsert_track(&mut tx, &new)
        .await
        .expect("write a track");
    vault::Vault::like_track(&mut tx, id, "2026-01-01T00:00:00Z")
        .await
        .expect("like it");
    tx.commit().await.expect("commit");
    id
}

/// Every tag ffprobe sees (format and stream tags), keys in lower case.
pub fn ffprobe_tags(path: &Path) -> Vec<(String, String)> {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream_tags",
            "-of",
            "default=noprint_wrappers=1",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        output.status.success(),
        "ffprobe failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("TAG:"))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_lowercase(), v.to_owned()))
        .collect()
}
