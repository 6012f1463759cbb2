//! The sync against the local Spotify Web API (`spotify-mock`), end to end:
//! a real SQLite file, real HTTP, the real PKCE flow.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hoard_sync::{SecretBox, SyncError, SyncMode};
use spotify_mock::{Faults, LibrarySpec};

mod common;
use common::*;

fn small() -> LibrarySpec {
    LibrarySpec {
        liked: 130,
        playlists: 9,
        playlist_len: 70,
        ..LibrarySpec::default()
    }
}

#[tokio::test]
async fn first_sync_of_an_empty_vault_mirrors_the_whole_library() {
    let h = Harness::new(small()).await;
    let report = h.sync().await;
    let spotify = h.spotify();

    assert_eq!(
        h.liked().await,
        spotify.liked_ids(),
        "liked songs, newest first"
    );
    assert_eq!(report.liked_total, 130);
    assert_eq!(report.playlists_total, 9);
    assert_eq!(report.playlists_fetched, 9);
    h.assert_mirrors_playlists().await;
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM saved_albums WHERE removed_at IS NULL")
            .await,
        5
    );
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM followed_artists WHERE removed_at IS NULL")
            .await,
        7
    );
    assert!(
        h.scalar("SELECT COUNT(*) FROM listens WHERE source = 'spotify-recent'")
            .await
            > 0,
        "listening history"
    );
    // What acquisition and the UI need of every Spotify track.
    assert_eq!(
        h.scalar(
            "SELECT COUNT(*) FROM tracks WHERE spotify_id IS NOT NULL AND (album_id IS NULL
             OR duration_ms <= 0 OR track_number IS NULL
             OR NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = tracks.id))"
        )
        .await,
        0,
        "every Spotify track has an album, a duration, a number and artists"
    );
    assert!(
        h.scalar("SELECT COUNT(*) FROM tracks WHERE isrc IS NOT NULL")
            .await
            > h.scalar("SELECT COUNT(*) FROM tracks WHERE isrc IS NULL AND is_local = 0")
                .await
    );
    assert_eq!(
        h.scalar(
            "SELECT COUNT(*) FROM albums WHERE total_tracks IS NULL OR release_date IS NULL
             OR images IS NULL"
        )
        .await,
        0
    );
    let account = h
        .vault
        .spotify_account()
        .await
        .expect("account")
        .expect("connected");
    assert_eq!(account.user_id.as_deref(), Some(spotify.user_id().as_str()));
    // The refresh token is stored sealed, never as text.
    let sealed = h
        .vault
        .spotify_refresh_token()
        .await
        .expect("token")
        .expect("some");
    assert!(!String::from_utf8_lossy(&sealed).contains(&h.refresh_token));
    let runs = h.vault.sync_runs(1).await.expect("runs");
    assert_eq!(runs[0].outcome.as_deref(), Some("ok"));
}

#[tokio::test]
async fn a_sync_with_nothing_changed_reads_only_the_first_pages() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let before = (
        h.scalar("SELECT COUNT(*) FROM tracks").await,
        h.scalar("SELECT COUNT(*) FROM playlist_items").await,
        h.scalar("SELECT COUNT(*) FROM liked_tracks").await,
    );
    h.spotify().reset_calls();
    let report = h.sync().await;
    assert_eq!(report.playlists_fetched, 0);
    assert_eq!(report.playlists_unchanged, 9);
    assert_eq!(report.liked_added, 0);
    // liked (1) + playlists (1) + saved albums (1) + followed (1) + history (1)
    // + Spotify's top tracks and artists, three ranges each (6)
    assert!(h.spotify().calls() <= 12, "{} calls", h.spotify().calls());
    let after = (
        h.scalar("SELECT COUNT(*) FROM tracks").await,
        h.scalar("SELECT COUNT(*) FROM playlist_items").await,
        h.scalar("SELECT COUNT(*) FROM liked_tracks").await,
    );
    assert_eq!(before, after, "nothing written twice");
}

