//! The whole acquisition pipeline with real yt-dlp, real ffmpeg-made audio
//! served over loopback HTTP, real SQLite and real files on disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hoard_acquire::folder::LocalFolder;
use hoard_acquire::matcher::MatchOptions;
use hoard_acquire::tag::{read_tags, write_tags, TrackTags};
use hoard_acquire::testkit::Offer;
use hoard_acquire::testkit::{
    add_liked_track, files_under, generate, generate_cover, AudioServer, TestTrack,
};
use hoard_acquire::validate::Tolerance;
use hoard_acquire::ytdlp::YtDlp;
use hoard_acquire::ytmusic::{YtMusic, YtMusicSettings};
use hoard_acquire::{Acquirer, QueueSettings, Source};
use vault::model::{DownloadJob, Id};
use vault::{QueueScope, Vault};

struct Rig {
    _dir: tempfile::TempDir,
    fixtures: PathBuf,
    data: PathBuf,
    server: AudioServer,
    vault: Vault,
}

impl Rig {
    async fn new() -> Self {
        Self::with_rate(64 * 1024).await
    }

    async fn with_rate(bytes_per_second: usize) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let fixtures = dir.path().join("fixtures");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&fixtures).expect("fixtures dir");
        std::fs::create_dir_all(&data).expect("data dir");
        generate_cover(&fixtures);
        let server = AudioServer::start_with_rate(&fixtures, bytes_per_second).await;
        let vault = Vault::open(&data.join("hoard.db")).await.expect("vault");
        Self {
            _dir: dir,
            fixtures,
            data,
            server,
            vault,
        }
    }

    /// yt-dlp, which downloads (and fetches URLs the user pastes).
    fn ytdlp(&self) -> Arc<dyn Source> {
        Arc::new(YtDlp {
            timeout: Duration::from_secs(60),
            ..YtDlp::default()
        })
    }

    /// The loopback YouTube Music, searched with ytmusicapi.
    fn ytmusic(&self) -> Arc<dyn Source> {
        Arc::new(YtMusic::new(
            YtMusicSettings {
                url: self.server.url(),
                ..YtMusicSettings::default()
            },
            YtDlp {
                timeout: Duration::from_secs(60),
                ..YtDlp::default()
            },
        ))
    }

    fn settings(&self) -> QueueSettings {
        QueueSettings {
            data_dir: self.data.clone(),
            concurrency: 2,
            max_attempts: 2,
            retry_after: Duration::ZERO,
            tolerance: Tolerance::default(),
            matching: MatchOptions::default(),
        }
    }

    async fn start(&self, sources: Vec<Arc<dyn Source>>) -> Arc<Acquirer> {
        let url_source = Some(self.ytdlp());
        let acquirer = Arc::new(Acquirer::new(
            self.vault.clone(),
            self.settings(),
            sources,
            url_source,
        ));
        acquirer.start().await.expect("start the queue");
        acquirer
    }

    /// Queues the liked songs and starts the queue with YouTube Music as the source.
    async fn run_liked(&self) -> Arc<Acquirer> {
        self.vault
            .queue_downloads(QueueScope::Liked)
            .await
            .expect("queue");
        self.start(vec![self.ytmusic()]).await
    }

    /// Waits until the job has finished, one way or another.
    async fn finished(&self, track_id: Id) -> DownloadJob {
        self.wait_for(track_id, &["downloaded", "failed", "skipped"])
            .await
    }

    fn cover_url(&self) -> Option<String> {
        Some(format!("{}/files/cover.jpg", self.server.url()))
    }

    async fn track(&self, n: i64, title: &str, artist: &str, seconds: f64) -> Id {
        add_liked_track(
            &self.vault,
            &TestTrack {
                n,
                title,
                artists: &[artist],
                album: "Fixtures",
                seconds,
                isrc: None,
                cover_url: self.cover_url(),
            },
        )
        .await
    }

    async fn job(&self, track_id: Id) -> DownloadJob {
        let page = self.vault.downloads(None, 0, 200).await.expect("jobs");
        page.items
            .into_iter()
            .find(|j| j.track.id == track_id)
            .expect("the track has a job")
    }

    /// Waits until the job is in one of `states`.
    async fn wait_for(&self, track_id: Id, states: &[&str]) -> DownloadJob {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let job = self.job(track_id).await;
            if states.contains(&job.state.as_str()) {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {track_id} still {} ({:?}), waiting for {states:?}",
                job.state,
                job.reason
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn library(&self) -> PathBuf {
        self.data.join("library")
    }
}

/// The file a track has, from the vault.
async fn file_path(vault: &Vault, track_id: Id) -> Option<PathBuf> {
    vault
        .track_file(track_id)
        .await
        .expect("track_file")
        .map(|(path, _)| PathBuf::from(path))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_is_downloaded_tagged_and_filed_without_re_encoding() {
    let rig = Rig::new().await;
    let formats = [
        ("mp3", "mp3"),
        ("m4a", "m4a"),
        ("webm", "opus"),
        ("flac", "flac"),
    ];
    let mut tracks = Vec::new();
    for (i, (format, _)) in formats.iter().enumerate() {
        let n = i as i64 + 1;
        let title = format!("Song Number {n} {format}");
        generate(&rig.fixtures, &format!("good{n}"), 12.0, format);
        // A live decoy listed first, and the song, which must win.
        generate(&rig.fixtures, &format!("live{n}"), 14.0, "mp3");
        rig.server.offer(
            &title,
            &["Fixture Band"],
            Offer {
                title: &format!("{title} (Live at the Fixture Hall)"),
                artists: &["Fixture Band"],
                album: Some("Live at the Fixture Hall"),
                seconds: 14.0,
                kind: "ATV",
                explicit: false,
                path: &format!("/files/live{n}.mp3"),
            },
        );
        rig.server.add_song(
            &title,
            "Fixture Band",
            12.0,
            &format!("/files/good{n}.{format}"),
        );
        tracks.push((rig.track(n, &title, "Fixture Band", 12.0).await, title));
    }
    assert_eq!(
        rig.vault
            .queue_downloads(QueueScope::Liked)
            .await
            .expect("queue"),
        4
    );
    let acquirer = rig.start(vec![rig.ytmusic()]).await;
    let mut events = acquirer.subscribe();

    for ((track_id, title), (_, extension)) in tracks.iter().zip(formats) {
        let job = rig.finished(*track_id).await;
        assert_eq!(job.state, "downloaded", "{title}: {:?}", job.reason);
        assert_eq!(job.source.as_deref(), Some("youtube-music"));
        assert!(
            job.chosen.as_deref().is_some_and(|c| c.contains("score")),
            "the reason for the choice is kept: {:?}",
            job.chosen
        );
        let relative = file_path(&rig.vault, *track_id).await.expect("a file");
        let n = tracks
            .iter()
            .position(|(id, _)| id == track_id)
            .expect("known")
            + 1;
        assert_eq!(
            relative,
            PathBuf::from(format!(
                "Fixture Band/Fixtures (2001)/1-{n:02} {title}.{extension}"
            )),
            "the library layout"
        );
        let file = rig.library().join(&relative);
        let tags = read_tags(&file).expect("the file has tags");
        assert_eq!(tags.title.as_deref(), Some(title.as_str()));
        assert_eq!(tags.artists, vec!["Fixture Band".to_string()]);
        assert_eq!(tags.album.as_deref(), Some("Fixtures"));
        assert_eq!(tags.track_number, Some(n as u32));
        assert_eq!(tags.track_total, Some(12));
        assert_eq!(
            tags.spotify_id.as_deref(),
            Some(format!("{:0>22}", format!("tr{n}")).as_str())
        );
        assert!(tags.has_cover, "{title}: the cover is embedded");
        // The 12 s upload, not the 14 s live decoy.
        let seconds = tags.duration_ms as f64 / 1000.0;
        assert!((seconds - 12.0).abs() < 0.5, "{title} lasts {seconds} s");
    }
    // Progress was pushed while jobs ran, and the cover was kept once per album.
    let mut saw_progress = false;
    while let Ok(event) = events.try_recv() {
        saw_progress |= event.state == "downloading" && event.progress.is_some();
    }
    assert!(saw_progress, "download progress was pushed");
    let covers = files_under(&rig.data.join("covers"));
    assert_eq!(covers.len(), 1, "one cover for the album: {covers:?}");
    assert!(
        files_under(&rig.data.join("tmp")).is_empty(),
        "no temporary file is left"
    );
    assert_eq!(files_under(&rig.library()).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_and_garbage_fail_with_a_reason_and_leave_nothing() {
    let rig = Rig::new().await;
    generate(&rig.fixtures, "cut", 12.0, "mp3");
    rig.server
        .add_song("Cut Short", "Cut Band", 12.0, "/drop/cut.mp3");
    rig.server
        .add_song("Pure Noise", "Noise Band", 12.0, "/garbage/noise.mp3");
    let cut = rig.track(1, "Cut Short", "Cut Band", 12.0).await;
    let noise = rig.track(2, "Pure Noise", "Noise Band", 12.0).await;
    let _acquirer = rig.run_liked().await;

    let job = rig.finished(cut).await;
    assert_eq!(job.state, "failed");
    let reason = job.reason.expect("a reason");
    assert!(
        reason.contains("yt-dlp") && reason.contains("more expected"),
        "the reason says what failed: {reason}"
    );
    assert_eq!(job.attempts, 2, "a dropped connection is retried");

    let job = rig.finished(noise).await;
    assert_eq!(job.state, "failed");
    let reason = job.reason.expect("a reason");
    assert!(
        reason.contains("validation") && reason.contains("not an audio file"),
        "garbage is refused with a reason: {reason}"
    );
    assert_eq!(
        files_under(&rig.data.join("quarantine")).len(),
        1,
        "garbage is quarantined"
    );

    assert!(
        files_under(&rig.library()).is_empty(),
        "nothing entered the library"
    );
    assert!(
        files_under(&rig.data.join("tmp")).is_empty(),
        "no partial file is left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_shorter_than_its_listing_is_quarantined_with_the_reason() {
    let rig = Rig::new().await;
    // The listing says 30 s, as Spotify does; the file holds 8 s.
    generate(&rig.fixtures, "short", 8.0, "mp3");
    rig.server
        .add_song("Short Changed", "Short Band", 30.0, "/files/short.mp3");
    let track = rig.track(1, "Short Changed", "Short Band", 30.0).await;
    let _acquirer = rig.run_liked().await;

    let job = rig.finished(track).await;
    assert_eq!(job.state, "failed");
    let reason = job.reason.expect("a reason");
    assert!(reason.contains("validation"), "{reason}");
    assert!(
        reason.contains("0:08") && reason.contains("0:30"),
        "{reason}"
    );
    let kept = rig.vault.quarantined().await.expect("quarantine");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].track_id, Some(track));
    let quarantined = files_under(&rig.data.join("quarantine"));
    assert_eq!(quarantined.len(), 1, "the file is kept for the user to see");
    assert!(files_under(&rig.library()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_confident_match_keeps_the_candidates_until_the_user_picks_one() {
    let rig = Rig::new().await;
    generate(&rig.fixtures, "live", 125.0, "mp3");
    generate(&rig.fixtures, "karaoke", 125.0, "mp3");
    for (title, artists, kind, path) in [
        (
            "Yesterday (Live in Tokyo 1966)",
            ["The Beatles"],
            "UGC",
            "/files/live.mp3",
        ),
        (
            "Yesterday (Karaoke Version)",
            ["Sing King"],
            "ATV",
            "/files/karaoke.mp3",
        ),
    ] {
        rig.server.offer(
            "Yesterday",
            &["The Beatles"],
            Offer {
                title,
                artists: &artists,
                album: (kind == "ATV").then_some("Karaoke Hits"),
                seconds: 125.0,
                kind,
                explicit: false,
                path,
            },
        );
    }
    let track = rig.track(1, "Yesterday", "The Beatles", 125.0).await;
    let acquirer = rig.run_liked().await;

    let job = rig.finished(track).await;
    assert_eq!(
        job.state, "failed",
        "a low-confidence guess is never downloaded"
    );
    assert!(
        job.reason
            .as_deref()
            .is_some_and(|r| r.contains("no confident match")),
        "{:?}",
        job.reason
    );
    assert_eq!(job.attempts, 1, "no retry can change a match");
    let candidates: serde_json::Value =
        serde_json::from_str(job.candidates.as_deref().expect("candidates kept")).expect("JSON");
    let candidates = candidates.as_array().expect("a list");
    assert_eq!(candidates.len(), 2);
    assert!(candidates
        .iter()
        .all(|c| c["reasons"].as_array().is_some_and(|r| !r.is_empty())));

    // The user picks the karaoke version anyway.
    let pick = candidates
        .iter()
        .find(|c| {
            c["candidate"]["title"]
                .as_str()
                .is_some_and(|t| t.contains("Karaoke"))
        })
        .and_then(|c| c["candidate"]["url"].as_str())
        .expect("the karaoke candidate");
    rig.vault
        .set_download_url(track, pick)
        .await
        .expect("use the URL");
    acquirer.wake();
    let job = rig.finished(track).await;
    assert_eq!(job.state, "downloaded", "{:?}", job.reason);
    assert_eq!(job.source.as_deref(), Some("url"));
    assert!(files_under(&rig.library()).len() == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_url_overrides_matching_and_replaces_nothing_else() {
    let rig = Rig::new().await;
    generate(&rig.fixtures, "pasted", 20.0, "m4a");
    let track = rig
        .track(1, "Nowhere Online", "Obscure Artist", 200.0)
        .await;
    let acquirer = rig.run_liked().await;
    let job = rig.finished(track).await;
    assert_eq!(job.state, "failed");
    assert!(
        job.reason
            .as_deref()
            .is_some_and(|r| r.contains("nothing found")),
        "{:?}",
        job.reason
    );

    let url = format!("{}/files/pasted.m4a", rig.server.url());
    rig.vault
        .set_download_url(track, &url)
        .await
        .expect("set URL");
    acquirer.wake();
    let job = rig.finished(track).await;
    assert_eq!(job.state, "downloaded", "{:?}", job.reason);
    assert!(job.chosen.as_deref().is_some_and(|c| c.contains(&url)));
    let file = rig
        .library()
        .join(file_path(&rig.vault, track).await.expect("file"));
    assert_eq!(file.extension().and_then(|e| e.to_str()), Some("m4a"));
    let tags = read_tags(&file).expect("tags");
    assert_eq!(tags.title.as_deref(), Some("Nowhere Online"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_music_folder_with_good_and_broken_files_is_imported() {
    let rig = Rig::new().await;
    let folder = rig.fixtures.join("music");
    std::fs::create_dir_all(folder.join("sub")).expect("folder");
    // Tagged with an ISRC, with a misleading title: the ISRC decides.
    let isrc_file = generate(&folder.join("sub"), "track01", 15.0, "flac");
    write_tags(
        &isrc_file,
        &TrackTags {
            title: "Untitled 1".into(),
            artists: vec!["Someone".into()],
            isrc: Some("GBAYE0000001".into()),
            ..TrackTags::default()
        },
    )
    .expect("tag");
    // No tags at all, named "Artist - Title".
    generate(&folder, "Señorita Band - Café Con Leche", 18.0, "mp3");
    // Broken, and not audio.
    std::fs::write(folder.join("broken.mp3"), b"this is not an mp3 at all").expect("broken");
    std::fs::write(folder.join("notes.txt"), b"shopping list").expect("notes");
    let before = std::fs::read(&isrc_file).expect("read");

    let by_isrc = add_liked_track(
        &rig.vault,
        &TestTrack {
            n: 1,
            title: "The Real Title",
            artists: &["Real Artist"],
            album: "Real Album",
            seconds: 15.0,
            isrc: Some("GBAYE0000001"),
            cover_url: None,
        },
    )
    .await;
    let by_name = rig.track(2, "Cafe con leche", "Senorita Band", 18.0).await;
    let missing = rig.track(3, "Not In The Folder", "Nobody", 100.0).await;
    rig.vault
        .queue_downloads(QueueScope::Library)
        .await
        .expect("queue");
    let folder_source = Arc::new(LocalFolder::new(folder.clone()));
    let local: Arc<dyn Source> = folder_source.clone();
    let acquirer = rig.start(vec![local]).await;

    for track in [by_isrc, by_name] {
        let job = rig.finished(track).await;
        assert_eq!(job.state, "downloaded", "{:?}", job.reason);
        assert_eq!(job.source.as_deref(), Some("local"));
    }
    let job = rig.finished(missing).await;
    assert_eq!(job.state, "failed");

    let file = rig
        .library()
        .join(file_path(&rig.vault, by_isrc).await.expect("file"));
    let tags = read_tags(&file).expect("tags");
    assert_eq!(
        tags.title.as_deref(),
        Some("The Real Title"),
        "Spotify's metadata wins"
    );
    assert_eq!(tags.isrc.as_deref(), Some("GBAYE0000001"));
    assert_eq!(
        std::fs::read(&isrc_file).expect("read"),
        before,
        "the user's own file is copied, never changed"
    );
    assert!(folder.join("broken.mp3").exists());

    // The scan's findings, for the Downloads view: two songs, one broken file.
    let summary = folder_source.summary().await;
    assert!(summary.scanned);
    assert_eq!(summary.files, 2);
    assert_eq!(summary.problem_count, 1);
    assert!(summary.problems[0].0.ends_with("broken.mp3"), "{summary:?}");

    // A file added later is found after a rescan.
    generate(&folder, "Nobody - Not In The Folder", 100.0, "m4a");
    folder_source.rescan().await.expect("rescan");
    assert_eq!(folder_source.summary().await.files, 3);
    rig.vault.retry_download(missing).await.expect("retry");
    acquirer.wake();
    let job = rig.finished(missing).await;
    assert_eq!(job.state, "downloaded", "{:?}", job.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_running_download_and_pause_holds_the_queue() {
    // 20 KB/s: a 12 s MP3 (about 190 KB) takes about ten seconds.
    let rig = Rig::with_rate(20 * 1024).await;
    generate(&rig.fixtures, "slow", 12.0, "mp3");
    generate(&rig.fixtures, "fast", 12.0, "mp3");
    rig.server
        .add_song("Slow Song", "Slow Band", 12.0, "/slow/slow.mp3");
    rig.server
        .add_song("Fast Song", "Fast Band", 12.0, "/files/fast.mp3");
    let slow = rig.track(1, "Slow Song", "Slow Band", 12.0).await;
    rig.vault
        .queue_downloads(QueueScope::Track(slow))
        .await
        .expect("queue");
    let acquirer = rig.start(vec![rig.ytmusic()]).await;

    rig.wait_for(slow, &["downloading"]).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    acquirer.cancel(slow).await.expect("cancel");
    let job = rig.finished(slow).await;
    assert_eq!(job.state, "skipped");
    assert_eq!(job.reason.as_deref(), Some("cancelled by you"));
    assert!(
        files_under(&rig.data.join("tmp")).is_empty(),
        "the partial file is gone"
    );
    assert!(files_under(&rig.library()).is_empty());

    // Paused, a queued job waits; resumed, it runs.
    acquirer.set_paused(true).await.expect("pause");
    let fast = rig.track(2, "Fast Song", "Fast Band", 12.0).await;
    rig.vault
        .queue_downloads(QueueScope::Track(fast))
        .await
        .expect("queue");
    acquirer.wake();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        rig.job(fast).await.state,
        "queued",
        "a paused queue starts nothing"
    );
    acquirer.set_paused(false).await.expect("resume");
    let job = rig.finished(fast).await;
    assert_eq!(job.state, "downloaded", "{:?}", job.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_queue_on_the_same_data_folder_is_refused() {
    let rig = Rig::new().await;
    let _first = rig.start(vec![rig.ytmusic()]).await;
    let second = Arc::new(Acquirer::new(
        rig.vault.clone(),
        rig.settings(),
        vec![rig.ytmusic()],
        None,
    ));
    let refused = second.start().await.expect_err("the folder is taken");
    assert!(refused.contains("another Hoard"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_reaches_the_file_and_a_file_that_cannot_take_it_is_left_as_it_was() {
    let rig = Rig::new().await;
    generate(&rig.fixtures, "hunter", 12.0, "mp3");
    rig.server
        .add_song("Hunter", "Björk", 12.0, "/files/hunter.mp3");
    let track = rig.track(1, "Hunter", "Björk", 12.0).await;
    let acquirer = rig.run_liked().await;
    assert_eq!(rig.finished(track).await.state, "downloaded");
    let file = rig
        .library()
        .join(file_path(&rig.vault, track).await.expect("a file"));
    let had_cover = read_tags(&file).expect("tags").has_cover;

    // The listener's edit, written into the file and read back by ffprobe.
    let edit = vault::model::TrackEdit {
        title: Some("Hunter (Edit)".into()),
        artists: Some(vec!["Björk".into(), "Guest".into()]),
        track_number: Some(7),
        genre: Some("Art pop".into()),
        ..Default::default()
    };
    rig.vault
        .set_track_edit(vault::model::OWNER, track, &edit)
        .await
        .expect("edit");
    let album = rig
        .vault
        .track(track)
        .await
        .expect("track")
        .album_id
        .expect("album");
    let album_edit = vault::model::AlbumEdit {
        date: Some("1997-09-22".into()),
        name: Some("Homogenic".into()),
        ..Default::default()
    };
    rig.vault
        .set_album_edit(vault::model::OWNER, album, &album_edit)
        .await
        .expect("album edit");
    acquirer.retag(track).await.expect("retag");
    let tags = hoard_acquire::testkit::ffprobe_tags(&file);
    let tag = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(tag("title"), Some("Hunter (Edit)"), "{tags:?}");
    assert_eq!(tag("album"), Some("Homogenic"), "{tags:?}");
    assert_eq!(tag("genre"), Some("Art pop"), "{tags:?}");
    assert!(
        tag("artist").is_some_and(|a| a.contains("Guest")),
        "{tags:?}"
    );
    assert!(
        tag("date").is_some_and(|d| d.starts_with("1997")),
        "{tags:?}"
    );
    assert!(tag("track").is_some_and(|t| t.starts_with('7')), "{tags:?}");
    assert_eq!(
        read_tags(&file).expect("tags").has_cover,
        had_cover,
        "the cover is kept"
    );

    // A file that no longer decodes cannot take an edit: it stays byte for byte.
    let mut broken = std::fs::read(&file).expect("read");
    let half = broken.len() / 2;
    broken.truncate(half);
    std::fs::write(&file, &broken).expect("break the file");
    let edit = vault::model::TrackEdit {
        title: Some("Never written".into()),
        ..edit
    };
    rig.vault
        .set_track_edit(vault::model::OWNER, track, &edit)
        .await
        .expect("edit");
    let refused = acquirer.retag(track).await;
    assert!(refused.is_err(), "a broken file is not tagged");
    assert_eq!(
        std::fs::read(&file).expect("read"),
        broken,
        "left as it was"
    );
    let leftovers: Vec<_> = files_under(&rig.library())
        .into_iter()
        .filter(|p| p != &file)
        .collect();
    assert!(
        leftovers.is_empty(),
        "no copy is left behind: {leftovers:?}"
    );
}
