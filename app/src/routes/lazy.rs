//! The pages a first visit to the library does not need, each loaded on
//! demand: in the browser bundle every page here is a chunk of its own
//! (`#[lazy_route]` marks the split; scripts/build-site splits the WASM with
//! `wasm-split-cli`), fetched when the router first goes to it. The server
//! renders them as it always did.
//!
//! Each route's `data` is empty: the page makes its own resources, in the
//! same order on the server and in the browser, so hydration lines up.
//! (`#[lazy_route]` names each part after the route's type, so the types'
//! names must differ.)

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    album, artist, device, discography, downloads, history, import, playlists, settings, smart,
    stats, tags, track,
};

/// A lazily loaded route `$route` that shows the page component `$page`.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        pub struct $route;
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }
            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(Playlists, playlists::PlaylistsPage);
lazy_page!(Playlist, playlists::PlaylistPage);
lazy_page!(SmartList, smart::SmartListPage);
lazy_page!(Smart, smart::SmartPage);
lazy_page!(Track, track::TrackPage);
lazy_page!(Tags, tags::TagsPage);
lazy_page!(Album, album::AlbumPage);
lazy_page!(Artist, artist::ArtistPage);
lazy_page!(Artists, discography::ArtistsPage);
lazy_page!(Import, import::ImportPage);
lazy_page!(Device, device::DevicePage);
lazy_page!(Downloads, downloads::DownloadsPage);
lazy_page!(History, history::HistoryPage);
lazy_page!(Stats, stats::StatsPage);
lazy_page!(Review, stats::ReviewPage);
lazy_page!(Settings, settings::SettingsPage);

/// Loads the part of the bundle that the page at `path` needs, if it is one
/// of the pages here (the browser does this before it hydrates a page; see
/// frontend/src/lib.rs). The patterns are the router's, in `App`.
pub async fn preload(path: &str) {
    match page_for(path) {
        Some(Page::Playlists) => Playlists::preload().await,
        Some(Page::Playlist) => Playlist::preload().await,
        Some(Page::SmartList) => SmartList::preload().await,
        Some(Page::Smart) => Smart::preload().await,
        Some(Page::Track) => Track::preload().await,
        Some(Page::Tags) => Tags::preload().await,
        Some(Page::Album) => Album::preload().await,
        Some(Page::Artist) => Artist::preload().await,
        Some(Page::Artists) => Artists::preload().await,
        Some(Page::Import) => Import::preload().await,
        Some(Page::Device) => Device::preload().await,
        Some(Page::Downloads) => Downloads::preload().await,
        Some(Page::History) => History::preload().await,
        Some(Page::Stats) => Stats::preload().await,
        Some(Page::Review) => Review::preload().await,
        Some(Page::Settings) => Settings::preload().await,
        None => {}
    }
}

/// The lazily loaded pages, by the route that shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Playlists,
    Playlist,
    SmartList,
    Smart,
    Track,
    Tags,
    Album,
    Artist,
    Artists,
    Import,
    Device,
    Downloads,
    History,
    Stats,
    Review,
    Settings,
}

#[cfg(feature = "ssr")]
impl Page {
    /// The part's name in the build's `parts.txt` (`#[lazy_route]` names a
    /// part after its route's type: `SmartList` → `smart_list`).
    fn part(self) -> &'static str {
        match self {
            Page::Playlists => "playlists",
            Page::Playlist => "playlist",
            Page::SmartList => "smart_list",
            Page::Smart => "smart",
            Page::Track => "track",
            Page::Tags => "tags",
            Page::Album => "album",
            Page::Artist => "artist",
            Page::Artists => "artists",
            Page::Import => "import",
            Page::Device => "device",
            Page::Downloads => "downloads",
            Page::History => "history",
            Page::Stats => "stats",
            Page::Review => "review",
            Page::Settings => "settings",
        }
    }
}

