//! The runtime layer against the fake HubSpot, with one `ManualClock` shared by client and
//! fake so token lifetimes, rate-limit windows and retry waits pass without waiting.

mod support;

use hubspot_deals::auth::{OAuth, Tokens};
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::types;
use hubspot_deals::{AuthError, Client, Error, RateLimit, RetryPolicy};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENT_ID: &str = "client-7f3a";
const CLIENT_SECRET: &str = "client-secret-0f1e2d3c4b5a";
const REFRESH_TOKEN: &str = "refresh-token-9a8b7c6d5e4f";
const PAT: &str = "pat-na1-99999999-8888-7777-6666-555555555555";

fn oauth_fake(clock: &ManualClock) -> hubspot_deals_fake::FakeHubSpotBuilder {
    FakeHubSpot::builder()
        .oauth_app(CLIENT_ID, CLIENT_SECRET)
        .refresh_token(REFRESH_TOKEN)
        .access_token_lifetime(Duration::from_secs(1800))
        .private_app_token(PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .clock(Arc::new(clock.clone()))
}

fn oauth(fake: &FakeHubSpot) -> OAuth {
    OAuth::new(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .token_url(format!("{}/oauth/v1/token", fake.base_url()))
}

fn oauth_client(fake: &FakeHubSpot, clock: &ManualClock, oauth: OAuth) -> Client {
    Client::builder()
        .oauth(oauth)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

/// A create body with no properties.
fn empty_deal() -> types::SimplePublicObjectInputForCreate {
    types::SimplePublicObjectInputForCreate {
        associations: vec![],
        properties: HashMap::new(),
    }
}

fn deals_requests(fake: &FakeHubSpot) -> Vec<u16> {
    fake.requests()
        .iter()
        .filter(|r| r.operation != "oauth_token")
        .map(|r| r.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_make_one_refresh() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(&fake, &clock, oauth(&fake));
    let calls = |client: Client| async move {
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.get_page().limit(1).send().await.map(|_| ()) })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    };
    calls(client.clone()).await;
    assert_eq!(
        fake.counters().token_requests,
        1,
        "no token yet: one refresh for 1,000 calls"
    );
    clock.advance(Duration::from_secs(1800));
    calls(client).await;
    assert_eq!(
        fake.counters().token_requests,
        2,
        "expired token: one refresh for 1,000 more"
    );
    assert_eq!(
        fake.counters().by_status.get(&401),
        None,
        "no call went out with an expired token"
    );
    assert_eq!(fake.counters().by_operation.get("get_page"), Some(&2000));
}

#[tokio::test]
async fn refreshes_ahead_of_expiry_and_hands_tokens_to_the_store() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let stored: Arc<Mutex<Vec<Tokens>>> = Arc::default();
    let sink = stored.clone();
    let oauth = oauth(&fake)
        .refresh_margin(Duration::from_secs(300))
        .on_refresh(move |tokens: &Tokens| sink.lock().unwrap().push(tokens.clone()));
    let client = oauth_client(&fake, &clock, oauth);
    client.get_page().send().await.unwrap();
    clock.advance(Duration::from_secs(1400));
    client.get_page().send().await.unwrap();
    assert_eq!(
        fake.counters().token_requests,
        1,
        "still well within its lifetime"
    );
    clock.advance(Duration::from_secs(150));
    // Inside the margin: the call goes at once with the still-valid token, and the refresh
    // runs behind it.
    client.get_page().send().await.unwrap();
    support::eventually("the refresh behind the call", || {
        fake.counters().token_requests == 2 && stored.lock().unwrap().len() == 2
    })
    .await;
    client.get_page().send().await.unwrap();
    let tokens: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.operation == "get_page")
        .filter_map(|r| r.token.clone())
        .collect();
    assert_eq!(
        tokens[2], tokens[0],
        "the call inside the margin did not wait"
    );
    assert_ne!(tokens[3], tokens[0], "the next call has the new token");
    assert_eq!(deals_requests(&fake), [200, 200, 200, 200], "never a 401");
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].refresh_token.expose(), REFRESH_TOKEN);
    assert_eq!(
        stored[1].expires_at,
        clock.now() + chrono::Duration::seconds(1800)
    );
    assert_ne!(stored[0].access_token, stored[1].access_token);
}

