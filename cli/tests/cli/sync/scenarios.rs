//! One-shot `sync` runs: a first load, then updates, archives, restores, a merge and
//! association-only changes applied by later runs; runs killed at random points, each
//! followed by a rerun; a property created between runs and deals the search index trails;
//! a first load of 25,000 deals, then 12,000 of them updated at one instant.

use super::super::{Scratch, base, exits, text};
use super::db::Db;
use super::{assert_mirrors, call, change_every_way, client, on_both, run_sync, seeded};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;

on_both!(loads_then_applies_every_kind_of_change, "changes");

async fn loads_then_applies_every_kind_of_change(scratch: Scratch, db: Db) {
    let fake = base().start().await.unwrap();
    let ids = seeded(&fake, 2_500).await;
    scratch.login(&fake);
    let first = run_sync(&scratch, &fake, &db, &[]);
    exits(&first, 0);
    let said = text(&first.stderr);
    assert!(said.contains("2500 deals added, 0 changed"), "{said}");
    assert!(
        said.contains("(first load)") && said.contains(" calls, "),
        "{said}"
    );
    let api = client(&fake);
    assert_mirrors(&db, &api, "after the first load").await;
    if let Db::Sqlite(path) = &db {
        #[cfg(unix)]
        for file in ["", "-wal", "-shm", ".lock"] {
            // SQLite removes its -wal and -shm files when the last connection closes.
            use std::os::unix::fs::PermissionsExt;
            let path = format!("{}{file}", path.display());
            let Ok(found) = std::fs::metadata(&path) else {
                assert_ne!(file, "", "the database is there");
                continue;
            };
            let mode = found.permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{path}: deal data for the user alone");
        }
    }
    let labels = db
        .query(&format!(
            "SELECT stage_label, pipeline_label FROM deals WHERE id = '{}'",
            ids[0]
        ))
        .await;
    assert_eq!(labels[0], ["Appointment Scheduled", "Sales Pipeline"]);

    // Between runs: updates, an archive, an archive then a restore, a merge, and
    // association-only changes.
    change_every_way(&scratch, &fake, &ids, 10).await;

    let second = run_sync(&scratch, &fake, &db, &["--reconcile"]);
    exits(&second, 0);
    let said = text(&second.stderr);
    assert!(!said.contains("first load"), "{said}");
    assert_mirrors(&db, &api, "after the second run").await;
    let archived = db
        .query(&format!(
            "SELECT archived, archived_at IS NOT NULL FROM deals WHERE id = '{}'",
            ids[15]
        ))
        .await;
    assert_eq!(archived[0], [1, 1], "archived, with its time");
    let restored = format!("SELECT archived FROM deals WHERE id = '{}'", ids[16]);
    assert_eq!(db.count(&restored).await, 0, "restored deals come back");
    let contact = format!(
        "SELECT count(*) FROM deal_associations WHERE deal_id = '{}' AND object_id = '7777'",
        ids[19]
    );
    assert_eq!(db.count(&contact).await, 1, "an association added alone");

    // Each deal's way through the stages: a changed deal entered closedwon after its
    // first stage, which it left then.
    let history = db
        .query(&format!(
            "SELECT stage_id, left_at IS NOT NULL FROM stage_history WHERE deal_id = '{}'
             ORDER BY entered_at",
            ids[10]
        ))
        .await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0], [json!("appointmentscheduled"), json!(1)]);
    assert_eq!(history[1], [json!("closedwon"), json!(0)]);
    assert_eq!(
        db.count("SELECT count(*) FROM stage_history").await,
        2_500 + 5 + 1,
        "one span a deal (the merged ones keep theirs), two for the five moved, one for the \
         deal the merge made"
    );

    // A run with nothing changed changes nothing.
    let before = db.mirrored().await;
    let third = run_sync(&scratch, &fake, &db, &[]);
    exits(&third, 0);
    // Said as it is: the deals of the overlap read again are not "changed", and the merge
    // is not counted again.
    let said = text(&third.stderr);
    assert!(said.contains("0 deals added, 0 changed, "), "{said}");
    assert!(said.contains("0 archived or deleted (0 merged)"), "{said}");
    assert_eq!(db.mirrored().await, before);
}

