//! The keyset walk both searches stand on: the matches ordered by one numeric property (the
//! key), each page a new search from the last key given (`key > last` when no two deals
//! share a key, else `key >= last`, passing over the deals already given with it), never an
//! offset: edits, archives and creates while a walk reads move nothing it has yet to read.
//! Deals sharing a key (a month-end bulk update) are neither lost nor repeated. When a whole
//! page shares one modification time (HubSpot's search applies only one sort, so it cannot
//! seek within them by time), the walk goes through that millisecond by id
//! (`hs_lastmodifieddate = k` and `hs_object_id > last`, sorted by id), then on after it.
//! That needs room for two filters in each of the caller's groups; without it the walk pages
//! through that millisecond by offset, and ends with an error that says so past HubSpot's
//! 10,000-result cap.

use super::{filter, next_offset, page, with_filter};
use crate::Error;
use crate::generated::Client;
use crate::limits::SEARCH_RESULTS;
use crate::page_size::PageSize;
use crate::stream::{Items, Prefetch, Producer};
use crate::types::{Deal, FilterGroup, FilterOperator, SearchRequest};
use futures_core::Stream;
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

/// The property a walk orders by and starts again from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `hs_object_id`: the deal's id, one deal per key.
    ObjectId,
    /// `hs_lastmodifieddate`: when the deal last changed, in epoch milliseconds.
    LastModified,
}

impl Key {
    fn property(self) -> &'static str {
        match self {
            Self::ObjectId => "hs_object_id",
            Self::LastModified => "hs_lastmodifieddate",
        }
    }

    /// How a search starts again from a key: after it when no two deals share one, else at
    /// it (passing over the deals already given with it).
    fn from(self) -> FilterOperator {
        match self {
            Self::ObjectId => FilterOperator::Gt,
            Self::LastModified => FilterOperator::Gte,
        }
    }

    /// Many deals having key `k`, in words.
    fn sharing(self, k: i64) -> String {
        match self {
            Self::ObjectId => format!("have hs_object_id {k}"),
            Self::LastModified => {
                let at = chrono::DateTime::from_timestamp_millis(k)
                    .map_or_else(|| k.to_string(), |t| t.to_rfc3339());
                format!("changed at {at}")
            }
        }
    }

    fn of(self, deal: &Deal) -> Result<i64, Error> {
        match self {
            Self::ObjectId => deal.id.parse().map_err(|_| {
                Error::Other(format!(
                    "deal id {:?} is not a number; a search cannot page past it",
                    deal.id
                ))
            }),
            Self::LastModified => Ok(deal.updated_at.timestamp_millis()),
        }
    }
}

/// Where a search stands: the key of the last deal given (its `hs_object_id`, or its
/// `hs_lastmodifieddate` in epoch milliseconds) and the deals given with that key.
/// Serializable, so a job can store it and go on from there.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SearchResume {
    /// The key of the last deal given (`None`: the search has given nothing yet).
    pub key: Option<i64>,
    /// The ids of the deals given with that key, passed over when the search goes on.
    pub given: Vec<String>,
}

/// A deal and its key.
pub(crate) struct Keyed {
    deal: Deal,
    key: i64,
}

/// A walk to run.
pub(crate) struct Walk {
    pub client: Client,
    /// The caller's request: filter groups (ANDed with the key's), properties, query, page
    /// size; checked already.
    pub request: SearchRequest,
    pub key: Key,
    pub from: SearchResume,
}

impl Walk {
    /// The deals, each made into a `T`, with where the walk stands as they pass.
    pub fn stream<T>(self, make: fn(Deal) -> T) -> SearchStream<T> {
        let point = self.from.clone();
        let total = Arc::new(AtomicU64::new(UNKNOWN));
        let counted = total.clone();
        SearchStream {
            items: Items::new(Prefetch::spawn(move |producer| {
                walk(producer, self, counted)
            })),
            make,
            point,
            total,
        }
    }

    /// A stream that ends at once with `error` (a request the walk cannot run).
    pub fn refused<T>(self, error: Error, make: fn(Deal) -> T) -> SearchStream<T> {
        SearchStream {
            items: Items::new(Prefetch::spawn(move |producer| async move {
                producer.fail(error).await
            })),
            make,
            point: self.from,
            total: Arc::new(AtomicU64::new(UNKNOWN)),
        }
    }
}

