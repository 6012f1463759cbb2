//! The YouTube Music source: searches with ytmusicapi (the client spotDL
//! uses, kept current with the service), downloads with yt-dlp.
//!
//! ytmusicapi runs in one long-lived Python process (`python/ytmusic_worker.py`,
//! built into Hoard), started on the first search and restarted if it dies;
//! requests and answers are JSON lines, so searches of several jobs run at
//! once. For each track it searches, stopping at the first confident song:
//!
//! 1. the ISRC, written `CC XXXYYNNNNN` (YouTube Music finds an ISRC only
//!    with that space, yt-dlp#15389), songs only;
//! 2. "artists title" among songs;
//! 3. the same among videos;
//! 4. the same unfiltered (its top result and shelves).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::matcher::{choose, Candidate, Kind, MatchOptions, Verdict, Wanted};
use crate::source::{Progress, Source, SourceError};
use crate::ytdlp::YtDlp;

/// The worker's source, run with `python3 -c`.
const WORKER: &str = include_str!("../python/ytmusic_worker.py");

/// YouTube Music itself.
pub const DEFAULT_URL: &str = "https://music.youtube.com";

/// How the source runs.
#[derive(Clone, Debug)]
pub struct YtMusicSettings {
    /// The program that runs Python 3 with ytmusicapi installed.
    pub python: Vec<String>,
    /// YouTube Music's address (a local stand-in in tests and the demo).
    pub url: String,
    /// Results asked for per search.
    pub results: usize,
    /// The longest one search may take.
    pub timeout: Duration,
    /// When a song result is confident enough to stop searching.
    pub matching: MatchOptions,
}

impl Default for YtMusicSettings {
    fn default() -> Self {
        Self {
            python: vec!["python3".into()],
            url: DEFAULT_URL.into(),
            results: 10,
            timeout: Duration::from_secs(45),
            matching: MatchOptions::default(),
        }
    }
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Answer>>>>;

/// A running worker.
struct Worker {
    stdin: ChildStdin,
    pending: Pending,
    /// Kept so the process dies with the worker (`kill_on_drop`).
    _child: Child,
    alive: Arc<std::sync::atomic::AtomicBool>,
}

/// One answer line.
#[derive(Debug, Deserialize)]
struct Answer {
    id: Option<u64>,
    #[serde(default)]
    results: Option<Vec<ResultJson>>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    transient: bool,
    #[serde(default)]
    ready: Option<String>,
    #[serde(default)]
    fatal: Option<String>,
}

/// A search result as ytmusicapi parses it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultJson {
    #[serde(default)]
    pub result_type: Option<String>,
    #[serde(default)]
    pub video_id: Option<String>,
    #[serde(default)]
    pub video_type: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub artists: Option<Vec<Named>>,
    #[serde(default)]
    pub album: Option<Named>,
    #[serde(default, rename = "duration_seconds")]
    pub duration_seconds: Option<f64>,
    #[serde(default)]
    pub is_explicit: Option<bool>,
    #[serde(default)]
    pub views: Option<String>,
    #[serde(default)]
    pub is_available: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Named {
    #[serde(default)]
    pub name: Option<String>,
}

/// "1.2B", "55M plays", "387K views" → a number.
fn parse_count(text: &str) -> Option<u64> {
    let word = text.split_whitespace().next()?;
    let (digits, scale) = match word.chars().last()? {
        'K' | 'k' => (&word[..word.len() - 1], 1e3),
        'M' => (&word[..word.len() - 1], 1e6),
        'B' => (&word[..word.len() - 1], 1e9),
        _ => (word, 1.0),
    };
    let n: f64 = digits.replace(',', "").parse().ok()?;
    Some((n * scale) as u64)
}

/// Turns ytmusicapi's results into candidates: songs and videos with a
/// videoId (albums, artists and playlists are not uploads; greyed-out
/// results cannot be played).
pub fn candidates_from(results: Vec<ResultJson>, base: &str, found_by: &str) -> Vec<Candidate> {
    results
        .into_iter()
        .filter_map(|r| {
            let id = r.video_id.filter(|id| !id.is_empty())?;
            if r.is_available == Some(false) {
                return None;
            }
            let kind = r
                .video_type
                .as_deref()
                .map(Kind::from_video_type)
                .unwrap_or_else(|| match r.result_type.as_deref() {
                    Some("song") => Kind::Song,
                    Some("video") => Kind::Upload,
                    _ => Kind::Unknown,
                });
            if !matches!(r.result_type.as_deref(), Some("song" | "video") | None)
                && kind == Kind::Unknown
            {
                return None;
            }
            let artists: Vec<String> = r
                .artists
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| a.name)
                .filter(|n| !n.is_empty())
                .collect();
            Some(Candidate {
                title: r.title.unwrap_or_default(),
                uploader: artists.join(", "),
                duration_ms: r.duration_seconds.map(|s| (s * 1000.0).round() as i64),
                url: format!("{}/watch?v={id}", base.trim_end_matches('/')),
                isrc: None,
                album: r.album.and_then(|a| a.name),
                // Only song lists carry the E badge; elsewhere it is unknown.
                explicit: if kind == Kind::Song {
                    r.is_explicit
                } else {
                    None
                },
                kind,
                views: r.views.as_deref().and_then(parse_count),
                artists,
                found_by: found_by.into(),
            })
        })
        .collect()
}

