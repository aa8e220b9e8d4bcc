//! `fake-hubspot` as a process, as tools in other languages run it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";

fn fake_hubspot(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fake-hubspot"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Kills the process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the fake on a free port and returns it with the lines it printed on start.
fn start(args: &[&str]) -> (Running, Vec<String>) {
    let mut child = Running(fake_hubspot(args).spawn().expect("the binary runs"));
    let stdout = child.0.stdout.take().expect("piped");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 output");
        let done = line.contains("/__fake/stats");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

#[test]
fn prints_its_address_and_serves_until_killed() {
    let (_fake, lines) = start(&[
        "--port",
        "0",
        "--token",
        TOKEN,
        "--fault",
        "503,on=create,times=1",
    ]);
    let base = lines[0]
        .strip_prefix("fake HubSpot listening on ")
        .unwrap_or_else(|| panic!("{lines:?}"))
        .to_string();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("injects fault 503,on=create,times=1")),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| !l.contains(TOKEN)),
        "tokens are printed as labels"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let page = http
            .get(format!("{base}/crm/v3/objects/deals"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let stats: serde_json::Value = http
            .get(format!("{base}/__fake/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stats["counters"]["by_operation"]["get_page"], 1);
    });

    // A second fake on the same port says the port is busy and how to choose another.
    let port = base.rsplit(':').next().unwrap();
    let busy = fake_hubspot(&["--port", port]).output().unwrap();
    assert_eq!(busy.status.code(), Some(2));
    let message = String::from_utf8_lossy(&busy.stderr);
    assert!(
        message.contains(&format!("port {port} is busy")) && message.contains("--port 0"),
        "{message}"
    );
}

#[test]
fn bad_flags_are_usage_errors_and_help_lists_every_flag() {
    let bad = fake_hubspot(&["--rate-limit", "lots"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.contains("--rate-limit") && message.contains("or a number"),
        "{message}"
    );

    let help = fake_hubspot(&["--help"]).output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--port",
        "--token",
        "--scoped-token",
        "--client-id",
        "--refresh-token",
        "--auth-code",
        "--rate-limit",
        "--fault",
        "--seed",
        "--search-lag",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help:\n{text}");
    }
}
