//! Spotify's Extended Streaming History: years of plays from the
//! `my_spotify_data.zip` a person asks Spotify for (or its
//! `Streaming_History_Audio_*.json` files; older exports call them
//! `endsong_*.json`).
//!
//! Each row is one stream: `ts` (when it *stopped*, UTC), `ms_played`, the
//! track's names and `spotify_track_uri`, `platform`, `conn_country`,
//! `reason_start`/`reason_end`, `shuffle`, `skipped`, `offline`,
//! `incognito_mode`; podcast rows carry `spotify_episode_uri` and audiobook
//! rows `audiobook_uri` instead, and some rows carry nothing at all. Any
//! field may be null.
//!
//! [`inspect`] checks an upload before anything is stored: a zip whose
//! members are history files (each at most [`MEMBER_LIMIT`], however small
//! its compressed size, so a zip bomb is refused), or one JSON array.
//! [`import`] then reads it file by file, 5,000 rows a transaction, each
//! transaction also recording how far it got, so an import killed at any
//! moment resumes where it stopped and adds no play twice. Plays the vault
//! already has (polled, backfilled, from an earlier upload) are recognised
//! (`vault::listening`); tracks it does not know are created from the
//! file's names, and the sync fills in Spotify's data for them later.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use serde::Deserialize;
use vault::model::{counts_as_play, Id};
use vault::{tolerance, DbError, ImportStep, NameCache, NewListen, Vault};

/// The largest history file inside an upload, uncompressed. Spotify's are
/// about 12 MB.
pub const MEMBER_LIMIT: u64 = 200 * 1024 * 1024;
/// Rows per transaction.
const STEP_ROWS: usize = 5_000;

/// Why an upload is refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Refused(String),
    #[error("the upload could not be read: {0}")]
    Io(#[from] std::io::Error),
}

/// What an upload holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upload {
    /// A zip, with the names of its history files in order.
    Zip(Vec<String>),
    /// One history file.
    Json,
}

impl Upload {
    pub fn members(&self) -> usize {
        match self {
            Upload::Zip(m) => m.len(),
            Upload::Json => 1,
        }
    }
}

fn is_history_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.ends_with(".json")
        && (base.starts_with("Streaming_History_Audio_") || base.starts_with("endsong_"))
}

/// Checks an uploaded file: a zip of history files or one JSON array.
pub fn inspect(path: &Path) -> Result<Upload, UploadError> {
    let mut file = File::open(path)?;
    let mut head = [0u8; 4];
    let n = file.read(&mut head)?;
    file.rewind()?;
    if n >= 4 && head == *b"PK\x03\x04" {
        return inspect_zip(file);
    }
    if n >= 4 && head == *b"PK\x05\x06" {
        return Err(UploadError::Refused("the zip is empty".into()));
    }
    let mut start = Vec::new();
    file.take(4096).read_to_end(&mut start)?;
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Ok(Upload::Json),
        Some(b'{') => Err(UploadError::Refused(
            "this JSON is one object, not a streaming history (a list of plays); \
             upload my_spotify_data.zip or its Streaming_History_Audio_*.json files"
                .into(),
        )),
        _ => Err(UploadError::Refused(
            "this is neither a zip nor a JSON file; upload my_spotify_data.zip from \
             Spotify's \"Extended streaming history\" or its Streaming_History_Audio_*.json files"
                .into(),
        )),
    }
}

fn inspect_zip(file: File) -> Result<Upload, UploadError> {
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| UploadError::Refused(format!("this zip cannot be read ({e})")))?;
    let mut members = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| UploadError::Refused(format!("this zip cannot be read ({e})")))?;
        let name = entry
            .name()
            .map_err(|e| UploadError::Refused(format!("this zip has a bad file name ({e})")))?
            .into_owned();
        if !is_history_file(&name) {
            continue;
        }
        if entry.size() > MEMBER_LIMIT {
            return Err(UploadError::Refused(format!(
                "{name} would be {} MB unpacked; history files are about 12 MB, so this \
                 is not one (the limit is {} MB)",
                entry.size() / (1024 * 1024),
                MEMBER_LIMIT / (1024 * 1024)
            )));
        }
        members.push(name);
    }
    if members.is_empty() {
        return Err(UploadError::Refused(
            "this zip has no Streaming_History_Audio_*.json files; it must be the \
             \"Extended streaming history\" download (the \"Account data\" one has no plays to import)"
                .into(),
        ));
    }
    members.sort();
    Ok(Upload::Zip(members))
}

