//! The fake HubSpot and clients of it, as most tests set them up: one `ManualClock` shared by
//! client and fake, so token lifetimes, windows and retry waits pass without waiting.

use hubspot_deals::auth::OAuth;
use hubspot_deals::clock::{Clock, ManualClock};
use hubspot_deals::types;
use hubspot_deals::{Client, ClientBuilder, RateLimit, RetryPolicy};
use hubspot_deals_fake::{FakeHubSpot, FakeHubSpotBuilder, RateLimits};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub const CLIENT_ID: &str = "client-7f3a";
pub const CLIENT_SECRET: &str = "client-secret-0f1e2d3c4b5a";
pub const REFRESH_TOKEN: &str = "refresh-token-9a8b7c6d5e4f";
pub const PAT: &str = "pat-na1-99999999-8888-7777-6666-555555555555";

/// A fake with an OAuth app, the refresh token above, the private-app token above, no
/// budgets, on `clock`.
pub fn oauth_fake(clock: &ManualClock) -> FakeHubSpotBuilder {
    FakeHubSpot::builder()
        .oauth_app(CLIENT_ID, CLIENT_SECRET)
        .refresh_token(REFRESH_TOKEN)
        .access_token_lifetime(Duration::from_secs(1800))
        .private_app_token(PAT)
        .rate_limits(RateLimits::UNLIMITED)
        .clock(Arc::new(clock.clone()))
}

/// The fake most bulk tests use: [`oauth_fake`] with the unique-value property `erp_id` (for
/// upserts and `idProperty`), changed by `setup` (faults, budgets), started.
pub async fn erp_fake(
    clock: &ManualClock,
    setup: impl FnOnce(FakeHubSpotBuilder) -> FakeHubSpotBuilder,
) -> FakeHubSpot {
    setup(oauth_fake(clock).unique_property("erp_id"))
        .start()
        .await
        .unwrap()
}

/// The OAuth credentials the fake accepts (the token URL follows the client's base URL).
pub fn oauth() -> OAuth {
    OAuth::new(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
}

/// A client of the fake with these credentials, unlimited, on `clock`.
pub fn oauth_client(fake: &FakeHubSpot, clock: &ManualClock, oauth: OAuth) -> Client {
    Client::builder()
        .oauth(oauth)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

/// A builder for a private-app client of `base_url` on `clock`; tests add what they need.
pub fn pat_builder<C: Clock + Clone + 'static>(base_url: &str, clock: &C) -> ClientBuilder {
    Client::builder()
        .private_app_token(PAT)
        .base_url(base_url)
        .clock(Arc::new(clock.clone()))
}

/// Creates `count` deals through batch create, 100 at a time, deal `i` with the properties
/// `deal(i)`; `after_batch` runs after each batch (to move a clock between them, say).
pub async fn batch_create_deals(
    client: &Client,
    count: usize,
    deal: impl Fn(usize) -> Vec<(&'static str, String)>,
    mut after_batch: impl FnMut(),
) {
    for chunk in 0..count.div_ceil(100) {
        let inputs = (chunk * 100..(chunk * 100 + 100).min(count))
            .map(|i| types::BatchCreateInput {
                properties: deal(i)
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), value))
                    .collect(),
                ..Default::default()
            })
            .collect();
        client
            .batch_create()
            .body(types::BatchCreate { inputs })
            .send()
            .await
            .unwrap();
        after_batch();
    }
}

/// A private-app client of `base_url` on `clock`, keeping to `calls` per ten seconds.
pub fn limited_client<C: Clock + Clone + 'static>(base_url: &str, clock: &C, calls: u32) -> Client {
    pat_builder(base_url, clock)
        .rate_limit(RateLimit::per_ten_seconds(calls))
        .build()
        .unwrap()
}

/// A private-app client of the fake, unlimited, on `clock`, retrying as `retry` says.
pub fn pat_client(fake: &FakeHubSpot, clock: &ManualClock, retry: RetryPolicy) -> Client {
    pat_builder(fake.base_url(), clock)
        .rate_limit(RateLimit::unlimited())
        .retry(retry)
        .build()
        .unwrap()
}

/// A create body with no properties.
pub fn empty_deal() -> types::NewDeal {
    types::NewDeal {
        associations: vec![],
        properties: HashMap::new(),
    }
}

/// The statuses of the deals calls the fake answered (token requests left out), in order.
pub fn deals_statuses(fake: &FakeHubSpot) -> Vec<u16> {
    fake.requests()
        .iter()
        .filter(|r| r.operation != "oauth_token")
        .map(|r| r.status)
        .collect()
}

/// The token labels of the fake's `get_page` calls, in order.
pub fn page_tokens(fake: &FakeHubSpot) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.operation == "get_page")
        .filter_map(|r| r.token.clone())
        .collect()
}
