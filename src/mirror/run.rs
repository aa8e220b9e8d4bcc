//! [`sync`]: one run of the mirror.

use super::{
    Associations, Batch, DealRow, Gone, MirrorError, PipelineRow, Position, PropertyChange, Sink,
    StageSpan, Summary,
};
use crate::associations::read_many;
use crate::deals::{MERGED_IDS, merged_ids};
use crate::journal::time_of;
use crate::paging::ResumePoint;
use crate::stages::Stages;
use crate::stream::next;
use crate::types::{BatchRead, DealId, HistoricalValue};
use crate::{Client, Error};
use chrono::{DateTime, Utc};
use progenitor_client::ClientInfo;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// How a run goes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The object types whose associations are kept (default contacts and companies).
    pub associated: Vec<String>,
    /// Deals per batch (one transaction; default 1,000: one association call per type).
    pub batch_deals: usize,
    /// Reconcile when the last reconcile is older than this (default one day); the first
    /// load always ends with one.
    pub reconcile_every: Duration,
    /// Reconcile in this run whatever the time.
    pub reconcile: bool,
    /// How far before the watermark an incremental run starts (default five minutes: HubSpot's
    /// search index trails changes; deals changed in that window are read again).
    pub overlap: Duration,
    /// The properties whose every past value is kept ([`DealRow::history`]; the command
    /// line's `deal_property_history`): read with the deals (the first load's listing, the
    /// batch reads of changed deals, 50 a call); empty (the default) for none.
    pub history: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            associated: vec!["contacts".into(), "companies".into()],
            batch_deals: crate::limits::ASSOCIATIONS_BATCH_READ_INPUTS,
            reconcile_every: Duration::from_secs(24 * 3600),
            reconcile: false,
            overlap: crate::search::DEFAULT_OVERLAP,
            history: Vec::new(),
        }
    }
}

pub(super) fn sink_error(e: super::SinkError) -> MirrorError {
    MirrorError::Sink(e)
}

