//! `sync`: every deal mirrored into a database (`hubspot_deals::mirror`), SQLite by default.
//! The first run loads every deal; each later run applies what changed; a reconcile marks
//! deals archived, merged or deleted since. Killed at any point, the next run goes on from
//! the last batch committed.

mod sqlite;

use crate::args::{Global, SyncArgs};
use crate::failure::Failure;
use crate::profile;
use hubspot_deals::mirror::{self, MirrorError, Options};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Where the mirror goes, from `--db`.
enum Database {
    Sqlite(PathBuf),
}

fn database(text: &str) -> Result<Database, Failure> {
    if let Some(path) = text.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(Failure::Usage(
                "--db sqlite: needs a file, e.g. --db sqlite:deals.sqlite".into(),
            ));
        }
        return Ok(Database::Sqlite(PathBuf::from(path)));
    }
    Err(Failure::Usage(format!(
        "--db {text:?}: use sqlite:PATH (PostgreSQL is not supported yet)"
    )))
}

/// `sync`.
pub async fn sync(global: &Global, args: SyncArgs) -> Result<ExitCode, Failure> {
    let Database::Sqlite(path) = database(&args.db)?;
    let mut sink = sqlite::SqliteSink::open(&path).map_err(|e| {
        Failure::Usage(format!(
            "cannot open {} as the mirror's SQLite database: {e}",
            path.display()
        ))
    })?;
    let client = profile::client(global)?;
    let mut options = Options::default();
    options.associated = args.associations.clone();
    options.reconcile = args.reconcile;
    options.overlap = std::time::Duration::from_secs(args.overlap);
    let started = Instant::now();
    let summary = mirror::sync(&client, &mut sink, &options)
        .await
        .map_err(|e| match e {
            MirrorError::Api(e) => Failure::from(e),
            other => Failure::Remote(format!("{}: {other}", path.display())),
        })?;
    eprintln!(
        "{}: {} deals written, {} archived or deleted ({} merged), {} association sets, \
         {} transactions in {:.1} s{}",
        path.display(),
        summary.deals,
        summary.gone,
        summary.merged,
        summary.associations,
        summary.batches,
        started.elapsed().as_secs_f64(),
        if summary.first_load {
            " (first load)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}
