//! Playlists: the grid of every playlist in the vault, and one playlist's entries.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use vault::model::{Page, Playlist, PlaylistItem, PlaylistVersion, Track, TrackList};

use super::lists::{first_window, use_track_query, TrackBrowser};
use super::use_id_param;
use crate::components::format::{count, date, date_time};
use crate::components::keep::KeepButton;
use crate::components::pager::{use_page, Pager};
use crate::components::track_table::{Row, TrackTable};
use crate::components::{Empty, ErrorNotice};
use crate::device::{KeepRequest, KeepSource};
use crate::error::AppError;

/// Every playlist in the vault.
#[server(endpoint = "playlists_list", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn list_playlists() -> Result<Vec<Playlist>, AppError> {
    let state = crate::state::server_state()?;
    let mut playlists = state.vault.playlists().await?;
    for p in &mut playlists {
        super::local_cover(
            &state,
            super::CoverOf::Playlist(p.id),
            300,
            &mut p.image_url,
        );
    }
    Ok(playlists)
}

/// A playlist page: its details, a page of its entries (now, or as they were
/// in an earlier version), and its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistDetail {
    pub playlist: Playlist,
    pub items: Page<PlaylistItem>,
    /// The version shown, when it is not the current one.
    pub version: Option<PlaylistVersion>,
    pub versions: Vec<PlaylistVersion>,
    /// Entries that left the playlist, most recent first.
    pub removed: Vec<PlaylistItem>,
}

/// How many removed entries the history shows.
#[cfg(feature = "ssr")]
const REMOVED_SHOWN: i64 = 100;

/// One playlist and a page of its entries, now or at `version` (a snapshot ID).
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_playlist(
    id: i64,
    page: i64,
    version: Option<String>,
) -> Result<PlaylistDetail, AppError> {
    use crate::components::pager::PAGE_SIZE;
    let state = crate::state::server_state()?;
    let vault = &state.vault;
    let (mut playlist, current) = vault.playlist(id, page * PAGE_SIZE, PAGE_SIZE).await?;
    super::local_cover(
        &state,
        super::CoverOf::Playlist(id),
        640,
        &mut playlist.image_url,
    );
    let versions = vault.playlist_versions(id).await?;
    let shown = version.and_then(|v| versions.iter().find(|x| x.snapshot_id == v).cloned());
    let items = match &shown {
        Some(v) => {
            vault
                .playlist_version_items(id, &v.snapshot_id, page * PAGE_SIZE, PAGE_SIZE)
                .await?
        }
        None => current,
    };
    Ok(PlaylistDetail {
        playlist,
        items,
        version: shown,
        versions,
        removed: vault.playlist_removed_items(id, REMOVED_SHOWN).await?,
    })
}

