//! `GET /export/{list}.{csv|json}`: a list's tracks as a file, with
//! Exportify's columns and Hoard's own (`vault::model::ExportRow`). `{list}`
//! is `liked`, `playlist-ID`, `album-ID`, `smart-ID` or `artist-ID`; the
//! file is named after the list.

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vault::model::{ExportRow, Id, TrackList, OWNER};

use crate::router::AppState;

/// The two formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// The list and format a file name asks for, or why it is not one.
pub fn parse(file: &str) -> Result<(TrackList, Format), String> {
    let (stem, format) = if let Some(stem) = file.strip_suffix(".csv") {
        (stem, Format::Csv)
    } else if let Some(stem) = file.strip_suffix(".json") {
        (stem, Format::Json)
    } else {
        return Err("an export is a .csv or a .json file".into());
    };
    Ok((list(stem)?, format))
}

/// The list a file's stem names (`liked`, `playlist-ID`, `album-ID`,
/// `smart-ID`, `artist-ID`), or why it names none.
pub fn list(stem: &str) -> Result<TrackList, String> {
    if stem == "liked" {
        return Ok(TrackList::Liked);
    }
    let (kind, id) = stem.split_once('-').ok_or_else(|| {
        format!("`{stem}` is not a list (liked, playlist-ID, album-ID, smart-ID, artist-ID)")
    })?;
    let id: Id = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| format!("`{id}` is not a list's number"))?;
    let list = match kind {
        "playlist" => TrackList::Playlist(id),
        "album" => TrackList::Album(id),
        "smart" => TrackList::Smart(id),
        "artist" => TrackList::Artist(id),
        other => return Err(format!("`{other}` is not a kind of list")),
    };
    Ok(list)
}

pub fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into(),
    )
        .into_response()
}

/// A list's name as a file or folder name: what file systems refuse is
/// replaced, and a name of nothing but dots or spaces is `fallback`.
pub fn safe_name(name: &str, fallback: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_matches('.');
    if clean.is_empty() {
        fallback.to_string()
    } else {
        clean.to_string()
    }
}

/// The file name of a list's export.
pub fn file_name(name: &str, format: Format) -> String {
    let extension = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    format!("{}.{extension}", safe_name(name, "list"))
}

/// The list a request names, its name and its rows (only those with audio
/// if `downloaded`), or the answer that says why not.
pub async fn load(
    state: &AppState,
    list: &TrackList,
    downloaded: bool,
) -> Result<(String, Vec<ExportRow>), Response> {
    let vault = &state.server.vault;
    let unavailable = |e: vault::DbError| {
        tracing::error!("cannot read a list to export: {e}");
        refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The vault's database did not answer.",
        )
    };
    let name = match vault.list_name(OWNER, list).await {
        Ok(Some(name)) => name,
        Ok(None) => return Err(refused(StatusCode::NOT_FOUND, "Not found in your vault.")),
        Err(e) => return Err(unavailable(e)),
    };
    let rows = vault
        .export_list(list, downloaded)
        .await
        .map_err(unavailable)?;
    Ok((name, rows))
}

/// `Content-Disposition` with the name in both forms (RFC 6266).
pub fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// `GET /export/{file}`.
pub async fn export(State(state): State<AppState>, UrlPath(file): UrlPath<String>) -> Response {
    let (list, format) = match parse(&file) {
        Ok(found) => found,
        Err(why) => return refused(StatusCode::NOT_FOUND, format!("No such export: {why}.")),
    };
    let (name, rows) = match load(&state, &list, false).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let (body, kind) = match format {
        Format::Json => match serde_json::to_vec_pretty(&rows) {
            Ok(body) => (body, "application/json"),
            Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        },
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for row in &rows {
                if let Err(e) = writer.serialize(row) {
                    return refused(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
                }
            }
            // An empty list still has its header.
            if rows.is_empty() {
                let _ = writer.write_record(CSV_HEADER);
            }
            match writer.into_inner() {
                Ok(body) => (body, "text/csv; charset=utf-8"),
                Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CONTENT_DISPOSITION,
                disposition(&file_name(&name, format)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// The CSV header, as `ExportRow` serialises it.
const CSV_HEADER: &[&str] = &[
    "Track URI",
    "Track Name",
    "Artist URI(s)",
    "Artist Name(s)",
    "Album URI",
    "Album Name",
    "Album Artist URI(s)",
    "Album Artist Name(s)",
    "Album Release Date",
    "Album Image URL",
    "Disc Number",
    "Track Number",
    "Track Duration (ms)",
    "Explicit",
    "ISRC",
    "Added By",
    "Added At",
    "In Vault",
    "File Path",
    "Rating",
    "Loved",
    "Play Count",
    "Gone From Spotify At",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_are_lists_and_nothing_else() {
        assert_eq!(parse("liked.csv"), Ok((TrackList::Liked, Format::Csv)));
        assert_eq!(
            parse("playlist-12.json"),
            Ok((TrackList::Playlist(12), Format::Json))
        );
        assert_eq!(parse("smart-3.csv"), Ok((TrackList::Smart(3), Format::Csv)));
        for bad in [
            "liked.txt",
            "playlist-0.csv",
            "playlist--1.csv",
            "album-x.csv",
            "../hoard.db.csv",
            "user-1.csv",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names_keep_the_list_name_and_nothing_a_file_system_refuses() {
        assert_eq!(file_name("Road trip", Format::Csv), "Road trip.csv");
        assert_eq!(file_name("AC/DC: best?", Format::Json), "AC_DC_ best_.json");
        assert_eq!(file_name("..", Format::Csv), "list.csv");
        assert_eq!(
            file_name("Nordic Nights ❄", Format::Csv),
            "Nordic Nights ❄.csv"
        );
        let header = disposition("Nordic Nights ❄.csv");
        let header = header.to_str().expect("ascii");
        assert!(
            header.contains("filename=\"Nordic Nights _.csv\""),
            "{header}"
        );
        assert!(
            header.contains("filename*=UTF-8''Nordic%20Nights%20%E2%9D%84%2Ecsv"),
            "{header}"
        );
    }

    #[test]
    fn the_empty_header_is_the_rows_header() {
        let row = vault::model::ExportRow {
            track_uri: String::new(),
            track_name: String::new(),
            artist_uris: String::new(),
            artist_names: String::new(),
            album_uri: String::new(),
            album_name: String::new(),
            album_artist_uris: String::new(),
            album_artist_names: String::new(),
            album_release_date: String::new(),
            album_image_url: String::new(),
            disc_number: 1,
            track_number: None,
            duration_ms: 0,
            explicit: false,
            isrc: String::new(),
            added_by: String::new(),
            added_at: String::new(),
            in_vault: false,
            file_path: String::new(),
            rating: None,
            loved: false,
            play_count: 0,
            gone_from_spotify_at: String::new(),
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.serialize(&row).expect("row");
        let text = String::from_utf8(writer.into_inner().expect("csv")).expect("utf-8");
        let first = text.lines().next().unwrap_or_default();
        let expected: Vec<String> = CSV_HEADER
            .iter()
            .map(|h| {
                if h.contains(',') {
                    format!("\"{h}\"")
                } else {
                    h.to_string()
                }
            })
            .collect();
        assert_eq!(first, expected.join(","));
    }
}
