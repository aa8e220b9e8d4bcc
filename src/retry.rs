//! When to try a call again, and after how long: a pure function of the operation, what
//! happened, the attempt number and the time, with a table of tests.
//!
//! - 429 is retried, honouring `Retry-After` (bounded) when present and otherwise HubSpot's
//!   policy: the rest of the ten-second window, or one second for the search limit. The
//!   daily limit is the exception: it resets at midnight, so the call fails at once.
//! - 502, 503, 504, a 423 lock, timeouts, dropped connections and cut-off bodies are retried
//!   only where a replay is safe: reads, search, batch read, update by id, archive, batch
//!   update, upsert and batch archive. `create`, `batch_create` and `merge` are never
//!   replayed once the request may have reached HubSpot; a connection that failed before
//!   anything was sent is safe to retry for every operation.
//! - Other backoffs are full-jitter exponential, capped, within a bounded number of attempts.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// How calls are retried. The default: at most 4 attempts, backoff from 250 ms capped at
/// 20 s, waits asked for by HubSpot bounded at 60 s.
///
/// ```
/// use hubspot_deals::RetryPolicy;
/// use std::time::Duration;
/// let patient = RetryPolicy::default().max_attempts(8).max_delay(Duration::from_secs(60));
/// let never = RetryPolicy::disabled();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt per call: no retries at all.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The most attempts per call, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff step; it doubles per attempt, with full jitter.
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The cap on one backoff.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The cap on a wait HubSpot asks for (`Retry-After`, the rest of a rate-limit window).
    #[must_use]
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }
}

/// What one attempt ended in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attempt<'a> {
    /// A whole response.
    Answered {
        status: u16,
        retry_after: Option<&'a str>,
        body: &'a [u8],
    },
    /// No whole response; `sent` is false only when the request certainly never left.
    Failed { sent: bool },
}

/// Whether to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Done,
    RetryAfter(Duration),
}

