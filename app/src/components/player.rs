//! The player: two `<audio>` elements for the whole app (they live outside
//! the routes, so playback goes on across navigation and phones keep playing
//! in the background), a queue, shuffle and repeat, the Media Session (lock
//! screen and notification controls) and keyboard shortcuts.
//!
//! The two elements take turns: one plays, and in the last 30 s of a track
//! the other loads the track that follows, so at the end it starts from
//! memory and the tracks of an album follow one another without a gap (the
//! browser test measures the silence between two tracks). The one playing
//! has `data-active`.
//!
//! Audio comes from `/audio/{id}`: the service worker answers it from the
//! device when the track is kept there, the server otherwise. A track the
//! vault has no file for plays the server's fallback (Spotify's preview) when
//! there is one, labelled as such.
//!
//! Every play is recorded, by the rule scrobblers use (the server decides
//! from what was heard: half the track or 4 minutes is a play, less is a
//! skip). What counts is the time heard, not the position: a seek forward
//! is not heard. A play ends when another track loads, when it ends or
//! repeats, when the player stops or when the page goes away; it is kept
//! on the device (IndexedDB) and sent to the server when the server
//! answers, so a play heard offline arrives later, once.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use vault::model::{Id, Track};

use super::format;
use super::icons::{Icon, Svg};

/// A track in the queue: what the player bar and the lock screen show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: Id,
    pub title: String,
    pub artists: String,
    pub album: Option<String>,
    pub album_id: Option<Id>,
    pub duration_ms: i64,
}

impl From<&Track> for QueueItem {
    fn from(t: &Track) -> Self {
        QueueItem {
            id: t.id,
            title: t.title.clone(),
            artists: t
                .artists
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            album: t.album_name.clone(),
            album_id: t.album_id,
            duration_ms: t.duration_ms,
        }
    }
}

/// What happens at the end of a track.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Repeat {
    #[default]
    Off,
    All,
    One,
}

/// The player's state and commands, provided to every view.
#[derive(Clone, Copy)]
pub struct Player {
    pub queue: RwSignal<Vec<QueueItem>>,
    /// Index in `queue` of the track loaded in the player.
    pub current: RwSignal<Option<usize>>,
    pub playing: RwSignal<bool>,
    /// Seconds played of the current track.
    pub position: RwSignal<f64>,
    /// Its length in seconds, once the audio says.
    pub duration: RwSignal<f64>,
    pub shuffle: RwSignal<bool>,
    pub repeat: RwSignal<Repeat>,
    pub volume: RwSignal<f64>,
    pub muted: RwSignal<bool>,
    /// Where the current audio comes from when it is not the vault's file,
    /// or why it cannot play.
    pub note: RwSignal<Option<String>>,
    /// Bumped by the "love" key (H): the bar's heart toggles the current track.
    pub love_requests: RwSignal<u32>,
    /// The queue before shuffling, to restore when shuffle goes off.
    unshuffled: RwSignal<Option<Vec<QueueItem>>>,
    /// Two `<audio>` elements that take turns: the active one plays, the
    /// other holds the next track, loaded ahead, so that one track follows
    /// another without a gap (gapless playback).
    audio: [NodeRef<leptos::html::Audio>; 2],
    /// Which of `audio` plays.
    active: RwSignal<usize>,
    /// The track the standby element has loaded ahead.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    standby_holds: StoredValue<Option<Id>>,
    /// The last track loaded ahead: one that could not be (no file) is not
    /// asked for again at every `timeupdate`.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    preloaded: StoredValue<Option<Id>>,
    /// The play being heard now.
    listening: StoredValue<Option<Listening>>,
}

/// A play in progress: what has been heard of it so far.
#[derive(Clone, Debug)]
struct Listening {
    client_play_id: String,
    track_id: Id,
    started_ms: f64,
    heard_s: f64,
    /// The position last seen, and when, to measure what was heard since.
    last_position: f64,
    last_seen_ms: f64,
}

/// Shorter listens are not reported at all (a track clicked past).
const REPORT_FROM_S: f64 = 1.0;

/// How long before the end of a track the following one is loaded ahead.
#[cfg(feature = "hydrate")]
const PRELOAD_BEFORE_END_S: f64 = 30.0;

impl Player {
    fn new() -> Self {
        Player {
            queue: RwSignal::new(Vec::new()),
            current: RwSignal::new(None),
            playing: RwSignal::new(false),
            position: RwSignal::new(0.0),
            duration: RwSignal::new(0.0),
            shuffle: RwSignal::new(false),
            repeat: RwSignal::new(Repeat::Off),
            volume: RwSignal::new(1.0),
            muted: RwSignal::new(false),
            note: RwSignal::new(None),
            love_requests: RwSignal::new(0),
            unshuffled: RwSignal::new(None),
            audio: [NodeRef::new(), NodeRef::new()],
            active: RwSignal::new(0),
            standby_holds: StoredValue::new(None),
            preloaded: StoredValue::new(None),
            listening: StoredValue::new(None),
        }
    }

    /// A play of the current track starts now.
    fn start_listening(&self) {
        self.finish_listening();
        let Some(item) = self.now_untracked() else {
            return;
        };
        self.listening.set_value(Some(Listening {
            client_play_id: play_id(),
            track_id: item.id,
            started_ms: now_ms(),
            heard_s: 0.0,
            last_position: self.position.get_untracked(),
            last_seen_ms: now_ms(),
        }));
    }

