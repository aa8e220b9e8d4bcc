//! The PostgreSQL mirror: [`Sink`] on one database, every batch one transaction of a few
//! array statements (a table's rows in one `UNNEST`, one round trip however many deals).
//!
//! **One writer.** The sink holds a session advisory lock ([`LOCK_KEY`]) on the connection it
//! writes through, taken before it creates or touches a table: a second `sync` on the same
//! database waits for it (`--watch`) or is refused, and when the holder dies its connection
//! closes, PostgreSQL releases the lock, and the one waiting goes on from the position the
//! holder last committed.

use super::Standby;
use super::schema::{self, Dialect, VERSION_KEY};
use hubspot_deals::mirror::{Applied, Batch, DealRow, Gone, Position, Sink, SinkError};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;
use tokio_postgres::Client;

/// The advisory lock that makes one sync the writer (a fixed number: "hsdeals" in ASCII).
pub const LOCK_KEY: i64 = 0x68_73_64_65_61_6c_73;

const UPSERT_DEALS: &str = "
INSERT INTO deals (id, name, amount, pipeline_id, pipeline_label, stage_id, stage_label,
    close_date, created_at, modified_at, owner_id, archived, archived_at, merged_into,
    properties)
SELECT id, name, amount, pipeline_id, pipeline_label, stage_id, stage_label, close_date,
    created_at, modified_at, owner_id, false, NULL, NULL, properties::jsonb
FROM UNNEST($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[],
    $12::text[])
    AS t(id, name, amount, pipeline_id, pipeline_label, stage_id, stage_label, close_date,
         created_at, modified_at, owner_id, properties)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, amount = EXCLUDED.amount,
    pipeline_id = EXCLUDED.pipeline_id, pipeline_label = EXCLUDED.pipeline_label,
    stage_id = EXCLUDED.stage_id, stage_label = EXCLUDED.stage_label,
    close_date = EXCLUDED.close_date, created_at = EXCLUDED.created_at,
    modified_at = EXCLUDED.modified_at, owner_id = EXCLUDED.owner_id, archived = false,
    archived_at = NULL, merged_into = NULL, erased_at = NULL,
    properties = EXCLUDED.properties";

const FORGET_HISTORY: &str = "DELETE FROM stage_history WHERE deal_id = ANY($1::text[])";

const INSERT_HISTORY: &str = "
INSERT INTO stage_history (deal_id, stage_id, entered_at, left_at)
SELECT * FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])
ON CONFLICT DO NOTHING";

const CLEAR_ASSOCIATIONS: &str = "
DELETE FROM deal_associations a USING UNNEST($1::text[], $2::text[]) AS t(deal_id, object_type)
WHERE a.deal_id = t.deal_id AND a.object_type = t.object_type";

const INSERT_ASSOCIATIONS: &str = "
INSERT INTO deal_associations (deal_id, object_type, object_id, labels)
SELECT deal_id, object_type, object_id, labels::jsonb
FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
    AS t(deal_id, object_type, object_id, labels)
ON CONFLICT (deal_id, object_type, object_id) DO UPDATE SET labels = EXCLUDED.labels";

const MARK_GONE: &str = "
UPDATE deals d SET archived = true,
    archived_at = COALESCE(t.archived_at, d.archived_at),
    merged_into = COALESCE(t.merged_into, d.merged_into)
FROM UNNEST($1::text[], $2::timestamptz[], $3::text[]) AS t(id, archived_at, merged_into)
WHERE d.id = t.id";

/// Deals HubSpot deleted for good: only their ids, times and the time of erasure stay.
const ERASE: &str = "
UPDATE deals d SET archived = true, erased_at = t.at,
    archived_at = COALESCE(d.archived_at, t.at), name = NULL, amount = NULL,
    pipeline_id = NULL, pipeline_label = NULL, stage_id = NULL, stage_label = NULL,
    close_date = NULL, owner_id = NULL, merged_into = NULL, properties = '{}'::jsonb
FROM UNNEST($1::text[], $2::timestamptz[]) AS t(id, at)
WHERE d.id = t.id";

