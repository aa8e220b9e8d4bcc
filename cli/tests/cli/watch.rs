//! `deals watch` against the fake: from the journal with app credentials (resumed from its
//! state file with nothing repeated, an expired offset bridged and said so), and by polling
//! without them.

use super::{CLIENT_ID, CLIENT_SECRET, PAT, Scratch, base, exits, text};
use hubspot_deals::clock::ManualClock;
use hubspot_deals_fake::{FakeHubSpot, JournalOptions};
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

const PORTAL: &str = "62515";

/// The JSON lines a run printed.
fn lines(output: &std::process::Output) -> Vec<Value> {
    text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn kinds(lines: &[Value]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap_or_default().to_string(),
                l["dealId"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Logs in with the private-app token and stores the app's client credentials beside it.
pub(super) fn login_app(scratch: &Scratch, fake: &FakeHubSpot) {
    scratch.login(fake);
    let mut child = scratch
        .command(fake)
        .args([
            "auth",
            "login",
            "--client-credentials",
            "--client-id",
            CLIENT_ID,
        ])
        .args(["--portal-id", PORTAL])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{CLIENT_SECRET}").unwrap();
    let output = child.wait_with_output().unwrap();
    exits(&output, 0);
    assert!(
        !text(&output.stderr).contains(CLIENT_SECRET),
        "{}",
        text(&output.stderr)
    );
}

fn archive(scratch: &Scratch, fake: &FakeHubSpot, id: &str) {
    exits(&scratch.run(fake, &["deals", "archive", id]), 0);
}

/// Renames a deal through the API.
pub(super) async fn rename(fake: &FakeHubSpot, id: &str, name: &str) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .patch(format!(
            "{}/crm/objects/2026-09/deals/{id}",
            fake.base_url()
        ))
        .header("Authorization", format!("Bearer {PAT}"))
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"properties": {{"dealname": "{name}"}}}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn watching_the_journal_resumes_from_its_state_and_bridges_an_expired_offset() {
    let clock = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(clock.clone()))
        .journal(JournalOptions::default())
        .start()
        .await
        .unwrap();
    let scratch = Scratch::new("watch-journal");
    login_app(&scratch, &fake);
    let watch = ["deals", "watch", "--once", "--state", "watch.json"];

    // The first run subscribes and starts from now: nothing yet.
    let first = scratch.run(&fake, &watch);
    exits(&first, 0);
    assert!(lines(&first).is_empty(), "{}", text(&first.stdout));

    let ids = fake
        .seed_associated_deals((0..3).map(|i| {
            (
                vec![("dealname".to_string(), format!("Watched {i}"))],
                vec![("contacts".to_string(), format!("90{i}"))],
            )
        }))
        .unwrap();
    archive(&scratch, &fake, &ids[0]);
    let second = scratch.run(&fake, &watch);
    exits(&second, 0);
    let seen = lines(&second);
    assert_eq!(
        kinds(&seen),
        [
            ("created".to_string(), ids[0].clone()),
            ("created".to_string(), ids[1].clone()),
            ("created".to_string(), ids[2].clone()),
            ("deleted".to_string(), ids[0].clone()),
        ],
        "{}",
        text(&second.stdout)
    );
    assert_eq!(seen[0]["properties"]["dealname"], "Watched 0");
    assert!(
        seen.iter()
            .all(|l| l["at"].is_string() && l["offset"].is_string())
    );

    // Again from the state file: nothing printed twice.
    let again = scratch.run(&fake, &watch);
    exits(&again, 0);
    assert!(lines(&again).is_empty(), "{}", text(&again.stdout));

    // Stopped longer than the journal keeps entries, with a change in that time and one
    // after: the gap is bridged through the CRM and said so, then the journal goes on.
    rename(&fake, &ids[1], "Renamed in the gap").await;
    clock.advance(Duration::from_secs(4 * 24 * 3600));
    rename(&fake, &ids[2], "Renamed after the gap").await;
    let bridged = scratch.run(&fake, &watch);
    exits(&bridged, 0);
    let seen = lines(&bridged);
    let gap = seen
        .iter()
        .find(|l| l["kind"] == "gap")
        .expect("a gap line");
    assert_eq!(gap["liveDeals"], 2);
    let resynced: Vec<&str> = seen
        .iter()
        .filter(|l| l["kind"] == "resynced")
        .map(|l| l["properties"]["dealname"].as_str().unwrap())
        .collect();
    assert!(
        resynced.contains(&"Renamed in the gap"),
        "{}",
        text(&bridged.stdout)
    );
    let replayed = seen
        .iter()
        .find(|l| l["kind"] == "property_changed")
        .expect("the journal after the gap");
    assert_eq!(replayed["dealId"], ids[2].as_str());
    assert_eq!(replayed["new"], "Renamed after the gap");
    assert_eq!(replayed["old"], "Watched 2");

    // A bad state file is refused, naming it, and left as it was.
    std::fs::write(scratch.file("broken.json"), "{not json").unwrap();
    let refused = scratch.run(
        &fake,
        &["deals", "watch", "--once", "--state", "broken.json"],
    );
    exits(&refused, 2);
    assert!(
        text(&refused.stderr).contains("broken.json"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(scratch.file("broken.json")).unwrap(),
        "{not json"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_app_credentials_watch_polls_the_changes_once_each() {
    let fake = base().start().await.unwrap();
    let scratch = Scratch::new("watch-poll");
    scratch.login(&fake);
    let ids = fake
        .seed_deals((0..3).map(|i| [("dealname".to_string(), format!("Polled {i}"))]))
        .unwrap();
    assert_eq!(ids, 3);
    let watch = [
        "deals",
        "watch",
        "--once",
        "--since",
        "2020-01-01",
        "--state",
        "poll.json",
    ];
    let first = scratch.run(&fake, &watch);
    exits(&first, 0);
    let seen = lines(&first);
    assert_eq!(seen.len(), 3, "{}", text(&first.stdout));
    assert!(seen.iter().all(|l| l["kind"] == "changed"));
    let id = seen[1]["dealId"].as_str().unwrap().to_string();

    // Within the overlap the same deals come back from search: not printed again.
    let again = scratch.run(&fake, &watch);
    exits(&again, 0);
    assert!(lines(&again).is_empty(), "{}", text(&again.stdout));

    tokio::time::sleep(Duration::from_millis(5)).await;
    rename(&fake, &id, "Polled again").await;
    let changed = scratch.run(&fake, &watch);
    exits(&changed, 0);
    let seen = lines(&changed);
    assert_eq!(seen.len(), 1, "{}", text(&changed.stdout));
    assert_eq!(seen[0]["dealId"], id.as_str());
    assert_eq!(seen[0]["properties"]["dealname"], "Polled again");
}
