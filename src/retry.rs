//! When to try a call again, and after how long: a pure function of one [`Input`], with a
//! table of tests.
//!
//! - 429 is retried for every operation (HubSpot applied nothing). `Retry-After` is honoured
//!   when present; a wait longer than the policy's [`max_wait`](RetryPolicy::max_wait) fails
//!   at once (the error carries the wait). Without it, the wait is short and grows: from the
//!   base delay, doubling per consecutive 429, capped at the budget's window, with jitter, never
//!   the whole window by default, because HubSpot's window rolls: a slot frees when the oldest
//!   call leaves it. A `DAILY` 429 is never retried: that budget resets at midnight.
//! - 500, 502, 503, 504, 477 and 521–526, a 423 lock, timeouts, dropped connections and cut-off
//!   bodies are retried only where the operation table says a replay is safe; `create`,
//!   `batch_create`, `merge` and `gdpr_delete` are never replayed once the request may have
//!   reached HubSpot. A connection that failed before anything was sent is safe to retry for
//!   every operation.
//! - Other backoffs are full-jitter exponential, capped, within a bounded number of attempts.
//!
//! What a 429 does, step by step (one call, in `runtime/run.rs`):
//! 1. [`classify`](crate::classify) reads it: which budget's (`Limit`: the ten-second one,
//!    search, or `DAILY`), and its `Retry-After`, if any.
//! 2. The runtime counts the 429s in a row for the call.
//! 3. [`throttle`] says what the limiter does: one 429 sends slower (adaptive pacing, 0.7 of
//!    the rate sent, growing back along a CUBIC curve: `rate_limit/adaptive.rs`); from the
//!    second in a row it also takes the budget's window as full (`Window::saturate`, or the
//!    shared store filled for every process), so the next permit waits for the oldest call
//!    to leave it. A `DAILY` 429 does nothing there.
//! 4. [`decide`] says when the call itself tries again: the short growing wait above. The
//!    next attempt then waits for its permit like any call, so after the second 429 in a
//!    row the permit's wait (step 3) comes on top of this one.

use crate::classify::{Class, Limit};
use std::time::Duration;

/// How calls are retried. The default: at most 6 attempts, backoff from 250 ms capped at
/// 20 s, waits asked for by HubSpot (`Retry-After`) accepted up to 60 s.
///
/// ```
/// use hubspot_deals::RetryPolicy;
/// use std::time::Duration;
/// let patient = RetryPolicy::default().max_attempts(8).max_delay(Duration::from_secs(60));
/// let never = RetryPolicy::disabled();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt per call: no retries at all.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The most attempts per call, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff step; it doubles per attempt (per consecutive 429 for throttling).
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The cap on one backoff.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest wait HubSpot may ask for with `Retry-After`; a longer one fails the call at
    /// once instead of retrying early into another refusal.
    #[must_use]
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// The number of attempts allowed.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }
}

/// Everything one decision depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input {
    /// What the attempt came back with.
    pub class: Class,
    /// Whether the operation may be replayed after it may have been sent.
    pub replay_safe: bool,
    /// The attempt just made, 1-based.
    pub attempt: u32,
    /// How many 429s in a row, this one included.
    pub throttles: u32,
    /// The window of the budget the call spends (caps the wait after a 429).
    pub window: Duration,
    /// Uniform in `[0, 1)`.
    pub jitter: f64,
}

/// Whether to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Done,
    RetryAfter(Duration),
}

/// `base · 2^(n-1)`, capped.
fn exponential(base: Duration, n: u32, cap: Duration) -> Duration {
    let exponent = n.saturating_sub(1).min(30);
    base.saturating_mul(1 << exponent).min(cap)
}

/// What the limiter does about a call's answer (step 3 above), `in_a_row` its 429s in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Throttle {
    /// Nothing: not a 429 of the ten-second or the search budget.
    Nothing,
    /// One 429 (someone else spends the budget; it may be a blip): send slower.
    SendSlower,
    /// Two or more in a row (the budget is spent elsewhere, and retrying before a slot frees
    /// only earns more 429s): send slower, and take the window as full.
    SendSlowerWindowFull,
}

/// The limiter's part of a 429 (step 3 of the module docs).
pub(crate) fn throttle(class: &Class, in_a_row: u32) -> Throttle {
    match class {
        Class::Throttled { limit, .. } if *limit != Limit::Daily => {
            if in_a_row >= 2 {
                Throttle::SendSlowerWindowFull
            } else {
                Throttle::SendSlower
            }
        }
        _ => Throttle::Nothing,
    }
}

