//! Integration tests of the `hoard` binary: started as a real process on a
//! real SQLite file, spoken to over real HTTP.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod artwork;
mod backup;
mod boundary;
mod downloads;
mod export;
mod listening;
mod playlist_files;
mod spotify;
mod subsonic;
mod zip;

const BIN: &str = env!("CARGO_BIN_EXE_hoard");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `hoard` command with a clean environment, working in `dir`.
fn hoard(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOARD_LOG", "info");
    cmd
}

/// Runs `hoard` expecting it to refuse to start; returns its output.
fn refused(dir: &Path, env: &[(&str, &str)]) -> Output {
    let out = hoard(dir)
        .envs(env.iter().copied())
        .output()
        .expect("run hoard");
    assert!(!out.status.success(), "hoard started with {env:?}");
    out
}

/// A client that does not follow redirects and says it comes from `base`,
/// as a script must (the boundary refuses POSTs that say nothing).
fn same_origin_client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        reqwest::header::HeaderValue::from_str(base).expect("origin"),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let child = hoard(dir)
            .env("HOARD_LISTEN", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn hoard");
        let base = format!("http://127.0.0.1:{port}");
        let mut server = Server {
            child,
            client: same_origin_client(&base),
            base,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("hoard exited at start with {status}");
            }
            if let Ok(r) = server.client.get(server.url("/health")).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = server.child.kill();
        panic!("hoard did not answer /health");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM and returns the exit status and everything the server logged.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        let out = std::mem::replace(&mut self.child, Command::new("true").spawn().expect("true"))
            .wait_with_output()
            .expect("wait");
        let log = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn starts_on_defaults_creates_its_vault_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]).await;
    let health = server
        .client
        .get(server.url("/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["cache-control"], "no-store");
    let db: PathBuf = dir.path().join("hoard-data").join("hoard.db");
    assert!(
        db.is_file(),
        "the default data folder and database are created"
    );

    let page = server
        .client
        .get(server.url("/"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let html = page.text().await.expect("body");
    assert!(
        html.contains("No liked songs yet"),
        "the empty library says so: {html}"
    );
    let settings = server
        .client
        .get(server.url("/settings"))
        .send()
        .await
        .expect("settings");
    let html = settings.text().await.expect("body");
    assert!(
        html.contains(&db.canonicalize().expect("db path").display().to_string()),
        "{html}"
    );
    assert!(html.contains("None (loopback only)"));

    let (status, log) = server.terminate();
    assert!(status.success(), "exit status {status}; log:\n{log}");
    assert!(log.contains("Hoard stopped cleanly"), "{log}");
}

#[tokio::test]
async fn a_config_file_is_read_and_the_environment_overrides_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("hoard.toml"),
        "data_dir = \"from-file\"\ndatabase = \"db/from-file.db\"\n",
    )
    .expect("write config");
    let server = Server::start(dir.path(), &[("HOARD_DATABASE", "db/from-env.db")]).await;
    assert!(dir.path().join("from-file").is_dir());
    assert!(dir.path().join("db/from-env.db").is_file());
    assert!(!dir.path().join("db/from-file.db").exists());
    drop(server);
}

#[test]
fn bad_settings_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            &[("HOARD_LISTEN", "not-an-address")],
            &["`listen`", "HOARD_LISTEN"],
        ),
        (&[("HOARD_SESSION_DAYS", "many")], &["`session_days`"]),
        (
            &[("HOARD_SESSION_DAYS", "0")],
            &["`session_days`", "at least 1"],
        ),
        (&[("HOARD_LOG", "info,[[[")], &["`log`"]),
        (
            &[("HOARD_PASSWORD_HASH", "hunter2")],
            &["`password_hash`", "hash-password"],
        ),
        (
            &[("HOARD_LISTEN", "0.0.0.0:3000")],
            &["`listen`", "password_hash"],
        ),
        (
            &[("HOARD_CONFIG", "/no/such/hoard.toml")],
            &["HOARD_CONFIG", "/no/such/hoard.toml"],
        ),
        (
            &[(
                "HOARD_SPOTIFY_REDIRECT_URI",
                "http://localhost:3000/spotify/callback",
            )],
            &["`spotify_redirect_uri`", "127.0.0.1"],
        ),
        (
            &[("HOARD_SPOTIFY_CLIENT_ID", "my secret?")],
            &["`spotify_client_id`"],
        ),
        (
            &[("HOARD_SPOTIFY_API_URL", "api.spotify.com")],
            &["`spotify_api_url`"],
        ),
        (
            &[("HOARD_SECRET_KEY", "short")],
            &["`secret_key`", "32 bytes"],
        ),
        (
            &[("HOARD_SYNC_INTERVAL_MINUTES", "often")],
            &["`sync_interval_minutes`"],
        ),
        (
            &[("HOARD_PUBLIC_URL", "https://music.example.com/hoard/")],
            &["`public_url`", "sub-path"],
        ),
        (
            &[("HOARD_PUBLIC_URL", "music.example.com")],
            &["`public_url`", "not a URL"],
        ),
        (
            &[("HOARD_ALLOWED_HOSTS", "[https://music.example.com]")],
            &["`allowed_hosts`", "without scheme"],
        ),
        (
            &[("HOARD_SEARCH_SOURCES", "[youtube-music, napster]")],
            &["`search_sources`", "\"napster\" is not one of"],
        ),
        (
            &[("HOARD_SEARCH_SOURCES", "[]")],
            &["`search_sources`", "at least one"],
        ),
        (
            &[("HOARD_YTMUSIC_URL", "music.youtube.com")],
            &["`ytmusic_url`", "http(s) URL"],
        ),
        (
            &[("HOARD_LASTFM_API_KEY", "my-key")],
            &["`lastfm_api_key`", "32 hexadecimal"],
        ),
        (
            &[("HOARD_WATCH_INTERVAL_HOURS", "9000")],
            &["`watch_interval_hours`"],
        ),
    ];
    for (env, expected) in cases {
        let out = refused(dir.path(), env);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for needle in *expected {
            assert!(
                stderr.contains(needle),
                "for {env:?} expected {needle:?} in:\n{stderr}"
            );
        }
    }
    std::fs::write(dir.path().join("hoard.toml"), "lisen = \"127.0.0.1:1\"\n")
        .expect("write config");
    let out = refused(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown setting `lisen`"), "{stderr}");
}

