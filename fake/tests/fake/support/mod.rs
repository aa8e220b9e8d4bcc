#![allow(dead_code)] // each test crate uses part of the support code

pub mod http;

use hubspot_deals_fake::{FakeHubSpot, RateLimits};

/// A fake that takes `http::TOKEN`, knows the unique property `external_id` and never
/// limits the rate.
pub async fn unlimited_fake() -> FakeHubSpot {
    FakeHubSpot::builder()
        .private_app_token(http::TOKEN)
        .unique_property("external_id")
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await
        .unwrap()
}
