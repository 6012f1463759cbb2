-- What Last.fm said, kept so an artist page does not ask it again for a
-- week and still shows the story when Last.fm cannot be reached
-- (`Vault::keep_lastfm`). Catalogue knowledge, not a listener's.
CREATE TABLE lastfm_kept (
    key        TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
