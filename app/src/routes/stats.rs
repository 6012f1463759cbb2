//! Stats: what the listener heard in the last week, month, year or ever:
//! plays, minutes, skips, new tracks, the top tracks, artists and albums,
//! and listening by hour and weekday as bar charts. The charts are SVG
//! drawn with the page (no script, readable on a phone), each with a text
//! alternative and its figures in a table for screen readers.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use vault::model::{ListeningStats, SpotifyTop, StatsEntry};

use crate::components::format::count;
use crate::components::ErrorNotice;
use crate::error::AppError;

/// The periods the page offers: (query value, label).
const PERIODS: [(&str, &str); 4] = [
    ("week", "Week"),
    ("month", "Month"),
    ("year", "Year"),
    ("all", "All time"),
];

/// A calendar period on the listener's clock, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// `week`, `month`, `year` or `all`.
    pub kind: String,
    /// "Week of 2026-11-30", "November 2026", "2026", "All time".
    pub label: String,
    /// A day in the period before and after (`YYYY-MM-DD`), for the arrows;
    /// no "after" for the period that holds today.
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The year, for the yearly review link.
    pub year: Option<i16>,
    /// The time zone the hours and days are in.
    pub time_zone: String,
}

/// The bounds (ms, `[from, to)`) of the `kind` period holding the day `at`
/// (today when `None`) in the time zone `zone`, the page's view of it, and
/// the zone's offset now in minutes (for hours and weekdays).
#[cfg(feature = "ssr")]
pub fn calendar(
    kind: &str,
    at: Option<&str>,
    zone: Option<&str>,
) -> Result<(Option<i64>, Option<i64>, Period, i64), AppError> {
    use jiff::{civil::Date, tz::TimeZone, Span, Timestamp};
    let tz = match zone {
        Some(name) => TimeZone::get(name)
            .map_err(|_| AppError::Refused(format!("unknown time zone “{name}”")))?,
        None => TimeZone::UTC,
    };
    let zone_name = zone.unwrap_or("UTC").to_string();
    let now = Timestamp::now();
    let offset = i64::from(tz.to_offset(now).seconds()) / 60;
    let today = now.to_zoned(tz.clone()).date();
    let day = match at {
        Some(text) => text
            .parse::<Date>()
            .map_err(|_| AppError::Refused(format!("“{text}” is not a date written YYYY-MM-DD")))?,
        None => today,
    };
    let bad = |e: jiff::Error| AppError::Refused(format!("that date is out of range ({e})"));
    let (start, end, label) = match kind {
        "week" => {
            let start = day
                .checked_sub(Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
                .map_err(bad)?;
            (
                start,
                start.checked_add(Span::new().days(7)).map_err(bad)?,
                format!("Week of {start}"),
            )
        }
        "month" => {
            let start = day.first_of_month();
            (
                start,
                start.checked_add(Span::new().months(1)).map_err(bad)?,
                start.strftime("%B %Y").to_string(),
            )
        }
        "year" => {
            let start = day.first_of_year();
            (
                start,
                start.checked_add(Span::new().years(1)).map_err(bad)?,
                start.year().to_string(),
            )
        }
        "all" => {
            let period = Period {
                kind: "all".into(),
                label: "All time".into(),
                previous: None,
                next: None,
                year: None,
                time_zone: zone_name,
            };
            return Ok((None, None, period, offset));
        }
        other => return Err(AppError::Refused(format!("unknown period `{other}`"))),
    };
    let ms = |d: Date| -> Result<i64, AppError> {
        Ok(d.to_zoned(tz.clone())
            .map_err(bad)?
            .timestamp()
            .as_millisecond())
    };
    let previous = start
        .checked_sub(Span::new().days(1))
        .ok()
        .map(|d| d.to_string());
    let next = (end <= today).then(|| end.to_string());
    let period = Period {
        kind: kind.to_string(),
        label,
        previous,
        next,
        year: Some(start.year()),
        time_zone: zone_name,
    };
    Ok((Some(ms(start)?), Some(ms(end)?), period, offset))
}

/// Stats for the calendar period `period` (`week`, `month`, `year` or
/// `all`) holding the day `at` (today when `None`), on the listener's clock.
#[server(endpoint = "stats_for_period", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn stats_for_period(
    period: String,
    at: Option<String>,
) -> Result<(Period, ListeningStats), AppError> {
    let state = crate::state::server_state()?;
    let user = vault::model::OWNER;
    let zone = state.vault.time_zone(user).await?;
    let (from, to, view, offset) = calendar(&period, at.as_deref(), zone.as_deref())?;
    let stats = state.vault.listening_stats(user, from, to, offset).await?;
    Ok((view, stats))
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A bar chart of `values` labelled `labels`, as SVG with a text alternative.
#[component]
fn BarChart(
    title: String,
    labels: Vec<String>,
    values: Vec<i64>,
    /// Show every `label_every`th label under the bars.
    label_every: usize,
    /// What the values count.
    #[prop(default = "plays")]
    unit: &'static str,
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
        (_, Some(b)) => format!("{title}: most {unit} at {b}."),
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
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone() preserveAspectRatio="none">
                <line x1="0" x2=W.to_string() y1=BASE.to_string() y2=BASE.to_string() class="axis"/>
                {bars}
                {ticks}
            </svg>
            <table class="visually-hidden">
                <caption>{format!("{title} ({unit})")}</caption>
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
    let at = Memo::new(move |_| query.with(|q| q.get("at")));
    let stats = Resource::new(
        move || (period.get(), at.get()),
        |(p, at)| stats_for_period(p, at),
    );
    view! {
        <Title text="Stats"/>
        <h1>"Stats"</h1>
        <nav class="chips" aria-label="Period">
            {PERIODS.iter().map(|(key, label)| view! {
                <a class="chip" href=format!("/stats?period={key}") aria-current=move || (period.get() == *key).then_some("page")>{*label}</a>
            }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <p class="loading">"Counting…"</p> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok((p, s)) => view! { <StatsView period=p stats=s/> }.into_any(),
                }
            })}
        </Suspense>
        <SpotifyTops/>
    }
}