/// One row of a history file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Row {
    ts: Option<String>,
    platform: Option<String>,
    ms_played: Option<i64>,
    conn_country: Option<String>,
    master_metadata_track_name: Option<String>,
    master_metadata_album_artist_name: Option<String>,
    master_metadata_album_album_name: Option<String>,
    spotify_track_uri: Option<String>,
    spotify_episode_uri: Option<String>,
    episode_name: Option<String>,
    audiobook_uri: Option<String>,
    audiobook_chapter_uri: Option<String>,
    reason_start: Option<String>,
    reason_end: Option<String>,
    shuffle: Option<bool>,
    skipped: Option<bool>,
    offline: Option<bool>,
    incognito_mode: Option<bool>,
}

/// `2022-06-17T19:53:06Z`, or the older `2013-02-08 09:17:20`.
fn parse_ts(ts: &str) -> Option<i64> {
    vault::rfc3339_ms(ts).or_else(|| {
        let fixed = format!("{}Z", ts.trim().replacen(' ', "T", 1));
        vault::rfc3339_ms(&fixed)
    })
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error("vault: {0}")]
    Db(#[from] DbError),
}

/// Reads the history file `index` of `path`, laid out as `upload` (bounded,
/// whatever the zip claims).
fn read_member(
    path: &Path,
    upload: &Upload,
    index: usize,
) -> Result<(String, Vec<u8>), ImportError> {
    let file =
        File::open(path).map_err(|e| ImportError::File(format!("the upload is gone: {e}")))?;
    let mut bytes = Vec::new();
    let name = match upload {
        Upload::Json => {
            file.take(MEMBER_LIMIT + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| ImportError::File(e.to_string()))?;
            "the JSON file".to_owned()
        }
        Upload::Zip(members) => {
            let name = members
                .get(index)
                .cloned()
                .ok_or_else(|| ImportError::File("the zip changed".into()))?;
            let mut zip =
                zip::ZipArchive::new(file).map_err(|e| ImportError::File(e.to_string()))?;
            let entry = zip
                .by_name(&name)
                .map_err(|e| ImportError::File(format!("{name}: {e}")))?;
            entry
                .take(MEMBER_LIMIT + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| ImportError::File(format!("{name} cannot be unpacked: {e}")))?;
            name
        }
    };
    if bytes.len() as u64 > MEMBER_LIMIT {
        return Err(ImportError::File(format!(
            "{name} unpacks to more than {} MB: not a history file",
            MEMBER_LIMIT / (1024 * 1024)
        )));
    }
    Ok((name, bytes))
}

/// Where an import's time went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportTimes {
    /// Unpacking and parsing the files.
    pub reading: std::time::Duration,
    /// Finding tracks and writing plays.
    pub writing: std::time::Duration,
}

/// Imports (or resumes importing) upload `id`; marks it done or failed.
pub async fn import(vault: &Vault, id: Id) -> Result<ImportTimes, ImportError> {
    let result = import_inner(vault, id).await;
    match &result {
        Ok(_) => vault.finish_history_import(id, None).await?,
        Err(ImportError::File(reason)) => vault.finish_history_import(id, Some(reason)).await?,
        Err(ImportError::Db(_)) => {}
    }
    result
}

