//! Phase 2: liked songs, newest first, with the incremental shortcut and
//! the count check that tells when a full walk is needed.

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, TryStreamExt};
use vault::Vault;

use super::{Run, SyncError, PAGE};
use crate::wire;

impl Run<'_> {
    /// Newest first; stops at the first page that reaches what the vault
    /// already has, unless a full pass is due or the counts say something
    /// was removed.
    pub(super) async fn liked(&mut self, full: bool) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "liked songs".into());
        let known = self.vault().liked_spotify_ids().await?;
        let mut seen: HashSet<String> = HashSet::new();
        let mut added = 0usize;
        let mut offset = 0usize;
        let mut total;
        loop {
            let page: wire::Paging<wire::SavedTrack> = self
                .api
                .get(
                    "me/tracks",
                    &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                )
                .await?;
            total = page.total.unwrap_or(0);
            let (reached, new, ids) = self.write_liked_page(&page, &known).await?;
            seen.extend(ids);
            added += new;
            offset += page.items.len();
            let seen_count = seen.len() as i64;
            self.progress(|p| p.liked_seen = seen_count);
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
            if full {
                // Every page is needed: the rest are read a few at once.
                return self.liked_rest(offset, total, known, seen, added).await;
            }
            if reached {
                // Everything older is in the vault, unless something was
                // removed: then the counts disagree and a full pass follows.
                let expected = known.len() + added;
                if expected as u64 == total {
                    break;
                }
                tracing::info!(
                    expected,
                    total,
                    "liked songs count differs; reading them all"
                );
                return self.liked_rest(offset, total, known, seen, added).await;
            }
        }
        self.finish_liked(total, seen, added, true).await
    }

    /// Reads the remaining pages of liked songs (a few at once) and ends the
    /// likes of songs that are no longer there.
    async fn liked_rest(
        &mut self,
        from: usize,
        total: u64,
        known: HashMap<String, String>,
        mut seen: HashSet<String>,
        mut added: usize,
    ) -> Result<(), SyncError> {
        let offsets: Vec<usize> = (from..total as usize).step_by(PAGE).collect();
        let run: &Run = self;
        let known = &known;
        // Each page is fetched and written by its own future, so fetches go
        // on while another page is being written.
        let pages: Vec<(usize, Vec<String>, bool)> = futures::stream::iter(offsets)
            .map(|offset| async move {
                let page: wire::Paging<wire::SavedTrack> = run
                    .api
                    .get(
                        "me/tracks",
                        &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                    )
                    .await?;
                let (_, new, ids) = run.write_liked_page(&page, known).await?;
                run.progress(|p| p.liked_seen += ids.len() as i64);
                Ok::<_, SyncError>((new, ids, page.items.is_empty()))
            })
            .buffer_unordered(self.syncer.options.policy.concurrency.max(1))
            .try_collect()
            .await?;
        let mut complete = true;
        for (new, ids, empty) in pages {
            added += new;
            seen.extend(ids);
            complete &= !empty;
        }
        self.finish_liked(total, seen, added, complete).await
    }

    async fn finish_liked(
        &mut self,
        total: u64,
        seen: HashSet<String>,
        added: usize,
        walked_all: bool,
    ) -> Result<(), SyncError> {
        self.report.liked_total = total;
        self.report.liked_added = added;
        // Removals are only decided after a walk of the whole list.
        if walked_all && seen.len() as u64 >= total {
            self.report.liked_removed = self.vault().unlike_missing(&seen).await?;
        }
        Ok(())
    }

    /// Writes one page of liked songs. Returns whether the page reached a
    /// like the vault already had, how many songs were not liked in the
    /// vault at all (a song liked again since has a new like, but is not
    /// new), and the Spotify IDs on the page.
    async fn write_liked_page(
        &self,
        page: &wire::Paging<wire::SavedTrack>,
        known: &HashMap<String, String>,
    ) -> Result<(bool, usize, Vec<String>), SyncError> {
        let saved: Vec<(&wire::Track, &str)> = page
            .items
            .iter()
            .filter_map(|s| s.track.as_ref().map(|t| (t, s.added_at.as_str())))
            .filter(|(t, _)| t.id.is_some())
            .collect();
        let mut reached = false;
        let mut likes: Vec<(usize, String, bool)> = Vec::new();
        let mut brand_new = 0;
        let mut ids = Vec::with_capacity(saved.len());
        for (i, (track, added_at)) in saved.iter().enumerate() {
            let id = track.id.clone().unwrap_or_default();
            match known.get(&id) {
                Some(at) if at == added_at => reached = true,
                // Liked again since the vault saw it: a new like.
                Some(_) => likes.push((i, added_at.to_string(), true)),
                None => {
                    brand_new += 1;
                    likes.push((i, added_at.to_string(), false));
                }
            }
            ids.push(id);
        }
        let tracks: Vec<_> = saved.iter().map(|(t, _)| (*t, None, None)).collect();
        self.write_page(&tracks, move |conn, ids| {
            Box::pin(async move {
                let mut batch = Vec::with_capacity(likes.len());
                for (i, added_at, relike) in &likes {
                    if let Some(id) = ids[*i] {
                        if *relike {
                            Vault::unlike_track(conn, id).await?;
                        }
                        batch.push((id, added_at.clone()));
                    }
                }
                Vault::like_tracks(conn, &batch).await?;
                Ok(())
            })
        })
        .await?;
        Ok((reached, brand_new, ids))
    }
}
