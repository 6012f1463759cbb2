-- Listeners. Everything a listener does (plays, and later ratings, tags and
-- rules) carries a user id, even while there is one user: the owner, id 1.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO users (id, name) VALUES (1, 'owner');

-- Every listen, kept once, from wherever it was heard:
--   spotify-poll    Hoard saw it in currently-playing;
--   spotify-recent  Spotify's recently-played (the backfill);
--   spotify-history an Extended Streaming History file;
--   hoard           Hoard's own player (online, or sent later from a device).
-- Times are milliseconds since the epoch, UTC. A play that did not reach the
-- scrobbling rule (half the track or 4 minutes) is kept too, as a skip
-- (`counted = 0`), so skip counts mean something.
CREATE TABLE listens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    track_id     INTEGER NOT NULL REFERENCES tracks(id),
    started_ms   INTEGER NOT NULL,
    ended_ms     INTEGER NOT NULL CHECK (ended_ms >= started_ms),
    -- NULL when the source does not say (recently-played gives one moment).
    ms_played    INTEGER CHECK (ms_played >= 0),
    counted      INTEGER NOT NULL DEFAULT 1 CHECK (counted IN (0, 1)),
    source       TEXT NOT NULL CHECK (source IN ('spotify-poll', 'spotify-recent', 'spotify-history', 'hoard')),
    device       TEXT,
    platform     TEXT,
    context_uri  TEXT,
    shuffle      INTEGER,
    skipped      INTEGER,
    reason_start TEXT,
    reason_end   TEXT,
    conn_country TEXT,
    offline      INTEGER,
    incognito    INTEGER,
    -- Hoard's player names each play on the device, so a play sent twice
    -- (the answer lost on the way back) is still one play.
    client_play_id TEXT,
    UNIQUE (user_id, client_play_id)
);
CREATE INDEX listens_by_user_time ON listens(user_id, ended_ms);
CREATE INDEX listens_by_track ON listens(track_id, ended_ms);

INSERT INTO listens (user_id, track_id, started_ms, ended_ms, source)
SELECT 1, track_id, ms, ms, CASE source WHEN 'hoard' THEN 'hoard' ELSE 'spotify-recent' END
FROM (SELECT track_id, source,
             CAST(ROUND((julianday(played_at) - 2440587.5) * 86400000) AS INTEGER) AS ms
      FROM plays);
DROP TABLE plays;

-- Extended Streaming History uploads, and how far each import has come, so
-- a killed import resumes where it stopped. Plays are unique per file row,
-- so an upload imported twice adds nothing.
CREATE TABLE history_imports (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    file_name    TEXT NOT NULL,
    -- The upload's SHA-256: the same file uploaded again is the same import.
    sha256       TEXT NOT NULL,
    stored_path  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'importing', 'done', 'failed')),
    -- Rows of the current member done; members before `member` are done.
    member       INTEGER NOT NULL DEFAULT 0,
    members      INTEGER NOT NULL DEFAULT 0,
    rows_done    INTEGER NOT NULL DEFAULT 0,
    rows_total   INTEGER NOT NULL DEFAULT 0,
    plays_added  INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    episodes     INTEGER NOT NULL DEFAULT 0,
    unknown_rows INTEGER NOT NULL DEFAULT 0,
    tracks_created INTEGER NOT NULL DEFAULT 0,
    -- Files whose rows are already in rows_total.
    totals_counted INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    finished_at  TEXT,
    UNIQUE (user_id, sha256)
);

-- Where each import stands: its current file and the rows done in it,
-- written in the same transaction as those rows' plays.
CREATE TABLE history_imports_position (
    id             INTEGER PRIMARY KEY REFERENCES history_imports(id),
    member         INTEGER NOT NULL,
    rows_in_member INTEGER NOT NULL
);

-- Tracks the vault knows only by name (from a history file): Spotify's own
-- data is fetched for them later, a few at a time (1: wanted; 2: Spotify
-- does not know the track any more, stop asking).
ALTER TABLE tracks ADD COLUMN needs_details INTEGER NOT NULL DEFAULT 0;

-- Artists and albums known only by name are found by name.
CREATE INDEX artists_by_name ON artists(name);
CREATE INDEX albums_by_name ON albums(name);
