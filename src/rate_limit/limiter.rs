//! The limiter shared by all clones of a client: one lane per budget (a sliding window and
//! adaptive pacing, with a queue of waiting calls), permits that give their slot back when
//! their call is never sent, and a bound on how long a call may wait.
//!
//! Waiting calls queue in arrival order. A call's time follows from its place in the queue
//! ([`Window::slot`]); when a call ahead leaves (its caller gave up: a timeout around the
//! call), the calls behind it are woken to take the earlier slots. A waiting call holds no
//! permit, so cancelled calls never use up the budget.
//!
//! With a [`SharedBudget`], the call whose local time has come also asks the shared store
//! ([`shared_protocol`](super::shared_protocol)): granted, it goes; otherwise it waits as long
//! as the store says.

use super::RateLimit;
use super::adaptive::Pacing;
use super::shared::{Ask, SharedBudget};
use super::shared_protocol::{
    HubSpotCount, SharedBudgetClient, SharedDecision, SharedState, ask_delay, detach,
};
use super::window::{Window, headroom, kept};
use crate::clock::SharedClock;
use crate::operations::Budget;
use crate::retry::Throttle;
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;
use tokio::sync::Notify;

/// Why a call got no permit; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// It would have waited longer than the limiter allows.
    TooLong { wait: Duration, max_wait: Duration },
    /// The shared budget's store cannot answer, and the policy is to fail.
    Unavailable { name: Arc<str>, reason: String },
}

#[derive(Debug)]
pub(super) struct BudgetState {
    pub(super) window: Window,
    pacing: Pacing,
    /// Tickets of the waiting calls, in arrival order.
    queue: BTreeSet<u64>,
    next_ticket: u64,
    pub(super) shared_state: SharedState,
}

impl BudgetState {
    /// When the call holding `ticket` may go.
    pub(super) fn time(&mut self, ticket: u64, now: Duration, adaptive: bool) -> Duration {
        let position = self.queue.range(..ticket).count();
        let at = self.window.slot(position, now);
        if adaptive {
            self.pacing.slot(at, position)
        } else {
            at
        }
    }
}

/// The shared limiter.
#[derive(Debug)]
pub(crate) struct Limiter {
    /// Per budget, in the order of [`Budget::index`].
    lanes: [Mutex<BudgetState>; 2],
    /// Wakes waiting calls when one ahead of them leaves the queue.
    moved: Notify,
    max_wait: Duration,
    pub(super) adaptive: bool,
    pub(super) clock: SharedClock,
    pub(super) shared: Option<SharedBudgetClient>,
}

/// Waits for `sleep` or `woken`, whichever comes first.
async fn either(sleep: impl Future<Output = ()>, woken: impl Future<Output = ()>) {
    let (mut sleep, mut woken) = (pin!(sleep), pin!(woken));
    std::future::poll_fn(|cx| {
        if sleep.as_mut().poll(cx).is_ready() || woken.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// A place in a lane's queue. A call that gives up (dropped) wakes the calls behind it: they
/// move forward. One admitted leaves quietly: the times of the others do not change.
struct QueuePlace<'a> {
    limiter: &'a Limiter,
    budget: Budget,
    ticket: u64,
    admitted: bool,
}

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.limiter.lane(self.budget).queue.remove(&self.ticket);
        if !self.admitted {
            self.limiter.moved.notify_waiters();
        }
    }
}

impl Limiter {
    pub fn new(limit: RateLimit, clock: SharedClock, shared: Option<SharedBudget>) -> Arc<Self> {
        let lane = |quota| {
            Mutex::new(BudgetState {
                window: Window::new(quota),
                pacing: Pacing::default(),
                queue: BTreeSet::new(),
                next_ticket: 0,
                shared_state: SharedState::default(),
            })
        };
        let shared = shared.map(|budget| SharedBudgetClient {
            budget,
            ask_locks: Default::default(),
            instance: uuid::Uuid::new_v4().simple().to_string(),
            next_member: AtomicU64::new(0),
        });
        Arc::new(Self {
            lanes: Budget::ALL.map(|budget| {
                lane(match budget {
                    Budget::TenSecondly => limit.app,
                    Budget::Search => limit.search,
                })
            }),
            moved: Notify::new(),
            max_wait: limit.max_wait,
            adaptive: limit.adaptive,
            clock,
            shared,
        })
    }

