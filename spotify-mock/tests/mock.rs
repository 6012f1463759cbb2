//! End-to-end tests of the mock over real HTTP.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use spotify_mock::{Faults, LibrarySpec, MockServer};

const REDIRECT: &str = "http://127.0.0.1:8976/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn query_param(location: &str, key: &str) -> Option<String> {
    let u = url::Url::parse(location).expect("location is a URL");
    u.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn authorize(c: &reqwest::Client, base: &str, redirect: &str) -> reqwest::Response {
    c.get(format!("{base}/authorize"))
        .query(&[
            ("client_id", "hoard-test"),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("state", "st4te"),
            ("scope", "user-library-read playlist-read-private"),
            ("code_challenge_method", "S256"),
            ("code_challenge", &challenge(VERIFIER)),
        ])
        .send()
        .await
        .expect("authorize")
}

async fn exchange(
    c: &reqwest::Client,
    base: &str,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", "hoard-test"),
        ("code_verifier", verifier),
    ];
    c.post(format!("{base}/api/token"))
        .form(&form)
        .send()
        .await
        .expect("token")
}

/// Runs the whole PKCE flow and returns an access token.
async fn login(base: &str) -> String {
    let c = client();
    let r = authorize(&c, base, REDIRECT).await;
    let loc = r.headers()["location"].to_str().expect("ascii").to_string();
    let code = query_param(&loc, "code").expect("code");
    let body: Value = exchange(&c, base, &code, VERIFIER)
        .await
        .json()
        .await
        .expect("json");
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

async fn get(base: &str, token: &str, path: &str) -> (u16, Value) {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{base}{path}")
    };
    let r = client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(base: &str, path: &str, body: Value) -> Value {
    client()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn pkce_flow_end_to_end() {
    let server = MockServer::start(LibrarySpec::default())
        .await
        .expect("start");
    let base = server.url();
    let c = client();

    let r = authorize(&c, &base, REDIRECT).await;
    assert_eq!(r.status().as_u16(), 303);
    let loc = r.headers()["location"].to_str().expect("ascii").to_string();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st4te"));
    let code = query_param(&loc, "code").expect("code");

    // A wrong verifier is refused and does not burn the code.
    let bad = exchange(
        &c,
        &base,
        &code,
        "not-the-verifier-not-the-verifier-not-the-verifier",
    )
    .await;
    assert_eq!(bad.status().as_u16(), 400);
    let bad: Value = bad.json().await.expect("json");
    assert_eq!(bad["error"], "invalid_grant");

    let ok = exchange(&c, &base, &code, VERIFIER).await;
    assert_eq!(ok.status().as_u16(), 200);
    let tok: Value = ok.json().await.expect("json");
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 3600);
    let access = tok["access_token"].as_str().expect("access").to_string();
    let refresh = tok["refresh_token"].as_str().expect("refresh").to_string();

    // Codes are single-use.
    let again: Value = exchange(&c, &base, &code, VERIFIER)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["error_description"], "Invalid authorization code");

    let (status, me) = get(&base, &access, "/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], server.handle().user_id());
    assert_eq!(me["product"], "premium");

    // Refresh gives a working token and a new refresh token; the old one still works.
    for _ in 0..2 {
        let r = refresh_grant(&c, &base, &refresh).await;
        assert!(r["refresh_token"].is_string());
        let t = r["access_token"].as_str().expect("access");
        assert_eq!(get(&base, t, "/v1/me").await.0, 200);
    }
    let r = refresh_grant(&c, &base, "nope").await;
    assert_eq!(r["error_description"], "Invalid refresh token");

    // localhost is refused; so is a missing client id.
    let r = authorize(&c, &base, "http://localhost:8976/callback").await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("INVALID_CLIENT: Invalid redirect URI"));
    let r = c
        .get(format!(
            "{base}/authorize?response_type=code&redirect_uri={REDIRECT}"
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status().as_u16(), 400);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("INVALID_CLIENT: Invalid client"));
    assert_eq!(
        authorize(&c, &base, "http://[::1]:8976/cb")
            .await
            .status()
            .as_u16(),
        303
    );

    // Token errors on /v1.
    let r = c.get(format!("{base}/v1/me")).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body,
        json!({"error": {"status": 401, "message": "No token provided"}})
    );
    let (status, body) = get(&base, "garbage", "/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "Invalid access token");
}

