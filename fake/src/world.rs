//! Everything the fake knows, behind one lock: the account (deals, pipelines, properties,
//! the journal), tokens, budgets, faults, the log, the calendar.

use crate::auth::Tokens;
use crate::faults::Faults;
use crate::limits::Limiter;
use crate::log::Log;
use crate::store::Store;
use crate::webhooks::Outbox;
use chrono::{DateTime, Utc};
use hubspot_deals::clock::SharedClock;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug)]
pub(crate) struct World {
    pub store: Store,
    pub tokens: Tokens,
    pub limiter: Limiter,
    pub faults: Faults,
    /// Draws tokens and authorization codes: random each run unless the fake was seeded.
    pub secrets: fastrand::Rng,
    pub log: Log,
    pub clock: SharedClock,
    pub base_url: String,
    pub indexing_lag: Duration,
    /// Where `Held` requests wait, and how many wait there now.
    pub held: Arc<(Semaphore, AtomicUsize)>,
    /// When each deal becomes visible to search (absent: visible).
    visible_at: HashMap<u64, DateTime<Utc>>,
    /// Where deal changes go as webhook events, if anyone subscribed.
    pub webhooks: Option<Outbox>,
    /// The app's webhooks journal subscriptions.
    pub journal: crate::journal::subscriptions::Subscriptions,
    /// The webhooks journal's entries.
    pub journal_log: crate::journal::log::Journal,
    /// The fake's calendar day (`YYYY-MM-DD`): versions HubSpot retires before it are
    /// refused (`None`: every version is served).
    pub as_of: Option<String>,
    /// Whether the call being answered is of a version that applies the account's rules to
    /// writes (2026-09 on).
    pub account_rules: bool,
}

impl World {
    pub fn new(
        base_url: String,
        store: Store,
        tokens: Tokens,
        limiter: Limiter,
        faults: Faults,
        clock: SharedClock,
        indexing_lag: Duration,
    ) -> Self {
        Self {
            store,
            tokens,
            limiter,
            faults,
            secrets: fastrand::Rng::new(),
            log: Log::default(),
            clock,
            base_url,
            indexing_lag,
            held: Arc::new((Semaphore::new(0), AtomicUsize::new(0))),
            visible_at: HashMap::new(),
            webhooks: None,
            journal: Default::default(),
            journal_log: Default::default(),
            as_of: None,
            account_rules: false,
        }
    }

    /// Records the changes the last request made in the journal (those its subscriptions
    /// ask for) and sends them to the webhook subscriber, if any.
    pub fn publish_changes(&mut self) {
        let now = self.now();
        let changes = self.store.take_changes();
        if changes.is_empty() {
            return;
        }
        let events: Vec<serde_json::Value> = changes
            .iter()
            .flat_map(|change| {
                let store = &self.store;
                self.journal
                    .asking_for(change)
                    .into_iter()
                    .map(move |id| crate::journal::log::event(change, id, store, now))
            })
            .collect();
        self.journal_log.record(events, now, &mut self.secrets);
        if let Some(outbox) = &mut self.webhooks {
            outbox.publish(changes, crate::PORTAL_ID, now);
        }
    }

    /// Checks the values a write gives a deal (`existing`, or a new one): each property's
    /// value, and the account's rules where the version called applies them.
    pub fn validate_deal(
        &self,
        values: &BTreeMap<String, String>,
        existing: Option<u64>,
    ) -> Result<(), crate::errors::ApiError> {
        self.store.validate(values, existing)?;
        if self.account_rules {
            self.store.check_account_rules(values, existing)?;
        }
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Creates a deal (values already validated) at `now`, and schedules it for search.
    pub fn create_deal(
        &mut self,
        values: BTreeMap<String, String>,
        associations: Vec<(String, String, String)>,
        now: DateTime<Utc>,
    ) -> u64 {
        let id = self.store.create(values, associations, now);
        self.index(id);
        id
    }

    /// Notes a new deal for search, which sees it only after the indexing lag.
    pub fn index(&mut self, id: u64) {
        if !self.indexing_lag.is_zero() {
            let lag =
                chrono::Duration::from_std(self.indexing_lag).unwrap_or(chrono::Duration::MAX);
            let now = self.now();
            self.visible_at
                .insert(id, now.checked_add_signed(lag).unwrap_or(now));
        }
    }

    /// Whether search sees the deal yet.
    pub fn indexed(&self, id: u64, now: DateTime<Utc>) -> bool {
        self.visible_at.get(&id).is_none_or(|at| now >= *at)
    }
}
