//! Time, injectable: what "now" is and how to wait.
//!
//! Token expiry, rate-limit windows and retry delays all ask a [`Clock`], so tests replace
//! real time with a [`ManualClock`] and cover 30-minute token lifetimes in milliseconds. The
//! same clock can be shared by the client and the fake HubSpot, so both agree on the time.

use chrono::{DateTime, Utc};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

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

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Time that moves only when told to: [`ManualClock::advance`], or a `sleep`, which moves the
/// clock to the end of the sleep and returns at once (after yielding to other tasks).
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
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock that reads `start` until advanced.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, duration: Duration) {
        let step = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.checked_add_signed(step).unwrap_or(*now);
    }

    /// Sets the clock to `time`.
    pub fn set(&self, time: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = time;
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
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock to `now + duration` unless another sleeper already moved it further,
    /// so concurrent sleepers agree on one virtual time.
    fn sleep(&self, duration: Duration) -> Sleep {
        let step = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        {
            let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
            let target = now.checked_add_signed(step).unwrap_or(*now);
            *now = target.max(*now);
        }
        Box::pin(tokio::task::yield_now())
    }
}
