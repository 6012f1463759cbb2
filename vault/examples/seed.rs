//! Writes a small, fixed demo library into a vault file, through the same
//! upserts a sync uses. The browser tests start Hoard on a vault seeded by this.
//!
//! Usage: `cargo run -p vault --example seed -- path/to/hoard.db [--liked N]`
//!
//! `--liked N` adds N more liked tracks (older than the demo's, so the demo
//! stays on top of liked songs) for measuring long lists: distinct titles,
//! about one artist per ten tracks and one album per eight, varied lengths,
//! every third downloaded and one in a hundred gone from Spotify.

use std::path::PathBuf;

use vault::model::{Id, NewAlbum, NewArtist, NewPlaylist, NewTrack};
use vault::{SqliteConnection, Vault, WriteCache};

fn artist(id: &str, name: &str) -> NewArtist {
    NewArtist {
        spotify_id: Some(id.into()),
        name: name.into(),
        image_url: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: seed PATH_TO_DB [--liked N]";
    let mut args = std::env::args_os().skip(1);
    let path: PathBuf = args.next().ok_or(USAGE)?.into();
    let extra_liked: usize = match (args.next(), args.next(), args.next()) {
        (None, _, _) => 0,
        (Some(flag), Some(n), None) if flag == "--liked" => n
            .to_str()
            .and_then(|n| n.parse().ok())
            .ok_or(format!("--liked takes a number of tracks; {USAGE}"))?,
        _ => return Err(USAGE.into()),
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let vault = Vault::open(&path).await?;
    let held = vault.stats().await?.tracks;
    if held > 0 {
        return Err(format!(
            "{} already holds {held} tracks; the demo library only goes into an empty vault",
            path.display()
        )
        .into());
    }
    let mut tx = vault.begin().await?;

    let sigur = artist("6UUrUCIZtQeOf8tC0WuzRy", "Sigur Rós");
    let bjork = artist("7w29UYBi0qsHi5RTcv3lmA", "Björk");
    let yoko = artist("1SS4gyBk3pPGHeZjXVC3Ea", "宇多田ヒカル");
    let albums = [
        (
            "1Ag1lGyI6iSpZsGeNQpNsc",
            "Ágætis byrjun",
            "1999-06-12",
            vec![sigur.clone()],
            vec![
                "Svefn-g-englar",
                "Starálfur",
                "Flugufrelsarinn",
                "Olsen Olsen",
            ],
        ),
        (
            "3eOGYzJKqAkBlnUjnZHQKo",
            "Homogenic",
            "1997-09-22",
            vec![bjork.clone()],
            vec!["Hunter", "Jóga", "Unravel", "Bachelorette"],
        ),
        (
            "5jOMz3zRlXLdPdYwCQlWnQ",
            "First Love",
            "1999-03-10",
            vec![yoko.clone()],
            vec!["Automatic", "Movin' on without you", "First Love"],
        ),
    ];
    let mut track_ids = Vec::new();
    for (a, (album_id, album_name, date, album_artists, titles)) in albums.iter().enumerate() {
        let album = NewAlbum {
            spotify_id: Some((*album_id).into()),
            name: (*album_name).into(),
            album_type: "album".into(),
            release_date: Some((*date).into()),
            release_date_precision: Some("day".into()),
            total_tracks: Some(titles.len() as i64),
            image_url: None,
            images: None,
            artists: album_artists.clone(),
        };
        for (n, title) in titles.iter().enumerate() {
            let track = NewTrack {
                spotify_id: Some(format!("demo{a}track{n}0000000000")),
                isrc: Some(format!("DEMO{a:02}{n:05}")),
                title: (*title).into(),
                album: Some(album.clone()),
                artists: album_artists.clone(),
                disc_number: 1,
                track_number: Some(n as i64 + 1),
                duration_ms: 180_000 + 17_000 * n as i64,
                explicit: false,
                is_local: false,
                is_playable: Some(true),
                preview_url: None,
            };
            track_ids.push(Vault::upsert_track(&mut tx, &track).await?);
        }
    }
    for (i, track_id) in track_ids.iter().enumerate() {
        if i % 3 != 2 {
            Vault::like_track(
                &mut tx,
                *track_id,
                &format!("2026-10-{:02}T12:00:00Z", i + 1),
            )
            .await?;
        }
    }
    let playlist = NewPlaylist {
        spotify_id: Some("37i9dQZF1DX4sWSpwq3LiO".into()),
        name: "Nordic Nights ❄".into(),
        description: Some("Slow songs for long winters".into()),
        owner_id: Some("demo".into()),
        owner_name: Some("Demo User".into()),
        snapshot_id: Some("MSwxMjM0NTY3ODkw".into()),
        public: Some(false),
        collaborative: false,
        image_url: None,
        images: None,
    };
    let playlist_id = Vault::upsert_playlist(&mut tx, &playlist).await?;
    for (position, track_id) in track_ids.iter().take(8).enumerate() {
        Vault::add_playlist_track(
            &mut tx,
            playlist_id,
            position as i64,
            *track_id,
            Some("2026-09-01T08:00:00Z"),
        )
        .await?;
    }
    let empty = NewPlaylist {
        spotify_id: Some("0emptyPlaylist000000000".into()),
        name: "Empty for now".into(),
        ..playlist
    };
    Vault::upsert_playlist(&mut tx, &empty).await?;
    for (track, at) in [(0, "2026-11-20T21:15:00Z"), (5, "2026-11-21T07:30:00Z")] {
        let at = vault::rfc3339_ms(at).unwrap_or_default();
        let listen = vault::NewListen {
            user_id: vault::model::OWNER,
            track_id: track_ids[track],
            started_ms: at,
            ended_ms: at,
            counted: true,
            source: "spotify-recent",
            ..Default::default()
        };
        Vault::add_spotify_listen(&mut tx, &listen).await?;
    }
    Vault::queue_download(&mut tx, track_ids[1]).await?;
    add_liked(&mut tx, extra_liked).await?;
    tx.commit().await?;
    vault.close().await;
    println!(
        "seeded {} tracks into {}",
        track_ids.len() + extra_liked,
        path.display()
    );
    Ok(())
}

const FIRST: [&str; 24] = [
    "Anna", "Björn", "Clara", "Dmitri", "Elif", "Frank", "Greta", "Hiro", "Inès", "Jonas", "Kofi",
    "Lena", "Marco", "Nadia", "Olafur", "Paula", "Quentin", "Rosa", "Sven", "Tomás", "Ulla",
    "Viktor", "Wanda", "Yusuf",
];
const LAST: [&str; 24] = [
    "Andersen", "Baker", "Castro", "Dubois", "Eriksson", "Fischer", "García", "Hansen", "Ito",
    "Jensen", "Kowalski", "Larsen", "Müller", "Novak", "Olsen", "Petrov", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Urban", "Vega", "Weber", "Zhang",
];
const ADJECTIVES: [&str; 20] = [
    "Blue",
    "Silent",
    "Golden",
    "Broken",
    "Electric",
    "Quiet",
    "Frozen",
    "Distant",
    "Hollow",
    "Burning",
    "Velvet",
    "Northern",
    "Paper",
    "Crystal",
    "Wild",
    "Lonely",
    "Neon",
    "Ancient",
    "Sleepless",
    "Sunlit",
];
const NOUNS: [&str; 20] = [
    "River", "Night", "Heart", "City", "Dream", "Ocean", "Garden", "Mirror", "Highway", "Winter",
    "Fire", "Shadow", "Harbour", "Signal", "Forest", "Echo", "Summer", "Island", "Machine", "Café",
];

/// `n` more liked tracks, written in batches the way a sync writes them.
async fn add_liked(
    conn: &mut SqliteConnection,
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let artists: Vec<NewArtist> = (0..n.div_ceil(10))
        .map(|j| {
            let name = format!(
                "{} {}",
                FIRST[j % FIRST.len()],
                LAST[j / FIRST.len() % LAST.len()]
            );
            let round = j / (FIRST.len() * LAST.len());
            NewArtist {
                spotify_id: Some(format!("bulkartist{j:012}")),
                name: if round == 0 {
                    name
                } else {
                    format!("{name} {}", round + 1)
                },
                image_url: None,
            }
        })
        .collect();
    let album = |j: usize| {
        let name = format!(
            "{} {}s",
            ADJECTIVES[j / NOUNS.len() % ADJECTIVES.len()],
            NOUNS[j % NOUNS.len()]
        );
        let round = j / (ADJECTIVES.len() * NOUNS.len());
        NewAlbum {
            spotify_id: Some(format!("bulkalbum{j:013}")),
            name: if round == 0 {
                name
            } else {
                format!("{name} Vol. {}", round + 1)
            },
            album_type: "album".into(),
            release_date: Some(format!("{}", 1970 + j % 55)),
            release_date_precision: Some("year".into()),
            total_tracks: Some(8),
            image_url: None,
            images: None,
            artists: vec![artists[j % artists.len()].clone()],
        }
    };
    let tracks: Vec<NewTrack> = (0..n)
        .map(|i| {
            let album = album(i / 8);
            let mut credits = album.artists.clone();
            if i % 5 == 4 {
                // A featured artist now and then.
                credits.push(artists[(i * 7 + 3) % artists.len()].clone());
            }
            NewTrack {
                spotify_id: Some(format!("bulktrack{i:013}")),
                isrc: Some(format!("BULK{i:08}")),
                title: format!(
                    "{} {} {}",
                    ADJECTIVES[i % ADJECTIVES.len()],
                    NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()],
                    i + 1
                ),
                album: Some(album),
                artists: credits,
                disc_number: 1,
                track_number: Some(i as i64 % 8 + 1),
                duration_ms: 90_000 + (i as i64 * 7_919) % 330_000,
                explicit: i % 11 == 0,
                is_local: false,
                // Written unplayable, the vault marks the track gone from Spotify.
                is_playable: Some(i % 100 != 42),
                preview_url: None,
            }
        })
        .collect();
    let mut cache = WriteCache::default();
    let mut ids: Vec<Id> = Vec::with_capacity(n);
    for batch in tracks.chunks(500) {
        ids.extend(Vault::upsert_tracks_cached(conn, batch, &mut cache).await?);
    }
    // One like a minute, ending before the demo's first (2026-10-01).
    let start = time::macros::datetime!(2020-01-01 00:00 UTC);
    let likes = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let at = start + time::Duration::minutes(i as i64);
            Ok((
                *id,
                at.format(&time::format_description::well_known::Rfc3339)?,
            ))
        })
        .collect::<Result<Vec<_>, time::error::Format>>()?;
    Vault::like_tracks(conn, &likes).await?;
    let downloaded: Vec<Id> = ids.iter().step_by(3).copied().collect();
    sqlx::query(
        "INSERT INTO downloads (track_id, state, source, format, bytes, file_path)
         SELECT value, 'downloaded', 'yt-dlp', 'opus', 4000000, 'seed/' || value || '.opus'
         FROM json_each(?)",
    )
    .bind(serde_json::to_string(&downloaded)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
