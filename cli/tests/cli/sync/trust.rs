//! The ways a busy account made `sync` end with a wrong database, each a scenario that ends
//! with the database compared with the fake: a value with U+0000, and a clock ahead of
//! HubSpot's.

use super::super::{Scratch, base, exits, text};
use super::db::Db;
use super::{assert_mirrors, call, client, on_both, run_sync};
use futures_util::StreamExt;
use hubspot_deals::clock::ManualClock;
use std::sync::Arc;
use std::time::Duration;

on_both!(a_nul_in_any_text_is_stored_and_the_mirror_goes_on, "nul");

/// HubSpot allows U+0000 in a value; PostgreSQL refused the whole batch for it, and every
/// later run failed on the same deal.
async fn a_nul_in_any_text_is_stored_and_the_mirror_goes_on(scratch: Scratch, db: Db) {
    let fake = base().start().await.unwrap();
    let deals = (0..30).map(|i| {
        let name = if i == 7 {
            "Nul\0in the name".to_string()
        } else {
            format!("Deal {i}")
        };
        [
            ("dealname".to_string(), name),
            ("description".to_string(), format!("line\0{i}")),
        ]
    });
    fake.seed_deals(deals).unwrap();
    scratch.login(&fake);
    let first = run_sync(&scratch, &fake, &db, &[]);
    exits(&first, 0);
    assert!(
        text(&first.stderr).contains("30 deals added"),
        "{}",
        text(&first.stderr)
    );
    let api = client(&fake);
    assert_mirrors(&db, &api, "after a first load with U+0000 in values").await;
    // Runs after it go on: a deal created later is written.
    let body = r#"{"properties": {"dealname": "After\u0000it"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/objects/2026-09/deals", body.into()).await,
        201
    );
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    assert_mirrors(&db, &api, "after the next run").await;
}

on_both!(a_clock_ahead_of_hubspots_loses_no_change, "ahead");

/// This machine's clock two hours ahead of HubSpot's: the first load's watermark came from
/// it, so every change made in those two hours was never read.
async fn a_clock_ahead_of_hubspots_loses_no_change(scratch: Scratch, db: Db) {
    let hubspot = ManualClock::new(chrono::Utc::now() - chrono::Duration::hours(2));
    let fake = base()
        .clock(Arc::new(hubspot.clone()))
        .start()
        .await
        .unwrap();
    fake.seed_deals((0..20).map(|i| [("dealname".to_string(), format!("Deal {i}"))]))
        .unwrap();
    hubspot.advance(Duration::from_secs(60));
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    let api = client(&fake);
    assert_mirrors(&db, &api, "after the first load").await;
    // Changes a minute later by HubSpot's clock (still two hours behind this machine's).
    hubspot.advance(Duration::from_secs(60));
    let body = r#"{"properties": {"dealname": "Changed later"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/objects/2026-09/deals", body.into()).await,
        201
    );
    let listed: Vec<_> = api.deals().list().stream().take(3).collect().await;
    for deal in listed.into_iter().map(Result::unwrap) {
        let path = format!("/crm/objects/2026-09/deals/{}", deal.id);
        let body = r#"{"properties": {"dealname": "Renamed later"}}"#;
        assert_eq!(call(&fake, "PATCH", &path, body.into()).await, 200);
    }
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    assert_mirrors(&db, &api, "after changes made behind this machine's clock").await;
}

/// Each held deal's (id, stage label, pipeline label) equals what the fake's pipelines say
/// for its stage and pipeline now.
async fn assert_labels(db: &Db, api: &hubspot_deals::Client, when: &str) {
    let stages = hubspot_deals::stages::Stages::load(api).await.unwrap();
    let held = db
        .query("SELECT id, pipeline_id, stage_id, stage_label, pipeline_label FROM deals")
        .await;
    assert!(!held.is_empty());
    for row in held {
        let text = |i: usize| row[i].as_str().map(String::from);
        let (pipeline, stage) = (text(1).unwrap(), text(2).unwrap());
        let known = stages.get_in(&pipeline, &stage).unwrap();
        assert_eq!(
            (text(3), text(4)),
            (
                Some(known.label.clone()),
                Some(known.pipeline_label.clone())
            ),
            "{} {when}: deal {:?}",
            db.kind(),
            text(0)
        );
    }
}

