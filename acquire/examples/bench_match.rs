//! `BENCH match`: labelled cases (acquire/match-cases/README.md) replayed
//! through the local YouTube Music, the real ytmusicapi client, Hoard's
//! parser and Hoard's matcher, and (when `SPOTDL_PYTHON` names a Python with
//! spotDL installed) through spotDL's own `YouTubeMusic.search`, on the same
//! stand-in. Prints the failures, then `BENCH match-spotdl: …` and, last,
//! `BENCH match: …`.
//!
//! `cargo run --release -p hoard-acquire --example bench_match -- [CASES.json…]`
//! (scripts/bench-match sets up spotDL and runs this).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hoard_acquire::matcher::{choose, MatchOptions, Verdict, Wanted};
use hoard_acquire::source::Source;
use hoard_acquire::ytdlp::YtDlp;
use hoard_acquire::ytmusic::{YtMusic, YtMusicSettings};
use ytmusic_mock::case::{parse_cases, Case};
use ytmusic_mock::Catalogue;

#[derive(Default)]
struct Tally {
    right: usize,
    wrong: usize,
    refused_right: usize,
    refused_wrong: usize,
}

impl Tally {
    /// Counts one answer: the chosen videoId, or `None` for a refusal.
    fn count(&mut self, case: &Case, chosen: Option<&str>) -> &'static str {
        match (chosen, case.accept.is_empty()) {
            (Some(id), _) if case.accept.iter().any(|a| a == id) => {
                self.right += 1;
                "right"
            }
            (Some(_), _) => {
                self.wrong += 1;
                "wrong"
            }
            (None, true) => {
                self.refused_right += 1;
                "refused_right"
            }
            (None, false) => {
                self.refused_wrong += 1;
                "refused_wrong"
            }
        }
    }

    fn line(&self, name: &str) -> String {
        let n = self.right + self.wrong + self.refused_right + self.refused_wrong;
        let accuracy = (self.right + self.refused_right) as f64 / n.max(1) as f64;
        let wrong_rate = self.wrong as f64 / n.max(1) as f64;
        format!(
            "BENCH {name}: cases={n} right={} wrong={} refused_right={} refused_wrong={} accuracy={accuracy:.3} wrong_rate={wrong_rate:.3}",
            self.right, self.wrong, self.refused_right, self.refused_wrong
        )
    }
}

fn video_id(url: &str) -> Option<&str> {
    url.split("v=")
        .nth(1)
        .map(|id| id.split('&').next().unwrap_or(id))
}

fn default_case_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("match-cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        files = default_case_files();
    }
    let mut cases: Vec<Case> = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        cases.extend(parse_cases(&text).map_err(|e| format!("{}: {e}", file.display()))?);
    }
    if cases.is_empty() {
        return Err("no cases: give case files (acquire/match-cases/README.md)".into());
    }

    let catalogue = Catalogue::new(cases.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = ytmusic_mock::router(catalogue.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let options = MatchOptions::default();
    let source = Arc::new(YtMusic::new(
        YtMusicSettings {
            url: base.clone(),
            matching: options.clone(),
            ..YtMusicSettings::default()
        },
        YtDlp::default(),
    ));

    let mut hoard = Tally::default();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut searches = 0usize;
    for case in &cases {
        catalogue.select(Some(&case.id));
        catalogue.reset_searches();
        let wanted = Wanted {
            title: case.track.title.clone(),
            artists: case.track.artists.clone(),
            album: case.track.album.clone(),
            duration_ms: case.track.duration_ms,
            isrc: case.track.isrc.clone(),
            explicit: Some(case.track.explicit),
        };
        let candidates = source.search(&wanted).await?;
        searches += catalogue.searches().len();
        let (scored, verdict) = choose(&wanted, &candidates, &options);
        let chosen = match &verdict {
            Verdict::Match { index, .. } => video_id(&scored[*index].candidate.url),
            Verdict::NoConfidentMatch { .. } => None,
        };
        let outcome = hoard.count(case, chosen);
        let good = matches!(outcome, "right" | "refused_right");
        for kind in &case.kinds {
            let entry = by_kind.entry(kind.clone()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(good);
        }
        if !good {
            let mut text = format!(
                "{outcome}: {} \"{}\" by {} (accept {:?}, chose {:?})",
                case.id,
                case.track.title,
                case.track.artists.join(", "),
                case.accept,
                chosen
            );
            for s in scored.iter().take(4) {
                text.push_str(&format!(
                    "\n    {:.2} {} [{}] {} — {}",
                    s.score,
                    video_id(&s.candidate.url).unwrap_or("?"),
                    s.candidate.found_by,
                    s.candidate.title,
                    s.reasons.join("; ")
                ));
            }
            failures.push(text);
        }
    }
    catalogue.select(None);

    for failure in &failures {
        println!("{failure}");
    }
    println!("by kind (right of cases):");
    for (kind, (n, good)) in &by_kind {
        println!("  {kind:<26} {good}/{n}");
    }
    println!(
        "searches: {searches} for {} cases ({:.2} per case)",
        cases.len(),
        searches as f64 / cases.len() as f64
    );

    // spotDL's own selection, on the same stand-in.
    let spotdl_line = match std::env::var("SPOTDL_PYTHON") {
        Ok(python) if !python.is_empty() => {
            let merged =
                std::env::temp_dir().join(format!("hoard-cases-{}.json", std::process::id()));
            std::fs::write(&merged, serde_json::to_string(&cases)?)?;
            let harness = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/spotdl_match.py");
            let output = tokio::process::Command::new(&python)
                .arg(&harness)
                .arg(&base)
                .arg(&merged)
                .output()
                .await?;
            let _ = std::fs::remove_file(&merged);
            if !output.status.success() {
                return Err(format!(
                    "the spotDL harness failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            let mut chosen: BTreeMap<String, Option<String>> = BTreeMap::new();
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                    if let Some(id) = v["id"].as_str() {
                        chosen.insert(id.to_owned(), v["chosen"].as_str().map(str::to_owned));
                    }
                }
            }
            let mut spotdl = Tally::default();
            for case in &cases {
                let answer = chosen.get(&case.id).cloned().flatten();
                spotdl.count(case, answer.as_deref());
            }
            Some(spotdl.line("match-spotdl"))
        }
        _ => {
            println!("(SPOTDL_PYTHON is not set: spotDL's matcher was not run)");
            None
        }
    };
    if let Some(line) = spotdl_line {
        println!("{line}");
    }
    println!("{}", hoard.line("match"));
    Ok(())
}
