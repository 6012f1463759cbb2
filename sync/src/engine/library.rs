//! Phases 4 to 6: saved albums, followed artists and recently played.

use std::collections::HashSet;

use std::sync::atomic::Ordering;

use vault::Vault;

use super::{Run, SyncError, PAGE, PLAYED_AFTER_MS};

/// Tracks from a streaming history given Spotify's data per sync.
const DETAILS_PER_SYNC: i64 = 100;
use crate::{map, wire};

impl Run<'_> {
    pub(super) async fn saved_albums(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "saved albums".into());
        let mut seen = HashSet::new();
        let mut offset = 0usize;
        loop {
            let page: wire::Paging<wire::SavedAlbum> = self
                .api
                .get(
                    "me/albums",
                    &[("limit", PAGE.to_string()), ("offset", offset.to_string())],
                )
                .await?;
            for saved in &page.items {
                let album = &saved.album;
                let mut tracks: Vec<wire::Track> = album
                    .tracks
                    .as_ref()
                    .map(|t| t.items.clone())
                    .unwrap_or_default();
                if let (Some(id), Some(listed)) = (&album.album.id, &album.tracks) {
                    let mut next = listed.next.clone();
                    while next.is_some() {
                        let more: wire::Paging<wire::Track> = self
                            .api
                            .get(
                                &format!("albums/{id}/tracks"),
                                &[
                                    ("limit", PAGE.to_string()),
                                    ("offset", tracks.len().to_string()),
                                ],
                            )
                            .await?;
                        next = more.next.clone().filter(|_| !more.items.is_empty());
                        tracks.extend(more.items);
                    }
                    seen.insert(id.clone());
                }
                let album_new = map::album(&album.album);
                let added_at = saved.added_at.clone();
                let refs: Vec<_> = tracks
                    .iter()
                    .map(|t| (t, Some(&album.album), None))
                    .collect();
                self.write_page(&refs, move |conn, _| {
                    Box::pin(async move {
                        let id = Vault::upsert_album(conn, &album_new).await?;
                        Vault::save_album(conn, id, &added_at).await
                    })
                })
                .await?;
            }
            offset += page.items.len();
            if page.next.is_none() || page.items.is_empty() {
                break;
            }
        }
        self.report.saved_albums = seen.len();
        self.vault().unsave_albums_missing(&seen).await?;
        Ok(())
    }

    pub(super) async fn followed_artists(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "followed artists".into());
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("type", "artist".to_owned()), ("limit", PAGE.to_string())];
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let page: wire::FollowedArtists = self.api.get("me/following", &query).await?;
            let artists: Vec<vault::model::NewArtist> =
                page.artists.items.iter().map(map::full_artist).collect();
            seen.extend(page.artists.items.iter().map(|a| a.id.clone()));
            self.write_page(&[], move |conn, _| {
                Box::pin(async move {
                    for artist in &artists {
                        let id = Vault::upsert_artist(conn, artist).await?;
                        Vault::follow_artist(conn, id).await?;
                    }
                    Ok(())
                })
            })
            .await?;
            after = page.artists.cursors.and_then(|c| c.after);
            if page.artists.next.is_none() || after.is_none() || page.artists.items.is_empty() {
                break;
            }
        }
        self.report.followed_artists = seen.len();
        self.vault().unfollow_artists_missing(&seen).await?;
        Ok(())
    }

    /// Spotify's own top tracks and artists for its three time ranges, 50
    /// of each: six calls a sync. An account connected before Hoard asked
    /// for `user-top-read` gets a 403; that is a warning (connect again to
    /// grant it), not a failed sync.
    pub(super) async fn top_items(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "top tracks and artists".into());
        let user = vault::model::OWNER;
        for range in vault::top::TOP_RANGES {
            let query = vec![
                ("time_range", range.to_owned()),
                ("limit", PAGE.to_string()),
            ];
            let tracks: wire::Paging<wire::Track> = match self
                .api
                .get("me/top/tracks", &query)
                .await
            {
                Ok(page) => page,
                Err(crate::client::ApiError::Forbidden(reason)) => {
                    self.warn(format!(
                        "Spotify's top tracks and artists were not read ({reason}): connect Spotify again in Settings to allow it"
                    ));
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            };
            let artists: wire::Paging<wire::Artist> =
                self.api.get("me/top/artists", &query).await?;
            let new_artists: Vec<vault::model::NewArtist> =
                artists.items.iter().map(map::full_artist).collect();
            let rows: Vec<_> = tracks.items.iter().map(|t| (t, None, None)).collect();
            let now = vault::now_text();
            self.write_page(&rows, move |conn, ids| {
                Box::pin(async move {
                    let track_ids: Vec<vault::model::Id> = ids.iter().flatten().copied().collect();
                    Vault::replace_spotify_top(conn, user, "tracks", range, &track_ids, &now)
                        .await?;
                    let mut artist_ids = Vec::new();
                    for artist in &new_artists {
                        artist_ids.push(Vault::upsert_artist(conn, artist).await?);
                    }
                    Vault::replace_spotify_top(conn, user, "artists", range, &artist_ids, &now)
                        .await
                })
            })
            .await?;
        }
        Ok(())
    }

    /// Spotify keeps only the last 50 plays, so every sync takes what is new.
    pub(super) async fn recently_played(&mut self) -> Result<(), SyncError> {
        self.progress(|p| p.phase = "listening history".into());
        let after = self.vault().setting(PLAYED_AFTER_MS).await?;
        let mut query = vec![("limit", PAGE.to_string())];
        if let Some(after) = after {
            query.push(("after", after));
        }
        let page: wire::CursorPaging<wire::PlayHistory> =
            self.api.get("me/player/recently-played", &query).await?;
        let latest = page
            .items
            .iter()
            .filter_map(|p| chrono::DateTime::parse_from_rfc3339(&p.played_at).ok())
            .max();
        let plays: Vec<(i64, Option<String>)> = page
            .items
            .iter()
            .map(|p| {
                let at = vault::rfc3339_ms(&p.played_at).unwrap_or_default();
                (at, p.context.as_ref().and_then(|c| c.uri.clone()))
            })
            .collect();
        let tracks: Vec<_> = page.items.iter().map(|p| (&p.track, None, None)).collect();
        let added = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = added.clone();
        self.write_page(&tracks, move |conn, ids| {
            Box::pin(async move {
                for (id, (at, context)) in ids.iter().zip(plays) {
                    if let Some(id) = id {
                        let listen = crate::listen::recent_listen(*id, at, context);
                        if Vault::add_spotify_listen(conn, &listen).await? {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(())
            })
        })
        .await?;
        self.report.plays = added.load(Ordering::Relaxed);
        if let Some(latest) = latest {
            let ms = latest.timestamp_millis();
            self.vault()
                .set_setting(PLAYED_AFTER_MS, &ms.to_string())
                .await?;
        }
        Ok(())
    }

    /// Tracks known only from a streaming history file get Spotify's own
    /// data, a few per sync: one `GET /tracks/{id}` each (apps in
    /// development mode no longer have the batch endpoint).
    pub(super) async fn track_details(&mut self) -> Result<(), SyncError> {
        let wanted = self
            .vault()
            .tracks_needing_details(DETAILS_PER_SYNC)
            .await?;
        if wanted.is_empty() {
            return Ok(());
        }
        self.progress(|p| p.phase = "track details".into());
        for id in wanted {
            let track: wire::Track = match self.api.get(&format!("tracks/{id}"), &[]).await {
                Ok(track) => track,
                Err(crate::ApiError::NotFound) => {
                    self.vault().track_details_unavailable(&id).await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            self.write_page(&[(&track, None, None)], |_, _| Box::pin(async { Ok(()) }))
                .await?;
        }
        Ok(())
    }
}