on_both!(renamed_stages_and_pipelines_relabel_every_deal, "renamed");

/// A stage and a pipeline renamed between runs, no deal changed: the deals in them kept
/// the old labels, after a reconcile too.
async fn renamed_stages_and_pipelines_relabel_every_deal(scratch: Scratch, db: Db) {
    let hubspot = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(hubspot.clone()))
        .start()
        .await
        .unwrap();
    let deals = (0..40).map(|i| {
        let stage = ["appointmentscheduled", "qualifiedtobuy"][i % 2];
        [
            ("dealname".to_string(), format!("Deal {i}")),
            ("pipeline".to_string(), "default".to_string()),
            ("dealstage".to_string(), stage.to_string()),
        ]
    });
    fake.seed_deals(deals).unwrap();
    // An hour later, one more deal: the watermark is its time, the 40 are well before the
    // overlap, and the next run reads none of them again.
    hubspot.advance(Duration::from_secs(3600));
    let body = r#"{"properties": {"dealname": "Later", "pipeline": "default",
                                   "dealstage": "closedwon"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/objects/2026-09/deals", body.into()).await,
        201
    );
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    let api = client(&fake);
    assert_labels(&db, &api, "after the first load").await;
    let stage = "/crm/pipelines/2026-09/deals/default/stages/appointmentscheduled";
    let body = r#"{"label": "First meeting"}"#;
    assert_eq!(call(&fake, "PATCH", stage, body.into()).await, 200);
    let body = r#"{"label": "New business"}"#;
    let pipeline = "/crm/pipelines/2026-09/deals/default";
    assert_eq!(call(&fake, "PATCH", pipeline, body.into()).await, 200);
    let second = run_sync(&scratch, &fake, &db, &[]);
    exits(&second, 0);
    let said = text(&second.stderr);
    assert!(
        said.contains("0 deals added, 0 changed, 1 read again unchanged"),
        "only Later read again: {said}"
    );
    assert_labels(&db, &api, "after a stage and a pipeline were renamed").await;
    let renamed = db
        .count("SELECT count(*) FROM deals WHERE stage_label = 'First meeting'")
        .await;
    assert_eq!(renamed, 20);
    let table = db
        .query("SELECT label FROM stages WHERE id = 'appointmentscheduled'")
        .await;
    assert_eq!(table, [[serde_json::json!("First meeting")]]);
    assert_mirrors(&db, &api, "after the renames").await;
}

on_both!(a_plain_run_applies_archives_and_restores, "archives");

/// Archives between two runs without `--reconcile`: a plain run left them live until the
/// daily reconcile.
async fn a_plain_run_applies_archives_and_restores(scratch: Scratch, db: Db) {
    let fake = base().start().await.unwrap();
    let ids = super::seeded(&fake, 30).await;
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    for id in &ids[3..6] {
        exits(&scratch.run(&fake, &["deals", "archive", id]), 0);
    }
    let second = run_sync(&scratch, &fake, &db, &[]);
    exits(&second, 0);
    let said = text(&second.stderr);
    assert!(said.contains("3 archived or deleted"), "{said}");
    let api = client(&fake);
    assert_mirrors(&db, &api, "after a plain run with archives").await;
    assert_eq!(db.archived().await.len(), 3);
    assert!(fake.restore_deal(&ids[4]));
    let third = run_sync(&scratch, &fake, &db, &[]);
    exits(&third, 0);
    assert!(
        text(&third.stderr).contains("0 archived or deleted"),
        "{}",
        text(&third.stderr)
    );
    assert_mirrors(&db, &api, "after a plain run with a restore").await;
    assert_eq!(db.archived().await.len(), 2);
}

on_both!(a_deal_deleted_for_good_keeps_no_data, "erased");

