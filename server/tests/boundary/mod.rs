//! The loopback boundary, tried as an attacker would against a real `hoard`
//! with a connected account: requests for a host name an attacker re-points
//! at 127.0.0.1 (DNS rebinding), and requests other pages can send without
//! asking (cross-site "simple" requests, form posts, other loopback ports).

use std::path::Path;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use vault::Vault;

use super::{hash_password, same_origin_client, Server};

/// A vault with a connected Spotify account and a schedule setting, as a
/// user's is: the attacks below must leave both as they are.
async fn vault_with_account(dir: &Path) {
    let data = dir.join("hoard-data");
    std::fs::create_dir_all(&data).expect("data dir");
    let vault = Vault::open(&data.join("hoard.db")).await.expect("vault");
    vault
        .connect_spotify(
            "0123456789abcdef0123456789abcdef",
            b"sealed token",
            "scopes",
        )
        .await
        .expect("account");
    vault.set_setting("sync.auto", "on").await.expect("setting");
    vault.close().await;
}

/// What an attack could change: the account, the schedule, the queue.
async fn vault_state(dir: &Path) -> (i64, Option<String>, i64, Option<String>) {
    let vault = Vault::open(&dir.join("hoard-data/hoard.db"))
        .await
        .expect("vault");
    let count = |sql: &'static str| {
        let vault = vault.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(sql)
                .fetch_one(vault.pool())
                .await
                .expect(sql);
            n
        }
    };
    let state = (
        count("SELECT count(*) FROM spotify_account WHERE refresh_token_enc IS NOT NULL").await,
        vault.setting("sync.auto").await.expect("setting"),
        count("SELECT count(*) FROM downloads").await,
        vault.setting("downloads_paused").await.expect("setting"),
    );
    vault.close().await;
    state
}

/// Every server function the app registers, so a new one is covered too.
fn server_functions() -> Vec<String> {
    // Names the app crate, so its registrations are linked into this binary.
    assert_eq!(app::OUTPUT_NAME, "hoard");
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10 && paths.iter().any(|p| p.starts_with("/api/spotify_command")),
        "{paths:?}"
    );
    paths
}

/// A client that sends exactly the headers given, no Origin of its own.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                reqwest::header::HeaderName::from_static(k),
                v.parse().expect("header value"),
            )
        })
        .collect()
}

