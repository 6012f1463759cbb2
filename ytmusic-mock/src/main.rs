//! `ytmusic-mock`: a local YouTube Music until SIGINT/SIGTERM.
//!
//! ```text
//! ytmusic-mock [--listen 127.0.0.1:3002] [--cases FILE]... [--catalogue FILE] [--audio-dir DIR]
//! ```
//!
//! `--cases` reads case files (acquire/match-cases/README.md);
//! `--catalogue` reads a Spotify catalogue (`spotify-mock`'s
//! `/_mock/catalogue`) and makes a case for each track. `/watch?v=ID` serves
//! each result as audio of the length it shows: a tone made with ffmpeg,
//! Opus in WebM as YouTube serves it (format 251), kept in `--audio-dir`.
//! Prints `ytmusic-mock listening on URL` once ready.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ytmusic_mock::case::{parse_cases, Track};
use ytmusic_mock::{cases_for_catalogue, router, Catalogue};

const USAGE: &str = "usage: ytmusic-mock [--listen 127.0.0.1:3002] [--cases FILE]... \
[--catalogue FILE] [--audio-dir DIR]";

#[derive(Clone)]
struct Audio {
    catalogue: Arc<Catalogue>,
    dir: PathBuf,
    /// One ffmpeg at a time: a demo's downloads queue behind it anyway.
    making: Arc<tokio::sync::Mutex<()>>,
}

#[derive(serde::Deserialize)]
struct Watch {
    v: String,
}

/// A tone as long as the result says, made once.
async fn watch(State(audio): State<Audio>, Query(watch): Query<Watch>) -> Response {
    let valid = watch.v.len() == 11
        && watch
            .v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return (StatusCode::BAD_REQUEST, "not a video id").into_response();
    }
    let Some(seconds) = audio.catalogue.find(&watch.v).and_then(|s| s.seconds()) else {
        return (StatusCode::NOT_FOUND, "Video unavailable").into_response();
    };
    let path = audio.dir.join(format!("{}.webm", watch.v));
    if !path.is_file() {
        let _guard = audio.making.lock().await;
        if !path.is_file() {
            if let Err(e) = make_tone(&path, seconds).await {
                return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response();
            }
        }
    }
    match tokio::fs::read(&path).await {
        Ok(data) => ([(header::CONTENT_TYPE, "audio/webm")], data).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn make_tone(path: &Path, seconds: u64) -> Result<(), String> {
    let part = path.with_extension("part.webm");
    // A different pitch per file, so two tracks do not sound the same.
    let pitch = 220 + (seconds * 37) % 440;
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency={pitch}:duration={seconds}"))
        .args([
            "-ac", "2", "-ar", "48000", "-c:a", "libopus", "-b:a", "64k", "-f", "webm",
        ])
        .arg(&part)
        .status()
        .await
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    if !status.success() {
        return Err(format!("ffmpeg failed making {}", path.display()));
    }
    tokio::fs::rename(&part, path)
        .await
        .map_err(|e| e.to_string())
}

fn run() -> Result<(), String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 3002));
    let mut cases = Vec::new();
    let mut audio_dir = std::env::temp_dir().join("ytmusic-mock-audio");
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
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    std::fs::create_dir_all(&audio_dir).map_err(|e| format!("{}: {e}", audio_dir.display()))?;
    let catalogue = Catalogue::new(cases);
    let audio = Audio {
        catalogue: catalogue.clone(),
        dir: audio_dir,
        making: Arc::default(),
    };
    let app = router(catalogue).merge(
        axum::Router::new()
            .route("/watch", get(watch))
            .with_state(audio),
    );
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
