//! A fake HubSpot: a stateful, in-memory deals API over real HTTP on loopback, for testing
//! integrations without a HubSpot account, from Rust (this library) or from any language (the
//! `fake-hubspot` binary: `cargo install --path fake`, then `fake-hubspot --port 8080 --token
//! pat-na1-test`).
//!
//! It serves the CRM Deals operations under `/crm/v3/objects/deals`, `/crm/v3/objects/0-3`
//! and the date-versioned paths (`/crm/objects/2026-03/0-3`, …), HubSpot's OAuth endpoints
//! (the v1 token grant and token information, the v3 token, introspection and revocation
//! API, an authorize page), and its own counters and request log at `GET /__fake/stats`. It
//! follows HubSpot's observed behaviour: paging cursors, default and requested properties,
//! validation errors with HubSpot's bodies (unknown, read-only and mistyped properties,
//! stages outside their pipeline), batch limits and 207s, search with filters and its
//! 10,000-result cap, merges, associations, scopes, token expiry, rate limits with HubSpot's
//! headers and 429 bodies, injected faults, and signed webhook delivery of deal changes
//! ([`WebhookSubscriber`]). Where HubSpot's behaviour is uncertain, the choice made is
//! documented on the item and in the README's "Fake HubSpot" section.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use hubspot_deals::Client;
//! use hubspot_deals_fake::FakeHubSpot;
//!
//! let fake = FakeHubSpot::builder().private_app_token("pat-na1-test").start().await?;
//! let client = Client::builder()
//!     .private_app_token("pat-na1-test")
//!     .base_url(fake.base_url())
//!     .build()?;
//! let page = client.get_page().send().await?;
//! assert!(page.results.is_empty());
//! assert_eq!(fake.counters().requests, 1);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod apis;
mod auth;
mod errors;
mod faults;
mod journal;
mod limits;
mod log;
pub mod options;
mod query;
mod route;
mod server;
mod store;
mod webhooks;
mod world;

pub use auth::{FAKE_HUB_DOMAIN, FAKE_USER_EMAIL, FAKE_USER_ID};
pub use auth::{MAX_ACCESS_TOKENS, READ_SCOPE, TokenKind, WRITE_SCOPE, token_label};
pub use faults::{Fault, FaultKind};
pub use journal::{BATCH_ENTRIES, EVENTS_PER_ENTRY, JournalOptions};
pub use limits::RateLimits;
pub use log::{Counters, LOG_CAPACITY, LoggedRequest, OTHER_TOKENS, TOKEN_LABEL_CAPACITY};
pub use store::Pipeline;
pub use webhooks::{
    DELIVERY_LOG_CAPACITY, EVENTS_PER_REQUEST, WEBHOOK_APP_ID, WebhookDelivery, WebhookSubscriber,
};

use hubspot_deals::clock::{SharedClock, SystemClock};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// The portal id the fake reports in error bodies.
pub const PORTAL_ID: u64 = 62515;

/// HubSpot's object type id of deals.
pub(crate) const DEALS_TYPE_ID: &str = "0-3";

/// Configures a [`FakeHubSpot`]; [`FakeHubSpotBuilder::start`] starts it.
#[must_use]
pub struct FakeHubSpotBuilder {
    port: u16,
    tokens: auth::Tokens,
    schema: store::Schema,
    limits: RateLimits,
    faults: Vec<Fault>,
    seed: Option<u64>,
    clock: SharedClock,
    indexing_lag: Duration,
    webhooks: Option<WebhookSubscriber>,
    journal: JournalOptions,
    as_of: Option<String>,
    request_log: Option<std::path::PathBuf>,
}

impl fmt::Debug for FakeHubSpotBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeHubSpotBuilder")
            .field("port", &self.port)
            .field("private_app_tokens", &self.tokens.private_apps.len())
            .field("oauth", &self.tokens.app.is_some())
            .field("limits", &self.limits)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("webhooks", &self.webhooks)
            .finish_non_exhaustive()
    }
}

/// The scopes a default token has: every scope an operation of the registry's APIs asks of
/// an account's token (deals, their pipelines, properties and associations, owners, …);
/// the webhooks journal's scopes go to an app's client-credentials token instead.
fn account_scopes() -> BTreeSet<String> {
    hubspot_deals::operations::all()
        .filter(|(api, operation)| {
            api.auth == hubspot_deals::registry::CallAuth::Bearer
                && api.name != hubspot_deals::registry::WEBHOOKS_JOURNAL.name
                && !operation.scope.is_empty()
        })
        .map(|(_, operation)| operation.scope.to_string())
        .collect()
}

