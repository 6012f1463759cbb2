//! `GET /widget/{token}.svg`: the now-playing widget, a small public image
//! for a profile page or a README (Selfhoardify's). It shows what the
//! listening poller sees playing on Spotify, else the latest listen.
//!
//! The token is the only key: 32 random bytes, kept as a SHA-256 hash, made
//! and revoked in Settings. An unknown and a revoked token get the same 404,
//! so the image says nothing about which links ever existed. The image may be
//! shown by other sites (that is what it is for), so this route alone allows
//! cross-site loads; it carries no script, only the two lines of text.

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::router::AppState;

/// The path prefix the route answers under.
pub const PREFIX: &str = "/widget/";

/// `text` for SVG text content or an attribute: markup escaped, control characters dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `chars` characters, with an ellipsis when cut.
pub(crate) fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars - 1).collect::<String>())
    }
}

/// The widget's image: a heading ("Now playing", "Last played") and a line.
pub fn render(heading: &str, line: &str, detail: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="420" height="84" viewBox="0 0 420 84" role="img" aria-label="{label}">
<title>{label}</title>
<rect width="420" height="84" rx="10" fill="#14161a"/>
<text x="18" y="26" font-family="system-ui, sans-serif" font-size="13" fill="#f5b942">{heading}</text>
<text x="18" y="50" font-family="system-ui, sans-serif" font-size="17" font-weight="600" fill="#f2f3f5">{line}</text>
<text x="18" y="70" font-family="system-ui, sans-serif" font-size="13" fill="#a3a9b4">{detail}</text>
</svg>"##,
        label = escape(&format!("{heading}: {line} {detail}")),
        heading = escape(heading),
        line = escape(&clip(line, 40)),
        detail = escape(&clip(detail, 52)),
    )
}

/// `GET /widget/{token}.svg`.
pub async fn now_playing(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> Response {
    let Some(token) = file
        .strip_suffix(".svg")
        .filter(|t| t.len() >= 32 && t.len() <= 64)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = match state.server.vault.widget_user_for_token(token).await {
        Ok(Some(user)) => user,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "widget: database error");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let playing = state.server.listening.borrow().now_playing.clone();
    let svg = match playing {
        Some(now) => {
            let (artist, title) = now.split_once(" – ").unwrap_or(("", now.as_str()));
            render("Now playing", title, artist)
        }
        None => match state.server.vault.last_listen(user).await {
            Ok(Some((title, artists, _))) => render("Last played", &title, &artists),
            Ok(None) => render("Hoard", "Nothing played yet", ""),
            Err(e) => {
                tracing::error!(error = %e, "widget: database error");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        },
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            ),
        ],
        svg,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_clipped() {
        let svg = render("Now playing", "<script>alert(1)</script> & more", "Björk");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(render("x", &"a".repeat(100), "").contains('…'));
    }
}
