//! `search_all` past the 10,000-result cap and `changed_since` for incremental sync, against
//! the fake, which enforces the cap as HubSpot does.

use crate::support::fake::{PAT, batch_create_deals, oauth_fake, pat_builder, pat_client};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::types::{self, Filter, FilterGroup, FilterOperator, SearchRequest};
use hubspot_deals::{Client, Error, RetryPolicy};
use hubspot_deals_fake::FakeHubSpot;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Creates `count` deals in batches of 100; the clock moves 1 ms after each batch, so the
/// deals of a batch share their modification time. `stage` picks each deal's stage.
async fn seed(
    client: &Client,
    clock: &ManualClock,
    count: usize,
    stage: impl Fn(usize) -> &'static str,
) {
    let deal = |i| {
        vec![
            ("dealname", format!("Deal {i}")),
            ("dealstage", stage(i).to_string()),
        ]
    };
    batch_create_deals(client, count, deal, || {
        clock.advance(Duration::from_millis(1))
    })
    .await;
}

/// A fake, a client that seeds it (unlimited) and one with the default budgets.
async fn setup() -> (FakeHubSpot, Client, Client, ManualClock) {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let seeder = pat_client(&fake, &clock, RetryPolicy::default());
    let client = pat_builder(fake.base_url(), &clock).build().unwrap();
    (fake, seeder, client, clock)
}

fn stage_is(stage: &str) -> Filter {
    Filter {
        property_name: "dealstage".into(),
        operator: FilterOperator::Eq,
        value: Some(stage.into()),
        high_value: None,
        values: vec![],
    }
}

#[tokio::test]
async fn search_all_gets_every_match_past_the_cap_once_in_id_order() {
    let (fake, seeder, client, _clock) = setup().await;
    // 26,000 deals, of which 25,000 won.
    seed(&seeder, &_clock, 26_000, |i| {
        if i % 26 == 25 {
            "closedlost"
        } else {
            "closedwon"
        }
    })
    .await;
    fake.clear_log();
    let request = SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![stage_is("closedwon")],
        }],
        properties: vec!["dealname".into()],
        ..Default::default()
    };
    let ids: Vec<u64> = client
        .deals()
        .search_all(request)
        .stream()
        .map(|deal| deal.unwrap().id.parse::<u64>().unwrap())
        .collect()
        .await;
    assert_eq!(ids.len(), 25_000, "every match");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in id order, none twice"
    );
    let counters = fake.counters();
    assert_eq!(
        counters.by_status.get(&400),
        None,
        "never asked past the cap"
    );
    assert_eq!(
        counters.by_operation.get("search"),
        Some(&125),
        "pages of 200"
    );
    // The searches after the cap carry `hs_object_id > last`.
    assert_eq!(counters.rate_limited, 0, "within the search budget");
}

#[tokio::test]
async fn search_all_adds_the_id_filter_to_every_group() {
    let (_fake, seeder, client, clock) = setup().await;
    seed(&seeder, &clock, 12_000, |i| {
        ["closedwon", "closedlost", "qualifiedtobuy"][i % 3]
    })
    .await;
    // Two ORed groups: won or lost, 8,000 in all, past the cap.
    let request = SearchRequest {
        filter_groups: vec![
            FilterGroup {
                filters: vec![stage_is("closedwon")],
            },
            FilterGroup {
                filters: vec![stage_is("closedlost")],
            },
        ],
        limit: 100,
        ..Default::default()
    };
    let deals: Vec<types::Deal> = client
        .deals()
        .search_all(request)
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(deals.len(), 8_000);
    assert!(
        deals
            .iter()
            .all(|d| d.properties["dealstage"].as_deref() != Some("qualifiedtobuy"))
    );
    assert_eq!(
        deals.iter().map(|d| &d.id).collect::<HashSet<_>>().len(),
        8_000
    );
}

