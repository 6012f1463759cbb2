//! The local-folder source: music the user already has. The folder is
//! scanned (with lofty, on a blocking thread) on first use and again when
//! the user asks, and matched by ISRC first, then by normalised artist,
//! title and duration. Files are copied into the library, never linked:
//! tagging a hard link would rewrite the user's own file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;
use vault::model::FolderSummary;

use crate::local::{scan, LocalIndex};
use crate::matcher::{Candidate, Wanted};
use crate::source::{Progress, Source, SourceError};

/// A folder of the user's music.
pub struct LocalFolder {
    dir: PathBuf,
    index: RwLock<Option<Arc<LocalIndex>>>,
    /// One scan at a time.
    scanning: Mutex<()>,
}

impl std::fmt::Debug for LocalFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalFolder")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl LocalFolder {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            index: RwLock::new(None),
            scanning: Mutex::new(()),
        }
    }

    /// The folder's index, scanning it on first use.
    pub async fn index(&self) -> Result<Arc<LocalIndex>, SourceError> {
        if let Some(index) = self.index.read().await.clone() {
            return Ok(index);
        }
        let _one = self.scanning.lock().await;
        // Another caller may have scanned while this one waited.
        if let Some(index) = self.index.read().await.clone() {
            return Ok(index);
        }
        self.scan_now().await
    }

    /// Scans the folder again (files added or changed since), replacing
    /// the index when done; matching goes on with the old one meanwhile.
    pub async fn rescan(&self) -> Result<Arc<LocalIndex>, SourceError> {
        let _one = self.scanning.lock().await;
        self.scan_now().await
    }

    /// [`LocalFolder::rescan`] in a task of its own.
    pub fn rescan_in_background(self: &Arc<Self>) {
        let folder = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = folder.rescan().await {
                tracing::warn!(error = %e, "cannot rescan the music folder");
            }
        });
    }

    async fn scan_now(&self) -> Result<Arc<LocalIndex>, SourceError> {
        let dir = self.dir.clone();
        if !dir.is_dir() {
            return Err(SourceError::Permanent(format!(
                "the music folder {} does not exist",
                dir.display()
            )));
        }
        let index = tokio::task::spawn_blocking(move || scan(&dir))
            .await
            .map_err(|e| SourceError::Transient(format!("scanning the music folder: {e}")))?;
        for (path, why) in &index.problems {
            tracing::warn!(file = %path.display(), reason = %why, "music folder: file skipped");
        }
        tracing::info!(
            files = index.files.len(),
            unreadable = index.problems.len(),
            "music folder scanned"
        );
        let index = Arc::new(index);
        *self.index.write().await = Some(Arc::clone(&index));
        Ok(index)
    }

    /// What the last scan found.
    pub async fn summary(&self) -> FolderSummary {
        let index = self.index.read().await.clone();
        let mut summary = FolderSummary {
            dir: self.dir.display().to_string(),
            ..FolderSummary::default()
        };
        if let Some(index) = index {
            summary.scanned = true;
            summary.files = index.files.len();
            summary.problem_count = index.problems.len();
            summary.problems = index
                .problems
                .iter()
                .take(50)
                .map(|(path, why)| (path.display().to_string(), why.clone()))
                .collect();
        }
        summary
    }
}

#[async_trait]
impl Source for LocalFolder {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn search(&self, wanted: &Wanted) -> Result<Vec<Candidate>, SourceError> {
        Ok(self.index().await?.candidates(wanted))
    }

    async fn fetch(
        &self,
        candidate: &Candidate,
        dir: &Path,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> Result<PathBuf, SourceError> {
        let index = self.index().await?;
        let from = index
            .path_of(candidate)
            .ok_or_else(|| {
                SourceError::Permanent(format!("{} is not in the music folder", candidate.url))
            })?
            .to_owned();
        let extension = from
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_else(|| "bin".into());
        let to = dir.join(format!("audio.{extension}"));
        tokio::select! {
            copied = tokio::fs::copy(&from, &to) => {
                copied.map_err(|e| SourceError::Transient(format!("copying {}: {e}", from.display())))?;
            }
            () = cancel.cancelled() => return Err(SourceError::Cancelled),
        }
        progress(1.0);
        Ok(to)
    }
}
