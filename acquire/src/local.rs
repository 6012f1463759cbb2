//! A local folder the user already has: its audio files as a source of
//! candidates, so a track found there is copied rather than downloaded.
//!
//! [`scan`] reads every audio file's tags once (a file without a title tag
//! is known by its name, "Artist - Title.mp3" split into the two). The
//! [`LocalIndex`] then answers "which files could be this track?" through
//! maps by ISRC and by title words rather than by comparing every file, so
//! a library of ten thousand files costs a lookup, not a scan, per track.
//! It only shortlists; [`crate::matcher::choose`] makes the decision.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::matcher::{normalise, Candidate, Wanted};
use crate::tag;

/// The extensions scanned (case-insensitive). WMA is listed so that such
/// files show up as problems (lofty cannot read them) instead of vanishing.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "m4a", "mp4", "aac", "opus", "ogg", "oga", "flac", "wav", "aiff", "aif", "wma",
];

/// The most candidates [`LocalIndex::candidates`] returns.
const MAX_CANDIDATES: usize = 10;

/// How alike (0 to 1) a file's normalised title must be to the wanted one.
const MIN_TITLE_SIMILARITY: f64 = 0.6;

/// How alike a file's artist must be to one of the wanted artists.
const MIN_ARTIST_SIMILARITY: f64 = 0.5;

/// One audio file and what its tags (or its name) say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalFile {
    /// Absolute.
    pub path: PathBuf,
    pub title: String,
    /// In credit order; empty when neither tags nor name say.
    pub artists: Vec<String>,
    pub album: Option<String>,
    /// Upper case, without hyphens or spaces.
    pub isrc: Option<String>,
    pub duration_ms: Option<i64>,
}

/// The audio files of a folder, indexed for lookups. Built by [`scan`] or
/// [`LocalIndex::new`]; the maps are not updated if `files` is changed
/// afterwards.
#[derive(Clone, Debug, Default)]
pub struct LocalIndex {
    pub files: Vec<LocalFile>,
    /// Files that look like audio but cannot be read, and why.
    pub problems: Vec<(PathBuf, String)>,
    /// ISRC → files.
    by_isrc: HashMap<String, Vec<usize>>,
    /// Normalised title → files.
    by_title: HashMap<String, Vec<usize>>,
    /// Word of a normalised title → files.
    by_word: HashMap<String, Vec<usize>>,
    /// Candidate URL → file.
    by_url: HashMap<String, usize>,
    /// Each file's normalised title and artists, in `files` order.
    normalised: Vec<(String, Vec<String>)>,
}

/// An ISRC as compared: `us-rc1-76-07839` → `USRC17607839`.
fn normalise_isrc(isrc: &str) -> Option<String> {
    let clean: String = isrc
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// The URL a file is offered under.
fn url_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Similarity of two normalised strings, 0 to 1, word order aside.
fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let sorted = |s: &str| {
        let mut words: Vec<&str> = s.split(' ').collect();
        words.sort_unstable();
        words.join(" ")
    };
    strsim::normalized_levenshtein(a, b).max(strsim::normalized_levenshtein(&sorted(a), &sorted(b)))
}

impl LocalIndex {
    /// Indexes files (as [`scan`] found them, or from elsewhere).
    pub fn new(files: Vec<LocalFile>, problems: Vec<(PathBuf, String)>) -> Self {
        let mut index = Self {
            files,
            problems,
            ..Self::default()
        };
        for (i, file) in index.files.iter().enumerate() {
            if let Some(isrc) = file.isrc.as_deref().and_then(normalise_isrc) {
                index.by_isrc.entry(isrc).or_default().push(i);
            }
            let title = normalise(&file.title);
            let words: HashSet<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
            for word in words {
                index.by_word.entry(word.to_owned()).or_default().push(i);
            }
            index.by_title.entry(title.clone()).or_default().push(i);
            index.by_url.insert(url_of(&file.path), i);
            let artists = file
                .artists
                .iter()
                .map(|a| normalise(a))
                .filter(|a| !a.is_empty())
                .collect();
            index.normalised.push((title, artists));
        }
        index
    }

