//! A copy of every deal kept in a database: the engine behind `hubspot-deals sync`, on a
//! [`Sink`] any database can implement (this crate has no database dependency; the command
//! line's SQLite sink is one).
//!
//! A [`sync`] run reads the account's pipelines, its property names, then either every deal
//! (the first run, page by page, resumable) or the deals changed since the last run
//! (`changed_since`, past the 10,000 cap), each group of pages with its deals' associations
//! (associations v4, 1,000 deals a call per type) and stage history (`dealstage` with
//! history: the first load's listing carries it, 50 deals a page; later runs read it by
//! batch, 50 deals a call, as HubSpot allows), and hands each group to the sink as one
//! [`Batch`] that carries the position to store with it. Every run marks the deals HubSpot
//! lists as archived (100 a call); a restored deal's modification time moves, so the next
//! run reads it live. A reconcile pass (the first run,
//! then when asked) lists archived deals and compares the ids HubSpot still has with the
//! sink's, so a deletion no feed told of is found.
//!
//! **Right by construction.** A batch is applied in one transaction, and its [`Position`]
//! with it: a run killed at any point starts the next one where the last batch left it, and
//! applying a batch twice changes nothing (rows are replaced by id).

mod follow;
mod run;
mod verify;
mod watch;

pub use follow::{Follower, PIPELINES_FRESH_FOR};
pub use run::{Options, sync};
pub use verify::{Drift, repair, verify};
pub use watch::{POLL_EVERY, WatchEvent, watch};

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// Where a mirror stands: stored by the sink in the same transaction as each batch.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Position {
    /// The first load finished.
    pub loaded: bool,
    /// During the first load: the listing's cursor to go on from (`None`: the start).
    pub list_after: Option<String>,
    /// Deals changed since this time are read by the next incremental run (`changed_since`
    /// starts its overlap before it). Set when the first load starts, from HubSpot's times
    /// only (the newest modification its search holds then), never this machine's clock.
    pub watermark: Option<DateTime<Utc>>,
    /// When the last reconcile pass finished.
    pub reconciled_at: Option<DateTime<Utc>>,
    /// Following the webhooks journal ([`Follower`]): the offset of the last entry applied.
    pub journal_offset: Option<String>,
}

/// One deal as the mirror keeps it: typed core columns, every other property as it came.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DealRow {
    /// The deal id.
    pub id: String,
    /// `dealname`.
    pub name: Option<String>,
    /// `amount`, as a number (`None` when empty or not a number: the text stays in
    /// `properties`).
    pub amount: Option<f64>,
    /// `pipeline`, and its label.
    pub pipeline_id: Option<String>,
    /// The pipeline's label, when the pipeline is known.
    pub pipeline_label: Option<String>,
    /// `dealstage`.
    pub stage_id: Option<String>,
    /// The stage's label, when the stage is known.
    pub stage_label: Option<String>,
    /// `closedate`.
    pub close_date: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub modified_at: DateTime<Utc>,
    /// `hubspot_owner_id`.
    pub owner_id: Option<String>,
    /// Every property read, by name (`None`: no value).
    pub properties: BTreeMap<String, Option<String>>,
    /// Its way through the stages (`dealstage`'s history), oldest first; `None` when this
    /// batch did not read it (keep what is held).
    pub stage_history: Option<Vec<StageSpan>>,
    /// Every past value of the properties [`Options::history`] names, as HubSpot keeps them;
    /// `None` when this batch did not read them (keep what is held), else the whole history
    /// of those properties (replacing what is held for the deal).
    pub history: Option<Vec<PropertyChange>>,
}

/// One value a deal property held, from when (HubSpot's `propertiesWithHistory`): a row of
/// the mirror's `deal_property_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PropertyChange {
    /// The property.
    pub property: String,
    /// The value it took.
    pub value: String,
    /// When.
    pub at: DateTime<Utc>,
    /// What set it (`CRM_UI`, `API`, `CALCULATED`, `IMPORT`, …).
    pub source_type: String,
    /// Which one of those, when HubSpot says.
    pub source_id: Option<String>,
    /// The user who set it, when a user did.
    pub user_id: Option<i64>,
}

impl DealRow {
    /// A row for deal `id` with no values yet (for a [`Sink`]'s own tests; the mirror makes
    /// rows from what HubSpot gives).
    pub fn new(id: String, created_at: DateTime<Utc>, modified_at: DateTime<Utc>) -> Self {
        Self {
            id,
            name: None,
            amount: None,
            pipeline_id: None,
            pipeline_label: None,
            stage_id: None,
            stage_label: None,
            close_date: None,
            created_at,
            modified_at,
            owner_id: None,
            properties: BTreeMap::new(),
            stage_history: None,
            history: None,
        }
    }
}

/// A deal's time in one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StageSpan {
    /// The stage id (`dealstage`'s value then).
    pub stage_id: String,
    /// When the deal entered it.
    pub entered_at: DateTime<Utc>,
    /// When it left (`None`: it is there now).
    pub left_at: Option<DateTime<Utc>>,
}

/// A deal's associations with one object type, as a whole: the sink replaces what it held
/// for the pair (deal, object type) with these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Associations {
    /// The deal.
    pub deal_id: String,
    /// The object type (`contacts`, `companies`).
    pub object_type: String,
    /// Each associated object's id, with its labels (empty for an unlabelled association).
    pub objects: BTreeMap<String, Vec<String>>,
}

