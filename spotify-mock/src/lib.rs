//! A faithful local stand-in for Spotify's Web API (2026 shape) and accounts
//! service, for Hoard's sync tests, its benchmark and its demo mode.
//!
//! [`MockServer::start`] generates a deterministic library from a
//! [`LibrarySpec`] and serves it on loopback; [`MockHandle`] changes the
//! library and injects faults while it runs. The same controls are exposed
//! over HTTP under `/_mock/` (see the crate README).

mod accounts;
mod api;
mod control;
pub mod export;
mod gen;
mod model;
mod player;
mod render;
mod util;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use model::{ItemRef, Library};
pub use player::Command as PlayerCommand;

/// What library to generate.
#[derive(Clone, Debug)]
pub struct LibrarySpec {
    /// Liked songs.
    pub liked: usize,
    /// Playlists in the user's library.
    pub playlists: usize,
    /// Items per playlist.
    pub playlist_len: usize,
    /// Saved albums.
    pub saved_albums: usize,
    /// Followed artists.
    pub followed_artists: usize,
    /// Seed of the generator: the same spec always yields the same library.
    pub seed: u64,
    /// Include null items, local files, episodes, unavailable tracks,
    /// missing ISRCs and unicode names.
    pub quirks: bool,
    /// Followed artists with a whole discography each (albums, singles, a
    /// compilation, appearances, and the duplicates real catalogues have: a
    /// deluxe edition, a regional edition, singles and hits that are album
    /// tracks again). Each has one liked song, so a sync brings it in.
    pub discographies: usize,
    /// Releases per discography artist (at least 12).
    pub releases_per_artist: usize,
}

impl Default for LibrarySpec {
    fn default() -> Self {
        LibrarySpec {
            liked: 120,
            playlists: 8,
            playlist_len: 60,
            saved_albums: 5,
            followed_artists: 7,
            seed: 1,
            quirks: true,
            discographies: 0,
            releases_per_artist: 30,
        }
    }
}

/// Failures to inject into `/v1` responses.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Sleep before every `/v1` response.
    pub latency_ms: u64,
    /// The next N `/v1` requests answer 429 with `Retry-After: secs`.
    pub rate_limit: Option<(u32, u64)>,
    /// Every `/v1` request answers 429 with a "QUOTA_EXCEEDED" message
    /// (`Retry-After: 86400`) until cleared.
    pub quota_exceeded: bool,
    /// The next N `/v1` requests answer 503, 500, 502, 503, ...
    pub server_errors: u32,
    /// Development-mode rule: items of playlists the user neither owns nor
    /// collaborates on answer 403.
    pub forbid_unowned_items: bool,
    /// After this many more successful `/v1` calls every `/v1` call answers
    /// 500 (a sync dying half way); None = off.
    pub fail_after: Option<u64>,
}

/// The client ID tokens from [`MockHandle::issue_token`] belong to.
pub const MOCK_CLIENT_ID: &str = "spotify-mock-client";

/// The scopes granted to tokens from [`MockHandle::issue_token`].
const ALL_SCOPES: &str = "user-library-read playlist-read-private playlist-read-collaborative user-follow-read user-read-recently-played user-read-currently-playing user-read-playback-state user-read-private user-read-email";

/// An issued access token.
struct AccessToken {
    issued: Instant,
    expired: bool,
}

/// A pending authorization code.
struct AuthCode {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    scope: String,
}

/// Accounts-service state.
#[derive(Default)]
struct Auth {
    tokens: HashMap<String, AccessToken>,
    codes: HashMap<String, AuthCode>,
    /// refresh token -> (client_id, scope)
    refresh: HashMap<String, (String, String)>,
}

/// Faults plus the counter that alternates server error statuses.
#[derive(Default)]
struct FaultState {
    faults: Faults,
    server_errors_served: u64,
}

/// Everything the server and the handles share.
struct Shared {
    lib: Mutex<Library>,
    player: Mutex<player::Player>,
    auth: Mutex<Auth>,
    faults: Mutex<FaultState>,
    calls: AtomicU64,
    /// `http://127.0.0.1:PORT`, used when a request has no Host header.
    url: String,
}

