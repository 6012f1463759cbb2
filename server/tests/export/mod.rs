//! `GET /export/…`: a list as CSV (Exportify's columns, then Hoard's) and
//! JSON, read back with a real CSV parser, from a real server.

use super::backup::seed;
use super::Server;

#[tokio::test]
async fn a_list_exports_as_csv_with_exportifys_columns_and_as_json_in_its_own_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(&dir.path().join("hoard-data/hoard.db"), 30).await;
    let server = Server::start(dir.path(), &[]).await;

    let res = server
        .client
        .get(server.url("/export/liked.csv"))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(
        header("content-disposition").contains("filename=\"Liked songs.csv\""),
        "{}",
        header("content-disposition")
    );
    let body = res.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    // Exportify's columns first, in Exportify's order (less popularity and
    // preview URL, which Hoard does not keep), then Hoard's.
    assert_eq!(
        columns,
        [
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
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 30);
    let column = |name: &str| columns.iter().position(|c| c == name).expect("column");
    let song0 = rows
        .iter()
        .find(|r| &r[column("Track Name")] == "Song 0 — “quoted”")
        .expect("Song 0 is exported, its quotes and dash intact");
    assert_eq!(
        &song0[column("Track URI")],
        "spotify:track:track0000000000000000000"
    );
    assert_eq!(
        &song0[column("Artist URI(s)")],
        "spotify:artist:artist000000000000000000"
    );
    assert_eq!(&song0[column("Artist Name(s)")], "Artist 0 Ø");
    assert_eq!(
        &song0[column("Album URI")],
        "spotify:album:album0000000000000000000"
    );
    assert_eq!(&song0[column("Album Release Date")], "2001-02-03");
    assert_eq!(&song0[column("ISRC")], "QZ0000000000");
    assert_eq!(&song0[column("Explicit")], "true");
    assert_eq!(&song0[column("Added At")], "2026-10-01T12:00:00Z");
    assert_eq!(&song0[column("Rating")], "4");
    assert_eq!(&song0[column("Loved")], "true");
    assert_eq!(&song0[column("Play Count")], "1");
    assert_eq!(&song0[column("In Vault")], "false");

    // A playlist, as JSON, in the playlist's order.
    let res = server
        .client
        .get(server.url("/export/playlist-1.json"))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    assert!(res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("Road trip.json")));
    let rows: Vec<serde_json::Value> = res.json().await.expect("json");
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["Track Name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        (0..5)
            .map(|i| format!("Song {i} — “quoted”"))
            .collect::<Vec<_>>()
    );
    assert_eq!(rows[0]["Track Duration (ms)"], 150_000);

    // What is not a list is refused, with the reason.
    for (path, status) in [
        ("/export/playlist-99.csv", 404),
        ("/export/playlist-1.xlsx", 404),
        ("/export/..%2Fhoard.db", 404),
        ("/export/user-1.csv", 404),
    ] {
        let res = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), status, "{path}");
    }
    let res = server
        .client
        .get(server.url("/export/playlist-1.xlsx"))
        .send()
        .await
        .expect("get");
    assert!(res.text().await.expect("body").contains(".csv or a .json"));
}