/// The pipelines and stages, as rows.
pub(super) fn pipeline_rows(stages: &Stages) -> Vec<PipelineRow> {
    let mut rows: Vec<PipelineRow> = Vec::new();
    for stage in stages.all() {
        let row = match rows.iter_mut().find(|p| p.id == stage.pipeline_id) {
            Some(row) => row,
            None => {
                rows.push(PipelineRow {
                    id: stage.pipeline_id.clone(),
                    label: stage.pipeline_label.clone(),
                    stages: Vec::new(),
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.stages.push((
            stage.id.clone(),
            stage.label.clone(),
            stage.display_order,
            stage.probability,
        ));
    }
    rows
}

/// The property whose history is the stage history.
pub(super) const STAGE: &str = "dealstage";

/// A stage history from `dealstage`'s past values (any order): oldest first, each left when
/// the next was entered.
pub(super) fn spans(history: &[HistoricalValue]) -> Vec<StageSpan> {
    let mut values: Vec<&HistoricalValue> = history.iter().collect();
    values.sort_by_key(|v| v.timestamp);
    let mut spans: Vec<StageSpan> = Vec::new();
    for value in values {
        if let Some(last) = spans.last_mut() {
            last.left_at = Some(value.timestamp);
        }
        spans.push(StageSpan {
            stage_id: value.value.clone(),
            entered_at: value.timestamp,
            left_at: None,
        });
    }
    spans
}

/// The properties to read with history: `dealstage` (the stage history) and those
/// `options` asks for.
pub(super) fn with_history(options: &Options) -> Vec<String> {
    let mut names = vec![STAGE.to_string()];
    names.extend(options.history.iter().filter(|n| *n != STAGE).cloned());
    names
}

/// The history of `names` among a deal's `propertiesWithHistory`, oldest first within each.
pub(super) fn changes(
    found: &HashMap<String, Vec<HistoricalValue>>,
    names: &[String],
) -> Vec<PropertyChange> {
    let mut changes = Vec::new();
    for name in names {
        let mut values: Vec<&HistoricalValue> = found.get(name).into_iter().flatten().collect();
        values.sort_by_key(|v| v.timestamp);
        changes.extend(values.into_iter().map(|v| PropertyChange {
            property: name.clone(),
            value: v.value.clone(),
            at: v.timestamp,
            source_type: v.source_type.clone(),
            source_id: v.source_id.clone(),
            user_id: v.updated_by_user_id.map(i64::from),
        }));
    }
    changes
}

/// Sets a row's stage history and, when asked for, its property history from what a read
/// with history found.
pub(super) fn set_histories(
    row: &mut DealRow,
    found: &HashMap<String, Vec<HistoricalValue>>,
    options: &Options,
) {
    row.stage_history = Some(found.get(STAGE).map_or_else(Vec::new, |h| spans(h)));
    if !options.history.is_empty() {
        row.history = Some(changes(found, &options.history));
    }
}

/// Reads the stage history (and the property history asked for) of `rows` that lack it,
/// 50 deals a call.
async fn read_histories(
    client: &Client,
    rows: &mut [DealRow],
    options: &Options,
) -> Result<(), Error> {
    let wanted: Vec<usize> = (0..rows.len())
        .filter(|i| rows[*i].stage_history.is_none())
        .collect();
    for chunk in wanted.chunks(crate::limits::LIST_PAGE_WITH_HISTORY) {
        let body = BatchRead {
            id_property: None,
            inputs: chunk
                .iter()
                .map(|i| DealId {
                    id: rows[*i].id.clone(),
                })
                .collect(),
            properties: vec![STAGE.into()],
            properties_with_history: with_history(options),
        };
        let read = client.batch_read().body(body).send().await?.into_inner();
        let mut found: HashMap<String, HashMap<String, Vec<HistoricalValue>>> = read
            .results
            .into_iter()
            .map(|d| (d.id, d.properties_with_history))
            .collect();
        for i in chunk {
            let history = found.remove(&rows[*i].id).unwrap_or_default();
            set_histories(&mut rows[*i], &history, options);
        }
    }
    Ok(())
}

/// A deal as a row: core columns typed, labels looked up.
pub(super) fn row(
    id: String,
    properties: HashMap<String, Option<String>>,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
    stages: &Stages,
) -> DealRow {
    let text = |name: &str| {
        properties
            .get(name)
            .cloned()
            .flatten()
            .filter(|v| !v.is_empty())
    };
    let stage_id = text("dealstage");
    let pipeline_id = text("pipeline");
    let stage = stage_id
        .as_deref()
        .and_then(|s| match pipeline_id.as_deref() {
            Some(p) => stages.get_in(p, s),
            None => stages.get(s),
        });
    let pipeline_label = pipeline_id.as_deref().and_then(|p| {
        stages
            .all()
            .iter()
            .find(|s| s.pipeline_id == p)
            .map(|s| s.pipeline_label.clone())
    });
    DealRow {
        name: text("dealname"),
        amount: text("amount").and_then(|a| a.trim().parse().ok()),
        stage_label: stage.map(|s| s.label.clone()),
        pipeline_label,
        close_date: text("closedate").and_then(|c| time_of(&c)),
        created_at,
        modified_at,
        owner_id: text("hubspot_owner_id"),
        pipeline_id,
        stage_id,
        properties: properties.into_iter().collect(),
        stage_history: None,
        history: None,
        id,
    }
}

/// The deals merged into each row's deal (`hs_merged_object_ids`), as gone.
fn merged_away(rows: &[DealRow]) -> Vec<Gone> {
    rows.iter()
        .flat_map(|row| {
            let value = row.properties.get(MERGED_IDS).and_then(Option::as_deref);
            merged_ids(&row.id, value).map(|id| Gone {
                deal_id: id.to_string(),
                archived_at: None,
                merged_into: Some(row.id.clone()),
                erased_at: None,
            })
        })
        .collect()
}

/// Applies `batch` (its deals, the deals it already marks gone, its position) with the
/// deals' stage history where missing, their associations and the deals they merged away.
pub(super) async fn flush<S: Sink>(
    client: &Client,
    sink: &mut S,
    options: &Options,
    mut batch: Batch,
    summary: &mut Summary,
) -> Result<(), MirrorError> {
    read_histories(client, &mut batch.deals, options).await?;
    let ids: Vec<String> = batch.deals.iter().map(|r| r.id.clone()).collect();
    if !ids.is_empty() {
        for object_type in &options.associated {
            let found = read_many(client, object_type, ids.iter().cloned()).await?;
            batch
                .associations
                .extend(association_sets(&ids, object_type, found));
        }
    }
    batch.gone.extend(merged_away(&batch.deals));
    summary.deals += batch.deals.len() as u64;
    summary.history += batch
        .deals
        .iter()
        .map(|d| d.history.as_ref().map_or(0, Vec::len) as u64)
        .sum::<u64>();
    summary.associations += batch.associations.len() as u64;
    summary.batches += 1;
    let applied = sink.apply(batch).await.map_err(sink_error)?;
    summary.add(applied);
    Ok(())
}

/// Each of `ids`' associations with `object_type` as a whole set (empty when `found` has
/// none for it), labels by name.
fn association_sets<'a>(
    ids: &'a [impl AsRef<str>],
    object_type: &'a str,
    mut found: crate::associations::Associations,
) -> impl Iterator<Item = Associations> + 'a {
    ids.iter().map(move |id| {
        let objects = found
            .remove(id.as_ref())
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let labels = a
                    .association_types
                    .iter()
                    .filter_map(|t| t.label.clone())
                    .collect();
                (a.to_object_id.as_str().to_string(), labels)
            })
            .collect();
        Associations {
            deal_id: id.as_ref().to_string(),
            object_type: object_type.to_string(),
            objects,
        }
    })
}

