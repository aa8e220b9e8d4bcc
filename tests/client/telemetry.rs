//! What the client shows of itself: one `tracing` span per call with its fields, and never a
//! secret in logs, `Debug` output or errors.

use crate::support::fake::{
    CLIENT_SECRET, PAT, REFRESH_TOKEN, limited_client, oauth, oauth_fake, pat_builder,
};
use crate::support::logs::{Captured, captured_logs};
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::{Client, RateLimit};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn secrets_never_reach_debug_output_or_logs() {
    let captured = captured_logs();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Status(503)).on("get_page").times(1))
        .start()
        .await
        .unwrap();
    let stale = oauth().access_token(
        "stale-access-token-secret",
        clock.now() + chrono::Duration::hours(1),
    );
    let builder = Client::builder()
        .oauth(stale.clone())
        .base_url(fake.base_url())
        .clock(Arc::new(clock.clone()));
    let client = builder.clone().build().unwrap();
    // A 401 for the stale token, a refresh, a 503, a replay.
    client.get_page().send().await.unwrap();
    let access = fake
        .requests()
        .iter()
        .rev()
        .find_map(|r| r.token.clone())
        .unwrap();
    fake.revoke_refresh_token(REFRESH_TOKEN);
    clock.advance(Duration::from_secs(4000));
    let error = client.get_page().send().await.unwrap_err();
    let pat = hubspot_deals::auth::Auth::private_app(PAT);

    let debug = format!(
        "{client:?}\n{builder:?}\n{stale:?}\n{pat:?}\n{error:?}\n{error}\n{:?}",
        client.get_page()
    );
    let logs = captured.text();
    assert!(
        logs.contains("hubspot_deals.call") && logs.contains("operation=\"get_page\""),
        "{logs}"
    );
    for secret in [
        CLIENT_SECRET,
        REFRESH_TOKEN,
        PAT,
        "stale-access-token-secret",
        "fake-access-",
    ] {
        assert!(
            !debug.contains(secret),
            "{secret} in Debug output:\n{debug}"
        );
        assert!(!logs.contains(secret), "{secret} in logs:\n{logs}");
    }
    assert!(
        access.starts_with("oauth-"),
        "the fake logs labels only: {access}"
    );
    assert!(debug.contains("Secret(<redacted>)"));
}

#[tokio::test]
async fn each_call_is_one_span_with_its_attempts_status_and_waits() {
    let captured = captured_logs();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Status(503)).on("batch_read").times(2))
        .start()
        .await
        .unwrap();
    let client = limited_client(fake.base_url(), &clock, 1);
    client.get_page().send().await.unwrap();
    let body = hubspot_deals::types::BatchRead {
        id_property: None,
        inputs: vec![],
        properties: vec![],
        properties_with_history: vec![],
    };
    client.batch_read().body(body).send().await.unwrap();
    let spans = closed_spans(captured, &fake, "batch_read");
    let [line] = &spans[..] else {
        panic!("not one closed batch_read span:\n{}", captured.text())
    };
    assert!(line.contains("server.address=\"127.0.0.1\""), "{line}");
    for field in [
        "attempts=3",
        "status=200",
        "correlation_id=",
        "limiter_wait_ms=",
        "retry_wait_ms=",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
    // Each of the three attempts waited for the one-per-ten-seconds budget.
    let waited: u64 = line
        .split("limiter_wait_ms=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(waited >= 30_000, "{line}");
}

/// The closed spans of `operation` in the captured logs, of calls to `fake` (the log holds
/// every test's calls: the span's `server.port` tells this test's apart).
fn closed_spans(captured: &Captured, fake: &FakeHubSpot, operation: &str) -> Vec<String> {
    let port = fake
        .base_url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    captured
        .text()
        .lines()
        .filter(|l| l.contains(&format!("operation=\"{operation}\"")) && l.contains("close"))
        .filter(|l| l.contains(&format!("server.port={port}")))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn typed_and_raw_calls_each_make_exactly_one_span() {
    let captured = captured_logs();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = pat_builder(fake.base_url(), &clock).build().unwrap();
    let raw = client.get_by_id().deal_id("424242").send_raw().await;
    assert!(raw.is_err(), "no such deal");
    client.archive().deal_id("424242").send().await.unwrap();
    assert_eq!(
        closed_spans(captured, &fake, "get_by_id").len(),
        1,
        "the raw path has its span"
    );
    assert_eq!(
        closed_spans(captured, &fake, "archive").len(),
        1,
        "the typed path, one span, not two"
    );
}

#[tokio::test]
async fn a_401_replay_counts_as_a_second_attempt() {
    let captured = captured_logs();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let stale = oauth().access_token(
        "stale-for-span-test",
        clock.now() + chrono::Duration::hours(1),
    );
    // One call per ten seconds: the replay waits for the budget, and the span says so.
    let client = Client::builder()
        .oauth(stale)
        .base_url(fake.base_url())
        .clock(Arc::new(clock.clone()))
        .rate_limit(RateLimit::per_ten_seconds(1))
        .build()
        .unwrap();
    let nothing = hubspot_deals::types::BatchIds { inputs: vec![] };
    client.batch_archive().body(nothing).send().await.unwrap();
    let spans = closed_spans(captured, &fake, "batch_archive");
    let [span] = &spans[..] else {
        panic!("{spans:?}")
    };
    assert!(
        span.contains("attempts=2") && span.contains("status=204"),
        "{span}"
    );
    let waited: u64 = span
        .split("limiter_wait_ms=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(waited >= 10_000, "the replay's wait is counted: {span}");
}

#[tokio::test]
async fn debug_output_names_the_credentials_kind_and_the_policy_is_readable() {
    use hubspot_deals::ClientInfo;
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let policy = hubspot_deals::RetryPolicy::default().max_attempts(2);
    let pat = pat_builder(fake.base_url(), &clock)
        .retry(policy)
        .build()
        .unwrap();
    assert_eq!(pat.inner().retry_policy(), &policy);
    let shown = format!("{:?}", pat.inner());
    assert!(shown.contains("PrivateApp(<redacted>)"), "{shown}");
    let oauth_client = Client::builder()
        .oauth(oauth())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let shown = format!("{:?}", oauth_client.inner());
    for field in ["OAuth", "client_id", "token_url", "access_token_expires_at"] {
        assert!(shown.contains(field), "{field} missing from {shown}");
    }
    assert!(
        !shown.contains(CLIENT_SECRET) && !shown.contains(REFRESH_TOKEN),
        "{shown}"
    );
}
