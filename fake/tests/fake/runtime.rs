//! The fake HubSpot's auth, OAuth token endpoint, scopes, rate limits, faults, request log
//! and lifecycle, over real HTTP, with time injected.

use crate::support::http::{Reply, TOKEN, get, http, post, send};
use hubspot_deals::clock::ManualClock;
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits, token_label};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const DEALS: &str = "/crm/v3/objects/deals";

async fn token_request(fake: &FakeHubSpot, form: &[(&str, &str)]) -> Reply {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    send(
        http()
            .post(format!("{}/oauth/v1/token", fake.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

async fn with_token(fake: &FakeHubSpot, token: &str) -> Reply {
    send(
        http()
            .get(format!("{}{DEALS}", fake.base_url()))
            .bearer_auth(token),
    )
    .await
}

#[tokio::test]
async fn private_app_tokens_and_scopes() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .token_with_scopes("pat-read-only", ["crm.objects.deals.read"])
        .start()
        .await
        .unwrap();
    let none = send(http().get(format!("{}{DEALS}", fake.base_url()))).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.category(), Some("INVALID_AUTHENTICATION"));
    assert!(
        none.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Authentication credentials not found.")
    );
    assert_eq!(with_token(&fake, "pat-wrong").await.status, 401);
    assert_eq!(with_token(&fake, "pat-read-only").await.status, 200);
    let write = send(
        http()
            .post(format!("{}{DEALS}", fake.base_url()))
            .bearer_auth("pat-read-only")
            .json(&json!({"properties": {}})),
    )
    .await;
    assert_eq!(write.status, 403);
    assert_eq!(write.category(), Some("MISSING_SCOPES"));
    assert_eq!(
        write.json["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.objects.deals.write"])
    );
    assert_eq!(fake.deal_count(), 0);
    let search = send(
        http()
            .post(format!("{}{DEALS}/search", fake.base_url()))
            .bearer_auth("pat-read-only")
            .json(&json!({})),
    )
    .await;
    assert_eq!(search.status, 200, "search needs only the read scope");
}

#[tokio::test]
async fn oauth_grants_expiry_and_revocation() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .oauth_app("client-1", "secret-1")
        .refresh_token("refresh-1")
        .authorization_code("code-1", "http://localhost:8765/callback")
        .access_token_lifetime(Duration::from_secs(1800))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let app = [("client_id", "client-1"), ("client_secret", "secret-1")];
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "refresh-1"),
        app[0],
        app[1],
    ];
    let granted = token_request(&fake, &refresh).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(granted.json["token_type"], "bearer");
    assert_eq!(granted.json["expires_in"], 1800);
    assert_eq!(
        granted.json["refresh_token"], "refresh-1",
        "refresh tokens do not rotate"
    );
    let access = granted.json["access_token"].as_str().unwrap().to_string();
    let ok = with_token(&fake, &access).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.header("x-hubspot-ratelimit-daily").is_none(),
        "OAuth calls carry no daily headers"
    );
    assert_eq!(ok.header("x-hubspot-ratelimit-max"), Some("100"));

    clock.advance(Duration::from_secs(1800 + 120));
    let expired = with_token(&fake, &access).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.category(), Some("EXPIRED_AUTHENTICATION"));
    assert_eq!(
        expired.json["message"],
        "The OAuth token used to make this call expired 2 minute(s) ago."
    );

    let code = [
        ("grant_type", "authorization_code"),
        ("code", "code-1"),
        ("redirect_uri", "http://localhost:8765/callback"),
        app[0],
        app[1],
    ];
    let exchanged = token_request(&fake, &code).await;
    assert_eq!(exchanged.status, 200);
    let new_refresh = exchanged.json["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        token_request(&fake, &code).await.json["status"],
        "BAD_AUTH_CODE",
        "codes are single-use"
    );

    assert!(fake.revoke_refresh_token("refresh-1"));
    let revoked = token_request(&fake, &refresh).await;
    assert_eq!(revoked.status, 400);
    let mut body = revoked.json.clone();
    assert!(
        body["correlationId"]
            .as_str()
            .is_some_and(|id| id == revoked.header("x-hubspot-correlation-id").unwrap())
    );
    body.as_object_mut().unwrap().remove("correlationId");
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "refresh token is invalid, expired or revoked",
               "status": "BAD_REFRESH_TOKEN", "message": "refresh token is invalid, expired or revoked",
               "category": "BAD_REFRESH_TOKEN"})
    );
    let via_api = send(http().delete(format!(
        "{}/oauth/v1/refresh-tokens/{new_refresh}",
        fake.base_url()
    )))
    .await;
    assert_eq!(via_api.status, 204);
    assert_eq!(
        token_request(
            &fake,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &new_refresh),
                app[0],
                app[1]
            ]
        )
        .await
        .status,
        400
    );

    let bad_secret = token_request(
        &fake,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "refresh-1"),
            app[0],
            ("client_secret", "x"),
        ],
    )
    .await;
    assert_eq!(bad_secret.json["status"], "BAD_CLIENT_SECRET");
    assert_eq!(fake.counters().token_requests, 6);
}

