//! The OpenSubsonic API at `/rest/`, for the apps people already use
//! (Symfonium, DSub, Tempo, Amperfy, Feishin, Substreamer, play:Sub).
//!
//! Every endpoint answers at `/rest/<name>` and `/rest/<name>.view`, to GET
//! with the parameters in the query or to a form POST (the `formPost`
//! extension), in JSON or XML as `f` asks. This module reads the
//! parameters, authenticates, dispatches and writes the answer;
//! `library.rs` holds the endpoints over the vault's data, `files.rs` the
//! ones that send audio, covers and lyrics.
//!
//! Authentication (the browser's session cookie is never used here, so a
//! page elsewhere cannot act through it):
//! - `apiKey` (the `apiKeyAuthentication` extension): keys are made and
//!   revoked in Settings; the vault keeps only their SHA-256. Preferred.
//! - `u` with `t` and `s` (token: md5(password + salt)) or `p` (the password,
//!   plain or `enc:` hex): checked against the listener's *Subsonic
//!   password*, a separate one set in Settings and sealed with the server's
//!   key, because a token can only be checked against the password itself.
//!   Hoard's login password is never accepted here.
//!
//! Wrong credentials take turns with the login page's checks and wait after
//! each failure, so guessing is as slow here as there.

mod files;
mod library;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use vault::model::Id;

use crate::router::AppState;

/// The Subsonic API version Hoard speaks.
pub const API_VERSION: &str = "1.16.1";

/// The largest form body read (a play queue or playlist of a few thousand ids).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// How long a wrong credential holds up further checks.
const FAILED_AUTH_DELAY: Duration = Duration::from_millis(500);

/// Whether a path is one of the API's endpoints (`/rest/<name>`, one
/// segment): the session layer and the origin check leave only these to
/// the API's own sign-in, never a longer path that merely starts so.
pub fn is_api_path(path: &str) -> bool {
    path.strip_prefix("/rest/").is_some_and(|name| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            && !name.contains("..")
    })
}

/// The routes, under `/rest/`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/rest/{method}", get(endpoint).post(endpoint))
}

/// What the Subsonic endpoints share beyond the app's state.
#[derive(Debug)]
pub struct Subsonic {
    /// What each listener's apps say they are playing now (`scrobble` with
    /// `submission=false`), for `getNowPlaying`.
    now_playing: Mutex<HashMap<Id, NowPlaying>>,
    /// Transcodes running at once (ffmpeg processes); more wait their turn.
    transcodes: Arc<tokio::sync::Semaphore>,
    /// How to run ffmpeg.
    ffmpeg: String,
}

#[derive(Clone, Debug)]
struct NowPlaying {
    track: Id,
    client: String,
    since: std::time::Instant,
}

impl Subsonic {
    pub fn new(ffmpeg: String) -> Self {
        Self {
            now_playing: Mutex::new(HashMap::new()),
            transcodes: Arc::new(tokio::sync::Semaphore::new(4)),
            ffmpeg,
        }
    }
}

/// A Subsonic error: one of the spec's codes and a message for the user.
#[derive(Debug)]
pub struct Fault {
    code: u16,
    message: String,
}

impl Fault {
    fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
    /// 10: a required parameter is missing.
    fn missing(name: &str) -> Self {
        Self::new(10, format!("Required parameter is missing: {name}"))
    }
    /// 10 as well: a parameter that is there but not what it must be.
    fn bad(name: &str, why: &str) -> Self {
        Self::new(10, format!("Parameter {name} {why}"))
    }
    /// 70: the requested data was not found (also for what is another
    /// listener's: Hoard does not tell the two apart).
    fn not_found(what: &str) -> Self {
        Self::new(70, format!("{what} was not found"))
    }
    /// 0: anything else.
    fn generic(message: impl Into<String>) -> Self {
        Self::new(0, message)
    }
}

impl From<vault::DbError> for Fault {
    fn from(e: vault::DbError) -> Self {
        match e {
            vault::DbError::NotFound => Fault::not_found("The item"),
            vault::DbError::Invalid(why) => Fault::new(50, why),
            other => {
                tracing::error!(error = %other, "subsonic: database error");
                Fault::generic("The vault could not answer; see Hoard's log")
            }
        }
    }
}

