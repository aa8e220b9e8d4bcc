//! Where a request goes: the deals operations, matched against the routes of the client's
//! operation table; the reads around deals that connectors make before reading deals (object
//! schemas, legacy v2 properties, associations v4 batch read); the fake's own endpoints
//! (OAuth, stats).

use super::faults::OAUTH_TOKEN;
use super::journal_log::JournalRead;
use hubspot_deals::operations::{OPERATIONS, Operation};
use hyper::Method;

/// The date-versioned APIs served beside v3 (`/crm/objects/{version}/…`).
use hubspot_deals::limits::DATE_VERSIONS as VERSIONS;

/// Associations v4's object paths (`/crm/v4/objects/deals/{id}/associations/…`): only the
/// association operations live there, answered as the date-versioned APIs answer them.
const V4: &str = "v4";

/// The names deals go by in object paths: HubSpot takes the singular as well.
const DEAL_TYPES: &[&str] = &["deals", "deal", "0-3"];

/// The date version of a path (`None`: v3) and what follows the deals object (`""`,
/// `/batch/read`, `/42`, …), for `/crm/v3/objects/{deals|0-3}…` and
/// `/crm/objects/{version}/{deals|0-3}…`.
fn deals_rest(path: &str) -> Option<(Option<&'static str>, &str)> {
    let (version, objects) = if let Some(objects) = path.strip_prefix("/crm/v3/objects/") {
        (None, objects)
    } else if let Some(objects) = path.strip_prefix("/crm/v4/objects/") {
        (Some(V4), objects)
    } else {
        let (version, rest) = path.strip_prefix("/crm/objects/")?.split_once('/')?;
        (Some(*VERSIONS.iter().find(|v| **v == version)?), rest)
    };
    let (object, rest) = match objects.find('/') {
        Some(at) => objects.split_at(at),
        None => (objects, ""),
    };
    DEAL_TYPES.contains(&object).then_some((version, rest))
}

/// The path parameters of a deals route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params {
    /// `{id}`: the deal id (or unique value), percent-decoded.
    pub id: String,
    /// `{toObjectType}`.
    pub to_type: String,
    /// `{toObjectId}`.
    pub to_id: String,
}

/// A read of HubSpot's APIs around deals (not in the deals documents, so not in the client's
/// operation table): authorized and budgeted like a deals read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Neighbour {
    /// `GET /crm/v3/schemas`: the account's custom object schemas.
    Schemas,
    /// `GET /properties/v2/{deal|deals}/properties`: deal property definitions, legacy shape.
    PropertiesV2,
    /// `POST /crm/v4/associations/{deals}/{toObjectType}/batch/read`.
    AssociationsBatchRead {
        /// The object type the associations lead to, as the path gives it.
        to_type: String,
    },
    /// `POST /crm/v4/associations/{deals}/{toObjectType}/batch/{create|associate/default|
    /// archive|labels/archive}`.
    AssociationsBatch {
        /// The object type the associations lead to.
        to_type: String,
        /// Which batch.
        change: AssociationsChange,
    },
    /// `GET|POST|PUT /crm/associations/v4/{deals}/{toObjectType}/labels`.
    AssociationLabels {
        /// The object type the associations lead to.
        to_type: String,
        /// What the method does.
        change: LabelChange,
    },
    /// `DELETE /crm/associations/v4/{deals}/{toObjectType}/labels/{associationTypeId}`.
    AssociationLabelArchive {
        /// The object type the associations lead to.
        to_type: String,
        /// The label's association type id, as the path gives it.
        type_id: String,
    },
    /// `GET /crm/associations/v4/definitions/configurations/{deals}/{toObjectType}` and its
    /// `batch/{create|update|purge}`.
    AssociationLimits {
        /// The object type the associations lead to.
        to_type: String,
        /// What the call does.
        change: LimitChange,
    },
    /// `GET /crm/v3/properties/deals`.
    PropertiesGetAll,
    /// `POST /crm/v3/properties/deals`.
    PropertyCreate,
    /// `GET /crm/v3/properties/deals/{propertyName}`.
    PropertyGetByName(String),
    /// `POST /crm/v3/properties/deals/batch/read`.
    PropertiesBatchRead,
    /// A change of property definitions or groups.
    PropertyChange(PropertyChange),
    /// A call on the webhooks journal's subscriptions.
    JournalSubscriptions(SubscriptionCall),
    /// A read of the webhooks journal: every installing account's, or (`local`) one's.
    Journal { local: bool, read: JournalRead },
    /// `POST /webhooks-journal/snapshots/2026-03/crm`.
    Snapshots,
    /// `GET /crm/v3/pipelines/deals`.
    PipelinesGetAll,
    /// `POST /crm/v3/pipelines/deals`.
    PipelineCreate,
    /// `GET /crm/v3/pipelines/deals/{pipelineId}`.
    PipelineGetById(String),
    /// `GET /crm/v3/pipelines/deals/{pipelineId}/stages[/{stageId}]`.
    PipelineStages {
        pipeline: String,
        stage: Option<String>,
    },
    /// A change (or the audit) of a pipeline, or of one of its stages.
    PipelineChange {
        pipeline: String,
        /// The stage (`None`: the pipeline itself; for `Create`, a new stage).
        stage: Option<String>,
        change: SchemaChange,
    },
}

