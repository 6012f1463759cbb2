//! `/_mock/...`: the [`MockHandle`](crate::MockHandle) controls over HTTP for
//! Playwright and shell tests, plus the generated cover images.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{err, error, ApiError};
use crate::{util, Faults, MockHandle, Shared};

type St = State<Arc<Shared>>;

/// The `/_mock` routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_mock/faults", get(get_faults).post(set_faults))
        .route("/_mock/expire-tokens", post(expire_tokens))
        .route("/_mock/revoke-grants", post(revoke_grants))
        .route("/_mock/token", post(issue_token))
        .route("/_mock/calls", get(calls))
        .route("/_mock/calls/reset", post(reset_calls))
        .route("/_mock/liked/add", post(liked_add))
        .route("/_mock/liked/remove", post(liked_remove))
        .route("/_mock/playlists/{id}/add", post(playlist_add))
        .route("/_mock/playlists/{id}/remove", post(playlist_remove))
        .route("/_mock/playlists/{id}/move", post(playlist_move))
        .route("/_mock/playlists/{id}/unfollow", post(playlist_unfollow))
        .route("/_mock/tracks/new", post(new_track))
        .route("/_mock/artists/{id}/releases", post(new_release))
        .route("/_mock/discographies", get(discographies))
        .route("/_mock/tracks/{id}/unavailable", post(unavailable))
        .route("/_mock/state", get(state))
        .route("/_mock/player", post(player))
        .route("/_mock/catalogue", get(catalogue))
        .route("/_mock/images/{file}", get(image))
}

/// [`Faults`] as JSON: every field optional, `rate_limit` as an object.
#[derive(Default, Deserialize, Serialize)]
#[serde(default)]
struct FaultsJson {
    latency_ms: u64,
    rate_limit: Option<RateLimitJson>,
    quota_exceeded: bool,
    server_errors: u32,
    forbid_unowned_items: bool,
    fail_after: Option<u64>,
}

#[derive(Deserialize, Serialize)]
struct RateLimitJson {
    count: u32,
    retry_after: u64,
}

impl From<FaultsJson> for Faults {
    fn from(f: FaultsJson) -> Faults {
        Faults {
            latency_ms: f.latency_ms,
            rate_limit: f.rate_limit.map(|r| (r.count, r.retry_after)),
            quota_exceeded: f.quota_exceeded,
            server_errors: f.server_errors,
            forbid_unowned_items: f.forbid_unowned_items,
            fail_after: f.fail_after,
        }
    }
}

impl From<Faults> for FaultsJson {
    fn from(f: Faults) -> FaultsJson {
        FaultsJson {
            latency_ms: f.latency_ms,
            rate_limit: f
                .rate_limit
                .map(|(count, retry_after)| RateLimitJson { count, retry_after }),
            quota_exceeded: f.quota_exceeded,
            server_errors: f.server_errors,
            forbid_unowned_items: f.forbid_unowned_items,
            fail_after: f.fail_after,
        }
    }
}

#[derive(Deserialize)]
struct TrackBody {
    track_id: String,
}

#[derive(Deserialize)]
struct PositionBody {
    position: usize,
}

#[derive(Deserialize)]
struct MoveBody {
    from: usize,
    to: usize,
}

/// Parses a JSON body whatever the Content-Type (curl's `-d` sends a form
/// type); an empty body counts as `{}`.
fn body<T: DeserializeOwned>(b: &Bytes) -> Result<T, ApiError> {
    let raw: &[u8] = if b.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        b
    };
    serde_json::from_slice(raw)
        .map_err(|e| err(StatusCode::BAD_REQUEST, &format!("Invalid body: {e}")))
}

fn handle(s: &Arc<Shared>) -> MockHandle {
    MockHandle { shared: s.clone() }
}

fn done() -> Response {
    Json(json!({ "ok": true })).into_response()
}

fn snapshot(s: &Shared, id: &str) -> Response {
    let snap = s
        .lib()
        .playlist_mut(id)
        .map(|p| p.snapshot_id())
        .unwrap_or_default();
    Json(json!({ "ok": true, "snapshot_id": snap })).into_response()
}

async fn get_faults(State(s): St) -> Response {
    Json(FaultsJson::from(handle(&s).faults())).into_response()
}

async fn set_faults(State(s): St, b: Bytes) -> Result<Response, ApiError> {
    let f: FaultsJson = body(&b)?;
    handle(&s).set_faults(f.into());
    Ok(done())
}

async fn expire_tokens(State(s): St) -> Response {
    handle(&s).expire_tokens();
    done()
}

async fn revoke_grants(State(s): St) -> Response {
    handle(&s).revoke_grants();
    done()
}

async fn issue_token(State(s): St) -> Response {
    let (access, refresh) = handle(&s).issue_token();
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": refresh,
        "client_id": crate::MOCK_CLIENT_ID,
    }))
    .into_response()
}

async fn calls(State(s): St) -> Response {
    Json(json!({ "calls": handle(&s).calls() })).into_response()
}

