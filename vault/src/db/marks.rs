//! What a listener says about the music: 1–5 ratings and loved marks on
//! tracks, albums and artists, and personal tags on tracks. Every row names
//! its listener; all of it is keyed by vault ids, which syncs never change.

use super::{now_text, DbError, DbResult, Vault};
use crate::model::{clean_tag, Id, MarkTarget, Marks, Tag};

/// The table and key column of a target's marks.
fn mark_table(target: MarkTarget) -> (&'static str, &'static str, Id) {
    match target {
        MarkTarget::Track(id) => ("track_marks", "track_id", id),
        MarkTarget::Album(id) => ("album_marks", "album_id", id),
        MarkTarget::Artist(id) => ("artist_marks", "artist_id", id),
    }
}

/// The table a target itself lives in, to refuse marks on nothing.
fn target_table(target: MarkTarget) -> &'static str {
    match target {
        MarkTarget::Track(_) => "tracks",
        MarkTarget::Album(_) => "albums",
        MarkTarget::Artist(_) => "artists",
    }
}

impl Vault {
    /// The listener's marks on `target` (none yet: not rated, not loved).
    pub async fn marks(&self, user: Id, target: MarkTarget) -> DbResult<Marks> {
        let (table, key, id) = mark_table(target);
        let row: Option<(Option<i64>, bool)> = sqlx::query_as(&format!(
            "SELECT rating, loved FROM {table} WHERE user_id = ? AND {key} = ?"
        ))
        .bind(user)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .map(|(rating, loved)| Marks { rating, loved })
            .unwrap_or_default())
    }

    /// Sets the listener's rating (1–5, or `None` to clear it) and loved
    /// mark on `target`, keeping when each was first given. Refuses a rating
    /// outside 1–5 and a target the vault does not have.
    pub async fn set_marks(&self, user: Id, target: MarkTarget, marks: Marks) -> DbResult<Marks> {
        if let Some(rating) = marks.rating {
            if !(1..=5).contains(&rating) {
                return Err(DbError::Invalid(format!(
                    "A rating is 1 to 5 stars, not {rating}."
                )));
            }
        }
        let (table, key, id) = mark_table(target);
        let exists: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT 1 FROM {} WHERE id = ?",
            target_table(target)
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        if exists.is_none() {
            return Err(DbError::NotFound);
        }
        let now = now_text();
        sqlx::query(&format!(
            "INSERT INTO {table} (user_id, {key}, rating, rated_at, loved, loved_at)
             VALUES (?1, ?2, ?3, CASE WHEN ?3 IS NULL THEN NULL ELSE ?5 END, ?4,
                     CASE WHEN ?4 THEN ?5 END)
             ON CONFLICT (user_id, {key}) DO UPDATE SET
                 rated_at = CASE WHEN excluded.rating IS NULL THEN NULL
                     WHEN excluded.rating IS {table}.rating THEN {table}.rated_at
                     ELSE excluded.rated_at END,
                 rating = excluded.rating,
                 loved_at = CASE WHEN NOT excluded.loved THEN NULL
                     WHEN {table}.loved THEN {table}.loved_at ELSE excluded.loved_at END,
                 loved = excluded.loved"
        ))
        .bind(user)
        .bind(id)
        .bind(marks.rating)
        .bind(marks.loved)
        .bind(&now)
        .execute(self.pool())
        .await?;
        Ok(marks)
    }

    /// The listener's tags, by name, with how many tracks carry each.
    pub async fn tags(&self, user: Id) -> DbResult<Vec<Tag>> {
        let rows: Vec<(Id, String, i64)> = sqlx::query_as(
            "SELECT g.id, g.name, COUNT(tt.track_id) FROM tags g
             LEFT JOIN track_tags tt ON tt.tag_id = g.id
             WHERE g.user_id = ? GROUP BY g.id ORDER BY g.name COLLATE NOCASE",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, tracks)| Tag { id, name, tracks })
            .collect())
    }

    /// The listener's tags on one track, by name.
    pub async fn track_tags(&self, user: Id, track: Id) -> DbResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT g.name FROM track_tags tt JOIN tags g ON g.id = tt.tag_id
             WHERE tt.track_id = ? AND g.user_id = ? ORDER BY g.name COLLATE NOCASE",
        )
        .bind(track)
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Puts the tag `name` on `tracks`, making the tag if the listener has
    /// none of that name (ASCII case folded: "Chill" is "chill"). Returns the
    /// tag as kept. Tracks that carry it already are left as they are.
    pub async fn tag_tracks(&self, user: Id, name: &str, tracks: &[Id]) -> DbResult<Tag> {
        let name = clean_tag(name).map_err(DbError::Invalid)?;
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO tags (user_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(user)
            .bind(&name)
            .execute(&mut *tx)
            .await?;
        let (id, kept): (Id, String) = sqlx::query_as(
            "SELECT id, name FROM tags WHERE user_id = ? AND name = ? COLLATE NOCASE",
        )
        .bind(user)
        .bind(&name)
        .fetch_one(&mut *tx)
        .await?;
        let ids = serde_json::to_string(tracks).map_err(|e| DbError::Other(e.to_string()))?;
        let added = sqlx::query(
            "INSERT INTO track_tags (tag_id, track_id)
             SELECT ?, t.id FROM tracks t WHERE t.id IN (SELECT value FROM json_each(?))
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 0 && !tracks.is_empty() {
            let known: (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM tracks WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(&ids)
            .fetch_one(&mut *tx)
            .await?;
            if known.0 == 0 {
                return Err(DbError::NotFound);
            }
        }
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM track_tags WHERE tag_id = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Tag {
            id,
            name: kept,
            tracks: count,
        })
    }

    /// Takes the tag `name` off `track`. The tag itself stays (it may be on
    /// other tracks; an unused tag is deleted with [`Vault::delete_tag`]).
    pub async fn untag_track(&self, user: Id, name: &str, track: Id) -> DbResult<()> {
        sqlx::query(
            "DELETE FROM track_tags WHERE track_id = ? AND tag_id IN
                (SELECT id FROM tags WHERE user_id = ? AND name = ? COLLATE NOCASE)",
        )
        .bind(track)
        .bind(user)
        .bind(name.trim())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Renames one of the listener's tags. A name another tag already has is
    /// refused (merging is [`Vault::merge_tags`]); a change of case alone is a rename.
    pub async fn rename_tag(&self, user: Id, tag: Id, name: &str) -> DbResult<Tag> {
        let name = clean_tag(name).map_err(DbError::Invalid)?;
        let taken: Option<(Id,)> = sqlx::query_as(
            "SELECT id FROM tags WHERE user_id = ? AND name = ? COLLATE NOCASE AND id <> ?",
        )
        .bind(user)
        .bind(&name)
        .bind(tag)
        .fetch_optional(self.pool())
        .await?;
        if taken.is_some() {
            return Err(DbError::Invalid(format!(
                "There is a tag “{name}” already: merge the two instead."
            )));
        }
        let done = sqlx::query("UPDATE tags SET name = ? WHERE id = ? AND user_id = ?")
            .bind(&name)
            .bind(tag)
            .bind(user)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        self.tag(user, tag).await
    }

    /// Merges the listener's tags `from` into `into`: every track that carried
    /// `from` carries `into`, and `from` is gone.
    pub async fn merge_tags(&self, user: Id, from: Id, into: Id) -> DbResult<Tag> {
        if from == into {
            return Err(DbError::Invalid(
                "A tag cannot be merged into itself.".into(),
            ));
        }
        let mut tx = self.begin().await?;
        let (owned,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM tags WHERE user_id = ? AND id IN (?, ?)")
                .bind(user)
                .bind(from)
                .bind(into)
                .fetch_one(&mut *tx)
                .await?;
        if owned != 2 {
            return Err(DbError::NotFound);
        }
        sqlx::query(
            "INSERT INTO track_tags (tag_id, track_id, added_at)
             SELECT ?, track_id, added_at FROM track_tags WHERE tag_id = ? ON CONFLICT DO NOTHING",
        )
        .bind(into)
        .bind(from)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM track_tags WHERE tag_id = ?")
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tags WHERE id = ?")
            .bind(from)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.tag(user, into).await
    }

    /// Deletes one of the listener's tags, from every track.
    pub async fn delete_tag(&self, user: Id, tag: Id) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM track_tags WHERE tag_id IN (SELECT id FROM tags WHERE id = ? AND user_id = ?)",
        )
        .bind(tag)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM tags WHERE id = ? AND user_id = ?")
            .bind(tag)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    async fn tag(&self, user: Id, tag: Id) -> DbResult<Tag> {
        let (id, name, tracks): (Id, String, i64) = sqlx::query_as(
            "SELECT g.id, g.name, (SELECT COUNT(*) FROM track_tags WHERE tag_id = g.id)
             FROM tags g WHERE g.id = ? AND g.user_id = ?",
        )
        .bind(tag)
        .bind(user)
        .fetch_one(self.pool())
        .await?;
        Ok(Tag { id, name, tracks })
    }
}