/// A small xorshift generator: random kill points, the seed printed for a rerun.
struct Random(u64);

impl Random {
    fn new() -> Self {
        let seed = std::env::var("SYNC_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.unwrap().as_nanos() as u64 | 1
            });
        eprintln!("kill points from SYNC_KILL_SEED={seed}");
        Self(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

on_both!(killed_at_random_points_then_run_again, "killed");

/// Twenty runs, each killed (SIGKILL) at a random point while the fake changes under it
/// (updates, an archive, a restore, a new deal, now and then a merge), each followed by a
/// run to the end: the database then equals the fake every time.
async fn killed_at_random_points_then_run_again(scratch: Scratch, db: Db) {
    use hubspot_deals_fake::{Fault, FaultKind};
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(10)));
    let fake = base().fault(slow).start().await.unwrap();
    let ids = seeded(&fake, 2_000).await;
    scratch.login(&fake);
    let api = client(&fake);
    let mut random = Random::new();
    let mut inside_first_load = false;
    // The deal archived in the last run, restored in this one.
    let mut archived: Vec<&String> = Vec::new();
    for run in 0..20 {
        let before = db.count("SELECT count(*) FROM deals").await;
        let mut child = scratch
            .command(&fake)
            .args(["sync", "--budget", "600", "--db", &db.arg()])
            .args(if run == 0 { None } else { Some("--reconcile") })
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Changes while it runs.
        let id = &ids[random.below(ids.len() as u64) as usize];
        let body = format!(r#"{{"properties": {{"dealname": "Run {run}"}}}}"#);
        call(
            &fake,
            "PATCH",
            &format!("/crm/objects/2026-09/deals/{id}"),
            body,
        )
        .await;
        let gone = &ids[random.below(ids.len() as u64) as usize];
        call(
            &fake,
            "DELETE",
            &format!("/crm/objects/2026-09/deals/{gone}"),
            String::new(),
        )
        .await;
        if let Some(back) = archived.pop() {
            fake.restore_deal(back);
        }
        archived.push(gone);
        let body = format!(r#"{{"properties": {{"dealname": "New in run {run}"}}}}"#);
        call(&fake, "POST", "/crm/objects/2026-09/deals", body).await;
        if run % 5 == 4 {
            let pair = random.below(ids.len() as u64 - 1) as usize;
            let merge = format!(
                r#"{{"primaryObjectId": "{}", "objectIdToMerge": "{}"}}"#,
                ids[pair],
                ids[pair + 1]
            );
            call(&fake, "POST", "/crm/objects/2026-09/deals/merge", merge).await;
        }
        // A random point: anywhere from before its first commit to near its end.
        tokio::time::sleep(Duration::from_millis(random.below(1_500))).await;
        let _ = child.kill();
        let _ = child.wait();
        if run == 0 {
            let held = db.count("SELECT count(*) FROM deals").await;
            inside_first_load = (before..2_000).contains(&held) && held > 0;
        }
        // The rerun, at full speed (only the killed runs need to be slow enough to kill).
        fake.clear_faults();
        let rerun = run_sync(&scratch, &fake, &db, &["--reconcile"]);
        exits(&rerun, 0);
        assert_mirrors(&db, &api, &format!("after kill {run} and a rerun")).await;
        fake.add_fault(Fault::new(FaultKind::Slow(Duration::from_millis(10))));
    }
    eprintln!("first kill inside the first load: {inside_first_load}");
    let position = db
        .query("SELECT value FROM sync_state WHERE key = 'position'")
        .await;
    assert!(
        position[0][0].as_str().unwrap().contains("\"loaded\":true"),
        "{position:?}"
    );
}

on_both!(
    a_property_created_between_runs_and_deals_search_trails,
    "later"
);

async fn a_property_created_between_runs_and_deals_search_trails(scratch: Scratch, db: Db) {
    use hubspot_deals::clock::ManualClock;
    use std::sync::Arc;
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
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);

    // A property the account did not have, and a deal search does not see yet.
    let created = r#"{"name": "erp_tier", "label": "ERP tier", "type": "string",
                      "fieldType": "text", "groupName": "dealinformation"}"#;
    assert_eq!(
        call(
            &fake,
            "POST",
            "/crm/properties/2026-09/deals",
            created.into()
        )
        .await,
        201
    );
    let body = r#"{"properties": {"dealname": "Late", "erp_tier": "gold"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/objects/2026-09/deals", body.into()).await,
        201
    );
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    let late = "SELECT count(*) FROM deals WHERE name = 'Late'";
    assert_eq!(db.count(late).await, 0, "not in search yet, as at HubSpot");
    // Indexed later, with a modification time before the last run: the overlap finds it.
    clock.advance(Duration::from_secs(31));
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    assert_eq!(db.count(late).await, 1);
    let tier = match &db {
        Db::Sqlite(_) => "json_extract(properties, '$.erp_tier')",
        Db::Postgres(_) => "properties->>'erp_tier'",
    };
    let tier = db
        .query(&format!("SELECT {tier} FROM deals WHERE name = 'Late'"))
        .await;
    assert_eq!(tier[0][0], "gold");
    assert_mirrors(&db, &client(&fake), "after the property and the late deal").await;
}

