//! Virtual time for several concurrent callers: time moves only when every one of `actors`
//! callers is asleep, and then straight to the earliest wake-up. A caller that is sending (a
//! request on the wire, the fake answering) keeps time still, so the fake's arrival times and
//! the callers' waits agree, and a minute of budget passes in milliseconds.

use chrono::{DateTime, Utc};
use hubspot_deals::clock::{Clock, Sleep};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[derive(Debug)]
struct State {
    start: DateTime<Utc>,
    elapsed: Duration,
    actors: usize,
    /// Sleepers by (deadline, id).
    sleepers: BTreeMap<(Duration, u64), Option<Waker>>,
    next_id: u64,
}

impl State {
    /// Moves time to the earliest deadline once every actor sleeps, waking those due.
    fn step(&mut self) {
        if self.sleepers.len() < self.actors {
            return;
        }
        let Some((&(deadline, _), _)) = self.sleepers.iter().next() else {
            return;
        };
        self.elapsed = self.elapsed.max(deadline);
        for (_, waker) in self.sleepers.range_mut(..=(self.elapsed, u64::MAX)) {
            if let Some(waker) = waker.take() {
                waker.wake();
            }
        }
    }
}

/// The clock; clones share it.
#[derive(Debug, Clone)]
pub struct SteppedClock(Arc<Mutex<State>>);

impl SteppedClock {
    /// Virtual time for `actors` concurrent callers, from 2026-01-01T09:00:00Z.
    pub fn new(actors: usize) -> Self {
        Self(Arc::new(Mutex::new(State {
            start: "2026-01-01T09:00:00Z".parse().unwrap(),
            elapsed: Duration::ZERO,
            actors,
            sleepers: BTreeMap::new(),
            next_id: 0,
        })))
    }

    /// One caller is done: time no longer waits for it.
    pub fn retire(&self) {
        let mut state = self.0.lock().unwrap();
        state.actors -= 1;
        state.step();
    }

    /// Virtual time elapsed.
    pub fn elapsed(&self) -> Duration {
        self.0.lock().unwrap().elapsed
    }
}

struct Sleeping {
    clock: Arc<Mutex<State>>,
    key: (Duration, u64),
}

impl Future for Sleeping {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.clock.lock().unwrap();
        if state.elapsed >= self.key.0 {
            state.sleepers.remove(&self.key);
            return Poll::Ready(());
        }
        state.sleepers.insert(self.key, Some(cx.waker().clone()));
        state.step();
        if state.elapsed >= self.key.0 {
            state.sleepers.remove(&self.key);
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for Sleeping {
    fn drop(&mut self) {
        let mut state = self.clock.lock().unwrap();
        if state.sleepers.remove(&self.key).is_some() {
            state.step();
        }
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> DateTime<Utc> {
        let state = self.0.lock().unwrap();
        state.start + state.elapsed
    }

    fn monotonic(&self) -> Duration {
        self.0.lock().unwrap().elapsed
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let key = {
            let mut state = self.0.lock().unwrap();
            state.next_id += 1;
            (state.elapsed + duration, state.next_id)
        };
        Box::pin(Sleeping {
            clock: self.0.clone(),
            key,
        })
    }
}