    /// The position moved to `position` while playing: what was heard
    /// since the last time counts if it is ordinary progress (no more than
    /// the clock allows at the playback rate; more is a seek).
    fn heard_until(&self, position: f64) {
        let playing = self.playing.get_untracked();
        #[cfg(feature = "hydrate")]
        let rate = self.read_audio(|a| a.playback_rate()).max(1.0);
        #[cfg(not(feature = "hydrate"))]
        let rate = 1.0;
        let now = now_ms();
        self.listening.update_value(|l| {
            if let Some(l) = l {
                let delta = position - l.last_position;
                let allowed = (now - l.last_seen_ms) / 1000.0 * rate * 1.5 + 0.5;
                if playing && delta > 0.0 && delta <= allowed {
                    l.heard_s += delta;
                }
                l.last_position = position;
                l.last_seen_ms = now;
            }
        });
    }

    /// The play in progress ends: reported if it was heard at all.
    fn finish_listening(&self) {
        let Some(l) = self.listening.try_update_value(Option::take).flatten() else {
            return;
        };
        if l.heard_s < REPORT_FROM_S {
            return;
        }
        let ended = now_ms();
        crate::device::queue_play(vault::model::PlayReport {
            client_play_id: l.client_play_id,
            track_id: l.track_id,
            started_ms: l.started_ms as i64,
            ended_ms: (ended as i64).max(l.started_ms as i64),
            ms_played: (l.heard_s * 1000.0).round() as i64,
            offline: !online(),
        });
    }

    /// A number the `<audio>` element knows (0 before it exists).
    #[cfg(feature = "hydrate")]
    fn read_audio(&self, read: impl Fn(&web_sys::HtmlMediaElement) -> f64) -> f64 {
        self.el().map_or(0.0, |a| read(&a))
    }

    /// The `<audio>` element that plays.
    #[cfg(feature = "hydrate")]
    fn el(&self) -> Option<web_sys::HtmlAudioElement> {
        self.audio[self.active.get_untracked()].get_untracked()
    }

    /// The `<audio>` element that waits with the next track.
    #[cfg(feature = "hydrate")]
    fn standby(&self) -> Option<web_sys::HtmlAudioElement> {
        self.audio[1 - self.active.get_untracked()].get_untracked()
    }

    /// Both `<audio>` elements (volume and mute apply to both).
    #[cfg(feature = "hydrate")]
    fn both(&self) -> impl Iterator<Item = web_sys::HtmlAudioElement> {
        self.audio.into_iter().filter_map(|a| a.get_untracked())
    }

    /// The queue index that follows the current track at its end, if any.
    fn following(&self) -> Option<usize> {
        let c = self.current.get_untracked()?;
        let len = self.queue.with_untracked(Vec::len);
        match self.repeat.get_untracked() {
            Repeat::One => None,
            _ if c + 1 < len => Some(c + 1),
            Repeat::All if len > 0 => Some(0),
            _ => None,
        }
    }

    /// Loads the following track into the standby element once the current
    /// one is near its end, so the switch needs no network and no decoding.
    #[cfg(feature = "hydrate")]
    fn preload_following(&self, remaining: f64) {
        if remaining > PRELOAD_BEFORE_END_S {
            return;
        }
        let Some(next) = self.following() else { return };
        let Some(id) = self.queue.with_untracked(|q| q.get(next).map(|i| i.id)) else {
            return;
        };
        if self.preloaded.get_value() == Some(id) {
            return;
        }
        if let Some(standby) = self.standby() {
            standby.set_preload("auto");
            standby.set_src(&format!("/audio/{id}"));
            standby.load();
            self.standby_holds.set_value(Some(id));
            self.preloaded.set_value(Some(id));
        }
    }

    /// Plays `id` from the standby element when it holds it: the elements
    /// swap roles and the one that played is emptied.
    #[cfg(feature = "hydrate")]
    fn take_standby(&self, id: Id, play: bool) -> bool {
        if self.standby_holds.get_value() != Some(id) {
            return false;
        }
        let (Some(old), Some(new)) = (self.el(), self.standby()) else {
            return false;
        };
        self.standby_holds.set_value(None);
        self.active.set(1 - self.active.get_untracked());
        if new.current_time() > 0.0 {
            new.set_current_time(0.0);
        }
        if play {
            let _ = new.play();
        }
        unload(&old);
        true
    }

    /// The track loaded in the player.
    pub fn now(&self) -> Option<QueueItem> {
        let i = self.current.get()?;
        self.queue.with(|q| q.get(i).cloned())
    }

    /// Replaces the queue with `items` and plays the one at `start`.
    pub fn play_list(&self, items: Vec<QueueItem>, start: usize) {
        self.unshuffled.set(None);
        self.queue.set(items);
        if self.shuffle.get_untracked() {
            self.shuffle_after(start);
            self.load(0, true);
        } else {
            self.load(start, true);
        }
    }

    /// Puts `item` right after the current track.
    pub fn play_next(&self, item: QueueItem) {
        let at = self.current.get_untracked().map_or(0, |i| i + 1);
        self.queue.update(|q| q.insert(at.min(q.len()), item));
        if self.current.get_untracked().is_none() {
            self.load(0, true);
        }
    }

