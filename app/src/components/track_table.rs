//! The track list every view uses: number, title with artists, album, date,
//! duration and badges for what the vault knows of the track.

use leptos::prelude::*;
use leptos_router::components::A;
use vault::model::{ArtistRef, MarkTarget, Marks, Track};

use super::format;
use super::live::DownloadBadge;
use super::marks::MarkControls;
use super::player::{use_player, QueueItem};
use crate::routes::lists::RowActions;

/// One row of a [`TrackTable`]: a track and its number in the list.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub number: i64,
    pub track: Track,
}

/// Numbers tracks from `first` (1-based) in the order given.
pub fn numbered(tracks: Vec<Track>, first: i64) -> Vec<Row> {
    tracks
        .into_iter()
        .enumerate()
        .map(|(i, track)| Row {
            number: first + i as i64,
            track,
        })
        .collect()
}

/// A table of tracks; `date_label` names the date column (e.g. "Added"), or hides it.
#[component]
pub fn TrackTable(
    #[prop(into)] rows: Signal<Vec<Row>>,
    caption: String,
    #[prop(optional)] date_label: Option<&'static str>,
) -> impl IntoView {
    let player = use_player();
    view! {
        <table class="tracks">
            <caption class="visually-hidden">{caption}</caption>
            <thead>
                <tr>
                    <th scope="col" class="num">"#"</th>
                    <th scope="col">"Title"</th>
                    <th scope="col" class="album">"Album"</th>
                    {date_label.map(|label| view! { <th scope="col" class="date">{label}</th> })}
                    <th scope="col" class="marks-cell">"Rating"</th>
                    <th scope="col" class="plays">"Plays"</th>
                    <th scope="col" class="played">"Last played"</th>
                    <th scope="col" class="dur">"Time"</th>
                    <th scope="col" class="acts"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                <For each=move || rows.get().into_iter().enumerate() key=|(_, row)| (row.number, row.track.id) let:((i, row))>
                    <TrackRow row show_date=date_label.is_some() play=move || {
                        let items = rows.with_untracked(|r| r.iter().map(|r| QueueItem::from(&r.track)).collect());
                        player.play_list(items, i);
                    }/>
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn TrackRow(row: Row, show_date: bool, #[prop(into)] play: Callback<()>) -> AnyView {
    let t = row.track;
    let item = QueueItem::from(&t);
    let actions = view! { <RowActions item track=t.clone()/> };
    let play_label = format!("Play {}", t.title);
    let album = match (t.album_id, t.album_name) {
        (Some(id), Some(name)) => Some(view! { <A href=format!("/albums/{id}")>{name}</A> }),
        _ => None,
    };
    let badges = badges(t.id, &t.gone_from_spotify_at, t.download_state, t.explicit);
    let marks = Marks {
        rating: t.rating,
        loved: t.loved,
    };
    let marks =
        view! { <MarkControls target=MarkTarget::Track(t.id) initial=marks name=t.title.clone()/> };
    view! {
        <tr>
            <td class="num">
                // The number gives way to a play mark (drawn by the stylesheet) on hover and focus.
                <button type="button" class="row-play" aria-label=play_label on:click=move |_| play.run(())>
                    <span class="n" aria-hidden="true">{row.number}</span>
                </button>
            </td>
            <TitleCell title=t.title artists=t.artists href=format!("/tracks/{}", t.id)>{badges}</TitleCell>
            <td class="album">{album}</td>
            {show_date.then(|| view! { <td class="date">{t.added_at.as_deref().map(format::date).map(str::to_string)}</td> })}
            <td class="marks-cell">{marks}</td>
            <td class="plays" title=format!("{} plays, {} skips", t.plays, t.skips)>{t.plays}</td>
            <td class="played">{t.last_played.as_deref().map(format::date).map(str::to_string)}</td>
            <td class="dur">{format::duration(t.duration_ms)}</td>
            <td class="acts">{actions}</td>
        </tr>
    }
    .into_any()
}

/// The title cell of a track row: the name, anything given as children
/// (badges), and the artists below.
#[component]
pub fn TitleCell(
    title: String,
    artists: Vec<ArtistRef>,
    /// The track's page, when the title links to it.
    #[prop(optional)]
    href: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let name = match href {
        Some(href) => view! { <A href=href attr:class="name">{title}</A> }.into_any(),
        None => view! { <span class="name">{title}</span> }.into_any(),
    };
    view! {
        <td class="title">
            {name}
            {children.map(|c| c())}
            <span class="artists"><Artists artists/></span>
        </td>
    }
}

/// Comma-separated artist links, in credit order.
#[component]
pub fn Artists(artists: Vec<ArtistRef>) -> impl IntoView {
    let last = artists.len().saturating_sub(1);
    artists
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            // An artist named by an edit has no page of its own (id 0).
            let name = if a.id > 0 {
                view! { <A href=format!("/artists/{}", a.id)>{a.name}</A> }.into_any()
            } else {
                view! { <span>{a.name}</span> }.into_any()
            };
            view! {
                {name}
                {(i < last).then_some(", ")}
            }
        })
        .collect_view()
}

/// The badges of a track row: explicit, gone from Spotify, on this device,
/// and the live download state.
pub fn badges(
    track_id: vault::model::Id,
    gone: &Option<String>,
    state: Option<String>,
    explicit: bool,
) -> impl IntoView {
    let gone = gone.as_ref().map(|when| {
        let title = format!(
            "Spotify stopped serving this track on {}",
            format::date(when)
        );
        view! { <span class="badge gone" title=title>"Gone from Spotify"</span> }
    });
    let explicit =
        explicit.then(|| view! { <span class="badge explicit" title="Explicit">"E"</span> });
    let device = crate::device::use_device();
    let on_device = move || {
        device
            .kept
            .with(|k| k.contains(&track_id))
            .then(|| view! { <span class="badge device" title="Kept on this device for offline listening">"On this device"</span> })
    };
    view! { {explicit} {gone} {on_device} <DownloadBadge track_id state/> }
}
