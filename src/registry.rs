//! The registry: one row per HubSpot API this project follows, naming everything about it in
//! one place: its OpenAPI document (where HubSpot publishes it, per version), the object type
//! it is pinned to, the readable names of its types, its versions with HubSpot's end dates
//! and the default, and each operation (method and path, our description, scope, budget,
//! whether a replay is safe, its body).
//!
//! Everything else reads it: `build.rs` generates a client per row that has a document, the
//! normalizer names operations from it, `cargo xtask update-spec` finds documents with it,
//! the client's operation table (`crate::operations`) is a view of it, and the fake
//! HubSpot routes every request through `find` with the same names and scopes. Adding an
//! API is adding a row (and its module, document and fake handler); moving to HubSpot's next
//! date version is adding a line to `DATE_VERSIONS` and running `cargo xtask update-spec
//! --document all --from DIR`.
//!
//! This is a plain file without imports: `build.rs`, xtask and tests include it by path.
//!
//! ```
//! use hubspot_deals::registry::{self, DEALS};
//! assert_eq!(DEALS.default_version(), registry::DEFAULT_VERSION);
//! let found = registry::find("POST", "/crm/objects/2026-09/deals/search").unwrap();
//! assert_eq!((found.api.name, found.operation.name), ("deals", "search"));
//! ```

/// One of HubSpot's APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// Its name: of its `spec/` document and of the crate's module (`deals`, `pipelines`).
    pub name: &'static str,
    /// What it is, for messages and docs ("deal pipelines").
    pub title: &'static str,
    /// The document the client is generated from (`None`: an API the fake serves, or the
    /// client calls by hand, without generating it).
    pub document: Option<Document>,
    /// The object type its `{objectType}` is pinned to in `spec/` (`0-3`, `deals`).
    pub object_type: Option<&'static str>,
    /// Its numbered versions (`v3`, `v4`), each with its own paths and end date.
    pub legacy: &'static [Legacy],
    /// Its date versions (`None`: it has none).
    pub dated: Option<Dated>,
    /// How calls authenticate.
    pub auth: CallAuth,
    /// Its operations.
    pub operations: &'static [Operation],
    /// Readable names for its types: each name with the schema names HubSpot gives the same
    /// type across versions (the first one a document has gets the name).
    pub names: &'static [(&'static str, &'static [&'static str])],
}

/// Where HubSpot publishes an API's OpenAPI documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document {
    /// The folder of HubSpot's documents of it beside this repository:
    /// `hubspot-{reference}-spec/`.
    pub reference: &'static str,
    /// A document's file name there, `{version}` standing for the version
    /// (`{version}.json`, `schema-{version}.json`).
    pub file: &'static str,
    /// Other files there of versions it has, checked to normalize and generate too
    /// (`v3-2025-08.json`).
    pub also: &'static [&'static str],
    /// Where HubSpot's spec collection (github.com/HubSpot/HubSpot-public-api-spec-collection)
    /// keeps it, `{version}` standing for the version (`None`: not found there).
    pub upstream: Option<&'static str>,
}

/// A numbered version of an API (`v1`, `v3`, `v4`), before HubSpot's date versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Legacy {
    /// `v3`.
    pub name: &'static str,
    /// Its roots: the paths its operations live under, by `Operation::root`; each with the
    /// other spellings HubSpot also serves (the first is its document's).
    pub roots: &'static [&'static [&'static str]],
    /// When HubSpot ends it.
    pub ends: Ending,
}

/// An API's date versions: every one of `DATE_VERSIONS` from `since`, and betas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    /// The roots, `{version}` standing for the version, by `Operation::root`.
    pub roots: &'static [&'static [&'static str]],
    /// The first date version it has.
    pub since: &'static str,
    /// The newest it has, when it lags behind HubSpot's current one (the webhooks journal's
    /// latest general release is 2026-03).
    pub until: Option<&'static str>,
    /// Beta versions it has (`2026-09-beta`): served, never the default.
    pub betas: &'static [&'static str],
}

/// When and how HubSpot ends a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// No end announced.
    None,
    /// From this day (`YYYY-MM-DD`) HubSpot no longer answers it: OAuth v1's sunset, and
    /// the numbered CRM APIs going unsupported, which HubSpot asks apps to leave before (the
    /// fake's calendar refuses them from that day).
    Retired(&'static str),
    /// From this day HubSpot no longer supports it (no fixes) but has not said it stops
    /// answering: a date version 18 months after its release.
    Unsupported(&'static str),
}

impl Ending {
    /// The day, if there is one.
    pub const fn date(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Retired(day) | Self::Unsupported(day) => Some(day),
        }
    }
}

/// One of HubSpot's date versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateVersion {
    /// `2026-09`.
    pub name: &'static str,
    /// The day it was generally released.
    pub released: &'static str,
    /// The day it goes unsupported: 18 months after its release (HubSpot's versioning guide).
    pub unsupported: &'static str,
}

/// HubSpot's date versions, oldest first. The newest is the default (`DEFAULT_VERSION`):
/// adding the next one here (and running `cargo xtask update-spec --document all`) moves
/// every API that has it.
#[rustfmt::skip]
pub const DATE_VERSIONS: &[DateVersion] = &[
    // 2025-09's exact release day is not in HubSpot's guide; the first of the month is taken.
    DateVersion { name: "2025-09", released: "2025-09-01", unsupported: "2027-03-01" },
    DateVersion { name: "2026-03", released: "2026-03-30", unsupported: "2027-09-30" },
    DateVersion { name: "2026-09", released: "2026-09-08", unsupported: "2028-03-08" },
];

/// The version the client, the command line and `sync` call by default: HubSpot's current one.
pub const DEFAULT_VERSION: &str = DATE_VERSIONS[DATE_VERSIONS.len() - 1].name;

/// How an API's calls authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallAuth {
    /// A bearer token (private app, Service Key, OAuth access token), within the account's
    /// rate budget.
    Bearer,
    /// The app's own client id and secret in a form (the OAuth token API), outside it.
    AppForm,
}

