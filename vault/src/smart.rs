//! Smart playlists: a list whose tracks are a rule over what the vault keeps,
//! evaluated whenever the list is read.
//!
//! A rule ([`SmartRules`]) is a tree of groups ("all of" / "any of") whose
//! leaves are conditions on one field ([`Field`]) with one operator ([`Op`])
//! and a JSON value, plus a sort and a limit. The vault stores it as JSON
//! and compiles it to SQL (`db::smart`); the browser edits the same types.
//!
//! Navidrome's `.nsp` files are the same idea, and [`from_nsp`] / [`to_nsp`]
//! move rules across where the fields overlap. What Navidrome has no field
//! for (tags, skips, on this device…) is left out of an export, and said so.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::model::Id;

/// How deep groups may nest, and how many conditions one rule may hold: rules
/// come from files and forms, and neither should build a query SQLite takes
/// long to plan.
pub const MAX_DEPTH: usize = 8;
pub const MAX_CONDITIONS: usize = 100;
/// The most tracks a smart playlist holds, whatever its limit says.
pub const MAX_LIMIT: i64 = 100_000;

/// A smart playlist's rule, sort and limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmartRules {
    pub rules: RuleGroup,
    /// Sort keys, first to last; empty is by title. A `Random` key orders by
    /// `seed`, so the shuffle is the same on every read until it is reshuffled.
    #[serde(default)]
    pub sort: Vec<SortKey>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub seed: i64,
}

/// Conditions joined by "all of" (`any: false`) or "any of".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    #[serde(default)]
    pub any: bool,
    pub rules: Vec<Rule>,
}

/// One entry of a group: a condition or a nested group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Condition(Condition),
    Group(RuleGroup),
}

/// `field op value`: `rating gt 3`, `lastplayed inTheLast 30`, `tag is "road trip"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

/// What kind of value a field holds, which decides its operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Date,
    Bool,
    Playlist,
}

macro_rules! fields {
    ($($variant:ident: $name:literal, $nsp:expr, $kind:ident, $label:literal;)*) => {
        /// A field a rule can test, named as in `.nsp` files where Navidrome has it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Field { $($variant),* }

        impl Field {
            /// Every field, in the order the editor offers them.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];
            /// The field's name in Hoard's rules.
            pub fn name(self) -> &'static str { match self { $(Field::$variant => $name),* } }
            /// Its name in Navidrome's `.nsp` files, if Navidrome has it.
            pub fn nsp(self) -> Option<&'static str> { match self { $(Field::$variant => $nsp),* } }
            pub fn kind(self) -> Kind { match self { $(Field::$variant => Kind::$kind),* } }
            /// What the editor calls it.
            pub fn label(self) -> &'static str { match self { $(Field::$variant => $label),* } }
            /// The field named `name` (Hoard's or Navidrome's name, any case).
            pub fn parse(name: &str) -> Option<Field> {
                let name = name.to_ascii_lowercase();
                Field::ALL.iter().copied().find(|f| f.name() == name || f.nsp() == Some(name.as_str()))
            }
        }
    };
}

fields! {
    Title: "title", Some("title"), Text, "Title";
    Artist: "artist", Some("artist"), Text, "Artist";
    Album: "album", Some("album"), Text, "Album";
    AlbumArtist: "albumartist", Some("albumartist"), Text, "Album artist";
    Genre: "genre", Some("genre"), Text, "Genre";
    Year: "year", Some("year"), Number, "Year";
    Duration: "duration", Some("duration"), Number, "Length (seconds)";
    Added: "dateadded", Some("dateadded"), Date, "Added";
    Rating: "rating", Some("rating"), Number, "Rating";
    Loved: "loved", Some("loved"), Bool, "Loved";
    LovedAt: "dateloved", Some("dateloved"), Date, "Loved on";
    Tag: "tag", None, Text, "Tag";
    Plays: "playcount", Some("playcount"), Number, "Plays";
    Skips: "skipcount", None, Number, "Skips";
    LastPlayed: "lastplayed", Some("lastplayed"), Date, "Last played";
    FirstPlayed: "firstplayed", None, Date, "First played";
    Liked: "liked", None, Bool, "Liked on Spotify";
    InVault: "invault", None, Bool, "In the vault";
    OnDevice: "ondevice", None, Bool, "On this device";
    Gone: "gone", None, Bool, "Gone from Spotify";
    Playlist: "playlist", None, Playlist, "In playlist";
}

