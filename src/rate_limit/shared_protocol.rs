//! How the limiter spends a budget shared by several processes: the call whose local time
//! has come asks the shared store for its slot (one question at a time per budget; processes
//! that went longest without a slot ask first), HubSpot's counts are told to the store with
//! the next question, and while the store cannot answer the budget's [`WhenUnavailable`]
//! policy holds and the store is asked again once a second.

use super::limiter::{Limiter, Refused};
use super::shared::{Answer, Ask, Fill, SharedBudget, StoreFuture, WhenUnavailable};
use super::window::{headroom, kept};
use crate::operations::Budget;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How late after its time a call with a shared budget asks the store: a millisecond at
/// random, plus a millisecond for each of up to four windows fewer than `starving` (the
/// windows since its process last got a shared slot). When processes wait for the same
/// slot, the one that went longest without asks first, so none starves, and the others do
/// not all ask at the same instant.
pub(super) fn ask_delay(starving: u64) -> Duration {
    const STEPS: u64 = 4;
    Duration::from_micros(STEPS.saturating_sub(starving) * 1_000 + fastrand::u64(0..1_000))
}

/// Calls HubSpot counted: `spent` in the `interval` before the arrival of a call sent at
/// `sent` and answered at `answered` (its headers, or a full window after 429s in a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HubSpotCount {
    pub spent: u32,
    pub interval: Duration,
    pub sent: Duration,
    pub answered: Duration,
}

impl HubSpotCount {
    /// As the store takes it at `now`, by the rule of [`Window::adapt`]: compared with the
    /// permits from `sent` less the kept interval up to now; calls made elsewhere added at
    /// the answer less the headroom, where an answered call's permit would stand.
    pub fn fill(self, now: Duration) -> Fill {
        Fill {
            spent: self.spent,
            since: now.saturating_sub(self.sent) + kept(self.interval),
            age: now.saturating_sub(self.answered) + headroom(self.interval),
        }
    }
}

/// A lane's view of its shared budget.
#[derive(Debug, Default)]
pub(super) struct SharedState {
    /// Set while the store cannot answer.
    pub outage: Option<StoreOutage>,
    /// What HubSpot counted last, not yet told to the store.
    pub counted: Option<HubSpotCount>,
    /// When this process last got a slot from the store (or was first refused one).
    pub served: Option<Duration>,
}

impl SharedState {
    /// Whole windows (rounded) since this process last got a shared slot.
    pub fn starving(&self, now: Duration, window: Duration) -> u64 {
        let Some(served) = self.served else { return 0 };
        let window = window.as_millis().max(1);
        let since = now.saturating_sub(served).as_millis();
        u64::try_from((since + window / 2) / window).unwrap_or(u64::MAX)
    }
}

#[derive(Debug)]
pub(super) struct StoreOutage {
    /// When to ask the store again.
    pub retry_at: Duration,
    /// Why it failed last.
    reason: String,
}

/// A shared budget, as the limiter uses it.
#[derive(Debug)]
pub(super) struct SharedBudgetClient {
    pub budget: SharedBudget,
    /// One question to the store at a time per lane (ten-second, search), first come first
    /// served (tokio's mutex is fair).
    pub ask_locks: [tokio::sync::Mutex<()>; 2],
    /// Names this process's permits apart from every other process's.
    pub instance: String,
    pub next_member: AtomicU64,
}

impl SharedBudgetClient {
    pub fn ask_lock(&self, budget: Budget) -> &tokio::sync::Mutex<()> {
        &self.ask_locks[budget.index()]
    }

    pub fn member(&self) -> String {
        let n = self.next_member.fetch_add(1, Ordering::Relaxed);
        format!("{}:{n}", self.instance)
    }
}

/// What the shared store (or its absence) lets the first call in line do.
pub(super) enum SharedDecision {
    /// Send now; `member` names the permit in the store, given no sooner than `asked`;
    /// `unshared` when the store did not count it (it was down).
    Send {
        member: Option<(String, Duration)>,
        unshared: bool,
    },
    /// Wait until then.
    WaitUntil(Duration),
    /// The budget changed (the store went down): compute the local time again.
    Recompute,
}

/// Runs a store's clean-up in the background, when there is a runtime to run it.
pub(super) fn detach<T: Send + 'static>(future: StoreFuture<T>) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move {
            if let Err(reason) = future.await {
                tracing::debug!(%reason, "shared rate budget: a clean-up did not reach the store");
            }
        });
    }
}

