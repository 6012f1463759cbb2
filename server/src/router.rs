//! The HTTP surface: the Leptos app and its server functions, the health
//! check, login and logout, and the static assets, behind the session layer
//! and, around everything, the boundary (`boundary.rs`).

use std::sync::Arc;

use app::state::ServerState;
use app::{shell, App};
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

use crate::auth;

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub server: ServerState,
    pub password_hash: Option<Arc<str>>,
    pub session_days: u32,
    /// Password checks take turns, so guessing is slow however many requests arrive.
    pub login_gate: Arc<tokio::sync::Mutex<()>>,
    /// Spotify connections waiting for their callback.
    pub pending: crate::spotify::Pending,
    /// Streaming history uploads being imported.
    pub imports: Arc<crate::history::Imports>,
    /// Which hosts and origins are Hoard's, and the headers answers carry.
    pub boundary: Arc<crate::boundary::Boundary>,
    /// Becomes true when the server starts shutting down: long-lived
    /// responses (the live event stream) end then, so shutdown does not wait
    /// for the browser to close them.
    pub shutting_down: tokio::sync::watch::Receiver<bool>,
    /// Covers kept in the covers folder, and their sizes.
    pub artwork: Arc<crate::artwork::Artwork>,
    /// The OpenSubsonic API's own state (now playing, transcodes).
    pub subsonic: Arc<crate::subsonic::Subsonic>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Builds the router for the whole server.
pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let server = state.server.clone();
    let context = move || {
        provide_context(server.clone());
        // The page's inline scripts carry the nonce the boundary put in its policy.
        if let Some(nonce) = use_context::<axum::http::request::Parts>().and_then(|parts| {
            parts
                .extensions
                .get::<crate::boundary::PageNonce>()
                .cloned()
        }) {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    };
    let options = state.leptos_options.clone();
    Router::new()
        .nest_service("/pkg", bundle_files(&options))
        .route("/health", get(health))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            crate::boundary::CSP_REPORT_PATH,
            post(crate::boundary::csp_report),
        )
        .route("/spotify/connect", post(crate::spotify::connect))
        .route("/spotify/callback", get(crate::spotify::callback))
        .route(
            "/history/upload",
            // The upload streams to disk and stops at `history_upload_max_mb`
            // itself, with a message naming the setting.
            post(crate::history::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/audio/{track_id}", get(crate::media::audio))
        .route("/export/{file}", get(crate::export::export))
        .route("/zip/{file}", get(crate::zip::zip))
        .route("/covers/{album_id}", get(crate::media::cover))
        .route(
            "/covers/playlists/{playlist_id}",
            get(crate::media::playlist_cover),
        )
        .route("/widget/{file}", get(crate::widget::now_playing))
        .route("/cards/{file}", get(crate::review::review_card))
        .route(
            "/albums/{album_id}/cover",
            post(crate::covers::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::covers::MAX_COVER_BYTES + 64 * 1024,
            )),
        )
        .route("/downloads/events", get(crate::media::events))
        .merge(crate::subsonic::routes())
        .route(
            "/downloads/not-downloaded.txt",
            get(crate::media::not_downloaded),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_session,
        ))
        // Pages are live data, and public/'s files keep their names between
        // builds: browsers revalidate them (a 304 is cheap). The bundle says
        // otherwise for itself (`bundle_files`).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        // Pages and server functions are compressed as they are answered (the
        // bundle comes precompressed and is left alone: an answer that has a
        // Content-Encoding already is not touched). Audio is compressed
        // already, and a compressed Range answer would be wrong.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("audio/"))),
        )
        // Outside everything else: no route runs for a host or origin that is
        // not Hoard's, and every answer carries the security headers.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::boundary::guard,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// What the bundle's file service answers.
type BundleResponse = axum::http::Response<tower_http::services::fs::ServeFileSystemResponseBody>;

/// `/pkg/*`: the bundle scripts/build-site writes, sent as the brotli or
/// gzip file it precompressed when the browser accepts one. Its files are
/// named by their content's hash, so a browser may keep them for a year
/// without asking again; a site built without hashed names (no
/// `bundle.txt`) is revalidated instead. Either way the answer varies with
/// Accept-Encoding.
fn bundle_files(
    options: &LeptosOptions,
) -> SetResponseHeader<
    SetResponseHeader<tower_http::services::ServeDir, HeaderValue>,
    impl Fn(&BundleResponse) -> Option<HeaderValue> + Clone,
> {
    use tower::Layer;
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let hashed = options.output_name.as_ref() != app::OUTPUT_NAME;
    let cache = HeaderValue::from_static(if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    let vary = SetResponseHeaderLayer::appending(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    )
    .layer(files);
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, move |response: &BundleResponse| {
        response.status().is_success().then(|| cache.clone())
    })
    .layer(vary)
}

/// `GET /health`: 200 when the server and its database answer, 503 otherwise.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let headers = [(header::CACHE_CONTROL, "no-store")];
    match state.server.vault.ping().await {
        Ok(()) => (
            StatusCode::OK,
            headers,
            Json(serde_json::json!({ "status": "ok" })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database not answering");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                headers,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
    }
}

/// The span each request is logged in (at debug level). Subsonic apps put
/// their credentials in the query (`apiKey`, `t`, `p`), so for `/rest/` only
/// the path is logged.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        uri = %logged_uri(request.uri()),
        version = ?request.version(),
    )
}

fn logged_uri(uri: &axum::http::Uri) -> String {
    if uri.path().starts_with("/rest") {
        uri.path().to_string()
    } else {
        uri.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn subsonic_credentials_in_a_query_are_not_logged() {
        let uri: axum::http::Uri = "/rest/ping.view?apiKey=secret123&u=owner&t=abc&s=def"
            .parse()
            .expect("uri");
        assert_eq!(super::logged_uri(&uri), "/rest/ping.view");
        let uri: axum::http::Uri = "/audio/12?x=1".parse().expect("uri");
        assert_eq!(super::logged_uri(&uri), "/audio/12?x=1");
    }
}
