//! Connecting Spotify through the `hoard` server the way a browser does, and
//! `hoard sync` killed mid-sync, against the local Spotify Web API.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use spotify_mock::{Faults, LibrarySpec, MockServer};
use vault::Vault;

use super::{free_port, BIN};

const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";

/// `hoard` pointed at the local Spotify API, no schedule, in `dir`.
pub(crate) fn hoard(dir: &Path, mock: &MockServer, port: u16) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOARD_LOG", "info")
        .env("HOARD_LISTEN", format!("127.0.0.1:{port}"))
        .env("HOARD_SPOTIFY_API_URL", format!("{}/v1/", mock.url()))
        .env("HOARD_SPOTIFY_ACCOUNTS_URL", format!("{}/", mock.url()))
        .env("HOARD_SYNC_INTERVAL_MINUTES", "0")
        .env("HOARD_SYNC_ON_START", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts `command` (a `hoard` serving on `port`) and waits until it
/// answers; returns it, a client that does not follow redirects, and its URL.
pub(crate) async fn serve(mut command: Command, port: u16) -> (Child, reqwest::Client, String) {
    let server = command.spawn().expect("spawn hoard");
    let base = format!("http://127.0.0.1:{port}");
    let client = super::same_origin_client(&base);
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{base}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "hoard did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (server, client, base)
}

/// Waits for a child without blocking the runtime the mock runs on.
pub(crate) async fn wait(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "hoard did not finish in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) fn output(child: Child) -> String {
    let out = child.wait_with_output().expect("output");
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

pub(crate) async fn scalar(vault: &Vault, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(vault.pool())
        .await
        .expect(sql);
    n
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_in_the_browser_flow_then_a_killed_sync_is_completed_by_the_next() {
    let mock = MockServer::start(LibrarySpec {
        liked: 700,
        playlists: 24,
        playlist_len: 100,
        ..LibrarySpec::default()
    })
    .await
    .expect("mock");
    let spotify = mock.handle();
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let (mut server, client, base) = serve(hoard(dir.path(), &mock, port), port).await;

    // A bad client ID comes back to Settings with the reason.
    let bad = client
        .post(format!("{base}/spotify/connect"))
        .form(&[("client_id", "")])
        .send()
        .await
        .expect("connect");
    assert!(
        location(&bad).starts_with("/settings?spotify_error="),
        "{}",
        location(&bad)
    );
    assert!(location(&bad).contains("missing"));

    // Settings -> Spotify's authorize page -> back to Hoard with a code.
    let to_spotify = client
        .post(format!("{base}/spotify/connect"))
        .form(&[("client_id", CLIENT_ID)])
        .send()
        .await
        .expect("connect");
    let authorize = location(&to_spotify);
    assert!(
        authorize.starts_with(&format!("{}/authorize?", mock.url())),
        "{authorize}"
    );
    assert!(authorize.contains("code_challenge_method=S256"));
    assert!(authorize.contains(&format!(
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fspotify%2Fcallback"
    )));
    let approved = client.get(&authorize).send().await.expect("authorize");
    let callback = location(&approved);
    assert!(callback.starts_with(&format!("http://127.0.0.1:{port}/spotify/callback?")));
    let back = client.get(&callback).send().await.expect("callback");
    assert_eq!(location(&back), "/settings");

    // The connection starts a first sync.
    let vault = Vault::open(&dir.path().join("hoard-data/hoard.db"))
        .await
        .expect("vault");
    finished_runs(&vault, 1).await;
    let (outcome, trigger): (String, String) =
        sqlx::query_as("SELECT outcome, trigger FROM sync_runs")
            .fetch_one(vault.pool())
            .await
            .expect("run");
    assert_eq!((outcome.as_str(), trigger.as_str()), ("ok", "connect"));
    let settings = client
        .get(format!("{base}/settings"))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("html");
    assert!(settings.contains("Connected as"), "{settings}");
    assert!(settings.contains("Recent syncs"));
    let key = std::fs::metadata(dir.path().join("hoard-data/secret.key")).expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }
    let _ = server.kill();
    let log = output(server);
    assert!(!log.contains("Bearer"), "a token reached the log:\n{log}");

    // Spotify changes; `hoard sync --full` is killed half way.
    let removed = spotify.liked_ids()[100].clone();
    spotify.remove_liked(&removed);
    let playlist = spotify.playlist_ids()[7].clone();
    spotify.move_playlist_item(&playlist, 0, 50);
    spotify.set_faults(Faults {
        latency_ms: 10,
        ..Faults::default()
    });
    spotify.reset_calls();
    let mut doomed = hoard(dir.path(), &mock, free_port())
        .args(["sync", "--full"])
        .spawn()
        .expect("spawn sync");
    let deadline = Instant::now() + Duration::from_secs(30);
    while spotify.calls() < 20 {
        assert!(Instant::now() < deadline, "the sync made no calls");
        assert!(
            doomed.try_wait().expect("try_wait").is_none(),
            "finished too soon"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    doomed.kill().expect("kill -9");
    wait(&mut doomed, Duration::from_secs(5)).await;

    // The next sync completes, with nothing lost or duplicated.
    spotify.set_faults(Faults::default());
    let mut again = hoard(dir.path(), &mock, free_port())
        .args(["sync", "--full"])
        .spawn()
        .expect("spawn sync");
    let status = wait(&mut again, Duration::from_secs(60)).await;
    let out = output(again);
    assert!(status.success(), "{out}");
    assert!(out.contains("liked songs"), "{out}");

    let liked: Vec<(String,)> = sqlx::query_as(
        "SELECT t.spotify_id FROM liked_tracks l JOIN tracks t ON t.id = l.track_id
         WHERE l.removed_at IS NULL ORDER BY l.added_at DESC",
    )
    .fetch_all(vault.pool())
    .await
    .expect("liked");
    let liked: Vec<String> = liked.into_iter().map(|r| r.0).collect();
    assert_eq!(liked, spotify.liked_ids());
    assert_eq!(
        scalar(
            &vault,
            "SELECT COUNT(*) FROM liked_tracks WHERE removed_at IS NOT NULL"
        )
        .await,
        1,
        "the removed like is kept with its date"
    );
    for id in spotify.playlist_ids() {
        let (current,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id
             WHERE p.spotify_id = ? AND i.removed_at IS NULL",
        )
        .bind(&id)
        .fetch_one(vault.pool())
        .await
        .expect("items");
        assert_eq!(
            current as usize,
            spotify.playlist_item_ids(&id).len(),
            "{id}"
        );
    }
    assert_eq!(
        scalar(
            &vault,
            "SELECT COUNT(*) FROM playlist_items WHERE removed_at IS NOT NULL"
        )
        .await,
        0,
        "a reorder and a killed sync remove nothing"
    );
    assert_eq!(
        scalar(
            &vault,
            "SELECT COUNT(*) FROM (SELECT spotify_id FROM tracks WHERE spotify_id IS NOT NULL
             GROUP BY spotify_id HAVING COUNT(*) > 1)"
        )
        .await,
        0
    );
    let outcomes: Vec<(String,)> = sqlx::query_as("SELECT outcome FROM sync_runs ORDER BY id")
        .fetch_all(vault.pool())
        .await
        .expect("runs");
    let outcomes: Vec<String> = outcomes.into_iter().map(|r| r.0).collect();
    assert_eq!(outcomes, ["ok", "interrupted", "ok"]);

    // A connected server syncs by itself when it starts.
    let mut serving = hoard(dir.path(), &mock, free_port())
        .env("HOARD_SYNC_ON_START", "true")
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while scalar(
        &vault,
        "SELECT COUNT(*) FROM sync_runs WHERE trigger = 'start' AND outcome = 'ok'",
    )
    .await
        == 0
    {
        assert!(Instant::now() < deadline, "no sync on start");
        assert!(
            serving.try_wait().expect("try_wait").is_none(),
            "hoard exited"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = serving.kill();
    let _ = serving.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hoard_sync_without_an_account_says_what_to_do() {
    let mock = MockServer::start(LibrarySpec::default())
        .await
        .expect("mock");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = hoard(dir.path(), &mock, free_port())
        .arg("sync")
        .spawn()
        .expect("spawn");
    let status = wait(&mut child, Duration::from_secs(20)).await;
    let out = output(child);
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("no Spotify account is connected"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auto_download_on_a_sync_queues_the_library_it_brought() {
    let mock = MockServer::start(LibrarySpec {
        liked: 30,
        playlists: 3,
        playlist_len: 10,
        ..LibrarySpec::default()
    })
    .await
    .expect("mock");
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    // The queue is paused, so jobs stay as queued for the count.
    std::fs::create_dir_all(dir.path().join("hoard-data")).expect("data dir");
    let vault = Vault::open(&dir.path().join("hoard-data/hoard.db"))
        .await
        .expect("vault");
    vault
        .set_setting("downloads_paused", "true")
        .await
        .expect("pause");
    let mut command = hoard(dir.path(), &mock, port);
    command.env("HOARD_AUTO_DOWNLOAD", "true");
    let (mut server, client, base) = serve(command, port).await;
    connect(&client, &base).await;

    // When the first sync ends, every library track has a queued job.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let synced = scalar(
            &vault,
            "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'ok'",
        )
        .await;
        let counts = vault.download_counts().await.expect("counts");
        if synced == 1 && counts.queued > 0 && counts.not_queued == 0 {
            assert!(counts.queued >= 30, "{counts:?}");
            break;
        }
        if Instant::now() > deadline {
            // What each run says, and the server's log, so a failure here
            // can be understood from the CI output alone.
            let runs = vault.sync_runs(10).await.expect("runs");
            let _ = server.kill();
            panic!(
                "synced {synced}, {counts:?}\nruns: {runs:#?}\nlog:\n{}",
                output(server)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The covers of what the sync brought are kept when it ends (as JPEG
    // from the local API's image host), not at the keeper's next pass.
    let (albums, playlists) = vault.cover_urls().await.expect("cover urls");
    assert!(!albums.is_empty() && !playlists.is_empty());
    let covers = dir.path().join("hoard-data/covers");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let kept = std::fs::read_dir(&covers)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".jpg"))
                    .count()
            })
            .unwrap_or(0);
        if kept == albums.len() + playlists.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{kept} covers kept of {} albums and {} playlists",
            albums.len(),
            playlists.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
}

/// Presses Connect and follows Spotify's approval back; returns where Hoard sent the browser.
pub(crate) async fn connect(client: &reqwest::Client, base: &str) -> String {
    let to_spotify = client
        .post(format!("{base}/spotify/connect"))
        .form(&[("client_id", CLIENT_ID)])
        .send()
        .await
        .expect("connect");
    let approved = client
        .get(location(&to_spotify))
        .send()
        .await
        .expect("authorize");
    let back = client
        .get(location(&approved))
        .send()
        .await
        .expect("callback");
    location(&back)
}

/// Waits until `n` sync runs have finished; returns the newest's outcome and detail.
async fn finished_runs(vault: &Vault, n: i64) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while scalar(
        vault,
        "SELECT COUNT(*) FROM sync_runs WHERE outcome IS NOT NULL",
    )
    .await
        < n
    {
        assert!(Instant::now() < deadline, "sync run {n} did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sqlx::query_as("SELECT outcome, coalesce(detail, '') FROM sync_runs ORDER BY id DESC LIMIT 1")
        .fetch_one(vault.pool())
        .await
        .expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_spotify_ended_asks_for_a_new_sign_in_and_keeps_the_vault() {
    let mock = MockServer::start(LibrarySpec {
        liked: 30,
        playlists: 2,
        playlist_len: 10,
        ..LibrarySpec::default()
    })
    .await
    .expect("mock");
    let spotify = mock.handle();
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let (mut server, client, base) = serve(hoard(dir.path(), &mock, port), port).await;
    assert_eq!(connect(&client, &base).await, "/settings");
    let vault = Vault::open(&dir.path().join("hoard-data/hoard.db"))
        .await
        .expect("vault");
    assert_eq!(finished_runs(&vault, 1).await.0, "ok");
    let settings = |client: reqwest::Client| {
        let url = format!("{base}/settings");
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("settings")
                .text()
                .await
                .expect("html")
        }
    };
    // Settings says until when the connection lasts: six months from sign-in.
    let account = vault
        .spotify_account()
        .await
        .expect("account")
        .expect("connected");
    let connected: String = account.connected_at.chars().take(10).collect();
    let (expected,): (String,) = sqlx::query_as("SELECT date(?, '+6 months')")
        .bind(&connected)
        .fetch_one(vault.pool())
        .await
        .expect("date");
    assert_eq!(&account.renew_by[..10], expected);
    assert!(!account.renew_soon);
    let html = settings(client.clone()).await;
    assert!(html.contains(&format!("Renew by {expected}")), "{html}");
    assert!(!html.contains("Sign in to Spotify again"));

    // Fourteen days before the end, Settings warns and offers the sign-in.
    sqlx::query("UPDATE spotify_account SET connected_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-6 months', '+10 days')")
        .execute(vault.pool())
        .await
        .expect("age the connection");
    let html = settings(client.clone()).await;
    assert!(html.contains("Spotify ends this connection on"), "{html}");
    assert!(html.contains("Sign in to Spotify again"), "{html}");

    // Spotify ends the authorization: the next sync says so plainly.
    let liked_before = scalar(&vault, "SELECT COUNT(*) FROM liked_tracks").await;
    spotify.revoke_grants();
    let sync = client
        .post(format!("{base}/api/spotify_command"))
        .json(&serde_json::json!({ "command": { "Sync": { "full": false } } }))
        .send()
        .await
        .expect("sync");
    assert_eq!(sync.status(), 200);
    let (outcome, detail) = finished_runs(&vault, 2).await;
    assert_eq!(outcome, "failed");
    assert!(detail.contains("Spotify wants a new sign-in"), "{detail}");
    // The dead token is discarded, as Spotify asks; nothing else changes.
    assert_eq!(
        scalar(&vault, "SELECT COUNT(*) FROM spotify_account WHERE refresh_token_enc IS NULL AND grant_ended_at IS NOT NULL").await,
        1
    );
    assert_eq!(
        scalar(&vault, "SELECT COUNT(*) FROM liked_tracks").await,
        liked_before
    );
    let html = settings(client.clone()).await;
    assert!(html.contains("Spotify wants a new sign-in"), "{html}");
    assert!(html.contains("Sign in to Spotify again"), "{html}");
    let again = client
        .post(format!("{base}/api/spotify_command"))
        .json(&serde_json::json!({ "command": { "Sync": { "full": false } } }))
        .send()
        .await
        .expect("sync");
    assert!(
        again.text().await.expect("body").contains("new sign-in"),
        "a sync is refused with the reason until the user signs in"
    );

    // Signing in again brings it all back.
    assert_eq!(connect(&client, &base).await, "/settings");
    assert_eq!(finished_runs(&vault, 3).await.0, "ok");
    let account = vault
        .spotify_account()
        .await
        .expect("account")
        .expect("connected");
    assert!(account.grant_ended_at.is_none() && !account.renew_soon);
    let _ = server.kill();
    let log = output(server);
    assert!(log.contains("Spotify ended the authorization"), "{log}");
}

/// Demo mode as `scripts/demo` runs it: the local Spotify, the local
/// YouTube Music answering for its catalogue (searched through the real
/// ytmusicapi) and its audio downloaded by real yt-dlp. Every liked song
/// ends up a tagged file that Hoard serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_fills_the_vault_with_tagged_audio_that_plays() {
    let mock = MockServer::start(LibrarySpec {
        liked: 4,
        playlists: 0,
        playlist_len: 0,
        saved_albums: 0,
        followed_artists: 0,
        quirks: false,
        ..LibrarySpec::default()
    })
    .await
    .expect("mock");
    let dir = tempfile::tempdir().expect("tempdir");
    let tracks: Vec<ytmusic_mock::case::Track> =
        serde_json::from_value(mock.handle().catalogue()).expect("a catalogue");
    assert!(tracks.len() >= 4, "{tracks:?}");
    let catalogue = ytmusic_mock::Catalogue::new(ytmusic_mock::cases_for_catalogue(&tracks));
    let app = ytmusic_mock::router(catalogue.clone()).merge(ytmusic_mock::audio_router(
        catalogue,
        dir.path().join("ytmusic-audio"),
        None,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let ytmusic = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let port = free_port();
    let mut command = hoard(dir.path(), &mock, port);
    command
        .env("HOARD_YTMUSIC_URL", &ytmusic)
        .env("HOARD_SEARCH_SOURCES", "[youtube-music]")
        .env("HOARD_AUTO_DOWNLOAD", "true");
    let (mut server, client, base) = serve(command, port).await;
    connect(&client, &base).await;
    let vault = Vault::open(&dir.path().join("hoard-data/hoard.db"))
        .await
        .expect("vault");
    finished_runs(&vault, 1).await;

    let deadline = Instant::now() + Duration::from_secs(240);
    let counts = loop {
        let counts = vault.download_counts().await.expect("counts");
        if counts.downloaded >= 4 && counts.queued == 0 && counts.working == 0 {
            break counts;
        }
        assert!(
            Instant::now() < deadline && counts.failed == 0,
            "downloads did not finish: {counts:?} {:?}",
            vault.downloads(Some("failed"), 0, 5).await.map(|p| p
                .items
                .into_iter()
                .map(|j| j.reason)
                .collect::<Vec<_>>())
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(counts.failed, 0);
    let jobs = vault
        .downloads(Some("downloaded"), 0, 10)
        .await
        .expect("jobs");
    for job in &jobs.items {
        assert_eq!(job.source.as_deref(), Some("youtube-music"));
        let (relative, _) = vault
            .track_file(job.track.id)
            .await
            .expect("file")
            .expect("a file");
        let path = dir.path().join("hoard-data/library").join(&relative);
        let tags = hoard_acquire::tag::read_tags(&path).expect("tags");
        assert_eq!(tags.title.as_deref(), Some(job.track.title.as_str()));
        let audio = client
            .get(format!("{base}/audio/{}", job.track.id))
            .send()
            .await
            .expect("audio");
        assert_eq!(audio.status(), 200);
        assert!(audio
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("audio/")));
    }
    let _ = server.kill();
    let _ = server.wait();
}
