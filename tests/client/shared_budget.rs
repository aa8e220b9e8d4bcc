//! A shared budget whose Redis cannot be reached or does not answer: the chosen policy holds,
//! no call hangs, and the error says what to do without the URL's password. (The runs with a
//! real Redis are in `shared_budget_processes.rs`.)
#![cfg(feature = "redis")]

use crate::support::fake::{PAT, pat_builder};
use crate::support::logs::captured_logs;
use crate::support::refusing_address;
use hubspot_deals::clock::SystemClock;
use hubspot_deals::{Error, RateLimit, SharedBudget, WhenUnavailable};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::time::{Duration, Instant};

async fn fake() -> FakeHubSpot {
    FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap()
}

fn client(fake: &FakeHubSpot, shared: SharedBudget) -> hubspot_deals::Client {
    pat_builder(fake.base_url(), &SystemClock)
        .rate_limit(RateLimit::per_ten_seconds(100))
        .shared_budget(shared)
        .build()
        .unwrap()
}

#[tokio::test]
async fn with_fail_a_refused_connection_fails_the_call_unsent_and_says_what_to_do() {
    let fake = fake().await;
    let (_socket, address) = refusing_address();
    let url = format!("redis://:hunter2-password@{address}/");
    let shared = SharedBudget::redis(&url, "portal-42", WhenUnavailable::Fail).unwrap();
    assert!(
        !format!("{shared:?}").contains("hunter2"),
        "no password in Debug: {shared:?}"
    );
    let client = client(&fake, shared);
    let error = client.get_page().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::SharedBudgetUnavailable { name, .. } if name == "portal-42"),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.starts_with("get_page: "), "{message}");
    assert!(message.contains("connection refused"), "{message}");
    assert!(message.contains("WhenUnavailable::local"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert_eq!(fake.counters().requests, 0, "nothing was sent");
}

#[tokio::test]
async fn a_redis_that_never_answers_costs_a_call_the_timeout_and_local_goes_on() {
    let logs = captured_logs();
    let fake = fake().await;
    // Accepts connections and reads nothing: a hung Redis.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}/", silent.local_addr().unwrap());
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    // Asked again an hour after it failed: never, within this test. One worker: it knows
    // every call of the fleet, so it goes on at once (more wait a window for the others').
    let shared = SharedBudget::redis(&url, "portal-hung", WhenUnavailable::local(1))
        .unwrap()
        .timeout(Duration::from_millis(200))
        .retry_every(Duration::from_secs(3600));
    let client = client(&fake, shared);
    let asks = || {
        logs.text()
            .lines()
            .filter(|line| {
                line.contains("asking the shared rate budget's store")
                    && line.contains("portal-hung")
            })
            .count()
    };
    let start = Instant::now();
    // A guard against a hang, not a speed: the call waits for the store's timeout only.
    tokio::time::timeout(Duration::from_secs(60), client.get_page().send())
        .await
        .expect("a hung Redis never hangs a call")
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "it waited for the store's timeout: {:?}",
        start.elapsed()
    );
    assert_eq!(asks(), 1, "one question, unanswered");
    // Then calls go on at the local share without asking the store again.
    for _ in 0..10 {
        client.get_page().send().await.unwrap();
    }
    assert_eq!(asks(), 1, "the store is not asked again before retry_every");
    assert_eq!(fake.counters().requests, 11);
}

#[test]
fn a_bad_url_or_name_is_refused_with_a_reason() {
    let error = SharedBudget::redis("http://:secret@x/", "p", WhenUnavailable::Fail).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("redis://"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    let error = SharedBudget::redis("redis://127.0.0.1/", "", WhenUnavailable::Fail).unwrap_err();
    assert!(error.to_string().contains("needs a name"), "{error}");
}