/// GDPR deletions: a live deal and one archived before; both kept every value, as if
/// archived.
async fn a_deal_deleted_for_good_keeps_no_data(scratch: Scratch, db: Db) {
    let fake = base().start().await.unwrap();
    let ids = super::seeded(&fake, 30).await;
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    exits(&scratch.run(&fake, &["deals", "archive", &ids[2]]), 0);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    assert_eq!(db.archived().await.len(), 1);
    for id in [&ids[1], &ids[2]] {
        let body = format!(r#"{{"objectId": "{id}"}}"#);
        let path = "/crm/objects/2026-09/deals/gdpr-delete";
        assert_eq!(call(&fake, "POST", path, body).await, 204);
    }
    let second = run_sync(&scratch, &fake, &db, &["--reconcile"]);
    exits(&second, 0);
    let said = text(&second.stderr);
    assert!(
        said.contains("1 archived or deleted") && said.contains("2 erased"),
        "{said}"
    );
    let erased = db.erased().await;
    assert_eq!(
        erased.keys().collect::<Vec<_>>(),
        [&ids[1], &ids[2]],
        "both erased, with the time"
    );
    let api = client(&fake);
    assert_mirrors(&db, &api, "after two GDPR deletions").await;
    // Said once: the next reconcile erases nothing more.
    let third = run_sync(&scratch, &fake, &db, &["--reconcile"]);
    assert!(
        text(&third.stderr).contains("0 erased"),
        "{}",
        text(&third.stderr)
    );
}

on_both!(
    a_database_from_before_migrations_is_migrated_and_synced,
    "before"
);

/// A database written by the last release without schema versions (fixtures: 38 deals of
/// `seeded(&fake, 40)`, two archived before the load) is brought to this schema and synced.
async fn a_database_from_before_migrations_is_migrated_and_synced(scratch: Scratch, db: Db) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    match &db {
        Db::Sqlite(path) => {
            std::fs::copy(fixtures.join("mirror-before-migrations.sqlite"), path).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let private = std::fs::Permissions::from_mode(0o600);
                std::fs::set_permissions(path, private).unwrap();
            }
        }
        Db::Postgres(url) => {
            let dump =
                std::fs::read_to_string(fixtures.join("mirror-before-migrations.postgres.sql"));
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.batch_execute(&dump.unwrap()).await.unwrap();
        }
    }
    assert_eq!(db.count("SELECT count(*) FROM deals").await, 38);
    let version = "SELECT count(*) FROM sync_state WHERE key = 'schema_version'";
    assert_eq!(db.count(version).await, 0, "the fixture predates versions");
    let fake = base().start().await.unwrap();
    let ids = super::seeded(&fake, 40).await;
    scratch.login(&fake);
    for id in &ids[..2] {
        exits(&scratch.run(&fake, &["deals", "archive", id]), 0);
    }
    // Since the fixture was made: one renamed, one archived, one deleted for good.
    let body = r#"{"properties": {"dealname": "Renamed since"}}"#;
    let path = format!("/crm/objects/2026-09/deals/{}", ids[10]);
    assert_eq!(call(&fake, "PATCH", &path, body.into()).await, 200);
    exits(&scratch.run(&fake, &["deals", "archive", &ids[11]]), 0);
    let body = format!(r#"{{"objectId": "{}"}}"#, ids[12]);
    let path = "/crm/objects/2026-09/deals/gdpr-delete";
    assert_eq!(call(&fake, "POST", path, body).await, 204);
    let run = run_sync(&scratch, &fake, &db, &["--reconcile"]);
    exits(&run, 0);
    assert!(
        !text(&run.stderr).contains("first load"),
        "{}",
        text(&run.stderr)
    );
    let latest = db
        .query("SELECT value FROM sync_state WHERE key = 'schema_version'")
        .await;
    assert_eq!(latest, [[serde_json::json!("3")]]);
    assert_mirrors(&db, &client(&fake), "after migrating and syncing").await;
    assert_eq!(db.erased().await.len(), 1);
}

on_both!(an_archived_propertys_values_leave_every_deal, "property");

