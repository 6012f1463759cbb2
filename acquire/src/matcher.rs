//! Matching a Spotify track to an upload, the way spotDL does, but with a
//! score and a reason kept for every candidate.
//!
//! 1. Both sides are [`normalise`]d: transliterated to ASCII (diacritics,
//!    other scripts), lower case, "feat." credits and noise in brackets
//!    ("Official Video", "Lyrics", "HD") removed, "Artist - Topic" channels
//!    reduced to the artist.
//! 2. An ISRC that matches is accepted outright.
//! 3. Otherwise the title (with the artist prefix of "Artist - Title" uploads
//!    removed), the artist (channel or title) and the duration are scored,
//!    and each version the Spotify title does not ask for (live, cover,
//!    remix, sped up, …) costs a penalty.
//! 4. The best candidate wins only above [`MatchOptions::threshold`];
//!    otherwise the verdict is [`Verdict::NoConfidentMatch`] and the scored
//!    candidates are kept for the user to pick from.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// What Spotify says the track is.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub title: String,
    /// In credit order.
    pub artists: Vec<String>,
    pub duration_ms: i64,
    pub isrc: Option<String>,
}

/// An upload a source offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub title: String,
    /// The channel or uploader ("Artist - Topic", "ArtistVEVO", …).
    pub uploader: String,
    pub duration_ms: Option<i64>,
    pub url: String,
    /// Some sources (a local file's tags, YouTube Music) give one.
    pub isrc: Option<String>,
}

/// A candidate with its score (0 to 1) and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub candidate: Candidate,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The outcome of matching.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Verdict {
    /// `scored[index]` is the track.
    Match { index: usize, reason: String },
    /// Nothing scored above the threshold; the best score is given.
    NoConfidentMatch { best: Option<f64> },
}

/// How strict matching is.
#[derive(Clone, Debug)]
pub struct MatchOptions {
    /// The score a candidate needs to be chosen.
    pub threshold: f64,
    /// A duration this far off (in seconds) scores zero for duration.
    pub duration_zero_s: f64,
    /// The score taken off for each version the Spotify title does not ask for.
    pub version_penalty: f64,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            threshold: 0.75,
            duration_zero_s: 30.0,
            version_penalty: 0.35,
        }
    }
}

/// Versions of a song that are not the song: each named as a reason reads.
const VERSIONS: &[(&str, &[&str])] = &[
    ("live", &["live", "en vivo", "ao vivo", "concert"]),
    ("cover", &["cover"]),
    ("remix", &["remix", "rmx", "bootleg", "mashup"]),
    ("karaoke", &["karaoke"]),
    ("instrumental", &["instrumental", "backing track"]),
    ("sped up", &["sped up", "speed up", "spedup", "nightcore"]),
    ("slowed", &["slowed", "reverb"]),
    ("8D", &["8d", "8 d audio"]),
    ("acoustic", &["acoustic", "unplugged"]),
    ("remaster", &["remaster", "remastered"]),
    ("extended", &["extended"]),
    ("radio edit", &["radio edit"]),
];

/// Bracketed or trailing words that say nothing about which recording it is.
const NOISE: &[&str] = &[
    "official music video",
    "official video",
    "official audio",
    "official lyric video",
    "official visualizer",
    "official",
    "music video",
    "lyric video",
    "lyrics video",
    "lyrics",
    "lyric",
    "with lyrics",
    "audio",
    "video",
    "visualizer",
    "visualiser",
    "hd",
    "hq",
    "4k",
    "mv",
    "m v",
];

/// ASCII, lower case, words separated by single spaces.
fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    let mut space = true;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_owned()
}

/// Removes "feat. X" credits (bracketed or trailing).
fn drop_features(s: &str) -> String {
    let lower = s.to_lowercase();
    let markers = [
        " feat. ",
        " feat ",
        " ft. ",
        " ft ",
        " featuring ",
        "(feat",
        "[feat",
        "(ft",
        "[ft",
        "(with ",
        "[with ",
    ];
    let mut cut = s.len();
    for marker in markers {
        if let Some(i) = lower.find(marker) {
            // A bracketed credit ends at its bracket; what follows it stays.
            if marker.starts_with(['(', '[']) {
                let close = if marker.starts_with('(') { ')' } else { ']' };
                if let Some(end) = lower[i..].find(close) {
                    let mut kept = String::from(&s[..i]);
                    kept.push_str(&s[i + end + 1..]);
                    return drop_features(&kept);
                }
            }
            cut = cut.min(i);
        }
    }
    s[..cut].to_owned()
}

