//! Ratings, loved marks and personal tags, editable wherever a track (or an
//! album, or an artist) is shown: a row, the player, a track's page.
//!
//! The stars are a radio group: arrow keys move the rating, 1–5 set it, 0
//! or Delete clears it. The heart is a toggle button. A change is saved at
//! once and shown at once; a refusal puts the old value back and says why.

use leptos::prelude::*;
use vault::model::{Id, MarkTarget, Marks, Tag};

use crate::error::AppError;

/// The listener's marks on one thing.
#[server(endpoint = "marks_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn get_marks(target: MarkTarget) -> Result<Marks, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.marks(vault::model::OWNER, target).await?)
}

/// Sets the listener's rating and loved mark on one thing.
#[server(endpoint = "marks_set", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn set_marks(target: MarkTarget, marks: Marks) -> Result<Marks, AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .set_marks(vault::model::OWNER, target, marks)
        .await?)
}

/// Every tag of the listener's, with its track count.
#[server(endpoint = "tags_list", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn list_tags() -> Result<Vec<Tag>, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.tags(vault::model::OWNER).await?)
}

/// Puts a tag on a track; returns the track's tags.
#[server(endpoint = "tags_add", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn add_track_tag(track: Id, name: String) -> Result<Vec<String>, AppError> {
    let state = crate::state::server_state()?;
    let user = vault::model::OWNER;
    state.vault.tag_tracks(user, &name, &[track]).await?;
    Ok(state.vault.track_tags(user, track).await?)
}

/// Takes a tag off a track; returns the track's tags.
#[server(endpoint = "tags_remove", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn remove_track_tag(track: Id, name: String) -> Result<Vec<String>, AppError> {
    let state = crate::state::server_state()?;
    let user = vault::model::OWNER;
    state.vault.untag_track(user, &name, track).await?;
    Ok(state.vault.track_tags(user, track).await?)
}

fn heart_path() -> &'static str {
    "M12 21s-7.5-4.6-9.6-9.3C.9 8.2 3 4.5 6.7 4.5c2.1 0 3.6 1.2 4.3 2.4h2c.7-1.2 2.2-2.4 4.3-2.4 3.7 0 5.8 3.7 4.3 7.2C19.5 16.4 12 21 12 21z"
}

/// Five stars as a radio group; `on_set` gets the new rating (`None` clears).
#[component]
pub fn Stars(
    #[prop(into)] rating: Signal<Option<i64>>,
    #[prop(into)] on_set: Callback<Option<i64>>,
    /// Whose rating, for screen readers ("Rating of Hunter").
    label: String,
) -> impl IntoView {
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let now = rating.get_untracked().unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" | "ArrowUp" => Some((now + 1).min(5)),
            "ArrowLeft" | "ArrowDown" => Some((now - 1).max(0)),
            "Home" | "0" | "Delete" | "Backspace" => Some(0),
            "End" => Some(5),
            k if k.len() == 1 && ("1"..="5").contains(&k) => k.parse().ok(),
            _ => None,
        };
        if let Some(n) = next {
            ev.prevent_default();
            ev.stop_propagation();
            on_set.run((n > 0).then_some(n));
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                // Focus follows the rating, as in any radio group.
                let group = ev
                    .current_target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                let index = n.max(1);
                if let Some(star) = group
                    .and_then(|g| {
                        g.query_selector(&format!("[data-star='{index}']"))
                            .ok()
                            .flatten()
                    })
                    .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = star.focus();
                }
            }
        }
    };
    view! {
        <span class="stars" role="radiogroup" aria-label=label on:keydown=keydown data-testid="stars">
            {(1..=5i64)
                .map(|n| {
                    let checked = move || rating.get() == Some(n);
                    let lit = move || rating.get().is_some_and(|r| r >= n);
                    // One star is in the tab order: the rating's, or the first.
                    let tab = move || if rating.get().unwrap_or(1) == n { "0" } else { "-1" };
                    let name = if n == 1 { "1 star".to_string() } else { format!("{n} stars") };
                    view! {
                        // The star is drawn by the stylesheet (one element per
                        // star: a list shows a row of them per track).
                        <button type="button" role="radio" class="star" class:lit=lit
                            aria-checked=move || checked().to_string() tabindex=tab data-star=n
                            aria-label=name
                            on:click=move |_| on_set.run(if checked() { None } else { Some(n) })>
                        </button>
                    }
                })
                .collect_view()}
        </span>
    }
}

/// A heart that toggles "loved".
#[component]
pub fn LoveButton(
    #[prop(into)] loved: Signal<bool>,
    #[prop(into)] on_set: Callback<bool>,
    /// What is loved, for screen readers ("Love Hunter").
    label: String,
) -> impl IntoView {
    view! {
        <button type="button" class="love" class:on=move || loved.get()
            aria-pressed=move || loved.get().to_string() title="Loved" aria-label=label
            on:click=move |_| on_set.run(!loved.get_untracked()) data-testid="love">
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d=heart_path()/></svg>
        </button>
    }
}

