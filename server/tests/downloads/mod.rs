//! Acquisition through the `hoard` server: the queue driven over HTTP with
//! live events, audio served with Range requests, the fallback of a track
//! with no file, the report, and a `kill -9` in the middle of the queue.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hoard_acquire::tag::read_tags;
use hoard_acquire::testkit::{
    add_liked_track, files_under, generate, generate_cover, AudioServer, TestTrack,
};
use vault::{QueueScope, Vault};

use super::{free_port, Server, BIN};

/// A data folder with `titles` as liked songs (12 s each, one album with a
/// cover), and a loopback source offering each at `path_prefix`.
struct Library {
    dir: tempfile::TempDir,
    source: AudioServer,
    ids: Vec<i64>,
}

impl Library {
    async fn new(titles: &[&str], path_prefix: &str, bytes_per_second: usize) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let fixtures = dir.path().join("fixtures");
        std::fs::create_dir_all(&fixtures).expect("fixtures");
        generate_cover(&fixtures);
        let source = AudioServer::start_with_rate(&fixtures, bytes_per_second).await;
        std::fs::create_dir_all(dir.path().join("hoard-data")).expect("data dir");
        let vault = Vault::open(&dir.path().join("hoard-data").join("hoard.db"))
            .await
            .expect("vault");
        let mut ids = Vec::new();
        for (i, title) in titles.iter().enumerate() {
            let n = i as i64 + 1;
            let name = format!("t{n}");
            generate(&fixtures, &name, 12.0, "mp3");
            source.add_song(
                title,
                "Server Band",
                12.0,
                &format!("{path_prefix}/{name}.mp3"),
            );
            let id = add_liked_track(
                &vault,
                &TestTrack {
                    n,
                    title,
                    artists: &["Server Band"],
                    album: "Served",
                    seconds: 12.0,
                    isrc: None,
                    cover_url: Some(format!("{}/files/cover.jpg", source.url())),
                },
            )
            .await;
            ids.push(id);
        }
        vault.close().await;
        Self { dir, source, ids }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("hoard-data")
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOARD_YTMUSIC_URL", self.source.url()),
            ("HOARD_SEARCH_SOURCES", "[youtube-music]".into()),
            ("HOARD_DOWNLOAD_RETRY_SECONDS", "0".into()),
            ("HOARD_SYNC_ON_START", "false".into()),
            ("HOARD_SYNC_INTERVAL_MINUTES", "0".into()),
        ]
    }

    async fn open_vault(&self) -> Vault {
        Vault::open(&self.data().join("hoard.db"))
            .await
            .expect("vault")
    }
}

async fn start(library: &Library, extra: &[(&str, &str)]) -> Server {
    let env = library.env();
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(extra);
    Server::start(library.dir.path(), &all).await
}

async fn get(server: &Server, path: &str) -> reqwest::Response {
    server
        .client
        .get(server.url(path))
        .send()
        .await
        .expect(path)
}

async fn command(server: &Server, command: serde_json::Value) -> String {
    let response = server
        .client
        .post(server.url("/api/download_command"))
        .json(&serde_json::json!({ "command": command }))
        .send()
        .await
        .expect("download_command");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("a message")
}