#[tokio::test]
async fn requests_search_all_cannot_serve_are_refused_with_the_reason() {
    let (fake, _seeder, client, _clock) = setup().await;
    let refused = |request: SearchRequest| {
        let client = client.clone();
        async move {
            client
                .deals()
                .search_all(request)
                .stream()
                .next()
                .await
                .unwrap()
                .unwrap_err()
        }
    };
    let sorted = refused(SearchRequest {
        sorts: vec!["-amount".into()],
        ..Default::default()
    })
    .await;
    assert!(
        sorted.to_string().contains("remove the request's sorts"),
        "{sorted}"
    );
    let paged = refused(SearchRequest {
        after: Some("200".into()),
        ..Default::default()
    })
    .await;
    assert!(
        paged
            .to_string()
            .contains("leave the request's `after` unset"),
        "{paged}"
    );
    let full_group = refused(SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![stage_is("x"); 6],
        }],
        ..Default::default()
    })
    .await;
    assert!(
        full_group
            .to_string()
            .contains("filter group 1 has 6 filters"),
        "{full_group}"
    );
    let too_many = refused(SearchRequest {
        filter_groups: vec![
            FilterGroup {
                filters: vec![stage_is("x"); 4]
            };
            4
        ],
        ..Default::default()
    })
    .await;
    assert!(
        too_many.to_string().contains("over HubSpot's 18 in all"),
        "{too_many}"
    );
    let too_big = refused(SearchRequest {
        limit: 201,
        ..Default::default()
    })
    .await;
    assert!(matches!(too_big, Error::InvalidRequest(_)));
    assert!(fake.requests().is_empty(), "nothing was sent");

    let none: Vec<_> = client
        .deals()
        .search_all(SearchRequest {
            query: Some("nothing matches this".into()),
            ..Default::default()
        })
        .stream()
        .collect()
        .await;
    assert!(none.is_empty());
}

fn at(clock: &ManualClock) -> DateTime<Utc> {
    clock.now()
}

#[tokio::test]
async fn changed_since_gets_every_change_once_past_the_cap_with_shared_timestamps() {
    let (fake, seeder, client, clock) = setup().await;
    let start = at(&clock);
    // 25,000 deals; each batch of 100 shares one modification time, so the new searches
    // before the cap start in the middle of a group of equal timestamps.
    seed(&seeder, &clock, 25_000, |_| "qualifiedtobuy").await;
    fake.clear_log();
    let changes: Vec<_> = client
        .deals()
        .changed_since(start)
        .overlap(Duration::ZERO)
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(changes.len(), 25_000, "every change");
    let ids: HashSet<&String> = changes.iter().map(|c| &c.deal.id).collect();
    assert_eq!(ids.len(), 25_000, "none twice");
    assert!(
        changes.windows(2).all(|w| w[0].watermark <= w[1].watermark),
        "oldest change first"
    );
    assert!(changes.iter().all(|c| c.watermark == c.deal.updated_at));
    assert_eq!(
        fake.counters().by_status.get(&400),
        None,
        "never asked past the cap"
    );

    // The next run from the stored watermark: the deals changed since, and those changed
    // exactly at the watermark again (at least once).
    let watermark = changes.last().unwrap().watermark;
    clock.advance(Duration::from_secs(60));
    let first = &changes[0].deal;
    seeder
        .update()
        .deal_id(&first.id)
        .body(types::DealUpdate {
            properties: [("dealname".to_string(), "Renamed".to_string())].into(),
        })
        .send()
        .await
        .unwrap();
    let next: Vec<_> = client
        .deals()
        .changed_since(watermark)
        .overlap(Duration::ZERO)
        .stream()
        .map(|c| c.unwrap().deal)
        .collect()
        .await;
    assert_eq!(
        next.len(),
        101,
        "the last batch (at the watermark) and the one renamed"
    );
    assert_eq!(next.last().unwrap().id, first.id);
    assert_eq!(
        next.last().unwrap().properties["dealname"].as_deref(),
        Some("Renamed")
    );
}

