//! The webhooks journal's state: the app's subscriptions and filters, and the entries the
//! account's changes are recorded in (read by offset, kept for the retention period).

pub(crate) mod log;
pub(crate) mod subscriptions;

pub use log::{BATCH_ENTRIES, EVENTS_PER_ENTRY, JournalOptions};
