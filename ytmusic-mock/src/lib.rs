//! A local YouTube Music for tests, benchmarks and demo mode: the search
//! endpoint that ytmusicapi calls (`POST /youtubei/v1/search`), the home
//! page it reads a visitor id from, and (in the binary) audio for every
//! result at `/watch?v=ID`.
//!
//! Answers come from [cases](case::Case), rendered by [`render`] from real
//! captured responses. A search finds its case by the ISRC (only in the
//! spaced form `CC XXXYYNNNNN`, as on the real service, yt-dlp#15389) or by
//! the words it shares with a case's artists and title; tests and the
//! benchmark can also select one case, so every search answers from it.
//! `/_mock/searches` lists the searches made, for tests to count.

pub mod case;
pub mod render;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use case::{Case, Shown};
use render::Filter;

/// The cases a mock answers from, and what it was asked.
#[derive(Default)]
pub struct Catalogue {
    cases: Mutex<Vec<Case>>,
    selected: Mutex<Option<String>>,
    searches: Mutex<Vec<Search>>,
}

/// One search the mock answered.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Search {
    pub query: String,
    /// `songs`, `videos`, `all` or `other`.
    pub filter: String,
    pub results: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lower-case words of letters and digits (any script).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn is_isrc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..5].iter().all(u8::is_ascii_alphanumeric)
        && b[5..].iter().all(u8::is_ascii_digit)
}

impl Catalogue {
    pub fn new(cases: Vec<Case>) -> Arc<Self> {
        let catalogue = Self::default();
        *lock(&catalogue.cases) = cases;
        Arc::new(catalogue)
    }

    /// Adds cases (a later case with the same id replaces the earlier one).
    pub fn add(&self, new: Vec<Case>) {
        let mut cases = lock(&self.cases);
        for case in new {
            cases.retain(|c| c.id != case.id);
            cases.push(case);
        }
    }

    /// Makes every search answer from case `id` (`None`: find by query).
    pub fn select(&self, id: Option<&str>) {
        *lock(&self.selected) = id.map(str::to_owned);
    }

    /// The searches made so far.
    pub fn searches(&self) -> Vec<Search> {
        lock(&self.searches).clone()
    }

    pub fn reset_searches(&self) {
        lock(&self.searches).clear();
    }

    /// A result by its videoId, in any case.
    pub fn find(&self, video_id: &str) -> Option<Shown> {
        lock(&self.cases)
            .iter()
            .flat_map(|c| c.all())
            .find(|s| s.video_id == video_id)
            .cloned()
    }

    /// The songs and videos YouTube Music shows for `query`.
    fn lookup(&self, query: &str) -> (Vec<Shown>, Vec<Shown>) {
        let cases = lock(&self.cases);
        let trimmed = query.trim();
        // An ISRC is found only when written "CC XXXYYNNNNN"; written whole
        // the real service suggests the spaced form and shows nothing.
        if let Some((cc, rest)) = trimmed.split_once(' ') {
            let joined = format!("{cc}{rest}");
            if cc.len() == 2 && is_isrc(&joined) {
                let found = cases.iter().find(|c| {
                    c.track
                        .isrc
                        .as_deref()
                        .is_some_and(|i| i.eq_ignore_ascii_case(&joined))
                });
                return (
                    found.and_then(|c| c.isrc_songs.clone()).unwrap_or_default(),
                    Vec::new(),
                );
            }
        }
        if is_isrc(trimmed) {
            return (Vec::new(), Vec::new());
        }
        let selected = lock(&self.selected).clone();
        let case = match selected {
            Some(id) => cases.iter().find(|c| c.id == id),
            None => {
                let asked = words(query);
                let need = asked.len().div_ceil(2).max(1);
                cases
                    .iter()
                    .map(|c| {
                        let have =
                            words(&format!("{} {}", c.track.artists.join(" "), c.track.title));
                        (asked.iter().filter(|w| have.contains(w)).count(), c)
                    })
                    .filter(|(n, _)| *n >= need)
                    // The first of the best, as a stable ranking would give.
                    .fold(None::<(usize, &Case)>, |best, (n, c)| match best {
                        Some((b, _)) if b >= n => best,
                        _ => Some((n, c)),
                    })
                    .map(|(_, c)| c)
            }
        };
        case.map(|c| (c.songs.clone(), c.videos.clone()))
            .unwrap_or_default()
    }

