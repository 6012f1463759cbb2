//! Whole discographies: the artist page's "Save discography" panel, its
//! Last.fm panel (story, similar artists, Expand) and the Artists page
//! (saved discographies, watched artists, what is new).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use vault::model::{
    album_group_label, ArtistStory, Discography, DiscographyReport, DiscographySummary,
    ExpandCandidate, Release, TrackStats, WatchedRelease, ALBUM_GROUPS,
};

use crate::components::ErrorNotice;
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn refused(e: hoard_sync::SyncError) -> AppError {
    match e {
        hoard_sync::SyncError::Db(e) => e.into(),
        hoard_sync::SyncError::Busy => {
            AppError::Refused("This discography is being read from Spotify now.".into())
        }
        other => AppError::Refused(other.to_string()),
    }
}

/// The listener's discography of an artist (empty when not saved).
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_discography(artist: i64) -> Result<Discography, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.discography(vault::model::OWNER, artist).await?)
}

/// Reads the artist's releases in `groups` from Spotify and keeps their
/// tracks (each recording once). It goes on if the page is left.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn save_discography(
    artist: i64,
    groups: Vec<String>,
    queue: bool,
    watch: bool,
) -> Result<DiscographyReport, AppError> {
    let state = crate::state::server_state()?;
    let discographies = state.discographies.clone();
    let task = tokio::spawn(async move {
        discographies
            .save(vault::model::OWNER, artist, &groups, queue, watch)
            .await
    });
    let report = task
        .await
        .map_err(|e| AppError::Refused(format!("The discography was not read: {e}")))?
        .map_err(refused)?;
    tracing::info!(artist, "discography saved: {}", report.summary());
    Ok(report)
}

/// Watches a saved discography for new releases, or stops.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn set_discography_watch(artist: i64, watch: bool) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .set_watch(vault::model::OWNER, artist, watch)
        .await?)
}

/// The saved discographies and what watches found.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_artists_overview(
) -> Result<(Vec<DiscographySummary>, Vec<WatchedRelease>), AppError> {
    let state = crate::state::server_state()?;
    let user = vault::model::OWNER;
    Ok((
        state.vault.discographies(user).await?,
        state.vault.new_releases(user).await?,
    ))
}

/// The listener has looked at what is new (one artist's, or everything).
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn releases_seen(artist: Option<i64>) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .mark_releases_seen(vault::model::OWNER, artist)
        .await?)
}

fn year(release: &Release) -> String {
    release
        .release_date
        .as_deref()
        .and_then(|d| d.get(..4))
        .unwrap_or("")
        .to_string()
}

/// What one release gave the vault, in words.
fn kept_words(r: &Release) -> String {
    let tracks = |n: i64| if n == 1 { "track" } else { "tracks" };
    match (r.tracks_saved, r.duplicates) {
        (0, 0) => "nothing of theirs to keep".into(),
        (0, d) => match &r.duplicate_of {
            Some(on) => format!("all {d} {} already kept from {on}", tracks(d)),
            None => format!("all {d} {} already in your vault", tracks(d)),
        },
        (n, 0) => format!("{n} {} kept", tracks(n)),
        (n, d) => format!("{n} {} kept, {d} already in your vault", tracks(n)),
    }
}

/// One release in a list: its name (linked when kept), year and what was kept.
#[component]
fn ReleaseRow(release: Release) -> impl IntoView {
    let words = kept_words(&release);
    let year = year(&release);
    let name = release.name.clone();
    view! {
        <li class="release" data-testid="release">
            {match release.album_id {
                Some(id) => view! { <A href=format!("/albums/{id}")>{name}</A> }.into_any(),
                None => view! { <span>{name}</span> }.into_any(),
            }}
            {release.new.then(|| view! { <span class="badge new">"New"</span> })}
            <span class="hint">" · " {year} " · " {words}</span>
        </li>
    }
}

