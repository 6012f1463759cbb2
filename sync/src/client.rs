//! The Spotify Web API client: rspotify for OAuth (PKCE) and authenticated
//! requests, and Hoard's own policy around every call, because rspotify does
//! not retry:
//!
//! - 429: wait exactly as long as `Retry-After` says, then try again. A 429
//!   whose body says `QUOTA_EXCEEDED` (or whose wait is longer than a sync
//!   should sit) is a quota, not a burst: the sync stops with the time it can
//!   resume.
//! - 5xx and network errors: capped exponential backoff with jitter (backon).
//! - 401: refresh the access token once and repeat the call. Tokens are also
//!   refreshed a minute before they expire.
//! - Concurrency is bounded by a semaphore shared by every caller.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder;
use rspotify::clients::BaseClient;
use rspotify::http::HttpError;
use rspotify::{AuthCodePkceSpotify, ClientError, Config, Credentials, OAuth, Token};
use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, Semaphore};

use crate::wire::ErrorBody;

/// The scopes Hoard asks for: the library, playlists, follows and listening history.
pub const SCOPES: &[&str] = &[
    "user-read-private",
    "user-read-email",
    "user-library-read",
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-follow-read",
    "user-read-recently-played",
    "user-read-currently-playing",
    "user-read-playback-state",
    "user-top-read",
];

/// Where the Web API and the accounts service are. The defaults are
/// Spotify's; tests, the benchmark and demo mode point them at the local API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Ends in `/v1/`.
    pub api_base_url: String,
    /// Has `authorize` and `api/token` under it.
    pub auth_base_url: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            api_base_url: rspotify::DEFAULT_API_BASE_URL.to_owned(),
            auth_base_url: rspotify::DEFAULT_AUTH_BASE_URL.to_owned(),
        }
    }
}

impl Endpoints {
    /// The endpoints of a server that serves both sides under one root
    /// (the local Spotify API).
    pub fn local(root: &str) -> Self {
        let root = root.trim_end_matches('/');
        Self {
            api_base_url: format!("{root}/v1/"),
            auth_base_url: format!("{root}/"),
        }
    }
}

/// How hard a call is retried.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries of a 5xx or network error before giving up.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is treated as a quota.
    pub max_retry_after: Duration,
    /// Calls in flight at once.
    pub concurrency: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 6,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(15 * 60),
            concurrency: 4,
        }
    }
}

/// Why a call failed, after the retries the policy allows.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Spotify's request quota is used up; try again in {}", human(*retry_after))]
    Quota { retry_after: Duration },
    #[error("Spotify refused the saved authorization ({0}); connect Spotify again in Settings")]
    Unauthorized(String),
    /// The token endpoint answered `invalid_grant`: the authorization has
    /// ended (Spotify ends them six months after sign-in) or was revoked.
    #[error(
        "Spotify wants a new sign-in: it has ended Hoard's authorization ({0}), as it does six \
         months after you connect. Press Connect in Settings; the vault and the schedule stay as they are"
    )]
    GrantEnded(String),
    #[error("Spotify refused access (403): {0}")]
    Forbidden(String),
    #[error("not found on Spotify")]
    NotFound,
    #[error("Spotify answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("cannot reach Spotify: {0}")]
    Network(String),
    #[error("unexpected answer from Spotify: {0}")]
    Parse(String),
}

/// "3 min", "2 h 5 min": for messages a user reads.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// An authenticated Web API client with Hoard's retry policy.
pub struct Api {
    spotify: AuthCodePkceSpotify,
    policy: RetryPolicy,
    permits: Semaphore,
    calls: AtomicU64,
    /// Bumped on every refresh, so that concurrent 401s refresh once.
    token_generation: AtomicU64,
    refreshing: Mutex<()>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

/// The rspotify configuration Hoard uses: no token cache file (the vault
/// keeps the refresh token, encrypted) and no automatic refresh (done here,
/// so a rotated refresh token is never dropped).
pub(crate) fn rspotify_config(endpoints: &Endpoints) -> Config {
    Config {
        api_base_url: endpoints.api_base_url.clone(),
        auth_base_url: endpoints.auth_base_url.clone(),
        token_cached: false,
        token_refreshing: false,
        ..Config::default()
    }
}

impl Api {
    /// A client that starts from a stored refresh token; its first call
    /// fetches an access token.
    pub fn from_refresh_token(
        endpoints: &Endpoints,
        client_id: &str,
        redirect_uri: &str,
        refresh_token: String,
        policy: RetryPolicy,
    ) -> Self {
        let token = Token {
            access_token: String::new(),
            expires_in: chrono_zero(),
            expires_at: None,
            refresh_token: Some(refresh_token),
            scopes: Default::default(),
        };
        let oauth = OAuth {
            redirect_uri: redirect_uri.to_owned(),
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            ..OAuth::default()
        };
        let mut spotify = AuthCodePkceSpotify::with_config(
            Credentials::new_pkce(client_id),
            oauth,
            rspotify_config(endpoints),
        );
        spotify.token = std::sync::Arc::new(rspotify::sync::Mutex::new(Some(token)));
        Self::new(spotify, policy)
    }

