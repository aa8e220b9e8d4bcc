//! The deals operations' names and routes: one home for the client's operation table
//! (`operations.rs`), and for the normalizer (`spec/normalize.rs`) that names the operations
//! of HubSpot's documents for `build.rs` and `cargo xtask`, which include this plain file by
//! path (it has no imports).

/// An operation's method name, HTTP method and path under the deals object's path (`{id}`:
/// any path parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The generated method's name.
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The path under the object's (`""`: the object's own).
    pub path: &'static str,
}

const fn route(name: &'static str, method: &'static str, path: &'static str) -> Route {
    Route { name, method, path }
}

/// `GET /{objectType}`.
pub const GET_PAGE: Route = route("get_page", "GET", "");
/// `POST /{objectType}`.
pub const CREATE: Route = route("create", "POST", "");
/// `GET /{objectType}/{id}`.
pub const GET_BY_ID: Route = route("get_by_id", "GET", "/{id}");
/// `PATCH /{objectType}/{id}`.
pub const UPDATE: Route = route("update", "PATCH", "/{id}");
/// `DELETE /{objectType}/{id}`.
pub const ARCHIVE: Route = route("archive", "DELETE", "/{id}");
/// `POST …/batch/read`.
pub const BATCH_READ: Route = route("batch_read", "POST", "/batch/read");
/// `POST …/batch/create`.
pub const BATCH_CREATE: Route = route("batch_create", "POST", "/batch/create");
/// `POST …/batch/update`.
pub const BATCH_UPDATE: Route = route("batch_update", "POST", "/batch/update");
/// `POST …/batch/upsert`.
pub const BATCH_UPSERT: Route = route("batch_upsert", "POST", "/batch/upsert");
/// `POST …/batch/archive`.
pub const BATCH_ARCHIVE: Route = route("batch_archive", "POST", "/batch/archive");
/// `POST …/search`.
pub const SEARCH: Route = route("search", "POST", "/search");
/// `POST …/merge`.
pub const MERGE: Route = route("merge", "POST", "/merge");
/// `POST …/gdpr-delete`.
pub const GDPR_DELETE: Route = route("gdpr_delete", "POST", "/gdpr-delete");
/// `GET …/{id}/associations/{toObjectType}`.
pub const LIST_ASSOCIATIONS: Route = route(
    "list_associations",
    "GET",
    "/{id}/associations/{toObjectType}",
);
/// `PUT …/{id}/associations/{toObjectType}/{toObjectId}`.
pub const ASSOCIATE: Route = route(
    "associate",
    "PUT",
    "/{id}/associations/{toObjectType}/{toObjectId}",
);
/// `PUT …/{id}/associations/default/{toObjectType}/{toObjectId}`.
pub const ASSOCIATE_DEFAULT: Route = route(
    "associate_default",
    "PUT",
    "/{id}/associations/default/{toObjectType}/{toObjectId}",
);
/// `DELETE …/{id}/associations/{toObjectType}/{toObjectId}`.
pub const DISASSOCIATE: Route = route(
    "disassociate",
    "DELETE",
    "/{id}/associations/{toObjectType}/{toObjectId}",
);

/// Every deals operation, in any of HubSpot's versions (the normalizer names operations from
/// it; in the library a unit test holds the operation table to it).
#[cfg_attr(not(test), allow(dead_code))]
pub const ROUTES: &[Route] = &[
    GET_PAGE,
    CREATE,
    GET_BY_ID,
    UPDATE,
    ARCHIVE,
    BATCH_READ,
    BATCH_CREATE,
    BATCH_UPDATE,
    BATCH_UPSERT,
    BATCH_ARCHIVE,
    SEARCH,
    MERGE,
    GDPR_DELETE,
    LIST_ASSOCIATIONS,
    ASSOCIATE,
    ASSOCIATE_DEFAULT,
    DISASSOCIATE,
];

