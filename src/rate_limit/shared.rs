//! A budget shared by several processes: the backend interface the limiter asks before it
//! lets a call go, and what to do when the backend cannot answer.
//!
//! The in-process limiter still queues, paces and counts this process's calls; a shared
//! budget adds one question per permit, asked of a store every process sees ("is there room
//! in the window, and if not, how long until there is?"), answered atomically by the store.
//! The store keeps the same sliding window as [`window`](super::window): the same budgets,
//! the same 1/40 headroom, and calls learned from HubSpot's headers added to it.

// Without a store to build one from (feature `redis`), only the tests make a shared budget.
#![cfg_attr(not(feature = "redis"), allow(dead_code))]

use crate::operations::Budget;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A boxed future the store's methods return (the store is used behind `dyn`).
pub(crate) type StoreFuture<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

/// One question to the store: a slot in `budget`'s window for the call named `member`.
#[derive(Debug, Clone)]
pub(crate) struct Ask {
    pub budget: Budget,
    /// The calls the budget allows in the window (lowered by HubSpot's headers, never
    /// raised; at least 1).
    pub limit: u32,
    /// The window the store keeps, with the headroom for arrival jitter.
    pub kept: Duration,
    /// A name for this permit, unique across processes.
    pub member: String,
    /// Whether to take a permit (false: only tell the store what was learned).
    pub take: bool,
    /// Calls the store has not seen, to add before it decides: how long ago each was sent.
    /// (Calls this process sent while the store was down.)
    pub unseen: Vec<Duration>,
    /// What HubSpot's headers said last, to add calls made outside the shared budget.
    pub fill: Option<Fill>,
}

/// HubSpot counted `spent` calls (from its `X-HubSpot-RateLimit-*` headers, or a full window
/// after 429s in a row): the store compares them with its permits of the last `since`, and
/// adds the ones it lacks `age` ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fill {
    pub spent: u32,
    pub since: Duration,
    pub age: Duration,
}

/// The store's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The call may go: the store counted it.
    Granted,
    /// No room: the first slot frees this much later.
    Wait(Duration),
}

/// Where a shared window lives. Every method answers within `timeout` or fails (a store
/// that cannot answer in time returns an error): the limiter never hangs on it.
pub(crate) trait Store: Send + Sync + fmt::Debug {
    /// A slot for `ask.member`, or how long until one frees.
    fn ask(&self, ask: Ask, timeout: Duration) -> StoreFuture<Answer>;
    /// Removes a permit whose call was never sent.
    fn give_back(&self, budget: Budget, member: String, timeout: Duration) -> StoreFuture<()>;
    /// Moves a permit to now less `headroom`, if that is later than it stands (its call was
    /// answered more than the headroom after the permit was given).
    fn retime(
        &self,
        budget: Budget,
        member: String,
        headroom: Duration,
        timeout: Duration,
    ) -> StoreFuture<()>;
}

/// What a client does while the shared budget's store (Redis) cannot be reached or does not
/// answer in time. There is no default: sharing a budget is a decision about the whole
/// fleet, and so is what happens when the store is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenUnavailable {
    /// Calls fail at once with
    /// [`Error::SharedBudgetUnavailable`](crate::Error::SharedBudgetUnavailable); nothing is
    /// sent. Right when going over the budget costs more than stopping (other integrations
    /// share the app).
    Fail,
    /// Calls keep going under this process's own limiter, at the budget divided by the number
    /// of processes sharing it, so the fleet together stays within the budget. With more
    /// than one worker they start a window after the store went down: what the other
    /// processes spent of the window before is unknown, so it is taken as full. When the
    /// store answers again, the calls made meanwhile are added to it and the shared budget
    /// governs again.
    Local {
        /// How many processes share the budget.
        workers: NonZeroU32,
    },
}

