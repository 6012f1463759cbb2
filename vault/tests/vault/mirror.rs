//! The browser's copy of the library ([`vault::mirror::Mirror`]), filled
//! from the change feed, answers every track-list query as the vault does,
//! and a change reaches it as that change alone.

use vault::mirror::Mirror;
use vault::model::{
    MarkTarget, Marks, NewPlaylist, NewTrack, TrackEdit, TrackFilter, TrackList, TrackQuery,
    TrackSort, OWNER,
};
use vault::{NewListen, Vault};

use super::lists::library;
use super::{file_vault, track};

/// Reads the feed from the mirror's position to its end, `page` things at a
/// time; returns how many things came.
async fn catch_up(vault: &Vault, mirror: &mut Mirror, page: i64) -> usize {
    let mut seen = 0;
    loop {
        let changes = vault
            .library_changes(mirror.cursor, page, &[])
            .await
            .expect("changes");
        seen += changes.tracks.len()
            + changes.albums.len()
            + changes.artists.len()
            + changes.liked.len()
            + changes.unliked.len()
            + changes.playlists.len()
            + changes.smart.len();
        let more = changes.more;
        mirror.apply(changes);
        if !more {
            return seen;
        }
    }
}

const SORTS: [TrackSort; 11] = [
    TrackSort::Natural,
    TrackSort::Title,
    TrackSort::Artist,
    TrackSort::Album,
    TrackSort::Added,
    TrackSort::Duration,
    TrackSort::Plays,
    TrackSort::Skips,
    TrackSort::LastPlayed,
    TrackSort::FirstPlayed,
    TrackSort::Rating,
];

