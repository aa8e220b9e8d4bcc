//! [`Follower`]: a mirror kept current from the webhooks journal, between [`sync`](super::sync)
//! runs.

use super::run::{flush, pipeline_rows, property_names, row, set_histories, with_history};
use super::{Batch, DealRow, Gone, MirrorError, Options, Position, Sink, Summary};
use crate::journal::{ChangeKind, JournalEntry};
use crate::stages::Stages;
use crate::types::{BatchRead, DealId};
use crate::{Client, Error};
use chrono::{DateTime, Utc};
use progenitor_client::ClientInfo;
use std::collections::{BTreeMap, BTreeSet};

/// Applies journal entries (from a [`journal::Feed`](crate::journal::Feed), in its order) to
/// a mirror. The deals an entry names are read as they are now, whatever the event says
/// (every property, stage history, associations), so a group of entries is applied whole
/// and in any order to the same result: a deal read live is written live (a restore brings
/// it back), a deal not found is marked gone (archived at the deletion's time), and the ids
/// a merge took away point to the survivor. The last entry's offset is stored in the same
/// transaction, so a run killed at any point goes on after the last entry it applied.
///
/// A property or stage the follower does not know yet (created since it started) is looked
/// up before the deals are read, so its values and label are in the rows.
///
/// ```no_run
/// # async fn run<S: hubspot_deals::mirror::Sink>(client: hubspot_deals::Client, app: hubspot_deals::Client, mut sink: S)
/// # -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use hubspot_deals::journal::{Feed, Start};
/// use hubspot_deals::mirror::{Follower, Options};
/// let mut position = sink.position().await?;
/// let start = position.journal_offset.clone().map_or(Start::Earliest, Start::After);
/// let mut feed = Feed::new(&app, start);
/// let mut follower = Follower::new(&client).await?;
/// loop {
///     let entries = feed.poll().await?;
///     follower.apply(&client, &mut sink, &Options::default(), &entries, &mut position).await?;
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Follower {
    names: Vec<String>,
    stages: Stages,
    /// When `stages` was read, by the client's clock.
    stages_read_at: DateTime<Utc>,
}

/// How long the follower trusts the pipelines it read: a pipeline or stage renamed since
/// (the journal does not tell of it) reaches the rows it writes and the `stages` table
/// within this time, for one call a minute at most.
pub const PIPELINES_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// What a group of entries asks for.
#[derive(Default)]
struct Touched {
    /// Every deal named, to read.
    ids: BTreeSet<String>,
    /// When each deleted deal was deleted (the last deletion).
    deleted_at: BTreeMap<String, DateTime<Utc>>,
    /// A property the follower does not know is named.
    new_property: bool,
    /// The latest change's time.
    latest: Option<DateTime<Utc>>,
}

impl Touched {
    fn of(entries: &[JournalEntry], known: &[String]) -> Self {
        let mut touched = Self::default();
        let unknown = |name: &String| known.binary_search(name).is_err();
        for change in entries.iter().flat_map(|e| &e.changes) {
            let Some(id) = change.deal_id else { continue };
            touched.ids.insert(id.to_string());
            touched.latest = touched.latest.max(change.occurred_at);
            match &change.kind {
                ChangeKind::Deleted => {
                    if let Some(at) = change.occurred_at {
                        touched.deleted_at.insert(id.to_string(), at);
                    }
                }
                ChangeKind::Merged { merged, .. } => {
                    touched.ids.extend(merged.iter().map(u64::to_string));
                }
                ChangeKind::PropertyChanged { name, .. } => {
                    touched.new_property |= unknown(name);
                }
                ChangeKind::Created { properties } | ChangeKind::Snapshot { properties } => {
                    touched.new_property |= properties.keys().any(unknown);
                }
                _ => {}
            }
        }
        touched
    }
}

impl Follower {
    /// Reads the account's property names and stages, which the rows need.
    pub async fn new(client: &Client) -> Result<Self, Error> {
        Ok(Self {
            names: property_names(client).await?,
            stages: Stages::load(client).await?,
            stages_read_at: client.inner().clock().now(),
        })
    }

    async fn reload_stages(&mut self, client: &Client) -> Result<(), Error> {
        self.stages = Stages::load(client).await?;
        self.stages_read_at = client.inner().clock().now();
        Ok(())
    }

