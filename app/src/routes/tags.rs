//! The listener's personal tags: how many tracks carry each, and renaming,
//! merging and deleting them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use vault::model::{Id, Tag};

use crate::components::format::{count, urlencode};
use crate::components::marks::list_tags;
use crate::components::Empty;
use crate::error::AppError;

/// Renames a tag (a name another tag has is refused: merge instead).
#[server(endpoint = "tags_rename", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn rename_tag(tag: Id, name: String) -> Result<Tag, AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .rename_tag(vault::model::OWNER, tag, &name)
        .await?)
}

/// Merges tag `from` into tag `into`.
#[server(endpoint = "tags_merge", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn merge_tags(from: Id, into: Id) -> Result<Tag, AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .merge_tags(vault::model::OWNER, from, into)
        .await?)
}

/// Deletes a tag from every track.
#[server(endpoint = "tags_delete", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn delete_tag(tag: Id) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.delete_tag(vault::model::OWNER, tag).await?)
}

/// The tags view.
#[component]
pub fn TagsPage() -> impl IntoView {
    let tags = RwSignal::new(None::<Result<Vec<Tag>, AppError>>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            tags.set(Some(list_tags().await));
        });
    };
    Effect::new(move |_| reload());
    let done = move |result: Result<String, AppError>| {
        message.set(Some(result.map_err(|e| e.to_string())));
        reload();
    };
    view! {
        <Title text="Tags"/>
        <h1>"Tags"</h1>
        <p class="summary">"Your own labels for tracks. Add them on a track's page; filter any list by one."</p>
        {move || message.get().map(|result| view! { <crate::components::Outcome result/> })}
        {move || match tags.get() {
            None => view! { <p class="loading">"Loading tags…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <Empty title="No tags yet">"Open a track and type a tag under its rating: “road trip”, “focus”, “wedding”."</Empty>
            }.into_any(),
            Some(Ok(list)) => {
                let others = list.clone();
                view! {
                    <table class="tags-table" data-testid="tags">
                        <caption class="visually-hidden">"Your tags"</caption>
                        <thead><tr><th scope="col">"Tag"</th><th scope="col">"Tracks"</th><th scope="col">"Rename"</th><th scope="col">"Merge into"</th><th scope="col"><span class="visually-hidden">"Delete"</span></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|tag| view! { <TagRow tag others=others.clone() done/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }
        }}
    }
}

#[component]
fn TagRow(
    tag: Tag,
    others: Vec<Tag>,
    #[prop(into)] done: Callback<Result<String, AppError>>,
) -> impl IntoView {
    let name = RwSignal::new(tag.name.clone());
    let into = RwSignal::new(String::new());
    let id = tag.id;
    let old = tag.name.clone();
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = name.get_untracked();
        let old = old.clone();
        leptos::task::spawn_local(async move {
            done.run(
                rename_tag(id, new)
                    .await
                    .map(|t| format!("“{old}” is now “{}”.", t.name)),
            );
        });
    };
    let from = tag.name.clone();
    let merge = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(target) = into.get_untracked().parse::<Id>() else {
            return;
        };
        let from = from.clone();
        leptos::task::spawn_local(async move {
            done.run(merge_tags(id, target).await.map(|t| {
                format!(
                    "“{from}” merged into “{}”: {}.",
                    t.name,
                    count(t.tracks, "track", "tracks")
                )
            }));
        });
    };
    let gone = tag.name.clone();
    let delete = move |_| {
        let gone = gone.clone();
        leptos::task::spawn_local(async move {
            done.run(delete_tag(id).await.map(|_| format!("“{gone}” deleted.")));
        });
    };
    let label = tag.name.clone();
    let merge_label = format!("Merge {} into", tag.name);
    view! {
        <tr>
            <th scope="row"><A href=format!("/?tag={}", urlencode(&tag.name))>{tag.name.clone()}</A></th>
            <td>{tag.tracks}</td>
            <td>
                <form class="inline" on:submit=rename>
                    <label><span class="visually-hidden">{format!("New name for {label}")}</span>
                        <input type="text" bind:value=name maxlength="60" required/></label>
                    <button type="submit" class="secondary">"Rename"</button>
                </form>
            </td>
            <td>
                <form class="inline" on:submit=merge>
                    <label><span class="visually-hidden">{merge_label}</span>
                        <select bind:value=into>
                            <option value="">"—"</option>
                            {others.into_iter().filter(|o| o.id != id).map(|o| view! { <option value=o.id.to_string()>{o.name}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="secondary">"Merge"</button>
                </form>
            </td>
            <td><button type="button" class="secondary danger" on:click=delete>"Delete"</button></td>
        </tr>
    }
}
