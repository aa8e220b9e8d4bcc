//! The bulk helpers, beside the generated methods: `client.deals()` and a builder per task,
//! each ending in `.stream()` (or `.pages()`). They are built only on the public generated
//! methods, so auth, rate limits and retries apply to them unchanged.

use crate::changes::ChangedSince;
use crate::generated::Client;
use crate::paging::ListDeals;
use crate::search_all::SearchAll;
use crate::types::SearchRequest;

/// The bulk helpers of a client; see [`Client::deals`].
#[derive(Debug, Clone, Copy)]
pub struct Deals<'a> {
    client: &'a Client,
}

impl Client {
    /// The bulk helpers: streams over every deal, search past HubSpot's 10,000-result cap,
    /// incremental sync, batches of any size.
    pub fn deals(&self) -> Deals<'_> {
        Deals { client: self }
    }
}

impl<'a> Deals<'a> {
    /// Every deal, as a stream of deals or of pages ([`ListDeals`]).
    pub fn list(&self) -> ListDeals {
        ListDeals::new(self.client.clone())
    }

    /// Every match of a search, past HubSpot's 10,000-result cap ([`SearchAll`]).
    pub fn search_all(&self, request: SearchRequest) -> SearchAll {
        SearchAll::new(self.client.clone(), request)
    }

    /// Every deal changed since `watermark`, oldest change first ([`ChangedSince`]).
    pub fn changed_since(&self, watermark: chrono::DateTime<chrono::Utc>) -> ChangedSince {
        ChangedSince::new(self.client.clone(), watermark)
    }
}
