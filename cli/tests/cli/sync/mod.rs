//! `sync` against the fake, on SQLite and on PostgreSQL: each scenario ends with the
//! database compared with the fake's own state (every live deal's typed columns and every
//! property, associations, archived and merged ids).

mod db;
mod follow;
mod scenarios;
mod trust;

use super::{PAT, Scratch, exits};
use db::{Db, Deal, Mirror};
use futures_util::StreamExt;
use hubspot_deals::{Client, RateLimit, associations};
use hubspot_deals_fake::FakeHubSpot;
use std::collections::{BTreeMap, BTreeSet};

/// Runs the scenario `$scenario(scratch, db)` as two tests, `sqlite` and `postgres`, in a
/// module of its name (`$tag` names the PostgreSQL database and the scratch folder).
macro_rules! on_both {
    ($scenario:ident, $tag:literal) => {
        mod $scenario {
            use crate::Scratch;
            use crate::sync::db::Db;

            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                let scratch = Scratch::new(concat!("sync-", $tag, "-sqlite"));
                let db = Db::sqlite(&scratch);
                super::$scenario(scratch, db).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "no PostgreSQL: set HUBSPOT_DEALS_POSTGRES (`.ci/postgres start` prints one)"
            )]
            async fn postgres() {
                let db = Db::postgres($tag).await;
                super::$scenario(Scratch::new(concat!("sync-", $tag, "-postgres")), db).await;
            }
        }
    };
}
pub(crate) use on_both;

fn client(fake: &FakeHubSpot) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .private_app_token(PAT)
        .base_url(fake.base_url())
        .rate_limit(RateLimit::unlimited())
        .build()
        .unwrap()
}

/// `sync` into `db` at no rate limit, with `more` arguments.
fn sync_args(db: &Db, more: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["sync", "--budget", "unlimited", "--db"]
        .map(String::from)
        .to_vec();
    args.push(db.arg());
    args.extend(more.iter().map(|a| a.to_string()));
    args
}

/// Runs `sync` into `db` with `more` arguments; its output.
fn run_sync(scratch: &Scratch, fake: &FakeHubSpot, db: &Db, more: &[&str]) -> std::process::Output {
    let args = sync_args(db, more);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    scratch.run(fake, &args)
}

