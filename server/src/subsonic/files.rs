//! The endpoints that send files: `stream` (as it is, with Range, or
//! transcoded by ffmpeg as it plays), `download`, `getCoverArt` and
//! `getLyricsBySongId` (the lyrics in the file's own tags).

use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use futures_util::Stream;
use serde_json::json;
use tokio_util::io::ReaderStream;

use vault::subsonic::SongRow;

use super::{Call, Fault, Reply, Thing};

/// What a transcode makes: ffmpeg's encoder, muxer and the content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Target {
    name: &'static str,
    codec: &'static str,
    muxer: &'static str,
    content_type: &'static str,
    default_kbps: i64,
}

const TARGETS: [Target; 4] = [
    Target {
        name: "mp3",
        codec: "libmp3lame",
        muxer: "mp3",
        content_type: "audio/mpeg",
        default_kbps: 192,
    },
    Target {
        name: "opus",
        codec: "libopus",
        muxer: "ogg",
        content_type: "audio/ogg",
        default_kbps: 128,
    },
    Target {
        name: "ogg",
        codec: "libvorbis",
        muxer: "ogg",
        content_type: "audio/ogg",
        default_kbps: 160,
    },
    Target {
        name: "aac",
        codec: "aac",
        muxer: "adts",
        content_type: "audio/aac",
        default_kbps: 192,
    },
];

/// A song's file, checked to be inside the library, with its format and length.
async fn song_file(call: &Call<'_>) -> Result<(PathBuf, String, i64), Fault> {
    let row = super::one_song(call, "id").await?;
    let path = checked_file(call, &row)?;
    Ok((path, row.format.unwrap_or_default(), row.duration_ms))
}

/// The song's file, if it is inside the library and on disk.
fn checked_file(call: &Call<'_>, row: &SongRow) -> Result<PathBuf, Fault> {
    let library = call.state.server.acquirer.settings().library_dir();
    let Some(path) = hoard_acquire::layout::inside_library(&library, &row.file_path) else {
        tracing::error!(
            track_id = row.id,
            "a file path in the vault leaves the library folder"
        );
        return Err(Fault::not_found(&format!(
            "Song {}",
            super::track_id(row.id)
        )));
    };
    if !path.is_file() {
        tracing::warn!(track_id = row.id, file = %path.display(), "a downloaded file is missing from disk");
        return Err(Fault::not_found(&format!(
            "The file of song {}",
            super::track_id(row.id)
        )));
    }
    Ok(path)
}

/// The request's head again, without its body, for the file service.
fn head_of(call: &Call<'_>) -> Request {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = axum::http::Method::GET;
    *request.uri_mut() = call.parts.uri.clone();
    *request.headers_mut() = call.parts.headers.clone();
    request
}

/// `stream`: the file as it is (Range requests for seeking) unless the app
/// asks for another `format`, a lower `maxBitRate` (kb/s) than the file's,
/// or a `timeOffset` (s, the `transcodeOffset` extension): then ffmpeg
/// encodes it as it is sent. `format=raw` always sends the file.
pub async fn stream(call: &Call<'_>) -> Result<Reply, Fault> {
    let (path, suffix, duration_ms) = song_file(call).await?;
    let format = call.params.get("format").filter(|f| !f.is_empty());
    let max_kbps = call.params.number("maxBitRate", 0)?;
    let offset = call.params.number("timeOffset", 0)?;
    if max_kbps < 0 || offset < 0 {
        return Err(Fault::bad("maxBitRate/timeOffset", "cannot be negative"));
    }
    let file_kbps = std::fs::metadata(&path)
        .ok()
        .filter(|_| duration_ms > 0)
        .map(|m| (m.len() as i64 * 8) / duration_ms);
    let over = max_kbps > 0 && file_kbps.is_some_and(|k| k > max_kbps);
    let target = match format {
        Some("raw") => None,
        Some(name) => {
            let target = TARGETS.iter().find(|t| t.name == name).ok_or_else(|| {
                Fault::bad(
                    "format",
                    &format!("must be raw, mp3, opus, ogg or aac, not “{name}”"),
                )
            })?;
            let same = name == suffix || (name == "aac" && suffix == "m4a");
            (!same || over || offset > 0).then_some(*target)
        }
        None => (over || offset > 0).then_some(TARGETS[0]),
    };
    let Some(target) = target else {
        let kind = crate::media::audio_type(&suffix);
        return Ok(Reply::Raw(
            crate::media::serve_file(path, kind, head_of(call)).await,
        ));
    };
    let kbps = if max_kbps > 0 {
        max_kbps.clamp(32, 320)
    } else {
        target.default_kbps
    };
    transcode(call, path, target, kbps, offset).await
}

