//! The fake's HTTP side: accepts connections on loopback, routes each request, applies
//! faults, auth, scopes and budgets in HubSpot's order, and logs the outcome.

use super::auth::{Caller, READ_SCOPE, WRITE_SCOPE};
use super::errors::ApiError;
use super::faults::FaultKind;
use super::log::LoggedRequest;
use super::objects::Answer;
use super::query::Query;
use super::state::World;
use super::{batch, objects, search, validate};
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;
const JSON: &str = "application/json;charset=utf-8";

pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// A request the fake refuses to answer: hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Deals {
        operation: &'static str,
        id: Option<String>,
    },
    OAuthToken,
    RevokeRefreshToken(String),
    Stats,
    /// A known path with another method; the methods it takes, for `Allow`.
    MethodNotAllowed(&'static str),
    NotFound,
}

impl Route {
    fn operation(&self) -> &'static str {
        match self {
            Route::Deals { operation, .. } => operation,
            Route::OAuthToken => "oauth_token",
            Route::RevokeRefreshToken(_) => "oauth_revoke",
            Route::Stats => "fake_stats",
            Route::MethodNotAllowed(_) | Route::NotFound => "unknown",
        }
    }
}

fn route(method: &Method, path: &str) -> Route {
    let deals = ["/crm/v3/objects/deals", "/crm/v3/objects/0-3"]
        .iter()
        .find_map(|prefix| {
            path.strip_prefix(prefix)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        });
    if let Some(rest) = deals {
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let deal = |operation| Route::Deals {
            operation,
            id: None,
        };
        return match (method.as_str(), segments.as_slice()) {
            ("GET", []) => deal("get_page"),
            ("POST", []) => deal("create"),
            ("POST", ["batch", "read"]) => deal("batch_read"),
            ("POST", ["batch", "create"]) => deal("batch_create"),
            ("POST", ["batch", "update"]) => deal("batch_update"),
            ("POST", ["batch", "upsert"]) => deal("batch_upsert"),
            ("POST", ["batch", "archive"]) => deal("batch_archive"),
            ("POST", ["search"]) => deal("search"),
            ("POST", ["merge"]) => deal("merge"),
            (method, [id]) if !matches!(*id, "batch" | "search" | "merge") => {
                let id = percent_decode(id);
                match method {
                    "GET" => Route::Deals {
                        operation: "get_by_id",
                        id: Some(id),
                    },
                    "PATCH" => Route::Deals {
                        operation: "update",
                        id: Some(id),
                    },
                    "DELETE" => Route::Deals {
                        operation: "archive",
                        id: Some(id),
                    },
                    _ => Route::MethodNotAllowed("GET, PATCH, DELETE"),
                }
            }
            (_, []) => Route::MethodNotAllowed("GET, POST"),
            (
                _,
                ["batch", "read" | "create" | "update" | "upsert" | "archive"]
                | ["search"]
                | ["merge"],
            ) => Route::MethodNotAllowed("POST"),
            _ => Route::NotFound,
        };
    }
    match (method.as_str(), path) {
        ("POST", "/oauth/v1/token" | "/oauth/v3/token" | "/oauth/2026-03/token") => {
            Route::OAuthToken
        }
        ("GET", "/__fake/stats") => Route::Stats,
        ("DELETE", _) if path.starts_with("/oauth/v1/refresh-tokens/") => {
            Route::RevokeRefreshToken(percent_decode(&path["/oauth/v1/refresh-tokens/".len()..]))
        }
        _ => Route::NotFound,
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

fn required_scope(operation: &str) -> &'static str {
    match operation {
        "get_page" | "get_by_id" | "batch_read" | "search" => READ_SCOPE,
        _ => WRITE_SCOPE,
    }
}

fn has_body(operation: &str) -> bool {
    !matches!(operation, "get_page" | "get_by_id" | "archive")
}

fn parse_json(headers: &hyper::HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
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
    if !value.is_object() {
        return Err(ApiError::validation(
            "Invalid input JSON: the body must be a JSON object",
        ));
    }
    Ok(value)
}

fn deals(
    world: &mut World,
    operation: &str,
    id: Option<&str>,
    query: &Query,
    body: &Value,
) -> Answer {
    let id = id.unwrap_or("");
    match operation {
        "get_page" => objects::get_page(world, query),
        "create" => objects::create(world, body),
        "get_by_id" => objects::get_by_id(world, id, query),
        "update" => objects::update(world, id, query, body),
        "archive" => objects::archive(world, id),
        "merge" => objects::merge(world, body),
        "batch_read" => batch::read(world, query, body),
        "batch_create" => batch::create(world, body),
        "batch_update" => batch::update(world, body),
        "batch_upsert" => batch::upsert(world, body),
        "batch_archive" => batch::archive(world, body),
        "search" => search::search(world, body),
        _ => Err(ApiError::not_found()),
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
    match fault {
        Some(FaultKind::Status(status)) => {
            return Outcome::error(ApiError::server(*status), correlation_id);
        }
        Some(FaultKind::RateLimited { retry_after }) => {
            let mut outcome = Outcome::error(ApiError::ten_secondly_limit("fault"), correlation_id);
            if let Some(after) = retry_after {
                outcome
                    .headers
                    .push(("Retry-After", after.as_secs().to_string()));
            }
            return outcome;
        }
        Some(FaultKind::HtmlBadGateway) => {
            return Outcome {
                status: 502,
                content_type: "text/html",
                headers: Vec::new(),
                body: Bytes::from_static(b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"),
                token: None,
                limited: false,
            };
        }
        _ => {}
    }
    let now = world.now();
    match route {
        Route::NotFound => Outcome::error(ApiError::not_found(), correlation_id),
        Route::MethodNotAllowed(allowed) => {
            let mut outcome = Outcome::error(
                ApiError::method_not_allowed(parts.method.as_str()),
                correlation_id,
            );
            outcome.headers.push(("Allow", allowed.to_string()));
            outcome
        }
        Route::Stats => Outcome::json(200, Some(stats(world))),
        Route::OAuthToken => {
            let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
            let (status, answer) = world.tokens.token_endpoint(&form, now);
            Outcome::json(status, Some(answer))
        }
        Route::RevokeRefreshToken(token) => {
            if world.tokens.revoke(token) {
                Outcome::json(204, None)
            } else {
                Outcome::error(ApiError::not_found(), correlation_id)
            }
        }
        Route::Deals { operation, id } => {
            let header = parts
                .headers
                .get(hyper::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let caller: Caller = match world.tokens.authenticate(header, now) {
                Ok(caller) => caller,
                Err(e) => return Outcome::error(e, correlation_id),
            };
            let token = Some(caller.label.clone());
            let scope = required_scope(operation);
            if !caller.scopes.contains(scope) {
                return Outcome {
                    token,
                    ..Outcome::error(ApiError::missing_scopes(scope), correlation_id)
                };
            }
            let limit_headers =
                match world
                    .limiter
                    .admit(&caller.label, caller.kind, *operation == "search", now)
                {
                    Ok(headers) => headers,
                    Err(e) => {
                        return Outcome {
                            token,
                            limited: true,
                            ..Outcome::error(e, correlation_id)
                        };
                    }
                };
            let query = Query::parse(parts.uri.query());
            let answer = if has_body(operation) {
                parse_json(&parts.headers, body).and_then(|json| {
                    validate::request_body(operation, &json)?;
                    deals(world, operation, id.as_deref(), &query, &json)
                })
            } else {
                deals(world, operation, id.as_deref(), &query, &Value::Null)
            };
            let mut outcome = match answer {
                Ok((status, body)) => Outcome::json(status, body),
                Err(e) => Outcome::error(e, correlation_id),
            };
            outcome.headers.extend(limit_headers);
            outcome.token = token;
            outcome
        }
    }
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

async fn handle(
    world: Arc<Mutex<World>>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let (parts, incoming) = request.into_parts();
    let body = match Limited::new(incoming, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let route = route(&parts.method, parts.uri.path());
    let operation = route.operation();
    let (fault, correlation_id) = {
        let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
        let fault = if route == Route::Stats {
            None
        } else {
            world.faults.pick(operation)
        };
        (fault, world.faults.rng.uuid().to_string())
    };
    if let Some(FaultKind::Slow(delay)) = &fault {
        tokio::time::sleep(*delay).await;
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
            let entry = LoggedRequest {
                at: world.now(),
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                query: parts.uri.query().map(str::to_string),
                operation: operation.to_string(),
                status: if dropped { 0 } else { outcome.status },
                token: outcome.token.clone(),
                fault: fault.as_ref().map(|f| format!("{f:?}")),
            };
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

/// Serves connections until `shutdown` changes.
pub(crate) async fn serve(
    listener: TcpListener,
    world: Arc<Mutex<World>>,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
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
    use super::*;

    #[test]
    fn routes_both_prefixes_and_rejects_the_rest() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(
            route(&get, "/crm/v3/objects/deals"),
            Route::Deals {
                operation: "get_page",
                id: None
            }
        );
        assert_eq!(
            route(&post, "/crm/v3/objects/0-3/batch/upsert"),
            Route::Deals {
                operation: "batch_upsert",
                id: None
            }
        );
        assert_eq!(
            route(&Method::PATCH, "/crm/v3/objects/0-3/a%2Fb"),
            Route::Deals {
                operation: "update",
                id: Some("a/b".into())
            }
        );
        assert_eq!(
            route(&Method::PUT, "/crm/v3/objects/deals/1"),
            Route::MethodNotAllowed("GET, PATCH, DELETE")
        );
        assert_eq!(
            route(&get, "/crm/v3/objects/deals/search"),
            Route::MethodNotAllowed("POST")
        );
        assert_eq!(route(&get, "/crm/v3/objects/dealsx"), Route::NotFound);
        assert_eq!(route(&get, "/crm/v3/objects/deals/1/2"), Route::NotFound);
        assert_eq!(route(&post, "/oauth/v1/token"), Route::OAuthToken);
    }
}
