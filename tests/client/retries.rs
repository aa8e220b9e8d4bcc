//! Retries through the client: what is replayed and what never is, byte-identical replays,
//! `Retry-After` beyond the policy, the daily limit, per-attempt timeouts.

use crate::support::fake::{PAT, deals_statuses, empty_deal, oauth_fake, pat_builder, pat_client};
use crate::support::recorder::{Recorder, empty, json};
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::{Error, RetryPolicy, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn server_errors_are_retried_for_a_read_but_not_for_a_create() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Status(503)).on("get_page").times(2))
        .fault(Fault::new(FaultKind::Status(500)).on("get_by_id").times(1))
        .fault(Fault::new(FaultKind::Status(503)).on("create").times(1))
        .fault(Fault::new(FaultKind::Status(500)).on("merge").times(1))
        .fault(
            Fault::new(FaultKind::DropConnection)
                .on("batch_create")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    client.get_page().send().await.unwrap();
    assert_eq!(deals_statuses(&fake), [503, 503, 200]);
    let missing = client.get_by_id().deal_id("1").send().await.unwrap_err();
    assert!(missing.is_not_found(), "the 500 was retried, then 404");
    assert_eq!(deals_statuses(&fake), [503, 503, 200, 500, 404]);

    let error = client.create().body(empty_deal()).send().await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    let merge = types::MergeRequest {
        object_id_to_merge: "1".into(),
        primary_object_id: "2".into(),
    };
    let error = client.merge().body(merge).send().await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        deals_statuses(&fake)[5..],
        [503, 500],
        "neither the create nor the merge was replayed"
    );

    let batch = types::BatchCreate {
        inputs: vec![types::BatchCreateInput {
            associations: vec![],
            object_write_trace_id: None,
            properties: HashMap::new(),
        }],
    };
    let error = client.batch_create().body(batch).send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Transport(t) if t.sent && !t.is_connect()),
        "{error:?}"
    );
    assert_eq!(
        fake.counters().by_operation.get("batch_create"),
        Some(&1),
        "not replayed"
    );
    assert_eq!(
        fake.deal_count(),
        1,
        "the dropped batch create did happen: replaying would duplicate it"
    );

    let off = pat_client(&fake, &clock, RetryPolicy::disabled());
    fake.add_fault(Fault::new(FaultKind::Status(503)).on("get_page").times(1));
    assert_eq!(
        off.get_page().send().await.unwrap_err().status(),
        Some(503),
        "retries can be turned off"
    );
}

