//! `sync` into SQLite against the fake: a first load, then updates, archives, a merge and
//! association changes applied by later runs, the database compared row by row with the
//! fake's deals each time.

use super::{PAT, Scratch, base, exits, text};
use futures_util::StreamExt;
use hubspot_deals::{Client, RateLimit, associations};
use hubspot_deals_fake::FakeHubSpot;
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};

/// Live deals' (name, amount, stage), and (deal, object type, object id) associations.
type Mirror = (
    BTreeMap<String, (Option<String>, Option<f64>, Option<String>)>,
    BTreeSet<(String, String, String)>,
);

fn client(fake: &FakeHubSpot) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap()
}

/// What the fake holds, read through the API.
async fn truth(client: &Client) -> Mirror {
    let deals: Vec<_> = client
        .deals()
        .list()
        .properties(["dealname", "amount", "dealstage"])
        .stream()
        .map(|d| d.unwrap())
        .collect()
        .await;
    let ids: Vec<String> = deals.iter().map(|d| d.id.clone()).collect();
    let value = |d: &hubspot_deals::types::DealWithAssociations, name: &str| {
        d.properties
            .get(name)
            .cloned()
            .flatten()
            .filter(|v| !v.is_empty())
    };
    let rows = deals
        .iter()
        .map(|d| {
            let amount = value(d, "amount").and_then(|a| a.parse().ok());
            (
                d.id.clone(),
                (value(d, "dealname"), amount, value(d, "dealstage")),
            )
        })
        .collect();
    let mut pairs = BTreeSet::new();
    for object_type in ["contacts", "companies"] {
        let found = associations::read_many(client, object_type, ids.clone())
            .await
            .unwrap();
        for (deal, objects) in found {
            for object in objects {
                let to = object.to_object_id.as_str().to_string();
                pairs.insert((deal.clone(), object_type.to_string(), to));
            }
        }
    }
    (rows, pairs)
}