#[tokio::test]
async fn removals_are_kept_with_their_date_and_new_likes_arrive() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let spotify = h.spotify();
    let unliked = spotify.liked_ids()[40].clone();
    spotify.remove_liked(&unliked);
    let fresh = spotify.new_track();
    spotify.add_liked(&fresh);
    let playlist = spotify.playlist_ids()[2].clone();
    let dropped = spotify.playlist_item_ids(&playlist)[3]
        .clone()
        .expect("a track");
    spotify.remove_playlist_item(&playlist, 3);
    let gone_playlist = spotify.playlist_ids()[5].clone();
    spotify.unfollow_playlist(&gone_playlist);

    let report = h.sync().await;
    assert_eq!(report.liked_added, 1);
    assert_eq!(report.liked_removed, 1);
    assert_eq!(h.liked().await, spotify.liked_ids());
    h.assert_mirrors_playlists().await;

    let (removed_at,): (Option<String>,) = sqlx::query_as(
        "SELECT l.removed_at FROM liked_tracks l JOIN tracks t ON t.id = l.track_id
         WHERE t.spotify_id = ?",
    )
    .bind(&unliked)
    .fetch_one(h.vault.pool())
    .await
    .expect("the like is kept");
    assert!(removed_at.is_some(), "the removal has its date");
    let (item_removed,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM playlist_items i JOIN tracks t ON t.id = i.track_id
         JOIN playlists p ON p.id = i.playlist_id
         WHERE p.spotify_id = ? AND t.spotify_id = ? AND i.removed_at IS NOT NULL",
    )
    .bind(&playlist)
    .bind(&dropped)
    .fetch_one(h.vault.pool())
    .await
    .expect("history");
    assert_eq!(
        item_removed, 1,
        "the playlist entry is kept with its removal date"
    );
    let (playlist_removed,): (Option<String>,) =
        sqlx::query_as("SELECT removed_at FROM playlists WHERE spotify_id = ?")
            .bind(&gone_playlist)
            .fetch_one(h.vault.pool())
            .await
            .expect("playlist kept");
    assert!(playlist_removed.is_some());
    assert!(
        h.items(&gone_playlist).await.len() > 10,
        "an unfollowed playlist keeps its items"
    );
}

#[tokio::test]
async fn a_reorder_moves_entries_and_keeps_the_old_order_as_a_snapshot() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let spotify = h.spotify();
    let playlist = spotify.playlist_ids()[3].clone();
    let rows_before = h.scalar("SELECT COUNT(*) FROM playlist_items").await;
    let old_order = h.items(&playlist).await;
    spotify.move_playlist_item(&playlist, 0, 10);
    spotify.move_playlist_item(&playlist, 30, 2);

    let report = h.sync().await;
    assert_eq!(
        report.playlists_fetched, 1,
        "only the changed playlist is read"
    );
    h.assert_mirrors_playlists().await;
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM playlist_items").await,
        rows_before,
        "a move is not a removal and an addition"
    );
    // The earlier snapshot still lists the earlier order.
    let (snapshot_json,): (String,) = sqlx::query_as(
        "SELECT s.items FROM playlist_snapshots s JOIN playlists p ON p.id = s.playlist_id
         WHERE p.spotify_id = ? ORDER BY s.seen_at, s.rowid LIMIT 1",
    )
    .bind(&playlist)
    .fetch_one(h.vault.pool())
    .await
    .expect("first snapshot");
    let ids: Vec<i64> = serde_json::from_str(&snapshot_json).expect("json");
    let mut then = Vec::new();
    for id in ids {
        let (sid,): (Option<String>,) = sqlx::query_as(
            "SELECT t.spotify_id FROM playlist_items i LEFT JOIN tracks t ON t.id = i.track_id
             WHERE i.id = ?",
        )
        .bind(id)
        .fetch_one(h.vault.pool())
        .await
        .expect("row");
        then.push(sid);
    }
    let old: Vec<Option<String>> = old_order.into_iter().map(|(_, id)| id).collect();
    assert_eq!(then, old);
    assert_ne!(then, spotify.playlist_item_ids(&playlist));
}