    /// Applies `entries` to `sink` as batches of at most [`Options::batch_deals`] deals,
    /// the last with `position` carrying the last entry's offset (and the watermark moved to
    /// the latest change). Nothing to do for no entries.
    pub async fn apply<S: Sink>(
        &mut self,
        client: &Client,
        sink: &mut S,
        options: &Options,
        entries: &[JournalEntry],
        position: &mut Position,
    ) -> Result<Summary, MirrorError> {
        let mut summary = Summary::default();
        let Some(last) = entries.last() else {
            return Ok(summary);
        };
        let touched = Touched::of(entries, &self.names);
        if touched.new_property {
            self.names = property_names(client).await?;
        }
        let ids: Vec<String> = touched.ids.iter().cloned().collect();
        let now = client.inner().clock().now();
        let stale = chrono::Duration::from_std(PIPELINES_FRESH_FOR)
            .ok()
            .and_then(|fresh| self.stages_read_at.checked_add_signed(fresh))
            .is_none_or(|until| until <= now);
        let mut pipelines = None;
        if stale {
            // Renamed since? The labels of the rows written now, and the pipelines table
            // (the sink rewrites the labels of the deals it holds when they differ).
            self.reload_stages(client).await?;
            pipelines = Some(pipeline_rows(&self.stages));
        }
        let mut rows = self.read(client, &ids, options).await?;
        if rows
            .iter()
            .any(|r| r.stage_id.is_some() && r.stage_label.is_none())
        {
            // A stage made since the follower started: its label, and the pipelines table.
            self.reload_stages(client).await?;
            pipelines = Some(pipeline_rows(&self.stages));
            rows = self.read(client, &ids, options).await?;
        }
        let live: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut gone: Vec<Gone> = ids
            .iter()
            .filter(|id| !live.contains(id.as_str()))
            .map(|id| Gone {
                deal_id: id.clone(),
                archived_at: touched.deleted_at.get(id).copied().or(touched.latest),
                merged_into: None,
                // Archived or erased, the journal does not say: the reconcile tells.
                erased_at: None,
            })
            .collect();
        let before = position.clone();
        position.journal_offset = Some(last.offset.clone());
        if let Some(latest) = touched.latest {
            position.watermark = Some(position.watermark.map_or(latest, |w| w.max(latest)));
        }
        let per_batch = options.batch_deals.max(1);
        let mut groups: Vec<Vec<DealRow>> = Vec::new();
        while rows.len() > per_batch {
            let rest = rows.split_off(per_batch);
            groups.push(std::mem::replace(&mut rows, rest));
        }
        groups.push(rows);
        let count = groups.len();
        for (i, group) in groups.into_iter().enumerate() {
            let last_group = i + 1 == count;
            let batch = Batch {
                pipelines: if i == 0 { pipelines.take() } else { None },
                deals: group,
                // The deals gone, and the new offset, with the last group only: a kill before
                // it applies the entries again (harmless: rows are replaced by id).
                gone: if last_group {
                    std::mem::take(&mut gone)
                } else {
                    Vec::new()
                },
                position: if last_group {
                    position.clone()
                } else {
                    before.clone()
                },
                ..Batch::default()
            };
            flush(client, sink, options, batch, &mut summary).await?;
        }
        Ok(summary)
    }

    /// The deals among `ids` that are live, as rows with their stage history (batch reads of
    /// 50, with `dealstage`'s history, as HubSpot allows).
    /// Reads `ids` as they are now (those still live), with their stage history, as rows.
    pub(super) async fn read(
        &self,
        client: &Client,
        ids: &[String],
        options: &Options,
    ) -> Result<Vec<DealRow>, Error> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::limits::LIST_PAGE_WITH_HISTORY) {
            let body = BatchRead {
                id_property: None,
                inputs: chunk.iter().map(|id| DealId { id: id.clone() }).collect(),
                properties: self.names.clone(),
                properties_with_history: with_history(options),
            };
            let read = client.batch_read().body(body).send().await?.into_inner();
            for deal in read.results {
                let mut row = row(
                    deal.id,
                    deal.properties,
                    deal.created_at,
                    deal.updated_at,
                    &self.stages,
                );
                set_histories(&mut row, &deal.properties_with_history, options);
                rows.push(row);
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::Touched;
    use crate::journal::{ChangeKind, DealChange, JournalEntry};
    use chrono::{DateTime, Utc};

    fn at(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(seconds, 0)
    }

    fn change(deal: u64, seconds: i64, kind: ChangeKind) -> DealChange {
        DealChange {
            deal_id: Some(deal),
            occurred_at: at(seconds),
            kind,
            covered: false,
        }
    }

    fn entry(changes: Vec<DealChange>) -> JournalEntry {
        JournalEntry {
            offset: "o".into(),
            published_at: None,
            changes,
        }
    }

    fn known() -> Vec<String> {
        vec!["amount".into(), "dealname".into()]
    }

    #[test]
    fn every_deal_named_is_read_with_the_ids_a_merge_took_and_the_time_of_each_deletion() {
        let entries = [
            entry(vec![
                change(1, 10, ChangeKind::Deleted),
                change(2, 30, ChangeKind::Restored),
            ]),
            entry(vec![
                change(1, 20, ChangeKind::Deleted),
                change(
                    3,
                    25,
                    ChangeKind::Merged {
                        merged: vec![4, 5],
                        properties: Default::default(),
                    },
                ),
                DealChange {
                    deal_id: None,
                    occurred_at: at(99),
                    kind: ChangeKind::Restored,
                    covered: false,
                },
            ]),
        ];
        let touched = Touched::of(&entries, &known());
        let ids: Vec<&str> = touched.ids.iter().map(String::as_str).collect();
        assert_eq!(ids, ["1", "2", "3", "4", "5"]);
        assert_eq!(touched.deleted_at.len(), 1);
        assert_eq!(
            touched.deleted_at["1"],
            at(20).unwrap(),
            "the last deletion"
        );
        assert_eq!(
            touched.latest,
            at(30),
            "an event about no deal moves nothing"
        );
        assert!(!touched.new_property);
    }

    #[test]
    fn a_property_the_follower_does_not_know_is_noticed_wherever_it_is_named() {
        let changed = |name: &str| {
            entry(vec![change(
                1,
                1,
                ChangeKind::PropertyChanged {
                    name: name.into(),
                    old: None,
                    new: Some("x".into()),
                },
            )])
        };
        assert!(!Touched::of(&[changed("amount")], &known()).new_property);
        assert!(Touched::of(&[changed("erp_tier")], &known()).new_property);
        let created = |name: &str| {
            let properties = [(name.to_string(), "x".to_string())].into();
            entry(vec![change(1, 1, ChangeKind::Created { properties })])
        };
        assert!(!Touched::of(&[created("dealname")], &known()).new_property);
        assert!(Touched::of(&[created("erp_tier")], &known()).new_property);
        let snapshot = entry(vec![change(
            1,
            1,
            ChangeKind::Snapshot {
                properties: [("erp_tier".to_string(), "x".to_string())].into(),
            },
        )]);
        assert!(Touched::of(&[snapshot], &known()).new_property);
        assert!(Touched::of(&[], &known()).ids.is_empty());
    }
}