impl Limiter {
    /// The call `ticket`, first in line here, asks the shared store for its slot (one call at
    /// a time per lane), or follows the policy while the store is down.
    pub(super) async fn ask(
        &self,
        shared: &SharedBudgetClient,
        budget: Budget,
        ticket: u64,
    ) -> Result<SharedDecision, Refused> {
        let _turn = shared.ask_lock(budget).lock().await;
        let now = self.clock.monotonic();
        let (ask, counted) = {
            let mut lane = self.lane(budget);
            let at = lane.time(ticket, now, self.adaptive);
            if at > now {
                return Ok(SharedDecision::WaitUntil(at));
            }
            let Some(quota) = lane.window.whole_quota() else {
                // An unlimited lane: nothing to share.
                return Ok(SharedDecision::Send {
                    member: None,
                    unshared: false,
                });
            };
            if let Some(down) = &lane.shared_state.outage
                && now < down.retry_at
            {
                return match shared.budget.when_unavailable {
                    WhenUnavailable::Fail => Err(Refused::Unavailable {
                        name: shared.budget.name.clone(),
                        reason: down.reason.clone(),
                    }),
                    WhenUnavailable::Local { .. } => Ok(SharedDecision::Send {
                        member: None,
                        unshared: true,
                    }),
                };
            }
            let unseen = if lane.shared_state.outage.is_some() {
                lane.window.unshared(now)
            } else {
                Vec::new()
            };
            let counted = lane.shared_state.counted;
            let ask = Ask {
                budget,
                limit: quota.calls.max(1),
                kept: kept(quota.window),
                member: shared.member(),
                take: true,
                unseen,
                fill: counted.map(|c| c.fill(now)),
            };
            (ask, counted)
        };
        let member = ask.member.clone();
        let asked = now;
        tracing::trace!(shared_budget = %shared.budget.name, ?budget, "asking the shared rate budget's store");
        let answer = shared.budget.store.ask(ask, shared.budget.timeout).await;
        let now = self.clock.monotonic();
        let mut lane = self.lane(budget);
        let name = &shared.budget.name;
        match answer {
            Ok(answer) => {
                // Told (unless a newer count came meanwhile, which waits for the next ask).
                if lane.shared_state.counted == counted {
                    lane.shared_state.counted = None;
                }
                if lane.shared_state.outage.take().is_some() {
                    lane.window.set_share(1);
                    lane.window.all_shared();
                    tracing::info!(
                        shared_budget = %name,
                        "the shared rate budget answers again: calls spend it again"
                    );
                }
                Ok(match answer {
                    Answer::Granted => {
                        lane.shared_state.served = Some(now);
                        SharedDecision::Send {
                            member: Some((member, asked)),
                            unshared: false,
                        }
                    }
                    Answer::Wait(wait) => {
                        lane.shared_state.served.get_or_insert(now);
                        SharedDecision::WaitUntil(now + wait)
                    }
                })
            }
            Err(reason) => {
                let was_up = lane.shared_state.outage.is_none();
                if was_up && let Some(notify) = &shared.budget.on_unavailable {
                    notify(&reason);
                }
                lane.shared_state.outage = Some(StoreOutage {
                    retry_at: now + shared.budget.retry_every,
                    reason: reason.clone(),
                });
                match shared.budget.when_unavailable {
                    WhenUnavailable::Fail => {
                        if was_up {
                            tracing::warn!(
                                shared_budget = %name,
                                %reason,
                                "the shared rate budget is unavailable: calls fail until it answers"
                            );
                        }
                        Err(Refused::Unavailable {
                            name: name.clone(),
                            reason,
                        })
                    }
                    WhenUnavailable::Local { workers } => {
                        lane.window.set_share(workers.get());
                        if was_up {
                            // What the other processes spent of the window is unknown: it is
                            // taken as full, so their calls leave HubSpot's count first.
                            if workers.get() > 1 {
                                lane.window.saturate(now);
                            }
                            tracing::warn!(
                                shared_budget = %name,
                                %reason,
                                workers = workers.get(),
                                "the shared rate budget is unavailable: calls go on at this \
                                 process's share of the budget, after a window, until it answers"
                            );
                        }
                        Ok(SharedDecision::Recompute)
                    }
                }
            }
        }
    }
}