/// A call on the webhooks journal's subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SubscriptionCall {
    /// `GET /subscriptions/2026-03`.
    List,
    /// `POST /subscriptions/2026-03`.
    Upsert,
    /// `GET /{subscriptionId}`.
    Get(String),
    /// `DELETE /{subscriptionId}`.
    Archive(String),
    /// `DELETE /portals/{portalId}`.
    ArchivePortal(String),
    /// `POST /filters`.
    CreateFilter,
    /// `GET /filters/{filterId}`.
    Filter(String),
    /// `DELETE /filters/{filterId}`.
    ArchiveFilter(String),
    /// `GET /filters/subscription/{subscriptionId}`.
    Filters(String),
}

/// A change of property definitions or groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PropertyChange {
    /// `PATCH /{propertyName}`.
    Update(String),
    /// `DELETE /{propertyName}`.
    Archive(String),
    /// `POST /batch/create`.
    BatchCreate,
    /// `POST /batch/archive`.
    BatchArchive,
    /// `GET /groups`.
    Groups,
    /// `POST /groups`.
    CreateGroup,
    /// `GET /groups/{groupName}`.
    Group(String),
    /// `PATCH /groups/{groupName}`.
    UpdateGroup(String),
    /// `DELETE /groups/{groupName}`.
    ArchiveGroup(String),
}

/// What a call does to a pipeline or stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaChange {
    /// `POST …/stages`: a new stage.
    CreateStage,
    /// `PATCH`.
    Update,
    /// `PUT`.
    Replace,
    /// `DELETE`.
    Archive,
    /// `GET …/audit`.
    Audit,
}

/// A change of associations v4's batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssociationsChange {
    /// `batch/create`: labelled associations.
    Create,
    /// `batch/associate/default`.
    Default,
    /// `batch/archive`: every association of each pair.
    Archive,
    /// `batch/labels/archive`: some types of each pair.
    ArchiveLabels,
}

/// What a call on association labels does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelChange {
    /// `GET`: lists them.
    List,
    /// `POST`: creates one.
    Create,
    /// `PUT`: renames one.
    Update,
}

/// What a call on association limits does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitChange {
    /// `GET`: lists them.
    List,
    /// `batch/create`.
    Create,
    /// `batch/update`.
    Update,
    /// `batch/purge`.
    Purge,
}

