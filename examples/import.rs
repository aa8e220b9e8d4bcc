//! Importing deals with `client.deals().upsert_all(..)` against a fake HubSpot that allows
//! 190 calls per 10 s and takes 150 ms to answer each, printed as figures:
//!
//! ```sh
//! cargo run --release --example import            # 20,000 deals
//! cargo run --release --example import -- 50000
//! ```
//!
//! Throughput is a share of the fastest the limit allows: a window's worth of calls at once,
//! then 190 more each 10 s, so the last call starts `floor((calls - 1) / 190) × 10 s` in and
//! ends 150 ms later; the share is that time over the run's wall time. (A sequential loop
//! would manage at most 1 / 150 ms = 6.7 calls per second: it takes chunks in flight to use the
//! budget.) Every deal must be done and no call refused with a 429.

use hubspot_deals::batch::Outcome;
use hubspot_deals::types::DealUpsert;
use hubspot_deals::{Client, RateLimit};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits};
use std::error::Error;
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-import-0000-0000-000000000000";
const LIMIT: u32 = 190;
const LATENCY: Duration = Duration::from_millis(150);

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let deals: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .unique_property("erp_id")
        .rate_limits(RateLimits::per_ten_seconds(LIMIT))
        .fault(Fault::new(FaultKind::Slow(LATENCY)).on("batch_upsert"))
        .start()
        .await?;
    let client = Client::builder()
        .private_app_token(TOKEN)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::per_ten_seconds(LIMIT))
        .build()?;
    let rows = (0..deals).map(|i| DealUpsert {
        id: format!("ERP-{i:06}"),
        properties: [
            ("dealname".to_string(), format!("Imported order {i}")),
            ("amount".to_string(), format!("{}", 100 + i % 900)),
        ]
        .into(),
        ..Default::default()
    });
    let start = Instant::now();
    let mut stream = client.deals().upsert_all("erp_id", rows).stream();
    let mut first_failure = None;
    while let Some(item) = futures_util::StreamExt::next(&mut stream).await {
        if first_failure.is_none() && !matches!(item.outcome, Outcome::Done(_)) {
            first_failure = Some(format!("row {}: {:?}", item.index, item.outcome));
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let summary = stream.summary();
    let counters = fake.counters();
    let calls = counters
        .by_operation
        .get("batch_upsert")
        .copied()
        .unwrap_or(0);
    let throttled = counters.by_status.get(&429).copied().unwrap_or(0);
    let fastest =
        (calls.saturating_sub(1) / u64::from(LIMIT)) as f64 * 10.0 + LATENCY.as_secs_f64();
    println!(
        "{deals} deals upserted in {wall:.1} s: {calls} calls, {throttled} 429s, {:.1} calls/s, {:.0} deals/s; \
         the limit allows it in {fastest:.2} s at best: {:.1} % of the limit's throughput",
        calls as f64 / wall,
        deals as f64 / wall,
        100.0 * fastest / wall,
    );
    println!("{summary}; {} deals at the fake", fake.deal_count());
    if let Some(failure) = first_failure {
        return Err(failure.into());
    }
    if throttled > 0 || summary.done != deals as u64 || fake.deal_count() != deals {
        return Err("a deal was not upserted, or a call was refused".into());
    }
    Ok(())
}
