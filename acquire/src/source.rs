//! Where audio comes from. Every source answers the same two questions —
//! which uploads or files might be this track, and "fetch this one into a
//! folder" — so the queue can try them in priority order and treat them
//! alike.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::matcher::{Candidate, Wanted};

/// Why a source could not search or fetch.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Worth another attempt later: the network, a timeout, a server error.
    #[error("{0}")]
    Transient(String),
    /// Trying again would give the same answer: the URL is not supported,
    /// the upload is gone, the file is not there.
    #[error("{0}")]
    Permanent(String),
    /// The user cancelled the job.
    #[error("cancelled")]
    Cancelled,
}

impl SourceError {
    /// Whether another attempt might succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, SourceError::Transient(_))
    }
}

/// Reports how far a fetch is, from 0 to 1.
pub type Progress<'a> = &'a (dyn Fn(f32) + Send + Sync);

/// A place audio comes from.
#[async_trait]
pub trait Source: Send + Sync {
    /// Short and stable: stored with each file (`local`, `yt-dlp`).
    fn name(&self) -> &'static str;

    /// Uploads or files that might be `wanted`, for the matcher to score.
    async fn search(&self, wanted: &Wanted) -> Result<Vec<Candidate>, SourceError>;

    /// Fetches `candidate` into `dir` (an empty folder of the job's own) and
    /// returns the file. Stops promptly, leaving only files in `dir`, when
    /// `cancel` fires.
    async fn fetch(
        &self,
        candidate: &Candidate,
        dir: &Path,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<PathBuf, SourceError>;
}
