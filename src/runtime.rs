//! The handwritten runtime every generated call goes through: Progenitor's hooks, and the
//! state they share (the generated client's inner type).
//!
//! - `pre` puts the bearer token on the request (refreshing an OAuth token first if needed).
//! - `exec` owns the request and runs the attempts: a rate-limit permit, the send, the whole
//!   body, then [`retry::decide`](crate::retry) on what came back; a 401 under OAuth drops
//!   the token, refreshes once and replays once. Every attempt sends a clone of the same
//!   request, so replayed bodies are byte-identical. A non-JSON error body (a proxy's HTML
//!   502) is turned into a JSON error carrying its excerpt, so the status survives decoding.
//! - Each call is one `tracing` span with its operation, attempts, status, correlation id and
//!   the time spent waiting; tokens never appear in it.

use crate::auth::{self, Auth, Session};
use crate::clock::SharedClock;
use crate::error::{EXCERPT_KEY, excerpt};
use crate::generated::Client;
use crate::rate_limit::{Limiter, RateLimit};
use crate::retry::{self, Attempt, Decision, RetryPolicy};
use crate::secret::Secret;
use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// How calls get their `Authorization` header.
enum Credentials {
    /// A private app's token: the header is built once (and marked sensitive).
    Static(HeaderValue),
    OAuth(Box<Session>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(_) => f.write_str("PrivateApp(<redacted>)"),
            Self::OAuth(session) => f.debug_tuple("OAuth").field(session).finish(),
        }
    }
}

impl Credentials {
    /// The header for the next call; the `Err` is what `Error::Custom` carries.
    async fn authorization(&self) -> Result<HeaderValue, String> {
        match self {
            Self::Static(value) => Ok(value.clone()),
            Self::OAuth(session) => {
                let token = session.bearer().await.map_err(|e| e.to_custom())?;
                auth::header_value(&token)
            }
        }
    }
}

/// The state every call of a [`Client`](crate::Client) shares: credentials, the rate limiter,
/// the retry policy and the clock. Cheap to clone; clones share everything.
///
/// It is built by [`ClientBuilder`](crate::ClientBuilder) and has no public constructor.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    credentials: Credentials,
    limiter: Limiter,
    retry: RetryPolicy,
    clock: SharedClock,
}

impl Runtime {
    /// Fails only for a private-app token that cannot be a header (`Auth::validate` checks it).
    pub(crate) fn new(
        auth: Auth,
        http: &reqwest::Client,
        limit: RateLimit,
        retry: RetryPolicy,
        clock: SharedClock,
    ) -> Result<Self, String> {
        let credentials = match auth {
            Auth::PrivateApp(token) => Credentials::Static(auth::header_value(&token)?),
            Auth::OAuth(oauth) => {
                Credentials::OAuth(Box::new(Session::new(oauth, http.clone(), clock.clone())))
            }
        };
        Ok(Self {
            shared: Arc::new(Shared {
                credentials,
                limiter: Limiter::new(limit),
                retry,
                clock,
            }),
        })
    }

    /// The retry policy calls follow.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.shared.retry
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("credentials", &self.shared.credentials)
            .field("retry", &self.shared.retry)
            .finish_non_exhaustive()
    }
}

/// What one attempt came back with.
enum Received {
    Whole(http::response::Parts, Bytes),
    Failed(reqwest::Error),
}

/// Sends one attempt and reads the whole body.
async fn attempt(http: &reqwest::Client, request: reqwest::Request) -> Received {
    match http.execute(request).await {
        Err(error) => Received::Failed(error),
        Ok(response) => {
            let response: http::Response<reqwest::Body> = response.into();
            let (parts, body) = response.into_parts();
            match http_body_util::BodyExt::collect(body).await {
                Ok(collected) => Received::Whole(parts, collected.to_bytes()),
                Err(error) => Received::Failed(error),
            }
        }
    }
}