#[tokio::test]
async fn liked_songs_page_to_the_end() {
    let server = MockServer::start(LibrarySpec::default())
        .await
        .expect("start");
    let base = server.url();
    let token = login(&base).await;
    let mut next = format!("{base}/v1/me/tracks?limit=50");
    let mut ids = Vec::new();
    let mut dates = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = get(&base, &token, &next).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 120);
        assert_eq!(page["limit"], 50);
        for it in page["items"].as_array().expect("items") {
            ids.push(it["track"]["id"].as_str().expect("id").to_string());
            dates.push(it["added_at"].as_str().expect("added_at").to_string());
            assert_eq!(it["track"]["type"], "track");
            assert_eq!(it["track"]["id"].as_str().map(str::len), Some(22));
        }
        pages += 1;
        match page["next"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, server.handle().liked_ids());
    assert!(
        dates.windows(2).all(|w| w[0] > w[1]),
        "added_at strictly descending"
    );
    assert!(dates.iter().all(|d| d.ends_with('Z')));

    for bad in ["51", "0", "x", "-1"] {
        let (status, body) = get(&base, &token, &format!("/v1/me/tracks?limit={bad}")).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["message"], "Invalid limit");
    }
    let (_, page) = get(&base, &token, "/v1/me/tracks").await;
    assert_eq!(page["limit"], 20);
    assert!(page["previous"].is_null());
}