    pub(crate) fn new(spotify: AuthCodePkceSpotify, policy: RetryPolicy) -> Self {
        Self {
            permits: Semaphore::new(policy.concurrency.max(1)),
            spotify,
            policy,
            calls: AtomicU64::new(0),
            token_generation: AtomicU64::new(0),
            refreshing: Mutex::new(()),
        }
    }

    /// Web API requests made so far (each retry counts).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The refresh token in use now (Spotify may rotate it on refresh).
    pub async fn refresh_token(&self) -> Option<String> {
        let token = self.spotify.get_token();
        let guard = token.lock().await.ok()?;
        guard.as_ref().and_then(|t| t.refresh_token.clone())
    }

    /// The delays between retries of one call: capped, exponential, jittered.
    fn backoff(&self) -> impl Iterator<Item = Duration> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.policy.min_delay)
            .with_max_delay(self.policy.max_delay)
            .with_max_times(self.policy.max_retries)
            .with_jitter()
            .build()
    }

    /// `GET {api}/{path}?{query}`, parsed as `T`, with the retry policy.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let body = self.get_text(path, query).await?;
        serde_json::from_str(&body).map_err(|e| ApiError::Parse(format!("{path}: {e}")))
    }

    /// [`get`](Self::get) for an endpoint that answers `204 No Content`
    /// when there is nothing to say (the player endpoints): `None` then.
    pub async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<T>, ApiError> {
        let body = self.get_text(path, query).await?;
        if body.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&body).map_err(|e| ApiError::Parse(format!("{path}: {e}")))
    }

    async fn get_text(&self, path: &str, query: &[(&str, String)]) -> Result<String, ApiError> {
        let query: HashMap<&str, &str> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut backoff = self.backoff();
        let mut refreshed = false;
        let mut rate_limited = 0u32;
        loop {
            self.refresh_if_expiring().await?;
            let generation = self.token_generation.load(Ordering::Acquire);
            let result = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|e| ApiError::Network(e.to_string()))?;
                self.calls.fetch_add(1, Ordering::Relaxed);
                self.spotify.api_get(path, &query).await
            };
            let failure = match result {
                Ok(body) => return Ok(body),
                Err(e) => Failure::from_client_error(e).await,
            };
            match failure {
                Failure::Status {
                    status: 401,
                    message,
                    ..
                } => {
                    if refreshed {
                        return Err(ApiError::Unauthorized(message));
                    }
                    refreshed = true;
                    self.refresh(generation).await?;
                }
                Failure::Status {
                    status: 429,
                    message,
                    retry_after,
                } => {
                    let wait = retry_after.unwrap_or(Duration::from_secs(1));
                    rate_limited += 1;
                    if message.contains("QUOTA_EXCEEDED")
                        || wait > self.policy.max_retry_after
                        || rate_limited > 20
                    {
                        return Err(ApiError::Quota { retry_after: wait });
                    }
                    tracing::info!(path, wait_s = wait.as_secs_f64(), "rate limited; waiting");
                    tokio::time::sleep(wait).await;
                }
                Failure::Status {
                    status, message, ..
                } if status >= 500 => match backoff.next() {
                    Some(delay) => {
                        tracing::warn!(path, status, "Spotify error; retrying in {delay:?}");
                        tokio::time::sleep(delay).await;
                    }
                    None => return Err(ApiError::Status { status, message }),
                },
                Failure::Status {
                    status: 403,
                    message,
                    ..
                } => return Err(ApiError::Forbidden(message)),
                Failure::Status { status: 404, .. } => return Err(ApiError::NotFound),
                Failure::Status {
                    status, message, ..
                } => return Err(ApiError::Status { status, message }),
                Failure::Network(message) => match backoff.next() {
                    Some(delay) => {
                        tracing::warn!(path, "network error ({message}); retrying in {delay:?}");
                        tokio::time::sleep(delay).await;
                    }
                    None => return Err(ApiError::Network(message)),
                },
            }
        }
    }

    async fn refresh_if_expiring(&self) -> Result<(), ApiError> {
        let expiring = {
            let token = self.spotify.get_token();
            let guard = token
                .lock()
                .await
                .map_err(|_| ApiError::Network("token lock poisoned".into()))?;
            match guard.as_ref() {
                Some(t) => match t.expires_at {
                    Some(at) => at - chrono_minute() <= chrono_now(),
                    None => true,
                },
                None => true,
            }
        };
        if expiring {
            let generation = self.token_generation.load(Ordering::Acquire);
            self.refresh(generation).await?;
        }
        Ok(())
    }

    /// Refreshes the access token unless another caller already did since
    /// `seen_generation`. Keeps the old refresh token when Spotify sends none.
    async fn refresh(&self, seen_generation: u64) -> Result<(), ApiError> {
        let _guard = self.refreshing.lock().await;
        if self.token_generation.load(Ordering::Acquire) != seen_generation {
            return Ok(());
        }
        let old_refresh = self.refresh_token().await;
        let mut backoff = self.backoff();
        let token = loop {
            match self.spotify.refetch_token().await {
                Ok(Some(token)) => break token,
                Ok(None) => return Err(ApiError::Unauthorized("no refresh token".into())),
                Err(e) => match Failure::from_client_error(e).await {
                    Failure::Status { status, .. } if status >= 500 || status == 429 => {
                        match backoff.next() {
                            Some(delay) => tokio::time::sleep(delay).await,
                            None => {
                                return Err(ApiError::Network(format!("token refresh: {status}")))
                            }
                        }
                    }
                    // Retrying cannot help, and Spotify asks that the token be discarded.
                    Failure::Status { message, .. } if message.starts_with("invalid_grant") => {
                        return Err(ApiError::GrantEnded(message))
                    }
                    Failure::Status { message, .. } => return Err(ApiError::Unauthorized(message)),
                    Failure::Network(message) => match backoff.next() {
                        Some(delay) => tokio::time::sleep(delay).await,
                        None => return Err(ApiError::Network(message)),
                    },
                },
            }
        };
        let mut token = token;
        if token.refresh_token.is_none() {
            token.refresh_token = old_refresh;
        }
        let slot = self.spotify.get_token();
        let mut guard = slot
            .lock()
            .await
            .map_err(|_| ApiError::Network("token lock poisoned".into()))?;
        *guard = Some(token);
        self.token_generation.fetch_add(1, Ordering::AcqRel);
        tracing::debug!("Spotify access token refreshed");
        Ok(())
    }
}

