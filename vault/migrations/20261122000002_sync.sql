-- What the Spotify sync needs beyond the library itself.

-- The connected Spotify account (at most one). The refresh token is stored
-- encrypted (XChaCha20-Poly1305 with the server's key); the access token
-- lives only in memory.
CREATE TABLE spotify_account (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    client_id          TEXT NOT NULL,
    user_id            TEXT,
    display_name       TEXT,
    email              TEXT,
    country            TEXT,
    product            TEXT,
    image_url          TEXT,
    scopes             TEXT,
    refresh_token_enc  BLOB,
    connected_at       TEXT NOT NULL
);

-- Small settings the UI changes (auto sync on or off) and sync bookmarks
-- (when liked songs last had a full pass).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every image size Spotify offers, as JSON [{url, width, height}], largest first.
ALTER TABLE albums ADD COLUMN images TEXT;
ALTER TABLE playlists ADD COLUMN images TEXT;
-- The snapshot whose items the vault holds completely. A playlist whose
-- `snapshot_id` equals it is not fetched again.
ALTER TABLE playlists ADD COLUMN items_snapshot_id TEXT;
-- Local files have no Spotify ID; their `spotify:local:...` URI identifies them.
ALTER TABLE tracks ADD COLUMN local_uri TEXT;
CREATE UNIQUE INDEX tracks_by_local_uri ON tracks(local_uri) WHERE local_uri IS NOT NULL;
-- The playlist's order at that snapshot: JSON array of playlist_items ids.
ALTER TABLE playlist_snapshots ADD COLUMN items TEXT;

ALTER TABLE sync_runs ADD COLUMN trigger TEXT;
ALTER TABLE sync_runs ADD COLUMN api_calls INTEGER;