#[tokio::test]
async fn quirky_playlist_has_null_local_episode_and_unavailable_items() {
    let server = MockServer::start(LibrarySpec::default())
        .await
        .expect("start");
    let base = server.url();
    let token = login(&base).await;
    let h = server.handle();
    let id = h.quirky_playlist_id().expect("quirky playlist");
    let mut items = Vec::new();
    let mut next = format!("{base}/v1/playlists/{id}/items?limit=50");
    loop {
        let (status, page) = get(&base, &token, &next).await;
        assert_eq!(status, 200);
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    assert_eq!(items.len(), 60);
    assert!(items.iter().all(|i| i["item"] == i["track"]));
    assert!(items.iter().any(|i| i["item"].is_null()));
    let local = items
        .iter()
        .find(|i| i["is_local"] == true)
        .expect("local file");
    assert!(local["item"]["id"].is_null());
    assert!(local["item"]["uri"]
        .as_str()
        .expect("uri")
        .starts_with("spotify:local:"));
    assert!(local["item"]["album"]["id"].is_null());
    let ep = items
        .iter()
        .find(|i| i["item"]["type"] == "episode")
        .expect("episode");
    assert_eq!(ep["item"]["show"]["type"], "show");
    let un = items
        .iter()
        .find(|i| i["item"]["is_playable"] == false)
        .expect("unavailable");
    assert_eq!(un["item"]["restrictions"]["reason"], "market");

    let ids = h.playlist_item_ids(&id);
    assert_eq!(ids.len(), 60);
    assert_eq!(ids.iter().filter(|x| x.is_none()).count(), 2);

    // The full playlist embeds the first 100 items under both names.
    let (status, full) = get(&base, &token, &format!("/v1/playlists/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(full["items"]["total"], 60);
    assert_eq!(full["tracks"]["items"].as_array().map(Vec::len), Some(60));
    assert_eq!(full["snapshot_id"], h.snapshot_id(&id));

    // Unknown and malformed playlist IDs.
    let (status, body) = get(&base, &token, "/v1/playlists/0000000000000000000000/items").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["message"], "Resource not found");

    // Without quirks no nulls.
    let plain = MockServer::start(LibrarySpec {
        quirks: false,
        ..LibrarySpec::default()
    })
    .await
    .expect("start");
    assert!(plain.handle().quirky_playlist_id().is_none());
}

#[tokio::test]
async fn mutations_change_snapshots_and_liked_order() {
    let server = MockServer::start(LibrarySpec::default())
        .await
        .expect("start");
    let base = server.url();
    let h = server.handle();
    let pl = h.playlist_ids()[0].clone();

    let s0 = h.snapshot_id(&pl);
    let t = h.new_track();
    h.add_playlist_item(&pl, &t);
    let s1 = h.snapshot_id(&pl);
    assert_ne!(s0, s1);
    assert_eq!(
        h.playlist_item_ids(&pl).last().cloned().flatten(),
        Some(t.clone())
    );
    h.move_playlist_item(&pl, 60, 0);
    let s2 = h.snapshot_id(&pl);
    assert_ne!(s1, s2);
    assert_eq!(h.playlist_item_ids(&pl)[0], Some(t.clone()));
    h.remove_playlist_item(&pl, 0);
    assert_ne!(s2, h.snapshot_id(&pl));
    assert_eq!(h.playlist_item_ids(&pl).len(), 60);

    h.add_liked(&t);
    assert_eq!(h.liked_ids()[0], t);
    assert_eq!(h.liked_ids().len(), 121);
    h.remove_liked(&t);
    assert!(!h.liked_ids().contains(&t));

    h.make_unavailable(&t);
    let token = login(&base).await;
    let (_, track) = get(&base, &token, &format!("/v1/tracks/{t}")).await;
    assert_eq!(track["is_playable"], false);

    let before = h.playlist_ids().len();
    h.unfollow_playlist(&pl);
    assert_eq!(h.playlist_ids().len(), before - 1);
    let (_, page) = get(&base, &token, "/v1/me/playlists?limit=50").await;
    assert_eq!(page["total"], before - 1);

    // The same over HTTP.
    let pl2 = h.playlist_ids()[0].clone();
    let snap = h.snapshot_id(&pl2);
    let r = post(
        &base,
        &format!("/_mock/playlists/{pl2}/add"),
        json!({ "track_id": t }),
    )
    .await;
    assert_ne!(r["snapshot_id"], snap);
    assert_eq!(r["snapshot_id"], h.snapshot_id(&pl2));
    post(
        &base,
        &format!("/_mock/playlists/{pl2}/move"),
        json!({ "from": 0, "to": 3 }),
    )
    .await;
    post(
        &base,
        &format!("/_mock/playlists/{pl2}/remove"),
        json!({ "position": 0 }),
    )
    .await;
    post(&base, "/_mock/liked/add", json!({ "track_id": t })).await;
    let state: Value = client()
        .get(format!("{base}/_mock/state"))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    assert_eq!(state["liked"][0], t.as_str());
    assert_eq!(state["snapshots"][&pl2], h.snapshot_id(&pl2));
    post(&base, "/_mock/liked/remove", json!({ "track_id": t })).await;
    assert_ne!(h.liked_ids()[0], t);
}

#[tokio::test]
async fn faults_are_injected() {
    let server = MockServer::start(LibrarySpec::default())
        .await
        .expect("start");
    let base = server.url();
    let h = server.handle();
    let token = login(&base).await;
    h.reset_calls();

    h.set_faults(Faults {
        rate_limit: Some((2, 7)),
        ..Faults::default()
    });
    for _ in 0..2 {
        let r = raw_get(&base, &token, "/v1/me").await;
        assert_eq!(r.status().as_u16(), 429);
        assert_eq!(r.headers()["retry-after"], "7");
    }
    assert_eq!(get(&base, &token, "/v1/me").await.0, 200);
    assert!(h.faults().rate_limit.is_none());

    h.set_faults(Faults {
        server_errors: 2,
        ..Faults::default()
    });
    assert_eq!(get(&base, &token, "/v1/me").await.0, 503);
    assert_eq!(get(&base, &token, "/v1/me").await.0, 500);
    assert_eq!(get(&base, &token, "/v1/me").await.0, 200);

    h.set_faults(Faults {
        quota_exceeded: true,
        ..Faults::default()
    });
    let r = raw_get(&base, &token, "/v1/me").await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "86400");
    assert!(r.text().await.expect("text").contains("QUOTA_EXCEEDED"));

    h.set_faults(Faults {
        forbid_unowned_items: true,
        ..Faults::default()
    });
    let unowned = h.unowned_playlist_ids();
    assert!(!unowned.is_empty());
    let (status, body) = get(
        &base,
        &token,
        &format!("/v1/playlists/{}/items", unowned[0]),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"error": {"status": 403, "message": "Forbidden"}})
    );
    let collab = h.collaborative_playlist_id().expect("collaborative");
    assert_eq!(
        get(&base, &token, &format!("/v1/playlists/{collab}/items"))
            .await
            .0,
        200
    );
    let own = h.quirky_playlist_id().expect("own");
    assert_eq!(
        get(&base, &token, &format!("/v1/playlists/{own}/tracks"))
            .await
            .0,
        200
    );

    h.set_faults(Faults {
        fail_after: Some(2),
        ..Faults::default()
    });
    assert_eq!(get(&base, &token, "/v1/me").await.0, 200);
    assert_eq!(get(&base, &token, "/v1/me/tracks").await.0, 200);
    assert_eq!(get(&base, &token, "/v1/me").await.0, 500);
    assert_eq!(get(&base, &token, "/v1/me").await.0, 500);

    // Over HTTP: replaces all faults.
    post(
        &base,
        "/_mock/faults",
        json!({ "rate_limit": { "count": 1, "retry_after": 3 } }),
    )
    .await;
    assert_eq!(h.faults().rate_limit, Some((1, 3)));
    assert_eq!(h.faults().fail_after, None);
    assert_eq!(get(&base, &token, "/v1/me").await.0, 429);
    post(&base, "/_mock/faults", json!({})).await;

    let t0 = Instant::now();
    h.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    assert_eq!(get(&base, &token, "/v1/me").await.0, 200);
    assert!(t0.elapsed() >= Duration::from_millis(150));
    h.set_faults(Faults::default());

    h.expire_tokens();
    let (status, body) = get(&base, &token, "/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "The access token expired");
    let calls: Value = client()
        .get(format!("{base}/_mock/calls"))
        .send()
        .await
        .expect("calls")
        .json()
        .await
        .expect("json");
    assert_eq!(calls["calls"], h.calls());
    assert_eq!(h.calls(), 17);
}