#[tokio::test]
async fn null_local_and_episode_entries_are_kept_and_unavailable_tracks_marked() {
    let h = Harness::new(small()).await;
    let report = h.sync().await;
    let spotify = h.spotify();
    let quirky = spotify.quirky_playlist_id().expect("quirky playlist");
    let kinds: Vec<String> = h.items(&quirky).await.into_iter().map(|(k, _)| k).collect();
    for kind in ["unavailable", "local", "episode"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} kept in {kinds:?}");
    }
    assert_eq!(kinds.len(), spotify.playlist_item_ids(&quirky).len());
    assert!(report.unavailable_entries >= 1 && report.local_files >= 1 && report.episodes >= 1);
    assert!(
        report.summary().contains("podcast episode"),
        "{}",
        report.summary()
    );
    assert!(
        h.scalar("SELECT COUNT(*) FROM tracks WHERE is_local = 1 AND local_uri IS NOT NULL")
            .await
            >= 1
    );
    assert!(
        h.scalar("SELECT COUNT(*) FROM tracks WHERE gone_from_spotify_at IS NOT NULL")
            .await
            >= 1,
        "the quirky playlist's unplayable track is marked gone"
    );

    // A track Spotify stops serving stays, marked, with every membership.
    let track = spotify.liked_ids()[0].clone();
    spotify.make_unavailable(&track);
    h.syncer
        .run("test", SyncMode::Full)
        .await
        .expect("full sync");
    let (gone,): (Option<String>,) =
        sqlx::query_as("SELECT gone_from_spotify_at FROM tracks WHERE spotify_id = ?")
            .bind(&track)
            .fetch_one(h.vault.pool())
            .await
            .expect("track kept");
    assert!(gone.is_some());
    assert!(h.liked().await.contains(&track));
    // A second sync does not count the local file twice.
    let locals = h
        .scalar("SELECT COUNT(*) FROM tracks WHERE is_local = 1")
        .await;
    h.syncer.run("test", SyncMode::Full).await.expect("again");
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM tracks WHERE is_local = 1")
            .await,
        locals
    );
}

#[tokio::test]
async fn a_429_is_waited_out_for_as_long_as_retry_after_says() {
    let h = Harness::new(small()).await;
    h.spotify().set_faults(Faults {
        rate_limit: Some((1, 2)),
        ..Faults::default()
    });
    let started = Instant::now();
    h.sync().await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    h.assert_mirrors_playlists().await;
}

#[tokio::test]
async fn a_quota_stops_the_sync_and_says_when_it_can_resume() {
    let h = Harness::new(small()).await;
    h.spotify().set_faults(Faults {
        quota_exceeded: true,
        ..Faults::default()
    });
    let started = Instant::now();
    let error = h
        .syncer
        .run("test", SyncMode::Incremental)
        .await
        .expect_err("quota");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not sit out the quota"
    );
    let message = error.to_string();
    assert!(
        message.contains("quota") && message.contains("try again in"),
        "{message}"
    );
    let run = &h.vault.sync_runs(1).await.expect("runs")[0];
    assert_eq!(run.outcome.as_deref(), Some("failed"));
    assert!(run.detail.as_deref().unwrap_or("").contains("quota"));
}

#[tokio::test]
async fn server_errors_are_retried() {
    let h = Harness::new(small()).await;
    h.spotify().set_faults(Faults {
        server_errors: 3,
        ..Faults::default()
    });
    h.sync().await;
    assert_eq!(h.liked().await, h.spotify().liked_ids());
}

