//! Time, injectable: what "now" is and how to wait.
//!
//! Token expiry, rate-limit windows and retry delays all ask a [`Clock`], so tests replace
//! real time with a [`ManualClock`] and cover 30-minute token lifetimes in milliseconds. The
//! same clock can be shared by the client and the fake HubSpot, so both agree on the time.
//! Rate-limit windows read [`Clock::monotonic`], which never goes back, so a wall clock
//! stepped backwards cannot stall calls.

use chrono::{DateTime, Utc};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time (wall clock: token expiry, `Retry-After` dates, timestamps).
    fn now(&self) -> DateTime<Utc>;

    /// Time elapsed since a fixed origin; it never goes back, whatever the wall clock does.
    fn monotonic(&self) -> Duration;

    /// Waits for `duration` of this clock's time.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// A shared, dynamically typed clock.
pub type SharedClock = Arc<dyn Clock>;

/// Real time: `Utc::now()` and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn monotonic(&self) -> Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Time that moves only when told to: [`ManualClock::advance`], or a `sleep`, which moves the
/// clock to the end of the sleep and returns at once (after yielding to other tasks).
/// [`ManualClock::set`] moves the wall clock alone (backwards too); the monotonic reading moves
/// only forward, with `advance` and `sleep`.
///
/// ```
/// use hubspot_deals::clock::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
/// clock.advance(Duration::from_secs(1800));
/// assert_eq!(clock.now().to_rfc3339(), "2026-01-01T00:30:00+00:00");
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<Manual>>,
}

#[derive(Debug)]
struct Manual {
    now: DateTime<Utc>,
    elapsed: Duration,
}

impl Manual {
    fn advance(&mut self, duration: Duration) {
        let step = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        self.now = self.now.checked_add_signed(step).unwrap_or(self.now);
        self.elapsed = self.elapsed.saturating_add(duration);
    }
}

impl ManualClock {
    /// A clock that reads `start` until advanced.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            state: Arc::new(Mutex::new(Manual {
                now: start,
                elapsed: Duration::ZERO,
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Manual> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward.
    pub fn advance(&self, duration: Duration) {
        self.state().advance(duration);
    }

    /// Sets the wall clock to `time`, as an NTP step would; the monotonic reading stays.
    pub fn set(&self, time: DateTime<Utc>) {
        self.state().now = time;
    }
}

impl Default for ManualClock {
    /// A clock starting at 2026-01-01T00:00:00Z.
    fn default() -> Self {
        Self::new(DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.state().now
    }

    fn monotonic(&self) -> Duration {
        self.state().elapsed
    }

    /// Moves the clock forward by `duration`, then yields to other tasks.
    fn sleep(&self, duration: Duration) -> Sleep {
        self.advance(duration);
        Box::pin(tokio::task::yield_now())
    }
}
