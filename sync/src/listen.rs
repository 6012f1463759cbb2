//! The listening poller: what the person plays on Spotify, kept as it
//! happens, so no play is lost to recently-played's limit of 50.
//!
//! - While an account is connected, Hoard asks Spotify what is playing
//!   (`/me/player`, or `/me/player/currently-playing` for an account
//!   connected before Hoard asked for `user-read-playback-state`): every
//!   2 s while something plays (1 s near a track's end, so the change is
//!   seen), every 5 s while paused, every 15 s while nothing plays, and once
//!   a minute once nothing has played for 10 minutes (so also after a start,
//!   until something plays; a new connection is asked at once). A 429 waits
//!   as long as Spotify says (the client); a used-up quota waits until it
//!   resets. What plays before the poller first sees it is the backfill's.
//! - [`Tracker`] turns those observations into listens: a listen ends when
//!   the track changes, when the same track starts again (repeat one), or
//!   when nothing or something else (an episode, an ad: `item: null`)
//!   plays. What it heard is the sum of the progress it saw advance (a seek
//!   forward is not heard), and it counts as a play by the scrobbling rule
//!   ([`counts_as_play`]); a shorter listen is kept as a skip.
//! - Every hour (`backfill_every`) recently-played fills what the poll
//!   missed (the server was down, the network was), deduplicated against
//!   what it saw (`vault::listening`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::watch;
use vault::model::{counts_as_play, OWNER};
use vault::{NewListen, Vault, WriteCache};

use crate::client::ApiError;
use crate::engine::{Connection, SyncError, Syncer};
use crate::{map, wire};

/// How often the poller asks, and how much progress it believes.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    pub playing_every: Duration,
    /// Used when a track is this close to its end.
    pub ending_every: Duration,
    pub paused_every: Duration,
    pub idle_every: Duration,
    /// Nothing played for this long: ask only every `long_idle_every`.
    pub long_idle_after: Duration,
    pub long_idle_every: Duration,
    pub backfill_every: Duration,
    /// Progress is believed up to this many times the wall-clock time
    /// between two polls (more is a seek). Tests that speed up the local
    /// API's listener raise it.
    pub max_progress_rate: f64,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            playing_every: Duration::from_secs(2),
            ending_every: Duration::from_secs(1),
            paused_every: Duration::from_secs(5),
            idle_every: Duration::from_secs(15),
            long_idle_after: Duration::from_secs(600),
            long_idle_every: Duration::from_secs(60),
            backfill_every: Duration::from_secs(3600),
            max_progress_rate: 1.25,
        }
    }
}

