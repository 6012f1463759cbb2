//! Integration tests of the vault against a real SQLite file on disk.

use vault::model::{NewAlbum, NewArtist, NewPlaylist, NewPlaylistItem, NewTrack, TrackList};
use vault::{DbError, QueueScope, Vault};

// Beside this file rather than in `tests/`, where Cargo would build it as a binary of its own.
#[path = "vault/lists.rs"]
mod lists;
#[path = "vault/marks.rs"]
mod marks;
#[path = "vault/mirror.rs"]
mod mirror;

fn track(id: &str, title: &str, artists: &[(&str, &str)], album: (&str, &str)) -> NewTrack {
    let artists: Vec<NewArtist> = artists
        .iter()
        .map(|(id, name)| NewArtist {
            spotify_id: Some((*id).into()),
            name: (*name).into(),
            image_url: None,
        })
        .collect();
    NewTrack {
        spotify_id: Some(id.into()),
        isrc: Some(format!("ISRC{id}")),
        title: title.into(),
        album: Some(NewAlbum {
            spotify_id: Some(album.0.into()),
            name: album.1.into(),
            album_type: "album".into(),
            release_date: Some("2001".into()),
            release_date_precision: Some("year".into()),
            total_tracks: Some(10),
            image_url: Some("https://i.scdn.co/image/cover".into()),
            images: None,
            artists: artists.clone(),
        }),
        artists,
        disc_number: 1,
        track_number: Some(1),
        duration_ms: 200_000,
        ..NewTrack::default()
    }
}

async fn file_vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = Vault::open(&dir.path().join("hoard.db"))
        .await
        .expect("open");
    (dir, vault)
}

#[tokio::test]
async fn an_empty_vault_lists_nothing() {
    let (_dir, vault) = file_vault().await;
    let liked = vault.liked_tracks(0, 50).await.expect("liked");
    assert_eq!((liked.items.len(), liked.total), (0, 0));
    assert!(vault.playlists().await.expect("playlists").is_empty());
    assert_eq!(vault.stats().await.expect("stats"), Default::default());
}

#[tokio::test]
async fn upserting_the_same_track_twice_keeps_one_row_and_its_ordered_artists() {
    let (_dir, vault) = file_vault().await;
    let t = track(
        "t1",
        "Hyperballad",
        &[("a1", "Björk"), ("a2", "Guest")],
        ("al1", "Post"),
    );
    let mut tx = vault.begin().await.expect("tx");
    let first = Vault::upsert_track(&mut tx, &t).await.expect("upsert");
    let renamed = NewTrack {
        title: "Hyperballad (Remastered)".into(),
        ..t.clone()
    };
    let second = Vault::upsert_track(&mut tx, &renamed)
        .await
        .expect("upsert again");
    Vault::like_track(&mut tx, first, "2026-01-02T03:04:05Z")
        .await
        .expect("like");
    Vault::like_track(&mut tx, first, "2026-01-02T03:04:05Z")
        .await
        .expect("like again");
    tx.commit().await.expect("commit");
    assert_eq!(first, second);

    let liked = vault.liked_tracks(0, 50).await.expect("liked");
    assert_eq!(liked.total, 1);
    let row = &liked.items[0];
    assert_eq!(row.title, "Hyperballad (Remastered)");
    let names: Vec<&str> = row.artists.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Björk", "Guest"]);
    assert_eq!(row.album_name.as_deref(), Some("Post"));
    assert_eq!(row.added_at.as_deref(), Some("2026-01-02T03:04:05Z"));
    let stats = vault.stats().await.expect("stats");
    assert_eq!(
        (stats.tracks, stats.artists, stats.albums, stats.liked),
        (1, 2, 1, 1)
    );
}