/// A request's parameters, from the query and a form body, in order;
/// a name may repeat (`id=1&id=2`).
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn required(&self, name: &str) -> Result<&str, Fault> {
        self.get(name).ok_or_else(|| Fault::missing(name))
    }
    /// A whole number, or `default` when absent.
    fn number(&self, name: &str, default: i64) -> Result<i64, Fault> {
        match self.get(name) {
            None | Some("") => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| Fault::bad(name, &format!("must be a whole number, not “{v}”"))),
        }
    }
    fn optional_number(&self, name: &str) -> Result<Option<i64>, Fault> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(_) => self.number(name, 0).map(Some),
        }
    }
    /// `true`/`false`, or `default` when absent.
    fn flag(&self, name: &str, default: bool) -> Result<bool, Fault> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("") => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(v) => Err(Fault::bad(
                name,
                &format!("must be true or false, not “{v}”"),
            )),
        }
    }
}

/// What a Subsonic id names. Hoard's ids are prefixed, so one namespace
/// holds songs, albums, artists and playlists (`getCoverArt` and
/// `getMusicDirectory` take any of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thing {
    Track(Id),
    Album(Id),
    Artist(Id),
    Playlist(Id),
}

impl Thing {
    fn parse(text: &str) -> Option<Thing> {
        let (kind, id) = text.trim().split_once('-')?;
        let id: Id = id.parse().ok().filter(|id| *id > 0)?;
        match kind {
            "tr" => Some(Thing::Track(id)),
            "al" => Some(Thing::Album(id)),
            "ar" => Some(Thing::Artist(id)),
            "pl" => Some(Thing::Playlist(id)),
            _ => None,
        }
    }
}

pub fn track_id(id: Id) -> String {
    format!("tr-{id}")
}
pub fn album_id(id: Id) -> String {
    format!("al-{id}")
}
pub fn artist_id(id: Id) -> String {
    format!("ar-{id}")
}
pub fn playlist_id(id: Id) -> String {
    format!("pl-{id}")
}

/// A parameter that must name a song.
fn song_param(params: &Params, name: &str) -> Result<Id, Fault> {
    let text = params.required(name)?;
    match Thing::parse(text) {
        Some(Thing::Track(id)) => Ok(id),
        _ => Err(Fault::not_found(&format!("Song {text}"))),
    }
}

/// The playable song a parameter names, as the listener sees it.
async fn one_song(call: &Call<'_>, name: &str) -> Result<vault::subsonic::SongRow, Fault> {
    let id = song_param(call.params, name)?;
    call.state
        .server
        .vault
        .subsonic_songs(call.listener.id, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Fault::not_found(&format!("Song {}", track_id(id))))
}

/// The listener a request is from.
#[derive(Clone, Debug)]
pub struct Listener {
    pub id: Id,
    pub name: String,
    /// The app (`c`).
    pub client: String,
}

/// Everything an endpoint gets.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub params: &'a Params,
    pub listener: &'a Listener,
    /// The request's head, for Range and conditional requests.
    pub parts: &'a Parts,
}

/// What an endpoint answers: a Subsonic response's payload (an object whose
/// members are added to `subsonic-response`), or a response of its own
/// (audio, an image).
pub enum Reply {
    Data(Value),
    Raw(Response),
}

impl Reply {
    fn empty() -> Self {
        Reply::Data(json!({}))
    }
}

/// JSON or XML, as `f` asks (XML by default, as the spec says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

impl Format {
    fn of(params: &Params) -> Result<Self, Fault> {
        match params.get("f").unwrap_or("xml") {
            "json" => Ok(Format::Json),
            "xml" => Ok(Format::Xml),
            "jsonp" => Err(Fault::generic(
                "Hoard does not answer in JSONP (another site could read the vault through it); use f=json",
            )),
            other => Err(Fault::bad("f", &format!("must be json or xml, not “{other}”"))),
        }
    }
}

/// `GET|POST /rest/{method}[.view]`.
async fn endpoint(
    State(state): State<AppState>,
    Path(method): Path<String>,
    request: Request,
) -> Response {
    let method = method.strip_suffix(".view").unwrap_or(&method).to_string();
    let (parts, body) = request.into_parts();
    let params = match read_params(&parts, body).await {
        Ok(params) => params,
        Err(fault) => return answer(Format::Xml, Err(fault)),
    };
    let format = match Format::of(&params) {
        Ok(format) => format,
        Err(fault) => return answer(Format::Xml, Err(fault)),
    };
    let listener = match authenticate(&state, &params).await {
        Ok(listener) => listener,
        Err(fault) => return answer(format, Err(fault)),
    };
    let call = Call {
        state: &state,
        params: &params,
        listener: &listener,
        parts: &parts,
    };
    match dispatch(&method, &call).await {
        Ok(Reply::Raw(response)) => response,
        Ok(Reply::Data(payload)) => answer(format, Ok(payload)),
        Err(fault) => answer(format, Err(fault)),
    }
}

