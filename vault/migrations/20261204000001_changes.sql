-- The library's change feed, for the copy of the library each browser keeps
-- (`Vault::library_changes`). One row per thing that changed, at the
-- sequence number of its last change: a change deletes the thing's row and
-- inserts it again, so AUTOINCREMENT gives it a number above every other and
-- the table never holds more rows than the library has things. A browser
-- that has read up to number N asks for the rows above N; a first copy asks
-- from 0 and gets everything, because every existing thing is entered below.
--
-- kind: 'track' (anything a track row shows: its names, credits, album name
-- and cover, download state, plays, marks, tags), 'album', 'artist', 'liked'
-- (id is the track's), 'playlist' (its details and entries) or 'smart'.
-- Updates that change nothing a row shows (a sync writing the same values)
-- are filtered by the WHEN clauses, so a re-sync sends nothing.
CREATE TABLE library_changes (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('track', 'album', 'artist', 'liked', 'playlist', 'smart')),
    id   INTEGER NOT NULL
);
CREATE UNIQUE INDEX library_changes_by_thing ON library_changes(kind, id);

INSERT INTO library_changes (kind, id) SELECT 'artist', id FROM artists ORDER BY id;
INSERT INTO library_changes (kind, id) SELECT 'album', id FROM albums ORDER BY id;
INSERT INTO library_changes (kind, id) SELECT 'track', id FROM tracks ORDER BY id;
INSERT INTO library_changes (kind, id) SELECT DISTINCT 'liked', track_id FROM liked_tracks ORDER BY track_id;
INSERT INTO library_changes (kind, id) SELECT 'playlist', id FROM playlists ORDER BY id;
INSERT INTO library_changes (kind, id) SELECT 'smart', id FROM smart_playlists ORDER BY id;

CREATE TRIGGER changes_track_insert AFTER INSERT ON tracks
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.id);
END;

CREATE TRIGGER changes_track_update AFTER UPDATE ON tracks WHEN OLD.spotify_id IS NOT NEW.spotify_id OR OLD.title IS NOT NEW.title OR OLD.album_id IS NOT NEW.album_id OR OLD.disc_number IS NOT NEW.disc_number OR OLD.track_number IS NOT NEW.track_number OR OLD.duration_ms IS NOT NEW.duration_ms OR OLD.explicit IS NOT NEW.explicit OR OLD.isrc IS NOT NEW.isrc OR OLD.gone_from_spotify_at IS NOT NEW.gone_from_spotify_at
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.id);
END;

CREATE TRIGGER changes_track_artists_insert AFTER INSERT ON track_artists
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_artists_delete AFTER DELETE ON track_artists
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = OLD.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', OLD.track_id);
END;

CREATE TRIGGER changes_track_edits_insert AFTER INSERT ON track_edits
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_edits_update AFTER UPDATE ON track_edits
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_edits_delete AFTER DELETE ON track_edits
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = OLD.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', OLD.track_id);
END;

CREATE TRIGGER changes_downloads_insert AFTER INSERT ON downloads
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_downloads_update AFTER UPDATE ON downloads WHEN OLD.state IS NOT NEW.state
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_downloads_delete AFTER DELETE ON downloads
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = OLD.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', OLD.track_id);
END;

CREATE TRIGGER changes_track_plays_insert AFTER INSERT ON track_plays
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_plays_update AFTER UPDATE ON track_plays
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_marks_insert AFTER INSERT ON track_marks
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_marks_update AFTER UPDATE ON track_marks WHEN OLD.rating IS NOT NEW.rating OR OLD.loved IS NOT NEW.loved
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_marks_delete AFTER DELETE ON track_marks
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = OLD.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', OLD.track_id);
END;

CREATE TRIGGER changes_track_tags_insert AFTER INSERT ON track_tags
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', NEW.track_id);
END;

CREATE TRIGGER changes_track_tags_delete AFTER DELETE ON track_tags
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id = OLD.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('track', OLD.track_id);
END;

