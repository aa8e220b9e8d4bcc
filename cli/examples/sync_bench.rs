//! `hubspot-deals sync` against the fake (each in a process of its own), into SQLite, then
//! into PostgreSQL when `HUBSPOT_DEALS_POSTGRES` names a server (`.ci/postgres start` starts
//! one): the first load of N deals with associations, then an incremental run after 1,000
//! changes. Prints wall time, the share of the fastest the budget allows (calls / calls a
//! second), calls, CPU time and peak memory of the sync process, and the database's write
//! throughput on its own (the time spent inside its transactions, as `sync` reports it).
//!
//! ```sh
//! cargo build --release -p hubspot-deals-cli
//! cargo run --release -p hubspot-deals-cli --example sync_bench [DEALS] [BUDGET] [HISTORY]
//! ```
//!
//! BUDGET is calls per 10 s as `--budget` takes it (default 190, HubSpot's Professional);
//! HISTORY, the properties whose history the runs keep (`--history`, e.g.
//! `amount,dealstage,dealname`; none by default).
//! Runs with `--overlap 0`: the fake's deals are all made seconds before the first load, and
//! the default five-minute overlap would read every one of them again.

use std::process::Command;

mod support;

use support::{TOKEN, measure};

/// Calls the fake (plain HTTP on loopback) with the private-app token; the answer's body.
fn call(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<String, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut request = reqwest::Client::new()
            .request(method, url)
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("Content-Type", "application/json");
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await?.error_for_status()?;
        Ok(response.text().await?)
    })
}

/// The fake's request count so far.
fn requests(base_url: &str) -> Result<u64, Box<dyn std::error::Error>> {
    let stats: serde_json::Value =
        serde_json::from_str(&call("GET", &format!("{base_url}/__fake/stats"), None)?)?;
    stats["counters"]["requests"]
        .as_u64()
        .ok_or_else(|| "the fake's stats have no request count".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let deals: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let budget: u32 = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(190);
    let history = std::env::args().nth(3);
    let binary = support::binary()?;
    let seed = [
        "--seed-deals".to_string(),
        deals.to_string(),
        "--seed-associations".into(),
    ];
    let (mut fake, base_url) = support::start_fake(&binary, &seed)?;
    let dir = std::env::temp_dir().join(format!("sync-bench-{}", std::process::id()));
    let outcome = std::fs::create_dir_all(&dir)
        .map_err(Into::into)
        .and_then(|()| {
            let mut targets = vec![(
                "SQLite",
                format!("sqlite:{}", dir.join("deals.sqlite").display()),
            )];
            if let Ok(server) = std::env::var("HUBSPOT_DEALS_POSTGRES") {
                targets.push(("PostgreSQL", fresh_database(&server)?));
            } else {
                println!("(PostgreSQL skipped: set HUBSPOT_DEALS_POSTGRES to a server's URL)");
            }
            targets.iter().try_for_each(|(kind, db)| {
                let run = Run {
                    binary: &binary,
                    base_url: &base_url,
                    dir: &dir,
                    deals,
                    budget,
                    history: history.as_deref(),
                };
                bench(kind, db, &run)
            })
        });
    // The fake goes whatever happened (a failed run used to leave it serving).
    let _ = std::fs::remove_dir_all(&dir);
    let _ = fake.kill();
    let _ = fake.wait();
    outcome
}

/// A new database on the PostgreSQL server `server` names; its URL.
fn fresh_database(server: &str) -> Result<String, Box<dyn std::error::Error>> {
    let name = format!("sync_bench_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (admin, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .await?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    let mut url = url::Url::parse(server)?;
    url.set_path(&name);
    Ok(url.to_string())
}

/// The line of `sync`'s standard error (kept in `log`) that gives the database's throughput.
fn throughput(log: &std::path::Path) -> String {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            line.split_once(": the database wrote")
                .map(|(_, rest)| rest.trim().to_string())
        })
        .unwrap_or_else(|| "(not reported)".into())
}

/// What every run of the bench shares.
struct Run<'a> {
    binary: &'a std::path::Path,
    base_url: &'a str,
    dir: &'a std::path::Path,
    deals: usize,
    budget: u32,
    /// `--history`'s value, if any.
    history: Option<&'a str>,
}

/// The first load then an incremental run after 1,000 changes, into `db`.
fn bench(kind: &str, db: &str, run: &Run) -> Result<(), Box<dyn std::error::Error>> {
    let Run {
        binary,
        base_url,
        dir,
        deals,
        budget,
        history,
    } = *run;
    let log = dir.join(format!("{kind}.log"));
    let mut sync = Command::new(binary);
    // No overlap: the fake's search has no index lag, and its deals were all made seconds
    // before the first load (the default five minutes would read them all again).
    sync.args([
        "--budget",
        &budget.to_string(),
        "sync",
        "--overlap",
        "0",
        "--db",
        db,
    ])
    .args(history.map(|h| ["--history", h]).into_iter().flatten())
    .env("HUBSPOT_ACCESS_TOKEN", TOKEN)
    .env("HUBSPOT_BASE_URL", base_url)
    .env("HUBSPOT_DEALS_CONFIG_DIR", dir);
    let per_second = f64::from(budget) / 10.0;

    sync.stderr(std::fs::File::create(&log)?);
    let before = requests(base_url)?;
    let (wall, cpu, rss) = measure(&mut sync)?;
    let calls = requests(base_url)? - before - 1;
    let fastest = calls as f64 / per_second;
    let with = history.map_or_else(String::new, |h| format!(" with the history of {h}"));
    println!(
        "{kind} first load{with}: {deals} deals in {wall:.1} s wall ({:.0} % of the fastest {budget} calls per 10 s allows, {fastest:.1} s), \
         {calls} calls ({:.2} per 100 deals), {cpu:.2} s CPU, peak memory {rss} MiB; {}",
        100.0 * fastest / wall,
        calls as f64 * 100.0 / deals as f64,
        throughput(&log)
    );

    // 1,000 changes, then the incremental run.
    let listed: serde_json::Value = serde_json::from_str(&call(
        "GET",
        &format!("{base_url}/crm/v3/objects/deals?limit=100"),
        None,
    )?)?;
    let first_id: u64 = listed["results"][0]["id"]
        .as_str()
        .ok_or("no deals")?
        .parse()?;
    for chunk in 0..10 {
        let inputs: Vec<serde_json::Value> = (0..100)
            .map(|i| {
                let id = first_id + chunk * 100 + i;
                serde_json::json!({"id": id.to_string(), "properties": {"amount": "777"}})
            })
            .collect();
        let body = serde_json::json!({ "inputs": inputs }).to_string();
        call(
            "POST",
            &format!("{base_url}/crm/v3/objects/deals/batch/update"),
            Some(body),
        )?;
    }
    // The first load ends with the account's ten-second window full, and the fake's
    // rate-limit headers say so: a run started at once waits for it (about 10 s, as it must
    // against HubSpot). A window later, the figure is the incremental run's own.
    std::thread::sleep(std::time::Duration::from_millis(10_500));
    sync.stderr(std::fs::File::create(&log)?);
    let before = requests(base_url)?;
    let (wall, cpu, _) = measure(&mut sync)?;
    let calls = requests(base_url)? - before - 1;
    println!(
        "{kind} incremental{with} after 1,000 changes: {calls} calls, {wall:.1} s wall, {cpu:.2} s CPU; {}",
        throughput(&log)
    );
    Ok(())
}
