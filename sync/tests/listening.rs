//! The listening poller against the local Spotify API's simulated listener:
//! real HTTP, a real SQLite vault, a listener sped up 50 times so a
//! three-minute track passes in under four seconds.

use std::time::Duration;

use hoard_sync::listen::{self, ListenOptions, ListenStatus};
use spotify_mock::{LibrarySpec, PlayerCommand};

mod common;
use common::*;

const SPEED: f64 = 50.0;

fn options() -> ListenOptions {
    ListenOptions {
        playing_every: Duration::from_millis(100),
        ending_every: Duration::from_millis(50),
        paused_every: Duration::from_millis(100),
        idle_every: Duration::from_millis(100),
        long_idle_after: Duration::from_secs(600),
        long_idle_every: Duration::from_millis(500),
        backfill_every: Duration::from_secs(3600),
        max_progress_rate: SPEED * 1.4,
    }
}

/// Real time for `track_ms` of the sped-up listener.
fn wall(track_ms: u64) -> Duration {
    Duration::from_millis((track_ms as f64 / SPEED) as u64)
}

struct Listening {
    h: Harness,
    status: tokio::sync::watch::Receiver<ListenStatus>,
    task: tokio::task::JoinHandle<()>,
    started_ms: i64,
}

impl Listening {
    async fn start() -> Self {
        Self::start_with(options()).await
    }

    async fn start_with(options: ListenOptions) -> Self {
        let h = Harness::new(LibrarySpec {
            liked: 40,
            playlists: 2,
            playlist_len: 10,
            ..LibrarySpec::default()
        })
        .await;
        h.spotify()
            .player(PlayerCommand::Speed { speed: SPEED })
            .expect("speed");
        let started_ms = now_ms();
        let (tx, status) = tokio::sync::watch::channel(ListenStatus::default());
        let task = tokio::spawn(listen::run(h.syncer.clone(), options, tx));
        let mut l = Listening {
            h,
            status,
            task,
            started_ms,
        };
        // The first poll backfills what Spotify already lists.
        l.wait_for(|s| s.polls >= 1).await;
        l
    }

    fn play(&self, command: PlayerCommand) {
        self.h.spotify().player(command).expect("player command");
    }

    async fn wait_for(&mut self, f: impl Fn(&ListenStatus) -> bool) {
        let timed_out =
            tokio::time::timeout(Duration::from_secs(30), self.status.wait_for(|s| f(s)))
                .await
                .is_err();
        if timed_out {
            panic!(
                "the poller did not get there in time: {:?}; listens {:?}",
                *self.status.borrow(),
                self.listens().await
            );
        }
    }

    /// Listens since the test began: (Spotify ID, counted, ms played, source), oldest first.
    async fn listens(&self) -> Vec<(String, bool, Option<i64>, String)> {
        sqlx::query_as(
            "SELECT t.spotify_id, l.counted, l.ms_played, l.source FROM listens l
             JOIN tracks t ON t.id = l.track_id
             WHERE l.ended_ms >= ? AND l.user_id = 1 ORDER BY l.ended_ms, l.id",
        )
        .bind(self.started_ms)
        .fetch_all(self.h.vault.pool())
        .await
        .expect("listens")
    }

