//! The stand-in is never richer or tidier than YouTube Music: every item it
//! renders has only the keys (at the same places) that the captured real
//! item of its kind has, and its runs read the way the real ones do.

use std::collections::BTreeSet;

use serde_json::Value;
use ytmusic_mock::case::Shown;
use ytmusic_mock::render::{list_item, search_response, top_card, Filter};

/// Every key path of a JSON value, array indices collapsed to `[]`.
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}.{k}");
                out.insert(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn shape(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    paths(value, "", &mut out);
    out
}

fn captured(name: &str) -> Value {
    let path = format!("{}/captured/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("captured file")).expect("JSON")
}

fn song(explicit: bool) -> Shown {
    Shown {
        video_id: "tvTRZJ-4EyI".into(),
        title: "HUMBLE.".into(),
        artists: vec!["Kendrick Lamar".into(), "Second".into(), "Third".into()],
        album: Some("DAMN.".into()),
        duration: "2:57".into(),
        explicit,
        kind: "ATV".into(),
        plays: Some("1.2B".into()),
        views: None,
    }
}

fn video(kind: &str) -> Shown {
    Shown {
        video_id: "abcdefghijk".into(),
        title: "Kendrick Lamar - HUMBLE.".into(),
        artists: vec!["Kendrick Lamar".into()],
        album: None,
        duration: "3:05".into(),
        explicit: false,
        kind: kind.into(),
        plays: None,
        views: Some("1B".into()),
    }
}

fn assert_within(made: &Value, real: &Value, what: &str) {
    let extra: Vec<String> = shape(made).difference(&shape(real)).cloned().collect();
    assert!(
        extra.is_empty(),
        "{what} has keys the real one does not: {extra:?}"
    );
}

fn runs(item: &Value, column: usize) -> Vec<String> {
    item["musicResponsiveListItemRenderer"]["flexColumns"][column]
        ["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn rendered_items_have_only_the_keys_of_captured_ones() {
    let explicit_real = captured("songs_filter_explicit_song.json");
    assert_within(
        &list_item(&song(true), false),
        &explicit_real,
        "an explicit song",
    );
    assert_within(
        &list_item(&song(false), false),
        &captured("songs_filter_song.json"),
        "a song",
    );
    assert_within(
        &list_item(&video("OMV"), false),
        &captured("videos_filter_video.json"),
        "a video",
    );
    // The unfiltered song may carry the E badge the real explicit song has.
    let mut unfiltered_real = captured("unfiltered_song.json");
    unfiltered_real["musicResponsiveListItemRenderer"]["badges"] =
        explicit_real["musicResponsiveListItemRenderer"]["badges"].clone();
    assert_within(
        &list_item(&song(true), true),
        &unfiltered_real,
        "an unfiltered song",
    );
    assert_within(
        &list_item(&video("UGC"), true),
        &captured("unfiltered_video.json"),
        "an unfiltered video",
    );
    assert_within(
        &top_card(&video("OMV")),
        &captured("top_result_card.json"),
        "the top result",
    );
}

#[test]
fn runs_read_as_youtube_music_shows_them() {
    let item = list_item(&song(true), false);
    assert_eq!(runs(&item, 0), ["HUMBLE."]);
    assert_eq!(
        runs(&item, 1),
        [
            "Kendrick Lamar",
            ", ",
            "Second",
            " & ",
            "Third",
            " \u{2022} ",
            "DAMN.",
            " \u{2022} ",
            "2:57"
        ]
    );
    assert_eq!(runs(&item, 2), ["1.2B\u{a0}plays"]);
    assert!(item.to_string().contains("MUSIC_EXPLICIT_BADGE"));
    assert!(!list_item(&song(false), false)
        .to_string()
        .contains("MUSIC_EXPLICIT_BADGE"));
    // A video shows no album and no badge; the unfiltered one says "Video".
    let v = list_item(&video("UGC"), true);
    assert_eq!(runs(&v, 1)[0], "Video");
    assert!(v.to_string().contains("MUSIC_VIDEO_TYPE_UGC"));
    assert!(!v.to_string().contains("MUSIC_VIDEO_TYPE_OMV"));
    // Nothing of the captured item's own values is left over.
    for stale in [
        "Ticket To Ride",
        "fOjuqmZzul4",
        "NCtzkaL2t_Y",
        "The Beatles 1962",
    ] {
        assert!(!item.to_string().contains(stale), "{stale} left in a song");
    }
}

#[test]
fn no_results_and_other_filters_answer_like_the_service() {
    let empty = search_response("nothing", Filter::Songs, &[], &[]);
    let text = empty.to_string();
    assert!(text.contains("itemSectionRenderer") && text.contains("No results for "));
    // Albums, playlists and the like are not served: no results.
    assert_eq!(
        Filter::from_params(Some("EgWKAQIYAWoMEA4QChADEAQQCRAF")),
        Filter::Other
    );
    assert_eq!(
        Filter::from_params(Some("EgWKAQIIAWoMEA4QChADEAQQCRAF")),
        Filter::Songs
    );
    assert_eq!(
        Filter::from_params(Some("EgWKAQIQAWoMEA4QChADEAQQCRAF")),
        Filter::Videos
    );
    assert_eq!(Filter::from_params(None), Filter::All);
}

#[test]
fn an_isrc_is_found_only_with_the_space() {
    let case = ytmusic_mock::case::Case {
        id: "c".into(),
        track: ytmusic_mock::case::Track {
            title: "HUMBLE.".into(),
            artists: vec!["Kendrick Lamar".into()],
            duration_ms: 177_000,
            isrc: Some("USUM71703861".into()),
            ..Default::default()
        },
        songs: vec![song(true)],
        isrc_songs: Some(vec![song(true)]),
        ..Default::default()
    };
    let catalogue = ytmusic_mock::Catalogue::new(vec![case]);
    let songs_params = "EgWKAQIIAWoMEA4QChADEAQQCRAF";
    let ask = |q: &str| {
        catalogue
            .answer(&serde_json::json!({ "query": q, "params": songs_params }))
            .to_string()
    };
    assert!(ask("US UM71703861").contains("tvTRZJ-4EyI"));
    assert!(!ask("USUM71703861").contains("tvTRZJ-4EyI"));
    // A text search finds the case by its words; an unrelated one does not.
    assert!(ask("Kendrick Lamar HUMBLE").contains("tvTRZJ-4EyI"));
    assert!(!ask("Daft Punk Get Lucky").contains("tvTRZJ-4EyI"));
    assert_eq!(catalogue.searches().len(), 4);
}
