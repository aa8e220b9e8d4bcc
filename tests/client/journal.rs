//! The webhooks journal's subscriptions through the generated client and the deals feed's
//! subscription helpers, with an app's client-credentials token, against the fake.

use crate::support::fake::{CLIENT_ID, CLIENT_SECRET, oauth_client, oauth_fake};
use hubspot_deals::auth::OAuth;
use hubspot_deals::clock::ManualClock;
use hubspot_deals::journal::{self, types};
use hubspot_deals::{Client, Error};
use hubspot_deals_fake::FakeHubSpot;

const PORTAL: i64 = 62515;

async fn app(scopes: &[&str]) -> (FakeHubSpot, Client) {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let app = OAuth::client_credentials(CLIENT_ID, CLIENT_SECRET, scopes.iter().copied());
    let client = oauth_client(&fake, &clock, app);
    (fake, client)
}

const MANAGE: &[&str] = &[
    "developer.webhooks_journal.subscriptions.read",
    "developer.webhooks_journal.subscriptions.write",
];

#[tokio::test]
async fn subscribing_a_deals_feed_twice_leaves_the_same_two_subscriptions() {
    let (fake, client) = app(MANAGE).await;
    let first = journal::subscribe_deals(&client, PORTAL, &["dealstage", "amount"])
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let kinds: Vec<String> = first
        .iter()
        .map(|s| s.subscription_type.to_string())
        .collect();
    assert_eq!(kinds, ["OBJECT", "ASSOCIATION"]);
    assert_eq!(first[1].associated_object_type_ids, ["0-1", "0-2"]);

    fake.clear_log();
    let again = journal::subscribe_deals(&client, PORTAL, &["amount", "dealstage"])
        .await
        .unwrap();
    assert_eq!(again, first, "nothing changed");
    assert_eq!(
        fake.counters()
            .by_operation
            .get("upsert_journal_subscription"),
        None,
        "as asked already: listed, not sent again"
    );

    // Other properties change the object subscription in place.
    let wider = journal::subscribe_deals(&client, PORTAL, &["dealstage", "amount", "closedate"])
        .await
        .unwrap();
    assert_eq!(wider[0].id, first[0].id);
    assert_eq!(wider[0].properties, ["dealstage", "amount", "closedate"]);
    assert_eq!(
        journal::deal_subscriptions(&client, PORTAL)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        journal::deal_subscriptions(&client, PORTAL + 1)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        journal::unsubscribe_deals(&client, PORTAL).await.unwrap(),
        2
    );
    assert!(
        journal::deal_subscriptions(&client, PORTAL)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_subscription_filter_is_kept_and_goes_with_its_subscription() {
    let (_fake, client) = app(MANAGE).await;
    let subscriptions = journal::subscribe_deals(&client, PORTAL, &[])
        .await
        .unwrap();
    let id = subscriptions[0].id;
    let filter = types::Filter {
        conditions: vec![types::Condition {
            filter_type: types::ConditionFilterType::CrmObjectProperty,
            operator: types::ConditionOperator::Eq,
            property: "pipeline".into(),
            value: Some("default".into()),
            values: Vec::new(),
        }],
    };
    let created = client
        .journal()
        .create_journal_filter()
        .body(types::FilterCreateRequest {
            filter: filter.clone(),
            subscription_id: id,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let read = client
        .journal()
        .get_journal_filter()
        .filter_id(created.filter_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.filter, filter);
    let listed = client
        .journal()
        .list_journal_filters()
        .subscription_id(id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1);

    journal::unsubscribe_deals(&client, PORTAL).await.unwrap();
    let gone = client
        .journal()
        .get_journal_filter()
        .filter_id(created.filter_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        gone.status(),
        Some(404),
        "a removed subscription's filters go too"
    );
}

#[tokio::test]
async fn a_token_without_the_write_scope_is_told_which_to_add() {
    let (_fake, client) = app(&["developer.webhooks_journal.subscriptions.read"]).await;
    assert!(
        journal::deal_subscriptions(&client, PORTAL)
            .await
            .unwrap()
            .is_empty()
    );
    let refused = journal::subscribe_deals(&client, PORTAL, &[])
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    match &refused {
        Error::Api(api) => assert_eq!(
            api.required_scopes(),
            ["developer.webhooks_journal.subscriptions.write"]
        ),
        other => panic!("{other:?}"),
    }
}
