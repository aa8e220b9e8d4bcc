//! Signed webhook delivery, end to end: deal changes at the fake reach a subscriber over
//! HTTP, and the crate's own `Verifier` accepts their signatures.

use crate::support::http::{TOKEN, delete, patch, post};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hubspot_deals::clock::ManualClock;
use hubspot_deals::webhooks::{DealChange, DealEvent, SignatureVersion, Verifier, parse_events};
use hubspot_deals_fake::{FakeHubSpot, RateLimits, WebhookDelivery, WebhookSubscriber};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

const SECRET: &str = "app-client-secret-5150";
const DEALS: &str = "/crm/v3/objects/deals";

/// One request the subscriber received: what the verifier said, and the events.
#[derive(Debug)]
struct Received {
    v3: Result<SignatureVersion, String>,
    /// The v1 signature alone, checked by a verifier that accepts it.
    v1: Result<SignatureVersion, String>,
    /// The v1 signature alone, checked by a default verifier.
    v1_by_default: Result<SignatureVersion, String>,
    events: Vec<DealEvent>,
}

/// A webhook handler on loopback that checks each request with the crate's `Verifier` (as of
/// the fake's clock) and answers 500 to the first `failures` requests.
async fn subscriber(
    clock: ManualClock,
    failures: usize,
) -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hubspot/events", listener.local_addr().unwrap());
    let (sender, received) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let signed_url = url.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (sender, seen, clock, url) = (
                sender.clone(),
                seen.clone(),
                clock.clone(),
                signed_url.clone(),
            );
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (sender, seen, clock, url) =
                        (sender.clone(), seen.clone(), clock.clone(), url.clone());
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let now = hubspot_deals::clock::Clock::now(&clock);
                        let verifier = Verifier::new(SECRET);
                        let v3 = verifier
                            .verify_at(parts.method.as_str(), &url, &parts.headers, &body, now)
                            .map_err(|e| e.to_string());
                        let mut v1_only = parts.headers.clone();
                        v1_only.remove("x-hubspot-signature-v3");
                        let v1 = Verifier::new(SECRET)
                            .accept_replayable_v1_v2()
                            .verify_at(parts.method.as_str(), &url, &v1_only, &body, now)
                            .map_err(|e| e.to_string());
                        let v1_by_default = verifier
                            .verify_at(parts.method.as_str(), &url, &v1_only, &body, now)
                            .map_err(|e| e.to_string());
                        let events = parse_events(&body).unwrap();
                        let status = if seen.fetch_add(1, Ordering::SeqCst) < failures {
                            500
                        } else {
                            200
                        };
                        let _ = sender.send(Received {
                            v3,
                            v1,
                            v1_by_default,
                            events,
                        });
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, received)
}

async fn fake(clock: &ManualClock, subscriber: WebhookSubscriber) -> FakeHubSpot {
    FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .clock(Arc::new(clock.clone()))
        .webhook_subscriber(subscriber)
        .start()
        .await
        .unwrap()
}

async fn next(received: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("a delivery within 10 s")
        .expect("the subscriber runs")
}