/// One of HubSpot's APIs around deals, generated like deals from a document of its own: the
/// name of its `spec/` document and module, the path prefixes its operations live under (in
/// their `vN` form; the date versions are matched too), HubSpot's documents it comes from,
/// and its operations' names and routes under the deals object's part of the path (the
/// object type, `{objectType}` or `{fromObjectType}`, pinned to `deals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbour {
    /// The document's and the module's name (`pipelines`, `properties`).
    pub name: &'static str,
    /// The paths before the object type (`/crm/v3/pipelines`), or before the routes of an
    /// API for no object type in particular (`/webhooks-journal`).
    pub prefixes: &'static [&'static str],
    /// Whether its paths name an object type (pinned to deals); the webhooks journal's do not.
    pub object_type: bool,
    /// HubSpot's documents of it, in `hubspot-{api}-spec/` of the reference folder: the
    /// first is the one `spec/` follows, the others must name the same operations.
    pub upstream: Upstream,
    /// The operations.
    pub routes: &'static [Route],
}

/// Where HubSpot publishes an API's documents: `hubspot-{api}-spec/{file}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    /// The API's folder name (`pipelines`, `associations`).
    pub api: &'static str,
    /// The documents' file names, the followed one first.
    pub files: &'static [&'static str],
}

/// The deal pipelines API.
pub const PIPELINES: Neighbour = Neighbour {
    name: "pipelines",
    prefixes: &["/crm/v3/pipelines"],
    object_type: true,
    upstream: Upstream {
        api: "pipelines",
        files: &["v3.json", "2026-03.json"],
    },
    routes: &[
        route("list_pipelines", "GET", ""),
        route("create_pipeline", "POST", ""),
        route("get_pipeline", "GET", "/{pipelineId}"),
        route("replace_pipeline", "PUT", "/{pipelineId}"),
        route("archive_pipeline", "DELETE", "/{pipelineId}"),
        route("update_pipeline", "PATCH", "/{pipelineId}"),
        route("pipeline_audit", "GET", "/{pipelineId}/audit"),
        route("list_stages", "GET", "/{pipelineId}/stages"),
        route("create_stage", "POST", "/{pipelineId}/stages"),
        route("get_stage", "GET", "/{pipelineId}/stages/{stageId}"),
        route("replace_stage", "PUT", "/{pipelineId}/stages/{stageId}"),
        route("archive_stage", "DELETE", "/{pipelineId}/stages/{stageId}"),
        route("update_stage", "PATCH", "/{pipelineId}/stages/{stageId}"),
        route("stage_audit", "GET", "/{pipelineId}/stages/{stageId}/audit"),
    ],
};

/// The deal properties API.
pub const PROPERTIES: Neighbour = Neighbour {
    name: "properties",
    prefixes: &["/crm/v3/properties"],
    object_type: true,
    upstream: Upstream {
        api: "properties",
        files: &["v3.json", "2026-03.json"],
    },
    routes: &[
        route("list_properties", "GET", ""),
        route("create_property", "POST", ""),
        route("batch_archive_properties", "POST", "/batch/archive"),
        route("batch_create_properties", "POST", "/batch/create"),
        route("batch_read_properties", "POST", "/batch/read"),
        route("list_property_groups", "GET", "/groups"),
        route("create_property_group", "POST", "/groups"),
        route("get_property_group", "GET", "/groups/{groupName}"),
        route("archive_property_group", "DELETE", "/groups/{groupName}"),
        route("update_property_group", "PATCH", "/groups/{groupName}"),
        route("get_property", "GET", "/{propertyName}"),
        route("archive_property", "DELETE", "/{propertyName}"),
        route("update_property", "PATCH", "/{propertyName}"),
    ],
};

/// Associations v4 from deals: one deal's associations (`/crm/v4/objects/deals/…`) and many
/// deals' at once (`/crm/v4/associations/deals/{toObjectType}/batch/…`).
pub const ASSOCIATIONS: Neighbour = Neighbour {
    name: "associations",
    prefixes: &["/crm/v4/objects", "/crm/v4/associations"],
    object_type: true,
    upstream: Upstream {
        api: "associations",
        files: &["v4.json", "2026-03.json"],
    },
    routes: &[
        route(
            "read_associations",
            "GET",
            "/{objectId}/associations/{toObjectType}",
        ),
        route(
            "create_labelled_association",
            "PUT",
            "/{objectId}/associations/{toObjectType}/{toObjectId}",
        ),
        route(
            "remove_associations",
            "DELETE",
            "/{objectId}/associations/{toObjectType}/{toObjectId}",
        ),
        route(
            "create_default_association",
            "PUT",
            "/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}",
        ),
        route(
            "batch_read_associations",
            "POST",
            "/{toObjectType}/batch/read",
        ),
        route(
            "batch_create_associations",
            "POST",
            "/{toObjectType}/batch/create",
        ),
        route(
            "batch_create_default_associations",
            "POST",
            "/{toObjectType}/batch/associate/default",
        ),
        route(
            "batch_archive_associations",
            "POST",
            "/{toObjectType}/batch/archive",
        ),
        route(
            "batch_archive_association_labels",
            "POST",
            "/{toObjectType}/batch/labels/archive",
        ),
        // Only in the date versions' document: a search of deals, as deals' own.
        route("association_search", "POST", "/search"),
    ],
};