#[tokio::test]
async fn the_ten_second_window_rolls() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::per_ten_seconds(3).daily(1000))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let list = || get(format!("{}{DEALS}", fake.base_url()));
    let first = list().await;
    assert_eq!(first.header("x-hubspot-ratelimit-max"), Some("3"));
    assert_eq!(first.header("x-hubspot-ratelimit-remaining"), Some("2"));
    assert_eq!(
        first.header("x-hubspot-ratelimit-interval-milliseconds"),
        Some("10000")
    );
    assert_eq!(first.header("x-hubspot-ratelimit-daily"), Some("1000"));
    assert_eq!(
        first.header("x-hubspot-ratelimit-daily-remaining"),
        Some("999")
    );
    assert!(first.header("x-hubspot-ratelimit-secondly").is_some());
    clock.advance(Duration::from_secs(4));
    assert_eq!(list().await.status, 200);
    assert_eq!(list().await.status, 200);
    let limited = list().await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(limited.json["errorType"], "RATE_LIMIT");
    assert_eq!(
        limited.json["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert!(
        limited.json.get("category").is_none(),
        "HubSpot's 429 has no category"
    );
    clock.advance(Duration::from_secs(6));
    assert_eq!(list().await.status, 200, "the first call left the window");
    assert_eq!(list().await.status, 429);
    assert_eq!(fake.counters().rate_limited, 2);
}

#[tokio::test]
async fn budgets_are_per_private_app_and_shared_by_the_oauth_apps_tokens() {
    let clock = ManualClock::default();
    let fake = FakeHubSpot::builder()
        .private_app_token("pat-one")
        .private_app_token("pat-two")
        .oauth_app("client", "secret")
        .refresh_token("refresh")
        .rate_limits(RateLimits::per_ten_seconds(2).daily(1000))
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let list = |token: String| {
        let url = format!("{}{DEALS}", fake.base_url());
        async move { send(http().get(url).bearer_auth(token)).await.status }
    };
    for _ in 0..2 {
        assert_eq!(list("pat-one".into()).await, 200);
    }
    clock.advance(Duration::from_secs(5));
    assert_eq!(list("pat-one".into()).await, 429);
    assert_eq!(list("pat-one".into()).await, 429);
    assert_eq!(
        list("pat-two".into()).await,
        200,
        "another private app, another budget"
    );
    // Two access tokens of the OAuth app share one budget: a refresh does not reset it.
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "refresh"),
        ("client_id", "client"),
        ("client_secret", "secret"),
    ];
    let first = token_request(&fake, &refresh).await.json["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let second = token_request(&fake, &refresh).await.json["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(list(first.clone()).await, 200);
    assert_eq!(list(second.clone()).await, 200);
    assert_eq!(list(second).await, 429);
    // The 429s at 5 s did not count: once the calls at 0 s leave the window, calls go again.
    clock.advance(Duration::from_secs(5));
    for _ in 0..2 {
        assert_eq!(
            list("pat-one".into()).await,
            200,
            "rejected calls did not count"
        );
    }
    assert_eq!(
        list(first).await,
        429,
        "the OAuth app's two calls at 5 s are still in its window"
    );
}

