//! Four worker processes import 20,000 deals with the batch upsert through one fake HubSpot
//! budget: with the budget shared in Redis, without it, and with Redis killed mid-run and
//! started again (under each failure policy).
//!
//! It asserts what the shared budget promises, whatever the machine's load: every deal
//! written exactly once, every 429 retried, and, whenever the budget is shared, no 429 and
//! never more calls reaching the fake within ten seconds than the budget (counted on the
//! fake's arrival log, refused calls included). It prints the figures (time, share of the
//! fastest the budget allows, calls answered late) without asserting them: run it in release
//! for the README's figures.
//!
//! It starts its own `redis-server` (on a Unix socket, so no port can be taken from under it,
//! and so it can kill and restart it): `HUBSPOT_DEALS_REDIS_SERVER` names the binary. Without
//! the variable the run is skipped, saying so; with it, a server that cannot start fails the
//! run. `.ci/run` installs Redis and sets it. The workers are this binary, run again with
//! `HUBSPOT_DEALS_WORKER` set.

use futures_util::StreamExt;
use hubspot_deals::batch::{Failure, Outcome};
use hubspot_deals::types::DealUpsert;
use hubspot_deals::{Client, Error, RateLimit, SharedBudget, WhenUnavailable};
use hubspot_deals_fake::{FakeHubSpot, RateLimits};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-shared-0000-0000-000000000000";
const WORKERS: usize = 4;
const DEALS: usize = 20_000;
/// The fake's budget (and every worker's): 200 batch calls take four windows after the burst.
const BUDGET: u32 = 50;
/// The window the client keeps (HubSpot's ten seconds, plus a 40th).
const KEPT: f64 = 10.25;
const NAME: &str = "portal-shared-budget-test";