#[tokio::test]
async fn an_access_token_that_expires_mid_sync_is_refreshed() {
    let h = Harness::new(small()).await;
    let spotify = h.spotify();
    spotify.set_faults(Faults {
        latency_ms: 15,
        ..Faults::default()
    });
    let watcher = {
        let spotify = spotify.clone();
        tokio::spawn(async move {
            while spotify.calls() < 6 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            spotify.expire_tokens();
        })
    };
    h.sync().await;
    watcher.await.expect("watcher");
    h.assert_mirrors_playlists().await;
    assert_eq!(h.liked().await, spotify.liked_ids());
}

#[tokio::test]
async fn playlists_this_app_may_not_read_are_kept_and_marked() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let spotify = h.spotify();
    let foreign = spotify.unowned_playlist_ids()[0].clone();
    let had = h.items(&foreign).await.len();
    assert!(had > 0);
    // Development mode arrives, and the playlist changes meanwhile.
    spotify.set_faults(Faults {
        forbid_unowned_items: true,
        ..Faults::default()
    });
    let track = spotify.new_track();
    spotify.add_playlist_item(&foreign, &track);
    let report = h.sync().await;
    assert!(report.playlists_unreadable >= 1);
    assert!(report
        .warnings
        .iter()
        .any(|w| w.contains("not readable with this app")));
    let (readable,): (bool,) =
        sqlx::query_as("SELECT readable FROM playlists WHERE spotify_id = ?")
            .bind(&foreign)
            .fetch_one(h.vault.pool())
            .await
            .expect("playlist");
    assert!(!readable);
    assert_eq!(
        h.items(&foreign).await.len(),
        had,
        "what the vault had stays"
    );
}

#[tokio::test]
async fn a_sync_that_dies_half_way_leaves_a_vault_the_next_sync_completes() {
    let h = Harness::new(LibrarySpec {
        liked: 400,
        playlists: 12,
        playlist_len: 120,
        ..LibrarySpec::default()
    })
    .await;
    let spotify = h.spotify();
    spotify.set_faults(Faults {
        fail_after: Some(25),
        ..Faults::default()
    });
    let error = h
        .syncer
        .run("test", SyncMode::Incremental)
        .await
        .expect_err("dies half way");
    assert!(matches!(error, SyncError::Api(_)), "{error}");
    let partial = h.scalar("SELECT COUNT(*) FROM tracks").await;
    assert!(partial > 0, "the pages before the failure are committed");
    spotify.set_faults(Faults::default());
    h.sync().await;
    assert_eq!(h.liked().await, spotify.liked_ids());
    h.assert_mirrors_playlists().await;
    let ids: HashSet<String> = h.liked().await.into_iter().collect();
    assert_eq!(ids.len(), 400, "no like twice");
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM playlist_items WHERE removed_at IS NOT NULL")
            .await,
        0,
        "nothing was removed, so no entry has a removal date"
    );
}

#[tokio::test]
async fn two_syncs_never_run_at_once() {
    let h = Harness::new(small()).await;
    h.spotify().set_faults(Faults {
        latency_ms: 20,
        ..Faults::default()
    });
    let (a, b) = tokio::join!(h.syncer.run("test", SyncMode::Incremental), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        h.syncer.run("test", SyncMode::Incremental).await
    });
    assert!(a.is_ok());
    assert!(matches!(b, Err(SyncError::Busy)), "{b:?}");
}

#[tokio::test]
async fn a_revoked_authorization_asks_to_connect_again() {
    let h = Harness::new(small()).await;
    // A token sealed by another key cannot be opened; a made-up one is refused by Spotify.
    let other =
        SecretBox::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("key");
    h.vault
        .set_spotify_refresh_token(&other.seal("not-a-token").expect("seal"))
        .await
        .expect("store");
    for attempt in ["undecryptable", "made up"] {
        if attempt == "made up" {
            h.syncer
                .store_connection(CLIENT_ID, "made-up-refresh-token")
                .await
                .expect("store");
        }
        let error = h
            .syncer
            .run("test", SyncMode::Incremental)
            .await
            .expect_err(attempt);
        // Spotify's `invalid_grant` is final: it asks for a new sign-in.
        let expected = if attempt == "made up" {
            "Spotify wants a new sign-in"
        } else {
            "connect Spotify again"
        };
        assert!(error.to_string().contains(expected), "{attempt}: {error}");
    }
    // The refused token is discarded, as Spotify asks, and the account kept.
    assert_eq!(h.vault.spotify_refresh_token().await.expect("token"), None);
    let account = h.vault.spotify_account().await.expect("account");
    assert!(account.expect("kept").grant_ended_at.is_some());
}

