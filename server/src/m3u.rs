//! Playlists for other players: an `.m3u8` file for liked songs, every
//! playlist in the library and every smart playlist, in
//! `<library>/Playlists/`, with paths relative to it (`../Artist/Album/…`),
//! so foobar2000, VLC or Navidrome pointed at the library folder see Hoard's
//! playlists. They are rewritten when the vault changes (its change feed
//! moved), each only if its text changed, by writing a temporary file and
//! renaming it; Hoard owns that folder and removes `.m3u8` files there that
//! no longer stand for a list.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use vault::export::m3u8;
use vault::model::{TrackList, OWNER};

/// The folder, inside the library.
pub const FOLDER: &str = "Playlists";

/// A file name for a list's name: what file systems refuse is replaced,
/// and a second list of the same name gets its number.
fn file_name(name: &str, used: &mut HashSet<String>, number: i64) -> String {
    let clean = crate::export::safe_name(name, "Playlist");
    let mut file = format!("{clean}.m3u8");
    if !used.insert(file.to_lowercase()) {
        file = format!("{clean} ({number}).m3u8");
        used.insert(file.to_lowercase());
    }
    file
}

/// Writes `text` to `path` if it holds something else: a temporary file
/// renamed over it, so a player never reads half a playlist.
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    let mut temp = path.as_os_str().to_os_string();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, path)?;
    Ok(true)
}

/// Writes every list's file; returns how many files changed.
pub async fn write_all(vault: &vault::Vault, library: &Path) -> anyhow::Result<usize> {
    let dir = library.join(FOLDER);
    let mut lists = vec![(TrackList::Liked, "Liked songs".to_string(), 0)];
    for p in vault.playlists().await? {
        if p.removed_at.is_none() {
            lists.push((TrackList::Playlist(p.id), p.name, p.id));
        }
    }
    for s in vault.smart_playlists(OWNER).await? {
        lists.push((TrackList::Smart(s.id), s.name, s.id));
    }
    let mut used = HashSet::new();
    let mut kept = HashSet::new();
    let mut changed = 0;
    for (list, name, number) in lists {
        let rows = vault.export_list(&list, true).await?;
        if rows.is_empty() {
            continue;
        }
        let file = file_name(&name, &mut used, number);
        // Made with the first file: a library with no audio gets no folder.
        std::fs::create_dir_all(&dir)?;
        if write_if_changed(&dir.join(&file), &m3u8(&name, &rows, "../"))? {
            changed += 1;
        }
        kept.insert(file);
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(changed);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.ends_with(".m3u8") || name.ends_with(".m3u8.tmp");
        if ours && !kept.contains(&name) {
            std::fs::remove_file(entry.path())?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Keeps the files current: at start, then whenever the vault's change
/// feed has moved, checked every `every`.
pub async fn keep(vault: vault::Vault, library: PathBuf, every: Duration) {
    let mut written_at = None;
    loop {
        match vault.feed_position().await {
            Ok(position) if Some(position) != written_at => {
                match write_all(&vault, &library).await {
                    Ok(changed) => {
                        if changed > 0 {
                            tracing::info!(changed, "playlist files for other players updated");
                        }
                        written_at = Some(position);
                    }
                    Err(e) => tracing::warn!("cannot write the playlist files: {e:#}"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot read the vault's change feed: {e}"),
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlist_file_names_are_safe_and_distinct() {
        let mut used = HashSet::new();
        assert_eq!(file_name("Road trip", &mut used, 1), "Road trip.m3u8");
        assert_eq!(file_name("road trip", &mut used, 2), "road trip (2).m3u8");
        assert_eq!(file_name("../../etc", &mut used, 3), "_.._etc.m3u8");
        assert_eq!(file_name("AC/DC?", &mut used, 4), "AC_DC_.m3u8");
        assert_eq!(file_name("  ", &mut used, 5), "Playlist.m3u8");
    }
}
