//! Last.fm against the local Last.fm API (its JSON shapes and error codes)
//! and the local Spotify API: an artist's story and similar artists, a
//! track's figures, the errors a key, a limit or a name can cause, the story
//! kept for when Last.fm is away, and "Expand": what similar artists'
//! discographies would add, previewed, then saved.

use hoard_sync::lastfm::{Lastfm, LastfmError};
use hoard_sync::Discographies;
use lastfm_mock::{CatalogueTrack, LastfmMock, LastfmSpec, TEST_KEY};
use spotify_mock::LibrarySpec;
use vault::model::OWNER;

mod common;
use common::*;

async fn setup() -> (Harness, LastfmMock) {
    let h = Harness::new(LibrarySpec {
        // Few liked songs: most of the catalogue is not in the vault yet.
        liked: 5,
        playlists: 1,
        playlist_len: 3,
        saved_albums: 1,
        followed_artists: 2,
        quirks: false,
        discographies: 1,
        releases_per_artist: 14,
        ..LibrarySpec::default()
    })
    .await;
    let tracks: Vec<CatalogueTrack> =
        serde_json::from_value(h.spotify().catalogue()).expect("catalogue");
    let lastfm = LastfmMock::start(LastfmSpec {
        tracks,
        keys: vec![TEST_KEY.into()],
    })
    .await
    .expect("last.fm mock");
    (h, lastfm)
}

#[tokio::test]
async fn an_artist_s_story_and_similar_artists_and_a_track_s_figures() {
    let (h, mock) = setup().await;
    let (_, name) = h.spotify().discography_artists().remove(0);
    let lastfm = Lastfm::new(&mock.url(), TEST_KEY).expect("client");
    let story = lastfm.artist(&name).await.expect("story");
    assert_eq!(story.name, name);
    assert!(story.listeners > 0 && story.playcount >= story.listeners);
    assert!(story.url.starts_with("https://www.last.fm/music/"));
    if let Some(bio) = &story.bio {
        assert!(
            !bio.contains("<a") && !bio.contains("Read more on Last.fm"),
            "{bio}"
        );
    }
    let want = mock.similar(&name);
    assert_eq!(story.similar.len(), want.len());
    assert!(story
        .similar
        .windows(2)
        .all(|w| w[0].similarity >= w[1].similarity));
    assert_eq!(story.similar[0].name, want[0].0);
    assert!(story
        .similar
        .iter()
        .any(|s| LastfmMock::is_outsider(&s.name)));

    // A track Last.fm knows has figures; one it does not is a stub, not figures.
    let catalogue = h.spotify().catalogue();
    let track = &catalogue[0];
    let stats = lastfm
        .track(
            track["artists"][0].as_str().expect("artist"),
            track["title"].as_str().expect("title"),
        )
        .await
        .expect("track")
        .expect("known");
    assert!(stats.listeners > 0 && stats.url.contains("/_/"));
    assert_eq!(
        lastfm
            .track(&name, "A Song Nobody Wrote")
            .await
            .expect("stub"),
        None
    );
}

#[tokio::test]
async fn keys_limits_and_unknown_names_are_told_apart_and_the_key_is_never_shown() {
    let (_h, mock) = setup().await;
    let bad_key = "0000000000000000000000000000beef";
    let bad = Lastfm::new(&mock.url(), bad_key).expect("client");
    let err = bad.check_key().await.expect_err("refused");
    assert!(matches!(err, LastfmError::InvalidKey(_)), "{err:?}");
    assert!(err.to_string().contains("lastfm_api_key"));
    assert!(!err.to_string().contains(bad_key));
    assert!(!format!("{bad:?}").contains(bad_key));

    let good = Lastfm::new(&mock.url(), TEST_KEY).expect("client");
    good.check_key().await.expect("a good key");
    let err = good.artist("Nobody At All").await.expect_err("unknown");
    assert!(matches!(err, LastfmError::NotFound(_)), "{err:?}");
    mock.rate_limit(1);
    let err = good.artist("Nobody At All").await.expect_err("limited");
    assert!(matches!(err, LastfmError::RateLimited), "{err:?}");

    // Nothing listens here: unreachable, and the message has no key in it.
    let away = Lastfm::new("http://127.0.0.1:9/2.0/", TEST_KEY).expect("client");
    let err = away.check_key().await.expect_err("unreachable");
    assert!(matches!(err, LastfmError::Unreachable(_)), "{err:?}");
    assert!(!err.to_string().contains(TEST_KEY), "{err}");
}