#[tokio::test]
async fn the_overlap_catches_changes_the_search_index_had_not_seen() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .search_indexing_lag(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let seeder = pat_client(&fake, &clock, RetryPolicy::default());
    let client = pat_builder(fake.base_url(), &clock).build().unwrap();
    let old = seeder
        .create()
        .body(types::NewDeal {
            properties: [("dealname".to_string(), "Old".to_string())].into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(60));
    let start = at(&clock);
    // A new deal (not indexed for 30 s), then a change to the old one (seen at once).
    let lagging = seeder
        .create()
        .body(types::NewDeal {
            properties: [("dealname".to_string(), "Lagging".to_string())].into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(5));
    seeder
        .update()
        .deal_id(&old.id)
        .body(types::DealUpdate {
            properties: [("amount".to_string(), "5".to_string())].into(),
        })
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(5));
    let first_run: Vec<_> = client
        .deals()
        .changed_since(start)
        .stream()
        .map(|c| c.unwrap())
        .collect()
        .await;
    let ids: Vec<&str> = first_run.iter().map(|c| c.deal.id.as_str()).collect();
    assert_eq!(ids, [old.id.as_str()], "the new deal is not indexed yet");
    let watermark = first_run[0].watermark;
    assert!(
        watermark > lagging.updated_at,
        "the watermark passed the lagging deal's time"
    );
    clock.advance(Duration::from_secs(60));
    let without_overlap: Vec<String> = client
        .deals()
        .changed_since(watermark)
        .overlap(Duration::ZERO)
        .stream()
        .map(|c| c.unwrap().deal.id)
        .collect()
        .await;
    assert!(
        !without_overlap.contains(&lagging.id),
        "without an overlap it would be lost"
    );
    let with_overlap: Vec<String> = client
        .deals()
        .changed_since(watermark)
        .stream()
        .map(|c| c.unwrap().deal.id)
        .collect()
        .await;
    assert!(
        with_overlap.contains(&lagging.id),
        "the default overlap catches it"
    );
}

#[tokio::test]
async fn more_changes_in_one_millisecond_than_a_search_can_page_all_come_once() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let seeder = pat_client(&fake, &clock, RetryPolicy::default());
    let start = at(&clock);
    let name = |i: usize| vec![("dealname", format!("Deal {}-{}", i / 100, i % 100))];
    batch_create_deals(&seeder, 10_100, name, || {}).await;
    // One more, a millisecond later: the walk goes on past the shared millisecond.
    clock.advance(Duration::from_millis(1));
    batch_create_deals(
        &seeder,
        1,
        |_| vec![("dealname", "Later".to_string())],
        || {},
    )
    .await;
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let given: Vec<_> = client
        .deals()
        .changed_since(start)
        .overlap(Duration::ZERO)
        .stream()
        .map(|c| c.unwrap().deal)
        .collect()
        .await;
    let ids: std::collections::BTreeSet<&str> = given.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(given.len(), 10_101, "every deal");
    assert_eq!(ids.len(), 10_101, "none twice");
    assert_eq!(
        given.last().unwrap().properties["dealname"].as_deref(),
        Some("Later"),
        "the later millisecond after the shared one"
    );

    // Filter groups that leave no room to go through the millisecond by id: said so.
    let full = FilterGroup {
        filters: (0..5)
            .map(|_| Filter {
                property_name: "dealname".into(),
                operator: FilterOperator::HasProperty,
                value: None,
                high_value: None,
                values: vec![],
            })
            .collect(),
    };
    let results: Vec<_> = client
        .deals()
        .changed_since(start)
        .overlap(Duration::ZERO)
        .filter_groups(vec![full])
        .stream()
        .collect()
        .await;
    let error = results.into_iter().find_map(Result::err).unwrap();
    assert!(
        error
            .to_string()
            .contains("more than 10000 deals changed at"),
        "{error}"
    );
}

