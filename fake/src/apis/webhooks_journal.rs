//! The webhooks journal's API: reading the journal (this account's, or every installing
//! account's), its subscriptions and filters, and CRM snapshots. The journal's state lives
//! in `crate::journal`.

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::journal::log::JournalRead;
use crate::world::World;

/// Runs a webhooks journal operation.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    let name = request.call.operation.name;
    let now = world.now();
    if let Some(read) = JournalRead::of(name, |p| request.param(p).to_string()) {
        let local = name.starts_with("local_");
        // Another account's local journal: the fake's app is installed in one.
        let elsewhere = local
            && request
                .query
                .get("installPortalId")
                .is_some_and(|p| p != crate::PORTAL_ID.to_string());
        if elsewhere {
            return Err(ApiError::not_found());
        }
        let base_url = world.base_url.clone();
        let journal = &mut world.journal_log;
        return match read {
            JournalRead::BatchRead => journal.read(&request.json()?, &base_url, now),
            JournalRead::Status(id) => journal.status(&id),
            JournalRead::Earliest | JournalRead::Latest | JournalRead::Next(_) => {
                journal.one(&read, &base_url, now)
            }
            _ => journal.many(&read, &base_url, now),
        };
    }
    let subscriptions = &mut world.journal;
    match name {
        "create_crm_snapshots" => {
            let json = request.json()?;
            world
                .journal_log
                .snapshot(&json, &world.store, now, &mut world.secrets)
        }
        "list_journal_subscriptions" => subscriptions.list(),
        "upsert_journal_subscription" => subscriptions.upsert(&request.json()?, now),
        "get_journal_subscription" => subscriptions.get(request.param("subscriptionId")),
        "archive_journal_subscription" => subscriptions.archive(request.param("subscriptionId")),
        "archive_portal_journal_subscriptions" => {
            subscriptions.archive_portal(request.param("portalId"))
        }
        "create_journal_filter" => subscriptions.create_filter(&request.json()?, now),
        "get_journal_filter" => subscriptions.filter(request.param("filterId")),
        "archive_journal_filter" => subscriptions.archive_filter(request.param("filterId")),
        "list_journal_filters" => subscriptions.filters(request.param("subscriptionId")),
        _ => Err(ApiError::not_found()),
    }
}