#[tokio::test]
async fn replayed_bodies_are_byte_identical() {
    let server = Recorder::start(vec![
        empty(503),
        empty(502),
        json(
            200,
            serde_json::json!({
                "status": "COMPLETE", "results": [],
                "startedAt": "2024-01-01T00:00:00.000Z", "completedAt": "2024-01-01T00:00:00.000Z"}),
        ),
    ])
    .await;
    let clock = ManualClock::default();
    let client = pat_builder(&server.base_url, &clock).build().unwrap();
    let inputs = (0..50)
        .map(|i| types::BatchUpdateInput {
            id: (1000 + i).to_string(),
            id_property: None,
            object_write_trace_id: Some(format!("trace-{i}")),
            // Several properties per input: a HashMap's order differs between builds of the
            // body, so equal bytes mean the body was built once and sent again.
            properties: [
                ("dealname", format!("Deal ✓ {i}")),
                ("amount", format!("{}.50", 100 + i)),
                ("dealstage", "qualifiedtobuy".to_string()),
                ("description", format!("line one\nline \"two\" {i}")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        })
        .collect();
    client
        .batch_update()
        .body(types::BatchUpdate { inputs })
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].body.len() > 5000);
    assert!(
        requests.iter().all(|r| r.body == requests[0].body),
        "every attempt sent the same bytes"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == requests[0].header("authorization"))
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_fails_at_once_with_the_wait() {
    let server = Recorder::start(vec![
        json(
            429,
            serde_json::json!({"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                               "policyName": "TEN_SECONDLY_ROLLING"}),
        )
        .header("retry-after", "3600"),
    ])
    .await;
    let clock = ManualClock::default();
    let client = pat_builder(&server.base_url, &clock)
        .retry(RetryPolicy::default().max_wait(Duration::from_secs(60)))
        .build()
        .unwrap();
    let start = clock.now();
    let error = client.get_page().send().await.unwrap_err();
    assert_eq!(server.requests().len(), 1, "no retry into another refusal");
    assert_eq!(clock.now(), start, "no waiting either");
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert!(error.to_string().contains("retry after 3600 s"), "{error}");
}

#[tokio::test]
async fn the_daily_limit_is_never_retried() {
    let daily = || {
        json(
            429,
            serde_json::json!({"status": "error", "message": "You have reached your daily limit.",
                               "errorType": "RATE_LIMIT", "policyName": "DAILY"}),
        )
    };
    let server = Recorder::start(vec![daily().header("retry-after", "1"), daily()]).await;
    let clock = ManualClock::default();
    let client = pat_builder(&server.base_url, &clock).build().unwrap();
    for _ in 0..2 {
        let error = client.get_page().send().await.unwrap_err();
        assert!(error.is_rate_limited(), "{error:?}");
    }
    assert_eq!(
        server.requests().len(),
        2,
        "one attempt each, with or without Retry-After"
    );

    // The fake's own daily budget.
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits {
            daily: 1,
            ..RateLimits::UNLIMITED
        })
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    client.get_page().send().await.unwrap();
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.is_rate_limited());
    assert_eq!(deals_statuses(&fake), [200, 429]);
}

#[tokio::test]
async fn a_per_attempt_timeout_is_retried_only_where_safe() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Held).on("get_page").times(1))
        .fault(Fault::new(FaultKind::Held).on("create").times(1))
        .start()
        .await
        .unwrap();
    // The fake holds the first attempt until this test lets it go: the client's one-second
    // timeout is what ends it, however loaded the machine is.
    let client = pat_builder(fake.base_url(), &clock)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    client.get_page().send().await.unwrap();
    assert_eq!(
        fake.held(),
        1,
        "the first attempt is still held at the fake"
    );
    fake.release_held(1);
    crate::support::eventually("the abandoned get_page finishes at the fake", || {
        fake.counters().by_operation.get("get_page") == Some(&2)
    })
    .await;

    let error = client.create().body(empty_deal()).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        error.to_string().starts_with("create: timed out after 1 s"),
        "{error}"
    );
    assert_eq!(fake.deal_count(), 0, "still held: not applied yet");
    fake.release_held(1);
    crate::support::eventually("the held create finishes at the fake", || {
        fake.deal_count() == 1
    })
    .await;
    assert_eq!(
        fake.counters().by_operation.get("create"),
        Some(&1),
        "a create that timed out is not replayed: it was applied after all"
    );
}

#[tokio::test]
async fn a_cut_off_body_is_retried_for_a_read_and_reported_for_a_create() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::TruncatedBody).on("get_page").times(1))
        .fault(Fault::new(FaultKind::TruncatedBody).on("create").times(1))
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    client.get_page().send().await.unwrap();
    assert_eq!(fake.counters().by_operation.get("get_page"), Some(&2));
    let error = client.create().body(empty_deal()).send().await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind, hubspot_deals::TransportKind::Body);
    assert!(transport.sent);
    assert!(
        error
            .to_string()
            .starts_with("create: the response was cut off"),
        "{error}"
    );
    assert_eq!(fake.deal_count(), 1, "applied once, not replayed");
}

#[tokio::test]
async fn when_retries_run_out_on_429s_the_error_says_rate_limited() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::RateLimited { retry_after: None }).on("get_page"))
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default().max_attempts(3));
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.is_rate_limited(), "{error:?}");
    assert_eq!(deals_statuses(&fake), [429, 429, 429]);
    assert!(
        error
            .to_string()
            .starts_with("get_page: 429: You have reached your ten_secondly_rolling limit."),
        "{error}"
    );
}
