//! The yt-dlp source: downloads the best audio stream of an upload (for
//! every search source, and for URLs the user pastes), and searches plain
//! YouTube (`ytsearch`) and SoundCloud (`scsearch`) as lower-priority
//! sources. yt-dlp runs as a child process, killed when the job is
//! cancelled or takes longer than the timeout.
//!
//! Downloads keep the stream's codec: `-x` with no `--audio-format` moves an
//! Opus stream into Ogg, AAC into M4A and MP3 stays MP3, without re-encoding
//! (ffmpeg only remuxes). A search is a yt-dlp search prefix with `{query}`
//! (`ytsearch8:{query}`), read flat: YouTube's entries carry the title, the
//! channel, the duration and the views; SoundCloud's the title, the
//! uploader and the duration. Neither says what kind of upload it is.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use crate::matcher::{Candidate, Wanted};
use crate::source::{Progress, Source, SourceError};

/// How yt-dlp is run.
#[derive(Clone, Debug)]
pub struct YtDlp {
    /// The source's name, stored with each file (`yt-dlp`, `youtube`, `soundcloud`).
    pub name: &'static str,
    /// The program and its first arguments (`["yt-dlp"]`, or
    /// `["python3", "-m", "yt_dlp"]`).
    pub command: Vec<String>,
    /// A URL with `{query}`, or a yt-dlp search prefix such as `ytsearch5:{query}`.
    pub search: String,
    /// How many search results to score.
    pub results: usize,
    /// The longest a search or a download may take.
    pub timeout: Duration,
}

impl Default for YtDlp {
    fn default() -> Self {
        Self {
            name: "yt-dlp",
            command: vec!["yt-dlp".into()],
            search: "ytsearch8:{query}".into(),
            results: 8,
            timeout: Duration::from_secs(900),
        }
    }
}

/// The progress lines yt-dlp prints while it downloads.
const PROGRESS_MARK: &str = "HOARD-PROGRESS";

impl YtDlp {
    /// The search URL for a track: artists and title, encoded for a URL
    /// (not for a `ytsearch:` prefix, which takes the words as they are).
    pub fn search_url(&self, wanted: &Wanted) -> String {
        let words = format!("{} {}", wanted.artists.join(" "), wanted.title);
        let query = if self.search.contains("://") {
            utf8_percent_encode(&words, NON_ALPHANUMERIC).to_string()
        } else {
            words
        };
        self.search.replace("{query}", &query)
    }

    /// What a playlist (or single upload) link holds, as yt-dlp's JSON
    /// (`--dump-single-json`), without downloading: `flat` lists a
    /// playlist's entries as its page shows them (YouTube's carry the
    /// title, the channel and the duration) instead of opening each one
    /// (which SoundCloud needs for its titles). At most `limit` entries.
    pub async fn list(
        &self,
        url: &str,
        flat: bool,
        limit: usize,
    ) -> Result<serde_json::Value, SourceError> {
        let mut command = self.command()?;
        command.args(["--dump-single-json", "--skip-download", "--no-warnings"]);
        if flat {
            command.arg("--flat-playlist");
        }
        command
            .args(["--playlist-end", &limit.to_string(), "--"])
            .arg(url);
        let lines = self.run(command, &CancellationToken::new(), |_| {}).await?;
        serde_json::from_str(&lines.join("\n"))
            .map_err(|e| SourceError::Permanent(format!("yt-dlp's answer could not be read: {e}")))
    }

