//! Backups that restore: `hoard backup` and `hoard restore` as a user runs
//! them, on a real vault file, with real audio files, against a real rclone
//! remote (`rclone serve webdav` on loopback, with a password kept in
//! rclone's own config).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection, Row};
use vault::model::{MarkTarget, Marks, NewAlbum, NewArtist, NewPlaylist, NewTrack, OWNER};
use vault::Vault;

use super::{free_port, hoard, Server};

/// The WebDAV password: it must never appear in what Hoard prints.
const DAV_PASSWORD: &str = "correct-horse-battery-9431";

/// Writes `tracks` tracks (all liked), a playlist, plays, a rating and a
/// tag into a new vault at `database`.
pub(crate) async fn seed(database: &Path, tracks: usize) {
    std::fs::create_dir_all(database.parent().expect("parent")).expect("data dir");
    let vault = Vault::open(database).await.expect("open");
    let mut tx = vault.begin().await.expect("begin");
    let mut ids = Vec::new();
    for i in 0..tracks {
        let artist = NewArtist {
            spotify_id: Some(format!("artist{:018}", i / 10)),
            name: format!("Artist {} Ø", i / 10),
            image_url: None,
        };
        let album = NewAlbum {
            spotify_id: Some(format!("album{:019}", i / 8)),
            name: format!("Album {}", i / 8),
            album_type: "album".into(),
            release_date: Some("2001-02-03".into()),
            release_date_precision: Some("day".into()),
            total_tracks: Some(8),
            image_url: None,
            images: None,
            artists: vec![artist.clone()],
        };
        let track = NewTrack {
            spotify_id: Some(format!("track{i:019}")),
            isrc: Some(format!("QZ{i:010}")),
            title: format!("Song {i} — “quoted”"),
            album: Some(album),
            artists: vec![artist],
            disc_number: 1,
            track_number: Some((i % 8) as i64 + 1),
            duration_ms: 150_000 + (i as i64 * 977) % 90_000,
            explicit: i % 7 == 0,
            is_local: false,
            is_playable: Some(true),
            preview_url: None,
        };
        let id = Vault::upsert_track(&mut tx, &track).await.expect("track");
        Vault::like_track(&mut tx, id, "2026-10-01T12:00:00Z")
            .await
            .expect("like");
        ids.push(id);
    }
    let playlist = NewPlaylist {
        spotify_id: Some("37i9dQZF1DXcBWIGoYBM5M".into()),
        name: "Road trip".into(),
        description: Some("for the long way".into()),
        owner_name: Some("me".into()),
        owner_id: Some("me".into()),
        snapshot_id: Some("snap1".into()),
        public: Some(false),
        collaborative: false,
        image_url: None,
        images: None,
    };
    let playlist = Vault::upsert_playlist(&mut tx, &playlist)
        .await
        .expect("playlist");
    for (position, id) in ids.iter().take(5).enumerate() {
        Vault::add_playlist_track(&mut tx, playlist, position as i64, *id, None)
            .await
            .expect("entry");
    }
    for (n, id) in ids.iter().take(3).enumerate() {
        let at = vault::rfc3339_ms(&format!("2026-11-2{n}T21:15:00Z")).expect("time");
        let listen = vault::NewListen {
            user_id: OWNER,
            track_id: *id,
            started_ms: at,
            ended_ms: at,
            counted: true,
            source: "spotify-recent",
            ..Default::default()
        };
        Vault::add_spotify_listen(&mut tx, &listen)
            .await
            .expect("listen");
    }
    tx.commit().await.expect("commit");
    vault
        .set_marks(
            OWNER,
            MarkTarget::Track(ids[0]),
            Marks {
                rating: Some(4),
                loved: true,
            },
        )
        .await
        .expect("marks");
    vault
        .tag_tracks(OWNER, "summer", &ids[..2])
        .await
        .expect("tag");
    vault.close().await;
}

