//! `.m3u8` files for other players, kept in the library folder by a real
//! server, with real audio files, read back by ffprobe's playlist reader.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use vault::model::TrackList;
use vault::{FinishedDownload, Vault};

use super::backup::seed;
use super::Server;

/// Waits until `check` holds for the text of `path`; panics after 20 s.
async fn wait_for(path: &Path, what: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if check(&text) {
                return text;
            }
        }
        assert!(Instant::now() < deadline, "{what}: {}", path.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Gives the playlist's tracks at `which` (its position, seconds, format)
/// real audio files in the library, downloaded as far as the vault knows;
/// returns their paths relative to the library.
pub(crate) async fn add_files(
    database: &Path,
    data: &Path,
    which: &[(usize, f64, &str)],
) -> Vec<String> {
    let vault = Vault::open(database).await.expect("open");
    let tracks = vault
        .track_list(&TrackList::Playlist(1), &Default::default(), 0, 10)
        .await
        .expect("playlist")
        .items;
    let album = data.join("library/Artist 0 Ø/Album 0 (2001)");
    std::fs::create_dir_all(&album).expect("album");
    let mut paths = Vec::new();
    for &(n, seconds, format) in which {
        let name = format!("0{} - Song {n}", n + 1);
        hoard_acquire::testkit::generate(&album, &name, seconds, format);
        vault.queue_track_ids(&[tracks[n].id]).await.expect("queue");
        let path = format!("Artist 0 Ø/Album 0 (2001)/{name}.{format}");
        vault
            .finish_download(
                tracks[n].id,
                &FinishedDownload {
                    source: "test",
                    file_path: &path,
                    chosen: "{}",
                    bytes: 1,
                    format,
                },
            )
            .await
            .expect("finish");
        paths.push(path);
    }
    vault.close().await;
    paths
}

#[tokio::test]
async fn every_list_with_files_is_an_m3u8_in_the_library_that_players_read_and_that_follows_the_vault(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    let database = data.join("hoard.db");
    seed(&database, 10).await;
    // Files for three of the playlist's five tracks.
    add_files(
        &database,
        &data,
        &[(0, 2.0, "opus"), (1, 2.0, "opus"), (3, 2.0, "opus")],
    )
    .await;
    let vault = Vault::open(&database).await.expect("open");
    let tracks = vault
        .track_list(&TrackList::Playlist(1), &Default::default(), 0, 10)
        .await
        .expect("playlist")
        .items;
    vault.close().await;
    let playlists = data.join("library/Playlists");
    std::fs::create_dir_all(&playlists).expect("folder");
    std::fs::write(playlists.join("Gone.m3u8"), "#EXTM3U\n").expect("stale");
    std::fs::write(playlists.join("notes.txt"), "mine").expect("other");

    let server = Server::start(dir.path(), &[]).await;
    let road_trip = playlists.join("Road trip.m3u8");
    let text = wait_for(&road_trip, "no playlist file", |_| true).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "#EXTM3U",
            "#PLAYLIST:Road trip",
            "#EXTINF:150,Artist 0 Ø - Song 0 — “quoted”",
            "../Artist 0 Ø/Album 0 (2001)/01 - Song 0.opus",
            "#EXTINF:151,Artist 0 Ø - Song 1 — “quoted”",
            "../Artist 0 Ø/Album 0 (2001)/02 - Song 1.opus",
            "#EXTINF:153,Artist 0 Ø - Song 3 — “quoted”",
            "../Artist 0 Ø/Album 0 (2001)/04 - Song 3.opus",
        ]
    );
    for line in lines.iter().filter(|l| !l.starts_with('#')) {
        assert!(playlists.join(line).is_file(), "{line} does not resolve");
    }
    // ffprobe's M3U8 reader (its HLS demuxer, told to take any file type)
    // parses the playlist and opens its first entry by the relative path;
    // it fails on a path that leads nowhere.
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-f", "hls", "-protocol_whitelist", "file"])
        .args([
            "-allowed_extensions",
            "ALL",
            "-allowed_segment_extensions",
            "ALL",
        ])
        .args(["-extension_picky", "0"])
        .args(["-show_entries", "stream=codec_name", "-of", "csv=p=0"])
        .arg(&road_trip)
        .output()
        .expect("ffprobe (scripts/setup installs ffmpeg)");
    assert!(
        probe.status.success(),
        "ffprobe cannot read the playlist: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let codecs = String::from_utf8_lossy(&probe.stdout).to_string();
    let codecs: Vec<&str> = codecs.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        !codecs.is_empty() && codecs.iter().all(|c| *c == "opus"),
        "{codecs:?}"
    );

    // Liked songs too; a stale file of Hoard's is removed, another file stays.
    let liked = playlists.join("Liked songs.m3u8");
    wait_for(&liked, "no liked songs file", |t| t.contains("Song 0 —")).await;
    assert!(
        !playlists.join("Gone.m3u8").exists(),
        "a stale playlist file is left"
    );
    assert!(playlists.join("notes.txt").exists());

    // A track unliked while the server runs leaves the file.
    let vault = Vault::open(&database).await.expect("open");
    let mut tx = vault.begin().await.expect("begin");
    Vault::unlike_track(&mut tx, tracks[0].id)
        .await
        .expect("unlike");
    tx.commit().await.expect("commit");
    vault.close().await;
    let text = wait_for(&liked, "the unliked track stays", |t| {
        !t.contains("Song 0 —")
    })
    .await;
    assert!(
        text.contains("Song 1 —") && text.contains("Song 3 —"),
        "{text}"
    );
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
}