    fn command(&self) -> Result<Command, SourceError> {
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| SourceError::Permanent("no yt-dlp command is configured".into()))?;
        let mut command = Command::new(program);
        command
            .args(args)
            // The user's own yt-dlp config must not change what Hoard gets.
            .args(["--no-config", "--no-cache-dir", "--no-colors"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        Ok(command)
    }

    /// Runs yt-dlp to the end (or the timeout, or a cancel), handing each
    /// line of its output to `line`. Returns stdout's lines if it succeeded.
    async fn run(
        &self,
        mut command: Command,
        cancel: &CancellationToken,
        line: impl Fn(&str),
    ) -> Result<Vec<String>, SourceError> {
        let mut child = command.spawn().map_err(|e| {
            SourceError::Permanent(format!(
                "cannot run {:?}: {e} (is yt-dlp installed? scripts/setup installs it)",
                self.command.join(" ")
            ))
        })?;
        let stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let work = async {
            // Both pipes are read at once, so neither fills up and stalls yt-dlp.
            let out = async {
                let mut lines = Vec::new();
                if let Some(stdout) = stdout {
                    let mut reader = BufReader::new(stdout).lines();
                    while let Ok(Some(text)) = reader.next_line().await {
                        line(&text);
                        if !text.starts_with(PROGRESS_MARK) {
                            lines.push(text);
                        }
                    }
                }
                lines
            };
            let err = async {
                let mut errors = String::new();
                if let Some(stderr) = stderr.as_mut() {
                    let _ = stderr.read_to_string(&mut errors).await;
                }
                errors
            };
            let (lines, errors) = tokio::join!(out, err);
            let status = child.wait().await;
            (lines, errors, status)
        };
        let (lines, errors, status) = tokio::select! {
            result = tokio::time::timeout(self.timeout, work) => match result {
                Ok(done) => done,
                Err(_) => return Err(SourceError::Transient(format!(
                    "yt-dlp took longer than {} s and was stopped", self.timeout.as_secs()
                ))),
            },
            () = cancel.cancelled() => return Err(SourceError::Cancelled),
        };
        let status = status.map_err(|e| SourceError::Transient(format!("yt-dlp: {e}")))?;
        if status.success() {
            Ok(lines)
        } else {
            Err(classify(&errors))
        }
    }
}

/// Turns yt-dlp's stderr into a reason: its last `ERROR:` line, and whether
/// trying again could help.
fn classify(stderr: &str) -> SourceError {
    let message = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("ERROR:"))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("yt-dlp failed and said nothing")
        .trim_start_matches("ERROR:")
        .trim();
    let lower = message.to_lowercase();
    // Network failures come with a Python traceback's worth of detail; the
    // reason a person reads names the failure, the log keeps the rest.
    let network = [
        ("connection refused", "the server refused the connection"),
        (
            "name or service not known",
            "no network: the host name does not resolve",
        ),
        (
            "temporary failure in name resolution",
            "no network: the host name does not resolve",
        ),
        (
            "getaddrinfo failed",
            "no network: the host name does not resolve",
        ),
        (
            "network is unreachable",
            "no network: the network is unreachable",
        ),
        ("timed out", "the connection timed out"),
    ];
    if let Some((_, short)) = network.iter().find(|(needle, _)| lower.contains(needle)) {
        tracing::debug!(detail = %message, "yt-dlp network failure");
        return SourceError::Transient(format!("yt-dlp: {short}"));
    }
    let message = format!("yt-dlp: {message}");
    let permanent = [
        "unsupported url",
        "video unavailable",
        "private video",
        "not available",
        "has been removed",
        "is not a valid url",
        "no video formats",
        "requested format is not available",
        "postprocessing",
        "invalid data",
    ];
    if permanent.iter().any(|p| lower.contains(p)) {
        SourceError::Permanent(message)
    } else {
        SourceError::Transient(message)
    }
}

/// One entry of a flat playlist (a search result).
#[derive(Deserialize)]
struct Entry {
    title: Option<String>,
    url: Option<String>,
    webpage_url: Option<String>,
    uploader: Option<String>,
    channel: Option<String>,
    artist: Option<String>,
    duration: Option<f64>,
    view_count: Option<u64>,
}

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    entries: Vec<Entry>,
}

/// Candidates from yt-dlp's `-J` output of a search.
fn parse_search(json: &str, found_by: &str) -> Result<Vec<Candidate>, SourceError> {
    let listing: Listing = serde_json::from_str(json).map_err(|e| {
        SourceError::Transient(format!("yt-dlp gave search results Hoard cannot read: {e}"))
    })?;
    Ok(listing
        .entries
        .into_iter()
        .filter_map(|e| {
            let url = e.url.or(e.webpage_url)?;
            Some(Candidate {
                title: e.title.unwrap_or_default(),
                uploader: e.artist.or(e.uploader).or(e.channel).unwrap_or_default(),
                duration_ms: e.duration.map(|d| (d * 1000.0).round() as i64),
                url,
                views: e.view_count,
                found_by: found_by.into(),
                ..Candidate::default()
            })
        })
        .collect())
}

#[async_trait]
impl Source for YtDlp {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn search(&self, wanted: &Wanted) -> Result<Vec<Candidate>, SourceError> {
        let mut command = self.command()?;
        command
            .args(["--flat-playlist", "-J", "--playlist-end"])
            .arg(self.results.to_string())
            .arg(self.search_url(wanted));
        let lines = self.run(command, &CancellationToken::new(), |_| {}).await?;
        parse_search(&lines.join("\n"), self.name)
    }

