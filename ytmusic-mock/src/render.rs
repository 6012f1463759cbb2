//! YouTube Music's search answers, made from real captured ones.
//!
//! Each item is a captured `musicResponsiveListItemRenderer` (in
//! `captured/`, from ytmapi-rs's test data, MIT) with the values of one
//! [`Shown`] result put in its place: the same keys, the same runs, the same
//! separators, so a client parses it exactly as it parses the real service.
//! Nothing is added that the capture does not have.

use serde_json::{json, Value};

use crate::case::Shown;

const SONG: &str = include_str!("../captured/songs_filter_song.json");
const SONG_EXPLICIT: &str = include_str!("../captured/songs_filter_explicit_song.json");
const VIDEO: &str = include_str!("../captured/videos_filter_video.json");
const UNFILTERED_SONG: &str = include_str!("../captured/unfiltered_song.json");
const UNFILTERED_VIDEO: &str = include_str!("../captured/unfiltered_video.json");
const TOP_CARD: &str = include_str!("../captured/top_result_card.json");

/// Which search the client asked for (from the request's `params`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Songs,
    Videos,
    /// No filter: a top result card and shelves.
    All,
    /// A filter this stand-in does not serve (albums, playlists, …): no results.
    Other,
}

impl Filter {
    /// ytmusicapi's `get_search_params`: `EgWKAQ` + `II` (songs) / `IQ`
    /// (videos) + a spelling suffix; no params for an unfiltered search.
    pub fn from_params(params: Option<&str>) -> Filter {
        match params {
            None | Some("") => Filter::All,
            Some(p) if p.starts_with("EgWKAQII") => Filter::Songs,
            Some(p) if p.starts_with("EgWKAQIQ") => Filter::Videos,
            // An unfiltered search that ignores spelling.
            Some(p) if p.starts_with("EhGKAQ4IARABGAEgASgAOAFAAUICCAE") => Filter::All,
            Some(_) => Filter::Other,
        }
    }
}

fn template(raw: &str) -> Value {
    serde_json::from_str(raw).expect("captured templates are JSON")
}

/// Replaces every string equal to (or containing) `from` with `to`.
fn replace_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_strings(v, from, to)),
        _ => {}
    }
}

/// A stable 24-character channel id for a name (`UC` + 22).
fn channel_id(name: &str) -> String {
    format!("UC{}", short_id(name, 22))
}

/// A stable id of `len` URL-safe characters made from `seed`.
pub fn short_id(seed: &str, len: usize) -> String {
    use std::hash::{Hash, Hasher};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(len);
    let mut round = 0u64;
    while out.len() < len {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (seed, round).hash(&mut hasher);
        let mut bits = hasher.finish();
        for _ in 0..10 {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[(bits & 63) as usize] as char);
            bits >>= 6;
        }
        round += 1;
    }
    out
}

/// The `musicVideoType` of a result's `type`.
fn video_type(kind: &str) -> String {
    format!("MUSIC_VIDEO_TYPE_{kind}")
}