/// Association labels (HubSpot's associations schema v4): the labels deals' associations
/// with another object type may carry, and the limits on how many there may be.
pub const ASSOCIATION_LABELS: Neighbour = Neighbour {
    name: "association_labels",
    prefixes: &[
        "/crm/associations/v4",
        "/crm/associations/v4/definitions/configurations",
    ],
    object_type: true,
    upstream: Upstream {
        api: "associations",
        files: &["schema-v4.json"],
    },
    routes: &[
        route("list_association_labels", "GET", "/{toObjectType}/labels"),
        route("create_association_label", "POST", "/{toObjectType}/labels"),
        route("update_association_label", "PUT", "/{toObjectType}/labels"),
        route(
            "archive_association_label",
            "DELETE",
            "/{toObjectType}/labels/{associationTypeId}",
        ),
        route("list_association_limits", "GET", "/{toObjectType}"),
        route(
            "batch_create_association_limits",
            "POST",
            "/{toObjectType}/batch/create",
        ),
        route(
            "batch_update_association_limits",
            "POST",
            "/{toObjectType}/batch/update",
        ),
        route(
            "batch_archive_association_limits",
            "POST",
            "/{toObjectType}/batch/purge",
        ),
    ],
};

/// The webhooks journal (2026-03): an app's log of changes to the objects it subscribed to,
/// read by offset, one account's (`journal-local`) or every installing account's
/// (`journal`); its subscriptions and filters; CRM snapshots to start from.
pub const WEBHOOKS_JOURNAL: Neighbour = Neighbour {
    name: "webhooks_journal",
    prefixes: &["/webhooks-journal"],
    object_type: false,
    upstream: Upstream {
        api: "webhooks-journal",
        files: &["2026-03.json"],
    },
    routes: &[
        route(
            "local_journal_earliest",
            "GET",
            "/journal-local/2026-03/earliest",
        ),
        route(
            "local_journal_latest",
            "GET",
            "/journal-local/2026-03/latest",
        ),
        route(
            "local_journal_next",
            "GET",
            "/journal-local/2026-03/offset/{offset}/next",
        ),
        route(
            "local_journal_batch_earliest",
            "GET",
            "/journal-local/2026-03/batch/earliest/{count}",
        ),
        route(
            "local_journal_batch_latest",
            "GET",
            "/journal-local/2026-03/batch/latest/{count}",
        ),
        route(
            "local_journal_batch_next",
            "GET",
            "/journal-local/2026-03/batch/{offset}/next/{count}",
        ),
        route(
            "local_journal_batch_read",
            "POST",
            "/journal-local/2026-03/batch/read",
        ),
        route(
            "local_journal_status",
            "GET",
            "/journal-local/2026-03/status/{statusId}",
        ),
        route("journal_earliest", "GET", "/journal/2026-03/earliest"),
        route("journal_latest", "GET", "/journal/2026-03/latest"),
        route(
            "journal_next",
            "GET",
            "/journal/2026-03/offset/{offset}/next",
        ),
        route(
            "journal_batch_earliest",
            "GET",
            "/journal/2026-03/batch/earliest/{count}",
        ),
        route(
            "journal_batch_latest",
            "GET",
            "/journal/2026-03/batch/latest/{count}",
        ),
        route(
            "journal_batch_next",
            "GET",
            "/journal/2026-03/batch/{offset}/next/{count}",
        ),
        route("journal_batch_read", "POST", "/journal/2026-03/batch/read"),
        route(
            "journal_status",
            "GET",
            "/journal/2026-03/status/{statusId}",
        ),
        route("create_crm_snapshots", "POST", "/snapshots/2026-03/crm"),
        route(
            "list_journal_subscriptions",
            "GET",
            "/subscriptions/2026-03",
        ),
        route(
            "upsert_journal_subscription",
            "POST",
            "/subscriptions/2026-03",
        ),
        route(
            "create_journal_filter",
            "POST",
            "/subscriptions/2026-03/filters",
        ),
        route(
            "list_journal_filters",
            "GET",
            "/subscriptions/2026-03/filters/subscription/{subscriptionId}",
        ),
        route(
            "get_journal_filter",
            "GET",
            "/subscriptions/2026-03/filters/{filterId}",
        ),
        route(
            "archive_journal_filter",
            "DELETE",
            "/subscriptions/2026-03/filters/{filterId}",
        ),
        route(
            "archive_portal_journal_subscriptions",
            "DELETE",
            "/subscriptions/2026-03/portals/{portalId}",
        ),
        route(
            "get_journal_subscription",
            "GET",
            "/subscriptions/2026-03/{subscriptionId}",
        ),
        route(
            "archive_journal_subscription",
            "DELETE",
            "/subscriptions/2026-03/{subscriptionId}",
        ),
    ],
};