/// A non-JSON error body becomes HubSpot's error shape with the excerpt in `context`, so
/// the generated code decodes it as an error response and the status survives.
fn keep_status(parts: &mut http::response::Parts, body: Bytes) -> Bytes {
    if parts.status.as_u16() < 400
        || serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.is_object())
    {
        return body;
    }
    let content_type = parts
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string();
    let rewritten = serde_json::json!({
        "status": "error",
        "message": format!("HTTP {} with a body that is not HubSpot's JSON ({content_type})", parts.status),
        "context": {EXCERPT_KEY: [excerpt(&body)]},
    });
    parts.headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(reqwest::header::CONTENT_LENGTH);
    Bytes::from(rewritten.to_string())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl ClientHooks<Runtime> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let value = self
            .inner()
            .shared
            .credentials
            .authorization()
            .await
            .map_err(Error::Custom)?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::info_span!(
            "hubspot_deals.call",
            operation = info.operation_id,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
            limiter_wait_ms = tracing::field::Empty,
            retry_wait_ms = tracing::field::Empty,
        );
        run(self.inner(), self.client(), request, info.operation_id)
            .instrument(span)
            .await
    }
}

/// The attempts of one call; see the module docs.
async fn run(
    runtime: &Runtime,
    http: &reqwest::Client,
    mut request: reqwest::Request,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    let shared = &runtime.shared;
    let span = tracing::Span::current();
    let search = operation == "search";
    let (mut limiter_wait, mut retry_wait) = (Duration::ZERO, Duration::ZERO);
    let mut refreshed = false;
    let mut number = 0;
    loop {
        number += 1;
        let wait = shared.limiter.reserve(search, shared.clock.now());
        if !wait.is_zero() {
            limiter_wait += wait;
            shared.clock.sleep(wait).await;
        }
        // A request whose body cannot be cloned (none here: bodies are JSON) gets one attempt.
        let Some(this) = request.try_clone() else {
            span.record("attempts", number);
            return http.execute(request).await;
        };
        let received = attempt(http, this).await;
        let now = shared.clock.now();
        let decision = match &received {
            Received::Whole(parts, body) => {
                shared.limiter.observe(&parts.headers, now);
                let status = parts.status.as_u16();
                span.record("status", status);
                if let Some(id) = parts
                    .headers
                    .get("x-hubspot-correlation-id")
                    .and_then(|v| v.to_str().ok())
                {
                    span.record("correlation_id", id);
                }
                if status == 401
                    && !refreshed
                    && let Credentials::OAuth(session) = &shared.credentials
                {
                    refreshed = true;
                    if let Some(used) = request
                        .headers()
                        .get(AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                    {
                        session.invalidate(&Secret::new(used.trim_start_matches("Bearer ")));
                    }
                    match session.bearer().await.map(|t| auth::header_value(&t)) {
                        Ok(Ok(value)) => {
                            tracing::info!("401 from HubSpot: token refreshed, replaying once");
                            request.headers_mut().insert(AUTHORIZATION, value);
                            continue;
                        }
                        _ => {
                            tracing::warn!("401 from HubSpot and the token could not be refreshed")
                        }
                    }
                }
                let retry_after = parts
                    .headers
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok());
                retry::decide(
                    &shared.retry,
                    operation,
                    Attempt::Answered {
                        status,
                        retry_after,
                        body,
                    },
                    number,
                    shared.limiter.rest(search, now),
                    fastrand::f64(),
                    now,
                )
            }
            Received::Failed(error) => retry::decide(
                &shared.retry,
                operation,
                Attempt::Failed {
                    sent: !error.is_connect(),
                },
                number,
                None,
                fastrand::f64(),
                now,
            ),
        };
        match decision {
            Decision::Done => {
                span.record("attempts", number);
                span.record("limiter_wait_ms", millis(limiter_wait));
                span.record("retry_wait_ms", millis(retry_wait));
                return match received {
                    Received::Whole(mut parts, body) => {
                        let body = keep_status(&mut parts, body);
                        Ok(reqwest::Response::from(http::Response::from_parts(
                            parts, body,
                        )))
                    }
                    Received::Failed(error) => Err(error),
                };
            }
            Decision::RetryAfter(delay) => {
                match &received {
                    Received::Whole(parts, _) => tracing::info!(
                        attempt = number,
                        status = parts.status.as_u16(),
                        delay_ms = millis(delay),
                        "retrying"
                    ),
                    Received::Failed(error) => {
                        tracing::info!(attempt = number, error = %error, delay_ms = millis(delay), "retrying")
                    }
                }
                retry_wait += delay;
                shared.clock.sleep(delay).await;
            }
        }
    }
}
