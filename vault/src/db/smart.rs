//! Smart playlists in the database: kept as JSON rules, compiled to one SQL
//! statement each time the list is read (so a play or a rating changes the
//! list at once), and read through [`Vault::track_list`] like any other list.
//!
//! The compiled rule is a subquery of track ids with their position in the
//! rule's own order; `track_list` joins it as the list's rows, so search,
//! filters, column sorts and paging work on a smart playlist unchanged.
//! Every condition is fixed SQL text; what the rule says is bound.

use serde_json::Value;

use super::library::Bind;
use super::{now_text, DbError, DbResult, Vault};
use crate::model::Id;
use crate::smart::{
    builtins, Condition, Field, Kind, Op, Rule, RuleGroup, SmartPlaylist, SmartRules, SortField,
};

const DAY_MS: i64 = 86_400_000;

/// Whether `sql` reads the table `alias` (`alias.` not inside a longer name).
fn uses(sql: &str, alias: &str) -> bool {
    let needle = format!("{alias}.");
    sql.match_indices(&needle).any(|(at, _)| {
        !sql[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A rule as SQL: the statement selecting the rule's `track_id`s in order, and its binds.
pub(crate) struct Compiled {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// How a date field is stored: milliseconds, or ISO 8601 text.
enum DateColumn {
    Ms(&'static str),
    Text(&'static str),
}

/// The first credited artist (numbered 0 by the sync).
const FIRST_ARTIST: &str =
    "(SELECT ar.name FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
     WHERE ta.track_id = t.id AND ta.position = 0)";
const ALBUM_ARTIST: &str = "COALESCE(ae.album_artist, (SELECT ar.name FROM album_artists aa
     JOIN artists ar ON ar.id = aa.artist_id WHERE aa.album_id = t.album_id AND aa.position = 0))";
const ADDED: &str = "COALESCE((SELECT l.added_at FROM liked_tracks l
     WHERE l.track_id = t.id AND l.removed_at IS NULL), t.first_seen_at)";
const YEAR: &str = "CAST(substr(COALESCE(ae.date, al.release_date), 1, 4) AS INTEGER)";

/// A field's value as one SQL expression, for comparing and sorting. Fields
/// with many values (artists, tags) compare through `EXISTS` instead.
fn scalar(field: Field) -> &'static str {
    match field {
        Field::Title => "COALESCE(te.title, t.title)",
        Field::Artist => FIRST_ARTIST,
        Field::Album => "COALESCE(ae.name, al.name)",
        Field::AlbumArtist => ALBUM_ARTIST,
        Field::Genre => "COALESCE(te.genre, ae.genre)",
        Field::Tag => {
            "(SELECT MIN(g.name) FROM track_tags tt JOIN tags g ON g.id = tt.tag_id
             WHERE tt.track_id = t.id AND g.user_id = {USER})"
        }
        Field::Year => YEAR,
        Field::Duration => "(t.duration_ms / 1000.0)",
        Field::Added => ADDED,
        Field::Rating => "COALESCE(tm.rating, 0)",
        Field::Loved => "COALESCE(tm.loved, 0)",
        Field::LovedAt => "tm.loved_at",
        Field::Plays => "COALESCE(tp.plays, 0)",
        Field::Skips => "COALESCE(tp.skips, 0)",
        Field::LastPlayed => "tp.last_played_ms",
        Field::FirstPlayed => "tp.first_played_ms",
        Field::Liked => {
            "EXISTS (SELECT 1 FROM liked_tracks l WHERE l.track_id = t.id AND l.removed_at IS NULL)"
        }
        Field::InVault => "COALESCE(d.state = 'downloaded', 0)",
        Field::OnDevice => "(t.id IN (SELECT value FROM json_each(?)))",
        Field::Gone => "(t.gone_from_spotify_at IS NOT NULL)",
        Field::Playlist => "NULL",
    }
}

fn date_column(field: Field) -> DateColumn {
    match field {
        Field::Added => DateColumn::Text(ADDED),
        Field::LovedAt => DateColumn::Text("tm.loved_at"),
        Field::FirstPlayed => DateColumn::Ms("tp.first_played_ms"),
        _ => DateColumn::Ms("tp.last_played_ms"),
    }
}

