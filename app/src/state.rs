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

/// The shared state of the server process, provided as Leptos context.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct ServerState {
    pub vault: vault::Vault,
    pub info: ServerInfo,
}

/// The server state from context, inside a server function.
#[cfg(feature = "ssr")]
pub fn server_state() -> Result<ServerState, crate::error::AppError> {
    leptos::prelude::use_context::<ServerState>().ok_or_else(|| {
        tracing::error!("server function called without ServerState in context");
        crate::error::AppError::Database
    })
}
