//! Writing a track's tags into its file (and reading them back), with
//! [lofty].
//!
//! Every file gets the tag its format is read by most players: ID3v2.4 for
//! MP3, WAV, AIFF and ADTS AAC, an `ilst` for M4A/MP4, Vorbis comments for
//! Ogg Opus, Ogg Vorbis and FLAC. Whatever tags the file came with (an
//! upload's title, comment, ID3v1 block, RIFF INFO list, old cover) are
//! removed first, so no stale metadata survives the tagging.
//!
//! * Several artists are written so every reader shows them all: the main
//!   artist field holds them joined with `"; "` and a multi-valued `ARTISTS`
//!   field (ID3v2 `TXXX:ARTISTS`, MP4 `----:com.apple.iTunes:ARTISTS`) holds
//!   them one by one, the way MusicBrainz Picard writes them. Vorbis comments
//!   repeat the field instead: one `ARTIST` per artist.
//! * The Spotify track ID has no standard field; it goes into a custom one
//!   named [`SPOTIFY_FIELD`]: an ID3v2 `TXXX` frame with that description, a
//!   Vorbis comment with that name, an MP4 freeform atom
//!   `----:com.apple.iTunes:SPOTIFY_TRACK_ID`.
//! * The cover is embedded as the front cover picture (a FLAC `PICTURE`
//!   block, a `METADATA_BLOCK_PICTURE` comment in Ogg, `APIC` in ID3v2,
//!   `covr` in MP4).
//!
//! lofty's format-independent [`Tag`] drops fields it has no key for, so
//! the Spotify ID is read from the concrete tag types; everything else is
//! read through [`Tag`].

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Seek};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lofty::aac::AacFile;
use lofty::config::{ParseOptions, WriteOptions};
use lofty::error::FileParseError;
use lofty::file::{AudioFile, FileType, TaggedFile, TaggedFileExt};
use lofty::flac::FlacFile;
use lofty::id3::v2::{Frame, FrameId, Id3v2Tag, TextInformationFrame};
use lofty::iff::aiff::AiffFile;
use lofty::iff::wav::WavFile;
use lofty::mp4::{Atom, AtomData, AtomIdent, Ilst, Mp4File};
use lofty::mpeg::MpegFile;
use lofty::ogg::tag::VorbisComments;
use lofty::ogg::{OggPictureStorage, OpusFile, SpeexFile, VorbisFile};
use lofty::picture::{MimeType, Picture, PictureInformation, PictureType};
use lofty::probe::Probe;
use lofty::tag::items::Timestamp;
use lofty::tag::{Accessor, ItemKey, Tag, TagExt, TagType};
use lofty::TextEncoding;

/// The name of the custom field that holds the Spotify track ID.
pub const SPOTIFY_FIELD: &str = "SPOTIFY_TRACK_ID";

/// The `mean` of iTunes-style MP4 freeform atoms.
const ITUNES_MEAN: &str = "com.apple.iTunes";

/// How several artists are joined in a single-valued field.
const ARTIST_JOINER: &str = "; ";

/// An embedded picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub data: Vec<u8>,
    /// `image/jpeg` or `image/png`; guessed from the data when empty.
    pub mime: String,
}

/// What gets written into a file.
#[derive(Clone, Debug, Default)]
pub struct TrackTags {
    pub title: String,
    /// In credit order.
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub album_artists: Vec<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub release_date: Option<String>,
    /// Spotify gives none; the listener's edit may.
    pub genre: Option<String>,
    pub isrc: Option<String>,
    /// The Spotify track ID (base62).
    pub spotify_id: Option<String>,
    pub cover: Option<Cover>,
}

/// What a file's tags say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadTags {
    pub title: Option<String>,
    /// In credit order: the multi-valued `ARTISTS` field when there is one,
    /// otherwise the artist field(s), a `"; "`-joined value split.
    pub artists: Vec<String>,
    pub album: Option<String>,
    /// The album artist(s), joined with `"; "` when there are several.
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    /// The date as written (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub release_date: Option<String>,
    pub year: Option<u32>,
    pub genre: Option<String>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
    /// Always `false` when read without cover art (see [`read_tags_without_cover`]).
    pub has_cover: bool,
    pub duration_ms: i64,
}