#[tokio::test]
async fn liked_songs_are_newest_first_and_paged() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    for i in 0..250 {
        let id = Vault::upsert_track(
            &mut tx,
            &track(
                &format!("t{i}"),
                &format!("Song {i}"),
                &[("a", "A")],
                ("al", "Al"),
            ),
        )
        .await
        .expect("upsert");
        Vault::like_track(
            &mut tx,
            id,
            &format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60),
        )
        .await
        .expect("like");
    }
    tx.commit().await.expect("commit");
    let page = vault.liked_tracks(0, 10_000).await.expect("page");
    assert_eq!(page.total, 250);
    assert_eq!(
        page.items.len(),
        vault::library::MAX_PAGE as usize,
        "a page is capped"
    );
    assert_eq!(page.items[0].title, "Song 249");
    let last = vault.liked_tracks(240, 50).await.expect("last page");
    assert_eq!(last.items.len(), 10);
    assert_eq!(last.items[9].title, "Song 0");
}

#[tokio::test]
async fn an_unliked_track_stays_in_the_vault() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let id = Vault::upsert_track(
        &mut tx,
        &track("t1", "Jóga", &[("a", "Björk")], ("al", "Homogenic")),
    )
    .await
    .expect("upsert");
    Vault::like_track(&mut tx, id, "2026-01-01T00:00:00Z")
        .await
        .expect("like");
    Vault::unlike_track(&mut tx, id).await.expect("unlike");
    tx.commit().await.expect("commit");
    assert_eq!(vault.liked_tracks(0, 50).await.expect("liked").total, 0);
    let stats = vault.stats().await.expect("stats");
    assert_eq!(stats.tracks, 1, "the track itself is never deleted");
    let (album, tracks) = vault.album(1).await.expect("album");
    assert_eq!(album.name, "Homogenic");
    assert_eq!(tracks[0].title, "Jóga");
}

#[tokio::test]
async fn a_playlist_lists_its_tracks_in_order_and_artists_their_albums() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let p = NewPlaylist {
        spotify_id: Some("p1".into()),
        name: "Mix".into(),
        snapshot_id: Some("s1".into()),
        ..Default::default()
    };
    let pid = Vault::upsert_playlist(&mut tx, &p).await.expect("playlist");
    let b = Vault::upsert_track(
        &mut tx,
        &track("t2", "B", &[("a", "Artist")], ("al", "Album")),
    )
    .await
    .expect("b");
    let a = Vault::upsert_track(
        &mut tx,
        &track("t1", "A", &[("a", "Artist")], ("al", "Album")),
    )
    .await
    .expect("a");
    Vault::add_playlist_track(&mut tx, pid, 0, b, Some("2026-01-01T00:00:00Z"))
        .await
        .expect("add");
    Vault::add_playlist_track(&mut tx, pid, 1, a, Some("2026-01-02T00:00:00Z"))
        .await
        .expect("add");
    sqlx::query("INSERT INTO playlist_items (playlist_id, position, kind, label) VALUES (?, 2, 'episode', 'A podcast')")
        .bind(pid)
        .execute(&mut *tx)
        .await
        .expect("episode");
    Vault::add_playlist_track(&mut tx, pid, 3, b, Some("2026-01-04T00:00:00Z"))
        .await
        .expect("add again");
    tx.commit().await.expect("commit");

    let (playlist, items) = vault.playlist(pid, 0, 50).await.expect("playlist");
    assert_eq!((playlist.name.as_str(), playlist.item_count), ("Mix", 4));
    let entries: Vec<(i64, Option<String>, Option<String>)> = items
        .items
        .iter()
        .map(|i| {
            (
                i.position,
                i.track.as_ref().map(|t| t.title.clone()),
                i.track.as_ref().and_then(|t| t.added_at.clone()),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (0, Some("B".into()), Some("2026-01-01T00:00:00Z".into())),
            (1, Some("A".into()), Some("2026-01-02T00:00:00Z".into())),
            (2, None, None),
            (3, Some("B".into()), Some("2026-01-04T00:00:00Z".into())),
        ]
    );
    assert_eq!(
        (
            items.items[2].kind.as_str(),
            items.items[2].label.as_deref()
        ),
        ("episode", Some("A podcast"))
    );
    let second_page = vault.playlist(pid, 3, 1).await.expect("page").1;
    assert_eq!(second_page.items.len(), 1);
    assert_eq!(
        second_page.items[0]
            .track
            .as_ref()
            .map(|t| t.title.as_str()),
        Some("B")
    );

    let (artist, albums, tracks) = vault.artist(1).await.expect("artist");
    assert_eq!(artist.name, "Artist");
    assert_eq!(albums.len(), 1);
    assert_eq!(albums[0].name, "Album");
    assert_eq!(albums[0].artists[0].name, "Artist");
    assert_eq!(tracks.len(), 2);
    assert!(matches!(
        vault.playlist(999, 0, 50).await,
        Err(DbError::NotFound)
    ));
}