/// A failed call, reduced to what the policy decides on.
enum Failure {
    Status {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    Network(String),
}

impl Failure {
    async fn from_client_error(error: ClientError) -> Self {
        match error {
            ClientError::Http(http) => match *http {
                HttpError::StatusCode(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let body = response.text().await.unwrap_or_default();
                    Failure::Status {
                        status,
                        message: error_message(&body),
                        retry_after,
                    }
                }
                HttpError::Client(e) => Failure::Network(e.to_string()),
            },
            other => Failure::Network(other.to_string()),
        }
    }
}

/// The message of a Web API error body, or of an OAuth error body, or the body itself.
fn error_message(body: &str) -> String {
    if let Ok(parsed) = serde_json::from_str::<ErrorBody>(body) {
        if let Some(message) = parsed.error.message {
            return message;
        }
    }
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    if let Ok(parsed) = serde_json::from_str::<OAuthError>(body) {
        return match parsed.error_description {
            Some(d) => format!("{}: {d}", parsed.error),
            None => parsed.error,
        };
    }
    body.chars().take(200).collect()
}

fn chrono_zero() -> chrono::TimeDelta {
    chrono::TimeDelta::zero()
}

fn chrono_minute() -> chrono::TimeDelta {
    chrono::TimeDelta::seconds(60)
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
