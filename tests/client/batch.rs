//! The batch helpers: one outcome per input, in input order, whatever the chunking, the
//! failures and the concurrency.

use crate::support::fake::{erp_fake, limited_client, pat_client};
use futures_util::StreamExt;
use hubspot_deals::batch::{BatchItem, Failure, Inputs, Outcome, Summary};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::{Client, RetryPolicy, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn fake() -> (FakeHubSpot, Client) {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| fake).await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    (fake, client)
}

fn new_deal(name: &str) -> types::NewDeal {
    types::NewDeal {
        properties: [("dealname".to_string(), name.to_string())].into(),
        ..Default::default()
    }
}

fn name(deal: &types::Deal) -> &str {
    deal.properties["dealname"].as_deref().unwrap_or("")
}

/// The calls the fake saw for `operation`.
fn calls(fake: &FakeHubSpot, operation: &str) -> u64 {
    fake.counters()
        .by_operation
        .get(operation)
        .copied()
        .unwrap_or(0)
}

/// Every item, checking they come one per input, in input order.
async fn all<T>(mut stream: hubspot_deals::batch::BatchStream<T>) -> (Vec<Outcome<T>>, Summary)
where
    T: Send + 'static,
{
    let mut outcomes = Vec::new();
    while let Some(BatchItem { index, outcome, .. }) = stream.next().await {
        assert_eq!(
            index,
            outcomes.len(),
            "in input order, none skipped or repeated"
        );
        outcomes.push(outcome);
    }
    (outcomes, stream.summary())
}

/// Creates `n` deals named `Deal 0`, … and returns their ids in that order.
async fn created(client: &Client, n: usize) -> Vec<String> {
    let deals = (0..n)
        .map(|i| new_deal(&format!("Deal {i}")))
        .collect::<Vec<_>>();
    let (outcomes, _) = all(client.deals().create_all(deals).stream()).await;
    outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Done(deal) => deal.id,
            other => panic!("seeding failed: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn no_inputs_no_calls() {
    let (fake, client) = fake().await;
    let summary = client.deals().create_all(Vec::new()).run().await;
    assert_eq!(summary, Summary::default());
    let (outcomes, _) = all(client.deals().archive_all(Vec::<String>::new()).stream()).await;
    assert!(outcomes.is_empty());
    assert_eq!(fake.counters().requests, 0);
}

#[tokio::test]
async fn exactly_100_inputs_is_one_call_and_101_is_two() {
    let (fake, client) = fake().await;
    for (n, expected_calls) in [(100, 1), (101, 2), (1, 1), (250, 3)] {
        fake.clear_log();
        let deals: Vec<_> = (0..n).map(|i| new_deal(&format!("{n}/{i}"))).collect();
        let (outcomes, summary) = all(client.deals().create_all(deals).stream()).await;
        assert_eq!(calls(&fake, "batch_create"), expected_calls, "{n} inputs");
        assert_eq!(summary.done, n as u64);
        for (i, outcome) in outcomes.iter().enumerate() {
            match outcome {
                Outcome::Done(deal) => assert_eq!(name(deal), format!("{n}/{i}"), "its own deal"),
                other => panic!("{n}/{i}: {other:?}"),
            }
        }
    }
    assert_eq!(fake.deal_count(), 100 + 101 + 1 + 250);
}

#[tokio::test]
async fn a_207_gives_each_input_its_own_outcome() {
    let (fake, client) = fake().await;
    // Every seventh input sets a property the account does not have.
    let deals: Vec<_> = (0..250)
        .map(|i| {
            let mut deal = new_deal(&format!("Deal {i}"));
            if i % 7 == 3 {
                deal.properties
                    .insert("no_such_property".into(), "x".into());
            }
            deal
        })
        .collect();
    let (outcomes, summary) = all(client.deals().create_all(deals).stream()).await;
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Outcome::Failed(Failure::Input(error)) => {
                assert_eq!(i % 7, 3, "input {i} failed: {error:?}");
                assert_eq!(error.category.as_deref(), Some("VALIDATION_ERROR"));
                assert!(
                    error.message.contains("no_such_property"),
                    "{}",
                    error.message
                );
            }
            Outcome::Done(deal) => {
                assert_ne!(i % 7, 3, "input {i} should have failed");
                assert_eq!(
                    name(deal),
                    format!("Deal {i}"),
                    "results go to their own inputs"
                );
            }
            other => panic!("input {i}: {other:?}"),
        }
    }
    let failed = (0..250).filter(|i| i % 7 == 3).count() as u64;
    assert_eq!(
        (summary.done, summary.failed, summary.unknown),
        (250 - failed, failed, 0)
    );
    assert_eq!(
        fake.deal_count() as u64,
        250 - failed,
        "nothing else was created"
    );
    let printed = summary.to_string();
    assert_eq!(
        printed,
        format!(
            "250 inputs: {} done, {failed} failed, 0 unknown",
            250 - failed
        )
    );
}

