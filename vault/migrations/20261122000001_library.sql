-- Hoard's library schema.
--
-- Rows are never deleted by a sync: membership rows (liked songs, playlist
-- items, saved albums, followed artists) carry `removed_at`, and a track that
-- Spotify stops serving carries `gone_from_spotify_at`. Times are ISO 8601 UTC
-- text, as Spotify sends them.

CREATE TABLE artists (
    id            INTEGER PRIMARY KEY,
    spotify_id    TEXT UNIQUE,
    name          TEXT NOT NULL,
    image_url     TEXT,
    first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE albums (
    id                     INTEGER PRIMARY KEY,
    spotify_id             TEXT UNIQUE,
    name                   TEXT NOT NULL,
    album_type             TEXT NOT NULL DEFAULT 'album'
                           CHECK (album_type IN ('album', 'single', 'compilation')),
    release_date           TEXT,
    release_date_precision TEXT CHECK (release_date_precision IN ('year', 'month', 'day')),
    total_tracks           INTEGER,
    image_url              TEXT,
    first_seen_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE album_artists (
    album_id  INTEGER NOT NULL REFERENCES albums(id),
    artist_id INTEGER NOT NULL REFERENCES artists(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (album_id, position)
);
CREATE INDEX album_artists_by_artist ON album_artists(artist_id);

CREATE TABLE tracks (
    id                   INTEGER PRIMARY KEY,
    -- NULL for local files, which Spotify gives no ID.
    spotify_id           TEXT UNIQUE,
    isrc                 TEXT,
    title                TEXT NOT NULL,
    album_id             INTEGER REFERENCES albums(id),
    disc_number          INTEGER NOT NULL DEFAULT 1,
    track_number         INTEGER,
    duration_ms          INTEGER NOT NULL CHECK (duration_ms >= 0),
    explicit             INTEGER NOT NULL DEFAULT 0,
    is_local             INTEGER NOT NULL DEFAULT 0,
    is_playable          INTEGER,
    preview_url          TEXT,
    first_seen_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    gone_from_spotify_at TEXT
);
CREATE INDEX tracks_by_album ON tracks(album_id, disc_number, track_number);
CREATE INDEX tracks_by_isrc ON tracks(isrc);

CREATE TABLE track_artists (
    track_id  INTEGER NOT NULL REFERENCES tracks(id),
    artist_id INTEGER NOT NULL REFERENCES artists(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (track_id, position)
);
CREATE INDEX track_artists_by_artist ON track_artists(artist_id);

-- Liked songs. A track liked, unliked and liked again has two rows.
CREATE TABLE liked_tracks (
    id         INTEGER PRIMARY KEY,
    track_id   INTEGER NOT NULL REFERENCES tracks(id),
    added_at   TEXT NOT NULL,
    removed_at TEXT
);
CREATE UNIQUE INDEX liked_tracks_current ON liked_tracks(track_id) WHERE removed_at IS NULL;
CREATE INDEX liked_tracks_by_added ON liked_tracks(added_at);

CREATE TABLE playlists (
    id            INTEGER PRIMARY KEY,
    spotify_id    TEXT UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT,
    owner_id      TEXT,
    owner_name    TEXT,
    snapshot_id   TEXT,
    public        INTEGER,
    collaborative INTEGER NOT NULL DEFAULT 0,
    image_url     TEXT,
    -- 0 when Spotify refuses this app the playlist's items (403 in development mode).
    readable      INTEGER NOT NULL DEFAULT 1,
    first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    -- When the playlist left the user's library; the playlist and its items stay.
    removed_at    TEXT
);

-- Ordered playlist membership with history: an item that leaves the playlist
-- keeps its row with `removed_at`, so an earlier version can be shown.
CREATE TABLE playlist_items (
    id          INTEGER PRIMARY KEY,
    playlist_id INTEGER NOT NULL REFERENCES playlists(id),
    position    INTEGER NOT NULL,
    -- NULL when the entry is not a track the vault can hold (a podcast
    -- episode, or a greyed-out entry Spotify sends as null).
    track_id    INTEGER REFERENCES tracks(id),
    kind        TEXT NOT NULL DEFAULT 'track'
                CHECK (kind IN ('track', 'local', 'episode', 'unavailable')),
    label       TEXT,
    added_at    TEXT,
    added_by    TEXT,
    first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    removed_at  TEXT
);
CREATE INDEX playlist_items_current ON playlist_items(playlist_id, position) WHERE removed_at IS NULL;
CREATE INDEX playlist_items_by_track ON playlist_items(track_id);

-- Each snapshot of a playlist the vault has seen, for history.
CREATE TABLE playlist_snapshots (
    playlist_id INTEGER NOT NULL REFERENCES playlists(id),
    snapshot_id TEXT NOT NULL,
    seen_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (playlist_id, snapshot_id)
);

CREATE TABLE saved_albums (
    id         INTEGER PRIMARY KEY,
    album_id   INTEGER NOT NULL REFERENCES albums(id),
    added_at   TEXT NOT NULL,
    removed_at TEXT
);
CREATE UNIQUE INDEX saved_albums_current ON saved_albums(album_id) WHERE removed_at IS NULL;

CREATE TABLE followed_artists (
    id          INTEGER PRIMARY KEY,
    artist_id   INTEGER NOT NULL REFERENCES artists(id),
    followed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    removed_at  TEXT
);
CREATE UNIQUE INDEX followed_artists_current ON followed_artists(artist_id) WHERE removed_at IS NULL;

-- One acquisition job per track; the audio file path is relative to the data folder.
CREATE TABLE downloads (
    track_id   INTEGER PRIMARY KEY REFERENCES tracks(id),
    state      TEXT NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'searching', 'downloading', 'validating',
                                'downloaded', 'failed', 'skipped')),
    source     TEXT,
    file_path  TEXT,
    reason     TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    queued_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX downloads_by_state ON downloads(state);

-- Listening history, from Spotify's recently played and from Hoard's own player.
CREATE TABLE plays (
    id        INTEGER PRIMARY KEY,
    track_id  INTEGER NOT NULL REFERENCES tracks(id),
    played_at TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('spotify', 'hoard')),
    UNIQUE (track_id, played_at, source)
);
CREATE INDEX plays_by_time ON plays(played_at);

-- One row per sync run, for the UI and for resuming.
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT CHECK (outcome IN ('ok', 'failed', 'interrupted')),
    detail      TEXT
);

-- Browser sessions after a password login. Only a hash of the token is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
