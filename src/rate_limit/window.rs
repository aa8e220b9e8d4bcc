//! One budget's sliding log: the times of the permits given (and of calls HubSpot says were
//! made elsewhere), on the monotonic clock. A call may go when fewer than `calls` permits fall
//! in the preceding window. Never more than the budget goes out in any window, and bursts are
//! allowed. Waiting calls hold no slot: [`Window::slot`] gives the time for a place in the
//! queue, so a call that leaves the queue (its caller gave up) never delays the others.
//!
//! HubSpot counts a call when it arrives, which is somewhere between its permit and its
//! answer; the next call that takes the slot arrives after its own permit. So a slot frees a
//! window and a headroom (1/40 of the window: 250 ms of ten seconds) after its permit was
//! given, and never sooner than a window after its call was answered ([`Window::answered`]
//! moves a permit answered later than the headroom). Two calls a slot apart then reach
//! HubSpot at least a window apart however late either was sent, on an idle or a busy
//! machine. Calls answered within the headroom (most, on an idle machine) move nothing:
//! 97.5% of the budget's throughput.
//!
//! HubSpot's `X-HubSpot-RateLimit-*` headers are used, clamped, only to lower the budget and to
//! learn about calls made elsewhere; values from the network never drive an allocation or an
//! overflow.

use super::Quota;
use std::collections::VecDeque;
use std::time::Duration;

/// The range a window length from a header is clamped to.
const INTERVAL_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// How long after its permit a call may be answered without moving its slot: a 40th of the
/// window.
pub(crate) fn headroom(window: Duration) -> Duration {
    window / 40
}

/// How long a permit stays in the log: the budget's window plus the headroom.
pub(crate) fn kept(window: Duration) -> Duration {
    window.saturating_add(headroom(window))
}

/// One permit in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    at: Duration,
    id: u64,
    /// Given to a call of this client (not learned from HubSpot's headers).
    own: bool,
    /// Given while a shared budget's store was down: the store has not counted it.
    unshared: bool,
}

/// A budget's log of permits given, oldest first.
#[derive(Debug)]
pub(crate) struct Window {
    configured: Option<Quota>,
    /// The configured quota, lowered by what HubSpot's headers said last.
    quota: Option<Quota>,
    entries: VecDeque<Entry>,
    next_id: u64,
    /// How many processes split the budget (1 but while a shared budget's store is down).
    share: u32,
}

impl Window {
    pub fn new(quota: Option<Quota>) -> Self {
        Self {
            configured: quota,
            quota,
            entries: VecDeque::new(),
            next_id: 0,
            share: 1,
        }
    }

    /// The quota in force for this process: the budget's, divided by the share.
    pub fn quota(&self) -> Option<Quota> {
        self.quota.map(|quota| Quota {
            calls: (quota.calls / self.share).max(1),
            ..quota
        })
    }

    /// The quota in force for the whole budget (what a shared store enforces).
    pub fn whole_quota(&self) -> Option<Quota> {
        self.quota
    }

    /// Splits the budget between `share` processes (1: the whole budget is this one's).
    pub fn set_share(&mut self, share: u32) {
        self.share = share.max(1);
    }

    /// How long ago each of this client's calls the shared store has not counted was sent,
    /// of those still in the window.
    pub fn unshared(&mut self, now: Duration) -> Vec<Duration> {
        self.prune(now);
        self.entries
            .iter()
            .filter(|e| e.unshared && e.at <= now)
            .map(|e| now - e.at)
            .collect()
    }

    /// The shared store has counted every call.
    pub fn all_shared(&mut self) {
        for entry in &mut self.entries {
            entry.unshared = false;
        }
    }

    /// Forgets permits that left the window.
    fn prune(&mut self, now: Duration) {
        let Some(quota) = self.quota else {
            self.entries.clear();
            return;
        };
        let horizon = kept(quota.window);
        while self
            .entries
            .front()
            .is_some_and(|e| e.at.saturating_add(horizon) <= now)
        {
            self.entries.pop_front();
        }
    }