/// Every row of every table, as text, by table: what "the vault is the
/// same" means. The change feed is left out (a restore numbers it anew so
/// browsers start their copies again), and so is the setting that records
/// that.
async fn fingerprint(database: &Path) -> BTreeMap<String, Vec<String>> {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .read_only(true)
        .connect()
        .await
        .expect("open read-only");
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT IN ('library_changes') ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for (table,) in tables {
        let columns: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut conn)
                .await
                .expect("columns");
        let row = columns
            .iter()
            .map(|(c,)| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows = sqlx::query(&format!("SELECT {row} AS r FROM \"{table}\" ORDER BY 1"))
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        let mut rows: Vec<String> = rows.iter().map(|r| r.get::<String, _>("r")).collect();
        if table == "settings" {
            rows.retain(|r| !r.starts_with("'library_feed_floor'"));
        }
        out.insert(table, rows);
    }
    conn.close().await.ok();
    out
}

/// Every file under `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// Puts real audio files and a cover into the data folder.
fn add_media(data: &Path) {
    let album = data.join("library/Artist 0 Ø/Album 0 (2001)");
    std::fs::create_dir_all(&album).expect("album dir");
    hoard_acquire::testkit::generate(&album, "01 - Song 0", 3.0, "opus");
    hoard_acquire::testkit::generate(&album, "02 - Song 1", 2.0, "m4a");
    let covers = data.join("covers");
    std::fs::create_dir_all(&covers).expect("covers");
    hoard_acquire::testkit::generate_cover(&covers);
}

/// `rclone serve webdav` on loopback, and an rclone config naming it `nas`.
struct Dav {
    child: Child,
    root: PathBuf,
    config: PathBuf,
}

impl Dav {
    fn start(dir: &Path) -> Dav {
        let root = dir.join("dav-root");
        std::fs::create_dir_all(&root).expect("dav root");
        let port = free_port();
        let child = Command::new("rclone")
            .args(["serve", "webdav", "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--user", "hoard", "--pass", DAV_PASSWORD])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rclone serve webdav (scripts/setup installs rclone)");
        let obscured = Command::new("rclone")
            .args(["obscure", DAV_PASSWORD])
            .output()
            .expect("rclone obscure");
        let obscured = String::from_utf8(obscured.stdout).expect("utf-8");
        let config = dir.join("rclone.conf");
        std::fs::write(
            &config,
            format!(
                "[nas]\ntype = webdav\nurl = http://127.0.0.1:{port}/\nvendor = other\nuser = hoard\npass = {}\n",
                obscured.trim()
            ),
        )
        .expect("rclone.conf");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "rclone serve webdav did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Dav {
            child,
            root,
            config,
        }
    }
}

impl Drop for Dav {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `hoard ARGS` in `dir` with `env`; its output, which must not hold
/// the WebDAV password.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = hoard(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run hoard");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains(DAV_PASSWORD),
        "hoard {args:?} printed the remote's password: {text}"
    );
    (out.status.success(), text)
}

