//! HubSpot's version train, as the client meets it: the default client calls only current
//! versions (the fake answering as HubSpot will on 2027-10-01 refuses nothing it sends),
//! what changed in 2026-09 is handled (partial failures with the success status, the
//! account's write rules), a retired version is an error that says so, and a call to a
//! version near its end warns once.

use crate::support::fake::{CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, oauth, oauth_client};
use futures_util::StreamExt;
use hubspot_deals::auth::{OAuth, TokenApi};
use hubspot_deals::batch::{Failure, Outcome};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::types;
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::sync::Arc;

/// A fake answering as HubSpot will on `day`, with the OAuth app of the support module.
async fn fake_on(day: &str, clock: &ManualClock) -> FakeHubSpot {
    crate::support::fake::oauth_fake(clock)
        .as_of(day.parse().unwrap())
        .require_close_date_when_won()
        .start()
        .await
        .unwrap()
}

/// The paths HubSpot retires by 2027-10-01.
const RETIRED: [&str; 4] = [
    "/oauth/v1/",
    "/crm/v4/",
    "/crm/associations/v4/",
    "/crm/v3/",
];

#[tokio::test]
async fn the_default_client_calls_only_what_hubspot_still_serves_in_october_2027() {
    let clock = ManualClock::default();
    let fake = fake_on("2027-10-01", &clock).await;
    let client = oauth_client(&fake, &clock, oauth());
    let created = client
        .create()
        .body(types::NewDeal {
            properties: [("dealname".to_string(), "Current".to_string())].into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    client
        .get_by_id()
        .deal_id(&created.id)
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = client.deals().list().stream().collect().await;
    assert_eq!(listed.len(), 1);
    let searched = client
        .search()
        .body(types::SearchRequest {
            limit: 10,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(searched.results.len(), 1);
    client.pipelines().list_pipelines().send().await.unwrap();
    client.properties().list_properties().send().await.unwrap();
    hubspot_deals::associations::read_many(&client, "contacts", [created.id.clone()])
        .await
        .unwrap();
    client
        .association_labels()
        .list_association_labels()
        .to_object_type("contacts")
        .send()
        .await
        .unwrap();
    hubspot_deals::auth::introspect(
        fake.base_url(),
        CLIENT_ID,
        &CLIENT_SECRET.into(),
        &REFRESH_TOKEN.into(),
    )
    .await
    .unwrap();
    let requests = fake.requests();
    assert!(requests.len() >= 9, "{requests:?}");
    for request in &requests {
        assert!(
            !RETIRED.iter().any(|old| request.path.starts_with(old)),
            "{} {} calls a retired version",
            request.method,
            request.path
        );
        assert_ne!(request.status, 410, "{} {}", request.method, request.path);
    }
    let token = requests
        .iter()
        .find(|r| r.operation == "oauth_token")
        .unwrap();
    assert_eq!(token.path, hubspot_deals::auth::TOKEN_PATH);
    assert!(token.path.starts_with("/oauth/2026-"), "{}", token.path);
}

#[tokio::test]
async fn a_retired_token_api_is_refused_with_what_to_do() {
    let clock = ManualClock::default();
    let fake = fake_on("2027-02-16", &clock).await;
    let client = oauth_client(&fake, &clock, oauth().token_api(TokenApi::V1));
    let refused = client.get_page().send().await.unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("retired") && text.contains("2027-02-16"),
        "the error says the version is gone and since when: {text}"
    );
    assert_eq!(fake.deal_count(), 0);
    // The day before, v1 still answers.
    let clock = ManualClock::default();
    let before = fake_on("2027-02-15", &clock).await;
    let client = oauth_client(&before, &clock, oauth().token_api(TokenApi::V1));
    client.get_page().send().await.unwrap();
}

#[tokio::test]
async fn a_retired_api_call_is_an_error_that_says_so() {
    let clock = ManualClock::default();
    let fake = fake_on("2027-10-01", &clock).await;
    let client = oauth_client(&fake, &clock, oauth());
    // A client of an older document calls v3; here the same call, by hand.
    let answer = crate::support::plain_http()
        .get(format!("{}/crm/v3/objects/deals", fake.base_url()))
        .bearer_auth(crate::support::fake::PAT)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 410);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("call version 2026-09")
    );
    // The current version is served.
    client.get_page().send().await.unwrap();
}

#[tokio::test]
async fn partial_failures_answered_with_the_success_status_are_per_input_outcomes() {
    let clock = ManualClock::default();
    let fake = fake_on("2026-12-07", &clock).await;
    let client = oauth_client(&fake, &clock, oauth());
    let deal = |name: &str, stage: &str| types::NewDeal {
        properties: [
            ("dealname".to_string(), name.to_string()),
            ("dealstage".to_string(), stage.to_string()),
        ]
        .into(),
        ..Default::default()
    };
    let deals = vec![
        deal("Open", "qualifiedtobuy"),
        deal("Won without a close date", "closedwon"),
        deal("Also open", "appointmentscheduled"),
    ];
    let outcomes: Vec<Outcome<types::Deal>> = client
        .deals()
        .create_all(deals)
        .stream()
        .map(|item| item.outcome)
        .collect()
        .await;
    assert!(matches!(outcomes[0], Outcome::Done(_)), "{outcomes:?}");
    assert!(matches!(outcomes[2], Outcome::Done(_)), "{outcomes:?}");
    match &outcomes[1] {
        Outcome::Failed(Failure::Input(error)) => {
            assert!(error.message.contains("closedate"), "{error:?}");
        }
        other => panic!("the refused input: {other:?}"),
    }
    // 2026-09 answered the partial failure with batch create's success status, not 207.
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.operation == "batch_create")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [201]);
    assert_eq!(fake.deal_count(), 2);
    // A single write breaking the account's rule is a validation error naming the property.
    let refused = client
        .create()
        .body(deal("Won", "closedwon"))
        .send()
        .await
        .unwrap_err();
    assert!(refused.is_validation(), "{refused:?}");
    assert!(refused.to_string().contains("closedate"), "{refused}");
}

#[tokio::test]
async fn a_call_to_a_version_near_its_end_warns_once() {
    let logs = crate::support::logs::captured_logs();
    // 2026-09 goes unsupported on 2028-03-08: within 90 days of it from 2027-12-09.
    let clock = ManualClock::new("2028-01-10T00:00:00Z".parse().unwrap());
    let fake = FakeHubSpot::builder()
        .private_app_token(crate::support::fake::PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = crate::support::fake::pat_client(&fake, &clock, Default::default());
    for _ in 0..3 {
        client.get_page().send().await.unwrap();
    }
    let text = logs.text();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("API 2026-09 goes unsupported"))
        .filter(|line| line.contains("api=\"deals\"") || line.contains("api=deals"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning for deals 2026-09: {text}");
    assert!(warnings[0].contains("2028-03-08"), "{}", warnings[0]);
    // OAuth's token API is noted the same way when a token is asked for.
    let clock = ManualClock::new("2027-01-01T00:00:00Z".parse().unwrap());
    let oauth_fake = crate::support::fake::oauth_fake(&clock)
        .start()
        .await
        .unwrap();
    let client = oauth_client(
        &oauth_fake,
        &clock,
        OAuth::new(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN).token_api(TokenApi::V1),
    );
    client.get_page().send().await.unwrap();
    let text = logs.text();
    assert!(
        text.lines().any(|l| l.contains("WARN")
            && l.contains("OAuth tokens API v1 stops answering on 2027-02-16")),
        "{text}"
    );
}