impl Neighbour {
    /// The name the log, counters and fault rules use.
    pub fn name(&self) -> &'static str {
        match self {
            Neighbour::Schemas => "schemas_get_all",
            Neighbour::PropertiesV2 => "properties_v2_get_all",
            Neighbour::AssociationsBatchRead { .. } => "associations_v4_batch_read",
            Neighbour::AssociationsBatch { change, .. } => match change {
                AssociationsChange::Create => "associations_v4_batch_create",
                AssociationsChange::Default => "associations_v4_batch_default",
                AssociationsChange::Archive => "associations_v4_batch_archive",
                AssociationsChange::ArchiveLabels => "associations_v4_batch_archive_labels",
            },
            Neighbour::AssociationLabels { change, .. } => match change {
                LabelChange::List => "association_labels_list",
                LabelChange::Create => "association_labels_create",
                LabelChange::Update => "association_labels_update",
            },
            Neighbour::AssociationLabelArchive { .. } => "association_labels_archive",
            Neighbour::AssociationLimits { change, .. } => match change {
                LimitChange::List => "association_limits_list",
                LimitChange::Create => "association_limits_create",
                LimitChange::Update => "association_limits_update",
                LimitChange::Purge => "association_limits_purge",
            },
            Neighbour::PropertiesGetAll => "properties_get_all",
            Neighbour::PropertyCreate => "properties_create",
            Neighbour::PropertyGetByName(_) => "properties_get_by_name",
            Neighbour::PropertiesBatchRead => "properties_batch_read",
            Neighbour::JournalSubscriptions(call) => match call {
                SubscriptionCall::List => "journal_subscriptions_get_all",
                SubscriptionCall::Upsert => "journal_subscriptions_upsert",
                SubscriptionCall::Get(_) => "journal_subscriptions_get_by_id",
                SubscriptionCall::Archive(_) => "journal_subscriptions_archive",
                SubscriptionCall::ArchivePortal(_) => "journal_subscriptions_archive_portal",
                SubscriptionCall::CreateFilter => "journal_filters_create",
                SubscriptionCall::Filter(_) => "journal_filters_get_by_id",
                SubscriptionCall::ArchiveFilter(_) => "journal_filters_archive",
                SubscriptionCall::Filters(_) => "journal_filters_get_all",
            },
            Neighbour::Journal { local, read } => read.name(*local),
            Neighbour::Snapshots => "journal_snapshots_create",
            Neighbour::PropertyChange(change) => match change {
                PropertyChange::Update(_) => "properties_update",
                PropertyChange::Archive(_) => "properties_archive",
                PropertyChange::BatchCreate => "properties_batch_create",
                PropertyChange::BatchArchive => "properties_batch_archive",
                PropertyChange::Groups => "property_groups_get_all",
                PropertyChange::CreateGroup => "property_groups_create",
                PropertyChange::Group(_) => "property_groups_get_by_name",
                PropertyChange::UpdateGroup(_) => "property_groups_update",
                PropertyChange::ArchiveGroup(_) => "property_groups_archive",
            },
            Neighbour::PipelinesGetAll => "pipelines_get_all",
            Neighbour::PipelineCreate => "pipelines_create",
            Neighbour::PipelineGetById(_) => "pipelines_get_by_id",
            Neighbour::PipelineStages { stage: None, .. } => "pipeline_stages_get_all",
            Neighbour::PipelineStages { .. } => "pipeline_stages_get_by_id",
            Neighbour::PipelineChange { stage, change, .. } => match (stage.is_some(), change) {
                (_, SchemaChange::CreateStage) => "pipeline_stages_create",
                (false, SchemaChange::Update) => "pipelines_update",
                (false, SchemaChange::Replace) => "pipelines_replace",
                (false, SchemaChange::Archive) => "pipelines_archive",
                (false, SchemaChange::Audit) => "pipelines_audit",
                (true, SchemaChange::Update) => "pipeline_stages_update",
                (true, SchemaChange::Replace) => "pipeline_stages_replace",
                (true, SchemaChange::Archive) => "pipeline_stages_archive",
                (true, SchemaChange::Audit) => "pipeline_stages_audit",
            },
        }
    }

    /// The scope it needs when it is not the deals read or write scope.
    pub fn scope(&self) -> Option<&'static str> {
        let call = match self {
            Neighbour::JournalSubscriptions(call) => call,
            Neighbour::Journal {
                read: JournalRead::Status(_),
                ..
            } => return Some("developer.webhooks_journal.snapshots.read"),
            Neighbour::Journal { .. } => return Some("developer.webhooks_journal.read"),
            Neighbour::Snapshots => return Some("developer.webhooks_journal.snapshots.write"),
            _ => return None,
        };
        Some(match call {
            SubscriptionCall::List
            | SubscriptionCall::Get(_)
            | SubscriptionCall::Filter(_)
            | SubscriptionCall::Filters(_) => "developer.webhooks_journal.subscriptions.read",
            _ => "developer.webhooks_journal.subscriptions.write",
        })
    }

    /// Whether it changes the account (and needs the deals write scope).
    pub fn writes(&self) -> bool {
        match self {
            Neighbour::PipelineCreate
            | Neighbour::PropertyCreate
            | Neighbour::AssociationsBatch { .. }
            | Neighbour::AssociationLabelArchive { .. } => true,
            Neighbour::AssociationLabels { change, .. } => *change != LabelChange::List,
            Neighbour::PipelineChange { change, .. } => *change != SchemaChange::Audit,
            Neighbour::PropertyChange(change) => {
                !matches!(change, PropertyChange::Groups | PropertyChange::Group(_))
            }
            Neighbour::AssociationLimits { change, .. } => *change != LimitChange::List,
            _ => false,
        }
    }
}

