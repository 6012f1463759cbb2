//! The one error type that crosses the wire: the kinds of failure a user can
//! act on. The server logs the cause; the browser only sees what to do.

use crate::codec::JsonText;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The thing asked for is not in the vault.
    #[error("Not found in your vault.")]
    NotFound,
    /// The database failed; the server log has the cause.
    #[error("The vault's database did not answer. The server log has the details.")]
    Database,
    /// The server refused the action, with what to do about it.
    #[error("{0}")]
    Refused(String),
    /// The request did not reach the server or its answer could not be read.
    #[error("Could not reach the Hoard server ({0}).")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<vault::DbError> for AppError {
    fn from(e: vault::DbError) -> Self {
        match e {
            vault::DbError::NotFound => AppError::NotFound,
            vault::DbError::Invalid(reason) => AppError::Refused(reason),
            other => {
                tracing::error!(error = %other, "database error in a server function");
                AppError::Database
            }
        }
    }
}
