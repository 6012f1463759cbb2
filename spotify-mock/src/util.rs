//! Small helpers: IDs, timestamps and the generated cover images.

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A 22-character base62 string, the shape of every Spotify ID.
pub fn base62_id<R: Rng>(rng: &mut R) -> String {
    (0..22)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect()
}

/// A random opaque token of `len` base62 characters from the OS-seeded generator.
pub fn token(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect()
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// civil-from-days), so no date crate is needed for UTC formatting.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2024-05-01T12:34:56Z`, as Spotify writes `added_at`.
pub fn iso_secs(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `2024-05-01T12:34:56.789Z`, as Spotify writes `played_at`.
pub fn iso_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let base = iso_secs(secs);
    format!("{}.{:03}Z", &base[..base.len() - 1], ms.rem_euclid(1000))
}

/// `YYYY-MM-DD` for a unix time.
pub fn date(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// FNV-1a, to derive stable colours from IDs.
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `hsl(h, s%, l%)` as RGB.
fn hsl(h: u64, s: f64, l: f64) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let h = (h % 360) as f64 / 60.0;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r, g, b].map(|v| ((v + m) * 255.0).round() as u8)
}

/// The cover of `id` at `size` pixels square as a JPEG, the format
/// Spotify's image CDN serves: a colour field and a disc, both from the id
///.
pub fn jpeg(id: &str, size: u32) -> Vec<u8> {
    let h = fnv(id);
    let back = hsl(h % 360, 0.55, 0.45);
    let disc = hsl((h % 360 + 40 + (h >> 12) % 120) % 360, 0.60, 0.60);
    let half = size as f64 / 2.0;
    let r = size as f64 * 0.3;
    let picture = image::RgbImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f64 + 0.5 - half, y as f64 + 0.5 - half);
        image::Rgb(if dx * dx + dy * dy <= r * r {
            disc
        } else {
            back
        })
    });
    let mut out = Vec::new();
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&picture);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(iso_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_secs(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso_millis(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(date(951_782_400), "2000-02-29");
    }
}
