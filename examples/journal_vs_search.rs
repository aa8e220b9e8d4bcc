//! Following changes through the webhooks journal and through `changed_since`, side by side,
//! against the fake HubSpot: 10,000 deals updated, then each way reads every change. Prints
//! the calls each made and the wall time on loopback, the journal again with each content
//! download taking 50 ms (as a storage service's might), and the least time HubSpot's limits
//! allow each (search: 5 calls a second).
//!
//! ```sh
//! cargo run --release --example journal_vs_search            # 10,000 changes
//! cargo run --release --example journal_vs_search -- 50000   # more
//! ```

use futures_util::StreamExt;
use hubspot_deals::auth::OAuth;
use hubspot_deals::journal::{self, DOWNLOADS_AT_ONCE, Feed, Start};
use hubspot_deals::{Client, RateLimit, types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, RateLimits};
use std::error::Error;
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-bench-0000-0000-000000000000";
const APP_ID: &str = "bench-app";
const APP_SECRET: &str = "bench-app-secret";
const PORTAL: i64 = 62515;
/// HubSpot's search budget: calls a second.
const SEARCH_PER_SECOND: f64 = 5.0;

/// Starts the fake on a thread of its own (so its work is not timed as the client's).
fn start_fake() -> Result<FakeHubSpot, Box<dyn Error>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime for the fake");
        runtime.block_on(async move {
            let fake = FakeHubSpot::builder()
                .private_app_token(TOKEN)
                .oauth_app(APP_ID, APP_SECRET)
                .rate_limits(RateLimits::UNLIMITED)
                .start()
                .await
                .expect("the fake starts");
            let _ = sender.send(fake);
            std::future::pending::<()>().await;
        });
    });
    Ok(receiver.recv()?)
}

fn calls(fake: &FakeHubSpot, operations: &[&str]) -> u64 {
    let counters = fake.counters();
    operations
        .iter()
        .filter_map(|op| counters.by_operation.get(*op))
        .copied()
        .sum()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let fake = start_fake()?;
    let crm = Client::builder()
        .private_app_token(TOKEN)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .build()?;
    let scopes = [
        "developer.webhooks_journal.read",
        "developer.webhooks_journal.subscriptions.read",
        "developer.webhooks_journal.subscriptions.write",
    ];
    let app = Client::builder()
        .oauth(OAuth::client_credentials(APP_ID, APP_SECRET, scopes))
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .build()?;
    fake.seed_deals((0..n).map(|i| [("dealname".to_string(), format!("Deal {i}"))]))?;
    journal::subscribe_deals(&app, PORTAL, &[]).await?;
    let mut feed = Feed::new(&app, Start::Latest);
    feed.poll().await?;
    let start = feed.position().clone();
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);

    let ids: Vec<String> = crm
        .deals()
        .list()
        .stream()
        .map(|d| d.map(|d| d.id))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let updates: Vec<types::BatchUpdateInput> = ids
        .iter()
        .map(|id| types::BatchUpdateInput {
            id: id.clone(),
            properties: [("amount".to_string(), "1250".to_string())].into(),
            ..Default::default()
        })
        .collect();
    for done in crm
        .deals()
        .update_all(updates)
        .stream()
        .collect::<Vec<_>>()
        .await
    {
        if !matches!(done.outcome, hubspot_deals::batch::Outcome::Done(_)) {
            return Err(format!("update {} failed: {:?}", done.index, done.outcome).into());
        }
    }
    println!("{n} deals changed\n");

    fake.clear_log();
    let started = Instant::now();
    let mut changes = 0;
    loop {
        let entries = feed.poll().await?;
        if entries.is_empty() {
            break;
        }
        changes += entries.iter().map(|e| e.changes.len()).sum::<usize>();
    }
    let journal_time = started.elapsed();
    let journal_calls = feed.calls();

    // The same changes again, each download taking 50 ms as a storage service's might.
    fake.add_fault(Fault::new(FaultKind::Slow(Duration::from_millis(50))).on("journal_content"));
    let mut slow = Feed::new(&app, start);
    let started = Instant::now();
    while !slow.poll().await?.is_empty() {}
    let slow_time = started.elapsed();
    fake.clear_faults();

    fake.clear_log();
    let started = Instant::now();
    let mut stream = crm
        .deals()
        .changed_since(since)
        .properties(["amount"])
        .stream();
    let mut found = 0;
    while let Some(change) = stream.next().await {
        change?;
        found += 1;
    }
    let search_time = started.elapsed();
    let search_calls = calls(&fake, &["search"]);

    println!(
        "{:<16} {:>8} {:>22} {:>14} {:>26}",
        "way", "changes", "API calls", "wall (loopback)", "least at HubSpot's limits"
    );
    println!(
        "{:<16} {:>8} {:>22} {:>14.2?} {:>26}",
        "journal",
        changes,
        format!(
            "{} (+{} downloads)",
            journal_calls.reads, journal_calls.downloads
        ),
        journal_time,
        "not search-limited"
    );
    println!(
        "{:<16} {:>8} {:>22} {:>14.2?} {:>26}",
        "journal, 50 ms",
        changes,
        format!("downloads {DOWNLOADS_AT_ONCE} at once"),
        slow_time,
        format!(
            "{:.1}s one at a time",
            journal_calls.downloads as f64 * 0.05
        )
    );
    println!(
        "{:<16} {:>8} {:>22} {:>14.2?} {:>25.1}s",
        "changed_since",
        found,
        search_calls,
        search_time,
        search_calls as f64 / SEARCH_PER_SECOND
    );
    Ok(())
}
