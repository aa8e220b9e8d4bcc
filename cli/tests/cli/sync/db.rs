//! The databases `sync` writes to in these tests, read back the same way: a SQLite file in
//! the test's scratch folder, or a PostgreSQL database of the test's own on the server
//! `HUBSPOT_DEALS_POSTGRES` names (`.ci/postgres start` makes one and prints its URL).

use super::super::Scratch;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Where a test's mirror is.
pub enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

/// The server the PostgreSQL tests use. Unset when the tests were built, they are ignored
/// (and counted so); set to a server that does not answer, they fail. `.ci/run` sets it.
const SERVER: &str = "HUBSPOT_DEALS_POSTGRES";

impl Db {
    /// A SQLite file in `scratch` (`deals.sqlite`).
    pub fn sqlite(scratch: &Scratch) -> Self {
        Self::Sqlite(scratch.file("deals.sqlite"))
    }

    /// A new, empty database named after `test` on the server (these tests are compiled as
    /// ignored when no server was named at build time; run anyway, they fail saying so).
    pub async fn postgres(test: &str) -> Self {
        let server = std::env::var(SERVER).unwrap_or_else(|_| {
            panic!(
                "{test}: set {SERVER} to a PostgreSQL server's URL \
                 (`.ci/postgres start` starts one and prints it; .ci/run sets it)"
            )
        });
        let name = format!("sync_{test}_{}", std::process::id());
        let admin = connect(&server).await;
        for statement in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&statement).await.unwrap();
        }
        let mut url = url::Url::parse(&server).unwrap();
        url.set_path(&name);
        Self::Postgres(url.to_string())
    }

    /// `--db`'s value.
    pub fn arg(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// Which database, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }

    /// The rows `sql` selects, each column as JSON (booleans as 0 or 1, times as RFC 3339
    /// text, as SQLite keeps them); empty when the database or table is not there yet (any
    /// other error fails the test).
    pub async fn query(&self, sql: &str) -> Vec<Vec<Value>> {
        match self {
            Self::Sqlite(path) => {
                if !path.exists() {
                    return Vec::new();
                }
                let db = rusqlite::Connection::open(path).unwrap();
                let mut query = match db.prepare(sql) {
                    Ok(query) => query,
                    Err(e) if e.to_string().contains("no such table") => return Vec::new(),
                    Err(e) => panic!("{sql}: {e}"),
                };
                let width = query.column_count();
                query
                    .query_map([], |row| {
                        (0..width)
                            .map(|i| {
                                use rusqlite::types::ValueRef;
                                Ok(match row.get_ref(i)? {
                                    ValueRef::Null => Value::Null,
                                    ValueRef::Integer(n) => n.into(),
                                    ValueRef::Real(x) => x.into(),
                                    ValueRef::Text(t) => {
                                        String::from_utf8_lossy(t).into_owned().into()
                                    }
                                    ValueRef::Blob(_) => panic!("no blobs in the mirror"),
                                })
                            })
                            .collect()
                    })
                    .unwrap()
                    .map(|r| r.unwrap())
                    .collect()
            }
            Self::Postgres(url) => {
                let db = connect(url).await;
                match db.query(sql, &[]).await {
                    Ok(rows) => rows.iter().map(postgres_row).collect(),
                    Err(e)
                        if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) =>
                    {
                        Vec::new()
                    }
                    Err(e) => panic!("{sql}: {e}"),
                }
            }
        }
    }

    /// The one number `sql` selects (0 when there is nothing yet).
    pub async fn count(&self, sql: &str) -> i64 {
        self.query(sql)
            .await
            .first()
            .and_then(|row| row[0].as_i64())
            .unwrap_or(0)
    }

    /// What the database holds as live, in the shape [`super::truth`] gives.
    pub async fn mirrored(&self) -> Mirror {
        let properties = match self {
            Self::Sqlite(_) => "properties",
            Self::Postgres(_) => "properties::text",
        };
        let rows = self
            .query(&format!(
                "SELECT id, name, amount, stage_id, {properties} FROM deals WHERE archived = false"
            ))
            .await
            .into_iter()
            .map(|r| {
                let properties: BTreeMap<String, Option<String>> =
                    serde_json::from_str(r[4].as_str().unwrap()).unwrap();
                let deal = Deal {
                    name: r[1].as_str().map(String::from),
                    amount: r[2].as_f64(),
                    stage: r[3].as_str().map(String::from),
                    properties: with_values(properties),
                };
                (r[0].as_str().unwrap().to_string(), deal)
            })
            .collect();
        let associations = self
            .query(
                "SELECT a.deal_id, a.object_type, a.object_id FROM deal_associations a
                 JOIN deals d ON d.id = a.deal_id WHERE d.archived = false",
            )
            .await
            .into_iter()
            .map(|r| {
                let text = |i: usize| r[i].as_str().unwrap().to_string();
                (text(0), text(1), text(2))
            })
            .collect();
        Mirror { rows, associations }
    }

    /// The deals marked archived (not erased), each with the deal it was merged into (if any).
    pub async fn archived(&self) -> BTreeMap<String, Option<String>> {
        self.query("SELECT id, merged_into FROM deals WHERE archived = true AND erased_at IS NULL")
            .await
            .into_iter()
            .map(|r| {
                let id = r[0].as_str().unwrap().to_string();
                (id, r[1].as_str().map(String::from))
            })
            .collect()
    }
}

