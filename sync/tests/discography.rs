//! Whole discographies against the local Spotify API: a discography with
//! its duplicates (a deluxe edition, a regional edition, lead singles, a
//! best-of) kept once per recording in the fewest calls, and a watched
//! artist's new single found by the next check.

use std::collections::{HashMap, HashSet};

use hoard_sync::Discographies;
use spotify_mock::LibrarySpec;
use vault::model::{Id, OWNER};

mod common;
use common::*;

fn spec() -> LibrarySpec {
    LibrarySpec {
        liked: 40,
        playlists: 2,
        playlist_len: 10,
        saved_albums: 2,
        followed_artists: 3,
        quirks: false,
        discographies: 1,
        releases_per_artist: 30,
        ..LibrarySpec::default()
    }
}

fn all_groups() -> Vec<String> {
    ["album", "single", "compilation", "appears_on"]
        .map(String::from)
        .to_vec()
}

async fn artist_id(h: &Harness, spotify_id: &str) -> Id {
    let (id,): (Id,) = sqlx::query_as("SELECT id FROM artists WHERE spotify_id = ?")
        .bind(spotify_id)
        .fetch_one(h.vault.pool())
        .await
        .expect("the artist is in the vault after a sync");
    id
}

/// The vault's tracks credited to the artist: Spotify ID to album Spotify ID.
async fn vault_tracks(h: &Harness, artist: Id) -> HashMap<String, String> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.spotify_id, al.spotify_id FROM tracks t JOIN albums al ON al.id = t.album_id
         WHERE t.id IN (SELECT track_id FROM track_artists WHERE artist_id = ?)",
    )
    .bind(artist)
    .fetch_all(h.vault.pool())
    .await
    .expect("tracks");
    rows.into_iter().collect()
}

#[tokio::test]
async fn a_discography_keeps_each_recording_once_in_the_fewest_calls() {
    let h = Harness::new(spec()).await;
    h.sync().await;
    let spotify = h.spotify();
    let (spotify_artist, _) = spotify.discography_artists().remove(0);
    let artist = artist_id(&h, &spotify_artist).await;
    let catalogue = spotify.artist_tracks(&spotify_artist);
    let isrc_of: HashMap<&str, &str> = catalogue
        .iter()
        .filter_map(|(t, isrc, _, _)| Some((t.as_str(), isrc.as_deref()?)))
        .collect();
    let sold: HashSet<&str> = catalogue
        .iter()
        .filter(|c| c.3)
        .map(|c| c.1.as_deref().expect("isrc"))
        .collect();
    let regional: HashSet<&str> = catalogue
        .iter()
        .filter(|c| !c.3)
        .map(|c| c.2.as_str())
        .collect();
    assert_eq!(regional.len(), 1, "the mock has one regional edition");

    let discographies = Discographies::new(h.syncer.clone());
    let report = discographies
        .save(OWNER, artist, &all_groups(), false, true)
        .await
        .expect("saved");

    // Every recording the listener's market sells is kept, each once.
    let kept = vault_tracks(&h, artist).await;
    let mut recordings: HashMap<&str, usize> = HashMap::new();
    for track in kept.keys() {
        *recordings.entry(isrc_of[track.as_str()]).or_default() += 1;
    }
    let twice: Vec<_> = recordings.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "recordings kept twice: {twice:?}");
    let kept_isrcs: HashSet<&str> = recordings.keys().copied().collect();
    assert_eq!(kept_isrcs, sold, "every recording kept");
    assert!(
        kept.values()
            .all(|album| !regional.contains(album.as_str())),
        "nothing kept from the edition sold only in Japan"
    );
    // One of them was in the vault already (the liked song).
    assert_eq!(report.tracks_saved, kept.len() - 1);
    assert!(
        report.duplicates >= 8 + 3,
        "best-of and lead singles left out: {report:?}"
    );

    // 29 releases for this market: 3 pages of 10, then one page of tracks each.
    assert_eq!(report.releases, 29, "{report:?}");
    assert_eq!(report.new_releases, 29);
    assert_eq!(report.api_calls, 3 + 29, "{report:?}");

    // The standard edition already in the vault (a liked song is on it)
    // keeps its tracks; the deluxe edition keeps only its bonus tracks.
    let d = h
        .vault
        .discography(OWNER, artist)
        .await
        .expect("discography");
    assert!(d.saved && d.watch);
    let deluxe = d
        .releases
        .iter()
        .find(|r| r.name.ends_with("(Deluxe Edition)"))
        .expect("the deluxe edition is listed");
    let standard = deluxe.name.trim_end_matches(" (Deluxe Edition)");
    assert_eq!(deluxe.tracks_saved, 3, "{deluxe:?}");
    assert_eq!(deluxe.duplicate_of.as_deref(), Some(standard));
    let hits = d
        .releases
        .iter()
        .find(|r| r.name == "Greatest Hits")
        .expect("the best-of is listed");
    assert_eq!((hits.tracks_saved, hits.duplicates), (0, 8), "{hits:?}");
    assert_eq!(
        hits.album_id, None,
        "a release with nothing kept adds no album"
    );
    let appears: Vec<_> = d
        .releases
        .iter()
        .filter(|r| r.album_group == "appears_on")
        .collect();
    assert_eq!(appears.len(), 2);
    assert!(
        appears
            .iter()
            .all(|r| r.tracks_saved == 1 && r.total_tracks == 6),
        "only the artist's own song from someone else's compilation: {appears:?}"
    );
    assert!(
        d.releases.iter().all(|r| !r.new),
        "a first save is not news"
    );

    // Saving again reads the release list only.
    let again = discographies
        .save(OWNER, artist, &all_groups(), false, true)
        .await
        .expect("saved again");
    assert_eq!((again.new_releases, again.tracks_saved), (0, 0));
    assert_eq!(again.api_calls, 3);
    assert_eq!(vault_tracks(&h, artist).await.len(), kept.len());
}