#[tokio::test]
async fn history_and_downloads_show_their_tracks() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let id = Vault::upsert_track(
        &mut tx,
        &track("t1", "Unravel", &[("a", "Björk")], ("al", "Homogenic")),
    )
    .await
    .expect("upsert");
    let at = vault::rfc3339_ms("2026-11-01T10:00:00Z").expect("time");
    let listen = vault::NewListen {
        user_id: vault::model::OWNER,
        track_id: id,
        started_ms: at,
        ended_ms: at,
        counted: true,
        source: "spotify-recent",
        ..Default::default()
    };
    assert!(Vault::add_spotify_listen(&mut tx, &listen)
        .await
        .expect("play"));
    assert!(!Vault::add_spotify_listen(&mut tx, &listen)
        .await
        .expect("same play again"));
    Vault::queue_download(&mut tx, id).await.expect("queue");
    tx.commit().await.expect("commit");
    let history = vault.history(0, 50).await.expect("history");
    assert_eq!(history.total, 1, "a play seen twice is recorded once");
    assert_eq!(history.items[0].played_at, "2026-11-01T10:00:00.000Z");
    let downloads = vault.downloads(None, 0, 50).await.expect("downloads");
    assert_eq!(downloads.items[0].state, "queued");
    assert_eq!(downloads.items[0].track.title, "Unravel");
}

#[tokio::test]
async fn a_later_write_without_a_cover_keeps_the_cover_and_local_files_stay_apart() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let with_cover = track("t1", "Song", &[("a", "Artist")], ("al", "Album"));
    let id = Vault::upsert_track(&mut tx, &with_cover)
        .await
        .expect("upsert");
    let mut without_cover = with_cover.clone();
    if let Some(album) = without_cover.album.as_mut() {
        album.image_url = None;
    }
    without_cover.isrc = None;
    assert_eq!(
        Vault::upsert_track(&mut tx, &without_cover)
            .await
            .expect("again"),
        id
    );

    let local = NewTrack {
        spotify_id: None,
        title: "Home recording".into(),
        is_local: true,
        ..NewTrack::default()
    };
    let first = Vault::upsert_track(&mut tx, &local).await.expect("local");
    let second = Vault::upsert_track(&mut tx, &local)
        .await
        .expect("local again");
    assert_ne!(first, second, "local files have no Spotify ID to match on");
    Vault::like_track(&mut tx, id, "2026-01-01T00:00:00Z")
        .await
        .expect("like");
    tx.commit().await.expect("commit");

    let liked = vault.liked_tracks(0, 10).await.expect("liked");
    assert_eq!(
        liked.items[0].image_url.as_deref(),
        Some("https://i.scdn.co/image/cover")
    );
    assert_eq!(
        liked.items[0].isrc.as_deref(),
        Some("ISRCt1"),
        "a missing ISRC does not erase a known one"
    );
}

fn titles(items: &[vault::model::PlaylistItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            i.track
                .as_ref()
                .map(|t| t.title.clone())
                .unwrap_or_default()
        })
        .collect()
}

