//! The limiter with a shared budget, on a store in memory that can be taken down; and the
//! budget held however late calls reach HubSpot, shared or not.

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::rate_limit::shared::memory::MemoryStore;
use crate::rate_limit::shared::{Ask, Fill, SharedBudget, Store, WhenUnavailable};
use crate::rate_limit::shared_protocol::{SharedState, ask_delay};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

const WINDOW: Duration = Duration::from_millis(10_250);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A limiter sharing `store` under the name `portal-1`.
fn process(
    limit: RateLimit,
    clock: &SharedClock,
    store: &Arc<MemoryStore>,
    policy: WhenUnavailable,
) -> Arc<Limiter> {
    let budget = SharedBudget::with_store("portal-1", store.clone(), policy);
    Limiter::new(limit, clock.clone(), Some(budget))
}

/// `count` limiters (processes) sharing one store, on one clock.
fn processes(
    calls: u32,
    count: usize,
    policy: WhenUnavailable,
) -> (Vec<Arc<Limiter>>, Arc<MemoryStore>, ManualClock) {
    let clock = ManualClock::default();
    let shared: SharedClock = Arc::new(clock.clone());
    let store = MemoryStore::new(shared.clone());
    let limit = RateLimit::per_ten_seconds(calls);
    let limiters = (0..count)
        .map(|_| process(limit, &shared, &store, policy))
        .collect();
    (limiters, store, clock)
}

async fn take(limiter: &Arc<Limiter>) -> Result<Duration, Refused> {
    let permit = limiter.acquire(Budget::TenSecondly).await?;
    let waited = permit.waited();
    permit.sent();
    Ok(waited)
}

/// Whether `waited` is `expected` plus at most the lateness of a first wait.
fn about(waited: Duration, expected: Duration) -> bool {
    waited >= expected && waited <= expected + ms(5)
}

#[tokio::test]
async fn processes_on_one_store_spend_one_budget() {
    let (limiters, store, _clock) = processes(4, 2, WhenUnavailable::Fail);
    let (a, b) = (&limiters[0], &limiters[1]);
    for _ in 0..3 {
        assert_eq!(take(a).await, Ok(Duration::ZERO));
    }
    assert_eq!(
        take(b).await,
        Ok(Duration::ZERO),
        "the fourth of the budget"
    );
    // Each process alone has room for 4; together they have spent them.
    let waited = take(b).await.unwrap();
    assert!(
        about(waited, WINDOW),
        "the fifth waits for the first to leave the shared window: {waited:?}"
    );
    assert_eq!(
        store.members(Budget::TenSecondly).len(),
        1,
        "the window after the wait: the four left it"
    );
}

#[tokio::test]
async fn a_permit_never_sent_leaves_the_store() {
    let (limiters, store, _clock) = processes(2, 1, WhenUnavailable::Fail);
    let permit = limiters[0].acquire(Budget::TenSecondly).await.unwrap();
    assert_eq!(store.members(Budget::TenSecondly).len(), 1);
    drop(permit);
    assert!(store.members(Budget::TenSecondly).is_empty(), "given back");
    assert_eq!(take(&limiters[0]).await, Ok(Duration::ZERO));
    assert_eq!(take(&limiters[0]).await, Ok(Duration::ZERO));
}

#[tokio::test]
async fn search_and_the_ten_second_budget_are_shared_apart() {
    let (limiters, store, _clock) = processes(1, 1, WhenUnavailable::Fail);
    take(&limiters[0]).await.unwrap();
    let search = limiters[0].acquire(Budget::Search).await.unwrap();
    assert!(search.waited().is_zero());
    assert_eq!(store.members(Budget::Search).len(), 1);
    assert_eq!(store.members(Budget::TenSecondly).len(), 1);
}