macro_rules! ops {
    ($($variant:ident: $name:literal, $label:literal;)*) => {
        /// An operator, named as in `.nsp` files.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Op { $(#[serde(rename = $name)] $variant),* }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];
            pub fn name(self) -> &'static str { match self { $(Op::$variant => $name),* } }
            pub fn label(self) -> &'static str { match self { $(Op::$variant => $label),* } }
            /// The operator named `name`, any case.
            pub fn parse(name: &str) -> Option<Op> {
                Op::ALL.iter().copied().find(|o| o.name().eq_ignore_ascii_case(name))
            }
        }
    };
}

ops! {
    Is: "is", "is";
    IsNot: "isNot", "is not";
    Gt: "gt", "more than";
    Lt: "lt", "less than";
    Contains: "contains", "contains";
    NotContains: "notContains", "does not contain";
    StartsWith: "startsWith", "starts with";
    EndsWith: "endsWith", "ends with";
    InTheRange: "inTheRange", "between";
    Before: "before", "before";
    After: "after", "after";
    InTheLast: "inTheLast", "in the last (days)";
    NotInTheLast: "notInTheLast", "not in the last (days)";
    InPlaylist: "inPlaylist", "is in";
    NotInPlaylist: "notInPlaylist", "is not in";
}

impl Kind {
    /// The operators a field of this kind takes.
    pub fn ops(self) -> &'static [Op] {
        use Op::*;
        match self {
            Kind::Text => &[Is, IsNot, Contains, NotContains, StartsWith, EndsWith],
            Kind::Number => &[Is, IsNot, Gt, Lt, InTheRange],
            Kind::Date => &[InTheLast, NotInTheLast, Before, After, InTheRange],
            Kind::Bool => &[Is, IsNot],
            Kind::Playlist => &[InPlaylist, NotInPlaylist],
        }
    }
}

/// One sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    pub field: SortField,
    #[serde(default)]
    pub descending: bool,
}

/// What a smart playlist can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortField {
    Field(Field),
    Random,
}

impl SortField {
    pub fn name(self) -> &'static str {
        match self {
            SortField::Field(f) => f.name(),
            SortField::Random => "random",
        }
    }

    /// The sort named `name` (Hoard's or Navidrome's name).
    pub fn parse(name: &str) -> Option<SortField> {
        if name.eq_ignore_ascii_case("random") {
            return Some(SortField::Random);
        }
        Field::parse(name)
            .filter(|f| f.kind() != Kind::Playlist)
            .map(SortField::Field)
    }
}

/// Why a rule was refused: where in the rule, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleError {
    /// The condition's place, as the editor numbers them: "2.1" is the first
    /// entry of the second entry's group. Empty for the rule as a whole.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "rule {}: {}", self.at, self.message)
        }
    }
}

fn refuse(at: &str, message: impl Into<String>) -> RuleError {
    RuleError {
        at: at.to_string(),
        message: message.into(),
    }
}

/// A date as `.nsp` files write it, `YYYY-MM-DD`, checked to be a real day.
pub fn valid_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

impl Condition {
    /// Checks that the operator suits the field and the value suits both.
    pub fn validate(&self, at: &str) -> Result<(), RuleError> {
        let kind = self.field.kind();
        if !kind.ops().contains(&self.op) {
            return Err(refuse(
                at,
                format!(
                    "“{}” cannot be tested with “{}”",
                    self.field.label(),
                    self.op.label()
                ),
            ));
        }
        let value = &self.value;
        let number = |v: &Value| v.as_f64().filter(|n| n.is_finite());
        let ok = match (kind, self.op) {
            (Kind::Text, _) => value.as_str().is_some_and(|s| !s.trim().is_empty()),
            (Kind::Number, Op::InTheRange) => {
                matches!(value.as_array().map(|a| a.as_slice()), Some([a, b]) if number(a).is_some() && number(b).is_some())
            }
            (Kind::Number, _) => number(value).is_some(),
            (Kind::Date, Op::InTheLast | Op::NotInTheLast) => {
                value.as_i64().is_some_and(|d| (1..=36_600).contains(&d))
            }
            (Kind::Date, Op::InTheRange) => {
                matches!(value.as_array().map(|a| a.as_slice()), Some([a, b]) if a.as_str().is_some_and(valid_date) && b.as_str().is_some_and(valid_date))
            }
            (Kind::Date, _) => value.as_str().is_some_and(valid_date),
            (Kind::Bool, _) => value.is_boolean(),
            (Kind::Playlist, _) => value.as_i64().is_some(),
        };
        if ok {
            return Ok(());
        }
        let wanted = match (kind, self.op) {
            (Kind::Text, _) => "some text",
            (Kind::Number, Op::InTheRange) => "two numbers, lowest first",
            (Kind::Number, _) => "a number",
            (Kind::Date, Op::InTheLast | Op::NotInTheLast) => "a number of days (1 to 36600)",
            (Kind::Date, Op::InTheRange) => "two dates written YYYY-MM-DD",
            (Kind::Date, _) => "a date written YYYY-MM-DD",
            (Kind::Bool, _) => "true or false",
            (Kind::Playlist, _) => "a playlist",
        };
        Err(refuse(
            at,
            format!("“{}” needs {wanted}, not {value}", self.field.label()),
        ))
    }
}