/// The ISRC as YouTube Music finds it: `USUM71703861` → `US UM71703861`.
pub fn isrc_query(isrc: &str) -> Option<String> {
    let isrc = isrc.trim();
    (isrc.len() == 12 && isrc.is_ascii()).then(|| format!("{} {}", &isrc[..2], &isrc[2..]))
}

/// The words searched for a track: its first two artists and its title.
pub fn text_query(wanted: &Wanted) -> String {
    let artists: Vec<&str> = wanted.artists.iter().take(2).map(String::as_str).collect();
    format!("{} {}", artists.join(" "), wanted.title)
}

/// The YouTube Music source.
pub struct YtMusic {
    settings: YtMusicSettings,
    downloader: YtDlp,
    worker: tokio::sync::Mutex<Option<Worker>>,
    next_id: AtomicU64,
}

impl YtMusic {
    /// A source that searches with `settings` and downloads with `downloader`.
    pub fn new(settings: YtMusicSettings, downloader: YtDlp) -> Self {
        Self {
            settings,
            downloader,
            worker: tokio::sync::Mutex::new(None),
            next_id: AtomicU64::new(1),
        }
    }

    async fn start_worker(&self) -> Result<Worker, SourceError> {
        let (program, args) = self
            .settings
            .python
            .split_first()
            .ok_or_else(|| SourceError::Permanent("no Python command is configured".into()))?;
        let mut child = Command::new(program)
            .args(args)
            .arg("-c")
            .arg(WORKER)
            .arg(&self.settings.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                SourceError::Permanent(format!(
                    "cannot run {:?}: {e} (scripts/setup installs Python and ytmusicapi)",
                    self.settings.python.join(" ")
                ))
            })?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| SourceError::Transient("the search worker has no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| SourceError::Transient("the search worker has no stdout".into()))?;
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::warn!(line = %line, "ytmusicapi worker");
                }
            });
        }
        let pending: Pending = Arc::default();
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (ready_tx, ready_rx) = oneshot::channel::<Result<String, String>>();
        {
            let pending = pending.clone();
            let alive = alive.clone();
            tokio::spawn(async move {
                let mut ready_tx = Some(ready_tx);
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let Ok(answer) = serde_json::from_str::<Answer>(&line) else {
                        tracing::warn!(line = %line, "the search worker said something unreadable");
                        continue;
                    };
                    if answer.ready.is_some() || answer.fatal.is_some() {
                        if let Some(tx) = ready_tx.take() {
                            let _ = tx.send(match (answer.ready, answer.fatal) {
                                (_, Some(fatal)) => Err(fatal),
                                (Some(v), None) => Ok(v),
                                (None, None) => Err("no answer".into()),
                            });
                        }
                        continue;
                    }
                    let waiting = answer.id.and_then(|id| {
                        pending
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&id)
                    });
                    if let Some(tx) = waiting {
                        let _ = tx.send(answer);
                    }
                }
                alive.store(false, Ordering::SeqCst);
                // Whoever still waits learns the worker is gone.
                pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
                if let Some(tx) = ready_tx.take() {
                    let _ = tx.send(Err("the search worker exited before it was ready".into()));
                }
            });
        }
        match tokio::time::timeout(Duration::from_secs(30), ready_rx).await {
            Ok(Ok(Ok(version))) => {
                tracing::info!(ytmusicapi = %version, url = %self.settings.url, "search worker ready");
                Ok(Worker {
                    stdin,
                    pending,
                    _child: child,
                    alive,
                })
            }
            Ok(Ok(Err(reason))) if reason.contains("not installed") => {
                Err(SourceError::Permanent(reason))
            }
            Ok(Ok(Err(reason))) => Err(SourceError::Transient(reason)),
            Ok(Err(_)) => Err(SourceError::Transient(
                "the search worker exited before it was ready".into(),
            )),
            Err(_) => Err(SourceError::Transient(
                "the search worker did not start within 30 s".into(),
            )),
        }
    }

    /// One search: `filter` is `songs`, `videos` or `None`.
    pub async fn query(
        &self,
        query: &str,
        filter: Option<&str>,
    ) -> Result<Vec<ResultJson>, SourceError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let line = serde_json::json!({
            "id": id, "query": query, "filter": filter, "limit": self.settings.results,
        })
        .to_string();
        {
            let mut guard = self.worker.lock().await;
            let dead = guard
                .as_ref()
                .is_none_or(|w| !w.alive.load(Ordering::SeqCst));
            if dead {
                *guard = Some(self.start_worker().await?);
            }
            let worker = guard
                .as_mut()
                .ok_or_else(|| SourceError::Transient("no search worker".into()))?;
            worker
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, tx);
            let sent = async {
                worker.stdin.write_all(line.as_bytes()).await?;
                worker.stdin.write_all(b"\n").await?;
                worker.stdin.flush().await
            }
            .await;
            if let Err(e) = sent {
                *guard = None;
                return Err(SourceError::Transient(format!(
                    "the search worker stopped: {e}"
                )));
            }
        }
        let answer = match tokio::time::timeout(self.settings.timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => {
                return Err(SourceError::Transient(
                    "the search worker stopped during a search".into(),
                ))
            }
            Err(_) => {
                // A stuck worker is replaced on the next search.
                *self.worker.lock().await = None;
                return Err(SourceError::Transient(format!(
                    "YouTube Music did not answer within {} s",
                    self.settings.timeout.as_secs()
                )));
            }
        };
        match (answer.results, answer.error) {
            (Some(results), None) => Ok(results),
            (_, Some(error)) if answer.transient => {
                Err(SourceError::Transient(format!("YouTube Music: {error}")))
            }
            (_, Some(error)) => Err(SourceError::Permanent(format!("YouTube Music: {error}"))),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// Whether `candidates` hold a confident song result.
    fn confident_song(&self, wanted: &Wanted, candidates: &[Candidate]) -> bool {
        let (scored, verdict) = choose(wanted, candidates, &self.settings.matching);
        matches!(verdict, Verdict::Match { index, .. } if scored[index].candidate.kind == Kind::Song)
    }
}