/// A custom property archived between runs: its values stayed in `deals.properties` for good.
async fn an_archived_propertys_values_leave_every_deal(scratch: Scratch, db: Db) {
    let hubspot = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(hubspot.clone()))
        .start()
        .await
        .unwrap();
    let created = r#"{"name": "erp_tier", "label": "ERP tier", "type": "string",
                      "fieldType": "text", "groupName": "dealinformation"}"#;
    let properties = "/crm/properties/2026-09/deals";
    assert_eq!(call(&fake, "POST", properties, created.into()).await, 201);
    fake.seed_deals((0..10).map(|i| {
        [
            ("dealname".to_string(), format!("Tiered {i}")),
            ("erp_tier".to_string(), "gold".to_string()),
        ]
    }))
    .unwrap();
    // An hour later, one more deal: the ten are well before the next run's overlap, so it
    // reads none of them again.
    hubspot.advance(Duration::from_secs(3600));
    let body = r#"{"properties": {"dealname": "Later"}}"#;
    let deals = "/crm/objects/2026-09/deals";
    assert_eq!(call(&fake, "POST", deals, body.into()).await, 201);
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    let (gold, tier) = match &db {
        Db::Sqlite(_) => (
            "SELECT count(*) FROM deals WHERE json_extract(properties, '$.erp_tier') = 'gold'",
            "SELECT count(*) FROM deals WHERE json_type(properties, '$.erp_tier') IS NOT NULL",
        ),
        Db::Postgres(_) => (
            "SELECT count(*) FROM deals WHERE properties->>'erp_tier' = 'gold'",
            "SELECT count(*) FROM deals WHERE properties ? 'erp_tier'",
        ),
    };
    assert_eq!(db.count(gold).await, 10);
    let archive = format!("{properties}/erp_tier");
    assert_eq!(call(&fake, "DELETE", &archive, String::new()).await, 204);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    assert_eq!(
        db.count(tier).await,
        0,
        "the archived property is on no deal"
    );
    assert_mirrors(&db, &client(&fake), "after a property was archived").await;
}

on_both!(verify_finds_every_drift_and_repair_ends_it, "verify");

/// `verify` against a copy that drifted every way: a row lost from the database, a deal
/// created, one changed and one archived at HubSpot with no sync since.
async fn verify_finds_every_drift_and_repair_ends_it(scratch: Scratch, db: Db) {
    let fake = base().start().await.unwrap();
    let ids = super::seeded(&fake, 30).await;
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    let clean = scratch.run(&fake, &["verify", "--db", &db.arg()]);
    exits(&clean, 0);
    assert!(
        text(&clean.stdout)
            .contains("30 live deals at HubSpot, 30 held live: 0 missing, 0 extra, 0 stale"),
        "{}",
        text(&clean.stdout)
    );
    db.query(&format!("DELETE FROM deals WHERE id = '{}'", ids[0]))
        .await;
    let body = r#"{"properties": {"dealname": "Created since"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/objects/2026-09/deals", body.into()).await,
        201
    );
    let body = r#"{"properties": {"dealname": "Changed since"}}"#;
    let path = format!("/crm/objects/2026-09/deals/{}", ids[1]);
    assert_eq!(call(&fake, "PATCH", &path, body.into()).await, 200);
    exits(&scratch.run(&fake, &["deals", "archive", &ids[2]]), 0);

    let found = scratch.run(&fake, &["verify", "--db", &db.arg()]);
    exits(&found, 1);
    let said = text(&found.stdout);
    assert!(said.contains("2 missing, 1 extra, 1 stale"), "{said}");
    assert!(
        said.contains(&format!("extra: {}", ids[2]))
            && said.contains(&format!("stale: {}", ids[1])),
        "{said}"
    );
    assert!(
        text(&found.stderr).contains("verify --repair"),
        "{}",
        text(&found.stderr)
    );
    let repaired = scratch.run(&fake, &["verify", "--db", &db.arg(), "--repair"]);
    exits(&repaired, 0);
    assert!(
        text(&repaired.stdout).ends_with("0 missing, 0 extra, 0 stale\n"),
        "{}",
        text(&repaired.stdout)
    );
    assert_mirrors(&db, &client(&fake), "after verify --repair").await;
    exits(&scratch.run(&fake, &["verify", "--db", &db.arg()]), 0);
}

