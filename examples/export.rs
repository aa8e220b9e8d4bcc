//! Exporting every deal through `client.deals().list().stream()`, beside a bare reqwest +
//! serde loop making the same requests, printed as figures:
//!
//! ```sh
//! cargo run --release --example export            # 100,000 deals, then 1,000,000
//! cargo run --release --example export -- 20000   # a quicker run
//! ```
//!
//! A local page server (its own thread) makes pages of 100 deals on the fly from the cursor,
//! so its memory does not grow with the number of deals, and answers each after
//! `LATENCY`. The caller "works" on each page for `WORK` (an await, as a write to a database
//! would be). Each run is a child process of its own, so its peak memory (`VmHWM`) is its
//! own; CPU is the client thread's alone (`/proc/thread-self/stat`; the server runs on
//! another thread). Figures: CPU (stream / loop), wall (stream / loop: the page fetched ahead
//! hides the latency behind the work), and peak memory for N and 10 N deals.

use futures_util::StreamExt;
use hubspot_deals::types::DealPage;
use hubspot_deals::{Client, RateLimit};
use std::convert::Infallible;
use std::error::Error;
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-export-0000-0000-000000000000";
/// The server's answer time per page.
const LATENCY: Duration = Duration::from_millis(2);
/// The caller's work per page.
const WORK: Duration = Duration::from_millis(2);
const PAGE: usize = 100;

/// CPU time of this thread in clock ticks (user + system).
fn thread_cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// This process's peak resident memory, in KiB.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One page of the `total` deals, from `offset`, as HubSpot's JSON.
fn page(offset: usize, total: usize, base: &str) -> String {
    let end = (offset + PAGE).min(total);
    let mut out = String::with_capacity(64 + PAGE * 520);
    out.push_str("{\"results\":[");
    for i in offset..end {
        if i > offset {
            out.push(',');
        }
        let id = 1001 + i;
        let day = 1 + i % 28;
        out.push_str(&format!(
            "{{\"id\":\"{id}\",\"properties\":{{\"amount\":\"{amount}\",\"closedate\":\"2026-03-{day:02}T12:00:00Z\",\"createdate\":\"2026-01-{day:02}T09:30:00.000Z\",\"dealname\":\"Deal number {i}\",\"dealstage\":\"qualifiedtobuy\",\"hs_lastmodifieddate\":\"2026-02-{day:02}T10:15:00.000Z\",\"hs_object_id\":\"{id}\",\"pipeline\":\"default\"}},\"createdAt\":\"2026-01-{day:02}T09:30:00.000Z\",\"updatedAt\":\"2026-02-{day:02}T10:15:00.000Z\",\"archived\":false}}",
            amount = 1000 + i % 9000,
        ));
    }
    out.push(']');
    if end < total {
        out.push_str(&format!(
            ",\"paging\":{{\"next\":{{\"after\":\"{end}\",\"link\":\"{base}/crm/v3/objects/deals?after={end}\"}}}}"
        ));
    }
    out.push('}');
    out
}

