//! Ratings, loved marks, personal tags and smart playlists, as a listener
//! uses them from the lists.

use serde_json::json;
use vault::model::{MarkTarget, Marks, TrackList, TrackQuery, TrackSort, OWNER};
use vault::smart::{Condition, Field, Op, Rule, RuleGroup, SmartRules, SortField, SortKey};
use vault::{DbError, Vault};

use super::lists::{library, list, titles};
use super::{file_vault, track};

fn rated(rating: Option<i64>, loved: bool) -> Marks {
    Marks { rating, loved }
}

fn when(field: Field, op: Op, value: serde_json::Value) -> Rule {
    Rule::Condition(Condition { field, op, value })
}

fn rules(any: bool, rules: Vec<Rule>, sort: Vec<SortKey>, limit: Option<i64>) -> SmartRules {
    SmartRules {
        rules: RuleGroup { any, rules },
        sort,
        limit,
        seed: 7,
    }
}

fn by(field: Field, descending: bool) -> SortKey {
    SortKey {
        field: SortField::Field(field),
        descending,
    }
}

#[tokio::test]
async fn ratings_and_loved_marks_show_filter_and_sort_every_list_and_survive_a_resync() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    vault
        .set_marks(OWNER, MarkTarget::Track(lib.hunter), rated(Some(5), true))
        .await
        .expect("rate");
    vault
        .set_marks(OWNER, MarkTarget::Track(lib.svefn), rated(Some(3), false))
        .await
        .expect("rate");
    vault
        .set_marks(OWNER, MarkTarget::Track(lib.starálfur), rated(None, true))
        .await
        .expect("love");
    let liked = TrackList::Liked;
    let page = list(
        &vault,
        &liked,
        &TrackQuery {
            min_rating: Some(4),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&page), ["Hunter"]);
    assert_eq!((page.items[0].rating, page.items[0].loved), (Some(5), true));
    let page = list(
        &vault,
        &liked,
        &TrackQuery {
            loved: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&page),
        ["Starálfur", "Hunter"],
        "loved, newest liked first"
    );
    let page = list(
        &vault,
        &liked,
        &TrackQuery {
            sort: TrackSort::Rating,
            descending: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&page)[..3],
        ["Hunter", "Svefn-g-englar", "Starálfur"]
    );
    let playlist = list(
        &vault,
        &TrackList::Playlist(lib.playlist),
        &TrackQuery {
            loved: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&playlist),
        ["Starálfur", "Hunter", "Starálfur"],
        "a playlist filters the same way"
    );

    // Albums and artists take marks too; nonsense is refused with a reason.
    vault
        .set_marks(
            OWNER,
            MarkTarget::Album(lib.homogenic),
            rated(Some(4), true),
        )
        .await
        .expect("album");
    assert_eq!(
        vault
            .marks(OWNER, MarkTarget::Album(lib.homogenic))
            .await
            .expect("read"),
        rated(Some(4), true)
    );
    let refused = vault
        .set_marks(OWNER, MarkTarget::Track(lib.hunter), rated(Some(6), false))
        .await;
    assert!(matches!(refused, Err(DbError::Invalid(m)) if m.contains("1 to 5")));
    assert!(matches!(
        vault
            .set_marks(OWNER, MarkTarget::Artist(999_999), rated(Some(1), false))
            .await,
        Err(DbError::NotFound)
    ));

    // A full re-sync writes every track again; the marks stay on them.
    let mut tx = vault.begin().await.expect("tx");
    let again = Vault::upsert_track(
        &mut tx,
        &track(
            "t1",
            "Hunter (2026 remaster)",
            &[("a1", "Björk")],
            ("al1", "Homogenic"),
        ),
    )
    .await
    .expect("resync");
    tx.commit().await.expect("commit");
    assert_eq!(again, lib.hunter, "the same vault row");
    let hunter = vault.track(lib.hunter).await.expect("track");
    assert_eq!(
        (hunter.title.as_str(), hunter.rating, hunter.loved),
        ("Hunter (2026 remaster)", Some(5), true)
    );
}

