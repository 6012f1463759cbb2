//! `POST /history/upload`: an Extended Streaming History upload
//! (`my_spotify_data.zip` or a `Streaming_History_Audio_*.json`), as a
//! multipart form (Settings' form works without the WASM app). The file is
//! streamed to `<data_dir>/imports/` within `history_upload_max_mb`,
//! checked (`hoard_sync::history::inspect`), registered by its SHA-256 (the
//! same file again is the same import) and imported in the background, one
//! import at a time; imports a stop or a kill interrupted resume at start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use vault::model::OWNER;
use vault::Vault;

use crate::router::AppState;

/// The import queue: one import runs at a time.
#[derive(Debug)]
pub struct Imports {
    dir: PathBuf,
    max_bytes: u64,
    queue: mpsc::UnboundedSender<vault::model::Id>,
}

impl Imports {
    /// Starts the importer and queues what a stop left unfinished.
    pub async fn start(vault: Vault, data_dir: &Path, max_mb: u32) -> anyhow::Result<Arc<Self>> {
        let dir = data_dir.join("imports");
        std::fs::create_dir_all(&dir)?;
        // Uploads a stop cut short.
        for entry in std::fs::read_dir(&dir)?.flatten() {
            if entry.path().extension().is_some_and(|e| e == "part") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let (queue, mut jobs) = mpsc::unbounded_channel();
        for id in vault.unfinished_history_imports().await? {
            let _ = queue.send(id);
        }
        tokio::spawn(async move {
            while let Some(id) = jobs.recv().await {
                let started = std::time::Instant::now();
                match hoard_sync::history::import(&vault, id).await {
                    Ok(times) => tracing::info!(
                        id,
                        seconds = started.elapsed().as_secs_f64(),
                        reading_s = times.reading.as_secs_f64(),
                        writing_s = times.writing.as_secs_f64(),
                        "streaming history imported"
                    ),
                    Err(e) => tracing::warn!(id, "streaming history import stopped: {e}"),
                }
            }
        });
        Ok(Arc::new(Imports {
            dir,
            max_bytes: u64::from(max_mb) * 1024 * 1024,
            queue,
        }))
    }
}

/// What the upload came to.
#[derive(serde::Serialize)]
struct Answer {
    id: Option<vault::model::Id>,
    new: bool,
    message: String,
}

fn answer(headers: &HeaderMap, status: StatusCode, body: Answer) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return (status, Json(body)).into_response();
    }
    let key = if status.is_success() {
        "history_message"
    } else {
        "history_error"
    };
    let encoded: String = url::form_urlencoded::byte_serialize(body.message.as_bytes()).collect();
    Redirect::to(&format!("/settings?{key}={encoded}#history")).into_response()
}

fn refused(headers: &HeaderMap, status: StatusCode, message: impl Into<String>) -> Response {
    answer(
        headers,
        status,
        Answer {
            id: None,
            new: false,
            message: message.into(),
        },
    )
}

