//! The scope of one call. The typed `send()` and the raw `send_raw()` of every generated
//! builder run Progenitor's own send in a span, with a task-local record of what the runtime
//! learns on the way: an error it met, the status it returned, and the permit the `pre` hook
//! took, which the `exec` hook's first attempt holds until its answer. `send()` then turns
//! the outcome into [`Error`].
//!
//! Progenitor's `exec` hook can only return a `reqwest` response or error; the record is how
//! a failure the runtime understands (a refresh rejected after a 401, a permit that would
//! wait too long, a body over the cap) reaches the caller typed. Through `send_raw()`, the
//! caller gets the last HTTP answer instead.

use crate::error::{CallFacts, Error};
use crate::operations::CallPolicy;
use crate::rate_limit::InFlight;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;
use tracing::Instrument;

/// What the runtime learned about the call in progress.
#[derive(Debug, Default)]
struct Record {
    /// The failure the runtime met, which explains the outcome better than the last answer.
    error: Option<Error>,
    /// The status of the last answer.
    status: Option<u16>,
    /// When it came, by the client's clock.
    answered: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the call changes data.
    writes: bool,
    /// The per-attempt timeout.
    timeout: Option<Duration>,
    /// How long the first attempt waited for its permit.
    limiter_wait: Duration,
    /// The first attempt's permit, from the `pre` hook until the `exec` hook sends it.
    in_flight: Option<InFlight>,
}

tokio::task_local! {
    static RECORD: RefCell<Record>;
}

fn with(f: impl FnOnce(&mut Record)) {
    let _ = RECORD.try_with(|record| f(&mut record.borrow_mut()));
}

/// Keeps the error that explains the call's failure.
pub(crate) fn fail(error: Error) {
    with(|record| record.error = Some(error));
}

/// What the `pre` hook knows of the call.
pub(crate) fn note_start(policy: &CallPolicy, timeout: Option<Duration>, limiter_wait: Duration) {
    with(|record| {
        record.writes = policy.writes;
        record.timeout = timeout;
        record.limiter_wait = limiter_wait;
    });
}

/// Keeps the first attempt's permit for the `exec` hook. (Outside a call's scope there is
/// none to keep it in: the permit then counts as answered at once.)
pub(crate) fn hold(in_flight: InFlight) {
    with(|record| record.in_flight = Some(in_flight));
}

/// The first attempt's permit, which the `pre` hook kept.
pub(crate) fn take_in_flight() -> Option<InFlight> {
    RECORD
        .try_with(|record| record.borrow_mut().in_flight.take())
        .ok()
        .flatten()
}

/// How long the first attempt waited for its permit.
pub(crate) fn limiter_wait() -> Duration {
    RECORD
        .try_with(|record| record.borrow().limiter_wait)
        .unwrap_or_default()
}

/// A response arrived at `now`: its status and correlation id, for the record and the span.
pub(crate) fn note_response(
    status: u16,
    correlation_id: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) {
    with(|record| {
        record.status = Some(status);
        record.answered = Some(now);
    });
    let span = tracing::Span::current();
    span.record("status", status);
    if let Some(id) = correlation_id {
        span.record("correlation_id", id);
    }
}

/// Names the server a call goes to on its span (OpenTelemetry's `server.address` and
/// `server.port`), so calls to different HubSpot endpoints (or fakes) tell apart in traces.
pub(crate) fn note_server(url: &reqwest::Url) {
    let span = tracing::Span::current();
    if let Some(host) = url.host_str() {
        span.record("server.address", host);
    }
    if let Some(port) = url.port_or_known_default() {
        span.record("server.port", port);
    }
}

/// The span of one call.
fn span(operation: &'static str) -> tracing::Span {
    tracing::info_span!(
        "hubspot_deals.call",
        operation,
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        correlation_id = tracing::field::Empty,
        limiter_wait_ms = tracing::field::Empty,
        retry_wait_ms = tracing::field::Empty,
    )
}

/// Where decoding `bytes` as `T` fails, as a path (`results[3].properties`).
fn decode_path<T: DeserializeOwned>(bytes: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, T>(&mut deserializer)
        .err()
        .map(|e| e.path().to_string())
}

/// Runs Progenitor's send in a call's scope: its span and its record, which it returns.
async fn scoped<T>(operation: &'static str, raw: impl Future<Output = T>) -> (T, Record) {
    RECORD
        .scope(RefCell::new(Record::default()), async move {
            let result = raw.await;
            (result, RECORD.with(|record| record.take()))
        })
        .instrument(span(operation))
        .await
}

/// A generated client's error with its HubSpot error body read as the deals client's
/// `ErrorBody`: every HubSpot document declares the same `Error` schema, so each generated
/// client's type of it carries the same fields.
fn same_error_body<B: serde::Serialize + std::fmt::Debug>(
    error: progenitor_client::Error<B>,
) -> progenitor_client::Error<crate::types::ErrorBody> {
    use progenitor_client::Error as E;
    match error {
        E::ErrorResponse(response) => {
            let (status, headers) = (response.status(), response.headers().clone());
            let body = serde_json::to_value(response.into_inner())
                .and_then(serde_json::from_value::<crate::types::ErrorBody>);
            match body {
                Ok(body) => E::ErrorResponse(ResponseValue::new(body, status, headers)),
                Err(e) => E::Custom(format!("HubSpot's error body could not be read: {e}")),
            }
        }
        E::InvalidRequest(message) => E::InvalidRequest(message),
        E::CommunicationError(e) => E::CommunicationError(e),
        E::InvalidUpgrade(e) => E::InvalidUpgrade(e),
        E::ResponseBodyError(e) => E::ResponseBodyError(e),
        E::InvalidResponsePayload(bytes, e) => E::InvalidResponsePayload(bytes, e),
        E::UnexpectedResponse(response) => E::UnexpectedResponse(response),
        E::Custom(text) => E::Custom(text),
    }
}

/// The raw `send_raw()` of a generated builder: Progenitor's send in a call's scope.
pub async fn raw<T>(operation: &'static str, raw: impl Future<Output = T>) -> T {
    scoped(operation, raw).await.0
}

/// The typed `send()` of a generated builder: Progenitor's send in a call's scope, its
/// outcome as [`Error`].
pub async fn send<T, F, B>(operation: &'static str, raw: F) -> Result<ResponseValue<T>, Error>
where
    T: DeserializeOwned,
    B: serde::Serialize + std::fmt::Debug,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<B>>>,
{
    let (result, record) = scoped(operation, raw).await;
    result.map_err(|raw_error| match record.error {
        Some(error) => error.in_operation(operation),
        None => {
            let facts = CallFacts {
                operation: Some(operation),
                status: record.status,
                writes: record.writes,
                timeout: record.timeout,
                answered: record.answered,
            };
            Error::from_generated(same_error_body(raw_error), &facts, decode_path::<T>)
        }
    })
}
