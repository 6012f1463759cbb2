//! Phase 3: playlists and their items. A playlist whose snapshot is
//! unchanged is not fetched; a changed one is read in full and diffed.

use std::collections::HashSet;

use futures::{StreamExt, TryStreamExt};
use vault::model::{Id, NewPlaylistItem};
use vault::{DbError, Vault};

use super::{Run, SyncError, PAGE, PLAYLISTS_AT_ONCE};
use crate::client::ApiError;
use crate::{map, wire};

impl Run<'_> {
    pub(super) async fn playlists(&mut self, full: bool) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "playlists".into());
        let states = self.vault().playlist_sync_states().await?;
        let mut listed: Vec<wire::SimplifiedPlaylist> = Vec::new();
        let first: wire::Paging<wire::SimplifiedPlaylist> = self
            .api
            .get(
                "me/playlists",
                &[("limit", PAGE.to_string()), ("offset", "0".into())],
            )
            .await?;
        let total = first.total.unwrap_or(first.items.len() as u64) as usize;
        let more = first.next.is_some();
        listed.extend(first.items);
        if more {
            let api = self.api;
            let offsets: Vec<usize> = (listed.len()..total).step_by(PAGE).collect();
            let pages: Vec<wire::Paging<wire::SimplifiedPlaylist>> = futures::stream::iter(offsets)
                .map(|offset| async move {
                    api.get::<wire::Paging<wire::SimplifiedPlaylist>>(
                        "me/playlists",
                        &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                    )
                    .await
                })
                .buffered(self.syncer.options.policy.concurrency.max(1))
                .try_collect()
                .await?;
            for page in pages {
                listed.extend(page.items);
            }
        }
        // The details of every playlist, in one transaction.
        let mut ids = Vec::with_capacity(listed.len());
        {
            let _writer = self.write.lock().await;
            let mut tx = self.vault().begin().await?;
            for p in &listed {
                ids.push(Vault::upsert_playlist(&mut tx, &map::playlist(p)).await?);
            }
            tx.commit().await.map_err(DbError::from)?;
        }
        let mut to_fetch = Vec::new();
        for (p, id) in listed.iter().zip(&ids) {
            let state = states.get(&p.id);
            let have_items = state.is_some_and(|s| {
                s.items_snapshot_id.is_some() && s.items_snapshot_id == p.snapshot_id
            });
            // A playlist this app may not read is asked again only when it
            // changes, or on a full pass.
            let refused_before =
                state.is_some_and(|s| !s.readable && s.snapshot_id == p.snapshot_id && !full);
            if have_items || refused_before {
                self.report.playlists_unchanged += 1;
                if refused_before {
                    self.report.playlists_unreadable += 1;
                }
            } else {
                to_fetch.push((p.clone(), *id));
            }
        }
        self.report.playlists_total = listed.len();
        let (total, unchanged) = (listed.len() as i64, self.report.playlists_unchanged as i64);
        self.progress(|p| {
            p.playlists_total = total;
            p.playlists_done = unchanged;
        });

        let run: &Run = self;
        let outcomes: Vec<PlaylistOutcome> = futures::stream::iter(to_fetch)
            .map(|(p, id): (wire::SimplifiedPlaylist, Id)| async move {
                let outcome = run.playlist_items(&p, id).await;
                run.progress(|pr| pr.playlists_done += 1);
                outcome
            })
            .buffer_unordered(PLAYLISTS_AT_ONCE)
            .try_collect()
            .await?;
        for outcome in outcomes {
            match outcome {
                PlaylistOutcome::Fetched(counts) => {
                    self.report.playlists_fetched += 1;
                    self.report.unavailable_entries += counts.unavailable;
                    self.report.local_files += counts.local;
                    self.report.episodes += counts.episodes;
                }
                PlaylistOutcome::Unreadable(name) => {
                    self.report.playlists_unreadable += 1;
                    self.warn(format!(
                        "“{name}” is not readable with this app: Spotify only gives apps in development mode the items of playlists you own or collaborate on. The vault keeps what it already had."
                    ));
                }
                PlaylistOutcome::Gone(name) => {
                    self.warn(format!(
                        "“{name}” is listed but Spotify could not find it; kept as it was"
                    ));
                }
            }
        }
        let keep: HashSet<String> = listed.iter().map(|p| p.id.clone()).collect();
        self.report.playlists_removed = self.vault().remove_playlists_missing(&keep).await?;
        Ok(())
    }

    /// Fetches every item of one playlist, writes the tracks page by page and
    /// then the new order in one transaction.
    async fn playlist_items(
        &self,
        playlist: &wire::SimplifiedPlaylist,
        playlist_id: Id,
    ) -> Result<PlaylistOutcome, SyncError> {
        let path = format!("playlists/{}/items", playlist.id);
        let mut entries: Vec<NewPlaylistItem> = Vec::new();
        let mut counts = EntryCounts::default();
        let mut offset = 0usize;
        loop {
            let page: wire::Paging<wire::PlaylistEntry> = match self
                .api
                .get(
                    &path,
                    &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                )
                .await
            {
                Ok(page) => page,
                Err(ApiError::Forbidden(_)) => {
                    self.vault()
                        .set_playlist_readable(playlist_id, false)
                        .await?;
                    return Ok(PlaylistOutcome::Unreadable(playlist.name.clone()));
                }
                Err(ApiError::NotFound) => return Ok(PlaylistOutcome::Gone(playlist.name.clone())),
                Err(e) => return Err(e.into()),
            };
            let mapped: Vec<Entry> = page.items.iter().map(|e| entry(e, &mut counts)).collect();
            let tracks: Vec<_> = mapped
                .iter()
                .filter_map(|e| e.track.map(|t| (t, None, e.local_uri.as_deref())))
                .collect();
            let ids = self
                .write_page(&tracks, |_, _| Box::pin(async { Ok(()) }))
                .await?;
            let mut ids = ids.into_iter();
            for mut e in mapped {
                if e.track.is_some() {
                    e.item.track_id = ids.next().flatten();
                }
                entries.push(e.item);
            }
            offset += page.items.len();
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
        }
        let _writer = self.write.lock().await;
        let mut tx = self.vault().begin().await?;
        Vault::replace_playlist_items(
            &mut tx,
            playlist_id,
            &entries,
            playlist.snapshot_id.as_deref(),
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(PlaylistOutcome::Fetched(counts))
    }
}

