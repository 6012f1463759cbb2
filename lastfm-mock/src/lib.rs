//! A local Last.fm API 2.0 (`/2.0/?method=…&format=json`) for tests,
//! benchmarks and demo mode: `artist.getInfo`, `artist.getSimilar` and
//! `track.getInfo` for the artists and tracks of a catalogue, in the shapes
//! Last.fm sends (from its documentation and captured responses, such as
//! Navidrome's test fixtures), quirks included:
//!
//! - every number is a string (`"listeners": "3623538"`, `"match": "0.51"`);
//! - the JSON is converted XML: `#text` and `@attr` keys, and a list of one
//!   (an artist with one tag) is an object, not an array;
//! - a bio's summary ends with an HTML link, `Read more on Last.fm`; an
//!   artist without a bio has only that link and a 1970 date;
//! - errors are `{"error": N, "message": …}`: an unknown artist is error 6
//!   with HTTP 200, a bad key error 10 with HTTP 403, too many requests
//!   error 29 with HTTP 429; an unknown track is not an error but a stub
//!   with `"duration": "0"` and no tags.
//!
//! Similar artists are drawn from the catalogue (so they can be found on the
//! local Spotify API) and from names only Last.fm knows.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The key the tests and the demo use (32 hex digits, like Last.fm's).
pub const TEST_KEY: &str = "f0e1d2c3b4a5968778695a4b3c2d1e0f";

/// One track of the catalogue.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct CatalogueTrack {
    pub title: String,
    pub artists: Vec<String>,
    #[serde(default)]
    pub duration_ms: u64,
}

/// What the mock knows.
#[derive(Clone, Debug, Default)]
pub struct LastfmSpec {
    /// Tracks (and through them, artists) Last.fm knows.
    pub tracks: Vec<CatalogueTrack>,
    /// The API keys it accepts.
    pub keys: Vec<String>,
}

struct Shared {
    artists: Vec<String>,
    by_name: HashMap<String, usize>,
    tracks: HashMap<(String, String), CatalogueTrack>,
    keys: Vec<String>,
    calls: AtomicU64,
    /// The next N requests answer error 29.
    rate_limited: Mutex<u32>,
}

/// A running mock.
pub struct LastfmMock {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LastfmMock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// FNV-1a: the mock's figures are a function of the names, so every run
/// and every process agrees.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

const TAGS: &[&str] = &[
    "rock",
    "indie",
    "electronic",
    "pop",
    "alternative",
    "jazz",
    "folk",
    "hip-hop",
    "ambient",
    "soul",
    "metal",
    "dream pop",
    "shoegaze",
    "synthpop",
    "post-punk",
];
const CITIES: &[&str] = &[
    "Reykjavík",
    "Manchester",
    "Gothenburg",
    "Montréal",
    "Osaka",
    "Melbourne",
    "Lagos",
    "Berlin",
];
const OUTSIDERS: &[&str] = &[
    "The Tidewater Choir",
    "Marisol & The Undertow",
    "Kestrel Lane",
    "Blue Hour Collective",
    "Ondine Vasquez",
    "The Paper Satellites",
];

fn url_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        match b {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn images(seed: u64) -> Value {
    let hash = format!("{seed:016x}{:016x}", seed.rotate_left(17));
    let sizes = [
        ("34s", "small"),
        ("64s", "medium"),
        ("174s", "large"),
        ("300x300", "extralarge"),
        ("300x300", "mega"),
        ("300x300", ""),
    ];
    Value::Array(
        sizes
            .iter()
            .map(|(px, size)| {
                json!({ "#text": format!("https://lastfm.freetls.fastly.net/i/u/{px}/{hash}.png"), "size": size })
            })
            .collect(),
    )
}

fn mbid(seed: u64) -> String {
    let h = format!(
        "{seed:016x}{:016x}",
        seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    );
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A list of one becomes an object, as Last.fm's XML-to-JSON does.
fn xml_list(items: Vec<Value>) -> Value {
    if items.len() == 1 {
        items.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(items)
    }
}

impl Shared {
    fn new(spec: LastfmSpec) -> Self {
        let mut artists = Vec::new();
        let mut by_name = HashMap::new();
        let mut tracks = HashMap::new();
        for t in spec.tracks {
            for a in &t.artists {
                by_name.entry(fold(a)).or_insert_with(|| {
                    artists.push(a.clone());
                    artists.len() - 1
                });
            }
            if let Some(first) = t.artists.first() {
                tracks.insert((fold(first), fold(&t.title)), t.clone());
            }
        }
        Self {
            artists,
            by_name,
            tracks,
            keys: spec.keys,
            calls: AtomicU64::new(0),
            rate_limited: Mutex::new(0),
        }
    }

    /// The artists similar to `name`, most similar first, with their match.
    fn similar(&self, name: &str) -> Vec<(String, f64)> {
        let me = fold(name);
        let mut others: Vec<&String> = self.artists.iter().filter(|a| fold(a) != me).collect();
        others.sort_by_key(|a| fnv(&format!("{me}|{}", fold(a))));
        let mut names: Vec<String> = others.into_iter().take(12).cloned().collect();
        // Every fourth place, an artist only Last.fm knows.
        for i in 0..3 {
            let at = ((i + 1) * 4).min(names.len());
            let pick = OUTSIDERS[(fnv(&me) as usize + i) % OUTSIDERS.len()];
            if !names.iter().any(|n| n == pick) {
                names.insert(at, pick.to_string());
            }
        }
        let n = names.len().max(1) as f64;
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let m = 1.0 - (i as f64 / n) * 0.9;
                (name, (m * 1e6).round() / 1e6)
            })
            .collect()
    }

    fn tags(&self, seed: u64) -> Vec<&'static str> {
        let count = (seed % 6) as usize;
        (0..count)
            .map(|i| TAGS[((seed >> (i * 4)) as usize + i) % TAGS.len()])
            .fold(Vec::new(), |mut v, t| {
                if !v.contains(&t) {
                    v.push(t);
                }
                v
            })
    }

