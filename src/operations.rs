//! The operation table: one place that states, for every operation HubSpot's deals documents
//! define, whether a replay is safe, which rate-limit budget it spends, which scope it needs,
//! whether it has a body, and where it lives under an object's path.
//!
//! The runtime, the retry decision, the limiter and the fake HubSpot all read it; nothing
//! else compares operation names. `tests/operation_table.rs` holds it to `spec/deals.json`
//! (budget from `x-hubspot-rate-limit-exemptions`, scope from `security`, body from
//! `requestBody`) and to every document `cargo xtask update-spec` can import. An operation it does not know (a client
//! regenerated from a newer document) gets [`CallPolicy::unknown`]: replayed after it may
//! have been sent only if it is a `GET`, and charged to the ten-second budget.
//!
//! ```
//! use hubspot_deals::operations::{Budget, Operation};
//! let search = Operation::find("search").unwrap();
//! assert_eq!(search.budget, Budget::Search);
//! assert!(search.replay_safe && search.body);
//! assert!(!Operation::find("create").unwrap().replay_safe);
//! ```

include!(concat!(env!("OUT_DIR"), "/api.rs"));

/// The OpenAPI document (`spec/deals.json`, normalized) this build's client was generated
/// from: the fake HubSpot checks request bodies against its schemas.
pub const DOCUMENT: &str = include_str!("../spec/deals.json");