#[tokio::test]
async fn no_other_origin_can_drive_a_server_function_or_a_plain_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    vault_with_account(dir.path()).await;
    let server = Server::start(
        dir.path(),
        &[
            ("HOARD_SYNC_ON_START", "false"),
            ("HOARD_SYNC_INTERVAL_MINUTES", "0"),
        ],
    )
    .await;
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    let before = vault_state(dir.path()).await;
    assert_eq!(before, (1, Some("on".into()), 0, None));
    let c = bare_client();

    // What each server function's body would be, were it let in: the most
    // damaging command where there is one.
    let body = |path: &str| {
        if path.starts_with("/api/spotify_command") {
            r#"{"command":"Disconnect"}"#
        } else if path.starts_with("/api/download_command") {
            r#"{"command":"QueueLibrary"}"#
        } else {
            "{}"
        }
    };
    // (headers, expected status, what the attack is)
    let attacks: Vec<(HeaderMap, StatusCode, &str)> = vec![
        (
            headers(&[
                ("origin", "https://evil.example".into()),
                ("sec-fetch-site", "cross-site".into()),
                ("content-type", "text/plain;charset=UTF-8".into()),
            ]),
            StatusCode::FORBIDDEN,
            "a no-cors text/plain fetch from another site",
        ),
        (
            headers(&[
                (
                    "origin",
                    format!(
                        "http://127.0.0.1:{}",
                        port.parse::<u32>().expect("port") + 1
                    ),
                ),
                ("sec-fetch-site", "same-site".into()),
                ("content-type", "application/x-www-form-urlencoded".into()),
            ]),
            StatusCode::FORBIDDEN,
            "a form post from another loopback port (same site, other origin)",
        ),
        (
            headers(&[
                ("origin", format!("http://localhost:{port}")),
                ("content-type", "application/json".into()),
            ]),
            StatusCode::FORBIDDEN,
            "JSON from localhost to 127.0.0.1, a browser without Fetch Metadata",
        ),
        (
            headers(&[
                ("origin", "null".into()),
                ("content-type", "text/plain".into()),
            ]),
            StatusCode::FORBIDDEN,
            "a sandboxed frame (Origin: null)",
        ),
        (
            headers(&[
                ("referer", "https://evil.example/page".into()),
                ("content-type", "text/plain".into()),
            ]),
            StatusCode::FORBIDDEN,
            "only a Referer, from another site",
        ),
        (
            headers(&[("content-type", "application/json".into())]),
            StatusCode::FORBIDDEN,
            "no word of where it comes from",
        ),
        (
            headers(&[
                ("origin", server.base.clone()),
                ("content-type", "text/plain".into()),
            ]),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Hoard's origin, but a simple request's content type",
        ),
    ];
    for path in server_functions() {
        for (headers, expected, what) in &attacks {
            let response = c
                .post(server.url(&path))
                .headers(headers.clone())
                .body(body(&path))
                .send()
                .await
                .expect(&path);
            assert_eq!(response.status(), *expected, "{path}: {what}");
            let text = response.text().await.expect("body");
            assert!(
                text.starts_with("Hoard"),
                "{path}: {what}: a plain reason, got {text}"
            );
        }
    }
    for path in [
        "/spotify/connect",
        "/login",
        "/logout",
        "/history/upload",
        "/albums/1/cover",
    ] {
        for (headers, expected, what) in &attacks[..6] {
            let response = c
                .post(server.url(path))
                .headers(headers.clone())
                .body("client_id=0123456789abcdef0123456789abcdef&password=x")
                .send()
                .await
                .expect(path);
            assert_eq!(response.status(), *expected, "{path}: {what}");
        }
    }
    assert_eq!(vault_state(dir.path()).await, before, "nothing changed");

    // Hoard's own pages, and scripts that say they are its own, still work.
    for own in [
        headers(&[("sec-fetch-site", "same-origin".into())]),
        headers(&[("origin", server.base.clone())]),
        headers(&[("referer", format!("{}/settings", server.base))]),
    ] {
        let response = c
            .post(server.url("/api/download_command"))
            .headers(own)
            .json(&serde_json::json!({ "command": "Pause" }))
            .send()
            .await
            .expect("own");
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }
    assert_eq!(vault_state(dir.path()).await.3.as_deref(), Some("true"));

    let (_, log) = server.terminate();
    let refusals = log
        .lines()
        .filter(|l| {
            l.contains("refused a request from another origin") && l.contains("evil.example")
        })
        .count();
    assert_eq!(refusals, 1, "each origin is logged once:\n{log}");
}

#[tokio::test]
async fn a_rebound_host_name_reads_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    vault_with_account(dir.path()).await;
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/../public");
    let server = Server::start(
        dir.path(),
        &[
            ("HOARD_SYNC_ON_START", "false"),
            ("HOARD_SITE_DIR", public),
            ("HOARD_ALLOWED_HOSTS", "[hoard.home.arpa]"),
        ],
    )
    .await;
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    let c = bare_client();
    let attacker = format!("attacker.example:{port}");
    // The attacker's page is same-origin with itself: it sends all it can.
    let own_headers = headers(&[
        ("host", attacker.clone()),
        ("origin", format!("http://{attacker}")),
        ("sec-fetch-site", "same-origin".into()),
    ]);
    for path in [
        "/",
        "/settings",
        "/downloads",
        "/audio/1",
        "/covers/1",
        "/downloads/events",
        "/downloads/not-downloaded.txt",
        "/health",
        "/sw.js",
        "/manifest.webmanifest",
    ] {
        let response = c
            .get(server.url(path))
            .headers(own_headers.clone())
            .send()
            .await
            .expect(path);
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
        let text = response.text().await.expect("body");
        assert!(
            text.contains("does not answer for the host name") && text.contains("public_url"),
            "{path}: {text}"
        );
    }
    for path in server_functions() {
        let response = c
            .post(server.url(&path))
            .headers(own_headers.clone())
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect(&path);
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    // The names Hoard does serve.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "hoard.home.arpa".to_owned(),
    ] {
        let response = c
            .get(server.url("/health"))
            .header("host", &host)
            .send()
            .await
            .expect("health");
        assert_eq!(response.status(), 200, "{host}");
    }
    let (_, log) = server.terminate();
    let logged = log
        .lines()
        .filter(|l| l.contains("host name Hoard does not serve"))
        .count();
    assert_eq!(
        logged, 1,
        "one line for the refused host, however many requests:\n{log}"
    );
}

