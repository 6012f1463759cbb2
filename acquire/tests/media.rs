//! Tagging, validation and local-folder scanning on real audio files, which
//! ffmpeg generates into a temporary folder (no binary fixtures are kept).

use std::path::{Path, PathBuf};
use std::process::Command;

use hoard_acquire::local::scan;
use hoard_acquire::matcher::{choose, MatchOptions, Verdict, Wanted};
use hoard_acquire::tag::{read_tags, write_tags, Cover, ReadTags, TrackTags};
use hoard_acquire::testkit::get_lucky_tags;
use hoard_acquire::validate::{probe, validate, Tolerance};
use lofty::file::TaggedFileExt;
use lofty::tag::TagType;

/// Runs ffmpeg quietly; the test fails if it does.
fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?} failed");
}

/// The encoder arguments for a format, by extension.
fn codec(extension: &str) -> &'static [&'static str] {
    match extension {
        "mp3" => &["-c:a", "libmp3lame", "-b:a", "128k"],
        "m4a" => &["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"],
        "opus" => &["-c:a", "libopus", "-b:a", "96k"],
        "ogg" => &["-c:a", "libvorbis"],
        "flac" => &["-c:a", "flac"],
        "wav" => &["-c:a", "pcm_s16le"],
        other => panic!("no codec for {other}"),
    }
}

/// A sine tone of `seconds` in `dir/name`, encoded as the extension says
/// (or as `format` says, for files named otherwise), with `extra` options.
fn tone(dir: &Path, name: &str, format: &str, seconds: u32, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let source = format!("sine=frequency=440:duration={seconds}");
    let mut args = vec!["-f", "lavfi", "-i", &source];
    args.extend_from_slice(codec(format));
    args.extend_from_slice(extra);
    // Files named `.webm` and the like need the container named.
    let container = match format {
        "m4a" => "ipod",
        "opus" | "ogg" => "ogg",
        "mp3" => "mp3",
        "flac" => "flac",
        _ => "wav",
    };
    let path_text = path.to_str().expect("a UTF-8 path");
    args.extend_from_slice(&["-f", container, path_text]);
    ffmpeg(&args);
    path
}

/// A 64×64 red JPEG.
fn jpeg(dir: &Path) -> Vec<u8> {
    let path = dir.join("cover.jpg");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=64x64",
        "-frames:v",
        "1",
        path.to_str().expect("a UTF-8 path"),
    ]);
    std::fs::read(path).expect("the cover")
}

