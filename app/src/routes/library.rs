//! Library: the user's liked songs, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use vault::model::{Page, Track};

use crate::components::pager::{use_page, Pager};
use crate::components::track_table::{numbered, Row, TrackTable};
use crate::components::{Empty, ErrorNotice};
use crate::error::AppError;

/// A page of liked songs.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn liked_songs(page: i64) -> Result<Page<Track>, AppError> {
    use crate::components::pager::PAGE_SIZE;
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .liked_tracks(page * PAGE_SIZE, PAGE_SIZE)
        .await?)
}

/// Liked songs, with a filter over the rows on screen.
#[component]
pub fn LibraryPage() -> impl IntoView {
    let page = use_page();
    let songs = Resource::new(move || page.get(), liked_songs);
    let filter = RwSignal::new(String::new());
    // The filter works in the browser only, so it appears once the page is live.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    view! {
        <Title text="Library"/>
        <div class="page-head">
            <h1>"Liked songs"</h1>
            <super::downloads::DownloadAll
                action=super::downloads::DownloadAction::QueueLiked
                label="Download all"/>
            <Show when=move || live.get()>
                <label class="filter">
                    <span class="visually-hidden">"Filter liked songs on this page"</span>
                    <input type="search" placeholder="Filter by title, artist or album" bind:value=filter/>
                </label>
            </Show>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading liked songs…"</p> }>
            {move || Suspend::new(async move {
                match songs.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(page) if page.total == 0 => view! {
                        <Empty title="No liked songs yet">
                            "Songs you like on Spotify appear here once Hoard has synced your account. "
                            "Settings shows the state of the vault."
                        </Empty>
                    }.into_any(),
                    Ok(page) => {
                        let (offset, total, shown) = (page.offset, page.total, page.items.len());
                        let all = numbered(page.items, offset + 1);
                        let rows = Signal::derive(move || matching(&all, &filter.get()));
                        view! {
                            <p class="summary">{crate::components::format::count(total, "liked song", "liked songs")}</p>
                            <TrackTable rows caption="Liked songs".to_string() date_label="Added"/>
                            <Show when=move || rows.with(Vec::is_empty)>
                                <p class="empty-filter">"No song on this page matches the filter."</p>
                            </Show>
                            <Pager base="/".to_string() offset shown total/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The rows whose title, artists or album contain every word of `filter`, ignoring case.
pub fn matching(rows: &[Row], filter: &str) -> Vec<Row> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    rows.iter()
        .filter(|row| {
            let t = &row.track;
            let mut haystack = t.title.to_lowercase();
            for a in &t.artists {
                haystack.push(' ');
                haystack.push_str(&a.name.to_lowercase());
            }
            if let Some(album) = &t.album_name {
                haystack.push(' ');
                haystack.push_str(&album.to_lowercase());
            }
            words.iter().all(|w| haystack.contains(w.as_str()))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::model::ArtistRef;

    fn row(title: &str, artist: &str, album: &str) -> Row {
        Row {
            number: 1,
            track: Track {
                id: 1,
                spotify_id: None,
                title: title.into(),
                artists: vec![ArtistRef {
                    id: 1,
                    name: artist.into(),
                }],
                album_id: Some(1),
                album_name: Some(album.into()),
                image_url: None,
                disc_number: 1,
                track_number: Some(1),
                duration_ms: 1,
                explicit: false,
                isrc: None,
                added_at: None,
                gone_from_spotify_at: None,
                download_state: None,
            },
        }
    }

    #[test]
    fn the_filter_matches_every_word_across_title_artist_and_album() {
        let rows = vec![
            row("Jóga", "Björk", "Homogenic"),
            row("Hoppípolla", "Sigur Rós", "Takk..."),
        ];
        assert_eq!(matching(&rows, "").len(), 2);
        assert_eq!(matching(&rows, "björk").len(), 1);
        assert_eq!(matching(&rows, "SIGUR takk")[0].track.title, "Hoppípolla");
        assert!(matching(&rows, "björk takk").is_empty());
    }
}
