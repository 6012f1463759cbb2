//! Playlists: the grid of every playlist in the vault, and one playlist's entries.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use vault::model::{Page, Playlist, PlaylistItem};

use super::use_id_param;
use crate::components::format::count;
use crate::components::pager::{use_page, Pager};
use crate::components::track_table::{Row, TrackTable};
use crate::components::{Empty, ErrorNotice};
use crate::error::AppError;

/// Every playlist in the vault.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn list_playlists() -> Result<Vec<Playlist>, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.playlists().await?)
}

/// One playlist and a page of its entries.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_playlist(id: i64, page: i64) -> Result<(Playlist, Page<PlaylistItem>), AppError> {
    use crate::components::pager::PAGE_SIZE;
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .playlist(id, page * PAGE_SIZE, PAGE_SIZE)
        .await?)
}

/// The grid of playlists.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let all = Resource::new(|| (), |_| list_playlists());
    view! {
        <Title text="Playlists"/>
        <h1>"Playlists"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading playlists…"</p> }>
            {move || Suspend::new(async move {
                match all.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <Empty title="No playlists yet">
                            "Playlists you own, collaborate on or follow on Spotify appear here once Hoard has synced your account."
                        </Empty>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="cards">
                            {list.into_iter().map(|p| view! { <PlaylistCard p/> }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PlaylistCard(p: Playlist) -> impl IntoView {
    let initial = p.name.chars().next().unwrap_or('♪').to_string();
    view! {
        <li class="card">
            <A href=format!("/playlists/{}", p.id)>
                <Cover url=p.image_url.clone() initial alt=String::new()/>
                <span class="card-title">{p.name.clone()}</span>
                <span class="card-sub">
                    {count(p.item_count, "track", "tracks")}
                    {p.owner_name.clone().map(|o| format!(" · {o}"))}
                </span>
                {(!p.readable).then(|| view! { <span class="badge warn">"Not readable with this app"</span> })}
                {p.removed_at.is_some().then(|| view! { <span class="badge gone">"No longer in your library"</span> })}
            </A>
        </li>
    }
}

/// A cover image, or the first letter of the name on a tile when there is none.
#[component]
pub fn Cover(url: Option<String>, initial: String, alt: String) -> impl IntoView {
    match url {
        Some(src) => {
            view! { <img class="cover" src=src alt=alt loading="lazy" width="160" height="160"/> }
                .into_any()
        }
        None => view! { <span class="cover tile" aria-hidden="true">{initial}</span> }.into_any(),
    }
}

/// One playlist with its entries in order.
#[component]
pub fn PlaylistPage() -> impl IntoView {
    let id = use_id_param();
    let page = use_page();
    let data = Resource::new(
        move || (id.get(), page.get()),
        |(id, page)| get_playlist(id, page),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading playlist…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Playlist"/><ErrorNotice error/> }.into_any(),
                    Ok((p, items)) => view! { <PlaylistView p items/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PlaylistView(p: Playlist, items: Page<PlaylistItem>) -> impl IntoView {
    let (offset, total, shown) = (items.offset, items.total, items.items.len());
    let mut rows = Vec::new();
    let mut others = Vec::new();
    for item in items.items {
        match item.track {
            Some(track) => rows.push(Row {
                number: item.position + 1,
                track,
            }),
            None => others.push(item),
        }
    }
    let base = format!("/playlists/{}", p.id);
    let caption = format!("Tracks of {}", p.name);
    view! {
        <Title text=p.name.clone()/>
        <header class="page-head">
            <div>
                <p class="kind">"Playlist"</p>
                <h1>{p.name.clone()}</h1>
                {p.description.clone().filter(|d| !d.is_empty()).map(|d| view! { <p class="desc">{d}</p> })}
                <p class="summary">
                    {count(p.item_count, "track", "tracks")}
                    {p.owner_name.clone().map(|o| format!(" · by {o}"))}
                    {p.collaborative.then_some(" · collaborative")}
                </p>
            </div>
        </header>
        {(!p.readable).then(|| view! {
            <p class="notice warn" role="note">
                "Spotify does not let this app read this playlist's tracks (apps in development mode can only read playlists you own or collaborate on). Hoard keeps what it already had."
            </p>
        })}
        {if total == 0 {
            view! { <Empty title="This playlist is empty">"It has no tracks on Spotify, or none that the vault has seen yet."</Empty> }.into_any()
        } else {
            view! {
                <TrackTable rows=Signal::stored(rows) caption date_label="Added"/>
                {(!others.is_empty()).then(|| view! {
                    <h2>"Other entries"</h2>
                    <ul class="others">
                        {others.into_iter().map(|i| view! {
                            <li>{format!("#{} ", i.position + 1)} {entry_label(&i.kind)} {i.label.map(|l| format!(": {l}"))}</li>
                        }).collect_view()}
                    </ul>
                })}
                <Pager base offset shown total/>
            }.into_any()
        }}
    }
}

fn entry_label(kind: &str) -> &'static str {
    match kind {
        "episode" => "Podcast episode",
        "local" => "Local file",
        _ => "Unavailable on Spotify",
    }
}
