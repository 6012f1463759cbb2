//! Listening history through the real `hoard` server: what plays on the
//! local Spotify API's simulated listener is polled into the vault, and an
//! Extended Streaming History upload is checked, imported, resumed after a
//! `kill -9`, and not imported twice.

use std::process::Child;
use std::time::{Duration, Instant};

use spotify_mock::{export, LibrarySpec, MockServer, PlayerCommand};
use vault::Vault;

use super::free_port;
use super::spotify::{connect, hoard, location, scalar, serve};

async fn upload(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    data: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    client
        .post(format!("{base}/history/upload"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// The message an upload's redirect back to Settings carries.
fn said(response: &reqwest::Response) -> String {
    let to = location(response);
    let Ok(url) = url::Url::parse(&format!("http://x{to}")) else {
        return to;
    };
    url.query_pairs()
        .find(|(k, _)| k == "history_message" || k == "history_error")
        .map(|(k, v)| format!("{k}: {v}"))
        .unwrap_or(to)
}

async fn import_state(vault: &Vault) -> (String, i64, i64) {
    sqlx::query_as(
        "SELECT state, rows_done, plays_added FROM history_imports ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(vault.pool())
    .await
    .expect("import")
}

async fn until(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn kill(mut server: Child) {
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_plays_on_spotify_is_kept_as_it_plays() {
    let mock = MockServer::start(LibrarySpec {
        liked: 20,
        playlists: 1,
        playlist_len: 5,
        ..LibrarySpec::default()
    })
    .await
    .expect("mock");
    let spotify = mock.handle();
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut command = hoard(dir.path(), &mock, port);
    command
        .env("HOARD_LISTEN_POLL_SECONDS", "1")
        .env("HOARD_LISTEN_MAX_PROGRESS_RATE", "60");
    let (server, client, base) = serve(command, port).await;
    // The listener is already playing when the account is connected; the
    // poller, which asks once a minute while nothing has played, asks at
    // once on a connection and then every second while a track plays.
    spotify
        .player(PlayerCommand::Speed { speed: 40.0 })
        .expect("speed");
    let track = spotify.liked_ids()[0].clone();
    let length = spotify.track_duration_ms(&track).expect("length");
    spotify
        .player(PlayerCommand::Play {
            track: track.clone(),
            position_ms: 0,
            context: None,
        })
        .expect("play");
    let started = Instant::now();
    assert_eq!(connect(&client, &base).await, "/settings");
    let vault = Vault::open(&dir.path().join("hoard-data/hoard.db"))
        .await
        .expect("vault");
    tokio::time::sleep(
        Duration::from_millis(length * 9 / 10 / 40).saturating_sub(started.elapsed()),
    )
    .await;
    spotify.player(PlayerCommand::Stop).expect("stop");
    until("the play is kept", Duration::from_secs(20), async || {
        scalar(
            &vault,
            "SELECT COUNT(*) FROM listens WHERE source = 'spotify-poll'",
        )
        .await
            == 1
    })
    .await;
    let (spotify_id, counted): (String, bool) = sqlx::query_as(
        "SELECT t.spotify_id, l.counted FROM listens l JOIN tracks t ON t.id = l.track_id
         WHERE l.source = 'spotify-poll'",
    )
    .fetch_one(vault.pool())
    .await
    .expect("listen");
    assert_eq!(spotify_id, track);
    assert!(
        counted,
        "90% of the track (less what played before the first poll) is a play"
    );
    kill(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_upload_is_checked_imported_resumed_after_a_kill_and_taken_once() {
    let mock = MockServer::start(LibrarySpec {
        liked: 200,
        playlists: 1,
        playlist_len: 5,
        ..LibrarySpec::default()
    })
    .await
    .expect("mock");
    let tracks = mock.handle().named_tracks();
    let rows = export::listening_years(&tracks, 30_000, 3, 1_780_000_000, 7);
    let zip = export::zip(&export::split(&rows, 4 * 1024 * 1024));
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut command = hoard(dir.path(), &mock, port);
    command.env("HOARD_HISTORY_UPLOAD_MAX_MB", "20");
    let (server, client, base) = serve(command, port).await;
    let vault = Vault::open(&dir.path().join("hoard-data/hoard.db"))
        .await
        .expect("vault");

    // What is not a streaming history is refused, with the reason, and not kept.
    let png = upload(
        &client,
        &base,
        "cover.png",
        b"\x89PNG\r\n\x1a\n0000".to_vec(),
    )
    .await;
    assert!(
        said(&png).starts_with("history_error: cover.png: this is neither a zip nor a JSON"),
        "{}",
        said(&png)
    );
    let account = export::zip_members(&[("Spotify Account Data/Userdata.json".into(), b"{}")]);
    let refused = upload(&client, &base, "my_spotify_data.zip", account).await;
    assert!(
        said(&refused).contains("no Streaming_History_Audio_"),
        "{}",
        said(&refused)
    );
    let big = upload(&client, &base, "huge.zip", vec![0u8; 21 * 1024 * 1024]).await;
    assert!(
        said(&big).contains("larger than 20 MB (setting `history_upload_max_mb`)"),
        "{}",
        said(&big)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path().join("hoard-data/imports"))
        .expect("imports dir")
        .flatten()
        .collect();
    assert!(left.is_empty(), "refused uploads leave nothing behind");

    // A real one starts importing; the server is killed part way.
    let accepted = upload(&client, &base, "my_spotify_data.zip", zip.clone()).await;
    assert!(
        said(&accepted).starts_with("history_message: Importing my_spotify_data.zip"),
        "{}",
        said(&accepted)
    );
    until("the import starts", Duration::from_secs(30), async || {
        import_state(&vault).await.1 >= 5_000
    })
    .await;
    kill(server);
    let (state, done, _) = import_state(&vault).await;
    assert_eq!(state, "importing");
    assert!(done < 30_000, "killed part way ({done} rows)");

    // The next start finishes it; every play is there once.
    let (server, client, base) = serve(hoard(dir.path(), &mock, port), port).await;
    until(
        "the import finishes",
        Duration::from_secs(120),
        async || import_state(&vault).await.0 == "done",
    )
    .await;
    let tracked = rows
        .iter()
        .filter(|r| r["spotify_track_uri"].is_string())
        .count() as i64;
    let (_, done, added) = import_state(&vault).await;
    assert_eq!(done, 30_000);
    let listens = scalar(
        &vault,
        "SELECT COUNT(*) FROM listens WHERE source = 'spotify-history'",
    )
    .await;
    let distinct = scalar(
        &vault,
        "SELECT COUNT(*) FROM (SELECT DISTINCT track_id, ended_ms FROM listens WHERE source = 'spotify-history')",
    )
    .await;
    assert_eq!(listens, added);
    assert_eq!(listens, distinct, "no play twice");
    // The generator may draw one track twice in one second; those are one play.
    assert!(
        tracked - listens < 20,
        "{tracked} track rows, {listens} plays"
    );

    // The same file again is the same import.
    let again = upload(&client, &base, "my_spotify_data (1).zip", zip).await;
    assert!(
        said(&again).contains("was uploaded before"),
        "{}",
        said(&again)
    );
    assert_eq!(
        scalar(&vault, "SELECT COUNT(*) FROM history_imports").await,
        1
    );
    kill(server);
}
