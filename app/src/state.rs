//! What the server hands every server function: the vault and facts about the
//! running server for the Settings view.

use serde::{Deserialize, Serialize};

/// Facts about the running server, shown in Settings. Never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub listen: String,
    pub password_protected: bool,
}

/// How Spotify is set up on this server, for the Settings view. Never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifySetup {
    /// The redirect URI to register in the Spotify app.
    pub redirect_uri: String,
    /// The client ID from the configuration, offered in the connect form.
    pub client_id: Option<String>,
    /// Minutes between scheduled syncs; 0 when the schedule is off in the configuration.
    pub interval_minutes: u32,
    /// Where the Web API is (Spotify's, or the local one in demo mode).
    pub api_url: String,
}

/// The shared state of the server process, provided as Leptos context.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct ServerState {
    pub vault: vault::Vault,
    pub info: ServerInfo,
    pub spotify: SpotifySetup,
    pub syncer: std::sync::Arc<hoard_sync::Syncer>,
    pub acquirer: std::sync::Arc<hoard_acquire::Acquirer>,
    /// The music folder source, when `music_folder` is set.
    pub music_folder: Option<std::sync::Arc<hoard_acquire::folder::LocalFolder>>,
    /// Whether newly synced tracks are queued when Settings has no say yet.
    pub auto_download_default: bool,
    /// Whether the listening poller runs.
    pub listen_polling: bool,
    /// What the listening poller has seen (now playing, polls, listens).
    pub listening: tokio::sync::watch::Receiver<hoard_sync::listen::ListenStatus>,
    /// Backups: Settings shows them and takes one on demand.
    pub backups: std::sync::Arc<vault::backup::Backups>,
    /// Whole discographies and watched artists.
    pub discographies: std::sync::Arc<hoard_sync::Discographies>,
    /// Lists from anywhere, previewed then imported.
    pub importer: std::sync::Arc<hoard_sync::import::Importer>,
    /// Last.fm, when `lastfm_api_key` is set.
    pub lastfm: Option<std::sync::Arc<hoard_sync::lastfm::Lastfm>>,
}

/// The server state from context, inside a server function.
#[cfg(feature = "ssr")]
pub fn server_state() -> Result<ServerState, crate::error::AppError> {
    leptos::prelude::use_context::<ServerState>().ok_or_else(|| {
        tracing::error!("server function called without ServerState in context");
        crate::error::AppError::Database
    })
}