/// `/me/player` and `/me/player/currently-playing`.
#[derive(Debug, Deserialize)]
pub struct PlaybackState {
    #[serde(default)]
    pub device: Option<Device>,
    #[serde(default)]
    pub shuffle_state: Option<bool>,
    #[serde(default)]
    pub context: Option<wire::Context>,
    #[serde(default)]
    pub progress_ms: Option<i64>,
    #[serde(default)]
    pub is_playing: bool,
    /// A track or an episode object, or null (an ad, an episode without
    /// `additional_types=episode`, a private session).
    #[serde(default)]
    pub item: Option<serde_json::Value>,
    /// `track`, `episode`, `ad` or `unknown`.
    #[serde(default)]
    pub currently_playing_type: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Device {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl PlaybackState {
    /// The track playing, if a track plays (not an episode, an ad or nothing).
    fn track(&self) -> Option<wire::Track> {
        if self.currently_playing_type.as_deref().unwrap_or("track") != "track" {
            return None;
        }
        let item = self.item.as_ref()?;
        if item.get("type").and_then(|t| t.as_str()) != Some("track") {
            return None;
        }
        let track: wire::Track = serde_json::from_value(item.clone()).ok()?;
        track.id.as_ref()?;
        Some(track)
    }
}

/// A listen the tracker has seen end.
#[derive(Clone, Debug)]
pub struct Heard {
    pub track: wire::Track,
    pub started_ms: i64,
    pub ended_ms: i64,
    pub ms_played: i64,
    pub counted: bool,
    pub device: Option<String>,
    pub context_uri: Option<String>,
    pub shuffle: Option<bool>,
}

#[derive(Clone, Debug)]
struct Current {
    track: wire::Track,
    duration_ms: i64,
    started_ms: i64,
    progress_ms: i64,
    /// Wall time of the observation that saw `progress_ms`.
    seen_ms: i64,
    playing: bool,
    heard_ms: i64,
    device: Option<String>,
    context_uri: Option<String>,
    shuffle: Option<bool>,
}

/// Turns successive observations into listens.
#[derive(Debug, Default)]
pub struct Tracker {
    current: Option<Current>,
    /// Wall time something last played (for the long-idle back-off).
    pub last_playing_ms: Option<i64>,
    /// Wall time of the previous observation.
    last_poll_ms: Option<i64>,
    max_rate: f64,
}

impl Tracker {
    pub fn new(max_progress_rate: f64) -> Self {
        Tracker {
            current: None,
            last_playing_ms: None,
            last_poll_ms: None,
            max_rate: max_progress_rate,
        }
    }

    /// What plays now: a track's remaining milliseconds, if one plays.
    pub fn remaining_ms(&self) -> Option<i64> {
        self.current
            .as_ref()
            .filter(|c| c.playing)
            .map(|c| c.duration_ms - c.progress_ms)
    }

    /// Whether a track is loaded but paused.
    pub fn paused(&self) -> bool {
        self.current.as_ref().is_some_and(|c| !c.playing)
    }

    /// Feeds one observation at wall time `now_ms` (`None`: 204, nothing
    /// plays); returns the listens that ended.
    pub fn observe(&mut self, state: Option<&PlaybackState>, now_ms: i64) -> Vec<Heard> {
        let since_last = self.last_poll_ms.map_or(0, |at| (now_ms - at).max(0));
        self.last_poll_ms = Some(now_ms);
        let mut ended = Vec::new();
        let track = state.and_then(PlaybackState::track);
        let playing = state.is_some_and(|s| s.is_playing);
        if playing {
            self.last_playing_ms = Some(now_ms);
        }
        let progress = state.and_then(|s| s.progress_ms).unwrap_or(0).max(0);
        let same = match (&self.current, &track) {
            (Some(c), Some(t)) => c.track.id == t.id,
            _ => false,
        };
        if same {
            let rate = self.max_rate;
            let c = self.current.as_mut().expect("current");
            let wall = (now_ms - c.seen_ms).max(0);
            let believable = (wall as f64 * rate) as i64 + 1_000;
            if progress + 3_000 < c.progress_ms {
                // Back near the start: a repeat when it had reached the end
                // and has played only since then, else a seek back.
                let to_end = c.duration_ms - c.progress_ms;
                if c.playing && to_end <= believable && progress <= believable {
                    c.heard_ms += to_end.max(0);
                    let end = c.seen_ms + (to_end as f64 / rate.max(1.0)) as i64;
                    let finished = c.clone();
                    ended.push(Self::finish(finished, end));
                    let next = self.start(track.expect("track"), state, progress, now_ms, wall);
                    self.current = Some(next);
                    return ended;
                }
            } else if c.playing {
                let delta = progress - c.progress_ms;
                if delta > 0 {
                    c.heard_ms += delta.min(believable);
                }
            }
            c.progress_ms = progress;
            c.seen_ms = now_ms;
            c.playing = playing;
            if let Some(s) = state {
                if let Some(d) = device_name(s) {
                    c.device = Some(d);
                }
            }
            return ended;
        }
        if let Some(c) = self.current.take() {
            // It may have played on between the last poll and the change.
            let wall = (now_ms - c.seen_ms).max(0);
            let more = if c.playing {
                ((wall as f64 * self.max_rate) as i64).min(c.duration_ms - c.progress_ms)
            } else {
                0
            };
            let mut c = c;
            c.heard_ms += more.max(0);
            let end = c.seen_ms + ((more.max(0) as f64 / self.max_rate.max(1.0)) as i64).min(wall);
            ended.push(Self::finish(c, end));
        }
        if let Some(t) = track {
            // It began after the previous poll; before the first poll
            // nothing is known (the backfill has those plays).
            self.current = Some(self.start(t, state, progress, now_ms, since_last));
        }
        ended
    }

    fn start(
        &self,
        track: wire::Track,
        state: Option<&PlaybackState>,
        progress: i64,
        now_ms: i64,
        wall: i64,
    ) -> Current {
        let heard = progress.min((wall as f64 * self.max_rate) as i64);
        Current {
            duration_ms: track.duration_ms.unwrap_or(0),
            track,
            started_ms: now_ms - progress.min(now_ms),
            progress_ms: progress,
            seen_ms: now_ms,
            playing: state.is_some_and(|s| s.is_playing),
            heard_ms: heard.max(0),
            device: state.and_then(device_name),
            context_uri: state
                .and_then(|s| s.context.as_ref())
                .and_then(|c| c.uri.clone()),
            shuffle: state.and_then(|s| s.shuffle_state),
        }
    }

    fn finish(c: Current, ended_ms: i64) -> Heard {
        Heard {
            counted: counts_as_play(c.heard_ms, c.duration_ms),
            started_ms: c.started_ms.min(ended_ms),
            ended_ms,
            ms_played: c.heard_ms,
            device: c.device,
            context_uri: c.context_uri,
            shuffle: c.shuffle,
            track: c.track,
        }
    }
}

fn device_name(s: &PlaybackState) -> Option<String> {
    let d = s.device.as_ref()?;
    match (&d.name, &d.kind) {
        (Some(n), Some(k)) => Some(format!("{n} ({k})")),
        (Some(n), None) => Some(n.clone()),
        (None, k) => k.clone(),
    }
}

/// What the poller has done, for the UI, the benchmark and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListenStatus {
    pub polls: u64,
    pub listens: u64,
    pub backfilled: u64,
    /// The track playing now, as "Artist – Title", if any.
    pub now_playing: Option<String>,
    pub last_error: Option<String>,
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Polls while the process lives; start it once per server.
pub async fn run(syncer: Arc<Syncer>, options: ListenOptions, status: watch::Sender<ListenStatus>) {
    let mut tracker = Tracker::new(options.max_progress_rate);
    let mut last_backfill: Option<Instant> = None;
    loop {
        let wait = match poll_once(&syncer, &options, &mut tracker, &mut last_backfill, &status)
            .await
        {
            Ok(wait) => wait,
            Err(SyncError::NotConnected) => {
                tracker = Tracker::new(options.max_progress_rate);
                options.long_idle_every
            }
            Err(SyncError::Api(ApiError::Quota { retry_after })) => {
                status.send_modify(|s| s.last_error = Some("Spotify's quota is used up".into()));
                retry_after.max(options.long_idle_every)
            }
            Err(SyncError::Api(ApiError::GrantEnded(reason))) => {
                if let Err(e) = syncer.grant_ended(&reason).await {
                    tracing::warn!("listening: {e}");
                }
                options.long_idle_every
            }
            Err(e) => {
                tracing::warn!("listening: {e}");
                status.send_modify(|s| s.last_error = Some(e.to_string()));
                options.idle_every
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = syncer.connected() => {}
        }
    }
}

async fn poll_once(
    syncer: &Syncer,
    options: &ListenOptions,
    tracker: &mut Tracker,
    last_backfill: &mut Option<Instant>,
    status: &watch::Sender<ListenStatus>,
) -> Result<Duration, SyncError> {
    let account = syncer.vault().spotify_account().await?;
    if account.as_ref().is_none_or(|a| a.grant_ended_at.is_some()) {
        return Err(SyncError::NotConnected);
    }
    let connection = syncer.connection().await?;
    let full = connection.scopes.contains("user-read-playback-state");
    let path = if full {
        "me/player"
    } else {
        "me/player/currently-playing"
    };
    let state: Option<PlaybackState> = connection
        .api
        .get_optional(path, &[("additional_types", "episode".to_string())])
        .await?;
    let now = wall_ms();
    let heard = tracker.observe(state.as_ref(), now);
    let added = record(syncer.vault(), &heard).await?;
    let now_playing = state.as_ref().and_then(PlaybackState::track).map(|t| {
        let artists: Vec<&str> = t.artists.iter().map(|a| a.name.as_str()).collect();
        format!("{} – {}", artists.join(", "), t.name)
    });
    status.send_modify(|s| {
        s.polls += 1;
        s.listens += added;
        s.now_playing = now_playing;
        s.last_error = None;
    });
    if last_backfill.is_none_or(|at| at.elapsed() >= options.backfill_every) {
        let n = backfill(syncer.vault(), &connection).await?;
        *last_backfill = Some(Instant::now());
        status.send_modify(|s| s.backfilled += n);
    }
    syncer.persist_rotated_token(&connection).await?;
    Ok(next_wait(tracker, options, now))
}

fn next_wait(tracker: &Tracker, options: &ListenOptions, now_ms: i64) -> Duration {
    if let Some(remaining) = tracker.remaining_ms() {
        let ending = remaining as f64 <= options.playing_every.as_millis() as f64 * 1.5;
        return if ending {
            options.ending_every
        } else {
            options.playing_every
        };
    }
    let idle_for = tracker.last_playing_ms.map_or(i64::MAX, |at| now_ms - at);
    if idle_for >= options.long_idle_after.as_millis() as i64 {
        options.long_idle_every
    } else if tracker.paused() {
        options.paused_every
    } else {
        options.idle_every
    }
}

/// Listens shorter than this are not kept at all (a track clicked past, or
/// one seen only as it stopped), as Hoard's own player does.
const KEEP_FROM_MS: i64 = 1_000;

/// Writes ended listens (and their tracks); returns how many were new.
async fn record(vault: &Vault, heard: &[Heard]) -> Result<u64, SyncError> {
    let heard: Vec<&Heard> = heard
        .iter()
        .filter(|h| h.ms_played >= KEEP_FROM_MS)
        .collect();
    if heard.is_empty() {
        return Ok(0);
    }
    let mut tx = vault.begin().await?;
    let tracks: Vec<_> = heard.iter().map(|h| map::track(&h.track, None)).collect();
    let ids = Vault::upsert_tracks_cached(&mut tx, &tracks, &mut WriteCache::default()).await?;
    let mut added = 0;
    for (h, id) in heard.into_iter().zip(ids) {
        let listen = NewListen {
            user_id: OWNER,
            track_id: id,
            started_ms: h.started_ms,
            ended_ms: h.ended_ms,
            ms_played: Some(h.ms_played),
            counted: h.counted,
            source: "spotify-poll",
            device: h.device.clone(),
            context_uri: h.context_uri.clone(),
            shuffle: h.shuffle,
            skipped: Some(!h.counted),
            ..NewListen::default()
        };
        if Vault::add_spotify_listen(&mut tx, &listen).await? {
            added += 1;
        }
    }
    tx.commit().await.map_err(vault::DbError::from)?;
    Ok(added)
}

/// Takes recently-played's last 50 and keeps what the poll did not see.
pub async fn backfill(vault: &Vault, connection: &Connection) -> Result<u64, SyncError> {
    let page: wire::CursorPaging<wire::PlayHistory> = connection
        .api
        .get("me/player/recently-played", &[("limit", "50".to_string())])
        .await?;
    if page.items.is_empty() {
        return Ok(0);
    }
    let mut tx = vault.begin().await?;
    let tracks: Vec<_> = page
        .items
        .iter()
        .map(|p| map::track(&p.track, None))
        .collect();
    let ids = Vault::upsert_tracks_cached(&mut tx, &tracks, &mut WriteCache::default()).await?;
    let mut added = 0;
    for (p, id) in page.items.iter().zip(ids) {
        let Some(at) = vault::rfc3339_ms(&p.played_at) else {
            continue;
        };
        let context = p.context.as_ref().and_then(|c| c.uri.clone());
        let listen = recent_listen(id, at, context);
        if Vault::add_spotify_listen(&mut tx, &listen).await? {
            added += 1;
        }
    }
    tx.commit().await.map_err(vault::DbError::from)?;
    Ok(added)
}

/// A recently-played entry as a listen: one moment (the start on some
/// clients, the end on others), counted, since Spotify lists only plays it
/// counted.
pub(crate) fn recent_listen(
    track_id: vault::model::Id,
    at: i64,
    context: Option<String>,
) -> NewListen {
    NewListen {
        user_id: OWNER,
        track_id,
        started_ms: at,
        ended_ms: at,
        ms_played: None,
        counted: true,
        source: "spotify-recent",
        context_uri: context,
        ..NewListen::default()
    }
}
