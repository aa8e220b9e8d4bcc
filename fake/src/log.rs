//! What the fake saw: a request log and counters, readable from code and, as JSON, at
//! `GET /__fake/stats`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most requests the log keeps; older ones are dropped and counted in
/// [`Counters::log_dropped`] (the counters themselves always cover every request).
pub const LOG_CAPACITY: usize = 100_000;

/// The most token labels [`Counters::by_token`] keeps apart; calls of further tokens are
/// counted under [`OTHER_TOKENS`].
pub const TOKEN_LABEL_CAPACITY: usize = 10_000;

/// The label calls of tokens beyond [`TOKEN_LABEL_CAPACITY`] are counted under.
pub const OTHER_TOKENS: &str = "(other tokens)";

/// One request as the fake handled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// When it arrived, by the fake's clock.
    pub at: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The operation it was routed to (`get_page`, `oauth_token`, `unknown`, …).
    pub operation: String,
    /// The status sent, or 0 when the connection was dropped without an answer.
    pub status: u16,
    /// A label of the token that authenticated it ([`super::token_label`]), if any.
    pub token: Option<String>,
    /// The injected fault, if one hit this request.
    pub fault: Option<String>,
}

/// Totals over every request the fake handled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// All requests.
    pub requests: u64,
    /// Requests by status sent (0: dropped connection).
    pub by_status: BTreeMap<u16, u64>,
    /// Requests by operation.
    pub by_operation: BTreeMap<String, u64>,
    /// Requests by token label (at most [`TOKEN_LABEL_CAPACITY`] labels).
    pub by_token: BTreeMap<String, u64>,
    /// Calls to the OAuth token endpoint.
    pub token_requests: u64,
    /// Requests a fault was injected into.
    pub faults: u64,
    /// Requests refused with 429 by the fake's own limiter.
    pub rate_limited: u64,
    /// Requests no longer in the log because it reached [`LOG_CAPACITY`].
    pub log_dropped: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Log {
    pub requests: std::collections::VecDeque<LoggedRequest>,
    pub counters: Counters,
    /// Where every entry also goes, one JSON line each (`--request-log`), whatever the
    /// capacity.
    pub file: Option<std::io::LineWriter<std::fs::File>>,
}

impl Log {
    pub fn record(&mut self, entry: LoggedRequest, limited: bool) {
        if let Some(file) = &mut self.file
            && let Ok(line) = serde_json::to_string(&entry)
        {
            // A failed write loses a line of the file, never the request's answer.
            let _ = std::io::Write::write_all(file, format!("{line}\n").as_bytes());
        }
        let c = &mut self.counters;
        c.requests += 1;
        *c.by_status.entry(entry.status).or_default() += 1;
        *c.by_operation.entry(entry.operation.clone()).or_default() += 1;
        if let Some(token) = &entry.token {
            let known = c.by_token.contains_key(token) || c.by_token.len() < TOKEN_LABEL_CAPACITY;
            let key = if known { token.as_str() } else { OTHER_TOKENS };
            *c.by_token.entry(key.to_string()).or_default() += 1;
        }
        if entry.operation == "oauth_token" {
            c.token_requests += 1;
        }
        if entry.fault.is_some() {
            c.faults += 1;
        }
        if limited {
            c.rate_limited += 1;
        }
        if self.requests.len() == LOG_CAPACITY {
            self.requests.pop_front();
            c.log_dropped += 1;
        }
        self.requests.push_back(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n: usize, token: String) -> LoggedRequest {
        LoggedRequest {
            at: DateTime::<Utc>::UNIX_EPOCH,
            method: "GET".into(),
            path: format!("/crm/v3/objects/deals/{n}"),
            query: None,
            operation: "get_by_id".into(),
            status: 200,
            token: Some(token),
            fault: None,
        }
    }

    #[test]
    fn the_log_keeps_the_newest_requests_and_counts_every_one() {
        let mut log = Log::default();
        for n in 0..LOG_CAPACITY + 3 {
            log.record(request(n, "pat".into()), false);
        }
        assert_eq!(log.requests.len(), LOG_CAPACITY);
        assert_eq!(log.counters.log_dropped, 3);
        assert_eq!(log.counters.requests, LOG_CAPACITY as u64 + 3);
        assert_eq!(
            log.requests[0].path, "/crm/v3/objects/deals/3",
            "the oldest go first"
        );
    }

    #[test]
    fn tokens_beyond_the_label_capacity_share_one_label() {
        let mut log = Log::default();
        for n in 0..TOKEN_LABEL_CAPACITY + 5 {
            log.record(request(n, format!("oauth-{n}")), false);
        }
        // A known token keeps its own label once the map is full.
        log.record(request(0, "oauth-0".into()), false);
        let by_token = &log.counters.by_token;
        assert_eq!(by_token.len(), TOKEN_LABEL_CAPACITY + 1);
        assert_eq!(by_token[OTHER_TOKENS], 5);
        assert_eq!(by_token["oauth-0"], 2);
    }
}
