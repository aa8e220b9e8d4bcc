//! The rate limiter and throttling through the client: budgets counted at the fake, HubSpot's
//! headers (trusted only within bounds), the maximum wait, a wall clock stepped back, 429
//! backoff, two clients sharing one budget, and an export through a fifth of faults.

use crate::support::fake::{
    PAT, batch_create_deals, deals_statuses, empty_deal, limited_client, oauth_fake, pat_builder,
    pat_client,
};
use crate::support::recorder::{Recorder, json};
use crate::support::stepped::SteppedClock;
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::{Client, Error, RateLimit, RetryPolicy, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// A fake enforcing `fake_budget` per ten seconds and a client keeping `limit`, retries off
/// so any 429 would surface.
async fn limited(clock: &ManualClock, fake_budget: u32, limit: RateLimit) -> (FakeHubSpot, Client) {
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::per_ten_seconds(fake_budget).daily(100_000))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = pat_builder(fake.base_url(), clock)
        .rate_limit(limit)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    (fake, client)
}

fn search_body() -> types::SearchRequest {
    types::SearchRequest {
        after: None,
        filter_groups: vec![],
        limit: 1,
        properties: vec![],
        query: None,
        sorts: vec![],
    }
}

#[tokio::test]
async fn the_limiter_keeps_within_the_budget_in_every_window_counted_at_the_fake() {
    let clock = ManualClock::default();
    let (fake, client) = limited(&clock, 10, RateLimit::per_ten_seconds(10)).await;
    // One call after another: virtual time moves only when the limiter makes the client
    // wait, so the fake's arrival times are the client's send times.
    for i in 0..45 {
        if i % 5 == 0 {
            client.search().body(search_body()).send().await.unwrap();
        } else {
            client.get_page().send().await.unwrap();
        }
    }
    assert_eq!(fake.counters().rate_limited, 0, "no 429 from the fake");
    let times: Vec<_> = fake
        .requests()
        .iter()
        .filter(|r| r.operation == "get_page")
        .map(|r| r.at)
        .collect();
    assert_eq!(times.len(), 36);
    assert!(
        times[35] - times[0] >= chrono::Duration::seconds(30),
        "36 calls at 10 per 10 s span 30 s"
    );
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .filter(|t| **t - *start < chrono::Duration::seconds(10))
            .count();
        assert!(
            in_window <= 10,
            "{in_window} calls in the 10 s from {start}"
        );
    }
}

#[tokio::test]
async fn clones_of_a_client_share_its_budget() {
    let clock = ManualClock::default();
    let (fake, client) = limited(&clock, 100, RateLimit::per_ten_seconds(2)).await;
    let clones = [client.clone(), client.clone(), client];
    let start = clock.monotonic();
    for clone in &clones {
        clone.get_page().send().await.unwrap();
    }
    assert!(
        clock.monotonic() - start >= Duration::from_secs(10),
        "the third call, from a third clone, waited for the shared budget of 2"
    );
    assert_eq!(fake.counters().requests, 3);
}

#[tokio::test]
async fn the_limiter_adapts_to_hubspot_headers() {
    let clock = ManualClock::default();
    let (fake, client) = limited(&clock, 4, RateLimit::PROFESSIONAL).await;
    for _ in 0..12 {
        client.get_page().send().await.unwrap();
    }
    assert_eq!(
        fake.counters().rate_limited,
        0,
        "the client learned the budget of 4 from the headers"
    );
    assert!(clock.now() - ManualClock::default().now() >= chrono::Duration::seconds(20));
}

fn page() -> serde_json::Value {
    serde_json::json!({"results": []})
}

#[tokio::test]
async fn hostile_rate_limit_headers_are_clamped() {
    let hostile = || {
        json(200, page())
            .header("x-hubspot-ratelimit-max", "4294967295")
            .header("x-hubspot-ratelimit-remaining", "0")
            .header(
                "x-hubspot-ratelimit-interval-milliseconds",
                "18446744073709551615",
            )
    };
    let server = Recorder::start(vec![hostile(), json(200, page()), json(200, page())]).await;
    let clock = ManualClock::default();
    let client = limited_client(&server.base_url, &clock, 2);
    let start = clock.monotonic();
    for _ in 0..3 {
        client.get_page().send().await.unwrap();
    }
    let waited = clock.monotonic() - start;
    assert!(
        waited <= Duration::from_secs(62),
        "an interval of u64::MAX ms is read as a minute at most: waited {waited:?}"
    );
    assert!(
        waited >= Duration::from_secs(60),
        "Remaining: 0 is believed, within the budget: waited {waited:?}"
    );
}

