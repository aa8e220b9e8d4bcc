//! OAuth against the fake HubSpot: one refresh however many calls wait, refresh ahead of
//! expiry without making callers wait, a 401 refreshes and replays once, revoked and
//! unreachable token endpoints, cooldown, cancellation, the token URL and the
//! authorization-code flow.

use crate::support::fake::{
    CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, deals_statuses, oauth, oauth_client, oauth_fake,
    page_tokens,
};
use crate::support::gate::Gate;
use hubspot_deals::auth::{AuthorizeUrl, OAuth, Tokens, exchange_code};
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::{AuthError, BuildError, Client, Error, Secret};
use hubspot_deals_fake::{Fault, FaultKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `n` calls at once from `client`, each of which must succeed.
async fn concurrent_calls(client: Client, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_page().limit(1).send().await.map(drop) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_make_one_refresh() {
    // A thousand connections, each with the fake's end in this process too.
    crate::support::allow_open_files(2_500);
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(&fake, &clock, oauth());
    let calls = |client: Client| concurrent_calls(client, 1000);
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
async fn the_token_url_follows_the_base_url_unless_set() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    // No token URL given: the client secret goes to the fake, never to HubSpot.
    oauth_client(&fake, &clock, oauth())
        .get_page()
        .send()
        .await
        .unwrap();
    assert_eq!(fake.counters().token_requests, 1);

    // Plain http to a host that is not loopback would send the secrets in the clear.
    for (base, token_url) in [
        ("http://crm-proxy.example.com", None),
        (
            "https://api.hubapi.com",
            Some("http://tokens.example.com/oauth/v1/token"),
        ),
    ] {
        let mut oauth = oauth();
        if let Some(url) = token_url {
            oauth = oauth.token_url(url);
        }
        let error = Client::builder()
            .oauth(oauth)
            .base_url(base)
            .build()
            .unwrap_err();
        // The base URL is refused first (a token would travel with every call), then the
        // token URL.
        let (BuildError::InvalidCredentials(reason) | BuildError::InvalidBaseUrl { reason, .. }) =
            &error
        else {
            panic!("{error:?}")
        };
        assert!(reason.contains("plain http"), "{reason}");
        assert!(!reason.contains(CLIENT_SECRET) && !reason.contains(REFRESH_TOKEN));
    }
    // https anywhere, http on loopback (a local fake) are fine.
    for url in [
        "https://tokens.example.com/oauth/v1/token",
        "http://localhost:9/oauth/v1/token",
        "http://[::1]:9/oauth/v1/token",
    ] {
        Client::builder()
            .oauth(oauth().token_url(url))
            .build()
            .unwrap();
    }
}

#[tokio::test]
async fn token_requests_never_follow_redirects() {
    use crate::support::recorder::{Recorder, raw};
    let elsewhere = Recorder::start(vec![]).await;
    let redirecting = Recorder::start(vec![
        raw(307, "text/plain", "").header("location", &format!("{}/steal", elsewhere.base_url)),
    ])
    .await;
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(
        &fake,
        &clock,
        oauth().token_url(format!("{}/oauth/v1/token", redirecting.base_url)),
    );
    let error = client.get_page().send().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Auth(AuthError::TokenEndpoint { status: 307, .. })
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("never follow"), "{error}");
    assert!(
        elsewhere.requests().is_empty(),
        "the secrets were not re-posted to the redirect target"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn a_token_answer_larger_than_any_token_response_is_not_read() {
    use crate::support::recorder::{Recorder, raw};
    let huge = "x".repeat(2 * 1024 * 1024);
    // Announced, and streamed without a length: neither is read past the cap.
    let token_server = Recorder::start(vec![
        raw(200, "application/json", &huge),
        raw(200, "application/json", &huge).chunked(),
    ])
    .await;
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    for _ in 0..2 {
        let client = oauth_client(
            &fake,
            &clock,
            oauth().token_url(format!("{}/oauth/v1/token", token_server.base_url)),
        );
        let error = client.get_page().send().await.unwrap_err();
        assert!(
            error.to_string().contains("more than any token response"),
            "{error}"
        );
    }
    assert!(fake.requests().is_empty(), "no call went without a token");
}

#[tokio::test]
async fn a_call_inside_the_margin_never_waits_for_the_refresh() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let gate = Gate::start(fake.base_url(), None).await;
    let stored: Arc<Mutex<Vec<Tokens>>> = Arc::default();
    let sink = stored.clone();
    let oauth = oauth()
        .token_url(gate.token_url())
        .refresh_margin(Duration::from_secs(300))
        .on_refresh(move |tokens: &Tokens| sink.lock().unwrap().push(tokens.clone()));
    let client = oauth_client(&fake, &clock, oauth);
    gate.open(1);
    client.get_page().send().await.unwrap();
    clock.advance(Duration::from_secs(1400));
    client.get_page().send().await.unwrap();
    assert_eq!(gate.arrived(), 1, "still well within its lifetime");

    // 250 s before expiry: the refresh starts, and is held at the gate. The calls still go,
    // with the token that is still valid.
    clock.advance(Duration::from_secs(150));
    for _ in 0..3 {
        client.get_page().send().await.unwrap();
    }
    assert_eq!(
        gate.arrived(),
        2,
        "one refresh behind the calls, not one each"
    );
    let tokens = page_tokens(&fake);
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");

    gate.open(1);
    crate::support::eventually("the refresh behind the calls", || {
        stored.lock().unwrap().len() == 2
    })
    .await;
    client.get_page().send().await.unwrap();
    let tokens = page_tokens(&fake);
    assert_ne!(tokens[5], tokens[0], "the next call has the new token");
    assert_eq!(deals_statuses(&fake), [200; 6], "never a 401");
    let stored = stored.lock().unwrap();
    assert_eq!(stored[1].refresh_token.expose(), REFRESH_TOKEN);
    assert_eq!(
        stored[1].expires_at,
        clock.now() + chrono::Duration::seconds(1800)
    );
    assert_ne!(stored[0].access_token, stored[1].access_token);
}

#[tokio::test]
async fn a_rotated_refresh_token_is_kept_used_and_handed_to_the_store() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .rotate_refresh_tokens(true)
        .start()
        .await
        .unwrap();
    let stored: Arc<Mutex<Vec<Tokens>>> = Arc::default();
    let sink = stored.clone();
    let oauth =
        oauth().on_refresh(move |tokens: &Tokens| sink.lock().unwrap().push(tokens.clone()));
    let client = oauth_client(&fake, &clock, oauth);
    client.get_page().send().await.unwrap();
    // Expired: the next refresh must use the rotated token (the first one is revoked now).
    clock.advance(Duration::from_secs(1800));
    client.get_page().send().await.unwrap();
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 2);
    let (first, second) = (
        stored[0].refresh_token.expose(),
        stored[1].refresh_token.expose(),
    );
    assert_ne!(first, REFRESH_TOKEN, "the store got the rotated token");
    assert_ne!(second, first, "rotated again on the second refresh");
    assert_eq!(deals_statuses(&fake), [200, 200]);
}

