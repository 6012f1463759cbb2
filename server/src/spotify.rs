//! The two plain routes of connecting Spotify: `POST /spotify/connect` sends
//! the browser to Spotify's authorize page, and `GET /spotify/callback` takes
//! the code Spotify sends back, stores the (encrypted) refresh token and
//! starts the first sync. Everything else about Spotify is server functions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use hoard_sync::auth::PendingConnection;
use serde::Deserialize;

use crate::router::AppState;

/// How long a user may take on Spotify's page before the connection is forgotten.
const PENDING_FOR: Duration = Duration::from_secs(15 * 60);

/// Connections waiting for their callback, by `state`.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<HashMap<String, (PendingConnection, Instant)>>>);

impl Pending {
    fn insert(&self, pending: PendingConnection) {
        if let Ok(mut map) = self.0.lock() {
            map.retain(|_, (_, at)| at.elapsed() < PENDING_FOR);
            map.insert(pending.state.clone(), (pending, Instant::now()));
        }
    }

    fn take(&self, state: &str) -> Option<PendingConnection> {
        let mut map = self.0.lock().ok()?;
        map.remove(state)
            .filter(|(_, at)| at.elapsed() < PENDING_FOR)
            .map(|(p, _)| p)
    }
}

#[derive(Deserialize)]
pub struct ConnectForm {
    client_id: String,
}

/// Back to Settings with a message for the user.
fn back_with_error(message: &str) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    Redirect::to(&format!("/settings?spotify_error={encoded}")).into_response()
}

/// `POST /spotify/connect`: to Spotify's authorize page with a PKCE challenge.
pub async fn connect(State(state): State<AppState>, Form(form): Form<ConnectForm>) -> Response {
    let setup = &state.server.spotify;
    let endpoints = state.server.syncer.options().endpoints.clone();
    match hoard_sync::auth::begin(&endpoints, &form.client_id, &setup.redirect_uri) {
        Ok(pending) => {
            let url = pending.authorize_url.clone();
            state.pending.insert(pending);
            Redirect::to(&url).into_response()
        }
        Err(message) => back_with_error(&message),
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /spotify/callback`: trades the code for tokens and starts the first sync.
pub async fn callback(State(state): State<AppState>, Query(query): Query<Callback>) -> Response {
    if let Some(error) = query.error {
        let message = if error == "access_denied" {
            "you declined access on Spotify's page".to_owned()
        } else {
            format!("Spotify said `{error}`")
        };
        return back_with_error(&message);
    }
    let (Some(code), Some(key)) = (query.code, query.state) else {
        return back_with_error("the callback from Spotify had no code");
    };
    let Some(pending) = state.pending.take(&key) else {
        return back_with_error("this sign-in link is unknown or expired; press Connect again");
    };
    let refresh_token = match hoard_sync::auth::finish(&pending, &code).await {
        Ok(token) => token,
        Err(e) => return back_with_error(&e.to_string()),
    };
    let syncer = state.server.syncer.clone();
    if let Err(e) = syncer
        .store_connection(&pending.client_id, &refresh_token)
        .await
    {
        tracing::error!("cannot store the Spotify connection: {e}");
        return back_with_error(
            "the vault could not store the connection; the server log has the cause",
        );
    }
    tracing::info!("Spotify account connected; starting the first sync");
    syncer.spawn("connect", hoard_sync::SyncMode::Full);
    Redirect::to("/settings").into_response()
}
