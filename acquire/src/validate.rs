//! A downloaded or supplied file counts only if it is real audio of the
//! right length.
//!
//! Sources fail in quiet ways: an HTML error page saved as `.mp3`, a
//! download cut off halfway, a 6 second preview instead of the song. Each
//! file is checked before it enters the library:
//!
//! 1. it exists and is not empty;
//! 2. lofty reads it, with the format guessed from the content (so a
//!    `.webm` that holds Ogg Opus is Opus, and a text file named `.mp3` is
//!    refused);
//! 3. it has an audio stream and lasts more than zero seconds;
//! 4. it is not truncated: an Ogg stream ends with its end-of-stream page,
//!    an MP4 file's atoms fit in the file, and any file holds at least half
//!    the bytes its declared bitrate and duration call for (which catches
//!    MP3 files whose Xing header still counts the frames that are gone);
//! 5. it decodes from start to end (ffmpeg decodes every packet, stopping
//!    at the first error) and what decodes lasts what the file claims: a
//!    header can say 3:56 over a body of a few bytes;
//! 6. when the expected duration is known (Spotify's), what decodes lasts
//!    that long, within a [`Tolerance`].

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use lofty::config::ParseOptions;
use lofty::file::{AudioFile, FileType};
use lofty::probe::Probe;

/// How far a file's duration may be from the expected one: the larger of
/// `seconds` and `percent` % of the expected duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub seconds: f64,
    pub percent: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            seconds: 5.0,
            percent: 5.0,
        }
    }
}

impl Tolerance {
    /// The allowed difference, in milliseconds, for an expected duration.
    pub fn allowed_ms(&self, expected_ms: i64) -> f64 {
        (self.seconds * 1000.0).max(self.percent / 100.0 * expected_ms as f64)
    }
}

/// What a valid file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioInfo {
    pub duration_ms: i64,
    /// The real container's extension: `mp3`, `m4a`, `opus`, `ogg`, `flac`,
    /// `wav` (or `aac`, `aiff`, `spx`, `ape`, `mpc`, `wv`).
    pub extension: &'static str,
    pub mime: &'static str,
    /// The audio bitrate, when lofty knows it.
    pub bitrate_kbps: Option<u32>,
}

/// Why a file does not count, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

/// The extension and MIME type of each format lofty reads.
fn kind(format: FileType) -> Option<(&'static str, &'static str)> {
    Some(match format {
        FileType::Mpeg => ("mp3", "audio/mpeg"),
        FileType::Mp4 => ("m4a", "audio/mp4"),
        FileType::Opus => ("opus", "audio/ogg"),
        FileType::Vorbis => ("ogg", "audio/ogg"),
        FileType::Speex => ("spx", "audio/ogg"),
        FileType::Flac => ("flac", "audio/flac"),
        FileType::Wav => ("wav", "audio/wav"),
        FileType::Aiff => ("aiff", "audio/aiff"),
        FileType::Aac => ("aac", "audio/aac"),
        FileType::Ape => ("ape", "audio/ape"),
        FileType::Mpc => ("mpc", "audio/musepack"),
        FileType::WavPack => ("wv", "audio/wavpack"),
        _ => return None,
    })
}

