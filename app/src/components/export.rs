//! "Export": links to a list's tracks as CSV (Exportify's columns) and
//! JSON, and to its audio as a zip, which the server makes
//! (`server/src/export.rs`, `server/src/zip.rs`).

use leptos::prelude::*;

/// The links for the list whose export file is `stem` (`liked`,
/// `playlist-3`, `album-7`, `smart-2`), named `name` for screen readers.
#[component]
pub fn ExportLinks(stem: String, name: String) -> impl IntoView {
    view! {
        <p class="export-links needs-server">
            "Export: "
            <a href=format!("/export/{stem}.csv") download="" rel="external" aria-label=format!("Export {name} as CSV")>"CSV"</a>
            " · "
            <a href=format!("/export/{stem}.json") download="" rel="external" aria-label=format!("Export {name} as JSON")>"JSON"</a>
            " · "
            <a href=format!("/zip/{stem}.zip") download="" rel="external" aria-label=format!("Download the audio of {name} as a zip")
                title="The audio files Hoard has of it, as they are in the library, with an .m3u8">"Zip of the audio"</a>
        </p>
    }
}