#[tokio::test]
async fn the_daily_and_search_budgets() {
    // Late in the day, so a reset at midnight differs from a rolling 24 hours.
    let clock = ManualClock::new("2026-03-04T23:00:00Z".parse().unwrap());
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(
            RateLimits::per_ten_seconds(100)
                .daily(8)
                .search_per_second(2),
        )
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let search = || post(format!("{}{DEALS}/search", fake.base_url()), json!({}));
    let ok = search().await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.header("x-hubspot-ratelimit-max").is_none(),
        "search carries only the daily headers"
    );
    assert!(ok.header("x-hubspot-ratelimit-daily-remaining").is_some());
    assert_eq!(search().await.status, 200);
    let limited = search().await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json["category"], "RATE_LIMITS");
    assert_eq!(
        limited.json["message"],
        "You have reached your secondly limit."
    );
    assert!(limited.json.get("policyName").is_none());
    assert_eq!(
        get(format!("{}{DEALS}", fake.base_url())).await.status,
        200,
        "search has its own budget"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(search().await.status, 200);
    for _ in 0..4 {
        assert_eq!(get(format!("{}{DEALS}", fake.base_url())).await.status, 200);
    }
    let daily = get(format!("{}{DEALS}", fake.base_url())).await;
    assert_eq!(daily.status, 429);
    assert_eq!(daily.json["policyName"], "DAILY");
    assert_eq!(daily.json["message"], "You have reached your daily limit.");
    clock.advance(Duration::from_secs(59 * 60));
    assert_eq!(
        get(format!("{}{DEALS}", fake.base_url())).await.status,
        429,
        "23:59: still the same day"
    );
    clock.advance(Duration::from_secs(2 * 60));
    assert_eq!(
        get(format!("{}{DEALS}", fake.base_url())).await.status,
        200,
        "00:01: a new day, an hour after the budget ran out"
    );
}

#[tokio::test]
async fn every_response_has_a_correlation_id() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .start()
        .await
        .unwrap();
    let ok = get(format!("{}{DEALS}", fake.base_url())).await;
    let error = get(format!("{}{DEALS}/abc", fake.base_url())).await;
    let (a, b) = (
        ok.header("x-hubspot-correlation-id").unwrap(),
        error.header("x-hubspot-correlation-id").unwrap(),
    );
    assert!(uuid::Uuid::parse_str(a).is_ok() && a != b);
    assert_eq!(error.json["correlationId"], b);
    assert!(
        ok.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn status_faults_by_route_and_count_touch_no_deal() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .fault(Fault::new(FaultKind::Status(503)).on("create").times(2))
        .fault(
            Fault::new(FaultKind::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            })
            .on("search")
            .times(1),
        )
        .fault(
            Fault::new(FaultKind::HtmlBadGateway)
                .on("get_by_id")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let create = || {
        post(
            format!("{}{DEALS}", fake.base_url()),
            json!({"properties": {"dealname": "x"}}),
        )
    };
    assert_eq!(create().await.status, 503);
    assert_eq!(create().await.status, 503);
    assert_eq!(fake.deal_count(), 0, "a 5xx fault happens before the write");
    assert_eq!(create().await.status, 201);
    let limited = post(format!("{}{DEALS}/search", fake.base_url()), json!({})).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("3"));
    let html = get(format!("{}{DEALS}/1001", fake.base_url())).await;
    assert_eq!(html.status, 502);
    assert_eq!(html.header("content-type"), Some("text/html"));
    assert!(html.text.contains("502 Bad Gateway"));
    assert_eq!(
        get(format!("{}{DEALS}/1001", fake.base_url())).await.status,
        200
    );
    let log = fake.requests();
    assert_eq!(log.iter().filter(|r| r.fault.is_some()).count(), 4);
    assert_eq!(log[0].operation, "create");
    assert_eq!(log[0].status, 503);
}

