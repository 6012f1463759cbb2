//! The `/v1` Web API: token check, injected faults and the read endpoints
//! Hoard's sync uses.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::model::{Library, Playlist};
use crate::render::{self, enc, paging, window};
use crate::{util, Shared};

type Q = Query<HashMap<String, String>>;
type St = State<Arc<Shared>>;

/// Access tokens live this long, as on Spotify.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// `{"error":{"status":N,"message":"..."}}` with that status.
pub fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "status": status.as_u16(), "message": message } })),
    )
        .into_response()
}

/// An error answer from a handler, rendered like [`error`]. Kept small
/// (a `Response` is large) so results stay cheap to pass around.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.0, &self.1)
    }
}

/// An [`ApiError`] with this status and message.
pub fn err(status: StatusCode, message: &str) -> ApiError {
    ApiError(status, message.to_string())
}

type R = Result<Response, ApiError>;

fn unauthorized(message: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, message);
    let challenge = format!(
        "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{message}\""
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

fn with_retry_after(mut r: Response, secs: u64) -> Response {
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

/// The base URL clients reached us at, so links work whatever address the
/// mock was bound to.
pub fn base(s: &Shared, h: &HeaderMap) -> String {
    h.get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| format!("http://{host}"))
        .unwrap_or_else(|| s.url.clone())
}

/// The /v1 router (routes plus the guard in front of all of them).
pub fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/me", get(me))
        .route("/me/tracks", get(me_tracks))
        .route("/me/playlists", get(me_playlists))
        .route("/me/albums", get(me_albums))
        .route("/me/following", get(following))
        .route("/me/player/recently-played", get(recently_played))
        .route("/me/top/{kind}", get(top_items))
        .route("/me/player", get(playback_state))
        .route("/me/player/currently-playing", get(currently_playing))
        .route("/playlists/{id}", get(playlist))
        .route("/playlists/{id}/items", get(playlist_items))
        .route("/playlists/{id}/tracks", get(playlist_tracks))
        .route("/albums/{id}", get(album))
        .route("/albums/{id}/tracks", get(album_tracks))
        .route("/artists/{id}", get(artist))
        .route("/artists/{id}/albums", get(artist_albums))
        .route("/tracks/{id}", get(track))
        .route("/search", get(search))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Service not found") })
        .layer(axum::middleware::from_fn_with_state(shared, guard))
}

/// Counts the call, applies latency and faults, checks the token, and
/// counts successes down towards `fail_after`.
async fn guard(State(s): St, req: Request, next: Next) -> Response {
    s.calls.fetch_add(1, Ordering::SeqCst);
    let latency = s.faults().faults.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(r) = injected_fault(&s) {
        return r;
    }
    if let Some(r) = check_token(&s, req.headers()) {
        return r;
    }
    let resp = next.run(req).await;
    if resp.status().is_success() {
        if let Some(n) = s.faults().faults.fail_after.as_mut() {
            *n = n.saturating_sub(1);
        }
    }
    resp
}

fn injected_fault(s: &Shared) -> Option<Response> {
    let mut st = s.faults();
    if st.faults.quota_exceeded {
        let r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "QUOTA_EXCEEDED: this application has used up its request quota",
        );
        return Some(with_retry_after(r, 86_400));
    }
    if let Some((n, secs)) = st.faults.rate_limit {
        // Counting down to None keeps faults() readable as "what is left".
        st.faults.rate_limit = (n > 1).then_some((n.saturating_sub(1), secs));
        if n > 0 {
            let r = error(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded");
            return Some(with_retry_after(r, secs));
        }
    }
    if st.faults.server_errors > 0 {
        st.faults.server_errors -= 1;
        let k = st.server_errors_served;
        st.server_errors_served += 1;
        let (status, msg) = match k % 3 {
            0 => (StatusCode::SERVICE_UNAVAILABLE, "Service unavailable"),
            1 => (StatusCode::INTERNAL_SERVER_ERROR, "Server error"),
            _ => (StatusCode::BAD_GATEWAY, "Bad gateway"),
        };
        return Some(error(status, msg));
    }
    if st.faults.fail_after == Some(0) {
        return Some(error(StatusCode::INTERNAL_SERVER_ERROR, "Server error"));
    }
    None
}

