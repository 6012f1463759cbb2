//! Settings that are the listener's own: the time zone stats are counted
//! in, and the public now-playing widget's link.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The listener's time zone and widget, for the panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Personal {
    pub time_zone: Option<String>,
    /// Every zone name the server knows, sorted.
    pub zones: Vec<String>,
    /// When the live widget link was made, if there is one.
    pub widget_since: Option<String>,
}

/// The panel's data.
#[server(endpoint = "personal_get", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn personal_settings() -> Result<Personal, AppError> {
    let state = crate::state::server_state()?;
    let user = vault::model::OWNER;
    let mut zones: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    zones.sort();
    Ok(Personal {
        time_zone: state.vault.time_zone(user).await?,
        zones,
        widget_since: state.vault.widget_created(user).await?,
    })
}

/// Sets the listener's time zone (`None` or empty: UTC). A name the time
/// zone database does not know is refused, naming the setting.
#[server(endpoint = "personal_time_zone", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn set_time_zone(zone: Option<String>) -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    let zone = zone.map(|z| z.trim().to_string()).filter(|z| !z.is_empty());
    if let Some(name) = &zone {
        if jiff::tz::TimeZone::get(name).is_err() {
            return Err(AppError::Refused(format!(
                "Time zone: “{name}” is not a zone name such as Europe/Berlin or America/New_York."
            )));
        }
    }
    Ok(state
        .vault
        .set_time_zone(vault::model::OWNER, zone.as_deref())
        .await?)
}

/// Makes a new widget link (the old one stops working) and returns its path.
#[server(endpoint = "personal_widget_new", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn new_widget_link() -> Result<String, AppError> {
    let state = crate::state::server_state()?;
    let token = state.vault.new_widget_token(vault::model::OWNER).await?;
    Ok(format!("/widget/{token}.svg"))
}

/// Revokes the widget link.
#[server(endpoint = "personal_widget_revoke", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn revoke_widget_link() -> Result<(), AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.revoke_widget_token(vault::model::OWNER).await?)
}

/// The Settings panel.
#[component]
pub fn PersonalPanel() -> impl IntoView {
    let data = RwSignal::new(None::<Result<Personal, AppError>>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let link = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            data.set(Some(personal_settings().await));
        });
    };
    Effect::new(move |_| load());
    let choose = move |ev: leptos::ev::Event| {
        let zone = Some(event_target_value(&ev)).filter(|z| !z.is_empty());
        leptos::task::spawn_local(async move {
            let shown = zone.clone().unwrap_or_else(|| "UTC".into());
            message.set(Some(match set_time_zone(zone).await {
                Ok(()) => Ok(format!("Stats now count hours and days in {shown}.")),
                Err(e) => Err(e.to_string()),
            }));
        });
    };
    let make = move |_| {
        leptos::task::spawn_local(async move {
            match new_widget_link().await {
                Ok(path) => {
                    #[cfg(feature = "hydrate")]
                    let path = web_sys::window()
                        .and_then(|w| w.location().origin().ok())
                        .map(|o| format!("{o}{path}"))
                        .unwrap_or(path);
                    link.set(Some(path));
                    load();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    let revoke = move |_| {
        leptos::task::spawn_local(async move {
            match revoke_widget_link().await {
                Ok(()) => {
                    link.set(None);
                    message.set(Some(Ok(
                        "The widget link is revoked: the image no longer answers.".into(),
                    )));
                    load();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="personal-h" data-testid="personal">
            <h2 id="personal-h">"You"</h2>
            {move || match data.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(p)) => {
                    let current = p.time_zone.clone().unwrap_or_default();
                    view! {
                        <label class="field">
                            "Time zone for stats"
                            <select on:change=choose data-testid="time-zone">
                                <option value="" selected=current.is_empty()>"UTC"</option>
                                {p.zones.iter().map(|z| view! { <option value=z.clone() selected=*z == current>{z.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <h3>"Now-playing widget"</h3>
                        <p class="hint">"A small picture of what you are playing (or played last), at a secret address you can put on a profile page. Anyone with the address sees it; revoke it to stop that."</p>
                        {match p.widget_since.clone() {
                            Some(since) => view! {
                                <p>{format!("A link made on {} is live.", crate::components::format::date(&since))}</p>
                                <button type="button" class="secondary" on:click=make>"Make a new link (the old one stops)"</button>
                                <button type="button" class="secondary danger" on:click=revoke data-testid="widget-revoke">"Revoke"</button>
                            }.into_any(),
                            None => view! {
                                <button type="button" class="secondary" on:click=make data-testid="widget-make">"Make a widget link"</button>
                            }.into_any(),
                        }}
                    }.into_any()
                }
            }}
            {move || link.get().map(|url| view! {
                <div class="notice" role="status">
                    <p>"The link (shown this once; Hoard keeps only a hash of it):"</p>
                    <p><code data-testid="widget-url">{url.clone()}</code></p>
                    <img src=url alt="The now-playing widget" width="420" height="84"/>
                </div>
            })}
            {move || message.get().map(|result| view! { <crate::components::Outcome result/> })}
        </section>
    }
}
