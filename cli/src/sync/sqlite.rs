//! The SQLite mirror: [`Sink`] on one database file, every batch one transaction (WAL, so a
//! killed process leaves the last committed batch and its position, never half of one).

use crate::private_files::{self, Access};
use chrono::{DateTime, Utc};
use hubspot_deals::mirror::{Applied, Batch, Position, Sink, SinkError};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use super::Standby;
use super::schema::{self, Dialect, VERSION_KEY};

/// Brings the database's tables to this release's schema ([`schema`]), each migration in
/// one transaction with its number (the writer's lock is held).
fn migrate(db: &mut Connection) -> Result<(), SinkError> {
    let has_state: i64 = db.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_state'",
        [],
        |r| r.get(0),
    )?;
    let stored: Option<String> = if has_state > 0 {
        db.query_row(
            "SELECT value FROM sync_state WHERE key = ?1",
            [VERSION_KEY],
            |r| r.get(0),
        )
        .optional()?
    } else {
        None
    };
    let version = schema::parse_version(stored.as_deref())?;
    for (number, _, sql) in schema::pending(version)? {
        let tx = db.transaction()?;
        tx.execute_batch(&Dialect::Sqlite.spell(sql))?;
        tx.execute(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![VERSION_KEY, number.to_string()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// A mirror in a SQLite file.
pub struct SqliteSink {
    db: Connection,
    /// `PATH.lock`, locked while this sink writes: one sync at a time (a second one's rows,
    /// read earlier, could otherwise overwrite newer ones).
    _writer: std::fs::File,
}

impl SqliteSink {
    /// Takes the writer's lock (`PATH.lock` beside the canonical path; waiting for it when
    /// `wait`, checking every `every`, else failing with [`super::Held`]), then opens (or
    /// creates) the database at `path`, with the mirror's tables. Every file (the database,
    /// its `-wal` and `-shm`, the lock) is the user's alone, made here or checked
    /// ([`private_files`]): one another user made or can read, or a symbolic link, is
    /// refused; SQLite opens the database without following a link.
    pub async fn open(path: &Path, wait: bool, every: Duration) -> Result<Self, SinkError> {
        // Every file checked before any is made (the lock included), so a refusal leaves
        // nothing behind; each is checked again on its open handle.
        let side = |suffix: &str| crate::state_file::beside(path, suffix);
        for file in [
            path.to_path_buf(),
            side("-wal"),
            side("-shm"),
            side("-journal"),
        ] {
            private_files::check_if_there(&file)?;
        }
        // The lock of the file's canonical path: two names for its folder are one lock. A
        // lock someone else made is refused, not waited for.
        let lock_path = crate::state_file::beside(&private_files::canonical(path)?, ".lock");
        let writer = private_files::open(&lock_path, Access::Keep)?;
        let mut standby = Standby::new(wait, every);
        loop {
            match writer.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => standby.wait().await?,
                Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
            }
        }
        standby.taken();
        // The database and the side files SQLite would otherwise create (or open as found):
        // made here, the user's alone, or checked; a rollback journal only checked (an empty
        // one would be taken for none, a planted one must not be replayed).
        for file in [path.to_path_buf(), side("-wal"), side("-shm")] {
            private_files::open(&file, Access::Keep)?;
        }
        let mut db = Connection::open_with_flags(
            path,
            OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut db)?;
        Ok(Self {
            db,
            _writer: writer,
        })
    }

    /// The ids of the deals `condition` selects.
    fn ids(&self, condition: &str) -> Result<BTreeSet<String>, SinkError> {
        let mut query = self
            .db
            .prepare(&format!("SELECT id FROM deals WHERE {condition}"))?;
        let ids = query
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn apply_now(&mut self, batch: Batch) -> Result<Applied, SinkError> {
        let tx = self.db.transaction()?;
        let mut applied = Applied::default();
        if let Some(pipelines) = &batch.pipelines {
            let held: BTreeSet<(String, String, String)> = tx
                .prepare_cached(
                    "SELECT id, '', label FROM pipelines
                     UNION ALL SELECT pipeline_id, id, label FROM stages",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let renamed = held != super::labels(pipelines);
            tx.execute("DELETE FROM stages", [])?;
            tx.execute("DELETE FROM pipelines", [])?;
            let mut pipeline =
                tx.prepare_cached("INSERT INTO pipelines (id, label) VALUES (?1, ?2)")?;
            let mut stage = tx.prepare_cached(
                "INSERT INTO stages (pipeline_id, id, label, display_order, probability)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for p in pipelines {
                pipeline.execute(params![p.id, p.label])?;
                for (id, label, order, probability) in &p.stages {
                    stage.execute(params![p.id, id, label, order, probability])?;
                }
            }
            drop((pipeline, stage));
            if renamed {
                tx.execute(&super::relabel_deals("IS NOT"), [])?;
            }
        }
        if let Some(names) = &batch.property_names {
            let stored: Option<String> = tx
                .query_row(
                    "SELECT value FROM sync_state WHERE key = ?1",
                    [super::PROPERTY_NAMES_KEY],
                    |r| r.get(0),
                )
                .optional()?;
            let held = match stored {
                Some(stored) => super::stored_names(&stored)?,
                None => tx
                    .prepare("SELECT DISTINCT j.key FROM deals, json_each(deals.properties) j")?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?,
            };
            let mut forget = tx.prepare_cached(
                "UPDATE deals SET properties = json_remove(properties, ?1)
                 WHERE json_type(properties, ?1) IS NOT NULL",
            )?;
            for name in super::archived_properties(held, names) {
                forget.execute([format!("$.\"{name}\"")])?;
            }
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![super::PROPERTY_NAMES_KEY, serde_json::to_string(names)?],
            )?;
        }
        {
            let mut deal = tx.prepare_cached(
                "INSERT INTO deals (id, name, amount, pipeline_id, pipeline_label, stage_id,
                     stage_label, close_date, created_at, modified_at, owner_id, archived,
                     archived_at, merged_into, properties)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, NULL, NULL, ?12)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, amount = ?3, pipeline_id = ?4,
                     pipeline_label = ?5, stage_id = ?6, stage_label = ?7, close_date = ?8,
                     created_at = ?9, modified_at = ?10, owner_id = ?11, archived = 0,
                     archived_at = NULL, merged_into = NULL, erased_at = NULL,
                     properties = ?12",
            )?;
            let mut held = tx.prepare_cached(
                "SELECT modified_at, archived, properties FROM deals WHERE id = ?1",
            )?;
            for d in &batch.deals {
                let properties = serde_json::to_string(&d.properties)?;
                let before: Option<(String, bool, String)> = held
                    .query_row(params![d.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                match before {
                    None => applied.added += 1,
                    // Changed: another modification time, other values, or restored.
                    Some((at, archived, values))
                        if archived || at != d.modified_at.to_rfc3339() || values != properties =>
                    {
                        applied.changed += 1
                    }
                    Some(_) => {}
                }
                deal.execute(params![
                    d.id,
                    d.name,
                    d.amount,
                    d.pipeline_id,
                    d.pipeline_label,
                    d.stage_id,
                    d.stage_label,
                    d.close_date.map(|t| t.to_rfc3339()),
                    d.created_at.to_rfc3339(),
                    d.modified_at.to_rfc3339(),
                    d.owner_id,
                    properties,
                ])?;
            }
            let mut forget_history =
                tx.prepare_cached("DELETE FROM deal_property_history WHERE deal_id = ?1")?;
            let mut change = tx.prepare_cached(
                "INSERT OR REPLACE INTO deal_property_history
                     (deal_id, property, value, changed_at, source_type, source_id, user_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for d in &batch.deals {
                let Some(history) = &d.history else {
                    continue;
                };
                forget_history.execute(params![d.id])?;
                for c in history {
                    change.execute(params![
                        d.id,
                        c.property,
                        c.value,
                        c.at.to_rfc3339(),
                        c.source_type,
                        c.source_id,
                        c.user_id
                    ])?;
                }
            }
            let mut forget = tx.prepare_cached("DELETE FROM stage_history WHERE deal_id = ?1")?;
            let mut span = tx.prepare_cached(
                "INSERT OR REPLACE INTO stage_history (deal_id, stage_id, entered_at, left_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for d in &batch.deals {
                let Some(history) = &d.stage_history else {
                    continue;
                };
                forget.execute(params![d.id])?;
                for s in history {
                    let left = s.left_at.map(|t| t.to_rfc3339());
                    span.execute(params![d.id, s.stage_id, s.entered_at.to_rfc3339(), left])?;
                }
            }
            let mut clear = tx.prepare_cached(
                "DELETE FROM deal_associations WHERE deal_id = ?1 AND object_type = ?2",
            )?;
            let mut associate = tx.prepare_cached(
                "INSERT INTO deal_associations (deal_id, object_type, object_id, labels)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for set in &batch.associations {
                clear.execute(params![set.deal_id, set.object_type])?;
                for (object_id, labels) in &set.objects {
                    let labels = serde_json::to_string(labels)?;
                    associate.execute(params![set.deal_id, set.object_type, object_id, labels])?;
                }
            }
            let mut gone = tx.prepare_cached(
                "UPDATE deals SET archived = 1,
                     archived_at = COALESCE(?2, archived_at),
                     merged_into = COALESCE(?3, merged_into)
                 WHERE id = ?1",
            )?;
            let mut erase = tx.prepare_cached(ERASE)?;
            let mut forget_associations =
                tx.prepare_cached("DELETE FROM deal_associations WHERE deal_id = ?1")?;
            let mut forget_stages =
                tx.prepare_cached("DELETE FROM stage_history WHERE deal_id = ?1")?;
            let mut forget_history =
                tx.prepare_cached("DELETE FROM deal_property_history WHERE deal_id = ?1")?;
            let mut held =
                tx.prepare_cached("SELECT archived, merged_into FROM deals WHERE id = ?1")?;
            for g in &batch.gone {
                let before: Option<(bool, Option<String>)> = held
                    .query_row(params![g.deal_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((archived, merged_into)) = before {
                    applied.gone += u64::from(!archived);
                    applied.merged +=
                        u64::from(g.merged_into.is_some() && g.merged_into != merged_into);
                }
                gone.execute(params![
                    g.deal_id,
                    g.archived_at.map(|t| t.to_rfc3339()),
                    g.merged_into
                ])?;
                if let Some(at) = g.erased_at {
                    erase.execute(params![g.deal_id, at.to_rfc3339()])?;
                    forget_associations.execute(params![g.deal_id])?;
                    forget_stages.execute(params![g.deal_id])?;
                    forget_history.execute(params![g.deal_id])?;
                }
            }
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES ('position', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                params![serde_json::to_string(&batch.position)?],
            )?;
        }
        tx.commit()?;
        Ok(applied)
    }
}

/// A deal HubSpot deleted for good: only its id, times and the time of erasure stay.
const ERASE: &str = "
UPDATE deals SET archived = 1, erased_at = ?2, archived_at = COALESCE(archived_at, ?2),
    name = NULL, amount = NULL, pipeline_id = NULL, pipeline_label = NULL, stage_id = NULL,
    stage_label = NULL, close_date = NULL, owner_id = NULL, merged_into = NULL,
    properties = '{}'
WHERE id = ?1";

impl Sink for SqliteSink {
    async fn position(&mut self) -> Result<Position, SinkError> {
        let stored: Option<String> = self
            .db
            .query_row(
                "SELECT value FROM sync_state WHERE key = 'position'",
                [],
                |row| row.get(0),
            )
            .optional()?;
        match stored {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Ok(Position::default()),
        }
    }

    async fn apply(&mut self, batch: Batch) -> Result<Applied, SinkError> {
        self.apply_now(batch)
    }

    async fn live_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        self.ids("archived = 0")
    }

    async fn archived_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        self.ids("archived = 1 AND erased_at IS NULL")
    }

    async fn live_times(&mut self) -> Result<BTreeMap<String, DateTime<Utc>>, SinkError> {
        let mut query = self
            .db
            .prepare("SELECT id, modified_at FROM deals WHERE archived = 0")?;
        let rows = query.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut held = BTreeMap::new();
        for row in rows {
            let (id, at) = row?;
            let at = DateTime::parse_from_rfc3339(&at)
                .map_err(|e| format!("deal {id}'s modified_at {at:?} is not a time: {e}"))?;
            held.insert(id, at.with_timezone(&Utc));
        }
        Ok(held)
    }
}
