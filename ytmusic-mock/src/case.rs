//! The case format of `acquire/match-cases/README.md`: a Spotify track and
//! the results YouTube Music shows for it.

use serde::{Deserialize, Serialize};

/// One track and what YouTube Music shows when it is searched.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub note: String,
    pub track: Track,
    /// What the Songs filter shows.
    #[serde(default)]
    pub songs: Vec<Shown>,
    /// What the Videos filter shows.
    #[serde(default)]
    pub videos: Vec<Shown>,
    /// What a search for the ISRC shows (absent: nothing).
    #[serde(default)]
    pub isrc_songs: Option<Vec<Shown>>,
    /// The videoIds a careful person would accept; empty: refuse.
    #[serde(default)]
    pub accept: Vec<String>,
}

/// The track as Spotify gives it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Track {
    pub title: String,
    pub artists: Vec<String>,
    #[serde(default)]
    pub album: Option<String>,
    pub duration_ms: i64,
    #[serde(default)]
    pub explicit: bool,
    #[serde(default)]
    pub isrc: Option<String>,
}

/// One result as YouTube Music shows it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Shown {
    #[serde(rename = "videoId")]
    pub video_id: String,
    pub title: String,
    #[serde(default)]
    pub artists: Vec<String>,
    #[serde(default)]
    pub album: Option<String>,
    pub duration: String,
    #[serde(default)]
    pub explicit: bool,
    /// `ATV`, `OMV`, `UGC` or `OFFICIAL_SOURCE_MUSIC`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub plays: Option<String>,
    #[serde(default)]
    pub views: Option<String>,
}

impl Shown {
    /// The shown duration in seconds (`m:ss` or `h:mm:ss`), if it reads.
    pub fn seconds(&self) -> Option<u64> {
        self.duration.split(':').try_fold(0u64, |acc, part| {
            Some(acc * 60 + part.trim().parse::<u64>().ok()?)
        })
    }
}

impl Case {
    /// Every result of the case, songs first.
    pub fn all(&self) -> impl Iterator<Item = &Shown> {
        self.songs
            .iter()
            .chain(&self.videos)
            .chain(self.isrc_songs.iter().flatten())
    }
}

/// Reads a case file: a JSON array of cases, or `{"cases": [...]}`.
pub fn parse_cases(json: &str) -> Result<Vec<Case>, String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum File {
        List(Vec<Case>),
        Wrapped { cases: Vec<Case> },
    }
    match serde_json::from_str::<File>(json).map_err(|e| e.to_string())? {
        File::List(cases) | File::Wrapped { cases } => Ok(cases),
    }
}