/// Every operation the table knows, by a name that cannot be misspelt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperationId {
    /// `GET /{objectType}`: a page of deals.
    GetPage,
    /// `POST /{objectType}`: create one deal.
    Create,
    /// `GET /{objectType}/{id}`: read one deal.
    GetById,
    /// `PATCH /{objectType}/{id}`: update one deal.
    Update,
    /// `DELETE /{objectType}/{id}`: archive one deal.
    Archive,
    /// `POST …/batch/read`.
    BatchRead,
    /// `POST …/batch/create`.
    BatchCreate,
    /// `POST …/batch/update`.
    BatchUpdate,
    /// `POST …/batch/upsert`.
    BatchUpsert,
    /// `POST …/batch/archive`.
    BatchArchive,
    /// `POST …/search`.
    Search,
    /// `POST …/merge`.
    Merge,
    /// `POST …/gdpr-delete`: permanent deletion.
    GdprDelete,
    /// `GET …/{id}/associations/{toObjectType}`.
    ListAssociations,
    /// `PUT …/{id}/associations/{toObjectType}/{toObjectId}`: associate with labels.
    Associate,
    /// `PUT …/{id}/associations/default/{toObjectType}/{toObjectId}`.
    AssociateDefault,
    /// `DELETE …/{id}/associations/{toObjectType}/{toObjectId}`.
    Disassociate,
    /// `list_pipelines` of the pipelines API.
    ListPipelines,
    /// `create_pipeline` of the pipelines API.
    CreatePipeline,
    /// `get_pipeline` of the pipelines API.
    GetPipeline,
    /// `replace_pipeline` of the pipelines API.
    ReplacePipeline,
    /// `archive_pipeline` of the pipelines API.
    ArchivePipeline,
    /// `update_pipeline` of the pipelines API.
    UpdatePipeline,
    /// `pipeline_audit` of the pipelines API.
    PipelineAudit,
    /// `list_stages` of the pipelines API.
    ListStages,
    /// `create_stage` of the pipelines API.
    CreateStage,
    /// `get_stage` of the pipelines API.
    GetStage,
    /// `replace_stage` of the pipelines API.
    ReplaceStage,
    /// `archive_stage` of the pipelines API.
    ArchiveStage,
    /// `update_stage` of the pipelines API.
    UpdateStage,
    /// `stage_audit` of the pipelines API.
    StageAudit,
    /// `list_properties` of the properties API.
    ListProperties,
    /// `create_property` of the properties API.
    CreateProperty,
    /// `batch_archive_properties` of the properties API.
    BatchArchiveProperties,
    /// `batch_create_properties` of the properties API.
    BatchCreateProperties,
    /// `batch_read_properties` of the properties API.
    BatchReadProperties,
    /// `list_property_groups` of the properties API.
    ListPropertyGroups,
    /// `create_property_group` of the properties API.
    CreatePropertyGroup,
    /// `get_property_group` of the properties API.
    GetPropertyGroup,
    /// `archive_property_group` of the properties API.
    ArchivePropertyGroup,
    /// `update_property_group` of the properties API.
    UpdatePropertyGroup,
    /// `get_property` of the properties API.
    GetProperty,
    /// `archive_property` of the properties API.
    ArchiveProperty,
    /// `update_property` of the properties API.
    UpdateProperty,
    /// `read_associations` of the associations API.
    ReadAssociations,
    /// `create_labelled_association` of the associations API.
    CreateLabelledAssociation,
    /// `remove_associations` of the associations API.
    RemoveAssociations,
    /// `create_default_association` of the associations API.
    CreateDefaultAssociation,
    /// `batch_read_associations` of the associations API.
    BatchReadAssociations,
    /// `batch_create_associations` of the associations API.
    BatchCreateAssociations,
    /// `batch_create_default_associations` of the associations API.
    BatchCreateDefaultAssociations,
    /// `batch_archive_associations` of the associations API.
    BatchArchiveAssociations,
    /// `batch_archive_association_labels` of the associations API.
    BatchArchiveAssociationLabels,
    /// `association_search` of the associations API.
    AssociationSearch,
    /// `list_association_labels` of the association labels API.
    ListAssociationLabels,
    /// `create_association_label` of the association labels API.
    CreateAssociationLabel,
    /// `update_association_label` of the association labels API.
    UpdateAssociationLabel,
    /// `archive_association_label` of the association labels API.
    ArchiveAssociationLabel,
    /// `list_association_limits` of the association labels API.
    ListAssociationLimits,
    /// `batch_create_association_limits` of the association labels API.
    BatchCreateAssociationLimits,
    /// `batch_update_association_limits` of the association labels API.
    BatchUpdateAssociationLimits,
    /// `batch_archive_association_limits` of the association labels API.
    BatchArchiveAssociationLimits,
    /// `local_journal_earliest` of the webhooks journal API.
    LocalJournalEarliest,
    /// `local_journal_latest` of the webhooks journal API.
    LocalJournalLatest,
    /// `local_journal_next` of the webhooks journal API.
    LocalJournalNext,
    /// `local_journal_batch_earliest` of the webhooks journal API.
    LocalJournalBatchEarliest,
    /// `local_journal_batch_latest` of the webhooks journal API.
    LocalJournalBatchLatest,
    /// `local_journal_batch_next` of the webhooks journal API.
    LocalJournalBatchNext,
    /// `local_journal_batch_read` of the webhooks journal API.
    LocalJournalBatchRead,
    /// `local_journal_status` of the webhooks journal API.
    LocalJournalStatus,
    /// `journal_earliest` of the webhooks journal API.
    JournalEarliest,
    /// `journal_latest` of the webhooks journal API.
    JournalLatest,
    /// `journal_next` of the webhooks journal API.
    JournalNext,
    /// `journal_batch_earliest` of the webhooks journal API.
    JournalBatchEarliest,
    /// `journal_batch_latest` of the webhooks journal API.
    JournalBatchLatest,
    /// `journal_batch_next` of the webhooks journal API.
    JournalBatchNext,
    /// `journal_batch_read` of the webhooks journal API.
    JournalBatchRead,
    /// `journal_status` of the webhooks journal API.
    JournalStatus,
    /// `create_crm_snapshots` of the webhooks journal API.
    CreateCrmSnapshots,
    /// `list_journal_subscriptions` of the webhooks journal API.
    ListJournalSubscriptions,
    /// `upsert_journal_subscription` of the webhooks journal API.
    UpsertJournalSubscription,
    /// `create_journal_filter` of the webhooks journal API.
    CreateJournalFilter,
    /// `list_journal_filters` of the webhooks journal API.
    ListJournalFilters,
    /// `get_journal_filter` of the webhooks journal API.
    GetJournalFilter,
    /// `archive_journal_filter` of the webhooks journal API.
    ArchiveJournalFilter,
    /// `archive_portal_journal_subscriptions` of the webhooks journal API.
    ArchivePortalJournalSubscriptions,
    /// `get_journal_subscription` of the webhooks journal API.
    GetJournalSubscription,
    /// `archive_journal_subscription` of the webhooks journal API.
    ArchiveJournalSubscription,
}

