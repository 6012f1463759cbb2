//! The now-playing widget's links (kept as SHA-256 hashes of their tokens)
//! and what the widget shows: the listener's latest listen.

use super::{now_text, DbError, DbResult, Vault};
use crate::model::Id;

/// The latest listen of a listener: title, artists ("A, B"), when it ended (ms).
pub type LastListen = (String, String, i64);

/// The SHA-256 of a widget token or API key, as the vault keeps it (hex).
pub(crate) fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 32 random bytes, hex.
pub(crate) fn new_token() -> DbResult<String> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| DbError::Other(format!("no randomness: {e}")))?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}

impl Vault {
    /// Makes a new widget link for the listener, revoking the old one, and
    /// returns its token (32 random bytes, hex): the only time it is seen.
    pub async fn new_widget_token(&self, user: Id) -> DbResult<String> {
        let token = new_token()?;
        self.set_widget_token(user, &token_hash(&token)).await?;
        Ok(token)
    }

    /// The listener whose live widget link has `token`.
    pub async fn widget_user_for_token(&self, token: &str) -> DbResult<Option<Id>> {
        self.widget_user(&token_hash(token)).await
    }

    /// Makes `token_sha256` the listener's widget link, revoking any other.
    async fn set_widget_token(&self, user: Id, token_sha256: &str) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE widget_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(now_text())
        .bind(user)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO widget_tokens (user_id, token_sha256) VALUES (?, ?)")
            .bind(user)
            .bind(token_sha256)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes the listener's widget link; the image stops answering at once.
    pub async fn revoke_widget_token(&self, user: Id) -> DbResult<()> {
        sqlx::query(
            "UPDATE widget_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(now_text())
        .bind(user)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// When the listener's live widget link was made, if there is one.
    pub async fn widget_created(&self, user: Id) -> DbResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT created_at FROM widget_tokens WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(user)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(c,)| c))
    }

    /// The listener a live widget token's hash belongs to.
    async fn widget_user(&self, token_sha256: &str) -> DbResult<Option<Id>> {
        let row: Option<(Id,)> = sqlx::query_as(
            "SELECT user_id FROM widget_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
        )
        .bind(token_sha256)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(u,)| u))
    }

    /// The listener's latest listen, if any.
    pub async fn last_listen(&self, user: Id) -> DbResult<Option<LastListen>> {
        Ok(sqlx::query_as(
            "SELECT COALESCE(te.title, t.title),
                COALESCE((SELECT group_concat(name, ', ') FROM (SELECT ar.name FROM track_artists ta
                   JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id ORDER BY ta.position)), ''),
                l.ended_ms
             FROM listens l JOIN tracks t ON t.id = l.track_id LEFT JOIN track_edits te ON te.track_id = t.id
             WHERE l.user_id = ? ORDER BY l.ended_ms DESC LIMIT 1",
        )
        .bind(user)
        .fetch_optional(self.pool())
        .await?)
    }
}
