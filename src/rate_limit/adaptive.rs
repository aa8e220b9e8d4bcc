//! Adaptive pacing after a 429: a pure state machine on the monotonic clock.
//!
//! A 429 from a budget this client keeps to means someone else spends it too (another process
//! of the same app). The client then paces its calls at `BETA` (0.7) times the rate it sent at
//! over the last window, and the rate grows back along CUBIC's curve,
//! `C·(t − K)³ + rate_before`, with `K` chosen so the curve starts at the lowered rate: slowly
//! near the old rate, faster beyond it. Once the paced rate reaches the budget's own rate the
//! window alone governs again. This is the AWS SDKs' adaptive retry mode
//! (`aws-smithy-runtime`'s `client_rate_limiter.rs`), kept as a spacing between sends instead
//! of a token bucket so it composes with the sliding window.

use std::time::Duration;

/// How far a throttle lowers the rate.
pub(crate) const BETA: f64 = 0.7;
/// How fast the rate grows back (calls per second, per second cubed).
const SCALE: f64 = 0.4;
/// The lowest paced rate: one call every two seconds.
const MIN_RATE: f64 = 0.5;

/// Pacing state for one budget.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pacing {
    /// Set while throttled: the curve to follow.
    curve: Option<Curve>,
    /// The earliest time the next paced call may go.
    next_free: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Curve {
    /// The rate before the throttle.
    before: f64,
    /// When the throttle happened.
    at: Duration,
    /// `K`: how long after the throttle the curve is back at `before`.
    k: f64,
    /// The budget's own rate: pacing stops once the curve passes it.
    ceiling: f64,
}

impl Curve {
    fn rate(&self, now: Duration) -> f64 {
        let t = now.saturating_sub(self.at).as_secs_f64() - self.k;
        (SCALE * t * t * t + self.before).max(MIN_RATE)
    }
}

impl Pacing {
    /// The paced rate at `now` (calls per second), or `None` when not pacing.
    pub fn rate(&self, now: Duration) -> Option<f64> {
        self.curve.map(|c| c.rate(now))
    }

    /// The time a call `position` places back in the queue may go, if the window lets it go
    /// at `at`: paced calls are spaced by the current rate.
    pub fn slot(&mut self, at: Duration, position: usize) -> Duration {
        let Some(curve) = self.curve else { return at };
        let rate = curve.rate(at);
        if rate >= curve.ceiling {
            self.curve = None;
            return at;
        }
        let spacing = Duration::from_secs_f64(1.0 / rate);
        at.max(self.next_free + spacing.saturating_mul(u32::try_from(position).unwrap_or(u32::MAX)))
    }

    /// A paced call went out at `now`: the next waits one interval.
    pub fn sent(&mut self, now: Duration) {
        if let Some(curve) = self.curve {
            let spacing = Duration::from_secs_f64(1.0 / curve.rate(now));
            self.next_free = self.next_free.max(now) + spacing;
        }
    }

    /// A 429 at `now`, after this client sent `sent_rate` calls per second over the last
    /// window; `ceiling` is the budget's own rate.
    pub fn throttled(&mut self, now: Duration, sent_rate: f64, ceiling: f64) {
        let current = self
            .rate(now)
            .map_or(sent_rate, |r| r.min(sent_rate.max(MIN_RATE)));
        let before = current.max(MIN_RATE);
        let lowered = (before * BETA).max(MIN_RATE);
        let k = (before * (1.0 - BETA) / SCALE).cbrt();
        self.curve = Some(Curve {
            before,
            at: now,
            k,
            ceiling,
        });
        // The next call waits one lowered interval from now.
        self.next_free = now + Duration::from_secs_f64(1.0 / lowered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds)
    }

    #[test]
    fn not_throttled_means_no_pacing() {
        let mut pacing = Pacing::default();
        assert_eq!(pacing.rate(s(5.0)), None);
        assert_eq!(pacing.slot(s(5.0), 0), s(5.0));
        pacing.sent(s(5.0));
        assert_eq!(pacing.slot(s(5.0), 3), s(5.0));
    }

    #[test]
    fn a_throttle_lowers_the_rate_to_seventy_percent_then_it_grows_back() {
        let mut pacing = Pacing::default();
        pacing.throttled(s(100.0), 10.0, 10.0);
        let rate = |p: &Pacing, t| p.rate(s(t)).unwrap();
        assert!((rate(&pacing, 100.0) - 7.0).abs() < 1e-9, "0.7 of 10");
        let k = (10.0_f64 * 0.3 / 0.4).cbrt();
        assert!(
            (rate(&pacing, 100.0 + k) - 10.0).abs() < 1e-9,
            "back at 10 after K"
        );
        assert!(rate(&pacing, 100.5) > 7.0 && rate(&pacing, 100.5) < rate(&pacing, 101.0));
        // Calls are spaced by the paced rate, in queue order.
        let first = pacing.slot(s(100.0), 0);
        let second = pacing.slot(s(100.0), 1);
        let close = |a: Duration, b: f64| (a.as_secs_f64() - b).abs() < 1e-6;
        assert!(
            close(first, 100.0 + 1.0 / 7.0),
            "one interval at 7 per second: {first:?}"
        );
        assert!(
            close(second - first, 1.0 / 7.0),
            "the next one interval later: {second:?}"
        );
        pacing.sent(first);
        let next = pacing.slot(s(100.0), 0);
        assert!(
            next > first && next <= second,
            "the next in line takes the next slot: {next:?}"
        );
        // Past the budget's own rate, pacing stops.
        assert_eq!(pacing.slot(s(110.0), 0), s(110.0));
        assert_eq!(pacing.rate(s(110.0)), None);
    }

    #[test]
    fn repeated_throttles_compound_but_never_stop_calls() {
        let mut pacing = Pacing::default();
        for i in 0..20 {
            pacing.throttled(s(i as f64 * 0.01), 10.0, 10.0);
        }
        let rate = pacing.rate(s(0.2)).unwrap();
        assert!((MIN_RATE..1.0).contains(&rate), "{rate}");
        let next = pacing.slot(s(0.2), 0);
        assert!(
            next <= s(0.2 + 1.0 / MIN_RATE),
            "at most two seconds apart: {next:?}"
        );
    }

    #[test]
    fn a_burst_measured_over_the_window_lowers_from_the_window_rate() {
        let mut pacing = Pacing::default();
        // 50 calls in the last 10 s window: 5 per second, whatever the burst looked like.
        pacing.throttled(s(1.0), 5.0, 10.0);
        assert!((pacing.rate(s(1.0)).unwrap() - 3.5).abs() < 1e-9);
    }
}