/// The values ffprobe shows for `key`, joined.
fn ffprobe_value(tags: &[(String, String)], key: &str) -> String {
    tags.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

fn full_tags(cover: Vec<u8>) -> TrackTags {
    get_lucky_tags(Some(Cover {
        data: cover,
        mime: "image/jpeg".into(),
    }))
}

#[test]
fn tags_round_trip_in_every_format_and_replace_the_uploads() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let tags = full_tags(jpeg(dir.path()));
    for format in ["mp3", "m4a", "opus", "ogg", "flac", "wav"] {
        // The upload comes with its own metadata, which must not survive.
        let mut stale = vec![
            "-metadata",
            "title=Daft Punk - Get Lucky (Official Video)",
            "-metadata",
            "comment=stale upload comment",
            "-metadata",
            "artist=DaftPunkVEVO",
        ];
        if format == "mp3" {
            stale.extend_from_slice(&["-write_id3v1", "1"]);
        }
        let path = tone(dir.path(), &format!("song.{format}"), format, 12, &stale);
        write_tags(&path, &tags).unwrap_or_else(|e| panic!("{format}: {e}"));

        let read = read_tags(&path).unwrap_or_else(|e| panic!("{format}: {e}"));
        let expected = ReadTags {
            title: Some("Get Lucky".into()),
            artists: vec!["Daft Punk".into(), "Pharrell Williams".into()],
            album: Some("Random Access Memories".into()),
            album_artist: Some("Daft Punk".into()),
            track_number: Some(8),
            track_total: Some(13),
            disc_number: Some(1),
            disc_total: Some(2),
            release_date: Some("2013-05-17".into()),
            year: Some(2013),
            genre: Some("Disco".into()),
            isrc: Some("USQX91300108".into()),
            spotify_id: Some("69kOkLUCkxIZYexIgSG8rq".into()),
            has_cover: true,
            duration_ms: read.duration_ms,
        };
        assert_eq!(read, expected, "{format}");
        assert!(
            (read.duration_ms - 12_000).abs() < 500,
            "{format}: {} ms",
            read.duration_ms
        );

        // Only the primary tag is left (no ID3v1 or RIFF INFO from the upload).
        let tagged = lofty::read_from_path(&path).expect("lofty reads it");
        let types: Vec<TagType> = tagged.tags().iter().map(|t| t.tag_type()).collect();
        assert_eq!(types, [tagged.primary_tag_type()], "{format}");

        // An independent reader sees the same.
        let seen = hoard_acquire::testkit::ffprobe_tags(&path);
        assert_eq!(
            ffprobe_value(&seen, "title"),
            "Get Lucky",
            "{format}: {seen:?}"
        );
        let artist = ffprobe_value(&seen, "artist");
        assert!(
            artist.contains("Daft Punk") && artist.contains("Pharrell Williams"),
            "{format}: {seen:?}"
        );
        assert_eq!(
            ffprobe_value(&seen, "album"),
            "Random Access Memories",
            "{format}"
        );
        assert!(
            seen.iter().any(|(_, v)| v == "USQX91300108"),
            "{format}: no ISRC in {seen:?}"
        );
        assert!(
            seen.iter()
                .any(|(k, v)| k.contains("spotify_track_id") && v == "69kOkLUCkxIZYexIgSG8rq"),
            "{format}: no Spotify ID in {seen:?}"
        );
        assert!(
            !seen
                .iter()
                .any(|(_, v)| v.contains("stale") || v.contains("VEVO") || v.contains("Official")),
            "{format}: the upload's metadata survived: {seen:?}"
        );
    }
}

/// The length of the ID3v2 tag at the start of `data`, if one is there.
fn leading_id3v2(data: &[u8]) -> Option<usize> {
    if data.len() < 10 || &data[..3] != b"ID3" {
        return None;
    }
    let size = data[6..10]
        .iter()
        .fold(0usize, |n, b| (n << 7) | usize::from(b & 0x7f));
    let footer = if data[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

#[test]
fn an_upload_with_two_id3v2_tags_keeps_only_hoards() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("two-tags.mp3");
    let title = "-metadata";
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=5",
        "-c:a",
        "libmp3lame",
        title,
        "title=The upload's own title",
        title,
        "artist=SomeUploader",
        "-id3v2_version",
        "3",
        path.to_str().expect("a UTF-8 path"),
    ]);
    // The upload's tag twice over, as some rippers and sites leave them.
    let data = std::fs::read(&path).expect("read");
    let first = leading_id3v2(&data).expect("ffmpeg wrote an ID3v2 tag");
    let doubled = [&data[..first], &data[..]].concat();
    std::fs::write(&path, &doubled).expect("written");
    assert_eq!(
        leading_id3v2(&doubled[first..]),
        Some(first),
        "two tags before the audio"
    );

    write_tags(&path, &full_tags(jpeg(dir.path()))).expect("tagged");
    let data = std::fs::read(&path).expect("read");
    let ours = leading_id3v2(&data).expect("Hoard's tag");
    assert_eq!(
        leading_id3v2(&data[ours..]),
        None,
        "exactly one ID3v2 tag is left"
    );
    let text = String::from_utf8_lossy(&data);
    assert!(!text.contains("upload's own title") && !text.contains("SomeUploader"));
    let seen = hoard_acquire::testkit::ffprobe_tags(&path);
    assert_eq!(ffprobe_value(&seen, "title"), "Get Lucky");
    validate(&path, Some(5_000), Tolerance::default()).expect("still valid audio");
}

