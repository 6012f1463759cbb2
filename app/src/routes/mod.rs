//! The views, one module each, with the server functions that feed them.

pub mod album;
pub mod artist;
pub mod backups;
pub mod device;
pub mod downloads;
pub mod edit;
pub mod history;
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
pub mod tags;
pub mod track;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

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