    /// The answer to a `search` request body.
    pub fn answer(&self, body: &Value) -> Value {
        let query = body["query"].as_str().unwrap_or_default();
        let filter = Filter::from_params(body["params"].as_str());
        let (songs, videos) = self.lookup(query);
        let results = match filter {
            Filter::Songs => songs.len(),
            Filter::Videos => videos.len(),
            Filter::All => songs.len() + videos.len(),
            Filter::Other => 0,
        };
        lock(&self.searches).push(Search {
            query: query.to_owned(),
            filter: format!("{filter:?}").to_lowercase(),
            results,
        });
        render::search_response(query, filter, &songs, &videos)
    }
}

/// The home page: ytmusicapi reads `VISITOR_DATA` from its `ytcfg.set`.
async fn home() -> Html<&'static str> {
    Html(
        "<!DOCTYPE html><html><head><script nonce=\"x\">ytcfg.set({\"VISITOR_DATA\":\
         \"CgtQaGJ4bW9ja1Zpc2l0b3Io9KqKugYyCgoCTkwSBBoAIA%3D%3D\",\"INNERTUBE_CLIENT_NAME\":\"WEB_REMIX\"});\
         </script></head><body></body></html>",
    )
}

async fn search(State(catalogue): State<Arc<Catalogue>>, Json(body): Json<Value>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        Json(catalogue.answer(&body)),
    )
        .into_response()
}

#[derive(Deserialize)]
struct Select {
    id: Option<String>,
}

async fn select(State(catalogue): State<Arc<Catalogue>>, Json(body): Json<Select>) -> Response {
    catalogue.select(body.id.as_deref());
    Json(serde_json::json!({ "selected": body.id })).into_response()
}

async fn add_cases(
    State(catalogue): State<Arc<Catalogue>>,
    Json(cases): Json<Vec<Case>>,
) -> Response {
    let n = cases.len();
    catalogue.add(cases);
    Json(serde_json::json!({ "added": n })).into_response()
}

async fn searches(State(catalogue): State<Arc<Catalogue>>) -> Json<Vec<Search>> {
    Json(catalogue.searches())
}

async fn reset_searches(State(catalogue): State<Arc<Catalogue>>) -> Json<Value> {
    catalogue.reset_searches();
    Json(serde_json::json!({ "ok": true }))
}

/// The search side: `/`, `/youtubei/v1/search` and the `/_mock` controls.
/// Callers add `/watch` for audio.
pub fn router(catalogue: Arc<Catalogue>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/youtubei/v1/search", post(search))
        .route("/_mock/select", post(select))
        .route("/_mock/cases", post(add_cases))
        .route("/_mock/searches", get(searches))
        .route("/_mock/searches/reset", post(reset_searches))
        .with_state(catalogue)
}

/// Cases for a Spotify catalogue (`spotify-mock`'s `/_mock/catalogue`):
/// each track's own song, and the uploads a real search shows around it (a
/// live recording, a cover, the official video with its longer cut, a
/// lyric video, a sped-up edit).
pub fn cases_for_catalogue(tracks: &[case::Track]) -> Vec<Case> {
    let m_ss = |ms: i64| {
        let s = (ms.max(0) + 500) / 1000;
        format!("{}:{:02}", s / 60, s % 60)
    };
    tracks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let seed = format!("{i}:{}:{}", t.title, t.artists.join(","));
            let id = |tag: &str| render::short_id(&format!("{seed}:{tag}"), 11);
            let artist = t.artists.first().cloned().unwrap_or_default();
            let album = t.album.clone().unwrap_or_else(|| t.title.clone());
            let song = Shown {
                video_id: id("song"),
                title: t.title.clone(),
                artists: t.artists.clone(),
                album: Some(album.clone()),
                duration: m_ss(t.duration_ms),
                explicit: t.explicit,
                kind: "ATV".into(),
                plays: Some(format!("{}K", 10 + i % 900)),
                views: None,
            };
            let live = Shown {
                video_id: id("live"),
                title: format!("{} (Live)", t.title),
                album: Some(format!("{album} (Live)")),
                duration: m_ss(t.duration_ms + 23_000),
                plays: Some(format!("{}K", 1 + i % 90)),
                ..song.clone()
            };
            let cover = Shown {
                video_id: id("cover"),
                artists: vec!["The Cover Collective".into()],
                album: Some(format!("Covers Vol. {}", 1 + i % 7)),
                duration: m_ss(t.duration_ms - 11_000),
                explicit: false,
                plays: None,
                ..song.clone()
            };
            let video = Shown {
                video_id: id("video"),
                title: format!("{artist} - {} (Official Video)", t.title),
                artists: vec![artist.clone()],
                album: None,
                duration: m_ss(t.duration_ms + 41_000),
                explicit: false,
                kind: "OMV".into(),
                plays: None,
                views: Some(format!("{}M", 1 + i % 300)),
            };
            let lyrics = Shown {
                video_id: id("lyrics"),
                title: format!("{artist} - {} (Lyrics)", t.title),
                artists: vec!["Lyric Vault".into()],
                duration: m_ss(t.duration_ms),
                kind: "UGC".into(),
                views: Some(format!("{}K", 5 + i % 500)),
                ..video.clone()
            };
            let sped = Shown {
                video_id: id("sped"),
                title: format!("{} (sped up)", t.title),
                artists: vec!["speed songs".into()],
                duration: m_ss(t.duration_ms * 4 / 5),
                kind: "UGC".into(),
                views: Some(format!("{}K", 1 + i % 50)),
                ..video.clone()
            };
            Case {
                id: format!("catalogue-{i}"),
                language: String::new(),
                kinds: vec!["catalogue".into()],
                note: String::new(),
                track: t.clone(),
                isrc_songs: t.isrc.as_ref().map(|_| vec![song.clone()]),
                accept: vec![song.video_id.clone(), lyrics.video_id.clone()],
                songs: vec![song, live, cover],
                videos: vec![video, lyrics, sped],
            }
        })
        .collect()
}

