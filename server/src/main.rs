//! `hoard`: the Hoard server.
//!
//! `hoard` serves the vault; `hoard sync [--full]` runs one Spotify sync
//! and exits; `hoard hash-password` reads a password on standard input and
//! prints the hash for the `password_hash` setting; `hoard backup [list]`
//! takes a snapshot of the vault (or lists them) and `hoard restore
//! [--remote] [NAME|latest]` puts one back. See `config.rs` for the
//! settings.

mod artwork;
mod auth;
mod backups;
mod boundary;
mod config;
mod covers;
mod export;
mod history;
mod m3u;
mod media;
mod review;
mod router;
mod spotify;
mod subsonic;
mod watch;
mod widget;
mod zip;

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::state::{ServerInfo, ServerState, SpotifySetup};
use hoard_sync::{Endpoints, RetryPolicy, SecretBox, SyncMode, SyncOptions, Syncer};
use leptos::prelude::LeptosOptions;
use tracing_subscriber::EnvFilter;

use config::Config;

/// What the command line asked for.
enum Command {
    Serve,
    Sync(SyncMode),
    Backup,
    BackupList,
    Restore(Vec<String>),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["serve"] => Command::Serve,
        ["sync"] => Command::Sync(SyncMode::Incremental),
        ["sync", "--full"] => Command::Sync(SyncMode::Full),
        ["backup"] => Command::Backup,
        ["backup", "list"] => Command::BackupList,
        ["restore", rest @ ..] => Command::Restore(rest.iter().map(|s| s.to_string()).collect()),
        ["hash-password"] => return hash_password(),
        ["--version"] => {
            println!("hoard {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!(
                "hoard: unknown command `{}`; commands are `serve` (the default), `sync [--full]`, `backup [list]`, `restore [--remote] [NAME|latest]` and `hash-password`",
                args.join(" ")
            );
            return ExitCode::from(2);
        }
    };
    // A missing .env is normal; a broken one is worth saying.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("hoard: cannot read .env: {e}");
            return ExitCode::from(2);
        }
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("hoard: bad configuration, not starting.\n{e}");
            return ExitCode::from(2);
        }
    };
    // rspotify logs request headers (the access token) at debug level: never let it.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(format!(
            "{},rspotify=warn,rspotify_http=warn",
            config.log
        )))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hoard: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        Command::Serve => runtime.block_on(serve(config)),
        Command::Sync(mode) => runtime.block_on(sync_once(config, mode)),
        Command::Backup => runtime.block_on(backups::back_up_once(&config)),
        Command::BackupList => backups::list(&config),
        Command::Restore(args) => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            runtime.block_on(backups::restore(&config, &args))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("hoard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the vault and builds the syncer, as both `serve` and `sync` need them.
async fn open(config: &Config) -> anyhow::Result<(vault::Vault, Arc<Syncer>)> {
    config::prepare_dirs(config)?;
    backups::check_no_interrupted_restore(config)?;
    let database = config.database_path();
    let vault = vault::Vault::open(&database)
        .await
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    let secrets = match &config.secret_key {
        Some(key) => SecretBox::from_base64(key).context("setting `secret_key`")?,
        None => SecretBox::from_key_file(&config.key_file())?,
    };
    let options = SyncOptions {
        endpoints: Endpoints {
            api_base_url: config.spotify_api_url.clone(),
            auth_base_url: config.spotify_accounts_url.clone(),
        },
        redirect_uri: config.redirect_uri(),
        full_pass_every: Duration::from_secs(u64::from(config.full_sync_hours) * 3600),
        policy: RetryPolicy::default(),
        lock_file: Some(config.data_dir.join("sync.lock")),
    };
    let syncer = Arc::new(Syncer::new(vault.clone(), secrets, options));
    Ok((vault, syncer))
}

/// `hoard sync`: one sync, its summary on standard output.
async fn sync_once(config: Config, mode: SyncMode) -> anyhow::Result<()> {
    let (vault, syncer) = open(&config).await?;
    let result = syncer.run("cli", mode).await;
    vault.close().await;
    let report = result?;
    println!("{}", report.summary());
    for warning in &report.warnings {
        println!("warning: {warning}");
    }
    Ok(())
}

/// Syncs on start and then every `interval` while the Settings toggle is on.
async fn schedule_syncs(syncer: Arc<Syncer>, vault: vault::Vault, on_start: bool, interval: u32) {
    // An authorization Spotify has ended waits for the user's new sign-in.
    let connected = || async {
        matches!(vault.spotify_account().await, Ok(Some(a)) if a.grant_ended_at.is_none())
    };
    let run = |trigger: &'static str| syncer.run_logged(trigger, SyncMode::Incremental);
    if on_start && connected().await {
        run("start").await;
    }
    if interval == 0 {
        return;
    }
    let mut ticks = tokio::time::interval(Duration::from_secs(u64::from(interval) * 60));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let auto = vault.setting(app::routes::spotify::AUTO_SYNC).await;
        let off = matches!(auto, Ok(Some(ref v)) if v == "off");
        if !off && connected().await {
            run("schedule").await;
        }
    }
}

