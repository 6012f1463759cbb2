-- Playlists of Hoard's own (an imported list), beside Spotify's: no Spotify
-- ID (so a sync never touches them), the listener they belong to, and where
-- they came from (a file name, "pasted", a link).
ALTER TABLE playlists ADD COLUMN user_id INTEGER REFERENCES users(id);
ALTER TABLE playlists ADD COLUMN source TEXT;