#[tokio::test]
async fn a_story_is_kept_a_week_and_shown_when_last_fm_is_away() {
    let (h, mock) = setup().await;
    let (_, name) = h.spotify().discography_artists().remove(0);
    let lastfm = Lastfm::new(&mock.url(), TEST_KEY).expect("client");
    let first = lastfm.artist_kept(&h.vault, &name).await.expect("story");
    let calls = mock.calls();
    assert_eq!(calls, 2, "artist.getInfo and artist.getSimilar");
    let again = lastfm.artist_kept(&h.vault, &name).await.expect("kept");
    assert_eq!(again, first);
    assert_eq!(mock.calls(), calls, "a kept story is not asked for again");

    // An old story is asked for again; when Last.fm is away, the old one is shown.
    sqlx::query(
        "UPDATE lastfm_kept SET body = json_set(body, '$.fetched_at', '2020-01-01T00:00:00Z')",
    )
    .execute(h.vault.pool())
    .await
    .expect("aged");
    mock.rate_limit(5);
    let stale = lastfm
        .artist_kept(&h.vault, &name)
        .await
        .expect("the kept one");
    assert_eq!(stale.similar, first.similar);
    assert!(mock.calls() > calls, "Last.fm was asked");
}

#[tokio::test]
async fn expand_previews_similar_artists_discographies_then_saves_them() {
    let (h, mock) = setup().await;
    h.sync().await;
    let (_, name) = h.spotify().discography_artists().remove(0);
    let lastfm = Lastfm::new(&mock.url(), TEST_KEY).expect("client");
    let story = lastfm.artist(&name).await.expect("story");
    let names: Vec<String> = story
        .similar
        .iter()
        .take(8)
        .map(|s| s.name.clone())
        .collect();
    let groups: Vec<String> = vault::model::ALBUM_GROUPS.map(String::from).to_vec();
    let discographies = Discographies::new(h.syncer.clone());
    let before = h.scalar("SELECT COUNT(*) FROM tracks").await;
    let preview = discographies
        .preview(OWNER, &names, &groups)
        .await
        .expect("preview");
    assert_eq!(preview.len(), names.len());
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM tracks").await,
        before,
        "a preview saves nothing"
    );
    for c in &preview {
        if LastfmMock::is_outsider(&c.name) {
            assert_eq!(c.spotify_id, None, "{} is not on Spotify", c.name);
        }
    }
    let found: Vec<_> = preview.iter().filter(|c| c.spotify_id.is_some()).collect();
    assert!(!found.is_empty());
    let with_releases: Vec<_> = found.iter().filter(|c| c.releases > 0).collect();
    assert!(!with_releases.is_empty(), "{preview:?}");
    for c in &with_releases {
        assert!(c.tracks > 0);
        assert_eq!(c.estimated_bytes, c.tracks * 5_000_000);
        assert!(!c.saved);
    }

    let chosen: Vec<(String, String)> = with_releases
        .iter()
        .map(|c| (c.spotify_id.clone().expect("id"), c.name.clone()))
        .collect();
    let report = discographies
        .expand(OWNER, &chosen, &groups, false, false)
        .await
        .expect("expanded");
    let previewed: usize = with_releases.iter().map(|c| c.releases).sum();
    assert_eq!(report.releases, previewed);
    assert!(report.tracks_saved > 0, "{report:?}");
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM tracks").await,
        before + report.tracks_saved as i64,
        "the report counts the tracks it added"
    );
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM discographies").await,
        chosen.len() as i64
    );
    let again = discographies
        .preview(OWNER, &names, &groups)
        .await
        .expect("preview");
    assert!(again
        .iter()
        .filter(|c| chosen
            .iter()
            .any(|(id, _)| Some(id) == c.spotify_id.as_ref()))
        .all(|c| c.saved));
}
