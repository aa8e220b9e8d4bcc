//! The attempts of one call (the `exec` hook): send, observe, classify, decide, replay.

use super::attempt::{self, Received};
use super::{Credentials, Shared, admit, call};
use crate::classify::{self, Class, Limit};
use crate::error::Error;
use crate::operations::{Budget, CallPolicy};
use crate::retry::{self, Decision, Input};
use crate::secret::Secret;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use std::time::Duration;

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Where a call stands between attempts.
#[derive(Debug, Default)]
struct Progress {
    /// The attempt being made, 1-based.
    number: u32,
    /// 429s in a row.
    throttles: u32,
    /// A 401 already made us refresh.
    refreshed: bool,
    limiter_wait: Duration,
    retry_wait: Duration,
}

/// Step 3: what the response teaches the limiter, and what the span records.
fn observe(shared: &Shared, parts: &http::response::Parts, sent: std::time::Duration) {
    shared.limiter.observe(&parts.headers, sent);
    let correlation_id = parts
        .headers
        .get("x-hubspot-correlation-id")
        .and_then(|v| v.to_str().ok());
    call::note_response(parts.status.as_u16(), correlation_id, shared.clock.now());
}

/// Step 4: the class of what came back.
fn class_of(received: &Received, budget: Budget, now: chrono::DateTime<chrono::Utc>) -> Class {
    match received {
        Received::Whole(parts, body) => {
            let retry_after = parts.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok());
            classify::response(
                parts.status.as_u16(),
                retry_after,
                body,
                budget == Budget::Search,
                now,
            )
        }
        Received::TooLarge(_) => Class::Rejected,
        Received::Failed(error) => classify::failure(!error.is_connect()),
    }
}

/// The attempts of one call, in its scope ([`call`]); see the module docs.
pub(crate) async fn run(
    shared: &Shared,
    http: &reqwest::Client,
    mut request: reqwest::Request,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let policy = CallPolicy::of(operation, request.method());
    let window = shared.limiter.window(policy.budget);
    let max_body = shared.limits.max_body;
    let mut progress = Progress {
        number: 1,
        limiter_wait: call::limiter_wait(),
        ..Progress::default()
    };
    // The permit of the attempt being made, held until its answer.
    let mut in_flight = call::take_in_flight();
    loop {
        // A body that cannot be cloned (none here: bodies are JSON) gets one attempt.
        let Some(copy) = request.try_clone() else {
            return http.execute(request).await;
        };
        // Step 2: send.
        let sent = shared.limiter.now();
        let received = attempt::send(http, copy, max_body).await;
        drop(in_flight.take());
        if let Some(parts) = received.parts() {
            observe(shared, parts, sent);
        }
        let class = class_of(&received, policy.budget, shared.clock.now());
        if let Received::TooLarge(parts) = &received {
            call::fail(Error::ResponseTooLarge {
                operation: None,
                status: parts.status.as_u16(),
                limit: max_body,
            });
        }
        // A 429: the limiter's part (retry::throttle), then the call's own wait (decide).
        match class {
            Class::Throttled { limit, .. } if limit != Limit::Daily => progress.throttles += 1,
            _ => progress.throttles = 0,
        }
        let throttle = retry::throttle(&class, progress.throttles);
        shared.limiter.throttled(policy.budget, throttle);

        // A 401 under OAuth: drop the token, refresh, replay once.
        if class == Class::Unauthorized
            && !progress.refreshed
            && let Credentials::OAuth(session) = &shared.credentials
        {
            progress.refreshed = true;
            if let Some(used) = request
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
            {
                session.invalidate(&Secret::new(used.trim_start_matches("Bearer ")));
            }
            match admit(shared, policy.budget, &mut request).await {
                Ok((waited, permit)) => {
                    tracing::info!("401 from HubSpot: token refreshed, replaying once");
                    progress.limiter_wait += waited;
                    in_flight = Some(permit);
                    progress.number += 1;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(error = %error, "401 from HubSpot and no new token");
                    call::fail(error);
                    return finish(&progress, received, max_body);
                }
            }
        }

        // Step 5: decide.
        let input = Input {
            class,
            replay_safe: policy.replay_safe,
            attempt: progress.number,
            throttles: progress.throttles,
            window,
            jitter: fastrand::f64(),
        };
        match retry::decide(&shared.retry, &input) {
            Decision::Done => return finish(&progress, received, max_body),
            Decision::RetryAfter(wait) => {
                match &received {
                    Received::Failed(error) => tracing::info!(
                        attempt = progress.number,
                        error = %crate::error::transport_message(error),
                        delay_ms = millis(wait),
                        "retrying"
                    ),
                    other => tracing::info!(
                        attempt = progress.number,
                        status = other.parts().map(|p| p.status.as_u16()),
                        delay_ms = millis(wait),
                        "retrying"
                    ),
                }
                progress.retry_wait += wait;
                shared.clock.sleep(wait).await;
                // Step 6: replay, with a permit and a token of its own.
                match admit(shared, policy.budget, &mut request).await {
                    Ok((waited, permit)) => {
                        progress.limiter_wait += waited;
                        in_flight = Some(permit);
                    }
                    Err(error) => {
                        call::fail(error);
                        return finish(&progress, received, max_body);
                    }
                }
                progress.number += 1;
            }
        }
    }
}

/// Records the span's totals and hands the last answer to the generated code.
fn finish(
    progress: &Progress,
    received: Received,
    max_body: usize,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    span.record("attempts", progress.number);
    span.record("limiter_wait_ms", millis(progress.limiter_wait));
    span.record("retry_wait_ms", millis(progress.retry_wait));
    attempt::respond(received, max_body)
}