impl SmartRules {
    /// Checks every condition, the nesting and the limit.
    pub fn validate(&self) -> Result<(), RuleError> {
        fn walk(
            group: &RuleGroup,
            at: &str,
            depth: usize,
            count: &mut usize,
        ) -> Result<(), RuleError> {
            if depth > MAX_DEPTH {
                return Err(refuse(at, format!("groups nest at most {MAX_DEPTH} deep")));
            }
            if group.rules.is_empty() {
                return Err(refuse(at, "a group needs at least one condition"));
            }
            for (n, rule) in group.rules.iter().enumerate() {
                let here = if at.is_empty() {
                    format!("{}", n + 1)
                } else {
                    format!("{at}.{}", n + 1)
                };
                match rule {
                    Rule::Condition(c) => {
                        *count += 1;
                        c.validate(&here)?;
                    }
                    Rule::Group(g) => walk(g, &here, depth + 1, count)?,
                }
            }
            Ok(())
        }
        let mut count = 0;
        walk(&self.rules, "", 1, &mut count)?;
        if count > MAX_CONDITIONS {
            return Err(refuse(
                "",
                format!("a rule holds at most {MAX_CONDITIONS} conditions"),
            ));
        }
        if let Some(limit) = self.limit {
            if !(1..=MAX_LIMIT).contains(&limit) {
                return Err(refuse(
                    "",
                    format!("the limit is a number of tracks from 1 to {MAX_LIMIT}"),
                ));
            }
        }
        Ok(())
    }

    /// Every condition, depth first.
    pub fn conditions(&self) -> Vec<&Condition> {
        fn walk<'a>(group: &'a RuleGroup, out: &mut Vec<&'a Condition>) {
            for rule in &group.rules {
                match rule {
                    Rule::Condition(c) => out.push(c),
                    Rule::Group(g) => walk(g, out),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.rules, &mut out);
        out
    }
}

/// A smart playlist as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmartPlaylist {
    pub id: Id,
    pub name: String,
    pub comment: Option<String>,
    pub rules: SmartRules,
    /// Set for the ones every listener starts with (`top-rated`, …).
    pub builtin: Option<String>,
    pub updated_at: String,
}

fn condition(field: Field, op: Op, value: Value) -> Rule {
    Rule::Condition(Condition { field, op, value })
}

fn all(rules: Vec<Rule>) -> RuleGroup {
    RuleGroup { any: false, rules }
}

fn by(field: Field, descending: bool) -> SortKey {
    SortKey {
        field: SortField::Field(field),
        descending,
    }
}