/// The artist page's panel: choose the release groups, save, watch.
#[component]
pub fn DiscographyPanel(artist: i64, name: String) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let data = Resource::new(move || tick.get(), move |_| get_discography(artist));
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let report = RwSignal::new(None::<Result<DiscographyReport, AppError>>);
    let working = RwSignal::new(false);
    let who = name.clone();
    view! {
        <section class="panel discography" data-testid="discography" aria-labelledby="discography-heading">
            <h2 id="discography-heading">"Discography"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let who = who.clone();
                    Suspend::new(async move {
                        match data.await {
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                            Ok(d) => {
                                let chosen: Vec<RwSignal<bool>> = ALBUM_GROUPS
                                    .iter()
                                    .map(|g| RwSignal::new(if d.saved { d.groups.iter().any(|x| x == g) } else { *g != "appears_on" }))
                                    .collect();
                                let queue = RwSignal::new(d.queue);
                                let watch = RwSignal::new(d.watch);
                                let saved = d.saved;
                                let boxes = chosen.clone();
                                let save = move |_| {
                                    let groups: Vec<String> = ALBUM_GROUPS
                                        .iter()
                                        .zip(&boxes)
                                        .filter(|(_, on)| on.get_untracked())
                                        .map(|(g, _)| g.to_string())
                                        .collect();
                                    working.set(true);
                                    report.set(None);
                                    let (q, w) = (queue.get_untracked(), watch.get_untracked());
                                    leptos::task::spawn_local(async move {
                                        let result = save_discography(artist, groups, q, w).await;
                                        working.set(false);
                                        report.set(Some(result));
                                        tick.update(|t| *t += 1);
                                    });
                                };
                                let toggle_watch = move |ev: leptos::ev::Event| {
                                    let on = event_target_checked(&ev);
                                    watch.set(on);
                                    if saved {
                                        leptos::task::spawn_local(async move {
                                            if let Err(e) = set_discography_watch(artist, on).await {
                                                report.set(Some(Err(e)));
                                            }
                                        });
                                    }
                                };
                                let mut groups: Vec<(&'static str, Vec<Release>)> = Vec::new();
                                for r in d.releases.clone() {
                                    let label = album_group_label(&r.album_group);
                                    match groups.iter_mut().find(|(l, _)| *l == label) {
                                        Some((_, list)) => list.push(r),
                                        None => groups.push((label, vec![r])),
                                    }
                                }
                                groups.sort_by_key(|(l, _)| ALBUM_GROUPS.iter().position(|g| album_group_label(g) == *l));
                                let any_new = d.releases.iter().any(|r| r.new);
                                view! {
                                    <p>
                                        {if saved {
                                            format!("Every release of {who} in the kinds below is in your vault, each song once (not as liked songs).")
                                        } else {
                                            format!("Keep every release of {who} from Spotify in your vault, each song once (not as liked songs).")
                                        }}
                                    </p>
                                    <fieldset class="groups">
                                        <legend>"Releases to keep"</legend>
                                        {ALBUM_GROUPS.iter().zip(chosen).map(|(g, on)| view! {
                                            <label>
                                                <input type="checkbox" name="group" value=*g
                                                    prop:checked=move || on.get()
                                                    on:change=move |ev| on.set(event_target_checked(&ev))/>
                                                " " {album_group_label(g)}
                                            </label>
                                        }).collect_view()}
                                    </fieldset>
                                    <label>
                                        <input type="checkbox" prop:checked=move || queue.get()
                                            on:change=move |ev| queue.set(event_target_checked(&ev))/>
                                        " Queue new songs for download"
                                    </label>
                                    <label>
                                        <input type="checkbox" data-testid="watch" prop:checked=move || watch.get()
                                            on:change=toggle_watch/>
                                        " Watch for new releases"
                                    </label>
                                    <p>
                                        <button type="button" disabled=move || working.get() || !hydrated.get() on:click=save>
                                            {if saved { "Update discography" } else { "Save discography" }}
                                        </button>
                                    </p>
                                    {d.checked_at.clone().map(|at| view! {
                                        <p class="hint">"Last read from Spotify " <time datetime=at.clone()>{at.replace('T', " ").replace('Z', " UTC")}</time></p>
                                    })}
                                    {d.check_error.clone().map(|e| view! { <p class="notice error">{format!("The last check failed: {e}")}</p> })}
                                    {any_new.then(|| view! {
                                        <p>
                                            <button type="button" on:click=move |_| {
                                                leptos::task::spawn_local(async move {
                                                    let _ = releases_seen(Some(artist)).await;
                                                    tick.update(|t| *t += 1);
                                                });
                                            }>"Mark new releases seen"</button>
                                        </p>
                                    })}
                                    {groups.into_iter().map(|(label, list)| view! {
                                        <h3>{label} " (" {list.len()} ")"</h3>
                                        <ul class="releases">
                                            {list.into_iter().map(|release| view! { <ReleaseRow release/> }).collect_view()}
                                        </ul>
                                    }).collect_view()}
                                }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
            <p role="status" data-testid="discography-status">
                {move || if working.get() {
                    "Reading the discography from Spotify…".to_string()
                } else {
                    match report.get() {
                        Some(Ok(r)) => format!("Done: {}.", r.summary()),
                        Some(Err(e)) => e.to_string(),
                        None => String::new(),
                    }
                }}
            </p>
        </section>
    }
}

/// Artists: saved discographies, watched first, and what watches found.
#[component]
pub fn ArtistsPage() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let data = Resource::new(move || tick.get(), |_| get_artists_overview());
    view! {
        <Title text="Artists"/>
        <header class="page-head"><div><h1>"Artists"</h1></div></header>
        <Transition fallback=|| view! { <p class="loading">"Loading artists…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok((saved, new)) => view! {
                        <section aria-labelledby="new-heading" data-testid="new-releases">
                            <h2 id="new-heading">"New releases"</h2>
                            {if new.is_empty() {
                                view! { <p class="hint">"Nothing new from the artists you watch."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="releases">
                                        {new.into_iter().map(|w| {
                                            let group = album_group_label(&w.release.album_group);
                                            let when = year(&w.release);
                                            let words = kept_words(&w.release);
                                            let name = w.release.name.clone();
                                            view! {
                                            <li>
                                                <A href=format!("/artists/{}", w.artist.id)>{w.artist.name}</A>
                                                " — "
                                                {match w.release.album_id {
                                                    Some(id) => view! { <A href=format!("/albums/{id}")>{name}</A> }.into_any(),
                                                    None => view! { <span>{name}</span> }.into_any(),
                                                }}
                                                <span class="hint">" · " {group} " · " {when} " · " {words}</span>
                                            </li>
                                        }}).collect_view()}
                                    </ul>
                                    <button type="button" on:click=move |_| {
                                        leptos::task::spawn_local(async move {
                                            let _ = releases_seen(None).await;
                                            tick.update(|t| *t += 1);
                                        });
                                    }>"Mark all seen"</button>
                                }.into_any()
                            }}
                        </section>
                        <section aria-labelledby="saved-heading" data-testid="saved-discographies">
                            <h2 id="saved-heading">"Saved discographies"</h2>
                            {if saved.is_empty() {
                                view! { <p class="hint">"None yet: open an artist and choose Save discography."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="releases">
                                        {saved.into_iter().map(|s| view! {
                                            <li>
                                                <A href=format!("/artists/{}", s.artist.id)>{s.artist.name}</A>
                                                {s.watch.then(|| view! { <span class="badge">"Watched"</span> })}
                                                {(s.new > 0).then(|| view! { <span class="badge new">{format!("{} new", s.new)}</span> })}
                                                <span class="hint">{format!(" · {} releases, {} tracks", s.releases, s.tracks)}</span>
                                                {s.check_error.map(|e| view! { <span class="notice error">{format!(" The last check failed: {e}")}</span> })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(feature = "ssr")]
fn lastfm_refused(e: hoard_sync::lastfm::LastfmError) -> AppError {
    AppError::Refused(e.to_string())
}

/// What Last.fm says of the artist, with the similar artists the vault has
/// marked; `None` when no Last.fm key is set.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_artist_story(artist: i64) -> Result<Option<ArtistStory>, AppError> {
    let state = crate::state::server_state()?;
    let Some(lastfm) = state.lastfm.clone() else {
        return Ok(None);
    };
    let found = state.vault.artist_only(artist).await?;
    let mut story = lastfm
        .artist_kept(&state.vault, &found.name)
        .await
        .map_err(lastfm_refused)?;
    let names: Vec<String> = story.similar.iter().map(|s| s.name.clone()).collect();
    let known = state.vault.artists_named(&names).await?;
    for s in &mut story.similar {
        s.in_vault = known.get(&s.name.to_lowercase()).map(|(id, _)| *id);
    }
    Ok(Some(story))
}

/// The kinds of release "Expand" saves.
#[cfg(feature = "ssr")]
const EXPAND_GROUPS: [&str; 3] = ["album", "single", "compilation"];

/// What the discographies of the artist's `count` most similar artists
/// would add; nothing is saved.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn expand_preview(artist: i64, count: usize) -> Result<Vec<ExpandCandidate>, AppError> {
    if !(1..=10).contains(&count) {
        return Err(AppError::Refused(
            "Expand previews 1 to 10 similar artists at a time.".into(),
        ));
    }
    let state = crate::state::server_state()?;
    let Some(lastfm) = state.lastfm.clone() else {
        return Err(AppError::Refused(
            "Similar artists come from Last.fm: set lastfm_api_key.".into(),
        ));
    };
    let found = state.vault.artist_only(artist).await?;
    let story = lastfm
        .artist_kept(&state.vault, &found.name)
        .await
        .map_err(lastfm_refused)?;
    let names: Vec<String> = story
        .similar
        .iter()
        .take(count)
        .map(|s| s.name.clone())
        .collect();
    let groups: Vec<String> = EXPAND_GROUPS.map(String::from).to_vec();
    state
        .discographies
        .preview(vault::model::OWNER, &names, &groups)
        .await
        .map_err(refused)
}

/// Saves the discographies of the previewed artists chosen (Spotify ID and name).
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn expand_save(
    artists: Vec<(String, String)>,
    queue: bool,
) -> Result<DiscographyReport, AppError> {
    if artists.is_empty() || artists.len() > 10 {
        return Err(AppError::Refused("Choose 1 to 10 artists to save.".into()));
    }
    let state = crate::state::server_state()?;
    let discographies = state.discographies.clone();
    let groups: Vec<String> = EXPAND_GROUPS.map(String::from).to_vec();
    let task = tokio::spawn(async move {
        discographies
            .expand(vault::model::OWNER, &artists, &groups, queue, false)
            .await
    });
    task.await
        .map_err(|e| AppError::Refused(format!("The discographies were not read: {e}")))?
        .map_err(refused)
}

fn megabytes(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else {
        format!("{} MB", bytes / 1_000_000)
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "Last.fm", linked to the page when Last.fm gave a web address.
#[component]
fn LastfmLink(url: String) -> impl IntoView {
    if url.is_empty() {
        view! { <span>"Last.fm"</span> }.into_any()
    } else {
        view! { <a href=url rel="noopener noreferrer" target="_blank">"Last.fm"</a> }.into_any()
    }
}

/// The artist page's Last.fm panel: the story, similar artists and Expand.
#[component]
pub fn ArtistStoryPanel(artist: i64) -> impl IntoView {
    let story = Resource::new(|| (), move |_| get_artist_story(artist));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match story.await {
                    Ok(None) => view! {
                        <p class="hint" data-testid="story-off">"Set lastfm_api_key to see Last.fm's story of this artist and the artists like them."</p>
                    }.into_any(),
                    Err(e) => view! { <p class="notice error" data-testid="story-error">{e.to_string()}</p> }.into_any(),
                    Ok(Some(s)) => view! { <StoryView story=s artist/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StoryView(story: ArtistStory, artist: i64) -> impl IntoView {
    let count = RwSignal::new(3usize);
    let preview = RwSignal::new(None::<Result<Vec<ExpandCandidate>, AppError>>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let queue = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(None::<Result<DiscographyReport, AppError>>);
    let look = move |_| {
        busy.set(true);
        saved.set(None);
        leptos::task::spawn_local(async move {
            let result = expand_preview(artist, count.get_untracked()).await;
            if let Ok(list) = &result {
                chosen.set(
                    list.iter()
                        .filter(|c| !c.saved && c.releases > 0)
                        .filter_map(|c| c.spotify_id.clone())
                        .collect(),
                );
            }
            preview.set(Some(result));
            busy.set(false);
        });
    };
    let save = move |_| {
        let names: Vec<(String, String)> = preview.with_untracked(|p| {
            p.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|list| {
                    list.iter()
                        .filter_map(|c| Some((c.spotify_id.clone()?, c.name.clone())))
                        .filter(|(id, _)| chosen.with_untracked(|ch| ch.contains(id)))
                        .collect()
                })
                .unwrap_or_default()
        });
        busy.set(true);
        leptos::task::spawn_local(async move {
            saved.set(Some(expand_save(names, queue.get_untracked()).await));
            busy.set(false);
        });
    };
    let paragraphs: Vec<String> = story
        .bio
        .clone()
        .map(|b| b.split("\n\n").map(str::to_string).collect())
        .unwrap_or_default();
    view! {
        <section class="panel story" data-testid="story" aria-labelledby="story-heading">
            <h2 id="story-heading">"About"</h2>
            {if paragraphs.is_empty() {
                view! { <p class="hint">"Last.fm has no story of this artist yet."</p> }.into_any()
            } else {
                paragraphs.into_iter().map(|p| view! { <p class="bio">{p}</p> }).collect_view().into_any()
            }}
            <p class="hint" data-testid="story-figures">
                {format!("{} listeners · {} plays on ", thousands(story.listeners), thousands(story.playcount))}
                <LastfmLink url=story.url.clone()/>
            </p>
            {(!story.tags.is_empty()).then(|| view! {
                <p class="tags">{story.tags.iter().map(|t| view! { <span class="badge">{t.clone()}</span> }).collect_view()}</p>
            })}
            {(!story.similar.is_empty()).then(move || view! {
                <h3>"Similar artists"</h3>
                <ul class="similar" data-testid="similar">
                    {story.similar.into_iter().take(12).map(|s| {
                        let pct = format!(" {:.0}%", s.similarity * 100.0);
                        view! {
                            <li>
                                {match s.in_vault {
                                    Some(id) => view! { <A href=format!("/artists/{id}")>{s.name}</A> }.into_any(),
                                    None => view! { <span>{s.name}</span> }.into_any(),
                                }}
                                <span class="hint">{pct}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <fieldset class="expand" data-testid="expand">
                    <legend>"Expand"</legend>
                    <label>
                        "Similar artists to add "
                        <input type="number" min="1" max="10" prop:value=move || count.get().to_string()
                            on:input=move |ev| count.set(event_target_value(&ev).parse().unwrap_or(3).clamp(1, 10))/>
                    </label>
                    " "
                    <button type="button" disabled=move || busy.get() on:click=look>"Preview"</button>
                    <p class="hint">"Their albums, singles and compilations; nothing is saved until you choose."</p>
                    {move || preview.get().map(|p| match p {
                        Err(e) => view! { <p class="notice error">{e.to_string()}</p> }.into_any(),
                        Ok(list) => {
                            let picked = move || chosen.with(|c| c.len());
                            let (tracks, bytes) = list.iter().fold((0u64, 0u64), |(t, b), c| {
                                if c.spotify_id.as_ref().is_some_and(|id| chosen.with_untracked(|ch| ch.contains(id))) { (t + c.tracks, b + c.estimated_bytes) } else { (t, b) }
                            });
                            view! {
                                <table class="expand-preview" data-testid="expand-preview">
                                    <thead><tr><th scope="col">"Artist"</th><th scope="col">"Releases"</th><th scope="col">"Songs"</th><th scope="col">"Size"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|c| {
                                            let id = c.spotify_id.clone();
                                            let status = if c.spotify_id.is_none() {
                                                Some("not on Spotify")
                                            } else if c.saved {
                                                Some("already saved")
                                            } else { None };
                                            view! {
                                                <tr>
                                                    <td>
                                                        {match id.clone() {
                                                            Some(id) if !c.saved => {
                                                                let key = id.clone();
                                                                view! {
                                                                    <label>
                                                                        <input type="checkbox" prop:checked=move || chosen.with(|ch| ch.contains(&key))
                                                                            on:change=move |ev| {
                                                                                let on = event_target_checked(&ev);
                                                                                let id = id.clone();
                                                                                chosen.update(|ch| { ch.retain(|x| *x != id); if on { ch.push(id); } });
                                                                            }/>
                                                                        " " {c.name.clone()}
                                                                    </label>
                                                                }.into_any()
                                                            }
                                                            _ => view! { <span>{c.name.clone()}</span> }.into_any(),
                                                        }}
                                                        {status.map(|s| view! { <span class="hint">" · " {s}</span> })}
                                                    </td>
                                                    <td>{c.releases}</td>
                                                    <td>{c.tracks}</td>
                                                    <td>{(c.tracks > 0).then(|| format!("~{}", megabytes(c.estimated_bytes)))}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <p data-testid="expand-total">{format!("Chosen: up to {tracks} songs, about {} (songs already in your vault are not added again).", megabytes(bytes))}</p>
                                <label>
                                    <input type="checkbox" prop:checked=move || queue.get() on:change=move |ev| queue.set(event_target_checked(&ev))/>
                                    " Queue new songs for download"
                                </label>
                                " "
                                <button type="button" disabled=move || busy.get() || picked() == 0 on:click=save>
                                    {move || format!("Save {} discographies", picked())}
                                </button>
                            }.into_any()
                        }
                    })}
                    <p role="status" data-testid="expand-status">
                        {move || if busy.get() { "Asking Spotify…".to_string() } else {
                            match saved.get() {
                                Some(Ok(r)) => format!("Done: {}.", r.summary()),
                                Some(Err(e)) => e.to_string(),
                                None => String::new(),
                            }
                        }}
                    </p>
                </fieldset>
            })}
        </section>
    }
}

/// A track's figures on Last.fm; `None` without a key or for a track
/// Last.fm does not know.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_track_stats(track: i64) -> Result<Option<TrackStats>, AppError> {
    let state = crate::state::server_state()?;
    let Some(lastfm) = state.lastfm.clone() else {
        return Ok(None);
    };
    let t = state.vault.track(track).await?;
    let Some(artist) = t.artists.first() else {
        return Ok(None);
    };
    lastfm
        .track_kept(&state.vault, &artist.name, &t.title)
        .await
        .map_err(lastfm_refused)
}

/// The track page's line of Last.fm figures.
#[component]
pub fn TrackStatsPanel(track: i64) -> impl IntoView {
    let stats = Resource::new(|| (), move |_| get_track_stats(track));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(Some(s)) => view! {
                        <p class="hint" data-testid="track-lastfm">
                            {format!("{} listeners · {} plays on ", thousands(s.listeners), thousands(s.playcount))}
                            <LastfmLink url=s.url.clone()/>
                            {(!s.tags.is_empty()).then(|| format!(" · {}", s.tags.join(", ")))}
                        </p>
                    }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="hint" data-testid="track-lastfm">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