/// A Last.fm key Last.fm refuses stops the start, naming the setting and
/// never showing the key (the browser tests start with a good one).
#[tokio::test]
async fn a_refused_last_fm_key_stops_the_start_without_showing_it() {
    let lastfm = lastfm_mock::LastfmMock::start(lastfm_mock::LastfmSpec {
        tracks: Vec::new(),
        keys: vec![lastfm_mock::TEST_KEY.into()],
    })
    .await
    .expect("last.fm mock");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = lastfm.url();
    let bad = "0123456789abcdef0123456789abcdef";
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        let (url, listen) = (url.clone(), listen.clone());
        move || {
            refused(
                &dir,
                &[
                    ("HOARD_LASTFM_API_URL", &url),
                    ("HOARD_LASTFM_API_KEY", bad),
                    ("HOARD_LISTEN", &listen),
                ],
            )
        }
    })
    .await
    .expect("ran");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("lastfm_api_key"), "{all}");
    assert!(all.contains("Invalid API key"), "{all}");
    assert!(!all.contains(bad), "the key was shown: {all}");
    assert_eq!(lastfm.calls(), 1, "one request checks the key");
}

#[test]
fn a_database_that_cannot_be_created_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("blocker"), "a file, not a folder").expect("write");
    let out = refused(dir.path(), &[("HOARD_DATA_DIR", "blocker/data")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`data_dir`") && stderr.contains("cannot create folder"),
        "{stderr}"
    );
}

/// Awaits every future at once (tokio tasks, to stay within the test's dependencies).
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}

fn hash_password(dir: &Path, password: &str) -> String {
    use std::io::Write;
    let mut child = hoard(dir)
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}

