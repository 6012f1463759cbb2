//! The OpenSubsonic API as a Subsonic app uses it: `client.py` drives a
//! real server through py-opensonic (PyPI) and checks every JSON answer
//! against OpenSubsonic's published schemas; this side seeds the vault with
//! real audio files, a cover and lyrics, and afterwards reads what the
//! session left in the vault.

use std::path::Path;
use std::process::Command;

use sqlx::{ConnectOptions, Row};
use vault::model::OWNER;
use vault::{FinishedDownload, Vault};

use super::backup::seed;
use super::Server;

/// The server's key (so the test can seal the Subsonic password as the server does).
const SECRET_KEY: &str = "c3Vic29uaWMtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=";
const PASSWORD: &str = "sesame-and-more-7731";
/// Songs given files; the seed's other tracks have none.
const PLAYABLE: usize = 24;
const SEEDED: usize = 30;

/// Gives the first `count` seeded tracks real audio files (Opus, MP3 and
/// M4A in turn), LRC lyrics in the second MP3, and album 1 a cover.
/// Returns the library folder and the lyrics song's Subsonic id.
async fn playable(database: &Path, data: &Path, count: usize) -> (std::path::PathBuf, String) {
    let library = data.join("library");
    let scratch = data.join("scratch");
    std::fs::create_dir_all(&scratch).expect("scratch");
    let formats = ["opus", "mp3", "m4a"];
    let sources: Vec<_> = formats
        .iter()
        .map(|f| hoard_acquire::testkit::generate(&scratch, "tone", 3.0, f))
        .collect();
    let vault = Vault::open(database).await.expect("open");
    let mut options = sqlx::sqlite::SqliteConnectOptions::new().filename(database);
    options = options.read_only(true);
    let mut conn = options.connect().await.expect("connect");
    let tracks: Vec<(i64, String)> = sqlx::query("SELECT id, title FROM tracks ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .expect("tracks")
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut lyrics_song = String::new();
    for (n, (id, _)) in tracks.iter().take(count).enumerate() {
        let format = formats[n % 3];
        let relative = format!("Artist/Album {}/{n:02} Song.{format}", n / 8);
        let path = library.join(&relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("album folder");
        std::fs::copy(&sources[n % 3], &path).expect("copy");
        if n == 4 {
            use lofty::prelude::*;
            let mut file = lofty::read_from_path(&path).expect("read");
            let tag = match file.primary_tag_mut() {
                Some(tag) => tag,
                None => {
                    let kind = file.primary_tag_type();
                    file.insert_tag(lofty::tag::Tag::new(kind));
                    file.primary_tag_mut().expect("tag")
                }
            };
            tag.insert_text(
                ItemKey::UnsyncLyrics,
                "[00:01.00] First line\n[00:02.50] Second line\n".into(),
            );
            file.save_to_path(&path, lofty::config::WriteOptions::default())
                .expect("save");
            lyrics_song = format!("tr-{id}");
        }
        let bytes = std::fs::metadata(&path).expect("size").len() as i64;
        vault.queue_track_ids(&[*id]).await.expect("queue");
        vault
            .finish_download(
                *id,
                &FinishedDownload {
                    source: "test",
                    file_path: &relative,
                    chosen: "{}",
                    bytes,
                    format,
                },
            )
            .await
            .expect("finish");
    }
    let covers = data.join("covers");
    std::fs::create_dir_all(&covers).expect("covers");
    hoard_acquire::testkit::generate_picture(&covers, "1.jpg", "testsrc=s=1000x800");
    vault.close().await;
    (library, lyrics_song)
}

#[tokio::test]
async fn a_subsonic_app_browses_searches_streams_stars_rates_scrobbles_and_keeps_playlists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    let database = data.join("hoard.db");
    seed(&database, SEEDED).await;
    let (library, lyrics_song) = playable(&database, &data, PLAYABLE).await;
    let vault = Vault::open(&database).await.expect("open");
    let key = vault
        .create_subsonic_key(OWNER, "py-opensonic")
        .await
        .expect("key");
    let secrets = hoard_sync::SecretBox::from_base64(SECRET_KEY).expect("secret key");
    vault
        .set_subsonic_password(OWNER, Some(&secrets.seal(PASSWORD).expect("seal")))
        .await
        .expect("password");
    // Album 1 is edited to the genre Rock.
    sqlx::query("INSERT INTO album_edits (album_id, genre, edited_by) VALUES (1, 'Rock', ?)")
        .bind(OWNER)
        .execute(vault.pool())
        .await
        .expect("genre");
    let (user, _) = vault.subsonic_account(OWNER).await.expect("account");
    let hidden: Vec<String> = sqlx::query_scalar("SELECT title FROM tracks ORDER BY id")
        .fetch_all(vault.pool())
        .await
        .expect("titles")
        .into_iter()
        .skip(PLAYABLE)
        .collect();
    assert_eq!(hidden.len(), SEEDED - PLAYABLE);
    vault.close().await;

    let server = Server::start(dir.path(), &[("HOARD_SECRET_KEY", SECRET_KEY)]).await;
    let port = server.base.rsplit(':').next().expect("port").to_string();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/subsonic/client.py");
    let logged_key = key.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .env("HOARD_HOST", "127.0.0.1")
            .env("HOARD_PORT", port)
            .env("HOARD_API_KEY", &key)
            .env("HOARD_USER", &user)
            .env("HOARD_PASSWORD", PASSWORD)
            .env("HOARD_LIBRARY", &library)
            .env("HOARD_PLAYABLE", PLAYABLE.to_string())
            .env("HOARD_HIDDEN", hidden.join("\n"))
            .env("HOARD_LYRICS", lyrics_song)
            .output()
            .expect("python3 runs (scripts/setup installs py-opensonic)")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the Subsonic session failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: 24 songs"), "{stdout}");

    // What the session left in the vault, as Hoard's own app reads it.
    let vault = Vault::open(&database).await.expect("open");
    let plays: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT track_id, started_ms, source, device FROM listens WHERE platform = 'subsonic' ORDER BY started_ms",
    )
    .fetch_all(vault.pool())
    .await
    .expect("listens");
    assert_eq!(
        plays.len(),
        3,
        "three plays, the one sent twice kept once: {plays:?}"
    );
    assert!(plays
        .iter()
        .all(|(_, _, source, device)| source == "hoard" && device == "hoard-test"));
    assert_eq!(plays[0].1, 1_765_000_000_000);
    let own: (String, Option<String>, i64) =
        sqlx::query_as("SELECT name, removed_at, user_id FROM playlists WHERE source = 'subsonic'")
            .fetch_one(vault.pool())
            .await
            .expect("the app's playlist is kept");
    assert_eq!(own.0, "Late evening");
    assert!(own.1.is_some(), "deleted from the lists, kept in the vault");
    assert_eq!(own.2, OWNER);
    let keys = vault.subsonic_keys(OWNER).await.expect("keys");
    assert_eq!(keys[0].last_client.as_deref(), Some("hoard-test"));
    vault.close().await;

    // Neither the key nor the password reaches the log.
    let (_, log) = server.terminate();
    assert!(!log.contains(PASSWORD), "the password is logged");
    assert!(!log.contains(&logged_key), "an API key is logged");
}