/// The 401 answer for a missing, unknown or expired token, if any.
fn check_token(s: &Shared, h: &HeaderMap) -> Option<Response> {
    let Some(value) = h.get(header::AUTHORIZATION) else {
        return Some(unauthorized("No token provided"));
    };
    let value = value.to_str().unwrap_or_default();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if token.is_empty() {
        return Some(unauthorized("Invalid access token"));
    }
    match s.auth().tokens.get(token) {
        None => Some(unauthorized("Invalid access token")),
        Some(t) if t.expired || t.issued.elapsed() >= TOKEN_LIFETIME => {
            Some(unauthorized("The access token expired"))
        }
        Some(_) => None,
    }
}

/// `limit` and `offset` from the query, validated like Spotify does.
fn page_params(
    q: &HashMap<String, String>,
    default: usize,
    max: usize,
) -> Result<(usize, usize), ApiError> {
    let limit = match q.get("limit") {
        None => default,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => return Err(err(StatusCode::BAD_REQUEST, "Invalid limit")),
        },
    };
    let offset = match q.get("offset") {
        None => 0,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n <= 100_000 => n,
            _ => return Err(err(StatusCode::BAD_REQUEST, "Invalid offset")),
        },
    };
    Ok((limit, offset))
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 22 && id.bytes().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(err(StatusCode::BAD_REQUEST, "Invalid base62 id"))
    }
}

fn not_found() -> ApiError {
    err(StatusCode::NOT_FOUND, "Resource not found")
}

fn ok(v: Value) -> Response {
    Json(v).into_response()
}

async fn me(State(s): St, h: HeaderMap) -> Response {
    let b = base(&s, &h);
    ok(render::me(&b, &s.lib().user))
}

async fn me_tracks(State(s): St, h: HeaderMap, Query(q): Q) -> R {
    let (limit, offset) = page_params(&q, 20, 50)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let total = lib.liked.len();
    let items = lib.liked[window(total, limit, offset)]
        .iter()
        .map(|&(t, at)| json!({ "added_at": util::iso_secs(at), "track": render::track(&b, &lib, &lib.tracks[t]) }))
        .collect();
    Ok(ok(paging(
        &b,
        "/v1/me/tracks",
        "",
        items,
        limit,
        offset,
        total,
    )))
}

/// `GET /me/top/{artists|tracks}`: the listener's top items for a time
/// range (`short_term`, `medium_term` (the default) or `long_term`), a page
/// of full track or artist objects. The ranking is the stand-in's own: the
/// liked tracks (and their first artists) shuffled by a hash of the range,
/// so each range has its own order, the same on every call. Like Spotify's,
/// a range holds at most a few hundred items.
async fn top_items(State(s): St, h: HeaderMap, Query(q): Q, Path(kind): Path<String>) -> R {
    let range = q
        .get("time_range")
        .map(String::as_str)
        .unwrap_or("medium_term");
    let salt: u64 = match range {
        "short_term" => 1,
        "medium_term" => 2,
        "long_term" => 3,
        _ => return Err(err(StatusCode::BAD_REQUEST, "Invalid time range")),
    };
    let (limit, offset) = page_params(&q, 20, 50)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let rank = |i: usize| {
        (i as u64 + 1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15 ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9))
            >> 7
    };
    let mut liked: Vec<usize> = lib.liked.iter().map(|&(t, _)| t).collect();
    liked.sort_by_key(|&t| rank(t));
    let items: Vec<Value> = match kind.as_str() {
        "tracks" => {
            liked.truncate(300);
            let total = liked.len();
            liked[window(total, limit, offset)]
                .iter()
                .map(|&t| render::track(&b, &lib, &lib.tracks[t]))
                .collect()
        }
        "artists" => {
            let mut artists: Vec<usize> = Vec::new();
            for &t in &liked {
                if let Some(&a) = lib.tracks[t].artists.first() {
                    if !artists.contains(&a) {
                        artists.push(a);
                    }
                }
            }
            artists.truncate(300);
            liked = artists;
            let total = liked.len();
            liked[window(total, limit, offset)]
                .iter()
                .map(|&a| render::artist(&b, &lib.artists[a]))
                .collect()
        }
        _ => {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "Invalid type: use artists or tracks",
            ))
        }
    };
    let total = liked.len();
    Ok(ok(paging(
        &b,
        &format!("/v1/me/top/{kind}"),
        &format!("time_range={range}"),
        items,
        limit,
        offset,
        total,
    )))
}

