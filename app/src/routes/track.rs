//! A track's own page: what the vault knows of it, its plays, and the
//! listener's rating, loved mark and tags, all editable here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use vault::model::{MarkTarget, Marks, Track, TrackDetails};

use super::playlists::Cover;
use super::use_id_param;
use crate::components::format::{self, count};
use crate::components::marks::{MarkControls, TagEditor};
use crate::components::player::{use_player, QueueItem};
use crate::components::track_table::{badges, Artists};
use crate::components::ErrorNotice;
use crate::error::AppError;

/// One track.
#[server(endpoint = "track_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_track(id: i64) -> Result<Track, AppError> {
    let state = crate::state::server_state()?;
    let mut track = state.vault.track(id).await?;
    if let Some(album) = track.album_id {
        super::local_cover(
            &state,
            super::CoverOf::Album(album),
            640,
            &mut track.image_url,
        );
    }
    Ok(track)
}

/// The track view.
#[component]
pub fn TrackPage() -> impl IntoView {
    let id = use_id_param();
    let data = Resource::new(move || id.get(), super::edit::get_track_details);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading track…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Track"/><ErrorNotice error/> }.into_any(),
                    Ok(details) => view! { <TrackDetail details/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TrackDetail(details: TrackDetails) -> impl IntoView {
    let track = details.track.clone();
    let player = use_player();
    let item = QueueItem::from(&track);
    let initial = track.title.chars().next().unwrap_or('♪').to_string();
    let marks = Marks {
        rating: track.rating,
        loved: track.loved,
    };
    let album = match (track.album_id, track.album_name.clone()) {
        (Some(id), Some(name)) => Some(view! { " · " <A href=format!("/albums/{id}")>{name}</A> }),
        _ => None,
    };
    let heard = if track.plays + track.skips == 0 {
        "Never played".to_string()
    } else {
        let mut text = format!(
            "{} · {}",
            count(track.plays, "play", "plays"),
            count(track.skips, "skip", "skips")
        );
        if let Some(first) = &track.first_played {
            text.push_str(&format!(" · first {}", format::date(first)));
        }
        if let Some(last) = &track.last_played {
            text.push_str(&format!(" · last {}", format::date(last)));
        }
        text
    };
    let b = badges(
        track.id,
        &track.gone_from_spotify_at,
        track.download_state.clone(),
        track.explicit,
    );
    let spotify = track
        .spotify_id
        .clone()
        .map(|s| format!("https://open.spotify.com/track/{s}"));
    view! {
        <Title text=track.title.clone()/>
        <header class="page-head with-cover">
            <Cover url=track.image_url.clone() initial alt=String::new()/>
            <div>
                <p class="kind">"Track"</p>
                <h1 data-testid="track-title">{track.title.clone()}</h1>
                <p class="summary">
                    <Artists artists=track.artists.clone()/>
                    {album}
                    {format!(" · {}", format::duration(track.duration_ms))}
                </p>
                <p class="summary">{b}{track.edited.then(|| view! { <span class="badge edited" title="You edited its details">"Edited"</span> })}</p>
                <p class="summary plays" data-testid="track-plays">{heard}</p>
                <div class="head-actions">
                    <button type="button" class="primary" on:click=move |_| player.play_list(vec![item.clone()], 0)><crate::components::icons::Svg icon=crate::components::icons::Icon::Play/>" Play"</button>
                    {spotify.map(|href| view! { <a class="secondary button" href=href rel="noopener" target="_blank">"Open in Spotify"</a> })}
                </div>
            </div>
        </header>
        <section class="track-marks" aria-labelledby="marks-h">
            <h2 id="marks-h">"Your rating and tags"</h2>
            <MarkControls target=MarkTarget::Track(track.id) initial=marks name=track.title.clone()/>
            <TagEditor track=track.id initial=track.tags.clone() title=track.title.clone()/>
            <p class="hint">"With a star focused: 1–5 rate, 0 clears, the arrow keys move the rating. H loves what is playing. Manage every tag on the " <A href="/tags">"Tags"</A> " page."</p>
        </section>
        <super::discography::TrackStatsPanel track=track.id/>
        <super::edit::TrackEditor details/>
    }
}