#[tokio::test]
async fn a_401_refreshes_once_and_replays_once() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    // An access token the fake does not know, believed valid for an hour.
    let stale = oauth(&fake).access_token(
        "stale-access-token",
        clock.now() + chrono::Duration::hours(1),
    );
    let client = oauth_client(&fake, &clock, stale);
    client.get_page().send().await.unwrap();
    assert_eq!(deals_requests(&fake), [401, 200]);
    assert_eq!(fake.counters().token_requests, 1);
    client.get_page().send().await.unwrap();
    assert_eq!(
        deals_requests(&fake),
        [401, 200, 200],
        "the new token is kept"
    );

    // Tokens that are rejected however often they are refreshed: one replay, then the 401.
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .access_token_lifetime(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = oauth_client(&fake, &clock, oauth(&fake).refresh_margin(Duration::ZERO));
    let error = client.get_page().send().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert!(error.is_auth());
    assert_eq!(
        error.category(),
        Some(&hubspot_deals::Category::ExpiredAuthentication)
    );
    assert_eq!(
        deals_requests(&fake),
        [401, 401],
        "two attempts, never a loop"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_reauthorization() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(&fake, &clock, oauth(&fake));
    client.get_page().send().await.unwrap();
    assert!(fake.revoke_refresh_token(REFRESH_TOKEN));

    // Inside the refresh margin the refresh fails, but the still-valid token is kept.
    clock.advance(Duration::from_secs(1700));
    client.get_page().send().await.unwrap();
    assert_eq!(fake.counters().token_requests, 2);

    clock.advance(Duration::from_secs(200));
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.needs_reauthorization(), "{error:?}");
    assert!(
        matches!(&error, Error::Auth(AuthError::ReauthorizationRequired { message }) if message.contains("revoked"))
    );
    assert!(error.to_string().contains("authorize the app again"));
    assert_eq!(
        deals_requests(&fake),
        [200, 200],
        "nothing was sent with the expired token"
    );
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_its_own_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let oauth = OAuth::new(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .token_url(format!("http://{closed}/oauth/v1/token"));
    let client = oauth_client(&fake, &clock, oauth);
    let error = client.get_page().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth(AuthError::TokenEndpointUnreachable { .. })
        ),
        "{error:?}"
    );
    assert!(!error.needs_reauthorization());
    assert!(fake.requests().is_empty());
}

async fn pat_client(fake: &FakeHubSpot, clock: &ManualClock, retry: RetryPolicy) -> Client {
    Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .retry(retry)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_429_waits_as_retry_after_says_or_as_hubspot_policy_says() {
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
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default()).await;
    let start = clock.now();
    client.get_page().send().await.unwrap();
    assert_eq!(
        clock.now() - start,
        chrono::Duration::seconds(3),
        "Retry-After honoured"
    );
    let start = clock.now();
    let body = empty_deal();
    client.create().body(body).send().await.unwrap();
    let waited = clock.now() - start;
    assert!(
        waited >= chrono::Duration::milliseconds(125)
            && waited <= chrono::Duration::milliseconds(250),
        "a short backoff, not HubSpot's whole ten-second window: {waited}"
    );
    assert_eq!(
        fake.deal_count(),
        1,
        "a 429 is safe to retry even for a create"
    );
    assert_eq!(deals_requests(&fake), [429, 200, 429, 201]);
}