/// Why tags could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error("cannot read tags of {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("cannot write tags to {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

impl TagError {
    fn read(path: &Path, reason: impl ToString) -> Self {
        Self::Read {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }

    fn write(path: &Path, reason: impl ToString) -> Self {
        Self::Write {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// The file's format, guessed from its content (the extension only when
/// the content says nothing).
fn file_type(file: &mut File) -> std::io::Result<Option<FileType>> {
    file.rewind()?;
    let probe = Probe::new(BufReader::new(&mut *file)).guess_file_type()?;
    let file_type = probe.file_type();
    file.rewind()?;
    Ok(file_type)
}

/// The tag types lofty can find in a file, to remove all but the primary.
const ALL_TAG_TYPES: [TagType; 7] = [
    TagType::Ape,
    TagType::Id3v1,
    TagType::Id3v2,
    TagType::Mp4Ilst,
    TagType::VorbisComments,
    TagType::RiffInfo,
    TagType::AiffText,
];

/// Replaces the file's tags with `tags`.
///
/// MP3, ADTS AAC, WAV and AIFF get ID3v2.4, M4A an `ilst`, Ogg Opus, Ogg
/// Vorbis, Speex and FLAC Vorbis comments; other formats are refused.
pub fn write_tags(path: &Path, tags: &TrackTags) -> Result<(), TagError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| TagError::write(path, e))?;
    let Some(format) = file_type(&mut file).map_err(|e| TagError::write(path, e))? else {
        return Err(TagError::write(path, "not an audio file lofty recognises"));
    };
    let primary = format.primary_tag_type();
    if !matches!(
        primary,
        TagType::Id3v2 | TagType::VorbisComments | TagType::Mp4Ilst
    ) {
        return Err(TagError::write(
            path,
            format!("{format:?} files are not supported for tagging"),
        ));
    }
    let options = WriteOptions::default();

    // lofty's `WriteOptions::remove_others` is not acted on by 0.25, so the
    // other tags are removed one by one. (Removing a tag the file does not
    // have is a no-op.)
    for other in ALL_TAG_TYPES {
        if other != primary && format.tag_support(other).is_readable() {
            file.rewind().map_err(|e| TagError::write(path, e))?;
            other
                .remove_from(&mut file, options)
                .map_err(|e| TagError::write(path, format!("removing its {other:?} tag: {e}")))?;
        }
    }

    // An upload may carry several ID3v2 tags one after another; lofty
    // replaces only the first, and other players read the rest. None of
    // them survives: Hoard's is the only one.
    if matches!(format, FileType::Mpeg | FileType::Aac) {
        strip_leading_id3v2(&mut file).map_err(|e| TagError::write(path, e))?;
    }

    file.rewind().map_err(|e| TagError::write(path, e))?;
    let saved = match primary {
        TagType::Id3v2 => id3v2(tags).save_to(&mut file, options),
        TagType::Mp4Ilst => ilst(tags).save_to(&mut file, options),
        _ => vorbis_comments(tags).save_to(&mut file, options),
    };
    saved.map_err(|e| TagError::write(path, e))
}

/// Why [`write_tags_checked`] left a file as it was.
#[derive(Debug, thiserror::Error)]
pub enum CheckedTagError {
    /// The file itself fails the check (it did before tagging too).
    #[error("{0}")]
    Invalid(crate::validate::Invalid),
    /// The tagger refused or failed.
    #[error(transparent)]
    Tag(#[from] TagError),
    /// The file passed before tagging and would not after: a tagger bug
    /// (seen with lofty on some MP4 and MP3 files). The file is put back.
    #[error("tagging would damage this file (after tagging it {0}); it is left untagged")]
    Damaged(crate::validate::Invalid),
}

/// Tags the file, then runs `check` (the decode check) on the result. A
/// file the tagger would damage is put back byte for byte, so tagging never
/// makes a good file worse. Returns what `check` returned. The one full
/// decode on the happy path is the validation itself: a second one runs
/// only when the first fails, to tell a bad file from a bad tagging.
pub fn write_tags_checked<T>(
    path: &Path,
    tags: &TrackTags,
    check: impl Fn(&Path) -> Result<T, crate::validate::Invalid>,
) -> Result<T, CheckedTagError> {
    let mut backup = path.as_os_str().to_owned();
    backup.push(".untagged");
    let backup = PathBuf::from(backup);
    std::fs::copy(path, &backup)
        .map_err(|e| TagError::write(path, format!("cannot keep a copy: {e}")))?;
    let restore = || {
        std::fs::rename(&backup, path)
            .map_err(|e| TagError::write(path, format!("cannot put the file back: {e}")))
    };
    if let Err(e) = write_tags(path, tags) {
        restore()?;
        return Err(e.into());
    }
    match check(path) {
        Ok(value) => {
            let _ = std::fs::remove_file(&backup);
            Ok(value)
        }
        Err(after) => {
            let before = check(&backup);
            restore()?;
            match before {
                Err(invalid) => Err(CheckedTagError::Invalid(invalid)),
                Ok(_) => Err(CheckedTagError::Damaged(after)),
            }
        }
    }
}

/// Removes every ID3v2 tag at the start of the file (each one's size is in
/// its header: ten bytes, a syncsafe length, and a footer if flagged).
fn strip_leading_id3v2(file: &mut File) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    file.rewind()?;
    let mut data = Vec::new();
    file.read_to_end(&mut data)?;
    let mut start = 0usize;
    while let Some(header) = data
        .get(start..start + 10)
        .filter(|h| h.starts_with(b"ID3"))
    {
        let size = header[6..10]
            .iter()
            .fold(0usize, |n, b| (n << 7) | usize::from(b & 0x7f));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        let end = start + 10 + size + footer;
        if end > data.len() {
            break;
        }
        start = end;
    }
    if start > 0 {
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&data[start..])?;
        file.set_len((data.len() - start) as u64)?;
        file.flush()?;
    }
    Ok(())
}

/// `"A; B"` for single-valued artist fields.
fn joined(names: &[String]) -> Option<String> {
    let names: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    (!names.is_empty()).then(|| names.join(ARTIST_JOINER))
}

/// The non-empty, trimmed names.
fn names(names: &[String]) -> impl Iterator<Item = &str> {
    names.iter().map(|n| n.trim()).filter(|n| !n.is_empty())
}

/// The text if it has any.
fn some_text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The release date as lofty writes it, or `None` (with a warning) when it
/// is not a date.
fn release_date(tags: &TrackTags) -> Option<String> {
    let date = some_text(&tags.release_date)?;
    match Timestamp::from_str(date) {
        Ok(timestamp) => Some(timestamp.to_string()),
        Err(e) => {
            tracing::warn!(date, "not writing a release date that is not a date: {e}");
            None
        }
    }
}

/// The cover as a front cover picture.
fn picture(cover: &Cover) -> Picture {
    let mime = match cover.mime.trim() {
        "" => {
            if cover.data.starts_with(b"\x89PNG") {
                MimeType::Png
            } else {
                MimeType::Jpeg
            }
        }
        mime => MimeType::from_str(mime),
    };
    Picture::unchecked(cover.data.clone())
        .pic_type(PictureType::CoverFront)
        .mime_type(mime)
        .build()
}

/// An ID3v2 text frame.
fn text_frame(id: &'static str, value: String) -> Frame<'static> {
    Frame::Text(TextInformationFrame::new(
        FrameId::Valid(Cow::Borrowed(id)),
        TextEncoding::UTF8,
        value,
    ))
}

/// The tag for MP3, AAC, WAV and AIFF files.
fn id3v2(tags: &TrackTags) -> Id3v2Tag {
    let mut tag = Id3v2Tag::new();
    tag.set_title(tags.title.trim().to_owned());
    if let Some(artist) = joined(&tags.artists) {
        tag.set_artist(artist);
        // ID3v2.4 separates the values of one frame with NUL.
        let _ = tag.insert_user_text(
            "ARTISTS".into(),
            names(&tags.artists).collect::<Vec<_>>().join("\0"),
        );
    }
    if let Some(album) = some_text(&tags.album) {
        tag.set_album(album.to_owned());
    }
    if let Some(genre) = some_text(&tags.genre) {
        tag.set_genre(genre.to_owned());
    }
    if let Some(album_artist) = joined(&tags.album_artists) {
        let _ = tag.insert(text_frame("TPE2", album_artist));
    }
    set_numbers(&mut tag, tags);
    if let Some(date) = release_date(tags) {
        let _ = tag.insert(text_frame("TDRC", date));
    }
    if let Some(isrc) = some_text(&tags.isrc) {
        let _ = tag.insert(text_frame("TSRC", isrc.to_owned()));
    }
    if let Some(id) = some_text(&tags.spotify_id) {
        let _ = tag.insert_user_text(SPOTIFY_FIELD.into(), id.to_owned());
    }
    if let Some(cover) = &tags.cover {
        let _ = tag.insert_picture(picture(cover));
    }
    tag
}

/// Track and disc number and total through lofty's accessors, which know
/// each format's encoding (`TRCK` "3/12", MP4 `trkn`, Vorbis `TRACKTOTAL`).
fn set_numbers(tag: &mut impl Accessor, tags: &TrackTags) {
    if let Some(n) = tags.track_number {
        tag.set_track(n);
    }
    if let Some(n) = tags.track_total {
        tag.set_track_total(n);
    }
    if let Some(n) = tags.disc_number {
        tag.set_disk(n);
    }
    if let Some(n) = tags.disc_total {
        tag.set_disk_total(n);
    }
}

/// An iTunes freeform atom identifier (`----:com.apple.iTunes:NAME`).
fn freeform(name: &'static str) -> AtomIdent<'static> {
    AtomIdent::Freeform {
        mean: Cow::Borrowed(ITUNES_MEAN),
        name: Cow::Borrowed(name),
    }
}

/// The tag for M4A/MP4 files.
fn ilst(tags: &TrackTags) -> Ilst {
    let mut tag = Ilst::new();
    tag.set_title(tags.title.trim().to_owned());
    if let Some(artist) = joined(&tags.artists) {
        tag.set_artist(artist);
        let values = names(&tags.artists)
            .map(|a| AtomData::UTF8(a.to_owned()))
            .collect();
        if let Some(atom) = Atom::from_collection(freeform("ARTISTS"), values) {
            tag.replace_atom(atom);
        }
    }
    if let Some(album) = some_text(&tags.album) {
        tag.set_album(album.to_owned());
    }
    if let Some(genre) = some_text(&tags.genre) {
        tag.set_genre(genre.to_owned());
    }
    if let Some(album_artist) = joined(&tags.album_artists) {
        tag.replace_atom(Atom::new(
            AtomIdent::Fourcc(*b"aART"),
            AtomData::UTF8(album_artist),
        ));
    }
    set_numbers(&mut tag, tags);
    if let Some(date) = release_date(tags) {
        tag.replace_atom(Atom::new(
            AtomIdent::Fourcc(*b"\xa9day"),
            AtomData::UTF8(date),
        ));
    }
    if let Some(isrc) = some_text(&tags.isrc) {
        tag.replace_atom(Atom::new(freeform("ISRC"), AtomData::UTF8(isrc.to_owned())));
    }
    if let Some(id) = some_text(&tags.spotify_id) {
        tag.replace_atom(Atom::new(
            freeform(SPOTIFY_FIELD),
            AtomData::UTF8(id.to_owned()),
        ));
    }
    if let Some(cover) = &tags.cover {
        // MP4 has no picture types: any `covr` image is the cover.
        tag.insert_picture(picture(cover));
    }
    tag
}

/// The tag for Ogg Opus, Ogg Vorbis, Speex and FLAC files.
fn vorbis_comments(tags: &TrackTags) -> VorbisComments {
    let mut tag = VorbisComments::new();
    tag.set_title(tags.title.trim().to_owned());
    for artist in names(&tags.artists) {
        tag.push("ARTIST".into(), artist.to_owned());
    }
    if let Some(album) = some_text(&tags.album) {
        tag.set_album(album.to_owned());
    }
    if let Some(genre) = some_text(&tags.genre) {
        tag.set_genre(genre.to_owned());
    }
    for album_artist in names(&tags.album_artists) {
        tag.push("ALBUMARTIST".into(), album_artist.to_owned());
    }
    set_numbers(&mut tag, tags);
    if let Some(date) = release_date(tags) {
        tag.insert("DATE".into(), date);
    }
    if let Some(isrc) = some_text(&tags.isrc) {
        tag.insert("ISRC".into(), isrc.to_owned());
    }
    if let Some(id) = some_text(&tags.spotify_id) {
        tag.insert(SPOTIFY_FIELD.into(), id.to_owned());
    }
    if let Some(cover) = &tags.cover {
        let picture = picture(cover);
        // The dimensions are informative; a picture lofty cannot measure is
        // still embedded.
        let info = PictureInformation::from_picture(&picture).unwrap_or_default();
        // With the information given, inserting cannot fail.
        let _ = tag.insert_picture(picture, Some(info));
    }
    tag
}

/// Reads the file's tags (and duration).
pub fn read_tags(path: &Path) -> Result<ReadTags, TagError> {
    read(path, true)
}

/// [`read_tags`] without decoding embedded pictures (`has_cover` is
/// `false`): quicker when scanning many files.
pub fn read_tags_without_cover(path: &Path) -> Result<ReadTags, TagError> {
    read(path, false)
}

/// The front cover embedded in a file (the first picture when none is
/// marked front), to keep it when the file is tagged again.
pub fn read_cover(path: &Path) -> Result<Option<Cover>, TagError> {
    let tagged = Probe::open(path)
        .and_then(|p| p.options(ParseOptions::new().read_cover_art(true)).read())
        .map_err(|e| TagError::read(path, e))?;
    let pictures = tags_in_order(&tagged)
        .into_iter()
        .flat_map(|t| t.pictures().iter())
        .collect::<Vec<_>>();
    let chosen = pictures
        .iter()
        .find(|p| p.pic_type() == PictureType::CoverFront)
        .or_else(|| pictures.first());
    Ok(chosen.map(|p| Cover {
        data: p.data().to_vec(),
        mime: p
            .mime_type()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default(),
    }))
}

/// A concrete file of type `F`, its Spotify ID taken out, as a [`TaggedFile`].
fn parse<F: AudioFile>(
    file: &mut BufReader<File>,
    options: ParseOptions,
    spotify_id: impl FnOnce(&F) -> Option<String>,
) -> Result<(TaggedFile, Option<String>), FileParseError> {
    let concrete = F::read_from(file, options)?;
    let id = spotify_id(&concrete);
    Ok((concrete.into(), id))
}

fn id3v2_spotify_id(tag: Option<&Id3v2Tag>) -> Option<String> {
    tag?.get_user_text(SPOTIFY_FIELD).map(str::to_owned)
}

fn vorbis_spotify_id(tag: Option<&VorbisComments>) -> Option<String> {
    tag?.get(SPOTIFY_FIELD).map(str::to_owned)
}

fn ilst_spotify_id(tag: Option<&Ilst>) -> Option<String> {
    tag?.get(&freeform(SPOTIFY_FIELD))?
        .data()
        .find_map(|data| match data {
            AtomData::UTF8(s) | AtomData::UTF16(s) => Some(s.clone()),
            _ => None,
        })
}

fn read(path: &Path, read_cover: bool) -> Result<ReadTags, TagError> {
    let mut file = File::open(path).map_err(|e| TagError::read(path, e))?;
    let Some(format) = file_type(&mut file).map_err(|e| TagError::read(path, e))? else {
        return Err(TagError::read(path, "not an audio file lofty recognises"));
    };
    let options = ParseOptions::new().read_cover_art(read_cover);
    let mut reader = BufReader::new(file);
    let parsed = match format {
        FileType::Mpeg => parse(&mut reader, options, |f: &MpegFile| {
            id3v2_spotify_id(f.id3v2())
        }),
        FileType::Aac => parse(&mut reader, options, |f: &AacFile| {
            id3v2_spotify_id(f.id3v2())
        }),
        FileType::Wav => parse(&mut reader, options, |f: &WavFile| {
            id3v2_spotify_id(f.id3v2())
        }),
        FileType::Aiff => parse(&mut reader, options, |f: &AiffFile| {
            id3v2_spotify_id(f.id3v2())
        }),
        FileType::Flac => parse(&mut reader, options, |f: &FlacFile| {
            vorbis_spotify_id(f.vorbis_comments())
        }),
        FileType::Opus => parse(&mut reader, options, |f: &OpusFile| {
            vorbis_spotify_id(Some(f.vorbis_comments()))
        }),
        FileType::Vorbis => parse(&mut reader, options, |f: &VorbisFile| {
            vorbis_spotify_id(Some(f.vorbis_comments()))
        }),
        FileType::Speex => parse(&mut reader, options, |f: &SpeexFile| {
            vorbis_spotify_id(Some(f.vorbis_comments()))
        }),
        FileType::Mp4 => parse(&mut reader, options, |f: &Mp4File| {
            ilst_spotify_id(f.ilst())
        }),
        // APE, Musepack, WavPack: APE tags, no Spotify ID of ours.
        other => Probe::with_file_type(reader, other)
            .options(options)
            .read()
            .map(|tagged| (tagged, None)),
    };
    let (tagged, spotify_id) = parsed.map_err(|e| TagError::read(path, e))?;
    Ok(from_tagged(&tagged, spotify_id))
}

/// The primary tag first, then the others (ID3v1, APE, …) for whatever the
/// primary one lacks.
fn tags_in_order(tagged: &TaggedFile) -> Vec<&Tag> {
    let mut tags: Vec<&Tag> = tagged.primary_tag().into_iter().collect();
    tags.extend(
        tagged
            .tags()
            .iter()
            .filter(|t| t.tag_type() != tagged.primary_tag_type()),
    );
    tags
}

/// The first non-empty text for `key`.
fn first_text(tags: &[&Tag], key: ItemKey) -> Option<String> {
    tags.iter()
        .find_map(|t| t.get_string(key).map(str::trim).filter(|s| !s.is_empty()))
        .map(str::to_owned)
}

/// All values of `key` in the first tag that has any, split on NUL (an
/// ID3v2.4 multi-value read as one) and on `;` (a joined list).
fn all_texts(tags: &[&Tag], key: ItemKey) -> Vec<String> {
    for tag in tags {
        let values: Vec<String> = tag
            .get_strings(key)
            .flat_map(|v| v.split(['\0', ';']))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        if !values.is_empty() {
            return values;
        }
    }
    Vec::new()
}

fn first_number(tags: &[&Tag], get: impl Fn(&Tag) -> Option<u32>) -> Option<u32> {
    tags.iter().find_map(|t| get(t))
}

fn from_tagged(tagged: &TaggedFile, spotify_id: Option<String>) -> ReadTags {
    let tags = tags_in_order(tagged);
    let mut artists = all_texts(&tags, ItemKey::TrackArtists);
    if artists.is_empty() {
        artists = all_texts(&tags, ItemKey::TrackArtist);
    }
    let album_artists = all_texts(&tags, ItemKey::AlbumArtist);
    let release_date = first_text(&tags, ItemKey::RecordingDate)
        .or_else(|| first_text(&tags, ItemKey::ReleaseDate))
        .or_else(|| first_text(&tags, ItemKey::Year));
    let year = release_date
        .as_deref()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse().ok());
    let duration = tagged.properties().duration();
    ReadTags {
        title: first_text(&tags, ItemKey::TrackTitle),
        genre: first_text(&tags, ItemKey::Genre),
        artists,
        album: first_text(&tags, ItemKey::AlbumTitle),
        album_artist: (!album_artists.is_empty()).then(|| album_artists.join(ARTIST_JOINER)),
        track_number: first_number(&tags, |t| t.track()),
        track_total: first_number(&tags, |t| t.track_total()),
        disc_number: first_number(&tags, |t| t.disk()),
        disc_total: first_number(&tags, |t| t.disk_total()),
        release_date,
        year,
        isrc: first_text(&tags, ItemKey::Isrc),
        spotify_id: spotify_id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        has_cover: tags.iter().any(|t| t.picture_count() > 0),
        duration_ms: i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
    }
}