#[tokio::test]
async fn updates_split_out_duplicates_and_report_missing_ids() {
    let (fake, client) = fake().await;
    let ids = created(&client, 150).await;
    let update = |id: &str, name: &str| types::BatchUpdateInput {
        id: id.to_string(),
        properties: [("dealname".to_string(), name.to_string())].into(),
        ..Default::default()
    };
    let mut inputs: Vec<_> = ids
        .iter()
        .map(|id| update(id, &format!("New {id}")))
        .collect();
    // In the first chunk: a repeat of input 0 (HubSpot would refuse the whole chunk), and an
    // id that does not exist. In the second chunk: input 0's id again, which is allowed there.
    inputs[10] = update(&ids[0], "repeat");
    inputs[20] = update("999999999", "missing");
    inputs[120] = update(&ids[0], "second chunk");
    fake.clear_log();
    let (outcomes, summary) = all(client.deals().update_all(inputs).stream()).await;
    assert_eq!(
        calls(&fake, "batch_update"),
        2,
        "one call per chunk, none refused"
    );
    for (i, outcome) in outcomes.iter().enumerate() {
        match (i, outcome) {
            (10, Outcome::Failed(Failure::Duplicate { first: 0 })) => {}
            (20, Outcome::Failed(Failure::Input(error))) => {
                assert_eq!(error.category.as_deref(), Some("OBJECT_NOT_FOUND"));
            }
            (120, Outcome::Done(deal)) => assert_eq!(name(deal), "second chunk"),
            (i, Outcome::Done(deal)) if ![10, 20, 120].contains(&i) => {
                assert_eq!(deal.id, ids[i], "results go to their own inputs");
                assert_eq!(name(deal), format!("New {}", ids[i]));
            }
            (i, other) => panic!("input {i}: {other:?}"),
        }
    }
    assert_eq!((summary.done, summary.failed), (148, 2));
    let printed = Failure::Duplicate { first: 0 }.to_string();
    assert!(printed.contains("input 0"), "{printed}");
}

#[tokio::test]
async fn upserts_create_or_update_by_the_unique_property() {
    let (fake, client) = fake().await;
    let upsert = |key: usize, name: &str| types::DealUpsert {
        id: format!("ERP-{key}"),
        properties: [("dealname".to_string(), name.to_string())].into(),
        ..Default::default()
    };
    let first: Vec<_> = (0..120).map(|k| upsert(k, &format!("v1 {k}"))).collect();
    let summary = client.deals().upsert_all("erp_id", first).run().await;
    assert_eq!(summary.done, 120);
    // Half of these exist; ERP-150 comes twice in one chunk.
    let mut second: Vec<_> = (60..180).map(|k| upsert(k, &format!("v2 {k}"))).collect();
    second[95] = upsert(150, "again");
    let (outcomes, summary) = all(client.deals().upsert_all("erp_id", second).stream()).await;
    for (i, outcome) in outcomes.iter().enumerate() {
        let key = 60 + i;
        match outcome {
            Outcome::Failed(Failure::Duplicate { first: 90 }) if i == 95 => {}
            Outcome::Done(deal) => {
                assert_eq!(
                    deal.properties["dealname"].as_deref(),
                    Some(&*format!("v2 {key}"))
                );
                assert_eq!(
                    deal.new,
                    key >= 120,
                    "ERP-{key}: new only if it was not there"
                );
            }
            other => panic!("input {i}: {other:?}"),
        }
    }
    assert_eq!((summary.done, summary.failed), (119, 1));
    assert_eq!(
        fake.deal_count(),
        179,
        "ERP-0 … ERP-179, less ERP-155 (replaced by the repeat)"
    );
}

