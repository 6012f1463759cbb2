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
    client_play_id TEXT
);
CREATE UNIQUE INDEX listens_by_client_id ON listens(user_id, client_play_id)
    WHERE client_play_id IS NOT NULL;
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

-- Each listener's counts per track, kept in the transaction that adds a
-- listen (by the trigger below; a history import adds its counts a few
-- thousand rows at a time itself, `Vault::add_track_plays`), so lists sort
-- by them and smart rules read them without counting listens. A play
-- meets the scrobbling rule; a skip does not.
CREATE TABLE track_plays (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    track_id        INTEGER NOT NULL REFERENCES tracks(id),
    plays           INTEGER NOT NULL DEFAULT 0,
    skips           INTEGER NOT NULL DEFAULT 0,
    ms_played       INTEGER NOT NULL DEFAULT 0,
    first_played_ms INTEGER,
    last_played_ms  INTEGER,
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX track_plays_by_plays ON track_plays(user_id, plays);
CREATE INDEX track_plays_by_last ON track_plays(user_id, last_played_ms);

INSERT INTO track_plays (user_id, track_id, plays, skips, ms_played, first_played_ms, last_played_ms)
SELECT user_id, track_id, SUM(counted), SUM(1 - counted), SUM(COALESCE(ms_played, 0)),
       MIN(CASE WHEN counted = 1 THEN ended_ms END), MAX(CASE WHEN counted = 1 THEN ended_ms END)
FROM listens GROUP BY user_id, track_id;

-- Plays and minutes per listener and hour (milliseconds since the epoch
-- divided by 3,600,000): listening by hour and weekday, and minutes, over
-- any period from a few thousand rows instead of every listen.
CREATE TABLE listen_hours (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    hour      INTEGER NOT NULL,
    plays     INTEGER NOT NULL DEFAULT 0,
    ms_played INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, hour)
) WITHOUT ROWID;

INSERT INTO listen_hours (user_id, hour, plays, ms_played)
SELECT user_id, ended_ms / 3600000, COUNT(*), SUM(COALESCE(ms_played, 0))
FROM listens WHERE counted = 1 GROUP BY user_id, ended_ms / 3600000;

-- The same for all time, by hour of the week in UTC (0 = Sunday 00:00):
-- 168 rows a listener. A time zone of whole hours turns the week.
CREATE TABLE listen_week_hours (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    week_hour INTEGER NOT NULL CHECK (week_hour BETWEEN 0 AND 167),
    plays     INTEGER NOT NULL DEFAULT 0,
    ms_played INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, week_hour)
) WITHOUT ROWID;

INSERT INTO listen_week_hours (user_id, week_hour, plays, ms_played)
SELECT user_id, (hour + 96) % 168, SUM(plays), SUM(ms_played)
FROM listen_hours GROUP BY user_id, (hour + 96) % 168;

CREATE TRIGGER listens_count AFTER INSERT ON listens WHEN NEW.source <> 'spotify-history'
BEGIN
    INSERT INTO listen_week_hours (user_id, week_hour, plays, ms_played)
    SELECT NEW.user_id, (NEW.ended_ms / 3600000 + 96) % 168, 1, COALESCE(NEW.ms_played, 0)
    WHERE NEW.counted = 1
    ON CONFLICT (user_id, week_hour) DO UPDATE SET plays = plays + 1,
        ms_played = ms_played + excluded.ms_played;
    INSERT INTO listen_hours (user_id, hour, plays, ms_played)
    SELECT NEW.user_id, NEW.ended_ms / 3600000, 1, COALESCE(NEW.ms_played, 0)
    WHERE NEW.counted = 1
    ON CONFLICT (user_id, hour) DO UPDATE SET plays = plays + 1,
        ms_played = ms_played + excluded.ms_played;
    INSERT INTO track_plays (user_id, track_id, plays, skips, ms_played, first_played_ms, last_played_ms)
    VALUES (NEW.user_id, NEW.track_id, NEW.counted, 1 - NEW.counted, COALESCE(NEW.ms_played, 0),
            CASE WHEN NEW.counted = 1 THEN NEW.ended_ms END,
            CASE WHEN NEW.counted = 1 THEN NEW.ended_ms END)
    ON CONFLICT (user_id, track_id) DO UPDATE SET
        plays = plays + NEW.counted,
        skips = skips + 1 - NEW.counted,
        ms_played = ms_played + COALESCE(NEW.ms_played, 0),
        first_played_ms = CASE WHEN NEW.counted = 1
            THEN MIN(COALESCE(first_played_ms, NEW.ended_ms), NEW.ended_ms) ELSE first_played_ms END,
        last_played_ms = CASE WHEN NEW.counted = 1
            THEN MAX(COALESCE(last_played_ms, NEW.ended_ms), NEW.ended_ms) ELSE last_played_ms END;
END;
