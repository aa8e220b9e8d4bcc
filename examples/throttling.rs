//! Throttling and faults in real time, printed as figures:
//!
//! ```sh
//! cargo run --release --example throttling -- [DEALS] [CALLS_PER_CLIENT]
//! ```
//!
//! 1. **Fault mix**: export `DEALS` (default 10,000) deals page by page with a default client
//!    (100 calls per 10 s) from a fake that answers a fifth of the pages with a 429 without
//!    `Retry-After`, a JSON 503 or an HTML 502 (a fifteenth each) and has no budget of its
//!    own. Every deal must arrive exactly once.
//! 2. **Shared budget**: two clients with separate limiters, each believing the budget of 100
//!    per 10 s is its own, make `CALLS_PER_CLIENT` (default 150) calls each against a fake
//!    that enforces 100 per 10 s for both together.
//!
//! For each: wall time, calls, 429s and throughput as a share of the budget (calls over the
//! time they span plus one window, since a window's worth of calls can go at once).

use hubspot_deals::{Client, RateLimit, RetryPolicy, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits};
use std::collections::HashSet;
use std::error::Error;
use std::time::{Duration, Instant};

const SEEDER: &str = "pat-na1-throttling-seeder-0000-000000000000";
const TOKEN: &str = "pat-na1-throttling-0000-0000-000000000000";

fn client(base_url: &str, limit: RateLimit) -> Result<Client, Box<dyn Error>> {
    Ok(Client::builder()
        .private_app_token(TOKEN)
        .base_url(base_url)
        .rate_limit(limit)
        .build()?)
}

/// Fills the fake with `count` deals through a token with a budget of its own.
async fn seed(fake: &FakeHubSpot, count: usize) -> Result<(), Box<dyn Error>> {
    let seeder = Client::builder()
        .private_app_token(SEEDER)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .build()?;
    for chunk in 0..count.div_ceil(100) {
        let inputs = (0..100.min(count - chunk * 100))
            .map(|i| types::BatchCreateInput {
                associations: vec![],
                object_write_trace_id: None,
                properties: [("dealname".to_string(), format!("Deal {}", chunk * 100 + i))].into(),
            })
            .collect();
        seeder
            .batch_create()
            .body(types::BatchCreate { inputs })
            .send()
            .await?;
    }
    Ok(())
}

/// One line of figures: the budget is 100 calls per 10 s; throughput counts the calls
/// HubSpot accepted over the time they span plus one window.
fn report(name: &str, wall: Duration, counters: &hubspot_deals_fake::Counters) {
    let status = |code| counters.by_status.get(&code).copied().unwrap_or(0);
    let (calls, throttled) = (counters.requests, status(429));
    let accepted = calls - throttled;
    let span = wall.as_secs_f64() + 10.0;
    println!(
        "{name:<14} wall {:>6.1} s   calls {calls:>5}   429s {throttled:>4} ({:>4.1} %)   throughput {:>5.1} % of the budget",
        wall.as_secs_f64(),
        100.0 * throttled as f64 / calls.max(1) as f64,
        100.0 * accepted as f64 / (span * 10.0),
    );
}

async fn fault_mix(deals: usize) -> Result<(), Box<dyn Error>> {
    let fake = FakeHubSpot::builder()
        .private_app_token(SEEDER)
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::UNLIMITED)
        .seed(7)
        .start()
        .await?;
    seed(&fake, deals).await?;
    for (kind, rate) in [
        (FaultKind::RateLimited { retry_after: None }, 1.0 / 15.0),
        (FaultKind::Status(503), 1.0 / 14.0),
        (FaultKind::HtmlBadGateway, 1.0 / 13.0),
    ] {
        fake.add_fault(Fault::new(kind).on("get_page").rate(rate));
    }
    fake.clear_log();
    let client = client(fake.base_url(), RateLimit::default())?;
    let start = Instant::now();
    let mut seen = HashSet::new();
    let mut received = 0;
    let mut after: Option<String> = None;
    loop {
        let mut request = client.get_page().limit(100);
        if let Some(cursor) = &after {
            request = request.after(cursor.clone());
        }
        let page = request.send().await?.into_inner();
        received += page.results.len();
        seen.extend(page.results.into_iter().map(|d| d.id));
        match page.paging.and_then(|p| p.next) {
            Some(next) => after = Some(next.after),
            None => break,
        }
    }
    report("fault mix", start.elapsed(), &fake.counters());
    println!(
        "               {received} deals received, {} distinct, {} expected",
        seen.len(),
        deals
    );
    if received != deals || seen.len() != deals {
        return Err("a deal was lost or repeated".into());
    }
    Ok(())
}

async fn shared_budget(calls: usize) -> Result<(), Box<dyn Error>> {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .rate_limits(RateLimits::per_ten_seconds(100).daily(1_000_000))
        .start()
        .await?;
    let clients = [
        client(fake.base_url(), RateLimit::FREE_STARTER)?,
        client(fake.base_url(), RateLimit::FREE_STARTER)?,
    ];
    let start = Instant::now();
    let workers: Vec<_> = clients
        .into_iter()
        .map(|client| {
            tokio::spawn(async move {
                for _ in 0..calls {
                    client
                        .get_page()
                        .limit(1)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for worker in workers {
        if let Err(e) = worker.await? {
            if std::env::var("DEBUG_TIMELINE").is_ok() {
                let first = fake.requests()[0].at;
                for r in fake.requests() {
                    eprintln!(
                        "{:>6} {} {:?}",
                        (r.at - first).num_milliseconds(),
                        r.status,
                        r.token
                    );
                }
            }
            return Err(e.into());
        }
    }
    report("shared budget", start.elapsed(), &fake.counters());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let deals: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let calls: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(150);
    println!("retry policy: {:?}", RetryPolicy::default());
    fault_mix(deals).await?;
    shared_budget(calls).await?;
    Ok(())
}
