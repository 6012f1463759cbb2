//! Stats: what the listener heard in the last week, month, year or ever:
//! plays, minutes, skips, new tracks, the top tracks, artists and albums,
//! and listening by hour and weekday as bar charts. The charts are SVG
//! drawn with the page (no script, readable on a phone), each with a text
//! alternative and its figures in a table for screen readers.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use vault::model::{ListeningStats, StatsEntry};

use crate::components::format::count;
use crate::components::ErrorNotice;
use crate::error::AppError;

/// The periods the page offers: (query value, label, days; 0 = all time).
const PERIODS: [(&str, &str, i64); 4] = [
    ("week", "Last 7 days", 7),
    ("month", "Last 30 days", 30),
    ("year", "Last 12 months", 365),
    ("all", "All time", 0),
];

/// Stats for a period (`week`, `month`, `year` or `all`).
#[server(endpoint = "stats_for_period", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn stats_for_period(period: String) -> Result<ListeningStats, AppError> {
    let days = PERIODS
        .iter()
        .find(|p| p.0 == period)
        .map(|p| p.2)
        .ok_or_else(|| AppError::Refused(format!("unknown period `{period}`")))?;
    let state = crate::state::server_state()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let from = (days > 0).then(|| now - days * 86_400_000);
    Ok(state
        .vault
        .listening_stats(vault::model::OWNER, from, None, 0)
        .await?)
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A bar chart of `values` labelled `labels`, as SVG with a text alternative.
#[component]
fn BarChart(
    title: &'static str,
    labels: Vec<String>,
    values: Vec<i64>,
    /// Show every `label_every`th label under the bars.
    label_every: usize,
) -> impl IntoView {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    const BASE: f64 = 100.0;
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(1) as f64;
    let slot = W / n;
    let busiest = values
        .iter()
        .enumerate()
        .max_by_key(|(_, v)| **v)
        .map(|(i, _)| labels[i].clone());
    let summary = match (values.iter().sum::<i64>(), busiest) {
        (0, _) | (_, None) => format!("{title}: nothing played in this period."),
        (_, Some(b)) => format!("{title}: most plays at {b}."),
    };
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = (*v as f64 / max) * (BASE - 8.0);
            let x = i as f64 * slot + slot * 0.15;
            view! {
                <rect x=format!("{x:.1}") y=format!("{:.1}", BASE - h) width=format!("{:.1}", slot * 0.7)
                    height=format!("{h:.1}") class="bar"><title>{format!("{}: {}", labels[i], v)}</title></rect>
            }
        })
        .collect_view();
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % label_every.max(1) == 0)
        .map(|(i, l)| {
            let x = i as f64 * slot + slot / 2.0;
            view! { <text x=format!("{x:.1}") y="116" text-anchor="middle" class="tick">{l.clone()}</text> }
        })
        .collect_view();
    let rows = labels
        .iter()
        .zip(&values)
        .map(|(l, v)| view! { <tr><th scope="row">{l.clone()}</th><td>{*v}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone() preserveAspectRatio="none">
                <line x1="0" x2=W.to_string() y1=BASE.to_string() y2=BASE.to_string() class="axis"/>
                {bars}
                {ticks}
            </svg>
            <table class="visually-hidden">
                <caption>{format!("{title} (plays)")}</caption>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

#[component]
fn TopList(title: &'static str, entries: Vec<StatsEntry>, base: &'static str) -> impl IntoView {
    let max = entries.first().map_or(1, |e| e.plays.max(1)) as f64;
    view! {
        <section class="top">
            <h2>{title}</h2>
            {if entries.is_empty() {
                view! { <p class="muted">"Nothing yet."</p> }.into_any()
            } else {
                view! {
                    <ol>
                        {entries.into_iter().map(|e| {
                            let width = format!("{:.0}%", e.plays as f64 / max * 100.0);
                            let href = (!base.is_empty()).then(|| format!("{base}/{}", e.id));
                            view! {
                                <li>
                                    <span class="top-name">
                                        {match href {
                                            Some(h) => view! { <a href=h>{e.name.clone()}</a> }.into_any(),
                                            None => view! { <span>{e.name.clone()}</span> }.into_any(),
                                        }}
                                        {e.detail.map(|d| view! { <span class="muted">{format!(" · {d}")}</span> })}
                                    </span>
                                    <span class="top-plays">{count(e.plays, "play", "plays")}</span>
                                    <span class="top-bar" aria-hidden="true" style:width=width></span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// The Stats view.
#[component]
pub fn StatsPage() -> impl IntoView {
    let query = use_query_map();
    let period = Memo::new(move |_| {
        query
            .with(|q| q.get("period"))
            .filter(|p| PERIODS.iter().any(|x| x.0 == p))
            .unwrap_or_else(|| "month".to_string())
    });
    let stats = Resource::new(move || period.get(), stats_for_period);
    view! {
        <Title text="Stats"/>
        <h1>"Stats"</h1>
        <nav class="chips" aria-label="Period">
            {PERIODS.iter().map(|(key, label, _)| view! {
                <a class="chip" href=format!("/stats?period={key}") aria-current=move || (period.get() == *key).then_some("page")>{*label}</a>
            }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <p class="loading">"Counting…"</p> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(s) => view! {
                        <dl class="facts big" data-testid="stats-summary">
                            <dt>"Plays"</dt><dd>{s.plays}</dd>
                            <dt>"Minutes"</dt><dd>{s.minutes}</dd>
                            <dt>"Skips"</dt><dd>{s.skips}</dd>
                            <dt>"New tracks"</dt><dd>{s.new_tracks}</dd>
                        </dl>
                        <div class="charts">
                            <BarChart title="Listening by hour (UTC)" label_every=6
                                labels=(0..24).map(|h| format!("{h:02}")).collect() values=s.by_hour.to_vec()/>
                            <BarChart title="Listening by weekday" label_every=1
                                labels=WEEKDAYS.iter().map(|d| d.to_string()).collect() values=s.by_weekday.to_vec()/>
                        </div>
                        <div class="tops">
                            <TopList title="Top tracks" entries=s.top_tracks base=""/>
                            <TopList title="Top artists" entries=s.top_artists base="/artists"/>
                            <TopList title="Top albums" entries=s.top_albums base="/albums"/>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