async fn dispatch(method: &str, call: &Call<'_>) -> Result<Reply, Fault> {
    use library as l;
    match method {
        "ping" => Ok(Reply::empty()),
        "getLicense" => Ok(Reply::Data(json!({"license": {"valid": true}}))),
        "getOpenSubsonicExtensions" => Ok(Reply::Data(json!({
            "openSubsonicExtensions": [
                {"name": "apiKeyAuthentication", "versions": [1]},
                {"name": "formPost", "versions": [1]},
                {"name": "transcodeOffset", "versions": [1]},
                {"name": "songLyrics", "versions": [1]},
            ]
        }))),
        "getMusicFolders" => Ok(Reply::Data(json!({
            "musicFolders": {"musicFolder": [{"id": 1, "name": "Hoard"}]}
        }))),
        "getScanStatus" => l::scan_status(call).await,
        "getUser" => l::user(call).await,
        "getIndexes" => l::indexes(call).await,
        "getArtists" => l::artists(call).await,
        "getMusicDirectory" => l::music_directory(call).await,
        "getArtist" => l::artist_by_id(call).await,
        "getAlbum" => l::album_by_id(call).await,
        "getSong" => l::song_by_id(call).await,
        "getGenres" => l::genres(call).await,
        "getAlbumList2" => l::album_list2(call).await,
        "getAlbumList" => l::album_list(call).await,
        "getRandomSongs" => l::random_songs(call).await,
        "getStarred2" => l::starred2(call).await,
        "getStarred" => l::starred(call).await,
        "search3" => l::search3(call).await,
        "search2" => l::search2(call).await,
        "getSongsByGenre" => l::songs_by_genre(call).await,
        "getTopSongs" => l::top_songs(call).await,
        // What Hoard has none of: apps ask at start and show an empty list.
        "getInternetRadioStations" => Ok(Reply::Data(json!({"internetRadioStations": {}}))),
        "getPodcasts" => Ok(Reply::Data(json!({"podcasts": {}}))),
        "getBookmarks" => Ok(Reply::Data(json!({"bookmarks": {}}))),
        "getShares" => Ok(Reply::Data(json!({"shares": {}}))),
        "star" => l::star(call, true).await,
        "unstar" => l::star(call, false).await,
        "setRating" => l::set_rating(call).await,
        "scrobble" => l::scrobble(call).await,
        "getNowPlaying" => l::now_playing(call).await,
        "getPlaylists" => l::playlists(call).await,
        "getPlaylist" => l::playlist_by_id(call).await,
        "createPlaylist" => l::create_playlist(call).await,
        "updatePlaylist" => l::update_playlist(call).await,
        "deletePlaylist" => l::delete_playlist(call).await,
        "getPlayQueue" => l::play_queue(call).await,
        "savePlayQueue" => l::save_play_queue(call).await,
        "stream" => files::stream(call).await,
        "download" => files::download(call).await,
        "getCoverArt" => files::cover_art(call).await,
        "getLyricsBySongId" => files::lyrics(call).await,
        other => Err(Fault::generic(format!(
            "Hoard does not offer the endpoint “{other}” (README, \"Subsonic apps\", lists those it does)"
        ))),
    }
}

/// Reads the query and, for a POST, a form body.
async fn read_params(parts: &Parts, body: Body) -> Result<Params, Fault> {
    let mut pairs: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if parts.method == Method::POST {
        let media_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| Fault::generic("The form is larger than 1 MB"))?;
        match media_type.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                pairs.extend(url::form_urlencoded::parse(&bytes).into_owned());
            }
            _ if bytes.is_empty() => {}
            _ => {
                return Err(Fault::generic(
                    "A POST must send its parameters as application/x-www-form-urlencoded",
                ))
            }
        }
    }
    Ok(Params(pairs))
}