#[tokio::test]
async fn an_unreachable_spotify_is_retried_then_reported() {
    let h = Harness::new(small()).await;
    h.sync().await;
    h.mock.shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let error = h
        .syncer
        .run("test", SyncMode::Incremental)
        .await
        .expect_err("offline");
    assert!(matches!(
        error,
        SyncError::Api(hoard_sync::ApiError::Network(_))
    ));
    assert!(
        error.to_string().contains("cannot reach Spotify"),
        "{error}"
    );
    // Six retries with backoff (20 ms doubling, capped at 200 ms) were waited out.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(h.liked().await.len(), 130, "the vault is as it was");
}

#[tokio::test]
async fn a_rating_a_tag_and_an_edit_survive_a_full_resync() {
    use vault::model::{MarkTarget, Marks, TrackEdit, OWNER};
    let h = Harness::new(small()).await;
    h.sync().await;
    let spotify_id = h.spotify().liked_ids()[0].clone();
    let (track, title): (i64, String) =
        sqlx::query_as("SELECT id, title FROM tracks WHERE spotify_id = ?")
            .bind(&spotify_id)
            .fetch_one(h.vault.pool())
            .await
            .expect("synced");
    h.vault
        .set_marks(
            OWNER,
            MarkTarget::Track(track),
            Marks {
                rating: Some(4),
                loved: true,
            },
        )
        .await
        .expect("rate");
    h.vault
        .tag_tracks(OWNER, "keeper", &[track])
        .await
        .expect("tag");
    let edit = TrackEdit {
        title: Some("My title".into()),
        ..Default::default()
    };
    h.vault
        .set_track_edit(OWNER, track, &edit)
        .await
        .expect("edit");

    h.syncer
        .run("test", SyncMode::Full)
        .await
        .expect("full sync");
    h.syncer
        .run("test", SyncMode::Full)
        .await
        .expect("and another");

    let kept = h.vault.track(track).await.expect("still there");
    assert_eq!((kept.rating, kept.loved), (Some(4), true));
    assert_eq!(kept.tags, ["keeper"]);
    assert_eq!(kept.title, "My title", "the edit is shown");
    let details = h.vault.track_details(track).await.expect("details");
    assert_eq!(
        details.spotify.title, title,
        "Spotify's value is kept beside it"
    );
    assert_eq!(details.edit, edit);
}

#[tokio::test]
async fn spotifys_own_top_lists_are_mirrored_for_each_range() {
    let h = Harness::new(small()).await;
    h.sync().await;
    let tops = h
        .vault
        .spotify_top(vault::model::OWNER)
        .await
        .expect("tops");
    assert_eq!(tops.len(), 3);
    for top in &tops {
        assert_eq!(top.tracks.len(), 10, "{}", top.time_range);
        assert!(!top.artists.is_empty(), "{}", top.time_range);
        assert!(top.synced_at.is_some());
    }
    assert_ne!(
        tops[0].tracks, tops[2].tracks,
        "each range has its own order"
    );
    assert_eq!(
        h.scalar(
            "SELECT COUNT(*) FROM spotify_top WHERE kind = 'tracks' AND time_range = 'long_term'"
        )
        .await,
        50,
        "the first page of 50 is kept"
    );
    // A second sync replaces the lists rather than adding to them.
    h.sync().await;
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM spotify_top WHERE kind = 'tracks'")
            .await,
        150
    );
}
