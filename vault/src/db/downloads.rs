//! The download queue's state machine, kept in the `downloads` table so a
//! restart resumes it:
//!
//! ```text
//! queued ─claim─► searching ─► downloading ─► validating ─► downloaded
//!    ▲                │              │              │
//!    └── retry (attempts left) ◄─────┴──────────────┴──► failed (reason)
//! queued ─skip─► skipped        any unfinished state ─restart─► queued
//! ```
//!
//! Acquisition (issue 4) drives it; every transition is one statement, so a
//! kill at any moment leaves a job in a state the next start understands.

use super::{now_text, DbResult, Vault};
use crate::model::Id;

/// States a worker moves a claimed job through.
pub const WORKING_STATES: [&str; 3] = ["searching", "downloading", "validating"];

impl Vault {
    /// Takes the oldest queued job: it becomes `searching` and its attempt
    /// counts. Two workers never get the same job (one statement).
    pub async fn claim_next_download(&self) -> DbResult<Option<Id>> {
        let row: Option<(Id,)> = sqlx::query_as(
            "UPDATE downloads SET state = 'searching', attempts = attempts + 1, updated_at = ?
             WHERE track_id = (SELECT track_id FROM downloads WHERE state = 'queued'
                               ORDER BY queued_at, track_id LIMIT 1)
             RETURNING track_id",
        )
        .bind(now_text())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.0))
    }

    /// Moves a claimed job on (`downloading`, `validating`).
    pub async fn advance_download(&self, track_id: Id, state: &str) -> DbResult<()> {
        debug_assert!(WORKING_STATES.contains(&state));
        sqlx::query("UPDATE downloads SET state = ?, updated_at = ? WHERE track_id = ?")
            .bind(state)
            .bind(now_text())
            .bind(track_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a finished job: its source and its file, relative to the data folder.
    pub async fn finish_download(
        &self,
        track_id: Id,
        source: &str,
        file_path: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'downloaded', source = ?, file_path = ?, reason = NULL,
                 updated_at = ? WHERE track_id = ?",
        )
        .bind(source)
        .bind(file_path)
        .bind(now_text())
        .bind(track_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt: back to the queue while attempts are left
    /// and the failure is worth retrying, otherwise `failed` with the reason.
    /// Returns the state the job is in now.
    pub async fn fail_download(
        &self,
        track_id: Id,
        reason: &str,
        retry: bool,
        max_attempts: i64,
    ) -> DbResult<String> {
        let (state,): (String,) = sqlx::query_as(
            "UPDATE downloads SET reason = ?, updated_at = ?,
                 state = CASE WHEN ? AND attempts < ? THEN 'queued' ELSE 'failed' END
             WHERE track_id = ? RETURNING state",
        )
        .bind(reason)
        .bind(now_text())
        .bind(retry)
        .bind(max_attempts)
        .bind(track_id)
        .fetch_one(self.pool())
        .await?;
        Ok(state)
    }

    /// Puts a failed or skipped job back in the queue with fresh attempts.
    pub async fn retry_download(&self, track_id: Id) -> DbResult<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'queued', attempts = 0, reason = NULL, updated_at = ?
             WHERE track_id = ? AND state IN ('failed', 'skipped')",
        )
        .bind(now_text())
        .bind(track_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes a queued job out of the queue (the user cancelled it).
    pub async fn skip_download(&self, track_id: Id, reason: &str) -> DbResult<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'skipped', reason = ?, updated_at = ?
             WHERE track_id = ? AND state = 'queued'",
        )
        .bind(reason)
        .bind(now_text())
        .bind(track_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// At start: jobs a stopped process was working on go back to the queue
    /// (their partial files are the caller's to remove). Returns how many.
    pub async fn requeue_interrupted_downloads(&self) -> DbResult<u64> {
        let done = sqlx::query(
            "UPDATE downloads SET state = 'queued', updated_at = ?
             WHERE state IN ('searching', 'downloading', 'validating')",
        )
        .bind(now_text())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}