/// Which of HubSpot's rate-limit budgets a call spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// The app's rolling ten-second budget (most operations).
    TenSecondly,
    /// The account's search budget (operations exempt from the ten-second one).
    Search,
}

impl Budget {
    /// Both budgets, in the order of [`Budget::index`].
    pub(crate) const ALL: [Budget; 2] = [Budget::TenSecondly, Budget::Search];

    /// Its place in arrays kept per budget.
    pub(crate) const fn index(self) -> usize {
        match self {
            Self::TenSecondly => 0,
            Self::Search => 1,
        }
    }

    /// Its name, in a shared store's keys and in logs.
    pub const fn name(self) -> &'static str {
        match self {
            Self::TenSecondly => "ten-secondly",
            Self::Search => "search",
        }
    }

    /// HubSpot's window for it: ten seconds, or a second for search.
    pub const fn window(self) -> std::time::Duration {
        match self {
            Self::TenSecondly => std::time::Duration::from_millis(crate::limits::BUDGET_WINDOW_MS),
            Self::Search => std::time::Duration::from_secs(1),
        }
    }
}

/// The OAuth scope an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `crm.objects.deals.read`.
    DealsRead,
    /// `crm.objects.deals.write`.
    DealsWrite,
    /// `crm.schemas.deals.read`: deal property definitions.
    SchemasDealsRead,
    /// `crm.schemas.deals.write`: creating and changing deal properties.
    SchemasDealsWrite,
    /// `developer.webhooks_journal.read`: reading the webhooks journal (HubSpot's guide's
    /// name; its OpenAPI document says `webhooks-journal-data-access`).
    JournalRead,
    /// `developer.webhooks_journal.snapshots.write`: asking for CRM snapshots.
    JournalSnapshots,
    /// `developer.webhooks_journal.subscriptions.read`: reading journal subscriptions.
    JournalSubscriptionsRead,
    /// `developer.webhooks_journal.subscriptions.write`: changing journal subscriptions.
    JournalSubscriptionsWrite,
}

impl Scope {
    /// HubSpot's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DealsRead => "crm.objects.deals.read",
            Self::DealsWrite => "crm.objects.deals.write",
            Self::SchemasDealsRead => "crm.schemas.deals.read",
            Self::SchemasDealsWrite => "crm.schemas.deals.write",
            Self::JournalRead => "developer.webhooks_journal.read",
            Self::JournalSnapshots => "developer.webhooks_journal.snapshots.write",
            Self::JournalSubscriptionsRead => "developer.webhooks_journal.subscriptions.read",
            Self::JournalSubscriptionsWrite => "developer.webhooks_journal.subscriptions.write",
        }
    }
}

/// What the table states about one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// Its identity.
    pub id: OperationId,
    /// The name the generated client uses (`get_page`, `batch_upsert`, …).
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The path after `…/objects/{objectType}`, with `{id}`, `{toObjectType}` and
    /// `{toObjectId}` standing for path segments.
    pub route: &'static str,
    /// Whether sending it twice leaves HubSpot as sending it once would (so a call that may
    /// have reached HubSpot can be replayed).
    pub replay_safe: bool,
    /// The budget it spends.
    pub budget: Budget,
    /// The scope it needs.
    pub scope: Scope,
    /// Whether it sends a JSON body.
    pub body: bool,
}

