//! Matching a Spotify track to an upload. It would rather refuse than be
//! wrong: a same-titled song by another artist, a cover, a live take, a
//! clean edit of an explicit track or a video with a longer cut is never
//! accepted, whatever else agrees.
//!
//! 1. An ISRC that matches is accepted outright.
//! 2. Gates, each of which refuses a candidate on its own (its score is
//!    capped at [`GATE_CAP`], below any sane threshold):
//!    - **artist**: one of Spotify's artists must be one of the candidate's
//!      (its credits split on "A, B & C", "A x B", "A feat. B"; an
//!      "Artist - Topic" or "ArtistVEVO" channel; or named in the title);
//!    - **title**: the titles, without credits, noise ("Official Video")
//!      and version words, must agree;
//!    - **version**: a version one side names and the other does not
//!      ([`VERSIONS`]: covers, live takes and sessions, remixes, piano and
//!      orchestral renditions, language versions, re-recordings, …, in
//!      several languages), on the title or, for songs, the album;
//!    - **explicit**: when both sides say, explicit and clean must agree;
//!    - **duration**: off by more than [`MatchOptions::song_gate_s`] for a
//!      song result, or [`MatchOptions::video_gate_s`] for a video or an
//!      upload (videos often carry an intro or a skit).
//! 3. What passes is scored: title, artist, duration, the kind of result
//!    (YouTube Music's song > official audio > official video > upload) and
//!    album agreement. The best wins above [`MatchOptions::threshold`];
//!    otherwise the verdict is [`Verdict::NoConfidentMatch`], and every
//!    candidate keeps its score and reasons for the user to pick from.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// What Spotify says the track is.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub title: String,
    /// In credit order.
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub duration_ms: i64,
    pub isrc: Option<String>,
    /// Spotify's explicit flag, when known.
    pub explicit: Option<bool>,
}

/// What kind of result a candidate is (YouTube Music's `videoType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A song: the label's audio of a release (`ATV`).
    Song,
    /// An official audio upload shown as a video (`OFFICIAL_SOURCE_MUSIC`).
    OfficialAudio,
    /// An official music video (`OMV`).
    OfficialVideo,
    /// Anyone's upload (`UGC`).
    Upload,
    /// A source that does not say (plain YouTube, SoundCloud, a file).
    #[default]
    Unknown,
}

impl Kind {
    /// From YouTube Music's `videoType` (`MUSIC_VIDEO_TYPE_ATV`, …).
    pub fn from_video_type(video_type: &str) -> Kind {
        match video_type.trim_start_matches("MUSIC_VIDEO_TYPE_") {
            "ATV" => Kind::Song,
            "OFFICIAL_SOURCE_MUSIC" => Kind::OfficialAudio,
            "OMV" => Kind::OfficialVideo,
            "UGC" => Kind::Upload,
            _ => Kind::Unknown,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Song => "song",
            Kind::OfficialAudio => "official audio",
            Kind::OfficialVideo => "official video",
            Kind::Upload => "upload",
            Kind::Unknown => "result",
        }
    }

    /// Songs carry the release's audio; videos may carry anything.
    fn is_song_like(self) -> bool {
        matches!(self, Kind::Song | Kind::OfficialAudio)
    }

    fn weight(self) -> f64 {
        match self {
            Kind::Song => 1.0,
            Kind::OfficialAudio => 0.9,
            Kind::OfficialVideo => 0.6,
            Kind::Unknown => 0.6,
            Kind::Upload => 0.5,
        }
    }
}

/// An upload a source offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub title: String,
    /// The channel or uploader ("Artist - Topic", "ArtistVEVO", …), or the
    /// credited artists joined.
    pub uploader: String,
    pub duration_ms: Option<i64>,
    pub url: String,
    /// Some sources (a local file's tags) give one.
    pub isrc: Option<String>,
    /// The credited artists, where the source lists them.
    #[serde(default)]
    pub artists: Vec<String>,
    #[serde(default)]
    pub album: Option<String>,
    /// Whether the source marks it explicit (`None`: it does not say).
    #[serde(default)]
    pub explicit: Option<bool>,
    #[serde(default)]
    pub kind: Kind,
    /// Views or plays, where shown.
    #[serde(default)]
    pub views: Option<u64>,
    /// Which search found it (`isrc`, `songs`, `videos`, `top`, …).
    #[serde(default)]
    pub found_by: String,
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
    /// A song result this far off Spotify's duration (seconds) is refused.
    pub song_gate_s: f64,
    /// A video or upload this far off is refused.
    pub video_gate_s: f64,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            threshold: 0.75,
            song_gate_s: 4.0,
            video_gate_s: 3.0,
        }
    }
}

/// The score of a refused candidate is capped at this.
pub const GATE_CAP: f64 = 0.25;