/// The captured item's videoId, title and first artist, to be replaced.
fn captured_ids(item: &Value) -> (String, String, String) {
    let r = &item["musicResponsiveListItemRenderer"];
    let id = r["playlistItemData"]["videoId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let title = r["flexColumns"][0]["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"][0]
        ["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let runs = r["flexColumns"][1]["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let artist = runs
        .iter()
        .find(|run| run.get("navigationEndpoint").is_some())
        .and_then(|run| run["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    (id, title, artist)
}

/// The first run of `runs` with a link of `page_type`, as a template.
fn linked_run(runs: &[Value], page_type: &str) -> Option<Value> {
    runs.iter()
        .find(|run| {
            run["navigationEndpoint"]["browseEndpoint"]["browseEndpointContextSupportedConfigs"]
                ["browseEndpointContextMusicConfig"]["pageType"]
                == page_type
        })
        .cloned()
}

fn text_run(text: &str) -> Value {
    json!({ "text": text })
}

/// Artist runs joined the way YouTube Music joins them: "A, B & C".
fn artist_runs(artists: &[String], link: &Value) -> Vec<Value> {
    let mut runs = Vec::new();
    for (i, name) in artists.iter().enumerate() {
        if i > 0 {
            runs.push(text_run(if i + 1 == artists.len() { " & " } else { ", " }));
        }
        let mut run = link.clone();
        run["text"] = json!(name);
        run["navigationEndpoint"]["browseEndpoint"]["browseId"] = json!(channel_id(name));
        runs.push(run);
    }
    runs
}

fn set_flex(item: &mut Value, column: usize, runs: Vec<Value>) {
    item["musicResponsiveListItemRenderer"]["flexColumns"][column]
        ["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"] = Value::Array(runs);
}

/// One list item (a shelf's entry) for `shown`. `unfiltered` items come
/// from the unfiltered search's shelves, whose videos start with "Video".
pub fn list_item(shown: &Shown, unfiltered: bool) -> Value {
    let song = shown.kind == "ATV";
    let raw = match (song, unfiltered) {
        (true, false) if shown.explicit => SONG_EXPLICIT,
        (true, false) => SONG,
        (true, true) => UNFILTERED_SONG,
        (false, false) => VIDEO,
        (false, true) => UNFILTERED_VIDEO,
    };
    let mut item = template(raw);
    let (old_id, old_title, old_artist) = captured_ids(&item);
    let artists_label = shown.artists.join(", ");
    replace_strings(&mut item, &old_id, &shown.video_id);
    // The play button's accessibility labels name the title and the artist.
    replace_strings(
        &mut item,
        &format!("{old_title} - {old_artist}"),
        &format!("{} - {}", shown.title, artists_label),
    );
    let new_type = video_type(&shown.kind);
    for vt in [
        "MUSIC_VIDEO_TYPE_ATV",
        "MUSIC_VIDEO_TYPE_OMV",
        "MUSIC_VIDEO_TYPE_UGC",
        "MUSIC_VIDEO_TYPE_OFFICIAL_SOURCE_MUSIC",
    ] {
        replace_strings(&mut item, vt, &new_type);
    }
    let r = &mut item["musicResponsiveListItemRenderer"];
    r["flexColumns"][0]["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"][0]["text"] =
        json!(shown.title);
    let old_runs = r["flexColumns"][1]["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let artist_link =
        linked_run(&old_runs, "MUSIC_PAGE_TYPE_ARTIST").unwrap_or_else(|| text_run(""));
    let dot = text_run(" \u{2022} ");
    let mut runs = Vec::new();
    if !song && unfiltered {
        runs.push(text_run("Video"));
        runs.push(dot.clone());
    }
    runs.extend(artist_runs(&shown.artists, &artist_link));
    if song {
        if let (Some(album), Some(mut link)) =
            (&shown.album, linked_run(&old_runs, "MUSIC_PAGE_TYPE_ALBUM"))
        {
            link["text"] = json!(album);
            link["navigationEndpoint"]["browseEndpoint"]["browseId"] =
                json!(format!("MPREb_{}", short_id(album, 11)));
            runs.push(dot.clone());
            runs.push(link);
        }
    } else if let Some(views) = &shown.views {
        runs.push(dot.clone());
        runs.push(text_run(&format!("{views} views")));
    }
    runs.push(dot);
    runs.push(text_run(&shown.duration));
    set_flex(&mut item, 1, runs);
    if song
        && shown.explicit
        && item["musicResponsiveListItemRenderer"]
            .get("badges")
            .is_none()
    {
        // Every list shows the E badge; the captured unfiltered song had none.
        let explicit = template(SONG_EXPLICIT);
        item["musicResponsiveListItemRenderer"]["badges"] =
            explicit["musicResponsiveListItemRenderer"]["badges"].clone();
    }
    if song {
        // The third column holds the plays, when YouTube Music shows them.
        let columns = item["musicResponsiveListItemRenderer"]["flexColumns"]
            .as_array_mut()
            .expect("captured songs have flex columns");
        match &shown.plays {
            Some(plays) if columns.len() > 2 => {
                columns[2]["musicResponsiveListItemFlexColumnRenderer"]["text"]["runs"] =
                    json!([{ "text": format!("{plays}\u{a0}plays") }]);
            }
            _ => columns.truncate(2),
        }
    }
    item
}

/// The top result card of an unfiltered search (as captured in 2024: the
/// subtitle names no type, so clients cannot tell a song from a video).
pub fn top_card(shown: &Shown) -> Value {
    let mut card = template(TOP_CARD);
    let m = &card["musicCardShelfRenderer"];
    let old_id = m["onTap"]["watchEndpoint"]["videoId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let old_title = m["title"]["runs"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let old_runs = m["subtitle"]["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let old_artist = old_runs
        .first()
        .and_then(|r| r["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    replace_strings(&mut card, &old_id, &shown.video_id);
    replace_strings(
        &mut card,
        &format!("{old_title} - {old_artist}"),
        &format!("{} - {}", shown.title, shown.artists.join(", ")),
    );
    replace_strings(&mut card, "MUSIC_VIDEO_TYPE_OMV", &video_type(&shown.kind));
    let m = &mut card["musicCardShelfRenderer"];
    m["title"]["runs"][0]["text"] = json!(shown.title);
    let link = linked_run(&old_runs, "MUSIC_PAGE_TYPE_ARTIST").unwrap_or_else(|| text_run(""));
    let dot = text_run(" \u{2022} ");
    let mut runs = artist_runs(&shown.artists, &link);
    let count = if shown.kind == "ATV" {
        shown.plays.as_ref().map(|p| format!("{p} plays"))
    } else {
        shown.views.as_ref().map(|v| format!("{v} views"))
    };
    if let Some(count) = count {
        runs.push(dot.clone());
        runs.push(text_run(&count));
    }
    runs.push(dot);
    runs.push(text_run(&shown.duration));
    m["subtitle"]["runs"] = Value::Array(runs);
    card
}

fn shelf(title: &str, items: Vec<Value>) -> Value {
    json!({ "musicShelfRenderer": {
        "title": { "runs": [{ "text": title }] },
        "contents": items,
        "trackingParams": "CA8QybcCIhMI3I6RwbesgwMVtQ23AB3FCAIu",
        "shelfDivider": { "musicShelfDividerRenderer": { "hidden": true } }
    }})
}

/// The whole `search` answer for a list of results.
pub fn search_response(query: &str, filter: Filter, songs: &[Shown], videos: &[Shown]) -> Value {
    let sections: Vec<Value> = match filter {
        Filter::Songs if !songs.is_empty() => vec![shelf(
            "Songs",
            songs.iter().map(|s| list_item(s, false)).collect(),
        )],
        Filter::Videos if !videos.is_empty() => vec![shelf(
            "Videos",
            videos.iter().map(|s| list_item(s, false)).collect(),
        )],
        Filter::All if !(songs.is_empty() && videos.is_empty()) => {
            // The top result is the most viewed official upload, as on the
            // real service: often the video, not the song.
            let top = videos
                .iter()
                .find(|v| v.kind == "OMV")
                .or(songs.first())
                .or(videos.first())
                .cloned()
                .unwrap_or_default();
            let mut out = vec![top_card(&top)];
            // Below it, three of each kind, as the real page shows.
            for (title, results) in [("Songs", songs), ("Videos", videos)] {
                let items: Vec<Value> = results
                    .iter()
                    .filter(|s| s.video_id != top.video_id)
                    .take(3)
                    .map(|s| list_item(s, true))
                    .collect();
                if !items.is_empty() {
                    out.push(shelf(title, items));
                }
            }
            out
        }
        _ => return no_results(query),
    };
    json!({
        "contents": { "tabbedSearchResultsRenderer": { "tabs": [{ "tabRenderer": {
            "title": "YT\u{a0}Music",
            "selected": true,
            "content": { "sectionListRenderer": {
                "contents": sections,
                "trackingParams": "CAAQhGciEwjcjpHBt6yDAxW1DbcAHcUIAi4="
            }},
            "tabIdentifier": "music_search_catalog",
            "trackingParams": "CAAQhGciEwjcjpHBt6yDAxW1DbcAHcUIAi4="
        }}]}},
        "trackingParams": "CAAQhGciEwjcjpHBt6yDAxW1DbcAHcUIAi4="
    })
}

/// "No results for …", as captured in 2024.
pub fn no_results(query: &str) -> Value {
    json!({
        "contents": { "tabbedSearchResultsRenderer": { "tabs": [{ "tabRenderer": {
            "title": "YT\u{a0}Music", "selected": true,
            "content": { "sectionListRenderer": {
                "contents": [{ "itemSectionRenderer": {
                    "contents": [{ "messageRenderer": {
                        "text": { "runs": [
                            { "text": "No results for " },
                            { "text": query, "bold": true },
                            { "text": "." }
                        ]},
                        "icon": { "iconType": "SEARCH" },
                        "trackingParams": "CAQQ-pUBGAAiEwju-pv4g7eHAxVsjtgFHX6fDMo=",
                        "subtext": { "messageSubtextRenderer": { "text": { "runs": [{ "text": "Try different keywords" }] } } }
                    }}],
                    "trackingParams": "CAMQuy8YACITCO76m_iDt4cDFWyO2AUdfp8Myg=="
                }}],
                "trackingParams": "CAIQui8iEwju-pv4g7eHAxVsjtgFHX6fDMo="
            }},
            "tabIdentifier": "music_search_catalog",
            "trackingParams": "CAEQ8JMBGAAiEwju-pv4g7eHAxVsjtgFHX6fDMo="
        }}]}}
    })
}