const fn op(id: OperationId, route: Route, replay_safe: bool, scope: Scope) -> Operation {
    let body = matches!(route.method.as_bytes(), b"POST" | b"PATCH")
        || matches!(
            id,
            OperationId::Associate
                | OperationId::ReplacePipeline
                | OperationId::ReplaceStage
                | OperationId::CreateLabelledAssociation
                | OperationId::UpdateAssociationLabel
        );
    let budget = match id {
        OperationId::Search | OperationId::AssociationSearch => Budget::Search,
        _ => Budget::TenSecondly,
    };
    Operation {
        id,
        name: route.name,
        method: route.method,
        route: route.path,
        replay_safe,
        budget,
        scope,
        body,
    }
}

use crate::routes::{self as r, Route};
use OperationId as Id;
use Scope::{DealsRead as Read, DealsWrite as Write};

/// Every operation of HubSpot's deals documents (their names and routes have one home, the
/// crate's `routes.rs`, which the normalizer of `spec/` shares).
#[rustfmt::skip]
pub const OPERATIONS: &[Operation] = &[
    op(Id::GetPage,          r::GET_PAGE,          true,  Read),
    op(Id::Create,           r::CREATE,            false, Write),
    op(Id::GetById,          r::GET_BY_ID,         true,  Read),
    op(Id::Update,           r::UPDATE,            true,  Write),
    op(Id::Archive,          r::ARCHIVE,           true,  Write),
    op(Id::BatchRead,        r::BATCH_READ,        true,  Read),
    op(Id::BatchCreate,      r::BATCH_CREATE,      false, Write),
    op(Id::BatchUpdate,      r::BATCH_UPDATE,      true,  Write),
    op(Id::BatchUpsert,      r::BATCH_UPSERT,      true,  Write),
    op(Id::BatchArchive,     r::BATCH_ARCHIVE,     true,  Write),
    op(Id::Search,           r::SEARCH,            true,  Read),
    op(Id::Merge,            r::MERGE,             false, Write),
    op(Id::GdprDelete,       r::GDPR_DELETE,       false, Write),
    op(Id::ListAssociations, r::LIST_ASSOCIATIONS, true,  Read),
    op(Id::Associate,        r::ASSOCIATE,         true,  Write),
    op(Id::AssociateDefault, r::ASSOCIATE_DEFAULT, true,  Write),
    op(Id::Disassociate,     r::DISASSOCIATE,      true,  Write),
];

use Scope::{
    JournalRead as JR, JournalSnapshots as JS, JournalSubscriptionsRead as JSR,
    JournalSubscriptionsWrite as JSW,
};
use Scope::{SchemasDealsRead as SchemasRead, SchemasDealsWrite as SchemasWrite};

