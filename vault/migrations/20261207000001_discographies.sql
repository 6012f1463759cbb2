-- Whole discographies (`Vault::record_release`, `Vault::discography`).
--
-- `discographies` is the listener's: the artists whose discography they
-- saved, which release groups they chose, whether new tracks are queued for
-- download, and whether the artist is watched for new releases.
-- `artist_releases` is the catalogue's: every release of an artist Hoard has
-- read from Spotify, once, keyed by Spotify's album ID whether or not any of
-- its tracks were kept (a standard edition whose tracks are all on the
-- deluxe one is recorded, so a watch does not count it as new again).
CREATE TABLE discographies (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    artist_id   INTEGER NOT NULL REFERENCES artists(id),
    -- The album groups chosen, comma-separated: album, single, compilation, appears_on.
    groups      TEXT NOT NULL,
    queue       INTEGER NOT NULL DEFAULT 0,
    watch       INTEGER NOT NULL DEFAULT 0,
    saved_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    -- The last time Spotify was read for this artist, and what went wrong then.
    checked_at  TEXT,
    check_error TEXT,
    -- Releases a watch found after this are shown as new.
    seen_at     TEXT,
    PRIMARY KEY (user_id, artist_id)
);
CREATE INDEX discographies_watched ON discographies(watch, checked_at);

CREATE TABLE artist_releases (
    artist_id         INTEGER NOT NULL REFERENCES artists(id),
    spotify_album_id  TEXT NOT NULL,
    -- The vault album, once at least one of its tracks is kept.
    album_id          INTEGER REFERENCES albums(id),
    name              TEXT NOT NULL,
    album_group       TEXT NOT NULL
                      CHECK (album_group IN ('album', 'single', 'compilation', 'appears_on')),
    album_type        TEXT NOT NULL,
    release_date      TEXT,
    total_tracks      INTEGER NOT NULL DEFAULT 0,
    -- Tracks kept from this release, and tracks left out as the same
    -- recording as one already in the vault (named in `duplicate_of`, the
    -- first release that has them).
    tracks_saved      INTEGER NOT NULL DEFAULT 0,
    duplicates        INTEGER NOT NULL DEFAULT 0,
    duplicate_of      TEXT,
    -- 'save' when the first read of the artist found it, 'watch' when a
    -- later one did (a watch's check, or the listener's update).
    found_by          TEXT NOT NULL CHECK (found_by IN ('save', 'watch')),
    found_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (artist_id, spotify_album_id)
);
