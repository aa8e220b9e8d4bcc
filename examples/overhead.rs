//! Per-call CPU overhead of the client's runtime layer against a bare reqwest + serde loop
//! doing the same requests (a page of 100 deals each), printed as figures:
//!
//! ```sh
//! cargo run --release --example overhead -- 3000
//! ```
//!
//! The fake HubSpot serves from its own thread; the client runs on the main thread, whose CPU
//! time alone is measured (Linux: `/proc/thread-self/stat`). Rounds alternate between the two
//! loops to spread noise.

use hubspot_deals::types::DealPage;
use hubspot_deals::{Client, RateLimit};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::error::Error;
use std::time::Instant;

const TOKEN: &str = "pat-na1-overhead-0000-0000-000000000000";

/// CPU time of this thread in clock ticks (user + system).
fn thread_cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Starts the fake with 100 deals on its own thread and runtime; returns its base URL.
fn start_fake() -> Result<String, Box<dyn Error>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let fake = FakeHubSpot::builder()
                .private_app_token(TOKEN)
                .rate_limits(RateLimits::UNLIMITED)
                .start()
                .await
                .expect("the fake starts");
            let inputs: Vec<serde_json::Value> = (0..100)
                .map(|i| serde_json::json!({"properties": {"dealname": format!("Deal {i}"), "amount": format!("{}", 100 + i), "dealstage": "qualifiedtobuy"}}))
                .collect();
            let status = reqwest::Client::new()
                .post(format!("{}/crm/v3/objects/deals/batch/create", fake.base_url()))
                .bearer_auth(TOKEN)
                .json(&serde_json::json!({"inputs": inputs}))
                .send()
                .await
                .expect("batch create")
                .status();
            assert_eq!(status, 201);
            sender.send(fake.base_url().to_string()).expect("main thread waits");
            std::future::pending::<()>().await;
        });
    });
    Ok(receiver.recv()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let base = start_fake()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let bare = reqwest::Client::new();
        let url = format!("{base}/crm/v3/objects/deals");
        let client = Client::builder()
            .private_app_token(TOKEN)
            .base_url(&base)
            .rate_limit(RateLimit::per_ten_seconds(1_000_000))
            .build()?;

        let bare_call = || async {
            let bytes = bare
                .get(&url)
                .query(&[("limit", "100")])
                .bearer_auth(TOKEN)
                .header("accept", "application/json")
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let page: DealPage = serde_json::from_slice(&bytes)?;
            Ok::<usize, Box<dyn Error>>(page.results.len())
        };
        let client_call = || async {
            Ok::<usize, Box<dyn Error>>(client.get_page().limit(100).send().await?.results.len())
        };

        // Warm up both (connections, allocator).
        for _ in 0..100 {
            assert_eq!(bare_call().await?, 100);
            assert_eq!(client_call().await?, 100);
        }
        let rounds = 6;
        let per_round = calls / rounds;
        let (mut bare_ticks, mut client_ticks) = (0u64, 0u64);
        let (mut bare_wall, mut client_wall) = (0f64, 0f64);
        for _ in 0..rounds {
            let (t0, w0) = (
                thread_cpu_ticks().ok_or("no /proc/thread-self/stat")?,
                Instant::now(),
            );
            for _ in 0..per_round {
                bare_call().await?;
            }
            let (t1, w1) = (thread_cpu_ticks().unwrap_or(t0), Instant::now());
            for _ in 0..per_round {
                client_call().await?;
            }
            let (t2, w2) = (thread_cpu_ticks().unwrap_or(t1), Instant::now());
            bare_ticks += t1 - t0;
            client_ticks += t2 - t1;
            bare_wall += (w1 - w0).as_secs_f64();
            client_wall += (w2 - w1).as_secs_f64();
        }
        let n = (per_round * rounds) as f64;
        let tick_ms = 10.0; // USER_HZ is 100 on Linux
        println!(
            "calls per loop: {} (pages of 100 deals, {} rounds alternating)",
            per_round * rounds,
            rounds
        );
        println!(
            "bare reqwest + serde: {:>8.1} ms CPU, {:>6.1} us CPU/call, {:>6.1} us wall/call",
            bare_ticks as f64 * tick_ms,
            bare_ticks as f64 * tick_ms * 1000.0 / n,
            bare_wall * 1e6 / n
        );
        println!(
            "hubspot-deals client: {:>8.1} ms CPU, {:>6.1} us CPU/call, {:>6.1} us wall/call",
            client_ticks as f64 * tick_ms,
            client_ticks as f64 * tick_ms * 1000.0 / n,
            client_wall * 1e6 / n
        );
        println!(
            "CPU ratio client/bare: {:.3} (target <= 1.25)",
            client_ticks as f64 / bare_ticks.max(1) as f64
        );
        Ok::<(), Box<dyn Error>>(())
    })
}