/// The files of each page's part, from `parts.txt` (scripts/build-site
/// writes it: a line per page, its name, then its files).
#[cfg(feature = "ssr")]
fn parse_parts(text: &str) -> std::collections::HashMap<String, Vec<String>> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            Some((name.to_owned(), words.map(str::to_owned).collect()))
        })
        .collect()
}

/// The bundle files the page at `path` loads before it is live (its part
/// and the chunks that part needs), for the page to preload alongside the
/// main module; empty for the library, and for a site built without
/// `parts.txt`. Read once from `site_root`.
#[cfg(feature = "ssr")]
pub fn part_files(site_root: &str, path: &str) -> Vec<String> {
    static PARTS: std::sync::OnceLock<std::collections::HashMap<String, Vec<String>>> =
        std::sync::OnceLock::new();
    let Some(page) = page_for(path) else {
        return Vec::new();
    };
    let parts = PARTS.get_or_init(|| {
        std::fs::read_to_string(std::path::Path::new(site_root).join("parts.txt"))
            .map(|text| parse_parts(&text))
            .unwrap_or_default()
    });
    parts.get(page.part()).cloned().unwrap_or_default()
}

/// Which lazily loaded page the router shows at `path` (None for the library
/// and for addresses no route matches).
fn page_for(path: &str) -> Option<Page> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    Some(match segments.as_slice() {
        ["playlists"] => Page::Playlists,
        ["playlists", _] => Page::Playlist,
        ["smart"] => Page::SmartList,
        ["smart", _] => Page::Smart,
        ["tracks", _] => Page::Track,
        ["tags"] => Page::Tags,
        ["albums", _] => Page::Album,
        ["artists"] => Page::Artists,
        ["import"] => Page::Import,
        ["artists", _] => Page::Artist,
        ["device"] => Page::Device,
        ["downloads"] => Page::Downloads,
        ["history"] => Page::History,
        ["stats"] => Page::Stats,
        ["stats", "review", _] => Page::Review,
        ["settings"] => Page::Settings,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lazy_page_is_found_by_its_address() {
        assert_eq!(page_for("/"), None);
        assert_eq!(page_for("/playlists"), Some(Page::Playlists));
        assert_eq!(page_for("/playlists/7"), Some(Page::Playlist));
        assert_eq!(page_for("/smart"), Some(Page::SmartList));
        assert_eq!(page_for("/smart/3"), Some(Page::Smart));
        assert_eq!(page_for("/tracks/12"), Some(Page::Track));
        assert_eq!(page_for("/tags"), Some(Page::Tags));
        assert_eq!(page_for("/albums/2"), Some(Page::Album));
        assert_eq!(page_for("/artists/5"), Some(Page::Artist));
        assert_eq!(page_for("/artists"), Some(Page::Artists));
        assert_eq!(page_for("/import"), Some(Page::Import));
        assert_eq!(page_for("/device"), Some(Page::Device));
        assert_eq!(page_for("/downloads"), Some(Page::Downloads));
        assert_eq!(page_for("/history"), Some(Page::History));
        assert_eq!(page_for("/stats"), Some(Page::Stats));
        assert_eq!(page_for("/stats/review/2026"), Some(Page::Review));
        assert_eq!(page_for("/settings"), Some(Page::Settings));
        assert_eq!(page_for("/stats/review"), None);
        assert_eq!(page_for("/nowhere"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn parts_txt_is_read_line_by_line() {
        let parts = parse_parts("stats a-split___stats_view_1.wasm a-chunk_2.wasm\nsmart_list a-split___smart_list_view_1.wasm\n\n");
        assert_eq!(
            parts["stats"],
            ["a-split___stats_view_1.wasm", "a-chunk_2.wasm"]
        );
        assert_eq!(parts["smart_list"], ["a-split___smart_list_view_1.wasm"]);
        assert_eq!(parts.len(), 2);
        assert_eq!(Page::SmartList.part(), "smart_list");
    }
}