/// Decides after one attempt.
pub(crate) fn decide(policy: &RetryPolicy, input: &Input) -> Decision {
    if input.attempt >= policy.max_attempts {
        return Decision::Done;
    }
    let jitter = input.jitter.clamp(0.0, 1.0);
    let backoff = exponential(policy.base_delay, input.attempt, policy.max_delay).mul_f64(jitter);
    let asked = |wait: Duration| {
        if wait > policy.max_wait {
            Decision::Done
        } else {
            Decision::RetryAfter(wait)
        }
    };
    match input.class {
        Class::Success | Class::Unauthorized | Class::Rejected => Decision::Done,
        Class::Throttled {
            limit: Limit::Daily,
            ..
        } => Decision::Done,
        Class::Throttled {
            retry_after: Some(wait),
            ..
        } => asked(wait),
        Class::Throttled { .. } => {
            // Equal jitter: at least half the step, so a retry never lands at once.
            let step = exponential(policy.base_delay, input.throttles, input.window);
            Decision::RetryAfter(step / 2 + (step / 2).mul_f64(jitter))
        }
        Class::NotSent => Decision::RetryAfter(backoff),
        _ if !input.replay_safe => Decision::Done,
        Class::Locked { retry_after } | Class::Unavailable { retry_after } => {
            retry_after.map_or(Decision::RetryAfter(backoff), asked)
        }
        Class::Lost => Decision::RetryAfter(backoff),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    #[test]
    fn what_the_limiter_does_about_a_429() {
        let ten = Class::Throttled { limit: Limit::TenSecondly, retry_after: None };
        let search = Class::Throttled { limit: Limit::Search, retry_after: None };
        let daily = Class::Throttled { limit: Limit::Daily, retry_after: None };
        for (class, in_a_row, expected) in [
            (&ten,            1, Throttle::SendSlower),
            (&ten,            2, Throttle::SendSlowerWindowFull),
            (&ten,            5, Throttle::SendSlowerWindowFull),
            (&search,         1, Throttle::SendSlower),
            (&search,         2, Throttle::SendSlowerWindowFull),
            (&daily,          2, Throttle::Nothing),
            (&Class::Success, 0, Throttle::Nothing),
            (&Class::Rejected, 0, Throttle::Nothing),
        ] {
            assert_eq!(throttle(class, in_a_row), expected, "{class:?} x{in_a_row}");
        }
    }
    use Decision::{Done, RetryAfter};

    fn throttled(limit: Limit, retry_after: Option<Duration>) -> Class {
        Class::Throttled { limit, retry_after }
    }

    fn input(class: Class, replay_safe: bool, attempt: u32, throttles: u32) -> Input {
        Input {
            class,
            replay_safe,
            attempt,
            throttles,
            window: Duration::from_secs(10),
            jitter: 0.5,
        }
    }

    #[test]
    fn decision_table() {
        let policy = RetryPolicy::default();
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        let unavailable = |after| Class::Unavailable { retry_after: after };
        let locked = Class::Locked { retry_after: None };
        const SAFE: bool = true;
        const UNSAFE: bool = false;
        #[rustfmt::skip]
        let table: Vec<(Class, bool, u32, u32, Decision)> = vec![
            // 429: Retry-After when given and not too long, else a short growing backoff.
            (throttled(Limit::TenSecondly, Some(s(3))),    UNSAFE, 1, 1, RetryAfter(s(3))),
            (throttled(Limit::TenSecondly, Some(s(60))),   SAFE,   1, 1, RetryAfter(s(60))),
            (throttled(Limit::TenSecondly, Some(s(61))),   SAFE,   1, 1, Done),
            (throttled(Limit::TenSecondly, Some(s(3600))), SAFE,   1, 1, Done),
            (throttled(Limit::TenSecondly, None),          SAFE,   1, 1, RetryAfter(Duration::from_micros(187_500))),
            (throttled(Limit::TenSecondly, None),          UNSAFE, 2, 2, RetryAfter(ms(375))),
            (throttled(Limit::TenSecondly, None),          SAFE,   3, 3, RetryAfter(ms(750))),
            (throttled(Limit::TenSecondly, None),          SAFE,   5, 7, RetryAfter(s(10) * 3 / 4)),
            (throttled(Limit::Search, None),               SAFE,   1, 1, RetryAfter(Duration::from_micros(187_500))),
            (throttled(Limit::Secondly, None),             SAFE,   1, 1, RetryAfter(Duration::from_micros(187_500))),
            (throttled(Limit::Daily, None),                SAFE,   1, 1, Done),
            (throttled(Limit::Daily, Some(s(1))),          SAFE,   1, 1, Done),
            // Transient server errors and locks: only where a replay is safe.
            (unavailable(None),      SAFE,   1, 0, RetryAfter(ms(125))),
            (unavailable(None),      SAFE,   2, 0, RetryAfter(ms(250))),
            (unavailable(None),      SAFE,   3, 0, RetryAfter(ms(500))),
            (unavailable(Some(s(5))),  SAFE,   1, 0, RetryAfter(s(5))),
            (unavailable(Some(s(61))), SAFE,   1, 0, Done),
            (unavailable(None),      UNSAFE, 1, 0, Done),
            (unavailable(Some(s(1))),  UNSAFE, 1, 0, Done),
            (locked,                 SAFE,   1, 0, RetryAfter(ms(125))),
            (locked,                 UNSAFE, 1, 0, Done),
            // Final answers.
            (Class::Success,         SAFE,   1, 0, Done),
            (Class::Rejected,        SAFE,   1, 0, Done),
            (Class::Unauthorized,    SAFE,   1, 0, Done),
            // Transport: never sent is always safe; maybe sent only where replay is safe.
            (Class::NotSent,         UNSAFE, 1, 0, RetryAfter(ms(125))),
            (Class::Lost,            UNSAFE, 1, 0, Done),
            (Class::Lost,            SAFE,   1, 0, RetryAfter(ms(125))),
            // Bounded attempts.
            (unavailable(None),      SAFE,   6, 0, Done),
            (throttled(Limit::TenSecondly, None), SAFE, 6, 6, Done),
            (Class::NotSent,         SAFE,   6, 0, Done),
        ];
        for (class, replay_safe, attempt, throttles, expected) in table {
            let got = decide(&policy, &input(class, replay_safe, attempt, throttles));
            assert_eq!(
                got, expected,
                "{class:?} safe={replay_safe} attempt {attempt}"
            );
        }
    }

    #[test]
    fn backoff_is_full_jitter_exponential_and_capped() {
        let policy = RetryPolicy::default()
            .max_attempts(20)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2));
        let wait = |attempt, jitter| {
            let input = Input {
                jitter,
                ..input(Class::Lost, true, attempt, 0)
            };
            match decide(&policy, &input) {
                RetryAfter(d) => d,
                Done => panic!("should retry"),
            }
        };
        assert_eq!(wait(1, 0.0), Duration::ZERO);
        assert_eq!(
            wait(1, 0.999_999),
            Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(wait(3, 0.5), Duration::from_millis(200));
        assert_eq!(
            wait(10, 0.5),
            Duration::from_secs(1),
            "capped at 2 s before jitter"
        );
        assert_eq!(wait(10, 7.0), Duration::from_secs(2), "jitter is clamped");
    }

    #[test]
    fn a_throttle_waits_at_least_half_its_step_capped_at_the_window() {
        let policy = RetryPolicy::default().max_attempts(50);
        let wait = |throttles, jitter, window| {
            let input = Input {
                jitter,
                window,
                ..input(throttled(Limit::TenSecondly, None), true, 1, throttles)
            };
            match decide(&policy, &input) {
                RetryAfter(d) => d,
                Done => panic!("should retry"),
            }
        };
        let second = Duration::from_secs(1);
        assert_eq!(wait(1, 0.0, second * 10), Duration::from_millis(125));
        assert_eq!(wait(1, 1.0, second * 10), Duration::from_millis(250));
        assert_eq!(wait(4, 0.0, second * 10), Duration::from_secs(1));
        assert_eq!(
            wait(40, 1.0, second * 10),
            second * 10,
            "never more than the window"
        );
        assert_eq!(
            wait(40, 1.0, second),
            second,
            "the search window is one second"
        );
    }

    #[test]
    fn disabled_never_retries() {
        let policy = RetryPolicy::disabled();
        for class in [
            throttled(Limit::TenSecondly, Some(Duration::from_secs(1))),
            Class::NotSent,
        ] {
            assert_eq!(decide(&policy, &input(class, true, 1, 1)), Done);
        }
    }

    #[test]
    fn setters_set() {
        let policy = RetryPolicy::default()
            .max_attempts(0)
            .max_wait(Duration::from_secs(5));
        assert_eq!(policy.attempts(), 1, "at least one attempt");
        assert_eq!(RetryPolicy::default().attempts(), 6);
        assert_eq!(RetryPolicy::default().max_attempts(3).attempts(), 3);
        let input = input(
            throttled(Limit::TenSecondly, Some(Duration::from_secs(6))),
            true,
            0,
            1,
        );
        assert_eq!(
            decide(&policy.max_attempts(3), &input),
            Done,
            "6 s is over the 5 s maximum"
        );
    }
}
