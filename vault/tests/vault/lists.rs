//! Track lists as the web app's virtualised lists ask for them: a window at
//! a time, searched, filtered and sorted by the database.

use vault::model::{
    Id, NewPlaylist, NewTrack, Page, Track, TrackFilter, TrackList, TrackQuery, TrackSort,
};
use vault::{FinishedDownload, Vault, WriteCache};

use super::{file_vault, track};

/// The seeded library's ids, by title.
pub struct Library {
    pub hunter: Id,
    pub starálfur: Id,
    pub svefn: Id,
    pub jóga: Id,
    pub playlist: Id,
    pub homogenic: Id,
}

/// A track to seed: title, artists, album, disc, number, seconds, day liked.
type Seeded<'a> = (
    &'a str,
    &'a [(&'a str, &'a str)],
    (&'a str, &'a str),
    i64,
    i64,
    i64,
    &'a str,
);

/// Seven liked songs on three albums (one more track liked and unliked), two
/// downloaded, one gone from Spotify, and a playlist holding a track twice.
pub async fn library(vault: &Vault) -> Library {
    let bjork = ("a1", "Björk");
    let sigur = ("a2", "Sigur Rós");
    let guest = ("a3", "Guest Star");
    let homogenic = ("al1", "Homogenic");
    let agaetis = ("al2", "Ágætis byrjun");
    let hits = ("al3", "Hits_2000");
    let rows: [Seeded; 8] = [
        ("Jóga", &[bjork], homogenic, 1, 1, 305, "01"),
        ("Hunter", &[bjork], homogenic, 1, 2, 255, "02"),
        ("Bachelorette", &[bjork, guest], homogenic, 1, 3, 312, "03"),
        ("Svefn-g-englar", &[sigur], agaetis, 1, 1, 600, "04"),
        ("Starálfur", &[sigur], agaetis, 1, 2, 400, "05"),
        ("100% Love", &[guest], hits, 1, 1, 200, "06"),
        ("1000 Loves", &[guest], hits, 1, 2, 210, "07"),
        ("Unravel", &[bjork], homogenic, 2, 1, 201, "08"),
    ];
    let mut tx = vault.begin().await.expect("tx");
    let mut ids = Vec::new();
    for (n, (title, artists, album, disc, number, seconds, day)) in rows.iter().enumerate() {
        let t = NewTrack {
            disc_number: *disc,
            track_number: Some(*number),
            duration_ms: seconds * 1000,
            // Written unplayable, a track is gone from Spotify.
            is_playable: Some(*title != "Svefn-g-englar"),
            ..track(&format!("t{n}"), title, artists, *album)
        };
        let id = Vault::upsert_track(&mut tx, &t).await.expect("track");
        Vault::like_track(&mut tx, id, &format!("2026-01-{day}T00:00:00Z"))
            .await
            .expect("like");
        ids.push(id);
    }
    let [jóga, hunter, _, svefn, starálfur, _, thousand, unravel] = ids[..] else {
        panic!("eight tracks");
    };
    Vault::unlike_track(&mut tx, unravel).await.expect("unlike");
    for id in [hunter, svefn, thousand] {
        Vault::queue_download(&mut tx, id).await.expect("queue");
    }
    let playlist = Vault::upsert_playlist(
        &mut tx,
        &NewPlaylist {
            spotify_id: Some("p1".into()),
            name: "Mix".into(),
            ..Default::default()
        },
    )
    .await
    .expect("playlist");
    for (position, id, day) in [
        (0, starálfur, "01"),
        (1, hunter, "02"),
        (3, starálfur, "04"),
    ] {
        let at = format!("2026-02-{day}T00:00:00Z");
        Vault::add_playlist_track(&mut tx, playlist, position, id, Some(&at))
            .await
            .expect("add");
    }
    sqlx::query("INSERT INTO playlist_items (playlist_id, position, kind, label) VALUES (?, 2, 'episode', 'A podcast')")
        .bind(playlist)
        .execute(&mut *tx)
        .await
        .expect("episode");
    Vault::add_playlist_track(&mut tx, playlist, 4, jóga, None)
        .await
        .expect("add");
    sqlx::query("UPDATE playlist_items SET removed_at = '2026-03-01T00:00:00Z' WHERE track_id = ?")
        .bind(jóga)
        .execute(&mut *tx)
        .await
        .expect("remove from playlist");
    tx.commit().await.expect("commit");
    for (id, file) in [(hunter, "hunter.opus"), (svefn, "svefn.opus")] {
        let done = FinishedDownload {
            source: "yt-dlp",
            file_path: file,
            chosen: "score 95%",
            bytes: 1000,
            format: "opus",
        };
        vault.finish_download(id, &done).await.expect("finish");
    }
    let homogenic = vault.track(jóga).await.expect("track").album_id;
    Library {
        hunter,
        starálfur,
        svefn,
        jóga,
        playlist,
        homogenic: homogenic.expect("an album"),
    }
}

