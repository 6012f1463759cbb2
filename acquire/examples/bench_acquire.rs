//! `BENCH acquire`: 200 tracks through the whole pipeline (search with the
//! real ytmusicapi client in Hoard's long-lived worker, download with real
//! yt-dlp, validate, tag with a cover, move into the library) from a
//! loopback YouTube Music at concurrency 4, on a real SQLite file.
//!
//! Overhead is Hoard's own time per track: the job's wall time minus the
//! time inside the source's search and transfer (the yt-dlp processes).
//!
//! Run with `scripts/bench-acquire` (release build).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hoard_acquire::matcher::MatchOptions;
use hoard_acquire::testkit::{add_liked_track, generate, generate_cover, AudioServer, TestTrack};
use hoard_acquire::validate::Tolerance;
use hoard_acquire::ytdlp::YtDlp;
use hoard_acquire::ytmusic::{YtMusic, YtMusicSettings};
use hoard_acquire::{Acquirer, QueueSettings, Source};
use vault::{QueueScope, Vault};

const TRACKS: usize = 200;
const CONCURRENCY: usize = 4;
const ADJECTIVES: [&str; 20] = [
    "Amber", "Brave", "Crimson", "Distant", "Electric", "Fading", "Golden", "Hollow", "Iron",
    "Jagged", "Kind", "Lunar", "Midnight", "Neon", "Open", "Paper", "Quiet", "Restless", "Silver",
    "Tender",
];
const NOUNS: [&str; 10] = [
    "Harbor", "Engine", "Garden", "River", "Signal", "Window", "Summer", "Mirror", "Highway",
    "Letter",
];
const ARTISTS: [&str; 10] = [
    "Northbound",
    "Velvet Static",
    "Copperline",
    "Marigold",
    "Tidewater",
    "Paperhouse",
    "Starling",
    "Ironwood",
    "Bluefield",
    "Saltmarsh",
];

/// CPU seconds the whole machine has spent busy (from /proc/stat, at the
/// kernel's 100 ticks per second): the bench runs alone, so the difference
/// over a run is what Hoard, yt-dlp, ffmpeg and ytmusicapi cost.
fn machine_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: u64 = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 3 | 4))
        .take(8)
        .map(|(_, t)| t)
        .sum();
    busy as f64 / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_millis()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = dir.path().join("fixtures");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&fixtures).expect("fixtures");
    std::fs::create_dir_all(&data).expect("data");
    generate_cover(&fixtures);
    // Ten real 30 s recordings in three formats, shared by the uploads.
    let formats = ["mp3", "m4a", "opus"];
    for i in 0..10 {
        generate(
            &fixtures,
            &format!("tone{i}"),
            30.0,
            formats[i % formats.len()],
        );
    }
    let server = AudioServer::start(&fixtures).await;
    let vault = Vault::open(&data.join("hoard.db")).await.expect("vault");
    for n in 0..TRACKS {
        let title = format!("{} {}", ADJECTIVES[n % 20], NOUNS[n / 20 % 10]);
        let artist = ARTISTS[n % ARTISTS.len()];
        let file = format!("tone{}.{}", n % 10, formats[(n % 10) % formats.len()]);
        server.add_song(&title, artist, 30.0, &format!("/files/{file}"));
        add_liked_track(
            &vault,
            &TestTrack {
                n: n as i64 + 1,
                title: &title,
                artists: &[artist],
                album: &format!("{artist} Sessions"),
                seconds: 30.0,
                isrc: None,
                cover_url: Some(format!("{}/files/cover.jpg", server.url())),
            },
        )
        .await;
    }
    vault
        .queue_downloads(QueueScope::Liked)
        .await
        .expect("queue");

    let ytdlp = YtDlp {
        timeout: Duration::from_secs(120),
        ..YtDlp::default()
    };
    let ytmusic: Arc<dyn Source> = Arc::new(YtMusic::new(
        YtMusicSettings {
            url: server.url(),
            ..YtMusicSettings::default()
        },
        ytdlp.clone(),
    ));
    let ytdlp: Arc<dyn Source> = Arc::new(ytdlp);
    let acquirer = Arc::new(Acquirer::new(
        vault.clone(),
        QueueSettings {
            data_dir: data.clone(),
            concurrency: CONCURRENCY,
            max_attempts: 1,
            retry_after: Duration::ZERO,
            tolerance: Tolerance::default(),
            matching: MatchOptions::default(),
        },
        vec![ytmusic],
        Some(ytdlp),
    ));
    let started = Instant::now();
    let cpu_before = machine_cpu_s();
    let workers = acquirer.start().await.expect("start");
    let counts = loop {
        let counts = vault.download_counts().await.expect("counts");
        if counts.queued == 0 && counts.working == 0 {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let wall = started.elapsed();
    let cpu = machine_cpu_s() - cpu_before;
    for worker in workers {
        worker.abort();
    }
    let mut overheads = acquirer.overheads();
    overheads.sort();
    if counts.failed > 0 {
        let failed = vault
            .downloads(Some("failed"), 0, 5)
            .await
            .expect("failed jobs");
        for job in failed.items {
            eprintln!("failed: {} ({:?})", job.track.title, job.reason);
            if let Some(candidates) = &job.candidates {
                eprintln!("  candidates: {candidates}");
            }
        }
    }
    println!(
        "BENCH acquire: tracks={TRACKS} ok={} failed={} wall_s={:.1} cpu_s_per_track={:.2} overhead_ms_p50={} overhead_ms_p99={}",
        counts.downloaded,
        counts.failed,
        wall.as_secs_f64(),
        cpu / TRACKS as f64,
        percentile(&overheads, 0.5),
        percentile(&overheads, 0.99),
    );
}