#[tokio::test]
async fn other_endpoints() {
    let server = MockServer::start(LibrarySpec::default())
        .await
        .expect("start");
    let base = server.url();
    let token = login(&base).await;

    let (status, albums) = get(&base, &token, "/v1/me/albums?limit=50").await;
    assert_eq!(status, 200);
    assert_eq!(albums["total"], 5);
    let album = &albums["items"][0]["album"];
    assert!(album["tracks"]["items"].is_array());
    assert!(album["external_ids"]["upc"].is_string());
    let album_id = album["id"].as_str().expect("id");
    assert_eq!(
        get(&base, &token, &format!("/v1/albums/{album_id}"))
            .await
            .0,
        200
    );
    let artist_id = album["artists"][0]["id"].as_str().expect("id");
    let (status, artist) = get(&base, &token, &format!("/v1/artists/{artist_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(artist["type"], "artist");
    let (status, aa) = get(&base, &token, &format!("/v1/artists/{artist_id}/albums")).await;
    assert_eq!(status, 200);
    assert_eq!(aa["limit"], 5);
    assert_eq!(
        get(
            &base,
            &token,
            &format!("/v1/artists/{artist_id}/albums?limit=11")
        )
        .await
        .0,
        400
    );

    // Followed artists: cursor paging.
    let mut next = format!("{base}/v1/me/following?type=artist&limit=3");
    let mut seen = 0;
    loop {
        let (status, body) = get(&base, &token, &next).await;
        assert_eq!(status, 200);
        let page = &body["artists"];
        assert_eq!(page["total"], 7);
        seen += page["items"].as_array().map(Vec::len).unwrap_or(0);
        match page["next"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 7);
    assert_eq!(
        get(&base, &token, "/v1/me/following?type=album").await.0,
        400
    );

    // Recently played.
    let (status, rp) = get(&base, &token, "/v1/me/player/recently-played?limit=50").await;
    assert_eq!(status, 200);
    assert_eq!(rp["items"].as_array().map(Vec::len), Some(50));
    let next = rp["next"].as_str().expect("next").to_string();
    let (_, rp2) = get(&base, &token, &next).await;
    assert_eq!(rp2["items"].as_array().map(Vec::len), Some(10));
    assert!(rp2["next"].is_null());
    let r = raw_get(&base, &token, "/v1/me/player/currently-playing").await;
    assert_eq!(r.status().as_u16(), 204);

    // Search by name fragment and by ISRC.
    let h = server.handle();
    let (_, liked) = get(&base, &token, "/v1/me/tracks?limit=1").await;
    let track = &liked["items"][0]["track"];
    let name = track["name"].as_str().expect("name");
    let (status, found) = get(
        &base,
        &token,
        &format!(
            "/v1/search?q={}&type=track,artist&limit=10",
            reqwest_encode(&name.to_uppercase())
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(found["tracks"]["total"].as_u64().unwrap_or(0) >= 1);
    assert!(found["artists"].is_object());
    if let Some(isrc) = track["external_ids"]["isrc"].as_str() {
        let (_, found) = get(
            &base,
            &token,
            &format!("/v1/search?q=isrc:{isrc}&type=track"),
        )
        .await;
        assert_eq!(found["tracks"]["items"][0]["id"], track["id"]);
    }
    assert_eq!(get(&base, &token, "/v1/search?type=track").await.0, 400);
    assert_eq!(h.user_id(), "mockuser");

    // Covers are served locally, as Spotify's CDN serves them: JPEG, in
    // the size the image object gives.
    let img = album["images"][0]["url"].as_str().expect("url");
    assert!(img.starts_with(&base));
    assert_eq!(album["images"][0]["width"], 640);
    let r = client().get(img).send().await.expect("image");
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let body = r.bytes().await.expect("jpeg");
    assert!(body.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
    let picture = image::load_from_memory(&body).expect("decodes");
    assert_eq!((picture.width(), picture.height()), (640, 640));
}

fn reqwest_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn big_library_generates_fast_and_deterministically() {
    let spec = || LibrarySpec {
        liked: 10_000,
        playlists: 200,
        playlist_len: 100,
        ..LibrarySpec::default()
    };
    let t0 = Instant::now();
    let a = MockServer::start(spec()).await.expect("start");
    let took = t0.elapsed();
    // Debug builds are several times slower than release; this still
    // catches anything quadratic.
    assert!(took < Duration::from_secs(3), "generation took {took:?}");
    let b = MockServer::start(spec()).await.expect("start");
    let (ha, hb) = (a.handle(), b.handle());
    assert_eq!(ha.liked_ids().len(), 10_000);
    assert_eq!(ha.liked_ids(), hb.liked_ids());
    assert_eq!(ha.playlist_ids(), hb.playlist_ids());
    assert_eq!(ha.playlist_ids().len(), 200);
    let p = &ha.playlist_ids()[7];
    assert_eq!(ha.playlist_item_ids(p), hb.playlist_item_ids(p));
    assert_eq!(ha.snapshot_id(p), hb.snapshot_id(p));

    // Liked songs and playlists overlap.
    let liked: std::collections::HashSet<String> = ha.liked_ids().into_iter().collect();
    let shared = ha
        .playlist_item_ids(p)
        .into_iter()
        .flatten()
        .filter(|t| liked.contains(t))
        .count();
    assert!(shared > 10, "only {shared} shared");

    let base = a.url();
    let token = login(&base).await;
    let t0 = Instant::now();
    let (status, page) = get(&base, &token, "/v1/me/tracks?limit=50&offset=9950").await;
    assert_eq!(status, 200);
    assert!(page["next"].is_null());
    assert_eq!(page["total"], 10_000);
    assert!(t0.elapsed() < Duration::from_secs(1));
}

/// `POST /api/token` with `grant_type=refresh_token`, as a PKCE client sends it.
async fn refresh_grant(c: &reqwest::Client, base: &str, refresh_token: &str) -> Value {
    c.post(format!("{base}/api/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "hoard-test"),
        ])
        .send()
        .await
        .expect("refresh")
        .json()
        .await
        .expect("json")
}

/// `GET {base}{path}` with a bearer token, the response as it came.
async fn raw_get(base: &str, token: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}