/// Versions of a song that are not the song, each with the words that name
/// it (folded to ASCII, lower case, matched as whole words) and the words
/// in other scripts (matched as they are written).
pub const VERSIONS: &[(&str, &[&str], &[&str])] = &[
    (
        "live",
        &[
            "live",
            "en vivo",
            "na zywo",
            "koncert",
            "konsert",
            "langsung",
            "truc tiep",
            "canli performans",
            "ao vivo",
            "en directo",
            "en concierto",
            "dal vivo",
            "en public",
            "in concert",
            "concert",
            "canli",
            "performance",
            "live performance",
            "fancam",
            "music bank",
            "inkigayo",
            "m countdown",
            "show champion",
            "music core",
            "live version",
            "live ver",
        ],
        &[
            "ライブ",
            "라이브",
            "现场",
            "現場",
            "концерт",
            "живой",
            "лайв",
            "مباشر",
            "लाइव",
        ],
    ),
    (
        "live session",
        &[
            "the first take",
            "first take",
            "tiny desk",
            "mtv unplugged",
            "unplugged",
            "session",
            "sessions",
            "live session",
            "live lounge",
            "colors show",
            "a colors show",
            "coke studio",
            "killing voice",
            "dingo",
            "kexp",
            "audiotree",
            "sofar",
            "vevo lift",
            "studio session",
            "one take",
            "npr music",
            "live from",
            "at home",
        ],
        &["킬링보이스", "딩고"],
    ),
    (
        "cover",
        &[
            "cover",
            "covers",
            "covered by",
            "cover by",
            "tribute",
            "originally performed",
            "made famous by",
            "as made famous",
            "in the style of",
            "versao cover",
            "version cover",
            "reprise",
        ],
        &[
            "カバー",
            "歌ってみた",
            "弾いてみた",
            "커버",
            "翻唱",
            "кавер",
            "ковер",
            "कवर",
        ],
    ),
    (
        "remix",
        &[
            "remix", "rmx", "bootleg", "mashup", "rework", "remixed", "mix cut", "phonk",
        ],
        &["리믹스", "リミックス", "ремикс"],
    ),
    (
        "karaoke",
        &[
            "karaoke",
            "backing track",
            "sing along",
            "singalong",
            "minus one",
        ],
        &["カラオケ", "노래방", "伴奏", "караоке", "卡拉ok"],
    ),
    (
        "instrumental",
        &[
            "instrumental",
            "off vocal",
            "inst",
            "no vocals",
            "without vocals",
            "type beat",
            "bgm",
        ],
        &["インスト", "純音樂", "纯音乐", "минус"],
    ),
    (
        "sped up",
        &["sped up", "speed up", "spedup", "nightcore", "fast version"],
        &["加速", "ускоренная", "ускоренный"],
    ),
    (
        "slowed",
        &[
            "slowed",
            "reverb",
            "slowed reverb",
            "slow version",
            "daycore",
        ],
        &["减速", "замедленная", "замедленный"],
    ),
    ("8D", &["8d", "8d audio", "16d", "3d audio"], &[]),
    (
        "acoustic",
        &[
            "acoustic",
            "acustico",
            "akoestisch",
            "akustycznie",
            "akustisk",
            "akustik versiyon",
            "acustica",
            "akustik",
            "acoustique",
            "akustisch",
        ],
        &["어쿠스틱", "アコースティック", "акустика", "акустическая"],
    ),
    (
        "piano",
        &[
            "piano version",
            "piano ver",
            "piano cover",
            "piano arrangement",
            "piano solo",
            "piano",
        ],
        &["ピアノ", "피아노", "钢琴", "鋼琴", "пианино", "фортепиано"],
    ),
    (
        "orchestral",
        &[
            "orchestral",
            "orchestra",
            "symphonic",
            "orchestra ver",
            "string quartet",
            "strings version",
            "symphony",
        ],
        &["オーケストラ", "오케스트라", "交响", "оркестр"],
    ),
    (
        "lo-fi",
        &["lofi", "lo fi", "chill version", "lofi flip", "lofi remix"],
        &[],
    ),
    (
        "8-bit",
        &["8 bit", "8bit", "chiptune", "16 bit", "16bit"],
        &[],
    ),
    (
        "female/male version",
        &[
            "female version",
            "male version",
            "female ver",
            "male ver",
            "female key",
            "male key",
            "girl version",
            "boy version",
        ],
        &[
            "女性キー",
            "男性キー",
            "女性が歌う",
            "男性が歌う",
            "여자 버전",
            "남자 버전",
            "女声版",
            "男声版",
        ],
    ),
    (
        "language version",
        &[
            "japanese ver",
            "japanese version",
            "english ver",
            "english version",
            "korean ver",
            "korean version",
            "chinese ver",
            "chinese version",
            "mandarin version",
            "spanish version",
            "version en espanol",
            "version espanol",
            "en espanol",
            "version en ingles",
            "english remix",
            "version francaise",
            "en francais",
            "versao em portugues",
            "versao portugues",
            "em portugues",
            "versione italiana",
            "deutsche version",
            "auf deutsch",
            "hindi version",
            "tamil version",
            "telugu version",
            "russian version",
            "turkish version",
            "turkce versiyon",
            "arabic version",
            "jp ver",
            "kr ver",
            "eng ver",
            "en ver",
            "version pop",
            "pop version",
            "rock version",
            "cumbia version",
            "salsa version",
            "banda version",
            "version banda",
            "bachata version",
            "version bachata",
            "version salsa",
            "version cumbia",
        ],
        &[
            "日本語",
            "英語",
            "한국어",
            "中文版",
            "国语",
            "國語",
            "粤语",
            "粵語",
            "日文版",
            "韩文版",
        ],
    ),
    (
        "re-recording",
        &[
            "taylor s version",
            "nieuwe versie",
            "nowa wersja",
            "ny version",
            "versi baru",
            "yeni versiyon",
            "phien ban moi",
            "re recorded",
            "rerecorded",
            "re recording",
            "re record",
            "new version",
            "new ver",
            "new recording",
            "rerecording",
        ],
        &[],
    ),
    (
        "radio edit",
        &["radio edit", "radio version", "radio mix", "single edit"],
        &[],
    ),
    (
        "clean",
        &[
            "clean",
            "clean version",
            "edited",
            "censored",
            "clean edit",
            "super clean",
        ],
        &[],
    ),
    (
        "extended",
        &[
            "extended",
            "extended mix",
            "extended version",
            "club mix",
            "12 inch",
            "long version",
            "full version",
        ],
        &[],
    ),
    ("VIP", &["vip", "vip mix"], &[]),
    (
        "bass boosted",
        &[
            "bass boosted",
            "bass boost",
            "bassboosted",
            "bass boosted version",
        ],
        &[],
    ),
    (
        "loop",
        &[
            "10 hours",
            "10 hour",
            "1 hour",
            "one hour",
            "hour loop",
            "hours loop",
            "loop",
            "1h",
        ],
        &["10時間", "1時間", "1시간", "10시간"],
    ),
    (
        "full album",
        &[
            "full album",
            "full ep",
            "album completo",
            "album complet",
            "greatest hits",
            "best of",
            "playlist",
            "megamix",
            "medley",
            "compilation",
            "top songs",
            "all songs",
        ],
        &["フルアルバム", "全曲", "메들리", "合集", "串烧"],
    ),
    (
        "demo",
        &[
            "demo",
            "demo version",
            "early version",
            "outtake",
            "alternate take",
            "alternate version",
            "alt version",
            "rehearsal",
            "take 1",
            "take 2",
            "take 3",
            "anthology",
        ],
        &[],
    ),
    (
        "another mix",
        &[
            "stereo mix",
            "mono",
            "mono version",
            "rough mix",
            "dolby atmos",
            "spatial audio",
        ],
        &[],
    ),
    (
        "TV size",
        &["tv size", "tv ver", "tv version", "tv edit", "anime size"],
        &["TVサイズ", "TV ver"],
    ),
    (
        "not the record",
        &[
            "reaction",
            "tutorial",
            "how to play",
            "lesson",
            "dance practice",
            "dance cover",
            "choreography",
            "mirrored",
            "fan made",
            "fanmade",
            "amv",
            "teaser",
            "trailer",
            "behind the scenes",
            "making of",
            "shorts",
            "interview",
            "snippet",
            "preview",
            "ringtone",
        ],
        &["踊ってみた", "안무", "リアクション"],
    ),
];

