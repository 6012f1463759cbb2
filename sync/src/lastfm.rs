//! Last.fm, for what Spotify no longer tells new apps: artists similar to
//! an artist (Spotify's related-artists endpoint is gone for them since
//! 2024-11-27), artist bios, tags and listener figures, and a track's
//! figures. Read with the listener's own API key (`lastfm_api_key`), which
//! never reaches a log: it travels in the query string, so every error is
//! stripped of the URL before it is shown.
//!
//! Last.fm's JSON is converted XML: numbers are strings, a list of one is an
//! object, and errors come as `{"error": N, "message": …}` with HTTP 200 as
//! often as not. Stories are kept in the vault for a week, and a kept one
//! is shown when Last.fm cannot be reached.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use vault::model::{ArtistStory, SimilarArtist, TrackStats};
use vault::Vault;

/// Last.fm's API.
pub const LASTFM_API: &str = "https://ws.audioscrobbler.com/2.0/";
/// How long a story is kept before Last.fm is asked again.
const KEEP_FOR: chrono::Duration = chrono::Duration::days(7);
/// Similar artists asked for.
const SIMILAR: usize = 30;

/// Why Last.fm gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum LastfmError {
    #[error("Last.fm refused the API key (setting lastfm_api_key): {0}")]
    InvalidKey(String),
    #[error("Last.fm asks Hoard to slow down (error 29); try again in a minute")]
    RateLimited,
    #[error("Last.fm does not know {0}")]
    NotFound(String),
    #[error("Last.fm could not be reached: {0}")]
    Unreachable(String),
    #[error("Last.fm answered error {code}: {message}")]
    Api { code: i64, message: String },
    #[error("Last.fm's answer could not be read: {0}")]
    Parse(String),
}

/// A client of Last.fm's API with one key.
pub struct Lastfm {
    http: reqwest::Client,
    url: String,
    key: String,
    calls: AtomicU64,
}

impl std::fmt::Debug for Lastfm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lastfm")
            .field("url", &self.url)
            .field("key", &"(hidden)")
            .finish()
    }
}

