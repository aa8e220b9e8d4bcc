//! The fake's OAuth endpoints beside the token grant: v1 token information, v3 introspection
//! and revocation, the v3 and 2026-03 grants.

use crate::support::http::{Reply, http, send};
use hubspot_deals_fake::{FAKE_USER_ID, FakeHubSpot, PORTAL_ID, RateLimits};
use serde_json::Value;

const CLIENT_ID: &str = "client-1";
const CLIENT_SECRET: &str = "secret-1";
const REFRESH: &str = "refresh-1";

async fn fake() -> FakeHubSpot {
    FakeHubSpot::builder()
        .oauth_app(CLIENT_ID, CLIENT_SECRET)
        .refresh_token(REFRESH)
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap()
}

async fn form(fake: &FakeHubSpot, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    send(
        http()
            .post(format!("{}{path}", fake.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

async fn grant(fake: &FakeHubSpot, path: &str) -> Value {
    let reply = form(
        fake,
        path,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

async fn introspect(fake: &FakeHubSpot, token: &str) -> Value {
    let reply = form(
        fake,
        "/oauth/v3/token/introspect",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("token", token),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

#[tokio::test]
async fn v3_grants_say_more_than_v1() {
    let fake = fake().await;
    let v1 = grant(&fake, "/oauth/v1/token").await;
    assert!(
        v1.get("hub_id").is_none() && v1.get("token_use").is_none(),
        "{v1}"
    );
    for path in ["/oauth/v3/token", "/oauth/2026-03/token"] {
        let v3 = grant(&fake, path).await;
        assert_eq!(v3["hub_id"], PORTAL_ID);
        assert_eq!(v3["user_id"], FAKE_USER_ID);
        assert_eq!(v3["token_use"], "access_token");
        assert!(v3["scopes"].as_array().is_some_and(|s| !s.is_empty()));
    }
}

#[tokio::test]
async fn token_information_and_introspection() {
    let fake = fake().await;
    let access = grant(&fake, "/oauth/v1/token").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let info = send(http().get(format!(
        "{}/oauth/v1/access-tokens/{access}",
        fake.base_url()
    )))
    .await;
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(info.json["token_type"], "access");
    assert_eq!(info.json["hub_id"], PORTAL_ID);
    let left = info.json["expires_in"].as_i64().unwrap();
    assert!((1790..=1800).contains(&left), "{left}");
    let refresh = send(http().get(format!(
        "{}/oauth/v1/refresh-tokens/{REFRESH}",
        fake.base_url()
    )))
    .await;
    assert_eq!(refresh.json["client_id"], CLIENT_ID);
    assert_eq!(refresh.json["token_type"], "refresh");

    let active = introspect(&fake, &access).await;
    assert_eq!(
        (active["active"].clone(), active["token_use"].clone()),
        (true.into(), "access_token".into())
    );
    let refresh = introspect(&fake, REFRESH).await;
    assert_eq!(refresh["token_use"], "refresh_token");
    assert_eq!(
        introspect(&fake, "nonsense").await,
        serde_json::json!({"active": false})
    );

    let unknown = send(http().get(format!(
        "{}/oauth/v1/access-tokens/nonsense",
        fake.base_url()
    )))
    .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json["correlationId"].is_string() && unknown.json["category"].is_string());
}

#[tokio::test]
async fn revocation_ends_refresh_and_access_tokens() {
    let fake = fake().await;
    let access = grant(&fake, "/oauth/v3/token").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = |token: String| {
        let fake = &fake;
        async move {
            form(
                fake,
                "/oauth/v3/token/revoke",
                &[
                    ("client_id", CLIENT_ID),
                    ("client_secret", CLIENT_SECRET),
                    ("token", &token),
                ],
            )
            .await
        }
    };
    assert_eq!(revoke(access.clone()).await.status, 200);
    assert_eq!(introspect(&fake, &access).await["active"], false);
    let call = send(
        http()
            .get(format!("{}/crm/v3/objects/deals", fake.base_url()))
            .bearer_auth(&access),
    )
    .await;
    assert_eq!(call.status, 401, "a revoked access token no longer works");

    assert_eq!(revoke(REFRESH.to_string()).await.status, 200);
    assert_eq!(introspect(&fake, REFRESH).await["active"], false);
    let refused = form(
        &fake,
        "/oauth/v1/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH),
        ],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json["status"], "BAD_REFRESH_TOKEN");
    assert_eq!(refused.json["category"], "BAD_REFRESH_TOKEN");
    assert!(refused.json["correlationId"].is_string());
    assert_eq!(
        revoke("never-issued".into()).await.status,
        200,
        "unknown tokens are fine"
    );

    let wrong_client = form(
        &fake,
        "/oauth/v3/token/revoke",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
            ("token", "x"),
        ],
    )
    .await;
    assert_eq!(wrong_client.status, 400);
    assert_eq!(wrong_client.json["status"], "BAD_CLIENT_SECRET");
}

#[tokio::test]
async fn tokens_differ_between_runs_unless_the_fake_is_seeded() {
    let seeded = |seed| {
        FakeHubSpot::builder()
            .oauth_app(CLIENT_ID, CLIENT_SECRET)
            .refresh_token(REFRESH)
            .seed(seed)
            .start()
    };
    let token = |answer: Value| answer["access_token"].as_str().unwrap().to_string();
    let (first, second) = (fake().await, fake().await);
    let (a, b) = (
        token(grant(&first, "/oauth/v1/token").await),
        token(grant(&second, "/oauth/v1/token").await),
    );
    assert_ne!(a, b, "a token from another run is never the same");
    let (first, second) = (seeded(7).await.unwrap(), seeded(7).await.unwrap());
    assert_eq!(
        token(grant(&first, "/oauth/v1/token").await),
        token(grant(&second, "/oauth/v1/token").await),
        "a seeded run repeats exactly"
    );
}