    /// Candidates for a wanted track: the files with its ISRC if there are
    /// any (alone: an ISRC is decisive), otherwise at most ten files whose
    /// normalised title and artist are close, closest first.
    pub fn candidates(&self, wanted: &Wanted) -> Vec<Candidate> {
        if let Some(files) = wanted
            .isrc
            .as_deref()
            .and_then(normalise_isrc)
            .and_then(|isrc| self.by_isrc.get(&isrc))
        {
            return files
                .iter()
                .take(MAX_CANDIDATES)
                .map(|&i| self.candidate(i))
                .collect();
        }

        let title = normalise(&wanted.title);
        if title.is_empty() {
            return Vec::new();
        }
        // Files with the same normalised title, and files sharing the
        // title's rarest word (which catches "Title (Remastered)", small
        // spelling differences and titles with the artist still in them).
        let mut pool: Vec<usize> = self.by_title.get(&title).cloned().unwrap_or_default();
        if let Some(rarest) = title
            .split(' ')
            .filter_map(|w| self.by_word.get(w))
            .min_by_key(|files| files.len())
        {
            pool.extend(rarest);
        }
        pool.sort_unstable();
        pool.dedup();

        let artists: Vec<String> = wanted
            .artists
            .iter()
            .map(|a| normalise(a))
            .filter(|a| !a.is_empty())
            .collect();
        let mut close: Vec<(f64, usize)> = pool
            .into_iter()
            .filter_map(|i| {
                let (file_title, file_artists) = &self.normalised[i];
                let mut title_score = similarity(&title, file_title);
                if format!(" {file_title} ").contains(&format!(" {title} ")) {
                    title_score = title_score.max(0.9);
                }
                if title_score < MIN_TITLE_SIMILARITY {
                    return None;
                }
                // A file without an artist may still be it (the matcher will
                // weigh that); one by someone else is not.
                let artist_score = if file_artists.is_empty() || artists.is_empty() {
                    0.5
                } else {
                    let best = file_artists
                        .iter()
                        .flat_map(|theirs| artists.iter().map(|ours| similarity(theirs, ours)))
                        .fold(0.0, f64::max);
                    if best < MIN_ARTIST_SIMILARITY {
                        return None;
                    }
                    best
                };
                Some((0.7 * title_score + 0.3 * artist_score, i))
            })
            .collect();
        close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        close
            .into_iter()
            .take(MAX_CANDIDATES)
            .map(|(_, i)| self.candidate(i))
            .collect()
    }

    /// The file as a matcher candidate.
    fn candidate(&self, i: usize) -> Candidate {
        let file = &self.files[i];
        Candidate {
            title: file.title.clone(),
            uploader: file.artists.first().cloned().unwrap_or_default(),
            duration_ms: file.duration_ms,
            url: url_of(&file.path),
            isrc: file.isrc.clone(),
            artists: file.artists.clone(),
            found_by: "music folder".into(),
            ..Candidate::default()
        }
    }

    /// The file a candidate from [`LocalIndex::candidates`] stands for.
    pub fn path_of(&self, candidate: &Candidate) -> Option<&Path> {
        self.by_url
            .get(&candidate.url)
            .map(|&i| self.files[i].path.as_path())
    }
}

/// Whether the path has an audio extension.
fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Removes a leading track number ("01 - ", "1. ", "03 ") from a name.
fn strip_track_number(stem: &str) -> &str {
    let digits = stem.chars().take_while(char::is_ascii_digit).count();
    if !(1..=3).contains(&digits) {
        return stem;
    }
    let rest = &stem[digits..];
    let trimmed = rest.trim_start_matches(['.', '-', '_', ' ']);
    if trimmed.len() == rest.len() || trimmed.is_empty() {
        stem
    } else {
        trimmed
    }
}

/// Title and artists from a file name: "Artist - Title" is split, anything
/// else is all title.
fn from_stem(stem: &str) -> (String, Vec<String>) {
    let stem = strip_track_number(stem.trim());
    for sep in [" - ", " – ", " — "] {
        if let Some((artist, title)) = stem.split_once(sep) {
            let (artist, title) = (artist.trim(), title.trim());
            if !artist.is_empty() && !title.is_empty() {
                return (title.to_owned(), vec![artist.to_owned()]);
            }
        }
    }
    (stem.to_owned(), Vec::new())
}

