//! The listening history benchmark: a 20,000-track library synced from the
//! local Spotify API, a generated Extended Streaming History of 200,000
//! plays over 10 years (real-sized `Streaming_History_Audio_*.json` files,
//! split at about 12 MB, in a zip), imported as the server imports it; then
//! three smart playlists over the library (ratings, loved marks and tags
//! given to a tenth of it), and the poller's calls per hour against the
//! simulated listener, playing and idle, with the default timing. Run it with `scripts/bench-history`
//! (release mode); the last line is the `BENCH history:` line.
//!
//! Environment: `BENCH_TRACKS`, `BENCH_PLAYS`, `BENCH_YEARS`,
//! `BENCH_POLL_SECONDS` (how long each poll rate is measured), `BENCH_KEEP=1`
//! (leave the data folder, and print the nested rule, to look into with `sqlite3`).

use std::time::{Duration, Instant};

use hoard_sync::listen::{self, ListenOptions, ListenStatus};
use hoard_sync::{Endpoints, RetryPolicy, SecretBox, SyncMode, SyncOptions, Syncer};
use spotify_mock::{export, LibrarySpec, MockServer, PlayerCommand};
use vault::model::{MarkTarget, Marks, TrackList, TrackQuery, OWNER};
use vault::smart::{Condition, Field, Op, Rule, RuleGroup, SmartRules, SortField, SortKey};
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
    // `--import DB ID`: the import alone, in its own process, so its memory is its own.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--import") {
        let vault = Vault::open(std::path::Path::new(&args[2])).await?;
        let id: i64 = args[3].parse()?;
        let started = Instant::now();
        let times = hoard_sync::history::import(&vault, id).await?;
        println!(
            "{:.3} {:.0} {:.3} {:.3}",
            started.elapsed().as_secs_f64(),
            common::peak_rss_mb(),
            times.reading.as_secs_f64(),
            times.writing.as_secs_f64()
        );
        return Ok(());
    }

    let tracks = env_or("BENCH_TRACKS", 20_000);
    let plays = env_or("BENCH_PLAYS", 200_000);
    let years = env_or("BENCH_YEARS", 10) as u32;
    let poll_window = Duration::from_secs(env_or("BENCH_POLL_SECONDS", 60) as u64);

    let mock = MockServer::start(LibrarySpec {
        liked: tracks,
        playlists: 0,
        playlist_len: 0,
        saved_albums: 0,
        followed_artists: 0,
        seed: 11,
        quirks: false,
        ..LibrarySpec::default()
    })
    .await?;
    // `BENCH_KEEP=1` leaves the data folder behind (its path is printed), to look into.
    let temp = tempfile::tempdir()?;
    let dir = temp.path().to_path_buf();
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        eprintln!("data folder kept: {}", dir.display());
        std::mem::forget(temp);
    }
    let vault = Vault::open(&dir.join("hoard.db")).await?;
    let syncer = std::sync::Arc::new(Syncer::new(
        vault.clone(),
        SecretBox::from_key_file(&dir.join("secret.key"))?,
        SyncOptions {
            endpoints: Endpoints::local(&mock.url()),
            redirect_uri: common::REDIRECT.into(),
            full_pass_every: Duration::from_secs(86_400),
            policy: RetryPolicy::default(),
            lock_file: None,
        },
    ));
    common::connect(&syncer, &Endpoints::local(&mock.url())).await?;
    let started = Instant::now();
    syncer.run("bench", SyncMode::Full).await?;
    eprintln!(
        "synced {tracks} tracks in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The upload, as Spotify would send it.
    let named = mock.handle().named_tracks();
    let end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64
        - 86_400;
    let path = dir.join("my_spotify_data.zip");
    {
        let rows = export::listening_years(&named, plays, years, end, 5);
        let files = export::split(&rows, export::FILE_BYTES);
        let json_mb: usize = files.iter().map(|(_, d)| d.len()).sum::<usize>() / (1024 * 1024);
        let zip = export::zip(&files);
        eprintln!(
            "history: {plays} rows in {} files, {json_mb} MB of JSON, {} MB zipped",
            files.len(),
            zip.len() / (1024 * 1024)
        );
        std::fs::write(&path, zip)?;
    }
    let upload = hoard_sync::history::inspect(&path)?;
    let (import, _) = vault
        .create_history_import(
            OWNER,
            "my_spotify_data.zip",
            "bench",
            &path.to_string_lossy(),
            upload.members() as i64,
        )
        .await?;
    let out = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--import",
            &dir.join("hoard.db").to_string_lossy(),
            &import.id.to_string(),
        ])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "the import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let figures: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [import_s, import_rss, reading, writing] = figures[..] else {
        return Err("the import printed no figures".into());
    };
    eprintln!("import: {reading:.2} s unpacking and parsing, {writing:.2} s writing");
    let done = &vault.history_imports(OWNER).await?[0];
    eprintln!(
        "imported: {} rows, {} plays, {} duplicates, {} episode rows, {} empty rows in {import_s:.2} s \
         ({:.0} rows/s); peak RSS of the import process {import_rss:.0} MB",
        done.rows_done,
        done.plays_added,
        done.duplicates,
        done.episodes,
        done.unknown_rows,
        done.rows_done as f64 / import_s,
    );

    // Stats, all time and the last year: the median of five.
    let year_ago = (end - 365 * 86_400) * 1000;
    let mut all_ms = Vec::new();
    let mut year_ms = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let all = vault.listening_stats(OWNER, None, None, 0).await?;
        all_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let year = vault
            .listening_stats(OWNER, Some(year_ago), None, 0)
            .await?;
        year_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if all.plays == 0 || year.plays == 0 || all.top_artists.is_empty() {
            return Err("the stats found no plays".into());
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (stats_all, stats_year) = (median(&mut all_ms), median(&mut year_ms));
    eprintln!("stats: all time {stats_all:.1} ms, last year {stats_year:.1} ms (medians of 5)");

    let smart = smart_playlists(&vault).await?;

    // The poller's rate with the default timing: playing, then idle.
    let spotify = mock.handle();
    let (tx, mut status) = tokio::sync::watch::channel(ListenStatus::default());
    let track = spotify.liked_ids()[0].clone();
    spotify.player(PlayerCommand::RepeatTrack { on: true })?;
    spotify.player(PlayerCommand::Play {
        track,
        position_ms: 0,
        context: None,
    })?;
    let poller = tokio::spawn(listen::run(syncer.clone(), ListenOptions::default(), tx));
    status.wait_for(|s| s.polls >= 1).await?;
    spotify.reset_calls();
    tokio::time::sleep(poll_window).await;
    let playing_per_hour = spotify.calls() as f64 * 3600.0 / poll_window.as_secs_f64();
    spotify.player(PlayerCommand::Stop)?;
    poller.abort();
    // A poller that has seen nothing play for a while (a fresh start).
    let (tx, mut status) = tokio::sync::watch::channel(ListenStatus::default());
    let poller = tokio::spawn(listen::run(syncer.clone(), ListenOptions::default(), tx));
    status.wait_for(|s| s.polls >= 1).await?;
    spotify.reset_calls();
    tokio::time::sleep(poll_window * 2).await;
    let idle_per_hour = spotify.calls() as f64 * 3600.0 / (poll_window * 2).as_secs_f64();
    poller.abort();

    println!(
        "BENCH history: plays={} import_s={import_s:.2} import_rss_mb={import_rss:.0} \
         stats_all_ms={stats_all:.0} stats_year_ms={stats_year:.0} smart_ms_p50={smart:.0} \
         poll_calls_per_hour_playing={playing_per_hour:.0} poll_calls_per_hour_idle={idle_per_hour:.0}",
        done.plays_added
    );
    Ok(())
}

