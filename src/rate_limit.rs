//! The client-side rate limiter, shared by all clones of a client: HubSpot's ten-second app
//! budget and its search budget as separate windows. Calls wait for a permit rather than fail.
//!
//! Why not a crate: the well-kept limiter crates (governor and friends) implement GCRA, which
//! lets a full burst through and then refills continuously, so up to about twice the budget
//! can pass in one rolling window. HubSpot's policy is a rolling window
//! (`TEN_SECONDLY_ROLLING`), so this is a sliding log: each call reserves the earliest time at
//! which fewer than `calls` permits fall in the preceding `window`. Never more than the
//! budget goes out in any window, bursts are allowed, and time comes from the injectable
//! [`Clock`](crate::clock::Clock).
//!
//! HubSpot counts a call when it arrives, not when it was sent, so windows are kept 1/40
//! longer than the budget's (250 ms on ten seconds): latency jitter between two calls a
//! window apart cannot push HubSpot's count over, at 97.5% of the budget's throughput.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// A number of calls per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Calls allowed in any window.
    pub calls: u32,
    /// The window's length.
    pub window: Duration,
}

/// The budgets a client keeps to. The default is HubSpot's Free/Starter tier.
///
/// ```
/// use hubspot_deals::RateLimit;
/// let limits = RateLimit::PROFESSIONAL;
/// let custom = RateLimit::per_ten_seconds(150).search_per_second(4);
/// let none = RateLimit::unlimited();
/// # let _ = (limits, custom, none);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    app: Option<Budget>,
    search: Option<Budget>,
}

const TEN_SECONDS: Duration = Duration::from_secs(10);
const SEARCH: Option<Budget> = Some(Budget {
    calls: 5,
    window: Duration::from_secs(1),
});

impl RateLimit {
    /// Free and Starter accounts: 100 calls per 10 s (search: 5 per second).
    pub const FREE_STARTER: Self = Self::per_ten_seconds(100);
    /// Professional accounts: 190 per 10 s.
    pub const PROFESSIONAL: Self = Self::per_ten_seconds(190);
    /// Enterprise accounts: 190 per 10 s.
    pub const ENTERPRISE: Self = Self::per_ten_seconds(190);
    /// With HubSpot's API limit increase pack: 250 per 10 s (one HubSpot page says 200).
    pub const LIMIT_INCREASE: Self = Self::per_ten_seconds(250);
    /// Public (marketplace) OAuth apps: 110 per 10 s per installing account.
    pub const PUBLIC_APP: Self = Self::per_ten_seconds(110);

    /// A custom ten-second budget (search keeps 5 per second).
    pub const fn per_ten_seconds(calls: u32) -> Self {
        Self {
            app: Some(Budget {
                calls,
                window: TEN_SECONDS,
            }),
            search: SEARCH,
        }
    }

    /// Changes the search budget (calls per second).
    #[must_use]
    pub const fn search_per_second(mut self, calls: u32) -> Self {
        self.search = Some(Budget {
            calls,
            window: Duration::from_secs(1),
        });
        self
    }

    /// No client-side limits at all.
    pub const fn unlimited() -> Self {
        Self {
            app: None,
            search: None,
        }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::FREE_STARTER
    }
}

fn chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// A budget's window plus the slack for arrival jitter.
fn kept(window: Duration) -> chrono::Duration {
    chrono(window + window / 40)
}

/// One budget's log of reserved permit times, oldest first.
#[derive(Debug)]
struct Window {
    budget: Option<Budget>,
    permits: VecDeque<DateTime<Utc>>,
}

impl Window {
    /// Reserves the earliest time at which a call keeps within the budget.
    fn reserve(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let Some(budget) = self.budget else {
            return now;
        };
        let calls = budget.calls.max(1) as usize;
        // Permits that left the window constrain nothing any more.
        let gone = now - kept(budget.window);
        while self.permits.front().is_some_and(|t| *t <= gone) {
            self.permits.pop_front();
        }
        let at = if self.permits.len() < calls {
            now
        } else {
            let nth = self.permits[self.permits.len() - calls];
            (nth + kept(budget.window)).max(now)
        };
        self.permits.push_back(at);
        while self.permits.len() > calls {
            self.permits.pop_front();
        }
        at
    }

    /// How long until a slot frees, if the window is full now.
    fn rest(&self, now: DateTime<Utc>) -> Option<Duration> {
        let budget = self.budget?;
        let calls = budget.calls.max(1) as usize;
        if self.permits.len() < calls {
            return None;
        }
        let frees = self.permits[self.permits.len() - calls] + kept(budget.window);
        (frees - now).to_std().ok()
    }

    /// Follows HubSpot's view of the budget: its size, and calls spent elsewhere (another
    /// process on the same app) that this log has not seen. The log stays sorted.
    fn adapt(&mut self, max: u32, interval: Duration, remaining: u32, now: DateTime<Utc>) {
        if max == 0 || interval.is_zero() {
            return;
        }
        self.budget = Some(Budget {
            calls: max,
            window: interval,
        });
        let since = now - chrono(interval);
        let upto_now = self.permits.partition_point(|t| *t <= now);
        let seen = (upto_now - self.permits.partition_point(|t| *t <= since)) as u32;
        let spent = max.saturating_sub(remaining).min(max);
        for _ in seen..spent {
            self.permits.insert(upto_now, now);
        }
        while self.permits.len() > max as usize {
            self.permits.pop_front();
        }
    }
}