const FORGET_ERASED: &str = "
DELETE FROM deal_associations WHERE deal_id = ANY($1::text[]);
DELETE FROM stage_history WHERE deal_id = ANY($1::text[]);
DELETE FROM deal_property_history WHERE deal_id = ANY($1::text[])";

const FORGET_PROPERTY_HISTORY: &str =
    "DELETE FROM deal_property_history WHERE deal_id = ANY($1::text[])";

const INSERT_PROPERTY_HISTORY: &str = "
INSERT INTO deal_property_history
    (deal_id, property, value, changed_at, source_type, source_id, user_id)
SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[],
    $6::text[], $7::int8[])
ON CONFLICT DO NOTHING";

const STORE_POSITION: &str = "
INSERT INTO sync_state (key, value) VALUES ('position', $1)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";

/// A mirror in a PostgreSQL database.
pub struct PostgresSink {
    db: Client,
}

impl PostgresSink {
    /// Connects, takes the writer's lock (waiting for it when `wait`, checking again every
    /// `every`; else failing with [`super::Held`]), then creates missing tables.
    pub async fn open(url: &str, wait: bool, every: Duration) -> Result<Self, SinkError> {
        let (db, connection) = super::postgres_tls::connect(url).await?;
        tokio::spawn(async move {
            // Its error reaches the next statement, which fails with it.
            let _ = connection.await;
        });
        let mut standby = Standby::new(wait, every);
        loop {
            let row = db
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
                .await?;
            if row.get::<_, bool>(0) {
                break;
            }
            standby.wait().await?;
        }
        standby.taken();
        let mut sink = Self { db };
        sink.migrate().await?;
        Ok(sink)
    }