/// Versions that name the same recording for a listener: never a reason.
const SAME_RECORDING: &[&str] = &[
    "remaster",
    "remastered",
    "album version",
    "single version",
    "original mix",
    "original version",
];

/// Versions a title can lack although the recording is that one: a radio
/// edit is told apart by its length, a clean edit by the explicit flag.
const NEED_NOT_NAME: &[&str] = &[
    "radio edit",
    "clean",
    "full album",
    "loop",
    "not the record",
];

/// Bracketed or trailing words that say nothing about which recording it is.
const NOISE: &[&str] = &[
    "official music video",
    "official video",
    "official audio",
    "official lyric video",
    "official lyrics video",
    "official visualizer",
    "official visualiser",
    "official mv",
    "official m v",
    "official",
    "music video",
    "lyric video",
    "lyrics video",
    "lyrics",
    "lyric",
    "with lyrics",
    "letra",
    "letra oficial",
    "video oficial",
    "video official",
    "clipe oficial",
    "videoclip oficial",
    "clip officiel",
    "paroles",
    "testo",
    "songtext",
    "audio",
    "audio oficial",
    "video",
    "visualizer",
    "visualiser",
    "hd",
    "hq",
    "4k",
    "mv",
    "m v",
    "explicit",
    "explicit version",
    "dirty",
    "uncensored",
    "color coded lyrics",
    "han rom eng",
    "eng sub",
    "romanized",
    "legendado",
    "traducao",
    "subtitulado",
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

const FEATURE_MARKERS: &[&str] = &[
    " feat. ",
    " feat ",
    " ft. ",
    " ft ",
    " featuring ",
    " with ",
    " prod. ",
    " prod ",
];

/// Removes "feat. X" credits (bracketed or trailing) and returns what is
/// left and the credited names.
fn split_features(s: &str) -> (String, Vec<String>) {
    let lower = s.to_lowercase();
    let mut names = Vec::new();
    for open in ['(', '['] {
        let close = if open == '(' { ')' } else { ']' };
        for marker in ["feat", "ft.", "ft ", "featuring", "with ", "prod"] {
            let needle = format!("{open}{marker}");
            if let Some(i) = lower.find(&needle) {
                if let Some(len) = lower[i..].find(close) {
                    let inner = &s[i + needle.len()..i + len];
                    names.extend(split_artist_list(inner.trim_start_matches(['.', ' '])));
                    let mut kept = String::from(&s[..i]);
                    kept.push_str(&s[i + len + close.len_utf8()..]);
                    let (rest, more) = split_features(&kept);
                    names.extend(more);
                    return (rest, names);
                }
            }
        }
    }
    let mut cut = s.len();
    for marker in FEATURE_MARKERS {
        if let Some(i) = lower.find(marker) {
            // " with " only credits someone at the end of a title.
            if *marker == " with " && lower[i..].contains(['(', '-']) {
                continue;
            }
            if i < cut {
                cut = i;
            }
        }
    }
    if cut < s.len() {
        let tail = &s[cut..];
        let after = FEATURE_MARKERS
            .iter()
            .find_map(|m| tail.to_lowercase().starts_with(m).then(|| &tail[m.len()..]))
            .unwrap_or(tail);
        // A credit ends where a bracket or a dash starts.
        let end = after.find(['(', '[', '|']).unwrap_or(after.len());
        names.extend(split_artist_list(&after[..end]));
        let mut kept = s[..cut].to_owned();
        kept.push_str(&after[end..]);
        return (kept, names);
    }
    (s.to_owned(), names)
}

/// Splits a credit list ("A, B & C", "A x B", "A feat. B", "A and B") into names.
pub fn split_artist_list(s: &str) -> Vec<String> {
    let mut parts = vec![s.to_owned()];
    for sep in [
        ",",
        "&",
        " x ",
        " X ",
        " × ",
        " feat. ",
        " feat ",
        " ft. ",
        " ft ",
        " featuring ",
        " with ",
        " and ",
        " y ",
        " e ",
        " und ",
        " et ",
        "、",
        "/",
        ";",
        " vs. ",
        " vs ",
    ] {
        parts = parts
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_owned).collect::<Vec<_>>())
            .collect();
    }
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Removes brackets whose content is only noise ("(Official Video)", "[HD]").
fn drop_noise_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(['(', '[', '【', '「', '『']) {
        let opener = rest[open..].chars().next().unwrap_or('(');
        let close = match opener {
            '(' => ')',
            '[' => ']',
            '【' => '】',
            '「' => '」',
            _ => '』',
        };
        let Some(len) = rest[open..].find(close) else {
            break;
        };
        let inner = fold(&rest[open + opener.len_utf8()..open + len]);
        out.push_str(&rest[..open]);
        if NOISE.contains(&inner.as_str()) {
            out.push(' ');
        } else if opener == '「' || opener == '『' || opener == '【' {
            // Japanese quotes hold the title itself: keep the words.
            out.push(' ');
            out.push_str(&rest[open + opener.len_utf8()..open + len]);
            out.push(' ');
        } else {
            out.push_str(&rest[open..open + len + close.len_utf8()]);
        }
        rest = &rest[open + len + close.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A title or name as the matcher compares it.
pub fn normalise(s: &str) -> String {
    let (without, _) = split_features(s);
    let mut folded = fold(&drop_noise_brackets(&without));
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
    for suffix in [
        " topic",
        "vevo",
        " official",
        " music",
        " officiel",
        " oficial",
    ] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.trim_end().to_owned();
        }
    }
    name
}

