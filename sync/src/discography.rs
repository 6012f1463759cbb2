//! Whole discographies: reading every release of an artist (in the groups
//! the listener chose) with its tracks, keeping each recording once, and
//! checking watched artists for new releases.
//!
//! Calls are the fewest Spotify's paging allows: `ceil(R / 10)` pages of
//! `/artists/{id}/albums` (10 is the most a page holds in 2026) plus
//! `ceil(T / 50)` pages of `/albums/{id}/tracks` for each release not read
//! before (development-mode apps have no batch `/albums`). Releases are
//! listed with `market=from_token`, so regional editions the listener
//! cannot play are not listed twice.
//!
//! One recording reaches Spotify's catalogue many times: as an album track,
//! on the deluxe edition, as a lead single, on a best-of. Simplified tracks
//! carry no ISRC, so a recording is known by its title (a remaster note
//! aside) and its length within two seconds, credited to the artist. The
//! release that keeps it is, in order: one already in the vault, an album
//! (the edition with the most tracks first), a single, a compilation, an
//! appearance; each earlier release first.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use vault::model::{DiscographyReport, ExpandCandidate, Id, NewArtist, NewTrack, ALBUM_GROUPS};
use vault::{DbError, KeptTrack, ReleaseRecord, Vault, WatchDue, WriteCache};

use crate::engine::{SyncError, Syncer};
use crate::{map, wire, Api};

/// Releases per page of `/artists/{id}/albums` (Spotify's maximum in 2026).
pub const RELEASES_PAGE: usize = 10;
/// Tracks per page of `/albums/{id}/tracks` (Spotify's maximum).
const TRACKS_PAGE: usize = 50;
/// Releases whose tracks are read at once.
const RELEASES_AT_ONCE: usize = 4;
/// Two lengths within this are one recording's.
const SAME_LENGTH_MS: i64 = 2_000;

/// Saves discographies and checks watched artists, through the syncer's
/// Spotify connection.
#[derive(Debug)]
pub struct Discographies {
    syncer: Arc<Syncer>,
    /// (listener, artist) pairs being read now: one read of each at a time.
    busy: std::sync::Mutex<HashSet<(Id, Id)>>,
}

/// What one read of an artist's releases is for.
struct Plan<'a> {
    artist: Id,
    spotify_id: &'a str,
    groups: &'a [String],
    /// Queue the tracks it keeps for download.
    queue: bool,
    /// Releases not read before in these groups are news.
    news: &'a [String],
}

/// Marks a (listener, artist) pair as being read until dropped.
struct Busy<'a> {
    set: &'a std::sync::Mutex<HashSet<(Id, Id)>>,
    key: (Id, Id),
}

impl<'a> Busy<'a> {
    fn take(set: &'a std::sync::Mutex<HashSet<(Id, Id)>>, key: (Id, Id)) -> Option<Self> {
        set.lock()
            .expect("busy set")
            .insert(key)
            .then_some(Self { set, key })
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.set.lock().expect("busy set").remove(&self.key);
    }
}

/// A release read from Spotify with its tracks.
struct Read {
    release: wire::SimplifiedAlbum,
    group: String,
    tracks: Vec<wire::Track>,
}

/// A recording already kept: its key, length and where it is.
struct Kept {
    spotify_id: Option<String>,
    key: String,
    duration_ms: i64,
    on: Option<String>,
}

impl Discographies {
    pub fn new(syncer: Arc<Syncer>) -> Self {
        Self {
            syncer,
            busy: std::sync::Mutex::new(HashSet::new()),
        }
    }

    fn vault(&self) -> &Vault {
        self.syncer.vault()
    }

