//! What a shared budget in Redis costs per call: the same sequential calls to the fake HubSpot
//! with the in-process limiter and with the budget in Redis (one script per permit), and the
//! difference per permit.
//!
//! `cargo run --release --features redis --example shared_overhead [CALLS]` starts its own
//! `redis-server` (from PATH, or HUBSPOT_DEALS_REDIS_SERVER) on a Unix socket.

use hubspot_deals::{Client, RateLimit, SharedBudget, WhenUnavailable};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::error::Error;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-overhead-0000-0000-000000000000";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let calls: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    let binary =
        std::env::var("HUBSPOT_DEALS_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    let dir = std::env::temp_dir().join(format!("hubspot-deals-overhead-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join("redis.sock");
    let mut redis = Command::new(&binary)
        .args([
            "--port",
            "0",
            "--save",
            "",
            "--appendonly",
            "no",
            "--unixsocket",
        ])
        .arg(&socket)
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!("cannot start {binary}: {e} (install Redis, or set HUBSPOT_DEALS_REDIS_SERVER)")
        })?;
    while !socket.exists() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .start()
        .await?;
    // A budget no run reaches: every permit is given at once, so only its cost is measured.
    let limit = RateLimit::per_ten_seconds(10_000_000);
    let local = Client::builder()
        .private_app_token(TOKEN)
        .base_url(fake.base_url())
        .rate_limit(limit)
        .build()?;
    let url = format!("unix://{}", socket.display());
    let shared = Client::builder()
        .private_app_token(TOKEN)
        .base_url(fake.base_url())
        .rate_limit(limit)
        .shared_budget(SharedBudget::redis(
            &url,
            "overhead",
            WhenUnavailable::Fail,
        )?)
        .build()?;

    let mut per_call = Vec::new();
    for (name, client) in [
        ("local", &local),
        ("redis", &shared),
        ("local", &local),
        ("redis", &shared),
    ] {
        for _ in 0..200 {
            client.get_page().limit(1).send().await?; // warm up
        }
        let start = Instant::now();
        for _ in 0..calls {
            client.get_page().limit(1).send().await?;
        }
        let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        println!("{name:>5}: {calls} calls, {micros:.1} µs per call");
        per_call.push((name, micros));
    }
    let best = |n: &str| {
        per_call
            .iter()
            .filter(|(name, _)| *name == n)
            .map(|(_, m)| *m)
            .fold(f64::INFINITY, f64::min)
    };
    println!(
        "a permit from Redis costs {:.1} µs more than a local one (best of two runs each)",
        best("redis") - best("local")
    );
    let _ = redis.kill();
    let _ = redis.wait();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