#[tokio::test]
async fn a_watched_artist_s_new_single_is_found_and_queued() {
    let h = Harness::new(spec()).await;
    h.sync().await;
    let spotify = h.spotify();
    let (spotify_artist, _) = spotify.discography_artists().remove(0);
    let artist = artist_id(&h, &spotify_artist).await;
    let discographies = Discographies::new(h.syncer.clone());
    // Singles only, queued, watched.
    discographies
        .save(OWNER, artist, &["single".to_string()], true, true)
        .await
        .expect("saved");
    let queued_before = h.scalar("SELECT COUNT(*) FROM downloads").await;
    assert!(queued_before > 0, "the singles' tracks were queued");
    assert!(h.vault.new_releases(OWNER).await.expect("new").is_empty());

    // Nothing new: a check finds nothing.
    let due = h.vault.watches_due("9999").await.expect("due");
    assert_eq!(due.len(), 1);
    let nothing = discographies.check(&due[0]).await.expect("checked");
    assert_eq!(nothing.new_releases, 0);

    let album = spotify
        .new_release(&spotify_artist, "single", 1)
        .expect("released");
    // A new album is not in the watched groups.
    spotify
        .new_release(&spotify_artist, "album", 9)
        .expect("released");
    let report = discographies.check(&due[0]).await.expect("checked");
    assert_eq!(
        (report.new_releases, report.tracks_saved),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(report.queued, 1);

    let new = h.vault.new_releases(OWNER).await.expect("new");
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].release.spotify_album_id, album);
    assert_eq!(new[0].artist.id, artist);
    assert!(new[0].release.new);
    let queued: i64 = h
        .scalar(&format!(
            "SELECT COUNT(*) FROM downloads d JOIN tracks t ON t.id = d.track_id
             JOIN albums al ON al.id = t.album_id WHERE al.spotify_id = '{album}'"
        ))
        .await;
    assert_eq!(queued, 1, "the new single's track is queued");

    // Once seen, it is no longer new; a later check finds nothing more.
    h.vault
        .mark_releases_seen(OWNER, Some(artist))
        .await
        .expect("seen");
    assert!(h.vault.new_releases(OWNER).await.expect("new").is_empty());
    let checked = h.vault.discography(OWNER, artist).await.expect("d");
    assert!(checked.checked_at.is_some() && checked.check_error.is_none());
    assert_eq!(
        discographies
            .check(&due[0])
            .await
            .expect("checked")
            .new_releases,
        0
    );

    // Choosing albums too brings their whole past, which is not news.
    let widened = discographies
        .save(
            OWNER,
            artist,
            &["album".into(), "single".into()],
            false,
            true,
        )
        .await
        .expect("saved");
    assert!(widened.new_releases > 1);
    assert!(h.vault.new_releases(OWNER).await.expect("new").is_empty());
}