#[tokio::test]
async fn a_margin_longer_than_the_token_lifetime_does_not_refresh_every_call() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .access_token_lifetime(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let client = oauth_client(
        &fake,
        &clock,
        oauth().refresh_margin(Duration::from_secs(300)),
    );
    for _ in 0..5 {
        client.get_page().send().await.unwrap();
        clock.advance(Duration::from_secs(5));
    }
    assert_eq!(
        fake.counters().token_requests,
        1,
        "a 60 s token is refreshed after half its life, not on every call"
    );
    clock.advance(Duration::from_secs(10));
    client.get_page().send().await.unwrap();
    crate::support::eventually("a refresh past half the lifetime", || {
        fake.counters().token_requests == 2
    })
    .await;
}

#[tokio::test]
async fn a_401_refreshes_once_and_replays_once() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    // An access token the fake does not know, believed valid for an hour.
    let stale = oauth().access_token(
        "stale-access-token",
        clock.now() + chrono::Duration::hours(1),
    );
    let client = oauth_client(&fake, &clock, stale);
    client.get_page().send().await.unwrap();
    assert_eq!(deals_statuses(&fake), [401, 200]);
    assert_eq!(fake.counters().token_requests, 1);
    client.get_page().send().await.unwrap();
    assert_eq!(
        deals_statuses(&fake),
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
    let client = oauth_client(&fake, &clock, oauth().refresh_margin(Duration::ZERO));
    let error = client.get_page().send().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert!(error.is_auth());
    assert_eq!(
        error.category(),
        Some(&hubspot_deals::Category::ExpiredAuthentication)
    );
    assert_eq!(
        deals_statuses(&fake),
        [401, 401],
        "two attempts, never a loop"
    );
}

