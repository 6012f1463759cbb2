//! The sync benchmark: a first sync and a no-change sync of 10,000 liked
//! songs and 200 playlists of 100 items, against the local Spotify API
//! (run as its own process, so the memory figure is Hoard's alone) with
//! 20 ms of latency per request. Run it with `scripts/bench-sync`, which
//! builds both in release mode; the last line is the `BENCH sync:` line.
//!
//! Environment: `MOCK_BIN` (the spotify-mock binary), `BENCH_LIKED`,
//! `BENCH_PLAYLISTS`, `BENCH_PLAYLIST_LEN`, `BENCH_LATENCY_MS`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hoard_sync::{Endpoints, RetryPolicy, SecretBox, SyncMode, SyncOptions, Syncer};
use vault::Vault;

mod common;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock_bin = env_or("MOCK_BIN", "target/release/spotify-mock");
    let liked = env_or("BENCH_LIKED", "10000");
    let playlists = env_or("BENCH_PLAYLISTS", "200");
    let playlist_len = env_or("BENCH_PLAYLIST_LEN", "100");
    let latency = env_or("BENCH_LATENCY_MS", "20");
    let mut mock = Command::new(&mock_bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--liked",
            &liked,
            "--playlists",
            &playlists,
        ])
        .args(["--playlist-len", &playlist_len, "--latency-ms", &latency])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {mock_bin}: {e}"))?;
    let mut line = String::new();
    BufReader::new(mock.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .ok_or("no URL from spotify-mock")?
        .to_owned();
    let result = run(&url).await;
    let _ = mock.kill();
    let _ = mock.wait();
    let line = result?;
    println!("{line}");
    Ok(())
}

async fn run(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let vault = Vault::open(&dir.path().join("hoard.db")).await?;
    let endpoints = Endpoints::local(url);
    let syncer = Syncer::new(
        vault.clone(),
        SecretBox::from_key_file(&dir.path().join("secret.key"))?,
        SyncOptions {
            endpoints: endpoints.clone(),
            redirect_uri: common::REDIRECT.into(),
            full_pass_every: Duration::from_secs(24 * 3600),
            policy: RetryPolicy::default(),
            lock_file: None,
        },
    );
    common::connect(&syncer, &endpoints).await?;

    let started = Instant::now();
    let full = syncer.run("bench", SyncMode::Incremental).await?;
    let full_s = started.elapsed().as_secs_f64();
    eprintln!("first sync: {}", full.summary());
    let started = Instant::now();
    let noop = syncer.run("bench", SyncMode::Incremental).await?;
    let noop_s = started.elapsed().as_secs_f64();
    eprintln!("no-change sync: {}", noop.summary());

    let (tracks,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tracks")
        .fetch_one(vault.pool())
        .await?;
    let (playlists,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM playlists")
        .fetch_one(vault.pool())
        .await?;
    vault.close().await;
    Ok(format!(
        "BENCH sync: tracks={tracks} playlists={playlists} full_calls={} full_s={full_s:.2} noop_calls={} noop_s={noop_s:.2} peak_rss_mb={:.0}",
        full.api_calls,
        noop.api_calls,
        common::peak_rss_mb()
    ))
}