#[tokio::test]
async fn headers_cannot_raise_a_budget_configured_lower() {
    let generous = || {
        json(200, page())
            .header("x-hubspot-ratelimit-max", "190")
            .header("x-hubspot-ratelimit-remaining", "189")
            .header("x-hubspot-ratelimit-interval-milliseconds", "10000")
    };
    let server = Recorder::start(vec![generous(), generous(), generous()]).await;
    let clock = ManualClock::default();
    let client = limited_client(&server.base_url, &clock, 2);
    let start = clock.monotonic();
    for _ in 0..3 {
        client.get_page().send().await.unwrap();
    }
    assert!(
        clock.monotonic() - start >= Duration::from_secs(10),
        "the third call waited for the configured budget of 2 per 10 s"
    );
}

#[tokio::test]
async fn a_permit_beyond_the_maximum_wait_fails_at_once_and_sends_nothing() {
    let clock = ManualClock::default();
    let (fake, client) = limited(
        &clock,
        100,
        RateLimit::per_ten_seconds(1).max_wait(Duration::from_secs(5)),
    )
    .await;
    client.get_page().send().await.unwrap();
    let start = clock.monotonic();
    let error = client.get_page().send().await.unwrap_err();
    let Error::RateLimitWait { wait, max_wait, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*wait, *max_wait),
        (Duration::from_millis(10_250), Duration::from_secs(5))
    );
    assert_eq!(clock.monotonic(), start, "it did not wait");
    assert_eq!(
        error.to_string(),
        "get_page: the rate limiter would hold this call 10 s, longer than its maximum wait of \
         5 s: send fewer calls at once, or raise RateLimit::max_wait"
    );
    assert_eq!(fake.counters().requests, 1, "nothing was sent");
}

#[tokio::test]
async fn a_wall_clock_stepped_back_does_not_stall_calls() {
    let clock = ManualClock::default();
    let (_fake, client) = limited(&clock, 100, RateLimit::per_ten_seconds(2)).await;
    client.get_page().send().await.unwrap();
    client.get_page().send().await.unwrap();
    clock.set(clock.now() - chrono::Duration::hours(1));
    clock.advance(Duration::from_secs(11));
    let before = clock.now();
    client.get_page().send().await.unwrap();
    assert_eq!(
        clock.now(),
        before,
        "eleven seconds passed on the monotonic clock: no wait"
    );
}

#[tokio::test]
async fn a_429_waits_as_retry_after_says_or_briefly() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(
            Fault::new(FaultKind::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            })
            .on("get_page")
            .times(1),
        )
        .fault(
            Fault::new(FaultKind::RateLimited { retry_after: None })
                .on("create")
                .times(3),
        )
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default());
    let start = clock.now();
    client.get_page().send().await.unwrap();
    assert_eq!(
        clock.now() - start,
        chrono::Duration::seconds(3),
        "Retry-After honoured"
    );
    let start = clock.now();
    client.create().body(empty_deal()).send().await.unwrap();
    let waited = (clock.now() - start).to_std().unwrap();
    // 125-250 ms, then 250-500, then 500-1000: short and growing, never the whole window.
    assert!(
        waited >= Duration::from_millis(875) && waited <= Duration::from_millis(1750),
        "{waited:?}"
    );
    assert_eq!(
        fake.deal_count(),
        1,
        "a 429 is safe to retry even for a create"
    );
    assert_eq!(deals_statuses(&fake), [429, 200, 429, 429, 429, 201]);
}

/// Exports every deal of `client`'s fake page by page; returns the ids in order.
async fn export(client: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut request = client.get_page().limit(100);
        if let Some(cursor) = &after {
            request = request.after(cursor.clone());
        }
        let page = request.send().await.unwrap();
        ids.extend(page.results.iter().map(|d| d.id.clone()));
        match page.paging.as_ref().and_then(|p| p.next.as_ref()) {
            Some(next) => after = Some(next.after.clone()),
            None => return ids,
        }
    }
}