#[async_trait]
impl Source for YtMusic {
    fn name(&self) -> &'static str {
        "youtube-music"
    }

    async fn search(&self, wanted: &Wanted) -> Result<Vec<Candidate>, SourceError> {
        let base = self.settings.url.as_str();
        let mut found: Vec<Candidate> = Vec::new();
        let add = |new: Vec<Candidate>, found: &mut Vec<Candidate>| {
            for c in new {
                if !found.iter().any(|f| f.url == c.url) {
                    found.push(c);
                }
            }
        };
        let text = text_query(wanted);
        let mut stages: Vec<(String, Option<&str>, &str)> = Vec::new();
        if let Some(isrc) = wanted.isrc.as_deref().and_then(isrc_query) {
            stages.push((isrc, Some("songs"), "isrc"));
        }
        stages.push((text.clone(), Some("songs"), "songs"));
        stages.push((text.clone(), Some("videos"), "videos"));
        stages.push((text, None, "top"));
        let mut last_error = None;
        for (query, filter, label) in stages {
            match self.query(&query, filter).await {
                Ok(results) => add(candidates_from(results, base, label), &mut found),
                Err(e) => {
                    tracing::debug!(query = %query, error = %e, "a search failed");
                    last_error = Some(e);
                    continue;
                }
            }
            if self.confident_song(wanted, &found) {
                break;
            }
        }
        match last_error {
            Some(e) if found.is_empty() => Err(e),
            _ => Ok(found),
        }
    }

    async fn fetch(
        &self,
        candidate: &Candidate,
        dir: &Path,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<PathBuf, SourceError> {
        self.downloader
            .fetch(candidate, dir, progress, cancel)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrc_queries_have_the_space_youtube_music_needs() {
        assert_eq!(isrc_query("USUM71703861").as_deref(), Some("US UM71703861"));
        assert_eq!(isrc_query("short"), None);
    }

    #[test]
    fn counts_read_as_shown() {
        assert_eq!(parse_count("1.2B"), Some(1_200_000_000));
        assert_eq!(parse_count("55M\u{a0}plays"), Some(55_000_000));
        assert_eq!(parse_count("387K views"), Some(387_000));
        assert_eq!(parse_count("46"), Some(46));
        assert_eq!(parse_count("views"), None);
    }
}