/// TLS to PostgreSQL: the test server (`.ci/postgres start`) has a certificate its own CA
/// signed, and a role, `tls_only`, that may connect over TLS only.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres_tests),
    ignore = "no PostgreSQL: set HUBSPOT_DEALS_POSTGRES (`.ci/postgres start` prints one)"
)]
async fn postgres_over_tls_checks_the_certificate() {
    let db = Db::postgres("tls").await;
    let Db::Postgres(url) = &db else {
        unreachable!()
    };
    let certificate = db.query("SHOW ssl_cert_file").await;
    let certificate = certificate[0][0].as_str().unwrap().to_string();
    let ca = std::path::Path::new(&certificate).with_file_name("ca.crt");
    assert!(
        ca.exists(),
        "{} has no ca.crt beside its certificate: `.ci/postgres start` makes a server with TLS",
        url
    );
    let mut as_tls_only = url::Url::parse(url).unwrap();
    as_tls_only.set_username("tls_only").unwrap();
    let fake = base().start().await.unwrap();
    fake.seed_deals((0..5).map(|i| [("dealname".to_string(), format!("Deal {i}"))]))
        .unwrap();
    let scratch = Scratch::new("sync-tls");
    scratch.login(&fake);
    let sync = |query: &str| {
        let db = format!("{as_tls_only}?{query}");
        scratch.run(&fake, &["sync", "--budget", "unlimited", "--db", &db])
    };
    let plain = sync("sslmode=disable");
    exits(&plain, 2);
    assert!(
        text(&plain.stderr).contains("no encryption"),
        "{}",
        text(&plain.stderr)
    );
    let unknown = sync("sslmode=require");
    exits(&unknown, 2);
    assert!(
        text(&unknown.stderr).contains("certificate"),
        "a certificate no known root signed is refused: {}",
        text(&unknown.stderr)
    );
    exits(
        &sync(&format!("sslmode=verify-full&sslrootcert={}", ca.display())),
        0,
    );
    assert_eq!(db.count("SELECT count(*) FROM deals").await, 5);
}

on_both!(deals_with_long_text_never_stop_the_mirror, "long");

/// 200 deals with three 60,000-character values (HubSpot allows 65,536): a page of them
/// passed the client's 16 MiB cap, and every run after failed on the same page.
async fn deals_with_long_text_never_stop_the_mirror(scratch: Scratch, db: Db) {
    let hubspot = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(hubspot.clone()))
        .start()
        .await
        .unwrap();
    fake.seed_deals((0..20).map(|i| [("dealname".to_string(), format!("Short {i}"))]))
        .unwrap();
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    hubspot.advance(Duration::from_secs(60));
    let long = |c: char| std::iter::repeat_n(c, 60_000).collect::<String>();
    fake.seed_deals((0..200).map(|i| {
        [
            ("dealname".to_string(), format!("{i} {}", long('n'))),
            ("description".to_string(), long('é')),
            ("dealtype".to_string(), long('t')),
        ]
    }))
    .unwrap();
    let run = run_sync(&scratch, &fake, &db, &[]);
    exits(&run, 0);
    assert!(
        text(&run.stderr).contains("200 deals added"),
        "{}",
        text(&run.stderr)
    );
    assert_mirrors(&db, &client(&fake), "after 200 deals with long values").await;
    let export = scratch.file("all.jsonl");
    let exported = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--properties",
            "all",
            "--output",
            export.to_str().unwrap(),
        ],
    );
    exits(&exported, 0);
    let lines = std::fs::read_to_string(&export).unwrap().lines().count();
    assert_eq!(lines, 220, "every deal exported");
}

on_both!(deals_edited_while_a_run_pages_never_hide_others, "busy");

