//! How numbers and dates read in the UI.

/// `mm:ss`, or `h:mm:ss` from an hour, for a duration in milliseconds.
pub fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The date part (`YYYY-MM-DD`) of an ISO 8601 timestamp.
pub fn date(iso: &str) -> &str {
    iso.get(..10).unwrap_or(iso)
}

/// The date and minute of an ISO 8601 timestamp, for history.
pub fn date_time(iso: &str) -> String {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => iso.to_string(),
    }
}

/// "1 track", "2 tracks".
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "30 minutes", "6 hours", "1 day 12 hours", for a schedule.
pub fn every_minutes(minutes: u32) -> String {
    let (d, h, m) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    let parts: Vec<String> = [
        (d, "day", "days"),
        (h, "hour", "hours"),
        (m, "minute", "minutes"),
    ]
    .iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| count(i64::from(*n), one, many))
    .collect();
    parts.join(" ")
}

/// "42 plays · 3 skips · last played 2026-11-30" for a set of tracks (an
/// album, an artist's tracks), or `None` when none was ever heard.
pub fn plays_summary(tracks: &[vault::model::Track]) -> Option<String> {
    let plays: i64 = tracks.iter().map(|t| t.plays).sum();
    let skips: i64 = tracks.iter().map(|t| t.skips).sum();
    if plays == 0 && skips == 0 {
        return None;
    }
    let last = tracks.iter().filter_map(|t| t.last_played.as_deref()).max();
    let mut s = count(plays, "play", "plays");
    if skips > 0 {
        s += &format!(" · {}", count(skips, "skip", "skips"));
    }
    if let Some(last) = last {
        s += &format!(" · last played {}", date(last));
    }
    Some(s)
}

/// `text` percent-encoded for a URL query value or a `data:` URL.
pub fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_player() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(65_432), "1:05");
        assert_eq!(duration(3_600_000 + 61_000), "1:01:01");
        assert_eq!(duration(-5), "0:00");
    }

    #[test]
    fn dates_are_cut_to_what_is_shown() {
        assert_eq!(date("2026-10-01T12:00:00Z"), "2026-10-01");
        assert_eq!(date("2026"), "2026");
        assert_eq!(date_time("2026-10-01T12:34:56Z"), "2026-10-01 12:34");
        assert_eq!(count(1, "track", "tracks"), "1 track");
        assert_eq!(count(3, "track", "tracks"), "3 tracks");
    }
}
