//! `client.deals().list()`: every deal exactly once, one page ahead, resumable, guarded against
//! a repeating cursor, through faults.

use crate::support::fake::{batch_create_deals, oauth_fake, pat_client};
use crate::support::recorder::{Recorder, json};
use futures_util::StreamExt;
use hubspot_deals::clock::ManualClock;
use hubspot_deals::paging::ResumePoint;
use hubspot_deals::{Client, Error, RetryPolicy, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind};
use std::collections::HashSet;

/// A fake with `count` deals named `Deal 0`, `Deal 1`, …, and a client of it.
async fn fake_with(count: usize) -> (FakeHubSpot, Client, ManualClock) {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let deal = |i| {
        vec![
            ("dealname", format!("Deal {i}")),
            ("amount", format!("{i}")),
        ]
    };
    batch_create_deals(&client, count, deal, || {}).await;
    fake.clear_log();
    (fake, client, clock)
}

fn names(deals: &[types::DealWithAssociations]) -> Vec<String> {
    deals
        .iter()
        .map(|d| d.properties["dealname"].clone().unwrap())
        .collect()
}

async fn take(
    stream: &mut hubspot_deals::paging::DealStream,
    n: usize,
) -> Vec<types::DealWithAssociations> {
    let mut out = Vec::new();
    for _ in 0..n {
        match stream.next().await {
            Some(deal) => out.push(deal.unwrap()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn every_deal_once_in_order_across_pages() {
    let (fake, client, _clock) = fake_with(250).await;
    let deals: Vec<_> = client
        .deals()
        .list()
        .properties(["dealname"])
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    let expected: Vec<String> = (0..250).map(|i| format!("Deal {i}")).collect();
    assert_eq!(names(&deals), expected);
    assert!(
        deals.iter().all(|d| !d.properties.contains_key("amount")),
        "only what was asked"
    );
    assert_eq!(
        fake.counters().by_operation.get("get_page"),
        Some(&3),
        "pages of 100"
    );
    let queries: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.query.clone())
        .collect();
    assert!(
        queries
            .iter()
            .all(|q| q.contains("limit=100") && q.contains("properties=dealname")),
        "{queries:?}"
    );

    let (_empty, client, _) = fake_with(0).await;
    assert_eq!(client.deals().list().stream().count().await, 0);
}

#[tokio::test]
async fn pages_come_one_ahead_of_the_caller() {
    let (fake, client, _clock) = fake_with(500).await;
    let mut deals = client.deals().list().page_size(50).stream();
    deals.next().await.unwrap().unwrap();
    let pages = || {
        fake.counters()
            .by_operation
            .get("get_page")
            .copied()
            .unwrap_or(0)
    };
    crate::support::eventually("the page after the current one is fetched", || pages() == 2).await;
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        pages(),
        2,
        "no more than one page ahead while the caller holds the first"
    );
    take(&mut deals, 49).await;
    deals.next().await.unwrap().unwrap();
    crate::support::eventually("the next page ahead", || pages() == 3).await;
}

#[tokio::test]
async fn a_stream_resumes_exactly_where_it_stood() {
    let (_fake, client, _clock) = fake_with(250).await;
    let mut first = client.deals().list().properties(["dealname"]).stream();
    assert_eq!(
        first.resume_point(),
        Some(ResumePoint::default()),
        "before anything"
    );
    let head = take(&mut first, 130).await;
    let point = first.resume_point().unwrap();
    assert_eq!(point.skip, 30, "30 deals into the second page");
    drop(first);
    // Stored and read back, as a job would between runs.
    let stored = serde_json::to_string(&point).unwrap();
    let point: ResumePoint = serde_json::from_str(&stored).unwrap();
    let mut rest_stream = client
        .deals()
        .list()
        .properties(["dealname"])
        .resume(point)
        .stream();
    let rest = take(&mut rest_stream, 1_000).await;
    let all: Vec<String> = names(&head).into_iter().chain(names(&rest)).collect();
    assert_eq!(
        all,
        (0..250).map(|i| format!("Deal {i}")).collect::<Vec<_>>()
    );
    assert_eq!(rest_stream.resume_point(), None, "nothing left");

    // At a page boundary the resume point is the next page.
    let mut boundary = client.deals().list().stream();
    take(&mut boundary, 100).await;
    let point = boundary.resume_point().unwrap();
    assert_eq!(point.skip, 0);
    assert!(point.after.is_some());
}

#[tokio::test]
async fn a_fault_mid_stream_is_retried_without_repeating_or_losing_a_deal() {
    let (fake, client, _clock) = fake_with(1_000).await;
    fake.add_fault(Fault::new(FaultKind::Status(503)).on("get_page").rate(0.3));
    fake.add_fault(
        Fault::new(FaultKind::TruncatedBody)
            .on("get_page")
            .rate(0.2),
    );
    let ids: Vec<String> = client
        .deals()
        .list()
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    assert_eq!(ids.len(), 1_000);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1_000);
    assert!(fake.counters().faults > 0);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    let deal = |id: &str| {
        serde_json::json!({"id": id, "properties": {}, "createdAt": "2024-01-01T00:00:00.000Z",
                           "updatedAt": "2024-01-01T00:00:00.000Z", "archived": false})
    };
    let page = |id: &str, next: &str| {
        json(
            200,
            serde_json::json!({"results": [deal(id)], "paging": {"next": {"after": next}}}),
        )
    };
    let server = Recorder::start(vec![page("1", "A"), page("2", "B"), page("3", "A")]).await;
    let client = Client::builder()
        .private_app_token(crate::support::fake::PAT)
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let mut stream = client.deals().list().stream();
    let mut ids = Vec::new();
    let error = loop {
        match stream.next().await {
            Some(Ok(deal)) => ids.push(deal.id),
            Some(Err(error)) => break error,
            None => panic!("the stream ended without an error"),
        }
    };
    assert_eq!(
        ids,
        ["1", "2"],
        "the page with the repeated cursor is not delivered"
    );
    assert!(
        matches!(&error, Error::RepeatedCursor { cursor, .. } if cursor == "A"),
        "{error:?}"
    );
    assert!(error.to_string().contains("a second time"), "{error}");
    assert!(stream.next().await.is_none());
    assert_eq!(server.requests().len(), 3, "no loop");
}

#[tokio::test]
async fn empty_pages_that_keep_naming_a_next_one_end_the_listing() {
    // A hostile or broken server: a deal, then ever-new cursors over nothing.
    let deal = serde_json::json!({"id": "1", "properties": {}, "archived": false,
        "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z"});
    let mut pages = vec![json(
        200,
        serde_json::json!({"results": [deal], "paging": {"next": {"after": "c0"}}}),
    )];
    pages.extend((1..50).map(|i| {
        json(
            200,
            serde_json::json!({"results": [], "paging": {"next": {"after": format!("c{i}")}}}),
        )
    }));
    let server = Recorder::start(pages).await;
    let client = Client::builder()
        .private_app_token(crate::support::fake::PAT)
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let mut stream = client.deals().list().stream();
    assert_eq!(stream.next().await.unwrap().unwrap().id, "1");
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::EmptyPages { pages: 3, .. }),
        "{error:?}"
    );
    assert_eq!(error.operation(), Some("get_page"));
    assert!(stream.next().await.is_none());
    assert_eq!(
        server.requests().len(),
        1 + hubspot_deals::cursors::EMPTY_PAGES,
        "gave up after a few empty pages, not fifty"
    );
}

