//! What an export costs by how much it asks for, against the fake HubSpot, printed as
//! figures: calls and client CPU per 100 deals for every one of 400 custom properties (more
//! than a URL holds, so pages are listed by id and read by batch), for 5 named properties, for
//! 5 properties with each deal's contacts and companies as the listing gives them (ids), and
//! for 5 properties with contacts and companies read with their labels by associations v4's
//! batch read (`associations::read_many`, 1,000 deals a call per type), as
//! `deals export --associations` does.
//!
//! ```sh
//! cargo run --release --example wide_export            # 100,000 deals
//! cargo run --release --example wide_export -- 20000   # a quicker run
//! ```
//!
//! The fake runs on a runtime of its own thread; the client on this thread's, so the CPU
//! counted (`/proc/thread-self/stat`) is the client's alone: sending, decoding and the
//! stream.

use futures_util::StreamExt;
use hubspot_deals::{Client, RateLimit, associations};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::error::Error;
use std::time::Instant;

const TOKEN: &str = "pat-na1-wide-0000-0000-000000000000";
const CUSTOM: usize = 400;

/// CPU time of this thread in clock ticks (user + system).
fn thread_cpu_ticks() -> u64 {
    let read = || -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        let after_name = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    };
    read().unwrap_or(0)
}

/// The custom property names: as long as the ones HubSpot integrations create.
fn custom_names() -> Vec<String> {
    (0..CUSTOM)
        .map(|i| format!("erp_synced_custom_field_{i:03}"))
        .collect()
}

/// Starts the fake on a thread of its own with `n` deals, each with 10 custom values, a
/// contact and a company.
fn start_fake(n: usize) -> Result<FakeHubSpot, Box<dyn Error>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime for the fake");
        runtime.block_on(async move {
            let mut builder = FakeHubSpot::builder()
                .private_app_token(TOKEN)
                .rate_limits(RateLimits::UNLIMITED);
            let names = custom_names();
            for name in &names {
                builder = builder.property(name);
            }
            let fake = builder.start().await.expect("the fake starts");
            fake.seed_associated_deals((0..n).map(|i| {
                let mut values = vec![
                    ("dealname".to_string(), format!("Deal {i}")),
                    ("amount".to_string(), format!("{}", 1000 + i % 9000)),
                ];
                for name in names.iter().skip(i % 40).step_by(40) {
                    values.push((name.clone(), format!("value {i}")));
                }
                let associated = vec![
                    ("contacts".to_string(), (5000 + i % 97).to_string()),
                    ("companies".to_string(), (9000 + i % 31).to_string()),
                ];
                (values, associated)
            }))
            .expect("the deals seed");
            fake.clear_log();
            sender.send(fake).expect("the main thread waits");
            std::future::pending::<()>().await;
        });
    });
    Ok(receiver.recv()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let fake = start_fake(n)?;
    let base = fake.base_url().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = Client::builder()
        .private_app_token(TOKEN)
        .base_url(&base)
        .rate_limit(RateLimit::unlimited())
        .build()?;
    let five = ["dealname", "amount", "dealstage", "pipeline", "closedate"].map(String::from);
    let mut every = custom_names();
    every.extend(five.iter().cloned());
    let cases: [(&str, Vec<String>, Vec<String>); 3] = [
        ("every property (405)", every, Vec::new()),
        ("5 named properties", five.to_vec(), Vec::new()),
        (
            "5 properties + contacts, companies",
            five.to_vec(),
            vec!["contacts".into(), "companies".into()],
        ),
    ];
    println!("export of {n} deals from the fake (pages of 100)");
    let mut runs: Vec<(&str, Vec<String>, Vec<String>, bool)> = cases
        .into_iter()
        .map(|(label, properties, associations)| (label, properties, associations, false))
        .collect();
    runs.push((
        "5 properties + labelled (v4 batch)",
        five.to_vec(),
        vec!["contacts".into(), "companies".into()],
        true,
    ));
    for (label, properties, associations, by_batch) in runs {
        let before_calls = fake.counters().requests;
        let ticks = thread_cpu_ticks();
        let started = Instant::now();
        let (count, values) = runtime.block_on(async {
            let inline = if by_batch {
                Vec::new()
            } else {
                associations.clone()
            };
            let mut stream = client
                .deals()
                .list()
                .properties(properties)
                .associations(inline)
                .stream();
            let (mut count, mut values) = (0usize, 0usize);
            let mut pending = Vec::new();
            loop {
                let deal = stream.next().await.transpose()?;
                if let Some(deal) = &deal {
                    count += 1;
                    values += deal.properties.values().filter(|v| v.is_some()).count();
                    if by_batch {
                        pending.push(deal.id.clone());
                    }
                }
                let full = pending.len() >= hubspot_deals::limits::ASSOCIATIONS_BATCH_READ_INPUTS;
                if full || (deal.is_none() && !pending.is_empty()) {
                    for kind in &associations {
                        let ids = pending.iter().cloned();
                        let found = associations::read_many(&client, kind, ids).await?;
                        values += found.values().map(Vec::len).sum::<usize>();
                    }
                    pending.clear();
                }
                if deal.is_none() {
                    break;
                }
            }
            Ok::<_, hubspot_deals::Error>((count, values))
        })?;
        let wall = started.elapsed();
        let cpu_ms = (thread_cpu_ticks() - ticks) * 10; // 100 ticks a second on Linux
        let made = fake.counters().requests - before_calls;
        let per_100 = |x: f64| x * 100.0 / count.max(1) as f64;
        println!(
            "{label:<36} {count} deals, {values} values: {:.2} calls and {:.1} ms CPU per 100 deals, {:.1} s wall",
            per_100(made as f64),
            per_100(cpu_ms as f64),
            wall.as_secs_f64()
        );
    }
    Ok(())
}