/// A batch of `rows` to store with `position`.
pub(super) fn rows_at(rows: Vec<DealRow>, position: &Position) -> Batch {
    Batch {
        deals: rows,
        position: position.clone(),
        ..Batch::default()
    }
}

/// The name of every deal property the account defines, and `hs_merged_object_ids`.
pub(super) async fn property_names(client: &Client) -> Result<Vec<String>, Error> {
    let all = client.properties().list_properties().send().await?;
    let mut names: BTreeSet<String> = all
        .into_inner()
        .results
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.insert(MERGED_IDS.into());
    Ok(names.into_iter().collect())
}

/// HubSpot's time when a first load starts, as its own clock wrote it: the newest deal
/// modification time its search holds (`None`: the account has no deals yet, and the next
/// run reads every deal changed since the beginning). Never this machine's clock, which
/// may run ahead of HubSpot's by more than the overlap.
async fn newest_change(client: &Client) -> Result<Option<DateTime<Utc>>, Error> {
    let request = crate::types::SearchRequest {
        properties: vec!["hs_lastmodifieddate".into()],
        sorts: vec!["-hs_lastmodifieddate".into()],
        limit: 1,
        ..Default::default()
    };
    let newest = client.search().body(request).send().await?.into_inner();
    Ok(newest.results.first().map(|deal| deal.updated_at))
}