/// `m:ss` (or `h:mm:ss`).
pub fn format_duration(ms: i64) -> String {
    let seconds = (ms.max(0) + 500) / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A readable size: `512 B`, `77 kB`, `4.2 MB`.
fn format_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{} kB", bytes / 1_000),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// Identifies the file and reads its properties, without judging them.
pub fn probe(path: &Path) -> Result<AudioInfo, Invalid> {
    Ok(read(path)?.info)
}

/// What [`probe`] learns, plus what [`validate`] needs to judge it.
struct Probed {
    info: AudioInfo,
    format: FileType,
    size: u64,
    has_audio_stream: bool,
}

fn read(path: &Path) -> Result<Probed, Invalid> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Invalid("file not found".into()),
        _ => Invalid(format!("cannot read the file ({e})")),
    })?;
    if !meta.is_file() {
        return Err(Invalid("not a file".into()));
    }
    if meta.len() == 0 {
        return Err(Invalid("empty file".into()));
    }
    let file = File::open(path).map_err(|e| Invalid(format!("cannot read the file ({e})")))?;
    let unreadable = |why: String| Invalid(format!("not an audio file lofty can read ({why})"));
    // Covers are not needed here; skipping them saves decoding megabytes.
    let probe = Probe::new(BufReader::new(file))
        .options(ParseOptions::new().read_cover_art(false))
        .guess_file_type()
        .map_err(|e| Invalid(format!("cannot read the file ({e})")))?;
    let Some(format) = probe.file_type() else {
        return Err(unreadable("unknown format".into()));
    };
    let Some((extension, mime)) = kind(format) else {
        return Err(unreadable(format!("{format:?} is not supported")));
    };
    let tagged = probe.read().map_err(|e| unreadable(e.to_string()))?;
    let properties = tagged.properties();
    let has_audio_stream =
        properties.sample_rate().is_some_and(|r| r > 0) && properties.channels() != Some(0);
    Ok(Probed {
        info: AudioInfo {
            duration_ms: i64::try_from(properties.duration().as_millis()).unwrap_or(i64::MAX),
            extension,
            mime,
            bitrate_kbps: properties.audio_bitrate().filter(|&b| b > 0),
        },
        format,
        size: meta.len(),
        has_audio_stream,
    })
}

/// Checks that the file is real, whole audio, and, when `expected_ms` is
/// given, that it lasts that long within `tolerance`.
pub fn validate(
    path: &Path,
    expected_ms: Option<i64>,
    tolerance: Tolerance,
) -> Result<AudioInfo, Invalid> {
    let info = check_header(path)?;
    check_decodes(path, info.duration_ms, expected_ms, tolerance)?;
    Ok(info)
}

/// Steps 1 to 4: what lofty and the file's own structure say, without
/// decoding (cheap). [`check_decodes`] is the rest.
pub fn check_header(path: &Path) -> Result<AudioInfo, Invalid> {
    let probed = read(path)?;
    let info = &probed.info;
    if !probed.has_audio_stream {
        return Err(Invalid("no audio stream".into()));
    }
    // Ogg durations come from the last page, so a cut-off Ogg file just
    // reads shorter (or 0:00); but a whole stream ends with a page flagged
    // end-of-stream.
    if is_ogg(probed.format) {
        check_ogg_end(path)?;
    }
    // MP4 atoms give their sizes: a cut-off file ends inside one (`mdat`,
    // the audio, when the index comes first).
    if probed.format == FileType::Mp4 {
        check_mp4_atoms(path)?;
    }
    // A cut-off download can still claim its full length: an MP3 whose
    // Xing/Info header counts every frame, an MP4 whose `moov` atom comes
    // first. Their bitrate is the declared one too (from the Xing header's
    // byte count, the `esds` descriptor), so bitrate × duration is what the
    // file should hold. Tags only add bytes, so a file holding less than
    // that is missing audio; the margin allows for rounding and, in MP4,
    // for an average bitrate that is the encoder's estimate.
    if let (Some(kbps), Some(share)) = (info.bitrate_kbps, declared_share(probed.format)) {
        let claimed = u64::from(kbps) * 1000 / 8 * info.duration_ms.max(0) as u64 / 1000;
        if (probed.size as f64) < share * claimed as f64 {
            return Err(Invalid(format!(
                "truncated: the file holds {} of the {} that {} at {kbps} kbps need",
                format_size(probed.size),
                format_size(claimed),
                format_duration(info.duration_ms),
            )));
        }
    }
    if info.duration_ms <= 0 {
        return Err(Invalid("no audio (it lasts 0:00)".into()));
    }
    Ok(probed.info)
}

