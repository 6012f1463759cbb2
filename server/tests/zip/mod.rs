//! `GET /zip/…`: a list's audio as a zip streamed by a real server, read
//! back by Python's `zipfile` (an independent reader), and a client that
//! leaves half way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::backup::seed;
use super::playlist_files::add_files;
use super::Server;

/// Every file under `dir`, relative, except the database's journal.
fn names_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.to_string_lossy().ends_with("-wal")
                && !p.to_string_lossy().ends_with("-shm")
            {
                out.insert(p.strip_prefix(dir).expect("under").to_path_buf());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_list_downloads_as_a_zip_of_its_files_as_they_are_and_a_client_that_leaves_leaves_nothing(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hoard-data");
    let database = data.join("hoard.db");
    seed(&database, 10).await;
    // A large file, so that the zip cannot be sent before the client leaves.
    let paths = add_files(
        &database,
        &data,
        &[(0, 2.0, "opus"), (1, 60.0, "wav"), (3, 2.0, "m4a")],
    )
    .await;
    let server = Server::start(dir.path(), &[]).await;
    // The playlist files are written at start; wait for them, so that what
    // is on disk does not change on its own below.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !data.join("library/Playlists/Road trip.m3u8").is_file()
        || !data.join("library/Playlists/Liked songs.m3u8").is_file()
    {
        assert!(Instant::now() < deadline, "no playlist files");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let res = server
        .client
        .get(server.url("/zip/playlist-1.zip"))
        .send()
        .await
        .expect("zip");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .is_ok_and(|d| d.contains("filename=\"Road trip.zip\"")));
    let body = res.bytes().await.expect("body");
    let zip = dir.path().join("got.zip");
    std::fs::write(&zip, &body).expect("write");
    let out = dir.path().join("out");
    let python = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             bad = z.testzip()\n\
             assert bad is None, bad\n\
             z.extractall(sys.argv[2])\n\
             print('\\n'.join(z.namelist()))",
        )
        .arg(&zip)
        .arg(&out)
        .output()
        .expect("python3");
    assert!(
        python.status.success(),
        "zipfile cannot read it: {}",
        String::from_utf8_lossy(&python.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&python.stdout)
        .lines()
        .map(String::from)
        .collect();
    let mut expected = vec!["Road trip/Road trip.m3u8".to_string()];
    expected.extend(paths.iter().map(|p| format!("Road trip/{p}")));
    assert_eq!(names, expected);
    // The files are the library's, byte for byte (so their tags too).
    for p in &paths {
        assert_eq!(
            std::fs::read(out.join("Road trip").join(p)).expect("extracted"),
            std::fs::read(data.join("library").join(p)).expect("library"),
            "{p} differs"
        );
    }
    // The playlist inside points at them.
    let playlist = std::fs::read_to_string(out.join("Road trip/Road trip.m3u8")).expect("m3u8");
    let entries: Vec<&str> = playlist.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        entries,
        paths.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // A client that reads a little and goes away.
    let before = names_under(&data);
    let mut res = server
        .client
        .get(server.url("/zip/playlist-1.zip"))
        .send()
        .await
        .expect("zip");
    let first = res.chunk().await.expect("chunk").expect("some bytes");
    assert!(first.starts_with(b"PK"));
    drop(res);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(names_under(&data), before, "the zip left something on disk");
    let health = server
        .client
        .get(server.url("/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);

    // A selection (the player's queue): its tracks in its order, each once,
    // only those with audio.
    let ids: Vec<i64> = {
        let vault = vault::Vault::open(&database).await.expect("open");
        let tracks = vault
            .track_list(
                &vault::model::TrackList::Playlist(1),
                &Default::default(),
                0,
                10,
            )
            .await
            .expect("playlist")
            .items;
        tracks.iter().map(|t| t.id).collect()
    };
    let query = format!(
        "ids={},{},{},{}&name=My%20queue",
        ids[3], ids[0], ids[3], ids[2]
    );
    let res = server
        .client
        .get(server.url(&format!("/zip/selection.zip?{query}")))
        .send()
        .await
        .expect("zip");
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .is_ok_and(|d| d.contains("filename=\"My queue.zip\"")));
    let body = res.bytes().await.expect("body");
    let zip = dir.path().join("queue.zip");
    std::fs::write(&zip, &body).expect("write");
    let listing = Command::new("python3")
        .arg("-c")
        .arg("import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print('\\n'.join(z.namelist()))")
        .arg(&zip)
        .output()
        .expect("python3");
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        names,
        vec![
            "My queue/My queue.m3u8".to_string(),
            format!("My queue/{}", paths[2]),
            format!("My queue/{}", paths[0]),
        ]
    );
    for (query, why) in [
        ("", "?ids=1,2,3"),
        ("?ids=1,x", "not a track's number"),
        ("?ids=1,-2", "not a track's number"),
    ] {
        let res = server
            .client
            .get(server.url(&format!("/zip/selection.zip{query}")))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 400, "{query}");
        assert!(res.text().await.expect("text").contains(why), "{query}");
    }

    // A list with no audio, and what is not a list.
    for path in ["/zip/album-2.zip", "/zip/playlist-9.zip", "/zip/liked.tar"] {
        let res = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 404, "{path}");
    }
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    assert!(
        log.contains("zip stopped"),
        "the zip's task did not end when its client left: {log}"
    );
}