    /// Liked tracks between `min` and `max` seconds long, in order.
    fn tracks(&self, min_s: u64, max_s: u64, n: usize) -> Vec<(String, u64)> {
        let spotify = self.h.spotify();
        let found: Vec<(String, u64)> = spotify
            .liked_ids()
            .into_iter()
            .filter_map(|id| Some((id.clone(), spotify.track_duration_ms(&id)?)))
            .filter(|(_, d)| (min_s * 1000..=max_s * 1000).contains(d))
            .take(n)
            .collect();
        assert_eq!(found.len(), n, "the generated library has such tracks");
        found
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

#[tokio::test]
async fn a_listening_session_is_polled_into_the_right_plays() {
    let mut l = Listening::start().await;
    let t = l.tracks(150, 330, 4);
    let (a, b, c, d) = (&t[0], &t[1], &t[2], &t[3]);
    let playlist = format!("spotify:playlist:{}", l.h.spotify().playlist_ids()[0]);

    // A from a playlist, paused half way for a while, then played to its
    // end, where the queued B follows by itself.
    l.play(PlayerCommand::Queue { track: b.0.clone() });
    l.play(PlayerCommand::Play {
        track: a.0.clone(),
        position_ms: 0,
        context: Some(playlist.clone()),
    });
    tokio::time::sleep(wall(a.1 / 2)).await;
    l.play(PlayerCommand::Pause);
    tokio::time::sleep(Duration::from_millis(800)).await;
    l.play(PlayerCommand::Resume);
    // B is skipped after 20 s: a skip, not a play.
    l.wait_for(|s| s.now_playing.is_some() && s.listens >= 1)
        .await;
    tokio::time::sleep(wall(20_000)).await;
    // C on repeat: heard twice through.
    l.play(PlayerCommand::RepeatTrack { on: true });
    l.play(PlayerCommand::Play {
        track: c.0.clone(),
        position_ms: 0,
        context: None,
    });
    l.wait_for(|s| s.listens >= 4).await;
    // C's third time round is cut short after about 10 s.
    tokio::time::sleep(wall(10_000)).await;
    l.play(PlayerCommand::RepeatTrack { on: false });
    // A podcast episode, then an ad: neither is a track, neither is a play.
    let episode = l.h.spotify().episode_ids()[0].clone();
    l.play(PlayerCommand::Episode { episode });
    tokio::time::sleep(Duration::from_millis(500)).await;
    l.play(PlayerCommand::Ad {
        duration_ms: 30_000,
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // D for 70% of it, then nothing plays (204).
    l.play(PlayerCommand::Play {
        track: d.0.clone(),
        position_ms: 0,
        context: None,
    });
    tokio::time::sleep(wall(d.1 * 7 / 10)).await;
    l.play(PlayerCommand::Stop);
    l.wait_for(|s| s.listens >= 6).await;
    tokio::time::sleep(Duration::from_millis(400)).await;

    let listens = l.listens().await;
    let summary: Vec<(&str, bool)> = listens
        .iter()
        .map(|(id, counted, _, _)| (id.as_str(), *counted))
        .collect();
    assert_eq!(
        summary,
        [
            (a.0.as_str(), true),
            (b.0.as_str(), false),
            (c.0.as_str(), true),
            (c.0.as_str(), true),
            (c.0.as_str(), false),
            (d.0.as_str(), true),
        ],
        "A played (a pause does not split it), B skipped, C twice and a third start cut \
         short by the episode, D; no episode, no ad"
    );
    assert!(listens.iter().all(|l| l.3 == "spotify-poll"));
    let heard = |i: usize| listens[i].2.expect("ms played");
    // A poll every 100 ms sees 5 s of track; a loaded machine polls later.
    let near = |got: i64, want: u64| (got - want as i64).abs() <= 20_000;
    assert!(
        near(heard(0), a.1),
        "A heard whole: {} of {}",
        heard(0),
        a.1
    );
    assert!(heard(1) < 45_000, "B heard about 20 s: {}", heard(1));
    assert!(near(heard(5), d.1 * 7 / 10), "D heard 70%: {}", heard(5));
    let (context, device): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT context_uri, device FROM listens WHERE ended_ms >= ? ORDER BY ended_ms LIMIT 1",
    )
    .bind(l.started_ms)
    .fetch_one(l.h.vault.pool())
    .await
    .expect("first listen");
    assert_eq!(context.as_deref(), Some(playlist.as_str()));
    assert_eq!(device.as_deref(), Some("Living Room (Speaker)"));

    // The hourly backfill sees the same plays in recently-played (B is not
    // there: Spotify lists plays of 30 s or more) and adds none of them.
    let connection = l.h.syncer.connection().await.expect("connection");
    let added = listen::backfill(&l.h.vault, &connection)
        .await
        .expect("backfill");
    assert_eq!(added, 0, "every recently-played entry was already polled");
    assert_eq!(l.listens().await.len(), 6);
    l.task.abort();
}

#[tokio::test]
async fn a_poll_gap_is_filled_by_the_backfill_once() {
    let l = Listening::start().await;
    let t = l.tracks(150, 330, 2);
    l.play(PlayerCommand::Play {
        track: t[0].0.clone(),
        position_ms: 0,
        context: None,
    });
    tokio::time::sleep(wall(t[0].1 * 3 / 4)).await;
    // The server goes away while the first track plays on and the second
    // plays whole.
    l.task.abort();
    l.play(PlayerCommand::Queue {
        track: t[1].0.clone(),
    });
    tokio::time::sleep(wall(t[0].1 / 4 + t[1].1) + Duration::from_millis(500)).await;
    l.play(PlayerCommand::Stop);
    assert!(l.listens().await.is_empty(), "nothing was seen to end");

    let connection = l.h.syncer.connection().await.expect("connection");
    let added = listen::backfill(&l.h.vault, &connection)
        .await
        .expect("backfill");
    assert_eq!(added, 2, "both plays come back from recently-played");
    let again = listen::backfill(&l.h.vault, &connection)
        .await
        .expect("backfill again");
    assert_eq!(again, 0, "and only once");
    let listens = l.listens().await;
    let ids: Vec<&str> = listens.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(ids, [t[0].0.as_str(), t[1].0.as_str()]);
    assert!(listens.iter().all(|l| l.3 == "spotify-recent" && l.1));
    // The poller started again sees nothing new to add.
    let (tx, mut status) = tokio::sync::watch::channel(ListenStatus::default());
    let task = tokio::spawn(listen::run(l.h.syncer.clone(), options(), tx));
    tokio::time::timeout(Duration::from_secs(10), status.wait_for(|s| s.polls >= 3))
        .await
        .expect("polls")
        .expect("alive");
    assert_eq!(l.listens().await.len(), 2);
    task.abort();
}

#[tokio::test]
async fn the_poller_backs_off_when_nothing_plays() {
    let l = Listening::start_with(ListenOptions {
        idle_every: Duration::from_millis(500),
        ..options()
    })
    .await;
    let spotify = l.h.spotify();
    // Something plays: about one call per `playing_every`.
    let t = l.tracks(150, 330, 1);
    l.play(PlayerCommand::Play {
        track: t[0].0.clone(),
        position_ms: 0,
        context: None,
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    spotify.reset_calls();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let playing = spotify.calls();
    l.play(PlayerCommand::Stop);
    tokio::time::sleep(Duration::from_millis(300)).await;
    spotify.reset_calls();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = spotify.calls();
    assert!(
        (7..=30).contains(&playing),
        "while playing, about every 100 ms: {playing} calls in 2 s"
    );
    assert!(
        (2..=6).contains(&idle),
        "idle, about every 500 ms: {idle} calls in 2 s"
    );
    l.task.abort();
}
