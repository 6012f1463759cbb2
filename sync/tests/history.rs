//! Extended Streaming History imports into a real SQLite vault: rows of
//! every kind Spotify writes, a kill mid-import, the same plays twice, plays
//! the poller already kept, tracks filled in from the local Spotify API, and
//! uploads that are not history files.

use std::path::{Path, PathBuf};

use hoard_sync::history::{self, Upload};
use serde_json::{json, Value};
use spotify_mock::{export, LibrarySpec};
use vault::model::OWNER;
use vault::Vault;

mod common;
use common::*;

/// A track row: (Spotify ID, name, artist, album).
fn row(ts: &str, ms: i64, track: Option<(&str, &str, &str, &str)>) -> Value {
    let secs = parse_secs(ts);
    match track {
        Some((id, name, artist, album)) => export::track_row(
            secs,
            ms as u64,
            &export::Named {
                id: id.into(),
                name: name.into(),
                artist: artist.into(),
                album: album.into(),
                duration_ms: 10_000_000,
            },
        ),
        None => export::empty_row(secs, ms as u64),
    }
}

fn parse_secs(ts: &str) -> i64 {
    vault::rfc3339_ms(ts).expect("a time") / 1000
}

fn zip_of(path: &Path, members: &[(&str, &[u8])]) {
    let members: Vec<(String, &[u8])> = members.iter().map(|(n, d)| (n.to_string(), *d)).collect();
    std::fs::write(path, export::zip_members(&members)).expect("zip");
}

fn ts(ms: i64) -> String {
    let at = time_of(ms);
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
        .replace(".000", "")
}

fn time_of(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000).expect("time")
}

async fn upload(h: &Harness, path: &Path) -> i64 {
    let kind = history::inspect(path).expect("a history upload");
    let sha = format!("{:x}", sha2_of(path));
    let (import, new) = h
        .vault
        .create_history_import(
            OWNER,
            "my_spotify_data.zip",
            &sha,
            &path.to_string_lossy(),
            kind.members() as i64,
        )
        .await
        .expect("registered");
    assert!(new, "a new upload");
    import.id
}

fn sha2_of(path: &Path) -> sha2::digest::Output<sha2::Sha256> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).expect("read"))
}

async fn count(vault: &Vault, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(vault.pool())
        .await
        .expect(sql);
    n
}

fn small() -> LibrarySpec {
    LibrarySpec {
        liked: 30,
        playlists: 1,
        playlist_len: 5,
        ..LibrarySpec::default()
    }
}

