//! "Export": links to a list's tracks as CSV (Exportify's columns) and
//! JSON, which the server makes (`server/src/export.rs`).

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
        </p>
    }
}