#[tokio::test]
async fn with_fail_calls_fail_while_the_store_is_down_and_it_is_asked_once_a_second() {
    let (limiters, store, clock) = processes(4, 1, WhenUnavailable::Fail);
    let limiter = &limiters[0];
    store.down.store(true, Ordering::SeqCst);
    let refused = take(limiter).await.unwrap_err();
    assert_eq!(
        refused,
        Refused::Unavailable {
            name: "portal-1".into(),
            reason: "the store is down".into()
        }
    );
    let asks = store.asks.load(Ordering::SeqCst);
    assert!(take(limiter).await.is_err());
    assert_eq!(
        store.asks.load(Ordering::SeqCst),
        asks,
        "failed at once, unasked"
    );
    // Back, but not asked before a second has passed.
    store.down.store(false, Ordering::SeqCst);
    clock.advance(ms(999));
    assert!(take(limiter).await.is_err());
    clock.advance(ms(1));
    assert_eq!(take(limiter).await, Ok(Duration::ZERO));
    assert_eq!(store.members(Budget::TenSecondly).len(), 1, "counted again");
    // The failed calls spent nothing.
    for _ in 0..3 {
        assert_eq!(take(limiter).await, Ok(Duration::ZERO));
    }
}

#[tokio::test]
async fn with_local_calls_go_on_at_a_share_after_a_window_and_the_store_learns_them_when_it_returns()
 {
    let (limiters, store, clock) = processes(8, 1, WhenUnavailable::local(2));
    let limiter = &limiters[0];
    store.down.store(true, Ordering::SeqCst);
    // What the other process spent is unknown: the first call waits for a whole window.
    let waited = take(limiter).await.unwrap();
    assert!(about(waited, WINDOW), "{waited:?}");
    // Then half the budget of 8 goes at once, without the store.
    for _ in 0..3 {
        assert_eq!(take(limiter).await, Ok(Duration::ZERO));
    }
    assert_eq!(
        limiter.rate(Budget::TenSecondly),
        Some(0.4),
        "4 per 10 s meanwhile"
    );
    assert!(store.members(Budget::TenSecondly).is_empty());
    let went = clock.monotonic();
    // The store returns; a second later, the next call asks it, telling it the four calls.
    store.down.store(false, Ordering::SeqCst);
    clock.advance(ms(1_000));
    assert_eq!(take(limiter).await, Ok(Duration::ZERO));
    let members = store.members(Budget::TenSecondly);
    assert_eq!(members.len(), 5, "{members:?}");
    assert_eq!(
        members[0].0, went,
        "the calls made meanwhile, at the time they went"
    );
    assert_eq!(
        limiter.rate(Budget::TenSecondly),
        Some(0.8),
        "the whole budget again"
    );
    // Three more fill the shared window; the ninth waits for the four to leave it.
    for _ in 0..3 {
        assert_eq!(take(limiter).await, Ok(Duration::ZERO));
    }
    let waited = take(limiter).await.unwrap();
    assert!(about(waited, WINDOW - ms(1_000)), "{waited:?}");
}

/// Two processes share a budget of 4; one spent three of it when the store goes down. The
/// other, with a share of 2 and nothing spent of its own, must not add two more at once.
#[tokio::test]
async fn with_local_a_process_that_spent_little_waits_for_what_the_others_spent() {
    let (limiters, store, clock) = processes(4, 2, WhenUnavailable::local(2));
    for _ in 0..3 {
        assert_eq!(take(&limiters[0]).await, Ok(Duration::ZERO));
    }
    store.down.store(true, Ordering::SeqCst);
    let start = clock.monotonic();
    take(&limiters[1]).await.unwrap();
    take(&limiters[1]).await.unwrap();
    assert!(
        clock.monotonic() - start >= WINDOW,
        "its calls waited for the window the shared spent to pass"
    );
}

#[tokio::test]
async fn with_local_a_fleet_of_one_goes_on_at_once() {
    let (limiters, store, _clock) = processes(4, 1, WhenUnavailable::local(1));
    assert_eq!(take(&limiters[0]).await, Ok(Duration::ZERO));
    store.down.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        assert_eq!(
            take(&limiters[0]).await,
            Ok(Duration::ZERO),
            "its own log holds every call the budget spent"
        );
    }
}