/// What fault draws and correlation ids follow when the fake is not seeded.
const DEFAULT_FAULT_SEED: u64 = 0x5EED;

impl Default for FakeHubSpotBuilder {
    fn default() -> Self {
        let tokens = auth::Tokens::new(account_scopes(), Duration::from_secs(1800));
        Self {
            port: 0,
            tokens,
            schema: store::Schema::default(),
            limits: RateLimits::default(),
            faults: Vec::new(),
            seed: None,
            clock: Arc::new(SystemClock),
            indexing_lag: Duration::ZERO,
            webhooks: None,
            journal: JournalOptions::default(),
            as_of: None,
            request_log: None,
        }
    }
}

impl FakeHubSpotBuilder {
    /// Listens on this loopback port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Accepts this private-app token with every scope an account's token may have for the
    /// APIs the fake serves (reading and writing deals, their pipelines, property
    /// definitions and associations, reading owners).
    pub fn private_app_token(self, token: impl Into<String>) -> Self {
        self.token_with_scopes(token, account_scopes())
    }

    /// Accepts this private-app token with only these scopes (others get 403 `MISSING_SCOPES`).
    pub fn token_with_scopes(
        mut self,
        token: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.tokens
            .add_private_app(token.into(), scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Enables the OAuth token endpoint for this app.
    pub fn oauth_app(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.tokens.app = Some(auth::OAuthApp {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// Accepts this refresh token at the token endpoint (refresh tokens do not rotate
    /// unless [`FakeHubSpotBuilder::rotate_refresh_tokens`] says so).
    pub fn refresh_token(mut self, token: impl Into<String>) -> Self {
        self.tokens.refresh_tokens.insert(token.into(), false);
        self
    }

    /// Makes every refresh return a new refresh token and revoke the one it used (HubSpot's
    /// do not rotate today; a client must still keep the one it is given).
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.tokens.rotate = rotate;
        self
    }

    /// Accepts this single-use authorization code for this redirect URI.
    pub fn authorization_code(
        mut self,
        code: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        self.tokens
            .codes
            .insert(code.into(), (redirect_uri.into(), false));
        self
    }

    /// Registers a redirect URL on the OAuth app: the authorize page (`GET /oauth/authorize`)
    /// then refuses any other (with none registered, it accepts any).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.tokens.redirect_uris.insert(uri.into());
        self
    }

    /// Makes the authorize page answer as if the person declined to install the app.
    pub fn deny_consent(mut self, deny: bool) -> Self {
        self.tokens.deny_consent = deny;
        self
    }

    /// How long minted access tokens live (`expires_in`; HubSpot's is 30 minutes).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.tokens.lifetime = lifetime;
        self
    }

    /// The scopes OAuth access tokens carry (default: every scope of a private-app token).
    pub fn oauth_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tokens.oauth_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The budgets to enforce per token (default [`RateLimits::FREE`]).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Defines a custom deal property.
    pub fn property(mut self, name: impl Into<String>) -> Self {
        self.schema.properties.insert(name.into());
        self
    }

    /// Defines a custom property with unique values, usable as `idProperty` and for upsert.
    pub fn unique_property(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.schema.properties.insert(name.clone());
        self.schema.unique.insert(name);
        self
    }

    /// Gives the account the rule that a deal closed won needs a close date, as an account
    /// admin can ("conditionally required properties"). HubSpot applies such rules to API
    /// writes from 2026-09 on: a 2026-09 create or update that breaks it answers 400
    /// `VALIDATION_ERROR` (`REQUIRED_PROPERTY` for `closedate`); v3 writes are not checked.
    pub fn require_close_date_when_won(mut self) -> Self {
        self.schema.close_date_required_when_won = true;
        self
    }

    /// Adds a pipeline (HubSpot's default pipeline is always there).
    pub fn pipeline(mut self, pipeline: Pipeline) -> Self {
        self.schema.pipelines.retain(|p| p.id != pipeline.id);
        self.schema.pipelines.push(pipeline);
        self
    }

    /// Makes new deals visible to search only after this delay (default: at once).
    pub fn search_indexing_lag(mut self, lag: Duration) -> Self {
        self.indexing_lag = lag;
        self
    }

    /// Injects a fault.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Seeds fault draws, correlation ids, tokens and authorization codes, so a run repeats
    /// exactly. Unseeded, tokens and codes differ on every run (a token from another run is
    /// never accepted) and fault draws follow a fixed default seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Uses this clock for timestamps, token expiry, budgets and indexing lag.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Posts signed webhook events for every deal change to this subscriber (see
    /// [`WebhookSubscriber`]).
    pub fn webhook_subscriber(mut self, subscriber: WebhookSubscriber) -> Self {
        self.webhooks = Some(subscriber);
        self
    }

    /// How long the webhooks journal keeps entries and how long its content URLs are valid
    /// (default: three days, ten minutes), on the fake's clock.
    pub fn journal(mut self, options: JournalOptions) -> Self {
        self.journal = options;
        self
    }

    /// Answers as HubSpot will on `day`: an operation of a version HubSpot
    /// retires before that day (the registry's end dates: OAuth v1 on 2027-02-16, the v4
    /// associations on 2027-03-30, the v3 CRM APIs from 2027-09-01) is refused with 410
    /// Gone, naming the version to use. Date versions past their 18 months of support are
    /// still answered, as HubSpot's versioning guide says (no fixes, no removal announced).
    /// Without it the fake serves every version.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use hubspot_deals_fake::FakeHubSpot;
    /// let fake = FakeHubSpot::builder()
    ///     .private_app_token("pat-na1-test")
    ///     .as_of("2027-10-01".parse()?)
    ///     .start()
    ///     .await?;
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let http = reqwest::Client::new();
    /// let old = http
    ///     .get(format!("{}/crm/v3/objects/deals", fake.base_url()))
    ///     .bearer_auth("pat-na1-test")
    ///     .send()
    ///     .await?;
    /// assert_eq!(old.status(), 410);
    /// # Ok(()) }
    /// ```
    pub fn as_of(mut self, day: chrono::NaiveDate) -> Self {
        self.as_of = Some(day.format("%Y-%m-%d").to_string());
        self
    }

    /// Appends every request it handles to `path` as a JSON line (the fields of
    /// [`LoggedRequest`]), beside the in-memory log: a run's whole record, across fakes and
    /// processes, to check afterwards (which paths were called, with what status).
    pub fn request_log_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.request_log = Some(path.into());
        self
    }

    /// Starts serving on `127.0.0.1` in the current tokio runtime.
    pub async fn start(self) -> std::io::Result<FakeHubSpot> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let address = listener.local_addr()?;
        let base_url = format!("http://{address}");
        let mut store = store::Store::new(self.schema);
        let deliveries = webhooks::Deliveries::default();
        // Changes are kept for the journal, and for webhook subscribers when there are any.
        store.record_changes();
        let outbox = self.webhooks.map(|subscriber| {
            webhooks::Outbox::start(subscriber, self.clock.clone(), deliveries.clone())
        });
        let mut world = world::World::new(
            base_url.clone(),
            store,
            self.tokens,
            limits::Limiter::new(self.limits),
            faults::Faults {
                rules: self.faults,
                rng: fastrand::Rng::with_seed(self.seed.unwrap_or(DEFAULT_FAULT_SEED)),
            },
            self.clock,
            self.indexing_lag,
        );
        world.webhooks = outbox;
        world.journal_log = journal::log::Journal::new(self.journal);
        world.as_of = self.as_of;
        if let Some(path) = &self.request_log {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            world.log.file = Some(std::io::LineWriter::new(file));
        }
        if let Some(seed) = self.seed {
            world.secrets = fastrand::Rng::with_seed(seed);
        }
        let world = Arc::new(Mutex::new(world));
        let (stop, stopped) = watch::channel(());
        tokio::spawn(server::serve(listener, world.clone(), stopped));
        Ok(FakeHubSpot {
            base_url,
            world,
            stop,
            deliveries,
        })
    }
}