/// A deal that is no longer live.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gone {
    /// The deal.
    pub deal_id: String,
    /// When it was archived (`None`: unknown, e.g. deleted for good).
    pub archived_at: Option<DateTime<Utc>>,
    /// The deal it was merged into, when it was merged.
    pub merged_into: Option<String>,
    /// When HubSpot was found to hold nothing of it any more (neither live nor archived:
    /// a GDPR deletion, or archived past HubSpot's 90 days): the sink keeps only the id and
    /// this time, and erases every value, association and stage it held for the deal.
    pub erased_at: Option<DateTime<Utc>>,
}

/// A pipeline and its stages, as the mirror keeps them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PipelineRow {
    /// The pipeline id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its stages: (id, label, display order, probability).
    pub stages: Vec<(String, String, i64, Option<f64>)>,
}

/// What one transaction applies: rows replaced by id, and the position to store with them.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Batch {
    /// The pipelines, all of them (replacing the sink's), when read in this run.
    pub pipelines: Option<Vec<PipelineRow>>,
    /// Every deal property the account defines now, when read in this run: the sink drops
    /// the values of any other (a property archived since) from every deal it holds.
    pub property_names: Option<Vec<String>>,
    /// Live deals, as they are now (a deal archived before is live again).
    pub deals: Vec<DealRow>,
    /// Associations, each (deal, object type) as a whole.
    pub associations: Vec<Associations>,
    /// Deals no longer live.
    pub gone: Vec<Gone>,
    /// The position after this batch.
    pub position: Position,
}

/// Why a sink failed (its own error, boxed).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where a mirror is kept. Implement it for another database: each method is one
/// statement or transaction; [`apply`](Sink::apply) must be atomic and idempotent.
pub trait Sink {
    /// The stored position (the default when nothing is stored yet).
    fn position(&mut self) -> impl Future<Output = Result<Position, SinkError>> + Send;
    /// Applies a batch in one transaction, position included; returns what it found while
    /// applying it (deals new to it, changed, newly gone or merged: the run's summary).
    fn apply(&mut self, batch: Batch) -> impl Future<Output = Result<Applied, SinkError>> + Send;
    /// The ids of the deals held as live.
    fn live_ids(&mut self) -> impl Future<Output = Result<BTreeSet<String>, SinkError>> + Send;
    /// Each deal held as live, with its modification time as held ([`verify`] compares
    /// them with HubSpot's).
    fn live_times(
        &mut self,
    ) -> impl Future<Output = Result<BTreeMap<String, DateTime<Utc>>, SinkError>> + Send;
    /// The ids of the deals held as archived and not erased, which a reconcile checks for
    /// deletions for good (a sink that keeps no archived deals returns none). Required, so
    /// that a sink wrapping another cannot forget to pass it on.
    fn archived_ids(&mut self) -> impl Future<Output = Result<BTreeSet<String>, SinkError>> + Send;
}

/// What a sink found when it applied a [`Batch`]: the counts a run's [`Summary`] adds up, so
/// that it says what changed, not what was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// Deals it did not hold before.
    pub added: u64,
    /// Deals it held with another modification time, or held as archived (restored).
    pub changed: u64,
    /// Deals it held as live and now marks gone.
    pub gone: u64,
    /// Deals it now marks merged into another that it did not before.
    pub merged: u64,
}

impl Applied {
    /// The counts, for a [`Sink`] of your own.
    pub fn new(added: u64, changed: u64, gone: u64, merged: u64) -> Self {
        Self {
            added,
            changed,
            gone,
            merged,
        }
    }
}

impl std::ops::AddAssign for Applied {
    fn add_assign(&mut self, other: Self) {
        self.added += other.added;
        self.changed += other.changed;
        self.gone += other.gone;
        self.merged += other.merged;
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Deals read and written (added, changed, or read again unchanged: an incremental run
    /// reads the deals of its overlap again).
    pub deals: u64,
    /// Of those, deals the sink did not hold before.
    pub added: u64,
    /// Of those, deals the sink held with another modification time (or archived).
    pub changed: u64,
    /// Deals the sink held as live, now marked archived, merged or deleted.
    pub gone: u64,
    /// Deals newly marked merged into another.
    pub merged: u64,
    /// Deals HubSpot deleted for good (GDPR, or archived past 90 days), their data erased
    /// (live or archived before).
    pub erased: u64,
    /// (deal, object type) association sets written.
    pub associations: u64,
    /// Property history rows written ([`Options::history`]).
    pub history: u64,
    /// Batches applied.
    pub batches: u64,
    /// Whether this run was the (rest of the) first load.
    pub first_load: bool,
}

impl Summary {
    /// Adds what a sink found applying a batch.
    pub(crate) fn add(&mut self, applied: Applied) {
        self.added += applied.added;
        self.changed += applied.changed;
        self.gone += applied.gone;
        self.merged += applied.merged;
    }
}

/// Why a run stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum MirrorError {
    /// HubSpot (or the network) failed after the client's retries.
    Api(crate::Error),
    /// The sink failed.
    Sink(SinkError),
}

impl std::fmt::Display for MirrorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Api(e) => write!(f, "{e}"),
            // A database driver's own message is often in a cause ("db error" alone tells
            // nothing): all of them, on one line.
            Self::Sink(e) => write!(
                f,
                "the database failed: {}",
                crate::error::with_causes(&**e)
            ),
        }
    }
}

impl std::error::Error for MirrorError {}

impl From<crate::Error> for MirrorError {
    fn from(e: crate::Error) -> Self {
        Self::Api(e)
    }
}
