//! The fake's HTTP side: accepts connections on loopback, routes each request, applies
//! faults, auth, scopes and budgets in HubSpot's order, and logs the outcome.

use crate::apis::{self, Request as ApiRequest};
use crate::auth::Caller;
use crate::errors::{Answer, ApiError};
use crate::faults::FaultKind;
use crate::log::LoggedRequest;
use crate::query::Query;
use crate::route::{Call, Route, route};
use crate::world::World;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hubspot_deals::registry::{Budget, CallAuth};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde_json::{Value, json};
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
        Route::Retired { call, since } => Outcome::error(retired(call, since), correlation_id),
        Route::Api(call) if call.api.auth == CallAuth::AppForm => {
            let request = api_request(call, parts, body);
            match apis::oauth::handle(world, &request) {
                Ok((status, answer)) => oauth_outcome(status, answer, correlation_id),
                Err(error) => Outcome::error(error, correlation_id),
            }
        }
        Route::Api(call) => {
            let outcome = api_call(world, call, parts, body, now, correlation_id);
            world.publish_changes();
            outcome
        }
    }
}

/// What a retired version answers: 410 Gone, naming the date and the version to use.
/// HubSpot has not said what a sunset endpoint will answer; 410 is what HTTP says of a
/// resource that is gone for good, no client retries it, and nobody mistakes it for a
/// missing deal (404) or a bad token (401, which sends clients to refresh or log in again).
fn retired(call: &Call, since: &str) -> ApiError {
    let current = call.api.default_version();
    let dated = current.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let instead = if dated {
        format!("call version {current}")
    } else {
        // An API of numbered versions only (the legacy reads): its successors are the
        // date-versioned CRM APIs.
        let version = hubspot_deals::registry::DEFAULT_VERSION;
        format!(
            "it has no date version: use HubSpot's {version} CRM APIs \
             (/crm/objects/{version}/deals, /crm/properties/{version}/deals)"
        )
    };
    ApiError::gone(format!(
        "HubSpot retired the {} API {} on {since} ({}): {instead}",
        call.api.title, call.version.name, call.operation.name
    ))
}

/// The request as an API's handler reads it.
fn api_request<'a>(
    call: &'a Call,
    parts: &'a hyper::http::request::Parts,
    body: &'a [u8],
) -> ApiRequest<'a> {
    ApiRequest {
        call,
        query: Query::parse(parts.uri.query()),
        headers: &parts.headers,
        body,
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
    let (status, headers, body) = match apis::oauth::authorize::authorize(tokens, &query, secrets) {
        apis::oauth::authorize::Authorized::Redirect(to) => (
            302,
            vec![("Location", to)],
            apis::oauth::authorize::page("Redirecting", "Back to the app."),
        ),
        apis::oauth::authorize::Authorized::Refused(message) => (
            400,
            Vec::new(),
            apis::oauth::authorize::page("Something went wrong", &message),
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
fn answered(answer: Answer, admitted: Admitted, correlation_id: &str) -> Outcome {
    let mut outcome = match answer {
        Ok((code, body)) => Outcome::json(code, body),
        Err(e) => Outcome::error(e, correlation_id),
    };
    outcome.headers.extend(admitted.headers);
    outcome.token = admitted.token;
    outcome
}

/// A call of one of the registry's APIs with a bearer token: the caller admitted (its
/// scope as the registry says, its budget spent), then the operation run by its API's
/// module. A path for an object type the fake does not keep answers as HubSpot does to a
/// token without that object's scopes: 403 `MISSING_SCOPES`, naming the scope.
fn api_call(
    world: &mut World,
    call: &Call,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    now: DateTime<Utc>,
    correlation_id: &str,
) -> Outcome {
    let operation = call.operation;
    let search = operation.budget == Budget::Search;
    let admitted = match admit(world, parts, operation.scope, search, now, correlation_id) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    if let Some(other) = call.other_object_type() {
        let scope = other_object_scope(call, other);
        return answered(
            Err(ApiError::missing_scopes(&scope)),
            admitted,
            correlation_id,
        );
    }
    let request = api_request(call, parts, body);
    let answer = apis::handle(world, &request);
    answered(answer, admitted, correlation_id)
}

/// The scope HubSpot asks of a call about another object type: its schema scope for its
/// properties and pipelines, else its object scope.
fn other_object_scope(call: &Call, object_type: &str) -> String {
    let kind = if ["properties", "pipelines", "legacy_crm"].contains(&call.api.name) {
        "schemas"
    } else {
        "objects"
    };
    let access = if call.operation.writes() {
        "write"
    } else {
        "read"
    };
    format!("crm.{kind}.{}.{access}", object_type.to_ascii_lowercase())
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
    let as_of = world
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_of
        .clone();
    let route = route(&parts.method, parts.uri.path(), as_of.as_deref());
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
