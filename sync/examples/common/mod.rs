//! What the sync crate's benchmarks share: the process's peak memory and
//! connecting an account to the local Spotify API as a browser would.

use hoard_sync::{auth, Endpoints, Syncer};

/// The client ID the benchmarks connect with.
pub const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
/// The redirect URI they register (nothing listens there: the code is read
/// from the redirect itself).
pub const REDIRECT: &str = "http://127.0.0.1:9/spotify/callback";

/// The process's peak resident memory (VmHWM), in MiB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Connects through the PKCE flow the way a browser would (the local API
/// approves at once) and stores the connection.
pub async fn connect(
    syncer: &Syncer,
    endpoints: &Endpoints,
) -> Result<(), Box<dyn std::error::Error>> {
    let pending = auth::begin(endpoints, CLIENT_ID, REDIRECT)?;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(&pending.authorize_url)
        .send()
        .await?;
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("no redirect from /authorize")?;
    let code = url::Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code")?;
    let refresh = auth::finish(&pending, &code).await?;
    syncer.store_connection(CLIENT_ID, &refresh).await?;
    Ok(())
}