/// The APIs around deals the client generates.
#[cfg_attr(not(test), allow(dead_code))]
pub const NEIGHBOURS: &[Neighbour] = &[
    PIPELINES,
    PROPERTIES,
    ASSOCIATIONS,
    ASSOCIATION_LABELS,
    WEBHOOKS_JOURNAL,
];

/// Our description of each operation of the APIs around deals (HubSpot's prose is not
/// copied into `spec/`): the normalizer writes it into the document, so the generated
/// methods are documented.
#[cfg_attr(not(test), allow(dead_code))]
pub const NEIGHBOUR_DOCS: &[(&str, &str)] = &[
    ("list_pipelines", "Every deal pipeline, with its stages."),
    (
        "create_pipeline",
        "Creates a deal pipeline with its stages (each stage needs `metadata.probability`, 0.0 to 1.0).",
    ),
    ("get_pipeline", "One deal pipeline, with its stages."),
    (
        "replace_pipeline",
        "Replaces a pipeline's label, order and stages; stages left out must hold no deals.",
    ),
    (
        "archive_pipeline",
        "Deletes a deal pipeline; one that deals are in cannot be.",
    ),
    (
        "update_pipeline",
        "Changes a pipeline's label or display order.",
    ),
    (
        "pipeline_audit",
        "What was done to a pipeline, newest first.",
    ),
    (
        "list_stages",
        "The stages of a deal pipeline, in display order.",
    ),
    ("create_stage", "Adds a stage to a deal pipeline."),
    ("get_stage", "One stage of a deal pipeline."),
    (
        "replace_stage",
        "Replaces a stage's label, order and metadata.",
    ),
    (
        "archive_stage",
        "Deletes a stage; one that deals are in cannot be.",
    ),
    (
        "update_stage",
        "Changes a stage's label, order or metadata (merged).",
    ),
    ("stage_audit", "What was done to a stage, newest first."),
    (
        "list_properties",
        "Every deal property definition: name, type, field type, options, uniqueness.",
    ),
    (
        "create_property",
        "Creates a deal property (`hasUniqueValue` makes an id for upserts).",
    ),
    (
        "batch_archive_properties",
        "Archives deal properties by name.",
    ),
    (
        "batch_create_properties",
        "Creates several deal properties; a 207 lists those refused.",
    ),
    (
        "batch_read_properties",
        "Reads the named deal property definitions.",
    ),
    (
        "list_property_groups",
        "The groups deal properties are shown in.",
    ),
    (
        "create_property_group",
        "Creates a group of deal properties.",
    ),
    ("get_property_group", "One group of deal properties."),
    (
        "archive_property_group",
        "Archives a group of deal properties.",
    ),
    (
        "update_property_group",
        "Changes a property group's label or display order.",
    ),
    ("get_property", "One deal property definition."),
    (
        "archive_property",
        "Archives one of the account's deal properties.",
    ),
    (
        "update_property",
        "Changes a deal property's label, type, field type or options.",
    ),
    (
        "read_associations",
        "A deal's associations with an object type, with their types and labels (500 a page).",
    ),
    (
        "create_labelled_association",
        "Associates a deal with an object by the given association types (labels).",
    ),
    (
        "remove_associations",
        "Removes every association between a deal and an object.",
    ),
    (
        "create_default_association",
        "Associates a deal with an object by HubSpot's default type.",
    ),
    (
        "batch_read_associations",
        "The associations of up to 1,000 deals with an object type, with labels; a deal with none is a 207 error (`NO_ASSOCIATIONS_FOUND`).",
    ),
    (
        "batch_create_associations",
        "Associates many deals with objects by the given types.",
    ),
    (
        "batch_create_default_associations",
        "Associates many deals with objects by HubSpot's default type.",
    ),
    (
        "batch_archive_associations",
        "Removes every association between each deal and the objects listed.",
    ),
    (
        "batch_archive_association_labels",
        "Removes the given association types (labels) between deals and objects, keeping the rest.",
    ),
    (
        "association_search",
        "Searches deals (the date versions' associations document carries it).",
    ),
    (
        "list_association_labels",
        "The association types deals may have with an object type: HubSpot's and the account's labels.",
    ),
    (
        "create_association_label",
        "Creates an association label from deals to an object type.",
    ),
    ("update_association_label", "Renames an association label."),
    ("archive_association_label", "Removes an association label."),
    (
        "list_association_limits",
        "The limits set on how many objects a deal may be associated with, by type.",
    ),
    (
        "batch_create_association_limits",
        "Sets limits on how many objects a deal may be associated with, by type.",
    ),
    (
        "batch_update_association_limits",
        "Changes limits on associations, by type.",
    ),
    (
        "batch_archive_association_limits",
        "Removes limits on associations, by type.",
    ),
    (
        "local_journal_earliest",
        "The oldest entry of this account's journal still kept.",
    ),
    (
        "local_journal_latest",
        "The newest entry of this account's journal.",
    ),
    (
        "local_journal_next",
        "The entry after an offset in this account's journal (404 once the offset is past retention).",
    ),
    (
        "local_journal_batch_earliest",
        "Up to `count` of the oldest entries of this account's journal.",
    ),
    (
        "local_journal_batch_latest",
        "Up to `count` of the newest entries of this account's journal.",
    ),
    (
        "local_journal_batch_next",
        "Up to `count` entries after an offset in this account's journal (404 once the offset is past retention).",
    ),
    (
        "local_journal_batch_read",
        "Entries of this account's journal by offset.",
    ),
    (
        "local_journal_status",
        "How a snapshot request for this account is going.",
    ),
    (
        "journal_earliest",
        "The oldest entry of the app's journal (every installing account) still kept.",
    ),
    ("journal_latest", "The newest entry of the app's journal."),
    (
        "journal_next",
        "The entry after an offset in the app's journal (404 once the offset is past retention).",
    ),
    (
        "journal_batch_earliest",
        "Up to `count` of the oldest entries of the app's journal.",
    ),
    (
        "journal_batch_latest",
        "Up to `count` of the newest entries of the app's journal.",
    ),
    (
        "journal_batch_next",
        "Up to `count` entries after an offset in the app's journal (404 once the offset is past retention).",
    ),
    (
        "journal_batch_read",
        "Entries of the app's journal by offset.",
    ),
    ("journal_status", "How a snapshot request is going."),
    (
        "create_crm_snapshots",
        "Asks for snapshots of CRM objects, delivered to the journal.",
    ),
    (
        "list_journal_subscriptions",
        "The app's journal subscriptions.",
    ),
    (
        "upsert_journal_subscription",
        "Creates or updates a journal subscription (object, association, privacy deletion, list membership or app lifecycle events).",
    ),
    (
        "create_journal_filter",
        "Adds a filter to a journal subscription.",
    ),
    (
        "list_journal_filters",
        "The filters of a journal subscription.",
    ),
    ("get_journal_filter", "One journal subscription filter."),
    (
        "archive_journal_filter",
        "Removes a journal subscription filter.",
    ),
    (
        "archive_portal_journal_subscriptions",
        "Removes the app's journal subscriptions for one account.",
    ),
    ("get_journal_subscription", "One journal subscription."),
    (
        "archive_journal_subscription",
        "Removes a journal subscription.",
    ),
];