async fn import_inner(vault: &Vault, id: Id) -> Result<ImportTimes, ImportError> {
    let (import, path, user_id) = vault.history_import(id).await?;
    let path = std::path::PathBuf::from(path);
    let (mut member, mut skip) = vault.history_import_position(id).await?;
    let mut tracks = vault.spotify_track_index().await?;
    let mut seen = vault.spotify_listen_index(user_id).await?;
    let mut names = NameCache::default();
    let upload = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || inspect(&path))
            .await
            .map_err(|e| ImportError::File(e.to_string()))?
            .map_err(|e| ImportError::File(e.to_string()))?
    };
    let upload = std::sync::Arc::new(upload);
    let (mut reading, mut writing) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    while member < import.members {
        let read_started = std::time::Instant::now();
        let (name, bytes) = {
            let (path, upload) = (path.clone(), upload.clone());
            let index = member as usize;
            tokio::task::spawn_blocking(move || read_member(&path, &upload, index))
                .await
                .map_err(|e| ImportError::File(e.to_string()))??
        };
        let rows: Vec<Row> = serde_json::from_slice(&bytes).map_err(|e| {
            ImportError::File(format!("{name} is not a streaming history file: {e}"))
        })?;
        drop(bytes);
        reading += read_started.elapsed();
        let write_started = std::time::Instant::now();
        vault
            .history_import_total(id, rows.len() as i64, member)
            .await?;
        let start = (skip as usize).min(rows.len());
        if start == rows.len() {
            // An empty file, or one finished just before a kill.
            let mut tx = vault.begin().await?;
            let step = ImportStep {
                member: member + 1,
                ..ImportStep::default()
            };
            Vault::history_import_step(&mut tx, id, &step).await?;
            tx.commit().await.map_err(DbError::from)?;
        }
        for (chunk_index, chunk) in rows[start..].chunks(STEP_ROWS).enumerate() {
            let done = start + chunk_index * STEP_ROWS + chunk.len();
            let last = done == rows.len();
            let mut step = ImportStep {
                member: if last { member + 1 } else { member },
                rows_in_member: if last { 0 } else { done as i64 },
                rows: chunk.len() as i64,
                ..ImportStep::default()
            };
            let mut tx = vault.begin().await?;
            let mut listens = Vec::with_capacity(chunk.len());
            for row in chunk {
                let Some((listen, duration)) =
                    listen_of(row, user_id, &mut tx, &mut tracks, &mut names, &mut step).await?
                else {
                    continue;
                };
                if seen.contains(&listen, tolerance(duration)) {
                    step.duplicates += 1;
                    continue;
                }
                seen.add(&listen);
                listens.push(listen);
            }
            step.plays_added = Vault::insert_listens(&mut tx, &listens).await? as i64;
            // History rows are counted here, a step at a time, not by the trigger.
            Vault::add_track_plays(&mut tx, &listens).await?;
            Vault::history_import_step(&mut tx, id, &step).await?;
            tx.commit().await.map_err(DbError::from)?;
        }
        writing += write_started.elapsed();
        member += 1;
        skip = 0;
    }
    Ok(ImportTimes { reading, writing })
}

fn track_key(row: &Row) -> Option<&str> {
    row.spotify_track_uri
        .as_deref()
        .and_then(|u| u.strip_prefix("spotify:track:"))
        .filter(|id| !id.is_empty())
}

/// The listen a row records and its track's length (0 if not known yet),
/// creating the track if the vault lacks it; `None` (counted in `step`) for
/// episodes, audiobooks and empty rows.
async fn listen_of(
    row: &Row,
    user_id: Id,
    conn: &mut vault::SqliteConnection,
    tracks: &mut vault::TrackIndex,
    names: &mut NameCache,
    step: &mut ImportStep,
) -> Result<Option<(NewListen, i64)>, ImportError> {
    let is_episode = row.spotify_episode_uri.is_some()
        || row.episode_name.is_some()
        || row.audiobook_uri.is_some()
        || row.audiobook_chapter_uri.is_some();
    let Some(spotify_id) = track_key(row) else {
        if is_episode {
            step.episodes += 1;
        } else {
            step.unknown_rows += 1;
        }
        return Ok(None);
    };
    let Some(ended) = row.ts.as_deref().and_then(parse_ts) else {
        step.unknown_rows += 1;
        return Ok(None);
    };
    let (track_id, duration) = match tracks.get(spotify_id) {
        Some(known) => *known,
        None => {
            let title = row
                .master_metadata_track_name
                .as_deref()
                .filter(|t| !t.is_empty())
                .unwrap_or("Unknown track");
            let id = Vault::insert_named_track(
                conn,
                spotify_id,
                title,
                row.master_metadata_album_artist_name.as_deref(),
                row.master_metadata_album_album_name.as_deref(),
                names,
            )
            .await?;
            step.tracks_created += 1;
            tracks.insert(spotify_id.to_owned(), (id, 0));
            (id, 0)
        }
    };
    let ms_played = row.ms_played.unwrap_or(0).max(0);
    let listen = NewListen {
        user_id,
        track_id,
        started_ms: ended - ms_played,
        ended_ms: ended,
        ms_played: Some(ms_played),
        counted: counts_as_play(ms_played, duration),
        source: "spotify-history",
        platform: row.platform.clone(),
        shuffle: row.shuffle,
        skipped: row.skipped,
        reason_start: row.reason_start.clone(),
        reason_end: row.reason_end.clone(),
        conn_country: row.conn_country.clone(),
        offline: row.offline,
        incognito: row.incognito_mode,
        ..NewListen::default()
    };
    Ok(Some((listen, duration)))
}
