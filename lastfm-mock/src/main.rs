//! `lastfm-mock`: a local Last.fm API until SIGINT/SIGTERM.
//!
//! ```text
//! lastfm-mock [--listen 127.0.0.1:3003] [--catalogue FILE] [--api-key KEY]...
//! ```
//!
//! `--catalogue` reads a Spotify catalogue (`spotify-mock`'s
//! `/_mock/catalogue`): its artists and tracks are what Last.fm knows.
//! `--api-key` adds an accepted key (the default accepts only
//! [`lastfm_mock::TEST_KEY`]). Prints `lastfm-mock listening on URL` (the
//! API's address, for `lastfm_api_url`) once ready.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use lastfm_mock::{CatalogueTrack, LastfmMock, LastfmSpec, TEST_KEY};

const USAGE: &str =
    "usage: lastfm-mock [--listen 127.0.0.1:3003] [--catalogue FILE] [--api-key KEY]...";

async fn run() -> Result<(), String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 3003));
    let mut spec = LastfmSpec::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                listen = v
                    .parse()
                    .map_err(|_| format!("--listen: not an address: {v}"))?;
            }
            "--catalogue" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                let tracks: Vec<CatalogueTrack> =
                    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
                spec.tracks.extend(tracks);
            }
            "--api-key" => spec.keys.push(value()?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    if spec.keys.is_empty() {
        spec.keys.push(TEST_KEY.to_string());
    }
    let mock = LastfmMock::start_on(listen, spec)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    println!("lastfm-mock listening on {}", mock.url());
    let _ = std::io::stdout().flush();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lastfm-mock: {e}");
            ExitCode::FAILURE
        }
    }
}