pub fn titles(page: &Page<Track>) -> Vec<&str> {
    page.items.iter().map(|t| t.title.as_str()).collect()
}

pub async fn list(vault: &Vault, list: &TrackList, query: &TrackQuery) -> Page<Track> {
    vault.track_list(list, query, 0, 200).await.expect("list")
}

fn search(text: &str) -> TrackQuery {
    TrackQuery {
        text: text.into(),
        ..Default::default()
    }
}

fn filtered(filter: TrackFilter) -> TrackQuery {
    TrackQuery {
        filter,
        ..Default::default()
    }
}

fn sorted(sort: TrackSort, descending: bool) -> TrackQuery {
    TrackQuery {
        sort,
        descending,
        ..Default::default()
    }
}

const SORTS: [TrackSort; 6] = [
    TrackSort::Natural,
    TrackSort::Title,
    TrackSort::Artist,
    TrackSort::Album,
    TrackSort::Added,
    TrackSort::Duration,
];

#[tokio::test]
async fn liked_songs_are_the_current_likes_newest_first_with_their_liked_dates() {
    let (_dir, vault) = file_vault().await;
    library(&vault).await;
    let page = list(&vault, &TrackList::Liked, &TrackQuery::default()).await;
    assert_eq!(
        titles(&page),
        [
            "1000 Loves",
            "100% Love",
            "Starálfur",
            "Svefn-g-englar",
            "Bachelorette",
            "Hunter",
            "Jóga"
        ],
        "the unliked track is not listed"
    );
    assert_eq!(page.total, 7);
    assert_eq!(
        page.items[0].added_at.as_deref(),
        Some("2026-01-07T00:00:00Z")
    );
    assert_eq!(
        page.items,
        vault.liked_tracks(0, 50).await.expect("liked").items,
        "the same rows as the liked songs page"
    );
}

#[tokio::test]
async fn every_word_must_be_found_in_a_title_an_artist_or_an_album() {
    let (_dir, vault) = file_vault().await;
    library(&vault).await;
    let liked = TrackList::Liked;
    let found = |text: &'static str| {
        let vault = vault.clone();
        let liked = liked.clone();
        async move {
            let page = list(&vault, &liked, &search(text)).await;
            assert_eq!(page.total, page.items.len() as i64, "{text}");
            titles(&page)
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("björk HUNTER").await, ["Hunter"], "artist and title");
    assert_eq!(
        found("  sigur   byrjun ").await,
        ["Starálfur", "Svefn-g-englar"],
        "artist and album"
    );
    assert_eq!(
        found("homogenic star").await,
        ["Bachelorette"],
        "album and the second credit"
    );
    assert_eq!(found("björk zzz").await, Vec::<String>::new());
    assert_eq!(found("").await.len(), 7, "no words keep every row");
    // LIKE folds ASCII only; Capitalised and UPPER CASE are tried too.
    assert_eq!(found("ágætis").await.len(), 2);
    assert_eq!(found("ÁGÆTIS").await.len(), 2);
    assert_eq!(found("JÓGA").await, ["Jóga"]);
    assert_eq!(found("STARÁLFUR").await, ["Starálfur"]);
    // Wildcards are plain characters.
    assert_eq!(found("100%").await, ["100% Love"]);
    assert_eq!(found("%").await, ["100% Love"]);
    assert_eq!(found("hit__2000").await, Vec::<String>::new());
    assert_eq!(found("hits_2000").await, ["1000 Loves", "100% Love"]);
    assert_eq!(found("\\").await, Vec::<String>::new());
}