/// Operations whose replay cannot apply a change twice.
pub(crate) fn replay_safe(operation: &str) -> bool {
    match operation {
        "create" | "batch_create" | "merge" => false,
        "get_page" | "get_by_id" | "update" | "archive" | "search" | "batch_read"
        | "batch_update" | "batch_upsert" | "batch_archive" => true,
        other => other.starts_with("get_") || other.starts_with("list_"),
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The wait HubSpot's 429 asks for, or `None` for the daily limit.
fn rate_limit_wait(
    operation: &str,
    body: &[u8],
    window_rest: Option<Duration>,
) -> Option<Duration> {
    let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match body["policyName"].as_str() {
        Some("DAILY") => None,
        Some("SECONDLY") => Some(Duration::from_secs(1)),
        Some(_) => Some(window_rest.unwrap_or(Duration::from_secs(10))),
        None if operation == "search" || body["category"] == "RATE_LIMITS" => {
            Some(Duration::from_secs(1))
        }
        None => Some(window_rest.unwrap_or(Duration::from_secs(10))),
    }
}

/// Decides after attempt number `attempt` (1-based). `window_rest` is how long until the
/// client's own ten-second window frees a slot, if it knows; `jitter` is uniform in `[0, 1)`.
pub(crate) fn decide(
    policy: &RetryPolicy,
    operation: &str,
    outcome: Attempt<'_>,
    attempt: u32,
    window_rest: Option<Duration>,
    jitter: f64,
    now: DateTime<Utc>,
) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::Done;
    }
    let exponent = attempt.saturating_sub(1).min(30);
    let ceiling = policy
        .base_delay
        .saturating_mul(1 << exponent)
        .min(policy.max_delay);
    let backoff = ceiling.mul_f64(jitter.clamp(0.0, 1.0));
    let bounded = |wait: Duration| Decision::RetryAfter(wait.min(policy.max_wait));
    let asked = |value: Option<&str>| value.and_then(|v| retry_after(v, now));
    match outcome {
        Attempt::Answered {
            status: 429,
            retry_after: header,
            body,
        } => match asked(header) {
            Some(wait) => bounded(wait),
            None => rate_limit_wait(operation, body, window_rest).map_or(Decision::Done, bounded),
        },
        Attempt::Answered {
            status: 502..=504,
            retry_after: header,
            ..
        } if replay_safe(operation) => asked(header).map_or(Decision::RetryAfter(backoff), bounded),
        Attempt::Answered { status: 423, .. } if replay_safe(operation) => {
            bounded(Duration::from_secs(2))
        }
        Attempt::Answered { .. } => Decision::Done,
        Attempt::Failed { sent: false } => Decision::RetryAfter(backoff),
        Attempt::Failed { sent: true } if replay_safe(operation) => Decision::RetryAfter(backoff),
        Attempt::Failed { sent: true } => Decision::Done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Done, RetryAfter};

    const TEN_SECONDLY: &[u8] = br#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
    const DAILY: &[u8] = br#"{"status":"error","message":"You have reached your daily limit.","policyName":"DAILY"}"#;
    const SEARCH: &[u8] = br#"{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}"#;

    fn answered<'a>(status: u16, retry_after: Option<&'a str>, body: &'a [u8]) -> Attempt<'a> {
        Attempt::Answered {
            status,
            retry_after,
            body,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn decision_table() {
        let policy = RetryPolicy::default();
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        #[rustfmt::skip]
        let table: Vec<(&str, Attempt<'_>, u32, Option<Duration>, Decision)> = vec![
            // 429: Retry-After first (seconds, date, bounded), else HubSpot's policy.
            ("create",       answered(429, Some("3"), TEN_SECONDLY), 1, None, RetryAfter(s(3))),
            ("create",       answered(429, Some("Thu, 01 Jan 2026 00:00:07 GMT"), b""), 1, None, RetryAfter(s(7))),
            ("get_page",     answered(429, Some("3600"), TEN_SECONDLY), 1, None, RetryAfter(s(60))),
            ("get_page",     answered(429, None, TEN_SECONDLY), 1, None, RetryAfter(s(10))),
            ("get_page",     answered(429, None, TEN_SECONDLY), 1, Some(ms(2500)), RetryAfter(ms(2500))),
            ("merge",        answered(429, None, TEN_SECONDLY), 2, None, RetryAfter(s(10))),
            ("search",       answered(429, None, SEARCH), 1, Some(s(8)), RetryAfter(s(1))),
            ("search",       answered(429, None, b"not json"), 1, None, RetryAfter(s(1))),
            ("get_page",     answered(429, None, b"<html>"), 1, None, RetryAfter(s(10))),
            ("get_page",     answered(429, None, DAILY), 1, None, Done),
            // 5xx gateways: only where a replay is safe.
            ("get_by_id",    answered(503, None, b""), 1, None, RetryAfter(ms(125))),
            ("batch_upsert", answered(502, None, b""), 2, None, RetryAfter(ms(250))),
            ("update",       answered(504, None, b""), 3, None, RetryAfter(ms(500))),
            ("archive",      answered(503, Some("5"), b""), 1, None, RetryAfter(s(5))),
            ("create",       answered(503, None, b""), 1, None, Done),
            ("batch_create", answered(502, None, b""), 1, None, Done),
            ("merge",        answered(504, None, b""), 1, None, Done),
            ("get_page",     answered(500, None, b""), 1, None, Done),
            ("batch_upsert", answered(423, None, b""), 1, None, RetryAfter(s(2))),
            ("get_page",     answered(400, None, b""), 1, None, Done),
            ("get_page",     answered(404, None, b""), 1, None, Done),
            // Transport: never sent is always safe; maybe sent only where replay is safe.
            ("create",       Attempt::Failed { sent: false }, 1, None, RetryAfter(ms(125))),
            ("create",       Attempt::Failed { sent: true }, 1, None, Done),
            ("merge",        Attempt::Failed { sent: true }, 1, None, Done),
            ("search",       Attempt::Failed { sent: true }, 1, None, RetryAfter(ms(125))),
            ("batch_read",   Attempt::Failed { sent: true }, 1, None, RetryAfter(ms(125))),
            // Bounded attempts.
            ("get_page",     answered(503, None, b""), 4, None, Done),
            ("get_page",     answered(429, None, TEN_SECONDLY), 4, None, Done),
        ];
        for (operation, outcome, attempt, window_rest, expected) in table {
            let got = decide(
                &policy,
                operation,
                outcome,
                attempt,
                window_rest,
                0.5,
                now(),
            );
            assert_eq!(got, expected, "{operation} {outcome:?} attempt {attempt}");
        }
    }

    #[test]
    fn backoff_is_full_jitter_exponential_and_capped() {
        let policy = RetryPolicy::default()
            .max_attempts(20)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2));
        let wait = |attempt, jitter| match decide(
            &policy,
            "get_page",
            Attempt::Failed { sent: true },
            attempt,
            None,
            jitter,
            now(),
        ) {
            RetryAfter(d) => d,
            Done => panic!("should retry"),
        };
        assert_eq!(wait(1, 0.0), Duration::ZERO);
        assert_eq!(
            wait(1, 0.999_999),
            Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(wait(3, 0.5), Duration::from_millis(200));
        assert_eq!(
            wait(10, 0.5),
            Duration::from_secs(1),
            "capped at 2 s before jitter"
        );
    }

    #[test]
    fn disabled_never_retries() {
        let policy = RetryPolicy::disabled();
        assert_eq!(
            decide(
                &policy,
                "get_page",
                answered(429, Some("1"), b""),
                1,
                None,
                0.5,
                now()
            ),
            Done
        );
        assert_eq!(
            decide(
                &policy,
                "get_page",
                Attempt::Failed { sent: false },
                1,
                None,
                0.5,
                now()
            ),
            Done
        );
    }
}
