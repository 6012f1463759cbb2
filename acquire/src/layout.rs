//! Where a track's file lives in the library:
//! `Album Artist/Album (Year)/Disc-Track Title.ext`, relative to the data
//! folder (so moving the folder keeps working), with every part safe on
//! Linux, macOS and Windows file systems.

use std::path::{Path, PathBuf};

/// What the layout needs to know of a track.
#[derive(Clone, Debug, Default)]
pub struct TrackPlace<'a> {
    pub album_artist: Option<&'a str>,
    pub album: Option<&'a str>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub release_date: Option<&'a str>,
    pub disc_number: i64,
    pub track_number: Option<i64>,
    pub title: &'a str,
    /// Without the dot: `m4a`, `opus`, `mp3`.
    pub extension: &'a str,
    /// Stable and unique (the Spotify ID, or the vault id), used only when
    /// two different tracks would otherwise share a path.
    pub key: &'a str,
}

/// The longest name a folder or file gets, in bytes (well under every file
/// system's 255, leaving room for a collision suffix).
const MAX_COMPONENT: usize = 120;

/// One path component: reserved characters and names replaced, no leading
/// or trailing dots and spaces (Windows drops them), not empty (`fallback`
/// instead), not too long.
pub fn component(name: &str, fallback: &str) -> String {
    let options = sanitize_filename::Options {
        windows: true,
        truncate: true,
        replacement: "_",
    };
    let clean = sanitize_filename::sanitize_with_options(name.trim(), options);
    let mut clean = clean
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned();
    if clean.len() > MAX_COMPONENT {
        let mut end = MAX_COMPONENT;
        while !clean.is_char_boundary(end) {
            end -= 1;
        }
        clean.truncate(end);
        clean = clean
            .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
            .to_owned();
    }
    // Nothing left but replacements ("..", "???"): the stand-in reads better.
    if clean.chars().all(|c| c == '_') {
        fallback.to_owned()
    } else {
        clean
    }
}

/// `path` (relative, as the vault keeps it) inside the library folder
/// `root`, or `None` when it is not a plain relative path (`..`, absolute),
/// so no path from the database or a request leaves the folder.
pub fn inside_library(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| root.join(relative))
}

/// The track's path relative to the library root.
pub fn relative_path(place: &TrackPlace) -> PathBuf {
    let artist = component(place.album_artist.unwrap_or(""), "Unknown Artist");
    let year = place
        .release_date
        .and_then(|d| d.get(..4))
        .filter(|y| y.chars().all(|c| c.is_ascii_digit()));
    let album = match (place.album.filter(|a| !a.trim().is_empty()), year) {
        (Some(album), Some(year)) => format!("{album} ({year})"),
        (Some(album), None) => album.to_owned(),
        (None, _) => String::new(),
    };
    let album = component(&album, "Unknown Album");
    let number = match place.track_number {
        Some(n) => format!("{}-{:02} ", place.disc_number.max(1), n),
        None => String::new(),
    };
    let extension = component(place.extension, "bin");
    let file = component(&format!("{number}{}", place.title), "Untitled");
    PathBuf::from(artist)
        .join(album)
        .join(format!("{file}.{extension}"))
}

/// [`relative_path`], made unique: when `taken_by_other(path)` says another
/// track has it, the track's key goes into the name.
pub fn unique_path(place: &TrackPlace, taken_by_other: impl Fn(&Path) -> bool) -> PathBuf {
    let path = relative_path(place);
    if !taken_by_other(&path) {
        return path;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key = component(place.key, "track");
    let name = format!("{stem} [{key}].{}", component(place.extension, "bin"));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_vault_stay_inside_their_folder() {
        let root = Path::new("/data/library");
        assert_eq!(
            inside_library(root, "A/B (2001)/1-01 C.mp3"),
            Some(PathBuf::from("/data/library/A/B (2001)/1-01 C.mp3"))
        );
        assert_eq!(inside_library(root, "../secret.key"), None);
        assert_eq!(inside_library(root, "/etc/passwd"), None);
        assert_eq!(inside_library(root, "A/../../x"), None);
    }

    fn place<'a>(title: &'a str, album: &'a str, artist: &'a str) -> TrackPlace<'a> {
        TrackPlace {
            album_artist: Some(artist),
            album: Some(album),
            release_date: Some("1997-05-21"),
            disc_number: 1,
            track_number: Some(7),
            title,
            extension: "opus",
            key: "6rqhFgbbKwnb9MLmUQDhG6",
        }
    }

    #[test]
    fn a_track_lands_under_artist_album_and_year() {
        let path = relative_path(&place("Paranoid Android", "OK Computer", "Radiohead"));
        assert_eq!(
            path,
            PathBuf::from("Radiohead/OK Computer (1997)/1-07 Paranoid Android.opus")
        );
        assert!(path.is_relative());
    }

    #[test]
    fn names_are_safe_on_every_file_system() {
        let path = relative_path(&place("What? / Why: \"Yes\" <No> *|", "AC/DC...", "CON"));
        for part in path.components() {
            let part = part.as_os_str().to_string_lossy();
            assert!(
                !part.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']),
                "{part}"
            );
            assert!(!part.ends_with('.') && !part.ends_with(' '), "{part}");
        }
        assert_ne!(
            path.components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().to_uppercase()),
            Some("CON".into())
        );
        assert_eq!(component("..", "x"), "x");
        assert_eq!(component("   ", "Unknown"), "Unknown");
        let long = "ü".repeat(200);
        let cut = component(&long, "x");
        assert!(cut.len() <= MAX_COMPONENT && cut.chars().all(|c| c == 'ü'));
        assert_eq!(
            component("Björk — Jóga", "x"),
            "Björk — Jóga",
            "letters stay as they are"
        );
    }

    #[test]
    fn missing_details_have_clear_stand_ins() {
        let bare = TrackPlace {
            title: "",
            extension: "m4a",
            key: "k",
            ..TrackPlace::default()
        };
        assert_eq!(
            relative_path(&bare),
            PathBuf::from("Unknown Artist/Unknown Album/Untitled.m4a")
        );
    }

    #[test]
    fn two_different_tracks_never_share_a_path() {
        let a = place("Intro", "Album", "Artist");
        let first = unique_path(&a, |_| false);
        let second = unique_path(
            &TrackPlace {
                key: "otherid",
                ..a.clone()
            },
            |p| p == first,
        );
        assert_ne!(first, second);
        assert_eq!(
            second.file_name().map(|n| n.to_string_lossy().into_owned()),
            Some("1-07 Intro [otherid].opus".into())
        );
    }
}