CREATE TRIGGER changes_tag_rename AFTER UPDATE ON tags WHEN OLD.name IS NOT NEW.name
BEGIN
    DELETE FROM library_changes WHERE kind = 'track' AND id IN (SELECT track_id FROM track_tags WHERE tag_id = NEW.id);
    INSERT INTO library_changes (kind, id) SELECT 'track', track_id FROM track_tags WHERE tag_id = NEW.id;
END;

CREATE TRIGGER changes_album_insert AFTER INSERT ON albums
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.id);
END;

CREATE TRIGGER changes_album_update AFTER UPDATE ON albums WHEN OLD.spotify_id IS NOT NEW.spotify_id OR OLD.name IS NOT NEW.name OR OLD.album_type IS NOT NEW.album_type OR OLD.release_date IS NOT NEW.release_date OR OLD.total_tracks IS NOT NEW.total_tracks OR OLD.image_url IS NOT NEW.image_url
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.id);
    DELETE FROM library_changes WHERE kind = 'track' AND id IN (SELECT id FROM tracks WHERE album_id = NEW.id);
    INSERT INTO library_changes (kind, id) SELECT 'track', id FROM tracks WHERE album_id = NEW.id;
END;

CREATE TRIGGER changes_album_edits_insert AFTER INSERT ON album_edits
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.album_id);
    DELETE FROM library_changes WHERE kind = 'track' AND id IN (SELECT id FROM tracks WHERE album_id = NEW.album_id);
    INSERT INTO library_changes (kind, id) SELECT 'track', id FROM tracks WHERE album_id = NEW.album_id;
END;

CREATE TRIGGER changes_album_edits_update AFTER UPDATE ON album_edits
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.album_id);
    DELETE FROM library_changes WHERE kind = 'track' AND id IN (SELECT id FROM tracks WHERE album_id = NEW.album_id);
    INSERT INTO library_changes (kind, id) SELECT 'track', id FROM tracks WHERE album_id = NEW.album_id;
END;

CREATE TRIGGER changes_album_edits_delete AFTER DELETE ON album_edits
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = OLD.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', OLD.album_id);
    DELETE FROM library_changes WHERE kind = 'track' AND id IN (SELECT id FROM tracks WHERE album_id = OLD.album_id);
    INSERT INTO library_changes (kind, id) SELECT 'track', id FROM tracks WHERE album_id = OLD.album_id;
END;

CREATE TRIGGER changes_album_artists_insert AFTER INSERT ON album_artists
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.album_id);
END;

CREATE TRIGGER changes_album_artists_delete AFTER DELETE ON album_artists
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = OLD.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', OLD.album_id);
END;

CREATE TRIGGER changes_saved_albums_insert AFTER INSERT ON saved_albums
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.album_id);
END;

CREATE TRIGGER changes_saved_albums_update AFTER UPDATE ON saved_albums WHEN OLD.removed_at IS NOT NEW.removed_at
BEGIN
    DELETE FROM library_changes WHERE kind = 'album' AND id = NEW.album_id;
    INSERT INTO library_changes (kind, id) VALUES ('album', NEW.album_id);
END;

CREATE TRIGGER changes_artist_insert AFTER INSERT ON artists
BEGIN
    DELETE FROM library_changes WHERE kind = 'artist' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('artist', NEW.id);
END;

CREATE TRIGGER changes_artist_update AFTER UPDATE ON artists WHEN OLD.name IS NOT NEW.name OR OLD.image_url IS NOT NEW.image_url
BEGIN
    DELETE FROM library_changes WHERE kind = 'artist' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('artist', NEW.id);
    DELETE FROM library_changes WHERE kind = 'track' AND id IN (SELECT track_id FROM track_artists WHERE artist_id = NEW.id);
    INSERT INTO library_changes (kind, id) SELECT 'track', track_id FROM track_artists WHERE artist_id = NEW.id;
    DELETE FROM library_changes WHERE kind = 'album' AND id IN (SELECT album_id FROM album_artists WHERE artist_id = NEW.id);
    INSERT INTO library_changes (kind, id) SELECT 'album', album_id FROM album_artists WHERE artist_id = NEW.id;
