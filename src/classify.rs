//! What one attempt came back with, in the terms the retry decision and the limiter need: a
//! pure function of the status, the headers and the body.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Which of HubSpot's limits a 429 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// `TEN_SECONDLY_ROLLING`, or a 429 that says nothing (HubSpot's usual).
    TenSecondly,
    /// The legacy `SECONDLY` policy.
    Secondly,
    /// The search budget (category `RATE_LIMITS`, no policy).
    Search,
    /// `DAILY`: it resets at midnight; retrying is pointless.
    Daily,
}

/// The meaning of one attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// A success (or any status that is final by nature: 1xx, 2xx, 3xx).
    Success,
    /// 401: the token was refused.
    Unauthorized,
    /// 429.
    Throttled {
        limit: Limit,
        retry_after: Option<Duration>,
    },
    /// 423: a record is locked for a moment (bursty upserts).
    Locked { retry_after: Option<Duration> },
    /// A transient server or gateway error (500, 502, 503, 504, 477, 521–526).
    Unavailable { retry_after: Option<Duration> },
    /// Any other 4xx or 5xx: retrying would get the same answer.
    Rejected,
    /// The connection failed before the request was sent.
    NotSent,
    /// Sent, but no whole response came back (dropped connection, timeout, cut-off body).
    Lost,
}

/// `Retry-After` as seconds or an HTTP date; a date in the past means now.
pub(crate) fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
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

/// The limit a 429 body names. `search` says the call spent the search budget.
fn limit(body: &[u8], search: bool) -> Limit {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        #[serde(borrow)]
        policy_name: Option<&'a str>,
        #[serde(borrow)]
        category: Option<&'a str>,
    }
    let body: Option<Body<'_>> = serde_json::from_slice(body).ok();
    let (policy, category) = body.map_or((None, None), |b| (b.policy_name, b.category));
    match policy {
        Some("DAILY") => Limit::Daily,
        Some("SECONDLY") => Limit::Secondly,
        Some(_) => Limit::TenSecondly,
        None if search || category == Some("RATE_LIMITS") => Limit::Search,
        None => Limit::TenSecondly,
    }
}

/// Classifies a whole response.
pub(crate) fn response(
    status: u16,
    retry_after_header: Option<&str>,
    body: &[u8],
    search: bool,
    now: DateTime<Utc>,
) -> Class {
    let asked = retry_after_header.and_then(|v| retry_after(v, now));
    by_status(status, asked, || limit(body, search))
}

/// Classifies a status with the wait asked for; `limit` names the limit of a 429.
pub(crate) fn by_status(
    status: u16,
    retry_after: Option<Duration>,
    limit: impl FnOnce() -> Limit,
) -> Class {
    match status {
        401 => Class::Unauthorized,
        429 => Class::Throttled {
            limit: limit(),
            retry_after,
        },
        423 => Class::Locked { retry_after },
        500 | 502..=504 | 477 | 521..=526 => Class::Unavailable { retry_after },
        400..=599 => Class::Rejected,
        _ => Class::Success,
    }
}

/// Classifies an attempt that got no whole response.
pub(crate) fn failure(sent: bool) -> Class {
    if sent { Class::Lost } else { Class::NotSent }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_SECONDLY: &[u8] = br#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
    const DAILY: &[u8] = br#"{"status":"error","message":"You have reached your daily limit.","policyName":"DAILY"}"#;
    const SECONDLY: &[u8] = br#"{"status":"error","message":"You have reached your secondly limit.","policyName":"SECONDLY"}"#;
    const SEARCH: &[u8] = br#"{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}"#;

    fn now() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn classification_table() {
        let s = |n| Some(Duration::from_secs(n));
        let throttled = |limit, retry_after| Class::Throttled { limit, retry_after };
        type Row<'a> = (u16, Option<&'a str>, &'a [u8], bool, Class);
        #[rustfmt::skip]
        let table: Vec<Row<'_>> = vec![
            (200, None, b"{}", false, Class::Success),
            (207, None, b"{}", false, Class::Success),
            (204, None, b"", false, Class::Success),
            (401, None, b"", false, Class::Unauthorized),
            (429, None, TEN_SECONDLY, false, throttled(Limit::TenSecondly, None)),
            (429, Some("3"), TEN_SECONDLY, false, throttled(Limit::TenSecondly, s(3))),
            (429, Some("Thu, 01 Jan 2026 00:00:07 GMT"), b"", false, throttled(Limit::TenSecondly, s(7))),
            (429, Some("Wed, 31 Dec 2025 23:00:00 GMT"), b"", false, throttled(Limit::TenSecondly, s(0))),
            (429, Some("soon"), b"", false, throttled(Limit::TenSecondly, None)),
            (429, None, DAILY, false, throttled(Limit::Daily, None)),
            (429, Some("30"), DAILY, false, throttled(Limit::Daily, s(30))),
            (429, None, SECONDLY, false, throttled(Limit::Secondly, None)),
            (429, None, SEARCH, false, throttled(Limit::Search, None)),
            (429, None, b"not json", true, throttled(Limit::Search, None)),
            (429, None, b"<html>", false, throttled(Limit::TenSecondly, None)),
            (423, None, b"", false, Class::Locked { retry_after: None }),
            (500, None, b"", false, Class::Unavailable { retry_after: None }),
            (502, None, b"<html>", false, Class::Unavailable { retry_after: None }),
            (503, Some("5"), b"", false, Class::Unavailable { retry_after: s(5) }),
            (504, None, b"", false, Class::Unavailable { retry_after: None }),
            (477, Some("60"), b"", false, Class::Unavailable { retry_after: s(60) }),
            (524, None, b"", false, Class::Unavailable { retry_after: None }),
            (501, None, b"", false, Class::Rejected),
            (400, None, b"", false, Class::Rejected),
            (403, None, b"", false, Class::Rejected),
            (404, None, b"", false, Class::Rejected),
            (409, None, b"", false, Class::Rejected),
        ];
        for (status, header, body, search, expected) in table {
            assert_eq!(
                response(status, header, body, search, now()),
                expected,
                "{status} {header:?} {}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(failure(false), Class::NotSent);
        assert_eq!(failure(true), Class::Lost);
    }
}
