//! A simulated listener: what `GET /me/player` and
//! `GET /me/player/currently-playing` report, and what `recently-played`
//! then lists. Tests drive it ([`Command`], over `POST /_mock/player` or
//! [`MockHandle::player`](crate::MockHandle::player)): play a track from a
//! playlist, pause, resume, seek, skip, queue, repeat one track, play an
//! episode or an ad, stop. Progress advances with the clock, `speed` times
//! as fast (so a test hears a 3-minute track in seconds), and the
//! reported times are wall-clock times.
//!
//! Shapes follow Spotify's reference: `currently_playing_type` is `track`,
//! `episode`, `ad` or `unknown`; an ad, and an episode unless the request
//! has `additional_types=episode`, come with `"item": null`; nothing
//! playing is `204 No Content`. `/me/player` adds `device`,
//! `shuffle_state`, `repeat_state`. A track heard for 30 s or more enters
//! recently-played when it ends (by skip, by its end, by a repeat, by a
//! stop), timestamped then: the end, as most clients report it
//! (spotify/web-api#613).

use std::time::Instant;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::Library;
use crate::{render, util};

/// What is playing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Track(usize),
    Episode(usize),
    /// An advert of this many milliseconds.
    Ad(u64),
}

/// A listening device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub name: String,
    /// `Computer`, `Smartphone`, `Speaker`, ...
    pub kind: String,
}

impl Default for Device {
    fn default() -> Self {
        Device {
            id: "a2d5b7c90e1f4a3b8c6d0e2f4a6b8c0d1e3f5a7b".into(),
            name: "Living Room".into(),
            kind: "Speaker".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Session {
    item: Item,
    context: Option<String>,
    /// Progress at `since`, in item milliseconds.
    base_ms: u64,
    since: Instant,
    playing: bool,
    /// Wall time of the last change (Spotify's `timestamp`).
    changed_ms: i64,
    /// Item milliseconds heard in this play, for recently-played.
    heard_ms: u64,
}

/// The listener's state.
#[derive(Debug)]
pub struct Player {
    session: Option<Session>,
    queue: Vec<Item>,
    pub speed: f64,
    pub shuffle: bool,
    pub repeat_track: bool,
    pub device: Device,
}

impl Default for Player {
    fn default() -> Self {
        Player {
            session: None,
            queue: Vec::new(),
            speed: 1.0,
            shuffle: false,
            repeat_track: false,
            device: Device::default(),
        }
    }
}

/// A command for the listener, as `POST /_mock/player` takes it:
/// `{"action": "play", "track": "<id>", "context": "spotify:playlist:…"}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    Play {
        track: String,
        #[serde(default)]
        position_ms: u64,
        #[serde(default)]
        context: Option<String>,
    },
    Episode {
        episode: String,
    },
    Ad {
        #[serde(default = "ad_length")]
        duration_ms: u64,
    },
    Queue {
        track: String,
    },
    Pause,
    Resume,
    Seek {
        position_ms: u64,
    },
    /// Ends the current item and plays the next queued one (or stops).
    Next,
    /// Nothing plays: `204`.
    Stop,
    Speed {
        speed: f64,
    },
    Shuffle {
        on: bool,
    },
    RepeatTrack {
        on: bool,
    },
    Device {
        name: String,
        kind: String,
    },
}

fn ad_length() -> u64 {
    30_000
}

fn duration(lib: &Library, item: Item) -> u64 {
    match item {
        Item::Track(t) => lib.tracks[t].duration_ms,
        Item::Episode(e) => lib.episodes[e].duration_ms,
        Item::Ad(ms) => ms,
    }
}

impl Player {
    /// Brings the clock up to now: a finished item repeats (repeat one),
    /// moves on to the queue, or stops at its start, paused. Every track
    /// play that ends on the way is logged to `lib.plays`.
    pub fn settle(&mut self, lib: &mut Library) {
        let now = Instant::now();
        loop {
            let Some(s) = self.session.as_mut() else {
                return;
            };
            if !s.playing {
                return;
            }
            let len = duration(lib, s.item).max(1);
            let elapsed = (now.duration_since(s.since).as_millis() as f64 * self.speed) as u64;
            let progress = s.base_ms + elapsed;
            if progress < len {
                s.heard_ms += elapsed;
                s.base_ms = progress;
                s.since = now;
                return;
            }
            // The item ended at this wall moment.
            let left = len - s.base_ms;
            let end_wall = util::now_millis()
                - ((now.duration_since(s.since).as_millis() as f64) - left as f64 / self.speed)
                    as i64;
            let end_instant =
                s.since + std::time::Duration::from_millis((left as f64 / self.speed) as u64);
            s.heard_ms += left;
            let ended = s.clone();
            Self::log(lib, &ended, end_wall);
            if self.repeat_track {
                let s = self.session.as_mut().expect("session");
                s.base_ms = 0;
                s.heard_ms = 0;
                s.since = end_instant;
                s.changed_ms = end_wall;
                continue;
            }
            if self.queue.is_empty() {
                let s = self.session.as_mut().expect("session");
                s.base_ms = 0;
                s.heard_ms = 0;
                s.playing = false;
                s.since = now;
                s.changed_ms = end_wall;
                return;
            }
            let next = self.queue.remove(0);
            let context = ended.context.clone();
            self.session = Some(Session {
                item: next,
                context,
                base_ms: 0,
                since: end_instant,
                playing: true,
                changed_ms: end_wall,
                heard_ms: 0,
            });
        }
    }

