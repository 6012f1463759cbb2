//! The local-folder source: music the user already has. The folder is
//! scanned once (with lofty, on a blocking thread) and matched by ISRC first,
//! then by normalised artist, title and duration. Files are copied into the
//! library, never linked: tagging a hard link would rewrite the user's own
//! file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::local::{scan, LocalIndex};
use crate::matcher::{Candidate, Wanted};
use crate::source::{Progress, Source, SourceError};

/// A folder of the user's music.
pub struct LocalFolder {
    dir: PathBuf,
    index: OnceCell<Arc<LocalIndex>>,
}

impl LocalFolder {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            index: OnceCell::new(),
        }
    }

    /// The folder's index, scanning it on first use.
    pub async fn index(&self) -> Result<Arc<LocalIndex>, SourceError> {
        let dir = self.dir.clone();
        self.index
            .get_or_try_init(|| async move {
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
                Ok(Arc::new(index))
            })
            .await
            .cloned()
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
