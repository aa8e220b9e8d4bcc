//! Every deal, page by page, as a stream: lazy, one page fetched ahead while the caller works
//! on the current one, memory flat however many deals pass, resumable from any point, and
//! guarded against a cursor that repeats.
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
use crate::ahead::{Ahead, Feed};
use crate::generated::Client;
use crate::types::DealWithAssociations;
use futures_core::Stream;
use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
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

    fn max_page_size(&self) -> u32 {
        if self.properties_with_history.is_empty() {
            100
        } else {
            50
        }
    }

    /// The pages, one at a time.
    pub fn pages(self) -> PageStream {
        let start = self.start.clone();
        PageStream {
            pages: Ahead::spawn(move |feed| produce(feed, self)),
            next: Some(start),
        }
    }

    /// The deals, one at a time.
    pub fn stream(self) -> DealStream {
        let start = Some(self.start.clone());
        DealStream {
            pages: self.pages(),
            current: VecDeque::new(),
            start,
            cursor: None,
            taken: 0,
            next: None,
            ended: false,
        }
    }
}

/// Fetches the pages, each after the caller has taken the one before.
async fn produce(feed: Feed<Page>, list: ListDeals) {
    let max = list.max_page_size();
    let size = list.page_size.unwrap_or(max);
    let mut cursor = list.start.after.clone();
    if !(1..=max).contains(&size) {
        if let Some(room) = feed.room().await {
            room.send(Err(Error::InvalidRequest(format!(
                "page size {size} is out of range: 1 to {max}{}",
                if max == 50 {
                    " with properties_with_history"
                } else {
                    ""
                }
            ))));
        }
        return;
    }
    // Cursors seen so far, hashed: a repeated one means the server would loop.
    let hasher = RandomState::new();
    let mut seen = HashSet::new();
    loop {
        let Some(room) = feed.room().await else {
            return;
        };
        let mut request = list
            .client
            .get_page()
            .limit(size as i32)
            .archived(list.archived);
        if !list.properties.is_empty() {
            request = request.properties(list.properties.clone());
        }
        if !list.properties_with_history.is_empty() {
            request = request.properties_with_history(list.properties_with_history.clone());
        }
        if !list.associations.is_empty() {
            request = request.associations(list.associations.clone());
        }
        if let Some(after) = &cursor {
            request = request.after(after.clone());
        }
        let page = match request.send().await {
            Ok(page) => page.into_inner(),
            Err(error) => {
                room.send(Err(error));
                return;
            }
        };
        let next = page.paging.and_then(|p| p.next).map(|n| n.after);
        if let Some(after) = &next
            && (!seen.insert(hasher.hash_one(after)) || Some(after) == cursor.as_ref())
        {
            room.send(Err(Error::RepeatedCursor {
                operation: Some("get_page"),
                cursor: after.clone(),
            }));
            return;
        }
        let last = next.is_none();
        room.send(Ok(Page {
            deals: page.results,
            cursor: cursor.take(),
            next: next.clone(),
        }));
        if last {
            return;
        }
        cursor = next;
    }
}

/// The pages of a listing.
pub struct PageStream {
    pages: Ahead<Page>,
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

/// The deals of a listing, one at a time.
pub struct DealStream {
    pages: PageStream,
    /// The deals of the current page not taken yet.
    current: VecDeque<DealWithAssociations>,
    /// Where the stream started, until its first page arrives.
    start: Option<ResumePoint>,
    /// The cursor of the current page, and how many of its deals were taken.
    cursor: Option<String>,
    taken: usize,
    /// The cursor of the page after the current one (`None`: the current one is the last).
    next: Option<String>,
    /// No more items will come (the last page was drained, or an error ended the stream).
    ended: bool,
}

impl DealStream {
    /// Where to start again to get exactly the deals not yet taken (pass it to
    /// [`ListDeals::resume`]); `None` once every deal was taken.
    pub fn resume_point(&self) -> Option<ResumePoint> {
        if let Some(start) = &self.start {
            return Some(start.clone());
        }
        if !self.current.is_empty() {
            return Some(ResumePoint {
                after: self.cursor.clone(),
                skip: self.taken,
            });
        }
        self.next.clone().map(|after| ResumePoint {
            after: Some(after),
            skip: 0,
        })
    }
}

impl Stream for DealStream {
    type Item = Result<DealWithAssociations, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(deal) = this.current.pop_front() {
                this.taken += 1;
                return Poll::Ready(Some(Ok(deal)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                None => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Some(Err(error)) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Some(Ok(page)) => {
                    let skip = this.start.take().map_or(0, |start| start.skip);
                    this.current = page.deals.into();
                    this.taken = skip.min(this.current.len());
                    this.current.drain(..this.taken);
                    this.cursor = page.cursor;
                    this.next = page.next;
                }
            }
        }
    }
}