#[tokio::test]
async fn a_401_whose_refresh_is_refused_asks_for_reauthorization() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    assert!(fake.revoke_refresh_token(REFRESH_TOKEN));
    let stale = oauth().access_token("stale", clock.now() + chrono::Duration::hours(1));
    let client = oauth_client(&fake, &clock, stale.clone());
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.needs_reauthorization(), "{error:?}");
    assert_eq!(deals_statuses(&fake), [401], "no replay without a token");
    // The raw path gets the last answer: the 401.
    let raw = oauth_client(&fake, &clock, stale)
        .get_page()
        .send_raw()
        .await
        .unwrap_err();
    assert_eq!(raw.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_reauthorization() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(&fake, &clock, oauth());
    client.get_page().send().await.unwrap();
    assert!(fake.revoke_refresh_token(REFRESH_TOKEN));

    // Inside the refresh margin the refresh fails, but the still-valid token is kept.
    clock.advance(Duration::from_secs(1700));
    client.get_page().send().await.unwrap();
    crate::support::eventually("the failed refresh behind the call", || {
        fake.counters().token_requests == 2
    })
    .await;

    clock.advance(Duration::from_secs(200));
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.needs_reauthorization(), "{error:?}");
    assert!(
        matches!(&error, Error::Auth(AuthError::ReauthorizationRequired { message }) if message.contains("revoked"))
    );
    assert!(error.to_string().contains("authorize the app again"));
    assert_eq!(
        deals_statuses(&fake),
        [200, 200],
        "nothing was sent with the expired token"
    );
}

#[tokio::test]
async fn after_a_failed_refresh_callers_get_its_error_for_five_seconds_from_the_failure() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    // A token endpoint that takes six seconds (of the shared clock) to say the client secret
    // is wrong: the failure comes after the five-second cooldown would have ended, had it
    // been measured from the start of the refresh.
    let slow = clock.clone();
    let gate = Gate::start(
        fake.base_url(),
        Some(Arc::new(move || slow.advance(Duration::from_secs(6)))),
    )
    .await;
    gate.open(10);
    let wrong = OAuth::new(CLIENT_ID, "wrong-secret", REFRESH_TOKEN).token_url(gate.token_url());
    let client = oauth_client(&fake, &clock, wrong);
    let first = client.get_page().send().await.unwrap_err();
    assert!(
        matches!(
            first,
            Error::Auth(AuthError::TokenEndpoint { status: 400, .. })
        ),
        "{first:?}"
    );
    let second = client.get_page().send().await.unwrap_err();
    assert!(matches!(
        second,
        Error::Auth(AuthError::TokenEndpoint { .. })
    ));
    assert_eq!(
        gate.arrived(),
        1,
        "within five seconds of the failure, no second slow refresh"
    );
    clock.advance(hubspot_deals::auth::FAILURE_COOLDOWN);
    client.get_page().send().await.unwrap_err();
    assert_eq!(gate.arrived(), 2, "after the cooldown, a new attempt");
}

#[tokio::test]
async fn a_caller_cancelled_mid_refresh_aborts_nothing() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let gate = Gate::start(fake.base_url(), None).await;
    let client = oauth_client(&fake, &clock, oauth().token_url(gate.token_url()));
    // The first caller starts the refresh and is cancelled while it waits at the gate.
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.get_page().send().await.map(drop) }
    });
    crate::support::eventually("the refresh reaches the gate", || gate.arrived() == 1).await;
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    // A second caller waits for the same refresh, which goes on.
    let second = tokio::spawn({
        let client = client.clone();
        async move { client.get_page().send().await.map(drop) }
    });
    gate.open(1);
    second.await.unwrap().unwrap();
    assert_eq!(
        gate.arrived(),
        1,
        "one refresh, finished for the second caller"
    );
    assert_eq!(fake.counters().token_requests, 1);
}