    /// Puts `item` at the end of the queue.
    pub fn add_to_queue(&self, item: QueueItem) {
        self.queue.update(|q| q.push(item));
        if self.current.get_untracked().is_none() {
            let last = self.queue.with_untracked(|q| q.len() - 1);
            self.load(last, true);
        }
    }

    /// Moves the queue entry at `from` to `to`, keeping the current track current.
    pub fn move_item(&self, from: usize, to: usize) {
        let len = self.queue.with_untracked(Vec::len);
        if from >= len || to >= len || from == to {
            return;
        }
        self.queue.update(|q| {
            let item = q.remove(from);
            q.insert(to, item);
        });
        if let Some(c) = self.current.get_untracked() {
            let moved = if c == from {
                to
            } else if from < c && to >= c {
                c - 1
            } else if from > c && to <= c {
                c + 1
            } else {
                c
            };
            self.current.set(Some(moved));
        }
    }

    /// Takes the entry at `index` out of the queue (the current one stops).
    pub fn remove(&self, index: usize) {
        let Some(c) = self.current.get_untracked() else {
            self.queue.update(|q| {
                if index < q.len() {
                    q.remove(index);
                }
            });
            return;
        };
        if index == c {
            self.stop();
        }
        self.queue.update(|q| {
            if index < q.len() {
                q.remove(index);
            }
        });
        if index < c {
            self.current.set(Some(c - 1));
        }
    }

    /// Empties the queue, keeping the track that plays.
    pub fn clear(&self) {
        match self.now_untracked() {
            Some(item) => {
                self.queue.set(vec![item]);
                self.current.set(Some(0));
            }
            None => self.queue.set(Vec::new()),
        }
        self.unshuffled.set(None);
    }

    fn now_untracked(&self) -> Option<QueueItem> {
        let i = self.current.get_untracked()?;
        self.queue.with_untracked(|q| q.get(i).cloned())
    }

    /// Shuffles what comes after `index` and moves `index` to the front.
    fn shuffle_after(&self, index: usize) {
        self.unshuffled.set(Some(self.queue.get_untracked()));
        self.queue.update(|q| {
            if index < q.len() {
                let first = q.remove(index);
                q.insert(0, first);
            }
            // Fisher–Yates over the rest.
            for i in (2..q.len()).rev() {
                let j = 1 + random_below(i);
                q.swap(i, j);
            }
        });
        self.current
            .set(Some(0).filter(|_| self.current.get_untracked().is_some()));
    }

    /// Shuffle on (the rest of the queue in random order) or off (the order comes back).
    pub fn toggle_shuffle(&self) {
        if self.shuffle.get_untracked() {
            self.shuffle.set(false);
            if let Some(original) = self.unshuffled.get_untracked() {
                let now = self.now_untracked().map(|n| n.id);
                let at = now.and_then(|id| original.iter().position(|q| q.id == id));
                self.queue.set(original);
                if at.is_some() {
                    self.current.set(at);
                }
                self.unshuffled.set(None);
            }
        } else {
            self.shuffle.set(true);
            let c = self.current.get_untracked().unwrap_or(0);
            self.shuffle_after(c);
        }
    }

    /// Off → all → one → off.
    pub fn cycle_repeat(&self) {
        self.repeat.update(|r| {
            *r = match r {
                Repeat::Off => Repeat::All,
                Repeat::All => Repeat::One,
                Repeat::One => Repeat::Off,
            }
        });
    }