/// What a call does to HubSpot, which decides whether it may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// It only reads: replayed freely.
    Reads,
    /// It changes data, and sending it twice leaves HubSpot as sending it once (an update,
    /// an archive): replayed after it may have been sent.
    Idempotent,
    /// It changes data and may not be sent twice (a create, a merge): never replayed once it
    /// may have reached HubSpot.
    Once,
}

/// Which of HubSpot's rate budgets a call spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// The app's rolling ten-second budget (most operations).
    TenSecondly,
    /// The account's search budget (operations exempt from the ten-second one).
    Search,
}

/// The body a call sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// None.
    None,
    /// A JSON object.
    Object,
    /// A JSON array (the labels of a labelled association).
    Array,
    /// A form (`application/x-www-form-urlencoded`).
    Form,
}

/// One operation of an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The generated method's name, and the name the fake logs and faults it by.
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// Which of its version's roots it lives under.
    pub root: usize,
    /// Its path under the root; `{…}` is one path parameter.
    pub path: &'static str,
    /// What it does to HubSpot.
    pub effect: Effect,
    /// The budget it spends.
    pub budget: Budget,
    /// The scope it needs, as HubSpot spells it (`""`: none, for the app's own calls).
    pub scope: &'static str,
    /// The body it sends.
    pub body: Body,
    /// Our description (HubSpot's prose is not copied into `spec/`).
    pub doc: &'static str,
}

const fn op(
    name: &'static str,
    method: &'static str,
    root: usize,
    path: &'static str,
    effect: Effect,
    scope: &'static str,
    doc: &'static str,
) -> Operation {
    let body = if matches!(method.as_bytes(), b"POST" | b"PATCH") {
        Body::Object
    } else {
        Body::None
    };
    Operation {
        name,
        method,
        root,
        path,
        effect,
        budget: Budget::TenSecondly,
        scope,
        body,
        doc,
    }
}

impl Operation {
    const fn search(mut self) -> Self {
        self.budget = Budget::Search;
        self
    }

    const fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Whether sending it twice leaves HubSpot as sending it once would.
    pub const fn replay_safe(&self) -> bool {
        !matches!(self.effect, Effect::Once)
    }

    /// Whether it changes data (so a success body that cannot be read still means it was done).
    pub const fn writes(&self) -> bool {
        !matches!(self.effect, Effect::Reads)
    }
}

use Effect::{Idempotent, Once, Reads};

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const PATCH: &str = "PATCH";
const DELETE: &str = "DELETE";

/// `crm.objects.deals.read`.
pub const DEALS_READ: &str = "crm.objects.deals.read";
/// `crm.objects.deals.write`.
pub const DEALS_WRITE: &str = "crm.objects.deals.write";
/// `crm.schemas.deals.read`: deal property definitions.
pub const SCHEMAS_READ: &str = "crm.schemas.deals.read";
/// `crm.schemas.deals.write`: creating and changing deal properties and pipelines.
pub const SCHEMAS_WRITE: &str = "crm.schemas.deals.write";
/// `crm.objects.owners.read`: the account's users and queues who own records.
pub const OWNERS_READ: &str = "crm.objects.owners.read";
/// `developer.webhooks_journal.read` (HubSpot's guide's name; its document says
/// `webhooks-journal-data-access`).
pub const JOURNAL_READ: &str = "developer.webhooks_journal.read";
/// `developer.webhooks_journal.snapshots.read`.
pub const JOURNAL_SNAPSHOTS_READ: &str = "developer.webhooks_journal.snapshots.read";
/// `developer.webhooks_journal.snapshots.write`.
pub const JOURNAL_SNAPSHOTS_WRITE: &str = "developer.webhooks_journal.snapshots.write";
/// `developer.webhooks_journal.subscriptions.read`.
pub const JOURNAL_SUBSCRIPTIONS_READ: &str = "developer.webhooks_journal.subscriptions.read";
/// `developer.webhooks_journal.subscriptions.write`.
pub const JOURNAL_SUBSCRIPTIONS_WRITE: &str = "developer.webhooks_journal.subscriptions.write";

/// The names deals go by where a path names an object type: HubSpot takes the plural, the
/// singular and the type id.
pub const DEAL_OBJECT_TYPES: &[&str] = &["deals", "deal", "0-3"];

/// The end of HubSpot's numbered CRM APIs (v1 to v3) and legacy apps: "unsupported from
/// September 2027" (HubSpot's changelog, 2026-09-15).
const LEGACY_CRM_ENDS: Ending = Ending::Retired("2027-09-01");
/// The end of the v4 APIs (associations, association schema): 2027-03-30 (HubSpot's
/// changelog "deprecating support for HubSpot v4 APIs").
const V4_ENDS: Ending = Ending::Retired("2027-03-30");

/// Names of types every document shares.
const SHARED_NAMES: &[(&str, &[&str])] = &[
    ("BatchError", &["StandardError"]),
    ("ErrorBody", &["Error"]),
];