/// Stars and a heart for `target`, saved as they change. Without `initial`
/// the current marks are fetched.
#[component]
pub fn MarkControls(
    target: MarkTarget,
    #[prop(optional)] initial: Option<Marks>,
    /// What the marks are on, for labels ("Hunter").
    name: String,
    /// Stars hidden (rows, where space is short, show only the heart).
    #[prop(optional)]
    heart_only: bool,
    /// Toggles "loved" each time it changes (the player's H key).
    #[prop(optional, into)]
    toggle_love: Option<Signal<u32>>,
) -> impl IntoView {
    let marks = RwSignal::new(initial.unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let in_flight = StoredValue::new(false);
    let saved = StoredValue::new(initial.unwrap_or_default());
    // Effects run in the browser only: the server renders no marks it was not given.
    if initial.is_none() {
        Effect::new(move |_| {
            leptos::task::spawn_local(async move {
                if let Ok(m) = get_marks(target).await {
                    saved.set_value(m);
                    marks.set(m);
                }
            });
        });
    }
    // One request at a time, the latest value last: quick changes (a click,
    // then an arrow key) must not reach the server out of order.
    fn flush(
        target: MarkTarget,
        marks: RwSignal<Marks>,
        error: RwSignal<Option<String>>,
        in_flight: StoredValue<bool>,
        saved: StoredValue<Marks>,
    ) {
        let wanted = marks.get_untracked();
        if in_flight.get_value() || wanted == saved.get_value() {
            return;
        }
        in_flight.set_value(true);
        leptos::task::spawn_local(async move {
            let result = set_marks(target, wanted).await;
            in_flight.set_value(false);
            match result {
                Ok(m) => {
                    saved.set_value(m);
                    flush(target, marks, error, in_flight, saved);
                }
                Err(e) => {
                    marks.set(saved.get_value());
                    error.set(Some(e.to_string()));
                }
            }
        });
    }
    let save = move |next: Marks| {
        marks.set(next);
        error.set(None);
        flush(target, marks, error, in_flight, saved);
    };
    if let Some(requests) = toggle_love {
        Effect::new(move |seen: Option<u32>| {
            let n = requests.get();
            if seen.is_some_and(|s| s != n) {
                let m = marks.get_untracked();
                save(Marks {
                    loved: !m.loved,
                    ..m
                });
            }
            n
        });
    }
    let rating = Signal::derive(move || marks.get().rating);
    let loved = Signal::derive(move || marks.get().loved);
    let stars = (!heart_only).then(|| {
        view! {
            <Stars rating label=format!("Rating of {name}")
                on_set=move |r| save(Marks { rating: r, ..marks.get_untracked() })/>
        }
    });
    view! {
        <span class="marks">
            {stars}
            <LoveButton loved label=format!("Love {name}")
                on_set=move |l| save(Marks { loved: l, ..marks.get_untracked() })/>
            {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
        </span>
    }
}

/// A track's personal tags: remove one with its ×, add one by typing (the
/// listener's other tags are offered as suggestions).
#[component]
pub fn TagEditor(track: Id, initial: Vec<String>, title: String) -> impl IntoView {
    let tags = RwSignal::new(initial);
    let known = RwSignal::new(Vec::<Tag>::new());
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(all) = list_tags().await {
                known.set(all);
            }
        });
    });
    let add = move || {
        let name = draft.get_untracked();
        if name.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match add_track_tag(track, name).await {
                Ok(now) => {
                    tags.set(now);
                    draft.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let remove = move |name: String| {
        leptos::task::spawn_local(async move {
            match remove_track_tag(track, name).await {
                Ok(now) => tags.set(now),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let list_id = format!("tags-for-{track}");
    view! {
        <div class="tag-editor" data-testid="tag-editor">
            <ul class="tag-list" aria-label=format!("Tags of {title}")>
                <For each=move || tags.get() key=|t| t.clone() let:name>
                    <li class="tag">
                        <a href=format!("/?tag={}", crate::components::format::urlencode(&name))>{name.clone()}</a>
                        <button type="button" class="icon remove" title="Remove tag"
                            on:click={let name = name.clone(); move |_| remove(name.clone())}>
                            "×"<span class="visually-hidden">{format!("Remove tag {name}")}</span>
                        </button>
                    </li>
                </For>
            </ul>
            <form class="tag-add" on:submit=move |ev| { ev.prevent_default(); add(); }>
                <label>
                    <span class="visually-hidden">"Add a tag"</span>
                    <input type="text" placeholder="Add a tag" list=list_id.clone() maxlength="60"
                        bind:value=draft data-testid="tag-input"/>
                </label>
                <datalist id=list_id>
                    {move || known.get().into_iter().map(|t| view! { <option value=t.name/> }).collect_view()}
                </datalist>
                <button type="submit" class="secondary">"Add"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