/// The grid of playlists.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let all = Resource::new(
        || (),
        |_| crate::library_copy::or_copy(list_playlists(), crate::library_copy::playlists),
    );
    view! {
        <Title text="Playlists"/>
        <header class="page-head">
            <div><h1>"Playlists"</h1></div>
            <p><A href="/import">"Import a list"</A></p>
        </header>
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
    let query = use_query_map();
    let version = Memo::new(move |_| query.with(|q| q.get("version")));
    let data = Resource::new(
        move || (id.get(), page.get(), version.get()),
        |(id, page, version)| {
            let current = version.is_none();
            crate::library_copy::or_copy(get_playlist(id, page, version), move |copy| {
                // The copy has the playlist as it is now, not its history.
                let playlist = copy.playlists.get(&id).filter(|_| current)?;
                Some(PlaylistDetail {
                    playlist: playlist.playlist.clone(),
                    items: Page {
                        items: Vec::new(),
                        total: playlist.entries.len() as i64,
                        offset: 0,
                    },
                    version: None,
                    versions: Vec::new(),
                    removed: Vec::new(),
                })
            })
        },
    );
    // The current entries come as a searchable, virtualised list.
    let track_query = use_track_query();
    let first = Resource::new(
        move || (id.get(), track_query.get()),
        |(id, q)| first_window(TrackList::Playlist(id), q),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading playlist…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Playlist"/><ErrorNotice error/> }.into_any(),
                    Ok(detail) => {
                        let first = if detail.version.is_none() { first.await.ok() } else { None };
                        view! { <PlaylistView detail first/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn PlaylistView(detail: PlaylistDetail, first: Option<Page<Track>>) -> impl IntoView {
    let PlaylistDetail {
        playlist: p,
        items,
        version,
        versions,
        removed,
    } = detail;
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
    let current = format!("/playlists/{}", p.id);
    let base = match &version {
        Some(v) => format!("{current}?version={}", v.snapshot_id),
        None => current.clone(),
    };
    let caption = format!("Tracks of {}", p.name);
    let history = (!removed.is_empty() || versions.len() > 1)
        .then(|| view! { <History current=current.clone() versions removed/> });
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
            <div class="head-actions">
                <super::downloads::DownloadAll
                    action=super::downloads::DownloadAction::QueuePlaylist(p.id)
                    label="Download all"/>
                <KeepButton request=KeepRequest {
                    key: format!("playlist:{}", p.id),
                    name: p.name.clone(),
                    href: current.clone(),
                    source: KeepSource::List(TrackList::Playlist(p.id)),
                }/>
                <crate::components::export::ExportLinks stem=format!("playlist-{}", p.id) name=p.name.clone()/>
            </div>
        </header>
        {version.map(|v| view! {
            <p class="notice" role="note" data-testid="version-note">
                "Showing this playlist as it was on " {date_time(&v.seen_at)} ". "
                <A href=current.clone()>"Show it as it is now"</A>
            </p>
        })}
        {(!p.readable).then(|| view! {
            <p class="notice warn" role="note">
                "Spotify does not let this app read this playlist's tracks (apps in development mode can only read playlists you own or collaborate on). Hoard keeps what it already had."
            </p>
        })}
        {if total == 0 {
            view! { <Empty title="This playlist is empty">"It has no tracks on Spotify, or none that the vault has seen yet."</Empty> }.into_any()
        } else {
            let list = match first {
                Some(first) => view! {
                    <TrackBrowser list=TrackList::Playlist(p.id) path=current.clone() first caption date_label="Added"/>
                }.into_any(),
                None => view! {
                    <TrackTable rows=Signal::stored(rows) caption date_label="Added"/>
                    <Pager base offset shown total/>
                }.into_any(),
            };
            view! {
                {list}
                {(!others.is_empty()).then(|| view! {
                    <h2>"Other entries"</h2>
                    <ul class="others">
                        {others.into_iter().map(|i| view! {
                            <li>{format!("#{} ", i.position + 1)} {entry_label(&i.kind)} {i.label.map(|l| format!(": {l}"))}</li>
                        }).collect_view()}
                    </ul>
                })}
            }.into_any()
        }}
        {history}
    }
}

/// What left the playlist and when, and the versions the vault has seen.
#[component]
fn History(
    current: String,
    versions: Vec<PlaylistVersion>,
    removed: Vec<PlaylistItem>,
) -> impl IntoView {
    view! {
        <section class="history" data-testid="playlist-history">
            <h2>"History"</h2>
            {(!removed.is_empty()).then(|| view! {
                <h3>"Removed from this playlist"</h3>
                <ul class="removed">
                    {removed.into_iter().map(|i| {
                        let what = match &i.track {
                            Some(t) => format!(
                                "{} — {}",
                                t.title,
                                t.artists.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                            None => format!("{}{}", entry_label(&i.kind), i.label.map(|l| format!(": {l}")).unwrap_or_default()),
                        };
                        let when = i.removed_at.as_deref().map(date).unwrap_or("").to_owned();
                        view! { <li>{what} <span class="when">" · removed " {when}</span></li> }
                    }).collect_view()}
                </ul>
            })}
            {(versions.len() > 1).then(|| view! {
                <h3>"Versions"</h3>
                <ul class="versions">
                    {versions.into_iter().map(|v| {
                        let href = format!("{current}?version={}", v.snapshot_id);
                        view! {
                            <li>
                                <A href=href>{date_time(&v.seen_at)}</A>
                                " · " {count(v.item_count, "entry", "entries")}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

fn entry_label(kind: &str) -> &'static str {
    match kind {
        "episode" => "Podcast episode",
        "local" => "Local file",
        _ => "Unavailable on Spotify",
    }
}