#[tokio::test]
async fn filters_keep_their_rows_and_the_total_counts_what_they_keep() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    let liked = TrackList::Liked;
    let downloaded = list(&vault, &liked, &filtered(TrackFilter::Downloaded)).await;
    assert_eq!(titles(&downloaded), ["Svefn-g-englar", "Hunter"]);
    assert!(downloaded
        .items
        .iter()
        .all(|t| t.download_state.as_deref() == Some("downloaded")));
    let not = list(&vault, &liked, &filtered(TrackFilter::NotDownloaded)).await;
    assert_eq!(
        titles(&not),
        [
            "1000 Loves",
            "100% Love",
            "Starálfur",
            "Bachelorette",
            "Jóga"
        ],
        "a queued track is not downloaded yet"
    );
    let gone = list(&vault, &liked, &filtered(TrackFilter::Gone)).await;
    assert_eq!(titles(&gone), ["Svefn-g-englar"]);
    assert!(gone.items[0].gone_from_spotify_at.is_some());
    let only = filtered(TrackFilter::Only(vec![lib.hunter, lib.starálfur, 999_999]));
    assert_eq!(
        titles(&list(&vault, &liked, &only).await),
        ["Starálfur", "Hunter"]
    );
    let none = filtered(TrackFilter::Only(vec![]));
    assert_eq!(list(&vault, &liked, &none).await.total, 0);

    // Totals of windows that do not show the end of the list are counted.
    for (query, total) in [
        (TrackQuery::default(), 7),
        (filtered(TrackFilter::NotDownloaded), 5),
        (search("björk"), 3),
        (
            TrackQuery {
                text: "love".into(),
                filter: TrackFilter::NotDownloaded,
                ..Default::default()
            },
            2,
        ),
    ] {
        for (offset, limit) in [(0, 1), (1, 1), (0, 50), (50, 10)] {
            let page = vault
                .track_list(&liked, &query, offset, limit)
                .await
                .expect("page");
            assert_eq!(page.total, total, "{query:?} at {offset}+{limit}");
        }
    }
}

#[tokio::test]
async fn each_sort_orders_the_list_and_descending_reverses_it() {
    let (_dir, vault) = file_vault().await;
    library(&vault).await;
    let expected: [(TrackSort, [&str; 7]); 6] = [
        (
            TrackSort::Natural,
            [
                "1000 Loves",
                "100% Love",
                "Starálfur",
                "Svefn-g-englar",
                "Bachelorette",
                "Hunter",
                "Jóga",
            ],
        ),
        (
            TrackSort::Title,
            [
                "100% Love",
                "1000 Loves",
                "Bachelorette",
                "Hunter",
                "Jóga",
                "Starálfur",
                "Svefn-g-englar",
            ],
        ),
        (
            // Björk, Guest Star, Sigur Rós; then album and track number.
            TrackSort::Artist,
            [
                "Jóga",
                "Hunter",
                "Bachelorette",
                "100% Love",
                "1000 Loves",
                "Svefn-g-englar",
                "Starálfur",
            ],
        ),
        (
            TrackSort::Album,
            [
                "100% Love",
                "1000 Loves",
                "Jóga",
                "Hunter",
                "Bachelorette",
                "Svefn-g-englar",
                "Starálfur",
            ],
        ),
        (
            TrackSort::Added,
            [
                "Jóga",
                "Hunter",
                "Bachelorette",
                "Svefn-g-englar",
                "Starálfur",
                "100% Love",
                "1000 Loves",
            ],
        ),
        (
            TrackSort::Duration,
            [
                "100% Love",
                "1000 Loves",
                "Hunter",
                "Jóga",
                "Bachelorette",
                "Starálfur",
                "Svefn-g-englar",
            ],
        ),
    ];
    for (sort, order) in expected {
        let up = list(&vault, &TrackList::Liked, &sorted(sort, false)).await;
        assert_eq!(titles(&up), order, "{sort:?}");
        let down = list(&vault, &TrackList::Liked, &sorted(sort, true)).await;
        let mut reversed = order;
        reversed.reverse();
        assert_eq!(titles(&down), reversed, "{sort:?} descending");
    }
}

