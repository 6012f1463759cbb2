//! Settings → Subsonic apps: the address, user name, API keys (made and
//! revoked here) and the separate Subsonic password that apps without API
//! keys use. The API itself is `server/src/subsonic`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// An API key as the panel lists it; the key itself is shown only once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub last_client: Option<String>,
}

/// What the panel shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsonicAccess {
    pub user: String,
    pub has_password: bool,
    pub keys: Vec<ApiKeyInfo>,
}

/// The shortest and longest Subsonic password taken.
#[cfg(feature = "ssr")]
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 12..=128;

#[server(endpoint = "subsonic_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn subsonic_settings() -> Result<SubsonicAccess, AppError> {
    let state = crate::state::server_state()?;
    let user = vault::model::OWNER;
    let (name, has_password) = state.vault.subsonic_account(user).await?;
    let keys = state
        .vault
        .subsonic_keys(user)
        .await?
        .into_iter()
        .map(|k| ApiKeyInfo {
            id: k.id,
            name: k.name,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            last_client: k.last_client,
        })
        .collect();
    Ok(SubsonicAccess {
        user: name,
        has_password,
        keys,
    })
}

/// Makes an API key for the app named; returns it (the only time it is seen).
#[server(endpoint = "subsonic_key_new", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn new_subsonic_key(name: String) -> Result<String, AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .create_subsonic_key(vault::model::OWNER, &name)
        .await?)
}

#[server(endpoint = "subsonic_key_revoke", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn revoke_subsonic_key(id: i64) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .revoke_subsonic_key(vault::model::OWNER, id)
        .await?)
}

/// Sets (sealed with the server's key) or clears the Subsonic password.
#[server(endpoint = "subsonic_password", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn set_subsonic_password(password: Option<String>) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    let sealed = match password {
        None => None,
        Some(p) if !PASSWORD_CHARS.contains(&p.chars().count()) => {
            return Err(AppError::Refused(format!(
                "Subsonic password: {} to {} characters, please.",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            )))
        }
        Some(p) => Some(state.syncer.secrets().seal(&p).map_err(|e| {
            tracing::error!(error = %e, "cannot seal a Subsonic password");
            AppError::Database
        })?),
    };
    Ok(state
        .vault
        .set_subsonic_password(vault::model::OWNER, sealed.as_deref())
        .await?)
}

/// The Settings panel.
#[component]
pub fn SubsonicPanel() -> impl IntoView {
    let data = RwSignal::new(None::<Result<SubsonicAccess, AppError>>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let shown_key = RwSignal::new(None::<String>);
    let app_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let origin = RwSignal::new(String::new());
    let load = move || {
        leptos::task::spawn_local(async move {
            data.set(Some(subsonic_settings().await));
        });
    };
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(o) = web_sys::window().and_then(|w| w.location().origin().ok()) {
            origin.set(o);
        }
        load();
    });
    let make = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = app_name.get_untracked();
        leptos::task::spawn_local(async move {
            match new_subsonic_key(name).await {
                Ok(key) => {
                    shown_key.set(Some(key));
                    app_name.set(String::new());
                    message.set(None);
                    load();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    let revoke = move |id: i64, name: String| {
        leptos::task::spawn_local(async move {
            match revoke_subsonic_key(id).await {
                Ok(()) => {
                    shown_key.set(None);
                    message.set(Some(Ok(format!(
                        "The key for {name} is revoked: apps using it are signed out."
                    ))));
                    load();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    let save_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = password.get_untracked();
        leptos::task::spawn_local(async move {
            match set_subsonic_password(Some(p)).await {
                Ok(()) => {
                    password.set(String::new());
                    message.set(Some(Ok("The Subsonic password is set.".into())));
                    load();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    let clear_password = move |_| {
        leptos::task::spawn_local(async move {
            match set_subsonic_password(None).await {
                Ok(()) => {
                    message.set(Some(Ok(
                        "The Subsonic password is removed: apps signed in with it are signed out."
                            .into(),
                    )));
                    load();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="subsonic-h" data-testid="subsonic">
            <h2 id="subsonic-h">"Subsonic apps"</h2>
            <p class="hint">"Apps such as Symfonium, DSub, Tempo, Amperfy, Feishin and Substreamer can browse, play and download what the vault has files for, and their stars, ratings, plays and playlists are yours here too."</p>
            {move || match data.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(access)) => {
                    let keys = access.keys.clone();
                    view! {
                        <dl class="facts">
                            <dt>"Server address"</dt>
                            <dd><code data-testid="subsonic-address">{move || origin.get()}</code></dd>
                            <dt>"User name"</dt>
                            <dd><code data-testid="subsonic-user">{access.user.clone()}</code></dd>
                        </dl>
                        <h3>"API keys"</h3>
                        <p class="hint">"The safest way in: one key per app, revoked here when a phone is lost. Apps that support OpenSubsonic's API keys ask for the key instead of a password."</p>
                        {if keys.is_empty() {
                            view! { <p data-testid="subsonic-no-keys">"No keys yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain" data-testid="subsonic-keys">
                                    {keys.into_iter().map(|k| {
                                        let used = match (&k.last_used_at, &k.last_client) {
                                            (Some(at), Some(client)) => format!("last used {} by {client}", crate::components::format::date(at)),
                                            (Some(at), None) => format!("last used {}", crate::components::format::date(at)),
                                            _ => "not used yet".to_string(),
                                        };
                                        let name = k.name.clone();
                                        let label = format!("Revoke the key for {}", k.name);
                                        view! {
                                            <li>
                                                <strong>{k.name.clone()}</strong>
                                                {format!(" — made {}, {used} ", crate::components::format::date(&k.created_at))}
                                                <button type="button" class="secondary danger" aria-label=label
                                                    on:click=move |_| revoke(k.id, name.clone())>"Revoke"</button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <form class="inline" on:submit=make>
                            <label class="field">
                                "App"
                                <input type="text" required maxlength="100" placeholder="Symfonium on my phone"
                                    data-testid="subsonic-key-name"
                                    prop:value=move || app_name.get()
                                    on:input=move |ev| app_name.set(event_target_value(&ev))/>
                            </label>
                            <button type="submit" data-testid="subsonic-key-make">"Make a key"</button>
                        </form>
                        <h3>"Subsonic password"</h3>
                        <p class="hint">"For apps without API keys. It is not your login password: Subsonic's token sign-in needs the password itself, so Hoard keeps this one encrypted with the server's key, like the Spotify token. Use a password you use nowhere else."</p>
                        <p data-testid="subsonic-password-state">{if access.has_password { "A Subsonic password is set." } else { "No Subsonic password: only API keys sign in." }}</p>
                        <form class="inline" on:submit=save_password>
                            <label class="field">
                                "New Subsonic password"
                                <input type="password" required minlength="12" maxlength="128" autocomplete="new-password"
                                    data-testid="subsonic-password"
                                    prop:value=move || password.get()
                                    on:input=move |ev| password.set(event_target_value(&ev))/>
                            </label>
                            <button type="submit" data-testid="subsonic-password-save">"Set"</button>
                            {access.has_password.then(|| view! {
                                <button type="button" class="secondary danger" on:click=clear_password>"Remove"</button>
                            })}
                        </form>
                    }.into_any()
                }
            }}
            {move || shown_key.get().map(|key| view! {
                <div class="notice" role="status">
                    <p>"The key (shown this once; Hoard keeps only a hash of it). Enter it in the app with the server address above:"</p>
                    <p><code data-testid="subsonic-key">{key}</code></p>
                </div>
            })}
            {move || message.get().map(|result| view! { <crate::components::Outcome result/> })}
        </section>
    }
}