/// Removes brackets whose content is only noise ("(Official Video)", "[HD]").
fn drop_noise_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(['(', '[']) {
        let close = if rest[open..].starts_with('(') {
            ')'
        } else {
            ']'
        };
        let Some(len) = rest[open..].find(close) else {
            break;
        };
        let inner = fold(&rest[open + 1..open + len]);
        out.push_str(&rest[..open]);
        if !NOISE.contains(&inner.as_str()) {
            out.push_str(&rest[open..=open + len]);
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

/// A title or name as the matcher compares it.
pub fn normalise(s: &str) -> String {
    let mut folded = fold(&drop_noise_brackets(&drop_features(s)));
    // Trailing noise without brackets: "Song - Official Video", "Song Lyrics".
    loop {
        let before = folded.len();
        for noise in NOISE {
            if let Some(stripped) = folded.strip_suffix(noise) {
                if stripped.ends_with(' ') || stripped.is_empty() {
                    folded = stripped.trim_end().to_owned();
                }
            }
        }
        if folded.len() == before {
            break;
        }
    }
    folded
}

/// An uploader name as the artist it stands for ("Daft Punk - Topic",
/// "DaftPunkVEVO", "Daft Punk Official").
pub fn normalise_uploader(s: &str) -> String {
    let mut name = normalise(s);
    for suffix in [" topic", "vevo", " official", " music"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.trim_end().to_owned();
        }
    }
    name
}

/// The versions (live, cover, …) a title names.
pub fn versions(title: &str) -> BTreeSet<&'static str> {
    let words = format!(" {} ", fold(title));
    VERSIONS
        .iter()
        .filter(|(_, spellings)| spellings.iter().any(|s| words.contains(&format!(" {s} "))))
        .map(|(name, _)| *name)
        .collect()
}

/// Similarity of two normalised strings, 0 to 1: the better of whole-string
/// and word-set comparison, so word order ("B, A" / "A & B") matters little.
fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let whole = strsim::normalized_levenshtein(a, b);
    let mut aw: Vec<&str> = a.split(' ').collect();
    let mut bw: Vec<&str> = b.split(' ').collect();
    aw.sort_unstable();
    bw.sort_unstable();
    let sorted = strsim::normalized_levenshtein(&aw.join(" "), &bw.join(" "));
    whole.max(sorted)
}

/// The candidate's title without a leading "Artist - " (or "Artist: ").
fn title_without_artist(title: &str, artists: &[String]) -> String {
    for sep in [" - ", " – ", " — ", ": ", " | "] {
        if let Some((head, tail)) = title.split_once(sep) {
            let head = normalise(head);
            let named = artists.iter().any(|a| {
                let a = normalise(a);
                !a.is_empty() && (head.contains(&a) || similarity(&head, &a) > 0.8)
            });
            if named {
                return normalise(tail);
            }
        }
    }
    normalise(title)
}

