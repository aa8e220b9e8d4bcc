//! Journal subscriptions for a deals feed: what to ask for, made sure of idempotently.

use super::types::{
    AssociationSubscriptionUpsertRequest as AssociationRequest,
    AssociationSubscriptionUpsertRequestActionsItem as AssociationAction,
    AssociationSubscriptionUpsertRequestSubscriptionType as AssociationKind,
    ObjectSubscriptionUpsertRequest as ObjectRequest,
    ObjectSubscriptionUpsertRequestActionsItem as ObjectAction,
    ObjectSubscriptionUpsertRequestSubscriptionType as ObjectKind, SubscriptionResponse,
    SubscriptionUpsertRequest,
};

use super::{ASSOCIATED, DEALS};

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
