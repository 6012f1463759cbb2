//! The vault's error type.

/// What can go wrong in the vault.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A request the vault refuses, with the reason.
    #[error("{0}")]
    Invalid(String),
    /// Anything else the database reported.
    #[error("database error: {0}")]
    Other(String),
}

/// The result of a vault operation.
pub type DbResult<T> = Result<T, DbError>;

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            other => DbError::Other(other.to_string()),
        }
    }
}