/// Deals: HubSpot's CRM objects API for deals (`0-3`).
#[rustfmt::skip]
pub const DEALS: Api = Api {
    name: "deals",
    title: "deals",
    document: Some(Document {
        reference: "deals",
        file: "{version}.json",
        also: &["v3-2025-08.json"],
        upstream: Some("PublicApiSpecs/CRM/Deals/Rollouts/424/{version}/deals.json"),
    }),
    object_type: Some("0-3"),
    legacy: &[Legacy { name: "v3", roots: &[&["/crm/v3/objects/{objectType}"]], ends: LEGACY_CRM_ENDS }],
    dated: Some(Dated {
        roots: &[&["/crm/objects/{version}/{objectType}"]],
        since: "2025-09",
        until: None,
        betas: &["2026-09-beta"],
    }),
    auth: CallAuth::Bearer,
    operations: &[
        op("get_page", GET, 0, "", Reads, DEALS_READ,
           "Returns one page of deals ordered by id. Follow `paging.next.after` to get the next page; the last page has no `paging`."),
        op("create", POST, 0, "", Once, DEALS_WRITE,
           "Creates a deal from the given property values (send at least `dealname` and `dealstage`) and optional associations; returns it with its new id."),
        op("get_by_id", GET, 0, "/{dealId}", Reads, DEALS_READ,
           "Reads one deal by its id, or by a unique property named in `idProperty`. Choose what comes back with `properties`, `propertiesWithHistory` and `associations`."),
        op("update", PATCH, 0, "/{dealId}", Idempotent, DEALS_WRITE,
           "Sets the given properties of one deal, identified by id or by `idProperty`; other properties are untouched. An empty string clears a value; unknown or read-only properties are an error."),
        op("archive", DELETE, 0, "/{dealId}", Idempotent, DEALS_WRITE,
           "Moves one deal to the recycling bin, where it stays restorable for 90 days. Archiving a deal that does not exist also succeeds."),
        op("batch_read", POST, 0, "/batch/read", Reads, DEALS_READ,
           "Reads up to 100 deals by id, or by a unique property given as `idProperty`. Ids not found are listed in `errors`."),
        op("batch_create", POST, 0, "/batch/create", Once, DEALS_WRITE,
           "Creates up to 100 deals. With an `objectWriteTraceId` on each input, failures are reported per input in `errors`; without, one invalid input fails the whole call."),
        op("batch_update", POST, 0, "/batch/update", Idempotent, DEALS_WRITE,
           "Updates the given properties of up to 100 deals by id (or by `idProperty`). Ids must be unique within the batch."),
        op("batch_upsert", POST, 0, "/batch/upsert", Idempotent, DEALS_WRITE,
           "For each input, updates the deal whose unique property `idProperty` has the value `id`, or creates it; `new` in each result says which."),
        op("batch_archive", POST, 0, "/batch/archive", Idempotent, DEALS_WRITE,
           "Moves up to 100 deals, by id, to the recycling bin. Ids that do not exist are not an error."),
        op("search", POST, 0, "/search", Reads, DEALS_READ,
           "Finds deals by filters (groups are ORed, filters within a group ANDed), free text `query`, one sort, with `limit` up to 200 and `after` as an offset. HubSpot returns at most 10,000 results per query and indexes changes after a short delay.").search(),
        op("merge", POST, 0, "/merge", Once, DEALS_WRITE,
           "Merges `objectIdToMerge` into `primaryObjectId`. The result is a deal with a new id; both old ids keep resolving to it, and its property values come from the primary deal."),
        op("gdpr_delete", POST, 0, "/gdpr-delete", Once, DEALS_WRITE,
           "Deletes a deal for good, by id or by a unique property, with its history (a GDPR erasure: it cannot be restored)."),
    ],
    names: &[
        ("Deal",                 &["SimplePublicObject"]),
        ("DealWithAssociations", &["SimplePublicObjectWithAssociations"]),
        ("DealPage",             &["CollectionResponseSimplePublicObjectWithAssociationsForwardPaging"]),
        ("SearchPage",           &["CollectionResponseWithTotalSimplePublicObject",
                                   "CollectionResponseWithTotalSimplePublicObjectForwardPaging"]),
        ("SearchRequest",        &["PublicObjectSearchRequest"]),
        ("NewDeal",              &["SimplePublicObjectInputForCreate"]),
        ("DealUpdate",           &["SimplePublicObjectInput"]),
        ("DealId",               &["SimplePublicObjectId"]),
        ("MergeRequest",         &["PublicMergeInput"]),
        ("GdprDeleteRequest",    &["PublicGdprDeleteInput"]),
        ("BatchCreate",          &["BatchInputSimplePublicObjectBatchInputForCreate"]),
        ("BatchCreateInput",     &["SimplePublicObjectBatchInputForCreate"]),
        ("BatchUpdate",          &["BatchInputSimplePublicObjectBatchInput"]),
        ("BatchUpdateInput",     &["SimplePublicObjectBatchInput"]),
        ("BatchUpsert",          &["BatchInputSimplePublicObjectBatchInputUpsert"]),
        ("DealUpsert",           &["SimplePublicObjectBatchInputUpsert"]),
        ("BatchRead",            &["BatchReadInputSimplePublicObjectId"]),
        ("BatchIds",             &["BatchInputSimplePublicObjectId"]),
        ("BatchResult",          &["BatchResponseSimplePublicObjectWithErrors",
                                   "BatchResponseSimplePublicObject"]),
        ("BatchStatus",          &["BatchResponseSimplePublicObjectWithErrorsStatus",
                                   "BatchResponseSimplePublicObjectStatus"]),
        ("BatchUpsertResult",    &["BatchResponseSimplePublicUpsertObjectWithErrors",
                                   "BatchResponseSimplePublicUpsertObject"]),
        ("BatchUpsertStatus",    &["BatchResponseSimplePublicUpsertObjectWithErrorsStatus",
                                   "BatchResponseSimplePublicUpsertObjectStatus"]),
        ("UpsertedDeal",         &["SimplePublicUpsertObject"]),
        ("HistoricalValue",      &["ValueWithTimestamp"]),
        ("NewAssociation",       &["PublicAssociationsForObject"]),
        ("AssociationCategory",  &["AssociationSpecAssociationCategory"]),
        ("AssociationPage",      &["CollectionResponseAssociatedId"]),
        ("AssociationLabels",    &["LabelsBetweenObjectPair"]),
        ("DefaultAssociation",   &["PublicDefaultAssociation"]),
        ("DefaultAssociations",  &["BatchResponsePublicDefaultAssociation"]),
    ],
};

