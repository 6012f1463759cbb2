//! `GET /cards/review-{year}.svg`: the yearly review as one image to share
//! (1080 × 1350, the size photo apps and stories take): minutes, plays,
//! the top artist and the top five tracks and artists. Drawn as SVG text
//! from the same figures the review page shows; behind the login like the
//! page, so a listener shares the image, not the vault.

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vault::model::ListeningStats;

use crate::router::AppState;
use crate::widget::{clip, escape};

/// The card for `year` from its stats.
pub fn card(year: i16, stats: &ListeningStats) -> String {
    let mut lines = Vec::new();
    let mut text = |x: u32, y: u32, size: u32, weight: u32, fill: &str, body: &str| {
        lines.push(format!(
            r#"<text x="{x}" y="{y}" font-family="system-ui, sans-serif" font-size="{size}" font-weight="{weight}" fill="{fill}">{}</text>"#,
            escape(body)
        ));
    };
    text(80, 140, 44, 600, "#f5b942", &format!("{year} in music"));
    text(80, 330, 180, 800, "#f2f3f5", &stats.minutes.to_string());
    text(
        80,
        400,
        44,
        500,
        "#a3a9b4",
        &format!(
            "minutes · {} plays · {} new tracks",
            stats.plays, stats.new_tracks
        ),
    );
    if let Some(artist) = stats.top_artists.first() {
        text(80, 520, 36, 500, "#a3a9b4", "Top artist");
        text(80, 600, 72, 800, "#f2f3f5", &clip(&artist.name, 24));
    }
    text(80, 720, 36, 500, "#a3a9b4", "Top tracks");
    for (i, t) in stats.top_tracks.iter().take(5).enumerate() {
        text(
            80,
            780 + 56 * i as u32,
            38,
            600,
            "#f2f3f5",
            &format!("{}. {}", i + 1, clip(&t.name, 36)),
        );
    }
    text(80, 1100, 36, 500, "#a3a9b4", "Top artists");
    let artists: Vec<String> = stats
        .top_artists
        .iter()
        .take(5)
        .map(|a| a.name.clone())
        .collect();
    text(
        80,
        1160,
        36,
        600,
        "#f2f3f5",
        &clip(&artists.join(" · "), 52),
    );
    text(80, 1290, 28, 500, "#6b7280", "Kept by Hoard");
    let label = format!(
        "{year} in music: {} minutes, {} plays{}",
        stats.minutes,
        stats.plays,
        stats
            .top_artists
            .first()
            .map(|a| format!(", top artist {}", a.name))
            .unwrap_or_default()
    );
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1350" viewBox="0 0 1080 1350" role="img" aria-label="{label}">
<title>{label}</title>
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#272b33"/><stop offset="1" stop-color="#14161a"/></linearGradient></defs>
<rect width="1080" height="1350" fill="url(#g)"/>
{}
</svg>"##,
        lines.join("\n"),
        label = escape(&label),
    )
}

/// `GET /cards/{file}` with `file` = `review-{year}.svg`.
pub async fn review_card(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> Response {
    let Some(year) = file
        .strip_prefix("review-")
        .and_then(|f| f.strip_suffix(".svg"))
        .and_then(|y| y.parse::<i16>().ok())
        .filter(|y| (1900..=9999).contains(y))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let vault = &state.server.vault;
    let user = vault::model::OWNER;
    let zone = match vault.time_zone(user).await {
        Ok(zone) => zone,
        Err(e) => {
            tracing::error!(error = %e, "review card: database error");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let day = format!("{year}-01-01");
    let Ok((from, to, _, offset)) =
        app::routes::stats::calendar("year", Some(&day), zone.as_deref())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match vault.listening_stats(user, from, to, offset).await {
        Ok(stats) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("image/svg+xml; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            card(year, &stats),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "review card: database error");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::model::StatsEntry;

    #[test]
    fn the_card_names_the_year_the_minutes_and_the_top_artist_safely() {
        let stats = ListeningStats {
            minutes: 12_345,
            plays: 4_000,
            top_artists: vec![StatsEntry {
                id: 1,
                name: "Björk <3".into(),
                detail: None,
                plays: 300,
            }],
            ..Default::default()
        };
        let svg = card(2026, &stats);
        assert!(
            svg.contains("2026 in music") && svg.contains("12345") && svg.contains("Björk &lt;3")
        );
        assert!(!svg.contains("<3"));
    }
}