fn snapshots(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("hoard-") && n.ends_with(".db"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn a_backup_sent_to_a_webdav_remote_restores_the_whole_vault_onto_an_empty_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    let database = data.join("hoard.db");
    seed(&database, 300).await;
    add_media(&data);
    let dav = Dav::start(dir.path());
    let config = dav.config.to_str().expect("utf-8").to_string();
    let env = [
        ("HOARD_BACKUP_REMOTE", "nas:vault"),
        ("HOARD_RCLONE_CONFIG", config.as_str()),
    ];

    let before = fingerprint(&database).await;
    let media_before = files(&data.join("library"));
    let covers_before = files(&data.join("covers"));
    assert_eq!(media_before.len(), 2);
    let feed_before = {
        let vault = Vault::open(&database).await.expect("open");
        let position = vault.feed_position().await.expect("feed");
        vault.close().await;
        position
    };

    let (ok, out) = run(dir.path(), &["backup"], &env);
    assert!(ok, "backup failed: {out}");
    assert!(out.contains("Backed up 300 tracks"), "{out}");
    assert!(out.contains("sent it to the remote"), "{out}");
    let local = snapshots(&data.join("backups"));
    assert_eq!(local.len(), 1, "{local:?}");
    // On the remote: the snapshot, byte for byte, and the audio and covers.
    assert_eq!(snapshots(&dav.root.join("vault/snapshots")), local);
    assert_eq!(
        std::fs::read(dav.root.join("vault/snapshots").join(&local[0])).expect("remote"),
        std::fs::read(data.join("backups").join(&local[0])).expect("local")
    );
    assert_eq!(files(&dav.root.join("vault/library")), media_before);
    assert_eq!(files(&dav.root.join("vault/covers")), covers_before);
    assert!(
        files(&dav.root.join("vault/incoming")).is_empty(),
        "an upload was left half-way"
    );

    // The machine is lost: nothing of the data folder is left.
    std::fs::remove_dir_all(&data).expect("wipe");
    let (ok, out) = run(dir.path(), &["restore", "--remote"], &env);
    assert!(ok, "restore failed: {out}");
    assert!(out.contains(&format!("Restored {}", local[0])), "{out}");
    assert_eq!(fingerprint(&database).await, before, "the vault differs");
    assert_eq!(files(&data.join("library")), media_before);
    assert_eq!(files(&data.join("covers")), covers_before);

    // A browser's copy of the vault from before starts again rather than
    // reading on from a number that means something else now.
    let vault = Vault::open(&database).await.expect("open restored");
    let changes = vault
        .library_changes(feed_before, 10, &[])
        .await
        .expect("changes");
    assert!(
        changes.reset,
        "a copy from before the restore went on reading"
    );
    // A new copy reads the whole restored library, and then reads on.
    let (mut since, mut tracks) = (0, 0);
    loop {
        let page = vault
            .library_changes(since, 500, &[])
            .await
            .expect("changes");
        assert!(!page.reset, "a new copy was told to start again");
        tracks += page.tracks.len();
        since = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(tracks, 300);
    let after = vault
        .library_changes(since, 500, &[])
        .await
        .expect("changes");
    assert!(!after.reset && after.tracks.is_empty());
    vault.close().await;

    // And the server serves the restored library.
    let server = Server::start(dir.path(), &env).await;
    let page = server
        .client
        .get(server.url("/"))
        .send()
        .await
        .expect("library")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("Song 299"),
        "the newest liked track is not listed"
    );
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    assert!(
        !log.contains(DAV_PASSWORD),
        "the server logged the password"
    );
}

#[tokio::test]
async fn backups_are_kept_by_the_retention_rule_and_audio_goes_incrementally() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    seed(&data.join("hoard.db"), 20).await;
    add_media(&data);
    let dav = Dav::start(dir.path());
    let config = dav.config.to_str().expect("utf-8").to_string();
    let env = [
        ("HOARD_BACKUP_REMOTE", "nas:"),
        ("HOARD_RCLONE_CONFIG", config.as_str()),
        ("HOARD_BACKUP_KEEP", "2"),
    ];
    let (ok, out) = run(dir.path(), &["backup"], &env);
    assert!(ok, "{out}");
    let sent = dav
        .root
        .join("library/Artist 0 Ø/Album 0 (2001)/01 - Song 0.opus");
    let first_sent = std::fs::metadata(&sent)
        .expect("sent")
        .modified()
        .expect("mtime");

    // A new file in the library; the old ones are not sent again.
    std::thread::sleep(Duration::from_millis(1100));
    let album = data.join("library/Artist 1 Ø/Album 1 (2001)");
    std::fs::create_dir_all(&album).expect("dir");
    hoard_acquire::testkit::generate(&album, "01 - Song 10", 1.0, "opus");
    let (ok, out) = run(dir.path(), &["backup"], &env);
    assert!(ok, "{out}");
    assert!(dav
        .root
        .join("library/Artist 1 Ø/Album 1 (2001)/01 - Song 10.opus")
        .is_file());
    assert_eq!(
        std::fs::metadata(&sent)
            .expect("sent")
            .modified()
            .expect("mtime"),
        first_sent,
        "an unchanged file was uploaded again"
    );

    // A file removed here stays in the backup.
    std::fs::remove_file(album.join("01 - Song 10.opus")).expect("remove");
    let (ok, out) = run(dir.path(), &["backup"], &env);
    assert!(ok, "{out}");
    assert!(out.contains("removed 1 older snapshot"), "{out}");
    assert!(dav
        .root
        .join("library/Artist 1 Ø/Album 1 (2001)/01 - Song 10.opus")
        .is_file());
    let local = snapshots(&data.join("backups"));
    assert_eq!(local.len(), 2, "{local:?}");
    assert_eq!(snapshots(&dav.root.join("snapshots")), local);

    // `backup list` shows them, newest first.
    let (ok, out) = run(dir.path(), &["backup", "list"], &env);
    assert!(ok, "{out}");
    let listed: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(listed, [local[1].as_str(), local[0].as_str()]);
}