/// What the fake holds, read through the API: every live deal with every property the
/// account defines, and their contacts and companies.
async fn truth(client: &Client) -> Mirror {
    let mut names: Vec<String> = client
        .properties()
        .list_properties()
        .send()
        .await
        .unwrap()
        .into_inner()
        .results
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.push("hs_merged_object_ids".into());
    let deals: Vec<_> = client
        .deals()
        .list()
        .properties(names)
        .stream()
        .map(|d| d.unwrap())
        .collect()
        .await;
    let ids: Vec<String> = deals.iter().map(|d| d.id.clone()).collect();
    let rows = deals
        .into_iter()
        .map(|d| {
            let value = |name: &str| {
                d.properties
                    .get(name)
                    .cloned()
                    .flatten()
                    .filter(|v| !v.is_empty())
            };
            let deal = Deal {
                name: value("dealname"),
                amount: value("amount").and_then(|a| a.parse().ok()),
                stage: value("dealstage"),
                properties: db::with_values(d.properties.clone()),
            };
            (d.id, deal)
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
    Mirror {
        rows,
        associations: pairs,
    }
}

/// The deals merged away, each with the deal it went into, from the live and archived
/// deals' `hs_merged_object_ids` (a survivor may have been archived since).
async fn merged_away(client: &Client) -> BTreeMap<String, String> {
    let mut deals = Vec::new();
    for archived in [false, true] {
        let listing = client
            .deals()
            .list()
            .archived(archived)
            .properties(["hs_merged_object_ids"])
            .stream();
        deals.extend(listing.map(|d| d.unwrap()).collect::<Vec<_>>().await);
    }
    let mut merged = BTreeMap::new();
    for deal in deals {
        let value = deal
            .properties
            .get("hs_merged_object_ids")
            .cloned()
            .flatten();
        for id in value.iter().flat_map(|v| v.split(';')) {
            if !id.is_empty() && id != deal.id {
                merged.insert(id.to_string(), deal.id.clone());
            }
        }
    }
    merged
}

/// The database equals the fake: live deals and associations, and every deal it marks
/// archived is archived at the fake or merged into the deal it names.
async fn assert_mirrors(db: &Db, client: &Client, when: &str) {
    let held = db.mirrored().await;
    let mut truth = truth(client).await;
    if let Db::Postgres(_) = db {
        // PostgreSQL cannot hold U+0000: the mirror stores U+FFFD in its place (documented).
        let stored = |text: &mut String| *text = text.replace('\0', "\u{FFFD}");
        for deal in truth.rows.values_mut() {
            deal.name.iter_mut().for_each(stored);
            deal.properties = std::mem::take(&mut deal.properties)
                .into_iter()
                .map(|(name, mut value)| {
                    value.iter_mut().for_each(stored);
                    (name, value)
                })
                .collect();
        }
    }
    if held != truth {
        let missing: Vec<_> = truth
            .rows
            .keys()
            .filter(|k| !held.rows.contains_key(*k))
            .take(5)
            .collect();
        let extra: Vec<_> = held
            .rows
            .keys()
            .filter(|k| !truth.rows.contains_key(*k))
            .take(5)
            .collect();
        let differ: Vec<_> = truth
            .rows
            .iter()
            .filter(|(k, v)| held.rows.get(*k).is_some_and(|h| h != *v))
            .take(2)
            .map(|(k, v)| (k, v, &held.rows[k]))
            .collect();
        panic!(
            "{} {when}: the database differs from the fake: {} live deals held, {} at the fake; \
             missing {missing:?}, extra {extra:?}, differing {differ:#?}; associations held {}, \
             at the fake {}",
            db.kind(),
            held.rows.len(),
            truth.rows.len(),
            held.associations.len(),
            truth.associations.len()
        );
    }
    let archived_at_fake: BTreeSet<String> = client
        .deals()
        .list()
        .archived(true)
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    let merged = merged_away(client).await;
    for (id, kept) in db.erased().await {
        assert_eq!(
            kept,
            (Vec::new(), 0, 0),
            "{} {when}: erased deal {id} keeps data (values, associations, stages)",
            db.kind()
        );
        assert!(
            !archived_at_fake.contains(&id) && !truth.rows.contains_key(&id),
            "{} {when}: {id} is marked erased but the fake still has it",
            db.kind()
        );
    }
    for (id, into) in db.archived().await {
        match (merged.get(&id), &into) {
            (Some(survivor), Some(into)) => {
                assert_eq!(survivor, into, "{} {when}: {id} merged into", db.kind())
            }
            (None, None) => assert!(
                archived_at_fake.contains(&id),
                "{} {when}: {id} is marked archived but the fake has it live or never had it",
                db.kind()
            ),
            (Some(survivor), None) => {
                panic!(
                    "{} {when}: {id} was merged into {survivor}, not said",
                    db.kind()
                )
            }
            (None, Some(into)) => panic!(
                "{} {when}: {id} said merged into {into}, which does not name it",
                db.kind()
            ),
        }
    }
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

/// Deals seeded with a name, an amount, a stage, a contact and a company.
async fn seeded(fake: &FakeHubSpot, count: usize) -> Vec<String> {
    fake.seed_associated_deals((0..count).map(|i| {
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
    .unwrap()
}

/// Changes every way a mirror must follow, to [`seeded`] deals from `ids[at]` on:
/// `at..at + 5` renamed `Changed` and moved to `closedwon`; `at + 5` archived; `at + 6`
/// archived then restored; `at + 7` and `at + 8` merged; a contact (7777) associated with
/// `at + 9` and its company taken from `at + 10` (association-only changes, which leave a
/// deal's modification time as it was).
async fn change_every_way(scratch: &Scratch, fake: &FakeHubSpot, ids: &[String], at: usize) {
    for id in &ids[at..at + 5] {
        let body = r#"{"properties": {"dealname": "Changed", "dealstage": "closedwon"}}"#;
        let path = format!("/crm/objects/2026-09/deals/{id}");
        assert_eq!(call(fake, "PATCH", &path, body.into()).await, 200);
    }
    for id in &ids[at + 5..at + 7] {
        exits(&scratch.run(fake, &["deals", "archive", id]), 0);
    }
    assert!(fake.restore_deal(&ids[at + 6]));
    let merge = format!(
        r#"{{"primaryObjectId": "{}", "objectIdToMerge": "{}"}}"#,
        ids[at + 7],
        ids[at + 8]
    );
    let path = "/crm/objects/2026-09/deals/merge";
    assert_eq!(call(fake, "POST", path, merge).await, 200);
    let objects = "/crm/objects/2026-09/deals";
    let added = format!(
        "{objects}/{}/associations/default/contacts/7777",
        ids[at + 9]
    );
    assert_eq!(call(fake, "PUT", &added, String::new()).await, 200);
    let company = 900 + (at + 10) % 7;
    let removed = format!(
        "{objects}/{}/associations/companies/{company}",
        ids[at + 10]
    );
    assert_eq!(call(fake, "DELETE", &removed, String::new()).await, 204);
}
