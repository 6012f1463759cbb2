//! Benchmark of whole discographies and list imports: the local Spotify API
//! (in process) with `BENCH_ARTISTS` (20) artists of `BENCH_RELEASES` (30)
//! releases each and `BENCH_LATENCY_MS` (20) of latency per request. After
//! a sync brings the artists in, each discography is saved in turn (every
//! group), as a listener would from the artist pages; then a 1,000-line
//! `.txt` (700 songs Spotify has, 200 it has not, 50 track links, 50 lines
//! that are not songs) is previewed and imported. `scripts/bench-io` runs it
//! in release mode and reads its last line:
//! `discography_calls=N discography_s=S minimum_calls=N txt_lines_per_s=N`.

use std::time::{Duration, Instant};

use hoard_sync::{Discographies, Endpoints, RetryPolicy, SecretBox, SyncMode, SyncOptions, Syncer};
use spotify_mock::{Faults, LibrarySpec, MockServer};
use vault::model::OWNER;
use vault::Vault;

mod common;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let artists = env_or("BENCH_ARTISTS", 20);
    let releases = env_or("BENCH_RELEASES", 30);
    let latency = env_or("BENCH_LATENCY_MS", 20) as u64;
    let mock = MockServer::start(LibrarySpec {
        liked: 50,
        playlists: 0,
        playlist_len: 0,
        saved_albums: 0,
        followed_artists: 0,
        quirks: false,
        discographies: artists,
        releases_per_artist: releases,
        seed: 15,
    })
    .await?;
    let temp = tempfile::tempdir()?;
    let dir = temp.path();
    let vault = Vault::open(&dir.join("hoard.db")).await?;
    let endpoints = Endpoints::local(&mock.url());
    let syncer = std::sync::Arc::new(Syncer::new(
        vault.clone(),
        SecretBox::from_key_file(&dir.join("secret.key"))?,
        SyncOptions {
            endpoints: endpoints.clone(),
            redirect_uri: common::REDIRECT.into(),
            full_pass_every: Duration::from_secs(86_400),
            policy: RetryPolicy::default(),
            lock_file: None,
        },
    ));
    common::connect(&syncer, &endpoints).await?;
    syncer.run("bench", SyncMode::Full).await?;
    mock.handle().set_faults(Faults {
        latency_ms: latency,
        ..Faults::default()
    });

    let handle = mock.handle();
    let groups: Vec<String> = vault::model::ALBUM_GROUPS.map(String::from).to_vec();
    let discographies = Discographies::new(syncer.clone());
    let (mut calls, mut minimum, mut tracks, mut duplicates) = (0u64, 0u64, 0usize, 0usize);
    let started = Instant::now();
    for (spotify_id, _) in handle.discography_artists() {
        let (artist,): (i64,) = sqlx::query_as("SELECT id FROM artists WHERE spotify_id = ?")
            .bind(&spotify_id)
            .fetch_one(vault.pool())
            .await?;
        let report = discographies
            .save(OWNER, artist, &groups, false, true)
            .await?;
        calls += report.api_calls;
        // The fewest the paging allows: the release list in pages of 10,
        // then each release's tracks in pages of 50.
        let listed = vault.discography(OWNER, artist).await?.releases;
        minimum += listed.len().div_ceil(10) as u64
            + listed
                .iter()
                .map(|r| (r.total_tracks.max(1) as u64).div_ceil(50))
                .sum::<u64>();
        tracks += report.tracks_saved;
        duplicates += report.duplicates;
    }
    let seconds = started.elapsed().as_secs_f64();

    // A 1,000-line list.
    let catalogue = handle.catalogue();
    let songs = catalogue.as_array().ok_or("a catalogue")?;
    let mut lines: Vec<String> = Vec::with_capacity(1000);
    for t in songs.iter().take(700) {
        lines.push(format!(
            "{} - {}",
            t["artists"][0].as_str().unwrap_or_default(),
            t["title"].as_str().unwrap_or_default()
        ));
    }
    for i in 0..200 {
        lines.push(format!("Nobody Famous {i} - A Song Nobody Wrote {i}"));
    }
    let ids = handle.catalogue_track_ids();
    for id in ids.iter().rev().take(50) {
        lines.push(format!("https://open.spotify.com/track/{id}"));
    }
    for i in 0..50 {
        lines.push(format!("not a song at all {i}"));
    }
    let text = lines.join("\r\n");
    let importer = hoard_sync::import::Importer::new(syncer.clone());
    let started = Instant::now();
    let preview = importer.preview("Bench", "bench.txt", &text).await?;
    let (_, queued) = importer.confirm(OWNER, &preview.token, None, false).await?;
    let import_s = started.elapsed().as_secs_f64();
    eprintln!(
        "import of {} lines: {} songs ({} matched, {} ambiguous, {} by name, {} refused) in {import_s:.2} s, {queued} queued",
        lines.len(),
        preview.songs,
        preview.matched,
        preview.ambiguous,
        preview.by_name,
        preview.refused
    );
    eprintln!(
        "{artists} discographies of {releases} releases, {latency} ms latency: {calls} calls (the paging's minimum is {minimum}), {tracks} tracks kept, {duplicates} duplicates left out, {seconds:.2} s, peak memory {:.0} MB",
        common::peak_rss_mb()
    );
    println!(
        "discography_calls={calls} discography_s={seconds:.2} minimum_calls={minimum} txt_lines_per_s={:.0}",
        lines.len() as f64 / import_s
    );
    Ok(())
}