on_both!(
    a_large_first_load_then_many_deals_changed_at_one_instant,
    "instant"
);

/// 25,000 deals loaded; then 12,000 of them updated with one `hs_lastmodifieddate` (the
/// fake's clock stands still), past search's 10,000 cap for one query.
async fn a_large_first_load_then_many_deals_changed_at_one_instant(scratch: Scratch, db: Db) {
    use hubspot_deals::clock::ManualClock;
    use std::sync::Arc;
    let clock = ManualClock::new(chrono::Utc::now());
    let fake = base().clock(Arc::new(clock.clone())).start().await.unwrap();
    fake.seed_deals((0..25_000).map(|i| [("dealname".to_string(), format!("Same {i}"))]))
        .unwrap();
    scratch.login(&fake);
    let associations = ["--associations", "contacts"];
    let first = run_sync(&scratch, &fake, &db, &associations);
    exits(&first, 0);
    let said = text(&first.stderr);
    assert!(said.contains("25000 deals added"), "{said}");
    let api = client(&fake);
    assert_mirrors(&db, &api, "after loading 25,000 deals").await;
    let ids: Vec<String> = api
        .deals()
        .list()
        .stream()
        .map(|d| d.unwrap().id)
        .take(12_000)
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
    let second = run_sync(&scratch, &fake, &db, &associations);
    exits(&second, 0);
    let said = text(&second.stderr);
    // Every deal changed within the overlap (five minutes) before the last run is read again
    // (here all 25,000); only the 12,000 are said to have changed.
    assert!(
        said.contains("0 deals added, 12000 changed, 13000 read again unchanged"),
        "{said}"
    );
    let renamed = "SELECT count(*) FROM deals WHERE name = 'Month end ' || id";
    assert_eq!(db.count(renamed).await, 12_000);
    assert_mirrors(&db, &api, "after 12,000 changes at one instant").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_refuses_a_database_it_cannot_use() {
    let fake = base().start().await.unwrap();
    let scratch = Scratch::new("sync-refused");
    scratch.login(&fake);
    let other = scratch.run(&fake, &["sync", "--db", "mysql://localhost/deals"]);
    exits(&other, 2);
    let said = text(&other.stderr);
    assert!(
        said.contains("sqlite:PATH") && said.contains("postgres://"),
        "{said}"
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
    // A shared budget that is not a Redis URL.
    let shared = scratch.run(
        &fake,
        &[
            "--shared-budget",
            "http://localhost/",
            "sync",
            "--db",
            "sqlite:x.sqlite",
        ],
    );
    exits(&shared, 2);
    assert!(
        text(&shared.stderr).contains("--shared-budget"),
        "{}",
        text(&shared.stderr)
    );
    // A server that is not there: said, with the URL's password left out.
    let nowhere = "postgres://mirror:s3cret-pw@127.0.0.1:9/deals";
    let refused = scratch.run(&fake, &["sync", "--db", nowhere]);
    exits(&refused, 2);
    let said = text(&refused.stderr);
    assert!(said.contains("127.0.0.1:9/deals"), "{said}");
    assert!(!said.contains("s3cret-pw"), "{said}");
}