    /// Loads the queue entry at `index`, and plays it with `play`.
    fn load(&self, index: usize, play: bool) {
        if self.queue.with_untracked(|q| index >= q.len()) {
            return;
        }
        self.finish_listening();
        self.current.set(Some(index));
        self.note.set(None);
        self.position.set(0.0);
        self.start_listening();
        let duration = self
            .queue
            .with_untracked(|q| q[index].duration_ms as f64 / 1000.0);
        self.duration.set(duration);
        #[cfg(feature = "hydrate")]
        {
            let id = self.queue.with_untracked(|q| q[index].id);
            let taken = self.take_standby(id, play);
            // Each track may load the next ahead once (what the standby
            // element still holds stays loaded).
            self.preloaded.set_value(self.standby_holds.get_value());
            if !taken {
                if let Some(audio) = self.el() {
                    audio.set_src(&format!("/audio/{id}"));
                    if play {
                        let _ = audio.play();
                    }
                }
            }
            browser::update_session(self);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = play;
    }

    /// Play or pause.
    pub fn toggle(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(audio) = self.el() {
            if self.current.get_untracked().is_none() {
                if self.queue.with_untracked(|q| !q.is_empty()) {
                    self.load(0, true);
                }
            } else if audio.paused() {
                let _ = audio.play();
            } else {
                audio.pause().ok();
            }
        }
    }

    fn stop(&self) {
        self.finish_listening();
        #[cfg(feature = "hydrate")]
        if let Some(audio) = self.el() {
            unload(&audio);
        }
        self.current.set(None);
        self.playing.set(false);
        self.position.set(0.0);
    }

    /// The next track (the first again with repeat all).
    pub fn next(&self) {
        let len = self.queue.with_untracked(Vec::len);
        match self.current.get_untracked() {
            Some(c) if c + 1 < len => self.load(c + 1, true),
            Some(_) if self.repeat.get_untracked() == Repeat::All && len > 0 => self.load(0, true),
            None if len > 0 => self.load(0, true),
            _ => {}
        }
    }

    /// Back to the start of the track, or the previous one in its first seconds.
    pub fn previous(&self) {
        match self.current.get_untracked() {
            Some(c) if self.position.get_untracked() < 3.0 && c > 0 => self.load(c - 1, true),
            Some(_) => self.seek(0.0),
            None => {}
        }
    }

    /// Jumps to `seconds` into the track.
    pub fn seek(&self, seconds: f64) {
        let end = self.duration.get_untracked().max(0.0);
        let to = seconds.clamp(0.0, end);
        #[cfg(feature = "hydrate")]
        if let Some(audio) = self.el() {
            audio.set_current_time(to);
        }
        self.position.set(to);
        self.listening.update_value(|l| {
            if let Some(l) = l {
                l.last_position = to;
                l.last_seen_ms = now_ms();
            }
        });
    }

    /// Sets the volume, 0 to 1.
    pub fn set_volume(&self, volume: f64) {
        let v = volume.clamp(0.0, 1.0);
        self.volume.set(v);
        #[cfg(feature = "hydrate")]
        for audio in self.both() {
            audio.set_volume(v);
        }
    }

    pub fn toggle_mute(&self) {
        let muted = !self.muted.get_untracked();
        self.muted.set(muted);
        #[cfg(feature = "hydrate")]
        for audio in self.both() {
            audio.set_muted(muted);
        }
    }

    /// At the end of a track: again (repeat one), the next, or stop.
    fn ended(&self) {
        self.heard_until(self.duration.get_untracked());
        self.finish_listening();
        if self.repeat.get_untracked() == Repeat::One {
            self.seek(0.0);
            self.start_listening();
            self.toggle();
            return;
        }
        match self.following() {
            Some(next) => self.load(next, true),
            None => self.playing.set(false),
        }
    }
}

/// Stops an `<audio>` element and lets go of its track.
#[cfg(feature = "hydrate")]
fn unload(audio: &web_sys::HtmlAudioElement) {
    audio.pause().ok();
    audio.remove_attribute("src").ok();
    audio.load();
}

/// A random id for a play, made on the device.
fn play_id() -> String {
    #[cfg(feature = "hydrate")]
    return (0..4)
        .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32))
        .collect();
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

fn online() -> bool {
    #[cfg(feature = "hydrate")]
    return web_sys::window().is_none_or(|w| w.navigator().on_line());
    #[cfg(not(feature = "hydrate"))]
    true
}

fn random_below(n: usize) -> usize {
    #[cfg(feature = "hydrate")]
    return ((js_sys::Math::random() * n as f64) as usize).min(n.saturating_sub(1));
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = n;
        0
    }
}

/// Erases the player's saved state and saves nothing more from this page:
/// signing out leaves no queue on the device (the page still unloads after
/// the server's Clear-Site-Data has run, and would write it back).
pub fn forget_saved() {
    #[cfg(feature = "hydrate")]
    browser::forget();
}

/// Provides the app's [`Player`].
pub fn provide_player() -> Player {
    let player = Player::new();
    provide_context(player);
    player
}

/// The app's [`Player`].
pub fn use_player() -> Player {
    expect_context::<Player>()
}

