//! `ytmusic-mock`: a local YouTube Music until SIGINT/SIGTERM.
//!
//! ```text
//! ytmusic-mock [--listen 127.0.0.1:3002] [--cases FILE]... [--catalogue FILE] [--audio-dir DIR]
//! ```
//!
//! `--cases` reads case files (acquire/match-cases/README.md);
//! `--catalogue` reads a Spotify catalogue (`spotify-mock`'s
//! `/_mock/catalogue`) and makes a case for each track. `/watch?v=ID` serves
//! each result as audio of the length it shows (see [`audio_router`]), at
//! `--rate` bytes per second if given.
//! Prints `ytmusic-mock listening on URL` once ready.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use ytmusic_mock::case::{parse_cases, Track};
use ytmusic_mock::{audio_router, cases_for_catalogue, router, Catalogue};

const USAGE: &str = "usage: ytmusic-mock [--listen 127.0.0.1:3002] [--cases FILE]... \
[--catalogue FILE] [--audio-dir DIR] [--rate BYTES_PER_SECOND]";

fn run() -> Result<(), String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 3002));
    let mut cases = Vec::new();
    let mut audio_dir = std::env::temp_dir().join("ytmusic-mock-audio");
    let mut rate = None;
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
            "--cases" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                cases.extend(parse_cases(&text).map_err(|e| format!("{path}: {e}"))?);
            }
            "--catalogue" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                let tracks: Vec<Track> =
                    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
                cases.extend(cases_for_catalogue(&tracks));
            }
            "--audio-dir" => audio_dir = PathBuf::from(value()?),
            "--rate" => {
                let v = value()?;
                rate = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|r| *r > 0)
                        .ok_or_else(|| format!("--rate: not a positive number: {v}"))?,
                );
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    std::fs::create_dir_all(&audio_dir).map_err(|e| format!("{}: {e}", audio_dir.display()))?;
    let catalogue = Catalogue::new(cases);
    let app = router(catalogue.clone()).merge(audio_router(catalogue, audio_dir, rate));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("ytmusic-mock listening on http://{addr}");
        let _ = std::io::stdout().flush();
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ytmusic-mock: {e}");
            ExitCode::FAILURE
        }
    }
}