/// Deal pipelines and their stages.
#[rustfmt::skip]
pub const PIPELINES: Api = Api {
    name: "pipelines",
    title: "deal pipelines",
    document: Some(Document {
        reference: "pipelines",
        file: "{version}.json",
        also: &[],
        upstream: Some("PublicApiSpecs/CRM/Pipelines/Rollouts/145896/{version}/pipelines.json"),
    }),
    object_type: Some("deals"),
    legacy: &[Legacy { name: "v3", roots: &[&["/crm/v3/pipelines/{objectType}"]], ends: LEGACY_CRM_ENDS }],
    dated: Some(Dated {
        roots: &[&["/crm/pipelines/{version}/{objectType}"]],
        since: "2025-09",
        until: None,
        betas: &[],
    }),
    auth: CallAuth::Bearer,
    operations: &[
        op("list_pipelines", GET, 0, "", Reads, DEALS_READ, "Every deal pipeline, with its stages."),
        op("create_pipeline", POST, 0, "", Once, SCHEMAS_WRITE,
           "Creates a deal pipeline with its stages (each stage needs `metadata.probability`, 0.0 to 1.0)."),
        op("get_pipeline", GET, 0, "/{pipelineId}", Reads, DEALS_READ, "One deal pipeline, with its stages."),
        op("replace_pipeline", PUT, 0, "/{pipelineId}", Idempotent, SCHEMAS_WRITE,
           "Replaces a pipeline's label, order and stages; stages left out must hold no deals.").body(Body::Object),
        op("archive_pipeline", DELETE, 0, "/{pipelineId}", Idempotent, SCHEMAS_WRITE,
           "Deletes a deal pipeline; one that deals are in cannot be."),
        op("update_pipeline", PATCH, 0, "/{pipelineId}", Idempotent, SCHEMAS_WRITE,
           "Changes a pipeline's label or display order."),
        op("pipeline_audit", GET, 0, "/{pipelineId}/audit", Reads, DEALS_READ, "What was done to a pipeline, newest first."),
        op("list_stages", GET, 0, "/{pipelineId}/stages", Reads, DEALS_READ, "The stages of a deal pipeline, in display order."),
        op("create_stage", POST, 0, "/{pipelineId}/stages", Once, SCHEMAS_WRITE, "Adds a stage to a deal pipeline."),
        op("get_stage", GET, 0, "/{pipelineId}/stages/{stageId}", Reads, DEALS_READ, "One stage of a deal pipeline."),
        op("replace_stage", PUT, 0, "/{pipelineId}/stages/{stageId}", Idempotent, SCHEMAS_WRITE,
           "Replaces a stage's label, order and metadata.").body(Body::Object),
        op("archive_stage", DELETE, 0, "/{pipelineId}/stages/{stageId}", Idempotent, SCHEMAS_WRITE,
           "Deletes a stage; one that deals are in cannot be."),
        op("update_stage", PATCH, 0, "/{pipelineId}/stages/{stageId}", Idempotent, SCHEMAS_WRITE,
           "Changes a stage's label, order or metadata (merged)."),
        op("stage_audit", GET, 0, "/{pipelineId}/stages/{stageId}/audit", Reads, DEALS_READ, "What was done to a stage, newest first."),
    ],
    names: &[],
};

/// Deal property definitions and their groups.
#[rustfmt::skip]
pub const PROPERTIES: Api = Api {
    name: "properties",
    title: "deal properties",
    document: Some(Document {
        reference: "properties",
        file: "{version}.json",
        also: &[],
        upstream: Some("PublicApiSpecs/CRM/Properties/Rollouts/145899/{version}/properties.json"),
    }),
    object_type: Some("deals"),
    legacy: &[Legacy { name: "v3", roots: &[&["/crm/v3/properties/{objectType}"]], ends: LEGACY_CRM_ENDS }],
    dated: Some(Dated {
        roots: &[&["/crm/properties/{version}/{objectType}"]],
        since: "2025-09",
        until: None,
        betas: &[],
    }),
    auth: CallAuth::Bearer,
    operations: &[
        op("list_properties", GET, 0, "", Reads, SCHEMAS_READ,
           "Every deal property definition: name, type, field type, options, uniqueness."),
        op("create_property", POST, 0, "", Once, SCHEMAS_WRITE,
           "Creates a deal property (`hasUniqueValue` makes an id for upserts)."),
        op("batch_archive_properties", POST, 0, "/batch/archive", Idempotent, SCHEMAS_WRITE, "Archives deal properties by name."),
        op("batch_create_properties", POST, 0, "/batch/create", Once, SCHEMAS_WRITE,
           "Creates several deal properties; those refused are listed in `errors`."),
        op("batch_read_properties", POST, 0, "/batch/read", Reads, SCHEMAS_READ, "Reads the named deal property definitions."),
        op("list_property_groups", GET, 0, "/groups", Reads, SCHEMAS_READ, "The groups deal properties are shown in."),
        op("create_property_group", POST, 0, "/groups", Once, SCHEMAS_WRITE, "Creates a group of deal properties."),
        op("get_property_group", GET, 0, "/groups/{groupName}", Reads, SCHEMAS_READ, "One group of deal properties."),
        op("archive_property_group", DELETE, 0, "/groups/{groupName}", Idempotent, SCHEMAS_WRITE, "Archives a group of deal properties."),
        op("update_property_group", PATCH, 0, "/groups/{groupName}", Idempotent, SCHEMAS_WRITE,
           "Changes a property group's label or display order."),
        op("get_property", GET, 0, "/{propertyName}", Reads, SCHEMAS_READ, "One deal property definition."),
        op("archive_property", DELETE, 0, "/{propertyName}", Idempotent, SCHEMAS_WRITE, "Archives one of the account's deal properties."),
        op("update_property", PATCH, 0, "/{propertyName}", Idempotent, SCHEMAS_WRITE,
           "Changes a deal property's label, type, field type or options."),
    ],
    names: &[],
};