/// The player bar at the bottom of every page, with the `<audio>` element.
#[component]
pub fn PlayerBar() -> impl IntoView {
    let p = use_player();
    let show_queue = RwSignal::new(false);
    let expanded = RwSignal::new(false);
    let cover_failed = RwSignal::new(None::<Id>);
    // Following a link from the full-screen player shows the page.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let _ = location.pathname.get();
        expanded.set(false);
    });
    // The full-screen player is a step in the browser's history, so the
    // back button (or gesture) closes it as it would a page.
    let open = move || {
        if expanded.get_untracked() {
            return;
        }
        expanded.set(true);
        #[cfg(feature = "hydrate")]
        browser::push_player_state();
    };
    let close = move || {
        if !expanded.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        browser::back_from_player();
        #[cfg(not(feature = "hydrate"))]
        expanded.set(false);
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::install(p));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::close_on_back(expanded));
    let now = move || p.now();
    let now_id = Memo::new(move |_| p.now().map(|i| i.id));
    let clock = move |s: f64| format::duration((s * 1000.0) as i64);
    let repeat_label = move || match p.repeat.get() {
        Repeat::Off => "Repeat: off",
        Repeat::All => "Repeat: all",
        Repeat::One => "Repeat: this track",
    };
    view! {
        {audio_element(p, 0)}
        {audio_element(p, 1)}
        <section class="player" aria-label="Player" data-testid="player" class:idle=move || p.current.get().is_none()
            class:expanded=move || expanded.get()>
            // Phones: the bar is a mini player; a tap anywhere on it opens
            // the full-screen player, which the back button closes.
            <div class="np-head">
                <button type="button" class="icon" data-testid="close-player" on:click=move |_| close()>
                    <Svg icon=Icon::ChevronDown/><span class="visually-hidden">"Close the player"</span>
                </button>
                <span class="np-kind">"Now playing"</span>
            </div>
            <div class="np-cover" aria-hidden="true">
                {move || now().map(|item| {
                    let initial = item.title.chars().next().unwrap_or('♪').to_string();
                    match item.album_id.filter(|a| cover_failed.get() != Some(*a)) {
                        Some(album) => view! {
                            <img src=format!("/covers/{album}") alt="" on:error=move |_| cover_failed.set(Some(album))/>
                        }.into_any(),
                        None => view! { <span class="initial">{initial}</span> }.into_any(),
                    }
                })}
            </div>
            <div class="now">
                <button type="button" class="expand-hit" data-testid="open-player" on:click=move |_| open()
                    aria-label="Open the player"></button>
                {move || match now() {
                    None => view! { <span class="muted">"Nothing playing. Press Play on a track."</span> }.into_any(),
                    Some(item) => view! {
                        <a class="np-title" data-testid="now-playing" href=format!("/tracks/{}", item.id)>{item.title}</a>
                        <span class="np-artists">{item.artists}</span>
                    }.into_any(),
                }}
                {move || now_id.get().map(|id| view! {
                    <super::marks::MarkControls target=vault::model::MarkTarget::Track(id)
                        name=now().map(|i| i.title).unwrap_or_default() toggle_love=p.love_requests/>
                })}
                {move || p.note.get().map(|n| view! { <span class="np-note" data-testid="player-note">{n}</span> })}
            </div>
            <div class="controls">
                <button type="button" class="icon shuffle" title="Shuffle (S)" aria-pressed=move || p.shuffle.get().to_string() on:click=move |_| p.toggle_shuffle()><Svg icon=Icon::Shuffle/><span class="visually-hidden">"Shuffle"</span></button>
                <button type="button" class="icon prev" title="Previous (P)" on:click=move |_| p.previous()><Svg icon=Icon::Previous/><span class="visually-hidden">"Previous"</span></button>
                <button type="button" class="icon play" data-testid="play-pause" title="Play or pause (Space)" on:click=move |_| p.toggle()>
                    {move || if p.playing.get() { view! { <Svg icon=Icon::Pause/> } } else { view! { <Svg icon=Icon::Play/> } }}
                    <span class="visually-hidden">{move || if p.playing.get() { "Pause" } else { "Play" }}</span>
                </button>
                <button type="button" class="icon" title="Next (N)" on:click=move |_| p.next()><Svg icon=Icon::Next/><span class="visually-hidden">"Next"</span></button>
                <button type="button" class="icon repeat" title=repeat_label aria-pressed=move || (p.repeat.get() != Repeat::Off).to_string() on:click=move |_| p.cycle_repeat()>
                    {move || view! { <Svg icon=if p.repeat.get() == Repeat::One { Icon::RepeatOne } else { Icon::Repeat }/> }}
                    <span class="visually-hidden">{repeat_label}</span>
                </button>
            </div>
            <div class="seek">
                <span class="time" data-testid="elapsed">{move || clock(p.position.get())}</span>
                <input type="range" min="0" step="0.1" aria-label="Seek"
                    prop:max=move || p.duration.get().max(0.1)
                    prop:value=move || p.position.get()
                    on:input=move |e| p.seek(event_target_value(&e).parse().unwrap_or(0.0))/>
                <span class="time" data-testid="total">{move || clock(p.duration.get())}</span>
            </div>
            <div class="extra">
                <button type="button" class="icon" title="Mute (M)" aria-pressed=move || p.muted.get().to_string() on:click=move |_| p.toggle_mute()>
                    {move || view! { <Svg icon=if p.muted.get() { Icon::Muted } else { Icon::Volume }/> }}<span class="visually-hidden">"Mute"</span>
                </button>
                <input type="range" min="0" max="1" step="0.05" aria-label="Volume" class="volume"
                    prop:value=move || p.volume.get()
                    on:input=move |e| p.set_volume(event_target_value(&e).parse().unwrap_or(1.0))/>
                <button type="button" class="queue-toggle" aria-expanded=move || show_queue.get().to_string()
                    on:click=move |_| show_queue.update(|s| *s = !*s)>
                    {move || format!("Queue ({})", p.queue.with(Vec::len))}
                </button>
            </div>
        </section>
        <Show when=move || show_queue.get()>
            {Suspend::new(async {
                queue_panel().await.unwrap_or_else(|_| view! {
                    <p class="queue notice error" role="alert">{crate::parts::MISSING}</p>
                }.into_any())
            })}
        </Show>
    }
}

/// One of the player's two `<audio>` elements; events from the one on
/// standby (loading the next track ahead) are not the player's.
fn audio_element(p: Player, k: usize) -> impl IntoView {
    let active = move || p.active.get_untracked() == k;
    view! {
        <audio
            node_ref=p.audio[k]
            preload="metadata"
            data-active=move || (p.active.get() == k).then_some("")
            on:play=move |_| if active() { p.playing.set(true) }
            on:pause=move |_| if active() { p.playing.set(false) }
            on:ended=move |_| if active() { p.ended() }
            on:timeupdate=move |_| {
                #[cfg(feature = "hydrate")]
                if active() {
                    let position = p.read_audio(|a| a.current_time());
                    p.heard_until(position);
                    p.position.set(position);
                    let remaining = p.read_audio(|a| a.duration()) - position;
                    if remaining.is_finite() {
                        p.preload_following(remaining);
                    }
                    browser::save_position(&p);
                }
            }
            on:durationchange=move |_| {
                #[cfg(feature = "hydrate")]
                if active() {
                    let d = p.read_audio(|a| a.duration());
                    if d.is_finite() && d > 0.0 {
                        p.duration.set(d);
                    }
                }
            }
            on:error=move |_| {
                #[cfg(feature = "hydrate")]
                if active() {
                    leptos::task::spawn_local(browser::fallback(p));
                } else {
                    // The next track could not be loaded ahead: it loads
                    // when its turn comes, and says why then.
                    p.standby_holds.set_value(None);
                }
            }
        ></audio>
    }
}