#[test]
fn tagging_twice_replaces_and_a_minimal_track_reads_back() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = tone(dir.path(), "song.mp3", "mp3", 3, &[]);
    write_tags(&path, &full_tags(jpeg(dir.path()))).expect("tagged");
    let minimal = TrackTags {
        title: "Intro".into(),
        artists: vec!["The xx".into()],
        release_date: Some("2009".into()),
        ..TrackTags::default()
    };
    write_tags(&path, &minimal).expect("tagged again");
    let read = read_tags(&path).expect("read");
    assert_eq!(read.title.as_deref(), Some("Intro"));
    assert_eq!(read.artists, ["The xx"]);
    assert_eq!(read.release_date.as_deref(), Some("2009"));
    assert_eq!(read.year, Some(2009));
    assert_eq!(read.album, None);
    assert_eq!(read.isrc, None);
    assert_eq!(read.spotify_id, None);
    assert!(!read.has_cover, "the old cover is gone");
}

#[test]
fn tagging_refuses_what_is_not_audio_with_a_readable_reason() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("page.mp3");
    std::fs::write(&path, "<html>404 Not Found</html>").expect("written");
    let error = write_tags(&path, &TrackTags::default()).expect_err("refused");
    let message = error.to_string();
    assert!(message.starts_with("cannot write tags to "), "{message}");
    assert!(message.contains("page.mp3"), "{message}");
    let error = read_tags(&path).expect_err("refused");
    assert!(
        error.to_string().starts_with("cannot read tags of "),
        "{error}"
    );
}

/// Bytes that look like nothing, the same in every run.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect()
}

/// The first `percent` % of a file, as a cut-off download leaves it.
fn truncated(path: &Path, percent: usize) -> PathBuf {
    let data = std::fs::read(path).expect("read");
    let name = format!(
        "cut-{}",
        path.file_name().expect("a name").to_string_lossy()
    );
    let cut = path.with_file_name(name);
    std::fs::write(&cut, &data[..data.len() * percent / 100]).expect("written");
    cut
}

#[test]
fn good_files_pass_with_their_real_format() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let cases: [(&str, &str, &[&str], &str, &str); 10] = [
        ("a.mp3", "mp3", &[], "mp3", "audio/mpeg"),
        ("vbr.mp3", "mp3", &["-q:a", "4"], "mp3", "audio/mpeg"),
        (
            "no-xing.mp3",
            "mp3",
            &["-write_xing", "0"],
            "mp3",
            "audio/mpeg",
        ),
        ("a.m4a", "m4a", &[], "m4a", "audio/mp4"),
        ("a.opus", "opus", &[], "opus", "audio/ogg"),
        ("a.ogg", "ogg", &[], "ogg", "audio/ogg"),
        ("a.flac", "flac", &[], "flac", "audio/flac"),
        ("a.wav", "wav", &[], "wav", "audio/wav"),
        // yt-dlp names what it fetched by the site's label, not the content.
        ("b.webm", "opus", &[], "opus", "audio/ogg"),
        ("c.mp3", "m4a", &[], "m4a", "audio/mp4"),
    ];
    let tags = full_tags(jpeg(dir.path()));
    for (name, format, extra, extension, mime) in cases {
        let path = tone(dir.path(), name, format, 12, extra);
        let info = validate(&path, Some(12_000), Tolerance::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.extension, extension, "{name}");
        assert_eq!(info.mime, mime, "{name}");
        assert!((info.duration_ms - 12_000).abs() < 500, "{name}: {info:?}");
        if format != "flac" && format != "wav" {
            assert!(
                info.bitrate_kbps.is_some_and(|b| b > 30),
                "{name}: {info:?}"
            );
        }
        assert_eq!(probe(&path).expect("probed"), info, "{name}");
        // Tags (and a cover) do not make a file look otherwise; tagging
        // goes by the content too.
        write_tags(&path, &tags).unwrap_or_else(|e| panic!("{name}: {e}"));
        let tagged = validate(&path, Some(12_000), Tolerance::default())
            .unwrap_or_else(|e| panic!("{name} once tagged: {e}"));
        assert_eq!(tagged.extension, extension, "{name}");
    }
    let webm = dir.path().join("b.webm");
    assert_eq!(
        read_tags(&webm).expect("read").spotify_id.as_deref(),
        Some("69kOkLUCkxIZYexIgSG8rq")
    );
}