#[tokio::test]
async fn deal_changes_arrive_signed_typed_and_in_order() {
    let clock = ManualClock::default();
    let (url, mut received) = subscriber(clock.clone(), 0).await;
    let fake = fake(&clock, WebhookSubscriber::new(&url, SECRET)).await;
    let base = format!("{}{DEALS}", fake.base_url());

    let created = post(
        base.clone(),
        json!({"properties": {"dealname": "A", "amount": "10"}}),
    )
    .await;
    let a = created.json["id"].as_str().unwrap().to_string();
    let delivery = next(&mut received).await;
    assert_eq!(delivery.v3, Ok(SignatureVersion::V3));
    assert_eq!(
        delivery.v1,
        Ok(SignatureVersion::V1),
        "v1 is sent beside v3"
    );
    assert!(
        delivery.v1_by_default.is_err(),
        "without its v3 headers the request is refused: {:?}",
        delivery.v1_by_default
    );
    let [event] = &delivery.events[..] else {
        panic!("{:?}", delivery.events)
    };
    assert_eq!(event.change, DealChange::Created);
    assert_eq!(event.object_id.to_string(), a);
    assert_eq!(event.subscription_type, "deal.creation");
    assert_eq!(event.occurred_at, hubspot_deals::clock::Clock::now(&clock));
    assert_eq!(event.attempt_number, 0);

    // One event per property whose value changed; `amount` is unchanged.
    patch(
        format!("{base}/{a}"),
        json!({"properties": {"dealname": "A2", "amount": "10"}}),
    )
    .await;
    let changed = next(&mut received).await.events;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(
        changed[0].change,
        DealChange::PropertyChanged {
            name: "dealname".into(),
            value: "A2".into()
        }
    );

    // A batch of 100 creations is one request of 100 events; updating two properties of each
    // makes 200 events, which arrive as two requests: HubSpot sends at most 100 at a time.
    let inputs: Vec<_> = (0..100)
        .map(|i| json!({"properties": {"dealname": format!("B{i}")}}))
        .collect();
    let reply = post(format!("{base}/batch/create"), json!({"inputs": inputs})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let creations = next(&mut received).await.events;
    assert_eq!(creations.len(), 100);
    assert!(creations.iter().all(|e| e.change == DealChange::Created));
    let ids: Vec<u64> = creations.iter().map(|e| e.object_id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in the order the deals were made"
    );
    let updates: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id.to_string(), "properties": {"dealname": "C", "amount": "5"}}))
        .collect();
    let reply = post(format!("{base}/batch/update"), json!({"inputs": updates})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let first = next(&mut received).await.events;
    let second = next(&mut received).await.events;
    assert_eq!((first.len(), second.len()), (100, 100));
    let event_ids: Vec<u64> = creations
        .iter()
        .chain(&first)
        .chain(&second)
        .map(|e| e.event_id)
        .collect();
    assert!(event_ids.windows(2).all(|w| w[0] < w[1]), "event ids rise");

    // Merge, then archive the result.
    let b = ids[0].to_string();
    let merged = post(
        format!("{base}/merge"),
        json!({"primaryObjectId": a, "objectIdToMerge": b}),
    )
    .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    let merge = next(&mut received).await.events;
    let new_id = merged.json["id"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(
        merge[0].change,
        DealChange::Merged {
            primary_object_id: a.parse().unwrap(),
            merged_object_ids: vec![ids[0]],
            new_object_id: Some(new_id),
            number_of_properties_moved: None,
        }
    );
    assert_eq!(merge.len(), 1, "a merge is one event, not a creation");
    delete(format!("{base}/{new_id}")).await;
    let deleted = next(&mut received).await.events;
    assert_eq!(deleted[0].change, DealChange::Deleted);
    assert_eq!(deleted[0].object_id, new_id);

    // Failed requests change nothing and send nothing.
    let refused = post(
        base.clone(),
        json!({"properties": {"no_such_property": "x"}}),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), received.recv())
            .await
            .is_err(),
        "no event for a refused request"
    );
    let deliveries = fake.webhook_deliveries();
    assert_eq!(deliveries.len(), 7);
    assert!(deliveries.iter().all(|d| d.status == 200 && d.attempt == 0));
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_attempt_number() {
    let clock = ManualClock::default();
    let (url, mut received) = subscriber(clock.clone(), 2).await;
    let subscriber = WebhookSubscriber::new(&url, SECRET).first_retry(Duration::from_millis(5));
    let fake = fake(&clock, subscriber).await;
    post(
        format!("{}{DEALS}", fake.base_url()),
        json!({"properties": {"dealname": "A"}}),
    )
    .await;
    for attempt in 0..3 {
        let delivery = next(&mut received).await;
        assert_eq!(
            delivery.v3,
            Ok(SignatureVersion::V3),
            "re-signed each attempt"
        );
        assert_eq!(delivery.events[0].attempt_number, attempt);
    }
    support_eventually(|| fake.webhook_deliveries().len() == 3).await;
    let statuses: Vec<(u32, u16)> = fake
        .webhook_deliveries()
        .iter()
        .map(
            |WebhookDelivery {
                 attempt, status, ..
             }| (*attempt, *status),
        )
        .collect();
    assert_eq!(statuses, [(0, 500), (1, 500), (2, 200)]);
}

#[tokio::test]
async fn a_subscriber_that_never_answers_well_gets_its_attempts_and_no_more() {
    let clock = ManualClock::default();
    let (url, mut received) = subscriber(clock.clone(), usize::MAX).await;
    let subscriber = WebhookSubscriber::new(&url, SECRET)
        .max_attempts(2)
        .first_retry(Duration::from_millis(5));
    let fake = fake(&clock, subscriber).await;
    post(
        format!("{}{DEALS}", fake.base_url()),
        json!({"properties": {"dealname": "A"}}),
    )
    .await;
    next(&mut received).await;
    next(&mut received).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(200), received.recv())
            .await
            .is_err()
    );
    // A later change is still delivered: one bad delivery does not stop the queue.
    post(
        format!("{}{DEALS}", fake.base_url()),
        json!({"properties": {"dealname": "B"}}),
    )
    .await;
    assert_eq!(next(&mut received).await.events[0].attempt_number, 0);
}

async fn support_eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("not true after 10 s");
}