/// Fills a fake with `count` deals through batch create.
async fn seed(client: &Client, count: usize) {
    batch_create_deals(
        client,
        count,
        |i| vec![("dealname", format!("Deal {i}"))],
        || {},
    )
    .await;
}

#[tokio::test]
async fn a_fifth_of_faults_still_exports_every_deal_exactly_once() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .clock(Arc::new(clock.clone()))
        .seed(7)
        .start()
        .await
        .unwrap();
    seed(&pat_client(&fake, &clock, RetryPolicy::default()), 10_000).await;
    // The seeding spent the same app's budget: let its calls leave the window.
    clock.advance(Duration::from_secs(11));
    // The export's client keeps the default budget (100 per 10 s) and retry policy.
    let client = pat_builder(fake.base_url(), &clock).build().unwrap();
    // A fifth of the export's calls fail: a 429 without Retry-After, a JSON 503 or an HTML
    // 502, a fifteenth each.
    for (kind, rate) in [
        (FaultKind::RateLimited { retry_after: None }, 1.0 / 15.0),
        (FaultKind::Status(503), 1.0 / 14.0),
        (FaultKind::HtmlBadGateway, 1.0 / 13.0),
    ] {
        fake.add_fault(Fault::new(kind).on("get_page").rate(rate));
    }
    fake.clear_log();
    let start = clock.now();
    let ids = export(&client).await;
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 10_000, "every deal, none twice");
    assert_eq!(unique.len(), 10_000);
    let counters = fake.counters();
    let faults = counters.faults as f64 / counters.requests as f64;
    assert!(
        (0.1..0.3).contains(&faults),
        "about a fifth of calls failed: {faults}"
    );
    let took = (clock.now() - start).to_std().unwrap();

    assert!(
        took < Duration::from_secs(15),
        "the 100 pages and their retries fit in 15 s of (virtual) time: {took:?}"
    );
}

#[tokio::test]
async fn two_clients_share_one_budget_with_few_429s() {
    const CALLS: usize = 300;
    let clock = SteppedClock::new(2);
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::per_ten_seconds(100).daily(1_000_000))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    // Two processes of one app: separate limiters, each believing the budget is its own.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let client = pat_builder(fake.base_url(), &clock)
                .rate_limit(RateLimit::FREE_STARTER)
                .retry(RetryPolicy::default().max_attempts(20))
                .build()
                .unwrap();
            let clock = clock.clone();
            tokio::spawn(async move {
                for _ in 0..CALLS {
                    client.get_page().limit(1).send().await.unwrap();
                }
                clock.retire();
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let counters = fake.counters();
    let ok = counters.by_status.get(&200).copied().unwrap_or(0);
    let throttled = counters.by_status.get(&429).copied().unwrap_or(0);
    assert_eq!(ok, 2 * CALLS as u64, "both finished every call");
    let share_429 = throttled as f64 / counters.requests as f64;
    // N windows' worth of calls span N - 1 windows: the last window counts as in use.
    let elapsed = clock.elapsed().as_secs_f64();
    let throughput = ok as f64 / ((elapsed + 10.0) * 10.0);
    println!(
        "{ok} calls, {throttled} 429s ({:.1} %), {elapsed:.1} s virtual, {:.1} % of the budget",
        share_429 * 100.0,
        throughput * 100.0
    );
    assert!(
        share_429 <= 0.05,
        "{:.1} % of calls got a 429",
        share_429 * 100.0
    );
    assert!(
        throughput >= 0.85,
        "{:.1} % of the budget",
        throughput * 100.0
    );
}

#[tokio::test]
async fn a_daily_429_does_not_hold_back_the_ten_second_budget() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits::per_ten_seconds(100).daily(2))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = limited_client(fake.base_url(), &clock, 100);
    client.get_page().send().await.unwrap();
    client.get_page().send().await.unwrap();
    let start = clock.now();
    for _ in 0..4 {
        let error = client.get_page().send().await.unwrap_err();
        assert!(
            matches!(&error, Error::Api(api) if api.status == 429),
            "{error:?}"
        );
    }
    assert!(
        clock.now() - start < chrono::Duration::seconds(1),
        "the daily budget is spent, the ten-second one is not: no waits ({:?})",
        clock.now() - start
    );
    assert_eq!(fake.counters().requests, 6, "a daily 429 is not retried");
}