/// Steps 5 and 6: the file decodes from start to end, what decodes lasts
/// the `claimed_ms` its header says, and `expected_ms` (Spotify's) within
/// `tolerance`. Returns the decoded duration.
pub fn check_decodes(
    path: &Path,
    claimed_ms: i64,
    expected_ms: Option<i64>,
    tolerance: Tolerance,
) -> Result<i64, Invalid> {
    let decoded_ms = decoded_duration(path)?;
    // Encoders pad and trim a few frames; a real cut loses far more.
    let slack = (claimed_ms as f64 * 0.02).max(1_000.0);
    if ((claimed_ms - decoded_ms) as f64) > slack {
        return Err(Invalid(format!(
            "truncated: only {} of the {} it claims decodes",
            format_duration(decoded_ms),
            format_duration(claimed_ms),
        )));
    }

    if let Some(expected) = expected_ms.filter(|&e| e > 0) {
        let allowed = tolerance.allowed_ms(expected);
        if (decoded_ms - expected).abs() as f64 > allowed {
            return Err(Invalid(format!(
                "lasts {}, Spotify says {} (more than {} s off)",
                format_duration(decoded_ms),
                format_duration(expected),
                (allowed / 1000.0).round(),
            )));
        }
    }
    Ok(decoded_ms)
}

/// The longest a decode check may take (a whole album-length file decodes
/// in seconds).
const DECODE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