#[tokio::test]
async fn tags_are_shared_by_name_renamed_merged_and_filter_lists() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    let road = vault
        .tag_tracks(OWNER, "  Road   trip ", &[lib.hunter, lib.svefn])
        .await
        .expect("tag");
    assert_eq!((road.name.as_str(), road.tracks), ("Road trip", 2));
    let same = vault
        .tag_tracks(OWNER, "road TRIP", &[lib.jóga, lib.hunter])
        .await
        .expect("tag");
    assert_eq!(
        (same.id, same.tracks),
        (road.id, 3),
        "one tag, whatever the case"
    );
    let chill = vault
        .tag_tracks(OWNER, "chill", &[lib.starálfur, lib.svefn])
        .await
        .expect("tag");
    assert_eq!(
        vault.track(lib.svefn).await.expect("t").tags,
        ["chill", "Road trip"]
    );

    let tagged = list(
        &vault,
        &TrackList::Liked,
        &TrackQuery {
            tag: Some("ROAD TRIP".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&tagged), ["Svefn-g-englar", "Hunter", "Jóga"]);

    let renamed = vault
        .rename_tag(OWNER, road.id, "Drive")
        .await
        .expect("rename");
    assert_eq!(renamed.name, "Drive");
    let clash = vault.rename_tag(OWNER, chill.id, "drive").await;
    assert!(
        matches!(clash, Err(DbError::Invalid(m)) if m.contains("merge")),
        "a clash is refused, pointing at merge"
    );
    assert!(matches!(
        vault.tag_tracks(OWNER, "   ", &[lib.hunter]).await,
        Err(DbError::Invalid(_))
    ));

    let merged = vault
        .merge_tags(OWNER, chill.id, road.id)
        .await
        .expect("merge");
    assert_eq!(merged.tracks, 4, "Svefn carried both and is counted once");
    let names: Vec<_> = vault
        .tags(OWNER)
        .await
        .expect("tags")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Drive"]);
    vault
        .untag_track(OWNER, "drive", lib.jóga)
        .await
        .expect("untag");
    assert_eq!(
        vault.track_tags(OWNER, lib.jóga).await.expect("tags"),
        Vec::<String>::new()
    );
    vault.delete_tag(OWNER, road.id).await.expect("delete");
    assert!(vault.track(lib.hunter).await.expect("t").tags.is_empty());
}

