//! Smart playlists: the list of them, one of them (a track list like any
//! other: search, sort, play, shuffle, keep on the device), the rule editor,
//! and Navidrome `.nsp` import and export.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::{json, Value};
use vault::model::{Id, Page, Playlist, Track, TrackList, TrackQuery};
use vault::smart::{
    Condition, Field, Kind, Op, Rule, RuleGroup, SmartPlaylist, SmartRules, SortField, SortKey,
};

use super::lists::{track_window, use_track_query, TrackBrowser};
use super::playlists::list_playlists;
use crate::components::format::count;
use crate::components::icons::{Icon, Svg};
use crate::components::keep::KeepButton;
use crate::components::player::{use_player, QueueItem};
use crate::components::ErrorNotice;
use crate::device::{KeepRequest, KeepSource};
use crate::error::AppError;

/// Every smart playlist of the listener's, with how many tracks each holds now.
#[server(endpoint = "smart_list", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn list_smart() -> Result<Vec<(SmartPlaylist, i64)>, AppError> {
    let state = crate::state::server_state()?;
    let mut out = Vec::new();
    for playlist in state.vault.smart_playlists(vault::model::OWNER).await? {
        let total = state
            .vault
            .track_list(&TrackList::Smart(playlist.id), &TrackQuery::default(), 0, 1)
            .await?
            .total;
        out.push((playlist, total));
    }
    Ok(out)
}

/// One smart playlist and the first window of its tracks.
#[server(endpoint = "smart_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_smart(
    id: Id,
    query: TrackQuery,
) -> Result<(SmartPlaylist, Page<Track>), AppError> {
    let state = crate::state::server_state()?;
    let playlist = state.vault.smart_playlist(vault::model::OWNER, id).await?;
    let first = super::lists::first_window(TrackList::Smart(id), query).await?;
    Ok((playlist, first))
}

/// Saves a smart playlist (a new one when `id` is `None`).
#[server(endpoint = "smart_save", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn save_smart(
    id: Option<Id>,
    name: String,
    comment: Option<String>,
    rules: SmartRules,
) -> Result<SmartPlaylist, AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .save_smart_playlist(vault::model::OWNER, id, &name, comment.as_deref(), &rules)
        .await?)
}

/// Deletes a smart playlist of the listener's own.
#[server(endpoint = "smart_delete", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn delete_smart(id: Id) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .delete_smart_playlist(vault::model::OWNER, id)
        .await?)
}

/// The most a `.nsp` file may hold; real ones are a few hundred bytes.
pub const MAX_NSP_BYTES: usize = 64 * 1024;

/// Imports a Navidrome `.nsp` file as a new smart playlist; returns it and
/// what of the file Hoard could not keep.
#[server(endpoint = "smart_import", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn import_nsp(
    file_name: String,
    text: String,
) -> Result<(SmartPlaylist, Vec<String>), AppError> {
    if text.len() > MAX_NSP_BYTES {
        return Err(AppError::Refused(format!(
            "{file_name} is larger than a smart playlist file can be ({} KB).",
            MAX_NSP_BYTES / 1024
        )));
    }
    let read = vault::smart::from_nsp(&text)
        .map_err(|e| AppError::Refused(format!("{file_name}: {e}")))?;
    let fallback = file_name
        .trim_end_matches(".nsp")
        .trim_end_matches(".NSP")
        .to_string();
    let name = read.name.clone().unwrap_or(fallback);
    let state = crate::state::server_state()?;
    let saved = state
        .vault
        .save_smart_playlist(
            vault::model::OWNER,
            None,
            &name,
            read.comment.as_deref(),
            &read.rules,
        )
        .await?;
    Ok((saved, read.left_out))
}

/// A smart playlist as a Navidrome `.nsp` file, and what it leaves out.
#[server(endpoint = "smart_export", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn export_nsp(id: Id) -> Result<(String, Vec<String>), AppError> {
    let state = crate::state::server_state()?;
    let p = state.vault.smart_playlist(vault::model::OWNER, id).await?;
    Ok(vault::smart::to_nsp(
        &p.name,
        p.comment.as_deref(),
        &p.rules,
    ))
}