#[tokio::test]
async fn token_endpoint_5xx_and_429_are_retried_with_backoff() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(
            Fault::new(FaultKind::Status(503))
                .on("oauth_token")
                .times(2),
        )
        .fault(
            Fault::new(FaultKind::RateLimited { retry_after: None })
                .on("oauth_token")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = oauth_client(&fake, &clock, oauth());
    let start = clock.now();
    client.get_page().send().await.unwrap();
    assert_eq!(
        fake.counters().token_requests,
        4,
        "503, 503, 429, then tokens"
    );
    assert!(clock.now() > start, "it backed off between attempts");
    assert_eq!(deals_statuses(&fake), [200]);
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_its_own_error() {
    let (_reserved, address) = crate::support::refusing_address();
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(
        &fake,
        &clock,
        oauth().token_url(format!("http://{address}/oauth/v1/token")),
    );
    let error = client.get_page().send().await.unwrap_err();
    let Error::Auth(AuthError::TokenEndpointUnreachable { message }) = &error else {
        panic!("{error:?}")
    };
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert!(!error.needs_reauthorization());
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn the_authorization_code_flow() {
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
    let secret = Secret::new(CLIENT_SECRET);
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
    let oauth = OAuth::new(CLIENT_ID, CLIENT_SECRET, tokens.refresh_token.clone());
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
    let wrong_secret = Secret::new("nope");
    let bad_client = exchange_code(&token_url, CLIENT_ID, &wrong_secret, redirect, "code-42")
        .await
        .unwrap_err();
    assert!(
        matches!(bad_client, AuthError::TokenEndpoint { status: 400, .. }),
        "{bad_client:?}"
    );
    let insecure = exchange_code(
        "http://tokens.example.com/oauth/v1/token",
        CLIENT_ID,
        &secret,
        redirect,
        "code-43",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(insecure, AuthError::InvalidTokenUrl { .. }),
        "{insecure:?}"
    );
}

/// A client whose API and token endpoint are both `server` (canned answers, in order).
fn recorded_client(server: &crate::support::recorder::Recorder, clock: &ManualClock) -> Client {
    Client::builder()
        .oauth(oauth())
        .base_url(&server.base_url)
        .clock(Arc::new(clock.clone()))
        .retry(hubspot_deals::RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn either_of_hubspots_refusal_forms_asks_for_reauthorization() {
    use crate::support::recorder::{Recorder, json};
    for refusal in [
        serde_json::json!({"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}),
        serde_json::json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
    ] {
        let server = Recorder::start(vec![json(400, refusal.clone())]).await;
        let error = recorded_client(&server, &ManualClock::default())
            .get_page()
            .send()
            .await
            .unwrap_err();
        assert!(error.needs_reauthorization(), "{refusal}: {error:?}");
    }
}

#[tokio::test]
async fn a_long_token_lifetime_is_kept_whole() {
    use crate::support::recorder::{Recorder, json};
    let page = serde_json::json!({"results": []});
    let server = Recorder::start(vec![
        json(200, serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 10_000_000})),
        json(200, page.clone()),
        json(200, page),
    ])
    .await;
    let clock = ManualClock::default();
    let client = recorded_client(&server, &clock);
    client.get_page().send().await.unwrap();
    clock.advance(Duration::from_secs(1_000_000));
    client.get_page().send().await.unwrap();
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            hubspot_deals::auth::TOKEN_PATH,
            hubspot_deals::operations::OBJECT_PATH,
            hubspot_deals::operations::OBJECT_PATH
        ],
        "a token good for 10,000,000 s is still good after 1,000,000"
    );
}

#[tokio::test]
async fn a_token_request_whose_connection_drops_is_asked_again() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(
            Fault::new(FaultKind::DropConnection)
                .on("oauth_token")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = oauth_client(&fake, &clock, oauth());
    client.get_page().send().await.unwrap();
    assert_eq!(fake.counters().token_requests, 2);
}

#[tokio::test]
async fn a_token_endpoint_that_keeps_failing_gets_the_policys_attempts_and_no_more() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock)
        .fault(Fault::new(FaultKind::Status(503)).on("oauth_token"))
        .start()
        .await
        .unwrap();
    let policy = hubspot_deals::RetryPolicy::default().max_attempts(3);
    let client = Client::builder()
        .oauth(oauth())
        .base_url(fake.base_url())
        .rate_limit(hubspot_deals::RateLimit::unlimited())
        .clock(Arc::new(clock.clone()))
        .retry(policy)
        .build()
        .unwrap();
    let error = client.get_page().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth(AuthError::TokenEndpoint { status: 503, .. })
        ),
        "{error:?}"
    );
    assert_eq!(fake.counters().token_requests, 3);
    assert!(deals_statuses(&fake).is_empty());
}

#[tokio::test]
async fn the_cooldown_ends_exactly_five_seconds_after_the_failure() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let wrong = OAuth::new(CLIENT_ID, "wrong-secret", REFRESH_TOKEN);
    let client = oauth_client(&fake, &clock, wrong);
    client.get_page().send().await.unwrap_err();
    assert_eq!(fake.counters().token_requests, 1);
    clock.advance(Duration::from_secs(1));
    client.get_page().send().await.unwrap_err();
    assert_eq!(
        fake.counters().token_requests,
        1,
        "one second after: cooling"
    );
    clock.advance(
        hubspot_deals::auth::FAILURE_COOLDOWN - Duration::from_secs(1) - Duration::from_millis(1),
    );
    client.get_page().send().await.unwrap_err();
    assert_eq!(
        fake.counters().token_requests,
        1,
        "a millisecond before the end: cooling"
    );
    clock.advance(Duration::from_millis(1));
    client.get_page().send().await.unwrap_err();
    assert_eq!(
        fake.counters().token_requests,
        2,
        "at five seconds: a new attempt"
    );
}