    async fn fetch(
        &self,
        candidate: &Candidate,
        dir: &Path,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<PathBuf, SourceError> {
        let mut command = self.command()?;
        command
            .args(["--no-playlist", "--newline", "--no-mtime", "--progress"])
            .args(["--retries", "3", "--socket-timeout", "30"])
            .args(["-f", "bestaudio/best", "-x"])
            .arg("--progress-template")
            .arg(format!(
                "download:{PROGRESS_MARK} %(progress.downloaded_bytes)s %(progress.total_bytes)s %(progress.total_bytes_estimate)s"
            ))
            .args(["--print", "after_move:filepath", "-o"])
            .arg(dir.join("audio.%(ext)s"))
            .arg("--")
            .arg(&candidate.url);
        let lines = self
            .run(command, cancel, |line| {
                if let Some(fraction) = parse_progress(line) {
                    progress(fraction);
                }
            })
            .await?;
        // yt-dlp prints the final path; the file is the one in the job's
        // folder by that name (the folder is the job's own, so a name is enough).
        let printed = lines
            .iter()
            .rev()
            .filter_map(|l| Path::new(l.trim()).file_name().map(|n| dir.join(n)))
            .find(|p| p.is_file());
        match printed.or_else(|| only_file(dir)) {
            Some(path) => Ok(path),
            None => Err(SourceError::Transient(
                "yt-dlp finished but left no file".into(),
            )),
        }
    }
}

/// The one finished file in `dir` (not a `.part` or `.ytdl` leftover).
fn only_file(dir: &Path) -> Option<PathBuf> {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("part" | "ytdl" | "temp")
            )
        })
        .collect();
    match files.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `HOARD-PROGRESS downloaded total estimate` → the fraction done.
fn parse_progress(line: &str) -> Option<f32> {
    let mut parts = line.strip_prefix(PROGRESS_MARK)?.split_whitespace();
    let done: f64 = parts.next()?.parse().ok()?;
    let total = parts
        .filter_map(|p| p.parse::<f64>().ok())
        .find(|t| *t > 0.0)?;
    Some((done / total).clamp(0.0, 1.0) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_urls_are_encoded_for_urls_only() {
        let wanted = Wanted {
            title: "Déjà Vu & Co".into(),
            artists: vec!["Beyoncé".into()],
            ..Wanted::default()
        };
        let url = YtDlp {
            search: "https://example.com/search?q={query}".into(),
            ..YtDlp::default()
        };
        assert_eq!(
            url.search_url(&wanted),
            "https://example.com/search?q=Beyonc%C3%A9%20D%C3%A9j%C3%A0%20Vu%20%26%20Co"
        );
        assert_eq!(
            YtDlp::default().search_url(&wanted),
            "ytsearch8:Beyoncé Déjà Vu & Co"
        );
    }

    #[test]
    fn search_results_become_candidates() {
        // The fields of a flat `ytsearch` entry (yt-dlp's YoutubeTabBaseIE._extract_video).
        let json = r#"{"_type":"playlist","entries":[
            {"_type":"url","ie_key":"Youtube","id":"a","url":"https://www.youtube.com/watch?v=a",
             "title":"Song","description":null,"duration":201.5,"channel_id":"UCx","channel":"Artist - Topic",
             "uploader":"Artist - Topic","uploader_id":null,"view_count":1200,"live_status":null},
            {"title":"Artist - Song (Live)","url":"https://www.youtube.com/watch?v=b","uploader":"Fan"},
            {"title":"no url"}]}"#;
        let found = parse_search(json, "youtube").expect("parses");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].uploader, "Artist - Topic");
        assert_eq!(found[0].duration_ms, Some(201_500));
        assert_eq!(found[0].views, Some(1200));
        assert_eq!(found[0].found_by, "youtube");
        assert_eq!(found[1].duration_ms, None);
    }

    #[test]
    fn progress_and_errors_are_read() {
        assert_eq!(parse_progress("HOARD-PROGRESS 50 100 NA"), Some(0.5));
        assert_eq!(parse_progress("HOARD-PROGRESS 50 NA 200"), Some(0.25));
        assert_eq!(parse_progress("HOARD-PROGRESS 50 NA NA"), None);
        assert!(!classify("ERROR: [youtube] x: Video unavailable").is_transient());
        assert!(
            classify("WARNING: a\nERROR: Unable to download webpage: HTTP Error 503")
                .is_transient()
        );
        assert_eq!(
            classify("ERROR: Unsupported URL: http://x").to_string(),
            "yt-dlp: Unsupported URL: http://x"
        );
        let refused = classify(
            "ERROR: [generic] search?q=x: Unable to download webpage: HTTPConnection(host='127.0.0.1', \
             port=9): Failed to establish a new connection: [Errno 111] Connection refused",
        );
        assert!(refused.is_transient());
        assert_eq!(
            refused.to_string(),
            "yt-dlp: the server refused the connection"
        );
    }
}