    pub(super) fn lane(&self, budget: Budget) -> MutexGuard<'_, BudgetState> {
        self.lanes[budget.index()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a permit to call now, in arrival order. Dropping the returned future (a
    /// timeout around the call) leaves the queue. Fails at once when the wait would exceed
    /// the maximum, or when the shared budget cannot answer and its policy is to fail.
    pub async fn acquire(self: &Arc<Self>, budget: Budget) -> Result<Permit, Refused> {
        let start = self.clock.monotonic();
        let waiting = {
            let mut lane = self.lane(budget);
            let ticket = lane.next_ticket;
            lane.next_ticket += 1;
            lane.queue.insert(ticket);
            QueuePlace {
                limiter: self,
                budget,
                ticket,
                admitted: false,
            }
        };
        loop {
            let woken = self.moved.notified();
            let mut woken = pin!(woken);
            woken.as_mut().enable();
            let now = self.clock.monotonic();
            let (mut at, probe_at, late) = {
                let mut lane = self.lane(budget);
                let probe_at = lane.shared_state.outage.as_ref().map(|down| down.retry_at);
                if probe_at.is_some_and(|retry_at| now >= retry_at) {
                    // Time to ask the store again: with the whole budget, as when it answers.
                    lane.window.set_share(1);
                }
                let asks_store = probe_at.is_none_or(|retry_at| now >= retry_at);
                let late = match (&self.shared, lane.window.whole_quota()) {
                    (Some(_), Some(quota)) if asks_store => {
                        ask_delay(lane.shared_state.starving(now, kept(quota.window)))
                    }
                    _ => Duration::ZERO,
                };
                (
                    lane.time(waiting.ticket, now, self.adaptive),
                    probe_at,
                    late,
                )
            };
            if at <= now {
                let turn = match &self.shared {
                    None => SharedDecision::Send {
                        member: None,
                        unshared: false,
                    },
                    Some(shared) => self.ask(shared, budget, waiting.ticket).await?,
                };
                match turn {
                    SharedDecision::Send { member, unshared } => {
                        return Ok(self.admit(waiting, start, member, unshared));
                    }
                    SharedDecision::WaitUntil(then) => at = then,
                    SharedDecision::Recompute => continue,
                }
            }
            // On every pass: what it waited already and what it would wait still (a store's
            // answer may add to a wait that began locally).
            let now = self.clock.monotonic();
            let wait = at.saturating_sub(now) + late;
            let total = now.saturating_sub(start) + wait;
            if total > self.max_wait {
                return Err(Refused::TooLong {
                    wait: total,
                    max_wait: self.max_wait,
                });
            }
            // While the store is down, wake to ask it again when it is due.
            let wait = match probe_at {
                Some(retry_at) if retry_at > now => wait.min(retry_at - now),
                _ => wait,
            };
            either(self.clock.sleep(wait), woken).await;
        }
    }

    /// Gives the call holding `waiting` its permit, now.
    fn admit(
        self: &Arc<Self>,
        mut waiting: QueuePlace<'_>,
        start: Duration,
        member: Option<(String, Duration)>,
        unshared: bool,
    ) -> Permit {
        let budget = waiting.budget;
        let now = self.clock.monotonic();
        let id = {
            let mut lane = self.lane(budget);
            let id = lane.window.give_as(now, true, unshared);
            if self.adaptive {
                lane.pacing.sent(now);
            }
            id
        };
        waiting.admitted = true;
        drop(waiting);
        let shared = member.and_then(|(member, asked)| {
            Some(SharedPermit {
                budget: self.shared.as_ref()?.budget.clone(),
                member,
                asked,
            })
        });
        Permit {
            limiter: self.clone(),
            budget,
            id,
            waited: now.saturating_sub(start),
            shared,
            sent: false,
        }
    }

    /// The calls per second a budget allows now (`None`: unlimited).
    pub fn rate(&self, budget: Budget) -> Option<f64> {
        let quota = self.lane(budget).window.quota()?;
        Some(f64::from(quota.calls) / quota.window.as_secs_f64().max(f64::EPSILON))
    }

    /// The window of a budget (its default when unlimited): the cap on a wait after a 429.
    pub fn window(&self, budget: Budget) -> Duration {
        self.lane(budget)
            .window
            .quota()
            .map_or(budget.window(), |q| q.window)
    }

    /// The limiter's monotonic time: what [`Limiter::observe`] takes as the time a call was
    /// sent.
    pub fn now(&self) -> Duration {
        self.clock.monotonic()
    }

    /// Learns from HubSpot's `X-HubSpot-RateLimit-Max`, `-Interval-Milliseconds` and
    /// `-Remaining` (sent for the ten-second budget only), on the answer to a call sent at
    /// `sent` ([`Limiter::now`] then).
    pub fn observe(&self, headers: &http::HeaderMap, sent: Duration) {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        if let (Some(max), Some(interval), Some(remaining)) = (
            number("x-hubspot-ratelimit-max"),
            number("x-hubspot-ratelimit-interval-milliseconds"),
            number("x-hubspot-ratelimit-remaining"),
        ) {
            let now = self.clock.monotonic();
            let interval = Duration::from_millis(interval);
            let mut lane = self.lane(Budget::TenSecondly);
            if self.shared.is_none() {
                lane.window.adapt(max, interval, remaining, sent, now);
                return;
            }
            // Shared: the store counts the calls HubSpot saw, with the next question.
            let spent = u32::try_from(max.saturating_sub(remaining)).unwrap_or(u32::MAX);
            if let Some((_, interval)) = lane.window.lower(max, interval)
                && spent > 0
            {
                lane.shared_state.counted = Some(HubSpotCount {
                    spent,
                    interval,
                    sent,
                    answered: now,
                });
            }
        }
    }

    /// Does what [`retry::throttle`](crate::retry::throttle) decided about a 429 for this
    /// budget (when adaptive): the send rate drops, and with `SendSlowerWindowFull` the window
    /// is taken as full.
    pub fn throttled(&self, budget: Budget, throttle: Throttle) {
        if !self.adaptive || throttle == Throttle::Nothing {
            return;
        }
        let now = self.clock.monotonic();
        let mut lane = self.lane(budget);
        let Some(quota) = lane.window.quota() else {
            return;
        };
        if throttle == Throttle::SendSlowerWindowFull {
            match (&self.shared, lane.window.whole_quota()) {
                // The store takes the whole budget's window as full at once, for every process.
                (Some(shared), Some(whole)) => {
                    let full = HubSpotCount {
                        spent: whole.calls,
                        interval: whole.window,
                        sent: now,
                        answered: now,
                    };
                    let ask = Ask {
                        budget,
                        limit: whole.calls.max(1),
                        kept: kept(whole.window),
                        member: shared.member(),
                        take: false,
                        unseen: Vec::new(),
                        fill: Some(full.fill(now)),
                    };
                    detach(shared.budget.store.ask(ask, shared.budget.timeout));
                }
                _ => lane.window.saturate(now),
            }
        }
        let window = quota.window.as_secs_f64().max(f64::EPSILON);
        let sent_rate = lane.window.own_rate(now);
        let ceiling = f64::from(quota.calls) / window;
        lane.pacing.throttled(now, sent_rate, ceiling);
        tracing::debug!(
            ?budget,
            rate = lane.pacing.rate(now).unwrap_or(ceiling),
            "429: sending slower"
        );
    }

    /// The paced rate of a budget (calls per second), while throttled.
    #[cfg(test)]
    pub fn paced_rate(&self, budget: Budget) -> Option<f64> {
        self.lane(budget).pacing.rate(self.clock.monotonic())
    }
}

/// A permit in a shared budget's store.
#[derive(Debug)]
struct SharedPermit {
    budget: SharedBudget,
    /// Its name in the store.
    member: String,
    /// When it was asked for: the store gave it no sooner.
    asked: Duration,
}

/// The right to send one call, given now. Drop it without [`Permit::sent`] (the call could
/// not be sent, e.g. no token) and the budget gets it back.
#[derive(Debug)]
pub(crate) struct Permit {
    limiter: Arc<Limiter>,
    budget: Budget,
    id: u64,
    waited: Duration,
    shared: Option<SharedPermit>,
    sent: bool,
}

impl Permit {
    /// How long the call waited for it.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// The call goes out now: the permit counts from this moment (later than it was given
    /// when fetching a token took time) until its answer (drop the returned [`InFlight`]
    /// when the call is answered or has failed).
    pub fn sent(mut self) -> InFlight {
        let now = self.limiter.clock.monotonic();
        self.limiter.lane(self.budget).window.retime(self.id, now);
        self.sent = true;
        InFlight {
            limiter: self.limiter.clone(),
            budget: self.budget,
            id: self.id,
            shared: self.shared.take(),
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.sent {
            self.limiter.lane(self.budget).window.take_back(self.id);
            self.limiter.moved.notify_waiters();
            if let Some(permit) = self.shared.take() {
                let timeout = permit.budget.timeout;
                detach(
                    permit
                        .budget
                        .store
                        .give_back(self.budget, permit.member, timeout),
                );
            }
        }
    }
}

/// A call on its way to HubSpot. Dropping it says the call was answered (or failed): HubSpot
/// counted it by then, so its slot frees no sooner than a window later, here and in a shared
/// store (which is told only when the answer came later than the window's headroom after the
/// permit: calls answered sooner are covered by it).
#[derive(Debug)]
pub(crate) struct InFlight {
    limiter: Arc<Limiter>,
    budget: Budget,
    id: u64,
    shared: Option<SharedPermit>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = self.limiter.clock.monotonic();
        let window = {
            let mut lane = self.limiter.lane(self.budget);
            lane.window.answered(self.id, now);
            lane.window.whole_quota().map(|quota| quota.window)
        };
        if let (Some(permit), Some(window)) = (self.shared.take(), window) {
            let late = now.saturating_sub(permit.asked);
            let headroom = headroom(window);
            if late > headroom {
                tracing::debug!(
                    budget = ?self.budget,
                    late_ms = u64::try_from(late.as_millis()).unwrap_or(u64::MAX),
                    "a call answered later than the window's headroom after its permit: its \
                     shared slot frees a window after the answer"
                );
                let timeout = permit.budget.timeout;
                detach(
                    permit
                        .budget
                        .store
                        .retime(self.budget, permit.member, headroom, timeout),
                );
            }
        }
    }
}

#[cfg(test)]
mod shared_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::rate_limit::Quota;

    fn limiter(limit: RateLimit) -> (Arc<Limiter>, ManualClock) {
        let clock = ManualClock::default();
        (Limiter::new(limit, Arc::new(clock.clone()), None), clock)
    }

    /// HubSpot's rate-limit headers, as they come over the wire.
    pub(super) fn rate_limit_headers(
        max: &str,
        interval: &str,
        remaining: &str,
    ) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-max", max.parse().unwrap());
        headers.insert(
            "x-hubspot-ratelimit-interval-milliseconds",
            interval.parse().unwrap(),
        );
        headers.insert("x-hubspot-ratelimit-remaining", remaining.parse().unwrap());
        headers
    }