/// Reads one file into a [`LocalFile`].
fn read_file(path: &Path) -> Result<LocalFile, String> {
    let tags = tag::read_tags_without_cover(path).map_err(|e| match e {
        tag::TagError::Read { reason, .. } | tag::TagError::Write { reason, .. } => {
            if reason.starts_with("not an audio file") {
                reason
            } else {
                format!("not an audio file lofty can read ({reason})")
            }
        }
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (mut title, mut artists) = (tags.title.unwrap_or_default(), tags.artists);
    if title.trim().is_empty() {
        let (stem_title, stem_artists) = from_stem(&stem);
        title = stem_title;
        if artists.is_empty() {
            artists = stem_artists;
        }
    }
    Ok(LocalFile {
        path: path.to_owned(),
        title,
        artists,
        album: tags.album,
        isrc: tags.isrc.as_deref().and_then(normalise_isrc),
        duration_ms: Some(tags.duration_ms).filter(|&d| d > 0),
    })
}

/// Scans a folder (and its subfolders) for audio files.
///
/// Symbolic links are followed only while they stay inside the folder, so
/// a link to `/` or to another disk is not walked. Files without an audio
/// extension are ignored; audio files lofty cannot read are listed in
/// [`LocalIndex::problems`] with the reason. macOS "._" resource files are
/// skipped.
pub fn scan(dir: &Path) -> LocalIndex {
    let root = match dir.canonicalize() {
        Ok(root) => root,
        Err(e) => {
            return LocalIndex::new(
                Vec::new(),
                vec![(dir.to_owned(), format!("cannot open the folder ({e})"))],
            )
        }
    };
    let inside = |path: &Path| path.canonicalize().is_ok_and(|p| p.starts_with(&root));
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let walker = walkdir::WalkDir::new(&root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| !entry.path_is_symlink() || inside(entry.path()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().map(Path::to_owned).unwrap_or_else(|| root.clone());
                // A link loop or an unreadable folder.
                problems.push((path, format!("cannot read ({e})")));
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file() || !is_audio(path) {
            continue;
        }
        if entry.file_name().to_string_lossy().starts_with("._") {
            continue;
        }
        // The same file reached twice (through a link inside the folder).
        let real = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        if !seen.insert(real) {
            continue;
        }
        match read_file(path) {
            Ok(file) => files.push(file),
            Err(reason) => problems.push((path.to_owned(), reason)),
        }
    }
    LocalIndex::new(files, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_title_and_artist() {
        assert_eq!(
            from_stem("Daft Punk - Get Lucky"),
            ("Get Lucky".to_owned(), vec!["Daft Punk".to_owned()])
        );
        assert_eq!(
            from_stem("03 - Daft Punk - Get Lucky"),
            ("Get Lucky".to_owned(), vec!["Daft Punk".to_owned()])
        );
        assert_eq!(from_stem("01. Intro"), ("Intro".to_owned(), Vec::new()));
        assert_eq!(from_stem("1979"), ("1979".to_owned(), Vec::new()));
        assert_eq!(
            normalise_isrc("us-rc1-76-07839").as_deref(),
            Some("USRC17607839")
        );
    }

    #[test]
    fn lookups_use_the_maps() {
        let file = |title: &str, artist: &str, isrc: Option<&str>| LocalFile {
            path: PathBuf::from(format!("/music/{title}.mp3")),
            title: title.into(),
            artists: vec![artist.into()],
            album: None,
            isrc: isrc.map(Into::into),
            duration_ms: Some(200_000),
        };
        let index = LocalIndex::new(
            vec![
                file("Get Lucky", "Daft Punk", None),
                file("Get Lucky (Radio Edit)", "Daft Punk", None),
                file("Get Lucky", "Someone Else Entirely", None),
                file("Lose Yourself to Dance", "Daft Punk", Some("USQX91300105")),
            ],
            Vec::new(),
        );
        let wanted = Wanted {
            title: "Get Lucky".into(),
            artists: vec!["Daft Punk".into()],
            duration_ms: 200_000,
            isrc: Some("USQX91300108".into()),
            ..Wanted::default()
        };
        let found = index.candidates(&wanted);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].title, "Get Lucky");
        assert_eq!(
            index.path_of(&found[0]),
            Some(Path::new("/music/Get Lucky.mp3"))
        );

        let by_isrc = Wanted {
            isrc: Some("usqx9-1300105".into()),
            ..wanted
        };
        let found = index.candidates(&by_isrc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].title, "Lose Yourself to Dance");
    }
}