/// Last.fm, when a key is set: the key is checked with one request, and a
/// key Last.fm refuses stops the start (naming the setting). When Last.fm
/// cannot be reached the server starts and artist pages say so.
async fn lastfm(config: &Config) -> anyhow::Result<Option<Arc<hoard_sync::lastfm::Lastfm>>> {
    use hoard_sync::lastfm::{Lastfm, LastfmError};
    let Some(key) = &config.lastfm_api_key else {
        return Ok(None);
    };
    let lastfm = Lastfm::new(&config.lastfm_api_url, key)
        .map_err(|e| anyhow::anyhow!("setting lastfm_api_url: {e}"))?;
    match lastfm.check_key().await {
        Ok(()) => {}
        Err(e @ LastfmError::InvalidKey(_)) => anyhow::bail!("{e}"),
        Err(e) => tracing::warn!("the Last.fm key was not checked: {e}"),
    }
    Ok(Some(Arc::new(lastfm)))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config::prepare_dirs(&config)?;
    let _data_lock = backups::DataLock::take(&config.data_dir, "start")?;
    let backup_settings = backups::settings(&config);
    backups::check_remote(&backup_settings).await?;
    let (vault, syncer) = open(&config).await?;
    let database = config.database_path();
    let bundle = app::bundle_name(&config.site_dir);
    if !config
        .site_dir
        .join("pkg")
        .join(format!("{bundle}.js"))
        .is_file()
    {
        tracing::warn!(
            site_dir = %config.site_dir.display(),
            "the built web assets are missing: pages render but will not come alive; run scripts/build-site"
        );
    }
    let leptos_options = LeptosOptions::builder()
        .output_name(bundle.as_str())
        .site_root(config.site_dir.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let info = ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: absolute(&config.data_dir),
        database: absolute(&database),
        listen: config.listen.to_string(),
        password_protected: config.password_protected(),
    };
    let (stop, shutting_down) = tokio::sync::watch::channel(false);
    let (acquirer, music_folder) = media::acquirer(&config, vault.clone());
    let workers = acquirer
        .start()
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the download queue: {e}"))?;
    let (listen_status, listening) = tokio::sync::watch::channel(Default::default());
    let poller = config.listen_options().map(|options| {
        tokio::spawn(hoard_sync::listen::run(
            syncer.clone(),
            options,
            listen_status,
        ))
    });
    let backups = Arc::new(vault::backup::Backups::new(backup_settings));
    let discographies = Arc::new(hoard_sync::Discographies::new(syncer.clone()));
    let lastfm = lastfm(&config).await?;
    let server = ServerState {
        vault: vault.clone(),
        info,
        spotify: SpotifySetup {
            redirect_uri: config.redirect_uri(),
            client_id: config.spotify_client_id.clone(),
            interval_minutes: config.sync_interval_minutes,
            api_url: config.spotify_api_url.clone(),
        },
        syncer: syncer.clone(),
        acquirer,
        music_folder,
        auto_download_default: config.auto_download,
        listen_polling: poller.is_some(),
        listening,
        backups: backups.clone(),
        discographies: discographies.clone(),
        lastfm,
        importer: Arc::new(
            hoard_sync::import::Importer::new(syncer.clone()).with_lister(media::lister(&config)),
        ),
    };
    let auto_queue = tokio::spawn(media::queue_after_syncs(syncer.clone(), server.clone()));
    let imports = history::Imports::start(
        vault.clone(),
        &config.data_dir,
        config.history_upload_max_mb,
    )
    .await
    .context("cannot start the streaming history importer (setting `data_dir`)")?;
    let artwork = Arc::new(artwork::Artwork::new(config.data_dir.join("covers")));
    let state = router::AppState {
        leptos_options,
        server,
        pending: Default::default(),
        imports,
        shutting_down,
        artwork: artwork.clone(),
        subsonic: Arc::new(subsonic::Subsonic::new("ffmpeg".into())),
        boundary: Arc::new(boundary::Boundary::new(&config)),
        password_hash: config.password_hash.as_deref().map(Arc::from),
        session_days: config.session_days,
        login_gate: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {} (setting `listen`)", config.listen))?;
    tracing::info!(
        address = %format!("http://{}", listener.local_addr()?),
        database = %database.display(),
        password = config.password_protected(),
        "Hoard is serving"
    );
    let scheduler = tokio::spawn(schedule_syncs(
        syncer.clone(),
        vault.clone(),
        config.sync_on_start,
        config.sync_interval_minutes,
    ));
    let playlist_files = config.playlist_files.then(|| {
        tokio::spawn(m3u::keep(
            vault.clone(),
            config.data_dir.join("library"),
            Duration::from_secs(5),
        ))
    });
    let cover_keeper = tokio::spawn(artwork::keep(artwork, vault.clone(), syncer.clone()));
    let backup_schedule = tokio::spawn(backups::schedule(
        backups,
        vault.clone(),
        config.backup_interval_hours,
    ));
    let watches = tokio::spawn(watch::keep(discographies, config.watch_interval_hours));
    // Answers go out as they are written: without TCP_NODELAY a file's
    // first bytes after its headers waited for the client's delayed ACK
    // (about 40 ms per cover or stream, measured by scripts/bench-subsonic).
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, router::build(state))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            stop.send_replace(true);
        })
        .await
        .context("the HTTP server failed")?;
    // A sync in progress stops here; each page it wrote is committed and the
    // next sync carries on from the vault's state.
    // Downloads in progress stop here (yt-dlp is killed with its task); the
    // next start queues them again and removes their partial files.
    // A backup in progress stops here; its `.partial` file is removed by
    // the next one, and the snapshots before it are untouched.
    scheduler.abort();
    backup_schedule.abort();
    // A watch check in progress stops here; each release it kept is
    // committed, and the next check reads the rest.
    watches.abort();
    cover_keeper.abort();
    if let Some(task) = playlist_files {
        task.abort();
    }
    auto_queue.abort();
    if let Some(poller) = poller {
        poller.abort();
    }
    for worker in workers {
        worker.abort();
    }
    vault.close().await;
    tracing::info!("Hoard stopped cleanly");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// `hoard hash-password`: reads one line from standard input and prints its Argon2 hash.
fn hash_password() -> ExitCode {
    eprintln!("Type the password, then Enter:");
    let mut line = String::new();
    if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
        eprintln!("hoard: cannot read the password: {e}");
        return ExitCode::FAILURE;
    }
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        eprintln!("hoard: the password must not be empty");
        return ExitCode::from(2);
    }
    match auth::hash_password(password) {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hoard: cannot hash the password: {e}");
            ExitCode::FAILURE
        }
    }
}
