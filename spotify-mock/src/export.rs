//! Spotify's Extended Streaming History export, as `my_spotify_data.zip`
//! holds it: a `Spotify Extended Streaming History/` folder with
//! `Streaming_History_Audio_<years>_<n>.json` files (split at about 12 MB,
//! pretty-printed with four spaces), `Streaming_History_Video_*.json` and a
//! `ReadMeFirst_ExtendedStreamingHistory.pdf`. Each row has every field
//! whether it applies or not (null when not): the 2024 field list of
//! Spotify's "Understanding my data" page, as other projects' parsers read
//! it. Tests and the benchmark build uploads with it.

use std::io::Write;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};

use crate::util;

/// The folder Spotify puts the files in.
pub const FOLDER: &str = "Spotify Extended Streaming History";
/// About where Spotify splits the files.
pub const FILE_BYTES: usize = 12 * 1024 * 1024;

/// A track as a history row names it.
#[derive(Clone, Debug)]
pub struct Named {
    pub id: String,
    pub name: String,
    pub artist: String,
    pub album: String,
    pub duration_ms: u64,
}

fn base(ended_secs: i64, ms_played: u64) -> Value {
    json!({
        "ts": util::iso_secs(ended_secs),
        "platform": "android",
        "ms_played": ms_played,
        "conn_country": "DE",
        "ip_addr": "192.0.2.44",
        "master_metadata_track_name": null,
        "master_metadata_album_artist_name": null,
        "master_metadata_album_album_name": null,
        "spotify_track_uri": null,
        "episode_name": null,
        "episode_show_name": null,
        "spotify_episode_uri": null,
        "audiobook_title": null,
        "audiobook_uri": null,
        "audiobook_chapter_uri": null,
        "audiobook_chapter_title": null,
        "reason_start": "clickrow",
        "reason_end": "endplay",
        "shuffle": false,
        "skipped": false,
        "offline": false,
        "offline_timestamp": null,
        "incognito_mode": false
    })
}

/// A stream of `track` that ended at `ended_secs` after `ms_played`.
pub fn track_row(ended_secs: i64, ms_played: u64, track: &Named) -> Value {
    let mut r = base(ended_secs, ms_played);
    r["master_metadata_track_name"] = json!(track.name);
    r["master_metadata_album_artist_name"] = json!(track.artist);
    r["master_metadata_album_album_name"] = json!(track.album);
    r["spotify_track_uri"] = json!(format!("spotify:track:{}", track.id));
    let whole = ms_played + 1_000 >= track.duration_ms;
    r["reason_start"] = json!("trackdone");
    r["reason_end"] = json!(if whole { "trackdone" } else { "fwdbtn" });
    r["skipped"] = json!(!whole && ms_played < 30_000);
    r
}

/// A podcast episode stream.
pub fn episode_row(ended_secs: i64, ms_played: u64) -> Value {
    let mut r = base(ended_secs, ms_played);
    r["episode_name"] = json!("Episode 12: On Tape");
    r["episode_show_name"] = json!("The Archive Hour");
    r["spotify_episode_uri"] = json!("spotify:episode:4rOoJ6Egrf8K2IrywzwOMk");
    r
}

/// An audiobook chapter stream.
pub fn audiobook_row(ended_secs: i64, ms_played: u64) -> Value {
    let mut r = base(ended_secs, ms_played);
    r["audiobook_title"] = json!("A Long Book");
    r["audiobook_uri"] = json!("spotify:show:1ZCp2d8aB6sR3kFAWf3C7Q");
    r["audiobook_chapter_uri"] = json!("spotify:episode:0Xq4b8ZcT1Wc2cYHkBQ6Yy");
    r["audiobook_chapter_title"] = json!("Chapter 3");
    r
}

/// A row with no content at all (Spotify writes some).
pub fn empty_row(ended_secs: i64, ms_played: u64) -> Value {
    base(ended_secs, ms_played)
}

/// Rows as one file's bytes, pretty-printed as Spotify writes them.
pub fn file(rows: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Writing JSON values to memory cannot fail.
    let _ = rows.serialize(&mut ser);
    out
}

/// Rows (oldest first) split into files of about `bytes` each, named as
/// Spotify names them (`Streaming_History_Audio_2016-2018_3.json`).
pub fn split(rows: &[Value], bytes: usize) -> Vec<(String, Vec<u8>)> {
    let year = |r: &Value| {
        r["ts"]
            .as_str()
            .and_then(|t| t.get(..4))
            .unwrap_or("0000")
            .to_owned()
    };
    let mut files = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        // About 700 bytes a row: grow a file until it reaches `bytes`.
        let mut end = (start + (bytes / 700).max(1)).min(rows.len());
        let mut data = file(&rows[start..end]);
        while data.len() > bytes && end - start > 1 {
            end = start + (end - start) * 9 / 10;
            data = file(&rows[start..end]);
        }
        let (from, to) = (year(&rows[start]), year(&rows[end - 1]));
        let years = if from == to {
            from
        } else {
            format!("{from}-{to}")
        };
        files.push((
            format!(
                "{FOLDER}/Streaming_History_Audio_{years}_{}.json",
                files.len()
            ),
            data,
        ));
        start = end;
    }
    files
}

/// `my_spotify_data.zip` with these history files (and the others Spotify adds).
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let extra: [(String, &[u8]); 2] = [
        (
            format!("{FOLDER}/ReadMeFirst_ExtendedStreamingHistory.pdf"),
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        ),
        (
            format!("{FOLDER}/Streaming_History_Video_2019-2024.json"),
            b"[]",
        ),
    ];
    let mut members: Vec<(String, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.clone(), d.as_slice()))
        .collect();
    members.extend(extra.iter().map(|(n, d)| (n.clone(), *d)));
    zip_members(&members)
}

/// A zip of exactly these members, deflated.
pub fn zip_members(members: &[(String, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        // Writing to memory fails only on a broken writer; none here.
        if zip.start_file(name.as_str(), options).is_ok() {
            let _ = zip.write_all(data);
        }
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// `n` plays of `tracks` over `years` years up to `end_secs`, oldest first,
/// as a listener's history looks: most tracks heard whole, one in five
/// skipped early, a few podcast, audiobook and empty rows.
pub fn listening_years(
    tracks: &[Named],
    n: usize,
    years: u32,
    end_secs: i64,
    seed: u64,
) -> Vec<Value> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let span = i64::from(years) * 365 * 86_400;
    let mut times: Vec<i64> = (0..n)
        .map(|_| end_secs - rng.random_range(0..span))
        .collect();
    times.sort_unstable();
    // A taste: some tracks far more often than others.
    let favourites: Vec<&Named> = tracks.iter().take((tracks.len() / 20).max(1)).collect();
    times
        .into_iter()
        .map(|at| {
            let kind = rng.random_range(0..100);
            match kind {
                0 => episode_row(at, rng.random_range(60_000..3_600_000)),
                1 => audiobook_row(at, rng.random_range(60_000..1_800_000)),
                2 => empty_row(at, rng.random_range(0..5_000)),
                _ => {
                    let pick = if rng.random_bool(0.4) {
                        favourites.choose(&mut rng).copied()
                    } else {
                        tracks.choose(&mut rng)
                    };
                    let Some(track) = pick else {
                        return empty_row(at, 0);
                    };
                    let ms = if rng.random_range(0..5) == 0 {
                        rng.random_range(0..30_000)
                    } else {
                        track.duration_ms
                    };
                    track_row(at, ms, track)
                }
            }
        })
        .collect()
}