/// A walk through the deals sharing one modification time, ordered by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tie {
    /// The shared key.
    at: i64,
    /// How the next page is found: after the last id seen (`Some`; `None` before the
    /// first), or, when the caller's filter groups leave no room for that filter, by offset.
    seek: TieSeek,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TieSeek {
    AfterId(Option<i64>),
    Offset(usize),
}

/// Where the next search starts; the same position twice in a row means the server gave a
/// page that moved nothing (it ignored the filters), and the walk stops instead of looping.
type Position = (Option<i64>, bool, Option<Tie>, usize, PageSize);

/// Whether each of `groups` can take two more filters within HubSpot's limits.
fn room_for_two(groups: &[FilterGroup]) -> bool {
    use crate::limits::{SEARCH_FILTERS, SEARCH_FILTERS_PER_GROUP};
    let total: usize = groups.iter().map(|g| g.filters.len()).sum();
    groups
        .iter()
        .all(|g| g.filters.len() + 2 <= SEARCH_FILTERS_PER_GROUP)
        && total + 2 * groups.len().max(1) <= SEARCH_FILTERS
}

/// The search for the next page: the caller's with the key's filter (from `start`, or
/// within the tie) and its sort.
fn next_search(
    request: &SearchRequest,
    key: Key,
    start: Option<i64>,
    strictly_after: bool,
    tie: Option<Tie>,
) -> SearchRequest {
    let groups = &request.filter_groups;
    let mut search = request.clone();
    search.after = None;
    match tie {
        Some(t) => {
            let at = filter(key.property(), FilterOperator::Eq, t.at.to_string());
            let mut narrowed = with_filter(groups, at);
            match t.seek {
                TieSeek::AfterId(Some(id)) => {
                    let after = filter("hs_object_id", FilterOperator::Gt, id.to_string());
                    narrowed = with_filter(&narrowed, after);
                }
                TieSeek::AfterId(None) => {}
                TieSeek::Offset(offset) => search.after = (offset > 0).then(|| offset.to_string()),
            }
            search.filter_groups = narrowed;
            search.sorts = vec!["hs_object_id".into()];
        }
        None => {
            if let Some(from) = start {
                let operator = if strictly_after {
                    FilterOperator::Gt
                } else {
                    key.from()
                };
                let onwards = filter(key.property(), operator, from.to_string());
                search.filter_groups = with_filter(groups, onwards);
            }
            search.sorts = vec![key.property().into()];
        }
    }
    search
}