/// ffmpeg's output as the body, ending the process when the app leaves.
struct Transcoded {
    output: ReaderStream<tokio::process::ChildStdout>,
    _child: tokio::process::Child,
    _turn: tokio::sync::OwnedSemaphorePermit,
}

impl Stream for Transcoded {
    type Item = std::io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.output).poll_next(cx)
    }
}

async fn transcode(
    call: &Call<'_>,
    path: PathBuf,
    target: Target,
    kbps: i64,
    offset: i64,
) -> Result<Reply, Fault> {
    let subsonic = &call.state.subsonic;
    let turn = subsonic
        .transcodes
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| Fault::generic("The server is stopping"))?;
    let mut command = tokio::process::Command::new(&subsonic.ffmpeg);
    command
        .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
        // Start sooner: probe the input briefly (and, below, send each
        // packet as it is made instead of filling a 32 KB buffer first).
        .args(["-probesize", "256k"])
        .args(["-ss", &offset.to_string()])
        .arg("-i")
        .arg(&path)
        .args(["-map", "0:a:0", "-vn", "-map_metadata", "-1"])
        .args(["-c:a", target.codec, "-b:a", &format!("{kbps}k")])
        .args(["-flush_packets", "1", "-f", target.muxer, "pipe:1"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        tracing::error!(error = %e, command = subsonic.ffmpeg, "cannot start ffmpeg to transcode");
        Fault::generic("Hoard cannot transcode: ffmpeg did not start (see Hoard's log)")
    })?;
    let Some(stdout) = child.stdout.take() else {
        return Err(Fault::generic("ffmpeg gave no output"));
    };
    let body = Body::from_stream(Transcoded {
        output: ReaderStream::with_capacity(stdout, 32 * 1024),
        _child: child,
        _turn: turn,
    });
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(target.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(Reply::Raw(response))
}

/// `download`: the file as it is, as an attachment.
pub async fn download(call: &Call<'_>) -> Result<Reply, Fault> {
    let (path, suffix, _) = song_file(call).await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("song.{suffix}"));
    let kind = crate::media::audio_type(&suffix);
    let mut response = crate::media::serve_file(path, kind, head_of(call)).await;
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(Reply::Raw(response))
}

/// `getCoverArt`: an album's, a playlist's, a song's album's or an
/// artist's first album's cover; `size` picks the smallest kept size that
/// is at least as large (64, 300 or 640 px), or the kept image above that.
pub async fn cover_art(call: &Call<'_>) -> Result<Reply, Fault> {
    let id = call.params.required("id")?;
    let artwork = &call.state.artwork;
    let vault = &call.state.server.vault;
    let user = call.listener.id;
    let kept = match Thing::parse(id) {
        Some(Thing::Album(album)) => artwork.album(album),
        Some(Thing::Playlist(playlist)) => {
            // Only a playlist the listener sees.
            vault
                .subsonic_playlist(user, playlist)
                .await
                .ok()
                .and_then(|_| artwork.playlist(playlist))
        }
        Some(Thing::Track(track)) => vault
            .subsonic_songs(user, &[track])
            .await?
            .first()
            .and_then(|s| s.album_id)
            .and_then(|album| artwork.album(album)),
        Some(Thing::Artist(artist)) => vault
            .subsonic_artist_albums(user, artist)
            .await?
            .iter()
            .find_map(|a| artwork.album(a.id)),
        None => None,
    };
    let Some((path, kind)) = kept else {
        return Err(Fault::not_found(&format!("Cover art {id}")));
    };
    let size = call.params.optional_number("size")?;
    let sized = match size {
        Some(size) if size <= 0 => {
            return Err(Fault::bad("size", "must be a positive number of pixels"))
        }
        Some(size) => crate::artwork::SIZES
            .iter()
            .copied()
            .find(|s| i64::from(*s) >= size),
        None => None,
    };
    let response = match sized {
        Some(size) => match artwork.sized(&path, size).await {
            Ok(scaled) => crate::media::serve_file(scaled, "image/jpeg", head_of(call)).await,
            Err(reason) => {
                tracing::warn!(file = %path.display(), "cannot scale a cover: {reason}");
                crate::media::serve_file(path, kind, head_of(call)).await
            }
        },
        None => crate::media::serve_file(path, kind, head_of(call)).await,
    };
    Ok(Reply::Raw(response))
}