/// Scores one candidate against the wanted track.
pub fn score(wanted: &Wanted, candidate: &Candidate, options: &MatchOptions) -> Scored {
    let mut reasons = Vec::new();
    if let (Some(a), Some(b)) = (&wanted.isrc, &candidate.isrc) {
        if !a.is_empty() && a.eq_ignore_ascii_case(b) {
            return Scored {
                candidate: candidate.clone(),
                score: 1.0,
                reasons: vec!["ISRC matches".into()],
            };
        }
    }
    let want_title = normalise(&wanted.title);
    let cand_title = title_without_artist(&candidate.title, &wanted.artists);
    let title = similarity(&want_title, &cand_title).max(
        // Some uploads put more around the title ("Title - Album Version");
        // a candidate that contains the whole title is close.
        if !want_title.is_empty() && format!(" {cand_title} ").contains(&format!(" {want_title} "))
        {
            0.9
        } else {
            0.0
        },
    );
    reasons.push(format!("title {:.0}%", title * 100.0));

    let uploader = normalise_uploader(&candidate.uploader);
    let full_title = format!(" {} ", normalise(&candidate.title));
    let artist = wanted
        .artists
        .iter()
        .map(|a| normalise(a))
        .filter(|a| !a.is_empty())
        .map(|a| {
            if full_title.contains(&format!(" {a} ")) || uploader == a {
                1.0
            } else {
                similarity(&uploader, &a)
            }
        })
        .fold(0.0, f64::max);
    reasons.push(format!("artist {:.0}%", artist * 100.0));

    // A cut that is far longer or shorter (a video with a skit, a radio
    // edit) is another recording, whatever its title says.
    let mut penalty = 0.0;
    let duration = match candidate.duration_ms {
        Some(ms) if wanted.duration_ms > 0 => {
            let diff_s = (ms - wanted.duration_ms).abs() as f64 / 1000.0;
            reasons.push(format!("duration off by {diff_s:.0} s"));
            if diff_s > options.duration_zero_s {
                penalty += options.version_penalty;
            }
            (1.0 - diff_s / options.duration_zero_s).max(0.0)
        }
        _ => {
            reasons.push("duration unknown".into());
            0.5
        }
    };

    let asked = versions(&wanted.title);
    let offered = versions(&candidate.title);
    let unwanted: Vec<&str> = offered.difference(&asked).copied().collect();
    penalty += options.version_penalty * unwanted.len() as f64;
    for version in &unwanted {
        reasons.push(format!(
            "a {version} version, which the Spotify title does not ask for"
        ));
    }
    let score = (0.55 * title + 0.25 * artist + 0.2 * duration - penalty).clamp(0.0, 1.0);
    Scored {
        candidate: candidate.clone(),
        score,
        reasons,
    }
}