/// The reason a file fails validation (with no expected duration).
fn reason(path: &Path) -> String {
    match validate(path, None, Tolerance::default()) {
        Ok(info) => panic!("{} passed: {info:?}", path.display()),
        Err(invalid) => invalid.to_string(),
    }
}

#[test]
fn what_is_not_audio_fails_with_a_reason() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let empty = dir.path().join("empty.mp3");
    std::fs::write(&empty, b"").expect("written");
    assert_eq!(reason(&empty), "empty file");

    assert_eq!(reason(&dir.path().join("missing.mp3")), "file not found");

    let text = dir.path().join("page.mp3");
    std::fs::write(
        &text,
        "<!DOCTYPE html><html><body>Sign in to confirm you're not a bot</body></html>\n".repeat(50),
    )
    .expect("written");
    let why = reason(&text);
    assert!(
        why.starts_with("not an audio file lofty can read ("),
        "{why}"
    );

    for name in ["noise.mp3", "noise.m4a", "noise.opus", "noise.bin"] {
        let path = dir.path().join(name);
        std::fs::write(&path, noise(300_000)).expect("written");
        let why = reason(&path);
        assert!(
            why.starts_with("not an audio file lofty can read ("),
            "{name}: {why}"
        );
    }

    // A video with no sound.
    let video = dir.path().join("silent.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=blue:s=32x32:d=2",
        "-c:v",
        "mpeg4",
        video.to_str().expect("a UTF-8 path"),
    ]);
    let why = reason(&video);
    assert!(
        why == "no audio stream" || why.starts_with("not an audio file lofty can read"),
        "{why}"
    );
}

#[test]
fn cut_off_downloads_fail() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // (name, encoder options): CBR and VBR MP3 (both with a Xing/Info
    // header that counts every frame), M4A with its index first, Ogg.
    let cases: [(&str, &str, &[&str]); 5] = [
        ("cbr.mp3", "mp3", &[]),
        ("vbr.mp3", "mp3", &["-q:a", "4"]),
        ("whole.m4a", "m4a", &[]),
        ("whole.opus", "opus", &[]),
        ("whole.ogg", "ogg", &[]),
    ];
    for (name, format, extra) in cases {
        let whole = tone(dir.path(), name, format, 12, extra);
        let cut = truncated(&whole, 40);
        let why = reason(&cut);
        assert!(why.starts_with("truncated: "), "{name}: {why}");
        // With Spotify's duration it fails as well.
        assert!(
            validate(&cut, Some(12_000), Tolerance::default()).is_err(),
            "{name}"
        );
    }
    // Ogg pages and MP4 atoms give away even a small cut; an MP3 Xing
    // header's byte count one of more than a tenth.
    for (name, format, percent) in [
        ("small-cut.m4a", "m4a", 95),
        ("small-cut.opus", "opus", 95),
        ("small-cut.mp3", "mp3", 85),
    ] {
        let whole = tone(dir.path(), name, format, 12, &[]);
        let why = reason(&truncated(&whole, percent));
        assert!(why.starts_with("truncated: "), "{name}: {why}");
    }
    // lofty itself refuses a WAV cut short of its `data` chunk.
    let wav = tone(dir.path(), "whole.wav", "wav", 12, &[]);
    let why = reason(&truncated(&wav, 40));
    assert!(why.starts_with("not an audio file lofty can read"), "{why}");
    // An M4A whose index (`moov`) comes last loses it when cut.
    let late_index = tone(
        dir.path(),
        "late.m4a",
        "m4a",
        12,
        &["-movflags", "-faststart"],
    );
    let why = reason(&truncated(&late_index, 40));
    assert!(why.starts_with("not an audio file lofty can read"), "{why}");
}

