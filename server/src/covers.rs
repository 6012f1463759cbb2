//! `POST /albums/{id}/cover`: the listener's own cover for an album, as the
//! raw image in the body (JPEG or PNG, at most [`MAX_COVER_BYTES`]). The
//! image is checked before anything is kept: its type from its first bytes,
//! its size from its header (a 100,000-pixel-wide "image" is refused unread),
//! then it is kept in the covers folder and written into the album's files.

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vault::model::Id;

use crate::router::AppState;
pub use app::routes::edit::MAX_COVER_BYTES;

/// The widest and tallest cover accepted, in pixels.
const MAX_SIDE: usize = 8000;

fn refused(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// Why `data` is not a cover Hoard takes, or its type.
pub fn check_cover(data: &[u8]) -> Result<&'static str, String> {
    if data.len() > MAX_COVER_BYTES {
        return Err(format!(
            "Cover: the image is {:.1} MB; a cover may be at most {} MB.",
            data.len() as f64 / 1_048_576.0,
            MAX_COVER_BYTES / 1_048_576
        ));
    }
    let mime = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        return Err("Cover: not a JPEG or PNG image.".into());
    };
    let size = imagesize::blob_size(data)
        .map_err(|e| format!("Cover: the image cannot be read ({e})."))?;
    if size.width == 0 || size.height == 0 || size.width > MAX_SIDE || size.height > MAX_SIDE {
        return Err(format!(
            "Cover: {}×{} pixels; a cover may be at most {MAX_SIDE}×{MAX_SIDE}.",
            size.width, size.height
        ));
    }
    Ok(mime)
}

/// `POST /albums/{id}/cover`.
pub async fn upload(
    State(state): State<AppState>,
    UrlPath(album): UrlPath<Id>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_COVER_BYTES) {
        return refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Cover: a cover may be at most {} MB.",
                MAX_COVER_BYTES / 1_048_576
            ),
        );
    }
    let mime = match check_cover(&body) {
        Ok(mime) => mime,
        Err(reason) => return refused(StatusCode::UNPROCESSABLE_ENTITY, reason),
    };
    let vault = &state.server.vault;
    let mut edit = match vault.album_edit(album).await {
        Ok(edit) => edit,
        Err(e) => {
            tracing::error!(error = %e, "cover upload: database error");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if vault.album_spotify_values(album).await.is_err() {
        return refused(StatusCode::NOT_FOUND, "No such album in the vault.".into());
    }
    let dir = state.server.acquirer.settings().covers_dir();
    if let Err(e) = app::routes::edit::store_edited_cover(&dir, album, mime, &body).await {
        return refused(StatusCode::INSUFFICIENT_STORAGE, e.to_string());
    }
    edit.cover_mime = Some(mime.to_string());
    if let Err(e) = vault
        .set_album_edit(vault::model::OWNER, album, &edit)
        .await
    {
        tracing::error!(error = %e, "cover upload: database error");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut saved = app::routes::edit::AlbumSaved {
        tagged: 0,
        failed: Vec::new(),
    };
    let files = vault.album_files(album).await.unwrap_or_default();
    for (track, file) in files {
        match state.server.acquirer.retag(track).await {
            Ok(()) => saved.tagged += 1,
            Err(reason) => saved.failed.push(format!("{file}: {reason}")),
        }
    }
    Json(saved).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reasonable_jpeg_and_png_images_are_taken() {
        assert!(check_cover(b"GIF89a....").is_err());
        assert!(check_cover(&vec![0xFF; MAX_COVER_BYTES + 1])
            .expect_err("refused")
            .contains("at most 10 MB"));
        // A PNG header that claims 100,000 × 100,000 pixels: a bomb, refused unread.
        let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(check_cover(&bomb)
            .expect_err("refused")
            .contains("100000×100000"));
        let mut fine = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        fine.extend_from_slice(&640u32.to_be_bytes());
        fine.extend_from_slice(&640u32.to_be_bytes());
        fine.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(check_cover(&fine), Ok("image/png"));
    }
}