async fn me_playlists(State(s): St, h: HeaderMap, Query(q): Q) -> R {
    let (limit, offset) = page_params(&q, 20, 50)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let total = lib.followed_playlists.len();
    let items = lib.followed_playlists[window(total, limit, offset)]
        .iter()
        .map(|&p| render::simple_playlist(&b, &lib.playlists[p]))
        .collect();
    Ok(ok(paging(
        &b,
        "/v1/me/playlists",
        "",
        items,
        limit,
        offset,
        total,
    )))
}

async fn me_albums(State(s): St, h: HeaderMap, Query(q): Q) -> R {
    let (limit, offset) = page_params(&q, 20, 50)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let total = lib.saved_albums.len();
    let items = lib.saved_albums[window(total, limit, offset)]
        .iter()
        .map(|&(a, at)| json!({ "added_at": util::iso_secs(at), "album": render::album(&b, &lib, &lib.albums[a]) }))
        .collect();
    Ok(ok(paging(
        &b,
        "/v1/me/albums",
        "",
        items,
        limit,
        offset,
        total,
    )))
}

async fn following(State(s): St, h: HeaderMap, Query(q): Q) -> R {
    if q.get("type").map(String::as_str) != Some("artist") {
        return Err(err(StatusCode::BAD_REQUEST, "Only valid type is 'artist'"));
    }
    let (limit, _) = page_params(&q, 20, 50)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let all = &lib.followed_artists;
    let start = match q.get("after") {
        // An unknown cursor yields an empty page rather than restarting,
        // so a confused client cannot loop forever.
        Some(after) => all
            .iter()
            .position(|&a| lib.artists[a].id == *after)
            .map_or(all.len(), |p| p + 1),
        None => 0,
    };
    let page = &all[window(all.len(), limit, start)];
    let more = start + page.len() < all.len();
    let last = page.last().map(|&a| lib.artists[a].id.clone());
    let next = match (&last, more) {
        (Some(id), true) => json!(format!(
            "{b}/v1/me/following?type=artist&after={id}&limit={limit}"
        )),
        _ => Value::Null,
    };
    let href = match q.get("after") {
        Some(a) => format!(
            "{b}/v1/me/following?type=artist&after={}&limit={limit}",
            enc(a)
        ),
        None => format!("{b}/v1/me/following?type=artist&limit={limit}"),
    };
    let items: Vec<Value> = page
        .iter()
        .map(|&a| render::artist(&b, &lib.artists[a]))
        .collect();
    Ok(ok(json!({ "artists": {
        "href": href,
        "items": items,
        "limit": limit,
        "next": next,
        "cursors": { "after": if more { last.map(Value::from).unwrap_or(Value::Null) } else { Value::Null } },
        "total": all.len(),
    }})))
}

/// `GET /me/player`: the listener's state with its device, or 204.
async fn playback_state(State(s): St, h: HeaderMap, Query(q): Q) -> Response {
    player_answer(&s, &h, &q, true)
}

/// `GET /me/player/currently-playing`: what plays, or 204.
async fn currently_playing(State(s): St, h: HeaderMap, Query(q): Q) -> Response {
    player_answer(&s, &h, &q, false)
}

