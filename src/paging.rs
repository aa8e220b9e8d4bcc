//! Every deal, page by page, as a stream: lazy, one page fetched ahead while the caller works
//! on the current one, memory flat however many deals pass, resumable from any point, and
//! guarded against a cursor that repeats.
//!
//! However many properties are asked for, no URL grows past HubSpot's limit (about 16 KB:
//! [`limits::URL_BYTES`], a 414 past it; a few hundred property names). When the names fit,
//! a page costs one call (100 deals a call). When they do not, each page lists the ids only
//! and a batch read fetches their properties, named in its body: two calls per 100 deals.
//! Splitting the names across several listings of the same page would cost at least two as
//! well, and one more for every further 16 KB of names. A deal archived between its listing
//! and its batch read is left out: it is no longer live.
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! use futures_util::StreamExt;
//! let mut deals = client.deals().list().properties(["dealname", "amount"]).stream();
//! while let Some(deal) = deals.next().await {
//!     let deal = deal?;
//!     println!("{} {:?}", deal.id, deal.properties.get("dealname"));
//! }
//! # Ok(()) }
//! ```

use crate::Error;
use crate::cursors::CursorGuard;
use crate::generated::Client;
use crate::limits;
use crate::page_size::PageSize;
use crate::stream::{Items, Prefetch, Producer};
use crate::types::{BatchRead, DealId, DealWithAssociations};
use futures_core::Stream;
use progenitor_client::ClientInfo;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// Where a listing stands, to start it again there: the cursor of a page and how many of
/// its deals were already taken. Serializable, so a job can store it and resume tomorrow.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ResumePoint {
    /// The cursor of the page to fetch (`None`: the first page).
    pub after: Option<String>,
    /// How many deals of that page were already taken.
    pub skip: usize,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page {
    /// The deals of the page, in HubSpot's order.
    pub deals: Vec<DealWithAssociations>,
    /// The cursor this page was fetched with (`None`: the first page).
    pub cursor: Option<String>,
    /// The cursor of the next page (`None`: this was the last).
    pub next: Option<String>,
}

/// A listing of deals, configured like `get_page`; see the module docs.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListDeals {
    client: Client,
    properties: Vec<String>,
    properties_with_history: Vec<String>,
    associations: Vec<String>,
    archived: bool,
    page_size: Option<u32>,
    start: ResumePoint,
}

fn strings(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl ListDeals {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            properties: Vec::new(),
            properties_with_history: Vec::new(),
            associations: Vec::new(),
            archived: false,
            page_size: None,
            start: ResumePoint::default(),
        }
    }

    /// The properties to return (default: HubSpot's default deal properties).
    pub fn properties(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.properties = strings(names);
        self
    }

    /// Properties to return with their history (pages hold at most 50 deals then).
    pub fn properties_with_history(
        mut self,
        names: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.properties_with_history = strings(names);
        self
    }

    /// Object types whose associated ids to return (`contacts`, `companies`, …).
    pub fn associations(mut self, types: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.associations = strings(types);
        self
    }

    /// Lists archived deals only (default: live ones).
    pub fn archived(mut self, archived: bool) -> Self {
        self.archived = archived;
        self
    }

    /// Deals per page (default and maximum 100; 50 with history).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Starts where an earlier stream stood ([`DealStream::resume_point`]).
    pub fn resume(mut self, point: ResumePoint) -> Self {
        self.start = point;
        self
    }

    /// Whether the listing's URL, with every property named in it, would pass HubSpot's
    /// limit: then the properties go in a batch read's body instead.
    fn properties_in_body(&self) -> bool {
        // Each value as `name=value&`, encoded as the generated client encodes a query.
        let encoded_len = |v: &str| {
            form_urlencoded::byte_serialize(v.as_bytes())
                .map(str::len)
                .sum::<usize>()
        };
        let named = |name: &str, values: &[String]| -> usize {
            values.iter().map(|v| name.len() + 2 + encoded_len(v)).sum()
        };
        // The path, `limit`, `archived` and a cursor, generously.
        const REST: usize = 300;
        let length = self.client.baseurl().len()
            + REST
            + named("properties", &self.properties)
            + named("propertiesWithHistory", &self.properties_with_history)
            + named("associations", &self.associations);
        length > limits::URL_BYTES - limits::URL_MARGIN
    }

    fn max_page_size(&self) -> u32 {
        if self.properties_with_history.is_empty() {
            limits::LIST_PAGE as u32
        } else {
            limits::LIST_PAGE_WITH_HISTORY as u32
        }
    }

    /// The pages, one at a time.
    pub fn pages(self) -> PageStream {
        let start = self.start.clone();
        PageStream {
            pages: Prefetch::spawn(move |producer| produce(producer, self, |page| page)),
            next: Some(start),
        }
    }

    /// The deals, one at a time.
    pub fn stream(self) -> DealStream {
        let start = self.start.clone();
        let mut skip = start.skip;
        let pages = Prefetch::spawn(move |producer| {
            produce(producer, self, move |page| {
                listed(page, std::mem::take(&mut skip))
            })
        });
        DealStream {
            items: Items::new(pages),
            point: Some(start),
        }
    }
}