#[component]
fn StatsView(period: Period, stats: ListeningStats) -> impl IntoView {
    let s = stats;
    let link = |kind: &str, day: &str| format!("/stats?period={kind}&at={day}");
    let previous = period.previous.clone().map(|d| view! { <a class="button secondary" rel="prev" href=link(&period.kind, &d)>"‹ Earlier"</a> });
    let next = period.next.clone().map(|d| view! { <a class="button secondary" rel="next" href=link(&period.kind, &d)>"Later ›"</a> });
    let review = period.year.map(|y| view! { <a class="button primary" href=format!("/stats/review/{y}")>{format!("Your {y} in review")}</a> });
    let hour_title = format!("Listening by hour ({})", period.time_zone);
    view! {
        <div class="period-nav">
            {previous}
            <h2 data-testid="period-label">{period.label.clone()}</h2>
            {next}
            {review}
        </div>
        <dl class="facts big" data-testid="stats-summary">
            <dt>"Plays"</dt><dd>{s.plays}</dd>
            <dt>"Minutes"</dt><dd>{s.minutes}</dd>
            <dt>"Skips"</dt><dd>{s.skips}</dd>
            <dt>"New tracks"</dt><dd>{s.new_tracks}</dd>
        </dl>
        <div class="charts">
            <BarChart title=hour_title label_every=6
                labels=(0..24).map(|h| format!("{h:02}")).collect() values=s.by_hour.to_vec()/>
            <BarChart title="Listening by weekday".to_string() label_every=1
                labels=WEEKDAYS.iter().map(|d| d.to_string()).collect() values=s.by_weekday.to_vec()/>
            {(period.kind == "year").then(|| view! {
                <BarChart title="Minutes by month".to_string() label_every=1 unit="minutes"
                    labels=MONTHS.iter().map(|m| m.to_string()).collect() values=s.minutes_by_month.to_vec()/>
            })}
        </div>
        <div class="tops">
            <TopList title="Top tracks" entries=s.top_tracks base="/tracks"/>
            <TopList title="Top artists" entries=s.top_artists base="/artists"/>
            <TopList title="Top albums" entries=s.top_albums base="/albums"/>
        </div>
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Spotify's own top lists, as the last sync mirrored them.
#[server(endpoint = "stats_spotify_top", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn spotify_tops() -> Result<Vec<SpotifyTop>, AppError> {
    let state = crate::state::server_state()?;
    Ok(state.vault.spotify_top(vault::model::OWNER).await?)
}

fn range_label(range: &str) -> &'static str {
    match range {
        "short_term" => "Last 4 weeks",
        "medium_term" => "Last 6 months",
        _ => "About a year",
    }
}

