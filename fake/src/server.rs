//! The fake's HTTP side: accepts connections on loopback, routes each request, applies
//! faults, auth, scopes and budgets in HubSpot's order, and logs the outcome.

use super::auth::{Caller, READ_SCOPE, WRITE_SCOPE};
use super::errors::ApiError;
use super::faults::FaultKind;
use super::journal_log::JournalRead;
use super::log::LoggedRequest;
use super::objects::Answer;
use super::query::Query;
use super::routes::{
    AssociationsChange, LabelChange, LimitChange, Neighbour, Params, PropertyChange, Route,
    SchemaChange, SubscriptionCall, route,
};
use super::state::World;
use super::{
    associations, authorize, batch, oauth_api, objects, pipelines, properties, schemas, search,
    validate,
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hubspot_deals::operations::{Budget, OperationId};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;
const JSON: &str = "application/json;charset=utf-8";

pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// A fresh correlation id from the fake's seeded generator, so a run repeats exactly.
fn correlation_id(rng: &mut fastrand::Rng) -> String {
    let bytes = rng.u128(..).to_be_bytes();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A request the fake refuses to answer: hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// One answer, before faults that act on the connection.
struct Outcome {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
    token: Option<String>,
    limited: bool,
}

impl Outcome {
    fn json(status: u16, body: Option<Value>) -> Self {
        Self {
            status,
            content_type: JSON,
            headers: Vec::new(),
            body: body.map(|b| Bytes::from(b.to_string())).unwrap_or_default(),
            token: None,
            limited: false,
        }
    }

    fn error(error: ApiError, correlation_id: &str) -> Self {
        let mut body = error.body;
        body["correlationId"] = correlation_id.into();
        Self::json(error.status, Some(body))
    }
}

/// The JSON body of a request: an object, or for `associate` an array of specs.
fn parse_json(headers: &hyper::HeaderMap, body: &[u8], array: bool) -> Result<Value, ApiError> {
    let content_type = headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !content_type.is_some_and(|t| {
        t.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
    }) {
        return Err(ApiError::unsupported_media_type(content_type));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::malformed_json(&e))?;
    if array && !value.is_array() {
        return Err(ApiError::validation(
            "Invalid input JSON: the body must be a JSON array",
        ));
    }
    if !array && !value.is_object() {
        return Err(ApiError::validation(
            "Invalid input JSON: the body must be a JSON object",
        ));
    }
    Ok(value)
}

/// Runs a deals operation; operations this fake does not serve yet are unknown routes.
fn deals(
    world: &mut World,
    operation: OperationId,
    params: &Params,
    query: &Query,
    body: &Value,
) -> Answer {
    let id = params.id.as_str();
    match operation {
        OperationId::GetPage => objects::get_page(world, query),
        OperationId::Create => objects::create(world, body),
        OperationId::GetById => objects::get_by_id(world, id, query),
        OperationId::Update => objects::update(world, id, query, body),
        OperationId::Archive => objects::archive(world, id),
        OperationId::Merge => objects::merge(world, body),
        OperationId::BatchRead => batch::read(world, query, body),
        OperationId::BatchCreate => batch::create(world, body),
        OperationId::BatchUpdate => batch::update(world, body),
        OperationId::BatchUpsert => batch::upsert(world, body),
        OperationId::BatchArchive => batch::archive(world, body),
        OperationId::Search => search::search(world, body),
        OperationId::GdprDelete => associations::gdpr_delete(world, body),
        OperationId::ListAssociations => associations::list(world, params, query),
        OperationId::Associate => associations::associate(world, params, body),
        OperationId::AssociateDefault => associations::associate_default(world, params),
        OperationId::Disassociate => associations::disassociate(world, params),
        _ => Err(ApiError::not_found()),
    }
}

/// The success status a version's document declares for what v3 answers with `status`:
/// the 2025-09 document declares 200 (not 201) for batch create, and neither it nor 2026-09
/// declares 207, so their partial failures get the operation's success status with the same
/// body (`errors`, `numErrors`).
fn declared_status(version: Option<&str>, operation: OperationId, status: u16) -> u16 {
    match (version, operation, status) {
        (Some("2025-09"), OperationId::BatchCreate, 201 | 207) => 200,
        (Some("2026-09"), OperationId::BatchCreate, 207) => 201,
        (Some("2025-09" | "2026-09"), _, 207) => 200,
        _ => status,
    }
}

/// Handles a routed request with the world locked (no waiting happens here).
fn process(
    world: &mut World,
    route: &Route,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    fault: Option<&FaultKind>,
    correlation_id: &str,
) -> Outcome {
    if let Some(outcome) = faulted(fault, correlation_id) {
        return outcome;
    }
    let length = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    if length > hubspot_deals::limits::URL_BYTES {
        return Outcome::error(ApiError::uri_too_long(length), correlation_id);
    }
    let now = world.now();
    let form =
        || -> HashMap<String, String> { form_urlencoded::parse(body).into_owned().collect() };
    match route {
        Route::NotFound => Outcome::error(ApiError::not_found(), correlation_id),
        Route::MethodNotAllowed(allowed) => {
            let mut outcome = Outcome::error(
                ApiError::method_not_allowed(parts.method.as_str()),
                correlation_id,
            );
            outcome.headers.push(("Allow", allowed.clone()));
            outcome
        }
        Route::Stats => Outcome::json(200, Some(stats(world))),
        Route::JournalContent(offset) => {
            let expires = Query::parse(parts.uri.query())
                .get("expires")
                .and_then(|e| e.parse().ok());
            match world.journal_log.content(offset, expires, now) {
                Ok(content) => Outcome::json(200, Some(content)),
                Err(status) => presigned_refusal(status),
            }
        }
        Route::Authorize => authorize_page(world, parts),
        Route::OAuthToken { v3 } => token_grant(world, parts, body, *v3, now, correlation_id),
        Route::AccessTokenInfo(token) => {
            let (status, answer) = oauth_api::access_token_info(&world.tokens, token, now);
            oauth_outcome(status, Some(answer), correlation_id)
        }
        Route::RefreshTokenInfo(token) => {
            let (status, answer) = oauth_api::refresh_token_info(&world.tokens, token, now);
            oauth_outcome(status, Some(answer), correlation_id)
        }
        Route::RevokeRefreshToken(token) => {
            if world.tokens.revoke(token) {
                Outcome::json(204, None)
            } else {
                Outcome::error(ApiError::not_found(), correlation_id)
            }
        }
        Route::Introspect => {
            let (status, answer) = oauth_api::introspect(&world.tokens, &form(), now);
            oauth_outcome(status, Some(answer), correlation_id)
        }
        Route::Revoke => {
            let (status, answer) = oauth_api::revoke(&mut world.tokens, &form());
            oauth_outcome(status, answer, correlation_id)
        }
        Route::Deals { .. } => deals_call(world, route, parts, body, now, correlation_id),
        Route::Neighbour(read) => {
            let outcome = neighbour_call(world, read, parts, body, now, correlation_id);
            world.publish_changes();
            outcome
        }
    }
}

/// What a presigned download answers when it expired (403) or its object is gone (404): the
/// storage service's XML, not HubSpot's JSON.
fn presigned_refusal(status: u16) -> Outcome {
    let (code, message) = if status == 403 {
        ("AccessDenied", "Request has expired")
    } else {
        ("NoSuchKey", "The specified key does not exist.")
    };
    Outcome {
        status,
        content_type: "application/xml",
        headers: Vec::new(),
        body: Bytes::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        )),
        token: None,
        limited: false,
    }
}