#[tokio::test]
async fn a_playlist_lists_each_current_entry_in_position_order() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    let playlist = TrackList::Playlist(lib.playlist);
    let entries = |page: &Page<Track>| -> Vec<(String, Option<String>)> {
        page.items
            .iter()
            .map(|t| (t.title.clone(), t.added_at.clone()))
            .collect()
    };
    let at = |day: &str| Some(format!("2026-02-{day}T00:00:00Z"));
    let page = list(&vault, &playlist, &TrackQuery::default()).await;
    // The episode is no track and Jóga left the playlist.
    assert_eq!(
        entries(&page),
        [
            ("Starálfur".into(), at("01")),
            ("Hunter".into(), at("02")),
            ("Starálfur".into(), at("04")),
        ]
    );
    assert_eq!(page.total, 3);
    let down = list(&vault, &playlist, &sorted(TrackSort::Natural, true)).await;
    assert_eq!(
        entries(&down),
        [
            ("Starálfur".into(), at("04")),
            ("Hunter".into(), at("02")),
            ("Starálfur".into(), at("01")),
        ]
    );
    let by_title = list(&vault, &playlist, &sorted(TrackSort::Title, false)).await;
    assert_eq!(
        entries(&by_title),
        [
            ("Hunter".into(), at("02")),
            ("Starálfur".into(), at("01")),
            ("Starálfur".into(), at("04")),
        ],
        "the twice-listed track keeps its positions' order"
    );
    let newest = list(&vault, &playlist, &sorted(TrackSort::Added, true)).await;
    assert_eq!(
        entries(&newest),
        [
            ("Starálfur".into(), at("04")),
            ("Hunter".into(), at("02")),
            ("Starálfur".into(), at("01")),
        ]
    );
    let sigur = list(&vault, &playlist, &search("sigur")).await;
    assert_eq!((titles(&sigur), sigur.total), (vec!["Starálfur"; 2], 2));
    let downloaded = list(&vault, &playlist, &filtered(TrackFilter::Downloaded)).await;
    assert_eq!(titles(&downloaded), ["Hunter"]);
    let missing = list(&vault, &TrackList::Playlist(999), &TrackQuery::default()).await;
    assert_eq!((missing.items.len(), missing.total), (0, 0));
}

#[tokio::test]
async fn an_album_lists_its_tracks_by_disc_and_number() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    let album = TrackList::Album(lib.homogenic);
    let page = list(&vault, &album, &TrackQuery::default()).await;
    assert_eq!(
        titles(&page),
        ["Jóga", "Hunter", "Bachelorette", "Unravel"],
        "an unliked track is still on its album"
    );
    assert!(page.items.iter().all(|t| t.added_at.is_none()));
    let longest = list(&vault, &album, &sorted(TrackSort::Duration, true)).await;
    assert_eq!(
        titles(&longest),
        ["Bachelorette", "Jóga", "Hunter", "Unravel"]
    );
    let added = list(&vault, &album, &sorted(TrackSort::Added, false)).await;
    assert_eq!(titles(&added), titles(&page), "no dates: the album's order");
    let only = filtered(TrackFilter::Only(vec![lib.jóga, lib.svefn]));
    assert_eq!(titles(&list(&vault, &album, &only).await), ["Jóga"]);
}

