//! Covers kept: every album's and playlist's cover is fetched once from the
//! URL Spotify gave into the covers folder (`<album>.jpg`, the file the
//! acquirer tags with, and `playlist-<id>.jpg`), so Hoard serves them
//! itself, offline included, and keeps them after Spotify drops them.
//! `?size=64|300|640` serves a copy scaled to fit that square (JPEG, made
//! once with the `image` crate and kept in `covers/sized/`).
//!
//! A fetched image is checked before it is kept (`covers::check_cover`:
//! JPEG or PNG, at most 10 MB, read as it arrives and dropped past that, at
//! most 8000 pixels a side from its header, so a decompression bomb is
//! refused unread). A failed fetch is tried again later, with a growing
//! wait, and never stops anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use vault::model::Id;

use crate::covers::{check_cover, MAX_COVER_BYTES};

/// The sizes the UI asks for.
pub const SIZES: [u32; 3] = [64, 300, 640];

/// How often the covers the vault points at are checked for ones to fetch.
pub const EVERY: Duration = Duration::from_secs(15 * 60);

struct Failure {
    attempts: u32,
    next: Instant,
}

/// The covers folder and the fetcher.
pub struct Artwork {
    dir: PathBuf,
    http: reqwest::Client,
    failures: Mutex<HashMap<String, Failure>>,
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct Pass {
    pub kept: usize,
    pub failed: usize,
    /// The first failure's reason, for the log.
    pub reason: Option<String>,
}

impl Artwork {
    pub fn new(dir: PathBuf) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Self {
            dir,
            http,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Fetches every cover the vault points at and the folder lacks, one
    /// at a time, skipping those whose retry time has not come.
    pub async fn keep_all(&self, vault: &vault::Vault) -> anyhow::Result<Pass> {
        let (albums, playlists) = vault.cover_urls().await?;
        let mut wanted: Vec<(String, String)> = Vec::new();
        for (id, url) in albums {
            if hoard_acquire::queue::kept_cover(&self.dir, id).is_none() {
                wanted.push((id.to_string(), url));
            }
        }
        for (id, url) in playlists {
            if hoard_acquire::queue::kept_playlist_cover(&self.dir, id).is_none() {
                wanted.push((format!("playlist-{id}"), url));
            }
        }
        let mut pass = Pass::default();
        for (name, url) in wanted {
            let due = self
                .failures
                .lock()
                .map(|f| f.get(&name).is_none_or(|f| f.next <= Instant::now()))
                .unwrap_or(true);
            if !due {
                continue;
            }
            match self.fetch(&name, &url).await {
                Ok(()) => {
                    pass.kept += 1;
                    if let Ok(mut f) = self.failures.lock() {
                        f.remove(&name);
                    }
                }
                Err(reason) => {
                    pass.failed += 1;
                    pass.reason.get_or_insert(format!("{name}: {reason}"));
                    if let Ok(mut f) = self.failures.lock() {
                        let failure = f.entry(name).or_insert(Failure {
                            attempts: 0,
                            next: Instant::now(),
                        });
                        failure.attempts += 1;
                        // 15 min, 30 min, 1 h, … at most a day.
                        let wait = EVERY * 2u32.saturating_pow(failure.attempts - 1).min(96);
                        failure.next = Instant::now() + wait;
                    }
                }
            }
        }
        Ok(pass)
    }

    /// Fetches `url` and keeps it as `<name>.jpg` or `.png`, or says why not.
    async fn fetch(&self, name: &str, url: &str) -> Result<(), String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("`{url}` is not an http(s) URL"));
        }
        let mut response = self
            .http
            .get(parsed)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("cannot fetch it ({e})"))?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_COVER_BYTES as u64)
        {
            return Err(format!(
                "it is larger than {} MB",
                MAX_COVER_BYTES / 1_048_576
            ));
        }
        let mut data = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("cannot fetch it ({e})"))?
        {
            data.extend_from_slice(&chunk);
            if data.len() > MAX_COVER_BYTES {
                return Err(format!(
                    "it is larger than {} MB",
                    MAX_COVER_BYTES / 1_048_576
                ));
            }
        }
        let mime = check_cover(&data)?;
        let extension = if mime == "image/png" { "png" } else { "jpg" };
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("cannot keep it ({e})"))?;
        let path = self.dir.join(format!("{name}.{extension}"));
        let partial = self.dir.join(format!("{name}.{extension}.part"));
        tokio::fs::write(&partial, &data)
            .await
            .and(tokio::fs::rename(&partial, &path).await)
            .map_err(|e| format!("cannot keep it ({e})"))
    }

    /// The kept cover of an album, or of a playlist.
    pub fn album(&self, id: Id) -> Option<(PathBuf, &'static str)> {
        hoard_acquire::queue::kept_cover(&self.dir, id)
    }

    pub fn playlist(&self, id: Id) -> Option<(PathBuf, &'static str)> {
        hoard_acquire::queue::kept_playlist_cover(&self.dir, id)
    }

    /// `source` scaled to fit `size`×`size`, as JPEG, made once and kept
    /// until the source changes.
    pub async fn sized(&self, source: &Path, size: u32) -> Result<PathBuf, String> {
        let stem = source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = self.dir.join("sized");
        let target = dir.join(format!("{stem}-{size}.jpg"));
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if let (Some(made), Some(changed)) = (modified(&target), modified(source)) {
            if made >= changed {
                return Ok(target);
            }
        }
        let source = source.to_path_buf();
        let out = target.clone();
        tokio::task::spawn_blocking(move || scale(&source, &out, size))
            .await
            .map_err(|e| e.to_string())??;
        Ok(target)
    }
}