#[tokio::test]
async fn a_page_size_out_of_range_is_a_clear_error() {
    let (fake, client, _clock) = fake_with(1).await;
    for (list, why) in [
        (client.deals().list().page_size(0), "1 to 100"),
        (client.deals().list().page_size(101), "1 to 100"),
        (
            client
                .deals()
                .list()
                .properties_with_history(["amount"])
                .page_size(51),
            "1 to 50 with properties_with_history",
        ),
    ] {
        let error = list.stream().next().await.unwrap().unwrap_err();
        assert!(error.to_string().contains(why), "{error}");
    }
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn pages_and_archived_deals() {
    let (_fake, client, _clock) = fake_with(120).await;
    let first = client
        .deals()
        .list()
        .stream()
        .next()
        .await
        .unwrap()
        .unwrap();
    client.archive().deal_id(&first.id).send().await.unwrap();
    let pages: Vec<_> = client
        .deals()
        .list()
        .page_size(50)
        .pages()
        .map(Result::unwrap)
        .collect()
        .await;
    let sizes: Vec<usize> = pages.iter().map(|p| p.deals.len()).collect();
    assert_eq!(sizes, [50, 50, 19]);
    assert_eq!(pages[0].cursor, None);
    assert_eq!(pages[1].cursor, pages[0].next);
    assert_eq!(pages[2].next, None);
    let archived: Vec<_> = client
        .deals()
        .list()
        .archived(true)
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    assert_eq!(archived, [first.id]);
}

#[tokio::test]
async fn every_property_of_every_deal_however_many_are_named() {
    // 400 custom properties with names as long as HubSpot's generated ones: about 19 KB of
    // names, past HubSpot's URL limit.
    let names: Vec<String> = (0..400)
        .map(|i| format!("custom_field_from_the_erp_number_{i:03}"))
        .collect();
    let clock = ManualClock::default();
    let mut builder = oauth_fake(&clock);
    for name in &names {
        builder = builder.property(name);
    }
    let fake = builder.start().await.unwrap();
    fake.seed_deals((0..250).map(|i| {
        let mut values = vec![("dealname".to_string(), format!("Deal {i}"))];
        for name in names.iter().skip(i % 7).step_by(50) {
            values.push((name.clone(), format!("{name} of {i}")));
        }
        values
    }))
    .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let one_url = client.get_page().properties(names.clone()).send().await;
    assert_eq!(
        one_url.unwrap_err().status(),
        Some(414),
        "one URL cannot hold them"
    );
    fake.clear_log();

    let mut all = Vec::new();
    let mut stream = client
        .deals()
        .list()
        .properties(names.iter().chain([&"dealname".to_string()]))
        .stream();
    while let Some(deal) = stream.next().await {
        all.push(deal.unwrap());
    }
    assert_eq!(all.len(), 250, "every deal once");
    let ids: HashSet<_> = all.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids.len(), 250);
    for deal in &all {
        let i: usize = deal.properties["dealname"].clone().unwrap()[5..]
            .parse()
            .unwrap();
        for name in names.iter().skip(i % 7).step_by(50) {
            assert_eq!(
                deal.properties.get(name).cloned().flatten(),
                Some(format!("{name} of {i}")),
                "deal {i}, {name}"
            );
        }
    }
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.status == 200), "no 414");
    let calls = |op: &str| requests.iter().filter(|r| r.operation == op).count();
    assert_eq!(
        (calls("get_page"), calls("batch_read")),
        (3, 3),
        "two calls per 100 deals"
    );

    // Named properties that fit still cost one call a page.
    fake.clear_log();
    let few = client.deals().list().properties(["dealname"]).stream();
    assert_eq!(few.count().await, 250);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.operation == "get_page"));
}