/// Deals' associations with other objects: one deal's, and many deals' at once.
#[rustfmt::skip]
pub const ASSOCIATIONS: Api = Api {
    name: "associations",
    title: "deal associations",
    document: Some(Document {
        reference: "associations",
        file: "{version}.json",
        also: &[],
        upstream: Some("PublicApiSpecs/CRM/Associations/Rollouts/130902/{version}/associations.json"),
    }),
    object_type: Some("deals"),
    legacy: &[Legacy {
        name: "v4",
        roots: &[&["/crm/v4/objects/{objectType}"], &["/crm/v4/associations/{objectType}"]],
        ends: V4_ENDS,
    }],
    dated: Some(Dated {
        roots: &[
            &["/crm/objects/{version}/{objectType}"],
            &["/crm/associations/{version}/{objectType}"],
        ],
        since: "2025-09",
        until: None,
        betas: &["2026-09-beta"],
    }),
    auth: CallAuth::Bearer,
    operations: &[
        op("read_associations", GET, 0, "/{objectId}/associations/{toObjectType}", Reads, DEALS_READ,
           "A deal's associations with an object type, with their types and labels (500 a page; v4 only: 2026-09 reads them in batches)."),
        op("create_labelled_association", PUT, 0, "/{objectId}/associations/{toObjectType}/{toObjectId}", Idempotent, DEALS_WRITE,
           "Associates a deal with an object by the given association types (labels).").body(Body::Array),
        op("remove_associations", DELETE, 0, "/{objectId}/associations/{toObjectType}/{toObjectId}", Idempotent, DEALS_WRITE,
           "Removes every association between a deal and an object."),
        op("create_default_association", PUT, 0, "/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}", Idempotent, DEALS_WRITE,
           "Associates a deal with an object by HubSpot's default type."),
        op("batch_read_associations", POST, 1, "/{toObjectType}/batch/read", Reads, DEALS_READ,
           "The associations of up to 1,000 deals with an object type, with labels; a deal with none is listed in `errors` (`NO_ASSOCIATIONS_FOUND`)."),
        op("batch_create_associations", POST, 1, "/{toObjectType}/batch/create", Once, DEALS_WRITE,
           "Associates many deals with objects by the given types."),
        op("batch_create_default_associations", POST, 1, "/{toObjectType}/batch/associate/default", Once, DEALS_WRITE,
           "Associates many deals with objects by HubSpot's default type."),
        op("batch_archive_associations", POST, 1, "/{toObjectType}/batch/archive", Idempotent, DEALS_WRITE,
           "Removes every association between each deal and the objects listed."),
        op("batch_archive_association_labels", POST, 1, "/{toObjectType}/batch/labels/archive", Idempotent, DEALS_WRITE,
           "Removes the given association types (labels) between deals and objects, keeping the rest."),
    ],
    names: &[
        ("LabelledAssociation",     &["MultiAssociatedObjectWithLabel"]),
        ("LabelledAssociationPage", &["CollectionResponseMultiAssociatedObjectWithLabelForwardPaging"]),
        ("DealAssociations",        &["PublicAssociationMultiWithLabel"]),
        ("AssociationsBatch",       &["BatchResponsePublicAssociationMultiWithLabelWithErrors",
                                      "BatchResponsePublicAssociationMultiWithLabel"]),
        ("AssociationsBatchStatus", &["BatchResponsePublicAssociationMultiWithLabelWithErrorsStatus",
                                      "BatchResponsePublicAssociationMultiWithLabelStatus"]),
        ("AssociationsBatchRead",   &["BatchInputPublicFetchAssociationsBatchRequest"]),
        ("AssociationsReadInput",   &["PublicFetchAssociationsBatchRequest"]),
        ("DefaultAssociations",     &["BatchResponsePublicDefaultAssociation"]),
        ("AssociationLabels",       &["LabelsBetweenObjectPair"]),
        ("DefaultAssociation",      &["PublicDefaultAssociation"]),
        ("AssociationCategory",     &["AssociationSpecAssociationCategory"]),
    ],
};

/// The labels deals' associations may carry, and limits on how many there may be
/// (HubSpot's associations schema API).
#[rustfmt::skip]
pub const ASSOCIATION_LABELS: Api = Api {
    name: "association_labels",
    title: "deal association labels",
    document: Some(Document {
        reference: "associations",
        file: "schema-{version}.json",
        also: &[],
        upstream: Some("PublicApiSpecs/CRM/Associations Schema/Rollouts/130902/{version}/associationsSchema.json"),
    }),
    object_type: Some("deals"),
    legacy: &[Legacy {
        name: "v4",
        // HubSpot's SDKs call the labels and limits under `/crm/v4/associations` as well.
        roots: &[
            &["/crm/associations/v4/{objectType}", "/crm/v4/associations/{objectType}"],
            &[
                "/crm/associations/v4/definitions/configurations/{objectType}",
                "/crm/v4/associations/definitions/configurations/{objectType}",
            ],
        ],
        ends: V4_ENDS,
    }],
    dated: Some(Dated {
        roots: &[
            &["/crm/associations/{version}/{objectType}"],
            &["/crm/associations/{version}/definitions/configurations/{objectType}"],
        ],
        since: "2025-09",
        until: None,
        betas: &[],
    }),
    auth: CallAuth::Bearer,
    operations: &[
        op("list_association_labels", GET, 0, "/{toObjectType}/labels", Reads, DEALS_READ,
           "The association types deals may have with an object type: HubSpot's and the account's labels."),
        op("create_association_label", POST, 0, "/{toObjectType}/labels", Once, DEALS_WRITE,
           "Creates an association label from deals to an object type."),
        op("update_association_label", PUT, 0, "/{toObjectType}/labels", Idempotent, DEALS_WRITE,
           "Renames an association label.").body(Body::Object),
        op("archive_association_label", DELETE, 0, "/{toObjectType}/labels/{associationTypeId}", Idempotent, DEALS_WRITE,
           "Removes an association label."),
        op("list_association_limits", GET, 1, "/{toObjectType}", Reads, DEALS_READ,
           "The limits set on how many objects a deal may be associated with, by type."),
        op("batch_create_association_limits", POST, 1, "/{toObjectType}/batch/create", Once, DEALS_WRITE,
           "Sets limits on how many objects a deal may be associated with, by type."),
        op("batch_update_association_limits", POST, 1, "/{toObjectType}/batch/update", Once, DEALS_WRITE,
           "Changes limits on associations, by type."),
        op("batch_archive_association_limits", POST, 1, "/{toObjectType}/batch/purge", Idempotent, DEALS_WRITE,
           "Removes limits on associations, by type."),
    ],
    names: &[
        ("AssociationLabelList", &["CollectionResponseAssociationSpecWithLabelNoPaging"]),
    ],
};

