//! `hoard`: the Hoard server.
//!
//! `hoard` serves the vault; `hoard hash-password` reads a password on
//! standard input and prints the hash for the `password_hash` setting.
//! See `config.rs` for the settings.

mod auth;
mod config;
mod router;

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use app::state::{ServerInfo, ServerState};
use leptos::prelude::LeptosOptions;
use tracing_subscriber::EnvFilter;

use config::Config;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => {}
        Some("hash-password") => return hash_password(),
        Some("--version") => {
            println!("hoard {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("hoard: unknown command `{other}`; commands are `serve` (the default) and `hash-password`");
            return ExitCode::from(2);
        }
    }
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
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(&config.log))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hoard: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("hoard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config::prepare_dirs(&config)?;
    let database = config.database_path();
    let vault = vault::Vault::open(&database)
        .await
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    if !config
        .site_dir
        .join("pkg")
        .join(format!("{}.js", app::OUTPUT_NAME))
        .is_file()
    {
        tracing::warn!(
            site_dir = %config.site_dir.display(),
            "the built web assets are missing: pages render but will not come alive; run scripts/build-site"
        );
    }
    let leptos_options = LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
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
    let state = router::AppState {
        leptos_options,
        server: ServerState {
            vault: vault.clone(),
            info,
        },
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
    axum::serve(listener, router::build(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
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