#[tokio::test]
async fn a_clock_stepped_back_after_a_failure_keeps_the_cooldown() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let wrong = OAuth::new(CLIENT_ID, "wrong-secret", REFRESH_TOKEN);
    let client = oauth_client(&fake, &clock, wrong);
    client.get_page().send().await.unwrap_err();
    clock.set(clock.now() - chrono::Duration::seconds(30));
    client.get_page().send().await.unwrap_err();
    assert_eq!(
        fake.counters().token_requests,
        1,
        "a failure that seems to lie in the future is still recent"
    );
}

#[tokio::test]
async fn the_v3_token_api_refreshes_introspects_and_revokes() {
    use hubspot_deals::auth::{TokenApi, TokenUse, introspect, revoke};
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let client = oauth_client(&fake, &clock, oauth().token_api(TokenApi::V3));
    client.get_page().send().await.unwrap();
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths[0], "/oauth/v3/token", "{paths:?}");

    let secret = Secret::new(CLIENT_SECRET);
    let refresh = Secret::new(REFRESH_TOKEN);
    let info = introspect(fake.base_url(), CLIENT_ID, &secret, &refresh)
        .await
        .unwrap();
    assert!(info.active);
    assert_eq!(info.token_use, Some(TokenUse::Refresh));
    assert_eq!(info.hub_id, Some(hubspot_deals_fake::PORTAL_ID));
    assert!(
        info.scopes.iter().any(|s| s == "crm.objects.deals.read"),
        "{info:?}"
    );

    revoke(fake.base_url(), CLIENT_ID, &secret, &refresh)
        .await
        .unwrap();
    let after = introspect(fake.base_url(), CLIENT_ID, &secret, &refresh)
        .await
        .unwrap();
    assert!(!after.active && after.token_use.is_none(), "{after:?}");
    // Logged out: the next refresh is refused, and the error says to authorize again.
    clock.advance(Duration::from_secs(3600));
    let error = client.get_page().send().await.unwrap_err();
    assert!(error.needs_reauthorization(), "{error:?}");

    let wrong = introspect(fake.base_url(), CLIENT_ID, &Secret::new("wrong"), &refresh).await;
    assert!(
        matches!(wrong, Err(AuthError::TokenEndpoint { status: 400, .. })),
        "{wrong:?}"
    );
    let insecure = introspect("http://example.com", CLIENT_ID, &secret, &refresh).await;
    assert!(
        matches!(insecure, Err(AuthError::InvalidTokenUrl { .. })),
        "{insecure:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_credentials_token_is_asked_once_for_many_calls_and_again_before_expiry() {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).start().await.unwrap();
    let app = OAuth::client_credentials(
        CLIENT_ID,
        CLIENT_SECRET,
        ["developer.webhooks_journal.read", "crm.objects.deals.read"],
    );
    assert!(app.is_client_credentials());
    assert!(
        !format!("{app:?}").contains(CLIENT_SECRET),
        "no secret in Debug"
    );
    let client = oauth_client(&fake, &clock, app);
    let calls = |client: Client| concurrent_calls(client, 200);
    calls(client.clone()).await;
    assert_eq!(fake.counters().token_requests, 1, "one grant for 200 calls");
    // Inside the five-minute margin: the calls go on with the valid token while one task
    // asks again behind them.
    clock.advance(Duration::from_secs(1800 - 200));
    calls(client.clone()).await;
    for _ in 0..500 {
        if fake.counters().token_requests == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    calls(client).await;
    assert_eq!(
        fake.counters().token_requests,
        2,
        "asked again once, ahead of expiry"
    );
    assert_eq!(fake.counters().by_status.get(&401), None);

    // A scope the app may not ask for: HubSpot's refusal, named, and nothing sent.
    let refused = oauth_client(
        &fake,
        &clock,
        OAuth::client_credentials(CLIENT_ID, CLIENT_SECRET, ["crm.objects.contacts.write"]),
    );
    let error = refused.get_page().send().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Auth(AuthError::TokenEndpoint { status: 400, .. })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("crm.objects.contacts.write"),
        "{error}"
    );
    assert!(!error.to_string().contains(CLIENT_SECRET));
    let no_scope = Client::builder()
        .oauth(OAuth::client_credentials(
            CLIENT_ID,
            CLIENT_SECRET,
            Vec::<String>::new(),
        ))
        .base_url(fake.base_url())
        .build()
        .unwrap_err();
    assert!(
        no_scope.to_string().contains("at least one scope"),
        "{no_scope}"
    );
}