/// The webhooks journal: an app's log of changes to the objects it subscribed to, read by
/// offset, one account's (`journal-local`) or every installing account's (`journal`); its
/// subscriptions and filters; CRM snapshots to start from.
#[rustfmt::skip]
pub const WEBHOOKS_JOURNAL: Api = Api {
    name: "webhooks_journal",
    title: "webhooks journal",
    document: Some(Document {
        reference: "webhooks-journal",
        file: "{version}.json",
        also: &[],
        upstream: None,
    }),
    object_type: None,
    legacy: &[],
    dated: Some(Dated {
        roots: &[
            &["/webhooks-journal/journal-local/{version}"],
            &["/webhooks-journal/journal/{version}"],
            &["/webhooks-journal/snapshots/{version}"],
            &["/webhooks-journal/subscriptions/{version}"],
        ],
        since: "2026-03",
        // Its latest general release; 2027-03 is in beta.
        until: Some("2026-03"),
        betas: &["2027-03-beta"],
    }),
    auth: CallAuth::Bearer,
    operations: &[
        op("local_journal_earliest", GET, 0, "/earliest", Reads, JOURNAL_READ, "The oldest entry of this account's journal still kept."),
        op("local_journal_latest", GET, 0, "/latest", Reads, JOURNAL_READ, "The newest entry of this account's journal."),
        op("local_journal_next", GET, 0, "/offset/{offset}/next", Reads, JOURNAL_READ,
           "The entry after an offset in this account's journal (404 once the offset is past retention)."),
        op("local_journal_batch_earliest", GET, 0, "/batch/earliest/{count}", Reads, JOURNAL_READ,
           "Up to `count` of the oldest entries of this account's journal."),
        op("local_journal_batch_latest", GET, 0, "/batch/latest/{count}", Reads, JOURNAL_READ,
           "Up to `count` of the newest entries of this account's journal."),
        op("local_journal_batch_next", GET, 0, "/batch/{offset}/next/{count}", Reads, JOURNAL_READ,
           "Up to `count` entries after an offset in this account's journal (404 once the offset is past retention)."),
        op("local_journal_batch_read", POST, 0, "/batch/read", Reads, JOURNAL_READ, "Entries of this account's journal by offset."),
        op("local_journal_status", GET, 0, "/status/{statusId}", Reads, JOURNAL_SNAPSHOTS_READ,
           "How a snapshot request for this account is going."),
        op("journal_earliest", GET, 1, "/earliest", Reads, JOURNAL_READ,
           "The oldest entry of the app's journal (every installing account) still kept."),
        op("journal_latest", GET, 1, "/latest", Reads, JOURNAL_READ, "The newest entry of the app's journal."),
        op("journal_next", GET, 1, "/offset/{offset}/next", Reads, JOURNAL_READ,
           "The entry after an offset in the app's journal (404 once the offset is past retention)."),
        op("journal_batch_earliest", GET, 1, "/batch/earliest/{count}", Reads, JOURNAL_READ,
           "Up to `count` of the oldest entries of the app's journal."),
        op("journal_batch_latest", GET, 1, "/batch/latest/{count}", Reads, JOURNAL_READ,
           "Up to `count` of the newest entries of the app's journal."),
        op("journal_batch_next", GET, 1, "/batch/{offset}/next/{count}", Reads, JOURNAL_READ,
           "Up to `count` entries after an offset in the app's journal (404 once the offset is past retention)."),
        op("journal_batch_read", POST, 1, "/batch/read", Reads, JOURNAL_READ, "Entries of the app's journal by offset."),
        op("journal_status", GET, 1, "/status/{statusId}", Reads, JOURNAL_SNAPSHOTS_READ, "How a snapshot request is going."),
        op("create_crm_snapshots", POST, 2, "/crm", Once, JOURNAL_SNAPSHOTS_WRITE,
           "Asks for snapshots of CRM objects, delivered to the journal."),
        op("list_journal_subscriptions", GET, 3, "", Reads, JOURNAL_SUBSCRIPTIONS_READ, "The app's journal subscriptions."),
        op("upsert_journal_subscription", POST, 3, "", Once, JOURNAL_SUBSCRIPTIONS_WRITE,
           "Creates or updates a journal subscription (object, association, privacy deletion, list membership or app lifecycle events)."),
        op("create_journal_filter", POST, 3, "/filters", Once, JOURNAL_SUBSCRIPTIONS_WRITE, "Adds a filter to a journal subscription."),
        op("list_journal_filters", GET, 3, "/filters/subscription/{subscriptionId}", Reads, JOURNAL_SUBSCRIPTIONS_READ,
           "The filters of a journal subscription."),
        op("get_journal_filter", GET, 3, "/filters/{filterId}", Reads, JOURNAL_SUBSCRIPTIONS_READ, "One journal subscription filter."),
        op("archive_journal_filter", DELETE, 3, "/filters/{filterId}", Idempotent, JOURNAL_SUBSCRIPTIONS_WRITE,
           "Removes a journal subscription filter."),
        op("archive_portal_journal_subscriptions", DELETE, 3, "/portals/{portalId}", Idempotent, JOURNAL_SUBSCRIPTIONS_WRITE,
           "Removes the app's journal subscriptions for one account."),
        op("get_journal_subscription", GET, 3, "/{subscriptionId}", Reads, JOURNAL_SUBSCRIPTIONS_READ, "One journal subscription."),
        op("archive_journal_subscription", DELETE, 3, "/{subscriptionId}", Idempotent, JOURNAL_SUBSCRIPTIONS_WRITE,
           "Removes a journal subscription."),
    ],
    names: &[],
};