/// Locks a mutex, ignoring poisoning: a panicking handler must not take the
/// whole mock down with it, and the data stays usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn lib(&self) -> MutexGuard<'_, Library> {
        lock(&self.lib)
    }
    fn player(&self) -> MutexGuard<'_, player::Player> {
        lock(&self.player)
    }
    fn auth(&self) -> MutexGuard<'_, Auth> {
        lock(&self.auth)
    }
    fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.faults)
    }
}

/// A running mock server.
pub struct MockServer {
    addr: SocketAddr,
    handle: MockHandle,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// Binds 127.0.0.1 on a free port and serves `spec`'s library on the
    /// current tokio runtime.
    pub async fn start(spec: LibrarySpec) -> std::io::Result<MockServer> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), spec).await
    }

    /// Like [`MockServer::start`] on a chosen address.
    pub async fn start_on(addr: SocketAddr, spec: LibrarySpec) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let mut addr = listener.local_addr()?;
        // A wildcard bind is still reached through loopback from this machine.
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let shared = Arc::new(Shared {
            lib: Mutex::new(gen::generate(&spec)),
            player: Mutex::new(player::Player::default()),
            auth: Mutex::new(Auth::default()),
            faults: Mutex::new(FaultState::default()),
            calls: AtomicU64::new(0),
            url: format!("http://{addr}"),
        });
        let router = router(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!("spotify-mock server stopped: {e}");
            }
        });
        Ok(MockServer {
            addr,
            handle: MockHandle { shared },
            task,
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash). The API base is
    /// `url() + "/v1/"`, the accounts base `url() + "/"`.
    pub fn url(&self) -> String {
        self.handle.shared.url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A cheap clone that controls the running library.
    pub fn handle(&self) -> MockHandle {
        self.handle.clone()
    }

    /// Stops serving (the server otherwise lives as long as the runtime).
    pub fn shutdown(&self) {
        self.task.abort();
    }
}

fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .nest("/v1", api::router(shared.clone()))
        .merge(accounts::router())
        .merge(control::router())
        .with_state(shared)
}

/// Controls a running mock: faults, tokens and library mutations.
#[derive(Clone)]
pub struct MockHandle {
    shared: Arc<Shared>,
}

impl MockHandle {
    /// Every track of the catalogue as a YouTube Music stand-in needs it
    /// (`ytmusic-mock --catalogue`): title, artists, album, duration,
    /// explicit flag and ISRC.
    pub fn catalogue(&self) -> serde_json::Value {
        let lib = self.shared.lib();
        let tracks: Vec<serde_json::Value> = lib
            .tracks
            .iter()
            // Greyed-out tracks too: YouTube Music often still has them.
            .map(|t| {
                serde_json::json!({
                    "title": t.name,
                    "artists": t.artists.iter().map(|&a| lib.artists[a].name.clone()).collect::<Vec<_>>(),
                    "album": lib.albums[t.album].name,
                    "duration_ms": t.duration_ms,
                    "explicit": t.explicit,
                    "isrc": t.isrc,
                })
            })
            .collect();
        serde_json::Value::Array(tracks)
    }

    /// Drives the simulated listener (see [`PlayerCommand`]); an unknown
    /// track or episode, or a speed out of range, is an error.
    pub fn player(&self, command: PlayerCommand) -> Result<(), String> {
        let mut lib = self.shared.lib();
        self.shared.player().apply(&mut lib, command)
    }

    /// Every catalogue track as a streaming history row names it.
    pub fn named_tracks(&self) -> Vec<export::Named> {
        let lib = self.shared.lib();
        lib.tracks
            .iter()
            .map(|t| export::Named {
                id: t.id.clone(),
                name: t.name.clone(),
                artist: t
                    .artists
                    .first()
                    .map(|&a| lib.artists[a].name.clone())
                    .unwrap_or_default(),
                album: lib.albums[t.album].name.clone(),
                duration_ms: t.duration_ms,
            })
            .collect()
    }

    /// A track's length in milliseconds (None for an unknown ID).
    pub fn track_duration_ms(&self, track_id: &str) -> Option<u64> {
        let lib = self.shared.lib();
        lib.track_index
            .get(track_id)
            .map(|&t| lib.tracks[t].duration_ms)
    }

