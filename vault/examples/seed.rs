//! Writes a small, fixed demo library into a vault file, through the same
//! upserts a sync uses. The browser tests start Hoard on a vault seeded by this.
//!
//! Usage: `cargo run -p vault --example seed -- path/to/hoard.db`

use std::path::PathBuf;

use vault::model::{NewAlbum, NewArtist, NewPlaylist, NewTrack};
use vault::Vault;

fn artist(id: &str, name: &str) -> NewArtist {
    NewArtist {
        spotify_id: Some(id.into()),
        name: name.into(),
        image_url: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: seed PATH_TO_DB")?
        .into();
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
    Vault::record_play(&mut tx, track_ids[0], "2026-11-20T21:15:00Z", "spotify").await?;
    Vault::record_play(&mut tx, track_ids[5], "2026-11-21T07:30:00Z", "spotify").await?;
    Vault::queue_download(&mut tx, track_ids[1]).await?;
    tx.commit().await?;
    vault.close().await;
    println!("seeded {} tracks into {}", track_ids.len(), path.display());
    Ok(())
}