fn player_answer(s: &Shared, h: &HeaderMap, q: &HashMap<String, String>, full: bool) -> Response {
    let b = base(s, h);
    let episodes = q
        .get("additional_types")
        .is_some_and(|t| t.split(',').any(|t| t.trim() == "episode"));
    let mut lib = s.lib();
    match s.player().render(&b, &mut lib, full, episodes) {
        Some(v) => ok(v),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn recently_played(State(s): St, h: HeaderMap, Query(q): Q) -> R {
    let (limit, _) = page_params(&q, 20, 50)?;
    {
        let mut lib = s.lib();
        s.player().settle(&mut lib);
    }
    let parse = |k: &str| -> Result<Option<i64>, ApiError> {
        q.get(k)
            .map(|v| v.trim().parse::<i64>())
            .transpose()
            .map_err(|_| err(StatusCode::BAD_REQUEST, &format!("Invalid {k}")))
    };
    let before = parse("before")?;
    let after = parse("after")?;
    if before.is_some() && after.is_some() {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "Only one of before or after may be given",
        ));
    }
    let b = base(&s, &h);
    let lib = s.lib();
    // Plays are newest first; `after` pages towards the present, taking
    // the plays nearest the cursor.
    let (page, more): (Vec<(usize, i64)>, bool) = if let Some(a) = after {
        let newer: Vec<_> = lib.plays.iter().copied().filter(|p| p.1 > a).collect();
        let skip = newer.len().saturating_sub(limit);
        (newer[skip..].to_vec(), skip > 0)
    } else {
        let bound = before.unwrap_or(i64::MAX);
        let older: Vec<_> = lib.plays.iter().copied().filter(|p| p.1 < bound).collect();
        let more = older.len() > limit;
        (older.into_iter().take(limit).collect(), more)
    };
    let newest = page.first().map(|p| p.1);
    let oldest = page.last().map(|p| p.1);
    let next = match (after, more, newest, oldest) {
        (Some(_), true, Some(n), _) => json!(format!(
            "{b}/v1/me/player/recently-played?after={n}&limit={limit}"
        )),
        (None, true, _, Some(o)) => json!(format!(
            "{b}/v1/me/player/recently-played?before={o}&limit={limit}"
        )),
        _ => Value::Null,
    };
    let cursors = match (newest, oldest) {
        (Some(n), Some(o)) => json!({ "after": n.to_string(), "before": o.to_string() }),
        _ => Value::Null,
    };
    let mut href = format!("{b}/v1/me/player/recently-played?limit={limit}");
    if let Some(v) = before {
        href.push_str(&format!("&before={v}"));
    }
    if let Some(v) = after {
        href.push_str(&format!("&after={v}"));
    }
    let items: Vec<Value> = page
        .iter()
        .map(|&(t, at)| json!({ "track": render::track(&b, &lib, &lib.tracks[t]), "played_at": util::iso_millis(at), "context": null }))
        .collect();
    Ok(ok(json!({
        "href": href,
        "items": items,
        "limit": limit,
        "next": next,
        "cursors": cursors,
        "total": lib.plays.len(),
    })))
}

/// Whether the development-mode rule hides this playlist's items.
fn forbidden(s: &Shared, lib: &Library, p: &Playlist) -> bool {
    s.faults().faults.forbid_unowned_items && p.owner.id != lib.user.id && !p.collaborative
}

async fn playlist(State(s): St, h: HeaderMap, Path(id): Path<String>) -> R {
    check_id(&id)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let p = lib
        .playlist_index
        .get(&id)
        .map(|&i| &lib.playlists[i])
        .ok_or_else(not_found)?;
    let with_items = !forbidden(&s, &lib, p);
    Ok(ok(render::playlist(&b, &lib, p, with_items)))
}

fn items_page(s: &Shared, h: &HeaderMap, q: &HashMap<String, String>, id: &str, leaf: &str) -> R {
    check_id(id)?;
    let (limit, offset) = page_params(q, 20, 50)?;
    let b = base(s, h);
    let lib = s.lib();
    let p = lib
        .playlist_index
        .get(id)
        .map(|&i| &lib.playlists[i])
        .ok_or_else(not_found)?;
    if forbidden(s, &lib, p) {
        return Err(err(StatusCode::FORBIDDEN, "Forbidden"));
    }
    Ok(ok(render::playlist_items_page(
        &b, &lib, p, leaf, limit, offset,
    )))
}