fn entry(kind: &str, track_id: Option<i64>, added_at: &str) -> NewPlaylistItem {
    NewPlaylistItem {
        kind: kind.into(),
        track_id,
        label: None,
        added_at: Some(added_at.into()),
        added_by: Some("me".into()),
    }
}

#[tokio::test]
async fn playlist_diffs_keep_history_versions_and_greyed_out_tracks() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let mut ids = Vec::new();
    for n in 0..4 {
        let t = track(
            &format!("t{n}"),
            &format!("Song {n}"),
            &[("a", "Artist")],
            ("al", "Album"),
        );
        ids.push(Vault::upsert_track(&mut tx, &t).await.expect("track"));
    }
    let playlist = Vault::upsert_playlist(
        &mut tx,
        &NewPlaylist {
            spotify_id: Some("p".into()),
            name: "Mix".into(),
            snapshot_id: Some("s1".into()),
            ..NewPlaylist::default()
        },
    )
    .await
    .expect("playlist");
    let v1: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| entry("track", Some(*id), &format!("2024-01-0{}T00:00:00Z", n + 1)))
        .collect();
    let diff = Vault::replace_playlist_items(&mut tx, playlist, &v1, Some("s1"))
        .await
        .expect("v1");
    assert_eq!((diff.added, diff.removed, diff.moved), (4, 0, 0));
    // Version 2: song 3 moves to the front, song 1 leaves, song 2 greys out
    // (Spotify sends null for it, with its added_at).
    let v2 = vec![
        v1[3].clone(),
        v1[0].clone(),
        entry("unavailable", None, "2024-01-03T00:00:00Z"),
    ];
    let diff = Vault::replace_playlist_items(&mut tx, playlist, &v2, Some("s2"))
        .await
        .expect("v2");
    tx.commit().await.expect("commit");
    assert_eq!(
        (diff.added, diff.removed),
        (0, 1),
        "a move and a grey-out are not new rows"
    );

    let (_, page) = vault.playlist(playlist, 0, 50).await.expect("current");
    assert_eq!(titles(&page.items), ["Song 3", "Song 0", "Song 2"]);
    let greyed = page.items[2].track.as_ref().expect("track kept");
    assert!(
        greyed.gone_from_spotify_at.is_some(),
        "marked gone from Spotify"
    );

    let removed = vault
        .playlist_removed_items(playlist, 10)
        .await
        .expect("removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(
        removed[0].track.as_ref().map(|t| t.title.as_str()),
        Some("Song 1")
    );
    assert!(removed[0].removed_at.is_some());

    let versions = vault.playlist_versions(playlist).await.expect("versions");
    let snapshots: Vec<&str> = versions.iter().map(|v| v.snapshot_id.as_str()).collect();
    assert_eq!(snapshots, ["s2", "s1"]);
    let old = vault
        .playlist_version_items(playlist, "s1", 0, 50)
        .await
        .expect("s1");
    assert_eq!(titles(&old.items), ["Song 0", "Song 1", "Song 2", "Song 3"]);
    assert!(matches!(
        vault.playlist_version_items(playlist, "nope", 0, 50).await,
        Err(DbError::NotFound)
    ));
}

#[tokio::test]
async fn a_batch_of_tracks_with_repeats_and_local_files_writes_each_once() {
    let (_dir, vault) = file_vault().await;
    let a = track("ta", "A", &[("x", "X"), ("y", "Y")], ("al", "Album"));
    let b = track("tb", "B", &[("y", "Y")], ("al", "Album"));
    let local = NewTrack {
        title: "Home recording".into(),
        is_local: true,
        duration_ms: 1000,
        ..NewTrack::default()
    };
    let batch = [a.clone(), b, a, local.clone(), local];
    let mut tx = vault.begin().await.expect("tx");
    let ids = Vault::upsert_tracks_cached(&mut tx, &batch, &mut vault::WriteCache::default())
        .await
        .expect("batch");
    tx.commit().await.expect("commit");
    assert_eq!(ids.len(), 5);
    assert_eq!(ids[0], ids[2], "the same Spotify track is one row");
    assert_ne!(ids[0], ids[1]);
    assert_ne!(
        ids[3], ids[4],
        "local files without a URI are separate rows"
    );
    let (tracks, credits, artists): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM tracks), (SELECT COUNT(*) FROM track_artists),
                (SELECT COUNT(*) FROM artists)",
    )
    .fetch_one(vault.pool())
    .await
    .expect("counts");
    assert_eq!((tracks, credits, artists), (4, 3, 2));
    let track = vault.track(ids[0]).await.expect("track");
    let names: Vec<&str> = track.artists.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["X", "Y"], "credits keep their order");
}