    /// The ids of the deals `condition` selects.
    async fn ids(&self, condition: &str) -> Result<BTreeSet<String>, SinkError> {
        let sql = format!("SELECT id FROM deals WHERE {condition}");
        let rows = self.db.query(&sql, &[]).await?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    /// Brings the database's tables to this release's schema ([`schema`]), each migration
    /// in one transaction with its number (the writer's lock is held).
    async fn migrate(&mut self) -> Result<(), SinkError> {
        let has_state: bool = self
            .db
            .query_one("SELECT to_regclass('sync_state') IS NOT NULL", &[])
            .await?
            .get(0);
        let stored: Option<String> = if has_state {
            self.db
                .query_opt(
                    "SELECT value FROM sync_state WHERE key = $1",
                    &[&VERSION_KEY],
                )
                .await?
                .map(|row| row.get(0))
        } else {
            None
        };
        let version = schema::parse_version(stored.as_deref())?;
        for (number, _, sql) in schema::pending(version)? {
            let tx = self.db.transaction().await?;
            tx.batch_execute(&Dialect::Postgres.spell(sql)).await?;
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&VERSION_KEY, &number.to_string()],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    async fn apply_now(&mut self, mut batch: Batch) -> Result<Applied, SinkError> {
        holdable(&mut batch);
        let tx = self.db.transaction().await?;
        let mut applied = Applied::default();
        if let Some(pipelines) = &batch.pipelines {
            let held: BTreeSet<(String, String, String)> = tx
                .query(
                    "SELECT id, '', label FROM pipelines
                     UNION ALL SELECT pipeline_id, id, label FROM stages",
                    &[],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
            let renamed = held != super::labels(pipelines);
            tx.batch_execute("DELETE FROM stages; DELETE FROM pipelines")
                .await?;
            for p in pipelines {
                tx.execute(
                    "INSERT INTO pipelines (id, label) VALUES ($1, $2)",
                    &[&p.id, &p.label],
                )
                .await?;
                for (id, label, order, probability) in &p.stages {
                    tx.execute(
                        "INSERT INTO stages (pipeline_id, id, label, display_order, probability)
                         VALUES ($1, $2, $3, $4, $5)",
                        &[&p.id, id, label, order, probability],
                    )
                    .await?;
                }
            }
            if renamed {
                tx.execute(&super::relabel_deals("IS DISTINCT FROM"), &[])
                    .await?;
            }
        }
        if let Some(names) = &batch.property_names {
            let key = super::PROPERTY_NAMES_KEY;
            let stored = tx
                .query_opt("SELECT value FROM sync_state WHERE key = $1", &[&key])
                .await?;
            let held = match stored {
                Some(row) => super::stored_names(row.get(0))?,
                None => tx
                    .query(
                        "SELECT DISTINCT jsonb_object_keys(properties) FROM deals",
                        &[],
                    )
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect(),
            };
            for name in super::archived_properties(held, names) {
                tx.execute(
                    "UPDATE deals SET properties = properties - $1 WHERE properties ? $1",
                    &[&name],
                )
                .await?;
            }
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&key, &serde_json::to_string(names)?],
            )
            .await?;
        }
        let deals = last_of_each(&batch.deals, |d| &d.id);
        if !deals.is_empty() {
            let column = |f: &dyn Fn(&DealRow) -> Option<String>| -> Vec<Option<String>> {
                deals.iter().map(|d| f(d)).collect()
            };
            let ids: Vec<&str> = deals.iter().map(|d| d.id.as_str()).collect();
            let properties: Vec<String> = deals
                .iter()
                .map(|d| serde_json::to_string(&d.properties))
                .collect::<Result<_, _>>()?;
            let held: HashMap<String, (chrono::DateTime<chrono::Utc>, bool, String)> = tx
                .query(
                    "SELECT id, modified_at, archived, properties::text FROM deals
                     WHERE id = ANY($1::text[])",
                    &[&ids],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
                .collect();
            for d in &deals {
                match held.get(&d.id) {
                    None => applied.added += 1,
                    // Changed: another modification time, other values, or restored.
                    Some((at, archived, values)) => {
                        let values: BTreeMap<String, Option<String>> =
                            serde_json::from_str(values)?;
                        if *archived || *at != d.modified_at || values != d.properties {
                            applied.changed += 1;
                        }
                    }
                }
            }
            tx.execute(
                UPSERT_DEALS,
                &[
                    &ids,
                    &column(&|d| d.name.clone()),
                    &deals.iter().map(|d| d.amount).collect::<Vec<_>>(),
                    &column(&|d| d.pipeline_id.clone()),
                    &column(&|d| d.pipeline_label.clone()),
                    &column(&|d| d.stage_id.clone()),
                    &column(&|d| d.stage_label.clone()),
                    &deals.iter().map(|d| d.close_date).collect::<Vec<_>>(),
                    &deals.iter().map(|d| d.created_at).collect::<Vec<_>>(),
                    &deals.iter().map(|d| d.modified_at).collect::<Vec<_>>(),
                    &column(&|d| d.owner_id.clone()),
                    &properties,
                ],
            )
            .await?;
            let with_history: Vec<&DealRow> = deals
                .iter()
                .copied()
                .filter(|d| d.stage_history.is_some())
                .collect();
            let forget: Vec<&str> = with_history.iter().map(|d| d.id.as_str()).collect();
            tx.execute(FORGET_HISTORY, &[&forget]).await?;
            let (mut deal, mut stage, mut entered, mut left) = (vec![], vec![], vec![], vec![]);
            for d in &with_history {
                for span in d.stage_history.iter().flatten() {
                    deal.push(d.id.as_str());
                    stage.push(span.stage_id.as_str());
                    entered.push(span.entered_at);
                    left.push(span.left_at);
                }
            }
            tx.execute(INSERT_HISTORY, &[&deal, &stage, &entered, &left])
                .await?;
            let with_changes: Vec<&DealRow> = deals
                .iter()
                .copied()
                .filter(|d| d.history.is_some())
                .collect();
            if !with_changes.is_empty() {
                let forget: Vec<&str> = with_changes.iter().map(|d| d.id.as_str()).collect();
                tx.execute(FORGET_PROPERTY_HISTORY, &[&forget]).await?;
                let mut columns = (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
                for d in &with_changes {
                    for c in d.history.iter().flatten() {
                        columns.0.push(d.id.as_str());
                        columns.1.push(c.property.as_str());
                        columns.2.push(c.value.as_str());
                        columns.3.push(c.at);
                        columns.4.push(c.source_type.as_str());
                        columns.5.push(c.source_id.as_deref());
                        columns.6.push(c.user_id);
                    }
                }
                let (deal, property, value, at, source, source_id, user) = &columns;
                tx.execute(
                    INSERT_PROPERTY_HISTORY,
                    &[deal, property, value, at, source, source_id, user],
                )
                .await?;
            }
        }
        if !batch.associations.is_empty() {
            let sets = last_of_each(&batch.associations, |a| (&a.deal_id, &a.object_type));
            let deal: Vec<&str> = sets.iter().map(|a| a.deal_id.as_str()).collect();
            let kind: Vec<&str> = sets.iter().map(|a| a.object_type.as_str()).collect();
            tx.execute(CLEAR_ASSOCIATIONS, &[&deal, &kind]).await?;
            let (mut deal, mut kind, mut object, mut labels) = (vec![], vec![], vec![], vec![]);
            for set in &sets {
                for (object_id, names) in &set.objects {
                    deal.push(set.deal_id.as_str());
                    kind.push(set.object_type.as_str());
                    object.push(object_id.as_str());
                    labels.push(serde_json::to_string(names)?);
                }
            }
            tx.execute(INSERT_ASSOCIATIONS, &[&deal, &kind, &object, &labels])
                .await?;
        }
        if !batch.gone.is_empty() {
            let gone: Vec<&Gone> = last_of_each(&batch.gone, |g| &g.deal_id);
            let ids: Vec<&str> = gone.iter().map(|g| g.deal_id.as_str()).collect();
            let at: Vec<_> = gone.iter().map(|g| g.archived_at).collect();
            let into: Vec<Option<&str>> = gone.iter().map(|g| g.merged_into.as_deref()).collect();
            let held: HashMap<String, (bool, Option<String>)> = tx
                .query(
                    "SELECT id, archived, merged_into FROM deals WHERE id = ANY($1::text[])",
                    &[&ids],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), (r.get(1), r.get(2))))
                .collect();
            for g in &gone {
                if let Some((archived, merged_into)) = held.get(&g.deal_id) {
                    applied.gone += u64::from(!archived);
                    applied.merged +=
                        u64::from(g.merged_into.is_some() && g.merged_into != *merged_into);
                }
            }
            tx.execute(MARK_GONE, &[&ids, &at, &into]).await?;
            let erased: Vec<(&str, _)> = gone
                .iter()
                .filter_map(|g| Some((g.deal_id.as_str(), g.erased_at?)))
                .collect();
            if !erased.is_empty() {
                let ids: Vec<&str> = erased.iter().map(|e| e.0).collect();
                let at: Vec<_> = erased.iter().map(|e| e.1).collect();
                tx.execute(ERASE, &[&ids, &at]).await?;
                for statement in FORGET_ERASED.split(';') {
                    tx.execute(statement, &[&ids]).await?;
                }
            }
        }
        let position = serde_json::to_string(&batch.position)?;
        tx.execute(STORE_POSITION, &[&position]).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

/// What PostgreSQL cannot hold in `text` or `jsonb`: U+0000. HubSpot allows it in values.
const NUL: char = '\0';

/// What is stored in its place: U+FFFD, the replacement character (documented in the
/// README's sync section; SQLite stores U+0000 as it is).
const NUL_STORED_AS: &str = "\u{FFFD}";

/// `text`, with U+0000 replaced so that PostgreSQL takes it.
fn replace_nul(text: &mut String) {
    if text.contains(NUL) {
        *text = text.replace(NUL, NUL_STORED_AS);
    }
}

/// Every text of `batch` made storable: one deal with U+0000 in any value must not stop the
/// mirror (PostgreSQL refuses the whole transaction for it).
fn holdable(batch: &mut Batch) {
    for pipeline in batch.pipelines.iter_mut().flatten() {
        replace_nul(&mut pipeline.id);
        replace_nul(&mut pipeline.label);
        for (id, label, ..) in &mut pipeline.stages {
            replace_nul(id);
            replace_nul(label);
        }
    }
    for deal in &mut batch.deals {
        for text in [
            &mut deal.name,
            &mut deal.pipeline_id,
            &mut deal.pipeline_label,
            &mut deal.stage_id,
            &mut deal.stage_label,
            &mut deal.owner_id,
        ]
        .into_iter()
        .flatten()
        {
            replace_nul(text);
        }
        if deal
            .properties
            .iter()
            .any(|(k, v)| k.contains(NUL) || v.as_ref().is_some_and(|v| v.contains(NUL)))
        {
            deal.properties = std::mem::take(&mut deal.properties)
                .into_iter()
                .map(|(mut name, mut value)| {
                    replace_nul(&mut name);
                    value.iter_mut().for_each(replace_nul);
                    (name, value)
                })
                .collect();
        }
        for span in deal.stage_history.iter_mut().flatten() {
            replace_nul(&mut span.stage_id);
        }
        for change in deal.history.iter_mut().flatten() {
            replace_nul(&mut change.property);
            replace_nul(&mut change.value);
            replace_nul(&mut change.source_type);
            change.source_id.iter_mut().for_each(replace_nul);
        }
    }
    for set in &mut batch.associations {
        if set.objects.values().flatten().any(|l| l.contains(NUL)) {
            for labels in set.objects.values_mut() {
                labels.iter_mut().for_each(replace_nul);
            }
        }
    }
}

/// The last of the items sharing a key, in their first one's place: one statement may touch
/// a row once, and a batch may hold a deal twice (changed again while it was read).
fn last_of_each<'a, T, K: std::hash::Hash + Eq>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<&'a T> {
    let mut place: HashMap<K, usize> = HashMap::new();
    let mut kept: Vec<&T> = Vec::with_capacity(items.len());
    for item in items {
        match place.get(&key(item)) {
            Some(&at) => kept[at] = item,
            None => {
                place.insert(key(item), kept.len());
                kept.push(item);
            }
        }
    }
    kept
}

impl Sink for PostgresSink {
    async fn position(&mut self) -> Result<Position, SinkError> {
        let stored = self
            .db
            .query_opt("SELECT value FROM sync_state WHERE key = 'position'", &[])
            .await?;
        match stored {
            Some(row) => Ok(serde_json::from_str(row.get::<_, &str>(0))?),
            None => Ok(Position::default()),
        }
    }

    async fn apply(&mut self, batch: Batch) -> Result<Applied, SinkError> {
        self.apply_now(batch).await
    }

    async fn live_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        self.ids("NOT archived").await
    }

    async fn archived_ids(&mut self) -> Result<BTreeSet<String>, SinkError> {
        self.ids("archived AND erased_at IS NULL").await
    }

    async fn live_times(
        &mut self,
    ) -> Result<BTreeMap<String, chrono::DateTime<chrono::Utc>>, SinkError> {
        let rows = self
            .db
            .query("SELECT id, modified_at FROM deals WHERE NOT archived", &[])
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::{holdable, last_of_each};
    use hubspot_deals::mirror::Batch;

    #[test]
    fn u0000_is_stored_as_the_replacement_character_and_nothing_else_changes() {
        let row = |name: &str, value: &str| {
            let mut deal = hubspot_deals::mirror::DealRow::new(
                "1".into(),
                chrono::DateTime::UNIX_EPOCH,
                chrono::DateTime::UNIX_EPOCH,
            );
            deal.name = Some(name.into());
            deal.properties = [("note".to_string(), Some(value.to_string()))].into();
            deal
        };
        let mut batch = Batch::default();
        batch.deals = vec![row("a\0b", "\0x\0"), row("plain ✓", "\u{80}")];
        holdable(&mut batch);
        assert_eq!(batch.deals[0].name.as_deref(), Some("a\u{FFFD}b"));
        assert_eq!(
            batch.deals[0].properties["note"].as_deref(),
            Some("\u{FFFD}x\u{FFFD}")
        );
        assert_eq!(batch.deals[1], row("plain ✓", "\u{80}"));
    }

    #[test]
    fn a_key_seen_twice_keeps_its_last_item_in_its_first_place() {
        let items = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5)];
        let kept: Vec<_> = last_of_each(&items, |i| i.0).into_iter().copied().collect();
        assert_eq!(kept, [("a", 3), ("b", 5), ("c", 4)]);
    }
}