/// The smart playlists every listener starts with: key, name, comment, rule.
pub fn builtins() -> Vec<(&'static str, &'static str, &'static str, SmartRules)> {
    use Field::*;
    vec![
        (
            "top-rated",
            "Top rated",
            "Rated 4 or 5, best first",
            SmartRules {
                rules: all(vec![condition(Rating, Op::Gt, json!(3))]),
                sort: vec![by(Rating, true), by(Plays, true)],
                limit: Some(500),
                seed: 0,
            },
        ),
        (
            "most-played",
            "Most played",
            "The tracks heard most often",
            SmartRules {
                rules: all(vec![condition(Plays, Op::Gt, json!(0))]),
                sort: vec![by(Plays, true), by(LastPlayed, true)],
                limit: Some(100),
                seed: 0,
            },
        ),
        (
            "recently-played",
            "Recently played",
            "Heard in the last 30 days, latest first",
            SmartRules {
                rules: all(vec![condition(LastPlayed, Op::InTheLast, json!(30))]),
                sort: vec![by(LastPlayed, true)],
                limit: Some(200),
                seed: 0,
            },
        ),
        (
            "loved",
            "Loved",
            "Every loved track, latest first",
            SmartRules {
                rules: all(vec![condition(Loved, Op::Is, json!(true))]),
                sort: vec![by(LovedAt, true)],
                limit: None,
                seed: 0,
            },
        ),
        (
            "never-played",
            "Never played",
            "In the library and never heard",
            SmartRules {
                rules: all(vec![condition(Plays, Op::Is, json!(0))]),
                sort: vec![by(Added, true)],
                limit: None,
                seed: 0,
            },
        ),
        (
            "forgotten-favourites",
            "Forgotten favourites",
            "Loved, and not played for 90 days",
            SmartRules {
                rules: all(vec![
                    condition(Loved, Op::Is, json!(true)),
                    condition(LastPlayed, Op::NotInTheLast, json!(90)),
                ]),
                sort: vec![SortKey {
                    field: SortField::Random,
                    descending: false,
                }],
                limit: Some(100),
                seed: 1,
            },
        ),
        (
            "gone-from-spotify",
            "Gone from Spotify",
            "Tracks Spotify no longer serves, kept here",
            SmartRules {
                rules: all(vec![condition(Gone, Op::Is, json!(true))]),
                sort: vec![by(Artist, false), by(Album, false)],
                limit: None,
                seed: 0,
            },
        ),
    ]
}

/// A `.nsp` file read into Hoard's rules, with what could not come across.
#[derive(Clone, Debug, PartialEq)]
pub struct NspImport {
    pub name: Option<String>,
    pub comment: Option<String>,
    pub rules: SmartRules,
    /// Each thing of the file that Hoard has no counterpart for and left out.
    pub left_out: Vec<String>,
}

/// Reads a Navidrome smart playlist (`.nsp`, JSON). Conditions on fields
/// Hoard does not keep (bitrate, file type, MusicBrainz ids…) are left out
/// and named in `left_out`; a file that is not a rule, or whose every
/// condition is left out, is refused. Playlist ids in `inPlaylist` are
/// Navidrome's and mean nothing here, so those conditions are left out too.
pub fn from_nsp(text: &str) -> Result<NspImport, RuleError> {
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| refuse("", format!("not a JSON smart playlist ({e})")))?;
    let object = value
        .as_object()
        .ok_or_else(|| refuse("", "a smart playlist is a JSON object"))?;
    let key = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let mut left_out = Vec::new();
    let (any, items) = match (key("any"), key("all")) {
        (Some(v), _) if v.as_array().is_some_and(|a| !a.is_empty()) => (true, v),
        (_, Some(v)) => (false, v),
        _ => return Err(refuse("", "the file has no rules (no “all” or “any”)")),
    };
    let rules = nsp_group(any, items, &mut left_out, 1)?
        .ok_or_else(|| refuse("", "none of the file's conditions is one Hoard can keep"))?;
    let mut sort = Vec::new();
    let descending_all = key("order")
        .and_then(Value::as_str)
        .is_some_and(|o| o.eq_ignore_ascii_case("desc"));
    if let Some(text) = key("sort").and_then(Value::as_str) {
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (descending, name) = match part.as_bytes()[0] {
                b'-' => (true, part[1..].trim()),
                b'+' => (false, part[1..].trim()),
                _ => (false, part),
            };
            match SortField::parse(name) {
                Some(field) => sort.push(SortKey {
                    field,
                    descending: descending != descending_all,
                }),
                None => left_out.push(format!("sort by “{name}”")),
            }
        }
    }
    let limit = key("limit").and_then(Value::as_i64).filter(|l| *l > 0);
    if key("limitPercent").is_some() {
        left_out.push("a limit in percent".into());
    }
    if key("offset").and_then(Value::as_i64).is_some_and(|o| o > 0) {
        left_out.push("an offset".into());
    }
    let rules = SmartRules {
        rules,
        sort,
        limit: limit.map(|l| l.min(MAX_LIMIT)),
        seed: 1,
    };
    rules.validate()?;
    let text_of = |name| key(name).and_then(Value::as_str).map(str::to_string);
    Ok(NspImport {
        name: text_of("name"),
        comment: text_of("comment"),
        rules,
        left_out,
    })
}