/// Milliseconds at the start of a `YYYY-MM-DD` day, UTC.
fn day_start_ms(date: &str) -> Option<i64> {
    let parts: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let month = time::Month::try_from(u8::try_from(*m).ok()?).ok()?;
    let day =
        time::Date::from_calendar_date(i32::try_from(*y).ok()?, month, u8::try_from(*d).ok()?)
            .ok()?;
    Some(day.midnight().assume_utc().unix_timestamp() * 1000)
}

fn ms_text(ms: i64) -> String {
    super::db_time(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64))
}

/// `text` for a `LIKE` pattern, its wildcards escaped.
fn like(text: &str, before: &str, after: &str) -> String {
    let mut out = String::from(before);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str(after);
    out
}

/// Two 31-bit numbers from a seed (SplitMix64's finaliser), so seeds one
/// apart shuffle nothing alike.
fn seed_halves(seed: i64) -> (i64, i64) {
    let mut z = (seed as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z & 0x7FFF_FFFF) as i64, ((z >> 32) & 0x7FFF_FFFF) as i64)
}

struct Compiler<'a> {
    user: Id,
    binds: Vec<Bind>,
    on_device: &'a str,
    now_ms: i64,
}

impl Compiler<'_> {
    fn group(&mut self, group: &RuleGroup) -> DbResult<String> {
        let parts = group
            .rules
            .iter()
            .map(|rule| match rule {
                Rule::Condition(c) => self.condition(c),
                Rule::Group(g) => self.group(g),
            })
            .collect::<DbResult<Vec<_>>>()?;
        let joiner = if group.any { " OR " } else { " AND " };
        Ok(format!("({})", parts.join(joiner)))
    }

    fn condition(&mut self, c: &Condition) -> DbResult<String> {
        c.validate("")
            .map_err(|e| DbError::Invalid(e.to_string()))?;
        let negated = matches!(
            c.op,
            Op::IsNot | Op::NotContains | Op::NotInTheLast | Op::NotInPlaylist
        );
        let positive = match c.field.kind() {
            Kind::Text => self.text(c)?,
            Kind::Number => self.number(c)?,
            Kind::Date => return self.date(c),
            Kind::Bool => {
                let wanted = c.value.as_bool().unwrap_or(true);
                if c.field == Field::OnDevice {
                    self.binds.push(Bind::Text(self.on_device.to_string()));
                }
                let expr = scalar(c.field);
                return Ok(if wanted != (c.op == Op::IsNot) {
                    format!("({expr})")
                } else {
                    format!("(NOT {expr})")
                });
            }
            Kind::Playlist => {
                self.binds.push(Bind::Int(c.value.as_i64().unwrap_or(-1)));
                "t.id IN (SELECT track_id FROM playlist_items WHERE playlist_id = ?
                   AND removed_at IS NULL AND track_id IS NOT NULL)"
                    .to_string()
            }
        };
        Ok(if negated {
            format!("(NOT {positive})")
        } else {
            format!("({positive})")
        })
    }

    /// The positive form of a text condition (`isNot` is `NOT is`, and so on).
    fn text(&mut self, c: &Condition) -> DbResult<String> {
        let value = c.value.as_str().unwrap_or_default().trim();
        let (test, pattern) = match c.op {
            Op::Is | Op::IsNot => ("= ? COLLATE NOCASE", value.to_string()),
            Op::Contains | Op::NotContains => ("LIKE ? ESCAPE '\\'", like(value, "%", "%")),
            Op::StartsWith => ("LIKE ? ESCAPE '\\'", like(value, "", "%")),
            _ => ("LIKE ? ESCAPE '\\'", like(value, "%", "")),
        };
        Ok(match c.field {
            // Every credited artist counts (an edit's list replaces Spotify's).
            // The artists (far fewer than tracks) are searched once, and
            // their tracks found by index; an edit's list replaces Spotify's.
            Field::Artist => {
                self.binds.push(Bind::Text(pattern.clone()));
                self.binds.push(Bind::Text(pattern));
                format!(
                    "CASE WHEN te.artists IS NOT NULL
                        THEN EXISTS (SELECT 1 FROM json_each(te.artists) WHERE value {test})
                        ELSE t.id IN (SELECT ta.track_id FROM artists ar
                             JOIN track_artists ta ON ta.artist_id = ar.id WHERE ar.name {test}) END"
                )
            }
            Field::Tag => {
                self.binds.push(Bind::Text(pattern));
                format!(
                    "t.id IN (SELECT tt.track_id FROM tags g JOIN track_tags tt ON tt.tag_id = g.id
                     WHERE g.user_id = {} AND g.name {test})",
                    self.user
                )
            }
            field => {
                self.binds.push(Bind::Text(pattern));
                format!("COALESCE({}, '') {test}", scalar(field))
            }
        })
    }

    fn number(&mut self, c: &Condition) -> DbResult<String> {
        let expr = scalar(c.field);
        let number = |v: &Value| v.as_f64().unwrap_or_default();
        Ok(match c.op {
            Op::InTheRange => {
                let range = c.value.as_array().cloned().unwrap_or_default();
                let (a, b) = (number(&range[0]), number(&range[1]));
                self.binds.push(Bind::Real(a.min(b)));
                self.binds.push(Bind::Real(a.max(b)));
                format!("COALESCE({expr}, 0) BETWEEN ? AND ?")
            }
            op => {
                self.binds.push(Bind::Real(number(&c.value)));
                let test = match op {
                    Op::Gt => ">",
                    Op::Lt => "<",
                    _ => "=",
                };
                format!("COALESCE({expr}, 0) {test} ?")
            }
        })
    }

    /// A date condition, whole (its negation included: "not in the last
    /// 90 days" keeps what was never played).
    fn date(&mut self, c: &Condition) -> DbResult<String> {
        let bad = || DbError::Invalid(format!("“{}” needs a real date", c.field.label()));
        // The bounds as milliseconds: from (inclusive), to (exclusive).
        let (from, to, negated) = match c.op {
            Op::InTheLast | Op::NotInTheLast => {
                let days = c.value.as_i64().unwrap_or(0);
                (
                    Some(self.now_ms - days * DAY_MS),
                    None,
                    c.op == Op::NotInTheLast,
                )
            }
            Op::Before => (
                None,
                Some(day_start_ms(c.value.as_str().unwrap_or("")).ok_or_else(bad)?),
                false,
            ),
            Op::After => {
                let day = day_start_ms(c.value.as_str().unwrap_or("")).ok_or_else(bad)?;
                (Some(day + DAY_MS), None, false)
            }
            _ => {
                let range = c.value.as_array().cloned().unwrap_or_default();
                let a = day_start_ms(range[0].as_str().unwrap_or("")).ok_or_else(bad)?;
                let b = day_start_ms(range[1].as_str().unwrap_or("")).ok_or_else(bad)?;
                (Some(a.min(b)), Some(a.max(b) + DAY_MS), false)
            }
        };
        let (expr, text) = match date_column(c.field) {
            DateColumn::Ms(e) => (e, false),
            DateColumn::Text(e) => (e, true),
        };
        let mut tests = Vec::new();
        for (bound, test) in [(from, ">="), (to, "<")] {
            if let Some(ms) = bound {
                tests.push(format!("{expr} {test} ?"));
                self.binds.push(if text {
                    Bind::Text(ms_text(ms))
                } else {
                    Bind::Int(ms)
                });
            }
        }
        let positive = format!("({expr} IS NOT NULL AND {})", tests.join(" AND "));
        Ok(if negated {
            format!("(NOT {positive})")
        } else {
            positive
        })
    }

    fn order(&mut self, rules: &SmartRules) -> String {
        let mut keys: Vec<String> = rules
            .sort
            .iter()
            .map(|key| {
                let direction = if key.descending { "DESC" } else { "ASC" };
                match key.field {
                    // A stable shuffle: a hash of the track id and the seed
                    // (an xorshift-multiply mix, in 31-bit steps so SQLite's
                    // 64-bit integers never overflow).
                    SortField::Random => {
                        let (s1, s2) = seed_halves(rules.seed);
                        let x1 = format!("((t.id * 2654435761 + {s1}) % 2147483648)");
                        let x2 = format!("(({x1} | ({x1} >> 15)) - ({x1} & ({x1} >> 15)))");
                        let x3 = format!("(({x2} * 2146121005 + {s2}) % 2147483648)");
                        format!("(({x3} | ({x3} >> 13)) - ({x3} & ({x3} >> 13))) {direction}")
                    }
                    SortField::Field(field) => {
                        if field == Field::OnDevice {
                            self.binds.push(Bind::Text(self.on_device.to_string()));
                        }
                        let collate = if field.kind() == Kind::Text {
                            " COLLATE NOCASE"
                        } else {
                            ""
                        };
                        format!("{}{collate} {direction}", scalar(field))
                    }
                }
            })
            .collect();
        if keys.is_empty() {
            keys.push("COALESCE(te.title, t.title) COLLATE NOCASE ASC".into());
        }
        keys.push("t.id ASC".into());
        keys.join(", ")
    }
}