#[tokio::test]
async fn other_sites_may_link_to_hoard_but_not_load_its_audio_or_covers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[("HOARD_SYNC_ON_START", "false")]).await;
    let c = bare_client();
    for (path, dest) in [
        ("/audio/1", "audio"),
        ("/covers/1", "image"),
        ("/downloads/events", "empty"),
        ("/downloads/not-downloaded.txt", "script"),
        ("/", "iframe"),
    ] {
        for site in ["cross-site", "same-site"] {
            let response = c
                .get(server.url(path))
                .headers(headers(&[
                    ("sec-fetch-site", site.into()),
                    ("sec-fetch-mode", "no-cors".into()),
                    ("sec-fetch-dest", dest.into()),
                ]))
                .send()
                .await
                .expect(path);
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} as {dest} from a {site} page"
            );
        }
    }
    let link = c
        .get(server.url("/"))
        .headers(headers(&[
            ("sec-fetch-site", "cross-site".into()),
            ("sec-fetch-mode", "navigate".into()),
            ("sec-fetch-dest", "document".into()),
        ]))
        .send()
        .await
        .expect("link");
    assert_eq!(link.status(), 200, "a link from another site opens Hoard");
    drop(server);
}

#[tokio::test]
async fn answers_carry_a_policy_that_names_each_pages_nonce() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[("HOARD_SYNC_ON_START", "false")]).await;
    let page = server
        .client
        .get(server.url("/settings"))
        .send()
        .await
        .expect("page");
    let h = page.headers().clone();
    let csp = h["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    for directive in [
        "default-src 'none'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "connect-src 'self'",
        "report-uri /csp-report",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let html = page.text().await.expect("body");
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "the page has its hydration script");
    for script in scripts {
        assert!(
            script.starts_with(&format!(" type=\"module\" nonce=\"{nonce}\""))
                || script.starts_with(&format!(" nonce=\"{nonce}\"")),
            "every inline script carries the policy's nonce: <script{}",
            &script[..script.len().min(80)]
        );
    }
    let second = server
        .client
        .get(server.url("/settings"))
        .send()
        .await
        .expect("page");
    assert!(
        !second.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains(&nonce),
        "a new nonce for every page"
    );
    for path in ["/audio/1", "/covers/1", "/health"] {
        let response = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect(path);
        assert_eq!(
            response.headers()["cross-origin-resource-policy"],
            "same-origin",
            "{path}"
        );
        assert!(
            response.headers().contains_key("content-security-policy"),
            "{path}"
        );
    }
    drop(server);
}

