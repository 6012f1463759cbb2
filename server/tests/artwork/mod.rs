//! Covers kept: a real server fetches the covers the vault points at from
//! an image host on loopback (a real JPEG, made by ffmpeg, as Spotify's
//! CDN serves), refuses what is not a cover, and serves them itself in the
//! sizes the UI uses.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::routing::get;
use vault::model::{NewAlbum, NewArtist, NewTrack};
use vault::Vault;

use super::Server;

/// An image host: `/good.jpg` a 1000×800 JPEG, `/text` a web page,
/// `/bomb.png` a PNG header claiming 100,000×100,000 pixels, `/huge.jpg`
/// 12 MB sent without a length, `/missing.jpg` 404.
async fn image_host(dir: &Path) -> SocketAddr {
    let jpeg = hoard_acquire::testkit::generate_picture(dir, "good.jpg", "testsrc=s=1000x800");
    let jpeg = std::fs::read(&jpeg).expect("jpeg");
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let mut huge = jpeg.clone();
    huge.resize(12 * 1024 * 1024, 0);
    let app = axum::Router::new()
        .route(
            "/good.jpg",
            get(move || async move { ([("content-type", "image/jpeg")], jpeg.clone()) }),
        )
        .route(
            "/text",
            get(|| async { ([("content-type", "text/html")], "<html>not a cover</html>") }),
        )
        .route(
            "/bomb.png",
            get(move || async move { ([("content-type", "image/png")], bomb.clone()) }),
        )
        .route(
            "/huge.jpg",
            get(move || {
                let huge = huge.clone();
                async move {
                    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                        huge.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
                    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn covers_are_kept_from_their_urls_refused_when_bad_and_served_in_the_uis_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = image_host(dir.path()).await;
    let data = dir.path().join("hoard-data");
    std::fs::create_dir_all(&data).expect("data");
    let vault = Vault::open(&data.join("hoard.db")).await.expect("open");
    let mut tx = vault.begin().await.expect("begin");
    let artist = NewArtist {
        spotify_id: Some("artist00000000000000001".into()),
        name: "Cover Band".into(),
        image_url: None,
    };
    let mut albums = Vec::new();
    for (n, path) in ["good.jpg", "text", "bomb.png", "huge.jpg", "missing.jpg"]
        .iter()
        .enumerate()
    {
        let album = NewAlbum {
            spotify_id: Some(format!("album00000000000000000{n:02}")),
            name: format!("Cover {path}"),
            album_type: "album".into(),
            release_date: Some("2020".into()),
            release_date_precision: Some("year".into()),
            total_tracks: Some(1),
            image_url: Some(format!("http://{host}/{path}")),
            images: None,
            artists: vec![artist.clone()],
        };
        let track = NewTrack {
            spotify_id: Some(format!("track00000000000000000{n:02}")),
            isrc: None,
            title: format!("Track {n}"),
            album: Some(album),
            artists: vec![artist.clone()],
            disc_number: 1,
            track_number: Some(1),
            duration_ms: 200_000,
            explicit: false,
            is_local: false,
            is_playable: Some(true),
            preview_url: None,
        };
        let id = Vault::upsert_track(&mut tx, &track).await.expect("track");
        albums.push(id);
    }
    tx.commit().await.expect("commit");
    let album_ids: Vec<i64> = {
        let mut ids = Vec::new();
        for track in &albums {
            ids.push(
                vault
                    .track(*track)
                    .await
                    .expect("track")
                    .album_id
                    .expect("album"),
            );
        }
        ids
    };
    vault.close().await;

    let server = Server::start(dir.path(), &[]).await;
    let covers = data.join("covers");
    let good = covers.join(format!("{}.jpg", album_ids[0]));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !good.is_file() {
        assert!(Instant::now() < deadline, "the cover was not fetched");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The others are refused, and nothing of them is kept.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let kept: Vec<String> = std::fs::read_dir(&covers)
        .expect("covers")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept, [format!("{}.jpg", album_ids[0])], "{kept:?}");

    // Served by Hoard, as fetched and in the UI's sizes.
    let get = |path: String| {
        let client = server.client.clone();
        let url = server.url(&path);
        async move { client.get(url).send().await.expect("get") }
    };
    let original = get(format!("/covers/{}", album_ids[0])).await;
    assert_eq!(original.status(), 200);
    assert_eq!(
        original.bytes().await.expect("body").as_ref(),
        std::fs::read(&good).expect("kept").as_slice()
    );
    for (size, width, height) in [(64, 64, 51), (300, 300, 240), (640, 640, 512)] {
        let res = get(format!("/covers/{}?size={size}", album_ids[0])).await;
        assert_eq!(res.status(), 200, "size {size}");
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let body = res.bytes().await.expect("body");
        let dims = imagesize::blob_size(&body).expect("an image");
        assert_eq!((dims.width, dims.height), (width, height), "size {size}");
    }
    assert_eq!(
        get(format!("/covers/{}?size=123", album_ids[0]))
            .await
            .status(),
        400
    );
    assert_eq!(get(format!("/covers/{}", album_ids[1])).await.status(), 404);

    // Pages point at Hoard's copy where there is one, Spotify's otherwise.
    let page = get(format!("/albums/{}", album_ids[0]))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(&format!("/covers/{}?size=640", album_ids[0])),
        "the album page uses Spotify's cover"
    );
    let page = get(format!("/albums/{}", album_ids[1]))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains(&format!("http://{host}/text")));

    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    // The log says how the pass went (its colour codes taken out).
    let mut plain = String::new();
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    assert!(plain.contains("kept=1 failed=4"), "{plain}");
}
