-- Subsonic apps (the OpenSubsonic API at /rest/).

-- API keys (the apiKeyAuthentication extension), made and revoked in
-- Settings. Only a SHA-256 of each key is kept; the key is shown once.
CREATE TABLE subsonic_keys (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_used_at TEXT,
    -- Which app used it last (the `c` parameter).
    last_client  TEXT
);
CREATE INDEX subsonic_keys_by_user ON subsonic_keys(user_id);

-- The password Subsonic's token authentication needs (md5(password + salt)
-- can only be checked against the password itself): a separate one per
-- listener, never the login password, sealed with the server's key like
-- the Spotify token.
ALTER TABLE users ADD COLUMN subsonic_password BLOB;

-- A listener's play queue as a Subsonic app saved it (savePlayQueue), so
-- another app or device can go on from it.
CREATE TABLE play_queues (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id),
    -- A JSON array of track ids, in order.
    track_ids   TEXT NOT NULL CHECK (json_valid(track_ids)),
    current     INTEGER REFERENCES tracks(id),
    position_ms INTEGER NOT NULL DEFAULT 0 CHECK (position_ms >= 0),
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL
);