async fn playlist_items(State(s): St, h: HeaderMap, Query(q): Q, Path(id): Path<String>) -> R {
    items_page(&s, &h, &q, &id, "items")
}

async fn playlist_tracks(State(s): St, h: HeaderMap, Query(q): Q, Path(id): Path<String>) -> R {
    items_page(&s, &h, &q, &id, "tracks")
}

async fn album(State(s): St, h: HeaderMap, Path(id): Path<String>) -> R {
    check_id(&id)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let &a = lib.album_index.get(&id).ok_or_else(not_found)?;
    Ok(ok(render::album(&b, &lib, &lib.albums[a])))
}

async fn album_tracks(State(s): St, h: HeaderMap, Query(q): Q, Path(id): Path<String>) -> R {
    check_id(&id)?;
    let (limit, offset) = page_params(&q, 20, 50)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let &a = lib.album_index.get(&id).ok_or_else(not_found)?;
    Ok(ok(render::album_tracks_page(
        &b,
        &lib,
        &lib.albums[a],
        limit,
        offset,
    )))
}

async fn artist(State(s): St, h: HeaderMap, Path(id): Path<String>) -> R {
    check_id(&id)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let &a = lib.artist_index.get(&id).ok_or_else(not_found)?;
    Ok(ok(render::artist(&b, &lib.artists[a])))
}

/// `GET /artists/{id}/albums`: the releases the artist made (`album`,
/// `single`, `compilation`, by the album's artists) and the ones they
/// appear on (a track of theirs on someone else's release), each with its
/// `album_group`. Grouped in that order, newest first within a group, as
/// Spotify lists them. Without `market` every regional edition is listed
/// (Spotify's duplicates); with one, only what is sold there.
async fn artist_albums(State(s): St, h: HeaderMap, Query(q): Q, Path(id): Path<String>) -> R {
    check_id(&id)?;
    let (limit, offset) = page_params(&q, 5, 10)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let &a = lib.artist_index.get(&id).ok_or_else(not_found)?;
    const GROUPS: [&str; 4] = ["album", "single", "compilation", "appears_on"];
    let groups: Vec<&str> = match q.get("include_groups") {
        Some(g) => g.split(',').map(str::trim).collect(),
        None => GROUPS.to_vec(),
    };
    if let Some(bad) = groups.iter().find(|g| !GROUPS.contains(g)) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            &format!("Invalid include_groups value: {bad}"),
        ));
    }
    let market = match q.get("market").map(String::as_str) {
        Some("from_token") => Some(crate::model::USER_MARKET.to_string()),
        Some(m) if m.len() == 2 => Some(m.to_ascii_uppercase()),
        Some(_) => return Err(err(StatusCode::BAD_REQUEST, "Invalid market code")),
        None => None,
    };
    let appears: std::collections::HashSet<usize> = lib
        .tracks
        .iter()
        .filter(|t| t.artists.contains(&a))
        .map(|t| t.album)
        .collect();
    let group_of = |al: usize| -> Option<&'static str> {
        let album = &lib.albums[al];
        if album.artists.contains(&a) {
            Some(album.album_type)
        } else if appears.contains(&al) {
            Some("appears_on")
        } else {
            None
        }
    };
    let mut albums: Vec<(usize, &'static str)> = (0..lib.albums.len())
        .filter_map(|al| group_of(al).map(|g| (al, g)))
        .filter(|(_, g)| groups.contains(g))
        .filter(|(al, _)| market.as_ref().is_none_or(|m| lib.albums[*al].sold_in(m)))
        .collect();
    albums.sort_by(|(x, gx), (y, gy)| {
        let rank = |g: &str| GROUPS.iter().position(|x| *x == g);
        rank(gx).cmp(&rank(gy)).then_with(|| {
            lib.albums[*y]
                .release_date
                .cmp(&lib.albums[*x].release_date)
        })
    });
    let total = albums.len();
    let items = albums[window(total, limit, offset)]
        .iter()
        .map(|&(al, group)| {
            let mut v = render::simple_album(&b, &lib, &lib.albums[al]);
            v["album_group"] = json!(group);
            v
        })
        .collect();
    let mut extra = Vec::new();
    for key in ["include_groups", "market"] {
        if let Some(v) = q.get(key) {
            extra.push(format!("{key}={}", enc(v)));
        }
    }
    Ok(ok(paging(
        &b,
        &format!("/v1/artists/{id}/albums"),
        &extra.join("&"),
        items,
        limit,
        offset,
        total,
    )))
}