#[tokio::test]
async fn windows_put_together_are_the_whole_list_without_repeats() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    let lists = [
        TrackList::Liked,
        TrackList::Playlist(lib.playlist),
        TrackList::Album(lib.homogenic),
    ];
    for list_kind in &lists {
        for sort in SORTS {
            for descending in [false, true] {
                for text in ["", "o"] {
                    let query = TrackQuery {
                        text: text.into(),
                        sort,
                        descending,
                        ..Default::default()
                    };
                    let whole = list(&vault, list_kind, &query).await;
                    let mut joined = Vec::new();
                    for offset in (0..whole.total + 2).step_by(2) {
                        let window = vault
                            .track_list(list_kind, &query, offset, 2)
                            .await
                            .expect("window");
                        assert_eq!(window.total, whole.total, "{list_kind:?} {query:?}");
                        assert_eq!(window.offset, offset);
                        joined.extend(window.items);
                    }
                    assert_eq!(joined, whole.items, "{list_kind:?} {query:?}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_window_deep_in_ten_thousand_liked_songs_holds_the_right_rows() {
    let (_dir, vault) = file_vault().await;
    let tracks: Vec<NewTrack> = (0..10_000)
        .map(|i: i64| {
            let artist = (format!("a{}", i % 50), format!("Artist {}", i % 50));
            let album = (format!("al{}", i / 10), format!("Album {}", i / 10));
            NewTrack {
                duration_ms: 100_000 + i,
                ..track(
                    &format!("s{i}"),
                    &format!("Song {i:05}"),
                    &[(artist.0.as_str(), artist.1.as_str())],
                    (album.0.as_str(), album.1.as_str()),
                )
            }
        })
        .collect();
    let mut tx = vault.begin().await.expect("tx");
    let mut cache = WriteCache::default();
    let mut ids = Vec::new();
    for batch in tracks.chunks(500) {
        ids.extend(
            Vault::upsert_tracks_cached(&mut tx, batch, &mut cache)
                .await
                .expect("tracks"),
        );
    }
    // Song i is liked i seconds after midnight.
    let likes: Vec<(Id, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let at = format!(
                "2026-01-01T{:02}:{:02}:{:02}Z",
                i / 3600,
                i / 60 % 60,
                i % 60
            );
            (*id, at)
        })
        .collect();
    Vault::like_tracks(&mut tx, &likes).await.expect("likes");
    tx.commit().await.expect("commit");

    let window = |query: TrackQuery| {
        let vault = vault.clone();
        async move {
            let page = vault
                .track_list(&TrackList::Liked, &query, 9_900, 100)
                .await
                .expect("window");
            let titles: Vec<String> = page.items.into_iter().map(|t| t.title).collect();
            (titles, page.total)
        }
    };
    let song = |i: i64| format!("Song {i:05}");
    // Newest first: the window holds the first hundred liked.
    let (titles, total) = window(TrackQuery::default()).await;
    assert_eq!(total, 10_000);
    assert_eq!(titles, (0..100).rev().map(song).collect::<Vec<_>>());
    let (titles, _) = window(sorted(TrackSort::Title, false)).await;
    assert_eq!(titles, (9_900..10_000).map(song).collect::<Vec<_>>());
    let (titles, _) = window(sorted(TrackSort::Duration, true)).await;
    assert_eq!(titles, (0..100).rev().map(song).collect::<Vec<_>>());
    // A search keeps its own rows (Song 09900 to 09999, and the likes of
    // Song 00099 and Song 00990), newest first.
    let hits: Vec<String> = (0..10_000)
        .rev()
        .map(song)
        .filter(|t| t.contains("099"))
        .collect();
    let (titles, total) = window(search("song 099")).await;
    assert_eq!(titles.len(), 0, "the window is past the search's end");
    assert_eq!(total, hits.len() as i64);
    let page = vault
        .track_list(&TrackList::Liked, &search("song 099"), 90, 100)
        .await
        .expect("window");
    let titles: Vec<String> = page.items.into_iter().map(|t| t.title).collect();
    assert_eq!(titles, hits[90..]);
}