#[derive(Clone)]
struct Audio {
    catalogue: Arc<Catalogue>,
    dir: PathBuf,
    rate: Option<usize>,
    /// One ffmpeg at a time: the downloads queue behind it anyway.
    making: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Deserialize)]
struct Watch {
    v: String,
}

/// `/watch?v=ID`: every result as audio of the length it shows, a tone made
/// once with ffmpeg and kept in `dir`: Opus in WebM, as YouTube serves it
/// (format 251). With `rate`, sent at that many bytes per second.
pub fn audio_router(catalogue: Arc<Catalogue>, dir: PathBuf, rate: Option<usize>) -> Router {
    Router::new().route("/watch", get(watch)).with_state(Audio {
        catalogue,
        dir,
        rate,
        making: Arc::default(),
    })
}

async fn watch(State(audio): State<Audio>, Query(watch): Query<Watch>) -> Response {
    let valid = watch.v.len() == 11
        && watch
            .v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return (StatusCode::BAD_REQUEST, "not a video id").into_response();
    }
    let Some(seconds) = audio.catalogue.find(&watch.v).and_then(|s| s.seconds()) else {
        return (StatusCode::NOT_FOUND, "Video unavailable").into_response();
    };
    let path = audio.dir.join(format!("{}.webm", watch.v));
    if !path.is_file() {
        let _guard = audio.making.lock().await;
        if !path.is_file() {
            if let Err(e) = make_tone(&path, seconds).await {
                return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response();
            }
        }
    }
    let data = match tokio::fs::read(&path).await {
        Ok(data) => data,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let Some(rate) = audio.rate else {
        return ([(header::CONTENT_TYPE, "audio/webm")], data).into_response();
    };
    let length = data.len();
    let chunks = data
        .chunks((rate / 10).max(1))
        .map(Bytes::copy_from_slice)
        .collect();
    let stream = paced_stream(chunks, Duration::from_millis(100), None);
    Response::builder()
        .header(header::CONTENT_TYPE, "audio/webm")
        .header(header::CONTENT_LENGTH, length)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A stream of `chunks` with `pause` before each, ending with an error
/// (which makes hyper cut the connection) when `fail` is given: a slow or
/// broken download, for the audio routes here and in Hoard's testkit.
pub fn paced_stream(
    chunks: Vec<Bytes>,
    pause: Duration,
    fail: Option<&'static str>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        for chunk in chunks {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
        if let Some(reason) = fail {
            let _ = tx.send(Err(std::io::Error::other(reason))).await;
        }
    });
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn make_tone(path: &Path, seconds: u64) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let part = path.with_extension("part.webm");
    // A different pitch per length, so two tracks rarely sound the same.
    let pitch = 220 + (seconds * 37) % 440;
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency={pitch}:duration={seconds}"))
        .args([
            "-ac", "2", "-ar", "48000", "-c:a", "libopus", "-b:a", "64k", "-f", "webm",
        ])
        .arg(&part)
        .status()
        .await
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    if !status.success() {
        return Err(format!("ffmpeg failed making {}", path.display()));
    }
    tokio::fs::rename(&part, path)
        .await
        .map_err(|e| e.to_string())
}
