//! Exporting 100,000 deals to JSONL from the fake: the `hubspot-deals` binary against the
//! library's own stream writing the same lines, each in a process of its own; prints wall
//! time, CPU time and peak memory of each.
//!
//! ```sh
//! cargo build --release -p hubspot-deals-cli
//! cargo run --release -p hubspot-deals-cli --example export_bench [DEALS]
//! ```

use futures_util::StreamExt;
use hubspot_deals::{Client, RateLimit};
use std::io::Write;
use std::process::Command;

mod support;

use support::{TOKEN, measure};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new()?;
    if let Ok(base_url) = std::env::var("BENCH_LIBRARY_EXPORT") {
        return runtime.block_on(library_export(base_url));
    }
    let deals: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let binary = support::binary()?;
    let seed = ["--seed-deals".to_string(), deals.to_string()];
    let (mut fake, base_url) = support::start_fake(&binary, &seed)?;
    let dir = std::env::temp_dir().join(format!("export-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut cli = Command::new(&binary);
    cli.args(["--budget", "unlimited", "deals", "export", "--output"])
        .arg(dir.join("cli.jsonl"))
        .env("HUBSPOT_ACCESS_TOKEN", TOKEN)
        .env("HUBSPOT_BASE_URL", &base_url);
    let mut library = Command::new(std::env::current_exe()?);
    library
        .env("BENCH_LIBRARY_EXPORT", &base_url)
        .env("BENCH_OUTPUT", dir.join("library.jsonl"));
    let mut figures = Vec::new();
    for round in 0..2 {
        for (name, command) in [("library", &mut library), ("cli", &mut cli)] {
            let figure = measure(command)?;
            let lines = std::fs::read_to_string(dir.join(format!("{name}.jsonl")))?
                .lines()
                .count();
            assert_eq!(lines, deals, "{name} wrote every deal");
            if round == 1 {
                figures.push((name, figure));
            }
        }
    }
    for (name, (wall, cpu, rss)) in &figures {
        println!(
            "{name:>7}: {deals} deals in {wall:.2} s wall, {cpu:.2} s CPU, peak memory {rss} MiB"
        );
    }
    let cpu = |n: &str| {
        figures
            .iter()
            .find(|(name, _)| *name == n)
            .map(|(_, f)| f.1)
            .unwrap_or(0.0)
    };
    println!(
        "the command line takes {:.2}x the library's CPU",
        cpu("cli") / cpu("library")
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = fake.kill();
    let _ = fake.wait();
    Ok(())
}

/// The library's stream, each deal a JSON line, as the command line writes them.
async fn library_export(base_url: String) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder()
        .private_app_token(TOKEN)
        .base_url(base_url)
        .rate_limit(RateLimit::unlimited())
        .build()?;
    let path = std::env::var("BENCH_OUTPUT")?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(path)?);
    let mut deals = client.deals().list().stream();
    while let Some(deal) = deals.next().await {
        serde_json::to_writer(&mut out, &deal?)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