/// Owners: the account's users and queues who own records (a deal's `hubspot_owner_id`).
#[rustfmt::skip]
pub const OWNERS: Api = Api {
    name: "owners",
    title: "owners",
    document: Some(Document { reference: "owners", file: "{version}.json", also: &[], upstream: None }),
    object_type: None,
    legacy: &[Legacy { name: "v3", roots: &[&["/crm/v3/owners"]], ends: LEGACY_CRM_ENDS }],
    dated: Some(Dated { roots: &[&["/crm/owners/{version}"]], since: "2026-03", until: None, betas: &[] }),
    auth: CallAuth::Bearer,
    operations: &[
        op("list_owners", GET, 0, "", Reads, OWNERS_READ,
           "The account's owners, 100 a page by default (500 at most); `archived=true` lists only the archived ones, `email` finds one by address."),
        op("get_owner", GET, 0, "/{ownerId}", Reads, OWNERS_READ,
           "One owner, by its owner id, or with `idProperty=userId` by its user id."),
    ],
    names: &[
        ("Owner",     &["PublicOwner"]),
        ("OwnerPage", &["CollectionResponsePublicOwnerForwardPaging"]),
        ("Team",      &["PublicTeam"]),
    ],
};

/// OAuth: tokens for an app installed in an account (authorization code, refresh, the app's
/// own client credentials), what a token is, and ending one. Called by hand (the `auth`
/// module), not generated: token requests must not follow redirects and keep their secrets
/// out of every log.
#[rustfmt::skip]
pub const OAUTH: Api = Api {
    name: "oauth",
    title: "OAuth tokens",
    document: None,
    object_type: None,
    legacy: &[
        // "Apps still calling them must migrate ... to avoid authentication failures after
        // the sunset date" (HubSpot's OAuth v1 migration guide).
        Legacy { name: "v1", roots: &[&["/oauth/v1"]], ends: Ending::Retired("2027-02-16") },
        Legacy { name: "v3", roots: &[&["/oauth/v3"]], ends: LEGACY_CRM_ENDS },
    ],
    dated: Some(Dated { roots: &[&["/oauth/{version}"]], since: "2026-03", until: None, betas: &[] }),
    auth: CallAuth::AppForm,
    operations: &[
        op("oauth_token", POST, 0, "/token", Once, "",
           "Exchanges an authorization code, a refresh token or the app's client credentials for an access token.").body(Body::Form),
        op("oauth_introspect", POST, 0, "/token/introspect", Reads, "", "What a token is: active, its account, user and scopes.").body(Body::Form),
        op("oauth_revoke", POST, 0, "/token/revoke", Idempotent, "", "Ends a refresh token (logging out).").body(Body::Form),
        // v1 only.
        op("oauth_access_token_info", GET, 0, "/access-tokens/{token}", Reads, "", "What an access token is (v1)."),
        op("oauth_refresh_token_info", GET, 0, "/refresh-tokens/{token}", Reads, "", "What a refresh token is (v1)."),
        op("oauth_delete_refresh_token", DELETE, 0, "/refresh-tokens/{token}", Idempotent, "", "Ends a refresh token (v1)."),
    ],
    names: &[],
};

/// The reads connectors make around deals on HubSpot's oldest APIs (the account's object
/// schemas, deal properties in their v1 and v2 shapes, deals in v1's pages): served by the
/// fake for the connectors that still call them, never called by this client.
#[rustfmt::skip]
pub const LEGACY_CRM: Api = Api {
    name: "legacy_crm",
    title: "legacy CRM reads",
    document: None,
    object_type: Some("deals"),
    // Roots by kind: deal properties, deals, object schemas (a version without one has none).
    legacy: &[
        Legacy { name: "v1", roots: &[&["/properties/v1/{objectType}"], &["/deals/v1"], &[]], ends: LEGACY_CRM_ENDS },
        // `/companies/v2/properties` is the v2 spelling for companies (and any object).
        Legacy { name: "v2", roots: &[&["/properties/v2/{objectType}", "/{objectType}/v2"], &[], &[]], ends: LEGACY_CRM_ENDS },
        Legacy { name: "v3", roots: &[&[], &[], &["/crm/v3/schemas"]], ends: LEGACY_CRM_ENDS },
    ],
    dated: None,
    auth: CallAuth::Bearer,
    operations: &[
        op("legacy_deal_properties", GET, 0, "/properties", Reads, DEALS_READ, "Deal property definitions in the v1 and v2 shape."),
        op("legacy_deals_paged", GET, 1, "/deal/paged", Reads, DEALS_READ,
           "A page of deals in v1's shape (`offset`, `hasMore`), each property with its timestamp, source and versions."),
        op("legacy_schemas", GET, 2, "", Reads, DEALS_READ, "The account's custom object schemas (none in the fake)."),
    ],
    names: &[],
};

/// Every API this project follows, in the order the fake tries them.
pub const APIS: &[Api] = &[
    DEALS,
    PIPELINES,
    PROPERTIES,
    ASSOCIATIONS,
    ASSOCIATION_LABELS,
    WEBHOOKS_JOURNAL,
    OWNERS,
    OAUTH,
    LEGACY_CRM,
];

/// The API named `name`.
pub fn api(name: &str) -> Option<&'static Api> {
    APIS.iter().find(|api| api.name == name)
}

/// The readable names every document shares (an error body, a batch error).
pub fn shared_names() -> &'static [(&'static str, &'static [&'static str])] {
    SHARED_NAMES
}

/// One version of an API, as `Api::versions` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// `v3`, `2026-09`, `2026-09-beta`.
    pub name: &'static str,
    /// When HubSpot ends it.
    pub ends: Ending,
    /// Whether it is a beta.
    pub beta: bool,
    legacy: Option<&'static Legacy>,
}

impl Api {
    /// Its versions: numbered ones, then its date versions from `since` (to `until`), then
    /// its betas.
    pub fn versions(&self) -> Vec<Version> {
        let mut all: Vec<Version> = self
            .legacy
            .iter()
            .map(|legacy| Version {
                name: legacy.name,
                ends: legacy.ends,
                beta: false,
                legacy: Some(legacy),
            })
            .collect();
        if let Some(dated) = &self.dated {
            let mut on = false;
            for version in DATE_VERSIONS {
                on |= version.name == dated.since;
                if on {
                    all.push(Version {
                        name: version.name,
                        ends: Ending::Unsupported(version.unsupported),
                        beta: false,
                        legacy: None,
                    });
                }
                if dated.until == Some(version.name) {
                    break;
                }
            }
            for beta in dated.betas {
                all.push(Version {
                    name: beta,
                    ends: Ending::None,
                    beta: true,
                    legacy: None,
                });
            }
        }
        all
    }