#[tokio::test]
async fn with_local_a_wait_for_the_share_counts_against_the_maximum() {
    let manual = ManualClock::default();
    let clock: SharedClock = Arc::new(manual.clone());
    let store = MemoryStore::new(clock.clone());
    store.down.store(true, Ordering::SeqCst);
    let limit = RateLimit::per_ten_seconds(4).max_wait(ms(5_000));
    let limiter = process(limit, &clock, &store, WhenUnavailable::local(4));
    let too_long = Refused::TooLong {
        wait: WINDOW,
        max_wait: ms(5_000),
    };
    assert_eq!(
        take(&limiter).await,
        Err(too_long.clone()),
        "the window the others may have spent"
    );
    manual.advance(WINDOW);
    assert_eq!(take(&limiter).await, Ok(Duration::ZERO));
    assert_eq!(
        take(&limiter).await,
        Err(too_long),
        "one of 4 per window meanwhile"
    );
}

#[tokio::test]
async fn what_hubspot_counted_is_added_to_the_shared_window() {
    let (limiters, store, clock) = processes(10, 1, WhenUnavailable::Fail);
    let limiter = &limiters[0];
    clock.advance(ms(60_000));
    take(limiter).await.unwrap();
    // HubSpot counts 6 of 10 spent: 5 calls were made outside the shared budget.
    let headers = super::tests::rate_limit_headers("10", "10000", "4");
    limiter.observe(&headers, limiter.now());
    take(limiter).await.unwrap();
    assert_eq!(
        store.members(Budget::TenSecondly).len(),
        7,
        "1 + 5 learned + 1"
    );
}

#[tokio::test(start_paused = true)]
async fn two_429s_in_a_row_fill_the_shared_window_for_every_process() {
    let clock: SharedClock = Arc::new(TokioClock(tokio::time::Instant::now()));
    let store = MemoryStore::new(clock.clone());
    let limit = RateLimit::per_ten_seconds(10);
    let throttled = process(limit, &clock, &store, WhenUnavailable::Fail);
    let other = process(limit, &clock, &store, WhenUnavailable::Fail);
    take(&throttled).await.unwrap();
    throttled.throttled(
        Budget::TenSecondly,
        crate::retry::Throttle::SendSlowerWindowFull,
    );
    // The throttled process's next call tells the store, then the other process asks.
    let next = tokio::spawn(async move { take(&throttled).await.unwrap() });
    tokio::task::yield_now().await;
    let waited = take(&other).await.unwrap();
    assert!(
        about(waited, WINDOW),
        "the other process waits too: {waited:?}"
    );
    let waited = next.await.unwrap();
    assert!(about(waited, WINDOW), "{waited:?}");
}

/// Time from tokio's clock, which a paused test runtime moves only when every task waits:
/// concurrent sleeps overlap as they do in real time.
#[derive(Debug)]
struct TokioClock(tokio::time::Instant);

impl crate::clock::Clock for TokioClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::UNIX_EPOCH + self.monotonic()
    }
    fn monotonic(&self) -> Duration {
        self.0.elapsed()
    }
    fn sleep(&self, duration: Duration) -> crate::clock::Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_of_several_processes_take_successive_shared_slots() {
    let clock: SharedClock = Arc::new(TokioClock(tokio::time::Instant::now()));
    let store = MemoryStore::new(clock.clone());
    let limit = RateLimit::per_ten_seconds(2);
    let limiters: Vec<_> = (0..3)
        .map(|_| process(limit, &clock, &store, WhenUnavailable::Fail))
        .collect();
    // Four calls in each of three processes: twelve calls, two per window in all.
    let calls: Vec<_> = (0..12)
        .map(|i| {
            let limiter = limiters[i % 3].clone();
            let clock = clock.clone();
            tokio::spawn(async move {
                take(&limiter).await.unwrap();
                (i % 3, clock.monotonic())
            })
        })
        .collect();
    let mut sent = Vec::new();
    for call in calls {
        sent.push(call.await.unwrap());
    }
    sent.sort_by_key(|(_, at)| *at);
    let windows: Vec<u128> = sent
        .iter()
        .map(|(_, at)| at.as_millis() / WINDOW.as_millis())
        .collect();
    assert_eq!(windows, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "{sent:?}");
    // No process starves: each had a call in the first three windows.
    for process in 0..3 {
        let first = sent.iter().position(|(p, _)| *p == process).unwrap();
        assert!(
            first < 6,
            "process {process} first went at {first}: {sent:?}"
        );
    }
}