#[tokio::test]
async fn a_503_is_retried_for_a_read_but_not_for_a_create() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Status(503)).on("get_page").times(2))
        .fault(Fault::new(FaultKind::Status(503)).on("create").times(1))
        .fault(
            Fault::new(FaultKind::DropConnection)
                .on("batch_create")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default()).await;
    client.get_page().send().await.unwrap();
    assert_eq!(deals_requests(&fake), [503, 503, 200]);

    let body = empty_deal();
    let error = client.create().body(body).send().await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        deals_requests(&fake),
        [503, 503, 200, 503],
        "the create was not replayed"
    );

    let batch = types::BatchInputSimplePublicObjectBatchInputForCreate {
        inputs: vec![types::SimplePublicObjectBatchInputForCreate {
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

    let off = pat_client(&fake, &clock, RetryPolicy::disabled()).await;
    fake.add_fault(Fault::new(FaultKind::Status(503)).on("get_page").times(1));
    assert_eq!(
        off.get_page().send().await.unwrap_err().status(),
        Some(503),
        "retries can be turned off"
    );
}

/// A fake enforcing `fake_budget` per ten seconds and a client keeping `limit`, retries off
/// so any 429 would surface.
async fn limited(clock: &ManualClock, fake_budget: u32, limit: RateLimit) -> (FakeHubSpot, Client) {
    let fake = FakeHubSpot::builder()
        .private_app_token(PAT)
        .rate_limits(RateLimits {
            per_ten_seconds: fake_budget,
            daily: 100_000,
            search_per_second: 5,
        })
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .rate_limit(limit)
        .retry(RetryPolicy::disabled())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    (fake, client)
}

#[tokio::test]
async fn the_limiter_keeps_within_the_budget_in_every_window_counted_at_the_fake() {
    let clock = ManualClock::default();
    let (fake, client) = limited(&clock, 10, RateLimit::per_ten_seconds(10)).await;
    // One call after another: virtual time moves only when the limiter makes the client
    // wait, so the fake's arrival times are the client's send times.
    for i in 0..45 {
        if i % 5 == 0 {
            let body = types::PublicObjectSearchRequest {
                after: None,
                filter_groups: vec![],
                limit: 1,
                properties: vec![],
                query: None,
                sorts: vec![],
            };
            client.search().body(body).send().await.unwrap();
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

#[tokio::test]
async fn replayed_bodies_are_byte_identical() {
    use support::recorder::{Recorder, empty, json};
    let server = Recorder::start(vec![empty(503), empty(502), json(200, serde_json::json!({
        "status": "COMPLETE", "results": [], "startedAt": "2024-01-01T00:00:00.000Z", "completedAt": "2024-01-01T00:00:00.000Z"}))])
    .await;
    let clock = ManualClock::default();
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(&server.base_url)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let inputs = (0..50)
        .map(|i| types::SimplePublicObjectBatchInput {
            id: (1000 + i).to_string(),
            id_property: None,
            object_write_trace_id: Some(format!("trace-{i}")),
            properties: [("dealname".to_string(), format!("Deal ✓ {i}"))]
                .into_iter()
                .collect(),
        })
        .collect();
    client
        .batch_update()
        .body(types::BatchInputSimplePublicObjectBatchInput { inputs })
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].body.len() > 1000);
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
async fn a_proxy_html_502_keeps_its_status_and_an_excerpt() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::HtmlBadGateway).on("create"))
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default()).await;
    let body = empty_deal();
    let error = client.create().body(body).send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 502);
    assert!(
        api.body_excerpt
            .as_deref()
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    assert!(api.message.contains("text/html"), "{}", api.message);
    assert!(api.context.is_empty(), "the excerpt is not left in context");
}

#[tokio::test]
async fn errors_keep_hubspot_details() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .token_with_scopes("pat-read", ["crm.objects.deals.read"])
        .start()
        .await
        .unwrap();
    let client = pat_client(&fake, &clock, RetryPolicy::default()).await;
    let mut properties = HashMap::new();
    properties.insert("colour".to_string(), "red".to_string());
    let error = client
        .create()
        .body(types::SimplePublicObjectInputForCreate {
            associations: vec![],
            properties,
        })
        .send()
        .await
        .unwrap_err();
    assert!(error.is_validation());
    let Error::Api(api) = &error else { panic!() };
    assert_eq!(api.errors[0].code.as_deref(), Some("PROPERTY_DOESNT_EXIST"));
    assert_eq!(api.errors[0].context["propertyName"], ["colour"]);
    assert!(
        api.correlation_id
            .as_deref()
            .is_some_and(|id| id.len() == 36)
    );
    assert!(error.to_string().contains("(correlation id "));

    let missing = client
        .get_by_id()
        .deal_id("404404")
        .send()
        .await
        .unwrap_err();
    assert!(missing.is_not_found());

    let read_only = Client::builder()
        .private_app_token("pat-read")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let body = empty_deal();
    let scopes = read_only.create().body(body).send().await.unwrap_err();
    assert!(scopes.is_missing_scopes() && scopes.status() == Some(403));
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary from the first call on, through a global subscriber
/// (a thread-local one misses events whose callsite another thread cached as uninteresting).
fn captured_logs() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        captured
    })
}