#[tokio::test]
async fn dropped_connections_truncated_bodies_and_slow_answers() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .fault(Fault::new(FaultKind::DropConnection).on("create").times(1))
        .fault(Fault::new(FaultKind::TruncatedBody).on("get_page").times(1))
        .fault(
            Fault::new(FaultKind::Slow(Duration::from_millis(400)))
                .on("get_by_id")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let dropped = http()
        .post(format!("{}{DEALS}", fake.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({"properties": {"dealname": "x"}}))
        .send()
        .await;
    assert!(dropped.is_err(), "no answer: {dropped:?}");
    assert_eq!(
        fake.deal_count(),
        1,
        "the write happened before the connection dropped"
    );
    assert_eq!(fake.requests()[0].status, 0);

    let truncated = http()
        .get(format!("{}{DEALS}", fake.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(truncated.status(), 200);
    assert!(truncated.bytes().await.is_err(), "the body ends early");

    let impatient = http()
        .get(format!("{}{DEALS}/1001", fake.base_url()))
        .bearer_auth(TOKEN)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(impatient.unwrap_err().is_timeout());
    assert_eq!(
        get(format!("{}{DEALS}/1001", fake.base_url())).await.status,
        200
    );
}

#[tokio::test]
async fn faults_by_rate_repeat_with_the_same_seed() {
    async fn run(seed: u64) -> Vec<u16> {
        let fake = FakeHubSpot::builder()
            .private_app_token(TOKEN)
            .rate_limits(RateLimits::UNLIMITED)
            .seed(seed)
            .fault(Fault::new(FaultKind::Status(500)).rate(0.3))
            .start()
            .await
            .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(get(format!("{}{DEALS}", fake.base_url())).await.status);
        }
        statuses
    }
    let (a, b, c) = (run(1).await, run(1).await, run(2).await);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.contains(&500) && a.contains(&200));
}

#[tokio::test]
async fn the_log_and_counters_are_readable_from_code_and_as_json() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .start()
        .await
        .unwrap();
    get(format!("{}{DEALS}?limit=5", fake.base_url())).await;
    get(format!("{}{DEALS}/abc", fake.base_url())).await;
    send(http().get(format!("{}{DEALS}", fake.base_url()))).await;
    let log = fake.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].path.as_str(),
            log[0].query.as_deref()
        ),
        ("GET", DEALS, Some("limit=5"))
    );
    assert_eq!(
        (log[0].operation.as_str(), log[0].status),
        ("get_page", 200)
    );
    assert_eq!(log[0].token.as_deref(), Some(token_label(TOKEN).as_str()));
    assert_eq!(log[2].token, None);
    let counters = fake.counters();
    assert_eq!(counters.requests, 3);
    assert_eq!(counters.by_status.get(&404), Some(&1));
    assert_eq!(counters.by_operation.get("get_page"), Some(&2));
    let stats = send(http().get(format!("{}/__fake/stats", fake.base_url()))).await;
    assert_eq!(
        stats.json["counters"]["requests"], 3,
        "the stats route is not itself counted"
    );
    assert_eq!(stats.json["requests"][1]["status"], 404);
    assert!(!stats.text.contains(TOKEN), "tokens appear only as labels");
    fake.clear_log();
    assert_eq!(fake.counters().requests, 0);
}

#[tokio::test]
async fn the_fake_stops_when_dropped() {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .start()
        .await
        .unwrap();
    let url = format!("{}{DEALS}", fake.base_url());
    assert_eq!(get(url.clone()).await.status, 200);
    drop(fake);
    // The server task ends at its next turn: wait for that, however busy the machine.
    for _ in 0..10_000 {
        if http().get(&url).bearer_auth(TOKEN).send().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("the fake still answers after it was dropped");
}