#[test]
fn processes_long_without_a_slot_ask_first() {
    let mut sharing = SharedState::default();
    assert_eq!(sharing.starving(ms(50_000), WINDOW), 0, "never refused");
    sharing.served = Some(ms(10_000));
    assert_eq!(sharing.starving(ms(10_000), WINDOW), 0);
    assert_eq!(
        sharing.starving(ms(15_000), WINDOW),
        0,
        "under half a window"
    );
    assert_eq!(
        sharing.starving(ms(15_200), WINDOW),
        1,
        "rounded to the nearest window"
    );
    assert_eq!(sharing.starving(ms(30_500), WINDOW), 2);
    for _ in 0..50 {
        let (fresh, waited, long) = (ask_delay(0), ask_delay(1), ask_delay(9));
        assert!(fresh >= ms(4) && fresh < ms(5), "{fresh:?}");
        assert!(waited >= ms(3) && waited < ms(4), "{waited:?}");
        assert!(long < ms(1), "{long:?}");
    }
}

#[tokio::test]
async fn each_permit_has_a_name_of_its_own_in_the_store() {
    let (limiters, store, _clock) = processes(5, 2, WhenUnavailable::Fail);
    let kept = limiters[0].acquire(Budget::TenSecondly).await.unwrap();
    let dropped = limiters[1].acquire(Budget::TenSecondly).await.unwrap();
    let names: BTreeSet<String> = store
        .members(Budget::TenSecondly)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    drop(dropped);
    assert_eq!(
        store.members(Budget::TenSecondly).len(),
        1,
        "only its own slot"
    );
    kept.sent();
}

#[tokio::test]
async fn a_permit_answered_late_moves_to_a_headroom_before_its_answer_in_the_store() {
    let (limiters, store, clock) = processes(5, 1, WhenUnavailable::Fail);
    let at = |store: &MemoryStore| store.members(Budget::TenSecondly)[0].0;
    let headroom = WINDOW - ms(10_000);
    let in_flight = limiters[0]
        .acquire(Budget::TenSecondly)
        .await
        .unwrap()
        .sent();
    clock.advance(headroom);
    drop(in_flight);
    tokio::task::yield_now().await;
    assert_eq!(at(&store), ms(0), "within the headroom: left where it was");
    drop(store.give_back(
        Budget::TenSecondly,
        store.members(Budget::TenSecondly)[0].1.clone(),
        ms(1),
    ));
    let permit = limiters[0].acquire(Budget::TenSecondly).await.unwrap();
    let given = at(&store);
    clock.advance(ms(2_000));
    let in_flight = permit.sent();
    tokio::task::yield_now().await;
    assert_eq!(at(&store), given, "sent late: still where it was given");
    clock.advance(ms(1_000));
    drop(in_flight);
    tokio::task::yield_now().await;
    assert_eq!(
        at(&store),
        given + ms(3_000) - headroom,
        "answered 3 s after it was given: it frees a window after the answer"
    );
}

