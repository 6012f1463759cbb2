//! The YouTube Music source against the loopback YouTube Music, through the
//! real ytmusicapi in Hoard's worker: the order of its searches, where it
//! stops, and what happens when the worker or the service fails.

use std::time::Duration;

use hoard_acquire::matcher::{choose, Kind, MatchOptions, Verdict, Wanted};
use hoard_acquire::queue::kill_processes_naming;
use hoard_acquire::source::Source;
use hoard_acquire::testkit::{AudioServer, Offer};
use hoard_acquire::ytdlp::YtDlp;
use hoard_acquire::ytmusic::{YtMusic, YtMusicSettings};

fn source(url: &str) -> YtMusic {
    YtMusic::new(
        YtMusicSettings {
            url: url.into(),
            timeout: Duration::from_secs(30),
            ..YtMusicSettings::default()
        },
        YtDlp::default(),
    )
}

fn wanted(isrc: Option<&str>) -> Wanted {
    Wanted {
        title: "Harbour Lights".into(),
        artists: vec!["Copperline".into()],
        album: Some("Harbour Lights".into()),
        duration_ms: 200_000,
        isrc: isrc.map(Into::into),
        explicit: Some(false),
    }
}

fn offer<'a>(title: &'a str, artists: &'a [&'a str], seconds: f64, kind: &'a str) -> Offer<'a> {
    Offer {
        title,
        artists,
        album: (kind == "ATV").then_some("Harbour Lights"),
        seconds,
        kind,
        explicit: false,
        path: "/files/none.mp3",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confident_song_ends_the_search_and_the_isrc_goes_first_with_its_space() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = AudioServer::start(dir.path()).await;
    server.add_song("Harbour Lights", "Copperline", 200.0, "/files/song.mp3");
    let yt = source(&server.url());
    let found = yt
        .search(&wanted(Some("GBAYE0601498")))
        .await
        .expect("search");
    let searches = server.searches();
    // No case answers the ISRC here, so the songs search follows and ends it.
    assert_eq!(searches.len(), 2, "{searches:?}");
    assert_eq!(searches[0].query, "GB AYE0601498");
    assert_eq!(searches[0].filter, "songs");
    assert_eq!(searches[1].query, "Copperline Harbour Lights");
    assert_eq!(searches[1].filter, "songs");
    assert_eq!(found.len(), 1);
    let c = &found[0];
    assert_eq!(c.kind, Kind::Song);
    assert_eq!(c.artists, ["Copperline"]);
    assert_eq!(c.album.as_deref(), Some("Harbour Lights"));
    assert_eq!(c.duration_ms, Some(200_000));
    assert_eq!(c.explicit, Some(false));
    assert!(
        c.url.starts_with(&format!("{}/watch?v=", server.url())),
        "{}",
        c.url
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_confident_song_it_searches_videos_then_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = AudioServer::start(dir.path()).await;
    let artists = ["Copperline"];
    // Only a live song and a lyric video of the right length.
    server.offer(
        "Harbour Lights",
        &artists,
        offer("Harbour Lights (Live)", &artists, 231.0, "ATV"),
    );
    server.offer(
        "Harbour Lights",
        &artists,
        offer(
            "Copperline - Harbour Lights (Lyrics)",
            &["Lyric Vault"],
            201.0,
            "UGC",
        ),
    );
    let yt = source(&server.url());
    let w = wanted(None);
    let found = yt.search(&w).await.expect("search");
    let filters: Vec<String> = server.searches().into_iter().map(|s| s.filter).collect();
    assert_eq!(filters, ["songs", "videos", "all"]);
    let (scored, verdict) = choose(&w, &found, &MatchOptions::default());
    let Verdict::Match { index, .. } = verdict else {
        panic!("the lyric video of the right length is it: {scored:?}");
    };
    assert_eq!(
        scored[index].candidate.title,
        "Copperline - Harbour Lights (Lyrics)"
    );
    assert_eq!(scored[index].candidate.kind, Kind::Upload);
    let live = scored
        .iter()
        .find(|s| s.candidate.title.contains("Live"))
        .expect("live");
    assert!(
        live.reasons.iter().any(|r| r.contains("live version")),
        "{:?}",
        live.reasons
    );
    // The unfiltered search repeats what the filtered ones found: kept once.
    let mut urls: Vec<&str> = found.iter().map(|c| c.url.as_str()).collect();
    urls.dedup();
    assert_eq!(urls.len(), found.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_worker_is_started_again_and_failures_say_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = AudioServer::start(dir.path()).await;
    server.add_song("Harbour Lights", "Copperline", 200.0, "/files/song.mp3");
    let yt = source(&server.url());
    assert_eq!(yt.search(&wanted(None)).await.expect("search").len(), 1);
    // Kill this test's worker (its command line names this server).
    assert!(
        !kill_processes_naming(server.url().as_bytes()).is_empty(),
        "the worker was found and killed"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The next search starts a new one.
    let again = yt.search(&wanted(None)).await;
    let again = match again {
        Ok(found) => found,
        // The first query may meet the dying worker; the one after must not.
        Err(_) => yt.search(&wanted(None)).await.expect("a new worker"),
    };
    assert_eq!(again.len(), 1);

    // Nothing listening: a transient failure, worth a retry.
    let refused = source("http://127.0.0.1:9")
        .search(&wanted(None))
        .await
        .expect_err("refused");
    assert!(refused.is_transient(), "{refused}");
    assert!(refused.to_string().contains("YouTube Music"), "{refused}");

    // A Python without ytmusicapi: a permanent failure naming the fix.
    let bare = YtMusic::new(
        YtMusicSettings {
            python: vec!["python3".into(), "-S".into(), "-I".into()],
            url: server.url(),
            ..YtMusicSettings::default()
        },
        YtDlp::default(),
    );
    let missing = bare.search(&wanted(None)).await.expect_err("no ytmusicapi");
    assert!(!missing.is_transient(), "{missing}");
    assert!(missing.to_string().contains("scripts/setup"), "{missing}");
}