// The queue, when it is opened: a lazily loaded part of the bundle (most
// visits never open it; see `crate::parts`).
crate::parts::lazy_part!(hoard_queue: fn queue_panel() -> AnyView = queue_panel_now);

async fn queue_panel_now() -> AnyView {
    view! { <QueuePanel/> }.into_any()
}

#[component]
fn QueuePanel() -> impl IntoView {
    let p = use_player();
    view! {
        <section class="queue" aria-label="Queue" data-testid="queue">
            <header>
                <h2>"Queue"</h2>
                <a class="secondary button" download data-testid="queue-zip"
                    href=move || {
                        let ids: Vec<String> = p.queue.with(|q| q.iter().map(|i| i.id.to_string()).collect());
                        format!("/zip/selection.zip?ids={}&name=Queue", ids.join(","))
                    }
                    title="The audio of the songs in the queue that are in your vault, as a zip">"Download as zip"</a>
                <button type="button" on:click=move |_| p.clear()>"Clear queue"</button>
            </header>
            <ol>
                {move || {
                    let current = p.current.get();
                    let last = p.queue.with(Vec::len).saturating_sub(1);
                    p.queue.get().into_iter().enumerate().map(|(i, item)| view! {
                        <li class:current=current == Some(i)>
                            <button type="button" class="link" on:click=move |_| p.load(i, true)>
                                {item.title.clone()} <span class="artists">{format!(" · {}", item.artists)}</span>
                            </button>
                            <span class="queue-actions">
                                <button type="button" class="icon" disabled={i == 0} title="Move up" on:click=move |_| p.move_item(i, i - 1)><Svg icon=Icon::Up/><span class="visually-hidden">{format!("Move {} up", item.title)}</span></button>
                                <button type="button" class="icon" disabled={i >= last} title="Move down" on:click=move |_| p.move_item(i, i + 1)><Svg icon=Icon::Down/><span class="visually-hidden">{format!("Move {} down", item.title)}</span></button>
                                <button type="button" class="icon" title="Remove from queue" on:click=move |_| p.remove(i)><Svg icon=Icon::Close/><span class="visually-hidden">{format!("Remove {} from the queue", item.title)}</span></button>
                            </span>
                        </li>
                    }).collect_view()
                }}
            </ol>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The Media Session, keyboard shortcuts and the fallback lookup.
    use js_sys::{Array, Function, Object, Reflect};
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    use serde::{Deserialize, Serialize};

    use super::{Player, QueueItem, Repeat};

    #[wasm_bindgen]
    extern "C" {
        /// `navigator.mediaSession` (web-sys has it only behind an unstable flag).
        type MediaSession;
        #[wasm_bindgen(method, setter)]
        fn set_metadata(this: &MediaSession, metadata: &JsValue);
        #[wasm_bindgen(method, setter, js_name = playbackState)]
        fn set_playback_state(this: &MediaSession, state: &str);
        #[wasm_bindgen(method, catch, js_name = setActionHandler)]
        fn set_action_handler(
            this: &MediaSession,
            action: &str,
            handler: &Function,
        ) -> Result<(), JsValue>;
        #[wasm_bindgen(method, catch, js_name = setPositionState)]
        fn set_position_state(this: &MediaSession, state: &JsValue) -> Result<(), JsValue>;

        type MediaMetadata;
        #[wasm_bindgen(constructor, catch)]
        fn new(init: &JsValue) -> Result<MediaMetadata, JsValue>;
    }

    /// A Media Session action handler.
    type Handler = Box<dyn Fn(JsValue)>;

    /// Marks the open full-screen player as a history entry (same address).
    pub fn push_player_state() {
        let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
            return;
        };
        let state = Object::new();
        set(&state, "hoardPlayer", &JsValue::TRUE);
        let _ = history.push_state(&state, "");
    }

    /// Leaves the full-screen player's history entry; `close_on_back` closes it.
    pub fn back_from_player() {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.back();
        }
    }

    /// Closes the full-screen player when its history entry is left.
    pub fn close_on_back(expanded: RwSignal<bool>) {
        let on_pop =
            Closure::<dyn Fn(web_sys::PopStateEvent)>::new(move |e: web_sys::PopStateEvent| {
                let in_player = Reflect::get(&e.state(), &"hoardPlayer".into())
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if expanded.try_get_untracked() == Some(true) && !in_player {
                    expanded.set(false);
                }
            });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        }
        // Lives as long as the page: the player bar is rendered once.
        on_pop.forget();
    }

    fn session() -> Option<MediaSession> {
        let navigator = web_sys::window()?.navigator();
        let s = Reflect::get(&navigator, &"mediaSession".into()).ok()?;
        (!s.is_undefined()).then(|| s.unchecked_into())
    }

    fn set(o: &Object, k: &str, v: &JsValue) {
        let _ = Reflect::set(o, &k.into(), v);
    }

    /// Title, artist, album and artwork on the lock screen.
    pub fn update_session(p: &Player) {
        let Some(session) = session() else { return };
        let Some(item) = p.now_untracked() else {
            session.set_metadata(&JsValue::NULL);
            return;
        };
        let init = Object::new();
        set(&init, "title", &item.title.into());
        set(&init, "artist", &item.artists.into());
        set(&init, "album", &item.album.unwrap_or_default().into());
        if let Some(album) = item.album_id {
            let art = Object::new();
            set(&art, "src", &format!("/covers/{album}").into());
            set(&art, "sizes", &"512x512".into());
            set(&init, "artwork", &Array::of1(&art));
        }
        if let Ok(metadata) = MediaMetadata::new(&init) {
            session.set_metadata(&metadata);
        }
    }

    fn update_position(p: &Player) {
        let Some(session) = session() else { return };
        let duration = p.duration.get_untracked();
        if !(duration.is_finite() && duration > 0.0) {
            return;
        }
        let state = Object::new();
        set(&state, "duration", &duration.into());
        set(
            &state,
            "position",
            &p.position.get_untracked().min(duration).into(),
        );
        set(&state, "playbackRate", &1.0.into());
        let _ = session.set_position_state(&state);
    }

    /// Where the player keeps its state between visits (Clear-Site-Data's
    /// "storage", sent at sign-out, erases it with the rest of the device).
    const SAVED_KEY: &str = "hoard-player";
    /// The place in the current track, written apart: it changes every few
    /// seconds, and the queue (thousands of entries after "play all") not.
    const POSITION_KEY: &str = "hoard-player-position";
    /// How often the position is written while playing.
    const SAVE_POSITION_EVERY_MS: f64 = 3000.0;

    /// The player as a reload or an offline restart finds it again.
    #[derive(Serialize, Deserialize)]
    struct Saved {
        queue: Vec<QueueItem>,
        current: Option<usize>,
        shuffle: bool,
        repeat: Repeat,
        volume: f64,
        muted: bool,
        unshuffled: Option<Vec<QueueItem>>,
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    thread_local! {
        static POSITION_SAVED_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
        /// Set at sign-out: nothing is saved any more.
        static FORGOTTEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    pub fn forget() {
        FORGOTTEN.with(|f| f.set(true));
        if let Some(store) = storage() {
            let _ = store.remove_item(SAVED_KEY);
            let _ = store.remove_item(POSITION_KEY);
        }
    }

    /// Writes the queue and the settings (they changed).
    fn save(p: &Player) {
        if FORGOTTEN.with(std::cell::Cell::get) {
            return;
        }
        let saved = Saved {
            queue: p.queue.get_untracked(),
            current: p.current.get_untracked(),
            shuffle: p.shuffle.get_untracked(),
            repeat: p.repeat.get_untracked(),
            volume: p.volume.get_untracked(),
            muted: p.muted.get_untracked(),
            unshuffled: p.unshuffled.get_untracked(),
        };
        if let (Some(store), Ok(json)) = (storage(), serde_json::to_string(&saved)) {
            // A full quota keeps the last state written.
            let _ = store.set_item(SAVED_KEY, &json);
        }
        write_position(p);
    }

    fn write_position(p: &Player) {
        if FORGOTTEN.with(std::cell::Cell::get) {
            return;
        }
        if let Some(store) = storage() {
            let _ = store.set_item(POSITION_KEY, &format!("{:.1}", p.position.get_untracked()));
        }
        POSITION_SAVED_MS.with(|t| t.set(super::now_ms()));
    }

    /// Writes the place now and then while a track plays, so that even a
    /// killed tab comes back within a few seconds of where it was.
    pub fn save_position(p: &Player) {
        let due = POSITION_SAVED_MS.with(|t| super::now_ms() - t.get() >= SAVE_POSITION_EVERY_MS);
        if due {
            write_position(p);
        }
    }

    /// Puts back the queue, the track and the place in it, paused.
    fn restore(p: Player) {
        let Some(json) = storage().and_then(|s| s.get_item(SAVED_KEY).ok().flatten()) else {
            return;
        };
        let Ok(saved) = serde_json::from_str::<Saved>(&json) else {
            return;
        };
        let current = saved.current.filter(|&i| i < saved.queue.len());
        p.queue.set(saved.queue);
        p.unshuffled.set(saved.unshuffled);
        p.shuffle.set(saved.shuffle);
        p.repeat.set(saved.repeat);
        p.set_volume(saved.volume);
        if saved.muted != p.muted.get_untracked() {
            p.toggle_mute();
        }
        let Some(index) = current else { return };
        let Some(item) = p.queue.with_untracked(|q| q.get(index).cloned()) else {
            return;
        };
        let position = storage()
            .and_then(|s| s.get_item(POSITION_KEY).ok().flatten())
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
            .max(0.0);
        p.current.set(Some(index));
        p.duration.set(item.duration_ms as f64 / 1000.0);
        p.position.set(position);
        if let Some(audio) = p.el() {
            // A media fragment: the element starts at the saved place once
            // it has loaded, without playing.
            audio.set_src(&format!("/audio/{}#t={position:.1}", item.id));
        }
        p.start_listening();
        update_session(&p);
    }

    /// Media Session handlers and keyboard shortcuts, once per page.
    pub fn install(p: Player) {
        restore(p);
        // Saved when they change, not when a page starts: a page becoming
        // live writes nothing (so a page still starting as the user signs
        // out cannot write the queue back after the server cleared it).
        Effect::new(move |first: Option<()>| {
            p.queue.track();
            p.current.track();
            p.shuffle.track();
            p.repeat.track();
            p.volume.track();
            p.muted.track();
            if first.is_some() {
                save(&p);
            }
        });
        if let Some(media) = session() {
            let handler =
                |f: Box<dyn Fn(JsValue)>| Closure::<dyn Fn(JsValue)>::wrap(f).into_js_value();
            let actions: [(&str, Handler); 8] = [
                ("play", Box::new(move |_| p.toggle())),
                ("pause", Box::new(move |_| p.toggle())),
                ("stop", Box::new(move |_| p.stop())),
                ("previoustrack", Box::new(move |_| p.previous())),
                ("nexttrack", Box::new(move |_| p.next())),
                (
                    "seekbackward",
                    Box::new(move |_| p.seek(p.position.get_untracked() - 10.0)),
                ),
                (
                    "seekforward",
                    Box::new(move |_| p.seek(p.position.get_untracked() + 10.0)),
                ),
                (
                    "seekto",
                    Box::new(move |details: JsValue| {
                        if let Some(t) = Reflect::get(&details, &"seekTime".into())
                            .ok()
                            .and_then(|v| v.as_f64())
                        {
                            p.seek(t);
                        }
                    }),
                ),
            ];
            for (action, f) in actions {
                let _ = media.set_action_handler(action, handler(f).unchecked_ref());
            }
            Effect::new(move |_| {
                let playing = p.playing.get();
                if let Some(s) = session() {
                    s.set_playback_state(if playing { "playing" } else { "paused" });
                }
                update_position(&p);
            });
            Effect::new(move |_| {
                p.duration.track();
                update_position(&p);
            });
        }
        let on_key =
            Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                if e.ctrl_key() || e.meta_key() || e.alt_key() || typing(&e) {
                    return;
                }
                let handled = match e.key().as_str() {
                    " " | "k" | "K" => {
                        p.toggle();
                        true
                    }
                    "ArrowLeft" | "j" | "J" => {
                        p.seek(p.position.get_untracked() - 5.0);
                        true
                    }
                    "ArrowRight" | "l" | "L" => {
                        p.seek(p.position.get_untracked() + 5.0);
                        true
                    }
                    "n" | "N" => {
                        p.next();
                        true
                    }
                    "p" | "P" => {
                        p.previous();
                        true
                    }
                    "m" | "M" => {
                        p.toggle_mute();
                        true
                    }
                    "s" | "S" => {
                        p.toggle_shuffle();
                        true
                    }
                    "r" | "R" => {
                        p.cycle_repeat();
                        true
                    }
                    "h" | "H" => {
                        p.love_requests.update(|n| *n += 1);
                        true
                    }
                    _ => false,
                };
                if handled {
                    e.prevent_default();
                }
            });
        if let Some(window) = web_sys::window() {
            let _ =
                window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
        }
        on_key.forget();
        // Plays heard while the server was away go as soon as it is back;
        // the one in progress ends with the page.
        crate::device::send_plays();
        let on_online = Closure::<dyn Fn()>::new(crate::device::send_plays);
        let on_hide = Closure::<dyn Fn()>::new(move || {
            p.finish_listening();
            write_position(&p);
        });
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
            let _ = window
                .add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        }
        on_online.forget();
        on_hide.forget();
    }

    /// Keys typed into a field, or on a focused button or slider, are theirs.
    fn typing(e: &web_sys::KeyboardEvent) -> bool {
        let Some(el) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return false;
        };
        let tag = el.tag_name().to_ascii_lowercase();
        let space_on_control = e.key() == " " && matches!(tag.as_str(), "button" | "a" | "summary");
        matches!(tag.as_str(), "input" | "textarea" | "select")
            || el.has_attribute("contenteditable")
            || space_on_control
    }

    /// The audio failed: ask the server what it has instead.
    pub async fn fallback(p: Player) {
        let Some(item) = p.now_untracked() else {
            return;
        };
        // A fallback that fails too: leave it at the message.
        if p.note.get_untracked().is_some() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let url = format!("/audio/{}", item.id);
        let answer = async {
            let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
                .await
                .ok()?
                .unchecked_into();
            let json = JsFuture::from(response.json().ok()?).await.ok()?;
            Some(json)
        }
        .await;
        let Some(json) = answer else {
            p.note.set(Some(
                "Can't play this track: neither this device nor the server has it.".into(),
            ));
            return;
        };
        let text = |k: &str| {
            Reflect::get(&json, &k.into())
                .ok()
                .and_then(|v| v.as_string())
        };
        match text("preview_url") {
            Some(preview) => {
                p.note.set(Some(
                    "Spotify's 30-second preview: the vault has no file for this track yet.".into(),
                ));
                if let Some(audio) = p.el() {
                    audio.set_src(&preview);
                    let _ = audio.play();
                }
            }
            None => {
                let reason = text("reason").unwrap_or_else(|| "it is not downloaded".into());
                p.note.set(Some(format!("Not in the vault: {reason}.")));
            }
        }
    }
}
