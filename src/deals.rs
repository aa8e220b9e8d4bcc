//! The bulk helpers, beside the generated methods: `client.deals()` and a builder per task,
//! each ending in `.stream()` (or `.pages()`). They are built only on the public generated
//! methods, so auth, rate limits and retries apply to them unchanged.

use crate::batch::{ArchiveOp, BatchRun, CreateOp, Inputs, ReadOp, UpdateOp, UpsertOp};
use crate::generated::Client;
use crate::paging::ListDeals;
use crate::search::{ChangedSince, SearchAll};
use crate::types::{BatchUpdateInput, Deal, DealUpsert, NewDeal, SearchRequest, UpsertedDeal};

/// The property naming the ids merged into a deal (`;`-separated; HubSpot keeps the ids of
/// every deal merged into it, its own among them after some merges).
pub(crate) const MERGED_IDS: &str = "hs_merged_object_ids";

/// The ids merged into deal `id`, read from its `hs_merged_object_ids` value: never `id`
/// itself, never blank.
pub(crate) fn merged_ids<'a>(id: &'a str, value: Option<&'a str>) -> impl Iterator<Item = &'a str> {
    value
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(move |merged| !merged.is_empty() && *merged != id)
}

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

    /// Creates any number of deals ([`BatchRun`]); a chunk that may have been applied is
    /// never sent twice, its inputs' outcomes are `Unknown`.
    pub fn create_all(&self, deals: impl Into<Inputs<NewDeal>>) -> BatchRun<NewDeal, Deal> {
        BatchRun::new(self.client.clone(), CreateOp, deals.into())
    }

    /// Updates any number of deals, by id (or each input's `id_property`).
    pub fn update_all(
        &self,
        updates: impl Into<Inputs<BatchUpdateInput>>,
    ) -> BatchRun<BatchUpdateInput, Deal> {
        BatchRun::new(self.client.clone(), UpdateOp, updates.into())
    }

    /// Creates or updates any number of deals by the unique property `property` (each
    /// input's `id` is its value).
    pub fn upsert_all(
        &self,
        property: impl Into<String>,
        deals: impl Into<Inputs<DealUpsert>>,
    ) -> BatchRun<DealUpsert, UpsertedDeal> {
        let op = UpsertOp {
            property: property.into(),
        };
        BatchRun::new(self.client.clone(), op, deals.into())
    }

    /// Reads any number of deals by id, with these properties (none: HubSpot's defaults).
    pub fn read_all(
        &self,
        ids: impl Into<Inputs<String>>,
        properties: impl IntoIterator<Item = impl Into<String>>,
    ) -> BatchRun<String, Deal> {
        let op = ReadOp {
            properties: properties.into_iter().map(Into::into).collect(),
        };
        BatchRun::new(self.client.clone(), op, ids.into())
    }

    /// Archives any number of deals by id.
    pub fn archive_all(&self, ids: impl Into<Inputs<String>>) -> BatchRun<String, ()> {
        BatchRun::new(self.client.clone(), ArchiveOp, ids.into())
    }

    /// Every deal changed since `watermark`, oldest change first ([`ChangedSince`]).
    pub fn changed_since(&self, watermark: chrono::DateTime<chrono::Utc>) -> ChangedSince {
        ChangedSince::new(self.client.clone(), watermark)
    }
}