/// Decodes the first audio stream from start to end with ffmpeg, stopping at
/// the first error, and returns how long what decoded lasts.
pub fn decoded_duration(path: &Path) -> Result<i64, Invalid> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-f", "null", "-progress", "pipe:1", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Invalid(format!(
                "cannot check that it decodes: ffmpeg does not start ({e})"
            ))
        })?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let read_all = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = read_all(stdout.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = read_all(stderr.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > DECODE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Invalid(format!(
                    "does not decode within {} s",
                    DECODE_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => return Err(Invalid(format!("cannot check that it decodes ({e})"))),
        }
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !status.success() {
        let first = err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no reason given");
        // "[flac @ 0x55e5…] invalid residual": the decoder's name, not its address.
        let first = match first.split_once(" @ 0x").zip(first.split_once("] ")) {
            Some(((decoder, _), (_, message))) => {
                format!("{}: {message}", decoder.trim_start_matches('['))
            }
            None => first.to_owned(),
        };
        return Err(Invalid(format!(
            "does not decode from start to end ({})",
            first.chars().take(160).collect::<String>()
        )));
    }
    // `-progress` reports `out_time_us=` as it goes; the last is the end.
    out.lines()
        .filter_map(|l| l.strip_prefix("out_time_us="))
        .filter_map(|v| v.trim().parse::<i64>().ok())
        .next_back()
        .map(|us| us / 1000)
        .ok_or_else(|| Invalid("no audio decodes".into()))
}

/// Checks that the MP4 file's top-level atoms fit in the file.
fn check_mp4_atoms(path: &Path) -> Result<(), Invalid> {
    let cannot = |e: std::io::Error| Invalid(format!("cannot read the file ({e})"));
    let mut file = File::open(path).map_err(cannot)?;
    let len = file.seek(SeekFrom::End(0)).map_err(cannot)?;
    let mut offset = 0;
    // A few stray bytes after the last atom are harmless.
    while len - offset >= 8 {
        file.seek(SeekFrom::Start(offset)).map_err(cannot)?;
        let mut header = [0; 16];
        let available = usize::try_from((len - offset).min(16)).unwrap_or(16);
        file.read_exact(&mut header[..available]).map_err(cannot)?;
        let name = String::from_utf8_lossy(&header[4..8]).into_owned();
        let [a, b, c, d, ..] = header;
        let size = match u32::from_be_bytes([a, b, c, d]) {
            // The last atom, to the end of the file.
            0 => len - offset,
            // A 64-bit size follows the name.
            1 if available == 16 => {
                let mut large = [0; 8];
                large.copy_from_slice(&header[8..16]);
                u64::from_be_bytes(large)
            }
            1 => {
                return Err(Invalid(format!(
                    "truncated: the file ends inside the header of its '{name}' atom"
                )))
            }
            size => u64::from(size),
        };
        if size < 8 {
            return Err(Invalid(format!(
                "not a valid MP4 file (its '{name}' atom is {size} bytes long)"
            )));
        }
        if offset + size > len {
            return Err(Invalid(format!(
                "truncated: the file ends {} into its '{name}' atom of {}",
                format_size(len - offset),
                format_size(size),
            )));
        }
        offset += size;
    }
    Ok(())
}

/// For formats whose bitrate lofty takes from what the file declares
/// rather than from its size, the share of bitrate × duration the file
/// must hold. Ogg is left out (its bitrate is only the encoder's nominal
/// one, which a quiet track stays far below), and so are FLAC and the
/// others whose bitrate lofty computes from the file size, which no cut
/// changes the ratio of.
fn declared_share(format: FileType) -> Option<f64> {
    match format {
        // Byte counts (Xing/Info header, `data` chunk): exact but for
        // rounding to whole kbps.
        FileType::Mpeg | FileType::Wav | FileType::Aiff => Some(0.9),
        // An average bitrate, which may be an estimate.
        FileType::Mp4 => Some(0.5),
        _ => None,
    }
}

/// Whether the format is an Ogg stream.
fn is_ogg(format: FileType) -> bool {
    matches!(format, FileType::Opus | FileType::Vorbis | FileType::Speex)
}

/// The largest Ogg page: a 27 byte header, 255 lacing values, 255 × 255
/// bytes of data.
const MAX_OGG_PAGE: u64 = 27 + 255 + 255 * 255;

/// Checks that the file's last Ogg page ends the file and is flagged
/// end-of-stream.
fn check_ogg_end(path: &Path) -> Result<(), Invalid> {
    let cannot = |e: std::io::Error| Invalid(format!("cannot read the file ({e})"));
    let mut file = File::open(path).map_err(cannot)?;
    let len = file.seek(SeekFrom::End(0)).map_err(cannot)?;
    let start = len.saturating_sub(MAX_OGG_PAGE);
    file.seek(SeekFrom::Start(start)).map_err(cannot)?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).map_err(cannot)?;

    // "OggS" may also occur inside page data; the real last page is the one
    // whose header parses and whose segments end exactly at the end of the
    // file.
    let mut at = tail.len();
    while let Some(i) = tail[..at].windows(4).rposition(|w| w == b"OggS") {
        at = i;
        let header = &tail[i..];
        if header.len() < 27 || header[4] != 0 {
            continue;
        }
        let segments = usize::from(header[26]);
        let Some(lacing) = header.get(27..27 + segments) else {
            continue;
        };
        let body: usize = lacing.iter().map(|&l| usize::from(l)).sum();
        if i + 27 + segments + body == tail.len() {
            return if header[5] & 0x04 != 0 {
                Ok(())
            } else {
                Err(Invalid(
                    "truncated: the Ogg stream stops without its end-of-stream page".into(),
                ))
            };
        }
    }
    Err(Invalid("truncated: the last Ogg page is cut off".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_is_the_larger_of_seconds_and_percent() {
        let t = Tolerance::default();
        assert_eq!(t.allowed_ms(60_000), 5_000.0);
        assert_eq!(t.allowed_ms(200_000), 10_000.0);
        let t = Tolerance {
            seconds: 1.0,
            percent: 10.0,
        };
        assert_eq!(t.allowed_ms(5_000), 1_000.0);
        assert_eq!(t.allowed_ms(30_000), 3_000.0);
    }

    #[test]
    fn durations_and_sizes_read_well() {
        assert_eq!(format_duration(6_000), "0:06");
        assert_eq!(format_duration(192_400), "3:12");
        assert_eq!(format_duration(3_723_000), "1:02:03");
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(77_300), "77 kB");
        assert_eq!(format_size(4_200_000), "4.2 MB");
    }
}
