//! Owners through the client: every owner streamed past HubSpot's pages, read by user id,
//! and the stream's guards against a server that pages forever.

use crate::support::fake::{PAT, pat_builder};
use crate::support::recorder::{Recorder, json};
use futures_util::StreamExt;
use hubspot_deals::clock::ManualClock;
use hubspot_deals::{Client, RateLimit};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use serde_json::json as value;

async fn ids(client: &Client, archived: bool) -> Result<Vec<String>, hubspot_deals::Error> {
    let mut all = hubspot_deals::owners::all(client, archived);
    let mut ids = Vec::new();
    while let Some(owner) = all.next().await {
        ids.push(owner?.id);
    }
    Ok(ids)
}

#[tokio::test]
async fn every_owner_of_the_fake_account_is_streamed_and_read_by_user_id() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap();
    let client = pat_builder(fake.base_url(), &clock)
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap();
    assert_eq!(
        ids(&client, false).await.unwrap(),
        ["101", "102", "104", "105"]
    );
    assert_eq!(ids(&client, true).await.unwrap(), ["103"]);
    let grace = client
        .owners()
        .get_owner()
        .owner_id(9002)
        .id_property("userId")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grace.email.as_deref(), Some("grace@example.test"));
    assert_eq!(grace.teams[0].name, "Sales");
    let path = fake.requests().last().unwrap().path.clone();
    assert_eq!(path, "/crm/owners/2026-09/9002", "the current version");
}

fn page(ids: &[&str], next: Option<&str>) -> serde_json::Value {
    let results: Vec<_> = ids
        .iter()
        .map(|id| {
            value!({"id": id, "archived": false, "type": "PERSON",
                    "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"})
        })
        .collect();
    match next {
        Some(after) => value!({"results": results, "paging": {"next": {"after": after}}}),
        None => value!({"results": results}),
    }
}

fn recorded(server: &Recorder) -> Client {
    Client::builder()
        .private_app_token(PAT)
        .base_url(&server.base_url)
        .retry(hubspot_deals::RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_stream_follows_cursors_and_stops_on_one_it_saw_before() {
    let server = Recorder::start(vec![
        json(200, page(&["1", "2"], Some("a"))),
        json(200, page(&["3"], Some("b"))),
        json(200, page(&[], None)),
    ])
    .await;
    assert_eq!(
        ids(&recorded(&server), false).await.unwrap(),
        ["1", "2", "3"]
    );
    let afters: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| {
            r.query.as_deref().and_then(|q| {
                q.split('&')
                    .find_map(|p| p.strip_prefix("after="))
                    .map(String::from)
            })
        })
        .collect();
    assert_eq!(afters, [None, Some("a".into()), Some("b".into())]);

    let looping = Recorder::start(vec![
        json(200, page(&["1"], Some("a"))),
        json(200, page(&["2"], Some("a"))),
    ])
    .await;
    let error = ids(&recorded(&looping), false).await.unwrap_err();
    assert!(
        matches!(error, hubspot_deals::Error::RepeatedCursor { .. }),
        "{error}"
    );
    assert_eq!(error.operation(), Some("list_owners"));
    assert_eq!(
        looping.requests().len(),
        2,
        "stopped at the repeated cursor"
    );
}

#[tokio::test]
async fn empty_pages_that_keep_naming_a_next_one_end_the_stream() {
    let pages: Vec<_> = (0..10)
        .map(|i| json(200, page(&[], Some(&format!("cursor-{i}")))))
        .collect();
    let server = Recorder::start(pages).await;
    let error = ids(&recorded(&server), false).await.unwrap_err();
    assert!(
        matches!(error, hubspot_deals::Error::EmptyPages { pages: 3, .. }),
        "{error}"
    );
    assert_eq!(error.operation(), Some("list_owners"));
    assert_eq!(
        server.requests().len(),
        hubspot_deals::owners::EMPTY_PAGES,
        "gave up after a few, not ten (or forever)"
    );
}
