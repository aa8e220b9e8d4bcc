//! The webhooks journal (API version 2026-03): the client Progenitor generates from
//! `spec/webhooks_journal.json`, through the same runtime as deals (auth, rate limit, retries,
//! errors). The journal is an app's log of changes to the objects it subscribed to, kept
//! three days and read by offset: this account's (`local_journal_*`, with
//! `install_portal_id`) or every installing account's (`journal_*`). Each read answers
//! where the entry's content is (`url`, until `expires_at`) and its `current_offset`.
//!
//! [`Feed`] reads the journal as typed deal changes ([`JournalEntry`], [`DealChange`]), each
//! entry once and in order, resuming after a stored offset; [`bridge_gap`] recovers when an
//! offset expired; [`subscribe_deals`] makes the subscriptions a deals feed needs.
//!
//! It is authorized with the app's own token: [`OAuth::client_credentials`] with the
//! journal's scopes as HubSpot's guide names them (`developer.webhooks_journal.read` to read,
//! `developer.webhooks_journal.subscriptions.read` and `.write` for subscriptions,
//! `developer.webhooks_journal.snapshots.read` and `.write` for snapshots; HubSpot's OpenAPI
//! document names them `webhooks-journal-data-access`, …).
//!
//! [`OAuth::client_credentials`]: crate::auth::OAuth::client_credentials
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! let batch = client.journal().journal_batch_earliest().count(100).send().await?.into_inner();
//! for entry in &batch.results {
//!     println!("{} until {}: {}", entry.current_offset, entry.expires_at, entry.url);
//! }
//! # Ok(()) }
//! ```

generated_client!(
    "webhooks_journal_client.rs",
    journal,
    "The webhooks journal ([`crate::journal`]), through this client's runtime (give the client an app's client-credentials token for it)."
);

mod bridge;
mod change;
pub mod content;
mod feed;
mod subscriptions;

pub use bridge::{Bridge, DEFAULT_DEAL_PROPERTIES, bridge_gap};
pub(crate) use change::time_of;
pub use change::{AssociationChange, ChangeKind, DealChange, JournalEntry};
pub use content::{MAX_CONTENT_BYTES, MAX_EVENTS, MAX_VALUES};
pub use feed::{DOWNLOADS_AT_ONCE, Feed, FeedCalls, MAX_BATCH, Start};
pub use subscriptions::{
    deal_subscription_requests, deal_subscriptions, subscribe_deals, unsubscribe_deals,
};

/// HubSpot's object type id of deals.
pub const DEALS: &str = "0-3";

/// The object types whose associations with deals a deals feed follows: contacts, companies.
pub const ASSOCIATED: [&str; 2] = ["0-1", "0-2"];