#[test]
fn a_file_counts_only_when_it_decodes_to_the_end() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // Like mutagen's 512-byte FLAC that claims 3:56: a header that counts
    // 3:56 of samples over one second of audio.
    let short = tone(dir.path(), "short.flac", "flac", 1, &[]);
    let mut data = std::fs::read(&short).expect("read");
    // STREAMINFO starts at byte 8; its bytes 10..18 hold the sample rate
    // (20 bits), channels and bits per sample (8), and the total (36).
    let mut packed = u64::from_be_bytes(data[18..26].try_into().expect("8 bytes"));
    let rate = packed >> 44;
    packed = (packed & !0xf_ffff_ffff) | (rate * 236);
    data[18..26].copy_from_slice(&packed.to_be_bytes());
    let header_only = dir.path().join("header-only.flac");
    std::fs::write(&header_only, &data).expect("written");
    assert_eq!(
        probe(&header_only).expect("lofty reads it").duration_ms / 1000,
        236
    );
    let why = reason(&header_only);
    assert!(
        why.starts_with("truncated: only 0:0") && why.ends_with("of the 3:56 it claims decodes"),
        "{why}"
    );
    // Cuts too small for the byte counts to notice: a FLAC, and an MP3 cut
    // by less than a tenth, both of which still claim their whole length.
    for (name, format, percent) in [("cut.flac", "flac", 70), ("small-cut-2.mp3", "mp3", 93)] {
        let whole = tone(dir.path(), name, format, 30, &[]);
        assert!(reason_or_ok(&whole).is_none(), "{name} whole passes");
        let why = reason(&truncated(&whole, percent));
        assert!(
            why.starts_with("truncated: ")
                || why.starts_with("does not decode from start to end ("),
            "{name}: {why}"
        );
        assert!(!why.contains(" @ 0x"), "no addresses in a reason: {why}");
    }
}

/// `None` when the file passes validation, else its reason.
fn reason_or_ok(path: &Path) -> Option<String> {
    validate(path, None, Tolerance::default())
        .err()
        .map(|e| e.to_string())
}

#[test]
fn the_duration_must_match_spotify_within_the_tolerance() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let clip = tone(dir.path(), "preview.mp3", "mp3", 12, &[]);
    let why = validate(&clip, Some(200_000), Tolerance::default())
        .expect_err("a 12 s clip is not a 200 s song")
        .to_string();
    assert!(why.contains("lasts 0:12"), "{why}");
    assert!(why.contains("Spotify says 3:20"), "{why}");
    assert!(why.contains("more than 10 s off"), "{why}");

    // WAV durations are exact, so the boundaries are too.
    let wav = tone(dir.path(), "exact.wav", "wav", 12, &[]);
    let d = probe(&wav).expect("probed").duration_ms;
    assert_eq!(d, 12_000);
    let check = |expected: i64, tolerance: Tolerance| validate(&wav, Some(expected), tolerance);
    let default = Tolerance::default();
    assert!(check(d + 5_000, default).is_ok(), "5 s off is allowed");
    assert!(check(d - 5_000, default).is_ok());
    assert!(check(d + 5_001, default).is_err(), "more than 5 s is not");
    let percent = Tolerance {
        seconds: 1.0,
        percent: 10.0,
    };
    assert!(check(13_300, percent).is_ok(), "1.3 s is 10 % of 13.3 s");
    let why = check(13_400, percent).expect_err("1.4 s is more than 10 % of 13.4 s");
    assert!(why.to_string().contains("more than 1 s off"), "{why}");
    assert!(check(
        d,
        Tolerance {
            seconds: 0.0,
            percent: 0.0
        }
    )
    .is_ok());
}

