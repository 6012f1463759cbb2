//! `YtDlp::list` with the real yt-dlp: a playlist read without downloading
//! (here an RSS feed on loopback, which yt-dlp's generic extractor reads as
//! a playlist, since no machine here reaches YouTube or SoundCloud), the
//! entry limit, and a link that cannot be reached, refused with the reason.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use hoard_acquire::ytdlp::YtDlp;

/// Serves `body` as RSS to every request, on a free loopback port.
fn serve(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

fn ytdlp() -> YtDlp {
    YtDlp {
        timeout: Duration::from_secs(120),
        ..YtDlp::default()
    }
}

#[tokio::test]
async fn a_playlist_is_read_by_yt_dlp_without_downloading() {
    let base = serve(String::new());
    let items: String = ["Björk - Hunter", "Sigur Rós - Hoppípolla", "Múm - Green Grass of Tunnel"]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "<item><title>{t}</title><link>{base}/{i}.mp3</link>\
                 <enclosure url=\"{base}/{i}.mp3\" type=\"audio/mpeg\" length=\"1\"/><guid>g{i}</guid></item>"
            )
        })
        .collect();
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Road trip</title><link>{base}/</link><description>x</description>{items}</channel></rss>"
    );
    let url = format!("{}/feed.xml", serve(feed));
    let json = ytdlp().list(&url, true, 2000).await.expect("listed");
    assert_eq!(json["_type"], "playlist");
    assert_eq!(json["title"], "Road trip");
    let titles: Vec<&str> = json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Björk - Hunter",
            "Sigur Rós - Hoppípolla",
            "Múm - Green Grass of Tunnel"
        ]
    );
    let two = ytdlp().list(&url, true, 2).await.expect("listed");
    assert_eq!(
        two["entries"].as_array().expect("entries").len(),
        2,
        "at most the limit"
    );
}

#[tokio::test]
async fn a_link_yt_dlp_cannot_read_is_refused_with_its_reason() {
    // Nothing listens on port 9.
    let err = ytdlp()
        .list("http://127.0.0.1:9/playlist", true, 10)
        .await
        .expect_err("unreachable");
    let message = err.to_string();
    assert!(message.starts_with("yt-dlp: "), "{message}");
    assert!(!message.contains("no such option"), "{message}");
    assert!(message.contains("refused"), "{message}");
}
