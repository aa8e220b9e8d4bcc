//! `sync --watch`: following the webhooks journal through kills and an offset the journal
//! no longer holds; a standby that takes over when the writer dies.

use super::super::watch::{login_app, rename};
use super::super::{Scratch, base, exits, text};
use super::db::Db;
use super::{
    assert_mirrors, call, change_every_way, client, merged_away, on_both, run_sync, seeded, truth,
};
use hubspot_deals::Client;
use hubspot_deals::clock::ManualClock;
use hubspot_deals_fake::{FakeHubSpot, JournalOptions};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `sync --watch` running in the background, its standard error in a file; killed
/// (SIGKILL) when dropped.
struct Watcher {
    child: Child,
    log: std::path::PathBuf,
}

impl Watcher {
    fn start(scratch: &Scratch, fake: &FakeHubSpot, db: &Db, name: &str, more: &[&str]) -> Self {
        let log = scratch.file(&format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = scratch
            .command(fake)
            .args(super::sync_args(db, &["--watch"]))
            .args(more)
            .stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap();
        Self { child, log }
    }

    fn said(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (up to two minutes: watched, not timed) until it has said `words`.
    fn wait_for(&mut self, words: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.said().contains(words) {
            let ended = self.child.try_wait().unwrap();
            assert!(
                ended.is_none() && Instant::now() < deadline,
                "never said {words:?} ({ended:?}): {}",
                self.said()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.said()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (up to two minutes) until the database mirrors the fake, then asserts it.
async fn converges(db: &Db, api: &Client, watcher: &Watcher, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let archived = db.archived().await;
        let merged = merged_away(api).await;
        let merges_told = merged.iter().all(|(id, into)| {
            !archived.contains_key(id) || archived[id].as_deref() == Some(into.as_str())
        });
        if merges_told && db.mirrored().await == truth(api).await {
            break;
        }
        if Instant::now() > deadline {
            eprintln!("the watch said: {}", watcher.said());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_mirrors(db, api, when).await;
}

on_both!(
    follows_the_journal_through_kills_and_an_expired_offset,
    "journal"
);

async fn follows_the_journal_through_kills_and_an_expired_offset(scratch: Scratch, db: Db) {
    let clock = ManualClock::new(chrono::Utc::now());
    let fake = base()
        .clock(Arc::new(clock.clone()))
        .journal(JournalOptions::default())
        .start()
        .await
        .unwrap();
    let ids = seeded(&fake, 300).await;
    login_app(&scratch, &fake);
    let api = client(&fake);
    let mut watcher = Watcher::start(&scratch, &fake, &db, "first", &[]);
    watcher.wait_for("following the webhooks journal");
    converges(&db, &api, &watcher, "after the first load").await;

    // Every kind of change, told by the journal alone (no run reconciles here), and a
    // property created then set on a new deal.
    change_every_way(&scratch, &fake, &ids, 1).await;
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
    let body = r#"{"properties": {"dealname": "New", "erp_tier": "gold"}}"#;
    assert_eq!(
        call(&fake, "POST", "/crm/objects/2026-09/deals", body.into()).await,
        201
    );
    converges(&db, &api, &watcher, "after changes told by the journal").await;
    let said = watcher.kill();
    assert!(
        !said.contains("first load)\n") || said.contains("deals added"),
        "{said}"
    );

    // Killed, changes while stopped, started again: it goes on after the last entry applied.
    rename(&fake, &ids[20], "Renamed while stopped").await;
    let watcher = Watcher::start(&scratch, &fake, &db, "second", &[]);
    converges(&db, &api, &watcher, "after a restart").await;
    watcher.kill();

    // Stopped longer than the journal keeps entries: a run reads what changed (and the
    // reconcile what went), then the journal goes on from its head.
    rename(&fake, &ids[21], "Renamed in the gap").await;
    exits(&scratch.run(&fake, &["deals", "archive", &ids[22]]), 0);
    clock.advance(Duration::from_secs(4 * 24 * 3600));
    let mut watcher = Watcher::start(&scratch, &fake, &db, "third", &[]);
    watcher.wait_for("no longer holds offset");
    rename(&fake, &ids[23], "Renamed after the gap").await;
    converges(&db, &api, &watcher, "after an expired offset").await;
}

on_both!(a_standby_watch_takes_over_when_the_writer_dies, "takeover");

/// Two `sync --watch` on one database: one writes, the other stands by and takes over when
/// the first is killed, with nothing lost; a one-shot sync meanwhile is refused.
async fn a_standby_watch_takes_over_when_the_writer_dies(scratch: Scratch, db: Db) {
    let fake = base().start().await.unwrap();
    let ids = fake
        .seed_deals((0..200).map(|i| [("dealname".to_string(), format!("Shared {i}"))]))
        .unwrap();
    assert_eq!(ids, 200);
    scratch.login(&fake);
    let api = client(&fake);
    let polled = ["--interval", "1", "--reconcile"];
    let writer = Watcher::start(&scratch, &fake, &db, "writer", &polled);
    converges(&db, &api, &writer, "loaded by the first").await;
    let mut standby = Watcher::start(&scratch, &fake, &db, "standby", &polled);
    standby.wait_for("standing by to take over");
    let once = run_sync(&scratch, &fake, &db, &[]);
    exits(&once, 2);
    assert!(
        text(&once.stderr).contains("another sync is writing"),
        "{}",
        text(&once.stderr)
    );
    let some: Vec<String> = truth(&api).await.rows.keys().take(3).cloned().collect();
    rename(&fake, &some[0], "Seen by the writer").await;
    converges(&db, &api, &writer, "a change the writer applies").await;
    writer.kill();
    rename(&fake, &some[1], "Seen by the standby").await;
    exits(&scratch.run(&fake, &["deals", "archive", &some[2]]), 0);
    standby.wait_for("this one writes now");
    converges(&db, &api, &standby, "changes after the writer died").await;
}