/// `getLyricsBySongId` (the `songLyrics` extension): the lyrics in the
/// file's tags (ID3 USLT, Vorbis LYRICS, MP4 ©lyr). LRC text (`[mm:ss.xx]`
/// before each line) is sent as synced lines. A song without lyrics has an
/// empty list.
pub async fn lyrics(call: &Call<'_>) -> Result<Reply, Fault> {
    let row = super::one_song(call, "id").await?;
    let path = checked_file(call, &row)?;
    let text = tokio::task::spawn_blocking(move || read_lyrics(&path))
        .await
        .ok()
        .flatten();
    let mut list = Vec::new();
    if let Some(text) = text {
        let (synced, lines) = lines(&text);
        list.push(json!({
            "lang": "xxx",
            "synced": synced,
            "displayArtist": row.artist,
            "displayTitle": row.title,
            "line": lines,
        }));
    }
    Ok(Reply::Data(
        json!({"lyricsList": {"structuredLyrics": list}}),
    ))
}

fn read_lyrics(path: &std::path::Path) -> Option<String> {
    use lofty::prelude::*;
    let file = lofty::read_from_path(path).ok()?;
    file.tags().iter().find_map(|tag| {
        tag.get_string(ItemKey::Lyrics)
            .or_else(|| tag.get_string(ItemKey::UnsyncLyrics))
            .map(str::to_string)
            .filter(|t| !t.trim().is_empty())
    })
}

/// Lyrics text as lines; LRC timestamps become each line's start (ms).
fn lines(text: &str) -> (bool, Vec<serde_json::Value>) {
    let stamp = |line: &str| -> Option<(i64, String)> {
        let rest = line.strip_prefix('[')?;
        let (time, words) = rest.split_once(']')?;
        let (minutes, seconds) = time.split_once(':')?;
        let minutes: i64 = minutes.parse().ok()?;
        let seconds: f64 = seconds.parse().ok()?;
        Some((
            minutes * 60_000 + (seconds * 1000.0).round() as i64,
            words.trim().to_string(),
        ))
    };
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let synced = !all.is_empty() && all.iter().all(|l| stamp(l.trim()).is_some());
    let lines = all
        .iter()
        .map(|line| match (synced, stamp(line.trim())) {
            (true, Some((start, words))) => json!({"start": start, "value": words}),
            _ => json!({"value": line.trim_end()}),
        })
        .collect();
    (synced, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lrc_lines_are_synced_and_plain_lines_are_not() {
        let (synced, lines) = lines("[00:01.50] One\n[01:02.00]Two\n");
        assert!(synced);
        assert_eq!(lines[0], json!({"start": 1500, "value": "One"}));
        assert_eq!(lines[1], json!({"start": 62000, "value": "Two"}));
        let (synced, lines) = lines_of("One\n\nTwo");
        assert!(!synced);
        assert_eq!(lines, [json!({"value": "One"}), json!({"value": "Two"})]);
    }

    fn lines_of(text: &str) -> (bool, Vec<serde_json::Value>) {
        lines(text)
    }
}