#[tokio::test]
async fn a_history_zip_is_imported_with_every_kind_of_row() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let spotify = h.spotify();
    let liked = spotify.liked_ids();
    let known = &liked[0];
    let known_ms = spotify.track_duration_ms(known).expect("length") as i64;
    // A track Spotify has but the vault does not, and one Spotify no longer has.
    let fresh = spotify.new_track();
    let base = 1_600_000_000_000i64; // 2020-09-13
    let rows_2020 = vec![
        row(
            &ts(base),
            known_ms,
            Some((known, "Known", "Artist", "Album")),
        ),
        row(
            &ts(base + 600_000),
            12_000,
            Some((known, "Known", "Artist", "Album")),
        ),
        row(
            &ts(base + 1_200_000),
            200_000,
            Some((&fresh, "Fresh Song", "New Artist", "New Single")),
        ),
        row(
            &ts(base + 1_800_000),
            200_000,
            Some((
                "0000000000000000000000",
                "Gone Song",
                "Old Artist",
                "Old Album",
            )),
        ),
        export::episode_row(parse_secs(&ts(base + 2_400_000)), 1_200_000),
        export::audiobook_row(parse_secs(&ts(base + 3_000_000)), 900_000),
        row(&ts(base + 3_600_000), 5_000, None),
        // Spotify's exports repeat some rows exactly.
        row(
            &ts(base),
            known_ms,
            Some((known, "Known", "Artist", "Album")),
        ),
    ];
    // An older export's time format, in a second file.
    let mut old = row(
        "2013-02-08T09:17:20Z",
        known_ms,
        Some((known, "Known", "Artist", "Album")),
    );
    old["ts"] = json!("2013-02-08 09:17:20");
    old["shuffle"] = Value::Null;
    old["skipped"] = Value::Null;
    let rows_2013 = vec![old];
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("my_spotify_data.zip");
    zip_of(
        &path,
        &[
            (
                "Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf",
                b"%PDF-1.4",
            ),
            (
                "Spotify Extended Streaming History/Streaming_History_Audio_2013_0.json",
                serde_json::to_vec(&rows_2013).expect("json").as_slice(),
            ),
            (
                "Spotify Extended Streaming History/Streaming_History_Audio_2020_1.json",
                serde_json::to_vec(&rows_2020).expect("json").as_slice(),
            ),
            (
                "Spotify Extended Streaming History/Streaming_History_Video_2020.json",
                b"[]",
            ),
        ],
    );
    assert_eq!(
        history::inspect(&path).expect("inspect"),
        Upload::Zip(vec![
            "Spotify Extended Streaming History/Streaming_History_Audio_2013_0.json".into(),
            "Spotify Extended Streaming History/Streaming_History_Audio_2020_1.json".into(),
        ])
    );
    let id = upload(&h, &path).await;
    history::import(&h.vault, id).await.expect("import");

    let imports = h.vault.history_imports(OWNER).await.expect("imports");
    let import = &imports[0];
    assert_eq!(import.state, "done");
    assert_eq!(import.rows_done, 9);
    assert_eq!(import.rows_total, 9);
    assert_eq!(import.plays_added, 5, "{import:?}");
    assert_eq!(import.duplicates, 1, "the repeated row");
    assert_eq!(import.episodes, 2, "the podcast and the audiobook");
    assert_eq!(import.unknown_rows, 1, "the empty row");
    assert_eq!(import.tracks_created, 2);

    let history = h.vault.history(0, 200).await.expect("history");
    let mine: Vec<_> = history
        .items
        .iter()
        .filter(|p| p.source == "spotify-history")
        .map(|p| (p.played_at.clone(), p.track.title.clone(), p.counted))
        .collect();
    assert_eq!(
        mine,
        [
            (
                "2020-09-13T12:56:40.000Z".to_string(),
                "Gone Song".to_string(),
                true
            ),
            (
                "2020-09-13T12:46:40.000Z".to_string(),
                "Fresh Song".to_string(),
                true
            ),
            (
                "2020-09-13T12:36:40.000Z".to_string(),
                h_title(&h, known).await,
                false
            ),
            (
                "2020-09-13T12:26:40.000Z".to_string(),
                h_title(&h, known).await,
                true
            ),
            (
                "2013-02-08T09:17:20.000Z".to_string(),
                h_title(&h, known).await,
                true
            ),
        ],
        "newest first; the 12 s play is a skip"
    );
    let (platform, country, reason_end): (String, String, String) = sqlx::query_as(
        "SELECT platform, conn_country, reason_end FROM listens WHERE source = 'spotify-history' AND ms_played = 12000",
    )
    .fetch_one(h.vault.pool())
    .await
    .expect("row");
    assert_eq!(
        (platform.as_str(), country.as_str(), reason_end.as_str()),
        ("android", "DE", "fwdbtn")
    );

    // The next sync fills in the track Spotify has, and stops asking for the one it has not.
    assert_eq!(
        h.vault
            .tracks_needing_details(10)
            .await
            .expect("wanted")
            .len(),
        2
    );
    h.sync().await;
    assert!(h
        .vault
        .tracks_needing_details(10)
        .await
        .expect("wanted")
        .is_empty());
    let (title, duration): (String, i64) =
        sqlx::query_as("SELECT title, duration_ms FROM tracks WHERE spotify_id = ?")
            .bind(&fresh)
            .fetch_one(h.vault.pool())
            .await
            .expect("fresh");
    assert_ne!(
        title, "Fresh Song",
        "Spotify's own title replaced the file's"
    );
    assert!(duration > 0);
    let gone: (String, i64) = sqlx::query_as(
        "SELECT title, needs_details FROM tracks WHERE spotify_id = '0000000000000000000000'",
    )
    .fetch_one(h.vault.pool())
    .await
    .expect("gone");
    assert_eq!(
        gone,
        ("Gone Song".to_string(), 2),
        "kept by the file's name"
    );
}

