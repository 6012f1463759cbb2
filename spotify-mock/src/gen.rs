//! Deterministic generation of a library from a [`LibrarySpec`].
//!
//! One seeded ChaCha stream drives everything, so the same spec always yields
//! the same IDs, names, order and timestamps (timestamps are anchored to a
//! fixed instant, not to the clock).

use rand::seq::IndexedRandom;
use rand::Rng;

use crate::model::{Album, Artist, Episode, ItemRef, Library, Playlist, PlaylistItem, Track, User};
use crate::{util, LibrarySpec};

/// 2026-09-01T00:00:00Z: everything generated lies before it, so items added
/// at run time are always the newest.
pub const BASE_SECS: i64 = 1_788_220_800;

/// The library owner's ID.
pub const USER_ID: &str = "mockuser";

const ADJECTIVES: &[&str] = &[
    "Silent", "Golden", "Electric", "Broken", "Endless", "Midnight", "Crimson", "Neon", "Hollow",
    "Velvet", "Lonely", "Burning", "Frozen", "Wild", "Distant", "Paper", "Glass", "Summer",
    "Northern", "Secret", "Lucky", "Falling", "Quiet", "Blue", "Restless", "Sweet", "Dark",
    "Little", "Open", "Last",
];
const NOUNS: &[&str] = &[
    "Heart",
    "River",
    "Lights",
    "Dreams",
    "Highway",
    "Ocean",
    "Fire",
    "Garden",
    "Signal",
    "Echo",
    "Shadows",
    "Stars",
    "Rain",
    "Machine",
    "Mirror",
    "Roads",
    "Horizon",
    "Satellite",
    "Winter",
    "Harbor",
    "Cities",
    "Thunder",
    "Parade",
    "Waves",
    "Season",
    "Promise",
    "Letters",
    "Ghost",
    "Island",
    "Memory",
];
const ARTIST_FIRST: &[&str] = &[
    "The", "Young", "Lady", "DJ", "Captain", "Saint", "Little", "Big", "Doctor", "Sister",
];
const ARTIST_WORDS: &[&str] = &[
    "Wolves", "Arcade", "Lanterns", "Foxes", "Pilots", "Comets", "Harper", "Nova", "Marlow",
    "Reed", "Atlas", "Orchid", "Tigers", "Sparrow", "Monroe", "Vega", "Jet", "Blossom", "Rivers",
    "Kite",
];
const UNICODE_ARTISTS: &[&str] = &[
    "宇多田ヒカル風",
    "Björk Guðmundsdóttir",
    "Sigur Rós Tribute",
    "Beyoncé Knowles Band",
    "فيروز الصغيرة",
    "Мумий Тролль",
    "방탄 Echo",
    "Zoë & Chloé",
    "Ñandú",
    "🎧 Lo-Fi Kid",
];
const UNICODE_TITLES: &[&str] = &[
    "夜に駆ける",
    "Café Déjà Vu",
    "🔥 Fire Starter 🔥",
    "حبيبي يا نور العين",
    "Наше лето",
    "사랑해 (Love You)",
    "Crème Brûlée",
    "Señorita Ñ",
    "Ævintýri",
    "💔 Heartbreak.exe",
    "Straße der Träume",
    "שיר השירים",
];
const GENRES: &[&str] = &[
    "indie pop",
    "synthwave",
    "dream pop",
    "post-rock",
    "alt z",
    "j-pop",
    "k-pop",
    "afrobeats",
    "latin",
    "jazz",
    "lo-fi beats",
    "folk",
    "techno",
    "hip hop",
];
const LABELS: &[&str] = &[
    "Hoard Records",
    "Mock Music Group",
    "Loopback Audio",
    "127 Sounds",
    "Seedling Recordings",
];
const PLAYLIST_NAMES: &[&str] = &[
    "Road Trip",
    "Focus",
    "Workout",
    "Chill Evening",
    "Throwbacks",
    "Sunday Morning",
    "Party",
    "Rainy Day",
    "Discoveries",
    "Late Night",
    "Cooking",
    "Deep Cuts",
];
const UNICODE_PLAYLISTS: &[&str] = &[
    "夏の夜 🌙",
    "Música para el café ☕",
    "Été à Paris",
    "🔥🔥🔥",
];