    /// The earliest time, not before `now`, at which the call `position` places back in the
    /// queue (0: the next one) keeps within the budget, if the calls ahead of it go as early
    /// as they may. It depends only on the permits given and on the position, so when a
    /// call ahead leaves the queue, every call behind it moves forward.
    pub fn slot(&mut self, position: usize, now: Duration) -> Duration {
        self.prune(now);
        let Some(quota) = self.quota() else {
            return now;
        };
        let calls = quota.calls.max(1) as usize;
        let step = kept(quota.window);
        // In the sequence of given permits followed by the queue, a call's time is that of
        // the call `calls` places earlier plus the window, or now when there is none.
        let given = self.entries.len();
        let mut index = given + position;
        let mut later = Duration::ZERO;
        loop {
            if index < calls {
                return now.saturating_add(later);
            }
            index -= calls;
            later = later.saturating_add(step);
            if index < given {
                return self.entries[index].at.saturating_add(later).max(now);
            }
        }
    }

    /// Records a permit given at `now` (the call goes out); returns its id.
    pub fn give(&mut self, now: Duration, own: bool) -> u64 {
        self.give_as(now, own, false)
    }

    /// Records a permit, noting whether a shared store has not counted it.
    pub fn give_as(&mut self, now: Duration, own: bool, unshared: bool) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if self.quota.is_some() {
            let position = self.entries.partition_point(|e| e.at <= now);
            let entry = Entry {
                at: now,
                id,
                own,
                unshared,
            };
            self.entries.insert(position, entry);
        }
        id
    }

    /// Takes a permit back (its call was never sent).
    pub fn take_back(&mut self, id: u64) {
        self.entries.retain(|e| e.id != id);
    }

    /// Moves a permit to the time its call is actually sent, if that is later.
    pub fn retime(&mut self, id: u64, sent: Duration) {
        if let Some(index) = self.entries.iter().position(|e| e.id == id) {
            let mut entry = self.entries[index];
            if entry.at < sent {
                self.entries.remove(index);
                entry.at = sent;
                let position = self.entries.partition_point(|e| e.at <= sent);
                self.entries.insert(position, entry);
            }
        }
    }

    /// The call of permit `id` was answered at `now`: HubSpot counted it by then, so its slot
    /// frees no sooner than a window after `now` (the permit moves to `now` less the
    /// headroom, if that is later than it stands).
    pub fn answered(&mut self, id: u64, now: Duration) {
        if let Some(quota) = self.quota {
            self.retime(id, now.saturating_sub(headroom(quota.window)));
        }
    }

    /// The rate (calls per second) of this client's own calls in the window ending at `now`,
    /// over the time they span (at least a second), so a burst reads as fast.
    pub fn own_rate(&self, now: Duration) -> f64 {
        let Some(quota) = self.quota else { return 0.0 };
        let mut own = self
            .entries
            .iter()
            .filter(|e| e.own && e.at.saturating_add(quota.window) > now && e.at <= now);
        let Some(oldest) = own.next() else {
            return 0.0;
        };
        let count = 1 + own.count();
        let span = now.saturating_sub(oldest.at).max(Duration::from_secs(1));
        count as f64 / span.as_secs_f64()
    }

    /// Follows HubSpot's view of the budget: `max` calls per `interval`, `remaining` of them
    /// left, as HubSpot counted when the call that brought the headers arrived (it was sent
    /// at `sent`, answered at `now`). The quota can only go down from the configured one;
    /// calls HubSpot counted that this log has not seen (another process on the same app) are
    /// added.
    ///
    /// HubSpot counted the calls that arrived within an interval before this one's arrival,
    /// which was between `sent` and `now`. A call of ours it counted arrived after that
    /// interval's start, so its permit stands after the start less the headroom (a permit is
    /// at most the headroom before its call's answer, [`Window::answered`]): its count is
    /// compared with the permits from `sent` less the interval and the headroom up to `now`.
    /// The calls made elsewhere arrived by `now`: they are added where they leave the
    /// window a window after `now`, as an answered call's permit would.
    pub fn adapt(
        &mut self,
        max: u64,
        interval: Duration,
        remaining: u64,
        sent: Duration,
        now: Duration,
    ) {
        let Some((calls, interval)) = self.lower(max, interval) else {
            return;
        };
        let sent = sent.min(now);
        let seen = self
            .entries
            .iter()
            .filter(|e| e.at.saturating_add(kept(interval)) > sent && e.at <= now)
            .count() as u64;
        let spent = max.saturating_sub(remaining).min(u64::from(calls));
        let at = self.answered_at(now);
        for _ in seen..spent {
            self.give(at, false);
        }
        self.prune(now);
    }

    /// Where a call answered at `now` stands in the log, at the latest.
    fn answered_at(&self, now: Duration) -> Duration {
        self.quota
            .map_or(now, |quota| now.saturating_sub(headroom(quota.window)))
    }

    /// Follows HubSpot's `max` calls per `interval` (clamped; only ever lower than the
    /// configured quota), without counting its calls (a shared store counts them). Returns
    /// the calls and the clamped interval, or `None` when unlimited or `max` is 0.
    pub fn lower(&mut self, max: u64, interval: Duration) -> Option<(u32, Duration)> {
        let configured = self.configured?;
        if max == 0 {
            return None;
        }
        let interval = interval.clamp(INTERVAL_RANGE.0, INTERVAL_RANGE.1);
        let calls = u32::try_from(max).unwrap_or(u32::MAX).min(configured.calls);
        self.quota = Some(Quota {
            calls,
            window: interval.max(configured.window),
        });
        Some((calls, interval))
    }

    /// The whole budget is spent as far as this process can tell (HubSpot said so with 429s
    /// in a row; or a shared budget's store went down and the calls the other processes made
    /// are unknown): the window is taken as full at `now` (calls it does not know of are
    /// added at `now`), so the next call waits for the oldest known call to leave the window.
    pub fn saturate(&mut self, now: Duration) {
        let Some(quota) = self.whole_quota() else {
            return;
        };
        self.prune(now);
        let missing = (quota.calls as usize).saturating_sub(self.entries.len());
        for _ in 0..missing {
            self.give(now, false);
        }
    }

    /// How many permits the log holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn quota(calls: u32) -> Option<Quota> {
        Some(Quota {
            calls,
            window: Duration::from_secs(10),
        })
    }

    /// The time of the next call, given at once when it is due.
    fn take(window: &mut Window, now: Duration) -> Duration {
        let at = window.slot(0, now);
        window.give(at, true);
        at
    }

    #[test]
    fn bursts_then_waits_for_the_oldest_permit_to_leave_the_window() {
        let mut window = Window::new(quota(3));
        let times: Vec<u128> = (0..7)
            .map(|_| take(&mut window, ms(0)).as_millis())
            .collect();
        assert_eq!(
            times,
            [0, 0, 0, 10_250, 10_250, 10_250, 20_500],
            "windows keep 1/40 slack"
        );
        assert_eq!(
            take(&mut window, ms(25_000)),
            ms(25_000),
            "one in the window: room"
        );
        assert_eq!(take(&mut window, ms(60_000)), ms(60_000), "an empty window");
    }

    #[test]
    fn queue_positions_get_successive_slots() {
        let mut window = Window::new(quota(2));
        window.give(ms(0), true);
        window.give(ms(1_000), true);
        let slots: Vec<u128> = (0..5)
            .map(|p| window.slot(p, ms(2_000)).as_millis())
            .collect();
        assert_eq!(slots, [10_250, 11_250, 20_500, 21_500, 30_750]);
        // A queue ahead of an empty log: the first `calls` go now.
        let mut empty = Window::new(quota(2));
        let slots: Vec<u128> = (0..5).map(|p| empty.slot(p, ms(7)).as_millis()).collect();
        assert_eq!(slots, [7, 7, 10_257, 10_257, 20_507]);
    }

    #[test]
    fn never_more_than_the_budget_in_any_window() {
        let mut window = Window::new(quota(10));
        let mut sent = Vec::new();
        let mut now = 0;
        for i in 0..300u64 {
            now += (i * 37) % 900;
            let at = window.slot(0, ms(now));
            if at <= ms(now) {
                window.give(ms(now), true);
                sent.push(now);
            }
        }
        assert!(sent.len() > 50);
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
    fn a_permit_taken_back_frees_its_slot_and_retime_only_moves_later() {
        let mut window = Window::new(quota(2));
        window.give(ms(0), true);
        let second = window.give(ms(0), true);
        assert_eq!(window.slot(0, ms(1_000)), ms(10_250));
        window.take_back(second);
        assert_eq!(window.slot(0, ms(1_000)), ms(1_000));
        assert_eq!(window.len(), 1, "the other permit stays");
        let third = window.give(ms(1_000), true);
        window.retime(third, ms(4_000));
        assert_eq!(window.slot(0, ms(5_000)), ms(10_250));
        assert_eq!(window.slot(1, ms(5_000)), ms(14_250));
        window.retime(third, ms(2_000));
        assert_eq!(window.slot(1, ms(5_000)), ms(14_250), "never moved earlier");
    }

    #[test]
    fn a_saturated_window_frees_a_slot_when_its_oldest_call_leaves() {
        let mut window = Window::new(quota(4));
        window.give(ms(1_000), true);
        window.give(ms(3_000), true);
        window.saturate(ms(5_000));
        assert_eq!(window.len(), 4);
        assert_eq!(
            window.slot(0, ms(5_000)),
            ms(11_250),
            "when the call at 1 s leaves"
        );
        assert_eq!(window.slot(1, ms(5_000)), ms(13_250));
        assert_eq!(
            window.slot(2, ms(5_000)),
            ms(15_250),
            "then the calls HubSpot counted"
        );
        window.saturate(ms(5_000));
        assert_eq!(window.len(), 4, "a full window stays as it is");
        let mut unlimited = Window::new(None);
        unlimited.saturate(ms(0));
        assert_eq!(unlimited.len(), 0);
    }

    #[test]
    fn memory_follows_the_window_not_the_budget() {
        let mut window = Window::new(quota(1_000_000));
        for second in 0..100 {
            for _ in 0..50 {
                assert_eq!(take(&mut window, ms(second * 1000)), ms(second * 1000));
            }
        }
        assert!(window.len() <= 11 * 50, "{}", window.len());
    }

    #[test]
    fn calls_a_shared_store_has_not_counted_are_told_once() {
        let mut window = Window::new(quota(10));
        window.give_as(ms(1_000), true, true);
        window.give_as(ms(2_000), true, false);
        window.give_as(ms(3_000), true, true);
        window.give_as(ms(9_000), true, true);
        assert_eq!(
            window.unshared(ms(5_000)),
            [ms(4_000), ms(2_000)],
            "how long ago each uncounted call went, none from the future"
        );
        window.all_shared();
        assert!(window.unshared(ms(9_000)).is_empty());
        window.set_share(4);
        assert_eq!(window.quota(), quota(2), "a quarter of 10, rounded down");
        assert_eq!(window.whole_quota(), quota(10));
        window.set_share(20);
        assert_eq!(window.quota(), quota(1), "never below one call");
    }

    #[test]
    fn adapts_to_hubspot_headers() {
        let mut window = Window::new(quota(100));
        take(&mut window, ms(0));
        // HubSpot counts 3 spent of 4 (another process spent 2): one slot is left.
        window.adapt(4, ms(10_000), 1, ms(0), ms(0));
        assert_eq!(window.quota(), quota(4));
        assert_eq!(take(&mut window, ms(0)), ms(0));
        assert_eq!(take(&mut window, ms(0)), ms(10_250));
        assert_eq!(window.own_rate(ms(0)), 2.0, "learned calls are not our own");
        window.give(ms(4_000), true);
        assert_eq!(window.own_rate(ms(4_000)), 0.75, "3 calls over 4 s");
    }

    #[test]
    fn calls_exactly_a_window_old_are_out_of_it() {
        let mut rate = Window::new(quota(10));
        rate.give(ms(0), true);
        rate.give(ms(9_000), true);
        assert_eq!(
            rate.own_rate(ms(10_000)),
            1.0,
            "only the call at 9 s counts, over a second"
        );
        // Ours at 0 reached HubSpot within the headroom of its permit (else it would have
        // moved): HubSpot's count as of a call sent at 10,249 may include it; at 10,250 not.
        assert_eq!(
            slot_after_headers(1, &[0], (1, 10_000, 0), 10_249, 10_249),
            ms(10_250),
            "HubSpot's count may be ours"
        );
        assert_eq!(
            slot_after_headers(1, &[0], (1, 10_000, 0), 10_250, 10_250),
            ms(20_250),
            "a call HubSpot counts that is not ours was made elsewhere: it leaves HubSpot's \
             window a window after the answer"
        );
    }

    #[test]
    fn a_call_answered_late_frees_its_slot_a_window_after_the_answer() {
        let mut window = Window::new(quota(1));
        let first = window.give(ms(0), true);
        window.answered(first, ms(250));
        assert_eq!(window.slot(0, ms(300)), ms(10_250), "within the headroom");
        window.answered(first, ms(900));
        assert_eq!(
            window.slot(0, ms(1_000)),
            ms(10_900),
            "a window after the answer, when HubSpot had counted it at the latest"
        );
        window.answered(first, ms(400));
        assert_eq!(window.slot(0, ms(1_000)), ms(10_900), "never moved earlier");
        let mut unlimited = Window::new(None);
        let id = unlimited.give(ms(0), true);
        unlimited.answered(id, ms(5_000));
        assert_eq!(unlimited.slot(0, ms(5_000)), ms(5_000));
    }

    /// The next call's slot at `now` in a budget of `calls` per 10 s holding our calls given
    /// at `ours`, once HubSpot's headers (`max` per `interval` ms, `remaining` left) came
    /// back at `now` on the answer to a call sent at `sent` (all in ms).
    fn slot_after_headers(
        calls: u32,
        ours: &[u64],
        (max, interval, remaining): (u64, u64, u64),
        sent: u64,
        now: u64,
    ) -> Duration {
        let mut window = Window::new(quota(calls));
        for at in ours {
            window.give(ms(*at), true);
        }
        window.adapt(max, ms(interval), remaining, ms(sent), ms(now));
        window.slot(0, ms(now))
    }

    #[test]
    fn a_shorter_interval_from_headers_counts_over_its_own_span() {
        // The window stays the configured 10 s; HubSpot counts over 5 s (kept: 5,125 ms).
        assert_eq!(
            slot_after_headers(2, &[0], (2, 5_000, 1), 5_124, 5_200),
            ms(5_200),
            "the call HubSpot counts may be ours"
        );
        assert_eq!(
            slot_after_headers(2, &[0], (2, 5_000, 1), 5_125, 5_200),
            ms(10_250),
            "ours left HubSpot's interval: the one it counts was made elsewhere"
        );
    }

    #[test]
    fn a_slow_answer_is_compared_as_of_when_its_call_was_sent() {
        // Sent at 9,900, answered at 10,100: HubSpot counted both of ours (0 and 5,000) and
        // nothing else, though the call at 0 is over an interval before the answer.
        assert_eq!(
            slot_after_headers(2, &[0, 5_000], (2, 10_000, 0), 9_900, 10_100),
            ms(10_250),
            "the next call goes when the one at 0 leaves, not a window later"
        );
        // Sent at 10,300: ours at 0 is out of HubSpot's count, so both calls it counts were
        // made elsewhere; they leave HubSpot's window a window after the answer.
        assert_eq!(
            slot_after_headers(2, &[0], (2, 10_000, 0), 10_300, 10_350),
            ms(20_350)
        );
    }

    #[test]
    fn a_call_sent_after_the_answered_one_may_be_in_hubspots_count() {
        // Ours at 0 and 50; the call sent at 0 is answered at 200 with 2 of 3 spent: both are
        // ours (the one sent at 50 arrived first), so one slot is left now.
        assert_eq!(
            slot_after_headers(3, &[0, 50], (3, 10_000, 1), 0, 200),
            ms(200)
        );
    }

    #[test]
    fn headers_only_lower_the_budget_and_are_clamped() {
        let mut window = Window::new(quota(10));
        window.adapt(1_000, ms(10_000), 1_000, ms(0), ms(0));
        assert_eq!(
            window.quota(),
            quota(10),
            "never raised above the configured 10"
        );
        window.adapt(5, ms(10_000), 5, ms(0), ms(0));
        assert_eq!(window.quota(), quota(5));
        window.adapt(50, ms(10_000), 50, ms(0), ms(0));
        assert_eq!(
            window.quota(),
            quota(10),
            "back up to the configured budget, not beyond"
        );
        window.adapt(10, ms(1), 10, ms(0), ms(0));
        assert_eq!(
            window.quota(),
            quota(10),
            "a tiny interval cannot shorten the window"
        );
        window.adapt(u64::MAX, Duration::from_millis(u64::MAX), 0, ms(0), ms(0));
        assert_eq!(
            window.quota(),
            Some(Quota {
                calls: 10,
                window: Duration::from_secs(60)
            }),
            "a huge interval is clamped to a minute"
        );
        assert!(
            window.len() <= 10,
            "Remaining 0 of u64::MAX adds at most the budget: {}",
            window.len()
        );
        assert_eq!(window.slot(0, ms(0)), ms(61_500), "never stuck for good");

        let mut unlimited = Window::new(None);
        unlimited.adapt(4, ms(10_000), 0, ms(0), ms(0));
        assert_eq!(
            unlimited.quota(),
            None,
            "an unlimited client ignores headers"
        );
        assert!((0..1000).all(|_| take(&mut unlimited, ms(0)) == ms(0)));
        assert_eq!(unlimited.len(), 0);
    }
}