/// Takes `count` items of `stream`; the ids, and where it then stood, through JSON (as a job
/// stores it).
async fn take_some<T, S>(
    mut stream: S,
    count: usize,
    id: impl Fn(&T) -> String,
    point: impl Fn(&S) -> hubspot_deals::search::SearchResume,
) -> (Vec<String>, hubspot_deals::search::SearchResume)
where
    S: futures_util::Stream<Item = Result<T, Error>> + Unpin,
{
    let mut ids = Vec::new();
    while ids.len() < count {
        ids.push(id(&stream.next().await.unwrap().unwrap()));
    }
    let stored = serde_json::to_string(&point(&stream)).unwrap();
    (ids, serde_json::from_str(&stored).unwrap())
}

#[tokio::test]
async fn search_all_goes_on_from_a_stored_resume_point_past_the_cap() {
    let (_fake, seeder, client, clock) = setup().await;
    seed(&seeder, &clock, 10_500, |i| {
        if i % 3 == 0 {
            "closedlost"
        } else {
            "closedwon"
        }
    })
    .await;
    let request = || SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![stage_is("closedwon")],
        }],
        ..Default::default()
    };
    let all = client.deals().search_all(request());
    let (mut ids, point) =
        take_some(all.stream(), 5_100, |d| d.id.clone(), |s| s.resume_point()).await;
    assert_eq!(point.given, [ids.last().unwrap().clone()]);
    let rest: Vec<String> = client
        .deals()
        .search_all(request())
        .resume(point)
        .stream()
        .map(|deal| deal.unwrap().id)
        .collect()
        .await;
    ids.extend(rest);
    assert_eq!(ids.len(), 7_000, "every match: two thirds of 10,500");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        7_000,
        "none twice"
    );
}

#[tokio::test]
async fn changed_since_takes_filters_and_resumes_within_deals_sharing_a_time() {
    let (_fake, seeder, client, clock) = setup().await;
    let start = at(&clock);
    // Batches of 100 share a modification time; half the deals are won.
    seed(&seeder, &clock, 12_000, |i| {
        if i % 2 == 0 {
            "closedwon"
        } else {
            "qualifiedtobuy"
        }
    })
    .await;
    let won = || {
        vec![FilterGroup {
            filters: vec![stage_is("closedwon")],
        }]
    };
    let run = || {
        client
            .deals()
            .changed_since(start)
            .overlap(Duration::ZERO)
            .filter_groups(won())
            .properties(["dealstage"])
    };
    // Stopped in the middle of a batch that shares its time (25 of its 50 won deals given).
    let (mut ids, point) = take_some(
        run().stream(),
        3_025,
        |c| c.deal.id.clone(),
        |s| s.resume_point(),
    )
    .await;
    assert_eq!(point.given.len(), 25, "the deals given at the last time");
    let rest: Vec<_> = run()
        .resume(point)
        .stream()
        .map(Result::unwrap)
        .collect()
        .await;
    assert!(
        rest.iter()
            .all(|c| c.deal.properties["dealstage"].as_deref() == Some("closedwon"))
    );
    ids.extend(rest.iter().map(|c| c.deal.id.clone()));
    assert_eq!(ids.len(), 6_000, "every won deal");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        6_000,
        "none twice"
    );

    // A filter that leaves no room for the time's is refused with the reason.
    let crowded = vec![FilterGroup {
        filters: (0..6).map(|_| stage_is("closedwon")).collect(),
    }];
    let refused: Vec<_> = client
        .deals()
        .changed_since(start)
        .filter_groups(crowded)
        .stream()
        .collect()
        .await;
    let [Err(Error::InvalidRequest(why))] = &refused[..] else {
        panic!("{refused:?}")
    };
    assert!(why.contains("changed_since"), "{why}");
}