#[tokio::test]
async fn a_smart_playlist_follows_plays_ratings_and_its_rule() {
    let (_dir, vault) = file_vault().await;
    let lib = library(&vault).await;
    let smart = vault.smart_playlists(OWNER).await.expect("smart");
    let names: Vec<_> = smart.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Top rated",
            "Most played",
            "Recently played",
            "Loved",
            "Never played",
            "Forgotten favourites",
            "Gone from Spotify"
        ]
    );
    let id = |key: &str| {
        smart
            .iter()
            .find(|s| s.builtin.as_deref() == Some(key))
            .expect(key)
            .id
    };
    let everything = TrackQuery::default();

    let gone = list(
        &vault,
        &TrackList::Smart(id("gone-from-spotify")),
        &everything,
    )
    .await;
    assert_eq!(titles(&gone), ["Svefn-g-englar"]);
    let never = list(&vault, &TrackList::Smart(id("never-played")), &everything).await;
    assert_eq!(never.total, 8, "the unliked track is in the vault too");
    assert_eq!(
        list(&vault, &TrackList::Smart(id("top-rated")), &everything)
            .await
            .total,
        0
    );

    // A play and a rating change the lists at once.
    let now = vault::now_ms();
    let mut tx = vault.begin().await.expect("tx");
    let heard = vault::NewListen {
        user_id: OWNER,
        track_id: lib.hunter,
        started_ms: now - 255_000,
        ended_ms: now,
        ms_played: Some(255_000),
        counted: true,
        source: "hoard",
        ..Default::default()
    };
    Vault::insert_listens(&mut tx, std::slice::from_ref(&heard))
        .await
        .expect("listen");
    tx.commit().await.expect("commit");
    assert_eq!(
        list(&vault, &TrackList::Smart(id("never-played")), &everything)
            .await
            .total,
        7
    );
    assert_eq!(
        titles(&list(&vault, &TrackList::Smart(id("most-played")), &everything).await),
        ["Hunter"]
    );
    assert_eq!(
        titles(
            &list(
                &vault,
                &TrackList::Smart(id("recently-played")),
                &everything
            )
            .await
        ),
        ["Hunter"]
    );
    vault
        .set_marks(OWNER, MarkTarget::Track(lib.jóga), rated(Some(4), true))
        .await
        .expect("rate");
    vault
        .set_marks(OWNER, MarkTarget::Track(lib.svefn), rated(Some(5), false))
        .await
        .expect("rate");
    assert_eq!(
        titles(&list(&vault, &TrackList::Smart(id("top-rated")), &everything).await),
        ["Svefn-g-englar", "Jóga"],
        "best first"
    );
    // Loved and never played counts as not played for 90 days.
    assert_eq!(
        titles(
            &list(
                &vault,
                &TrackList::Smart(id("forgotten-favourites")),
                &everything
            )
            .await
        ),
        ["Jóga"]
    );
    vault
        .set_marks(OWNER, MarkTarget::Track(lib.hunter), rated(None, true))
        .await
        .expect("love");
    assert_eq!(
        titles(
            &list(
                &vault,
                &TrackList::Smart(id("forgotten-favourites")),
                &everything
            )
            .await
        ),
        ["Jóga"],
        "Hunter was played today"
    );

    // A rule of the listener's own: nested any/all, artists, playlists, a limit.
    let mine = rules(
        false,
        vec![
            when(Field::Artist, Op::Contains, json!("björk")),
            Rule::Group(RuleGroup {
                any: true,
                rules: vec![
                    when(Field::Loved, Op::Is, json!(true)),
                    when(Field::Playlist, Op::InPlaylist, json!(lib.playlist)),
                    when(Field::Duration, Op::InTheRange, json!([300, 320])),
                ],
            }),
        ],
        vec![by(Field::Duration, true)],
        Some(2),
    );
    let saved = vault
        .save_smart_playlist(OWNER, None, "Björk picks", None, &mine)
        .await
        .expect("save");
    let page = list(&vault, &TrackList::Smart(saved.id), &everything).await;
    assert_eq!(
        titles(&page),
        ["Bachelorette", "Jóga"],
        "longest first, two of three"
    );
    let searched = list(
        &vault,
        &TrackList::Smart(saved.id),
        &TrackQuery {
            text: "jóga".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&searched),
        ["Jóga"],
        "search works inside a smart playlist"
    );
    let reversed = list(
        &vault,
        &TrackList::Smart(saved.id),
        &TrackQuery {
            sort: TrackSort::Title,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&reversed), ["Bachelorette", "Jóga"]);

    // Not in a playlist, on this device, and a stable shuffle.
    let elsewhere = rules(
        false,
        vec![when(
            Field::Playlist,
            Op::NotInPlaylist,
            json!(lib.playlist),
        )],
        vec![],
        None,
    );
    let saved = vault
        .save_smart_playlist(OWNER, Some(saved.id), "Elsewhere", None, &elsewhere)
        .await
        .expect("update");
    assert_eq!(
        list(&vault, &TrackList::Smart(saved.id), &everything)
            .await
            .total,
        6
    );
    let on_device = rules(
        false,
        vec![when(Field::OnDevice, Op::Is, json!(true))],
        vec![],
        None,
    );
    let device = vault
        .save_smart_playlist(OWNER, None, "Here", None, &on_device)
        .await
        .expect("save");
    let here = TrackQuery {
        on_device: vec![lib.svefn, lib.jóga],
        ..Default::default()
    };
    assert_eq!(
        titles(&list(&vault, &TrackList::Smart(device.id), &here).await),
        ["Jóga", "Svefn-g-englar"]
    );
    let mut shuffled = rules(
        false,
        vec![when(Field::Plays, Op::Gt, json!(-1))],
        vec![SortKey {
            field: SortField::Random,
            descending: false,
        }],
        None,
    );
    let shuffle = vault
        .save_smart_playlist(OWNER, None, "Shuffle", None, &shuffled)
        .await
        .expect("save");
    let first = list(&vault, &TrackList::Smart(shuffle.id), &everything).await;
    let again = list(&vault, &TrackList::Smart(shuffle.id), &everything).await;
    assert_eq!(
        titles(&first),
        titles(&again),
        "the same seed, the same order"
    );
    shuffled.seed = 8;
    vault
        .save_smart_playlist(OWNER, Some(shuffle.id), "Shuffle", None, &shuffled)
        .await
        .expect("reshuffle");
    let other = list(&vault, &TrackList::Smart(shuffle.id), &everything).await;
    assert_ne!(titles(&first), titles(&other), "a new seed, a new order");
    let mut sorted = titles(&other)
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    sorted.sort();
    let mut before = titles(&first)
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    before.sort();
    assert_eq!(sorted, before, "the same tracks");

    // Bad rules are refused with the place; built-ins cannot be deleted.
    let bad = rules(
        false,
        vec![when(Field::Added, Op::Before, json!("2024-13-40"))],
        vec![],
        None,
    );
    let refused = vault
        .save_smart_playlist(OWNER, None, "Bad", None, &bad)
        .await;
    assert!(
        matches!(refused, Err(DbError::Invalid(m)) if m.contains("rule 1") && m.contains("Added"))
    );
    assert!(matches!(
        vault.delete_smart_playlist(OWNER, id("loved")).await,
        Err(DbError::Invalid(_))
    ));
    vault
        .delete_smart_playlist(OWNER, device.id)
        .await
        .expect("delete");
    assert_eq!(
        list(&vault, &TrackList::Smart(device.id), &here)
            .await
            .total,
        0
    );
}