/// Decodes `source` (checked again: JPEG or PNG, not too large), scales it
/// to fit `size`, and writes it to `target` as JPEG.
fn scale(source: &Path, target: &Path, size: u32) -> Result<(), String> {
    let data = std::fs::read(source).map_err(|e| e.to_string())?;
    check_cover(&data)?;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(&data))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8000);
    limits.max_image_height = Some(8000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("the image cannot be read ({e})"))?;
    let scaled = if image.width() > size || image.height() > size {
        image.resize(size, size, FilterType::Lanczos3)
    } else {
        image
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&scaled.to_rgb8())
        .map_err(|e| e.to_string())?;
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let partial = target.with_extension(format!("{nanos}.part"));
    std::fs::write(&partial, &out)
        .and_then(|()| std::fs::rename(&partial, target))
        .map_err(|e| e.to_string())
}

/// Fetches covers at start, after every sync (which brings new albums and
/// playlists) and every [`EVERY`] (for retries).
pub async fn keep(
    artwork: std::sync::Arc<Artwork>,
    vault: vault::Vault,
    syncer: std::sync::Arc<hoard_sync::Syncer>,
) {
    let mut progress = syncer.progress();
    loop {
        match artwork.keep_all(&vault).await {
            Ok(pass) if pass.kept > 0 || pass.failed > 0 => tracing::info!(
                kept = pass.kept,
                failed = pass.failed,
                first_failure = pass.reason.as_deref().unwrap_or(""),
                "covers fetched into the covers folder"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot read the covers to fetch: {e:#}"),
        }
        let interval = tokio::time::sleep(EVERY);
        tokio::pin!(interval);
        loop {
            tokio::select! {
                () = &mut interval => break,
                changed = progress.changed() => match changed {
                    Ok(()) if !progress.borrow_and_update().running => break,
                    Ok(()) => {}
                    // No more syncs: the interval alone.
                    Err(_) => {
                        (&mut interval).await;
                        break;
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use vault::model::{NewAlbum, NewArtist};

    use super::*;

    #[tokio::test]
    async fn a_failed_fetch_waits_its_turn_and_is_then_tried_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let jpeg =
            hoard_acquire::testkit::generate_picture(dir.path(), "c.jpg", "color=c=red:s=100x100");
        let jpeg = std::fs::read(&jpeg).expect("jpeg");
        // The first request fails, as a CDN sometimes does; later ones work.
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        let app = axum::Router::new().route(
            "/flaky.jpg",
            axum::routing::get(move || {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                let jpeg = jpeg.clone();
                async move {
                    if n == 0 {
                        StatusCode::SERVICE_UNAVAILABLE.into_response()
                    } else {
                        ([("content-type", "image/jpeg")], jpeg).into_response()
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let host = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });

        let vault = vault::Vault::open_in_memory().await.expect("vault");
        let mut tx = vault.begin().await.expect("begin");
        let album = vault::Vault::upsert_album(
            &mut tx,
            &NewAlbum {
                spotify_id: Some("album0000000000000000001".into()),
                name: "Flaky".into(),
                album_type: "album".into(),
                release_date: None,
                release_date_precision: None,
                total_tracks: None,
                image_url: Some(format!("http://{host}/flaky.jpg")),
                images: None,
                artists: vec![NewArtist {
                    spotify_id: None,
                    name: "A".into(),
                    image_url: None,
                }],
            },
        )
        .await
        .expect("album");
        tx.commit().await.expect("commit");

        let artwork = Artwork::new(dir.path().join("covers"));
        let pass = artwork.keep_all(&vault).await.expect("pass");
        assert_eq!((pass.kept, pass.failed), (0, 1));
        assert!(pass.reason.expect("reason").contains("503"));
        // Not due yet: the host is not asked again.
        let pass = artwork.keep_all(&vault).await.expect("pass");
        assert_eq!((pass.kept, pass.failed), (0, 0));
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        // Its time comes.
        if let Ok(mut failures) = artwork.failures.lock() {
            failures.get_mut(&album.to_string()).expect("recorded").next = Instant::now();
        }
        let pass = artwork.keep_all(&vault).await.expect("pass");
        assert_eq!((pass.kept, pass.failed), (1, 0));
        assert!(artwork.album(album).is_some());
        // Kept: never fetched again.
        artwork.keep_all(&vault).await.expect("pass");
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }
}
