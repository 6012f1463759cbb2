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

use hoard_sync::{auth, Endpoints, RetryPolicy, SecretBox, SyncMode, SyncOptions, Syncer};
use vault::Vault;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
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
    let redirect = "http://127.0.0.1:9/spotify/callback";
    let syncer = Syncer::new(
        vault.clone(),
        SecretBox::from_key_file(&dir.path().join("secret.key"))?,
        SyncOptions {
            endpoints: endpoints.clone(),
            redirect_uri: redirect.into(),
            full_pass_every: Duration::from_secs(24 * 3600),
            policy: RetryPolicy::default(),
            lock_file: None,
        },
    );
    // Connect as a browser would (the local API approves at once).
    let client_id = "0123456789abcdef0123456789abcdef";
    let pending = auth::begin(&endpoints, client_id, redirect)?;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(&pending.authorize_url)
        .send()
        .await?;
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("no redirect from /authorize")?;
    let code = url::Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code")?;
    let refresh = auth::finish(&pending, &code).await?;
    syncer.store_connection(client_id, &refresh).await?;

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
        peak_rss_mb()
    ))
}
