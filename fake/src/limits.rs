//! HubSpot's rate limits, per budget (a private app, or the OAuth app): the rolling
//! ten-second budget, the daily budget (reset at midnight UTC; HubSpot uses the account's time
//! zone) and the search budget (per second, exempt from the ten-second one), with HubSpot's
//! `X-HubSpot-RateLimit-*` headers.

use crate::auth::TokenKind;
use crate::errors::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use hubspot_deals::limits;
use std::collections::{HashMap, VecDeque};

/// The budgets a fake enforces, per private app and for the OAuth app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Calls per rolling ten seconds (search excluded).
    pub per_ten_seconds: u32,
    /// Calls per day.
    pub daily: u32,
    /// Search calls per rolling second.
    pub search_per_second: u32,
}

impl RateLimits {
    /// Free and Starter: 100 per 10 s, 250,000 a day, search 5/s.
    pub const FREE: Self = Self {
        per_ten_seconds: limits::TEN_SECONDLY_FREE_STARTER,
        daily: limits::DAILY_FREE_STARTER,
        search_per_second: limits::SEARCH_PER_SECOND,
    };
    /// Professional: 190 per 10 s, 625,000 a day.
    pub const PROFESSIONAL: Self = Self {
        per_ten_seconds: limits::TEN_SECONDLY_PROFESSIONAL,
        daily: limits::DAILY_PROFESSIONAL,
        search_per_second: limits::SEARCH_PER_SECOND,
    };
    /// Enterprise: 190 per 10 s, 1,000,000 a day.
    pub const ENTERPRISE: Self = Self {
        per_ten_seconds: limits::TEN_SECONDLY_ENTERPRISE,
        daily: limits::DAILY_ENTERPRISE,
        search_per_second: limits::SEARCH_PER_SECOND,
    };
    /// No limits at all.
    pub const UNLIMITED: Self = Self {
        per_ten_seconds: u32::MAX,
        daily: u32::MAX,
        search_per_second: u32::MAX,
    };
}

impl RateLimits {
    /// Free-tier limits with this many calls per ten seconds.
    pub const fn per_ten_seconds(calls: u32) -> Self {
        Self {
            per_ten_seconds: calls,
            ..Self::FREE
        }
    }

    /// The same, with this many calls a day.
    #[must_use]
    pub const fn daily(mut self, calls: u32) -> Self {
        self.daily = calls;
        self
    }

    /// The same, with this many searches per second.
    #[must_use]
    pub const fn search_per_second(mut self, calls: u32) -> Self {
        self.search_per_second = calls;
        self
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::FREE
    }
}

#[derive(Debug, Default)]
struct Usage {
    ten_seconds: VecDeque<DateTime<Utc>>,
    search: VecDeque<DateTime<Utc>>,
    day: Option<NaiveDate>,
    today: u32,
}

fn trim(window: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>, millis: i64) {
    while window
        .front()
        .is_some_and(|t| (now - *t).num_milliseconds() >= millis)
    {
        window.pop_front();
    }
}

#[derive(Debug, Default)]
pub(crate) struct Limiter {
    pub limits: RateLimits,
    usage: HashMap<String, Usage>,
}

/// Response headers, as (name, value) pairs.
pub(crate) type Headers = Vec<(&'static str, String)>;

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            usage: HashMap::new(),
        }
    }

    /// Counts one call, or refuses it with HubSpot's 429 body.
    pub fn admit(
        &mut self,
        budget: &str,
        kind: TokenKind,
        search: bool,
        now: DateTime<Utc>,
    ) -> Result<Headers, ApiError> {
        let limits = self.limits;
        let usage = self.usage.entry(budget.to_string()).or_default();
        let today = now.date_naive();
        if usage.day != Some(today) {
            usage.day = Some(today);
            usage.today = 0;
        }
        trim(&mut usage.ten_seconds, now, limits::BUDGET_WINDOW_MS as i64);
        trim(&mut usage.search, now, 1_000);
        if usage.today >= limits.daily {
            return Err(ApiError::daily_limit(budget));
        }
        if search {
            if usage.search.len() as u32 >= limits.search_per_second {
                return Err(ApiError::search_limit());
            }
            usage.search.push_back(now);
        } else {
            if usage.ten_seconds.len() as u32 >= limits.per_ten_seconds {
                return Err(ApiError::ten_secondly_limit(budget));
            }
            usage.ten_seconds.push_back(now);
        }
        usage.today += 1;

        let mut headers = Vec::new();
        if kind == TokenKind::PrivateApp {
            headers.push(("X-HubSpot-RateLimit-Daily", limits.daily.to_string()));
            headers.push((
                "X-HubSpot-RateLimit-Daily-Remaining",
                (limits.daily - usage.today).to_string(),
            ));
        }
        if !search {
            let used = usage.ten_seconds.len() as u32;
            let secondly = (limits.per_ten_seconds / 10).max(1);
            let used_this_second = usage
                .ten_seconds
                .iter()
                .filter(|t| (now - **t).num_milliseconds() < 1000)
                .count() as u32;
            headers.push((
                "X-HubSpot-RateLimit-Interval-Milliseconds",
                limits::BUDGET_WINDOW_MS.to_string(),
            ));
            headers.push((
                "X-HubSpot-RateLimit-Max",
                limits.per_ten_seconds.to_string(),
            ));
            headers.push((
                "X-HubSpot-RateLimit-Remaining",
                (limits.per_ten_seconds - used).to_string(),
            ));
            headers.push(("X-HubSpot-RateLimit-Secondly", secondly.to_string()));
            headers.push((
                "X-HubSpot-RateLimit-Secondly-Remaining",
                secondly.saturating_sub(used_this_second).to_string(),
            ));
        }
        Ok(headers)
    }
}
