//! The mirror's tables, one definition for SQLite and PostgreSQL, and the migrations that
//! bring a database written by an earlier release to this one's.
//!
//! Each migration is SQL with type words in braces (`{text}`, `{real}`, `{int}`, `{time}`,
//! `{bool}`, `{false}`, `{json}`), written once and spelled per dialect. Its number is its
//! place in [`MIGRATIONS`]; the number a database is at is kept in `sync_state` under
//! `schema_version` (none: 0, which the first migration, all `IF NOT EXISTS`, also brings a
//! database from before versions to). The sinks apply what is missing at open, under the
//! writer's lock, each migration in one transaction with its number.
//!
//! Hand-written rather than a migration crate: refinery and sqlx keep one SQL file per
//! dialect, and the point here is one definition for both; this is forty lines.

/// The databases the mirror writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The migrations, oldest first: (what it does, its SQL).
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("the mirror's tables", TABLES),
    (
        "deals.erased_at: when HubSpot deleted a deal for good (GDPR)",
        "ALTER TABLE deals ADD COLUMN erased_at {time}",
    ),
    (
        "deal_property_history: every value a property held",
        HISTORY,
    ),
];

/// Every value the properties `sync --history` names held, from when, as Fivetran's
/// `deal_property_history` keeps them (`changed_at` for its `timestamp`).
const HISTORY: &str = "
CREATE TABLE IF NOT EXISTS deal_property_history (
    deal_id {text} NOT NULL,
    property {text} NOT NULL,
    value {text} NOT NULL,
    changed_at {time} NOT NULL,
    source_type {text} NOT NULL,
    source_id {text},
    user_id {int},
    PRIMARY KEY (deal_id, property, changed_at, value)
)";

/// The tables as the first release wrote them. Every property beside the typed columns is
/// kept in `deals.properties` as one JSON object (`json_extract(properties, '$.name')`,
/// `properties->>'name'`): a deal is one row however many properties the account defines,
/// and a property created later needs no new column.
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS deals (
    id {text} PRIMARY KEY,
    name {text},
    amount {real},
    pipeline_id {text},
    pipeline_label {text},
    stage_id {text},
    stage_label {text},
    close_date {time},
    created_at {time} NOT NULL,
    modified_at {time} NOT NULL,
    owner_id {text},
    archived {bool} NOT NULL DEFAULT {false},
    archived_at {time},
    merged_into {text},
    properties {json} NOT NULL
);
CREATE TABLE IF NOT EXISTS pipelines (
    id {text} PRIMARY KEY,
    label {text} NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    pipeline_id {text} NOT NULL,
    id {text} NOT NULL,
    label {text} NOT NULL,
    display_order {int} NOT NULL,
    probability {real},
    PRIMARY KEY (pipeline_id, id)
);
CREATE TABLE IF NOT EXISTS deal_associations (
    deal_id {text} NOT NULL,
    object_type {text} NOT NULL,
    object_id {text} NOT NULL,
    labels {json} NOT NULL,
    PRIMARY KEY (deal_id, object_type, object_id)
);
CREATE TABLE IF NOT EXISTS stage_history (
    deal_id {text} NOT NULL,
    stage_id {text} NOT NULL,
    entered_at {time} NOT NULL,
    left_at {time},
    PRIMARY KEY (deal_id, entered_at, stage_id)
);
CREATE TABLE IF NOT EXISTS sync_state (
    key {text} PRIMARY KEY,
    value {text} NOT NULL
);
";

/// The key in `sync_state` that holds the schema's version.
pub const VERSION_KEY: &str = "schema_version";

/// The version this release writes.
pub fn latest() -> usize {
    MIGRATIONS.len()
}

impl Dialect {
    /// `template` spelled for this database.
    pub fn spell(self, template: &str) -> String {
        let words: &[(&str, &str)] = match self {
            // SQLite keeps times as RFC 3339 text, booleans as 0 or 1, JSON as text.
            Self::Sqlite => &[
                ("{text}", "TEXT"),
                ("{real}", "REAL"),
                ("{int}", "INTEGER"),
                ("{time}", "TEXT"),
                ("{bool}", "INTEGER"),
                ("{false}", "0"),
                ("{json}", "TEXT"),
            ],
            Self::Postgres => &[
                ("{text}", "text"),
                ("{real}", "double precision"),
                ("{int}", "bigint"),
                ("{time}", "timestamptz"),
                ("{bool}", "boolean"),
                ("{false}", "false"),
                ("{json}", "jsonb"),
            ],
        };
        words
            .iter()
            .fold(template.to_string(), |sql, (word, spelled)| {
                sql.replace(word, spelled)
            })
    }
}

/// The migrations a database at `version` still needs, each with its number; an error that
/// says what to do when a later release wrote it.
pub fn pending(version: usize) -> Result<Vec<(usize, &'static str, &'static str)>, String> {
    if version > latest() {
        return Err(format!(
            "the database's schema is version {version}, written by a later hubspot-deals \
             (this one knows up to {}): sync with that release, or a newer one",
            latest()
        ));
    }
    Ok(MIGRATIONS
        .iter()
        .enumerate()
        .skip(version)
        .map(|(i, (what, sql))| (i + 1, *what, *sql))
        .collect())
}

/// A stored version, as text, read as a number (a value no release wrote is refused).
pub fn parse_version(stored: Option<&str>) -> Result<usize, String> {
    match stored {
        None => Ok(0),
        Some(text) => text.trim().parse().map_err(|_| {
            format!(
                "sync_state's {VERSION_KEY} is {text:?}, not a number hubspot-deals wrote: \
                 the database was changed by hand; restore it from a backup or sync into a new one"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_spelled_in_both_dialects() {
        for (_, template) in MIGRATIONS {
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let sql = dialect.spell(template);
                assert!(!sql.contains('{'), "{dialect:?}: {sql}");
            }
        }
        let spelled = Dialect::Postgres.spell("archived {bool} NOT NULL DEFAULT {false}");
        assert_eq!(spelled, "archived boolean NOT NULL DEFAULT false");
        assert_eq!(Dialect::Sqlite.spell("{time} {json}"), "TEXT TEXT");
    }

    #[test]
    fn a_database_gets_the_migrations_after_its_version_in_order() {
        let numbers = |v| -> Vec<usize> { pending(v).unwrap().iter().map(|m| m.0).collect() };
        assert_eq!(numbers(0), (1..=latest()).collect::<Vec<_>>());
        assert_eq!(numbers(1), (2..=latest()).collect::<Vec<_>>());
        assert!(numbers(latest()).is_empty());
        let later = pending(latest() + 1).unwrap_err();
        assert!(later.contains("a later hubspot-deals"), "{later}");
    }

    #[test]
    fn a_stored_version_is_a_number_or_refused() {
        assert_eq!(parse_version(None), Ok(0));
        assert_eq!(parse_version(Some("2")), Ok(2));
        assert!(
            parse_version(Some("two"))
                .unwrap_err()
                .contains("changed by hand")
        );
    }
}
