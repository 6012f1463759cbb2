//! Browser sessions created by a password login. The vault only ever sees a
//! hash of the session token, so a copy of the database cannot be used to log in.

use super::{now_text, DbResult, Vault};

impl Vault {
    /// Stores a new session that is valid until `expires_at` (ISO 8601 UTC).
    pub async fn create_session(&self, token_hash: &str, expires_at: &str) -> DbResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, created_at, expires_at) VALUES (?, ?, ?)")
            .bind(token_hash)
            .bind(now_text())
            .bind(expires_at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// True when a session with this token hash exists and has not expired.
    pub async fn session_is_valid(&self, token_hash: &str) -> DbResult<bool> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM sessions WHERE token_hash = ? AND expires_at > ?")
                .bind(token_hash)
                .bind(now_text())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }

    /// Ends a session (logout) and forgets expired ones.
    pub async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?")
            .bind(token_hash)
            .bind(now_text())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Vault;

    #[tokio::test]
    async fn a_session_is_valid_until_it_expires_or_is_deleted() {
        let vault = Vault::open_in_memory().await.expect("open");
        vault
            .create_session("live", "2999-01-01T00:00:00Z")
            .await
            .expect("create");
        vault
            .create_session("old", "2000-01-01T00:00:00Z")
            .await
            .expect("create");
        assert!(vault.session_is_valid("live").await.expect("check"));
        assert!(!vault.session_is_valid("old").await.expect("check"));
        assert!(!vault.session_is_valid("never-made").await.expect("check"));
        vault.delete_session("live").await.expect("delete");
        assert!(!vault.session_is_valid("live").await.expect("check"));
    }
}