#[tokio::test]
async fn reads_answer_each_id_even_repeated_or_missing() {
    let (_fake, client) = fake().await;
    let ids = created(&client, 30).await;
    let mut wanted: Vec<String> = ids.iter().rev().cloned().collect();
    wanted.push(ids[0].clone());
    wanted.push("404404".into());
    let (outcomes, _) = all(client
        .deals()
        .read_all(wanted.clone(), ["dealname"])
        .stream())
    .await;
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Outcome::Done(deal) => assert_eq!(deal.id, wanted[i]),
            Outcome::Failed(Failure::Input(error)) => {
                assert_eq!(wanted[i], "404404");
                assert_eq!(error.category.as_deref(), Some("OBJECT_NOT_FOUND"));
            }
            other => panic!("input {i}: {other:?}"),
        }
    }
    assert_eq!(outcomes.len(), 32);
}

#[tokio::test]
async fn archives_every_id() {
    let (fake, client) = fake().await;
    let ids = created(&client, 205).await;
    let summary = client.deals().archive_all(ids).run().await;
    assert_eq!(summary.done, 205);
    assert_eq!(fake.archived_count(), 205);
    assert_eq!(calls(&fake, "batch_archive"), 3);
}

#[tokio::test]
async fn a_create_chunk_without_an_answer_is_unknown_and_never_sent_again() {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| {
        fake.fault(
            Fault::new(FaultKind::DropConnection)
                .on("batch_create")
                .times(1),
        )
    })
    .await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let deals: Vec<_> = (0..300).map(|i| new_deal(&format!("Deal {i}"))).collect();
    let (outcomes, summary) = all(client.deals().create_all(deals).concurrency(1).stream()).await;
    assert_eq!(
        calls(&fake, "batch_create"),
        3,
        "the dropped chunk was not sent again"
    );
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Outcome::Unknown(error) => {
                assert!(i < 100, "only the first chunk's answer was lost");
                assert!(
                    matches!(**error, hubspot_deals::Error::Transport(_)),
                    "{error}"
                );
            }
            Outcome::Done(deal) => assert_eq!(name(deal), format!("Deal {i}")),
            other => panic!("input {i}: {other:?}"),
        }
    }
    assert_eq!((summary.done, summary.unknown), (200, 100));
    assert_eq!(
        fake.deal_count(),
        300,
        "the unknown chunk was in fact applied: never twice"
    );
}

#[tokio::test]
async fn idempotent_chunks_are_retried_after_a_fault() {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| {
        fake.fault(
            Fault::new(FaultKind::DropConnection)
                .on("batch_upsert")
                .times(1),
        )
        .fault(
            Fault::new(FaultKind::Status(503))
                .on("batch_upsert")
                .times(1),
        )
    })
    .await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let rows = (0..250).map(|k| types::DealUpsert {
        id: format!("ERP-{k}"),
        properties: [("dealname".to_string(), format!("Row {k}"))].into(),
        ..Default::default()
    });
    let summary = client
        .deals()
        .upsert_all("erp_id", Inputs::from(rows.collect::<Vec<_>>()))
        .run()
        .await;
    assert_eq!(summary.done, 250, "{summary}");
    assert_eq!(fake.deal_count(), 250, "retried, not repeated");
}

#[tokio::test]
async fn a_whole_chunk_refused_fails_each_of_its_inputs_with_the_reason() {
    let (fake, client) = fake().await;
    let ids = created(&client, 120).await;
    let inputs: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| types::BatchUpdateInput {
            id: id.clone(),
            properties: [(
                if i == 5 {
                    "no_such_property"
                } else {
                    "dealname"
                }
                .to_string(),
                "x".to_string(),
            )]
            .into(),
            ..Default::default()
        })
        .collect();
    fake.clear_log();
    let (outcomes, summary) = all(client.deals().update_all(inputs).stream()).await;
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Outcome::Failed(Failure::Call(error)) => {
                assert!(i < 100, "only the first chunk was refused");
                assert!(error.to_string().contains("no_such_property"), "{error}");
            }
            Outcome::Done(_) => assert!(i >= 100),
            other => panic!("input {i}: {other:?}"),
        }
    }
    assert_eq!((summary.done, summary.failed), (20, 100));
    assert_eq!(calls(&fake, "batch_update"), 2, "a 400 is not retried");
}