#[tokio::test]
async fn a_search_tells_how_many_deals_it_will_give_once_it_started() {
    let (_fake, seeder, client, clock) = setup().await;
    seed(&seeder, &clock, 350, |i| {
        if i % 7 == 0 {
            "closedlost"
        } else {
            "closedwon"
        }
    })
    .await;
    let request = SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![stage_is("closedwon")],
        }],
        ..Default::default()
    };
    let mut deals = client.deals().search_all(request).stream();
    assert_eq!(deals.total(), None, "nothing asked yet");
    let mut given = 0;
    while let Some(deal) = deals.next().await {
        deal.unwrap();
        given += 1;
        assert_eq!(deals.total(), Some(300));
    }
    assert_eq!(given, 300);
}

/// Renames `ids` through `seeder` (each now changed at the fake's clock).
async fn rename(seeder: &Client, ids: &[String]) {
    for id in ids {
        seeder
            .update()
            .deal_id(id)
            .body(types::DealUpdate {
                properties: [("dealname".to_string(), format!("Renamed {id}"))].into(),
            })
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn deals_edited_while_changed_since_walks_never_hide_the_ones_not_yet_read() {
    let (_fake, seeder, client, clock) = setup().await;
    let start = at(&clock);
    seed(&seeder, &clock, 1_000, |_| "qualifiedtobuy").await;
    let mut changes = client
        .deals()
        .changed_since(start)
        .overlap(Duration::ZERO)
        .stream();
    let mut seen: Vec<types::Deal> = Vec::new();
    while seen.len() < 250 {
        seen.push(changes.next().await.unwrap().unwrap().deal);
    }
    // A busy account: 100 of the deals already read change again mid-walk, moving to the
    // end of the order the walk reads in.
    clock.advance(Duration::from_secs(1));
    let edited: Vec<String> = seen[..200]
        .iter()
        .step_by(2)
        .map(|d| d.id.clone())
        .collect();
    rename(&seeder, &edited).await;
    while let Some(change) = changes.next().await {
        seen.push(change.unwrap().deal);
    }
    let ids: HashSet<&String> = seen.iter().map(|d| &d.id).collect();
    assert_eq!(ids.len(), 1_000, "every deal, none hidden by the edits");
    for id in &edited {
        let last = seen.iter().rev().find(|d| &d.id == id).unwrap();
        assert_eq!(
            last.properties["dealname"].as_deref(),
            Some(format!("Renamed {id}").as_str()),
            "the edit itself is given too"
        );
    }
}

#[tokio::test]
async fn deals_archived_while_search_all_walks_never_hide_the_ones_not_yet_read() {
    let (_fake, seeder, client, clock) = setup().await;
    seed(&seeder, &clock, 1_000, |_| "qualifiedtobuy").await;
    let mut all = client.deals().search_all(SearchRequest::default()).stream();
    let mut seen = Vec::new();
    while seen.len() < 250 {
        seen.push(all.next().await.unwrap().unwrap().id);
    }
    let archived: Vec<String> = seen[..200].iter().step_by(4).cloned().collect();
    for id in &archived {
        seeder.archive().deal_id(id).send().await.unwrap();
    }
    while let Some(deal) = all.next().await {
        seen.push(deal.unwrap().id);
    }
    assert_eq!(
        seen.len(),
        1_000,
        "every deal once, though 50 were archived after being read"
    );
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 1_000);
}

#[tokio::test]
async fn a_millisecond_shared_by_more_than_a_page_comes_whole_with_or_without_room_for_ids() {
    let (_fake, seeder, client, clock) = setup().await;
    let start = at(&clock);
    batch_create_deals(
        &seeder,
        500,
        |i| vec![("dealname", format!("Deal {i}"))],
        || {},
    )
    .await;
    let has_name = Filter {
        property_name: "dealname".into(),
        operator: FilterOperator::HasProperty,
        value: None,
        high_value: None,
        values: vec![],
    };
    for filters in [1, 5] {
        let group = FilterGroup {
            filters: vec![has_name.clone(); filters],
        };
        let given: Vec<String> = client
            .deals()
            .changed_since(start)
            .overlap(Duration::ZERO)
            .filter_groups(vec![group])
            .stream()
            .map(|c| c.unwrap().deal.id)
            .collect()
            .await;
        assert_eq!(given.len(), 500, "{filters} filters: every deal");
        assert_eq!(
            given.iter().collect::<HashSet<_>>().len(),
            500,
            "none twice"
        );
    }
}

#[tokio::test]
async fn deals_with_long_values_are_read_in_smaller_pages_never_stuck() {
    let (fake, seeder, _client, clock) = setup().await;
    let start = at(&clock);
    // 60 deals, each with two 60,000-character values (one of two-byte characters): about
    // 10.8 MB in all, over a 2 MB cap at 12 deals a page (as 200 such deals pass 16 MiB).
    let long = |c: char| std::iter::repeat_n(c, 60_000).collect::<String>();
    let deal = |i: usize| {
        vec![
            ("dealname", format!("{i} {}", long('n'))),
            ("description", long('é')),
        ]
    };
    batch_create_deals(&seeder, 60, deal, || {}).await;
    let capped = pat_builder(fake.base_url(), &clock)
        .max_response_bytes(2 << 20)
        .build()
        .unwrap();
    let names = ["dealname", "description"];
    let changed: Vec<_> = capped
        .deals()
        .changed_since(start)
        .overlap(Duration::ZERO)
        .properties(names)
        .stream()
        .map(|c| c.unwrap().deal)
        .collect()
        .await;
    assert_eq!(changed.len(), 60, "every deal");
    assert!(
        changed.iter().all(|d| d.properties["description"]
            .as_ref()
            .map(|v| v.chars().count())
            == Some(60_000)),
        "every value whole"
    );
    let all: HashSet<String> = capped
        .deals()
        .search_all(SearchRequest {
            properties: names.map(String::from).to_vec(),
            ..Default::default()
        })
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    assert_eq!(all.len(), 60);
    let listed: Vec<_> = capped
        .deals()
        .list()
        .properties(names)
        .stream()
        .map(|d| d.unwrap())
        .collect()
        .await;
    assert_eq!(listed.len(), 60);
    assert!(
        listed
            .iter()
            .all(|d| d.properties["description"].as_ref().map(String::len) == Some(120_000))
    );
    // One deal alone over the cap is said, not skipped.
    let tiny = pat_builder(fake.base_url(), &clock)
        .max_response_bytes(100_000)
        .build()
        .unwrap();
    let first = tiny
        .deals()
        .list()
        .properties(names)
        .stream()
        .next()
        .await
        .unwrap();
    assert!(
        matches!(first, Err(Error::ResponseTooLarge { .. })),
        "{first:?}"
    );
}

#[tokio::test]
async fn a_server_that_ignores_the_walks_filters_ends_the_walk_instead_of_looping() {
    use crate::support::recorder::{Recorder, json};
    // A hostile or broken server: the same full page of deals whatever the search asks.
    let deals: Vec<serde_json::Value> = (1..=200)
        .map(|i| {
            serde_json::json!({"id": i.to_string(), "properties": {}, "archived": false,
                "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z"})
        })
        .collect();
    let page = serde_json::json!({"total": 10_000, "results": deals,
        "paging": {"next": {"after": "200"}}});
    let server = Recorder::start((0..50).map(|_| json(200, page.clone())).collect()).await;
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let since = "2023-01-01T00:00:00Z".parse().unwrap();
    let given: Vec<_> = client.deals().changed_since(since).stream().collect().await;
    let ids: HashSet<String> = given
        .iter()
        .filter_map(|c| c.as_ref().ok().map(|c| c.deal.id.clone()))
        .collect();
    assert_eq!(ids.len(), 200, "each deal given once");
    let error = given.last().unwrap().as_ref().unwrap_err();
    assert!(
        error.to_string().contains("moved the walk nowhere"),
        "{error}"
    );
    assert!(
        server.requests().len() <= 5,
        "{} requests",
        server.requests().len()
    );
}