/// A call of one process answered late (its request reached HubSpot up to its answer) and
/// the next call of another process, in a budget of one: HubSpot must see them a window
/// apart, however late the first arrived.
#[tokio::test(start_paused = true)]
async fn a_call_that_arrives_late_keeps_its_slot_from_another_process() {
    let clock: SharedClock = Arc::new(TokioClock(tokio::time::Instant::now()));
    let store = MemoryStore::new(clock.clone());
    let limit = RateLimit::per_ten_seconds(1);
    let first = process(limit, &clock, &store, WhenUnavailable::Fail);
    let second = process(limit, &clock, &store, WhenUnavailable::Fail);
    let in_flight = first.acquire(Budget::TenSecondly).await.unwrap().sent();
    // On a busy machine the request reaches HubSpot 600 ms later, and is answered then.
    tokio::time::sleep(ms(600)).await;
    let arrived = clock.monotonic();
    drop(in_flight);
    tokio::task::yield_now().await;
    let next = second.acquire(Budget::TenSecondly).await.unwrap();
    let at = clock.monotonic();
    next.sent();
    assert!(
        at >= arrived + ms(10_000),
        "the second call went {:?} after the first reached HubSpot",
        at - arrived
    );
}

#[tokio::test]
async fn what_hubspot_counted_while_the_store_was_down_is_told_once_when_it_answers() {
    let (limiters, store, clock) = processes(10, 1, WhenUnavailable::local(2));
    let limiter = &limiters[0];
    clock.advance(ms(60_000));
    store.down.store(true, Ordering::SeqCst);
    let headers = super::tests::rate_limit_headers("10", "10000", "5");
    limiter.observe(&headers, limiter.now());
    // Refused, then asked again a window later (the window the others may have spent).
    take(limiter).await.unwrap();
    store.down.store(false, Ordering::SeqCst);
    clock.advance(ms(1_000));
    take(limiter).await.unwrap();
    take(limiter).await.unwrap();
    let fills = store.fills.lock().unwrap().clone();
    // Compared with the permits since the kept interval before the send; the calls made
    // elsewhere placed a headroom before the answer.
    assert_eq!(
        fills[0],
        Some(Fill {
            spent: 5,
            since: ms(10_250),
            age: ms(250),
        }),
        "as the store would have taken it at once"
    );
    assert_eq!(fills.len(), 4, "{fills:?}");
    for (told, what) in [(fills[1], "asked again while down"), (fills[2], "answered")] {
        let told = told.unwrap_or_else(|| panic!("{what}: kept until the store answers"));
        assert_eq!(told.spent, 5, "{what}");
        assert_eq!(told.since - told.age, ms(10_000), "{what}: the same count");
    }
    assert_eq!(fills[3], None, "then not again");
}

/// Calls spread over `limiters` (processes), each reaching HubSpot between 0 and 900 ms after
/// it is sent and answered up to 200 ms after that, in paused time; returns when each call
/// reached HubSpot.
async fn late_arrivals(
    limiters: &[Arc<Limiter>],
    clock: &SharedClock,
    calls: usize,
) -> Vec<Duration> {
    let mut rng = fastrand::Rng::with_seed(17);
    let tasks: Vec<_> = (0..calls)
        .map(|i| {
            let limiter = limiters[i % limiters.len()].clone();
            let clock = clock.clone();
            let (start, late, answer) = (
                ms(rng.u64(0..2_000)),
                ms(rng.u64(0..900)),
                ms(rng.u64(0..200)),
            );
            tokio::spawn(async move {
                tokio::time::sleep(start).await;
                let in_flight = limiter.acquire(Budget::TenSecondly).await.unwrap().sent();
                tokio::time::sleep(late).await;
                let arrived = clock.monotonic();
                tokio::time::sleep(answer).await;
                drop(in_flight);
                arrived
            })
        })
        .collect();
    let mut arrivals = Vec::new();
    for task in tasks {
        arrivals.push(task.await.unwrap());
    }
    arrivals.sort();
    arrivals
}