#[tokio::test]
async fn a_smart_playlist_longer_than_a_window_is_paged_with_its_full_count() {
    let (_dir, vault) = file_vault().await;
    let mut tx = vault.begin().await.expect("tx");
    for n in 0..230 {
        Vault::upsert_track(
            &mut tx,
            &track(
                &format!("x{n}"),
                &format!("Song {n:03}"),
                &[("a9", "Band")],
                ("al9", "Many"),
            ),
        )
        .await
        .expect("track");
    }
    tx.commit().await.expect("commit");
    let everything = rules(
        false,
        vec![when(Field::Plays, Op::Is, json!(0))],
        vec![by(Field::Title, false)],
        None,
    );
    let smart = vault
        .save_smart_playlist(OWNER, None, "All", None, &everything)
        .await
        .expect("save");
    let first = vault
        .track_list(&TrackList::Smart(smart.id), &TrackQuery::default(), 0, 200)
        .await
        .expect("first");
    assert_eq!((first.items.len(), first.total), (200, 230));
    assert_eq!(first.items[0].title, "Song 000");
    let second = vault
        .track_list(
            &TrackList::Smart(smart.id),
            &TrackQuery::default(),
            200,
            200,
        )
        .await
        .expect("second");
    assert_eq!((second.items.len(), second.total), (30, 230));
    assert_eq!(second.items[29].title, "Song 229");
    let searched = vault
        .track_list(
            &TrackList::Smart(smart.id),
            &TrackQuery {
                text: "song".into(),
                ..Default::default()
            },
            0,
            200,
        )
        .await
        .expect("searched");
    assert_eq!(
        searched.total, 230,
        "a search counts by the long way, and agrees"
    );
}