END;

CREATE TRIGGER changes_followed_artists_insert AFTER INSERT ON followed_artists
BEGIN
    DELETE FROM library_changes WHERE kind = 'artist' AND id = NEW.artist_id;
    INSERT INTO library_changes (kind, id) VALUES ('artist', NEW.artist_id);
END;

CREATE TRIGGER changes_followed_artists_update AFTER UPDATE ON followed_artists WHEN OLD.removed_at IS NOT NEW.removed_at
BEGIN
    DELETE FROM library_changes WHERE kind = 'artist' AND id = NEW.artist_id;
    INSERT INTO library_changes (kind, id) VALUES ('artist', NEW.artist_id);
END;

CREATE TRIGGER changes_liked_insert AFTER INSERT ON liked_tracks
BEGIN
    DELETE FROM library_changes WHERE kind = 'liked' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('liked', NEW.track_id);
END;

CREATE TRIGGER changes_liked_update AFTER UPDATE ON liked_tracks WHEN OLD.removed_at IS NOT NEW.removed_at OR OLD.added_at IS NOT NEW.added_at
BEGIN
    DELETE FROM library_changes WHERE kind = 'liked' AND id = NEW.track_id;
    INSERT INTO library_changes (kind, id) VALUES ('liked', NEW.track_id);
END;

CREATE TRIGGER changes_playlist_insert AFTER INSERT ON playlists
BEGIN
    DELETE FROM library_changes WHERE kind = 'playlist' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('playlist', NEW.id);
END;

CREATE TRIGGER changes_playlist_update AFTER UPDATE ON playlists WHEN OLD.name IS NOT NEW.name OR OLD.description IS NOT NEW.description OR OLD.owner_name IS NOT NEW.owner_name OR OLD.image_url IS NOT NEW.image_url OR OLD.public IS NOT NEW.public OR OLD.collaborative IS NOT NEW.collaborative OR OLD.readable IS NOT NEW.readable OR OLD.removed_at IS NOT NEW.removed_at
BEGIN
    DELETE FROM library_changes WHERE kind = 'playlist' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('playlist', NEW.id);
END;

CREATE TRIGGER changes_playlist_items_insert AFTER INSERT ON playlist_items
BEGIN
    DELETE FROM library_changes WHERE kind = 'playlist' AND id = NEW.playlist_id;
    INSERT INTO library_changes (kind, id) VALUES ('playlist', NEW.playlist_id);
END;

CREATE TRIGGER changes_playlist_items_update AFTER UPDATE ON playlist_items WHEN OLD.position IS NOT NEW.position OR OLD.removed_at IS NOT NEW.removed_at OR OLD.track_id IS NOT NEW.track_id
BEGIN
    DELETE FROM library_changes WHERE kind = 'playlist' AND id = NEW.playlist_id;
    INSERT INTO library_changes (kind, id) VALUES ('playlist', NEW.playlist_id);
END;

CREATE TRIGGER changes_playlist_items_delete AFTER DELETE ON playlist_items
BEGIN
    DELETE FROM library_changes WHERE kind = 'playlist' AND id = OLD.playlist_id;
    INSERT INTO library_changes (kind, id) VALUES ('playlist', OLD.playlist_id);
END;

CREATE TRIGGER changes_smart_insert AFTER INSERT ON smart_playlists
BEGIN
    DELETE FROM library_changes WHERE kind = 'smart' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('smart', NEW.id);
END;

CREATE TRIGGER changes_smart_update AFTER UPDATE ON smart_playlists
BEGIN
    DELETE FROM library_changes WHERE kind = 'smart' AND id = NEW.id;
    INSERT INTO library_changes (kind, id) VALUES ('smart', NEW.id);
END;

CREATE TRIGGER changes_smart_delete AFTER DELETE ON smart_playlists
BEGIN
    DELETE FROM library_changes WHERE kind = 'smart' AND id = OLD.id;
    INSERT INTO library_changes (kind, id) VALUES ('smart', OLD.id);
END;