/// Who is asking, by the credentials in the parameters (see the module's
/// comment). Failures wait their turn and then a while.
async fn authenticate(state: &AppState, params: &Params) -> Result<Listener, Fault> {
    let client = params.required("c")?.chars().take(100).collect::<String>();
    params.required("v")?;
    let vault = &state.server.vault;
    let key = params.get("apiKey");
    let user = params.get("u");
    let found = match (key, user) {
        (Some(_), Some(_)) => {
            return Err(Fault::new(
                43,
                "Multiple conflicting authentication mechanisms provided: an apiKey goes without u",
            ))
        }
        (Some(key), None) => match vault.subsonic_key_user(key, &client).await? {
            Some((id, name)) => Ok(Listener { id, name, client }),
            None => Err(Fault::new(
                44,
                "Invalid API key (revoked, or never made here)",
            )),
        },
        (None, Some(user)) => {
            let token = (params.get("t"), params.get("s"));
            let password = params.get("p");
            match (token, password) {
                ((Some(_), _) | (_, Some(_)), Some(_)) => {
                    return Err(Fault::new(
                        43,
                        "Multiple conflicting authentication mechanisms provided: t and s, or p, not both",
                    ))
                }
                ((Some(t), Some(s)), None) => check_password(state, user, Secret::Token(t, s))
                    .await
                    .map(|id| Listener {
                        id,
                        name: user.to_string(),
                        client,
                    }),
                ((None, None), Some(p)) => check_password(state, user, Secret::Plain(p))
                    .await
                    .map(|id| Listener {
                        id,
                        name: user.to_string(),
                        client,
                    }),
                ((Some(_), None), None) => return Err(Fault::missing("s")),
                ((None, Some(_)), None) => return Err(Fault::missing("t")),
                ((None, None), None) => return Err(Fault::missing("t and s (or p, or apiKey)")),
            }
        }
        (None, None) => return Err(Fault::missing("apiKey (or u with t and s)")),
    };
    if found.is_err() {
        let _turn = state.login_gate.lock().await;
        tokio::time::sleep(FAILED_AUTH_DELAY).await;
    }
    found
}

enum Secret<'a> {
    /// `t` and `s`.
    Token(&'a str, &'a str),
    /// `p`: plain or `enc:` hex.
    Plain(&'a str),
}