/// The calls around deals at `path`, each with the method it takes.
fn neighbour(path: &str) -> Option<Vec<(&'static str, Neighbour)>> {
    if path == "/crm/v3/schemas" {
        return Some(vec![("GET", Neighbour::Schemas)]);
    }
    if path == "/webhooks-journal/snapshots/2026-03/crm" {
        return Some(vec![("POST", Neighbour::Snapshots)]);
    }
    for (prefix, local) in [
        ("/webhooks-journal/journal/2026-03/", false),
        ("/webhooks-journal/journal-local/2026-03/", true),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
            let strings: Vec<&str> = segments.iter().map(String::as_str).collect();
            let (method, read) = JournalRead::at(&strings)?;
            return Some(vec![(method, Neighbour::Journal { local, read })]);
        }
    }
    if let Some(rest) = path.strip_prefix("/webhooks-journal/subscriptions/2026-03") {
        let segments: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let call = |method, call| (method, Neighbour::JournalSubscriptions(call));
        let strings: Vec<&str> = segments.iter().map(String::as_str).collect();
        return match strings.as_slice() {
            [] => Some(vec![
                call("GET", SubscriptionCall::List),
                call("POST", SubscriptionCall::Upsert),
            ]),
            ["filters"] => Some(vec![call("POST", SubscriptionCall::CreateFilter)]),
            ["filters", "subscription", id] => {
                Some(vec![call("GET", SubscriptionCall::Filters(id.to_string()))])
            }
            ["filters", id] => Some(vec![
                call("GET", SubscriptionCall::Filter(id.to_string())),
                call("DELETE", SubscriptionCall::ArchiveFilter(id.to_string())),
            ]),
            ["portals", id] => Some(vec![call(
                "DELETE",
                SubscriptionCall::ArchivePortal(id.to_string()),
            )]),
            [id] => Some(vec![
                call("GET", SubscriptionCall::Get(id.to_string())),
                call("DELETE", SubscriptionCall::Archive(id.to_string())),
            ]),
            _ => None,
        };
    }
    if let Some(object) = path
        .strip_prefix("/properties/v2/")
        .and_then(|rest| rest.strip_suffix("/properties"))
        && DEAL_TYPES.contains(&object)
    {
        return Some(vec![("GET", Neighbour::PropertiesV2)]);
    }
    if let Some(rest) = path.strip_prefix("/crm/v3/properties/") {
        let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
        let change = Neighbour::PropertyChange;
        if !DEAL_TYPES.contains(&segments.first()?.as_str())
            || segments.iter().any(String::is_empty)
        {
            return None;
        }
        return match &segments[1..] {
            [] => Some(vec![
                ("GET", Neighbour::PropertiesGetAll),
                ("POST", Neighbour::PropertyCreate),
            ]),
            [batch, action] if batch == "batch" => match action.as_str() {
                "read" => Some(vec![("POST", Neighbour::PropertiesBatchRead)]),
                "create" => Some(vec![("POST", change(PropertyChange::BatchCreate))]),
                "archive" => Some(vec![("POST", change(PropertyChange::BatchArchive))]),
                _ => None,
            },
            [groups] if groups == "groups" => Some(vec![
                ("GET", change(PropertyChange::Groups)),
                ("POST", change(PropertyChange::CreateGroup)),
            ]),
            [groups, name] if groups == "groups" => Some(vec![
                ("GET", change(PropertyChange::Group(name.clone()))),
                ("PATCH", change(PropertyChange::UpdateGroup(name.clone()))),
                ("DELETE", change(PropertyChange::ArchiveGroup(name.clone()))),
            ]),
            [name] => Some(vec![
                ("GET", Neighbour::PropertyGetByName(name.clone())),
                ("PATCH", change(PropertyChange::Update(name.clone()))),
                ("DELETE", change(PropertyChange::Archive(name.clone()))),
            ]),
            _ => None,
        };
    }
    if let Some(rest) = path.strip_prefix("/crm/v3/pipelines/") {
        let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
        let object = segments.first()?;
        if !DEAL_TYPES.contains(&object.as_str()) || segments.iter().any(String::is_empty) {
            return None;
        }
        let change =
            |pipeline: &String, stage: Option<&String>, change| Neighbour::PipelineChange {
                pipeline: pipeline.clone(),
                stage: stage.cloned(),
                change,
            };
        return match &segments[1..] {
            [] => Some(vec![
                ("GET", Neighbour::PipelinesGetAll),
                ("POST", Neighbour::PipelineCreate),
            ]),
            [id] => Some(vec![
                ("GET", Neighbour::PipelineGetById(id.clone())),
                ("PATCH", change(id, None, SchemaChange::Update)),
                ("PUT", change(id, None, SchemaChange::Replace)),
                ("DELETE", change(id, None, SchemaChange::Archive)),
            ]),
            [id, audit] if audit == "audit" => {
                Some(vec![("GET", change(id, None, SchemaChange::Audit))])
            }
            [id, stages] if stages == "stages" => Some(vec![
                (
                    "GET",
                    Neighbour::PipelineStages {
                        pipeline: id.clone(),
                        stage: None,
                    },
                ),
                ("POST", change(id, None, SchemaChange::CreateStage)),
            ]),
            [id, stages, stage] if stages == "stages" => Some(vec![
                (
                    "GET",
                    Neighbour::PipelineStages {
                        pipeline: id.clone(),
                        stage: Some(stage.clone()),
                    },
                ),
                ("PATCH", change(id, Some(stage), SchemaChange::Update)),
                ("PUT", change(id, Some(stage), SchemaChange::Replace)),
                ("DELETE", change(id, Some(stage), SchemaChange::Archive)),
            ]),
            [id, stages, stage, audit] if stages == "stages" && audit == "audit" => {
                Some(vec![("GET", change(id, Some(stage), SchemaChange::Audit))])
            }
            _ => None,
        };
    }
    // The association schema (labels, limits) is served under `/crm/associations/v4/` (its
    // document) and `/crm/v4/associations/` (what HubSpot's SDKs call).
    let schema_rest = path.strip_prefix("/crm/associations/v4/").or_else(|| {
        path.strip_prefix("/crm/v4/associations/").filter(|rest| {
            rest.starts_with("definitions/") || rest.split('/').nth(2) == Some("labels")
        })
    });
    if schema_rest.is_none()
        && let Some(rest) = path.strip_prefix("/crm/v4/associations/")
    {
        let (from, rest) = rest.split_once('/')?;
        let (to_type, action) = rest.split_once("/batch/")?;
        if !DEAL_TYPES.contains(&from) || to_type.is_empty() || to_type.contains('/') {
            return None;
        }
        let to_type = percent_decode(to_type);
        if action == "read" {
            return Some(vec![("POST", Neighbour::AssociationsBatchRead { to_type })]);
        }
        let change = match action {
            "create" => AssociationsChange::Create,
            "associate/default" => AssociationsChange::Default,
            "archive" => AssociationsChange::Archive,
            "labels/archive" => AssociationsChange::ArchiveLabels,
            _ => return None,
        };
        return Some(vec![(
            "POST",
            Neighbour::AssociationsBatch { to_type, change },
        )]);
    }
    let schema_rest = schema_rest?;
    if let Some(rest) = schema_rest.strip_prefix("definitions/configurations/") {
        let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
        if !DEAL_TYPES.contains(&segments.first()?.as_str())
            || segments.iter().any(String::is_empty)
        {
            return None;
        }
        let to_type = segments.get(1)?.clone();
        let batch = |change| {
            (
                "POST",
                Neighbour::AssociationLimits {
                    to_type: to_type.clone(),
                    change,
                },
            )
        };
        return match &segments[2..] {
            [] => Some(vec![(
                "GET",
                Neighbour::AssociationLimits {
                    to_type: to_type.clone(),
                    change: LimitChange::List,
                },
            )]),
            [b, action] if b == "batch" => match action.as_str() {
                "create" => Some(vec![batch(LimitChange::Create)]),
                "update" => Some(vec![batch(LimitChange::Update)]),
                "purge" => Some(vec![batch(LimitChange::Purge)]),
                _ => None,
            },
            _ => None,
        };
    }
    let segments: Vec<String> = schema_rest.split('/').map(percent_decode).collect();
    if !DEAL_TYPES.contains(&segments.first()?.as_str()) || segments.iter().any(String::is_empty) {
        return None;
    }
    match &segments[1..] {
        [to_type, labels] if labels == "labels" => {
            let labels = |method, change| {
                (
                    method,
                    Neighbour::AssociationLabels {
                        to_type: to_type.clone(),
                        change,
                    },
                )
            };
            Some(vec![
                labels("GET", LabelChange::List),
                labels("POST", LabelChange::Create),
                labels("PUT", LabelChange::Update),
            ])
        }
        [to_type, labels, type_id] if labels == "labels" => Some(vec![(
            "DELETE",
            Neighbour::AssociationLabelArchive {
                to_type: to_type.clone(),
                type_id: type_id.clone(),
            },
        )]),
        _ => None,
    }
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Deals {
        operation: &'static Operation,
        params: Params,
        /// The date version of the path (`None`: v3).
        version: Option<&'static str>,
    },
    /// A read around deals.
    Neighbour(Neighbour),
    /// The token grant; `v3` for `/oauth/v3/token` and `/oauth/2026-03/token`.
    OAuthToken {
        v3: bool,
    },
    AccessTokenInfo(String),
    RefreshTokenInfo(String),
    RevokeRefreshToken(String),
    Introspect,
    Revoke,
    /// The page a person approves the app on (`GET /oauth/authorize`).
    Authorize,
    Stats,
    /// `GET /__fake/journal/{offset}`: a journal entry's content, at the URL a journal read
    /// hands out (no credentials, as a presigned download).
    JournalContent(String),
    /// A known path with another method; the methods it takes, for `Allow`.
    MethodNotAllowed(String),
    NotFound,
}