/// The versions (live, cover, …) a text names, in any script.
pub fn versions(text: &str) -> BTreeSet<&'static str> {
    let mut found = versions_in_words(text);
    found.extend(versions_in_scripts(text));
    found
}

/// The versions named by words that fold to ASCII.
fn versions_in_words(text: &str) -> BTreeSet<&'static str> {
    let folded = format!(" {} ", fold(text));
    // "Remastered 2011", "Album Version" name the same recording: their
    // words must not read as another version.
    let mut words = folded.clone();
    for same in SAME_RECORDING {
        words = words.replace(&format!(" {same} "), " ");
    }
    let mut found: BTreeSet<&'static str> = VERSIONS
        .iter()
        .filter(|(_, spellings, _)| spellings.iter().any(|s| words.contains(&format!(" {s} "))))
        .map(|(name, _, _)| *name)
        .collect();
    // "(2023 Mix)", "(2009 Stereo Mix)": a new mix is another recording.
    let tokens: Vec<&str> = words.split_whitespace().collect();
    for pair in tokens.windows(2) {
        let year = pair[0].len() == 4
            && pair[0]
                .parse::<u32>()
                .is_ok_and(|y| (1950..=2099).contains(&y));
        if year && matches!(pair[1], "mix" | "ver" | "version" | "recording") {
            found.insert(if pair[1] == "mix" {
                "another mix"
            } else {
                "re-recording"
            });
        }
    }
    found
}

/// The versions named in other scripts ("歌ってみた", "라이브").
fn versions_in_scripts(text: &str) -> BTreeSet<&'static str> {
    let raw = text.to_lowercase();
    VERSIONS
        .iter()
        .filter(|(_, _, scripts)| scripts.iter().any(|s| raw.contains(&s.to_lowercase())))
        .map(|(name, _, _)| *name)
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

/// Whether `needle`'s words appear, in order, in `hay` (both normalised).
fn contains_words(hay: &str, needle: &str) -> bool {
    !needle.is_empty() && format!(" {hay} ").contains(&format!(" {needle} "))
}

