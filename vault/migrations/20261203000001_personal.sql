-- What a listener says about the music: ratings, loved marks, personal tags
-- and smart playlists, each row carrying the listener's user id. Keyed by the
-- vault's own ids, which a sync never changes, so a full re-sync keeps them.

-- A 1–5 rating (NULL: not rated) and a loved mark, per listener and track.
CREATE TABLE track_marks (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    track_id INTEGER NOT NULL REFERENCES tracks(id),
    rating   INTEGER CHECK (rating BETWEEN 1 AND 5),
    rated_at TEXT,
    loved    INTEGER NOT NULL DEFAULT 0 CHECK (loved IN (0, 1)),
    loved_at TEXT,
    PRIMARY KEY (user_id, track_id)
) WITHOUT ROWID;
CREATE INDEX track_marks_loved ON track_marks(user_id, loved_at) WHERE loved = 1;

CREATE TABLE album_marks (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    album_id INTEGER NOT NULL REFERENCES albums(id),
    rating   INTEGER CHECK (rating BETWEEN 1 AND 5),
    rated_at TEXT,
    loved    INTEGER NOT NULL DEFAULT 0 CHECK (loved IN (0, 1)),
    loved_at TEXT,
    PRIMARY KEY (user_id, album_id)
) WITHOUT ROWID;

CREATE TABLE artist_marks (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    artist_id INTEGER NOT NULL REFERENCES artists(id),
    rating    INTEGER CHECK (rating BETWEEN 1 AND 5),
    rated_at  TEXT,
    loved     INTEGER NOT NULL DEFAULT 0 CHECK (loved IN (0, 1)),
    loved_at  TEXT,
    PRIMARY KEY (user_id, artist_id)
) WITHOUT ROWID;

-- Personal tags: free text, one name per listener (case folded for ASCII,
-- as SQLite's NOCASE does), many per track.
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX tags_by_name ON tags(user_id, name COLLATE NOCASE);

CREATE TABLE track_tags (
    tag_id   INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL REFERENCES tracks(id),
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (tag_id, track_id)
) WITHOUT ROWID;
CREATE INDEX track_tags_by_track ON track_tags(track_id);

-- Smart playlists: a rule (vault::smart::SmartRules as JSON) evaluated when
-- the list is read. `builtin` names the ones every listener starts with;
-- those can be edited but not deleted.
CREATE TABLE smart_playlists (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    comment    TEXT,
    rules      TEXT NOT NULL CHECK (json_valid(rules)),
    builtin    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX smart_playlists_builtin ON smart_playlists(user_id, builtin)
    WHERE builtin IS NOT NULL;

-- Metadata edits: the listener's corrections, kept beside Spotify's values
-- (which a sync keeps writing to `tracks` and `albums`), one row per edited
-- track or album. A NULL column is "as Spotify has it". The audio files are
-- shared, so edits are the vault's, not one listener's; `edited_by` says
-- whose they were. Album-wide fields (name, album artist, date, genre,
-- cover) live on the album, so its tracks agree; a track may set its own genre.
CREATE TABLE track_edits (
    track_id     INTEGER PRIMARY KEY REFERENCES tracks(id),
    title        TEXT CHECK (title IS NULL OR length(trim(title)) > 0),
    -- A JSON array of names, in credit order.
    artists      TEXT CHECK (artists IS NULL OR json_valid(artists)),
    track_number INTEGER CHECK (track_number > 0),
    disc_number  INTEGER CHECK (disc_number > 0),
    genre        TEXT,
    edited_by    INTEGER NOT NULL REFERENCES users(id),
    edited_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE album_edits (
    album_id     INTEGER PRIMARY KEY REFERENCES albums(id),
    name         TEXT CHECK (name IS NULL OR length(trim(name)) > 0),
    album_artist TEXT,
    -- YYYY, YYYY-MM or YYYY-MM-DD.
    date         TEXT,
    genre        TEXT,
    -- Set when the listener chose a cover: `covers/edit-{album_id}.jpg|png`
    -- in the data folder, of this type.
    cover_mime   TEXT CHECK (cover_mime IN ('image/jpeg', 'image/png')),
    edited_by    INTEGER NOT NULL REFERENCES users(id),
    edited_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- The listener's time zone (an IANA name, "Europe/Berlin"), for stats by
-- hour, weekday and calendar period; NULL is UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT;

-- The now-playing widget: a public image at /widget/{token}.svg. Only the
-- token's SHA-256 is kept, so the database does not hold a working link; a
-- new link revokes the old one.
CREATE TABLE widget_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    revoked_at   TEXT
);
CREATE UNIQUE INDEX widget_tokens_live ON widget_tokens(user_id) WHERE revoked_at IS NULL;

-- Spotify's own top tracks and artists, as /me/top gives them for each time
-- range, mirrored with every sync (the latest answer replaces the last).
CREATE TABLE spotify_top (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('tracks', 'artists')),
    time_range TEXT NOT NULL CHECK (time_range IN ('short_term', 'medium_term', 'long_term')),
    position   INTEGER NOT NULL,
    track_id   INTEGER REFERENCES tracks(id),
    artist_id  INTEGER REFERENCES artists(id),
    synced_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, time_range, position),
    CHECK ((kind = 'tracks') = (track_id IS NOT NULL) AND (kind = 'artists') = (artist_id IS NOT NULL))
) WITHOUT ROWID;