/// A route of an API around deals, by name (the table below names only routes it has: a
/// unit test checks every one is found).
const fn route(api: &r::Neighbour, name: &str) -> Route {
    let mut i = 0;
    while i < api.routes.len() {
        if const_eq(api.routes[i].name, name) {
            return api.routes[i];
        }
        i += 1;
    }
    panic!("no such route")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every operation of the APIs around deals the client generates (`pipelines`,
/// `properties`, `associations`, `association_labels`): their routes are under their own
/// paths, not the deals object's. Reading pipelines asks for the deals read scope; changing
/// them, and property definitions, the deal schema scopes; associations and their labels
/// the deals scopes (HubSpot's documents accept the read or write scope of either object
/// type; the table names the deals one).
#[rustfmt::skip]
pub const NEIGHBOUR_OPERATIONS: &[Operation] = &[
    op(Id::ListPipelines,           route(&r::PIPELINES, "list_pipelines"), true,  Read),
    op(Id::CreatePipeline,          route(&r::PIPELINES, "create_pipeline"), false, SchemasWrite),
    op(Id::GetPipeline,             route(&r::PIPELINES, "get_pipeline"), true,  Read),
    op(Id::ReplacePipeline,         route(&r::PIPELINES, "replace_pipeline"), true,  SchemasWrite),
    op(Id::ArchivePipeline,         route(&r::PIPELINES, "archive_pipeline"), true,  SchemasWrite),
    op(Id::UpdatePipeline,          route(&r::PIPELINES, "update_pipeline"), true,  SchemasWrite),
    op(Id::PipelineAudit,           route(&r::PIPELINES, "pipeline_audit"), true,  Read),
    op(Id::ListStages,              route(&r::PIPELINES, "list_stages"), true,  Read),
    op(Id::CreateStage,             route(&r::PIPELINES, "create_stage"), false, SchemasWrite),
    op(Id::GetStage,                route(&r::PIPELINES, "get_stage"), true,  Read),
    op(Id::ReplaceStage,            route(&r::PIPELINES, "replace_stage"), true,  SchemasWrite),
    op(Id::ArchiveStage,            route(&r::PIPELINES, "archive_stage"), true,  SchemasWrite),
    op(Id::UpdateStage,             route(&r::PIPELINES, "update_stage"), true,  SchemasWrite),
    op(Id::StageAudit,              route(&r::PIPELINES, "stage_audit"), true,  Read),
    op(Id::ListProperties,          route(&r::PROPERTIES, "list_properties"), true,  SchemasRead),
    op(Id::CreateProperty,          route(&r::PROPERTIES, "create_property"), false, SchemasWrite),
    op(Id::BatchArchiveProperties,  route(&r::PROPERTIES, "batch_archive_properties"), true,  SchemasWrite),
    op(Id::BatchCreateProperties,   route(&r::PROPERTIES, "batch_create_properties"), false, SchemasWrite),
    op(Id::BatchReadProperties,     route(&r::PROPERTIES, "batch_read_properties"), true,  SchemasRead),
    op(Id::ListPropertyGroups,      route(&r::PROPERTIES, "list_property_groups"), true,  SchemasRead),
    op(Id::CreatePropertyGroup,     route(&r::PROPERTIES, "create_property_group"), false, SchemasWrite),
    op(Id::GetPropertyGroup,        route(&r::PROPERTIES, "get_property_group"), true,  SchemasRead),
    op(Id::ArchivePropertyGroup,    route(&r::PROPERTIES, "archive_property_group"), true,  SchemasWrite),
    op(Id::UpdatePropertyGroup,     route(&r::PROPERTIES, "update_property_group"), true,  SchemasWrite),
    op(Id::GetProperty,             route(&r::PROPERTIES, "get_property"), true,  SchemasRead),
    op(Id::ArchiveProperty,         route(&r::PROPERTIES, "archive_property"), true,  SchemasWrite),
    op(Id::UpdateProperty,          route(&r::PROPERTIES, "update_property"), true,  SchemasWrite),
    op(Id::ReadAssociations,               route(&r::ASSOCIATIONS, "read_associations"), true,  Read),
    op(Id::CreateLabelledAssociation,      route(&r::ASSOCIATIONS, "create_labelled_association"), true,  Write),
    op(Id::RemoveAssociations,             route(&r::ASSOCIATIONS, "remove_associations"), true,  Write),
    op(Id::CreateDefaultAssociation,       route(&r::ASSOCIATIONS, "create_default_association"), true,  Write),
    op(Id::BatchReadAssociations,          route(&r::ASSOCIATIONS, "batch_read_associations"), true,  Read),
    op(Id::BatchCreateAssociations,        route(&r::ASSOCIATIONS, "batch_create_associations"), false, Write),
    op(Id::BatchCreateDefaultAssociations, route(&r::ASSOCIATIONS, "batch_create_default_associations"), false, Write),
    op(Id::BatchArchiveAssociations,       route(&r::ASSOCIATIONS, "batch_archive_associations"), true,  Write),
    op(Id::BatchArchiveAssociationLabels,  route(&r::ASSOCIATIONS, "batch_archive_association_labels"), true,  Write),
    op(Id::AssociationSearch,              route(&r::ASSOCIATIONS, "association_search"), true,  Read),
    op(Id::ListAssociationLabels,          route(&r::ASSOCIATION_LABELS, "list_association_labels"), true,  Read),
    op(Id::CreateAssociationLabel,         route(&r::ASSOCIATION_LABELS, "create_association_label"), false, Write),
    op(Id::UpdateAssociationLabel,         route(&r::ASSOCIATION_LABELS, "update_association_label"), true,  Write),
    op(Id::ArchiveAssociationLabel,        route(&r::ASSOCIATION_LABELS, "archive_association_label"), true,  Write),
    op(Id::ListAssociationLimits,          route(&r::ASSOCIATION_LABELS, "list_association_limits"), true,  Read),
    op(Id::BatchCreateAssociationLimits,   route(&r::ASSOCIATION_LABELS, "batch_create_association_limits"), false, Write),
    op(Id::BatchUpdateAssociationLimits,   route(&r::ASSOCIATION_LABELS, "batch_update_association_limits"), false, Write),
    op(Id::BatchArchiveAssociationLimits,  route(&r::ASSOCIATION_LABELS, "batch_archive_association_limits"), true,  Write),
    op(Id::LocalJournalEarliest,               route(&r::WEBHOOKS_JOURNAL, "local_journal_earliest"), true,  JR),
    op(Id::LocalJournalLatest,                 route(&r::WEBHOOKS_JOURNAL, "local_journal_latest"), true,  JR),
    op(Id::LocalJournalNext,                   route(&r::WEBHOOKS_JOURNAL, "local_journal_next"), true,  JR),
    op(Id::LocalJournalBatchEarliest,          route(&r::WEBHOOKS_JOURNAL, "local_journal_batch_earliest"), true,  JR),
    op(Id::LocalJournalBatchLatest,            route(&r::WEBHOOKS_JOURNAL, "local_journal_batch_latest"), true,  JR),
    op(Id::LocalJournalBatchNext,              route(&r::WEBHOOKS_JOURNAL, "local_journal_batch_next"), true,  JR),
    op(Id::LocalJournalBatchRead,              route(&r::WEBHOOKS_JOURNAL, "local_journal_batch_read"), true,  JR),
    op(Id::LocalJournalStatus,                 route(&r::WEBHOOKS_JOURNAL, "local_journal_status"), true,  JS),
    op(Id::JournalEarliest,                    route(&r::WEBHOOKS_JOURNAL, "journal_earliest"), true,  JR),
    op(Id::JournalLatest,                      route(&r::WEBHOOKS_JOURNAL, "journal_latest"), true,  JR),
    op(Id::JournalNext,                        route(&r::WEBHOOKS_JOURNAL, "journal_next"), true,  JR),
    op(Id::JournalBatchEarliest,               route(&r::WEBHOOKS_JOURNAL, "journal_batch_earliest"), true,  JR),
    op(Id::JournalBatchLatest,                 route(&r::WEBHOOKS_JOURNAL, "journal_batch_latest"), true,  JR),
    op(Id::JournalBatchNext,                   route(&r::WEBHOOKS_JOURNAL, "journal_batch_next"), true,  JR),
    op(Id::JournalBatchRead,                   route(&r::WEBHOOKS_JOURNAL, "journal_batch_read"), true,  JR),
    op(Id::JournalStatus,                      route(&r::WEBHOOKS_JOURNAL, "journal_status"), true,  JS),
    op(Id::CreateCrmSnapshots,                 route(&r::WEBHOOKS_JOURNAL, "create_crm_snapshots"), false, JS),
    op(Id::ListJournalSubscriptions,           route(&r::WEBHOOKS_JOURNAL, "list_journal_subscriptions"), true,  JSR),
    op(Id::UpsertJournalSubscription,          route(&r::WEBHOOKS_JOURNAL, "upsert_journal_subscription"), false, JSW),
    op(Id::CreateJournalFilter,                route(&r::WEBHOOKS_JOURNAL, "create_journal_filter"), false, JSW),
    op(Id::ListJournalFilters,                 route(&r::WEBHOOKS_JOURNAL, "list_journal_filters"), true,  JSR),
    op(Id::GetJournalFilter,                   route(&r::WEBHOOKS_JOURNAL, "get_journal_filter"), true,  JSR),
    op(Id::ArchiveJournalFilter,               route(&r::WEBHOOKS_JOURNAL, "archive_journal_filter"), true,  JSW),
    op(Id::ArchivePortalJournalSubscriptions,  route(&r::WEBHOOKS_JOURNAL, "archive_portal_journal_subscriptions"), true,  JSW),
    op(Id::GetJournalSubscription,             route(&r::WEBHOOKS_JOURNAL, "get_journal_subscription"), true,  JSR),
    op(Id::ArchiveJournalSubscription,         route(&r::WEBHOOKS_JOURNAL, "archive_journal_subscription"), true,  JSW),
];

impl Operation {
    /// The entry for a generated operation name (deals, or an API around deals).
    pub fn find(name: &str) -> Option<&'static Operation> {
        OPERATIONS
            .iter()
            .chain(NEIGHBOUR_OPERATIONS)
            .find(|o| o.name == name)
    }

    /// The entry for an id.
    pub fn get(id: OperationId) -> &'static Operation {
        // Every id has exactly one row (a unit test checks it).
        OPERATIONS
            .iter()
            .chain(NEIGHBOUR_OPERATIONS)
            .find(|o| o.id == id)
            .unwrap_or(&OPERATIONS[0])
    }
}