/// Starts the page server for `total` deals on a thread of its own; its base URL.
fn start_server(total: usize) -> Result<String, Box<dyn Error>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let base = format!("http://{}", listener.local_addr().expect("address"));
            sender.send(base.clone()).expect("main thread waits");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let base = base.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |request: hyper::Request<hyper::body::Incoming>| {
                            let base = base.clone();
                            async move {
                                let offset = request
                                    .uri()
                                    .query()
                                    .and_then(|q| {
                                        form_urlencoded::parse(q.as_bytes())
                                            .find(|(k, _)| k == "after")
                                            .and_then(|(_, v)| v.parse().ok())
                                    })
                                    .unwrap_or(0);
                                tokio::time::sleep(LATENCY).await;
                                let body = page(offset, total, &base);
                                Ok::<_, Infallible>(
                                    hyper::Response::builder()
                                        .header("content-type", "application/json;charset=utf-8")
                                        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                                        .expect("a response"),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    Ok(receiver.recv()?)
}

/// One measured run in this process: deals seen, CPU ms, wall ms, peak KiB.
fn run(mode: &str, total: usize) -> Result<(), Box<dyn Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = start_server(total)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (seen, ticks, wall) = runtime.block_on(async {
        let start = (
            thread_cpu_ticks().ok_or("no /proc/thread-self/stat")?,
            Instant::now(),
        );
        let mut seen = 0usize;
        let mut checksum = 0usize;
        if mode == "stream" {
            let client = Client::builder()
                .private_app_token(TOKEN)
                .base_url(&base)
                .rate_limit(RateLimit::per_ten_seconds(1_000_000))
                .build()?;
            let mut deals = client.deals().list().page_size(PAGE as u32).stream();
            while let Some(deal) = deals.next().await {
                let deal = deal?;
                checksum += deal
                    .properties
                    .get("dealname")
                    .map_or(0, |n| n.as_ref().map_or(0, String::len));
                seen += 1;
                if seen.is_multiple_of(PAGE) {
                    tokio::time::sleep(WORK).await;
                }
            }
        } else {
            let http = reqwest::Client::new();
            let url = format!("{base}/crm/v3/objects/deals");
            let mut after: Option<String> = None;
            loop {
                let mut request = http
                    .get(&url)
                    .query(&[("limit", PAGE.to_string())])
                    .bearer_auth(TOKEN);
                if let Some(after) = &after {
                    request = request.query(&[("after", after)]);
                }
                let bytes = request.send().await?.error_for_status()?.bytes().await?;
                let page: DealPage = serde_json::from_slice(&bytes)?;
                for deal in &page.results {
                    checksum += deal
                        .properties
                        .get("dealname")
                        .map_or(0, |n| n.as_ref().map_or(0, String::len));
                    seen += 1;
                }
                if page.results.len() == PAGE {
                    tokio::time::sleep(WORK).await;
                }
                match page.paging.and_then(|p| p.next) {
                    Some(next) => after = Some(next.after),
                    None => break,
                }
            }
        }
        std::hint::black_box(checksum);
        let ticks = thread_cpu_ticks().unwrap_or(start.0) - start.0;
        Ok::<_, Box<dyn Error>>((seen, ticks, start.1.elapsed()))
    })?;
    if seen != total {
        return Err(format!("{mode}: saw {seen} deals of {total}").into());
    }
    println!(
        "RESULT {mode} {total} {} {} {}",
        ticks * 10,
        wall.as_millis(),
        peak_kib().unwrap_or(0)
    );
    Ok(())
}

/// Runs one measurement in a child process; (CPU ms, wall ms, peak KiB).
fn child(mode: &str, total: usize) -> Result<(u64, u64, u64), Box<dyn Error>> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["--child", mode, &total.to_string()])
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .ok_or_else(|| {
            format!(
                "{mode} {total} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let figures: Vec<u64> = line
        .split_whitespace()
        .skip(3)
        .filter_map(|f| f.parse().ok())
        .collect();
    match figures[..] {
        [cpu, wall, peak] => Ok((cpu, wall, peak)),
        _ => Err(format!("unreadable: {line}").into()),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return run(&args[2], args[3].parse()?);
    }
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    println!(
        "export of {n} deals, pages of {PAGE}, {LATENCY:?} server latency and {WORK:?} caller work per page"
    );
    // Alternate, three runs each, and keep the median, to spread noise.
    let (mut loops, mut streams) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        loops.push(child("loop", n)?);
        streams.push(child("stream", n)?);
    }
    let median = |runs: &mut Vec<(u64, u64, u64)>, pick: fn(&(u64, u64, u64)) -> u64| {
        let mut values: Vec<u64> = runs.iter().map(pick).collect();
        values.sort_unstable();
        values[values.len() / 2]
    };
    let (loop_cpu, loop_wall, loop_peak) = (
        median(&mut loops, |r| r.0),
        median(&mut loops, |r| r.1),
        median(&mut loops, |r| r.2),
    );
    let (stream_cpu, stream_wall, stream_peak) = (
        median(&mut streams, |r| r.0),
        median(&mut streams, |r| r.1),
        median(&mut streams, |r| r.2),
    );
    println!(
        "bare reqwest + serde loop: {loop_cpu:>6} ms CPU {loop_wall:>6} ms wall {loop_peak:>7} KiB peak"
    );
    println!(
        "client.deals().list():     {stream_cpu:>6} ms CPU {stream_wall:>6} ms wall {stream_peak:>7} KiB peak"
    );
    println!(
        "CPU stream/loop: {:.3} (target <= 1.10); wall stream/loop: {:.3} (target <= 1.00)",
        stream_cpu as f64 / loop_cpu.max(1) as f64,
        stream_wall as f64 / loop_wall.max(1) as f64
    );
    let big = n * 10;
    let (_, big_wall, big_peak) = child("stream", big)?;
    println!("client.deals().list() over {big} deals: {big_wall} ms wall, {big_peak} KiB peak");
    println!(
        "peak memory {big} / {n}: {:.3} (target within 10 %)",
        big_peak as f64 / stream_peak.max(1) as f64
    );
    Ok(())
}