/// What the database holds as live.
fn mirrored(path: &std::path::Path) -> Mirror {
    let db = Connection::open(path).unwrap();
    let mut query = db
        .prepare("SELECT id, name, amount, stage_id FROM deals WHERE archived = 0")
        .unwrap();
    let rows = query
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut query = db
        .prepare(
            "SELECT a.deal_id, a.object_type, a.object_id FROM deal_associations a
             JOIN deals d ON d.id = a.deal_id WHERE d.archived = 0",
        )
        .unwrap();
    let pairs = query
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    (rows, pairs)
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_loads_every_deal_then_applies_changes_archives_and_merges() {
    let fake = base().start().await.unwrap();
    let ids = fake
        .seed_associated_deals((0..2_500).map(|i| {
            let properties = vec![
                ("dealname".to_string(), format!("Mirrored {i}")),
                ("amount".to_string(), format!("{}.5", i * 3)),
                ("dealstage".to_string(), "appointmentscheduled".to_string()),
            ];
            let associated = vec![
                ("contacts".to_string(), format!("{}", 500 + i % 40)),
                ("companies".to_string(), format!("{}", 900 + i % 7)),
            ];
            (properties, associated)
        }))
        .unwrap();
    let scratch = Scratch::new("sync");
    scratch.login(&fake);
    let db = scratch.file("deals.sqlite");
    let sync = [
        "sync",
        "--budget",
        "unlimited",
        "--db",
        "sqlite:deals.sqlite",
    ];
    let first = scratch.run(&fake, &sync);
    exits(&first, 0);
    assert!(
        text(&first.stderr).contains("2500 deals written"),
        "{}",
        text(&first.stderr)
    );
    assert!(text(&first.stderr).contains("(first load)"));
    let api = client(&fake);
    assert_eq!(mirrored(&db), truth(&api).await, "after the first load");
    #[cfg(unix)]
    for file in ["deals.sqlite", "deals.sqlite-wal", "deals.sqlite-shm"] {
        // SQLite removes its -wal and -shm files when the last connection closes.
        use std::os::unix::fs::PermissionsExt;
        let Ok(found) = std::fs::metadata(scratch.file(file)) else {
            assert_ne!(file, "deals.sqlite", "the database is there");
            continue;
        };
        let mode = found.permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: deal data for the user alone");
    }
    let labels: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT stage_label || ' / ' || pipeline_label FROM deals WHERE id = ?1",
            [&ids[0]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(labels, "Appointment Scheduled / Sales Pipeline");

    // Changes between runs: updates, an archive, a merge.
    let http = reqwest::Client::new();
    for id in &ids[10..15] {
        let response = http
            .patch(format!("{}/crm/v3/objects/deals/{id}", fake.base_url()))
            .header("Authorization", format!("Bearer {PAT}"))
            .header("Content-Type", "application/json")
            .body(r#"{"properties": {"dealname": "Changed", "dealstage": "closedwon"}}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    exits(&scratch.run(&fake, &["deals", "archive", &ids[20]]), 0);
    let merge = http
        .post(format!("{}/crm/v3/objects/deals/merge", fake.base_url()))
        .header("Authorization", format!("Bearer {PAT}"))
        .header("Content-Type", "application/json")
        .body(format!(
            r#"{{"primaryObjectId": "{}", "objectIdToMerge": "{}"}}"#,
            ids[30], ids[31]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(merge.status(), 200);
    let survivor: serde_json::Value = serde_json::from_str(&merge.text().await.unwrap()).unwrap();
    let survivor = survivor["id"].as_str().unwrap().to_string();

    let second = scratch.run(&fake, &[&sync[..], &["--reconcile"]].concat());
    exits(&second, 0);
    assert!(
        !text(&second.stderr).contains("first load"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(mirrored(&db), truth(&api).await, "after the second run");
    let db_conn = Connection::open(&db).unwrap();
    let (archived, archived_at): (i64, Option<String>) = db_conn
        .query_row(
            "SELECT archived, archived_at FROM deals WHERE id = ?1",
            [&ids[20]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((archived, archived_at.is_some()), (1, true));
    for merged in [&ids[30], &ids[31]] {
        let into: Option<String> = db_conn
            .query_row(
                "SELECT merged_into FROM deals WHERE id = ?1",
                [merged],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(into.as_deref(), Some(survivor.as_str()), "{merged}");
    }

    // Each deal's way through the stages: a changed deal entered closedwon after its
    // first stage, which it left then.
    let history: Vec<(String, Option<String>)> = db_conn
        .prepare(
            "SELECT stage_id, left_at FROM stage_history WHERE deal_id = ?1 ORDER BY entered_at",
        )
        .unwrap()
        .query_map([&ids[10]], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].0, "appointmentscheduled");
    assert!(history[0].1.is_some(), "left");
    assert_eq!(
        (history[1].0.as_str(), history[1].1.as_deref()),
        ("closedwon", None)
    );
    let spans: i64 = db_conn
        .query_row("SELECT count(*) FROM stage_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        spans,
        2_500 + 5 + 1,
        "one span a deal (the merged ones keep theirs), two for the five moved, one for the \
         deal the merge made"
    );

    // A run with nothing changed changes nothing.
    let before = mirrored(&db);
    exits(&scratch.run(&fake, &sync), 0);
    assert_eq!(mirrored(&db), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_refuses_a_database_it_cannot_use() {
    let fake = base().start().await.unwrap();
    let scratch = Scratch::new("sync-refused");
    scratch.login(&fake);
    let postgres = scratch.run(&fake, &["sync", "--db", "postgres://localhost/deals"]);
    exits(&postgres, 2);
    assert!(
        text(&postgres.stderr).contains("sqlite:PATH"),
        "{}",
        text(&postgres.stderr)
    );
    std::fs::write(scratch.file("not-a-db.sqlite"), "plain text, not SQLite").unwrap();
    let broken = scratch.run(&fake, &["sync", "--db", "sqlite:not-a-db.sqlite"]);
    exits(&broken, 2);
    assert!(
        text(&broken.stderr).contains("not-a-db.sqlite"),
        "{}",
        text(&broken.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(scratch.file("not-a-db.sqlite")).unwrap(),
        "plain text, not SQLite"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_at_any_point_then_run_again_equals_the_fake() {
    use hubspot_deals_fake::{Fault, FaultKind};
    use std::time::Duration;
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(15)));
    let fake = base().fault(slow).start().await.unwrap();
    fake.seed_associated_deals((0..3_000).map(|i| {
        let properties = vec![("dealname".to_string(), format!("Killed {i}"))];
        (
            properties,
            vec![("contacts".to_string(), format!("{}", 100 + i % 9))],
        )
    }))
    .unwrap();
    let scratch = Scratch::new("sync-killed");
    scratch.login(&fake);
    let db = scratch.file("deals.sqlite");
    // SIGKILL at several points of the first load (each run goes on from the last commit).
    // 60 calls a second: the first load takes over a second. Each run is killed as soon as
    // it has committed more than the last one (watched, not timed: a busy machine only
    // makes it slower).
    let held = || -> i64 {
        Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM deals", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let mut progress = Vec::new();
    for _ in 0..3 {
        let before = held();
        let mut child = scratch
            .command(&fake)
            .args(["sync", "--budget", "600", "--db", "sqlite:deals.sqlite"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while held() <= before
            && child.try_wait().unwrap().is_none()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        progress.push(held());
    }
    assert!(
        progress.iter().any(|held| (1..3_000).contains(held)),
        "at least one kill lands inside the first load: {progress:?}"
    );
    let last = scratch.run(
        &fake,
        &[
            "sync",
            "--budget",
            "unlimited",
            "--db",
            "sqlite:deals.sqlite",
        ],
    );
    exits(&last, 0);
    fake.clear_faults();
    assert_eq!(mirrored(&db), truth(&client(&fake)).await);
    let position: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT value FROM sync_state WHERE key = 'position'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(position.contains("\"loaded\":true"), "{position}");
}

/// Sends `body` to `path` of the fake with the private-app token; the answer's status.
async fn call(fake: &FakeHubSpot, method: &str, path: &str, body: String) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    reqwest::Client::new()
        .request(method, format!("{}{path}", fake.base_url()))
        .header("Authorization", format!("Bearer {PAT}"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_property_created_between_runs_and_deals_the_search_index_trails_are_picked_up() {
    use hubspot_deals::clock::ManualClock;
    use std::sync::Arc;
    use std::time::Duration;
    let clock = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(clock.clone()))
        .search_indexing_lag(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let ids = fake
        .seed_deals((0..20).map(|i| [("dealname".to_string(), format!("Indexed {i}"))]))
        .unwrap();
    assert_eq!(ids, 20);
    clock.advance(Duration::from_secs(60));
    let scratch = Scratch::new("sync-later");
    scratch.login(&fake);
    let db = scratch.file("deals.sqlite");
    let sync = [
        "sync",
        "--budget",
        "unlimited",
        "--db",
        "sqlite:deals.sqlite",
    ];
    exits(&scratch.run(&fake, &sync), 0);

    // A property the account did not have, and a deal search does not see yet.
    let created = r#"{"name": "erp_tier", "label": "ERP tier", "type": "string",
                      "fieldType": "text", "groupName": "dealinformation"}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/v3/properties/deals", created.into()).await,
        201
    );
    let body = r#"{"properties": {"dealname": "Late", "erp_tier": "gold"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/v3/objects/deals", body.into()).await,
        201
    );
    let missed = scratch.run(&fake, &sync);
    exits(&missed, 0);
    let count = |db: &std::path::Path| -> i64 {
        Connection::open(db)
            .unwrap()
            .query_row("SELECT count(*) FROM deals WHERE name = 'Late'", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(count(&db), 0, "not in search yet, as at HubSpot");
    // Indexed later, with a modification time before the last run: the overlap finds it.
    clock.advance(Duration::from_secs(31));
    exits(&scratch.run(&fake, &sync), 0);
    assert_eq!(count(&db), 1);
    let tier: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT json_extract(properties, '$.erp_tier') FROM deals WHERE name = 'Late'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tier, "gold");
    assert_eq!(mirrored(&db), truth(&client(&fake)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn twelve_thousand_deals_changed_at_one_instant_all_reach_the_database() {
    use hubspot_deals::clock::ManualClock;
    use std::sync::Arc;
    let clock = ManualClock::new(chrono::Utc::now());
    let fake = base().clock(Arc::new(clock.clone())).start().await.unwrap();
    fake.seed_deals((0..12_000).map(|i| [("dealname".to_string(), format!("Same {i}"))]))
        .unwrap();
    let scratch = Scratch::new("sync-same-time");
    scratch.login(&fake);
    let db = scratch.file("deals.sqlite");
    let sync = [
        "sync",
        "--budget",
        "unlimited",
        "--db",
        "sqlite:deals.sqlite",
        "--associations",
        "contacts",
    ];
    exits(&scratch.run(&fake, &sync), 0);
    // Every deal updated with the same hs_lastmodifieddate (the fake's clock stands still).
    let api = client(&fake);
    let ids: Vec<String> = api
        .deals()
        .list()
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    let updates: Vec<_> = ids
        .iter()
        .map(|id| hubspot_deals::types::BatchUpdateInput {
            id: id.clone(),
            properties: [("dealname".to_string(), format!("Month end {id}"))].into(),
            ..Default::default()
        })
        .collect();
    let done: Vec<_> = api.deals().update_all(updates).stream().collect().await;
    assert_eq!(done.len(), 12_000);
    let second = scratch.run(&fake, &sync);
    exits(&second, 0);
    assert!(
        text(&second.stderr).contains("12000 deals written"),
        "{}",
        text(&second.stderr)
    );
    let renamed: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM deals WHERE name = 'Month end ' || id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(renamed, 12_000);
}