/// Compiles `rules` for `user`; `on_device` is the asking device's kept tracks.
pub(crate) fn compile(
    rules: &SmartRules,
    user: Id,
    on_device: &[Id],
    now_ms: i64,
) -> DbResult<Compiled> {
    rules
        .validate()
        .map_err(|e| DbError::Invalid(e.to_string()))?;
    let on_device = serde_json::to_string(on_device).map_err(|e| DbError::Other(e.to_string()))?;
    let mut compiler = Compiler {
        user,
        binds: Vec::new(),
        on_device: &on_device,
        now_ms,
    };
    let order = compiler.order(rules);
    let order_binds = std::mem::take(&mut compiler.binds);
    let condition = compiler.group(&rules.rules)?;
    let condition_binds = std::mem::take(&mut compiler.binds);
    let limit = rules.limit.unwrap_or(-1);
    // Only the tables the rule reads are joined: each join is a lookup per track.
    let text = format!("{order} {condition}");
    let joins: String = [
        ("al", "LEFT JOIN albums al ON al.id = t.album_id"),
        ("d", "LEFT JOIN downloads d ON d.track_id = t.id"),
        (
            "tp",
            "LEFT JOIN track_plays tp ON tp.track_id = t.id AND tp.user_id = {user}",
        ),
        (
            "tm",
            "LEFT JOIN track_marks tm ON tm.track_id = t.id AND tm.user_id = {user}",
        ),
        ("te", "LEFT JOIN track_edits te ON te.track_id = t.id"),
        ("ae", "LEFT JOIN album_edits ae ON ae.album_id = t.album_id"),
    ]
    .iter()
    .filter(|(alias, _)| uses(&text, alias))
    .map(|(_, join)| format!(" {}", join.replace("{user}", &user.to_string())))
    .collect();
    let sql = format!(
        "SELECT t.id AS track_id FROM tracks t{joins}
         WHERE {condition} ORDER BY {order} LIMIT {limit}"
    )
    .replace("{USER}", &user.to_string());
    let mut binds = condition_binds;
    binds.extend(order_binds);
    Ok(Compiled { sql, binds })
}