/// Other users owning playlists the library owner follows.
const OTHER_USERS: &[(&str, &str)] = &[
    ("mira.k", "Mira K"),
    ("dj_ozone", "DJ Ozone"),
    ("lucas1987", "Lucas"),
    ("spotifyfan42", "Fan 42"),
];

fn pick<R: Rng>(rng: &mut R, list: &[&'static str]) -> &'static str {
    list.choose(rng).copied().unwrap_or("Untitled")
}

fn title<R: Rng>(rng: &mut R, quirks: bool) -> String {
    if quirks && rng.random_ratio(1, 14) {
        return pick(rng, UNICODE_TITLES).to_string();
    }
    let base = format!("{} {}", pick(rng, ADJECTIVES), pick(rng, NOUNS));
    match rng.random_range(0..10) {
        0 => format!("{base} (Remastered)"),
        1 => format!("{base} - Live"),
        _ => base,
    }
}

/// A new artist with a generated (sometimes non-Latin) name.
pub fn make_artist(lib: &mut Library, quirks: bool) -> Artist {
    let id = lib.new_id();
    let rng = &mut lib.rng;
    let name = if quirks && rng.random_ratio(1, 12) {
        pick(rng, UNICODE_ARTISTS).to_string()
    } else if rng.random_bool(0.4) {
        format!("{} {}", pick(rng, ARTIST_FIRST), pick(rng, ARTIST_WORDS))
    } else {
        format!("{} {}", pick(rng, ARTIST_WORDS), pick(rng, NOUNS))
    };
    let genres = (0..rng.random_range(0..3))
        .map(|_| pick(rng, GENRES).to_string())
        .collect();
    Artist {
        id,
        name,
        genres,
        popularity: rng.random_range(5..95),
        followers: rng.random_range(100..5_000_000),
    }
}

/// A new album (with no tracks yet) credited to `artists`.
pub fn make_album(
    lib: &mut Library,
    artists: Vec<usize>,
    album_type: &'static str,
    quirks: bool,
) -> Album {
    let id = lib.new_id();
    let rng = &mut lib.rng;
    let name = title(rng, quirks);
    let released = BASE_SECS - rng.random_range(0..40 * 365 * 86_400);
    let date = util::date(released);
    let (release_date, release_date_precision) = match rng.random_range(0..20) {
        0 => (date[..4].to_string(), "year"),
        1 => (date[..7].to_string(), "month"),
        _ => (date, "day"),
    };
    Album {
        id,
        name,
        album_type,
        artists,
        release_date,
        release_date_precision,
        tracks: Vec::new(),
        label: pick(rng, LABELS).to_string(),
        upc: format!("{:012}", rng.random_range(0..1_000_000_000_000u64)),
        markets: None,
    }
}

/// A new track on `album` (not yet pushed into the library).
pub fn make_track(
    lib: &mut Library,
    album: usize,
    artists: Vec<usize>,
    number: u32,
    quirks: bool,
) -> Track {
    let id = lib.new_id();
    let rng = &mut lib.rng;
    let name = title(rng, quirks);
    let isrc = if quirks && rng.random_ratio(1, 20) {
        None
    } else {
        let cc = pick(rng, &["US", "GB", "SE", "JP", "DE", "FR", "QM"]);
        let reg: String = (0..3)
            .map(|_| (b'A' + rng.random_range(0..26u8)) as char)
            .collect();
        Some(format!(
            "{cc}{reg}{:02}{:05}",
            rng.random_range(0..100),
            rng.random_range(0..100_000)
        ))
    };
    // Long albums are split over two discs, numbering restarting on disc 2.
    let (disc_number, track_number) = if number > 10 {
        (2, number - 10)
    } else {
        (1, number)
    };
    Track {
        id,
        name,
        album,
        artists,
        disc_number,
        track_number,
        duration_ms: rng.random_range(90_000..420_000),
        explicit: rng.random_ratio(1, 6),
        isrc,
        playable: !(quirks && rng.random_ratio(1, 50)),
        preview: rng.random_ratio(1, 10),
    }
}

/// `k` distinct indices out of `0..n` (partial Fisher-Yates).
fn sample<R: Rng>(rng: &mut R, n: usize, k: usize) -> Vec<usize> {
    let k = k.min(n);
    let mut v: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = rng.random_range(i..n);
        v.swap(i, j);
    }
    v.truncate(k);
    v
}

/// Builds the whole library for `spec`.
pub fn generate(spec: &LibrarySpec) -> Library {
    let quirks = spec.quirks;
    let user = User {
        id: USER_ID.to_string(),
        display_name: "Mock User".to_string(),
    };
    let mut lib = Library::empty(user, spec.seed);

    // Catalogue sized so playlists and liked songs overlap heavily.
    let n_tracks = (spec.liked + spec.playlists * spec.playlist_len / 3).max(40);
    let n_artists = (n_tracks / 25).max(spec.followed_artists + 8).max(8);
    for _ in 0..n_artists {
        let a = make_artist(&mut lib, quirks);
        lib.push_artist(a);
    }
    while lib.tracks.len() < n_tracks || lib.albums.len() < spec.saved_albums {
        let roll = lib.rand_range(0..10);
        let (album_type, n) = match roll {
            0..=5 => ("album", lib.rand_range(8..15)),
            6..=8 => ("single", lib.rand_range(1..4)),
            _ => ("compilation", lib.rand_range(10..19)),
        };
        let main = lib.rand_range(0..n_artists as u64) as usize;
        let mut album_artists = vec![main];
        if lib.rand_range(0..8) == 0 {
            let other = lib.rand_range(0..n_artists as u64) as usize;
            if other != main {
                album_artists.push(other);
            }
        }
        let album = make_album(&mut lib, album_artists.clone(), album_type, quirks);
        let al = lib.push_album(album);
        for number in 1..=n as u32 {
            let mut artists = if album_type == "compilation" {
                vec![lib.rand_range(0..n_artists as u64) as usize]
            } else {
                album_artists.clone()
            };
            if lib.rand_range(0..7) == 0 {
                let feat = lib.rand_range(0..n_artists as u64) as usize;
                if !artists.contains(&feat) {
                    artists.push(feat);
                }
            }
            let t = make_track(&mut lib, al, artists, number, quirks);
            lib.push_track(t);
        }
    }

    // Liked songs: distinct tracks, newest first, spread over ~3 years.
    let liked = sample(&mut lib.rng, lib.tracks.len(), spec.liked);
    let avg_gap = (3 * 365 * 86_400 / spec.liked.max(1) as i64).max(60);
    let mut at = BASE_SECS - 3600;
    for t in liked {
        lib.liked.push((t, at));
        at -= lib.rng.random_range(1..2 * avg_gap);
    }

    generate_episodes(&mut lib);
    generate_playlists(&mut lib, spec);

    let saved = sample(&mut lib.rng, lib.albums.len(), spec.saved_albums);
    let mut at = BASE_SECS - 7200;
    for a in saved {
        lib.saved_albums.push((a, at));
        at -= lib.rng.random_range(3600..90 * 86_400);
    }
    lib.followed_artists = sample(&mut lib.rng, lib.artists.len(), spec.followed_artists);

    // Recently played: ~60 plays of liked songs, newest first.
    let pool: Vec<usize> = if lib.liked.is_empty() {
        (0..lib.tracks.len()).collect()
    } else {
        lib.liked.iter().map(|(t, _)| *t).collect()
    };
    let mut played = BASE_SECS * 1000 - 60_000;
    for _ in 0..60 {
        let Some(&t) = pool.choose(&mut lib.rng) else {
            break;
        };
        lib.plays.push((t, played));
        played -= lib.rng.random_range(60_000..6 * 3_600_000);
    }
    // Last, so the rest of the library is the same with or without them.
    for _ in 0..spec.discographies {
        generate_discography(&mut lib, spec.releases_per_artist.max(12));
    }
    lib
}

/// A release of `artist` dated `released` (unix seconds), with no tracks yet.
fn release(
    lib: &mut Library,
    artists: Vec<usize>,
    album_type: &'static str,
    name: String,
    released: i64,
) -> usize {
    let mut album = make_album(lib, artists, album_type, false);
    album.name = name;
    album.release_date = util::date(released);
    album.release_date_precision = "day";
    lib.push_album(album)
}

/// A track on `album` that is the same recording as `of`: its own ID, the
/// same title, ISRC and length (how a single, a deluxe edition, a regional
/// edition or a best-of lists an album track again).
fn reissue(lib: &mut Library, of: usize, album: usize, number: u32) -> usize {
    let id = lib.new_id();
    let from = &lib.tracks[of];
    let (disc_number, track_number) = if number > 10 {
        (2, number - 10)
    } else {
        (1, number)
    };
    let t = Track {
        id,
        name: from.name.clone(),
        album,
        artists: from.artists.clone(),
        disc_number,
        track_number,
        duration_ms: from.duration_ms,
        explicit: from.explicit,
        isrc: from.isrc.clone(),
        playable: true,
        preview: false,
    };
    lib.push_track(t)
}

/// One followed artist with a whole discography of `count` releases.
fn generate_discography(lib: &mut Library, count: usize) {
    let artist = make_artist(lib, false);
    let a = lib.push_artist(artist);
    lib.followed_artists.push(a);
    lib.discography_artists.push(a);
    let year = 365 * 86_400;
    let mut at = BASE_SECS - 15 * year;
    // Studio albums, each after a lead single that is one of its tracks.
    let albums = (count / 5).max(3);
    let mut album_tracks: Vec<usize> = Vec::new();
    let mut studio = Vec::new();
    let mut singles = 0;
    for _ in 0..albums {
        let name = title(&mut lib.rng, false);
        let al = release(lib, vec![a], "album", name, at);
        let n = lib.rand_range(8..15) as u32;
        let first = lib.tracks.len();
        for number in 1..=n {
            let t = make_track(lib, al, vec![a], number, false);
            lib.push_track(t);
        }
        album_tracks.extend(first..lib.tracks.len());
        let lead = first + lib.rand_range(0..n as u64) as usize;
        let name = lib.tracks[lead].name.clone();
        let single = release(lib, vec![a], "single", name, at - 40 * 86_400);
        reissue(lib, lead, single, 1);
        singles += 1;
        studio.push((al, first, n, at));
        at += lib.rand_range(year as u64..2 * year as u64) as i64;
    }
    // The first album again as a deluxe edition with bonus tracks, and as a
    // regional edition sold only in Japan.
    let (al, first, n, released) = studio[0];
    let name = lib.albums[al].name.clone();
    let deluxe_at = released + year;
    let deluxe = release(
        lib,
        vec![a],
        "album",
        format!("{name} (Deluxe Edition)"),
        deluxe_at,
    );
    for i in 0..n as usize {
        reissue(lib, first + i, deluxe, i as u32 + 1);
    }
    for number in n + 1..=n + 3 {
        let t = make_track(lib, deluxe, vec![a], number, false);
        lib.push_track(t);
    }
    let regional = release(lib, vec![a], "album", name, released);
    lib.albums[regional].markets = Some(vec!["JP"]);
    for i in 0..n as usize {
        reissue(lib, first + i, regional, i as u32 + 1);
    }
    // A best-of of album tracks.
    let hits = release(lib, vec![a], "compilation", "Greatest Hits".into(), at);
    let mut number = 0;
    while number < 8 {
        let of = album_tracks[lib.rand_range(0..album_tracks.len() as u64) as usize];
        if !lib.albums[hits]
            .tracks
            .iter()
            .any(|&t| lib.tracks[t].name == lib.tracks[of].name)
        {
            number += 1;
            reissue(lib, of, hits, number);
        }
    }
    // Two various-artists compilations with one song of theirs each.
    for _ in 0..2 {
        let other = make_artist(lib, false);
        let o = lib.push_artist(other);
        let name = format!(
            "{} Vol. {}",
            title(&mut lib.rng, false),
            lib.rand_range(1..9)
        );
        let released = at - lib.rand_range(0..(10 * year) as u64) as i64;
        let va = release(lib, vec![o], "compilation", name, released);
        for number in 1..=6u32 {
            let by = if number == 3 { vec![a] } else { vec![o] };
            let t = make_track(lib, va, by, number, false);
            lib.push_track(t);
        }
    }
    // Non-album singles fill the count.
    let so_far = albums + singles + 5;
    for _ in so_far..count {
        let name = title(&mut lib.rng, false);
        let released = BASE_SECS - lib.rand_range(0..(15 * year) as u64) as i64;
        let single = release(lib, vec![a], "single", name, released);
        let n = lib.rand_range(1..3) as u32;
        for number in 1..=n {
            let t = make_track(lib, single, vec![a], number, false);
            lib.push_track(t);
        }
    }
    // One liked song, so the artist is in the listener's vault.
    let oldest = lib.liked.last().map_or(BASE_SECS, |(_, at)| *at);
    lib.liked.push((album_tracks[0], oldest - 60));
}

fn generate_episodes(lib: &mut Library) {
    let show_id = lib.new_id();
    for i in 0..3 {
        let id = lib.new_id();
        let duration_ms = lib.rand_range(600_000..5_400_000);
        lib.episodes.push(Episode {
            id,
            name: format!("Episode {}: Building a Music Vault", 101 + i),
            show_id: show_id.clone(),
            show_name: "The Loopback Podcast".to_string(),
            publisher: "Mock Media".to_string(),
            duration_ms,
            release_date: util::date(BASE_SECS - (i as i64 + 1) * 7 * 86_400),
        });
    }
}

fn generate_playlists(lib: &mut Library, spec: &LibrarySpec) {
    let quirks = spec.quirks;
    let n_tracks = lib.tracks.len() as u64;
    for i in 0..spec.playlists {
        let id = lib.new_id();
        let collaborative = i == 1;
        let owner = if collaborative || i % 4 == 3 {
            let (oid, name) = OTHER_USERS[(i / 4) % OTHER_USERS.len()];
            User {
                id: oid.to_string(),
                display_name: name.to_string(),
            }
        } else {
            lib.user.clone()
        };
        let name = if quirks && i % 6 == 2 {
            pick(&mut lib.rng, UNICODE_PLAYLISTS).to_string()
        } else {
            format!("{} #{}", PLAYLIST_NAMES[i % PLAYLIST_NAMES.len()], i + 1)
        };
        let description = if i % 5 == 4 {
            String::new()
        } else if quirks && i % 5 == 2 {
            // Spotify sends descriptions HTML-escaped.
            "Rock &amp; roll, old &amp; new".to_string()
        } else {
            format!("Generated playlist number {} for Hoard tests", i + 1)
        };
        let mut items = Vec::with_capacity(spec.playlist_len);
        let mut at = BASE_SECS - lib.rng.random_range(30 * 86_400..1500 * 86_400);
        for k in 0..spec.playlist_len {
            // ~40% from liked songs so playlists and liked songs overlap.
            let t = if !lib.liked.is_empty() && lib.rng.random_ratio(2, 5) {
                let j = lib.rng.random_range(0..lib.liked.len());
                lib.liked[j].0
            } else {
                lib.rng.random_range(0..n_tracks) as usize
            };
            let added_by = if collaborative && k % 2 == 1 {
                lib.user.id.clone()
            } else {
                owner.id.clone()
            };
            items.push(PlaylistItem {
                added_at: at,
                added_by,
                item: ItemRef::Track(t),
            });
            at += lib.rng.random_range(60..3 * 86_400);
        }
        let followers = lib.rng.random_range(0..5000);
        let playlist = Playlist {
            id: id.clone(),
            name,
            description,
            public: !collaborative && i % 3 != 2,
            owner,
            collaborative,
            has_images: i % 7 != 5,
            followers,
            items,
            version: 1,
        };
        lib.playlist_index.insert(id, lib.playlists.len());
        lib.followed_playlists.push(lib.playlists.len());
        lib.playlists.push(playlist);
    }
    if quirks && !lib.playlists.is_empty() {
        add_quirks(lib, 0);
    }
}

/// Puts a null item, a local file, an episode and an unavailable track into
/// playlist `p`: at spread positions when it is long enough, else appended.
fn add_quirks(lib: &mut Library, p: usize) {
    let unavailable = lib.rng.random_range(0..lib.tracks.len());
    lib.tracks[unavailable].playable = false;
    let quirky = [
        ItemRef::Null,
        ItemRef::Local {
            artist: "Garage Band".to_string(),
            album: "Demo Tape".to_string(),
            title: "Basement Jam".to_string(),
            duration_s: 215,
        },
        ItemRef::Episode(0),
        ItemRef::Track(unavailable),
    ];
    let owner = lib.playlists[p].owner.id.clone();
    let items = &mut lib.playlists[p].items;
    let len = items.len();
    for (k, q) in quirky.into_iter().enumerate() {
        if len >= 8 {
            items[1 + 2 * k].item = q;
        } else {
            let added_at = items
                .last()
                .map(|i| i.added_at + 60)
                .unwrap_or(BASE_SECS - 86_400);
            items.push(PlaylistItem {
                added_at,
                added_by: owner.clone(),
                item: q,
            });
        }
    }
    lib.quirky_playlist = Some(p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_and_empty_specs_generate() {
        for (liked, playlists, len, quirks) in [
            (0, 0, 0, true),
            (0, 1, 0, true),
            (1, 2, 3, true),
            (5, 3, 9, false),
        ] {
            let lib = generate(&LibrarySpec {
                liked,
                playlists,
                playlist_len: len,
                saved_albums: 50,
                followed_artists: 30,
                seed: 7,
                quirks,
                ..LibrarySpec::default()
            });
            assert_eq!(lib.liked.len(), liked);
            assert_eq!(lib.playlists.len(), playlists);
            assert_eq!(lib.saved_albums.len(), 50);
            assert_eq!(lib.followed_artists.len(), 30);
            assert_eq!(lib.quirky_playlist.is_some(), quirks && playlists > 0);
            if let Some(q) = lib.quirky_playlist {
                assert!(lib.playlists[q].items.len() >= 4);
            }
        }
    }

    #[test]
    fn ids_are_base62_and_unique() {
        let lib = generate(&LibrarySpec::default());
        assert_eq!(lib.track_index.len(), lib.tracks.len());
        assert!(lib
            .tracks
            .iter()
            .all(|t| t.id.len() == 22 && t.id.bytes().all(|c| c.is_ascii_alphanumeric())));
        let missing = lib.tracks.iter().filter(|t| t.isrc.is_none()).count();
        assert!(missing > 0 && missing < lib.tracks.len() / 5);
    }
}