/// The core of a title: normalised, with its version words and dashes'
/// decorations ("- Remastered 2011", "(Live)") removed, so the song's own
/// name is compared and versions are judged apart.
fn core_title(title: &str) -> String {
    let mut s = title.to_owned();
    // Spotify's "Title - Remastered 2011" / "Title - Live at X": what follows
    // the dash is a version when it names one.
    for sep in [" - ", " – ", " — "] {
        if let Some((head, tail)) = s.split_once(sep) {
            let t = fold(tail);
            let same = SAME_RECORDING.iter().any(|w| contains_words(&t, w));
            if same
                || !versions(tail).is_empty()
                || t.split(' ')
                    .any(|w| w.len() == 4 && w.parse::<u32>().is_ok())
            {
                s = head.to_owned();
            }
        }
    }
    // Brackets that name a version or the same recording.
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(open) = rest.find(['(', '[']) {
        let close = if rest[open..].starts_with('(') {
            ')'
        } else {
            ']'
        };
        let Some(len) = rest[open..].find(close) else {
            break;
        };
        let inner = &rest[open + 1..open + len];
        let folded = fold(inner);
        let drop = !versions(inner).is_empty()
            || SAME_RECORDING.iter().any(|w| contains_words(&folded, w))
            || folded.contains("version")
            || folded.contains("ver")
            || folded.contains("from");
        out.push_str(&rest[..open]);
        if !drop {
            out.push_str(&rest[open..=open + len]);
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    normalise(&out)
}

/// What a text says besides `core` (the song's own name): folded, with the
/// core's words taken out once.
fn decorations(text: &str, core: &str) -> String {
    let folded = format!(" {} ", fold(text));
    let core = core.trim();
    if core.is_empty() {
        return folded.trim().to_owned();
    }
    folded
        .replacen(&format!(" {core} "), " ", 1)
        .trim()
        .to_owned()
}

/// Names the same artist (both normalised): equal, close, or one of the
/// other's listed names.
fn same_artist(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // "Beyonce" / "Beyonce Knowles"; "IU" within "IU 아이유" folds.
    (short.len() >= 4 && contains_words(long, short))
        || (short.len() >= 5 && strsim::normalized_levenshtein(a, b) >= 0.85)
}

/// A named version ("(Japanese Ver.)", "(Versión Pop)", "(Taylor's
/// Version)") that is not one of the same-recording kinds.
fn named_versions(text: &str) -> BTreeSet<String> {
    // The parts that can name a version: brackets, and what follows a dash.
    let mut parts: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['(', '[']) {
        let close = if rest[open..].starts_with('(') {
            ')'
        } else {
            ']'
        };
        let Some(len) = rest[open..].find(close) else {
            break;
        };
        parts.push(rest[open + 1..open + len].to_owned());
        rest = &rest[open + len + 1..];
    }
    for sep in [" - ", " – ", " — "] {
        if let Some((_, tail)) = text.split_once(sep) {
            let tail = tail.split(['(', '[']).next().unwrap_or(tail);
            parts.push(tail.to_owned());
        }
    }
    const VERSION_WORDS: &[&str] = &[
        "versie", "wersja", "versi", "ver", "version", "versao", "versione", "versiyon", "versiya",
    ];
    let mut found = BTreeSet::new();
    for part in parts {
        let inner = fold(&part);
        let words: Vec<&str> = inner.split(' ').collect();
        let is_version = words.iter().any(|w| VERSION_WORDS.contains(w));
        if is_version && !SAME_RECORDING.iter().any(|s| contains_words(&inner, s)) {
            let name: Vec<&str> = words
                .into_iter()
                .filter(|w| !VERSION_WORDS.contains(w) && !matches!(*w, "s" | "en" | "em" | "in"))
                .collect();
            if !name.is_empty() && name != ["explicit"] {
                found.insert(name.join(" "));
            }
        }
    }
    found
}

/// The candidate's artists as the matcher compares them: its credits, its
/// channel, and names its title credits ("Artist - Title", "feat. X").
fn candidate_artists(candidate: &Candidate, wanted: &Wanted) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for credit in &candidate.artists {
        names.push(normalise_uploader(credit));
        names.extend(
            split_artist_list(credit)
                .iter()
                .map(|n| normalise_uploader(n)),
        );
    }
    if !candidate.uploader.is_empty() {
        names.push(normalise_uploader(&candidate.uploader));
        names.extend(
            split_artist_list(&candidate.uploader)
                .iter()
                .map(|n| normalise_uploader(n)),
        );
    }
    let (_, featured) = split_features(&candidate.title);
    names.extend(featured.iter().map(|n| normalise(n)));
    // Uploads that are not songs often say who in the title.
    if !candidate.kind.is_song_like() || candidate.artists.is_empty() {
        let title = normalise(&candidate.title);
        for artist in wanted.artists.iter().flat_map(|a| {
            let mut all = vec![a.clone()];
            all.extend(split_artist_list(a));
            all
        }) {
            let a = normalise(&artist);
            if a.len() >= 2 && contains_words(&title, &a) {
                names.push(a);
            }
        }
        for sep in [" - ", " – ", " — ", " | ", ": "] {
            if let Some((head, _)) = candidate.title.split_once(sep) {
                names.extend(split_artist_list(head).iter().map(|n| normalise(n)));
            }
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// The candidate's title without a leading "Artist - " (or "Artist: ").
fn title_without_artist(title: &str, artists: &[String]) -> String {
    for sep in [" - ", " – ", " — ", ": ", " | ", " _ "] {
        if let Some((head, tail)) = title.split_once(sep) {
            let head = normalise(head);
            let named = artists.iter().any(|a| {
                let a = normalise(a);
                !a.is_empty() && (contains_words(&head, &a) || similarity(&head, &a) > 0.8)
            });
            if named {
                return tail.to_owned();
            }
            // "Title - Artist": the artist after the dash.
            let tail_n = normalise(tail);
            if artists.iter().any(|a| {
                let a = normalise(a);
                !a.is_empty() && (contains_words(&tail_n, &a) || similarity(&tail_n, &a) > 0.8)
            }) {
                return title[..title.len() - tail.len() - sep.len()].to_owned();
            }
        }
    }
    title.to_owned()
}

/// Scores one candidate against the wanted track.
pub fn score(wanted: &Wanted, candidate: &Candidate, options: &MatchOptions) -> Scored {
    if let (Some(a), Some(b)) = (&wanted.isrc, &candidate.isrc) {
        if !a.is_empty() && a.eq_ignore_ascii_case(b) {
            return Scored {
                candidate: candidate.clone(),
                score: 1.0,
                reasons: vec!["ISRC matches".into()],
            };
        }
    }
    let mut reasons = vec![candidate.kind.label().to_owned()];
    let mut refusals: Vec<String> = Vec::new();

    // The evidence that does not depend on names: length and album.
    let diff_s = candidate
        .duration_ms
        .filter(|_| wanted.duration_ms > 0)
        .map(|ms| (ms - wanted.duration_ms).abs() as f64 / 1000.0);
    let same_album = match (
        &wanted.album,
        &candidate.album,
        candidate.kind == Kind::Song,
    ) {
        (Some(want), Some(have), true) => {
            let (w, h) = (core_title(want), core_title(have));
            !w.is_empty() && (w == h || similarity(&w, &h) >= 0.85)
        }
        _ => false,
    };
    // A song of the same length on the same album (or found by the track's
    // ISRC) is the recording, even when its names are written in another
    // script than Spotify's ("Teresa Teng" / "鄧麗君").
    let strong = candidate.kind == Kind::Song
        && diff_s.is_some_and(|d| d <= 1.0)
        && (same_album || candidate.found_by == "isrc");

    // Artist.
    let cand_artists = candidate_artists(candidate, wanted);
    let wanted_artists: Vec<(String, bool)> = wanted
        .artists
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            let mut all = vec![(normalise(a), i == 0)];
            all.extend(split_artist_list(a).iter().map(|p| (normalise(p), i == 0)));
            all
        })
        .filter(|(a, _)| !a.is_empty())
        .collect();
    let matched: Vec<&(String, bool)> = wanted_artists
        .iter()
        .filter(|(a, _)| cand_artists.iter().any(|c| same_artist(a, c)))
        .collect();
    let shown_artists = if candidate.artists.is_empty() {
        candidate.uploader.clone()
    } else {
        candidate.artists.join(", ")
    };
    let artist_scripts_differ = !candidate.artists.is_empty()
        && wanted
            .artists
            .iter()
            .all(|w| candidate.artists.iter().all(|c| is_latin(w) != is_latin(c)));
    let mut artist = if matched.iter().any(|(_, first)| *first) {
        1.0
    } else if !matched.is_empty() {
        0.85
    } else {
        0.0
    };

    // Title.
    let credited: Vec<String> = candidate
        .artists
        .iter()
        .chain(&wanted.artists)
        .cloned()
        .chain(std::iter::once(candidate.uploader.clone()))
        .collect();
    let want_core = core_title(&wanted.title);
    let cand_core = core_title(&title_without_artist(&candidate.title, &credited));
    let mut title = similarity(&want_core, &cand_core);
    if contains_words(&cand_core, &want_core)
        || contains_words(&normalise(&candidate.title), &want_core)
    {
        title = title.max(0.9);
    }
    // "Nour El Ein" for "Habibi Ya Nour El Ein": a shorter name of the same
    // song, believed only with the album and the length agreeing.
    if strong
        && artist > 0.0
        && title < 0.9
        && cand_core.contains(' ')
        && contains_words(&want_core, &cand_core)
    {
        title = title.max(0.85);
        reasons.push("a shorter title of the song".into());
    }
    let title_scripts_differ = is_latin(&wanted.title) != is_latin(&candidate.title);
    if title < 0.7 && title_scripts_differ && strong && artist > 0.0 {
        title = 0.7;
        reasons.push("title written in another script".into());
    }
    if artist == 0.0 && artist_scripts_differ && strong && title >= 0.95 {
        artist = 0.7;
        reasons.push(format!(
            "artist written in another script ({shown_artists})"
        ));
    }
    // The ISRC search found a song of this title and length: the same
    // recording, credited otherwise (a duo as its two members).
    if artist == 0.0
        && candidate.found_by == "isrc"
        && candidate.kind == Kind::Song
        && diff_s.is_some_and(|d| d <= 1.0)
        && title >= 0.95
    {
        artist = 0.7;
        reasons.push(format!("found by the ISRC, credited to {shown_artists}"));
    }
    if artist == 0.0 {
        refusals.push(format!("another artist ({shown_artists})"));
    } else {
        reasons.push(format!("artist {:.0}%", artist * 100.0));
    }
    if title < 0.7 {
        refusals.push(format!("another title ({:.0}% alike)", title * 100.0));
    } else {
        reasons.push(format!("title {:.0}%", title * 100.0));
    }

    // Versions, on both sides: what the titles (and, for songs, the albums)
    // say besides the song's own name and the artists' names.
    let mut names: Vec<String> = wanted
        .artists
        .iter()
        .chain(&candidate.artists)
        .flat_map(|a| {
            let mut all = vec![a.clone()];
            all.extend(split_artist_list(a));
            all
        })
        .map(|a| fold(&a))
        .filter(|a| !a.is_empty())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let without_names = |text: String| {
        let mut text = format!(" {text} ");
        for name in &names {
            text = text.replace(&format!(" {name} "), " ");
        }
        text
    };
    // The title says what version the track is; the album may only excuse
    // one ("MTV Unplugged" holds live takes; a "Sessions" album need not).
    let title_extra = without_names(decorations(&wanted.title, &want_core));
    let album_extra = without_names(
        wanted
            .album
            .as_deref()
            .map(|a| decorations(a, &want_core))
            .unwrap_or_default(),
    );
    let mut cand_extra = decorations(&candidate.title, &want_core);
    let mut cand_raw = candidate.title.clone();
    if candidate.kind == Kind::Song {
        if let Some(album) = &candidate.album {
            cand_extra.push(' ');
            cand_extra.push_str(&decorations(album, &want_core));
            cand_raw.push(' ');
            cand_raw.push_str(album);
        }
    }
    let cand_extra = without_names(cand_extra);
    let mut asked = versions_in_words(&title_extra);
    asked.extend(versions_in_scripts(&wanted.title));
    let mut excused = versions_in_words(&album_extra);
    excused.extend(versions_in_scripts(wanted.album.as_deref().unwrap_or("")));
    excused.extend(asked.iter().copied());
    // A live session (MTV Unplugged, THE FIRST TAKE) is a live take.
    if excused.contains("live session") {
        excused.insert("live");
    }
    let mut offered = versions_in_words(&cand_extra);
    offered.extend(versions_in_scripts(&cand_raw));
    if wanted.explicit == Some(false) {
        // A clean track's upload may well say "Clean".
        asked.remove("clean");
        offered.remove("clean");
    }
    for v in offered.difference(&excused) {
        refusals.push(format!("a {v} version, which Spotify's track is not"));
    }
    for v in asked.difference(&offered) {
        if !NEED_NOT_NAME.contains(v) {
            refusals.push(format!("not the {v} version Spotify's track is"));
        }
    }
    let mut want_named = named_versions(&wanted.title);
    let mut cand_named = named_versions(&candidate.title);
    if wanted.explicit == Some(false) {
        want_named.retain(|v| versions(v).iter().all(|x| *x != "clean"));
        cand_named.retain(|v| versions(v).iter().all(|x| *x != "clean"));
    }
    for v in cand_named.symmetric_difference(&want_named) {
        // Named above already as a kind of version: say it once.
        let kinds = versions(v);
        if kinds.is_empty()
            || kinds
                .iter()
                .all(|k| !refusals.iter().any(|r| r.contains(k)))
        {
            refusals.push(format!("the \"{v}\" version differs"));
        }
    }

    // Explicit and clean.
    if let (Some(want), Some(have)) = (wanted.explicit, candidate.explicit) {
        if want != have {
            refusals.push(if want {
                "the clean edit of an explicit track".to_owned()
            } else {
                "the explicit version of a clean track".to_owned()
            });
        }
    }

    // Duration.
    let gate = if candidate.kind.is_song_like() {
        options.song_gate_s
    } else {
        options.video_gate_s
    };
    let duration = match (diff_s, candidate.duration_ms) {
        (Some(diff_s), Some(ms)) => {
            if diff_s > gate {
                refusals.push(format!(
                    "{:.0} s {} than Spotify's",
                    diff_s,
                    if ms > wanted.duration_ms {
                        "longer"
                    } else {
                        "shorter"
                    }
                ));
                0.0
            } else {
                reasons.push(format!("duration off by {diff_s:.0} s"));
                // Another album and another length: another recording
                // (a re-recording, a single edit), whatever the names say.
                if candidate.kind == Kind::Song
                    && diff_s > 2.0
                    && wanted.album.is_some()
                    && candidate.album.is_some()
                    && !same_album
                {
                    refusals.push(format!(
                        "another album and {diff_s:.0} s off: another recording"
                    ));
                }
                if diff_s <= 1.0 {
                    1.0
                } else {
                    1.0 - 0.5 * (diff_s - 1.0) / (gate - 1.0).max(0.1)
                }
            }
        }
        _ => {
            reasons.push("duration unknown".into());
            0.4
        }
    };

    let album_bonus = if same_album {
        reasons.push("same album".into());
        0.05
    } else {
        0.0
    };
    let mut score = (0.45 * title
        + 0.25 * artist
        + 0.2 * duration
        + 0.1 * candidate.kind.weight()
        + album_bonus)
        .clamp(0.0, 1.0);
    if !refusals.is_empty() {
        score = score.min(GATE_CAP);
        for r in refusals {
            reasons.push(format!("refused: {r}"));
        }
    }
    Scored {
        candidate: candidate.clone(),
        score,
        reasons,
    }
}

/// Whether a text is written in Latin letters (with accents), or has none.
fn is_latin(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    let latin = letters.iter().filter(|c| (**c as u32) < 0x0250).count();
    letters.is_empty() || latin * 2 >= letters.len()
}

const CLEAN_EDIT: &str = "refused: the clean edit of an explicit track";
const EXPLICIT_EDIT: &str = "refused: the explicit version of a clean track";

/// Uploads do not say whether they are explicit. A video of an explicit
/// track may be the censored edit (official videos and fan uploads often
/// are); and when YouTube Music's songs show this song only with the other
/// flag, an upload that does not say is most likely that version too.
fn refuse_unknown_edits(wanted: &Wanted, scored: &mut [Scored]) {
    let Some(want) = wanted.explicit else {
        return;
    };
    let other = if want { CLEAN_EDIT } else { EXPLICIT_EDIT };
    // A song refused for its flag alone: this song, in the other edit.
    let only_other = scored.iter().any(|s| {
        s.candidate.kind == Kind::Song
            && s.reasons.iter().any(|r| r == other)
            && s.reasons
                .iter()
                .filter(|r| r.starts_with("refused:"))
                .count()
                == 1
    }) && !scored.iter().any(|s| {
        s.candidate.kind == Kind::Song && s.candidate.explicit == Some(want) && s.score > GATE_CAP
    });
    for s in scored.iter_mut() {
        if s.candidate.explicit.is_some() || s.candidate.kind == Kind::OfficialAudio {
            continue;
        }
        let reason = if only_other {
            format!(
                "refused: YouTube Music has this song only as the {} version; an upload that does not say is most likely that one",
                if want { "clean" } else { "explicit" }
            )
        } else if want && matches!(s.candidate.kind, Kind::Upload | Kind::OfficialVideo) {
            "refused: a video of an explicit track may be the censored edit".to_owned()
        } else {
            continue;
        };
        s.score = s.score.min(GATE_CAP);
        s.reasons.push(reason);
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
    refuse_unknown_edits(wanted, &mut scored);
    // Best first; among equals, the source's own order.
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
            ..Wanted::default()
        }
    }

    fn upload(title: &str, uploader: &str, seconds: i64) -> Candidate {
        Candidate {
            title: title.into(),
            uploader: uploader.into(),
            duration_ms: Some(seconds * 1000),
            url: format!("https://music.youtube.com/watch?v={}", title.len()),
            kind: Kind::Upload,
            ..Candidate::default()
        }
    }

    fn song(title: &str, artists: &[&str], album: &str, seconds: i64, explicit: bool) -> Candidate {
        Candidate {
            title: title.into(),
            uploader: artists.join(", "),
            artists: artists.iter().map(|a| a.to_string()).collect(),
            album: Some(album.into()),
            duration_ms: Some(seconds * 1000),
            explicit: Some(explicit),
            url: format!("https://music.youtube.com/watch?v={title}{album}"),
            kind: Kind::Song,
            ..Candidate::default()
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
        assert_eq!(normalise_uploader("Daft Punk - Topic"), "daft punk");
        assert_eq!(normalise_uploader("BeyonceVEVO"), "beyonce");
        assert_eq!(
            split_artist_list("Tiësto, Karol G & Ava Max"),
            ["Tiësto", "Karol G", "Ava Max"]
        );
        assert_eq!(
            split_artist_list("Bad Bunny x Jhay Cortez"),
            ["Bad Bunny", "Jhay Cortez"]
        );
        assert!(
            versions("Livewire").is_empty(),
            "a word inside another word is not a version"
        );
        assert!(versions("Song - Remastered 2011").is_empty());
        assert!(versions("Ticket To Ride (2023 Mix)").contains("another mix"));
        assert!(versions("夜に駆ける / THE FIRST TAKE").contains("live session"));
        assert!(versions("Lemon (歌ってみた)").contains("cover"));
        assert!(versions("Despacito (Versión Pop)").contains("language version"));
    }

    #[test]
    fn the_song_beats_videos_live_covers_and_sped_up_versions() {
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
            Candidate {
                kind: Kind::OfficialVideo,
                ..upload(
                    "Daft Punk - Get Lucky (Official Video) ft. Pharrell Williams, Nile Rodgers",
                    "Daft Punk",
                    248,
                )
            },
            song(
                "Get Lucky (feat. Pharrell Williams and Nile Rodgers)",
                &["Daft Punk", "Pharrell Williams", "Nile Rodgers"],
                "Random Access Memories",
                369,
                false,
            ),
        ];
        assert_eq!(
            pick(&w, &candidates).as_deref(),
            Some("Get Lucky (feat. Pharrell Williams and Nile Rodgers)")
        );
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
        assert!(live.score <= GATE_CAP);
        // The video alone is two minutes shorter than the record: not it.
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
    fn a_version_the_title_asks_for_is_required() {
        let w = wanted("Levels - Skrillex Remix", &["Avicii", "Skrillex"], 283);
        let candidates = [
            song(
                "Levels (Skrillex Remix)",
                &["Avicii", "Skrillex"],
                "Levels",
                283,
                false,
            ),
            song("Levels", &["Avicii"], "Levels", 199, false),
        ];
        assert_eq!(
            pick(&w, &candidates).as_deref(),
            Some("Levels (Skrillex Remix)")
        );
        let w = wanted("Love Story (Taylor's Version)", &["Taylor Swift"], 235);
        let original = song("Love Story", &["Taylor Swift"], "Fearless", 235, false);
        assert_eq!(pick(&w, std::slice::from_ref(&original)), None);
        let w = wanted("Love Story", &["Taylor Swift"], 235);
        let remake = song(
            "Love Story (Taylor's Version)",
            &["Taylor Swift"],
            "Fearless (Taylor's Version)",
            235,
            false,
        );
        assert_eq!(pick(&w, &[remake, original]).as_deref(), Some("Love Story"));
    }

    #[test]
    fn another_artist_or_the_clean_edit_is_never_accepted() {
        let w = Wanted {
            explicit: Some(true),
            album: Some("DAMN.".into()),
            ..wanted("HUMBLE.", &["Kendrick Lamar"], 177)
        };
        let clean = song("HUMBLE.", &["Kendrick Lamar"], "DAMN.", 177, false);
        let other = song("HUMBLE.", &["Someone Else"], "Humble", 177, true);
        assert_eq!(pick(&w, &[clean.clone(), other]), None);
        let (scored, _) = choose(&w, &[clean], &MatchOptions::default());
        assert!(
            scored[0].reasons.iter().any(|r| r.contains("clean edit")),
            "{:?}",
            scored[0].reasons
        );
        let explicit = song("HUMBLE.", &["Kendrick Lamar"], "DAMN.", 177, true);
        assert_eq!(pick(&w, &[explicit]).as_deref(), Some("HUMBLE."));
    }

    #[test]
    fn an_album_name_excuses_a_version_but_never_requires_one() {
        let w = Wanted {
            album: Some("Ironwood Sessions".into()),
            ..wanted("Open Letter", &["Ironwood"], 200)
        };
        assert!(pick(
            &w,
            &[song(
                "Open Letter",
                &["Ironwood"],
                "Open Letter",
                200,
                false
            )]
        )
        .is_some());
        let w = Wanted {
            album: Some("MTV Unplugged in New York".into()),
            ..wanted("About a Girl", &["Nirvana"], 217)
        };
        let live = song(
            "About a Girl (Live)",
            &["Nirvana"],
            "MTV Unplugged in New York",
            217,
            false,
        );
        assert!(
            pick(&w, &[live]).is_some(),
            "the album says it is a live take"
        );
    }

    #[test]
    fn an_upload_is_refused_when_it_is_likely_the_other_edit() {
        // Spotify's clean track; YouTube Music has the song only explicit.
        let w = Wanted {
            explicit: Some(false),
            ..wanted("WAP (feat. Megan Thee Stallion)", &["Cardi B"], 187)
        };
        let explicit = song(
            "WAP (feat. Megan Thee Stallion)",
            &["Cardi B"],
            "WAP",
            187,
            true,
        );
        let lyrics = upload(
            "Cardi B - WAP feat. Megan Thee Stallion (Lyrics)",
            "Lyric Vault",
            188,
        );
        assert_eq!(pick(&w, &[explicit, lyrics.clone()]), None);
        // An explicit track: a video may be the censored edit.
        let w = Wanted {
            explicit: Some(true),
            ..wanted("Tamagotchi", &["Taconafide"], 222)
        };
        assert_eq!(pick(&w, std::slice::from_ref(&lyrics)), None);
        // The ISRC search's song of the same title and length is it, even
        // credited to the duo's members.
        let by_isrc = Candidate {
            found_by: "isrc".into(),
            ..song(
                "Tamagotchi",
                &["Taco Hemingway", "Quebonafide"],
                "Soma 0,5 mg",
                222,
                true,
            )
        };
        assert_eq!(pick(&w, &[by_isrc]).as_deref(), Some("Tamagotchi"));
    }

    #[test]
    fn several_credited_artists_count_as_the_artist() {
        let w = wanted("Tum Hi Ho", &["Arijit Singh", "Mithoon"], 262);
        let c = song(
            "Tum Hi Ho",
            &["Mithoon", "Arijit Singh", "Mithoon"],
            "Aashiqui 2",
            262,
            false,
        );
        assert!(pick(&w, &[c]).is_some());
    }

    #[test]
    fn other_scripts_and_accents_match_their_uploads() {
        let w = wanted("残酷な天使のテーゼ", &["高橋洋子"], 246);
        let candidates = [song(
            "残酷な天使のテーゼ",
            &["高橋洋子"],
            "残酷な天使のテーゼ",
            245,
            false,
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
        // An official video with a longer cut is not the album audio.
        let w = wanted("Bad Romance", &["Lady Gaga"], 294);
        let video = Candidate {
            kind: Kind::OfficialVideo,
            ..upload(
                "Lady Gaga - Bad Romance (Official Music Video)",
                "Lady Gaga",
                308,
            )
        };
        assert_eq!(pick(&w, &[video]), None);
    }
}