/// Polls the vault until every job of `ids` is in `state`.
async fn wait_all(vault: &Vault, ids: &[i64], state: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let page = vault.downloads(None, 0, 200).await.expect("jobs");
        let done = ids.iter().all(|id| {
            page.items
                .iter()
                .any(|j| j.track.id == *id && j.state == state)
        });
        if done {
            return;
        }
        let states: Vec<(i64, String, Option<String>)> = page
            .items
            .iter()
            .map(|j| (j.track.id, j.state.clone(), j.reason.clone()))
            .collect();
        assert!(Instant::now() < deadline, "not all {state}: {states:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_runs_live_and_audio_is_served_with_ranges() {
    let library = Library::new(&["First Light", "Second Wind"], "/files", 64 * 1024).await;
    // A third liked song that no source has.
    let vault = library.open_vault().await;
    let lost = add_liked_track(
        &vault,
        &TestTrack {
            n: 9,
            title: "Lost Recording",
            artists: &["Nobody Knows"],
            album: "Gone",
            seconds: 200.0,
            isrc: None,
            cover_url: None,
        },
    )
    .await;
    vault.close().await;
    let server = start(&library, &[]).await;

    // Listen to the live events before anything is queued.
    let mut events = get(&server, "/downloads/events").await;
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let message = command(&server, serde_json::json!("QueueLiked")).await;
    assert_eq!(message, "3 tracks queued.");

    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while library
        .ids
        .iter()
        .any(|id| !seen.contains(&format!("{{\"track_id\":{id},\"state\":\"downloaded\"")))
    {
        assert!(Instant::now() < deadline, "events so far: {seen}");
        match tokio::time::timeout(Duration::from_secs(30), events.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            other => panic!("the event stream ended: {other:?}; so far: {seen}"),
        }
    }
    assert!(seen.contains("event: job"), "{seen}");
    assert!(seen.contains("\"state\":\"searching\""), "{seen}");
    assert!(
        seen.contains("\"state\":\"downloading\",\"progress\":"),
        "{seen}"
    );
    drop(events);

    let vault = library.open_vault().await;
    wait_all(&vault, &[lost], "failed", Duration::from_secs(60)).await;
    let id = library.ids[0];
    let (relative, format) = vault.track_file(id).await.expect("file").expect("a file");
    assert_eq!(format.as_deref(), Some("mp3"));
    let file = library.data().join("library").join(&relative);
    let bytes = std::fs::read(&file).expect("the file is on disk");

    // The whole file, with the right type and caching.
    let whole = get(&server, &format!("/audio/{id}")).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "audio/mpeg");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["cache-control"], "private, max-age=86400");
    assert!(
        whole.headers().get("content-encoding").is_none(),
        "audio is not compressed again"
    );
    assert!(whole.headers().contains_key("last-modified"));
    assert_eq!(
        whole.bytes().await.expect("body").as_ref(),
        bytes.as_slice()
    );

    // A range, as a seeking <audio> element asks.
    let part = server
        .client
        .get(server.url(&format!("/audio/{id}")))
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-1999/{}", bytes.len()).as_str()
    );
    assert_eq!(
        part.bytes().await.expect("body").as_ref(),
        &bytes[1000..2000]
    );

    // A track with no file: what Spotify offers, labelled.
    let missing = get(&server, &format!("/audio/{lost}")).await;
    assert_eq!(missing.status(), 404);
    let fallback: serde_json::Value = missing.json().await.expect("JSON");
    assert_eq!(fallback["in_vault"], false);
    assert!(fallback["spotify_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://open.spotify.com/track/")));
    let unknown = get(&server, "/audio/999999").await;
    assert_eq!(unknown.status(), 404);

    // The cover kept for the UI.
    let album_id = vault
        .track(id)
        .await
        .expect("track")
        .album_id
        .expect("album");
    let cover = get(&server, &format!("/covers/{album_id}")).await;
    assert_eq!(cover.status(), 200);
    assert_eq!(cover.headers()["content-type"], "image/jpeg");

    // The report lists the lost song with its reason, as a file.
    let report = get(&server, "/downloads/not-downloaded.txt").await;
    assert_eq!(report.status(), 200);
    assert!(report.headers()["content-disposition"]
        .to_str()
        .is_ok_and(|d| d.contains("not_downloaded.txt")));
    let text = report.text().await.expect("text");
    assert!(text.contains("1 track not downloaded"), "{text}");
    assert!(
        text.contains("Nobody Knows - Lost Recording https://open.spotify.com/track/")
            && text.contains("failed: nothing found"),
        "{text}"
    );
    assert!(!text.contains("First Light"), "{text}");

    // The Downloads view renders the queue on the server.
    let html = get(&server, "/downloads?state=failed")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("Lost Recording") && !html.contains("Second Wind"),
        "{html}"
    );
    assert!(html.contains("nothing found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_mid_queue_loses_nothing_and_duplicates_nothing() {
    let titles = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"];
    // About 3 s per file, two at a time: the kill lands mid-download.
    let library = Library::new(&titles, "/slow", 64 * 1024).await;
    let vault = library.open_vault().await;
    vault
        .queue_downloads(QueueScope::Liked)
        .await
        .expect("queue");
    let port = free_port();
    let mut child = Command::new(BIN)
        .current_dir(library.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOARD_LISTEN", format!("127.0.0.1:{port}"))
        .envs(library.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hoard");

    // Kill once one file is in and others are on their way.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let counts = vault.download_counts().await.expect("counts");
        let partial = files_under(&library.data().join("tmp"));
        if counts.downloaded >= 1 && counts.working >= 1 && !partial.is_empty() {
            break;
        }
        if Instant::now() > deadline || counts.failed > 0 {
            let jobs = vault.downloads(None, 0, 10).await.expect("jobs");
            let reasons: Vec<_> = jobs.items.iter().map(|j| j.reason.clone()).collect();
            panic!("the queue did not get going: {counts:?} {reasons:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let counts = vault.download_counts().await.expect("counts");
    assert!(counts.working >= 1, "jobs were cut off: {counts:?}");

    // The next start resumes: every track gets exactly one complete file.
    let server = start(&library, &[]).await;
    wait_all(&vault, &library.ids, "downloaded", Duration::from_secs(90)).await;
    // The audio (the playlist files for other players are beside it).
    let playlists = library.data().join("library/Playlists");
    let files: Vec<_> = files_under(&library.data().join("library"))
        .into_iter()
        .filter(|f| !f.starts_with(&playlists))
        .collect();
    assert_eq!(files.len(), titles.len(), "one file per track: {files:?}");
    for (id, title) in library.ids.iter().zip(titles) {
        let (relative, _) = vault.track_file(*id).await.expect("file").expect("a file");
        let tags = read_tags(&library.data().join("library").join(&relative)).expect("readable");
        assert_eq!(tags.title.as_deref(), Some(title));
        assert!(
            (tags.duration_ms - 12_000).abs() < 500,
            "{title} is complete"
        );
    }
    let left = files_under(&library.data().join("tmp"));
    assert!(left.is_empty(), "partial files are removed: {left:?}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_live_event_stream_instead_of_waiting_for_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]).await;
    let mut events = get(&server, "/downloads/events").await;
    assert_eq!(events.status(), 200);
    let stopping = tokio::task::spawn_blocking(move || server.terminate());
    let (status, log) = tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("hoard stops within 10 s with a browser listening")
        .expect("join");
    assert!(status.success(), "{log}");
    assert!(log.contains("Hoard stopped cleanly"), "{log}");
    // The stream ended rather than being cut.
    let rest = tokio::time::timeout(Duration::from_secs(5), events.chunk())
        .await
        .expect("the stream ends");
    assert!(matches!(rest, Ok(None) | Err(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_and_clearing_the_quarantine_stays_in_its_folder() {
    let library = Library::new(&["Only Song"], "/files", 64 * 1024).await;
    let id = library.ids[0];
    // A quarantined file, and a row whose path tries to leave the folder.
    let quarantine = library.data().join("quarantine");
    std::fs::create_dir_all(&quarantine).expect("quarantine dir");
    std::fs::write(quarantine.join("1-bad.mp3"), b"not audio").expect("file");
    std::fs::write(library.data().join("keep.txt"), b"precious").expect("file");
    let vault = library.open_vault().await;
    vault
        .quarantine_file(id, "1-bad.mp3", "not an audio file", "yt-dlp")
        .await
        .expect("quarantine");
    vault
        .quarantine_file(id, "../keep.txt", "forged", "yt-dlp")
        .await
        .expect("forged row");
    vault
        .set_setting("downloads_paused", "true")
        .await
        .expect("pause");
    let server = start(&library, &[]).await;

    // Not a web address: refused with a reason, nothing queued.
    let refused = server
        .client
        .post(server.url("/api/download_command"))
        .json(&serde_json::json!({
            "command": { "UseUrl": { "track_id": id, "url": "javascript:alert(1)" } }
        }))
        .send()
        .await
        .expect("command");
    assert!(!refused.status().is_success());
    let text = refused.text().await.expect("body");
    assert!(text.contains("not a web address"), "{text}");
    assert_eq!(vault.download_counts().await.expect("counts").queued, 0);

    // An unknown filter is refused by name.
    let bad_filter = server
        .client
        .post(server.url("/api/downloads_view"))
        .json(&serde_json::json!({ "state": "everything", "page": 0 }))
        .send()
        .await
        .expect("view");
    assert!(!bad_filter.status().is_success());
    assert!(bad_filter
        .text()
        .await
        .expect("body")
        .contains("everything"));

    // Clearing removes the quarantined file and the rows, and nothing outside.
    let message = command(&server, serde_json::json!("ClearQuarantine")).await;
    assert_eq!(message, "1 quarantined file removed.");
    assert!(!quarantine.join("1-bad.mp3").exists());
    assert!(
        library.data().join("keep.txt").exists(),
        "a forged path is not followed"
    );
    assert!(vault.quarantined().await.expect("list").is_empty());
}