/// Waits until `path` exists and is not empty; false after `limit`.
fn wait_for_file(path: &Path, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

#[tokio::test]
async fn a_backup_or_a_restore_killed_half_way_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    let database = data.join("hoard.db");
    let backups = data.join("backups");
    seed(&database, 50).await;
    // Enough bytes that writing a snapshot takes a while to kill.
    {
        let vault = Vault::open(&database).await.expect("open");
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
             INSERT INTO settings (key, value) SELECT 'ballast' || i, hex(randomblob(600)) FROM n",
        )
        .execute(vault.pool())
        .await
        .expect("ballast");
        vault.close().await;
    }
    let (ok, out) = run(dir.path(), &["backup"], &[]);
    assert!(ok, "{out}");
    let first = snapshots(&backups);
    let first_bytes = std::fs::read(backups.join(&first[0])).expect("snapshot");
    let before = fingerprint(&database).await;

    // Killed while the snapshot is being written.
    std::thread::sleep(Duration::from_millis(1100));
    let mut child = hoard(dir.path()).arg("backup").spawn().expect("spawn");
    let partial_seen = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(5));
        std::fs::read_dir(&backups)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            })
            .unwrap_or(false)
    });
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(partial_seen, "the backup was not caught writing");
    assert_eq!(
        snapshots(&backups),
        first,
        "a half-written snapshot is listed"
    );
    assert_eq!(
        std::fs::read(backups.join(&first[0])).expect("kept"),
        first_bytes
    );
    // The next backup cleans up and succeeds.
    std::thread::sleep(Duration::from_millis(1100));
    let (ok, out) = run(dir.path(), &["backup"], &[]);
    assert!(ok, "{out}");
    assert_eq!(snapshots(&backups).len(), 2);
    let leftovers: Vec<String> = std::fs::read_dir(&backups)
        .expect("backups")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Killed while the snapshot is copied into place: the vault is the old
    // one, whole, and the restore can be run again.
    let restoring = data.join("hoard.db.restoring");
    let mut child = hoard(dir.path())
        .args(["restore", first[0].as_str()])
        .spawn()
        .expect("spawn");
    let caught = wait_for_file(&restoring, Duration::from_secs(10));
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(caught, "the restore was not caught copying");
    assert_eq!(fingerprint(&database).await, before);
    // A server started now opens the old vault (and clears the copy).
    let server = Server::start(dir.path(), &[]).await;
    // A restore is refused while it runs.
    let (ok, out) = run(dir.path(), &["restore"], &[]);
    assert!(!ok, "a restore ran under a running server");
    assert!(out.contains("a Hoard server is running"), "{out}");
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    assert!(!restoring.exists());

    let (ok, out) = run(dir.path(), &["restore", first[0].as_str()], &[]);
    assert!(ok, "{out}");
    assert_eq!(fingerprint(&database).await, before);
    // The database it replaced is kept, not deleted.
    let kept: Vec<String> = std::fs::read_dir(&data)
        .expect("data")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("hoard.db.replaced-"))
        .collect();
    assert!(!kept.is_empty(), "{kept:?}");
}

#[test]
fn a_restore_names_a_snapshot_and_a_remote_needs_a_name_rclone_knows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, out) = run(dir.path(), &["restore", "../../etc/passwd"], &[]);
    assert!(!ok);
    assert!(out.contains("not a snapshot's name"), "{out}");
    let (ok, out) = run(dir.path(), &["restore"], &[]);
    assert!(!ok);
    assert!(out.contains("holds no snapshot"), "{out}");

    let config = dir.path().join("rclone.conf");
    std::fs::write(&config, "[nas]\ntype = local\n").expect("config");
    let config = config.to_str().expect("utf-8");
    let out = super::refused(
        dir.path(),
        &[
            ("HOARD_BACKUP_REMOTE", "nsa:hoard"),
            ("HOARD_RCLONE_CONFIG", config),
        ],
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("`backup_remote`") && text.contains("`nsa`"),
        "{text}"
    );
}
