//! Password login and session cookies.
//!
//! With no `password_hash` configured the server only listens on loopback and
//! this layer lets everything through. With one, every route but the login
//! page, the health check and the static assets needs a session cookie. The
//! cookie holds a random token; the vault stores only its SHA-256, so a copy
//! of the database does not log anyone in.

use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Form, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::router::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "hoard_session";

/// How long a wrong password holds up all password checks.
const FAILED_LOGIN_DELAY: Duration = Duration::from_millis(750);

/// Paths that answer without a session. Spotify's redirect back to
/// `/spotify/callback` is a cross-site navigation, which a `SameSite=Strict`
/// cookie does not accompany; the callback is guarded by its one-time
/// `state` instead, which only the session that pressed Connect knows.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/health"
            | "/favicon.svg"
            | "/robots.txt"
            | "/spotify/callback"
            // Browsers fetch the manifest without cookies; it and the icons
            // say nothing about the vault.
            | "/manifest.webmanifest"
            // The service worker script is the same for everyone.
            | "/sw.js"
            // Browsers send violation reports without cookies; they are only logged.
            | crate::boundary::CSP_REPORT_PATH
    ) || path.starts_with("/pkg/")
        || path.starts_with("/icons/")
        // The now-playing widget: its unguessable token is its key.
        || path.starts_with(crate::widget::PREFIX)
        // Subsonic apps authenticate every request themselves (an API key
        // or the Subsonic password); the session cookie is never used there.
        || crate::subsonic::is_api_path(path)
}

/// Lets a request through when no password is set, the path is public, or the session is valid.
pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.password_hash.is_none() || is_public(request.uri().path()) {
        return next.run(request).await;
    }
    if let Some(token) = session_token(request.headers()) {
        match state
            .server
            .vault
            .session_is_valid(&hash_token(&token))
            .await
        {
            Ok(true) => return next.run(request).await,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "could not check a session");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    if request.method() == Method::GET {
        let next_path = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(next_path, percent_encoding::NON_ALPHANUMERIC)
        );
        Redirect::to(&target).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "Sign in first.").into_response()
    }
}

/// The `next` parameter of the login page.
#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    password: String,
    next: Option<String>,
}

/// `GET /login`: the sign-in form.
pub async fn login_page(State(state): State<AppState>, Query(q): Query<NextParam>) -> Html<String> {
    let css = app::stylesheet_href(&state.leptos_options);
    Html(login_html(&css, &safe_next(q.next.as_deref()), None))
}

/// `POST /login`: checks the password and starts a session.
pub async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let next = safe_next(form.next.as_deref());
    let Some(hash) = state.password_hash.clone() else {
        return Redirect::to(&next).into_response();
    };
    let password = form.password;
    let turn = state.login_gate.lock().await;
    let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    if !matches {
        tracing::warn!("failed login attempt");
        // Held with the gate: each wrong guess costs every guesser this long.
        tokio::time::sleep(FAILED_LOGIN_DELAY).await;
        drop(turn);
        let css = app::stylesheet_href(&state.leptos_options);
        let body = login_html(&css, &next, Some("That password is not right."));
        return (StatusCode::UNAUTHORIZED, Html(body)).into_response();
    }
    let token = match new_token() {
        Ok(token) => token,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a session token");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let lifetime = Duration::from_secs(u64::from(state.session_days) * 24 * 3600);
    let expires = time_after(lifetime);
    if let Err(e) = state
        .server
        .vault
        .create_session(&hash_token(&token), &expires)
        .await
    {
        tracing::error!(error = %e, "could not store a session");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        lifetime.as_secs(),
        secure(&state)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// `POST /logout`: ends the session, clears the cookie and tells the
/// browser to drop what this site stored (the service worker's caches, the
/// music kept in IndexedDB), so a shared device keeps nothing of the vault.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(e) = state.server.vault.delete_session(&hash_token(&token)).await {
            tracing::error!(error = %e, "could not delete a session");
        }
    }
    let cookie = format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        secure(&state)
    );
    (
        [
            (header::SET_COOKIE, cookie),
            (
                header::HeaderName::from_static("clear-site-data"),
                "\"cache\", \"storage\"".to_owned(),
            ),
        ],
        Redirect::to("/login"),
    )
        .into_response()
}

/// The cookie attribute that keeps it to https, when Hoard is reached by https.
fn secure(state: &AppState) -> &'static str {
    if state.boundary.secure_cookie {
        "; Secure"
    } else {
        ""
    }
}

/// Hashes a password for the `password_hash` setting.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An ISO 8601 UTC time `after` from now, the vault's time format.
fn time_after(after: Duration) -> String {
    let at = time::OffsetDateTime::now_utc() + after;
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Only same-site paths are followed after login, never another origin.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn login_html(stylesheet: &str, next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| {
            format!(
                r#"<p class="notice error" role="alert">{}</p>"#,
                escape_html(e)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Hoard</title><link rel="stylesheet" href="{stylesheet}"><link rel="icon" href="/favicon.svg" type="image/svg+xml"></head>
<body><main id="main" class="login"><h1>Hoard</h1>{error}
<form method="post" action="/login"><input type="hidden" name="next" value="{next}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></main></body></html>"#,
        next = escape_html(next),
        stylesheet = escape_html(stylesheet)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "Correct horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn login_only_redirects_within_the_site() {
        assert_eq!(safe_next(Some("/playlists?page=2")), "/playlists?page=2");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; hoard_session=abc; b=2".parse().expect("header"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
        headers.insert(header::COOKIE, "hoard_session=".parse().expect("header"));
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn expiry_times_sort_like_the_vaults_times() {
        let soon = time_after(Duration::from_secs(60));
        let later = time_after(Duration::from_secs(86_400));
        assert!(soon.ends_with('Z') && soon.len() == 20, "{soon}");
        assert!(soon < later);
    }
}