impl Route {
    /// The name the log, counters and fault rules use.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Deals { operation, .. } => operation.name,
            Route::Neighbour(read) => read.name(),
            Route::OAuthToken { .. } => OAUTH_TOKEN,
            Route::AccessTokenInfo(_) => "oauth_access_token_info",
            Route::RefreshTokenInfo(_) => "oauth_refresh_token_info",
            Route::RevokeRefreshToken(_) | Route::Revoke => "oauth_revoke",
            Route::Introspect => "oauth_introspect",
            Route::Authorize => "oauth_authorize",
            Route::Stats => "fake_stats",
            Route::JournalContent(_) => "journal_content",
            Route::MethodNotAllowed(_) | Route::NotFound => "unknown",
        }
    }
}

/// Binds `segments` to an operation's route; `None` when the shape differs. The number of
/// literal segments matched ranks routes, so `/search` is not read as the id `search`.
fn bind(route: &str, segments: &[&str]) -> Option<(usize, Params)> {
    let pattern: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    if pattern.len() != segments.len() {
        return None;
    }
    let mut params = Params::default();
    let mut literals = 0;
    for (want, got) in pattern.iter().zip(segments) {
        match *want {
            "{id}" => params.id = percent_decode(got),
            "{toObjectType}" => params.to_type = percent_decode(got),
            "{toObjectId}" => params.to_id = percent_decode(got),
            literal if literal == *got => literals += 1,
            _ => return None,
        }
    }
    Some((literals, params))
}