/// `POST /history/upload`, field `file`.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let imports = state.imports.clone();
    let field = loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => break field,
            Ok(Some(_)) => continue,
            Ok(None) => {
                return refused(&headers, StatusCode::BAD_REQUEST, "no file was chosen");
            }
            Err(e) => {
                return refused(
                    &headers,
                    StatusCode::BAD_REQUEST,
                    format!("the upload was cut short or is not a form ({e})"),
                )
            }
        }
    };
    let file_name = field
        .file_name()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "upload".to_owned());
    let mut random = [0u8; 8];
    if getrandom::fill(&mut random).is_err() {
        return refused(
            &headers,
            StatusCode::INTERNAL_SERVER_ERROR,
            "no randomness for a file name",
        );
    }
    let part = imports
        .dir
        .join(format!("upload-{}.part", crate::auth::hex(&random)));
    let received = receive(field, &part, imports.max_bytes).await;
    let (bytes, sha) = match received {
        Ok(done) => done,
        Err((status, message)) => {
            let _ = tokio::fs::remove_file(&part).await;
            return refused(&headers, status, message);
        }
    };
    if bytes == 0 {
        let _ = tokio::fs::remove_file(&part).await;
        return refused(
            &headers,
            StatusCode::BAD_REQUEST,
            format!("{file_name} is empty"),
        );
    }
    let checked = {
        let part = part.clone();
        tokio::task::spawn_blocking(move || hoard_sync::history::inspect(&part)).await
    };
    let upload = match checked {
        Ok(Ok(upload)) => upload,
        Ok(Err(e)) => {
            let _ = tokio::fs::remove_file(&part).await;
            return refused(
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{file_name}: {e}"),
            );
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            tracing::error!("inspecting an upload failed: {e}");
            return refused(
                &headers,
                StatusCode::INTERNAL_SERVER_ERROR,
                "the upload could not be checked",
            );
        }
    };
    let extension = match upload {
        hoard_sync::history::Upload::Zip(_) => "zip",
        hoard_sync::history::Upload::Json => "json",
    };
    let stored = imports.dir.join(format!("{sha}.{extension}"));
    if let Err(e) = tokio::fs::rename(&part, &stored).await {
        let _ = tokio::fs::remove_file(&part).await;
        tracing::error!("cannot store an upload: {e}");
        return refused(
            &headers,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the upload could not be stored",
        );
    }
    let created = state
        .server
        .vault
        .create_history_import(
            OWNER,
            &file_name,
            &sha,
            &stored.to_string_lossy(),
            upload.members() as i64,
        )
        .await;
    match created {
        Ok((import, true)) => {
            let _ = imports.queue.send(import.id);
            answer(
                &headers,
                StatusCode::ACCEPTED,
                Answer {
                    id: Some(import.id),
                    new: true,
                    message: format!(
                        "Importing {file_name} ({} file{}).",
                        import.members,
                        if import.members == 1 { "" } else { "s" }
                    ),
                },
            )
        }
        Ok((import, false)) => answer(
            &headers,
            StatusCode::OK,
            Answer {
                id: Some(import.id),
                new: false,
                message: format!(
                    "{file_name} was uploaded before ({}, as {}); nothing new to import.",
                    import.created_at, import.file_name
                ),
            },
        ),
        Err(e) => {
            tracing::error!("cannot register an upload: {e}");
            refused(
                &headers,
                StatusCode::INTERNAL_SERVER_ERROR,
                "the vault could not register the upload",
            )
        }
    }
}

/// How much of a too-large upload is read and dropped before it is refused.
const DRAIN_BYTES: u64 = 64 * 1024 * 1024;

/// Streams a form field to `path`, at most `max` bytes: (size, SHA-256 hex).
async fn receive(
    mut field: axum::extract::multipart::Field<'_>,
    path: &Path,
    max: u64,
) -> Result<(u64, String), (StatusCode, String)> {
    let mut file = tokio::fs::File::create(path).await.map_err(|e| {
        tracing::error!("cannot write an upload: {e}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the upload could not be written".to_string(),
        )
    })?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    format!("the upload was cut short ({e})"),
                ))
            }
        };
        size += chunk.len() as u64;
        if size > max {
            // The rest is read and dropped (up to a bound), so the client
            // is still reading when the refusal comes instead of finding
            // the connection closed under its upload.
            let mut drained = size - max;
            while drained < DRAIN_BYTES {
                match field.chunk().await {
                    Ok(Some(more)) => drained += more.len() as u64,
                    _ => break,
                }
            }
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the file is larger than {} MB (setting `history_upload_max_mb`); \
                     a streaming history zip is usually far smaller",
                    max / (1024 * 1024)
                ),
            ));
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| {
            tracing::error!("cannot write an upload: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the upload could not be written".to_string(),
            )
        })?;
    }
    file.flush()
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok((size, crate::auth::hex(&hash.finalize())))
}