async fn h_title(h: &Harness, spotify_id: &str) -> String {
    let (t,): (String,) = sqlx::query_as("SELECT title FROM tracks WHERE spotify_id = ?")
        .bind(spotify_id)
        .fetch_one(h.vault.pool())
        .await
        .expect("title");
    t
}

/// `n` plays over the liked songs, a minute apart from `start_ms`.
fn many(liked: &[String], start_ms: i64, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let id = &liked[i % liked.len()];
            row(
                &ts(start_ms + i as i64 * 60_000),
                150_000,
                Some((id, "T", "A", "B")),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_killed_import_resumes_complete_and_without_duplicates_and_twice_is_once() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let liked = h.spotify().liked_ids();
    let base = 1_500_000_000_000i64;
    let files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|f| {
            let rows = many(&liked, base + f * 12_000 * 60_000, 12_000);
            (
                format!("Spotify Extended Streaming History/Streaming_History_Audio_{f}.json"),
                serde_json::to_vec(&rows).expect("json"),
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("big.zip");
    let members: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip_of(&path, &members);
    let id = upload(&h, &path).await;

    // Killed once the first steps are in.
    let vault = h.vault.clone();
    let task = tokio::spawn(async move { history::import(&vault, id).await });
    loop {
        let import = &h.vault.history_imports(OWNER).await.expect("imports")[0];
        if import.rows_done >= 5_000 {
            break;
        }
        assert!(!task.is_finished(), "the import is still running");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    task.abort();
    let _ = task.await;
    let cut = h.vault.history_imports(OWNER).await.expect("imports")[0].clone();
    assert_eq!(cut.state, "importing");
    assert!(
        cut.rows_done < 120_000,
        "killed part way: {}",
        cut.rows_done
    );
    let kept = count(
        &h.vault,
        "SELECT COUNT(*) FROM listens WHERE source = 'spotify-history'",
    )
    .await;
    assert_eq!(
        kept, cut.plays_added,
        "what is kept is what the import says it did"
    );

    // The next start resumes it.
    history::import(&h.vault, id).await.expect("resumed");
    let done = h.vault.history_imports(OWNER).await.expect("imports")[0].clone();
    assert_eq!(done.state, "done");
    assert_eq!(done.rows_done, 36_000);
    assert_eq!(done.plays_added, 36_000);
    assert_eq!(done.duplicates, 0);
    let distinct = count(
        &h.vault,
        "SELECT COUNT(*) FROM (SELECT DISTINCT track_id, ended_ms FROM listens WHERE source = 'spotify-history')",
    )
    .await;
    assert_eq!(distinct, 36_000, "no play twice");

    // The same file again is the same import.
    let sha = format!("{:x}", sha2_of(&path));
    let (again, new) = h
        .vault
        .create_history_import(OWNER, "big.zip", &sha, &path.to_string_lossy(), 3)
        .await
        .expect("again");
    assert!(!new);
    assert_eq!(again.id, id);
    // One of its files uploaded on its own adds nothing either.
    let single = dir.path().join("Streaming_History_Audio_1.json");
    std::fs::write(&single, &files[1].1).expect("write");
    let id2 = upload(&h, &single).await;
    history::import(&h.vault, id2).await.expect("import");
    let second = h.vault.history_imports(OWNER).await.expect("imports")[0].clone();
    assert_eq!((second.plays_added, second.duplicates), (0, 12_000));
}

#[tokio::test]
async fn a_history_row_the_poller_already_kept_is_not_a_second_play() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let liked = h.spotify().liked_ids();
    let (track_id,): (i64,) = sqlx::query_as("SELECT id FROM tracks WHERE spotify_id = ?")
        .bind(&liked[0])
        .fetch_one(h.vault.pool())
        .await
        .expect("track");
    let end = 1_700_000_000_000i64;
    // The poller saw it end 1.5 s later than Spotify wrote it down.
    let polled = vault::NewListen {
        user_id: OWNER,
        track_id,
        started_ms: end - 180_000 + 1_500,
        ended_ms: end + 1_500,
        ms_played: Some(178_000),
        counted: true,
        source: "spotify-poll",
        ..Default::default()
    };
    let mut tx = h.vault.begin().await.expect("tx");
    assert!(Vault::add_spotify_listen(&mut tx, &polled)
        .await
        .expect("poll"));
    tx.commit().await.expect("commit");
    let rows = vec![
        row(&ts(end), 180_000, Some((&liked[0], "T", "A", "B"))),
        row(
            &ts(end + 180_000),
            180_000,
            Some((&liked[0], "T", "A", "B")),
        ),
    ];
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("Streaming_History_Audio_2023.json");
    std::fs::write(&path, serde_json::to_vec(&rows).expect("json")).expect("write");
    let id = upload(&h, &path).await;
    history::import(&h.vault, id).await.expect("import");
    let import = &h.vault.history_imports(OWNER).await.expect("imports")[0];
    assert_eq!(
        (import.plays_added, import.duplicates),
        (1, 1),
        "the repeat right after is a play of its own"
    );
}

#[test]
fn uploads_that_are_not_a_streaming_history_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, data: &[u8]| -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    let refused = |path: &Path| match history::inspect(path) {
        Err(e) => e.to_string(),
        Ok(u) => panic!("{} was taken as {u:?}", path.display()),
    };
    let png = write("cover.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    assert!(
        refused(&png).contains("neither a zip nor a JSON"),
        "{}",
        refused(&png)
    );
    let object = write("account.json", br#"{"username": "x", "country": "DE"}"#);
    assert!(refused(&object).contains("not a streaming history"));
    let account = dir.path().join("account_data.zip");
    zip_of(
        &account,
        &[
            ("Spotify Account Data/Userdata.json", b"{}"),
            ("Spotify Account Data/StreamingHistory_music_0.json", b"[]"),
        ],
    );
    assert!(
        refused(&account).contains("no Streaming_History_Audio_"),
        "{}",
        refused(&account)
    );
    let broken = write("cut.zip", b"PK\x03\x04\x14\0\0\0\x08\0garbage");
    assert!(
        refused(&broken).contains("zip cannot be read"),
        "{}",
        refused(&broken)
    );
    // A zip bomb: a small zip whose history file unpacks past the limit.
    // (Deflating 200 MB takes a debug build 20 s, so the sizes the zip
    // declares are written in, as a compressor would write them.)
    let bomb = dir.path().join("bomb.zip");
    zip_of(&bomb, &[("Streaming_History_Audio_0.json", b"[]")]);
    let mut bytes = std::fs::read(&bomb).expect("read");
    let unpacked = (history::MEMBER_LIMIT + 1) as u32;
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes
            .windows(4)
            .position(|w| w == signature)
            .expect("header");
        bytes[at + offset..at + offset + 4].copy_from_slice(&unpacked.to_le_bytes());
    }
    std::fs::write(&bomb, &bytes).expect("write");
    let reason = refused(&bomb);
    assert!(reason.contains("would be 200 MB unpacked"), "{reason}");
}
