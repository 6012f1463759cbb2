//! `spotify-mock`: serves a generated library until SIGINT/SIGTERM.
//!
//! Prints exactly one line, `spotify-mock listening on URL`, once ready, so
//! scripts can wait for it and read the port.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use spotify_mock::{Faults, LibrarySpec, MockServer};

const USAGE: &str = "usage: spotify-mock [--listen 127.0.0.1:8888] [--liked N] [--playlists N] \
[--playlist-len N] [--saved-albums N] [--followed-artists N] [--discographies N] [--releases-per-artist N] [--seed N] [--latency-ms N] [--no-quirks]";

struct Args {
    listen: SocketAddr,
    spec: LibrarySpec,
    latency_ms: u64,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8888)),
        spec: LibrarySpec::default(),
        latency_ms: 0,
    };
    while let Some(flag) = args.next() {
        if flag == "--no-quirks" {
            out.spec.quirks = false;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        const VALUED: &[&str] = &[
            "--listen",
            "--liked",
            "--playlists",
            "--playlist-len",
            "--saved-albums",
            "--followed-artists",
            "--discographies",
            "--releases-per-artist",
            "--seed",
            "--latency-ms",
        ];
        let bare = flag.split_once('=').map_or(flag.as_str(), |(n, _)| n);
        if !VALUED.contains(&bare) {
            return Err(format!("unknown flag {bare}"));
        }
        // Accept both `--flag value` and `--flag=value`.
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                let v = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
                (flag, v)
            }
        };
        let num = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: expected a non-negative integer, got {v:?}"))
        };
        let count = |v: &str| num(v).and_then(|n| usize::try_from(n).map_err(|e| e.to_string()));
        match name.as_str() {
            "--listen" => {
                out.listen = value
                    .parse()
                    .map_err(|_| format!("--listen: expected IP:PORT, got {value:?}"))?;
            }
            "--liked" => out.spec.liked = count(&value)?,
            "--playlists" => out.spec.playlists = count(&value)?,
            "--playlist-len" => out.spec.playlist_len = count(&value)?,
            "--saved-albums" => out.spec.saved_albums = count(&value)?,
            "--followed-artists" => out.spec.followed_artists = count(&value)?,
            "--discographies" => out.spec.discographies = count(&value)?,
            "--releases-per-artist" => out.spec.releases_per_artist = count(&value)?,
            "--seed" => out.spec.seed = num(&value)?,
            "--latency-ms" => out.latency_ms = num(&value)?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(out)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if msg.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("spotify-mock: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match MockServer::start_on(args.listen, args.spec).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("spotify-mock: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    if args.latency_ms > 0 {
        server.handle().set_faults(Faults {
            latency_ms: args.latency_ms,
            ..Faults::default()
        });
    }
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "spotify-mock listening on {}", server.url());
    let _ = stdout.flush();
    shutdown_signal().await;
    server.shutdown();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<Args, String> {
        parse_args(v.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags() {
        let a = parse(&[
            "--liked",
            "5",
            "--seed=9",
            "--no-quirks",
            "--listen",
            "127.0.0.1:0",
        ])
        .expect("valid flags");
        assert_eq!(a.spec.liked, 5);
        assert_eq!(a.spec.seed, 9);
        assert!(!a.spec.quirks);
        assert!(parse(&["--liked", "x"]).is_err());
        assert_eq!(
            parse(&["--bogus"]).err().as_deref(),
            Some("unknown flag --bogus")
        );
        assert!(parse(&["--liked"]).is_err());
    }
}