/// Scores every candidate (best first) and decides.
pub fn choose(
    wanted: &Wanted,
    candidates: &[Candidate],
    options: &MatchOptions,
) -> (Vec<Scored>, Verdict) {
    let mut scored: Vec<Scored> = candidates
        .iter()
        .map(|c| score(wanted, c, options))
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    let verdict = match scored.first() {
        Some(best) if best.score >= options.threshold => Verdict::Match {
            index: 0,
            reason: format!(
                "score {:.0}% ({})",
                best.score * 100.0,
                best.reasons.join(", ")
            ),
        },
        best => Verdict::NoConfidentMatch {
            best: best.map(|b| b.score),
        },
    };
    (scored, verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(title: &str, artists: &[&str], seconds: i64) -> Wanted {
        Wanted {
            title: title.into(),
            artists: artists.iter().map(|a| a.to_string()).collect(),
            duration_ms: seconds * 1000,
            isrc: None,
        }
    }

    fn upload(title: &str, uploader: &str, seconds: i64) -> Candidate {
        Candidate {
            title: title.into(),
            uploader: uploader.into(),
            duration_ms: Some(seconds * 1000),
            url: format!("https://music.youtube.com/watch?v={}", title.len()),
            isrc: None,
        }
    }

    /// The title of the chosen candidate, or `None` for no confident match.
    fn pick(w: &Wanted, candidates: &[Candidate]) -> Option<String> {
        let (scored, verdict) = choose(w, candidates, &MatchOptions::default());
        match verdict {
            Verdict::Match { index, .. } => Some(scored[index].candidate.title.clone()),
            Verdict::NoConfidentMatch { .. } => None,
        }
    }

    #[test]
    fn normalising_drops_noise_features_and_diacritics() {
        assert_eq!(
            normalise("Get Lucky (feat. Pharrell Williams & Nile Rodgers)"),
            "get lucky"
        );
        assert_eq!(normalise("Halo [Official Music Video] (HD)"), "halo");
        assert_eq!(normalise("Déjà Vu - Lyrics"), "deja vu");
        assert_eq!(normalise("Song ft. Someone Else"), "song");
        assert_eq!(normalise("Clair de Lune (Live)"), "clair de lune live");
        assert_eq!(normalise_uploader("Daft Punk - Topic"), "daft punk");
        assert_eq!(normalise_uploader("BeyonceVEVO"), "beyonce");
        assert_eq!(
            versions("Song (Live at Wembley) - Remastered 2011").len(),
            2
        );
        assert!(
            versions("Livewire").is_empty(),
            "a word inside another word is not a version"
        );
    }

    #[test]
    fn the_topic_upload_beats_videos_live_covers_and_sped_up_versions() {
        let w = wanted(
            "Get Lucky (feat. Pharrell Williams & Nile Rodgers)",
            &["Daft Punk", "Pharrell Williams", "Nile Rodgers"],
            369,
        );
        let candidates = [
            upload(
                "Daft Punk - Get Lucky (Live at the Grammys)",
                "Daft Punk",
                372,
            ),
            upload("Get Lucky - Daft Punk (cover by Jane)", "Jane Covers", 368),
            upload("Get Lucky (sped up)", "speedy", 300),
            upload(
                "Daft Punk - Get Lucky (Official Video) ft. Pharrell Williams, Nile Rodgers",
                "DaftPunkVEVO",
                248,
            ),
            upload("Get Lucky", "Daft Punk - Topic", 369),
        ];
        assert_eq!(pick(&w, &candidates).as_deref(), Some("Get Lucky"));
        let (scored, _) = choose(&w, &candidates, &MatchOptions::default());
        let live = scored
            .iter()
            .find(|s| s.candidate.title.contains("Grammys"))
            .expect("live");
        assert!(
            live.reasons.iter().any(|r| r.contains("live version")),
            "{:?}",
            live.reasons
        );
        assert!(live.score < 0.75);
        // The video alone is two minutes longer than the record: not it.
        assert_eq!(pick(&w, &candidates[3..4]), None);
    }

    #[test]
    fn a_lyric_video_of_the_right_length_is_accepted() {
        let w = wanted("Someone Like You", &["Adele"], 285);
        let candidates = [
            upload("Adele - Someone Like You (Lyrics)", "7clouds", 286),
            upload("Someone Like You (Karaoke Version)", "Sing King", 285),
        ];
        assert_eq!(
            pick(&w, &candidates).as_deref(),
            Some("Adele - Someone Like You (Lyrics)")
        );
    }

    #[test]
    fn a_version_the_title_asks_for_is_not_penalised() {
        let w = wanted("Levels - Skrillex Remix", &["Avicii", "Skrillex"], 283);
        let candidates = [
            upload("Avicii - Levels (Skrillex Remix)", "Skrillex", 283),
            upload("Avicii - Levels", "Avicii - Topic", 199),
        ];
        assert_eq!(
            pick(&w, &candidates).as_deref(),
            Some("Avicii - Levels (Skrillex Remix)")
        );
    }

    #[test]
    fn other_scripts_and_accents_match_their_uploads() {
        let w = wanted("残酷な天使のテーゼ", &["高橋洋子"], 246);
        let candidates = [upload(
            "高橋洋子 - 残酷な天使のテーゼ",
            "高橋洋子 - Topic",
            245,
        )];
        assert!(pick(&w, &candidates).is_some());
        let w = wanted("Déjà vu", &["Beyoncé", "JAY-Z"], 240);
        let candidates = [upload("Beyonce - Deja Vu ft. Jay-Z", "BeyonceVEVO", 241)];
        assert!(pick(&w, &candidates).is_some());
    }

    #[test]
    fn an_isrc_match_is_accepted_outright() {
        let mut w = wanted("Intro", &["The xx"], 127);
        w.isrc = Some("GBBKS0900131".into());
        let mut c = upload("track01", "unknown", 500);
        c.isrc = Some("gbbks0900131".into());
        let (scored, verdict) = choose(&w, &[c], &MatchOptions::default());
        assert!(matches!(verdict, Verdict::Match { .. }));
        assert_eq!(scored[0].reasons, ["ISRC matches"]);
    }

    #[test]
    fn unrelated_or_wrong_length_uploads_are_no_confident_match() {
        let w = wanted("Intro", &["The xx"], 127);
        let candidates = [
            upload("Intro (Mashup) ft. everyone", "DJ Mix", 600),
            upload("The Weeknd - Blinding Lights", "The Weeknd", 200),
        ];
        let (scored, verdict) = choose(&w, &candidates, &MatchOptions::default());
        assert!(matches!(verdict, Verdict::NoConfidentMatch { best: Some(b) } if b < 0.75));
        assert_eq!(
            scored.len(),
            2,
            "the candidates are kept for the user to pick"
        );
        assert!(scored[0].score >= scored[1].score, "best first");
        assert_eq!(pick(&w, &[]), None);
    }
}