#[tokio::test]
async fn the_download_queue_claims_retries_fails_and_resumes() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let mut ids = Vec::new();
    for n in 0..3 {
        let t = track(
            &format!("d{n}"),
            &format!("Song {n}"),
            &[("a", "A")],
            ("al", "Al"),
        );
        let id = Vault::upsert_track(&mut tx, &t).await.expect("track");
        Vault::queue_download(&mut tx, id).await.expect("queue");
        ids.push(id);
    }
    tx.commit().await.expect("commit");

    // Each claim takes a different job, oldest first; then the queue is empty.
    let (a, _) = vault
        .claim_next_download()
        .await
        .expect("claim")
        .expect("a job");
    let (b, _) = vault
        .claim_next_download()
        .await
        .expect("claim")
        .expect("a job");
    let (c, _) = vault
        .claim_next_download()
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(vec![a, b, c], ids);
    assert_eq!(vault.claim_next_download().await.expect("claim"), None);

    vault
        .advance_download(a, "downloading")
        .await
        .expect("advance");
    vault
        .finish_download(
            a,
            &vault::FinishedDownload {
                source: "yt-dlp",
                file_path: "A/Al (2001)/1-01 Song 0.opus",
                chosen: "score 95%",
                bytes: 1000,
                format: "opus",
            },
        )
        .await
        .expect("finish");
    // A retryable failure goes back to the queue until the attempts are
    // used up, and waits for its time before it is claimed again.
    assert_eq!(
        vault
            .fail_download(b, "HTTP 503", Some("2999-01-01T00:00:00Z"), 2)
            .await
            .expect("fail"),
        "queued"
    );
    assert_eq!(vault.claim_next_download().await.expect("claim"), None);
    vault
        .fail_download(b, "HTTP 503", Some("2000-01-01T00:00:00Z"), 2)
        .await
        .expect("fail");
    assert_eq!(
        vault.claim_next_download().await.expect("claim"),
        Some((b, 2)),
        "the second attempt"
    );
    assert_eq!(
        vault
            .fail_download(b, "HTTP 503", Some("2000-01-01T00:00:00Z"), 2)
            .await
            .expect("fail"),
        "failed"
    );
    // A failure not worth retrying fails at once.
    assert_eq!(
        vault
            .fail_download(c, "no confident match", None, 3)
            .await
            .expect("fail"),
        "failed"
    );
    vault.retry_download(c).await.expect("retry");
    assert_eq!(
        vault.claim_next_download().await.expect("claim"),
        Some((c, 1)),
        "a retry starts its attempts afresh"
    );
    vault
        .advance_download(c, "validating")
        .await
        .expect("advance");

    // A restart puts the interrupted job back; finished and failed ones stay.
    assert_eq!(
        vault
            .requeue_interrupted_downloads()
            .await
            .expect("requeue"),
        1
    );
    let page = vault.downloads(None, 0, 10).await.expect("downloads");
    let state_of = |id| {
        page.items
            .iter()
            .find(|j| j.track.id == id)
            .map(|j| (j.state.clone(), j.reason.clone()))
            .expect("job")
    };
    assert_eq!(state_of(a), ("downloaded".into(), None));
    assert_eq!(state_of(b), ("failed".into(), Some("HTTP 503".into())));
    assert_eq!(state_of(c).0, "queued");
}