/// Every list, with every sort both ways and a spread of searches and
/// filters, read whole and in windows, is the same from both.
async fn assert_same(vault: &Vault, mirror: &Mirror, lists: &[TrackList]) {
    let queries: Vec<TrackQuery> = {
        let mut q = Vec::new();
        for sort in SORTS {
            for descending in [false, true] {
                q.push(TrackQuery {
                    sort,
                    descending,
                    ..Default::default()
                });
            }
        }
        for text in [
            "björk",
            "BJÖRK",
            "hom",
            "100%",
            "1000_",
            "ág byr",
            "nothing-here",
            "LOVE",
        ] {
            q.push(TrackQuery {
                text: text.into(),
                sort: TrackSort::Title,
                ..Default::default()
            });
        }
        for filter in [
            TrackFilter::Downloaded,
            TrackFilter::NotDownloaded,
            TrackFilter::Gone,
        ] {
            q.push(TrackQuery {
                filter,
                ..Default::default()
            });
        }
        q.push(TrackQuery {
            loved: true,
            ..Default::default()
        });
        q.push(TrackQuery {
            min_rating: Some(3),
            sort: TrackSort::Rating,
            descending: true,
            ..Default::default()
        });
        q.push(TrackQuery {
            tag: Some(" ROAD trip".into()),
            ..Default::default()
        });
        q
    };
    for list in lists {
        for query in &queries {
            let want = vault.track_list(list, query, 0, 200).await.expect("vault");
            let got = mirror.track_list(list, query, 0, 200);
            assert_eq!(got, want, "{list:?} {query:?}");
            let want = vault.track_list(list, query, 2, 3).await.expect("vault");
            assert_eq!(
                mirror.track_list(list, query, 2, 3),
                want,
                "window of {list:?} {query:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_copy_answers_every_list_as_the_vault_and_follows_each_change_alone() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    vault
        .set_marks(
            OWNER,
            MarkTarget::Track(lib.hunter),
            Marks {
                rating: Some(5),
                loved: true,
            },
        )
        .await
        .expect("marks");
    vault
        .set_marks(
            OWNER,
            MarkTarget::Track(lib.svefn),
            Marks {
                rating: Some(3),
                loved: false,
            },
        )
        .await
        .expect("marks");
    vault
        .tag_tracks(OWNER, "Road trip", &[lib.hunter, lib.jóga])
        .await
        .expect("tag");
    let mut tx = vault.begin().await.expect("tx");
    let listens: Vec<NewListen> = [
        (lib.hunter, 1),
        (lib.hunter, 5),
        (lib.jóga, 3),
        (lib.svefn, 2),
    ]
    .into_iter()
    .map(|(track, day)| NewListen {
        user_id: OWNER,
        track_id: track,
        started_ms: 1_767_225_600_000 + day * 86_400_000,
        ended_ms: 1_767_225_600_000 + day * 86_400_000 + 200_000,
        ms_played: Some(200_000),
        counted: day != 2,
        source: "hoard",
        ..Default::default()
    })
    .collect();
    Vault::insert_listens(&mut tx, &listens)
        .await
        .expect("listens");
    tx.commit().await.expect("commit");

    // A first copy, three things a page so paging is exercised.
    let mut mirror = Mirror::default();
    let first = catch_up(&vault, &mut mirror, 3).await;
    assert!(first >= 8 + 3, "every track and album came: {first}");
    let smart = vault.smart_playlists(OWNER).await.expect("smart");
    let mut lists = vec![
        TrackList::Liked,
        TrackList::Playlist(lib.playlist),
        TrackList::Album(lib.homogenic),
    ];
    let bjork = vault.track(lib.hunter).await.expect("hunter").artists[0].id;
    lists.push(TrackList::Artist(bjork));
    lists.extend(smart.iter().map(|s| TrackList::Smart(s.id)));
    assert_same(&vault, &mirror, &lists).await;
    let (album, tracks) = mirror.album(lib.homogenic).expect("album in the copy");
    assert_eq!(
        (album, tracks),
        vault.album(lib.homogenic).await.expect("album")
    );

    // Nothing changed: nothing comes.
    assert_eq!(catch_up(&vault, &mut mirror, 3).await, 0);
    // Tracks written again as a re-sync writes them: still nothing.
    let mut tx = vault.begin().await.expect("tx");
    for (n, title, seconds, number, day) in [
        (3, "Svefn-g-englar", 600, 1, "04"),
        (4, "Starálfur", 400, 2, "05"),
    ] {
        let t = NewTrack {
            track_number: Some(number),
            duration_ms: seconds * 1000,
            is_playable: Some(title != "Svefn-g-englar"),
            ..track(
                &format!("t{n}"),
                title,
                &[("a2", "Sigur Rós")],
                ("al2", "Ágætis byrjun"),
            )
        };
        let id = Vault::upsert_track(&mut tx, &t).await.expect("track");
        Vault::like_track(&mut tx, id, &format!("2026-01-{day}T00:00:00Z"))
            .await
            .expect("like");
    }
    tx.commit().await.expect("commit");
    assert_eq!(
        catch_up(&vault, &mut mirror, 3).await,
        0,
        "a sync that changes nothing sends nothing"
    );

    // A rating is that one track.
    vault
        .set_marks(
            OWNER,
            MarkTarget::Track(lib.starálfur),
            Marks {
                rating: Some(4),
                loved: false,
            },
        )
        .await
        .expect("marks");
    let changes = vault
        .library_changes(mirror.cursor, 100, &[])
        .await
        .expect("changes");
    assert_eq!(changes.tracks.len(), 1);
    assert_eq!(changes.tracks[0].track.rating, Some(4));
    mirror.apply(changes);

    // A title edit, an unlike, a new playlist entry and a play.
    vault
        .set_track_edit(
            OWNER,
            lib.jóga,
            &TrackEdit {
                title: Some("Jóga (live)".into()),
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    let mut tx = vault.begin().await.expect("tx");
    Vault::unlike_track(&mut tx, lib.svefn)
        .await
        .expect("unlike");
    Vault::add_playlist_track(
        &mut tx,
        lib.playlist,
        9,
        lib.svefn,
        Some("2026-03-02T00:00:00Z"),
    )
    .await
    .expect("add");
    let other = Vault::upsert_playlist(
        &mut tx,
        &NewPlaylist {
            spotify_id: Some("p2".into()),
            name: "another".into(),
            ..Default::default()
        },
    )
    .await
    .expect("playlist");
    Vault::insert_listens(
        &mut tx,
        &[NewListen {
            user_id: OWNER,
            track_id: lib.starálfur,
            started_ms: 1_767_225_600_000,
            ended_ms: 1_767_225_800_000,
            ms_played: Some(200_000),
            counted: true,
            source: "hoard",
            ..Default::default()
        }],
    )
    .await
    .expect("listen");
    tx.commit().await.expect("commit");
    let changes = vault
        .library_changes(mirror.cursor, 100, &[])
        .await
        .expect("changes");
    let mut tracks: Vec<_> = changes.tracks.iter().map(|t| t.track.id).collect();
    tracks.sort_unstable();
    let mut want = vec![lib.jóga, lib.starálfur];
    want.sort_unstable();
    assert_eq!(tracks, want, "the edited and the played track, no other");
    assert_eq!(changes.unliked, vec![lib.svefn]);
    let mut playlists: Vec<_> = changes.playlists.iter().map(|p| p.playlist.id).collect();
    playlists.sort_unstable();
    assert_eq!(playlists, vec![lib.playlist, other]);
    assert!(
        changes.smart_tracks.is_some(),
        "the last page brings the smart lists"
    );
    mirror.apply(changes);
    lists.push(TrackList::Playlist(other));
    assert_same(&vault, &mirror, &lists).await;

    // A copy ahead of the vault (of another vault) starts again.
    let changes = vault
        .library_changes(mirror.cursor + 1000, 2000, &[])
        .await
        .expect("changes");
    assert!(changes.reset);
    let mut fresh = Mirror::default();
    fresh.apply(changes);
    assert_eq!(fresh.tracks.len(), mirror.tracks.len());
}