/// One `all`/`any` array of a `.nsp` file; `None` when nothing in it is kept.
fn nsp_group(
    any: bool,
    items: &Value,
    left_out: &mut Vec<String>,
    depth: usize,
) -> Result<Option<RuleGroup>, RuleError> {
    if depth > MAX_DEPTH {
        return Err(refuse("", format!("groups nest at most {MAX_DEPTH} deep")));
    }
    let items = items
        .as_array()
        .ok_or_else(|| refuse("", "“all” and “any” hold a list of conditions"))?;
    let mut rules = Vec::new();
    for item in items {
        let object = item.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
            refuse(
                "",
                format!("a condition is one operator and its field, not {item}"),
            )
        })?;
        let Some((name, inner)) = object.iter().next() else {
            continue;
        };
        if name.eq_ignore_ascii_case("all") || name.eq_ignore_ascii_case("any") {
            let any = name.eq_ignore_ascii_case("any");
            if let Some(group) = nsp_group(any, inner, left_out, depth + 1)? {
                rules.push(Rule::Group(group));
            }
            continue;
        }
        let Some(op) = Op::parse(name) else {
            left_out.push(format!("the operator “{name}”"));
            continue;
        };
        let Some((field_name, value)) = inner.as_object().and_then(|o| o.iter().next()) else {
            return Err(refuse("", format!("“{name}” names no field")));
        };
        if matches!(op, Op::InPlaylist | Op::NotInPlaylist) {
            left_out.push(format!(
                "“{name}” (Navidrome's playlist ids are not Hoard's)"
            ));
            continue;
        }
        let Some(field) = Field::parse(field_name).filter(|f| f.nsp().is_some()) else {
            left_out.push(format!("the field “{field_name}”"));
            continue;
        };
        // Navidrome writes numbers and booleans as strings at times ("5", "true").
        let value = match (field.kind(), value) {
            (Kind::Number, Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .map(|n| json!(n))
                .unwrap_or(value.clone()),
            (Kind::Date, Value::String(s)) if matches!(op, Op::InTheLast | Op::NotInTheLast) => s
                .trim()
                .parse::<i64>()
                .map(|n| json!(n))
                .unwrap_or(value.clone()),
            (Kind::Bool, Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" => json!(true),
                "false" => json!(false),
                _ => value.clone(),
            },
            // Navidrome compares `is` on a date as text; "before"/"after" are what it means.
            _ => value.clone(),
        };
        let condition = Condition { field, op, value };
        condition.validate("")?;
        rules.push(Rule::Condition(condition));
    }
    Ok((!rules.is_empty()).then_some(RuleGroup { any, rules }))
}