/// 3,000 deals changed since the last run; while the run pages through them (its second
/// search held by the fake until the edits are made), 100 deals of its first page are edited
/// again. Paging by offset skipped exactly 100 other deals for good.
async fn deals_edited_while_a_run_pages_never_hide_others(scratch: Scratch, db: Db) {
    use hubspot_deals::types::BatchUpdateInput;
    use hubspot_deals_fake::{Fault, FaultKind};
    let hubspot = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(hubspot.clone()))
        .start()
        .await
        .unwrap();
    let ids = super::seeded(&fake, 3_000).await;
    scratch.login(&fake);
    exits(&run_sync(&scratch, &fake, &db, &[]), 0);
    hubspot.advance(Duration::from_secs(3600));
    let api = client(&fake);
    let rename = |ids: &[String], name: &'static str| {
        let updates: Vec<_> = ids
            .iter()
            .map(|id| BatchUpdateInput {
                id: id.clone(),
                properties: [("dealname".to_string(), format!("{name} {id}"))].into(),
                ..Default::default()
            })
            .collect();
        let (api, count) = (api.clone(), ids.len());
        async move {
            let done: Vec<_> = api.deals().update_all(updates).stream().collect().await;
            assert_eq!(done.len(), count);
        }
    };
    // 3,000 changes, 100 a millisecond.
    for chunk in ids.chunks(100) {
        rename(chunk, "Changed").await;
        hubspot.advance(Duration::from_millis(1));
    }
    let searches = || {
        let counted = fake.counters().by_operation.get("search").copied();
        counted.unwrap_or(0)
    };
    let before = searches();
    fake.add_fault(Fault::new(FaultKind::Held).on("search"));
    let args = super::sync_args(&db, &[]);
    let sync = scratch
        .command(&fake)
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first page answered, the second held: edit 100 deals of the first page again.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut first_released = false;
    loop {
        let searched = searches() - before;
        if searched == 1 && fake.held() == 1 {
            break;
        }
        if searched == 0 && fake.held() == 1 && !first_released {
            fake.release_held(1);
            first_released = true;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never asked for a second page"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    hubspot.advance(Duration::from_secs(1));
    let first_page: Vec<String> = ids[..200].iter().step_by(2).cloned().collect();
    rename(&first_page, "Edited again").await;
    fake.clear_faults();
    fake.release_held(1_000);
    let done = sync.wait_with_output().unwrap();
    exits(&done, 0);
    assert_mirrors(&db, &api, "after deals were edited while the run paged").await;
    let again = "SELECT count(*) FROM deals WHERE name LIKE 'Edited again %'";
    assert_eq!(db.count(again).await, 100);
}

/// The fake's history of `names` for every live deal, through the API, as the table's rows
/// (deal, property, value, changed_at in epoch milliseconds, source type).
async fn history_at_fake(
    api: &hubspot_deals::Client,
    names: &[&str],
) -> std::collections::BTreeSet<(String, String, String, i64, String)> {
    use hubspot_deals::types::{BatchRead, DealId};
    let ids: Vec<String> = api
        .deals()
        .list()
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    let mut rows = std::collections::BTreeSet::new();
    for chunk in ids.chunks(50) {
        let body = BatchRead {
            id_property: None,
            inputs: chunk.iter().map(|id| DealId { id: id.clone() }).collect(),
            properties: vec![],
            properties_with_history: names.iter().map(|n| n.to_string()).collect(),
        };
        let read = api
            .batch_read()
            .body(body)
            .send()
            .await
            .unwrap()
            .into_inner();
        for deal in read.results {
            for (property, values) in deal.properties_with_history {
                for v in values {
                    let at = v.timestamp.timestamp_millis();
                    rows.insert((
                        deal.id.clone(),
                        property.clone(),
                        v.value,
                        at,
                        v.source_type,
                    ));
                }
            }
        }
    }
    rows
}

/// The database's `deal_property_history`, in the shape [`history_at_fake`] gives.
async fn history_held(
    db: &Db,
) -> std::collections::BTreeSet<(String, String, String, i64, String)> {
    let at = match db {
        Db::Sqlite(_) => "changed_at",
        Db::Postgres(_) => {
            "to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        }
    };
    db.query(&format!(
        "SELECT deal_id, property, value, {at}, source_type FROM deal_property_history"
    ))
    .await
    .into_iter()
    .map(|r| {
        let text = |i: usize| r[i].as_str().unwrap().to_string();
        let at = chrono::DateTime::parse_from_rfc3339(&text(3)).unwrap();
        (text(0), text(1), text(2), at.timestamp_millis(), text(4))
    })
    .collect()
}

on_both!(property_history_is_kept_row_by_row, "history");

/// `--history amount,dealstage`: every value each held, backfilled by the first load and
/// kept by incremental runs, equal row by row to HubSpot's history; the docs' query for a
/// deal's amount and stage on a given date answers from it.
async fn property_history_is_kept_row_by_row(scratch: Scratch, db: Db) {
    let hubspot = ManualClock::new("2026-06-01T09:00:00Z".parse().unwrap());
    let fake = base()
        .clock(Arc::new(hubspot.clone()))
        .start()
        .await
        .unwrap();
    let ids = super::seeded(&fake, 60).await;
    let set = |id: &String, amount: &str, stage: &str| {
        let body = format!(r#"{{"properties": {{"amount": "{amount}", "dealstage": "{stage}"}}}}"#);
        let path = format!("/crm/objects/2026-09/deals/{id}");
        let fake = &fake;
        async move { assert_eq!(call(fake, "PATCH", &path, body).await, 200) }
    };
    for (day, (amount, stage)) in [("100", "qualifiedtobuy"), ("250", "contractsent")]
        .into_iter()
        .enumerate()
    {
        hubspot.advance(Duration::from_secs(86_400 * (day as u64 + 1)));
        for id in &ids[..10] {
            set(id, amount, stage).await;
        }
    }
    scratch.login(&fake);
    let names = ["amount", "dealstage"];
    let first = run_sync(&scratch, &fake, &db, &["--history", "amount,dealstage"]);
    exits(&first, 0);
    let api = client(&fake);
    let held = history_held(&db).await;
    assert_eq!(
        held,
        history_at_fake(&api, &names).await,
        "after the first load"
    );
    // 60 deals with 2 values each at seeding, then 10 deals with 2 more of each.
    assert_eq!(held.len(), 60 * 2 + 10 * 4);
    assert!(
        text(&first.stderr).contains("160 history rows"),
        "{}",
        text(&first.stderr)
    );

    hubspot.advance(Duration::from_secs(86_400 * 30));
    for id in &ids[5..15] {
        set(id, "900", "closedwon").await;
    }
    exits(
        &run_sync(&scratch, &fake, &db, &["--history", "amount,dealstage"]),
        0,
    );
    assert_eq!(
        history_held(&db).await,
        history_at_fake(&api, &names).await,
        "after a run"
    );
    assert_mirrors(&db, &api, "with history").await;

    // `all`: every property the account defines but those HubSpot calculates.
    exits(
        &run_sync(&scratch, &fake, &db, &["--history", "all", "--reconcile"]),
        0,
    );
    let named =
        "SELECT count(DISTINCT deal_id) FROM deal_property_history WHERE property = 'dealname'";
    assert!(db.count(named).await > 0, "dealname's history, read since");
    let calculated = "SELECT count(*) FROM deal_property_history WHERE property = 'hs_is_closed'";
    assert_eq!(
        db.count(calculated).await,
        0,
        "a calculated property is left out"
    );

    // The docs' query: a deal's amount and stage on a given date.
    let on_date = match db {
        Db::Sqlite(_) => "'2026-06-03T12:00:00+00:00'",
        Db::Postgres(_) => "'2026-06-03T12:00:00Z'::timestamptz",
    };
    let then = db
        .query(&format!(
            "SELECT h.property, h.value FROM deal_property_history h
             WHERE h.deal_id = '{}' AND h.changed_at = (
                 SELECT max(changed_at) FROM deal_property_history
                 WHERE deal_id = h.deal_id AND property = h.property
                   AND changed_at <= {on_date})
             ORDER BY h.property",
            ids[0]
        ))
        .await;
    assert_eq!(
        then,
        [
            [serde_json::json!("amount"), serde_json::json!("100")],
            [
                serde_json::json!("dealstage"),
                serde_json::json!("qualifiedtobuy")
            ]
        ],
        "on 3 June: the change of 2 June, not yet that of 4 June"
    );
}
