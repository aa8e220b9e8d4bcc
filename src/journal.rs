//! The webhooks journal (API version 2026-03): the client Progenitor generates from
//! `spec/webhooks_journal.json`, through the same runtime as deals (auth, rate limit, retries,
//! errors). The journal is an app's log of changes to the objects it subscribed to, kept
//! three days and read by offset: this account's (`local_journal_*`, with
//! `install_portal_id`) or every installing account's (`journal_*`). Each read answers
//! where the entry's content is (`url`, until `expires_at`) and its `current_offset`.
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

generated_client!("webhooks_journal_client.rs");

use types::{
    AssociationSubscriptionUpsertRequest as AssociationRequest,
    AssociationSubscriptionUpsertRequestActionsItem as AssociationAction,
    AssociationSubscriptionUpsertRequestSubscriptionType as AssociationKind,
    ObjectSubscriptionUpsertRequest as ObjectRequest,
    ObjectSubscriptionUpsertRequestActionsItem as ObjectAction,
    ObjectSubscriptionUpsertRequestSubscriptionType as ObjectKind, SubscriptionResponse,
    SubscriptionUpsertRequest,
};

/// HubSpot's object type id of deals.
pub const DEALS: &str = "0-3";

/// The object types whose associations with deals a deals feed follows: contacts, companies.
pub const ASSOCIATED: [&str; 2] = ["0-1", "0-2"];

/// What a deals feed needs the journal to record for account `portal_id`: deals created,
/// changed (the `properties` named; HubSpot's journal records every property when none
/// are), deleted, merged and restored, and deals' associations with contacts and companies
/// added and removed.
pub fn deal_subscription_requests(
    portal_id: i64,
    properties: &[&str],
) -> Vec<SubscriptionUpsertRequest> {
    let object = ObjectRequest {
        actions: vec![
            ObjectAction::Create,
            ObjectAction::Update,
            ObjectAction::Delete,
            ObjectAction::Merge,
            ObjectAction::Restore,
        ],
        object_ids: Vec::new(),
        object_type_id: DEALS.into(),
        portal_id,
        properties: properties.iter().map(|p| p.to_string()).collect(),
        subscription_type: ObjectKind::Object,
    };
    let associations = AssociationRequest {
        actions: vec![
            AssociationAction::AssociationAdded,
            AssociationAction::AssociationRemoved,
        ],
        associated_object_type_ids: ASSOCIATED.iter().map(|t| t.to_string()).collect(),
        object_ids: Vec::new(),
        object_type_id: DEALS.into(),
        portal_id,
        subscription_type: AssociationKind::Association,
    };
    vec![
        SubscriptionUpsertRequest::ObjectSubscriptionUpsertRequest(object),
        SubscriptionUpsertRequest::AssociationSubscriptionUpsertRequest(associations),
    ]
}

/// The app's journal subscriptions for deals in account `portal_id`.
pub async fn deal_subscriptions(
    client: &crate::Client,
    portal_id: i64,
) -> Result<Vec<SubscriptionResponse>, crate::Error> {
    let all = client
        .journal()
        .list_journal_subscriptions()
        .send()
        .await?
        .into_inner();
    Ok(all
        .results
        .into_iter()
        .filter(|s| s.object_type_id == DEALS && s.portal_id == Some(portal_id))
        .collect())
}

/// Whether `existing` already records what `wanted` asks for.
fn covers(existing: &SubscriptionResponse, wanted: &SubscriptionUpsertRequest) -> bool {
    let have = serde_json::to_value(existing).unwrap_or_default();
    let want = serde_json::to_value(wanted).unwrap_or_default();
    let same = |field: &str| {
        let sorted = |v: &serde_json::Value| {
            let mut items: Vec<String> = v[field]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| i.to_string())
                .collect();
            items.sort();
            items
        };
        sorted(&have) == sorted(&want)
    };
    have["subscriptionType"] == want["subscriptionType"]
        && ["actions", "properties", "associatedObjectTypeIds"]
            .iter()
            .all(|field| same(field))
}

/// Makes sure the journal records what a deals feed needs for account `portal_id`
/// ([`deal_subscription_requests`]): a subscription already there as asked is left alone,
/// one missing or different is upserted. Calling it again changes nothing. Returns the
/// subscriptions as they stand.
///
/// ```no_run
/// # async fn run(app: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
/// let subscriptions = hubspot_deals::journal::subscribe_deals(&app, 62515, &["dealstage", "amount"]).await?;
/// assert_eq!(subscriptions.len(), 2);
/// # Ok(()) }
/// ```
pub async fn subscribe_deals(
    client: &crate::Client,
    portal_id: i64,
    properties: &[&str],
) -> Result<Vec<SubscriptionResponse>, crate::Error> {
    let existing = deal_subscriptions(client, portal_id).await?;
    let mut standing = Vec::new();
    for wanted in deal_subscription_requests(portal_id, properties) {
        match existing.iter().find(|s| covers(s, &wanted)) {
            Some(there) => standing.push(there.clone()),
            None => standing.push(
                client
                    .journal()
                    .upsert_journal_subscription()
                    .body(wanted)
                    .send()
                    .await?
                    .into_inner(),
            ),
        }
    }
    Ok(standing)
}

/// Removes the app's journal subscriptions for deals in account `portal_id`; how many.
pub async fn unsubscribe_deals(
    client: &crate::Client,
    portal_id: i64,
) -> Result<usize, crate::Error> {
    let existing = deal_subscriptions(client, portal_id).await?;
    for subscription in &existing {
        client
            .journal()
            .archive_journal_subscription()
            .subscription_id(subscription.id)
            .send()
            .await?;
    }
    Ok(existing.len())
}