    /// Saves the artist's discography in `groups` for the listener, and
    /// records their choices (queue new tracks, watch for new releases).
    pub async fn save(
        &self,
        user: Id,
        artist: Id,
        groups: &[String],
        queue: bool,
        watch: bool,
    ) -> Result<DiscographyReport, SyncError> {
        let spotify_id = self.artist_spotify_id(artist).await?;
        // A release not read before is news in the groups read before (a
        // group just chosen brings its whole past, which is not news).
        let before = self.vault().discography(user, artist).await?.groups;
        self.vault()
            .set_discography(user, artist, groups, queue, watch)
            .await?;
        let groups = vault::discography::check_groups(groups)?;
        self.read_logged(
            user,
            Plan {
                artist,
                spotify_id: &spotify_id,
                groups: &groups,
                queue,
                news: &before,
            },
        )
        .await
    }

    /// Checks one watched artist for releases not read before.
    pub async fn check(&self, due: &WatchDue) -> Result<DiscographyReport, SyncError> {
        self.read_logged(
            due.user,
            Plan {
                artist: due.artist,
                spotify_id: &due.spotify_id,
                groups: &due.groups,
                queue: due.queue,
                news: &due.groups,
            },
        )
        .await
    }

    /// Checks every watched artist not checked for `every`; returns how
    /// many new releases were found. A failure is recorded on the artist
    /// and logged, and the others are still checked.
    pub async fn check_due(&self, every: Duration) -> Result<usize, SyncError> {
        let before = chrono::Utc::now()
            - chrono::Duration::from_std(every).unwrap_or(chrono::Duration::days(1));
        let before = before.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut found = 0;
        for due in self.vault().watches_due(&before).await? {
            match self.check(&due).await {
                Ok(report) => {
                    if report.new_releases > 0 {
                        tracing::info!(
                            "watch: {} has {} new releases ({} tracks)",
                            due.name,
                            report.new_releases,
                            report.tracks_saved
                        );
                    }
                    found += report.new_releases;
                }
                Err(SyncError::NotConnected) => return Err(SyncError::NotConnected),
                Err(e) => tracing::warn!("watch: checking {} failed: {e}", due.name),
            }
        }
        Ok(found)
    }