async fn track(State(s): St, h: HeaderMap, Path(id): Path<String>) -> R {
    check_id(&id)?;
    let b = base(&s, &h);
    let lib = s.lib();
    let &t = lib.track_index.get(&id).ok_or_else(not_found)?;
    Ok(ok(render::track(&b, &lib, &lib.tracks[t])))
}

/// A parsed search query: free text plus Spotify's field filters.
#[derive(Default)]
struct SearchQuery {
    free: String,
    track: Option<String>,
    artist: Option<String>,
    album: Option<String>,
    isrc: Option<String>,
    year: Option<String>,
}

impl SearchQuery {
    fn parse(q: &str) -> SearchQuery {
        let mut tokens = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        for c in q.chars() {
            match c {
                '"' => quoted = !quoted,
                c if c.is_whitespace() && !quoted => {
                    if !cur.is_empty() {
                        tokens.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
        let mut sq = SearchQuery::default();
        let mut free = Vec::new();
        for tok in tokens {
            let lower = tok.to_lowercase();
            let field = lower
                .split_once(':')
                .map(|(k, v)| (k.to_string(), v.to_string()));
            match field {
                Some((k, v)) if k == "track" => sq.track = Some(v),
                Some((k, v)) if k == "artist" => sq.artist = Some(v),
                Some((k, v)) if k == "album" => sq.album = Some(v),
                Some((k, v)) if k == "isrc" => sq.isrc = Some(v),
                Some((k, v)) if k == "year" => sq.year = Some(v),
                Some((k, _)) if k == "genre" || k == "upc" || k == "tag" => {}
                _ => free.push(lower),
            }
        }
        sq.free = free.join(" ");
        sq
    }

    fn is_empty(&self) -> bool {
        self.free.is_empty()
            && self.track.is_none()
            && self.artist.is_none()
            && self.album.is_none()
            && self.isrc.is_none()
            && self.year.is_none()
    }

    fn year_ok(&self, date: &str) -> bool {
        let Some(y) = &self.year else { return true };
        let year = date.get(..4).unwrap_or_default();
        match y.split_once('-') {
            Some((from, to)) => from <= year && year <= to,
            None => year == y,
        }
    }
}

fn has(haystack: &str, needle: &Option<String>) -> bool {
    needle
        .as_ref()
        .is_none_or(|n| haystack.to_lowercase().contains(n.as_str()))
}

fn free_ok(name: &str, sq: &SearchQuery) -> bool {
    sq.free.is_empty() || name.to_lowercase().contains(&sq.free)
}

async fn search(State(s): St, h: HeaderMap, Query(q): Q) -> R {
    let Some(text) = q.get("q").or_else(|| q.get("query")) else {
        return Err(err(StatusCode::BAD_REQUEST, "No search query"));
    };
    let sq = SearchQuery::parse(text);
    if sq.is_empty() {
        return Err(err(StatusCode::BAD_REQUEST, "No search query"));
    }
    let Some(types) = q.get("type") else {
        return Err(err(StatusCode::BAD_REQUEST, "Missing parameter type"));
    };
    let (limit, offset) = page_params(&q, 5, 10)?;
    if offset > 1000 {
        return Err(err(StatusCode::BAD_REQUEST, "Invalid offset"));
    }
    let b = base(&s, &h);
    let lib = s.lib();
    let artist_names = |idx: &[usize]| idx.iter().any(|&a| has(&lib.artists[a].name, &sq.artist));
    let mut out = serde_json::Map::new();
    for t in types.split(',').map(str::trim) {
        let (key, matches): (&str, Vec<Value>) = match t {
            "track" => {
                let hits: Vec<usize> = (0..lib.tracks.len())
                    .filter(|&i| {
                        let tr = &lib.tracks[i];
                        let al = &lib.albums[tr.album];
                        free_ok(&tr.name, &sq)
                            && has(&tr.name, &sq.track)
                            && has(&al.name, &sq.album)
                            && artist_names(&tr.artists)
                            && sq.isrc.as_ref().is_none_or(|x| {
                                tr.isrc.as_ref().is_some_and(|i| i.eq_ignore_ascii_case(x))
                            })
                            && sq.year_ok(&al.release_date)
                    })
                    .collect();
                let total = hits.len();
                let page = hits[window(total, limit, offset)]
                    .iter()
                    .map(|&i| render::track(&b, &lib, &lib.tracks[i]))
                    .collect();
                out.insert(
                    "tracks".into(),
                    paging(
                        &b,
                        "/v1/search",
                        &format!("query={}&type=track", enc(text)),
                        page,
                        limit,
                        offset,
                        total,
                    ),
                );
                continue;
            }
            "album" => {
                let hits: Vec<usize> = (0..lib.albums.len())
                    .filter(|&i| {
                        let al = &lib.albums[i];
                        free_ok(&al.name, &sq)
                            && has(&al.name, &sq.album)
                            && artist_names(&al.artists)
                            && sq.year_ok(&al.release_date)
                    })
                    .collect();
                let total = hits.len();
                let page = hits[window(total, limit, offset)]
                    .iter()
                    .map(|&i| render::simple_album(&b, &lib, &lib.albums[i]))
                    .collect();
                out.insert(
                    "albums".into(),
                    paging(
                        &b,
                        "/v1/search",
                        &format!("query={}&type=album", enc(text)),
                        page,
                        limit,
                        offset,
                        total,
                    ),
                );
                continue;
            }
            "artist" => {
                let hits: Vec<usize> = (0..lib.artists.len())
                    .filter(|&i| {
                        free_ok(&lib.artists[i].name, &sq) && has(&lib.artists[i].name, &sq.artist)
                    })
                    .collect();
                let total = hits.len();
                let page = hits[window(total, limit, offset)]
                    .iter()
                    .map(|&i| render::artist(&b, &lib.artists[i]))
                    .collect();
                out.insert(
                    "artists".into(),
                    paging(
                        &b,
                        "/v1/search",
                        &format!("query={}&type=artist", enc(text)),
                        page,
                        limit,
                        offset,
                        total,
                    ),
                );
                continue;
            }
            "playlist" => {
                let hits: Vec<usize> = (0..lib.playlists.len())
                    .filter(|&i| free_ok(&lib.playlists[i].name, &sq))
                    .collect();
                let total = hits.len();
                let page = hits[window(total, limit, offset)]
                    .iter()
                    .map(|&i| render::simple_playlist(&b, &lib.playlists[i]))
                    .collect();
                out.insert(
                    "playlists".into(),
                    paging(
                        &b,
                        "/v1/search",
                        &format!("query={}&type=playlist", enc(text)),
                        page,
                        limit,
                        offset,
                        total,
                    ),
                );
                continue;
            }
            // The mock has no shows/audiobooks catalogue: valid, but empty.
            "show" => ("shows", Vec::new()),
            "episode" => ("episodes", Vec::new()),
            "audiobook" => ("audiobooks", Vec::new()),
            other => {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    &format!("Bad search type field {other}"),
                ));
            }
        };
        out.insert(
            key.into(),
            paging(
                &b,
                "/v1/search",
                &format!("query={}&type={t}", enc(text)),
                matches,
                limit,
                offset,
                0,
            ),
        );
    }
    Ok(ok(Value::Object(out)))
}