fn main() {
    if std::env::var_os("HUBSPOT_DEALS_WORKER").is_some() {
        return worker();
    }
    // It has no ignored tests: a `-- --ignored` run (the reference tests) does not run it again.
    if std::env::args().any(|a| a == "--ignored") {
        return;
    }
    let Some(server) = std::env::var_os("HUBSPOT_DEALS_REDIS_SERVER") else {
        println!(
            "shared_budget_processes: SKIPPED. These tests need Redis: set \
             HUBSPOT_DEALS_REDIS_SERVER to a redis-server binary (e.g. $(command -v \
             redis-server)); .ci/run installs one and sets it."
        );
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(scenarios(PathBuf::from(server)));
    println!("shared_budget_processes: ok");
}

/// A redis-server of this test's own, on a Unix socket in a scratch folder.
struct Redis {
    binary: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

impl Redis {
    fn start(binary: &Path) -> Self {
        let dir = std::env::temp_dir().join(format!("hubspot-deals-redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut redis = Self {
            binary: binary.to_path_buf(),
            dir,
            child: None,
        };
        redis.restart();
        redis
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    fn url(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    fn restart(&mut self) {
        let _ = std::fs::remove_file(self.socket());
        let child = Command::new(&self.binary)
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(self.socket())
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.socket().exists() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not open its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one run of four workers did.
struct Run {
    seconds: f64,
    calls: u64,
    throttled: u64,
    deals: usize,
    /// The most batch calls that reached the fake within ten seconds, refused ones included.
    most_in_a_window: usize,
    /// Lines the workers logged about the shared budget.
    unavailable: usize,
    back: usize,
    refused_calls: u64,
    /// Calls answered later than the window's headroom after their shared permit, and the
    /// latest of them (ms).
    late: usize,
    latest_ms: u64,
}

impl Run {
    /// The time the budget's windows take for the calls made (the first window's calls go
    /// at once), over the time taken.
    fn throughput(&self) -> f64 {
        let windows = (self.calls as f64 / f64::from(BUDGET)).ceil() - 1.0;
        windows * KEPT / self.seconds
    }

    fn print(&self, name: &str) {
        println!(
            "{name}: {} deals in {:.1} s ({:.1} % of the fastest the budget allows), {} batch \
             calls, {} 429s, at most {} calls in any ten seconds; {} calls answered later than \
             the headroom (latest {} ms after its permit); store unavailable logged by {} \
             workers, back by {}; {} chunks refused while it was down",
            self.deals,
            self.seconds,
            100.0 * self.throughput(),
            self.calls,
            self.throttled,
            self.most_in_a_window,
            self.late,
            self.latest_ms,
            self.unavailable,
            self.back,
            self.refused_calls,
        );
    }

    /// What the shared budget promises: no call over the budget, so no 429.
    fn kept_the_budget(&self, name: &str) {
        assert_eq!(self.throttled, 0, "{name}: no 429 with one shared budget");
        assert!(
            self.most_in_a_window <= BUDGET as usize,
            "{name}: {} calls reached the fake within ten seconds, over the budget of {BUDGET}",
            self.most_in_a_window
        );
    }
}

/// The most of `arrivals` (in time order) within any ten seconds: HubSpot's window.
fn most_in_a_window(arrivals: &[chrono::DateTime<chrono::Utc>]) -> usize {
    let window = chrono::Duration::seconds(10);
    (0..arrivals.len())
        .map(|i| {
            arrivals[i..]
                .iter()
                .take_while(|at| **at < arrivals[i] + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Runs four workers against a new fake; `outage` kills Redis after the first duration and
/// starts it again after the second.
async fn run(redis: Option<&mut Redis>, policy: &str, outage: Option<(Duration, Duration)>) -> Run {
    let fake = FakeHubSpot::builder()
        .private_app_token(TOKEN)
        .unique_property("import_key")
        .rate_limits(RateLimits::per_ten_seconds(BUDGET))
        .start()
        .await
        .unwrap();
    let url = redis.as_ref().map(|r| r.url());
    let start = Instant::now();
    let children: Vec<Child> = (0..WORKERS)
        .map(|w| {
            let mut command = Command::new(std::env::current_exe().unwrap());
            command
                .env("HUBSPOT_DEALS_WORKER", w.to_string())
                .env("WORKER_BASE_URL", fake.base_url())
                .env("WORKER_POLICY", policy)
                .env("WORKER_FIRST", (w * DEALS / WORKERS).to_string())
                .env("WORKER_COUNT", (DEALS / WORKERS).to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if let Some(url) = &url {
                command.env("WORKER_REDIS", url);
            }
            command.spawn().unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    });
    if let (Some(redis), Some((after, down))) = (redis, outage) {
        tokio::time::sleep(after).await;
        redis.kill();
        tokio::time::sleep(down).await;
        redis.restart();
    }
    let outputs = outputs.await.unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let mut refused_calls = 0;
    let (mut unavailable, mut back) = (0, 0);
    let mut late = Vec::new();
    for (w, output) in outputs.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "worker {w} failed: {stdout}\n{stderr}"
        );
        let done: usize = field(&stdout, "done=");
        assert_eq!(done, DEALS / WORKERS, "worker {w}: {stdout}");
        refused_calls += field::<u64>(&stdout, "refused=");
        unavailable += usize::from(stderr.contains("shared rate budget is unavailable"));
        back += usize::from(stderr.contains("shared rate budget answers again"));
        late.extend(
            stderr
                .lines()
                .filter(|line| line.contains("its shared slot frees a window after the answer"))
                .map(|line| field::<u64>(line, "late_ms=")),
        );
    }
    let counters = fake.counters();
    let mut arrivals: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == "batch_upsert")
        .map(|r| r.at)
        .collect();
    arrivals.sort();
    Run {
        seconds,
        calls: counters
            .by_operation
            .get("batch_upsert")
            .copied()
            .unwrap_or(0),
        throttled: counters.by_status.get(&429).copied().unwrap_or(0),
        deals: fake.deal_count(),
        most_in_a_window: most_in_a_window(&arrivals),
        unavailable,
        back,
        refused_calls,
        late: late.len(),
        latest_ms: late.iter().copied().max().unwrap_or(0),
    }
}

/// The number after `key` in a worker's report.
fn field<T: std::str::FromStr>(report: &str, key: &str) -> T {
    let at = report
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {report:?}"));
    let rest = &report[at + key.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok().unwrap()
}

async fn scenarios(server: PathBuf) {
    let mut redis = Redis::start(&server);

    let shared = run(Some(&mut redis), "fail", None).await;
    shared.print("shared in Redis");
    let alone = run(None, "fail", None).await;
    alone.print("without Redis  ");
    assert_eq!(
        shared.deals, DEALS,
        "every deal once (upserts by a unique key)"
    );
    shared.kept_the_budget("shared");
    assert_eq!(alone.deals, DEALS, "every deal once, every 429 retried");
    assert!(
        alone.throttled > 0,
        "four budgets of their own go over the one at HubSpot"
    );

    let outage = Some((Duration::from_secs(8), Duration::from_secs(8)));
    let local = run(Some(&mut redis), "local", outage).await;
    local.print("Redis killed, local(4)");
    assert_eq!(
        local.deals, DEALS,
        "every deal once (upserts by a unique key)"
    );
    assert_eq!(
        local.unavailable, WORKERS,
        "every worker noticed and went on"
    );
    assert_eq!(
        local.back, WORKERS,
        "every worker went back to the shared budget"
    );
    assert_eq!(local.refused_calls, 0, "local(4) refuses nothing");
    local.kept_the_budget("local(4)");

    let fail = run(Some(&mut redis), "fail", outage).await;
    fail.print("Redis killed, fail    ");
    assert_eq!(fail.deals, DEALS, "every deal once, after the outage");
    assert_eq!(fail.unavailable, WORKERS, "every worker noticed");
    assert_eq!(
        fail.back, WORKERS,
        "every worker went back to the shared budget"
    );
    assert!(
        fail.refused_calls > 0,
        "fail refuses calls while Redis is down"
    );
    fail.kept_the_budget("fail");
}

/// One worker: upserts its share of the deals, sending again the inputs whose calls the
/// shared budget refused (policy `fail`), and reports `done=N refused=M`.
fn worker() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_env_filter("hubspot_deals::rate_limit=debug")
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let first: usize = var("WORKER_FIRST").parse().unwrap();
    let count: usize = var("WORKER_COUNT").parse().unwrap();
    let policy = match var("WORKER_POLICY").as_str() {
        "local" => WhenUnavailable::local(WORKERS as u32),
        _ => WhenUnavailable::Fail,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let mut builder = Client::builder()
            .private_app_token(TOKEN)
            .base_url(var("WORKER_BASE_URL"))
            .rate_limit(RateLimit::per_ten_seconds(BUDGET));
        if let Ok(url) = std::env::var("WORKER_REDIS") {
            let shared = SharedBudget::redis(&url, NAME, policy).unwrap();
            builder = builder.shared_budget(shared);
        }
        let client = builder.build().unwrap();
        let mut pending: Vec<usize> = (first..first + count).collect();
        let (mut done, mut refused) = (0, 0u64);
        while !pending.is_empty() {
            let rows = pending.clone().into_iter().map(|i| DealUpsert {
                id: format!("K-{i:06}"),
                properties: [("dealname".to_string(), format!("Deal {i}"))].into(),
                ..Default::default()
            });
            let mut stream = client.deals().upsert_all("import_key", rows).stream();
            let mut again = Vec::new();
            let mut refused_chunks = std::collections::HashSet::new();
            while let Some(item) = stream.next().await {
                let i = pending[item.index];
                match item.outcome {
                    Outcome::Done(_) => done += 1,
                    Outcome::Failed(Failure::Call(error))
                        if matches!(*error, Error::SharedBudgetUnavailable { .. }) =>
                    {
                        refused_chunks.insert(item.index / 100);
                        again.push(i);
                    }
                    other => panic!("deal {i}: {other:?}"),
                }
            }
            refused += refused_chunks.len() as u64;
            if !again.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            pending = again;
        }
        println!("done={done} refused={refused}");
    });
}
