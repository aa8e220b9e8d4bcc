//! `hubspot-deals sync` into SQLite against the fake (each in a process of its own): the first
//! load of N deals with associations, then an incremental run after 1,000 changes. Prints
//! wall time, the share of the fastest the budget allows (calls / calls a second), calls,
//! CPU time and peak memory of the sync process.
//!
//! ```sh
//! cargo build --release -p hubspot-deals-cli
//! cargo run --release -p hubspot-deals-cli --example sync_bench [DEALS] [BUDGET]
//! ```
//!
//! BUDGET is calls per 10 s as `--budget` takes it (default 190, HubSpot's Professional).
//! Runs with `--overlap 0`: the fake's deals are all made seconds before the first load, and
//! the default five-minute overlap would read every one of them again.

use std::process::Command;
use std::time::Instant;

const TOKEN: &str = "pat-na1-bench-0000-0000-000000000000";

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

/// Runs a process to its end: wall seconds, CPU seconds (user and system), peak RSS in MiB.
fn measure(command: &mut Command) -> Result<(f64, f64, u64), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct the call fills; `pid` is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid || status != 0 {
        return Err(format!("the sync failed (status {status})").into());
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    Ok((
        start.elapsed().as_secs_f64(),
        cpu,
        usage.ru_maxrss as u64 / 1024,
    ))
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
    let binary = std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|profile| profile.join("hubspot-deals"))
        .filter(|path| path.exists())
        .ok_or("build the binary first: cargo build --release -p hubspot-deals-cli")?;
    let mut fake = Command::new(&binary)
        .args([
            "fake",
            "--port",
            "0",
            "--rate-limit",
            "unlimited",
            "--token",
            TOKEN,
        ])
        .arg("--seed-deals")
        .arg(deals.to_string())
        .arg("--seed-associations")
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut lines = std::io::BufReader::new(fake.stdout.take().ok_or("no stdout")?);
    let mut first = String::new();
    std::io::BufRead::read_line(&mut lines, &mut first)?;
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let base_url = first
        .split_whitespace()
        .last()
        .ok_or("the fake did not say where it listens")?
        .to_string();
    let dir = std::env::temp_dir().join(format!("sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut sync = Command::new(&binary);
    // No overlap: the fake's search has no index lag, and its deals were all made seconds
    // before the first load (the default five minutes would read them all again).
    sync.args([
        "--budget",
        &budget.to_string(),
        "sync",
        "--overlap",
        "0",
        "--db",
    ])
    .arg(format!("sqlite:{}", dir.join("deals.sqlite").display()))
    .env("HUBSPOT_ACCESS_TOKEN", TOKEN)
    .env("HUBSPOT_BASE_URL", &base_url)
    .env("HUBSPOT_DEALS_CONFIG_DIR", &dir);
    let per_second = f64::from(budget) / 10.0;

    let before = requests(&base_url)?;
    let (wall, cpu, rss) = measure(&mut sync)?;
    let calls = requests(&base_url)? - before - 1;
    let fastest = calls as f64 / per_second;
    println!(
        "first load: {deals} deals in {wall:.1} s wall ({:.0} % of the fastest {budget} calls per 10 s allows, {fastest:.1} s), \
         {calls} calls ({:.2} per 100 deals), {cpu:.2} s CPU, peak memory {rss} MiB",
        100.0 * fastest / wall,
        calls as f64 * 100.0 / deals as f64
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
    let before = requests(&base_url)?;
    let (wall, cpu, _) = measure(&mut sync)?;
    let calls = requests(&base_url)? - before - 1;
    println!("incremental after 1,000 changes: {calls} calls, {wall:.1} s wall, {cpu:.2} s CPU");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = fake.kill();
    let _ = fake.wait();
    Ok(())
}