    /// The version its client is generated from and called at: HubSpot's current date
    /// version, or the newest this API has.
    pub fn default_version(&self) -> &'static str {
        let versions = self.versions();
        let stable = versions.iter().rev().filter(|v| !v.beta);
        let dated = stable
            .clone()
            .find(|v| v.legacy.is_none() && v.name <= DEFAULT_VERSION);
        dated
            .or(stable.clone().next())
            .map_or(DEFAULT_VERSION, |v| v.name)
    }

    /// The version named `name`.
    pub fn version(&self, name: &str) -> Option<Version> {
        self.versions().into_iter().find(|v| v.name == name)
    }

    /// The roots of version `version`, `{version}` filled in, each with its other spellings.
    pub fn roots(&self, version: &Version) -> Vec<Vec<String>> {
        let templates: &[&[&str]] = match (version.legacy, &self.dated) {
            (Some(legacy), _) => legacy.roots,
            (None, Some(dated)) => dated.roots,
            (None, None) => &[],
        };
        templates
            .iter()
            .map(|spellings| {
                spellings
                    .iter()
                    .map(|t| t.replace("{version}", version.name))
                    .collect()
            })
            .collect()
    }

    /// Its operation named `name`.
    pub fn operation(&self, name: &str) -> Option<&'static Operation> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// The path of operation `name` in version `version` (the object type pinned, path
    /// parameters left as `{…}`), as its document writes it.
    pub fn path(&self, version: &str, name: &str) -> Option<String> {
        let version = self.version(version)?;
        let operation = self.operation(name)?;
        let root = self.roots(&version).get(operation.root)?.first()?.clone();
        let root = match self.object_type {
            Some(object) => root.replace("{objectType}", object),
            None => root,
        };
        Some(format!("{root}{}", operation.path))
    }

    /// The name of its document's file for `version` in HubSpot's reference folder.
    pub fn file(&self, version: &str) -> Option<String> {
        self.document.map(|d| d.file.replace("{version}", version))
    }
}

/// Where `find` found a request's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The API.
    pub api: &'static Api,
    /// Its version the path names.
    pub version: Version,
    /// The operation.
    pub operation: &'static Operation,
    /// The object type the path names where the root has one, as written.
    pub object_type: Option<String>,
    /// The path parameters' values, as written (not decoded), in the order of the path.
    pub params: Vec<(&'static str, String)>,
}

impl Found {
    /// The value of path parameter `name` (`dealId`, `toObjectType`), as written.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why `find` found no operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No API has the path.
    NotFound,
    /// The path is known, with these methods.
    MethodNotAllowed(Vec<&'static str>),
}

/// The operation a request (`method`, `path`) calls, in whichever API and version has it.
/// Path parameters match any one segment; where several operations match, the one with the
/// most literal segments wins (`/search` is not the id `search`).
pub fn find(method: &str, path: &str) -> Result<Found, Miss> {
    find_where(method, path, |_| true)
}

/// `find`, for paths whose object type (where a root names one) passes `object_type_ok`.
pub fn find_where(
    method: &str,
    path: &str,
    object_type_ok: impl Fn(&str) -> bool,
) -> Result<Found, Miss> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Vec<(usize, Found)> = Vec::new();
    for api in APIS {
        for version in api.versions() {
            for (index, spellings) in api.roots(&version).iter().enumerate() {
                for spelling in spellings {
                    let Some((rest, object_type, root_literals)) =
                        match_root(spelling, &segments, &object_type_ok)
                    else {
                        continue;
                    };
                    for operation in api.operations.iter().filter(|o| o.root == index) {
                        let Some((literals, params)) = bind(operation.path, rest) else {
                            continue;
                        };
                        let rank = root_literals + literals;
                        let found = Found {
                            api,
                            version,
                            operation,
                            object_type: object_type.map(str::to_string),
                            params,
                        };
                        match best.first() {
                            Some((top, _)) if *top > rank => {}
                            Some((top, _)) if *top == rank => best.push((rank, found)),
                            _ => best = vec![(rank, found)],
                        }
                    }
                }
            }
        }
    }
    let mut allowed = Vec::new();
    for (_, found) in best {
        if found.operation.method.eq_ignore_ascii_case(method) {
            return Ok(found);
        }
        if !allowed.contains(&found.operation.method) {
            allowed.push(found.operation.method);
        }
    }
    if allowed.is_empty() {
        Err(Miss::NotFound)
    } else {
        Err(Miss::MethodNotAllowed(allowed))
    }
}

/// The segments after `root` (literals equal; `{objectType}` any one segment, returned),
/// and how many literal segments the root has.
fn match_root<'p>(
    root: &str,
    segments: &'p [&'p str],
    object_type_ok: &dyn Fn(&str) -> bool,
) -> Option<(&'p [&'p str], Option<&'p str>, usize)> {
    let pattern: Vec<&str> = root.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < pattern.len() {
        return None;
    }
    let mut object_type = None;
    let mut literals = 0;
    for (want, got) in pattern.iter().zip(segments) {
        if *want == "{objectType}" {
            if !object_type_ok(got) {
                return None;
            }
            object_type = Some(*got);
        } else if want == got {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((&segments[pattern.len()..], object_type, literals))
}

/// Binds `segments` to an operation's path: `None` when the shape differs, else how many
/// literal segments matched and each parameter's value.
fn bind(path: &'static str, segments: &[&str]) -> Option<(usize, Vec<(&'static str, String)>)> {
    let pattern: Vec<&'static str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if pattern.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    let mut literals = 0;
    for (want, got) in pattern.iter().zip(segments) {
        if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            params.push((name, got.to_string()));
        } else if want == got {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((literals, params))
}

/// Days from `from` to `to` (both `YYYY-MM-DD`; negative when `to` is earlier); `None` when
/// either is not such a date.
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(day_number(to)? - day_number(from)?)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the civil-from-days algorithm).
fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.get(..10)?.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}