impl OperationId {
    /// The generated client's name for it.
    pub fn name(self) -> &'static str {
        Operation::get(self).name
    }
}

/// What the runtime needs to know to run one call: the table's row, or safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// Replay after the request may have been sent.
    pub replay_safe: bool,
    /// The budget it spends.
    pub budget: Budget,
    /// Whether it changes data (a failure to decode its success body means it was applied).
    pub writes: bool,
}

impl CallPolicy {
    /// The policy for the operation `name`, sent with `method`.
    pub fn of(name: &str, method: &http::Method) -> Self {
        match Operation::find(name) {
            Some(op) => Self {
                replay_safe: op.replay_safe,
                budget: op.budget,
                writes: matches!(
                    op.scope,
                    Scope::DealsWrite | Scope::SchemasDealsWrite | Scope::JournalSubscriptionsWrite
                ) || op.id == OperationId::CreateCrmSnapshots,
            },
            None => Self::unknown(method),
        }
    }

    /// The defaults for an operation the table does not know: replayed after it may have
    /// been sent only if it is a `GET`, the ten-second budget.
    pub fn unknown(method: &http::Method) -> Self {
        let get = method == http::Method::GET;
        Self {
            replay_safe: get,
            budget: Budget::TenSecondly,
            writes: !get,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_exactly_one_row_and_names_are_unique() {
        let all = || OPERATIONS.iter().chain(NEIGHBOUR_OPERATIONS);
        for row in all() {
            assert_eq!(all().filter(|o| o.id == row.id).count(), 1);
            assert_eq!(all().filter(|o| o.name == row.name).count(), 1);
            assert_eq!(Operation::get(row.id), row);
            assert_eq!(row.id.name(), row.name);
        }
    }

    #[test]
    fn the_apis_around_deals_have_one_row_per_route() {
        for api in r::NEIGHBOURS {
            for route in api.routes {
                let rows = NEIGHBOUR_OPERATIONS.iter().filter(|o| o.name == route.name);
                assert_eq!(rows.count(), 1, "{}", route.name);
                let described = r::NEIGHBOUR_DOCS
                    .iter()
                    .any(|(n, d)| *n == route.name && !d.is_empty());
                assert!(described, "{}: our description", route.name);
                let row = Operation::find(route.name).unwrap();
                assert_eq!(row.method, route.method);
                assert_eq!(
                    row.replay_safe,
                    route.method != "POST"
                        || route.name.contains("read")
                        || route.name.contains("archive")
                        || route.name.contains("search")
                );
            }
        }
        let all = OPERATIONS.iter().chain(NEIGHBOUR_OPERATIONS);
        let names: std::collections::HashSet<_> = all.clone().map(|o| o.name).collect();
        assert_eq!(names.len(), all.count(), "names are unique across the APIs");
    }

    #[test]
    fn the_table_has_one_row_per_route() {
        assert_eq!(OPERATIONS.len(), r::ROUTES.len());
        for route in r::ROUTES {
            let rows = OPERATIONS.iter().filter(|o| o.name == route.name);
            assert_eq!(rows.count(), 1, "{}", route.name);
        }
    }

    #[test]
    fn scopes_are_spelled_as_hubspot_does_and_bodies_follow_the_method() {
        assert_eq!(Scope::DealsRead.as_str(), "crm.objects.deals.read");
        assert_eq!(Scope::DealsWrite.as_str(), "crm.objects.deals.write");
        let body = |id| Operation::get(id).body;
        assert!(
            body(OperationId::Create) && body(OperationId::Update) && body(OperationId::Search)
        );
        assert!(
            body(OperationId::Associate),
            "the labelled PUT sends its labels"
        );
        assert!(
            !body(OperationId::AssociateDefault),
            "the default PUT sends nothing"
        );
        assert!(!body(OperationId::GetPage) && !body(OperationId::Archive));
        assert!(!body(OperationId::Disassociate));
    }

    #[test]
    fn the_policy_says_which_operations_change_data() {
        let writes = |name| CallPolicy::of(name, &http::Method::POST).writes;
        for name in [
            "create",
            "batch_upsert",
            "create_property",
            "create_pipeline",
            "create_labelled_association",
            "upsert_journal_subscription",
            "create_crm_snapshots",
        ] {
            assert!(writes(name), "{name} changes data");
        }
        for name in [
            "get_page",
            "search",
            "batch_read",
            "list_properties",
            "batch_read_associations",
            "journal_batch_next",
            "list_journal_subscriptions",
        ] {
            assert!(!writes(name), "{name} only reads");
        }
    }

    #[test]
    fn budgets_are_named_as_shared_stores_key_them() {
        // A shared budget's Redis keys are `hubspot-deals:{name}:{budget}`: a changed name
        // would split one account's budget between old and new processes.
        assert_eq!(Budget::TenSecondly.name(), "ten-secondly");
        assert_eq!(Budget::Search.name(), "search");
        for budget in Budget::ALL {
            assert_eq!(Budget::ALL[budget.index()], budget);
        }
    }

    #[test]
    fn unknown_operations_get_safe_defaults() {
        let get = CallPolicy::of("list_everything", &http::Method::GET);
        assert!(get.replay_safe && !get.writes);
        assert_eq!(get.budget, Budget::TenSecondly);
        for method in [
            http::Method::POST,
            http::Method::PUT,
            http::Method::PATCH,
            http::Method::DELETE,
        ] {
            let policy = CallPolicy::of("brand_new", &method);
            assert!(!policy.replay_safe, "{method} is not replayed");
            assert!(policy.writes);
            assert_eq!(policy.budget, Budget::TenSecondly);
        }
        let search = CallPolicy::of("search", &http::Method::POST);
        assert!(search.replay_safe && !search.writes);
        assert_eq!(search.budget, Budget::Search);
        assert!(!CallPolicy::of("create", &http::Method::POST).replay_safe);
    }
}