/// The list of smart playlists, with import.
#[component]
pub fn SmartListPage() -> impl IntoView {
    let all = Resource::new(
        || (),
        |_| {
            crate::library_copy::or_copy(list_smart(), |copy| {
                let mut all: Vec<(SmartPlaylist, i64)> = copy
                    .smart
                    .values()
                    .map(|s| {
                        let n = copy.smart_tracks.get(&s.id).map_or(0, Vec::len);
                        (s.clone(), n as i64)
                    })
                    .collect();
                all.sort_by_key(|(s, _)| s.name.to_lowercase());
                (copy.cursor > 0).then_some(all)
            })
        },
    );
    let imported = RwSignal::new(None::<Result<(SmartPlaylist, Vec<String>), String>>);
    let navigate = use_navigate();
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: Option<web_sys::HtmlInputElement> =
                ev.target().and_then(|t| t.dyn_into().ok());
            let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            leptos::task::spawn_local(async move {
                if file.size() > MAX_NSP_BYTES as f64 {
                    imported.set(Some(Err(format!(
                        "{name} is larger than a smart playlist file can be ({} KB).",
                        MAX_NSP_BYTES / 1024
                    ))));
                    return;
                }
                let text = wasm_bindgen_futures::JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string())
                    .unwrap_or_default();
                let result = import_nsp(name, text).await.map_err(|e| e.to_string());
                imported.set(Some(result));
                all.refetch();
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let _ = navigate;
    view! {
        <Title text="Smart playlists"/>
        <header class="page-head">
            <div>
                <h1>"Smart playlists"</h1>
                <p class="summary">"Lists that fill themselves from rules: ratings, plays, tags, dates and more. They change as you listen."</p>
            </div>
            <div class="head-actions">
                <A href="/smart/new" attr:class="button primary">"New smart playlist"</A>
                <label class="button secondary file-button">
                    "Import .nsp"
                    <input type="file" accept=".nsp,application/json" class="visually-hidden" on:change=on_file data-testid="nsp-input"/>
                </label>
            </div>
        </header>
        {move || imported.get().map(|r| match r {
            Ok((p, left_out)) => view! {
                <div class="notice" role="status" data-testid="nsp-imported">
                    <p>"Imported " <A href=format!("/smart/{}", p.id)>{p.name.clone()}</A> "."</p>
                    {(!left_out.is_empty()).then(|| view! {
                        <p>"Left out, as Hoard has nothing like them: " {left_out.join("; ")} "."</p>
                    })}
                </div>
            }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
        })}
        <Suspense fallback=|| view! { <p class="loading">"Loading smart playlists…"</p> }>
            {move || Suspend::new(async move {
                match all.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(list) => view! {
                        <ul class="cards smart-cards">
                            {list.into_iter().map(|(p, total)| view! {
                                <li class="card">
                                    <A href=format!("/smart/{}", p.id)>
                                        <span class="cover tile smart" aria-hidden="true"><Svg icon=Icon::Smart/></span>
                                        <span class="card-title">{p.name.clone()}</span>
                                        <span class="card-sub">{count(total, "track", "tracks")}</span>
                                        {p.comment.clone().map(|c| view! { <span class="card-sub">{c}</span> })}
                                    </A>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One smart playlist, or the editor of a new one at `/smart/new`.
#[component]
pub fn SmartPage() -> impl IntoView {
    let params = use_params_map();
    let raw = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let query = use_track_query();
    let data = Resource::new(
        move || raw.get(),
        move |raw| {
            let q = query.get_untracked();
            async move {
                match raw.parse::<Id>() {
                    Ok(id) => crate::library_copy::or_copy(get_smart(id, q.clone()), move |copy| {
                        let playlist = copy.smart.get(&id)?.clone();
                        let first =
                            copy.track_list(&TrackList::Smart(id), &q, 0, super::lists::WINDOW);
                        Some((playlist, first))
                    })
                    .await
                    .map(Some),
                    Err(_) if raw == "new" => Ok(None),
                    Err(_) => Err(AppError::NotFound),
                }
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading smart playlist…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Smart playlist"/><ErrorNotice error/> }.into_any(),
                    Ok(None) => view! {
                        <Title text="New smart playlist"/>
                        <h1>"New smart playlist"</h1>
                        <RuleEditor playlist=None/>
                    }.into_any(),
                    Ok(Some((playlist, first))) => view! { <SmartDetail playlist first/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SmartDetail(playlist: SmartPlaylist, first: Page<Track>) -> impl IntoView {
    let id = playlist.id;
    let editing = RwSignal::new(false);
    let player = use_player();
    let message = RwSignal::new(None::<String>);
    let exported = RwSignal::new(None::<(String, Vec<String>)>);
    let navigate = use_navigate();
    // Play or shuffle the whole list (its first 1,000 tracks).
    let play = move |shuffle: bool| {
        leptos::task::spawn_local(async move {
            let mut items: Vec<QueueItem> = Vec::new();
            for block in 0..5 {
                match track_window(
                    TrackList::Smart(id),
                    TrackQuery::default(),
                    block * 200,
                    200,
                )
                .await
                {
                    Ok(page) => {
                        items.extend(page.items.iter().map(QueueItem::from));
                        if items.len() as i64 >= page.total {
                            break;
                        }
                    }
                    Err(e) => {
                        message.set(Some(e.to_string()));
                        return;
                    }
                }
            }
            if items.is_empty() {
                message.set(Some(
                    "This smart playlist holds no tracks right now.".into(),
                ));
                return;
            }
            if shuffle != player.shuffle.get_untracked() {
                player.toggle_shuffle();
            }
            player.play_list(items, 0);
        });
    };
    let download = move |_| {
        leptos::task::spawn_local(async move {
            let answer = super::downloads::download_command(
                super::downloads::DownloadAction::QueueSmart(id),
            )
            .await;
            message.set(Some(match answer {
                Ok(m) => m,
                Err(e) => e.to_string(),
            }));
        });
    };
    let export = move |_| {
        leptos::task::spawn_local(async move {
            match export_nsp(id).await {
                Ok(file) => exported.set(Some(file)),
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    let delete = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match delete_smart(id).await {
                Ok(()) => navigate("/smart", Default::default()),
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    let file_name = format!("{}.nsp", playlist.name.replace(['/', '\\', ':'], "-"));
    let summary = describe(&playlist.rules);
    let builtin = playlist.builtin.is_some();
    let edit_copy = playlist.clone();
    view! {
        <Title text=playlist.name.clone()/>
        <header class="page-head">
            <div>
                <p class="kind">"Smart playlist"</p>
                <h1>{playlist.name.clone()}</h1>
                {playlist.comment.clone().map(|c| view! { <p class="summary">{c}</p> })}
                <p class="summary rule-summary" data-testid="rule-summary">{summary}</p>
                <div class="head-actions">
                    <button type="button" class="primary" on:click=move |_| play(false)><Svg icon=Icon::Play/>" Play"</button>
                    <button type="button" class="secondary" on:click=move |_| play(true)>"Shuffle"</button>
                    <button type="button" class="secondary" aria-expanded=move || editing.get().to_string() on:click=move |_| editing.update(|e| *e = !*e)>"Edit rules"</button>
                    <button type="button" class="secondary needs-server" on:click=download data-testid="smart-download"
                        title="Queue its tracks for download into the vault">"Download to the vault"</button>
                    <button type="button" class="secondary" on:click=export>"Export .nsp"</button>
                    {(!builtin).then(|| view! { <button type="button" class="secondary danger" on:click=delete.clone()>"Delete"</button> })}
                </div>
            </div>
            <KeepButton request=KeepRequest {
                key: format!("smart:{id}"),
                name: playlist.name.clone(),
                href: format!("/smart/{id}"),
                source: KeepSource::List(TrackList::Smart(id)),
            }/>
            <crate::components::export::ExportLinks stem=format!("smart-{id}") name=playlist.name.clone()/>
        </header>
        {move || message.get().map(|m| view! { <p class="notice" role="status" data-testid="smart-message">{m}</p> })}
        {move || exported.get().map(|(text, left_out)| {
            let href = format!("data:application/json;charset=utf-8,{}", crate::components::format::urlencode(&text));
            view! {
                <div class="notice" role="status">
                    <a href=href download=file_name.clone() data-testid="nsp-download">{format!("Download {file_name}")}</a>
                    {(!left_out.is_empty()).then(|| view! {
                        <p>"Navidrome has no field for: " {left_out.join("; ")} ". Those conditions are left out of the file."</p>
                    })}
                </div>
            }
        })}
        <Show when=move || editing.get()>
            <RuleEditor playlist=Some(edit_copy.clone())/>
        </Show>
        <TrackBrowser list=TrackList::Smart(id) path=format!("/smart/{id}") first caption=playlist.name.clone()/>
    }
}

/// The rule in words: "All of: Rating more than 3; Plays more than 0. By Rating, highest first. At most 500."
pub fn describe(rules: &SmartRules) -> String {
    fn group(g: &RuleGroup) -> String {
        let parts: Vec<String> = g
            .rules
            .iter()
            .map(|r| match r {
                Rule::Condition(c) => format!(
                    "{} {} {}",
                    c.field.label(),
                    c.op.label(),
                    value_text(&c.value)
                ),
                Rule::Group(inner) => format!("({})", group(inner)),
            })
            .collect();
        format!(
            "{} {}",
            if g.any { "Any of:" } else { "All of:" },
            parts.join("; ")
        )
    }
    let mut text = group(&rules.rules);
    if !rules.sort.is_empty() {
        let keys: Vec<String> = rules
            .sort
            .iter()
            .map(|k| match k.field {
                SortField::Random => "shuffled".to_string(),
                SortField::Field(f) => format!(
                    "{}{}",
                    f.label(),
                    if k.descending { " (descending)" } else { "" }
                ),
            })
            .collect();
        text.push_str(&format!(". Sorted by {}", keys.join(", then ")));
    }
    if let Some(limit) = rules.limit {
        text.push_str(&format!(". At most {}", count(limit, "track", "tracks")));
    }
    text.push('.');
    text
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("“{s}”"),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(" and "),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

/// The value a new condition on `field` with `op` starts with.
fn default_value(field: Field, op: Op) -> Value {
    match (field.kind(), op) {
        (Kind::Text, _) => json!(""),
        (Kind::Number, Op::InTheRange) => json!([0, 10]),
        (Kind::Number, _) => json!(if field == Field::Rating { 3 } else { 0 }),
        (Kind::Date, Op::InTheLast | Op::NotInTheLast) => json!(30),
        (Kind::Date, Op::InTheRange) => json!(["2024-01-01", "2024-12-31"]),
        (Kind::Date, _) => json!("2024-01-01"),
        (Kind::Bool, _) => json!(true),
        (Kind::Playlist, _) => json!(0),
    }
}

fn new_condition() -> Rule {
    Rule::Condition(Condition {
        field: Field::Rating,
        op: Op::Gt,
        value: json!(3),
    })
}

/// The group at `path` (indexes of nested groups from the root).
fn group_at<'a>(root: &'a mut RuleGroup, path: &[usize]) -> Option<&'a mut RuleGroup> {
    let mut group = root;
    for i in path {
        group = match group.rules.get_mut(*i)? {
            Rule::Group(g) => g,
            Rule::Condition(_) => return None,
        };
    }
    Some(group)
}

fn condition_at<'a>(
    root: &'a mut RuleGroup,
    path: &[usize],
    i: usize,
) -> Option<&'a mut Condition> {
    match group_at(root, path)?.rules.get_mut(i)? {
        Rule::Condition(c) => Some(c),
        Rule::Group(_) => None,
    }
}

/// The editor's state: the rule, and a version bumped on every change of
/// shape (a row added, a field changed) so only those redraw; typing in a
/// value changes the rule without redrawing, so focus stays where it is.
#[derive(Clone, Copy)]
struct Editing {
    rules: RwSignal<SmartRules>,
    shape: RwSignal<u32>,
    playlists: RwSignal<Vec<Playlist>>,
}

impl Editing {
    fn reshape(&self, change: impl FnOnce(&mut SmartRules)) {
        self.rules.update_untracked(change);
        self.shape.update(|v| *v += 1);
    }

    fn set_value(&self, path: &[usize], i: usize, value: Value) {
        self.rules.update_untracked(|r| {
            if let Some(c) = condition_at(&mut r.rules, path, i) {
                c.value = value;
            }
        });
    }
}

/// Edits a smart playlist's name, rules, sort and limit; saves and opens it.
#[component]
fn RuleEditor(playlist: Option<SmartPlaylist>) -> impl IntoView {
    let id = playlist.as_ref().map(|p| p.id);
    let name = RwSignal::new(
        playlist
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
    );
    let comment = RwSignal::new(
        playlist
            .as_ref()
            .and_then(|p| p.comment.clone())
            .unwrap_or_default(),
    );
    let start = playlist.map(|p| p.rules).unwrap_or(SmartRules {
        rules: RuleGroup {
            any: false,
            rules: vec![new_condition()],
        },
        sort: vec![],
        limit: None,
        seed: 1,
    });
    let limit = RwSignal::new(start.limit.map(|l| l.to_string()).unwrap_or_default());
    let ed = Editing {
        rules: RwSignal::new(start),
        shape: RwSignal::new(0),
        playlists: RwSignal::new(Vec::new()),
    };
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(p) = list_playlists().await {
                ed.playlists.set(p);
            }
        });
    });
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut rules = ed.rules.get_untracked();
        let limit_text = limit.get_untracked();
        rules.limit = match limit_text.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    error.set(Some(format!("Limit: “{text}” is not a number of tracks.")));
                    return;
                }
            },
        };
        let comment = Some(comment.get_untracked()).filter(|c| !c.trim().is_empty());
        let name = name.get_untracked();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match save_smart(id, name, comment, rules).await {
                Ok(saved) => {
                    error.set(None);
                    // A full load, so the list shows what the new rule picks.
                    #[cfg(feature = "hydrate")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().assign(&format!("/smart/{}", saved.id));
                        return;
                    }
                    navigate(&format!("/smart/{}", saved.id), Default::default());
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let reshuffle = move |_| {
        ed.reshape(|r| r.seed = (r.seed + 7919) % 1_000_003);
    };
    view! {
        <form class="rule-editor" on:submit=save data-testid="rule-editor">
            <div class="field-row">
                <label>"Name" <input type="text" bind:value=name required maxlength="200" data-testid="smart-name"/></label>
                <label>"Description" <input type="text" bind:value=comment maxlength="500"/></label>
            </div>
            {move || {
                ed.shape.get();
                group_view(ed, Vec::new())
            }}
            <fieldset class="sort-keys">
                <legend>"Order"</legend>
                {move || {
                    ed.shape.get();
                    let keys = ed.rules.with_untracked(|r| r.sort.clone());
                    keys.into_iter().enumerate().map(|(i, key)| sort_row(ed, i, key)).collect_view()
                }}
                <button type="button" class="secondary" on:click=move |_| ed.reshape(|r| r.sort.push(SortKey { field: SortField::Field(Field::Title), descending: false }))>"Add a sort key"</button>
                <button type="button" class="secondary" on:click=reshuffle
                    title="A new random order, kept until you reshuffle again">"Reshuffle"</button>
            </fieldset>
            <label class="limit">"At most" <input type="number" min="1" max="100000" bind:value=limit placeholder="no limit" data-testid="smart-limit"/> "tracks"</label>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="rule-error">{e}</p> })}
            <button type="submit" class="primary">"Save"</button>
        </form>
    }
}

/// One group: all/any, its entries, and buttons to add to it.
fn group_view(ed: Editing, path: Vec<usize>) -> AnyView {
    let Some(group) = ed.rules.with_untracked(|r| {
        let mut root = r.rules.clone();
        group_at(&mut root, &path).cloned()
    }) else {
        return ().into_any();
    };
    let depth = path.len();
    let any_path = path.clone();
    let add_path = path.clone();
    let group_path = path.clone();
    let remove_path = path.clone();
    let entries = group
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| match rule {
            Rule::Condition(c) => condition_view(ed, path.clone(), i, c.clone()),
            Rule::Group(_) => {
                let mut inner = path.clone();
                inner.push(i);
                group_view(ed, inner)
            }
        })
        .collect_view();
    view! {
        <fieldset class="rule-group" data-depth=depth>
            <legend>
                <select aria-label="Match" on:change=move |ev| {
                    let any = event_target_value(&ev) == "any";
                    let path = any_path.clone();
                    ed.reshape(|r| if let Some(g) = group_at(&mut r.rules, &path) { g.any = any });
                }>
                    <option value="all" selected=!group.any>"All of these"</option>
                    <option value="any" selected=group.any>"Any of these"</option>
                </select>
            </legend>
            <ol class="rules">{entries}</ol>
            <button type="button" class="secondary" on:click=move |_| {
                let path = add_path.clone();
                ed.reshape(|r| if let Some(g) = group_at(&mut r.rules, &path) { g.rules.push(new_condition()) });
            }>"Add a condition"</button>
            <button type="button" class="secondary" on:click=move |_| {
                let path = group_path.clone();
                ed.reshape(|r| if let Some(g) = group_at(&mut r.rules, &path) {
                    g.rules.push(Rule::Group(RuleGroup { any: true, rules: vec![new_condition()] }))
                });
            }>"Add a group"</button>
            {(depth > 0).then(|| view! {
                <button type="button" class="secondary danger" on:click=move |_| {
                    let mut path = remove_path.clone();
                    let Some(i) = path.pop() else { return };
                    ed.reshape(|r| if let Some(g) = group_at(&mut r.rules, &path) { if i < g.rules.len() { g.rules.remove(i); } });
                }>"Remove group"</button>
            })}
        </fieldset>
    }
    .into_any()
}

fn condition_view(ed: Editing, path: Vec<usize>, i: usize, c: Condition) -> AnyView {
    let field_path = path.clone();
    let op_path = path.clone();
    let remove_path = path.clone();
    let kind = c.field.kind();
    let fields = Field::ALL
        .iter()
        .map(|f| view! { <option value=f.name() selected=*f == c.field>{f.label()}</option> })
        .collect_view();
    let ops = kind
        .ops()
        .iter()
        .map(|o| view! { <option value=o.name() selected=*o == c.op>{o.label()}</option> })
        .collect_view();
    let value = value_input(ed, path, i, &c);
    view! {
        <li class="rule" data-testid="rule">
            <select aria-label="Field" on:change=move |ev| {
                let Some(field) = Field::parse(&event_target_value(&ev)) else { return };
                let path = field_path.clone();
                ed.reshape(|r| if let Some(c) = condition_at(&mut r.rules, &path, i) {
                    let op = if field.kind().ops().contains(&c.op) { c.op } else { field.kind().ops()[0] };
                    *c = Condition { field, op, value: default_value(field, op) };
                });
            }>{fields}</select>
            <select aria-label="Test" on:change=move |ev| {
                let Some(op) = Op::parse(&event_target_value(&ev)) else { return };
                let path = op_path.clone();
                ed.reshape(|r| if let Some(c) = condition_at(&mut r.rules, &path, i) {
                    let before = c.op;
                    c.op = op;
                    let shape = |o: Op| (o == Op::InTheRange, matches!(o, Op::InTheLast | Op::NotInTheLast));
                    if shape(before) != shape(op) {
                        c.value = default_value(c.field, op);
                    }
                });
            }>{ops}</select>
            {value}
            <button type="button" class="icon remove" title="Remove condition" on:click=move |_| {
                let path = remove_path.clone();
                ed.reshape(|r| if let Some(g) = group_at(&mut r.rules, &path) { if i < g.rules.len() { g.rules.remove(i); } });
            }>"×"<span class="visually-hidden">"Remove condition"</span></button>
        </li>
    }
    .into_any()
}

/// The value box(es) of a condition, by the field's kind and the test.
fn value_input(ed: Editing, path: Vec<usize>, i: usize, c: &Condition) -> AnyView {
    let set = move |path: Vec<usize>, value: Value| ed.set_value(&path, i, value);
    match (c.field.kind(), c.op) {
        (Kind::Bool, _) => {
            let on = c.value.as_bool().unwrap_or(true);
            view! {
                <select aria-label="Value" on:change=move |ev| set(path.clone(), json!(event_target_value(&ev) == "true"))>
                    <option value="true" selected=on>"yes"</option>
                    <option value="false" selected=!on>"no"</option>
                </select>
            }
            .into_any()
        }
        (Kind::Playlist, _) => {
            let chosen = c.value.as_i64().unwrap_or(0);
            let playlists = ed.playlists;
            // Nothing chosen yet: the first playlist, once they are known.
            if chosen == 0 {
                let path = path.clone();
                Effect::new(move |_| {
                    if let Some(first) = playlists.with(|p| p.first().map(|p| p.id)) {
                        ed.set_value(&path, i, json!(first));
                    }
                });
            }
            view! {
                <select aria-label="Playlist" on:change=move |ev| set(path.clone(), json!(event_target_value(&ev).parse::<i64>().unwrap_or(0)))>
                    {move || playlists.get().into_iter().map(|p| view! { <option value=p.id.to_string() selected=p.id == chosen>{p.name}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        (kind, Op::InTheRange) => {
            let pair = c.value.as_array().cloned().unwrap_or_default();
            let kind_attr = if kind == Kind::Date { "date" } else { "number" };
            let text = |v: Option<&Value>| match v {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let (a, b) = (text(pair.first()), text(pair.get(1)));
            let current = RwSignal::new((a.clone(), b.clone()));
            let parse = move |s: String| -> Value {
                if kind == Kind::Date {
                    json!(s)
                } else {
                    s.parse::<f64>().map(|n| json!(n)).unwrap_or(json!(s))
                }
            };
            let path_b = path.clone();
            view! {
                <input type=kind_attr aria-label="From" prop:value=a step="any" on:input=move |ev| {
                    current.update_untracked(|c| c.0 = event_target_value(&ev));
                    let (a, b) = current.get_untracked();
                    set(path.clone(), json!([parse(a), parse(b)]));
                }/>
                <span>"and"</span>
                <input type=kind_attr aria-label="To" prop:value=b step="any" on:input=move |ev| {
                    current.update_untracked(|c| c.1 = event_target_value(&ev));
                    let (a, b) = current.get_untracked();
                    set(path_b.clone(), json!([parse(a), parse(b)]));
                }/>
            }
            .into_any()
        }
        (Kind::Date, Op::InTheLast | Op::NotInTheLast) | (Kind::Number, _) => {
            let shown = c.value.as_f64().map(|n| n.to_string()).unwrap_or_default();
            view! {
                <input type="number" step="any" aria-label="Value" prop:value=shown data-testid="rule-value" on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let value = text.parse::<i64>().map(|n| json!(n))
                        .or_else(|_| text.parse::<f64>().map(|n| json!(n)))
                        .unwrap_or(json!(text));
                    set(path.clone(), value);
                }/>
            }
            .into_any()
        }
        (Kind::Date, _) => {
            let shown = c.value.as_str().unwrap_or_default().to_string();
            view! {
                <input type="date" aria-label="Date" prop:value=shown on:input=move |ev| set(path.clone(), json!(event_target_value(&ev)))/>
            }
            .into_any()
        }
        (Kind::Text, _) => {
            let shown = c.value.as_str().unwrap_or_default().to_string();
            view! {
                <input type="text" aria-label="Value" prop:value=shown data-testid="rule-value" on:input=move |ev| set(path.clone(), json!(event_target_value(&ev)))/>
            }
            .into_any()
        }
    }
}

fn sort_row(ed: Editing, i: usize, key: SortKey) -> AnyView {
    let options = Field::ALL
        .iter()
        .filter(|f| f.kind() != Kind::Playlist)
        .map(|f| SortField::Field(*f))
        .chain([SortField::Random])
        .map(|f| {
            let label = match f {
                SortField::Random => "Random",
                SortField::Field(field) => field.label(),
            };
            view! { <option value=f.name() selected=f == key.field>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="sort-key">
            <select aria-label="Sort by" on:change=move |ev| {
                let Some(field) = SortField::parse(&event_target_value(&ev)) else { return };
                ed.reshape(|r| if let Some(k) = r.sort.get_mut(i) { k.field = field });
            }>{options}</select>
            <select aria-label="Direction" on:change=move |ev| {
                let descending = event_target_value(&ev) == "desc";
                ed.reshape(|r| if let Some(k) = r.sort.get_mut(i) { k.descending = descending });
            }>
                <option value="asc" selected=!key.descending>"ascending"</option>
                <option value="desc" selected=key.descending>"descending"</option>
            </select>
            <button type="button" class="icon remove" title="Remove sort key" on:click=move |_| {
                ed.reshape(|r| if i < r.sort.len() { r.sort.remove(i); });
            }>"×"<span class="visually-hidden">"Remove sort key"</span></button>
        </div>
    }
    .into_any()
}
