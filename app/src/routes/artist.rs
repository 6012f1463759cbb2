//! An artist: their albums and their tracks in the vault.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use vault::model::{Album, Artist, Page, Track, TrackList, TrackQuery};

use super::playlists::Cover;
use super::use_id_param;
use crate::components::ErrorNotice;
use crate::error::AppError;

/// One artist, their albums, their tracks (for the plays summary) and the
/// first window of their track list as `query` asks for it.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_artist(
    id: i64,
    query: TrackQuery,
) -> Result<(Artist, Vec<Album>, Vec<Track>, Page<Track>), AppError> {
    let state = crate::state::server_state()?;
    let (artist, mut albums, tracks) = state.vault.artist(id).await?;
    for album in &mut albums {
        super::local_cover(
            &state,
            super::CoverOf::Album(album.id),
            300,
            &mut album.image_url,
        );
    }
    let first = super::lists::first_window(TrackList::Artist(id), query).await?;
    Ok((artist, albums, tracks, first))
}

/// The artist view.
#[component]
pub fn ArtistPage() -> impl IntoView {
    let id = use_id_param();
    let query = super::lists::use_track_query();
    let data = Resource::new(
        move || id.get(),
        move |id| {
            let q = query.get_untracked();
            crate::library_copy::or_copy(get_artist(id, q.clone()), move |copy| {
                crate::library_copy::artist(copy, id, &q)
            })
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading artist…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Artist"/><ErrorNotice error/> }.into_any(),
                    Ok((artist, albums, tracks, first)) => view! {
                        <Title text=artist.name.clone()/>
                        <header class="page-head">
                            <div>
                                <p class="kind">"Artist"</p>
                                <h1>{artist.name.clone()}</h1>
                                {crate::components::format::plays_summary(&tracks).map(|h| view! { <p class="summary plays" data-testid="artist-plays">{h}</p> })}
                                <crate::components::marks::MarkControls target=vault::model::MarkTarget::Artist(artist.id) name=artist.name.clone()/>
                            </div>
                        </header>
                        {artist.spotify_id.is_some().then(|| view! {
                            <super::discography::ArtistStoryPanel artist=artist.id/>
                            <super::discography::DiscographyPanel artist=artist.id name=artist.name.clone()/>
                        })}
                        {(!albums.is_empty()).then(|| view! {
                            <h2>"Albums"</h2>
                            <ul class="cards">
                                {albums.into_iter().map(|a| {
                                    let initial = a.name.chars().next().unwrap_or('♪').to_string();
                                    let year = a.release_date.as_deref().and_then(|d| d.get(..4)).map(str::to_string);
                                    view! {
                                        <li class="card">
                                            <A href=format!("/albums/{}", a.id)>
                                                <Cover url=a.image_url.clone() initial alt=String::new()/>
                                                <span class="card-title">{a.name}</span>
                                                <span class="card-sub">{year}</span>
                                            </A>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                        <h2>"Tracks in your vault"</h2>
                        <super::lists::TrackBrowser list=TrackList::Artist(artist.id) path=format!("/artists/{}", artist.id)
                            first caption=format!("Tracks by {}", artist.name)/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
