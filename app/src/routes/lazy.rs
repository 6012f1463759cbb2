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
    album, artist, device, downloads, history, playlists, settings, smart, stats, tags, track,
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
    Device,
    Downloads,
    History,
    Stats,
    Review,
    Settings,
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
        assert_eq!(page_for("/device"), Some(Page::Device));
        assert_eq!(page_for("/downloads"), Some(Page::Downloads));
        assert_eq!(page_for("/history"), Some(Page::History));
        assert_eq!(page_for("/stats"), Some(Page::Stats));
        assert_eq!(page_for("/stats/review/2026"), Some(Page::Review));
        assert_eq!(page_for("/settings"), Some(Page::Settings));
        assert_eq!(page_for("/stats/review"), None);
        assert_eq!(page_for("/nowhere"), None);
    }
}