/// The most calls that reached HubSpot within any ten seconds (HubSpot's window).
fn most_in_a_window(arrivals: &[Duration]) -> usize {
    (0..arrivals.len())
        .map(|i| {
            arrivals[i..]
                .iter()
                .take_while(|at| **at < arrivals[i] + ms(10_000))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn however_late_calls_arrive_processes_sharing_a_budget_never_exceed_it() {
    let clock: SharedClock = Arc::new(TokioClock(tokio::time::Instant::now()));
    let store = MemoryStore::new(clock.clone());
    let limit = RateLimit::per_ten_seconds(5);
    let limiters: Vec<_> = (0..3)
        .map(|_| process(limit, &clock, &store, WhenUnavailable::Fail))
        .collect();
    let arrivals = late_arrivals(&limiters, &clock, 60).await;
    assert_eq!(arrivals.len(), 60);
    let most = most_in_a_window(&arrivals);
    assert!(
        most <= 5,
        "{most} calls reached HubSpot within ten seconds: {arrivals:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn however_late_calls_arrive_one_process_never_exceeds_its_budget() {
    let clock: SharedClock = Arc::new(TokioClock(tokio::time::Instant::now()));
    let limiter = Limiter::new(RateLimit::per_ten_seconds(5), clock.clone(), None);
    let arrivals = late_arrivals(&[limiter], &clock, 60).await;
    let most = most_in_a_window(&arrivals);
    assert!(
        most <= 5,
        "{most} calls reached HubSpot within ten seconds: {arrivals:?}"
    );
}

#[tokio::test]
async fn a_wait_the_store_adds_after_a_local_wait_counts_against_the_maximum() {
    let clock = ManualClock::default();
    let shared: SharedClock = Arc::new(clock.clone());
    let store = MemoryStore::new(shared.clone());
    let limit = RateLimit::per_ten_seconds(1).max_wait(ms(8_000));
    let limiter = process(limit, &shared, &store, WhenUnavailable::Fail);
    assert_eq!(take(&limiter).await, Ok(Duration::ZERO));
    // The store no longer holds this process's call (it restarted, say), and another process
    // takes the shared slot at 5 s; this process's own log still holds its call.
    let ours = store.members(Budget::TenSecondly)[0].1.clone();
    store
        .give_back(Budget::TenSecondly, ours, ms(1))
        .await
        .unwrap();
    clock.advance(ms(5_000));
    let elsewhere = Ask {
        budget: Budget::TenSecondly,
        limit: 1,
        kept: WINDOW,
        member: "another-process:0".into(),
        take: true,
        unseen: Vec::new(),
        fill: None,
    };
    store.ask(elsewhere, ms(1)).await.unwrap();
    // 5.25 s locally (within 8), then 5 s more for the store: over the maximum in all.
    let start = clock.monotonic();
    let refused = take(&limiter).await.unwrap_err();
    assert!(
        matches!(refused, Refused::TooLong { wait, max_wait }
            if wait >= ms(10_250) && max_wait == ms(8_000)),
        "{refused:?}"
    );
    assert!(
        clock.monotonic() - start < ms(8_000),
        "it gave up when the store's answer made the wait too long"
    );
}

#[tokio::test]
async fn the_program_is_told_once_per_outage_when_the_store_stops_answering() {
    let clock = ManualClock::default();
    let shared: SharedClock = Arc::new(clock.clone());
    let store = MemoryStore::new(shared.clone());
    let told = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = told.clone();
    let budget = SharedBudget::with_store("portal-1", store.clone(), WhenUnavailable::local(1))
        .on_unavailable(move |reason| sink.lock().unwrap().push(reason.to_string()));
    let limiter = Limiter::new(RateLimit::per_ten_seconds(100), shared, Some(budget));
    take(&limiter).await.unwrap();
    assert!(told.lock().unwrap().is_empty(), "nothing while it answers");
    store.down.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        clock.advance(ms(1_500));
        take(&limiter).await.unwrap();
    }
    assert_eq!(
        *told.lock().unwrap(),
        ["the store is down"],
        "once, not per call"
    );
    store.down.store(false, Ordering::SeqCst);
    clock.advance(ms(1_500));
    take(&limiter).await.unwrap();
    store.down.store(true, Ordering::SeqCst);
    clock.advance(ms(1_500));
    take(&limiter).await.unwrap();
    assert_eq!(told.lock().unwrap().len(), 2, "again for a second outage");
}