/// A running fake HubSpot; it stops when dropped.
pub struct FakeHubSpot {
    base_url: String,
    world: Arc<Mutex<world::World>>,
    stop: watch::Sender<()>,
    deliveries: webhooks::Deliveries,
}

impl fmt::Debug for FakeHubSpot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeHubSpot")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeHubSpot {
    /// Starts configuring a fake.
    pub fn builder() -> FakeHubSpotBuilder {
        FakeHubSpotBuilder::default()
    }

    /// Where it listens, e.g. `http://127.0.0.1:40123`: pass it to `ClientBuilder::base_url`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn world(&self) -> MutexGuard<'_, world::World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The requests handled so far (the last [`LOG_CAPACITY`]), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.world().log.requests.iter().cloned().collect()
    }

    /// Totals over every request handled so far.
    pub fn counters(&self) -> Counters {
        self.world().log.counters.clone()
    }

    /// The counters and request log as JSON, as served at `GET /__fake/stats`.
    pub fn stats_json(&self) -> serde_json::Value {
        server::stats(&self.world())
    }

    /// Forgets the request log and counters.
    pub fn clear_log(&self) {
        let mut world = self.world();
        let file = world.log.file.take();
        world.log = log::Log {
            file,
            ..log::Log::default()
        };
    }

    /// Revokes a refresh token, as when a user removes the app; returns whether it existed.
    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        self.world().tokens.revoke(token)
    }

    /// Adds a fault rule while running.
    pub fn add_fault(&self, fault: Fault) {
        self.world().faults.rules.push(fault);
    }

    /// How many calls a [`FaultKind::Held`] fault holds right now.
    pub fn held(&self) -> usize {
        self.world()
            .held
            .1
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Lets `n` held calls (now or later) go on.
    pub fn release_held(&self, n: usize) {
        self.world().held.0.add_permits(n);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.world().faults.rules.clear();
    }

    /// Changes the budgets while running.
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.world().limiter = limits::Limiter::new(limits);
    }

    /// How many deals exist (archived included).
    pub fn deal_count(&self) -> usize {
        self.world().store.deals().count()
    }

    /// The webhook deliveries attempted so far (the last [`DELIVERY_LOG_CAPACITY`]), oldest
    /// first.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        let log = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect()
    }

    /// Adds deals with these properties at once, as creates would (each is checked the same
    /// way); returns how many were added. For filling a fake with data to try things on.
    pub fn seed_deals<P>(&self, deals: impl IntoIterator<Item = P>) -> Result<usize, String>
    where
        P: IntoIterator<Item = (String, String)>,
    {
        let deals = deals.into_iter().map(|properties| (properties, Vec::new()));
        self.seed_associated_deals(deals).map(|ids| ids.len())
    }

    /// Adds deals with these properties, each associated (by HubSpot's default type) with
    /// the `(object type, id)` pairs given beside it (`contacts`, `companies`,
    /// `line_items`); returns the new deals' ids.
    pub fn seed_associated_deals<P>(
        &self,
        deals: impl IntoIterator<Item = (P, Vec<(String, String)>)>,
    ) -> Result<Vec<String>, String>
    where
        P: IntoIterator<Item = (String, String)>,
    {
        let mut world = self.world();
        let mut ids = Vec::new();
        for (properties, associated) in deals {
            let values: std::collections::BTreeMap<String, String> =
                properties.into_iter().collect();
            world
                .store
                .validate(&values, None)
                .map_err(|e| e.body["message"].as_str().unwrap_or("invalid").to_string())?;
            let associations = associated
                .into_iter()
                .map(|(object, to)| {
                    store::targets::default_kind(&object)
                        .map(|(object, kind)| (object.to_string(), to, kind.to_string()))
                        .ok_or_else(|| {
                            format!("deals do not associate with {object:?}: use contacts, companies or line_items")
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let now = world.now();
            ids.push(world.create_deal(values, associations, now).to_string());
        }
        world.publish_changes();
        Ok(ids)
    }

    /// Appends an entry holding these events to the webhooks journal as they are, whatever
    /// the subscriptions (to show a client events it does not know, as HubSpot may add).
    pub fn append_journal_events(&self, events: Vec<serde_json::Value>) {
        let mut world = self.world();
        let now = world.now();
        let world::World {
            journal_log,
            secrets,
            ..
        } = &mut *world;
        journal_log.record(events, now, secrets);
    }

    /// Brings an archived deal back, as HubSpot's recycle bin does (the API has no restore);
    /// `false` when `id` is not an archived deal, or a unique value of it is taken. The
    /// journal records it as `RESTORE`.
    pub fn restore_deal(&self, id: &str) -> bool {
        let mut world = self.world();
        let now = world.now();
        let restored = id.parse().is_ok_and(|id| world.store.restore(id, now));
        world.publish_changes();
        restored
    }

    /// How many deals are archived.
    pub fn archived_count(&self) -> usize {
        self.world()
            .store
            .deals()
            .filter(|deal| deal.archived_at.is_some())
            .count()
    }
}

impl Drop for FakeHubSpot {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}