#[tokio::test]
async fn with_a_password_every_page_needs_a_login_and_the_cookie_is_locked_down() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hash = hash_password(dir.path(), "open sesame");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    // The repository's public/ as the site: the manifest and icons are in it.
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/../public");
    let server = Server::start(
        dir.path(),
        &[("HOARD_PASSWORD_HASH", &hash), ("HOARD_SITE_DIR", public)],
    )
    .await;
    let c = &server.client;

    // Health and assets stay open; pages and server functions do not.
    assert_eq!(
        c.get(server.url("/health"))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    let page = c
        .get(server.url("/playlists?page=2"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/login?next=%2Fplaylists%3Fpage%3D2"
    );
    // Spotify's redirect back arrives without the (SameSite=Strict) cookie;
    // the callback answers it, and refuses a state it did not hand out.
    let callback = c
        .get(server.url("/spotify/callback?code=abc&state=forged"))
        .send()
        .await
        .expect("callback");
    assert_eq!(callback.status(), 303);
    let to = callback.headers()["location"].to_str().expect("location");
    assert!(to.starts_with("/settings?spotify_error="), "{to}");
    assert!(to.contains("unknown"), "{to}");
    // Starting a connection is not public.
    let connect = c
        .post(server.url("/spotify/connect"))
        .form(&[("client_id", "0123456789abcdef0123456789abcdef")])
        .send()
        .await
        .expect("connect");
    assert_eq!(connect.status(), 401, "POST without a session");
    let api = c
        .post(server.url("/api/anything"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 401);
    // The vault's files and live events need a session too.
    for path in [
        "/audio/1",
        "/covers/1",
        "/downloads/events",
        "/downloads/not-downloaded.txt",
    ] {
        let res = c.get(server.url(path)).send().await.expect(path);
        assert_eq!(res.status(), 303, "{path} without a session");
    }
    // The manifest and icons are public: browsers fetch them without cookies.
    for path in ["/manifest.webmanifest", "/icons/icon-192.png"] {
        let res = c.get(server.url(path)).send().await.expect(path);
        assert_eq!(res.status(), 200, "{path}");
    }

    let login = c
        .get(server.url("/login"))
        .send()
        .await
        .expect("login page");
    assert!(login
        .text()
        .await
        .expect("body")
        .contains("type=\"password\""));
    let wrong = c
        .post(server.url("/login"))
        .form(&[("password", "open says me"), ("next", "/playlists")])
        .send()
        .await
        .expect("wrong");
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    assert!(wrong
        .text()
        .await
        .expect("body")
        .contains("That password is not right."));

    // Guesses take turns and each wrong one costs 0.75 s, however many arrive at once.
    let started = Instant::now();
    let guesses = (0..3).map(|i| {
        c.post(server.url("/login"))
            .form(&[("password", format!("guess {i}")), ("next", "/".into())])
            .send()
    });
    for response in futures_join_all(guesses).await {
        assert_eq!(response.expect("guess").status(), 401);
    }
    assert!(
        started.elapsed() >= Duration::from_millis(2_200),
        "{:?}",
        started.elapsed()
    );

    let right = c
        .post(server.url("/login"))
        .form(&[("password", "open sesame"), ("next", "/playlists")])
        .send()
        .await
        .expect("right");
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/playlists");
    let cookie = right.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_string();

    let page = c
        .get(server.url("/playlists"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .expect("body")
        .contains("No playlists yet"));
    let forged = c
        .get(server.url("/"))
        .header("cookie", "hoard_session=forged")
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 303);

    let logout = c
        .post(server.url("/logout"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    let after = c
        .get(server.url("/"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("after");
    assert_eq!(after.status(), 303, "a session ends at logout");
}

#[tokio::test]
async fn with_a_password_the_server_may_listen_beyond_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hash = hash_password(dir.path(), "pw");
    let port = free_port();
    let mut child = hoard(dir.path())
        .env("HOARD_PASSWORD_HASH", &hash)
        .env("HOARD_LISTEN", format!("0.0.0.0:{port}"))
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut up = false;
    while Instant::now() < deadline && !up {
        up = reqwest::get(format!("http://127.0.0.1:{port}/health"))
            .await
            .is_ok_and(|r| r.status() == 200);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "a password-protected server starts on 0.0.0.0");
}

/// A built site (hashed names, precompressed files, `bundle.txt`) is served
/// as built: the precompressed bytes themselves, never recompressed, marked
/// immutable; and the pages name that bundle.
#[tokio::test]
async fn a_hashed_bundle_is_sent_precompressed_and_kept_for_good() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(site.join("bundle.txt"), "hoard-0123abcd\n").expect("bundle.txt");
    let js = "export function hydrate() {}\n".repeat(500);
    std::fs::write(pkg.join("hoard-0123abcd.js"), &js).expect("js");
    // Not real brotli or gzip: bytes the server could not have made itself,
    // so getting them back proves it sent the file and compressed nothing.
    std::fs::write(pkg.join("hoard-0123abcd.js.br"), b"precompressed-br").expect("br");
    std::fs::write(pkg.join("hoard-0123abcd.js.gz"), b"precompressed-gz").expect("gz");
    let server = Server::start(dir.path(), &[("HOARD_SITE_DIR", "site")]).await;
    let get = |path: &str, encoding: Option<&str>| {
        let mut request = server.client.get(server.url(path));
        if let Some(e) = encoding {
            request = request.header("accept-encoding", e);
        }
        request.send()
    };

    let br = get("/pkg/hoard-0123abcd.js", Some("gzip, deflate, br, zstd"))
        .await
        .expect("br");
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(br.headers()["vary"], "accept-encoding");
    assert!(br.headers()["content-type"]
        .to_str()
        .expect("type")
        .contains("javascript"));
    assert_eq!(&br.bytes().await.expect("body")[..], b"precompressed-br");

    let gz = get("/pkg/hoard-0123abcd.js", Some("gzip"))
        .await
        .expect("gz");
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(&gz.bytes().await.expect("body")[..], b"precompressed-gz");

    let plain = get("/pkg/hoard-0123abcd.js", None).await.expect("plain");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.expect("body"), js);

    // A name the build did not write is a 404 a browser must not keep.
    let missing = get("/pkg/hoard-ffffffff.js", Some("br"))
        .await
        .expect("missing");
    assert_eq!(missing.status(), 404);
    assert_ne!(
        missing
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap_or("")),
        Some("public, max-age=31536000, immutable")
    );

    // Pages load this bundle, script and stylesheet.
    let page = get("/", None)
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for name in [
        "/pkg/hoard-0123abcd.js",
        "/pkg/hoard-0123abcd_bg.wasm",
        "/pkg/hoard-0123abcd.css",
    ] {
        assert!(page.contains(name), "the page names {name}");
    }
    assert!(!page.contains("/pkg/hoard.css"), "no unhashed stylesheet");
}

#[tokio::test]
async fn static_assets_are_served_compressed_and_revalidated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pkg = dir.path().join("site/pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    let js = "export function hydrate() {}\n".repeat(500);
    std::fs::write(pkg.join("hoard.js"), &js).expect("write js");
    let server = Server::start(dir.path(), &[("HOARD_SITE_DIR", "site")]).await;

    let plain = server
        .client
        .get(server.url("/pkg/hoard.js"))
        .send()
        .await
        .expect("plain");
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    assert!(plain.headers()["content-type"]
        .to_str()
        .expect("type")
        .contains("javascript"));
    assert_eq!(plain.text().await.expect("body"), js);

    let br = server
        .client
        .get(server.url("/pkg/hoard.js"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("br");
    assert_eq!(br.headers()["content-encoding"], "br");
    let compressed = br.bytes().await.expect("body");
    assert!(
        compressed.len() < js.len() / 10,
        "{} bytes of brotli",
        compressed.len()
    );

    std::fs::write(dir.path().join("secret.txt"), "not for the web").expect("write secret");
    let escape = server
        .client
        .get(server.url("/pkg/%2e%2e/%2e%2e/secret.txt"))
        .send()
        .await
        .expect("traversal");
    let body = escape.text().await.expect("body");
    assert!(
        !body.contains("not for the web"),
        "a file outside the site was served"
    );
}