/// Checks a user's Subsonic password; the user's id if it matches.
async fn check_password(state: &AppState, user: &str, secret: Secret<'_>) -> Result<Id, Fault> {
    use subtle::ConstantTimeEq;
    let wrong = || Fault::new(40, "Wrong username or password");
    let Some((id, sealed)) = state.server.vault.subsonic_user(user).await? else {
        return Err(wrong());
    };
    let Some(sealed) = sealed else {
        return Err(match secret {
            Secret::Token(..) => Fault::new(
                41,
                "Token authentication needs a Subsonic password, and this account has none: set \
                 one in Hoard's Settings (Subsonic apps), or use an API key",
            ),
            Secret::Plain(_) => Fault::new(
                40,
                "Wrong username or password: this account has no Subsonic password yet (Hoard's \
                 Settings, Subsonic apps); Hoard's login password is not accepted here",
            ),
        });
    };
    let password = state.server.syncer.secrets().open(&sealed).map_err(|_| {
        tracing::error!(user, "a Subsonic password cannot be opened with this server's key");
        Fault::generic("This account's Subsonic password cannot be read with this server's key; set it again in Settings")
    })?;
    let matches = match secret {
        Secret::Token(token, salt) => {
            let expected = md5_hex(&format!("{password}{salt}"));
            expected
                .as_bytes()
                .ct_eq(token.to_ascii_lowercase().as_bytes())
                .into()
        }
        Secret::Plain(given) => {
            let given = match given.strip_prefix("enc:") {
                Some(hex) => decode_hex(hex).unwrap_or_default(),
                None => given.to_string(),
            };
            given.as_bytes().ct_eq(password.as_bytes()).into()
        }
    };
    if matches {
        Ok(id)
    } else {
        Err(wrong())
    }
}

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_hex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// The `subsonic-response` around a payload or an error, in the format asked.
fn answer(format: Format, result: Result<Value, Fault>) -> Response {
    let mut root = Map::new();
    root.insert(
        "status".into(),
        Value::from(if result.is_ok() { "ok" } else { "failed" }),
    );
    root.insert("version".into(), Value::from(API_VERSION));
    root.insert("type".into(), Value::from("hoard"));
    root.insert(
        "serverVersion".into(),
        Value::from(env!("CARGO_PKG_VERSION")),
    );
    root.insert("openSubsonic".into(), Value::from(true));
    match result {
        Ok(Value::Object(payload)) => root.extend(payload),
        Ok(_) => {}
        Err(fault) => {
            root.insert(
                "error".into(),
                json!({"code": fault.code, "message": fault.message}),
            );
        }
    }
    let root = without_nulls(Value::Object(root));
    let (body, kind) = match format {
        Format::Json => (
            json!({"subsonic-response": root}).to_string().into_bytes(),
            "application/json",
        ),
        Format::Xml => (xml::document(&root), "text/xml; charset=utf-8"),
    };
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Drops null members (an absent optional field, as the schemas want it).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The XML form of a response, as Subsonic writes it: an object is an
/// element whose scalar members are attributes, whose object members are
/// child elements and whose array members are repeated child elements; a
/// member called `value` is the element's text (a genre's name, a lyrics
/// line).
mod xml {
    use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
    use quick_xml::Writer;
    use serde_json::Value;

    pub fn document(root: &Value) -> Vec<u8> {
        let mut writer = Writer::new(Vec::new());
        let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        element(
            &mut writer,
            "subsonic-response",
            root,
            Some("http://subsonic.org/restapi"),
        );
        writer.into_inner()
    }

    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn element(writer: &mut Writer<Vec<u8>>, name: &str, value: &Value, namespace: Option<&str>) {
        let mut start = BytesStart::new(name);
        if let Some(ns) = namespace {
            start.push_attribute(("xmlns", ns));
        }
        let Value::Object(map) = value else {
            // A list of scalars (`isrc`, `versions`): one element each, the value as text.
            let text = scalar(value).unwrap_or_default();
            let _ = writer.write_event(Event::Start(start));
            let _ = writer.write_event(Event::Text(BytesText::new(&text)));
            let _ = writer.write_event(Event::End(BytesEnd::new(name)));
            return;
        };
        let mut text = None;
        let mut children = Vec::new();
        for (key, member) in map {
            match member {
                Value::Object(_) => children.push((key, member)),
                Value::Array(items) => children.extend(items.iter().map(|i| (key, i))),
                _ if key == "value" => text = scalar(member),
                _ => {
                    if let Some(v) = scalar(member) {
                        start.push_attribute((key.as_str(), v.as_str()));
                    }
                }
            }
        }
        if children.is_empty() && text.is_none() {
            let _ = writer.write_event(Event::Empty(start));
            return;
        }
        let _ = writer.write_event(Event::Start(start));
        if let Some(text) = text {
            let _ = writer.write_event(Event::Text(BytesText::new(&text)));
        }
        for (key, child) in children {
            element(writer, key, child, None);
        }
        let _ = writer.write_event(Event::End(BytesEnd::new(name)));
    }
}

/// A time in ms since the epoch as the API writes times (RFC 3339, UTC).
fn iso_ms(ms: i64) -> Option<String> {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    at.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_endpoint_names_are_api_paths() {
        assert!(is_api_path("/rest/ping"));
        assert!(is_api_path("/rest/getAlbumList2.view"));
        for other in [
            "/rest/",
            "/rest",
            "/rest/../settings",
            "/rest/a/b",
            "/rest/..",
            "/restore",
            "/api/x",
        ] {
            assert!(!is_api_path(other), "{other}");
        }
    }

    #[test]
    fn ids_name_their_kind_and_nothing_else_parses() {
        assert_eq!(Thing::parse("tr-12"), Some(Thing::Track(12)));
        assert_eq!(Thing::parse("al-3"), Some(Thing::Album(3)));
        assert_eq!(Thing::parse("ar-4"), Some(Thing::Artist(4)));
        assert_eq!(Thing::parse("pl-5"), Some(Thing::Playlist(5)));
        for bad in [
            "12",
            "tr-",
            "tr-x",
            "xx-1",
            "tr-0",
            "tr--1",
            "../etc/passwd",
        ] {
            assert_eq!(Thing::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn xml_puts_scalars_in_attributes_lists_in_repeated_elements_and_value_in_text() {
        let root = json!({
            "status": "ok",
            "genres": {"genre": [{"value": "Rock & Roll", "songCount": 2, "albumCount": 1}]},
            "song": {"id": "tr-1", "isrc": ["QZ1", "QZ2"]},
        });
        let text = String::from_utf8(xml::document(&root)).expect("utf-8");
        assert!(
            text.contains(r#"<subsonic-response xmlns="http://subsonic.org/restapi" status="ok">"#),
            "{text}"
        );
        assert!(
            text.contains(r#"songCount="2""#) && text.contains(r#"albumCount="1""#),
            "{text}"
        );
        assert!(text.contains(r#"">Rock &amp; Roll</genre>"#), "{text}");
        assert!(
            text.contains(r#"<song id="tr-1"><isrc>QZ1</isrc><isrc>QZ2</isrc></song>"#),
            "{text}"
        );
    }

    #[test]
    fn hex_passwords_decode_and_odd_ones_do_not() {
        assert_eq!(decode_hex("736573616d65").as_deref(), Some("sesame"));
        assert_eq!(decode_hex("7"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(md5_hex("sesamec19b2d"), md5_hex("sesamec19b2d"));
        // The spec's own example: password "sesame", salt "c19b2d".
        assert_eq!(md5_hex("sesamec19b2d"), "26719a1196d2a940705a59634eb18eab");
    }
}
