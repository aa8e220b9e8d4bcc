//! The client-side rate limiter: HubSpot's two budgets (the app's rolling ten seconds, the
//! account's search calls per second), shared by all clones of a client.
//!
//! - [`window`]: a sliding log per budget; a call waits for the earliest time at which the
//!   budget allows it. Why not a crate (governor and friends): they implement GCRA, which lets
//!   a full burst through and then refills continuously, so up to about twice the budget can
//!   pass in one rolling window; HubSpot's policy is a rolling window (`TEN_SECONDLY_ROLLING`).
//! - [`adaptive`]: after a 429 (someone else spends the same budget), the send rate drops to
//!   0.7 of what this client sent and grows back along a CUBIC curve, as the AWS SDKs'
//!   adaptive retry mode does.
//! - [`limiter`]: the shared state and the cancel-safe permits: a call dropped while it waits
//!   gives its slot back; a wait longer than [`RateLimit::max_wait`] fails at once.
//! - [`shared`]: the backend interface for a budget shared by several processes, and what
//!   calls do while its store is down; [`redis`] keeps it in Redis (feature `redis`).

pub(crate) mod adaptive;
pub(crate) mod limiter;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod shared;
pub(crate) mod shared_protocol;
pub(crate) mod window;

pub(crate) use limiter::{InFlight, Limiter, Refused};
pub use shared::{SharedBudget, WhenUnavailable};

use crate::limits;
use std::time::Duration;

/// A number of calls per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Calls allowed in any window.
    pub calls: u32,
    /// The window's length.
    pub window: Duration,
}

/// The budgets a client keeps to. The default is HubSpot's Free/Starter tier, waiting at most
/// five minutes for a permit, adaptive on throttling.
///
/// ```
/// use hubspot_deals::RateLimit;
/// use std::time::Duration;
/// let limits = RateLimit::PROFESSIONAL;
/// let custom = RateLimit::per_ten_seconds(150)
///     .search_per_second(4)
///     .max_wait(Duration::from_secs(30))
///     .adaptive(false);
/// let none = RateLimit::unlimited();
/// # let _ = (limits, custom, none);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub(crate) app: Option<Quota>,
    pub(crate) search: Option<Quota>,
    pub(crate) max_wait: Duration,
    pub(crate) adaptive: bool,
}

const TEN_SECONDS: Duration = Duration::from_millis(limits::BUDGET_WINDOW_MS);
const SEARCH: Option<Quota> = Some(Quota {
    calls: limits::SEARCH_PER_SECOND,
    window: Duration::from_secs(1),
});
const MAX_WAIT: Duration = Duration::from_secs(300);

impl RateLimit {
    /// Free and Starter accounts: 100 calls per 10 s (search: 5 per second).
    pub const FREE_STARTER: Self = Self::per_ten_seconds(limits::TEN_SECONDLY_FREE_STARTER);
    /// Professional accounts: 190 per 10 s.
    pub const PROFESSIONAL: Self = Self::per_ten_seconds(limits::TEN_SECONDLY_PROFESSIONAL);
    /// Enterprise accounts: 190 per 10 s.
    pub const ENTERPRISE: Self = Self::per_ten_seconds(limits::TEN_SECONDLY_ENTERPRISE);
    /// With HubSpot's API limit increase pack: 250 per 10 s (one HubSpot page says 200).
    pub const LIMIT_INCREASE: Self = Self::per_ten_seconds(limits::TEN_SECONDLY_LIMIT_INCREASE);
    /// Public (marketplace) OAuth apps: 110 per 10 s per installing account.
    pub const PUBLIC_APP: Self = Self::per_ten_seconds(limits::TEN_SECONDLY_PUBLIC_APP);

    /// The app's budget (`None`: unlimited).
    pub const fn app_quota(&self) -> Option<Quota> {
        self.app
    }

    /// The search budget (`None`: unlimited).
    pub const fn search_quota(&self) -> Option<Quota> {
        self.search
    }

    /// A custom ten-second budget (search keeps 5 per second).
    pub const fn per_ten_seconds(calls: u32) -> Self {
        Self::custom(Quota {
            calls,
            window: TEN_SECONDS,
        })
    }

    /// A custom app budget over any window (search keeps 5 per second).
    pub const fn custom(app: Quota) -> Self {
        Self {
            app: Some(app),
            search: SEARCH,
            max_wait: MAX_WAIT,
            adaptive: true,
        }
    }

    /// Changes the search budget (calls per second).
    #[must_use]
    pub const fn search_per_second(mut self, calls: u32) -> Self {
        self.search = Some(Quota {
            calls,
            window: Duration::from_secs(1),
        });
        self
    }

    /// The longest a call waits for a permit; a call that would wait longer fails at once
    /// with [`Error::RateLimitWait`](crate::Error::RateLimitWait) (default 5 minutes).
    #[must_use]
    pub const fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Whether a 429 lowers this client's send rate, which then grows back gradually (default
    /// on: a 429 means another process spends the same budget).
    #[must_use]
    pub const fn adaptive(mut self, on: bool) -> Self {
        self.adaptive = on;
        self
    }

    /// No client-side limits at all (HubSpot's rate-limit headers are ignored too).
    pub const fn unlimited() -> Self {
        Self {
            app: None,
            search: None,
            max_wait: MAX_WAIT,
            adaptive: false,
        }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::FREE_STARTER
    }
}