    /// A finished track play enters recently-played if it was heard 30 s.
    fn log(lib: &mut Library, s: &Session, at_ms: i64) {
        if let Item::Track(t) = s.item {
            if s.heard_ms >= 30_000 {
                lib.plays.insert(0, (t, at_ms));
            }
        }
    }

    /// Ends the current item now (a skip, a new play, a stop).
    fn end_current(&mut self, lib: &mut Library) {
        self.settle(lib);
        if let Some(s) = self.session.take() {
            Self::log(lib, &s, util::now_millis());
        }
    }

    fn start(&mut self, item: Item, position_ms: u64, context: Option<String>) {
        self.session = Some(Session {
            item,
            context,
            base_ms: position_ms,
            since: Instant::now(),
            playing: true,
            changed_ms: util::now_millis(),
            heard_ms: 0,
        });
    }

    /// Carries out `command`; an unknown track or episode is an error.
    pub fn apply(&mut self, lib: &mut Library, command: Command) -> Result<(), String> {
        let track = |lib: &Library, id: &str| {
            lib.track_index
                .get(id)
                .copied()
                .ok_or_else(|| format!("unknown track {id}"))
        };
        match command {
            Command::Play {
                track: id,
                position_ms,
                context,
            } => {
                let t = track(lib, &id)?;
                self.end_current(lib);
                self.start(Item::Track(t), position_ms, context);
            }
            Command::Episode { episode } => {
                let e = lib
                    .episodes
                    .iter()
                    .position(|e| e.id == episode)
                    .ok_or_else(|| format!("unknown episode {episode}"))?;
                self.end_current(lib);
                self.start(Item::Episode(e), 0, None);
            }
            Command::Ad { duration_ms } => {
                let context = self.session.as_ref().and_then(|s| s.context.clone());
                self.end_current(lib);
                self.start(Item::Ad(duration_ms), 0, context);
            }
            Command::Queue { track: id } => {
                let t = track(lib, &id)?;
                self.queue.push(Item::Track(t));
            }
            Command::Pause => {
                self.settle(lib);
                if let Some(s) = self.session.as_mut().filter(|s| s.playing) {
                    s.playing = false;
                    s.changed_ms = util::now_millis();
                }
            }
            Command::Resume => {
                self.settle(lib);
                if let Some(s) = self.session.as_mut().filter(|s| !s.playing) {
                    s.playing = true;
                    s.since = Instant::now();
                    s.changed_ms = util::now_millis();
                }
            }
            Command::Seek { position_ms } => {
                self.settle(lib);
                if let Some(s) = self.session.as_mut() {
                    s.base_ms = position_ms;
                    s.since = Instant::now();
                    s.changed_ms = util::now_millis();
                }
            }
            Command::Next => {
                let context = self.session.as_ref().and_then(|s| s.context.clone());
                self.end_current(lib);
                if !self.queue.is_empty() {
                    let next = self.queue.remove(0);
                    self.start(next, 0, context);
                }
            }
            Command::Stop => {
                self.end_current(lib);
                self.queue.clear();
            }
            Command::Speed { speed } => {
                if !(0.1..=1000.0).contains(&speed) {
                    return Err("speed must be between 0.1 and 1000".into());
                }
                self.settle(lib);
                self.speed = speed;
            }
            Command::Shuffle { on } => self.shuffle = on,
            Command::RepeatTrack { on } => {
                self.settle(lib);
                self.repeat_track = on;
            }
            Command::Device { name, kind } => {
                self.device = Device {
                    id: format!("{:040x}", name.len() as u64 * 7919 + kind.len() as u64),
                    name,
                    kind,
                }
            }
        }
        Ok(())
    }

    /// The body of `/me/player` (`full`) or `/me/player/currently-playing`;
    /// `None` is `204 No Content`.
    pub fn render(
        &mut self,
        b: &str,
        lib: &mut Library,
        full: bool,
        episodes: bool,
    ) -> Option<Value> {
        self.settle(lib);
        let s = self.session.as_ref()?;
        let (item, kind) = match s.item {
            Item::Track(t) => (render::track(b, lib, &lib.tracks[t]), "track"),
            Item::Episode(e) if episodes => (render::episode(b, &lib.episodes[e]), "episode"),
            Item::Episode(_) => (Value::Null, "episode"),
            Item::Ad(_) => (Value::Null, "ad"),
        };
        let context = match (&s.context, s.item) {
            (_, Item::Ad(_)) | (None, _) => Value::Null,
            (Some(uri), _) => {
                let mut parts = uri.split(':');
                let kind = parts.nth(1).unwrap_or("playlist");
                let id = parts.next().unwrap_or_default();
                json!({
                    "type": kind,
                    "href": format!("{b}/v1/{kind}s/{id}"),
                    "external_urls": { "spotify": format!("https://open.spotify.com/{kind}/{id}") },
                    "uri": uri,
                })
            }
        };
        let disallows = if s.playing {
            json!({ "resuming": true })
        } else {
            json!({ "pausing": true })
        };
        let mut v = json!({
            "timestamp": s.changed_ms,
            "context": context,
            "progress_ms": s.base_ms,
            "item": item,
            "currently_playing_type": kind,
            "actions": { "disallows": disallows },
            "is_playing": s.playing,
        });
        if full {
            v["device"] = json!({
                "id": self.device.id,
                "is_active": true,
                "is_private_session": false,
                "is_restricted": false,
                "name": self.device.name,
                "type": self.device.kind,
                "volume_percent": 64,
                "supports_volume": true,
            });
            v["shuffle_state"] = json!(self.shuffle);
            v["smart_shuffle"] = json!(false);
            v["repeat_state"] = json!(if self.repeat_track { "track" } else { "off" });
        }
        Some(v)
    }
}