/// One run: the first load (or its rest, after a kill), else the deals changed since the last
/// run; then a reconcile when due. See the [module docs](super).
///
/// ```no_run
/// # async fn run<S: hubspot_deals::mirror::Sink>(client: hubspot_deals::Client, mut sink: S)
/// # -> Result<(), hubspot_deals::mirror::MirrorError> {
/// use hubspot_deals::mirror::{self, Options};
/// let summary = mirror::sync(&client, &mut sink, &Options::default()).await?;
/// println!("{} deals written, {} gone", summary.deals, summary.gone);
/// # Ok(()) }
/// ```
pub async fn sync<S: Sink>(
    client: &Client,
    sink: &mut S,
    options: &Options,
) -> Result<Summary, MirrorError> {
    let clock = client.inner().clock().clone();
    let mut summary = Summary::default();
    let mut position = sink.position().await.map_err(sink_error)?;
    let stages = Stages::load(client).await?;
    let names = property_names(client).await?;
    sink.apply(Batch {
        pipelines: Some(pipeline_rows(&stages)),
        property_names: Some(names.clone()),
        position: position.clone(),
        ..Batch::default()
    })
    .await
    .map_err(sink_error)?;
    let per_batch = options.batch_deals.max(1);
    if !position.loaded {
        summary.first_load = true;
        if position.watermark.is_none() && position.list_after.is_none() {
            position.watermark = newest_change(client).await?;
        }
        let start = ResumePoint {
            after: position.list_after.clone(),
            skip: 0,
        };
        let mut pages = client
            .deals()
            .list()
            .properties(names.clone())
            .properties_with_history(with_history(options))
            .resume(start)
            .pages();
        let mut rows = Vec::new();
        loop {
            let Some(page) = next(&mut pages).await else {
                break;
            };
            let page = page?;
            rows.extend(page.deals.into_iter().map(|d| {
                // Asked for: a deal without it has no history.
                let mut row = row(d.id, d.properties, d.created_at, d.updated_at, &stages);
                set_histories(&mut row, &d.properties_with_history, options);
                row
            }));
            if page.next.is_none() {
                break;
            }
            if rows.len() >= per_batch {
                position.list_after = page.next;
                let group = std::mem::take(&mut rows);
                let batch = rows_at(group, &position);
                flush(client, sink, options, batch, &mut summary).await?;
            }
        }
        position.loaded = true;
        position.list_after = None;
        let batch = rows_at(rows, &position);
        flush(client, sink, options, batch, &mut summary).await?;
    } else {
        let since = position.watermark.unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut changes = client
            .deals()
            .changed_since(since)
            .overlap(options.overlap)
            .properties(names)
            .stream();
        let mut rows = Vec::new();
        while let Some(change) = next(&mut changes).await {
            let change = change?;
            let deal = change.deal;
            rows.push(row(
                deal.id,
                deal.properties,
                deal.created_at,
                deal.updated_at,
                &stages,
            ));
            let watermark = position
                .watermark
                .map_or(change.watermark, |w| w.max(change.watermark));
            position.watermark = Some(watermark);
            if rows.len() >= per_batch {
                let group = std::mem::take(&mut rows);
                let batch = rows_at(group, &position);
                flush(client, sink, options, batch, &mut summary).await?;
            }
        }
        if !rows.is_empty() {
            let batch = rows_at(rows, &position);
            flush(client, sink, options, batch, &mut summary).await?;
        }
    }
    let due = position.reconciled_at.is_none_or(|at| {
        let every =
            chrono::Duration::from_std(options.reconcile_every).unwrap_or(chrono::Duration::MAX);
        at.checked_add_signed(every)
            .is_none_or(|next| next <= clock.now())
    });
    if summary.first_load || options.reconcile || due {
        reconcile(client, sink, options, &mut position, &mut summary).await?;
    } else {
        apply_archives(client, sink, &position, &mut summary).await?;
    }
    Ok(summary)
}

/// Marks the deals held as live that HubSpot lists as archived (one call per 100 archived
/// deals; HubSpot keeps them 90 days): every run applies archives, not only the reconcile. A
/// restore needs nothing more: it moves the deal's modification time, so `changed_since`
/// reads it again, live.
async fn apply_archives<S: Sink>(
    client: &Client,
    sink: &mut S,
    position: &Position,
    summary: &mut Summary,
) -> Result<(), MirrorError> {
    let mut archived = client.deals().list().archived(true).stream();
    let mut found = Vec::new();
    while let Some(deal) = next(&mut archived).await {
        let deal = deal?;
        found.push((deal.id, deal.archived_at));
    }
    if found.is_empty() {
        return Ok(());
    }
    let held = sink.live_ids().await.map_err(sink_error)?;
    let gone: Vec<Gone> = found
        .into_iter()
        .filter(|(id, _)| held.contains(id))
        .map(|(id, at)| Gone {
            deal_id: id,
            archived_at: at,
            merged_into: None,
            erased_at: None,
        })
        .collect();
    if gone.is_empty() {
        return Ok(());
    }
    apply_gone(sink, gone, position, summary).await
}

/// Applies `gone` with `position` as one batch, counted in `summary`.
async fn apply_gone<S: Sink>(
    sink: &mut S,
    gone: Vec<Gone>,
    position: &Position,
    summary: &mut Summary,
) -> Result<(), MirrorError> {
    summary.batches += 1;
    let batch = Batch {
        gone,
        position: position.clone(),
        ..Batch::default()
    };
    let applied = sink.apply(batch).await.map_err(sink_error)?;
    summary.add(applied);
    Ok(())
}

