//! `changed_since`: the keyset walk on `hs_lastmodifieddate`; see [`ChangedSince`].

use super::keyset::{Key, SearchResume, SearchStream, Walk};
use super::{check_filters, page_size};
use crate::Error;
use crate::generated::Client;
use crate::types::{Deal, FilterGroup, SearchRequest};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How long before the watermark a run starts by default: HubSpot's search index trails
/// changes by seconds; five minutes leaves a wide margin.
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

/// Incremental sync: every deal changed since a time, oldest change first, past the
/// 10,000-result cap, each with the watermark to store for the next run. The keyset walk on
/// `hs_lastmodifieddate`, starting from `since - overlap`, within any filters of the caller's.
///
/// **Indexing lag.** HubSpot's search sees a change only some seconds after it is made. A
/// deal changed just before a run, but not yet indexed, is not in that run; if a later change
/// (already indexed) moved the watermark past its time, a run that started exactly at the
/// watermark would miss it for good. So each run starts `overlap` (default 5 minutes) before
/// the watermark: deals changed in that window are given again. Delivery is at least once;
/// keep the last `(id, updated_at)` you applied, or make applying a change idempotent. (A
/// [`resume`](ChangedSince::resume) goes on exactly where a stream stood, without overlap: it
/// continues one run.)
///
/// ```no_run
/// # async fn run(client: hubspot_deals::Client, stored: chrono::DateTime<chrono::Utc>)
/// # -> Result<(), hubspot_deals::Error> {
/// use futures_util::StreamExt;
/// let mut changes = client.deals().changed_since(stored).properties(["dealname", "amount"]).stream();
/// let mut watermark = stored;
/// while let Some(change) = changes.next().await {
///     let change = change?;
///     println!("{} changed at {}", change.deal.id, change.deal.updated_at);
///     watermark = change.watermark; // store it after applying the change
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ChangedSince {
    client: Client,
    since: DateTime<Utc>,
    overlap: Duration,
    properties: Vec<String>,
    filter_groups: Vec<FilterGroup>,
    resume: Option<SearchResume>,
}

impl ChangedSince {
    pub(crate) fn new(client: Client, since: DateTime<Utc>) -> Self {
        Self {
            client,
            since,
            overlap: DEFAULT_OVERLAP,
            properties: Vec::new(),
            filter_groups: Vec::new(),
            resume: None,
        }
    }

    /// The properties to return (default: HubSpot's default deal properties).
    pub fn properties(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.properties = names.into_iter().map(Into::into).collect();
        self
    }

    /// Only deals that also match these filter groups (ORed, as in a search; the time is
    /// added to each). The same limits as [`search_all`](crate::Deals::search_all) apply.
    pub fn filter_groups(mut self, groups: Vec<FilterGroup>) -> Self {
        self.filter_groups = groups;
        self
    }

    /// How long before the watermark the run starts (default [`DEFAULT_OVERLAP`]).
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// Goes on exactly where an earlier stream of this run stood
    /// ([`SearchStream::resume_point`]), instead of from `since` less the overlap.
    pub fn resume(mut self, point: SearchResume) -> Self {
        self.resume = Some(point);
        self
    }

    /// The changed deals, oldest change first.
    pub fn stream(self) -> SearchStream<Changed> {
        let overlap = chrono::Duration::from_std(self.overlap).unwrap_or(chrono::Duration::MAX);
        let from = self.resume.unwrap_or_else(|| SearchResume {
            key: Some(
                self.since
                    .checked_sub_signed(overlap)
                    .unwrap_or(DateTime::<Utc>::MIN_UTC)
                    .timestamp_millis(),
            ),
            given: Vec::new(),
        });
        let refusal = check_filters(&self.filter_groups, "changed_since (its time)");
        let walk = Walk {
            client: self.client,
            request: SearchRequest {
                filter_groups: self.filter_groups,
                properties: self.properties,
                limit: page_size(0).unwrap_or(1),
                ..SearchRequest::default()
            },
            key: Key::LastModified,
            from,
        };
        match refusal {
            None => walk.stream(changed),
            Some(why) => walk.refused(Error::InvalidRequest(why), changed),
        }
    }
}

fn changed(deal: Deal) -> Changed {
    Changed {
        watermark: deal.updated_at,
        deal,
    }
}