#[tokio::test]
async fn download_all_queues_the_library_and_a_sync_does_not_undo_a_cancel() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let mut ids = Vec::new();
    for n in 0..3 {
        let t = track(
            &format!("q{n}"),
            &format!("Song {n}"),
            &[("a", "A")],
            ("al", "Al"),
        );
        let id = Vault::upsert_track(&mut tx, &t).await.expect("track");
        Vault::like_track(&mut tx, id, "2026-01-01T00:00:00Z")
            .await
            .expect("like");
        ids.push(id);
    }
    // A track that is only in the listening history is not the library's.
    let heard = track("q9", "Heard Once", &[("a", "A")], ("al", "Al"));
    Vault::upsert_track(&mut tx, &heard).await.expect("track");
    tx.commit().await.expect("commit");

    assert_eq!(vault.download_counts().await.expect("counts").not_queued, 3);
    assert_eq!(
        vault
            .queue_downloads(QueueScope::NewInLibrary)
            .await
            .expect("queue"),
        3
    );
    vault
        .skip_download(ids[0], "cancelled by you")
        .await
        .expect("cancel");
    // After a sync: nothing new, and the cancelled job stays cancelled.
    assert_eq!(
        vault
            .queue_downloads(QueueScope::NewInLibrary)
            .await
            .expect("queue"),
        0
    );
    let counts = vault.download_counts().await.expect("counts");
    assert_eq!(
        (counts.queued, counts.skipped, counts.not_queued),
        (2, 1, 0)
    );
    // "Download everything" asks for it again.
    assert_eq!(
        vault
            .queue_downloads(QueueScope::Library)
            .await
            .expect("queue"),
        1
    );
    assert_eq!(vault.download_counts().await.expect("counts").queued, 3);
}

/// A listen of `track` that ended at `ended` (ms), heard `ms` (counted by the rule).
fn listen(
    track: vault::model::Id,
    ended: i64,
    ms: i64,
    duration: i64,
    source: &'static str,
) -> vault::NewListen {
    vault::NewListen {
        user_id: vault::model::OWNER,
        track_id: track,
        started_ms: ended - ms,
        ended_ms: ended,
        ms_played: Some(ms),
        counted: vault::model::counts_as_play(ms, duration),
        source,
        ..Default::default()
    }
}