    fn artist_info(&self, name: &str) -> Value {
        let seed = fnv(&fold(name));
        let url = format!("https://www.last.fm/music/{}", url_name(name));
        let listeners = 1_000 + seed % 4_000_000;
        let playcount = listeners * (5 + (seed >> 8) % 60);
        let tags = self.tags(seed);
        let tag_list = xml_list(
            tags.iter()
                .map(|t| json!({ "name": t, "url": format!("https://www.last.fm/tag/{}", url_name(t)) }))
                .collect(),
        );
        let read_more = format!("<a href=\"{url}\">Read more on Last.fm</a>");
        let (published, summary, content) = if seed.is_multiple_of(7) {
            (
                "01 Jan 1970, 00:00".to_string(),
                format!(" {read_more}"),
                String::new(),
            )
        } else {
            let city = CITIES[(seed >> 12) as usize % CITIES.len()];
            let genre = tags.first().copied().unwrap_or("independent");
            let first = format!(
                "{name} is a {genre} act from {city}, formed in {}.\n\nTheir early records were self-released & sold at shows.",
                1970 + seed % 50
            );
            (
                format!("{:02} Mar 20{:02}, 14:{:02}", 1 + seed % 28, 5 + seed % 15, seed % 60),
                format!("{first} {read_more}"),
                format!(
                    "{first}\n\nA longer story follows on Last.fm. {read_more}. User-contributed text is available under the Creative Commons By-SA License; additional terms may apply."
                ),
            )
        };
        let similar: Vec<Value> = self
            .similar(name)
            .into_iter()
            .take(5)
            .map(|(n, _)| {
                json!({
                    "name": n,
                    "url": format!("https://www.last.fm/music/{}", url_name(&n)),
                    "image": images(fnv(&n)),
                })
            })
            .collect();
        json!({ "artist": {
            "name": name,
            "mbid": mbid(seed),
            "url": url,
            "image": images(seed),
            "streamable": "0",
            "ontour": "0",
            "stats": { "listeners": listeners.to_string(), "playcount": playcount.to_string() },
            "similar": { "artist": similar },
            "tags": { "tag": tag_list },
            "bio": {
                "links": { "link": { "#text": "", "rel": "original", "href": format!("https://last.fm/music/{}/+wiki", url_name(name)) } },
                "published": published,
                "summary": summary,
                "content": content,
            },
        }})
    }

    fn similar_json(&self, name: &str, limit: usize) -> Value {
        let artists: Vec<Value> = self
            .similar(name)
            .into_iter()
            .take(limit)
            .map(|(n, m)| {
                let seed = fnv(&fold(&n));
                json!({
                    "name": n,
                    "mbid": mbid(seed),
                    "match": format!("{m}"),
                    "url": format!("https://www.last.fm/music/{}", url_name(&n)),
                    "image": images(seed),
                    "streamable": "0",
                })
            })
            .collect();
        json!({ "similarartists": { "artist": artists, "@attr": { "artist": name } } })
    }