    /// Time that moves only with `advance`; a sleep is ready once its deadline has passed.
    #[derive(Debug, Clone, Default)]
    struct Frozen(Arc<Mutex<Duration>>);

    impl Frozen {
        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
    }

    impl Clock for Frozen {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            chrono::DateTime::UNIX_EPOCH + *self.0.lock().unwrap()
        }
        fn monotonic(&self) -> Duration {
            *self.0.lock().unwrap()
        }
        fn sleep(&self, duration: Duration) -> crate::clock::Sleep {
            let elapsed = self.0.clone();
            let deadline = *elapsed.lock().unwrap() + duration;
            Box::pin(std::future::poll_fn(move |_| {
                if *elapsed.lock().unwrap() >= deadline {
                    std::task::Poll::Ready(())
                } else {
                    std::task::Poll::Pending
                }
            }))
        }
    }

    /// Polls a future once: its output, or `None` while it waits.
    fn poll_once<F: std::future::Future>(future: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.poll(&mut context) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }

    fn frozen(limit: RateLimit) -> (Arc<Limiter>, Frozen) {
        let clock = Frozen::default();
        (Limiter::new(limit, Arc::new(clock.clone()), None), clock)
    }

    #[test]
    fn a_dropped_waiter_gives_its_slot_back() {
        let (limiter, clock) = frozen(RateLimit::per_ten_seconds(2));
        for _ in 0..2 {
            let mut acquire = Box::pin(limiter.acquire(Budget::TenSecondly));
            poll_once(acquire.as_mut()).unwrap().unwrap().sent();
        }
        // A hundred calls wait for the third slot; each is dropped (its timeout fired).
        for _ in 0..100 {
            let mut waiting = Box::pin(limiter.acquire(Budget::TenSecondly));
            assert!(poll_once(waiting.as_mut()).is_none(), "it waits");
        }
        // The slot after the window is still the next one, not the 101st.
        clock.advance(Duration::from_millis(10_250));
        let mut next = Box::pin(limiter.acquire(Budget::TenSecondly));
        let permit = poll_once(next.as_mut()).expect("no wait").unwrap();
        assert!(permit.waited().is_zero());
    }

    #[test]
    fn under_overload_with_timeouts_throughput_stays_at_the_budget() {
        let (limiter, clock) = frozen(RateLimit::per_ten_seconds(10));
        let mut sent = 0;
        let mut waiting = Vec::new();
        // A call arrives every 100 ms and gives up after 1 s of waiting: 2,000 calls over
        // 200 s against a budget of 10 per 10.25 s.
        for tick in 0..2_000u32 {
            let mut acquire = Box::pin(limiter.acquire(Budget::TenSecondly));
            match poll_once(acquire.as_mut()) {
                Some(permit) => {
                    permit.unwrap().sent();
                    sent += 1;
                }
                None => waiting.push((tick, acquire)),
            }
            // Waiters whose permit came are sent; those waiting for 1 s are dropped.
            waiting.retain_mut(|(since, acquire)| match poll_once(acquire.as_mut()) {
                Some(permit) => {
                    permit.unwrap().sent();
                    sent += 1;
                    false
                }
                None => tick - *since < 10,
            });
            clock.advance(Duration::from_millis(100));
        }
        let budget = 10.0 * 200.0 / 10.25;
        assert!(
            f64::from(sent) >= budget * 0.9,
            "{sent} calls went out in 200 s; the budget allows {budget:.0}"
        );
        assert!(
            f64::from(sent) <= budget + 10.0,
            "{sent} is more than the budget"
        );
    }

    #[tokio::test]
    async fn a_wait_beyond_the_maximum_fails_at_once() {
        let (limiter, clock) =
            limiter(RateLimit::per_ten_seconds(1).max_wait(Duration::from_secs(5)));
        limiter.acquire(Budget::TenSecondly).await.unwrap().sent();
        let before = clock.monotonic();
        let error = limiter.acquire(Budget::TenSecondly).await.unwrap_err();
        assert_eq!(
            error,
            Refused::TooLong {
                wait: Duration::from_millis(10_250),
                max_wait: Duration::from_secs(5)
            }
        );
        assert_eq!(clock.monotonic(), before, "no waiting at all");
        // Nothing was reserved: once the window frees, the next call goes at once.
        clock.advance(Duration::from_millis(10_250));
        let permit = limiter.acquire(Budget::TenSecondly).await.unwrap();
        assert!(permit.waited().is_zero());
    }

    #[test]
    fn waiting_calls_queue_in_arrival_order_each_with_its_own_place() {
        let (limiter, clock) = frozen(RateLimit::per_ten_seconds(1));
        let mut first = Box::pin(limiter.acquire(Budget::TenSecondly));
        poll_once(first.as_mut()).unwrap().unwrap().sent();
        let mut waiting: Vec<_> = (0..3)
            .map(|_| Box::pin(limiter.acquire(Budget::TenSecondly)))
            .collect();
        for call in waiting.iter_mut() {
            assert!(poll_once(call.as_mut()).is_none());
        }
        assert_eq!(
            limiter.lane(Budget::TenSecondly).queue.len(),
            3,
            "three places"
        );
        // One window later only the first in line goes.
        clock.advance(Duration::from_millis(10_250));
        let admitted: Vec<bool> = waiting
            .iter_mut()
            .map(|call| match poll_once(call.as_mut()) {
                Some(permit) => {
                    permit.unwrap().sent();
                    true
                }
                None => false,
            })
            .collect();
        assert_eq!(admitted, [true, false, false]);
    }

    #[tokio::test]
    async fn a_wait_of_exactly_the_maximum_is_allowed() {
        let (limiter, _clock) =
            limiter(RateLimit::per_ten_seconds(1).max_wait(Duration::from_millis(10_250)));
        limiter.acquire(Budget::TenSecondly).await.unwrap().sent();
        let permit = limiter.acquire(Budget::TenSecondly).await.unwrap();
        assert_eq!(permit.waited(), Duration::from_millis(10_250));
    }

    #[tokio::test]
    async fn a_permit_dropped_unsent_gives_its_slot_back() {
        let (limiter, _clock) = limiter(RateLimit::per_ten_seconds(1));
        drop(limiter.acquire(Budget::TenSecondly).await.unwrap());
        let permit = limiter.acquire(Budget::TenSecondly).await.unwrap();
        assert!(permit.waited().is_zero(), "the unsent call spent nothing");
    }

    #[test]
    fn windows_of_budgets() {
        let clock: SharedClock = Arc::new(ManualClock::default());
        let limiter = Limiter::new(RateLimit::per_ten_seconds(5), clock.clone(), None);
        assert_eq!(limiter.window(Budget::TenSecondly), Duration::from_secs(10));
        assert_eq!(limiter.window(Budget::Search), Duration::from_secs(1));
        let custom = Limiter::new(
            RateLimit::custom(Quota {
                calls: 3,
                window: Duration::from_secs(4),
            }),
            clock.clone(),
            None,
        );
        assert_eq!(custom.window(Budget::TenSecondly), Duration::from_secs(4));
        let unlimited = Limiter::new(RateLimit::unlimited(), clock, None);
        assert_eq!(
            unlimited.window(Budget::TenSecondly),
            Duration::from_secs(10)
        );
        assert_eq!(unlimited.window(Budget::Search), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn observe_reads_hubspots_headers() {
        let (observer, clock) = limiter(RateLimit::per_ten_seconds(100));
        let mut headers = rate_limit_headers("3", "10000", " 0 ");
        observer.observe(&headers, clock.monotonic());
        let permit = observer.acquire(Budget::TenSecondly).await.unwrap();
        assert_eq!(
            permit.waited(),
            Duration::from_millis(10_250),
            "3 of 3 spent elsewhere"
        );
        headers.insert("x-hubspot-ratelimit-remaining", "many".parse().unwrap());
        let (other, _) = limiter(RateLimit::per_ten_seconds(100));
        other.observe(&headers, Duration::ZERO);
        assert!(
            other
                .acquire(Budget::TenSecondly)
                .await
                .unwrap()
                .waited()
                .is_zero(),
            "unreadable: ignored"
        );
    }

    #[tokio::test]
    async fn windows_follow_the_monotonic_clock_not_the_wall_clock() {
        let (limiter, clock) = limiter(RateLimit::per_ten_seconds(2));
        limiter.acquire(Budget::TenSecondly).await.unwrap().sent();
        clock.set(clock.now() - chrono::Duration::hours(1));
        let permit = limiter.acquire(Budget::TenSecondly).await.unwrap();
        assert!(
            permit.waited().is_zero(),
            "a step back of the wall clock stalls nothing"
        );
    }

    #[tokio::test]
    async fn search_has_its_own_budget() {
        let (limiter, _clock) = limiter(RateLimit::per_ten_seconds(1));
        assert!(
            limiter
                .acquire(Budget::TenSecondly)
                .await
                .unwrap()
                .waited()
                .is_zero()
        );
        for _ in 0..5 {
            let permit = limiter.acquire(Budget::Search).await.unwrap();
            assert!(permit.waited().is_zero());
            permit.sent();
        }
        let sixth = limiter.acquire(Budget::Search).await.unwrap();
        assert_eq!(sixth.waited(), Duration::from_millis(1025));
    }

    #[tokio::test]
    async fn a_throttle_paces_calls_until_the_rate_grows_back() {
        let (paced, clock) = limiter(RateLimit::custom(Quota {
            calls: 100,
            window: Duration::from_secs(10),
        }));
        for _ in 0..50 {
            clock.advance(Duration::from_millis(200));
            paced.acquire(Budget::TenSecondly).await.unwrap().sent();
        }
        paced.throttled(Budget::TenSecondly, Throttle::SendSlower);
        let rate = paced.paced_rate(Budget::TenSecondly).unwrap();
        assert!(
            (rate - 0.7 * 50.0 / 9.8).abs() < 0.01,
            "0.7 of 50 in 9.8 s: {rate}"
        );
        let a = paced.acquire(Budget::TenSecondly).await.unwrap();
        let b = paced.acquire(Budget::TenSecondly).await.unwrap();
        assert!(a.waited() > Duration::ZERO && b.waited() > Duration::ZERO);
        clock.advance(Duration::from_secs(30));
        assert_eq!(
            paced.acquire(Budget::TenSecondly).await.unwrap().waited(),
            Duration::ZERO
        );
        assert_eq!(paced.paced_rate(Budget::TenSecondly), None, "recovered");

        let (fixed, _) = limiter(RateLimit::per_ten_seconds(100).adaptive(false));
        fixed.throttled(Budget::TenSecondly, Throttle::SendSlowerWindowFull);
        assert_eq!(fixed.paced_rate(Budget::TenSecondly), None);
        assert!(
            fixed
                .acquire(Budget::TenSecondly)
                .await
                .unwrap()
                .waited()
                .is_zero(),
            "not adaptive: a 429 changes nothing in the limiter"
        );
    }

    #[tokio::test]
    async fn a_second_429_in_a_row_waits_for_the_window() {
        let (limiter, clock) = limiter(RateLimit::per_ten_seconds(100));
        for _ in 0..50 {
            limiter.acquire(Budget::TenSecondly).await.unwrap().sent();
        }
        limiter.throttled(Budget::TenSecondly, Throttle::SendSlower);
        let after_one = limiter.acquire(Budget::TenSecondly).await.unwrap();
        assert!(
            after_one.waited().is_zero(),
            "one 429 may be a blip: {:?}",
            after_one.waited()
        );
        after_one.sent();
        let start = clock.monotonic();
        limiter.throttled(Budget::TenSecondly, Throttle::SendSlowerWindowFull);
        limiter.acquire(Budget::TenSecondly).await.unwrap().sent();
        assert!(
            clock.monotonic() - start >= Duration::from_secs(9),
            "the window was taken as full: the oldest call had to leave it"
        );
    }
}