/// A playlist entry mapped for writing: the entry, and the track to write for it.
struct Entry<'t> {
    item: NewPlaylistItem,
    track: Option<&'t wire::Track>,
    local_uri: Option<String>,
}

enum PlaylistOutcome {
    Fetched(EntryCounts),
    Unreadable(String),
    Gone(String),
}

#[derive(Default)]
struct EntryCounts {
    unavailable: usize,
    local: usize,
    episodes: usize,
}

/// Maps one playlist entry; nothing is skipped: what is not a track the
/// vault can hold is kept as a labelled entry.
fn entry<'t>(e: &'t wire::PlaylistEntry, counts: &mut EntryCounts) -> Entry<'t> {
    let mut item = NewPlaylistItem {
        kind: "track".into(),
        track_id: None,
        label: None,
        added_at: e.added_at.clone(),
        added_by: e.added_by.as_ref().and_then(|u| u.id.clone()),
    };
    match e.content() {
        None => {
            counts.unavailable += 1;
            item.kind = "unavailable".into();
            Entry {
                item,
                track: None,
                local_uri: None,
            }
        }
        Some(wire::Playable::Episode(ep)) => {
            counts.episodes += 1;
            item.kind = "episode".into();
            item.label = Some(match &ep.show {
                Some(show) => format!("{} — {}", show.name, ep.name),
                None => ep.name.clone(),
            });
            Entry {
                item,
                track: None,
                local_uri: None,
            }
        }
        Some(wire::Playable::Track(t)) if e.is_local == Some(true) || t.is_local == Some(true) => {
            counts.local += 1;
            item.kind = "local".into();
            item.label = Some(t.name.clone());
            let uri = t.uri.clone().unwrap_or_else(|| {
                let artist = t.artists.first().map(|a| a.name.as_str()).unwrap_or("");
                format!(
                    "spotify:local:{artist}::{}:{}",
                    t.name,
                    t.duration_ms.unwrap_or(0) / 1000
                )
            });
            Entry {
                item,
                track: Some(t),
                local_uri: Some(uri),
            }
        }
        Some(wire::Playable::Track(t)) if t.id.is_none() => {
            counts.unavailable += 1;
            item.kind = "unavailable".into();
            item.label = Some(t.name.clone());
            Entry {
                item,
                track: None,
                local_uri: None,
            }
        }
        Some(wire::Playable::Track(t)) => Entry {
            item,
            track: Some(t),
            local_uri: None,
        },
    }
}