/// Marks the deals the sink holds as live that HubSpot no longer has live: archived (with
/// the time, from the archived listing), merged (pointing to the survivor, from live and
/// archived deals' `hs_merged_object_ids`), or deleted for good (neither). After a run that was not the first
/// load, every live deal's associations are read again too (1,000 deals a call per type): an
/// association change does not change the deal's modification time, so no `changed_since`
/// sees it.
pub(super) async fn reconcile<S: Sink>(
    client: &Client,
    sink: &mut S,
    options: &Options,
    position: &mut Position,
    summary: &mut Summary,
) -> Result<(), MirrorError> {
    let started = client.inner().clock().now();
    let mut live = BTreeSet::new();
    let mut merged_into = HashMap::new();
    let mut listing = client.deals().list().properties([MERGED_IDS]).stream();
    while let Some(deal) = next(&mut listing).await {
        let deal = deal?;
        let value = deal.properties.get(MERGED_IDS).and_then(Option::as_deref);
        for merged in merged_ids(&deal.id, value) {
            merged_into.insert(merged.to_string(), deal.id.clone());
        }
        live.insert(deal.id);
    }
    if !summary.first_load && !options.associated.is_empty() {
        let ids: Vec<&String> = live.iter().collect();
        for chunk in ids.chunks(crate::limits::ASSOCIATIONS_BATCH_READ_INPUTS) {
            let mut batch = Batch {
                position: position.clone(),
                ..Batch::default()
            };
            for object_type in &options.associated {
                let found = read_many(client, object_type, chunk.iter().map(|id| (*id).clone()));
                batch
                    .associations
                    .extend(association_sets(chunk, object_type, found.await?));
            }
            summary.associations += batch.associations.len() as u64;
            summary.batches += 1;
            sink.apply(batch).await.map_err(sink_error)?;
        }
    }
    let held = sink.live_ids().await.map_err(sink_error)?;
    let missing: BTreeSet<&String> = held.difference(&live).collect();
    // Held as archived: still archived at HubSpot, or deleted for good since.
    let held_archived = sink.archived_ids().await.map_err(sink_error)?;
    let mut archived_at = HashMap::new();
    let mut still_archived = BTreeSet::new();
    if !missing.is_empty() || !held_archived.is_empty() {
        let mut archived = client
            .deals()
            .list()
            .archived(true)
            .properties([MERGED_IDS])
            .stream();
        while let Some(deal) = next(&mut archived).await {
            let deal = deal?;
            // A survivor archived since: the deals merged into it still point to it.
            let value = deal.properties.get(MERGED_IDS).and_then(Option::as_deref);
            for merged in merged_ids(&deal.id, value) {
                merged_into
                    .entry(merged.to_string())
                    .or_insert_with(|| deal.id.clone());
            }
            if missing.contains(&deal.id) {
                archived_at.insert(deal.id.clone(), deal.archived_at);
            }
            if held_archived.contains(&deal.id) {
                still_archived.insert(deal.id);
            }
        }
    }
    // Neither live, archived nor merged at HubSpot: deleted for good, its data erased here.
    let erased = |id: &String| {
        (!archived_at.contains_key(id) && !merged_into.contains_key(id)).then_some(started)
    };
    let mut gone: Vec<Gone> = missing
        .into_iter()
        .map(|id| Gone {
            deal_id: id.clone(),
            archived_at: archived_at.get(id).copied().flatten().or(Some(started)),
            merged_into: merged_into.get(id).cloned(),
            erased_at: erased(id),
        })
        .collect();
    gone.extend(
        held_archived
            .iter()
            .filter(|id| !still_archived.contains(*id) && !live.contains(*id))
            .filter_map(|id| {
                let at = erased(id)?;
                Some(Gone {
                    deal_id: id.clone(),
                    archived_at: None,
                    merged_into: None,
                    erased_at: Some(at),
                })
            }),
    );
    summary.erased += gone.iter().filter(|g| g.erased_at.is_some()).count() as u64;
    position.reconciled_at = Some(started);
    apply_gone(sink, gone, position, summary).await
}