    /// The IDs of the podcast episodes the library holds.
    pub fn episode_ids(&self) -> Vec<String> {
        self.shared
            .lib()
            .episodes
            .iter()
            .map(|e| e.id.clone())
            .collect()
    }

    /// Replaces the active faults.
    pub fn set_faults(&self, f: Faults) {
        self.shared.faults().faults = f;
    }

    /// The active faults (counters as they stand now).
    pub fn faults(&self) -> Faults {
        self.shared.faults().faults.clone()
    }

    /// Every access token issued so far becomes expired: `/v1` answers 401.
    pub fn expire_tokens(&self) {
        for t in self.shared.auth().tokens.values_mut() {
            t.expired = true;
        }
    }

    /// Ends every user authorization, as Spotify does six months after sign-in:
    /// access tokens expire and refresh tokens answer `invalid_grant`.
    pub fn revoke_grants(&self) {
        let mut auth = self.shared.auth();
        auth.refresh.clear();
        for t in auth.tokens.values_mut() {
            t.expired = true;
        }
    }

    /// Number of `/v1` requests received (including faulted ones).
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// Sets the `/v1` request counter back to zero.
    pub fn reset_calls(&self) {
        self.shared.calls.store(0, Ordering::SeqCst);
    }

    /// The library owner's user ID.
    pub fn user_id(&self) -> String {
        self.shared.lib().user.id.clone()
    }

    /// Current liked track IDs, newest first.
    pub fn liked_ids(&self) -> Vec<String> {
        self.shared.lib().liked_ids()
    }

    /// Saves a track now, as the newest (no-op when already saved or unknown).
    pub fn add_liked(&self, track_id: &str) {
        if !self.shared.lib().add_liked(track_id) {
            tracing::warn!("add_liked: unknown track {track_id}");
        }
    }

    /// Unsaves a track.
    pub fn remove_liked(&self, track_id: &str) {
        self.shared.lib().remove_liked(track_id);
    }

    /// Playlist IDs in the order `/v1/me/playlists` lists them.
    pub fn playlist_ids(&self) -> Vec<String> {
        let lib = self.shared.lib();
        lib.followed_playlists
            .iter()
            .map(|&p| lib.playlists[p].id.clone())
            .collect()
    }

    /// Track/episode ID per position; None for null items and local files.
    pub fn playlist_item_ids(&self, playlist_id: &str) -> Vec<Option<String>> {
        let mut lib = self.shared.lib();
        let Some(p) = lib.playlist_mut(playlist_id).map(|p| p.items.clone()) else {
            return Vec::new();
        };
        p.iter()
            .map(|i| match &i.item {
                ItemRef::Track(t) => Some(lib.tracks[*t].id.clone()),
                ItemRef::Episode(e) => Some(lib.episodes[*e].id.clone()),
                ItemRef::Local { .. } | ItemRef::Null => None,
            })
            .collect()
    }

    /// The playlist's current snapshot ID (empty for an unknown playlist).
    pub fn snapshot_id(&self, playlist_id: &str) -> String {
        self.shared
            .lib()
            .playlist_mut(playlist_id)
            .map(|p| p.snapshot_id())
            .unwrap_or_default()
    }

    /// Appends a track (or episode) to a playlist.
    pub fn add_playlist_item(&self, playlist_id: &str, track_id: &str) {
        if let Err(e) = self.shared.lib().add_playlist_item(playlist_id, track_id) {
            tracing::warn!("add_playlist_item: {e}");
        }
    }

    /// Removes the item at `position`.
    pub fn remove_playlist_item(&self, playlist_id: &str, position: usize) {
        if let Err(e) = self
            .shared
            .lib()
            .remove_playlist_item(playlist_id, position)
        {
            tracing::warn!("remove_playlist_item: {e}");
        }
    }

    /// Moves the item at `from` so it ends up at position `to`.
    pub fn move_playlist_item(&self, playlist_id: &str, from: usize, to: usize) {
        if let Err(e) = self.shared.lib().move_playlist_item(playlist_id, from, to) {
            tracing::warn!("move_playlist_item: {e}");
        }
    }