    fn track_info(&self, artist: &str, title: &str) -> Value {
        let url = format!(
            "https://www.last.fm/music/{}/_/{}",
            url_name(artist),
            url_name(title)
        );
        let Some(t) = self.tracks.get(&(fold(artist), fold(title))) else {
            // Last.fm answers a track it does not know with a stub, not an error.
            return json!({ "track": {
                "name": title, "url": url, "duration": "0",
                "streamable": { "#text": "0", "fulltrack": "0" },
                "listeners": "2", "playcount": "4",
                "artist": { "name": artist, "url": format!("https://www.last.fm/music/{}", url_name(artist)) },
                "toptags": { "tag": [] },
            }});
        };
        let seed = fnv(&format!("{}|{}", fold(artist), fold(title)));
        let listeners = 50 + seed % 900_000;
        let tags: Vec<Value> = self
            .tags(seed)
            .iter()
            .map(
                |t| json!({ "name": t, "url": format!("https://www.last.fm/tag/{}", url_name(t)) }),
            )
            .collect();
        json!({ "track": {
            "name": t.title,
            "mbid": mbid(seed),
            "url": url,
            "duration": t.duration_ms.to_string(),
            "streamable": { "#text": "0", "fulltrack": "0" },
            "listeners": listeners.to_string(),
            "playcount": (listeners * (2 + seed % 30)).to_string(),
            "artist": { "name": t.artists[0], "mbid": mbid(fnv(&fold(&t.artists[0]))), "url": format!("https://www.last.fm/music/{}", url_name(&t.artists[0])) },
            "toptags": { "tag": xml_list(tags) },
        }})
    }
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": code, "message": message, "links": [] })),
    )
        .into_response()
}

async fn api(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    s.calls.fetch_add(1, Ordering::Relaxed);
    {
        let mut limited = s.rate_limited.lock().expect("rate limit");
        if *limited > 0 {
            *limited -= 1;
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                29,
                "Rate Limit Exceeded - Your IP has made too many requests in a short period",
            );
        }
    }
    let key = q.get("api_key").map(String::as_str).unwrap_or("");
    if !s.keys.iter().any(|k| k == key) {
        return error(
            StatusCode::FORBIDDEN,
            10,
            "Invalid API key - You must be granted a valid key by last.fm",
        );
    }
    if !q
        .get("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("json"))
    {
        // Hoard asks for JSON; the XML Last.fm sends otherwise is not served here.
        return error(
            StatusCode::BAD_REQUEST,
            5,
            "Invalid format - This service doesn't exist in that format",
        );
    }
    let method = q
        .get("method")
        .map(|m| m.to_lowercase())
        .unwrap_or_default();
    let artist = q.get("artist").map(String::as_str).unwrap_or("").trim();
    let missing = || {
        error(
            StatusCode::OK,
            6,
            "Invalid parameters - Your request is missing a required parameter",
        )
    };
    let known = |name: &str| s.by_name.get(&fold(name)).map(|&i| s.artists[i].clone());
    let not_found = || {
        error(
            StatusCode::OK,
            6,
            "The artist you supplied could not be found",
        )
    };
    match method.as_str() {
        "artist.getinfo" => {
            if artist.is_empty() {
                return missing();
            }
            match known(artist) {
                Some(name) => Json(s.artist_info(&name)).into_response(),
                None => not_found(),
            }
        }
        "artist.getsimilar" => {
            if artist.is_empty() {
                return missing();
            }
            let limit = q
                .get("limit")
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(100);
            match known(artist) {
                Some(name) => Json(s.similar_json(&name, limit)).into_response(),
                None => not_found(),
            }
        }
        "track.getinfo" => {
            let track = q.get("track").map(String::as_str).unwrap_or("").trim();
            if artist.is_empty() || track.is_empty() {
                return missing();
            }
            Json(s.track_info(artist, track)).into_response()
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            3,
            "Invalid Method - No method with that name in this package",
        ),
    }
}

#[derive(serde::Deserialize)]
struct FaultsBody {
    #[serde(default)]
    rate_limit: u32,
}

async fn faults(State(s): State<Arc<Shared>>, Json(f): Json<FaultsBody>) -> StatusCode {
    *s.rate_limited.lock().expect("rate limit") = f.rate_limit;
    StatusCode::NO_CONTENT
}

async fn calls(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "calls": s.calls.load(Ordering::Relaxed) }))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2.0/", get(api))
        .route("/2.0", get(api))
        .route("/_mock/faults", post(faults))
        .route("/_mock/calls", get(calls))
        .with_state(shared)
}

impl LastfmMock {
    /// Serves `spec` on `addr` (port 0 for a free one).
    pub async fn start_on(addr: SocketAddr, spec: LastfmSpec) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(spec));
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// Serves `spec` on a free loopback port.
    pub async fn start(spec: LastfmSpec) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), spec).await
    }

    /// The API's address, as Hoard's `lastfm_api_url` takes it.
    pub fn url(&self) -> String {
        format!("http://{}/2.0/", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests answered so far.
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// The next `n` requests answer error 29 (HTTP 429).
    pub fn rate_limit(&self, n: u32) {
        *self.shared.rate_limited.lock().expect("rate limit") = n;
    }

    /// The artists similar to `name` as `artist.getSimilar` lists them.
    pub fn similar(&self, name: &str) -> Vec<(String, f64)> {
        self.shared.similar(name)
    }

    /// Whether `name` is one of the names only Last.fm knows.
    pub fn is_outsider(name: &str) -> bool {
        OUTSIDERS.contains(&name)
    }
}
