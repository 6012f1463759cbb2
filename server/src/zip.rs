//! `GET /zip/{list}.zip`: a list's audio files as one zip, streamed as it
//! is written. `{list}` is as for exports (`liked`, `playlist-ID`,
//! `album-ID`, `smart-ID`, `artist-ID`), or `selection` with
//! `?ids=1,2,3&name=…` for chosen tracks (the player's queue) in that order.
//!
//! The zip holds one folder named after the list: the files as they are
//! in the library (same bytes, so same tags; same `Artist/Album (Year)/`
//! layout) and an `.m3u8` of the list in its order beside them. Entries
//! are stored, not compressed: audio is compressed already, and storing
//! costs no CPU. The archive is written by a task into a small in-memory
//! pipe that the response reads from: nothing is written to disk, memory
//! stays at the pipe's size whatever the list's, and when the client goes
//! away the next write fails and the task ends.

use std::path::PathBuf;

use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::AsyncWriteExt;
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;
use vault::export::m3u8;
use vault::model::ExportRow;

use crate::export::{self, refused};
use crate::router::AppState;

/// The pipe between the zip writer and the response.
const PIPE_BYTES: usize = 256 * 1024;

/// The most tracks a selection's zip may name.
pub const MAX_SELECTION: usize = 5_000;

/// The tracks `?ids=1,2,3` names, or why not.
fn selection(ids: Option<&String>) -> Result<Vec<vault::model::Id>, String> {
    let ids = ids.map(String::as_str).unwrap_or("").trim();
    if ids.is_empty() {
        return Err("a selection names its tracks: ?ids=1,2,3".into());
    }
    let mut out = Vec::new();
    for id in ids.split(',') {
        let id: vault::model::Id = id
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{id}` is not a track's number"))?;
        if !out.contains(&id) {
            out.push(id);
        }
        if out.len() > MAX_SELECTION {
            return Err(format!("a selection holds up to {MAX_SELECTION} tracks"));
        }
    }
    Ok(out)
}

/// `GET /zip/{file}`.
pub async fn zip(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(stem) = file.strip_suffix(".zip") else {
        return refused(
            StatusCode::NOT_FOUND,
            "No such zip: a zip's name ends in .zip.",
        );
    };
    let (name, rows) = if stem == "selection" {
        let ids = match selection(query.get("ids")) {
            Ok(ids) => ids,
            Err(why) => return refused(StatusCode::BAD_REQUEST, format!("No zip: {why}.")),
        };
        let name: String = query
            .get("name")
            .map(|n| n.trim().chars().take(100).collect())
            .filter(|n: &String| !n.is_empty())
            .unwrap_or_else(|| "Selection".into());
        match state.server.vault.export_selection(&ids, true).await {
            Ok(rows) => (name, rows),
            Err(e) => {
                tracing::error!("cannot read a selection to zip: {e}");
                return refused(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The vault's database did not answer.",
                );
            }
        }
    } else {
        let list = match export::list(stem) {
            Ok(list) => list,
            Err(why) => return refused(StatusCode::NOT_FOUND, format!("No such zip: {why}.")),
        };
        match export::load(&state, &list, true).await {
            Ok(found) => found,
            Err(answer) => return answer,
        }
    };
    let library = state.server.acquirer.settings().library_dir();
    let files: Vec<(ExportRow, PathBuf)> = rows
        .into_iter()
        .filter(|r| !r.file_path.is_empty())
        .filter_map(|r| {
            // The vault's path is checked to stay inside the library.
            let full = hoard_acquire::layout::inside_library(&library, &r.file_path)?;
            full.is_file().then_some((r, full))
        })
        .collect();
    if files.is_empty() {
        return refused(
            StatusCode::NOT_FOUND,
            format!("{name} has no audio in the vault yet: download it first."),
        );
    }
    let folder = export::safe_name(&name, "list");
    let zip_name = format!("{folder}.zip");
    let (reader, writer) = tokio::io::duplex(PIPE_BYTES);
    let list_name = name.clone();
    tokio::spawn(async move {
        match write_zip(writer, &folder, &list_name, &files).await {
            Ok(()) => tracing::info!(list = %list_name, files = files.len(), "zip sent"),
            Err(e) => tracing::info!(list = %list_name, "zip stopped: {e} (the client went away)"),
        }
    });
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (header::CONTENT_DISPOSITION, export::disposition(&zip_name)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(ReaderStream::with_capacity(reader, 64 * 1024)),
    )
        .into_response()
}

/// Writes the zip of `files` (and the list's `.m3u8`) into `out`.
async fn write_zip(
    out: tokio::io::DuplexStream,
    folder: &str,
    name: &str,
    files: &[(ExportRow, PathBuf)],
) -> anyhow::Result<()> {
    let mut zip = ZipFileWriter::with_tokio(out);
    let rows: Vec<ExportRow> = files.iter().map(|(r, _)| r.clone()).collect();
    let playlist = m3u8(name, &rows, "");
    let entry = ZipEntryBuilder::new(
        format!("{folder}/{folder}.m3u8").into(),
        Compression::Stored,
    )
    .unix_permissions(0o644);
    zip.write_entry_whole(entry, playlist.as_bytes()).await?;
    let mut buffer = vec![0u8; 64 * 1024];
    for (row, path) in files {
        let entry = ZipEntryBuilder::new(
            format!("{folder}/{}", row.file_path).into(),
            Compression::Stored,
        )
        .unix_permissions(0o644);
        let mut file = tokio::fs::File::open(path).await?;
        let mut writer = zip.write_entry_stream(entry).await?;
        loop {
            let n = file.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            writer.write_all(&buffer[..n]).await?;
        }
        writer.close().await?;
    }
    let mut out = zip.close().await?;
    out.close().await?;
    Ok(())
}