/// Rates, loves and tags a tenth of the library, then reads the first
/// window of three smart playlists (two built-ins and a nested rule of
/// artist text, tags, ratings and play dates) five times each, as the list
/// view asks for it. Returns the slowest playlist's median, in ms.
async fn smart_playlists(vault: &Vault) -> Result<f64, Box<dyn std::error::Error>> {
    let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM tracks ORDER BY id")
        .fetch_all(vault.pool())
        .await?;
    let mut road = Vec::new();
    for (n, (id,)) in ids.iter().enumerate().filter(|(n, _)| n % 10 == 0) {
        let marks = Marks {
            rating: Some((n / 10 % 5) as i64 + 1),
            loved: n % 20 == 0,
        };
        vault
            .set_marks(OWNER, MarkTarget::Track(*id), marks)
            .await?;
        road.push(*id);
    }
    vault.tag_tracks(OWNER, "road trip", &road).await?;
    let builtin = vault.smart_playlists(OWNER).await?;
    let id = |key: &str| {
        builtin
            .iter()
            .find(|s| s.builtin.as_deref() == Some(key))
            .map(|s| s.id)
    };
    let when = |field, op, value| Rule::Condition(Condition { field, op, value });
    let nested = SmartRules {
        rules: RuleGroup {
            any: false,
            rules: vec![
                when(Field::Artist, Op::Contains, serde_json::json!("a")),
                Rule::Group(RuleGroup {
                    any: true,
                    rules: vec![
                        when(Field::Tag, Op::Is, serde_json::json!("road trip")),
                        when(Field::Rating, Op::Gt, serde_json::json!(2)),
                    ],
                }),
                when(Field::LastPlayed, Op::NotInTheLast, serde_json::json!(30)),
            ],
        },
        sort: vec![SortKey {
            field: SortField::Field(Field::Plays),
            descending: true,
        }],
        limit: Some(1000),
        seed: 0,
    };
    let custom = vault
        .save_smart_playlist(OWNER, None, "Bench", None, &nested)
        .await?;
    let mut slowest = 0.0f64;
    for (name, list) in [
        ("top rated", id("top-rated")),
        ("forgotten favourites", id("forgotten-favourites")),
        ("nested", Some(custom.id)),
    ] {
        let list = TrackList::Smart(list.ok_or("a built-in is missing")?);
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..5 {
            let t = Instant::now();
            total = vault
                .track_list(&list, &TrackQuery::default(), 0, 200)
                .await?
                .total;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        eprintln!(
            "smart playlist {name}: {total} tracks, first window {median:.1} ms (median of 5)"
        );
        if total == 0 {
            return Err(format!("the smart playlist {name} is empty").into());
        }
        slowest = slowest.max(median);
    }
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        eprintln!(
            "nested rule: {}",
            serde_json::to_string(&nested).unwrap_or_default()
        );
    }
    Ok(slowest)
}
