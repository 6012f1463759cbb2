-- Spotify ends a user's authorization six months after it was given
-- (refresh tokens answer `invalid_grant` from then on). When that happens
-- the dead token is discarded and this records when, so the UI can ask for
-- a new sign-in; the account, the library and the schedule stay.
ALTER TABLE spotify_account ADD COLUMN grant_ended_at TEXT;
