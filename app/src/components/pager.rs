//! Previous and next links for lists served a page at a time (`?page=N`).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// How many rows a list view asks the server for at once.
pub const PAGE_SIZE: i64 = 100;

/// The 0-based page number from the `page` query parameter (1-based in the URL).
pub fn use_page() -> Memo<i64> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .map(|p| (p - 1).max(0))
            .unwrap_or(0)
    })
}

/// "Showing 101–200 of 250" with links to the neighbouring pages of `base`.
#[component]
pub fn Pager(base: String, offset: i64, shown: usize, total: i64) -> impl IntoView {
    if total <= PAGE_SIZE {
        return None;
    }
    let page = offset / PAGE_SIZE;
    let last = (total - 1) / PAGE_SIZE;
    let href = move |p: i64| format!("{base}?page={}", p + 1);
    Some(view! {
        <nav class="pager" aria-label="Pages">
            {(page > 0).then(|| view! { <A href=href(page - 1)>"← Previous"</A> })}
            <span>{format!("Showing {}–{} of {}", offset + 1, offset + shown as i64, total)}</span>
            {(page < last).then(|| view! { <A href=href(page + 1)>"Next →"</A> })}
        </nav>
    })
}