#[tokio::test]
async fn with_a_password_login_is_same_origin_only_and_logout_clears_the_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hash = hash_password(dir.path(), "open sesame");
    let server = Server::start(
        dir.path(),
        &[
            ("HOARD_PASSWORD_HASH", &hash),
            ("HOARD_PUBLIC_URL", "https://music.example.com/"),
        ],
    )
    .await;
    // A login forced from another page (login CSRF) is refused, and sets no cookie.
    let forced = bare_client()
        .post(server.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("password", "open sesame"), ("next", "/")])
        .send()
        .await
        .expect("forced");
    assert_eq!(forced.status(), 403);
    assert!(forced.headers().get("set-cookie").is_none());

    // Through the proxy: its host, and the browser's https origin.
    let proxied = bare_client()
        .post(server.url("/login"))
        .header("host", "music.example.com")
        .header("origin", "https://music.example.com")
        .form(&[("password", "open sesame"), ("next", "/settings")])
        .send()
        .await
        .expect("proxied login");
    assert_eq!(proxied.status(), 303);
    let cookie = proxied.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("; Secure"),
        "https public_url: a Secure cookie: {cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_owned();

    let settings = same_origin_client(&server.base)
        .get(server.url("/settings"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("settings");
    let html = settings.text().await.expect("body");
    assert!(
        html.contains("https://music.example.com/spotify/callback"),
        "the redirect URI follows public_url"
    );
    assert!(
        html.contains("removes the music"),
        "Sign out says what it clears"
    );

    let logout = same_origin_client(&server.base)
        .post(server.url("/logout"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    assert_eq!(
        logout.headers()["clear-site-data"],
        "\"cache\", \"storage\""
    );
    assert!(logout.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .contains("Max-Age=0; Secure"));
    drop(server);
}

/// Subsonic apps are not browsers: they send no Origin, and sign every
/// request in themselves. A page elsewhere gets nowhere: its browser says
/// where the request comes from, and a login's cookie is not a credential
/// at `/rest/`.
#[tokio::test]
async fn a_subsonic_app_needs_no_origin_but_another_sites_page_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    super::backup::seed(&data.join("hoard.db"), 3).await;
    let vault = Vault::open(&data.join("hoard.db")).await.expect("vault");
    let key = vault
        .create_subsonic_key(vault::model::OWNER, "an app")
        .await
        .expect("key");
    vault.close().await;
    let hash = hash_password(dir.path(), "the login password");
    let server = Server::start(dir.path(), &[("HOARD_PASSWORD_HASH", &hash)]).await;
    let c = bare_client();
    let form = |extra: &str| format!("v=1.16.1&c=app&f=json&apiKey={key}{extra}");
    let status_of = |body: &str| -> (String, Option<i64>) {
        let v: serde_json::Value = serde_json::from_str(body).expect("json");
        let r = &v["subsonic-response"];
        (
            r["status"].as_str().unwrap_or_default().to_string(),
            r["error"]["code"].as_i64(),
        )
    };

    // An app's form POST, with no Origin and no cookie: it stars the song.
    let res = c
        .post(server.url("/rest/star.view"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form("&id=tr-2"))
        .send()
        .await
        .expect("star");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        status_of(&res.text().await.expect("body")),
        ("ok".into(), None)
    );

    // The same from another site's page, even with the key: refused.
    let res = c
        .post(server.url("/rest/unstar.view"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(form("&id=tr-2"))
        .send()
        .await
        .expect("unstar");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A page elsewhere loading a stream into its own <audio>: refused.
    let res = c
        .get(server.url(&format!("/rest/stream.view?{}", form("&id=tr-2"))))
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "no-cors")
        .header("sec-fetch-dest", "audio")
        .send()
        .await
        .expect("stream");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Without the app's own credentials nothing answers, whatever else is sent.
    let res = c
        .get(server.url("/rest/getStarred2.view?v=1.16.1&c=app&f=json"))
        .header("cookie", "hoard_session=anything")
        .send()
        .await
        .expect("starred");
    assert_eq!(
        status_of(&res.text().await.expect("body")),
        ("failed".into(), Some(10))
    );
    let vault = Vault::open(&data.join("hoard.db")).await.expect("vault");
    let marks = vault
        .marks(vault::model::OWNER, vault::model::MarkTarget::Track(2))
        .await
        .expect("marks");
    assert!(
        marks.loved,
        "the app's star is kept and the refused unstar changed nothing"
    );
    vault.close().await;
}