/// Spotify's own top tracks and artists beside Hoard's figures.
#[component]
fn SpotifyTops() -> impl IntoView {
    let tops = Resource::new(|| (), |_| spotify_tops());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match tops.await {
                    Ok(list) if list.iter().any(|t| !t.tracks.is_empty()) => view! {
                        <section class="spotify-tops" aria-labelledby="spotify-tops-h" data-testid="spotify-tops">
                            <h2 id="spotify-tops-h">"Spotify's own top lists"</h2>
                            <p class="hint">{format!(
                                "As Spotify ranks them (it does not say how), mirrored with each sync{}.",
                                list.iter().find_map(|t| t.synced_at.clone()).map(|d| format!(", last on {}", crate::components::format::date(&d))).unwrap_or_default()
                            )}</p>
                            <div class="tops">
                                {list.into_iter().map(|t| view! {
                                    <section class="top">
                                        <h3>{range_label(&t.time_range)}</h3>
                                        <ol class="plain">
                                            {t.tracks.into_iter().map(|e| view! {
                                                <li><a href=format!("/tracks/{}", e.id)>{e.name}</a>
                                                    {e.detail.map(|d| view! { <span class="muted">{format!(" · {d}")}</span> })}</li>
                                            }).collect_view()}
                                        </ol>
                                        <p class="muted">{t.artists.into_iter().take(5).map(|a| a.name).collect::<Vec<_>>().join(", ")}</p>
                                    </section>
                                }).collect_view()}
                            </div>
                        </section>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

/// The yearly review's figures.
#[server(endpoint = "stats_year_review", input = crate::codec::Json, output = crate::codec::Json)]
pub async fn year_review(year: i16) -> Result<(Period, ListeningStats), AppError> {
    stats_for_period("year".into(), Some(format!("{year:04}-01-01"))).await
}

/// The yearly review: the year's listening as a page to scroll and an
/// image to share.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let year = Memo::new(move |_| {
        params
            .read()
            .get("year")
            .and_then(|y| y.parse::<i16>().ok())
            .unwrap_or(0)
    });
    let data = Resource::new(move || year.get(), year_review);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Looking back…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <Title text="Year in review"/><ErrorNotice error/> }.into_any(),
                    Ok((period, s)) => {
                        let y = period.year.unwrap_or_default();
                        let busiest_hour = s.by_hour.iter().enumerate().max_by_key(|(_, n)| **n).filter(|(_, n)| **n > 0).map(|(h, _)| h);
                        let busiest_day = s.by_weekday.iter().enumerate().max_by_key(|(_, n)| **n).filter(|(_, n)| **n > 0).map(|(d, _)| FULL_WEEKDAYS[d]);
                        let card = format!("/cards/review-{y}.svg");
                        view! {
                            <Title text=format!("{y} in review")/>
                            <article class="review" data-testid="review">
                                <header class="review-hero">
                                    <p class="kind">"Your year in music"</p>
                                    <h1>{y.to_string()}</h1>
                                    <p class="review-big"><span data-testid="review-minutes">{s.minutes}</span>" minutes"</p>
                                    <p class="summary">{format!("{} plays · {} skips · {} tracks heard for the first time", s.plays, s.skips, s.new_tracks)}</p>
                                </header>
                                {if s.plays == 0 {
                                    view! { <p class="empty">"Nothing was played this year, or its history has not been imported yet (Settings → History & Stats)."</p> }.into_any()
                                } else {
                                    view! {
                                        {s.top_artists.first().map(|a| view! {
                                            <section class="review-top-artist">
                                                <h2>"Your top artist"</h2>
                                                <p class="review-big"><a href=format!("/artists/{}", a.id)>{a.name.clone()}</a></p>
                                                <p class="summary">{count(a.plays, "play", "plays")}</p>
                                            </section>
                                        })}
                                        <p class="summary">
                                            {busiest_day.map(|d| format!("You listened most on {d}s"))}
                                            {busiest_hour.map(|h| format!(", most of all around {h:02}:00 ({}).", period.time_zone))}
                                        </p>
                                        <div class="charts">
                                            <BarChart title="Minutes by month".to_string() label_every=1 unit="minutes"
                                                labels=MONTHS.iter().map(|m| m.to_string()).collect() values=s.minutes_by_month.to_vec()/>
                                        </div>
                                        <div class="tops">
                                            <TopList title="Top tracks" entries=s.top_tracks.clone() base="/tracks"/>
                                            <TopList title="Top artists" entries=s.top_artists.clone() base="/artists"/>
                                            <TopList title="Top albums" entries=s.top_albums.clone() base="/albums"/>
                                        </div>
                                    }.into_any()
                                }}
                                <section class="review-share">
                                    <h2>"Share it"</h2>
                                    <img src=card.clone() width="360" height="450" alt=format!("Your {y} in music as one picture") data-testid="review-card"/>
                                    <p><a class="button primary" href=card.clone() download=format!("hoard-{y}.svg")>"Download the picture"</a></p>
                                </section>
                                <nav class="period-nav">
                                    <a class="button secondary" href=format!("/stats/review/{}", y - 1)>{format!("‹ {}", y - 1)}</a>
                                    <a class="button secondary" href=format!("/stats?period=year&at={y}-01-01")>"This year's stats"</a>
                                </nav>
                            </article>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

const FULL_WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