#[derive(sqlx::FromRow)]
struct SmartRow {
    id: Id,
    name: String,
    comment: Option<String>,
    rules: String,
    builtin: Option<String>,
    updated_at: String,
}

impl SmartRow {
    fn into_playlist(self) -> DbResult<SmartPlaylist> {
        let rules = serde_json::from_str(&self.rules).map_err(|e| {
            DbError::Other(format!(
                "smart playlist {} has unreadable rules: {e}",
                self.id
            ))
        })?;
        Ok(SmartPlaylist {
            id: self.id,
            name: self.name,
            comment: self.comment,
            rules,
            builtin: self.builtin,
            updated_at: self.updated_at,
        })
    }
}

fn check_name(name: &str) -> DbResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DbError::Invalid("A smart playlist needs a name.".into()));
    }
    if name.chars().count() > 200 {
        return Err(DbError::Invalid("A name is at most 200 characters.".into()));
    }
    Ok(name.to_string())
}

impl Vault {
    /// Makes the built-in smart playlists the listener does not have yet
    /// (run at every start, so a new built-in reaches old vaults).
    pub async fn ensure_builtin_smart_playlists(&self, user: Id) -> DbResult<()> {
        for (key, name, comment, rules) in builtins() {
            let rules = serde_json::to_string(&rules).map_err(|e| DbError::Other(e.to_string()))?;
            sqlx::query(
                "INSERT INTO smart_playlists (user_id, name, comment, rules, builtin)
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(user)
            .bind(name)
            .bind(comment)
            .bind(rules)
            .bind(key)
            .execute(self.pool())
            .await?;
        }
        Ok(())
    }

    /// The listener's smart playlists: built-ins first, in their order, then by name.
    pub async fn smart_playlists(&self, user: Id) -> DbResult<Vec<SmartPlaylist>> {
        let rows: Vec<SmartRow> = sqlx::query_as(
            "SELECT id, name, comment, rules, builtin, updated_at FROM smart_playlists
             WHERE user_id = ? ORDER BY builtin IS NULL, CASE WHEN builtin IS NOT NULL THEN id END,
             name COLLATE NOCASE, id",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(SmartRow::into_playlist).collect()
    }

    /// One of the listener's smart playlists.
    pub async fn smart_playlist(&self, user: Id, id: Id) -> DbResult<SmartPlaylist> {
        let row: SmartRow = sqlx::query_as(
            "SELECT id, name, comment, rules, builtin, updated_at FROM smart_playlists
             WHERE id = ? AND user_id = ?",
        )
        .bind(id)
        .bind(user)
        .fetch_one(self.pool())
        .await?;
        row.into_playlist()
    }

    /// Saves a smart playlist: a new one when `id` is `None`. Rules that do
    /// not validate are refused with the place and the reason.
    pub async fn save_smart_playlist(
        &self,
        user: Id,
        id: Option<Id>,
        name: &str,
        comment: Option<&str>,
        rules: &SmartRules,
    ) -> DbResult<SmartPlaylist> {
        let name = check_name(name)?;
        rules
            .validate()
            .map_err(|e| DbError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(rules).map_err(|e| DbError::Other(e.to_string()))?;
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        let id = match id {
            None => {
                let (id,): (Id,) = sqlx::query_as(
                    "INSERT INTO smart_playlists (user_id, name, comment, rules) VALUES (?, ?, ?, ?)
                     RETURNING id",
                )
                .bind(user)
                .bind(&name)
                .bind(comment)
                .bind(&json)
                .fetch_one(self.pool())
                .await?;
                id
            }
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE smart_playlists SET name = ?, comment = ?, rules = ?, updated_at = ?
                     WHERE id = ? AND user_id = ?",
                )
                .bind(&name)
                .bind(comment)
                .bind(&json)
                .bind(now_text())
                .bind(id)
                .bind(user)
                .execute(self.pool())
                .await?;
                if done.rows_affected() == 0 {
                    return Err(DbError::NotFound);
                }
                id
            }
        };
        self.smart_playlist(user, id).await
    }

    /// The tracks a smart playlist holds now, in its order. `on_device` is
    /// what its "on this device" rules see (the asking browser's tracks;
    /// none for the server itself).
    pub async fn smart_track_ids(&self, user: Id, id: Id, on_device: &[Id]) -> DbResult<Vec<Id>> {
        let playlist = self.smart_playlist(user, id).await?;
        let compiled = compile(&playlist.rules, user, on_device, super::now_ms())?;
        let rows: Vec<(Id,)> =
            super::library::bind_all(sqlx::query_as(&compiled.sql), &compiled.binds)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Deletes one of the listener's own smart playlists (built-ins stay).
    pub async fn delete_smart_playlist(&self, user: Id, id: Id) -> DbResult<()> {
        let playlist = self.smart_playlist(user, id).await?;
        if playlist.builtin.is_some() {
            return Err(DbError::Invalid(format!(
                "“{}” is built in: edit its rules instead.",
                playlist.name
            )));
        }
        sqlx::query("DELETE FROM smart_playlists WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(day_start_ms("1970-01-02"), Some(DAY_MS));
        assert_eq!(day_start_ms("2024-02-30"), None);
        assert_eq!(ms_text(DAY_MS), "1970-01-02T00:00:00Z");
    }
}