#[test]
fn a_local_folder_is_indexed_and_matched() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let music = dir.path().join("music");
    std::fs::create_dir_all(music.join("Disc 2")).expect("folders");
    let tagged = |name: &str, format: &str, title: &str, artists: &[&str], isrc: Option<&str>| {
        let path = tone(&music, name, format, 12, &[]);
        let tags = TrackTags {
            title: title.into(),
            artists: artists.iter().map(|a| a.to_string()).collect(),
            album: Some("Album".into()),
            isrc: isrc.map(Into::into),
            ..TrackTags::default()
        };
        write_tags(&path, &tags).expect("tagged");
        path
    };
    let lucky = tagged(
        "01.mp3",
        "mp3",
        "Get Lucky",
        &["Daft Punk", "Pharrell Williams"],
        Some("USQX91300108"),
    );
    let deja = tagged("02.m4a", "m4a", "Déjà Vu", &["Beyoncé", "JAY-Z"], None);
    let intro = tagged(
        "Disc 2/01.opus",
        "opus",
        "Intro",
        &["The xx"],
        Some("GB-BKS-09-00131"),
    );
    // No tags at all: the name says who and what.
    let adele = tone(
        &music,
        "Adele - Someone Like You.mp3",
        "mp3",
        12,
        &["-map_metadata", "-1"],
    );
    // A cut-off file and things that are not audio.
    std::fs::write(music.join("broken.flac"), b"fLaC but not really").expect("written");
    std::fs::write(music.join("notes.txt"), b"not music").expect("written");
    std::fs::write(music.join("folder.jpg"), jpeg(dir.path())).expect("written");
    // A link out of the folder is not followed.
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).expect("folder");
    tone(&outside, "secret.mp3", "mp3", 3, &[]);
    std::os::unix::fs::symlink(&outside, music.join("link")).expect("a symlink");

    let index = scan(&music);
    let mut paths: Vec<&Path> = index.files.iter().map(|f| f.path.as_path()).collect();
    paths.sort();
    let canonical = |p: &Path| p.canonicalize().expect("exists");
    let mut expected = vec![
        canonical(&lucky),
        canonical(&deja),
        canonical(&intro),
        canonical(&adele),
    ];
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(index.problems.len(), 1, "{:?}", index.problems);
    assert!(index.problems[0].0.ends_with("broken.flac"));
    assert!(
        index.problems[0].1.contains("not an audio file"),
        "{}",
        index.problems[0].1
    );

    let from_name = index
        .files
        .iter()
        .find(|f| f.path.ends_with("Adele - Someone Like You.mp3"))
        .expect("the untagged file");
    assert_eq!(from_name.title, "Someone Like You");
    assert_eq!(from_name.artists, ["Adele"]);
    assert_eq!(from_name.isrc, None);
    assert!(from_name
        .duration_ms
        .is_some_and(|d| (d - 12_000).abs() < 500));

    let pick = |wanted: &Wanted| {
        let candidates = index.candidates(wanted);
        assert!(candidates.len() <= 10);
        let (scored, verdict) = choose(wanted, &candidates, &MatchOptions::default());
        match verdict {
            Verdict::Match { index: i, .. } => {
                index.path_of(&scored[i].candidate).map(Path::to_owned)
            }
            Verdict::NoConfidentMatch { .. } => None,
        }
    };
    let wanted = |title: &str, artists: &[&str], isrc: Option<&str>| Wanted {
        title: title.into(),
        artists: artists.iter().map(|a| a.to_string()).collect(),
        duration_ms: 12_000,
        isrc: isrc.map(Into::into),
        ..Wanted::default()
    };

    // By ISRC alone, whatever the title says.
    let by_isrc = wanted("Intro (Remastered)", &["Someone"], Some("GBBKS0900131"));
    let candidates = index.candidates(&by_isrc);
    assert_eq!(candidates.len(), 1);
    assert!(candidates[0].url.starts_with("file:///"));
    assert_eq!(candidates[0].isrc.as_deref(), Some("GBBKS0900131"));
    assert_eq!(pick(&by_isrc), Some(canonical(&intro)));

    // By normalised title and artist: accents and case do not matter.
    assert_eq!(
        pick(&wanted("deja vu", &["BEYONCE", "Jay Z"], None)),
        Some(canonical(&deja))
    );
    assert_eq!(
        pick(&wanted(
            "Get Lucky (feat. Pharrell Williams)",
            &["Daft Punk"],
            Some("XX0000000000")
        )),
        Some(canonical(&lucky)),
        "an unknown ISRC falls back to title and artist"
    );
    assert_eq!(
        pick(&wanted("Someone Like You", &["Adele"], None)),
        Some(canonical(&adele))
    );
    let get_lucky = index.candidates(&wanted("Get Lucky", &["Daft Punk"], None));
    assert_eq!(get_lucky[0].uploader, "Daft Punk");

    // Not in the folder.
    assert!(index
        .candidates(&wanted("Blinding Lights", &["The Weeknd"], None))
        .is_empty());
    assert_eq!(pick(&wanted("Intro", &["Kanye West"], None)), None);
    assert_eq!(
        pick(&wanted("secret", &[], None)),
        None,
        "files behind a link out of the folder are not indexed"
    );
}
