//! Library: the user's liked songs, newest first, searchable and sortable,
//! as one virtualised list however many there are.

use leptos::prelude::*;
use leptos_meta::Title;
use vault::model::{TrackList, TrackQuery};

use super::lists::{first_window, use_track_query, TrackBrowser};
use crate::components::keep::KeepButton;
use crate::components::{Empty, ErrorNotice};
use crate::device::{KeepRequest, KeepSource};

/// Liked songs.
#[component]
pub fn LibraryPage() -> impl IntoView {
    let query = use_track_query();
    // The first window comes with the page; the list fetches the rest.
    let first = Resource::new(move || query.get(), |q| first_window(TrackList::Liked, q));
    view! {
        <Title text="Library"/>
        <div class="page-head">
            <h1>"Liked songs"</h1>
            <div class="head-actions">
                <super::downloads::DownloadAll
                    action=super::downloads::DownloadAction::QueueLiked
                    label="Download all"/>
                <KeepButton request=KeepRequest {
                    key: "liked".into(),
                    name: "Liked songs".into(),
                    href: "/".into(),
                    source: KeepSource::List(TrackList::Liked),
                }/>
                <crate::components::export::ExportLinks stem="liked".to_string() name="Liked songs".to_string()/>
            </div>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading liked songs…"</p> }>
            {move || Suspend::new(async move {
                match first.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(page) if page.total == 0 && query.get_untracked() == TrackQuery::default() => view! {
                        <Empty title="No liked songs yet">
                            "Songs you like on Spotify appear here once Hoard has synced your account. "
                            "Settings shows the state of the vault."
                        </Empty>
                    }.into_any(),
                    Ok(page) => view! {
                        <TrackBrowser list=TrackList::Liked path="/".to_string() first=page
                            caption="Liked songs".to_string() date_label="Added" noun=("liked song", "liked songs")/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