impl WhenUnavailable {
    /// Keep going at `1/workers` of the budget (`workers` of at least 1).
    pub fn local(workers: u32) -> Self {
        Self::Local {
            workers: NonZeroU32::new(workers).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// A rate budget kept in a store every process sees, so any number of processes on any
/// number of machines spend one HubSpot budget together. Pass it to
/// [`ClientBuilder::shared_budget`](crate::ClientBuilder::shared_budget); the budgets
/// themselves still come from [`RateLimit`](crate::RateLimit), which every process should
/// set alike.
///
/// Build one with [`SharedBudget::redis`] (feature `redis`).
#[derive(Clone)]
pub struct SharedBudget {
    pub(crate) name: Arc<str>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) when_unavailable: WhenUnavailable,
    pub(crate) timeout: Duration,
    pub(crate) retry_every: Duration,
    /// Told each time the store stops answering (once per outage).
    pub(crate) on_unavailable: Option<Notify>,
}

impl fmt::Debug for SharedBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBudget")
            .field("name", &self.name)
            .field("store", &self.store)
            .field("when_unavailable", &self.when_unavailable)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What a program is told when a shared budget's store stops answering: the reason.
pub(crate) type Notify = Arc<dyn Fn(&str) + Send + Sync>;

/// How often a client whose store is down tries it again.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long the store may take to answer, by default.
const TIMEOUT: Duration = Duration::from_millis(250);

impl SharedBudget {
    /// A shared budget in any store (the Redis constructor and the tests use it).
    pub(crate) fn with_store(
        name: &str,
        store: Arc<dyn Store>,
        when_unavailable: WhenUnavailable,
    ) -> Self {
        Self {
            name: name.into(),
            store,
            when_unavailable,
            timeout: TIMEOUT,
            retry_every: RETRY_EVERY,
            on_unavailable: None,
        }
    }

    /// Calls `notify` with the reason (never a URL or a password: `Redis: authentication
    /// failed`, `connection refused`, …) each time the store stops answering, once per
    /// outage of each budget it keeps (calls, search), before calls follow
    /// [`WhenUnavailable`]. A program without a `tracing`
    /// subscriber (a command line) can tell its user that the budget is no longer shared.
    ///
    /// ```
    /// # #[cfg(feature = "redis")]
    /// # fn main() -> Result<(), hubspot_deals::Error> {
    /// # use hubspot_deals::{SharedBudget, WhenUnavailable};
    /// let shared = SharedBudget::redis("redis://127.0.0.1:6379/", "portal-1", WhenUnavailable::local(2))?
    ///     .on_unavailable(|reason| eprintln!("warning: the shared budget is down ({reason})"));
    /// # let _ = shared;
    /// # Ok(()) }
    /// # #[cfg(not(feature = "redis"))]
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn on_unavailable(mut self, notify: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_unavailable = Some(Arc::new(notify));
        self
    }

    /// How long the store may take to answer one question (default 250 ms; a healthy Redis
    /// answers in well under a millisecond). Past it, the store counts as unavailable.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often a client asks an unavailable store again (default every second).
    #[must_use]
    pub fn retry_every(mut self, every: Duration) -> Self {
        self.retry_every = every;
        self
    }

    /// The name processes share the budget under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What calls do while the store is unavailable.
    pub fn when_unavailable(&self) -> WhenUnavailable {
        self.when_unavailable
    }
}

/// A store in memory, for the limiter's tests: shared by the limiters given it, on their
/// clock, and able to be taken down.
#[cfg(test)]
pub(crate) mod memory {
    use super::*;
    use crate::clock::SharedClock;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    #[derive(Debug, Default)]
    pub struct Log {
        /// Per budget: (time, member), in time order.
        entries: HashMap<Budget, Vec<(Duration, String)>>,
    }

    #[derive(Debug)]
    pub struct MemoryStore {
        pub log: Mutex<Log>,
        pub down: AtomicBool,
        pub asks: AtomicUsize,
        /// What each question told of HubSpot's counts, in order.
        pub fills: Mutex<Vec<Option<Fill>>>,
        clock: SharedClock,
    }

    impl MemoryStore {
        pub fn new(clock: SharedClock) -> Arc<Self> {
            Arc::new(Self {
                log: Mutex::default(),
                down: AtomicBool::new(false),
                asks: AtomicUsize::new(0),
                fills: Mutex::default(),
                clock,
            })
        }

        /// The members in `budget`'s window at `now`.
        pub fn members(&self, budget: Budget) -> Vec<(Duration, String)> {
            let log = self.log.lock().unwrap();
            log.entries.get(&budget).cloned().unwrap_or_default()
        }

        fn answer(&self, ask: &Ask) -> Answer {
            let now = self.clock.monotonic();
            let mut log = self.log.lock().unwrap();
            let entries = log.entries.entry(ask.budget).or_default();
            entries.retain(|(at, _)| at.saturating_add(ask.kept) > now);
            let mut add = |at: Duration, member: String| {
                let position = entries.partition_point(|(t, _)| *t <= at);
                entries.insert(position, (at, member));
            };
            for (i, age) in ask.unseen.iter().enumerate() {
                add(
                    now.saturating_sub(*age),
                    format!("{}:unseen:{i}", ask.member),
                );
            }
            if let Some(fill) = ask.fill {
                let at = now.saturating_sub(fill.age);
                let seen = entries
                    .iter()
                    .filter(|(t, _)| t.saturating_add(fill.since) > now)
                    .count();
                let spent = (fill.spent.min(ask.limit)) as usize;
                for i in seen..spent {
                    let position = entries.partition_point(|(t, _)| *t <= at);
                    entries.insert(position, (at, format!("{}:fill:{i}", ask.member)));
                }
            }
            let limit = ask.limit as usize;
            if entries.len() < limit {
                if ask.take {
                    entries.push((now, ask.member.clone()));
                }
                Answer::Granted
            } else {
                let frees = entries[entries.len() - limit].0.saturating_add(ask.kept);
                Answer::Wait(frees.saturating_sub(now).max(Duration::from_millis(1)))
            }
        }
    }

    impl Store for MemoryStore {
        fn ask(&self, ask: Ask, _: Duration) -> StoreFuture<Answer> {
            self.asks.fetch_add(1, Ordering::SeqCst);
            self.fills.lock().unwrap().push(ask.fill);
            let result = if self.down.load(Ordering::SeqCst) {
                Err("the store is down".to_string())
            } else {
                Ok(self.answer(&ask))
            };
            Box::pin(async move { result })
        }

        fn give_back(&self, budget: Budget, member: String, _: Duration) -> StoreFuture<()> {
            let mut log = self.log.lock().unwrap();
            if let Some(entries) = log.entries.get_mut(&budget) {
                entries.retain(|(_, m)| *m != member);
            }
            Box::pin(async { Ok(()) })
        }

        fn retime(
            &self,
            budget: Budget,
            member: String,
            headroom: Duration,
            _: Duration,
        ) -> StoreFuture<()> {
            let to = self.clock.monotonic().saturating_sub(headroom);
            let mut log = self.log.lock().unwrap();
            if let Some(entries) = log.entries.get_mut(&budget)
                && let Some(position) = entries.iter().position(|(_, m)| *m == member)
                && entries[position].0 < to
            {
                entries.remove(position);
                let at = entries.partition_point(|(t, _)| *t <= to);
                entries.insert(at, (to, member));
            }
            Box::pin(async { Ok(()) })
        }
    }
}
