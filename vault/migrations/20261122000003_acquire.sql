-- Acquisition (issue 4): what each download job found and chose, retries
-- with backoff, and the files that failed validation.

-- A URL the user pasted or picked from the candidates; it overrides matching.
ALTER TABLE downloads ADD COLUMN url TEXT;
-- The scored candidates of the last search, as JSON, for the user to pick from.
ALTER TABLE downloads ADD COLUMN candidates TEXT;
-- Why the file is this upload ("score 92% (title, artist, duration)").
ALTER TABLE downloads ADD COLUMN chosen TEXT;
-- A job that failed waits until then before its next attempt.
ALTER TABLE downloads ADD COLUMN not_before TEXT;
-- The file's size in bytes and its format (file extension), once downloaded.
ALTER TABLE downloads ADD COLUMN bytes INTEGER;
ALTER TABLE downloads ADD COLUMN format TEXT;

-- No two tracks ever share a file (paths are relative to the library folder).
CREATE UNIQUE INDEX downloads_by_file ON downloads(file_path) WHERE file_path IS NOT NULL;

-- Files that failed validation, kept (relative to the quarantine folder) for
-- the user to look at and clear.
CREATE TABLE quarantine (
    id        INTEGER PRIMARY KEY,
    track_id  INTEGER REFERENCES tracks(id),
    path      TEXT NOT NULL UNIQUE,
    reason    TEXT NOT NULL,
    source    TEXT,
    at        TEXT NOT NULL
);
