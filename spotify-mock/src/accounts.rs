//! The accounts service: `/authorize` (approves at once) and `/api/token`
//! (authorization code with PKCE, and refresh), with Spotify's validation
//! rules and error bodies.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{util, AccessToken, AuthCode, Shared};

/// `/authorize` and `/api/token`.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/authorize", get(authorize))
        .route("/api/token", post(token))
}

fn bad_page(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.to_string(),
    )
        .into_response()
}

/// Spotify accepts https anywhere, and plain http only on a loopback IP
/// literal; `localhost` has been refused since 2025.
fn redirect_allowed(u: &url::Url) -> bool {
    match u.scheme() {
        "https" => u.host().is_some(),
        "http" => match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        },
        _ => false,
    }
}

fn redirect_to(mut u: url::Url, pairs: &[(&str, &str)]) -> Response {
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, u.to_string())]).into_response()
}

async fn authorize(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client_id = q.get("client_id").map(String::as_str).unwrap_or_default();
    if client_id.is_empty() {
        return bad_page("INVALID_CLIENT: Invalid client");
    }
    let redirect_uri = q
        .get("redirect_uri")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(url) = url::Url::parse(redirect_uri).ok().filter(redirect_allowed) else {
        return bad_page("INVALID_CLIENT: Invalid redirect URI");
    };
    let state = q.get("state").map(String::as_str);
    // From here on the redirect URI is trusted, so errors go back to the
    // client as OAuth error parameters, like the real service does.
    let fail = |error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(st) = state {
            pairs.push(("state", st));
        }
        redirect_to(url.clone(), &pairs)
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    let challenge = q.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    let method = q.get("code_challenge_method").map(String::as_str);
    match (&challenge, method) {
        (Some(_), Some("S256")) | (None, None) => {}
        (Some(_), _) => return fail("invalid_request", "code_challenge_method must be S256"),
        (None, Some(_)) => return fail("invalid_request", "code_challenge required"),
    }
    let code = util::token(120);
    s.auth().codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            challenge,
            scope: q.get("scope").cloned().unwrap_or_default(),
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(st) = state {
        pairs.push(("state", st));
    }
    redirect_to(url, &pairs)
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// The client ID from the form or from HTTP Basic credentials.
fn client_id(form: &HashMap<String, String>, h: &HeaderMap) -> Option<String> {
    if let Some(id) = form.get("client_id").filter(|c| !c.is_empty()) {
        return Some(id.clone());
    }
    let basic = h
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?
        .trim()
        .to_string();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, _secret) = text.split_once(':')?;
    (!id.is_empty()).then(|| id.to_string())
}

/// BASE64URL-NOPAD(SHA256(verifier)), the S256 transform.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn token(State(s): State<Arc<Shared>>, h: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let grant = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    if grant.is_empty() {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type parameter is missing",
        );
    }
    if grant != "authorization_code" && grant != "refresh_token" {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token",
        );
    }
    let Some(client) = client_id(&form, &h) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client");
    };
    let mut auth = s.auth();
    let scope = if grant == "authorization_code" {
        let code = form.get("code").map(String::as_str).unwrap_or_default();
        let Some(pending) = auth.codes.get(code) else {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid authorization code",
            );
        };
        if pending.client_id != client {
            return token_error(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client");
        }
        if form.get("redirect_uri") != Some(&pending.redirect_uri) {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid redirect URI",
            );
        }
        if let Some(challenge) = &pending.challenge {
            let Some(verifier) = form.get("code_verifier") else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code_verifier required",
                );
            };
            if s256(verifier) != *challenge {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code_verifier was incorrect",
                );
            }
        }
        // Single use: only a successful exchange consumes the code, so a
        // client may retry after fixing a wrong verifier.
        let scope = pending.scope.clone();
        auth.codes.remove(code);
        scope
    } else {
        let refresh = form
            .get("refresh_token")
            .map(String::as_str)
            .unwrap_or_default();
        let Some((owner, scope)) = auth.refresh.get(refresh).cloned() else {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid refresh token",
            );
        };
        if owner != client {
            return token_error(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client");
        }
        scope
    };
    let access = util::token(160);
    let refresh = util::token(131);
    auth.tokens.insert(
        access.clone(),
        AccessToken {
            issued: Instant::now(),
            expired: false,
        },
    );
    // Old refresh tokens keep working (lenient), the new one is added.
    auth.refresh
        .insert(refresh.clone(), (client, scope.clone()));
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": 3600,
        "refresh_token": refresh,
    }))
    .into_response()
}