/// Fetches the pages, each after the caller has taken the one before, shaped by `shape`.
async fn produce<P: Send>(
    producer: Producer<P>,
    list: ListDeals,
    mut shape: impl FnMut(Page) -> P,
) {
    let max = list.max_page_size();
    let size = list.page_size.unwrap_or(max);
    let mut cursor = list.start.after.clone();
    if !(1..=max).contains(&size) {
        let with = if max == limits::LIST_PAGE_WITH_HISTORY as u32 {
            " with properties_with_history"
        } else {
            ""
        };
        let message = format!("page size {size} is out of range: 1 to {max}{with}");
        return producer.fail(Error::InvalidRequest(message)).await;
    }
    // A cursor seen before, or empty pages that keep naming a next one: the server would loop.
    let mut guard = CursorGuard::new("get_page", cursor.as_deref());
    let in_body = list.properties_in_body();
    let mut size = PageSize::new(size);
    loop {
        let Some(slot) = producer.reserve().await else {
            return;
        };
        let mut request = list
            .client
            .get_page()
            .limit(size.get() as i32)
            .archived(list.archived);
        if in_body {
            request = request.properties(vec!["hs_object_id".to_string()]);
        } else {
            if !list.properties.is_empty() {
                request = request.properties(list.properties.clone());
            }
            if !list.properties_with_history.is_empty() {
                request = request.properties_with_history(list.properties_with_history.clone());
            }
        }
        if !list.associations.is_empty() {
            request = request.associations(list.associations.clone());
        }
        if let Some(after) = &cursor {
            request = request.after(after.clone());
        }
        let page = match request.send().await {
            Ok(page) => page.into_inner(),
            // Long values: the same page again, smaller.
            Err(error) if size.smaller_after(&error) => continue,
            Err(error) => return slot.send(Err(error)),
        };
        let next = page.paging.and_then(|p| p.next).map(|n| n.after);
        let listed = page.results.len();
        let deals = if in_body {
            match with_properties(&list, page.results).await {
                Ok(deals) => deals,
                Err(error) if size.smaller_after(&error) => continue,
                Err(error) => return slot.send(Err(error)),
            }
        } else {
            page.results
        };
        size.taken();
        if let Err(error) = guard.check(listed, next.as_deref()) {
            return slot.send(Err(error));
        }
        let last = next.is_none();
        slot.send(Ok(shape(Page {
            deals,
            cursor: cursor.take(),
            next: next.clone(),
        })));
        if last {
            return;
        }
        cursor = next;
    }
}

/// The listed deals with the properties the listing asks for, read by one batch read (a page
/// holds at most as many deals as a batch read takes), in the listing's order.
async fn with_properties(
    list: &ListDeals,
    listed: Vec<DealWithAssociations>,
) -> Result<Vec<DealWithAssociations>, Error> {
    if listed.is_empty() {
        return Ok(listed);
    }
    let body = BatchRead {
        id_property: None,
        inputs: listed.iter().map(|d| DealId { id: d.id.clone() }).collect(),
        properties: list.properties.clone(),
        properties_with_history: list.properties_with_history.clone(),
    };
    let read = list
        .client
        .batch_read()
        .archived(list.archived)
        .body(body)
        .send()
        .await?
        .into_inner();
    let mut found: std::collections::HashMap<String, _> = read
        .results
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    Ok(listed
        .into_iter()
        .filter_map(|mut deal| {
            let read = found.remove(&deal.id)?;
            deal.properties = read.properties;
            deal.properties_with_history = read.properties_with_history;
            deal.updated_at = read.updated_at;
            Some(deal)
        })
        .collect())
}

/// The pages of a listing.
pub struct PageStream {
    pages: Prefetch<Page>,
    next: Option<ResumePoint>,
}

impl PageStream {
    /// Where to start again to get the pages not yet taken; `None` once the last was taken.
    pub fn resume_point(&self) -> Option<ResumePoint> {
        self.next.clone()
    }
}

impl Stream for PageStream {
    type Item = Result<Page, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(Pin::new(&mut self.pages).poll_next(cx));
        if let Some(Ok(page)) = &item {
            self.next = page.next.clone().map(|after| ResumePoint {
                after: Some(after),
                skip: 0,
            });
        }
        Poll::Ready(item)
    }
}

/// A listed deal, and where the listing stands once it is taken.
struct Listed {
    deal: DealWithAssociations,
    then: Option<ResumePoint>,
}

/// A page's deals past the first `skip`, each with where the listing stands after it.
fn listed(page: Page, skip: usize) -> Vec<Listed> {
    let count = page.deals.len();
    let cursor = page.cursor;
    let next = page.next;
    page.deals
        .into_iter()
        .enumerate()
        .skip(skip)
        .map(|(i, deal)| Listed {
            deal,
            then: if i + 1 < count {
                Some(ResumePoint {
                    after: cursor.clone(),
                    skip: i + 1,
                })
            } else {
                next.clone().map(|after| ResumePoint {
                    after: Some(after),
                    skip: 0,
                })
            },
        })
        .collect()
}

/// The deals of a listing, one at a time, noting where the listing stands as each passes.
pub struct DealStream {
    items: Items<Listed>,
    /// Where the listing stands (`None`: every deal was taken).
    point: Option<ResumePoint>,
}

impl DealStream {
    /// Where to start again to get exactly the deals not yet taken (pass it to
    /// [`ListDeals::resume`]); `None` once every deal was taken.
    pub fn resume_point(&self) -> Option<ResumePoint> {
        self.point.clone()
    }
}

impl Stream for DealStream {
    type Item = Result<DealWithAssociations, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match ready!(Pin::new(&mut this.items).poll_next(cx)) {
            Some(Ok(Listed { deal, then })) => {
                this.point = then;
                Poll::Ready(Some(Ok(deal)))
            }
            Some(Err(error)) => Poll::Ready(Some(Err(error))),
            None => {
                // The listing ended: every deal was taken.
                this.point = None;
                Poll::Ready(None)
            }
        }
    }
}