    /// The track becomes `is_playable: false` with `restrictions.reason
    /// "market"`; playlists keep it.
    pub fn make_unavailable(&self, track_id: &str) {
        self.shared.lib().make_unavailable(track_id);
    }

    /// The playlist leaves `/v1/me/playlists` (still reachable by ID).
    pub fn unfollow_playlist(&self, playlist_id: &str) {
        self.shared.lib().unfollow_playlist(playlist_id);
    }

    /// A new release of `album_type` (`album`, `single`, `compilation`) by
    /// the artist, dated today; returns its album ID.
    pub fn new_release(&self, artist_id: &str, album_type: &str, tracks: u32) -> Option<String> {
        self.new_release_titled(artist_id, album_type, tracks, &[])
    }

    /// [`new_release`](Self::new_release) whose first songs have these
    /// titles (new recordings of songs the artist may have already).
    pub fn new_release_titled(
        &self,
        artist_id: &str,
        album_type: &str,
        tracks: u32,
        titles: &[String],
    ) -> Option<String> {
        let album_type = ["album", "single", "compilation"]
            .into_iter()
            .find(|t| *t == album_type)?;
        self.shared
            .lib()
            .new_release_titled(artist_id, album_type, tracks, titles)
    }

    /// Every catalogue track credited to the artist, as (track ID, ISRC,
    /// album ID, whether the listener's market sells the album).
    pub fn artist_tracks(&self, artist_id: &str) -> Vec<(String, Option<String>, String, bool)> {
        let lib = self.shared.lib();
        let Some(&a) = lib.artist_index.get(artist_id) else {
            return Vec::new();
        };
        lib.tracks
            .iter()
            .filter(|t| t.artists.contains(&a))
            .map(|t| {
                let album = &lib.albums[t.album];
                (
                    t.id.clone(),
                    t.isrc.clone(),
                    album.id.clone(),
                    album.sold_in(model::USER_MARKET),
                )
            })
            .collect()
    }

    /// The followed artists made with a whole discography
    /// ([`LibrarySpec::discographies`]), as (ID, name).
    pub fn discography_artists(&self) -> Vec<(String, String)> {
        let lib = self.shared.lib();
        lib.discography_artists
            .iter()
            .map(|&a| (lib.artists[a].id.clone(), lib.artists[a].name.clone()))
            .collect()
    }

    /// Creates a fresh track (on a new single by a new artist) and returns its ID.
    pub fn new_track(&self) -> String {
        self.shared.lib().new_track()
    }

    /// Playlists owned by someone else and not collaborative.
    pub fn unowned_playlist_ids(&self) -> Vec<String> {
        let lib = self.shared.lib();
        lib.playlists
            .iter()
            .filter(|p| p.owner.id != lib.user.id && !p.collaborative)
            .map(|p| p.id.clone())
            .collect()
    }

    /// The playlist holding the null, local, episode and unavailable items
    /// (None without quirks or playlists).
    pub fn quirky_playlist_id(&self) -> Option<String> {
        let lib = self.shared.lib();
        lib.quirky_playlist.map(|p| lib.playlists[p].id.clone())
    }

    /// Issues a fresh access token and refresh token without going through
    /// the authorization flow (for benchmarks and shell tests).
    pub fn issue_token(&self) -> (String, String) {
        let access = util::token(160);
        let refresh = util::token(131);
        let mut auth = self.shared.auth();
        auth.tokens.insert(
            access.clone(),
            AccessToken {
                issued: Instant::now(),
                expired: false,
            },
        );
        auth.refresh.insert(
            refresh.clone(),
            (MOCK_CLIENT_ID.to_string(), ALL_SCOPES.to_string()),
        );
        (access, refresh)
    }

    /// Every catalogue track ID (handy for adding known tracks in tests).
    pub fn catalogue_track_ids(&self) -> Vec<String> {
        self.shared
            .lib()
            .tracks
            .iter()
            .map(|t| t.id.clone())
            .collect()
    }

    /// The collaborative playlist, if any.
    pub fn collaborative_playlist_id(&self) -> Option<String> {
        let lib = self.shared.lib();
        lib.playlists
            .iter()
            .find(|p| p.collaborative)
            .map(|p| p.id.clone())
    }
}
