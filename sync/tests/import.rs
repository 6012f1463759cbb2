//! Lists from anywhere against the local Spotify API: a `.txt` with good,
//! bad and ambiguous lines (a byte-order mark, CRLF, numbering, a reversed
//! line, links) previewed line by line with nothing written, then imported
//! as a playlist of the listener's own that syncs leave alone; and the
//! limits, refused with the limit named.

use hoard_sync::import::{ImportError, Importer, MAX_LINES};
use spotify_mock::{Faults, LibrarySpec};
use vault::model::OWNER;

mod common;
use common::*;

fn spec() -> LibrarySpec {
    LibrarySpec {
        liked: 20,
        playlists: 3,
        playlist_len: 8,
        saved_albums: 1,
        followed_artists: 2,
        quirks: false,
        discographies: 1,
        releases_per_artist: 12,
        ..LibrarySpec::default()
    }
}

#[tokio::test]
async fn a_txt_list_is_previewed_line_by_line_then_imported_as_a_playlist() {
    let h = Harness::new(spec()).await;
    h.sync().await;
    let spotify = h.spotify();
    let catalogue = h.spotify().catalogue();
    let (artist_id, artist) = spotify.discography_artists().remove(0);
    // A song of the discography artist, on Spotify once.
    let tracks = spotify.artist_tracks(&artist_id);
    let one = catalogue
        .as_array()
        .expect("tracks")
        .iter()
        .find(|t| {
            t["artists"][0] == artist.as_str()
                && catalogue
                    .as_array()
                    .expect("tracks")
                    .iter()
                    .filter(|u| u["title"] == t["title"])
                    .count()
                    == 1
        })
        .expect("a song on one release")
        .clone();
    let title = one["title"].as_str().expect("title").to_string();
    // A second, different recording of another song by a new single: ambiguous.
    let other = catalogue
        .as_array()
        .expect("tracks")
        .iter()
        .find(|t| t["artists"][0] == artist.as_str() && t["title"] != title.as_str())
        .expect("another song")["title"]
        .as_str()
        .expect("title")
        .to_string();
    spotify
        .new_release_titled(&artist_id, "single", 1, std::slice::from_ref(&other))
        .expect("released");
    let track_link = format!("https://open.spotify.com/track/{}?si=x", tracks[0].0);
    let album_link = format!("spotify:album:{}", tracks[0].2);
    let text = format!(
        "\u{feff}# my list\r\n\
         1. {artist} - {title}\r\n\
         \r\n\
         {title} - {artist}\r\n\
         {artist} - {other}\r\n\
         Nobody Famous - A Song Nobody Wrote\r\n\
         just some words\r\n\
         https://example.com/song.mp3\r\n\
         {track_link}\r\n\
         {album_link}\r\n"
    );
    let importer = Importer::new(h.syncer.clone());
    let tracks_before = h.scalar("SELECT COUNT(*) FROM tracks").await;
    let playlists_before = h.scalar("SELECT COUNT(*) FROM playlists").await;
    let preview = importer
        .preview("Road trip", "road-trip.txt", &text)
        .await
        .expect("previewed");
    let status: Vec<(usize, &str)> = preview
        .lines
        .iter()
        .map(|l| (l.line, l.status.as_str()))
        .collect();
    assert_eq!(
        status,
        vec![
            (2, "matched"),
            (4, "matched"),
            (5, "ambiguous"),
            (6, "by_name"),
            (7, "refused"),
            (8, "refused"),
            (9, "matched"),
            (10, "matched"),
        ],
        "{:#?}",
        preview.lines
    );
    let line = |n: usize| preview.lines.iter().find(|l| l.line == n).expect("line");
    assert!(line(2).detail.starts_with(&title), "{}", line(2).detail);
    assert!(line(4).detail.contains("read as Title - Artist"));
    assert!(
        line(5).detail.starts_with("2 Spotify songs match"),
        "{}",
        line(5).detail
    );
    assert!(line(6).detail.contains("not on Spotify"));
    assert!(line(7).detail.contains("no \" - \""));
    assert!(line(8).detail.contains("example.com"));
    assert_eq!(line(2).text, format!("1. {artist} - {title}"));
    let album_songs = line(10).songs;
    assert!(album_songs > 1, "{:?}", line(10));
    assert_eq!(preview.songs, 5 + album_songs);
    assert_eq!(
        (
            preview.matched,
            preview.ambiguous,
            preview.by_name,
            preview.refused
        ),
        (4, 1, 1, 2)
    );
    assert_eq!(
        (
            h.scalar("SELECT COUNT(*) FROM tracks").await,
            h.scalar("SELECT COUNT(*) FROM playlists").await
        ),
        (tracks_before, playlists_before),
        "a preview writes nothing"
    );

    let (playlist, queued) = importer
        .confirm(OWNER, &preview.token, Some("Road trip 2026"), true)
        .await
        .expect("imported");
    let rows: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT t.spotify_id, t.title FROM playlist_items i JOIN tracks t ON t.id = i.track_id
         WHERE i.playlist_id = ? AND i.removed_at IS NULL ORDER BY i.position",
    )
    .bind(playlist)
    .fetch_all(h.vault.pool())
    .await
    .expect("items");
    assert_eq!(rows.len(), preview.songs);
    assert_eq!(rows[0].1, title);
    assert_eq!(rows[1].1, title, "the reversed line is the same song");
    assert_eq!(
        rows[3],
        (None, "A Song Nobody Wrote".to_string()),
        "kept by name"
    );
    assert_eq!(rows[4].0.as_deref(), Some(tracks[0].0.as_str()));
    let (name, user, source, spotify): (String, i64, String, Option<String>) =
        sqlx::query_as("SELECT name, user_id, source, spotify_id FROM playlists WHERE id = ?")
            .bind(playlist)
            .fetch_one(h.vault.pool())
            .await
            .expect("playlist");
    assert_eq!(
        (name.as_str(), user, source.as_str(), spotify),
        ("Road trip 2026", OWNER, "road-trip.txt", None)
    );
    // Every distinct song is queued once.
    let distinct = h
        .scalar(&format!(
            "SELECT COUNT(DISTINCT track_id) FROM playlist_items WHERE playlist_id = {playlist}"
        ))
        .await;
    assert_eq!(queued as i64, distinct);

    // A preview is used once.
    let again = importer.confirm(OWNER, &preview.token, None, false).await;
    assert!(matches!(again, Err(ImportError::PreviewGone)), "{again:?}");
    // A sync leaves the listener's own playlist alone.
    h.sync().await;
    assert_eq!(
        h.scalar(&format!(
            "SELECT COUNT(*) FROM playlists WHERE id = {playlist} AND removed_at IS NULL"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn pasted_playlists_the_app_may_not_read_are_refused_with_the_reason() {
    // Enough playlists for some to be someone else's.
    let h = Harness::new(LibrarySpec {
        playlists: 8,
        ..spec()
    })
    .await;
    let spotify = h.spotify();
    let unowned = spotify.unowned_playlist_ids();
    let Some(unowned) = unowned.first() else {
        panic!("the mock has a playlist the user does not own");
    };
    spotify.set_faults(Faults {
        forbid_unowned_items: true,
        ..Faults::default()
    });
    let importer = Importer::new(h.syncer.clone());
    let preview = importer
        .preview(
            "Theirs",
            "pasted",
            &format!("https://open.spotify.com/playlist/{unowned}"),
        )
        .await
        .expect("previewed");
    assert_eq!(preview.lines[0].status, "refused");
    assert!(
        preview.lines[0].detail.contains("own or collaborate"),
        "{:?}",
        preview.lines[0]
    );
    let own = spotify.playlist_ids()[0].clone();
    let preview = importer
        .preview(
            "Mine",
            "pasted",
            &format!("https://open.spotify.com/playlist/{own}"),
        )
        .await
        .expect("previewed");
    assert_eq!(preview.lines[0].status, "matched");
    assert_eq!(
        preview.songs,
        spotify.playlist_item_ids(&own).iter().flatten().count()
    );
}

#[tokio::test]
async fn lists_over_the_limits_are_refused_with_the_limit_named() {
    let h = Harness::new(spec()).await;
    let importer = Importer::new(h.syncer.clone());
    let big = "A - B\n".repeat(200_000);
    let err = importer
        .preview("Big", "big.txt", &big)
        .await
        .expect_err("too big");
    assert!(err.to_string().contains("up to 1000 KB"), "{err}");
    let long = "A - B\n".repeat(MAX_LINES + 1);
    let err = importer
        .preview("Long", "long.txt", &long)
        .await
        .expect_err("too long");
    assert!(err.to_string().contains("up to 5000 lines"), "{err}");
    let err = importer
        .preview("Empty", "empty.txt", "\u{feff}\r\n# nothing\r\n\r\n")
        .await
        .expect_err("empty");
    assert!(matches!(err, ImportError::Empty), "{err}");
    let calls = h.spotify().calls();
    assert!(calls < 10, "refused lists ask Spotify nothing: {calls}");
}

#[tokio::test]
async fn youtube_and_soundcloud_playlists_are_read_with_yt_dlp_and_matched_song_by_song() {
    let h = Harness::new(spec()).await;
    h.sync().await;
    let catalogue = h.spotify().catalogue();
    let songs = catalogue.as_array().expect("tracks");
    let once =
        |t: &&serde_json::Value| songs.iter().filter(|u| u["title"] == t["title"]).count() == 1;
    let mut unique = songs.iter().filter(once);
    let (a, b) = (
        unique.next().expect("a song"),
        unique.next().expect("another"),
    );
    let (a_title, a_artist) = (
        a["title"].as_str().expect("t"),
        a["artists"][0].as_str().expect("a"),
    );
    let (b_title, b_artist) = (
        b["title"].as_str().expect("t"),
        b["artists"][0].as_str().expect("a"),
    );
    // What `yt-dlp --flat-playlist --dump-single-json` prints for a YouTube
    // Music playlist: entries with the keys YoutubeTabIE gives.
    let entry = |id: &str, title: &str, channel: Option<&str>| {
        serde_json::json!({
            "_type": "url", "ie_key": "Youtube", "id": id,
            "url": format!("https://www.youtube.com/watch?v={id}"),
            "title": title, "description": null, "duration": 200,
            "channel_id": null, "channel": channel, "channel_url": null,
            "uploader": channel, "uploader_id": null, "uploader_url": null,
            "thumbnails": [], "timestamp": null, "release_timestamp": null,
            "availability": null, "view_count": 10, "live_status": null,
        })
    };
    let playlist = serde_json::json!({
        "_type": "playlist", "id": "PLroad", "title": "Road trip", "extractor": "youtube:tab",
        "webpage_url": "https://www.youtube.com/playlist?list=PLroad",
        "entries": [
            entry("v1", a_title, Some(&format!("{a_artist} - Topic"))),
            entry("v2", &format!("{b_artist} - {b_title} (Official Video)"), Some("Some Label")),
            entry("v3", "[Private video]", None),
            entry("v4", "Nobody Famous - A Song Nobody Wrote", Some("Nobody Famous")),
        ],
    });
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = asked.clone();
    let lister: hoard_sync::import::Lister = std::sync::Arc::new(move |url: String, flat: bool| {
        seen.lock().expect("asked").push((url.clone(), flat));
        let playlist = playlist.clone();
        Box::pin(async move {
            if url.contains("soundcloud") {
                Err("yt-dlp: no network: the host name does not resolve".to_string())
            } else {
                Ok(playlist)
            }
        })
    });
    let importer = Importer::new(h.syncer.clone()).with_lister(lister);
    let text = "https://music.youtube.com/playlist?list=PLroad\n\
                https://soundcloud.com/someone/sets/night-drive\n";
    let preview = importer
        .preview("Road trip", "pasted", text)
        .await
        .expect("previewed");
    let status: Vec<(usize, &str)> = preview
        .lines
        .iter()
        .map(|l| (l.line, l.status.as_str()))
        .collect();
    assert_eq!(
        status,
        vec![
            (1, "matched"),
            (1, "matched"),
            (1, "refused"),
            (1, "by_name"),
            (2, "refused")
        ],
        "{:#?}",
        preview.lines
    );
    assert!(preview.lines[0].text.starts_with("Road trip #1: "));
    assert!(preview.lines[0].detail.starts_with(a_title));
    assert!(preview.lines[1].detail.starts_with(b_title));
    assert!(
        preview.lines[4].detail.contains("no network"),
        "{:?}",
        preview.lines[4]
    );
    assert_eq!(
        *asked.lock().expect("asked"),
        vec![
            (
                "https://music.youtube.com/playlist?list=PLroad".to_string(),
                true
            ),
            (
                "https://soundcloud.com/someone/sets/night-drive".to_string(),
                false
            )
        ],
        "YouTube is read flat, SoundCloud opened"
    );
    let (playlist, _) = importer
        .confirm(OWNER, &preview.token, None, false)
        .await
        .expect("imported");
    assert_eq!(
        h.scalar(&format!(
            "SELECT COUNT(*) FROM playlist_items WHERE playlist_id = {playlist}"
        ))
        .await,
        3
    );
}