    /// What saving the discographies of the artists `names` (in `groups`)
    /// would add, before anything is saved: each name is looked up on
    /// Spotify (exactly, any case) and its releases are listed, not read.
    pub async fn preview(
        &self,
        user: Id,
        names: &[String],
        groups: &[String],
    ) -> Result<Vec<ExpandCandidate>, SyncError> {
        let groups = vault::discography::check_groups(groups)?;
        let connection = self.syncer.connection().await?;
        let api = connection.api.clone();
        let per_track = self.vault().average_audio_bytes().await?;
        let saved = self.vault().saved_discography_spotify_ids(user).await?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let found = find_artist(&api, name).await?;
            let mut candidate = ExpandCandidate {
                name: name.clone(),
                ..ExpandCandidate::default()
            };
            if let Some(artist) = found {
                let listed = releases(&api, &artist.id, &groups).await?;
                candidate.releases = listed.len();
                candidate.tracks = listed
                    .iter()
                    .map(|(r, _)| r.total_tracks.unwrap_or(0).max(0) as u64)
                    .sum();
                candidate.estimated_bytes = candidate.tracks * per_track;
                candidate.saved = saved.contains(&artist.id);
                candidate.spotify_id = Some(artist.id);
            }
            out.push(candidate);
        }
        self.syncer.persist_rotated_token(&connection).await?;
        Ok(out)
    }

    /// Saves the discographies of Spotify artists (ID and name, from a
    /// [`preview`](Self::preview)), each into the vault as an artist first.
    pub async fn expand(
        &self,
        user: Id,
        artists: &[(String, String)],
        groups: &[String],
        queue: bool,
        watch: bool,
    ) -> Result<DiscographyReport, SyncError> {
        let mut total = DiscographyReport::default();
        for (spotify_id, name) in artists {
            let mut tx = self.vault().begin().await?;
            let artist = Vault::upsert_artist(
                &mut tx,
                &NewArtist {
                    spotify_id: Some(spotify_id.clone()),
                    name: name.clone(),
                    image_url: None,
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
            let r = self.save(user, artist, groups, queue, watch).await?;
            total.releases += r.releases;
            total.new_releases += r.new_releases;
            total.tracks_saved += r.tracks_saved;
            total.duplicates += r.duplicates;
            total.queued += r.queued;
            total.api_calls += r.api_calls;
            total.elapsed_ms += r.elapsed_ms;
        }
        Ok(total)
    }

    async fn artist_spotify_id(&self, artist: Id) -> Result<String, SyncError> {
        let found = self
            .vault()
            .artist_only(artist)
            .await
            .map_err(|e| match e {
                DbError::NotFound => DbError::Invalid(format!("No artist {artist} in the vault.")),
                e => e,
            })?;
        found.spotify_id.ok_or_else(|| {
            SyncError::Db(DbError::Invalid(format!(
                "{} is not a Spotify artist (a local file's credit); there is no discography to read.",
                found.name
            )))
        })
    }

    /// [`read`](Self::read), recording the outcome on the listener's discography.
    async fn read_logged(&self, user: Id, job: Plan<'_>) -> Result<DiscographyReport, SyncError> {
        let artist = job.artist;
        let Some(_busy) = Busy::take(&self.busy, (user, artist)) else {
            return Err(SyncError::Busy);
        };
        let result = self.read(job).await;
        let error = result.as_ref().err().map(ToString::to_string);
        self.vault()
            .discography_checked(user, artist, error.as_deref())
            .await?;
        result
    }

    async fn read(&self, job: Plan<'_>) -> Result<DiscographyReport, SyncError> {
        let started = Instant::now();
        let connection = self.syncer.connection().await?;
        let api = connection.api.clone();
        let calls_before = api.calls();
        let result = self.read_with(&api, job).await;
        if let Err(SyncError::Api(crate::ApiError::GrantEnded(reason))) = &result {
            self.syncer.grant_ended(reason).await?;
        }
        self.syncer.persist_rotated_token(&connection).await?;
        let mut report = result?;
        report.api_calls = api.calls() - calls_before;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    async fn read_with(&self, api: &Api, job: Plan<'_>) -> Result<DiscographyReport, SyncError> {
        let Plan {
            artist,
            spotify_id,
            groups,
            queue,
            news,
        } = job;
        let listed = releases(api, spotify_id, groups).await?;
        let known = self.vault().known_releases(artist).await?;
        let fresh: Vec<(wire::SimplifiedAlbum, String)> = listed
            .iter()
            .filter(|(r, _)| r.id.as_ref().is_some_and(|id| !known.contains(id)))
            .cloned()
            .collect();
        let mut report = DiscographyReport {
            releases: listed.len(),
            new_releases: fresh.len(),
            ..DiscographyReport::default()
        };
        let mut read: Vec<Read> = futures::stream::iter(fresh)
            .map(|(release, group)| async move {
                let tracks = album_tracks(api, &release).await?;
                Ok::<_, SyncError>(Read {
                    release,
                    group,
                    tracks,
                })
            })
            .buffered(RELEASES_AT_ONCE)
            .try_collect()
            .await?;
        let ids: Vec<String> = read.iter().filter_map(|r| r.release.id.clone()).collect();
        let in_vault = self.vault().albums_in_vault(&ids).await?;
        read.sort_by_cached_key(|r| priority(r, &in_vault));
        let mut kept: Vec<Kept> = self
            .vault()
            .artist_kept_tracks(artist)
            .await?
            .into_iter()
            .map(|(spotify_id, title, duration_ms, on): KeptTrack| Kept {
                key: recording_key(&title),
                spotify_id,
                duration_ms,
                on,
            })
            .collect();
        let mut cache = WriteCache::default();
        let mut to_queue = Vec::new();
        for r in &read {
            let (keep, already, duplicates, duplicate_of) = plan(r, spotify_id, &mut kept);
            let album = map::album(&r.release);
            let tracks: Vec<NewTrack> = keep
                .iter()
                .map(|t| map::track(t, Some(&r.release)))
                .collect();
            let record = ReleaseRecord {
                spotify_album_id: r.release.id.clone().unwrap_or_default(),
                album_id: None,
                name: r.release.name.clone(),
                album_group: r.group.clone(),
                album_type: album.album_type.clone(),
                release_date: r.release.release_date.clone(),
                total_tracks: r.release.total_tracks.unwrap_or(r.tracks.len() as i64),
                tracks_saved: tracks.len() as i64,
                duplicates: duplicates as i64,
                duplicate_of,
                // Found after the first read of its group: a watch's check,
                // or the listener's update.
                later: news.contains(&r.group),
            };
            let mut tx = self.vault().begin().await?;
            let ids = Vault::upsert_tracks_cached(&mut tx, &tracks, &mut cache).await?;
            let album_id = if tracks.is_empty() {
                None
            } else {
                Some(Vault::upsert_album_cached(&mut tx, &album, &mut cache).await?)
            };
            Vault::record_release(&mut tx, artist, &ReleaseRecord { album_id, ..record }).await?;
            tx.commit().await.map_err(DbError::from)?;
            report.tracks_saved += ids.len() - already;
            report.duplicates += duplicates;
            if queue {
                to_queue.extend(ids);
            }
        }
        if !to_queue.is_empty() {
            report.queued = self.vault().queue_track_ids(&to_queue).await?;
        }
        Ok(report)
    }
}

/// Every release of the artist in `groups`, as Spotify lists them, each
/// once, with its group.
async fn releases(
    api: &Api,
    artist: &str,
    groups: &[String],
) -> Result<Vec<(wire::SimplifiedAlbum, String)>, SyncError> {
    let mut out: Vec<(wire::SimplifiedAlbum, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mut offset = 0usize;
    loop {
        let page: wire::Paging<wire::SimplifiedAlbum> = api
            .get(
                &format!("artists/{artist}/albums"),
                &[
                    ("include_groups", groups.join(",")),
                    ("market", "from_token".into()),
                    ("limit", RELEASES_PAGE.to_string()),
                    ("offset", offset.to_string()),
                ],
            )
            .await?;
        offset += page.items.len();
        for release in page.items {
            let group = release
                .album_group
                .clone()
                .or_else(|| release.album_type.clone())
                .unwrap_or_else(|| "album".into());
            let Some(id) = release.id.clone() else {
                continue;
            };
            if ALBUM_GROUPS.contains(&group.as_str()) && seen.insert(id) {
                out.push((release, group));
            }
        }
        if page.next.is_none() || offset == 0 || page.total.is_some_and(|t| offset as u64 >= t) {
            break;
        }
    }
    Ok(out)
}

/// The Spotify artist named `name` (any case), if search finds one.
async fn find_artist(api: &Api, name: &str) -> Result<Option<wire::Artist>, SyncError> {
    #[derive(serde::Deserialize)]
    struct Found {
        artists: wire::Paging<wire::Artist>,
    }
    let quoted = name.replace('"', " ");
    let found: Found = api
        .get(
            "search",
            &[
                ("q", format!("artist:\"{}\"", quoted.trim())),
                ("type", "artist".into()),
                ("limit", "10".into()),
            ],
        )
        .await?;
    let wanted = name.trim().to_lowercase();
    Ok(found
        .artists
        .items
        .into_iter()
        .find(|a| a.name.trim().to_lowercase() == wanted))
}

/// All tracks of one release, in pages of 50.
async fn album_tracks(
    api: &Api,
    release: &wire::SimplifiedAlbum,
) -> Result<Vec<wire::Track>, SyncError> {
    let Some(id) = &release.id else {
        return Ok(Vec::new());
    };
    let mut tracks: Vec<wire::Track> = Vec::new();
    loop {
        let page: wire::Paging<wire::Track> = api
            .get(
                &format!("albums/{id}/tracks"),
                &[
                    ("market", "from_token".into()),
                    ("limit", TRACKS_PAGE.to_string()),
                    ("offset", tracks.len().to_string()),
                ],
            )
            .await?;
        let empty = page.items.is_empty();
        tracks.extend(page.items);
        if page.next.is_none() || empty {
            break;
        }
    }
    Ok(tracks)
}

/// Which release keeps a recording first (smaller first).
fn priority(r: &Read, in_vault: &HashSet<String>) -> (bool, usize, i64, String) {
    let held = r
        .release
        .id
        .as_ref()
        .is_some_and(|id| in_vault.contains(id));
    let group = ALBUM_GROUPS
        .iter()
        .position(|g| *g == r.group)
        .unwrap_or(ALBUM_GROUPS.len());
    // The edition with more tracks keeps an album's recordings.
    let size = if r.group == "album" {
        -(r.tracks.len() as i64)
    } else {
        0
    };
    (
        !held,
        group,
        size,
        r.release.release_date.clone().unwrap_or_default(),
    )
}

/// The tracks of `r` to keep (of which how many the vault already has),
/// how many were left out as recordings already kept, and the one release
/// they were kept from (when it is one). Tracks kept are added to `kept`.
/// On someone else's release the artist appears on, only the artist's own
/// tracks count.
fn plan<'a>(
    r: &'a Read,
    artist: &str,
    kept: &mut Vec<Kept>,
) -> (Vec<&'a wire::Track>, usize, usize, Option<String>) {
    let mut keep = Vec::new();
    let mut already = 0;
    let mut duplicates = 0;
    let mut from: Vec<Option<String>> = Vec::new();
    for t in &r.tracks {
        if r.group == "appears_on" && !t.artists.iter().any(|a| a.id.as_deref() == Some(artist)) {
            continue;
        }
        let key = recording_key(&t.name);
        let length = t.duration_ms.unwrap_or(0);
        let same = kept.iter().find(|k| {
            (k.spotify_id.is_some() && k.spotify_id == t.id)
                || (k.key == key && (k.duration_ms - length).abs() <= SAME_LENGTH_MS)
        });
        match same {
            // The very track is in the vault already: it stays on this release.
            Some(k) if k.spotify_id.is_some() && k.spotify_id == t.id => {
                already += 1;
                keep.push(t);
            }
            Some(k) => {
                duplicates += 1;
                if !from.contains(&k.on) {
                    from.push(k.on.clone());
                }
            }
            None => {
                kept.push(Kept {
                    spotify_id: t.id.clone(),
                    key,
                    duration_ms: length,
                    on: Some(r.release.name.clone()),
                });
                keep.push(t);
            }
        }
    }
    let duplicate_of = match from.as_slice() {
        [Some(one)] => Some(one.clone()),
        _ => None,
    };
    (keep, already, duplicates, duplicate_of)
}

/// A recording's title as compared: case and spacing aside, and without a
/// remaster note ("Song - Remastered 2011", "Song (2009 Remaster)"), which
/// names the same recording.
pub fn recording_key(title: &str) -> String {
    let mut t = title.to_lowercase();
    if let Some((head, tail)) = t.rsplit_once(" - ") {
        if tail.contains("remaster") {
            t = head.to_string();
        }
    }
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let (Some(a), Some(b)) = (t.rfind(open), t.rfind(close)) {
            if a < b && t[a..b].contains("remaster") {
                t = format!("{}{}", &t[..a], &t[b + 1..]);
            }
        }
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaster_notes_name_the_same_recording() {
        assert_eq!(recording_key("Hey  Jude"), "hey jude");
        assert_eq!(recording_key("Hey Jude - Remastered 2015"), "hey jude");
        assert_eq!(recording_key("Hey Jude (2009 Remaster)"), "hey jude");
        assert_eq!(recording_key("Hey Jude [Remastered]"), "hey jude");
        // Other versions are other recordings.
        assert_eq!(recording_key("Hey Jude - Live"), "hey jude - live");
        assert_eq!(recording_key("Hey Jude (Acoustic)"), "hey jude (acoustic)");
    }
}
