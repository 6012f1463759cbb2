//! Connecting a Spotify account: Authorization Code with PKCE, no client
//! secret. [`begin`] builds the URL the user's browser goes to; Spotify sends
//! the browser back to the redirect URI with a code, and [`finish`] trades it
//! for tokens. Only the refresh token is kept (encrypted, by the caller).

use rspotify::clients::{BaseClient, OAuthClient};
use rspotify::{AuthCodePkceSpotify, Credentials, OAuth};

use crate::client::{rspotify_config, ApiError, Endpoints, SCOPES};

/// A connection between sending the user to Spotify and their return.
pub struct PendingConnection {
    spotify: AuthCodePkceSpotify,
    /// The URL to send the browser to.
    pub authorize_url: String,
    /// The anti-forgery `state` the callback must bring back.
    pub state: String,
    pub client_id: String,
}

impl std::fmt::Debug for PendingConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingConnection")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Checks a redirect URI the way Spotify does since 2025: `https`, or `http`
/// on a loopback IP literal. `localhost` is refused.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|e| format!("`{uri}` is not a URL ({e})"))?;
    match (parsed.scheme(), parsed.host()) {
        ("https", Some(_)) => Ok(()),
        ("http", Some(url::Host::Ipv4(ip))) if ip.is_loopback() => Ok(()),
        ("http", Some(url::Host::Ipv6(ip))) if ip.is_loopback() => Ok(()),
        ("http", Some(url::Host::Domain("localhost"))) => Err(format!(
            "`{uri}`: Spotify no longer accepts `localhost`; use http://127.0.0.1:PORT/... instead"
        )),
        ("http", _) => Err(format!(
            "`{uri}`: Spotify accepts plain http only on a loopback address (http://127.0.0.1:PORT/...); use https otherwise"
        )),
        _ => Err(format!("`{uri}` must be an http(s) URL")),
    }
}

/// Checks a client ID as the Spotify dashboard shows it (32 hex digits), so
/// a pasted secret or a typo is refused before the user is sent away.
pub fn check_client_id(client_id: &str) -> Result<(), String> {
    let id = client_id.trim();
    if id.is_empty() {
        return Err("the Spotify client ID is missing: create an app in Spotify's developer dashboard and paste its Client ID".into());
    }
    if id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "`{id}` does not look like a Spotify client ID (letters and digits, as the dashboard shows it)"
        ));
    }
    Ok(())
}

/// Starts a connection: the authorize URL (with a fresh PKCE challenge and state).
pub fn begin(
    endpoints: &Endpoints,
    client_id: &str,
    redirect_uri: &str,
) -> Result<PendingConnection, String> {
    check_client_id(client_id)?;
    check_redirect_uri(redirect_uri)?;
    let oauth = OAuth {
        redirect_uri: redirect_uri.to_owned(),
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        ..OAuth::default()
    };
    let state = oauth.state.clone();
    let mut spotify = AuthCodePkceSpotify::with_config(
        Credentials::new_pkce(client_id.trim()),
        oauth,
        rspotify_config(endpoints),
    );
    let authorize_url = spotify
        .get_authorize_url(None)
        .map_err(|e| format!("cannot build the authorize URL: {e}"))?;
    Ok(PendingConnection {
        spotify,
        authorize_url,
        state,
        client_id: client_id.trim().to_owned(),
    })
}

/// Trades the code from the callback for tokens and returns the refresh token.
pub async fn finish(pending: &PendingConnection, code: &str) -> Result<String, ApiError> {
    pending.spotify.request_token(code).await.map_err(|e| {
        ApiError::Unauthorized(match e {
            rspotify::ClientError::Http(_) => {
                "Spotify did not accept the authorization code".to_owned()
            }
            other => other.to_string(),
        })
    })?;
    let token = pending.spotify.get_token();
    let guard = token
        .lock()
        .await
        .map_err(|_| ApiError::Network("token lock poisoned".into()))?;
    guard
        .as_ref()
        .and_then(|t| t.refresh_token.clone())
        .ok_or_else(|| ApiError::Unauthorized("Spotify sent no refresh token".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_follow_spotifys_rules() {
        assert!(check_redirect_uri("http://127.0.0.1:3000/spotify/callback").is_ok());
        assert!(check_redirect_uri("http://[::1]:3000/cb").is_ok());
        assert!(check_redirect_uri("https://music.example.org/spotify/callback").is_ok());
        let localhost = check_redirect_uri("http://localhost:3000/cb").expect_err("localhost");
        assert!(localhost.contains("127.0.0.1"), "{localhost}");
        assert!(check_redirect_uri("http://192.168.1.5:3000/cb").is_err());
        assert!(check_redirect_uri("not a url").is_err());
    }

    #[test]
    fn client_ids_are_checked_before_leaving() {
        assert!(check_client_id("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_client_id("  ")
            .expect_err("empty")
            .contains("missing"));
        assert!(check_client_id("abc def").is_err());
    }
}