/// Every page is a fresh seek from the last key given (passing over the deals already given
/// with it), never an offset into a result set that edits, archives and creates shift while
/// the walk reads it.
async fn walk(producer: Producer<Vec<Keyed>>, walk: Walk, total: Arc<AtomicU64>) {
    let Walk {
        client,
        request,
        key,
        from,
    } = walk;
    let limit = request.limit.max(1) as usize;
    let mut size = PageSize::new(limit as u32);
    // The key the next search starts from, and the deals given with it (passed over).
    let mut start = from.key;
    let mut pass_over: HashSet<String> = from.given.into_iter().collect();
    // Whether the next search starts strictly after `start` (a tie just walked through).
    let mut strictly_after = false;
    let mut tie: Option<Tie> = None;
    let mut previous: Option<Position> = None;
    loop {
        let position = (start, strictly_after, tie, pass_over.len(), size);
        if previous == Some(position) {
            let message = "HubSpot's search gave a page that moved the walk nowhere (the same \
                           search would follow): stopping rather than asking for ever";
            return producer.fail(Error::Other(message.into())).await;
        }
        previous = Some(position);
        let Some(slot) = producer.reserve().await else {
            return;
        };
        let searched_from = start;
        let mut search = next_search(&request, key, start, strictly_after, tie);
        search.limit = size.get() as i32;
        let found = match page(&client, search).await {
            Ok(found) => found,
            // Long values: the same search again, for fewer deals.
            Err(error) if size.smaller_after(&error) => continue,
            Err(error) => return slot.send(Err(error)),
        };
        size.taken();
        if total.load(Ordering::Relaxed) == UNKNOWN {
            total.store(found.total.max(0) as u64, Ordering::Relaxed);
        }
        let more = next_offset(&found, 0).is_some();
        let count = found.results.len();
        let mut last_key = None;
        let mut given = Vec::with_capacity(count);
        for deal in found.results {
            let k = match key.of(&deal) {
                Ok(k) => k,
                Err(error) => return slot.send(Err(error)),
            };
            last_key = Some(k);
            if let Some(Tie {
                seek: TieSeek::AfterId(after),
                ..
            }) = &mut tie
            {
                match Key::ObjectId.of(&deal) {
                    Ok(id) => *after = Some(id),
                    Err(error) => return slot.send(Err(error)),
                }
            }
            if Some(k) == start && pass_over.contains(&deal.id) {
                continue;
            }
            if Some(k) != start {
                start = Some(k);
                strictly_after = false;
                pass_over.clear();
            }
            pass_over.insert(deal.id.clone());
            given.push(Keyed { deal, key: k });
        }
        slot.send(Ok(given));
        if !more {
            match tie.take() {
                // The millisecond is through: on after it.
                Some(t) => {
                    start = Some(t.at);
                    strictly_after = true;
                    continue;
                }
                None => return,
            }
        }
        match &mut tie {
            Some(Tie {
                seek: TieSeek::Offset(offset),
                at,
            }) => {
                *offset += count;
                if *offset + limit > SEARCH_RESULTS {
                    let message = format!(
                        "more than {SEARCH_RESULTS} deals {}: HubSpot's search cannot page past \
                         them (the search's filter groups leave no room to go through them by id)",
                        key.sharing(*at),
                    );
                    return producer.fail(Error::Other(message)).await;
                }
            }
            // By id: the next page seeks after the last id seen.
            Some(_) => {}
            // A full page of deals all sharing the key it started from: the order among
            // them is HubSpot's to choose, so only a walk by id (or by offset, without room
            // for that filter) gets through them.
            None if last_key.is_some() && last_key == searched_from && !strictly_after => {
                let at = last_key.unwrap_or_default();
                let seek = if room_for_two(&request.filter_groups) {
                    TieSeek::AfterId(None)
                } else {
                    TieSeek::Offset(0)
                };
                tie = Some(Tie { at, seek });
                start = Some(at);
            }
            None => {}
        }
    }
}

/// The deals of a search past the cap, one at a time, fetched a page ahead, noting where the
/// search stands as each one passes.
pub struct SearchStream<T> {
    items: Items<Keyed>,
    make: fn(Deal) -> T,
    point: SearchResume,
    total: Arc<AtomicU64>,
}

/// [`SearchStream::total`] before the first page came.
const UNKNOWN: u64 = u64::MAX;

impl<T> SearchStream<T> {
    /// How many deals the search had left to give when it started, as HubSpot counted
    /// them (its first page's `total`), once the first page has come: for a progress
    /// bar's length and an ETA. Deals created or changed while it runs can make the
    /// stream give more (or fewer) than this.
    pub fn total(&self) -> Option<u64> {
        Some(self.total.load(Ordering::Relaxed)).filter(|t| *t != UNKNOWN)
    }

    /// Where the search stands after the items taken so far: pass it to the same search's
    /// `resume` to go on with the deals not yet given (and, for `changed_since`, those
    /// changed since).
    pub fn resume_point(&self) -> SearchResume {
        self.point.clone()
    }
}

impl<T> std::fmt::Debug for SearchStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchStream")
            .field("items", &self.items)
            .field("point", &self.point)
            .finish_non_exhaustive()
    }
}

impl<T> Stream for SearchStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let item = ready!(Pin::new(&mut this.items).poll_next(cx));
        Poll::Ready(item.map(|item| {
            item.map(|Keyed { deal, key }| {
                if this.point.key != Some(key) {
                    this.point.key = Some(key);
                    this.point.given.clear();
                }
                this.point.given.push(deal.id.clone());
                (this.make)(deal)
            })
        }))
    }
}