/// A string or number as Last.fm sends figures ("3623538").
fn figure(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

/// A list that Last.fm sends as an object when it has one item.
fn items(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// A link from Last.fm's answer, kept only if it is a web address (a page
/// links to it, so nothing else may pass: no `javascript:`).
fn web_url(v: Option<&Value>) -> String {
    let url = text(v);
    match url::Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") => url,
        _ => String::new(),
    }
}

/// A bio's HTML as plain text, without the "Read more on Last.fm" link;
/// `None` when nothing is left.
pub fn plain_bio(html: &str) -> Option<String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</a>") {
            Some(end) => {
                let inner = &rest[start..start + end];
                let label = inner.split_once('>').map_or("", |(_, l)| l);
                if !label.contains("Read more on Last.fm") {
                    out.push_str(label);
                }
                rest = &rest[start + end + 4..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    // Any other markup goes; the entities Last.fm uses are decoded.
    let mut plain = String::with_capacity(out.len());
    let mut in_tag = false;
    for c in out.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let plain = plain
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let plain = plain.trim().trim_end_matches('.').trim().to_string();
    (!plain.is_empty()).then(|| {
        if plain.ends_with(['.', '!', '?', '"']) {
            plain
        } else {
            plain + "."
        }
    })
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Value,
    #[serde(default)]
    message: String,
}

impl Lastfm {
    /// A client of the API at `url` (Last.fm's, or a local one) with `key`.
    pub fn new(url: &str, key: &str) -> Result<Self, LastfmError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("Hoard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LastfmError::Unreachable(e.without_url().to_string()))?;
        Ok(Self {
            http,
            url: url.to_string(),
            key: key.to_string(),
            calls: AtomicU64::new(0),
        })
    }

    /// Requests made so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    async fn call(&self, method: &str, params: &[(&str, &str)]) -> Result<Value, LastfmError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut query: Vec<(&str, &str)> = vec![
            ("method", method),
            ("api_key", self.key.as_str()),
            ("format", "json"),
        ];
        query.extend_from_slice(params);
        let response = self
            .http
            .get(&self.url)
            .query(&query)
            .send()
            .await
            .map_err(|e| LastfmError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| LastfmError::Unreachable(e.without_url().to_string()))?;
        // The error in the body counts, whatever the status says.
        if let Ok(err) = serde_json::from_str::<ErrorBody>(&body) {
            let code = match &err.error {
                Value::Number(n) => n.as_i64().unwrap_or(0),
                Value::String(s) => s.parse().unwrap_or(0),
                _ => 0,
            };
            return Err(match code {
                10 | 26 => LastfmError::InvalidKey(err.message),
                29 => LastfmError::RateLimited,
                6 | 7 => LastfmError::NotFound(params.first().map_or("", |p| p.1).to_string()),
                _ => LastfmError::Api {
                    code,
                    message: err.message,
                },
            });
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(LastfmError::RateLimited);
        }
        if !status.is_success() {
            return Err(LastfmError::Unreachable(format!("HTTP {status}")));
        }
        serde_json::from_str(&body).map_err(|e| LastfmError::Parse(format!("{method}: {e}")))
    }

    /// Checks the key with one request: a refused key is an error, an
    /// unknown artist is not.
    pub async fn check_key(&self) -> Result<(), LastfmError> {
        match self.call("artist.getInfo", &[("artist", "Cher")]).await {
            Ok(_) | Err(LastfmError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The artist's story and the artists similar to them (two requests).
    pub async fn artist(&self, name: &str) -> Result<ArtistStory, LastfmError> {
        let info = self
            .call("artist.getInfo", &[("artist", name), ("autocorrect", "1")])
            .await?;
        let a = info
            .get("artist")
            .ok_or_else(|| LastfmError::Parse("artist.getInfo: no artist".into()))?;
        let similar = self
            .call(
                "artist.getSimilar",
                &[
                    ("artist", name),
                    ("autocorrect", "1"),
                    ("limit", &SIMILAR.to_string()),
                ],
            )
            .await?;
        let similar = items(similar.pointer("/similarartists/artist"))
            .into_iter()
            .map(|s| SimilarArtist {
                name: text(s.get("name")),
                similarity: s
                    .get("match")
                    .and_then(|m| match m {
                        Value::String(t) => t.parse().ok(),
                        Value::Number(n) => n.as_f64(),
                        _ => None,
                    })
                    .unwrap_or(0.0),
                url: web_url(s.get("url")),
                in_vault: None,
            })
            .filter(|s| !s.name.is_empty())
            .collect();
        Ok(ArtistStory {
            name: text(a.get("name")),
            url: web_url(a.get("url")),
            bio: plain_bio(&text(a.pointer("/bio/summary"))),
            listeners: a.pointer("/stats/listeners").map_or(0, figure),
            playcount: a.pointer("/stats/playcount").map_or(0, figure),
            tags: items(a.pointer("/tags/tag"))
                .into_iter()
                .map(|t| text(t.get("name")))
                .filter(|t| !t.is_empty())
                .collect(),
            similar,
            fetched_at: vault::now_text(),
        })
    }

    /// A track's listeners, plays and tags; `None` for a track Last.fm
    /// does not know (it answers those with an empty stub).
    pub async fn track(
        &self,
        artist: &str,
        title: &str,
    ) -> Result<Option<TrackStats>, LastfmError> {
        let info = self
            .call(
                "track.getInfo",
                &[("artist", artist), ("track", title), ("autocorrect", "1")],
            )
            .await?;
        let Some(t) = info.get("track") else {
            return Ok(None);
        };
        let stats = TrackStats {
            listeners: t.get("listeners").map_or(0, figure),
            playcount: t.get("playcount").map_or(0, figure),
            tags: items(t.pointer("/toptags/tag"))
                .into_iter()
                .map(|t| text(t.get("name")))
                .filter(|t| !t.is_empty())
                .collect(),
            url: web_url(t.get("url")),
        };
        let stub = t.get("mbid").is_none() && t.get("duration").is_some_and(|d| figure(d) == 0);
        Ok((!stub).then_some(stats))
    }

    /// The story of the vault's artist `name`: the one kept if it is less
    /// than a week old, else Last.fm's (kept for next time); a kept one,
    /// however old, when Last.fm cannot be reached.
    pub async fn artist_kept(&self, vault: &Vault, name: &str) -> Result<ArtistStory, LastfmError> {
        let key = format!("artist:{}", name.trim().to_lowercase());
        kept(vault, &key, self.artist(name)).await
    }

    /// [`track`](Self::track), kept a week like artist stories (and shown
    /// from the vault when Last.fm cannot be reached).
    pub async fn track_kept(
        &self,
        vault: &Vault,
        artist: &str,
        title: &str,
    ) -> Result<Option<TrackStats>, LastfmError> {
        let key = format!(
            "track:{}:{}",
            artist.trim().to_lowercase(),
            title.trim().to_lowercase()
        );
        kept(vault, &key, self.track(artist, title)).await
    }
}

/// What Last.fm said under `key`: the answer kept if it is less than
/// [`KEEP_FOR`] old, else `ask`'s (kept for next time); a kept one, however
/// old, when Last.fm cannot be reached or asks Hoard to slow down.
async fn kept<T>(
    vault: &Vault,
    key: &str,
    ask: impl std::future::Future<Output = Result<T, LastfmError>>,
) -> Result<T, LastfmError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    #[derive(serde::Serialize, Deserialize)]
    struct Kept<T> {
        fetched_at: String,
        value: T,
    }
    let kept: Option<Kept<T>> = vault
        .lastfm_kept(key)
        .await
        .ok()
        .flatten()
        .and_then(|json| serde_json::from_str(&json).ok());
    let stale = match kept {
        Some(k)
            if chrono::DateTime::parse_from_rfc3339(&k.fetched_at)
                .is_ok_and(|at| chrono::Utc::now().signed_duration_since(at) < KEEP_FOR) =>
        {
            return Ok(k.value)
        }
        other => other,
    };
    match ask.await {
        Ok(value) => {
            let k = Kept {
                fetched_at: vault::now_text(),
                value,
            };
            match serde_json::to_string(&k) {
                Ok(json) => {
                    if let Err(e) = vault.keep_lastfm(key, &json).await {
                        tracing::warn!("cannot keep Last.fm's answer ({key}): {e}");
                    }
                }
                Err(e) => tracing::warn!("cannot keep Last.fm's answer ({key}): {e}"),
            }
            Ok(k.value)
        }
        Err(e @ (LastfmError::Unreachable(_) | LastfmError::RateLimited)) => {
            stale.map(|k| k.value).ok_or(e)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bios_lose_their_markup_and_the_read_more_link() {
        assert_eq!(
            plain_bio("U2 é uma banda.\n\nDesde 1980. <a href=\"https://www.last.fm/music/U2\">Read more on Last.fm</a>").as_deref(),
            Some("U2 é uma banda.\n\nDesde 1980.")
        );
        assert_eq!(
            plain_bio(" <a href=\"https://www.last.fm/music/+noredirect/Legi%C3%A3o+Urbana\">Read more on Last.fm</a>"),
            None
        );
        assert_eq!(
            plain_bio("Tom &amp; Jerry play <a href=\"https://www.last.fm/music/X\">X</a> covers")
                .as_deref(),
            Some("Tom & Jerry play X covers.")
        );
    }

    #[test]
    fn only_web_links_are_kept() {
        let v = serde_json::json!({ "a": "https://www.last.fm/music/X", "b": "javascript:alert(1)", "c": "/music/X" });
        assert_eq!(web_url(v.get("a")), "https://www.last.fm/music/X");
        assert_eq!(web_url(v.get("b")), "");
        assert_eq!(web_url(v.get("c")), "");
    }

    #[test]
    fn figures_and_lists_come_in_every_shape() {
        assert_eq!(figure(&Value::String("3623538".into())), 3_623_538);
        assert_eq!(figure(&serde_json::json!(12)), 12);
        let one = serde_json::json!({ "tag": { "name": "rock" } });
        assert_eq!(items(one.get("tag")).len(), 1);
        let none = serde_json::json!({ "tag": [] });
        assert!(items(none.get("tag")).is_empty());
    }
}