/// A `.nsp` file of `rules`, and what it leaves out (conditions on fields
/// Navidrome does not have; a group left empty goes too).
pub fn to_nsp(name: &str, comment: Option<&str>, rules: &SmartRules) -> (String, Vec<String>) {
    fn group(g: &RuleGroup, left_out: &mut Vec<String>) -> Option<Value> {
        let mut items = Vec::new();
        for rule in &g.rules {
            match rule {
                Rule::Group(inner) => {
                    if let Some(v) = group(inner, left_out) {
                        items.push(v);
                    }
                }
                Rule::Condition(c) => match c.field.nsp() {
                    Some(field) => {
                        let mut inner = Map::new();
                        inner.insert(field.to_string(), c.value.clone());
                        let mut outer = Map::new();
                        outer.insert(c.op.name().to_string(), Value::Object(inner));
                        items.push(Value::Object(outer));
                    }
                    None => left_out.push(format!(
                        "“{} {} {}”",
                        c.field.label(),
                        c.op.label(),
                        c.value
                    )),
                },
            }
        }
        if items.is_empty() {
            return None;
        }
        let mut object = Map::new();
        object.insert(
            if g.any { "any" } else { "all" }.into(),
            Value::Array(items),
        );
        Some(Value::Object(object))
    }
    let mut left_out = Vec::new();
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    if let Some(comment) = comment {
        out.insert("comment".into(), json!(comment));
    }
    let body = group(&rules.rules, &mut left_out).unwrap_or_else(|| json!({ "all": [] }));
    if let Value::Object(body) = body {
        out.extend(body);
    }
    let sort: Vec<String> = rules
        .sort
        .iter()
        .filter_map(|key| {
            let name = match key.field {
                SortField::Random => "random",
                SortField::Field(f) => match f.nsp() {
                    Some(n) => n,
                    None => {
                        left_out.push(format!("sort by “{}”", f.label()));
                        return None;
                    }
                },
            };
            Some(if key.descending {
                format!("-{name}")
            } else {
                name.to_string()
            })
        })
        .collect();
    if !sort.is_empty() {
        out.insert("sort".into(), json!(sort.join(",")));
    }
    if let Some(limit) = rules.limit {
        out.insert("limit".into(), json!(limit));
    }
    let text = serde_json::to_string_pretty(&Value::Object(out)).unwrap_or_default();
    (text, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navidromes_own_examples_are_read() {
        // The examples from navidrome/navidrome#1417, as users write them.
        let eighties = r#"{
          "all": [
            { "any": [ {"is": {"loved": true}}, {"gt": {"rating": 3}} ]},
            {"inTheRange": {"year": [1981, 1990]}}
          ],
          "sort": "year", "order": "desc", "limit": 25
        }"#;
        let read = from_nsp(eighties).expect("reads");
        assert!(read.left_out.is_empty(), "{:?}", read.left_out);
        assert_eq!(read.rules.limit, Some(25));
        assert_eq!(read.rules.sort, vec![by(Field::Year, true)]);
        let Rule::Group(inner) = &read.rules.rules.rules[0] else {
            panic!("a group")
        };
        assert!(inner.any);
        assert_eq!(inner.rules.len(), 2);

        let recent = r#"{"name": "Recently Played", "comment": "Recently played tracks",
            "all": [{"inTheLast": {"lastPlayed": 30}}], "sort": "lastPlayed", "order": "desc", "limit": 100}"#;
        let read = from_nsp(recent).expect("reads");
        assert_eq!(read.name.as_deref(), Some("Recently Played"));
        assert_eq!(read.rules.conditions()[0].field, Field::LastPlayed);
    }

    #[test]
    fn fields_navidrome_has_and_hoard_does_not_are_named_not_dropped_silently() {
        let text = r#"{"all": [{"gt": {"bitrate": 256}}, {"is": {"loved": "true"}},
            {"inPlaylist": {"id": "abc"}}], "sort": "-rating,bpm"}"#;
        let read = from_nsp(text).expect("reads");
        assert_eq!(read.rules.conditions().len(), 1);
        assert_eq!(read.rules.conditions()[0].value, json!(true));
        assert_eq!(read.left_out.len(), 3, "{:?}", read.left_out);
        assert_eq!(read.rules.sort, vec![by(Field::Rating, true)]);
        assert!(from_nsp(r#"{"all": [{"gt": {"bitrate": 256}}]}"#).is_err());
        assert!(from_nsp("[1, 2]").is_err());
        assert!(from_nsp(r#"{"sort": "title"}"#).is_err());
    }

    #[test]
    fn export_then_import_gives_the_same_rule_where_the_fields_overlap() {
        for (_, name, comment, rules) in builtins() {
            let (text, left_out) = to_nsp(name, Some(comment), &rules);
            assert!(
                left_out.is_empty() || rules.conditions().iter().any(|c| c.field.nsp().is_none())
            );
            if !left_out.is_empty() {
                continue;
            }
            let back = from_nsp(&text).expect("reads its own export");
            assert_eq!(back.rules.rules, rules.rules, "{name}");
            assert_eq!(back.rules.sort, rules.sort, "{name}");
            assert_eq!(back.rules.limit, rules.limit, "{name}");
            assert_eq!(back.name.as_deref(), Some(name));
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_place_and_the_field() {
        let bad = SmartRules {
            rules: all(vec![
                condition(Field::Rating, Op::Gt, json!(3)),
                Rule::Group(RuleGroup {
                    any: true,
                    rules: vec![condition(Field::Added, Op::Before, json!("2024-13-40"))],
                }),
            ]),
            sort: vec![],
            limit: None,
            seed: 0,
        };
        let error = bad.validate().expect_err("refused");
        assert_eq!(error.at, "2.1");
        assert!(error.message.contains("Added"), "{error}");
        let wrong_op = Condition {
            field: Field::Loved,
            op: Op::Contains,
            value: json!(true),
        };
        assert!(wrong_op.validate("1").is_err());
        assert!(valid_date("2024-02-29") && !valid_date("2023-02-29") && !valid_date("24-1-1"));
    }
}