/// The shared limiter.
#[derive(Debug)]
pub(crate) struct Limiter {
    app: Mutex<Window>,
    search: Mutex<Window>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            app: Mutex::new(Window {
                budget: limit.app,
                permits: VecDeque::new(),
            }),
            search: Mutex::new(Window {
                budget: limit.search,
                permits: VecDeque::new(),
            }),
        }
    }

    fn window(&self, search: bool) -> std::sync::MutexGuard<'_, Window> {
        let window = if search { &self.search } else { &self.app };
        window.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves a permit; returns how long to wait before sending.
    pub fn reserve(&self, search: bool, now: DateTime<Utc>) -> Duration {
        let at = self.window(search).reserve(now);
        (at - now).to_std().unwrap_or(Duration::ZERO)
    }

    /// How long until the window frees a slot, if it is full.
    pub fn rest(&self, search: bool, now: DateTime<Utc>) -> Option<Duration> {
        self.window(search).rest(now)
    }

    /// Reads `X-HubSpot-RateLimit-Max`, `-Interval-Milliseconds` and `-Remaining`.
    pub fn observe(&self, headers: &reqwest::header::HeaderMap, now: DateTime<Utc>) {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        if let (Some(max), Some(interval), Some(remaining)) = (
            number("x-hubspot-ratelimit-max"),
            number("x-hubspot-ratelimit-interval-milliseconds"),
            number("x-hubspot-ratelimit-remaining"),
        ) {
            let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            self.window(false).adapt(
                clamp(max),
                Duration::from_millis(interval),
                clamp(remaining),
                now,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_767_225_600_000 + ms).unwrap()
    }

    #[test]
    fn bursts_then_waits_for_the_oldest_permit_to_leave_the_window() {
        let limiter = Limiter::new(RateLimit::per_ten_seconds(3));
        let waits: Vec<u128> = (0..7)
            .map(|_| limiter.reserve(false, at(0)).as_millis())
            .collect();
        assert_eq!(
            waits,
            [0, 0, 0, 10_250, 10_250, 10_250, 20_500],
            "windows keep 1/40 slack"
        );
        assert_eq!(
            limiter.reserve(false, at(15_000)).as_millis(),
            5_500,
            "behind the reservations already made"
        );
        assert_eq!(
            limiter.reserve(false, at(40_000)).as_millis(),
            0,
            "an empty window"
        );
    }

    #[test]
    fn never_more_than_the_budget_in_any_window() {
        let limiter = Limiter::new(RateLimit::per_ten_seconds(10));
        let mut sent = Vec::new();
        let mut now = 0;
        for i in 0..200 {
            now += (i * 37) % 900;
            let wait = limiter.reserve(false, at(now)).as_millis() as i64;
            sent.push(now + wait);
        }
        sent.sort();
        for (i, start) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .take_while(|t| **t < start + 10_000)
                .count();
            assert!(
                in_window <= 10,
                "{in_window} calls in the window from {start}"
            );
        }
    }

    #[test]
    fn the_log_holds_only_the_permits_of_one_window() {
        let limiter = Limiter::new(RateLimit::per_ten_seconds(1_000_000));
        for second in 0..100 {
            for _ in 0..50 {
                assert!(limiter.reserve(false, at(second * 1000)).is_zero());
            }
        }
        let kept = limiter.window(false).permits.len();
        assert!(
            kept <= 11 * 50,
            "memory follows the window, not the budget: {kept}"
        );
    }

    #[test]
    fn search_has_its_own_budget() {
        let limiter = Limiter::new(RateLimit::per_ten_seconds(1));
        assert_eq!(limiter.reserve(false, at(0)), Duration::ZERO);
        for _ in 0..5 {
            assert_eq!(limiter.reserve(true, at(0)), Duration::ZERO);
        }
        assert_eq!(limiter.reserve(true, at(0)), Duration::from_millis(1025));
        assert_eq!(
            limiter.rest(false, at(4_000)),
            Some(Duration::from_millis(6250))
        );
    }

    #[test]
    fn adapts_to_hubspot_headers() {
        let limiter = Limiter::new(RateLimit::per_ten_seconds(100));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-max", "4".parse().unwrap());
        headers.insert(
            "x-hubspot-ratelimit-interval-milliseconds",
            "10000".parse().unwrap(),
        );
        headers.insert("x-hubspot-ratelimit-remaining", "1".parse().unwrap());
        assert_eq!(limiter.reserve(false, at(0)), Duration::ZERO);
        limiter.observe(&headers, at(0));
        // HubSpot counts 3 spent (another process spent 2): one slot is left of 4.
        assert_eq!(limiter.reserve(false, at(0)), Duration::ZERO);
        assert_eq!(limiter.reserve(false, at(0)), Duration::from_millis(10_250));
        assert!(RateLimit::unlimited().app.is_none());
        let unlimited = Limiter::new(RateLimit::unlimited());
        assert!((0..1000).all(|_| unlimited.reserve(false, at(0)).is_zero()));
    }
}
