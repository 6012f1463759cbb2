//! Watched artists: every `watch_interval_hours`, each watched artist's
//! releases are read again and what is new is kept (and queued, if the
//! listener asked), for the artist page and Artists to show.

use std::sync::Arc;
use std::time::Duration;

use hoard_sync::{Discographies, SyncError};

/// How often the watch list is looked at for artists that are due.
const LOOK_EVERY: Duration = Duration::from_secs(15 * 60);
/// The first look waits for the server (and its first sync) to settle.
const SETTLE: Duration = Duration::from_secs(120);

/// Checks watched artists that are due, for as long as the server runs.
pub async fn keep(discographies: Arc<Discographies>, interval_hours: u32) {
    if interval_hours == 0 {
        return;
    }
    let every = Duration::from_secs(u64::from(interval_hours) * 3600);
    tokio::time::sleep(SETTLE).await;
    loop {
        match discographies.check_due(every).await {
            Ok(0) => {}
            Ok(found) => tracing::info!("watch: {found} new releases from watched artists"),
            Err(SyncError::NotConnected) => {}
            Err(e) => tracing::warn!("watch: the check failed: {e}"),
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}