/// The answer an injected fault gives instead of the real one, if it is one of those.
fn faulted(fault: Option<&FaultKind>, correlation_id: &str) -> Option<Outcome> {
    match fault {
        Some(FaultKind::Status(status)) => {
            Some(Outcome::error(ApiError::server(*status), correlation_id))
        }
        Some(FaultKind::RateLimited { retry_after }) => {
            let mut outcome = Outcome::error(ApiError::ten_secondly_limit("fault"), correlation_id);
            if let Some(after) = retry_after {
                outcome
                    .headers
                    .push(("Retry-After", after.as_secs().to_string()));
            }
            Some(outcome)
        }
        Some(FaultKind::HtmlBadGateway) => {
            Some(Outcome {
                status: 502,
                content_type: "text/html",
                headers: Vec::new(),
                body: Bytes::from_static(b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"),
                token: None,
                limited: false,
            })
        }
        _ => None,
    }
}

/// HubSpot's authorize page: a redirect back to the app, or an error page.
fn authorize_page(world: &mut World, parts: &hyper::http::request::Parts) -> Outcome {
    let query = Query::parse(parts.uri.query()).pairs();
    let World {
        tokens, secrets, ..
    } = world;
    let (status, headers, body) = match authorize::authorize(tokens, &query, secrets) {
        authorize::Authorized::Redirect(to) => (
            302,
            vec![("Location", to)],
            authorize::page("Redirecting", "Back to the app."),
        ),
        authorize::Authorized::Refused(message) => (
            400,
            Vec::new(),
            authorize::page("Something went wrong", &message),
        ),
    };
    Outcome {
        status,
        content_type: "text/html; charset=utf-8",
        headers,
        body: Bytes::from(body),
        token: None,
        limited: false,
    }
}

/// The OAuth token grant (`/oauth/v1/token`, v3 and 2026-03): v1's answer lacks v3's fields.
fn token_grant(
    world: &mut World,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    v3: bool,
    now: DateTime<Utc>,
    correlation_id: &str,
) -> Outcome {
    // v1 also reads `client_secret` and `refresh_token` from the query; the form wins.
    let mut form: HashMap<String, String> = Query::parse(parts.uri.query()).pairs();
    form.extend(form_urlencoded::parse(body).into_owned());
    let World {
        tokens, secrets, ..
    } = world;
    let (status, mut answer) = tokens.token_endpoint(&form, now, secrets);
    if !v3 && let Some(fields) = answer.as_object_mut() {
        // v3 added these to the grant's answer; v1's has none of them.
        for v3_only in ["hub_id", "scopes", "user_id", "token_use"] {
            fields.remove(v3_only);
        }
    }
    oauth_outcome(status, Some(answer), correlation_id)
}

/// A caller let through: the label of its credential (for the log) and the rate-limit
/// headers its answer carries.
struct Admitted {
    token: Option<String>,
    headers: Vec<(&'static str, String)>,
}

/// The caller authenticated, its scope checked and the rate budget spent; the answer that
/// refuses it otherwise.
fn admit(
    world: &mut World,
    parts: &hyper::http::request::Parts,
    scope: &str,
    search: bool,
    now: DateTime<Utc>,
    correlation_id: &str,
) -> Result<Admitted, Outcome> {
    let header = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller: Caller = world
        .tokens
        .authenticate(header, now)
        .map_err(|e| Outcome::error(e, correlation_id))?;
    let token = Some(caller.label.clone());
    if !caller.scopes.contains(scope) {
        return Err(Outcome {
            token,
            ..Outcome::error(ApiError::missing_scopes(scope), correlation_id)
        });
    }
    match world
        .limiter
        .admit(&caller.budget, caller.kind, search, now)
    {
        Ok(headers) => Ok(Admitted { token, headers }),
        Err(e) => Err(Outcome {
            token,
            limited: true,
            ..Outcome::error(e, correlation_id)
        }),
    }
}

/// The outcome of an admitted call.
fn answered(
    answer: Answer,
    status: impl FnOnce(u16) -> u16,
    admitted: Admitted,
    correlation_id: &str,
) -> Outcome {
    let mut outcome = match answer {
        Ok((code, body)) => Outcome::json(status(code), body),
        Err(e) => Outcome::error(e, correlation_id),
    };
    outcome.headers.extend(admitted.headers);
    outcome.token = admitted.token;
    outcome
}

/// A call of the deals API: the caller admitted, the body read, the operation run, its
/// changes published.
fn deals_call(
    world: &mut World,
    route: &Route,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    now: DateTime<Utc>,
    correlation_id: &str,
) -> Outcome {
    let Route::Deals {
        operation,
        params,
        version,
    } = route
    else {
        return Outcome::error(ApiError::not_found(), correlation_id);
    };
    let search = operation.budget == Budget::Search;
    let admitted = match admit(
        world,
        parts,
        operation.scope.as_str(),
        search,
        now,
        correlation_id,
    ) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let query = Query::parse(parts.uri.query());
    let answer = if operation.body {
        let array = operation.id == OperationId::Associate;
        parse_json(&parts.headers, body, array).and_then(|mut json| {
            if operation.id == OperationId::Search {
                search::accepted_forms(&mut json)?;
            }
            validate::request_body(operation.name, &json)?;
            deals(world, operation.id, params, &query, &json)
        })
    } else {
        deals(world, operation.id, params, &query, &Value::Null)
    };
    world.publish_changes();
    let declared = |status| declared_status(*version, operation.id, status);
    answered(answer, declared, admitted, correlation_id)
}

/// A call around deals: admitted like a deals call (the fake asks for the deals read scope,
/// or write for a change), then answered.
fn neighbour_call(
    world: &mut World,
    read: &Neighbour,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    now: DateTime<Utc>,
    correlation_id: &str,
) -> Outcome {
    let scope = read.scope().unwrap_or(if read.writes() {
        WRITE_SCOPE
    } else {
        READ_SCOPE
    });
    let admitted = match admit(world, parts, scope, false, now, correlation_id) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let answer = match read {
        Neighbour::Schemas => schemas::get_all(),
        Neighbour::PropertiesV2 => properties::v2_get_all(&world.store.schema),
        Neighbour::AssociationsBatchRead { to_type } => parse_json(&parts.headers, body, false)
            .and_then(|json| associations::batch_read_v4(world, to_type, &json)),
        Neighbour::AssociationsBatch { to_type, change } => parse_json(&parts.headers, body, false)
            .and_then(|json| match change {
                AssociationsChange::Create => associations::batch_create(world, to_type, &json),
                AssociationsChange::Default => associations::batch_default(world, to_type, &json),
                AssociationsChange::Archive => associations::batch_archive(world, to_type, &json),
                AssociationsChange::ArchiveLabels => {
                    associations::batch_archive_labels(world, to_type, &json)
                }
            }),
        Neighbour::AssociationLabels { to_type, change } => match change {
            LabelChange::List => associations::list_labels(world, to_type),
            LabelChange::Create => parse_json(&parts.headers, body, false)
                .and_then(|json| associations::create_label(world, to_type, &json)),
            LabelChange::Update => parse_json(&parts.headers, body, false)
                .and_then(|json| associations::update_label(world, to_type, &json)),
        },
        Neighbour::PipelineChange {
            pipeline,
            stage,
            change,
        } => {
            let json = || parse_json(&parts.headers, body, false);
            match (stage.as_deref(), change) {
                (_, SchemaChange::CreateStage) => {
                    json().and_then(|j| pipelines::create_stage(world, pipeline, &j))
                }
                (None, SchemaChange::Update) => {
                    json().and_then(|j| pipelines::update(world, pipeline, &j))
                }
                (None, SchemaChange::Replace) => {
                    json().and_then(|j| pipelines::replace(world, pipeline, &j))
                }
                (None, SchemaChange::Archive) => pipelines::archive(world, pipeline),
                (stage, SchemaChange::Audit) => pipelines::audits(world, pipeline, stage),
                (Some(stage), SchemaChange::Update) => {
                    json().and_then(|j| pipelines::update_stage(world, pipeline, stage, &j))
                }
                (Some(stage), SchemaChange::Replace) => {
                    json().and_then(|j| pipelines::replace_stage(world, pipeline, stage, &j))
                }
                (Some(stage), SchemaChange::Archive) => {
                    pipelines::archive_stage(world, pipeline, stage)
                }
            }
        }
        Neighbour::JournalSubscriptions(call) => {
            let now = world.now();
            let subscriptions = &mut world.journal;
            let json = || parse_json(&parts.headers, body, false);
            match call {
                SubscriptionCall::List => subscriptions.list(),
                SubscriptionCall::Upsert => json().and_then(|j| subscriptions.upsert(&j, now)),
                SubscriptionCall::Get(id) => subscriptions.get(id),
                SubscriptionCall::Archive(id) => subscriptions.archive(id),
                SubscriptionCall::ArchivePortal(id) => subscriptions.archive_portal(id),
                SubscriptionCall::CreateFilter => {
                    json().and_then(|j| subscriptions.create_filter(&j, now))
                }
                SubscriptionCall::Filter(id) => subscriptions.filter(id),
                SubscriptionCall::ArchiveFilter(id) => subscriptions.archive_filter(id),
                SubscriptionCall::Filters(id) => subscriptions.filters(id),
            }
        }
        Neighbour::Journal { local, read } => {
            let base_url = world.base_url.clone();
            let elsewhere = *local
                && Query::parse(parts.uri.query())
                    .get("installPortalId")
                    .is_some_and(|p| p != crate::PORTAL_ID.to_string());
            let journal = &mut world.journal_log;
            match read {
                // Another account's local journal: the fake's app is installed in one.
                _ if elsewhere => Err(ApiError::not_found()),
                JournalRead::BatchRead => parse_json(&parts.headers, body, false)
                    .and_then(|json| journal.read(&json, &base_url, now)),
                JournalRead::Status(id) => journal.status(id),
                JournalRead::Earliest | JournalRead::Latest | JournalRead::Next(_) => {
                    journal.one(read, &base_url, now)
                }
                _ => journal.many(read, &base_url, now),
            }
        }
        Neighbour::Snapshots => parse_json(&parts.headers, body, false).and_then(|json| {
            world
                .journal_log
                .snapshot(&json, &world.store, now, &mut world.secrets)
        }),
        Neighbour::PropertyChange(change) => {
            let json = || parse_json(&parts.headers, body, false);
            match change {
                PropertyChange::Update(name) => {
                    json().and_then(|j| properties::update(world, name, &j))
                }
                PropertyChange::Archive(name) => properties::archive(world, name),
                PropertyChange::BatchCreate => {
                    json().and_then(|j| properties::batch_create(world, &j))
                }
                PropertyChange::BatchArchive => {
                    json().and_then(|j| properties::batch_archive(world, &j))
                }
                PropertyChange::Groups => properties::groups(world),
                PropertyChange::CreateGroup => {
                    json().and_then(|j| properties::create_group(world, &j))
                }
                PropertyChange::Group(name) => properties::get_group(world, name),
                PropertyChange::UpdateGroup(name) => {
                    json().and_then(|j| properties::update_group(world, name, &j))
                }
                PropertyChange::ArchiveGroup(name) => properties::archive_group(world, name),
            }
        }
        Neighbour::AssociationLabelArchive { to_type, type_id } => {
            associations::archive_label(world, to_type, type_id)
        }
        Neighbour::AssociationLimits { to_type, change } => match change {
            LimitChange::List => associations::list_limits(world, to_type),
            LimitChange::Create | LimitChange::Update => parse_json(&parts.headers, body, false)
                .and_then(|json| {
                    associations::set_limits(world, to_type, &json, *change == LimitChange::Create)
                }),
            LimitChange::Purge => parse_json(&parts.headers, body, false)
                .and_then(|json| associations::purge_limits(world, to_type, &json)),
        },
        Neighbour::PropertiesGetAll => properties::get_all(world),
        Neighbour::PropertyCreate => parse_json(&parts.headers, body, false)
            .and_then(|json| properties::create(world, &json)),
        Neighbour::PropertyGetByName(name) => properties::get_by_name(world, name),
        Neighbour::PropertiesBatchRead => parse_json(&parts.headers, body, false)
            .and_then(|json| properties::batch_read(world, &json)),
        Neighbour::PipelinesGetAll => pipelines::get_all(world),
        Neighbour::PipelineCreate => {
            parse_json(&parts.headers, body, false).and_then(|json| pipelines::create(world, &json))
        }
        Neighbour::PipelineGetById(id) => pipelines::get_by_id(world, id),
        Neighbour::PipelineStages { pipeline, stage } => {
            pipelines::stages(world, pipeline, stage.as_deref())
        }
    };
    answered(answer, |status| status, admitted, correlation_id)
}

/// The answer to a request whose body could not be read whole: 413 when it is larger than
/// the fake takes, else 400 saying the body was cut off (never a misleading "invalid JSON").
fn unreadable_body(
    error: &(dyn std::error::Error + 'static),
    correlation_id: &str,
) -> Response<Body> {
    let too_large = error.is::<http_body_util::LengthLimitError>();
    let (status, message) = if too_large {
        (
            413,
            format!(
                "The request body is larger than {} MiB",
                MAX_BODY / (1024 * 1024)
            ),
        )
    } else {
        (
            400,
            format!("The request body could not be read whole: {error}"),
        )
    };
    let body = json!({"status": "error", "category": "VALIDATION_ERROR", "message": message,
                      "correlationId": correlation_id});
    Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, JSON)
        .header("X-HubSpot-Correlation-Id", correlation_id)
        .body(full(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

/// An answer of the OAuth endpoints; errors also carry the correlation id and a category
/// (the OAuth `status` code, e.g. `BAD_REFRESH_TOKEN`), as HubSpot's standard error shape asks.
fn oauth_outcome(status: u16, mut body: Option<Value>, correlation_id: &str) -> Outcome {
    if status >= 400
        && let Some(fields) = body.as_mut().and_then(Value::as_object_mut)
    {
        fields.insert("correlationId".into(), correlation_id.into());
        let category = fields
            .get("status")
            .and_then(Value::as_str)
            .filter(|s| *s != "error")
            .unwrap_or("BAD_REQUEST")
            .to_string();
        fields.entry("category").or_insert(category.into());
    }
    Outcome::json(status, body)
}

/// The counters and the request log, as served at `GET /__fake/stats`.
pub(crate) fn stats(world: &World) -> Value {
    json!({"counters": world.log.counters, "requests": world.log.requests})
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// The log's entry for a request answered with `status` (0: the connection was dropped).
fn logged(
    world: &World,
    parts: &hyper::http::request::Parts,
    operation: &str,
    status: u16,
    token: Option<String>,
    fault: Option<&FaultKind>,
) -> LoggedRequest {
    LoggedRequest {
        at: world.now(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        operation: operation.to_string(),
        status,
        token,
        fault: fault.map(|f| format!("{f:?}")),
    }
}

async fn handle(
    world: Arc<Mutex<World>>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let (parts, incoming) = request.into_parts();
    let route = route(&parts.method, parts.uri.path());
    let operation = route.name();
    let body = match Limited::new(incoming, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
            let id = correlation_id(&mut world.faults.rng);
            let response = unreadable_body(&*error, &id);
            let entry = logged(
                &world,
                &parts,
                operation,
                response.status().as_u16(),
                None,
                None,
            );
            world.log.record(entry, false);
            return Ok(response);
        }
    };
    let (fault, correlation_id) = {
        let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
        let fault = if route == Route::Stats {
            None
        } else {
            world.faults.pick(operation)
        };
        (fault, correlation_id(&mut world.faults.rng))
    };
    match &fault {
        Some(FaultKind::Slow(delay)) => tokio::time::sleep(*delay).await,
        Some(FaultKind::Held) => {
            let held = world.lock().unwrap_or_else(|e| e.into_inner()).held.clone();
            held.1.fetch_add(1, Ordering::SeqCst);
            if let Ok(permit) = held.0.acquire().await {
                permit.forget();
            }
            held.1.fetch_sub(1, Ordering::SeqCst);
        }
        _ => {}
    }
    let outcome = {
        let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = process(
            &mut world,
            &route,
            &parts,
            &body,
            fault.as_ref(),
            &correlation_id,
        );
        if route != Route::Stats {
            let dropped = matches!(fault, Some(FaultKind::DropConnection));
            let status = if dropped { 0 } else { outcome.status };
            let entry = logged(
                &world,
                &parts,
                operation,
                status,
                outcome.token.clone(),
                fault.as_ref(),
            );
            world.log.record(entry, outcome.limited);
        }
        outcome
    };
    if matches!(fault, Some(FaultKind::DropConnection)) {
        return Err(Dropped);
    }
    let mut response = Response::builder()
        .status(outcome.status)
        .header("X-HubSpot-Correlation-Id", &correlation_id);
    if !outcome.body.is_empty() {
        response = response.header(hyper::header::CONTENT_TYPE, outcome.content_type);
    }
    for (name, value) in &outcome.headers {
        response = response.header(*name, value);
    }
    let body = if matches!(fault, Some(FaultKind::TruncatedBody)) {
        let half = outcome.body.slice(..outcome.body.len() / 2);
        response = response.header(hyper::header::CONTENT_LENGTH, outcome.body.len());
        // The error comes a moment later, so the head and the first half are flushed first.
        let first = futures_util::stream::once(async move { Ok(Frame::data(half)) });
        let cut = futures_util::stream::once(async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Err(std::io::Error::other("body truncated by an injected fault"))
        });
        StreamBody::new(futures_util::StreamExt::chain(first, cut)).boxed()
    } else {
        full(outcome.body)
    };
    response.body(body).map_err(|_| Dropped)
}

/// How long to wait before accepting again after `failures` failed accepts in a row: from
/// 10 ms, doubling, at most a second.
fn accept_backoff(failures: u32) -> std::time::Duration {
    std::time::Duration::from_millis(10u64 << failures.min(7))
        .min(std::time::Duration::from_secs(1))
}

/// Serves connections until `shutdown` changes.
pub(crate) async fn serve(
    listener: TcpListener,
    world: Arc<Mutex<World>>,
    mut shutdown: watch::Receiver<()>,
) {
    let mut failures_in_a_row = 0;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    failures_in_a_row = 0;
                    stream
                }
                Err(_) => {
                    // Out of file descriptors, say: wait before trying again, not spin.
                    let wait = accept_backoff(failures_in_a_row);
                    failures_in_a_row += 1;
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            },
            _ = shutdown.changed() => return,
        };
        let world = world.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            // Each request runs in its own task, so it completes (and changes the world) even
            // when the client gives up on it, as a real server's work does.
            let service = hyper::service::service_fn(move |request| {
                let task = tokio::spawn(handle(world.clone(), request));
                async move { task.await.unwrap_or(Err(Dropped)) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stop.changed() => {}
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::accept_backoff;
    use std::time::Duration;

    #[test]
    fn failed_accepts_back_off_to_a_second() {
        let waits: Vec<Duration> = (0..10).map(accept_backoff).collect();
        assert_eq!(waits[0], Duration::from_millis(10));
        assert_eq!(waits[1], Duration::from_millis(20));
        assert_eq!(waits[6], Duration::from_millis(640));
        assert!(waits[7..].iter().all(|w| *w == Duration::from_secs(1)));
        assert_eq!(accept_backoff(u32::MAX), Duration::from_secs(1));
    }
}