#[tokio::test]
async fn secrets_never_reach_debug_output_or_logs() {
    let captured = captured_logs();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Status(503)).on("get_page").times(1))
        .start()
        .await
        .unwrap();
    let stale = oauth(&fake).access_token(
        "stale-access-token-secret",
        clock.now() + chrono::Duration::hours(1),
    );
    let builder = Client::builder()
        .oauth(stale.clone())
        .base_url(fake.base_url())
        .clock(Arc::new(clock.clone()));
    let client = builder.clone().build().unwrap();
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
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("hubspot_deals.call") && logs.contains("operation=\"get_page\""),
        "{logs}"
    );
    assert!(logs.contains("correlation_id="), "{logs}");
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
async fn a_per_attempt_timeout_is_retried_only_where_safe() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(
            Fault::new(FaultKind::Slow(Duration::from_millis(400)))
                .on("get_page")
                .times(1),
        )
        .fault(
            Fault::new(FaultKind::Slow(Duration::from_millis(400)))
                .on("create")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .timeout(Duration::from_millis(150))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    client.get_page().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await; // the slow first attempt finishes server-side
    assert_eq!(
        fake.counters().by_operation.get("get_page"),
        Some(&2),
        "timed out once, then answered"
    );
    let body = empty_deal();
    let error = client.create().body(body).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        fake.counters().by_operation.get("create"),
        Some(&1),
        "a create that timed out is not replayed"
    );
    assert_eq!(
        fake.deal_count(),
        1,
        "it was applied after all: replaying would have made two"
    );
}

#[tokio::test]
async fn the_authorization_code_flow() {
    use hubspot_deals::auth::{AuthorizeUrl, exchange_code};
    let clock = ManualClock::default();
    let redirect = "http://localhost:8765/callback";
    let fake = oauth_fake(&clock)
        .authorization_code("code-42", redirect)
        .start()
        .await
        .unwrap();
    let request = AuthorizeUrl::new(CLIENT_ID, redirect);
    let url = request.url();
    assert!(
        url.contains("client_id=client-7f3a")
            && url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback"),
        "{url}"
    );
    assert_ne!(
        request.state(),
        AuthorizeUrl::new(CLIENT_ID, redirect).state(),
        "a fresh random state each time"
    );
    assert!(request.state().len() >= 32);

    let token_url = format!("{}/oauth/v1/token", fake.base_url());
    let secret = hubspot_deals::Secret::new(CLIENT_SECRET);
    let before = chrono::Utc::now();
    let tokens = exchange_code(&token_url, CLIENT_ID, &secret, redirect, "code-42")
        .await
        .unwrap();
    let lifetime = tokens.expires_at - before;
    assert!(
        lifetime >= chrono::Duration::seconds(1800) && lifetime < chrono::Duration::seconds(1830),
        "{lifetime}"
    );
    assert!(
        !format!("{tokens:?}").contains(tokens.access_token.expose()),
        "tokens print redacted"
    );

    // The new refresh token works for a client; the code cannot be used twice.
    let oauth = OAuth::new(CLIENT_ID, CLIENT_SECRET, tokens.refresh_token.clone())
        .token_url(token_url.clone());
    oauth_client(&fake, &clock, oauth)
        .get_page()
        .send()
        .await
        .unwrap();
    let again = exchange_code(&token_url, CLIENT_ID, &secret, redirect, "code-42")
        .await
        .unwrap_err();
    assert!(
        matches!(again, AuthError::ReauthorizationRequired { .. }),
        "{again:?}"
    );
    let wrong_secret = hubspot_deals::Secret::new("nope");
    let bad_client = exchange_code(&token_url, CLIENT_ID, &wrong_secret, redirect, "code-42")
        .await
        .unwrap_err();
    assert!(
        matches!(bad_client, AuthError::TokenEndpoint { status: 400, .. }),
        "{bad_client:?}"
    );
}
