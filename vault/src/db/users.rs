//! Listeners' own settings (one listener for now, the owner).

use super::{DbError, DbResult, Vault};
use crate::model::Id;

impl Vault {
    /// The listener's time zone (an IANA name), if set; UTC otherwise.
    pub async fn time_zone(&self, user: Id) -> DbResult<Option<String>> {
        let (zone,): (Option<String>,) = sqlx::query_as("SELECT time_zone FROM users WHERE id = ?")
            .bind(user)
            .fetch_one(self.pool())
            .await?;
        Ok(zone)
    }

    /// Sets the listener's time zone (checked by the caller against the
    /// time zone database); `None` is UTC.
    pub async fn set_time_zone(&self, user: Id, zone: Option<&str>) -> DbResult<()> {
        let done = sqlx::query("UPDATE users SET time_zone = ? WHERE id = ?")
            .bind(zone)
            .bind(user)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }
}