impl Db {
    /// The deals marked erased, each with what is still held of it beside its id and times:
    /// (values, associations, stage history rows), all of which must be empty.
    pub async fn erased(&self) -> BTreeMap<String, (Vec<Value>, i64, i64)> {
        let properties = match self {
            Self::Sqlite(_) => "properties",
            Self::Postgres(_) => "properties::text",
        };
        let rows = self
            .query(&format!(
                "SELECT id, name, amount, pipeline_id, stage_id, stage_label, owner_id,
                        close_date, merged_into, {properties}, archived
                 FROM deals WHERE erased_at IS NOT NULL"
            ))
            .await;
        let mut erased = BTreeMap::new();
        for row in rows {
            let id = row[0].as_str().unwrap().to_string();
            let kept: Vec<Value> = row[1..]
                .iter()
                .filter(|v| !v.is_null() && **v != "{}" && **v != 1)
                .cloned()
                .collect();
            let associations = self
                .count(&format!(
                    "SELECT count(*) FROM deal_associations WHERE deal_id = '{id}'"
                ))
                .await;
            let stages = self
                .count(&format!(
                    "SELECT count(*) FROM stage_history WHERE deal_id = '{id}'"
                ))
                .await;
            erased.insert(id, (kept, associations, stages));
        }
        erased
    }
}

/// A live deal as the comparison sees it: typed columns and every property.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pub name: Option<String>,
    pub amount: Option<f64>,
    pub stage: Option<String>,
    pub properties: BTreeMap<String, Option<String>>,
}

/// The properties that have a value: one with none is the same whether its key is there
/// with `null` or not there (a property created after a deal was written is not).
pub fn with_values(
    properties: impl IntoIterator<Item = (String, Option<String>)>,
) -> BTreeMap<String, Option<String>> {
    properties
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .collect()
}

/// Live deals by id, and (deal, object type, object id) associations.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    pub rows: BTreeMap<String, Deal>,
    pub associations: BTreeSet<(String, String, String)>,
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{SERVER} names a server that does not answer ({url}): {e}"));
    tokio::spawn(connection);
    client
}

fn postgres_row(row: &tokio_postgres::Row) -> Vec<Value> {
    use tokio_postgres::types::Type;
    (0..row.len())
        .map(|i| {
            let kind = row.columns()[i].type_().clone();
            match kind {
                Type::TEXT | Type::VARCHAR | Type::NAME => row
                    .get::<_, Option<String>>(i)
                    .map_or(Value::Null, Value::from),
                Type::FLOAT8 => row
                    .get::<_, Option<f64>>(i)
                    .map_or(Value::Null, Value::from),
                Type::INT8 => row
                    .get::<_, Option<i64>>(i)
                    .map_or(Value::Null, Value::from),
                Type::INT4 => row
                    .get::<_, Option<i32>>(i)
                    .map_or(Value::Null, Value::from),
                Type::BOOL => row
                    .get::<_, Option<bool>>(i)
                    .map_or(Value::Null, |b| Value::from(i64::from(b))),
                Type::TIMESTAMPTZ => row
                    .get::<_, Option<chrono::DateTime<chrono::Utc>>>(i)
                    .map_or(Value::Null, |t| Value::from(t.to_rfc3339())),
                other => panic!("column {i}: no conversion for {other}"),
            }
        })
        .collect()
}