/// Inputs from a stream that counts how many were taken.
fn counted(n: usize, taken: Arc<AtomicUsize>) -> Inputs<types::DealUpsert> {
    Inputs::stream(futures_util::stream::iter(0..n).map(move |k| {
        taken.fetch_add(1, Ordering::SeqCst);
        types::DealUpsert {
            id: format!("ERP-{k}"),
            properties: [("dealname".to_string(), format!("Row {k}"))].into(),
            ..Default::default()
        }
    }))
}

#[tokio::test]
async fn chunks_in_flight_and_inputs_read_ahead_are_bounded() {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| {
        fake.fault(Fault::new(FaultKind::Held).on("batch_upsert"))
    })
    .await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let taken = Arc::new(AtomicUsize::new(0));
    let mut stream = client
        .deals()
        .upsert_all("erp_id", counted(100_000, taken.clone()))
        .concurrency(3)
        .stream();
    let reader = tokio::spawn(async move {
        let mut n = 0;
        while let Some(item) = stream.next().await {
            assert!(
                matches!(item.outcome, Outcome::Done(_)),
                "{:?}",
                item.outcome
            );
            n += 1;
            if n == 1_000 {
                return n;
            }
        }
        n
    });
    crate::support::eventually("three chunks in flight", || fake.held() == 3).await;
    // Nothing more starts while they are held, and the inputs read stay a few chunks ahead.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(fake.held(), 3);
    let read = taken.load(Ordering::SeqCst);
    assert!(
        read <= 500,
        "read {read} inputs ahead with 3 chunks in flight"
    );
    for _ in 0..10 {
        fake.release_held(1);
        crate::support::eventually("the next chunk starts", || fake.held() == 3).await;
    }
    assert_eq!(reader.await.unwrap(), 1_000);
    assert!(taken.load(Ordering::SeqCst) <= 1_500, "memory stays flat");
    fake.clear_faults();
    fake.release_held(10_000);
}

#[tokio::test]
async fn the_default_concurrency_keeps_the_rate_budget_busy() {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| {
        fake.fault(Fault::new(FaultKind::Held).on("batch_upsert"))
    })
    .await;
    // 100 calls per 10 s: 10 per second, half a second's worth in flight.
    let client = limited_client(fake.base_url(), &clock, 100);
    let stream = client
        .deals()
        .upsert_all("erp_id", counted(5_000, Arc::new(AtomicUsize::new(0))))
        .stream();
    crate::support::eventually("five chunks in flight", || fake.held() == 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(fake.held(), 5, "no more than the budget keeps busy");
    drop(stream);
    fake.clear_faults();
    fake.release_held(10_000);
}

#[tokio::test]
async fn outcomes_keep_input_order_when_chunks_finish_out_of_order() {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| {
        fake.fault(Fault::new(FaultKind::Slow(std::time::Duration::from_millis(30))).rate(0.5))
            .seed(7)
    })
    .await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let (outcomes, summary) = all(client
        .deals()
        .upsert_all("erp_id", counted(2_000, Arc::new(AtomicUsize::new(0))))
        .concurrency(8)
        .stream())
    .await;
    assert_eq!(summary.done, 2_000);
    let keys: Vec<String> = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Done(deal) => deal.properties["dealname"].clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: Vec<String> = (0..2_000).map(|k| format!("Row {k}")).collect();
    assert_eq!(keys, expected);
}

#[tokio::test]
async fn dropping_the_stream_stops_sending() {
    let clock = ManualClock::default();
    let fake = erp_fake(&clock, |fake| fake).await;
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let mut stream = client
        .deals()
        .upsert_all("erp_id", counted(100_000, Arc::new(AtomicUsize::new(0))))
        .concurrency(2)
        .stream();
    for _ in 0..150 {
        stream.next().await.unwrap();
    }
    drop(stream);
    let after_drop = calls(&fake, "batch_upsert");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        calls(&fake, "batch_upsert"),
        after_drop,
        "no call after the drop"
    );
    assert!(
        after_drop <= 5,
        "{after_drop} chunks sent for 150 outcomes read"
    );
}