#[tokio::test]
async fn counts_dates_and_stats_follow_the_listens_whichever_way_they_came() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    let a = Vault::upsert_track(
        &mut tx,
        &track("a", "Alpha", &[("x", "Xenia")], ("al1", "One")),
    )
    .await
    .expect("a");
    let b = Vault::upsert_track(
        &mut tx,
        &track("b", "Beta", &[("y", "Yann")], ("al2", "Two")),
    )
    .await
    .expect("b");
    let (dur,): (i64,) = sqlx::query_as("SELECT duration_ms FROM tracks WHERE id = ?")
        .bind(a)
        .fetch_one(&mut *tx)
        .await
        .expect("duration");
    // 2026-11-01 was a Sunday; 10:00 UTC.
    let sunday_ten = 1_793_527_200_000i64;
    let hour = 3_600_000;
    // Alpha: two plays polled and one skip; Beta: three plays from a history file.
    for l in [
        listen(a, sunday_ten, dur, dur, "spotify-poll"),
        listen(a, sunday_ten + hour, dur, dur, "spotify-poll"),
        listen(a, sunday_ten + 2 * hour, 5_000, dur, "spotify-poll"),
    ] {
        assert!(Vault::add_spotify_listen(&mut tx, &l)
            .await
            .expect("listen"));
    }
    let history: Vec<_> = (0..3)
        .map(|i| {
            listen(
                b,
                sunday_ten + 24 * hour + i * hour,
                dur,
                dur,
                "spotify-history",
            )
        })
        .collect();
    Vault::insert_listens(&mut tx, &history)
        .await
        .expect("insert");
    Vault::add_track_plays(&mut tx, &history)
        .await
        .expect("counts");
    tx.commit().await.expect("commit");

    let list = vault
        .track_list(
            &TrackList::Album(
                Vault::track(&vault, a)
                    .await
                    .expect("a")
                    .album_id
                    .expect("album"),
            ),
            &Default::default(),
            0,
            10,
        )
        .await
        .expect("list");
    let alpha = &list.items[0];
    assert_eq!((alpha.plays, alpha.skips), (2, 1), "two plays and a skip");
    assert_eq!(alpha.first_played.as_deref(), Some("2026-11-01T10:00:00Z"));
    assert_eq!(
        alpha.last_played.as_deref(),
        Some("2026-11-01T11:00:00Z"),
        "a skip is not a play"
    );
    let beta = vault.track(b).await.expect("b");
    assert_eq!(
        (beta.plays, beta.skips),
        (3, 0),
        "history rows are counted too"
    );

    let all = vault
        .listening_stats(vault::model::OWNER, None, None, 0)
        .await
        .expect("stats");
    assert_eq!((all.plays, all.skips, all.new_tracks), (5, 1, 2));
    assert_eq!(all.top_tracks[0].name, "Beta");
    assert_eq!(all.top_tracks[0].plays, 3);
    assert_eq!(all.top_tracks[0].detail.as_deref(), Some("Yann"));
    assert_eq!(
        all.top_artists
            .iter()
            .map(|e| (e.name.as_str(), e.plays))
            .collect::<Vec<_>>(),
        [("Yann", 3), ("Xenia", 2)]
    );
    assert_eq!(all.top_albums[0].name, "Two");
    assert_eq!(all.by_weekday[0], 2, "Alpha's plays on Sunday");
    assert_eq!(all.by_weekday[1], 3, "Beta's on Monday");
    assert_eq!(
        (all.by_hour[10], all.by_hour[11], all.by_hour[12]),
        (2, 2, 1)
    );
    // In UTC+2, Sunday 10:00 is 12:00.
    let east = vault
        .listening_stats(vault::model::OWNER, None, None, 120)
        .await
        .expect("stats");
    assert_eq!((east.by_hour[12], east.by_hour[13]), (2, 2));
    // A period: Monday only.
    let monday = vault
        .listening_stats(
            vault::model::OWNER,
            Some(sunday_ten + 14 * hour),
            Some(sunday_ten + 48 * hour),
            0,
        )
        .await
        .expect("stats");
    assert_eq!((monday.plays, monday.skips, monday.new_tracks), (3, 0, 1));
    assert_eq!(monday.top_tracks.len(), 1);
    assert_eq!(monday.minutes, 3 * dur / 60_000);
}

/// A write transaction that reads before it writes, while another
/// connection writes in between, still commits: it holds the write lock from
/// its start, so the other writer waits for it instead of making its first
/// write fail with "database is locked" (a sync failed that way beside the
/// listening poller).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_reads_then_writes_is_not_refused_by_another_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hoard.db");
    let first = Vault::open(&path).await.expect("open");
    let second = Vault::open(&path).await.expect("open again");
    first.set_setting("probe", "0").await.expect("setting");

    let mut tx = first.begin().await.expect("begin");
    let (before,): (String,) = sqlx::query_as("SELECT value FROM settings WHERE key = 'probe'")
        .fetch_one(&mut *tx)
        .await
        .expect("read");
    // Another connection writes while the transaction is open.
    let other = tokio::spawn(async move { second.set_setting("probe", "other").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query("UPDATE settings SET value = ? WHERE key = 'probe'")
        .bind(format!("{before}+1"))
        .execute(&mut *tx)
        .await
        .expect("the transaction's write is not refused");
    tx.commit().await.expect("commit");
    other
        .await
        .expect("join")
        .expect("the other write waits, then succeeds");
    assert_eq!(
        first.setting("probe").await.expect("read"),
        Some("other".into())
    );
}
