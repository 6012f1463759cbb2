//! The views, one module each, with the server functions that feed them.

pub mod album;
pub mod artist;
pub mod backups;
pub mod device;
pub mod discography;
pub mod downloads;
pub mod edit;
pub mod history;
pub mod import;
pub mod lazy;
pub mod library;
pub mod listening;
pub mod lists;
pub mod personal;
pub mod playlists;
pub mod settings;
pub mod smart;
pub mod spotify;
pub mod stats;
pub mod subsonic;
pub mod tags;
pub mod track;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Whose cover.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy)]
pub enum CoverOf {
    Album(i64),
    Playlist(i64),
}

/// The address of the cover Hoard keeps (`/covers/…?size=N`) in place of
/// Spotify's, when the covers folder has it: pages then load covers from
/// Hoard, offline too, and keep them after Spotify drops them.
#[cfg(feature = "ssr")]
pub fn local_cover(
    state: &crate::state::ServerState,
    of: CoverOf,
    size: u32,
    url: &mut Option<String>,
) {
    let dir = state.acquirer.settings().covers_dir();
    let local = match of {
        CoverOf::Album(id) => {
            hoard_acquire::queue::kept_cover(&dir, id).map(|_| format!("/covers/{id}?size={size}"))
        }
        CoverOf::Playlist(id) => hoard_acquire::queue::kept_playlist_cover(&dir, id)
            .map(|_| format!("/covers/playlists/{id}?size={size}")),
    };
    if local.is_some() {
        *url = local;
    }
}

/// The numeric `:id` of the current route, or -1 (which no row has) when it is not a number.
pub fn use_id_param() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(-1)
    })
}
