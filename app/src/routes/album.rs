//! An album: its details and tracks in disc and track order.

use leptos::prelude::*;
use leptos_meta::Title;
use vault::model::{Album, MarkTarget, Page, Track, TrackList, TrackQuery};

use super::playlists::Cover;
use super::use_id_param;
use crate::components::format::count;
use crate::components::keep::KeepButton;
use crate::components::marks::MarkControls;
use crate::components::track_table::Artists;
use crate::components::ErrorNotice;
use crate::device::{KeepRequest, KeepSource};
use crate::error::AppError;

/// One album, its tracks (for the plays summary) and the first window of
/// its track list as `query` asks for it.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_album(
    id: i64,
    query: TrackQuery,
) -> Result<(Album, Vec<Track>, Page<Track>), AppError> {
    let state = crate::state::server_state()?;
    let (mut album, tracks) = state.vault.album(id).await?;
    super::local_cover(
        &state,
        super::CoverOf::Album(album.id),
        640,
        &mut album.image_url,
    );
    let first = super::lists::first_window(TrackList::Album(id), query).await?;
    Ok((album, tracks, first))
}

/// The album view.
#[component]
pub fn AlbumPage() -> impl IntoView {
    let id = use_id_param();
    let query = super::lists::use_track_query();
    let data = Resource::new(
        move || id.get(),
        move |id| {
            let q = query.get_untracked();
            crate::library_copy::or_copy(get_album(id, q.clone()), move |copy| {
                crate::library_copy::album(copy, id, &q)
            })
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading album…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Album"/><ErrorNotice error/> }.into_any(),
                    Ok((album, tracks, first)) => {
                        let initial = album.name.chars().next().unwrap_or('♪').to_string();
                        let year = album.release_date.as_deref().and_then(|d| d.get(..4)).map(str::to_string);
                        let heard = crate::components::format::plays_summary(&tracks);
                        view! {
                            <Title text=album.name.clone()/>
                            <header class="page-head with-cover">
                                <Cover url=album.image_url.clone() initial alt=format!("Cover of {}", album.name)/>
                                <div>
                                    <p class="kind">{album.album_type.clone()}</p>
                                    <h1>{album.name.clone()}</h1>
                                    <p class="summary">
                                        <Artists artists=album.artists.clone()/>
                                        {year.map(|y| format!(" · {y}"))}
                                        {album.total_tracks.map(|n| format!(" · {}", count(n, "track", "tracks")))}
                                    </p>
                                    {heard.map(|h| view! { <p class="summary plays" data-testid="album-plays">{h}</p> })}
                                    <MarkControls target=MarkTarget::Album(album.id) name=album.name.clone()/>
                                </div>
                                <KeepButton request=KeepRequest {
                                    key: format!("album:{}", album.id),
                                    name: album.name.clone(),
                                    href: format!("/albums/{}", album.id),
                                    source: KeepSource::List(TrackList::Album(album.id)),
                                }/>
                                <crate::components::export::ExportLinks stem=format!("album-{}", album.id) name=album.name.clone()/>
                            </header>
                            <super::edit::AlbumEditorPanel album=album.id/>
                            <super::lists::TrackBrowser list=TrackList::Album(album.id) path=format!("/albums/{}", album.id)
                                first caption=format!("Tracks of {}", album.name)/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
