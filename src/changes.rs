//! Incremental sync: every deal changed since a watermark, oldest change first, past the
//! 10,000-result cap, with the watermark to store for the next run.
//!
//! The search asks for `hs_lastmodifieddate >= since - overlap`, ordered by it. Before the
//! cap it starts a new search from the last modification time seen, passing over the deals it
//! already gave with exactly that time, so deals sharing a timestamp are neither lost nor
//! repeated within a run. (More than 10,000 deals changed in the same millisecond cannot be
//! paged past; the stream then ends with an error that says so.)
//!
//! **Indexing lag.** HubSpot's search sees a change only some seconds after it is made. A
//! deal changed just before a run, but not yet indexed, is not in that run; if a later change
//! (already indexed) moved the watermark past its time, a run that started exactly at the
//! watermark would miss it for good. So each run starts `overlap` (default 5 minutes) before
//! the watermark: deals changed in that window are given again. Delivery is at least once;
//! keep the last `(id, updated_at)` you applied, or make applying a change idempotent.
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client, stored: chrono::DateTime<chrono::Utc>)
//! # -> Result<(), hubspot_deals::Error> {
//! use futures_util::StreamExt;
//! let mut changes = client.deals().changed_since(stored).properties(["dealname", "amount"]).stream();
//! let mut watermark = stored;
//! while let Some(change) = changes.next().await {
//!     let change = change?;
//!     println!("{} changed at {}", change.deal.id, change.deal.updated_at);
//!     watermark = change.watermark; // store it after applying the change
//! }
//! # Ok(()) }
//! ```

use crate::Error;
use crate::ahead::{Ahead, Feed, Items};
use crate::generated::Client;
use crate::search_all::{MAX_PAGE, RESULT_CAP, filter, next_offset, page};
use crate::types::{Deal, FilterGroup, FilterOperator, SearchRequest};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::time::Duration;

/// The time searches start from by default, before the watermark: HubSpot's search index
/// trails changes by seconds; five minutes leaves a wide margin.
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(300);

/// One changed deal, with the watermark to store once it is applied.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Changed {
    /// The deal as it is now.
    pub deal: Deal,
    /// Its modification time: pass the last one applied to the next run's `changed_since`.
    pub watermark: DateTime<Utc>,
}

/// A run of incremental sync; see the module docs.
#[derive(Debug, Clone)]
#[must_use]
pub struct ChangedSince {
    client: Client,
    since: DateTime<Utc>,
    overlap: Duration,
    properties: Vec<String>,
}

impl ChangedSince {
    pub(crate) fn new(client: Client, since: DateTime<Utc>) -> Self {
        Self {
            client,
            since,
            overlap: DEFAULT_OVERLAP,
            properties: Vec::new(),
        }
    }

    /// The properties to return (default: HubSpot's default deal properties).
    pub fn properties(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.properties = names.into_iter().map(Into::into).collect();
        self
    }

    /// How long before the watermark the run starts (default [`DEFAULT_OVERLAP`]).
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// The changed deals, oldest change first.
    pub fn stream(self) -> Items<Changed> {
        Ahead::spawn(move |feed| produce(feed, self)).into()
    }
}

/// `hs_lastmodifieddate >= from` as HubSpot's search takes it (epoch milliseconds).
fn since_filter(from: DateTime<Utc>) -> Vec<FilterGroup> {
    vec![FilterGroup {
        filters: vec![filter(
            "hs_lastmodifieddate",
            FilterOperator::Gte,
            from.timestamp_millis().to_string(),
        )],
    }]
}

async fn produce(feed: Feed<Vec<Changed>>, run: ChangedSince) {
    let overlap = chrono::Duration::from_std(run.overlap).unwrap_or(chrono::Duration::MAX);
    let mut from = run
        .since
        .checked_sub_signed(overlap)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    // The latest modification time given so far, and the deals given with exactly it.
    let mut latest: Option<DateTime<Utc>> = None;
    let mut given_at_latest: HashSet<String> = HashSet::new();
    // Deals to pass over after a new search from `from` (given before it).
    let mut given_at_from: HashSet<String> = HashSet::new();
    let mut offset = 0;
    loop {
        let Some(room) = feed.room().await else {
            return;
        };
        let request = SearchRequest {
            filter_groups: since_filter(from),
            sorts: vec!["hs_lastmodifieddate".into()],
            properties: run.properties.clone(),
            limit: MAX_PAGE,
            after: (offset > 0).then(|| offset.to_string()),
            query: None,
        };
        let found = match page(&run.client, request).await {
            Ok(found) => found,
            Err(error) => return room.send(Err(error)),
        };
        let next = next_offset(&found, offset);
        let mut changes = Vec::with_capacity(found.results.len());
        for deal in found.results {
            let at = deal.updated_at;
            if at == from && given_at_from.contains(&deal.id) {
                continue;
            }
            if latest != Some(at) {
                latest = Some(at);
                given_at_latest.clear();
            }
            given_at_latest.insert(deal.id.clone());
            changes.push(Changed {
                deal,
                watermark: at,
            });
        }
        room.send(Ok(changes));
        match next {
            None => return,
            Some(after) if after + MAX_PAGE as usize > RESULT_CAP => {
                // A new search from the latest time given, passing over what was given at it.
                // A whole window without a later time means more deals share it than a
                // search can page through.
                let Some(at) = latest else { return };
                if at == from {
                    let message = format!(
                        "more than {RESULT_CAP} deals changed at {at}: HubSpot's search cannot \
                         page past them"
                    );
                    if let Some(room) = feed.room().await {
                        room.send(Err(Error::Other(message)));
                    }
                    return;
                }
                from = at;
                given_at_from = given_at_latest.clone();
                offset = 0;
            }
            Some(after) => offset = after,
        }
    }
}