async fn reset_calls(State(s): St) -> Response {
    handle(&s).reset_calls();
    done()
}

async fn liked_add(State(s): St, b: Bytes) -> Result<Response, ApiError> {
    let t: TrackBody = body(&b)?;
    if !s.lib().add_liked(&t.track_id) {
        return Err(err(StatusCode::NOT_FOUND, "Unknown track"));
    }
    Ok(done())
}

async fn liked_remove(State(s): St, b: Bytes) -> Result<Response, ApiError> {
    let t: TrackBody = body(&b)?;
    s.lib().remove_liked(&t.track_id);
    Ok(done())
}

async fn playlist_add(
    State(s): St,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let t: TrackBody = body(&b)?;
    s.lib()
        .add_playlist_item(&id, &t.track_id)
        .map_err(|e| err(StatusCode::NOT_FOUND, &e))?;
    Ok(snapshot(&s, &id))
}

async fn playlist_remove(
    State(s): St,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let p: PositionBody = body(&b)?;
    s.lib()
        .remove_playlist_item(&id, p.position)
        .map_err(|e| err(StatusCode::BAD_REQUEST, &e))?;
    Ok(snapshot(&s, &id))
}

async fn playlist_move(
    State(s): St,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let m: MoveBody = body(&b)?;
    s.lib()
        .move_playlist_item(&id, m.from, m.to)
        .map_err(|e| err(StatusCode::BAD_REQUEST, &e))?;
    Ok(snapshot(&s, &id))
}

async fn playlist_unfollow(State(s): St, Path(id): Path<String>) -> Response {
    if s.lib().unfollow_playlist(&id) {
        done()
    } else {
        error(StatusCode::NOT_FOUND, "Resource not found")
    }
}

async fn new_track(State(s): St) -> Response {
    Json(json!({ "track_id": handle(&s).new_track() })).into_response()
}

#[derive(serde::Deserialize)]
struct NewRelease {
    album_type: String,
    #[serde(default = "one")]
    tracks: u32,
    /// Titles for its first songs (new recordings).
    #[serde(default)]
    titles: Vec<String>,
}

fn one() -> u32 {
    1
}

/// `POST /_mock/artists/{id}/releases` `{"album_type": "single", "tracks": 1}`:
/// the artist puts out something new today.
async fn new_release(State(s): St, Path(id): Path<String>, b: Bytes) -> Result<Response, ApiError> {
    let r: NewRelease = body(&b)?;
    match handle(&s).new_release_titled(&id, &r.album_type, r.tracks, &r.titles) {
        Some(album_id) => Ok(Json(json!({ "album_id": album_id })).into_response()),
        None => Ok(error(
            StatusCode::NOT_FOUND,
            "Unknown artist or album_type (album, single, compilation)",
        )),
    }
}

/// `GET /_mock/discographies`: the artists with a whole discography.
async fn discographies(State(s): St) -> Response {
    let artists: Vec<serde_json::Value> = handle(&s)
        .discography_artists()
        .into_iter()
        .map(|(id, name)| json!({ "id": id, "name": name }))
        .collect();
    Json(json!({ "artists": artists })).into_response()
}

async fn unavailable(State(s): St, Path(id): Path<String>) -> Response {
    if s.lib().make_unavailable(&id) {
        done()
    } else {
        error(StatusCode::NOT_FOUND, "Unknown track")
    }
}

/// The catalogue's tracks, for the local YouTube Music of the demo.
async fn catalogue(State(s): St) -> Response {
    Json(handle(&s).catalogue()).into_response()
}

async fn state(State(s): St) -> Response {
    let h = handle(&s);
    let playlists = h.playlist_ids();
    let snapshots: serde_json::Map<String, serde_json::Value> = playlists
        .iter()
        .map(|p| (p.clone(), json!(h.snapshot_id(p))))
        .collect();
    Json(json!({
        "user_id": h.user_id(),
        "liked": h.liked_ids(),
        "playlists": playlists,
        "snapshots": snapshots,
        "quirky_playlist": h.quirky_playlist_id(),
        "unowned_playlists": h.unowned_playlist_ids(),
        "collaborative_playlist": h.collaborative_playlist_id(),
        "calls": h.calls(),
    }))
    .into_response()
}

/// `GET /_mock/images/{id}?size=N`: a cover, as Spotify's image CDN
/// (`i.scdn.co/image/{id}`) serves it: a JPEG with no extension in its URL.
async fn image(Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    if id.is_empty() || id.contains('.') {
        return error(StatusCode::NOT_FOUND, "Resource not found");
    }
    let size = q
        .get("size")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(300)
        .clamp(16, 2048);
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        util::jpeg(&id, size),
    )
        .into_response()
}

/// `POST /_mock/player`: a [`PlayerCommand`](crate::PlayerCommand) as JSON.
async fn player(State(s): St, body: Bytes) -> Response {
    let command: crate::PlayerCommand = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("bad player command: {e}")),
    };
    let handle = MockHandle { shared: s };
    match handle.player(command) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e),
    }
}