pub(crate) fn route(method: &Method, path: &str) -> Route {
    if let Some((version, rest)) = deals_rest(path) {
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let bound: Vec<(usize, &'static Operation, Params)> = OPERATIONS
            .iter()
            .filter(|op| version != Some(V4) || op.route.contains("/associations/"))
            .filter_map(|op| bind(op.route, &segments).map(|(rank, p)| (rank, op, p)))
            .collect();
        let Some(best) = bound.iter().map(|(rank, _, _)| *rank).max() else {
            return Route::NotFound;
        };
        let candidates = bound.into_iter().filter(|(rank, _, _)| *rank == best);
        let mut allowed = Vec::new();
        for (_, operation, params) in candidates {
            if operation.method == method.as_str() {
                return Route::Deals {
                    operation,
                    params,
                    version,
                };
            }
            allowed.push(operation.method);
        }
        return Route::MethodNotAllowed(allowed.join(", "));
    }
    if let Some(calls) = neighbour(path) {
        let allowed: Vec<&str> = calls.iter().map(|(m, _)| *m).collect();
        return match calls.into_iter().find(|(m, _)| *m == method.as_str()) {
            Some((_, call)) => Route::Neighbour(call),
            None => Route::MethodNotAllowed(allowed.join(", ")),
        };
    }
    const ACCESS_TOKENS: &str = "/oauth/v1/access-tokens/";
    const REFRESH_TOKENS: &str = "/oauth/v1/refresh-tokens/";
    let token_in = |prefix: &str| {
        path.strip_prefix(prefix)
            .filter(|t| !t.is_empty() && !t.contains('/'))
            .map(percent_decode)
    };
    let (allowed, found): (&str, Option<Route>) = match path {
        "/oauth/v1/token" => ("POST", Some(Route::OAuthToken { v3: false })),
        "/oauth/v3/token" | "/oauth/2026-03/token" => {
            ("POST", Some(Route::OAuthToken { v3: true }))
        }
        "/oauth/v3/token/introspect" | "/oauth/2026-03/token/introspect" => {
            ("POST", Some(Route::Introspect))
        }
        "/oauth/v3/token/revoke" | "/oauth/2026-03/token/revoke" => ("POST", Some(Route::Revoke)),
        "/oauth/authorize" => ("GET", Some(Route::Authorize)),
        "/__fake/stats" => ("GET", Some(Route::Stats)),
        _ if path.starts_with("/__fake/journal/") => (
            "GET",
            path.strip_prefix("/__fake/journal/")
                .map(|offset| Route::JournalContent(percent_decode(offset))),
        ),
        _ if token_in(ACCESS_TOKENS).is_some() => {
            ("GET", token_in(ACCESS_TOKENS).map(Route::AccessTokenInfo))
        }
        _ if token_in(REFRESH_TOKENS).is_some() => {
            let token = token_in(REFRESH_TOKENS).unwrap_or_default();
            return match method.as_str() {
                "GET" => Route::RefreshTokenInfo(token),
                "DELETE" => Route::RevokeRefreshToken(token),
                _ => Route::MethodNotAllowed("GET, DELETE".into()),
            };
        }
        _ => return Route::NotFound,
    };
    match found {
        Some(route) if method.as_str() == allowed => route,
        _ => Route::MethodNotAllowed(allowed.into()),
    }
}

/// Decodes `%XX` escapes in a path segment; anything else is kept as it is.
fn percent_decode(segment: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspot_deals::operations::OperationId;

    fn deals(method: Method, path: &str) -> (OperationId, String) {
        match route(&method, path) {
            Route::Deals {
                operation, params, ..
            } => (operation.id, params.id),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn routes_both_prefixes_and_rejects_the_rest() {
        assert_eq!(
            deals(Method::GET, "/crm/v3/objects/deals"),
            (OperationId::GetPage, String::new())
        );
        assert_eq!(
            deals(Method::POST, "/crm/v3/objects/0-3/batch/upsert").0,
            OperationId::BatchUpsert
        );
        assert_eq!(
            deals(Method::PATCH, "/crm/v3/objects/0-3/a%2Fb"),
            (OperationId::Update, "a/b".into())
        );
        assert_eq!(
            deals(Method::POST, "/crm/v3/objects/deals/search").0,
            OperationId::Search
        );
        assert_eq!(
            route(&Method::PUT, "/crm/v3/objects/deals/1"),
            Route::MethodNotAllowed("GET, PATCH, DELETE".into())
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/objects/deals/search"),
            Route::MethodNotAllowed("POST".into()),
            "a literal segment outranks an id"
        );
        assert_eq!(
            route(&Method::DELETE, "/crm/v3/objects/deals"),
            Route::MethodNotAllowed("GET, POST".into())
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/objects/dealsx"),
            Route::NotFound
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/objects/deals/1/2"),
            Route::NotFound
        );
        assert_eq!(
            route(&Method::POST, "/oauth/v1/token"),
            Route::OAuthToken { v3: false }
        );
        assert_eq!(
            route(&Method::POST, "/oauth/2026-03/token"),
            Route::OAuthToken { v3: true }
        );
        assert_eq!(
            route(&Method::POST, "/oauth/v3/token/introspect"),
            Route::Introspect
        );
        assert_eq!(
            route(&Method::POST, "/oauth/v3/token/revoke"),
            Route::Revoke
        );
        assert_eq!(
            route(&Method::GET, "/oauth/v1/access-tokens/a%2Bb"),
            Route::AccessTokenInfo("a+b".into())
        );
        assert_eq!(
            route(&Method::GET, "/oauth/v1/refresh-tokens/r"),
            Route::RefreshTokenInfo("r".into())
        );
        assert_eq!(
            route(&Method::DELETE, "/oauth/v1/refresh-tokens/r"),
            Route::RevokeRefreshToken("r".into())
        );
        assert_eq!(
            route(&Method::GET, "/oauth/v1/access-tokens/"),
            Route::NotFound
        );
    }

    #[test]
    fn routes_every_versioned_path_and_the_association_operations() {
        for version in VERSIONS {
            for object in DEAL_TYPES {
                let base = format!("/crm/objects/{version}/{object}");
                assert_eq!(deals(Method::GET, &base).0, OperationId::GetPage);
                assert_eq!(
                    deals(Method::POST, &format!("{base}/batch/read")).0,
                    OperationId::BatchRead
                );
                assert_eq!(
                    deals(Method::GET, &format!("{base}/7")),
                    (OperationId::GetById, "7".into())
                );
            }
        }
        let base = "/crm/objects/2026-03/0-3";
        assert_eq!(
            deals(Method::POST, &format!("{base}/gdpr-delete")).0,
            OperationId::GdprDelete
        );
        assert_eq!(
            deals(Method::GET, &format!("{base}/7/associations/contacts")).0,
            OperationId::ListAssociations
        );
        assert_eq!(
            deals(Method::PUT, &format!("{base}/7/associations/contacts/9")).0,
            OperationId::Associate
        );
        assert_eq!(
            deals(Method::DELETE, &format!("{base}/7/associations/contacts/9")).0,
            OperationId::Disassociate
        );
        assert_eq!(
            deals(
                Method::PUT,
                &format!("{base}/7/associations/default/companies/9")
            )
            .0,
            OperationId::AssociateDefault
        );
        assert_eq!(
            route(&Method::GET, "/crm/objects/2024-01/deals"),
            Route::NotFound,
            "an unknown version"
        );
        assert_eq!(
            route(&Method::GET, "/crm/objects/2026-03/contacts"),
            Route::NotFound
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/objects/deals2"),
            Route::NotFound
        );
    }

    #[test]
    fn routes_the_reads_connectors_make_around_deals() {
        assert_eq!(
            deals(Method::GET, "/crm/v3/objects/deal").0,
            OperationId::GetPage
        );
        assert_eq!(
            deals(Method::POST, "/crm/v3/objects/deal/search").0,
            OperationId::Search
        );
        assert_eq!(
            route(&Method::GET, "/crm/v3/schemas"),
            Route::Neighbour(Neighbour::Schemas)
        );
        for path in [
            "/properties/v2/deal/properties",
            "/properties/v2/deals/properties",
        ] {
            assert_eq!(
                route(&Method::GET, path),
                Route::Neighbour(Neighbour::PropertiesV2)
            );
        }
        assert_eq!(
            route(&Method::GET, "/properties/v2/contact/properties"),
            Route::NotFound
        );
        assert_eq!(
            route(
                &Method::POST,
                "/crm/v4/associations/deal/line_items/batch/read"
            ),
            Route::Neighbour(Neighbour::AssociationsBatchRead {
                to_type: "line_items".into()
            })
        );
        assert_eq!(
            route(
                &Method::GET,
                "/crm/v4/associations/0-3/companies/batch/read"
            ),
            Route::MethodNotAllowed("POST".into())
        );
        assert_eq!(
            route(
                &Method::POST,
                "/crm/v4/associations/contacts/deals/batch/read"
            ),
            Route::NotFound,
            "the fake keeps deals only"
        );
    }

    #[test]
    fn association_labels_are_served_where_the_document_and_the_sdks_put_them() {
        let labels = |path: &str| route(&Method::GET, path);
        let expected = Route::Neighbour(Neighbour::AssociationLabels {
            to_type: "contacts".into(),
            change: LabelChange::List,
        });
        assert_eq!(
            labels("/crm/associations/v4/deals/contacts/labels"),
            expected
        );
        assert_eq!(
            labels("/crm/v4/associations/deals/contacts/labels"),
            expected
        );
        let limits = Route::Neighbour(Neighbour::AssociationLimits {
            to_type: "companies".into(),
            change: LimitChange::Purge,
        });
        for prefix in ["/crm/associations/v4", "/crm/v4/associations"] {
            let path = format!("{prefix}/definitions/configurations/deals/companies/batch/purge");
            assert_eq!(route(&Method::POST, &path), limits);
        }
        assert_eq!(
            route(
                &Method::POST,
                "/crm/v4/associations/deals/contacts/batch/archive"
            ),
            Route::Neighbour(Neighbour::AssociationsBatch {
                to_type: "contacts".into(),
                change: AssociationsChange::Archive,
            })
        );
    }
}
