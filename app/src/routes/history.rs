//! History: what the user listened to, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use vault::model::{Page, Play, PlayReport};

use crate::components::format::{date_time, duration};
use crate::components::pager::{use_page, Pager};
use crate::components::track_table::TitleCell;
use crate::components::{Empty, ErrorNotice};
use crate::error::AppError;

/// A page of listening history.
#[server(input = crate::codec::Json, output = crate::codec::Json)]
pub async fn plays(page: i64) -> Result<Page<Play>, AppError> {
    use crate::components::pager::PAGE_SIZE;
    let state = crate::state::server_state()?;
    Ok(state.vault.history(page * PAGE_SIZE, PAGE_SIZE).await?)
}

/// Plays heard in Hoard's player, from a device (online at once, or later
/// from its outbox). A play already kept (by its `client_play_id`) adds
/// nothing; returns how many were new.
#[server(endpoint = "record_plays", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn record_plays(plays: Vec<PlayReport>) -> Result<u64, AppError> {
    if plays.len() > 500 {
        return Err(AppError::Refused(
            "send at most 500 plays at once".to_string(),
        ));
    }
    let state = crate::state::server_state()?;
    Ok(state
        .vault
        .add_reported_plays(vault::model::OWNER, &plays)
        .await?)
}

/// Where a play was heard, for the History view.
fn heard_on(play: &Play) -> String {
    let source = match play.source.as_str() {
        "hoard" => "Hoard",
        "spotify-history" => "Spotify (history file)",
        _ => "Spotify",
    };
    match &play.device {
        Some(device) => format!("{source} · {device}"),
        None => source.to_string(),
    }
}

/// The History view.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let page = use_page();
    let history = Resource::new(move || page.get(), plays);
    view! {
        <Title text="History"/>
        <h1>"Listening history"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading history…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(page) if page.total == 0 => view! {
                        <Empty title="No listening history yet">
                            "What you play on Spotify and in Hoard is kept here, newest first."
                        </Empty>
                    }.into_any(),
                    Ok(page) => {
                        let (offset, total, shown) = (page.offset, page.total, page.items.len());
                        view! {
                            <table class="tracks">
                                <caption class="visually-hidden">"Listening history"</caption>
                                <thead><tr>
                                    <th scope="col" class="date">"Played"</th>
                                    <th scope="col">"Track"</th>
                                    <th scope="col" class="album">"Where"</th>
                                    <th scope="col" class="dur">"Heard"</th>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|play| {
                                        let place = heard_on(&play);
                                        let heard = play.ms_played.map_or_else(
                                            || duration(play.track.duration_ms),
                                            duration,
                                        );
                                        let skip = (!play.counted).then_some(" (skipped)");
                                        view! {
                                            <tr class:skipped=!play.counted data-testid="history-row">
                                                <td class="date">{date_time(&play.played_at)}</td>
                                                <TitleCell title=play.track.title artists=play.track.artists/>
                                                <td class="album">{place}</td>
                                                <td class="dur">{heard}{skip}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager base="/history".to_string() offset shown total/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
