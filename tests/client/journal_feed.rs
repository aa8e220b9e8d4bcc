//! The journal feed against the fake's journal, on an injected clock: resuming after a stored
//! offset, association-only changes, content URLs that expire, an offset past retention
//! bridged with nothing lost, more than 10,000 changes in one second, unknown events,
//! snapshots.

use crate::support::fake::{CLIENT_ID, CLIENT_SECRET, PAT, oauth_client, oauth_fake, pat_client};
use futures_util::StreamExt;
use hubspot_deals::auth::OAuth;
use hubspot_deals::clock::ManualClock;
use hubspot_deals::journal::{self, ChangeKind, DealChange, Feed, JournalEntry, Start, types};
use hubspot_deals::{Client, Error, RetryPolicy, types as deal_types};
use hubspot_deals_fake::{FakeHubSpot, Fault, FaultKind, JournalOptions};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub(crate) const PORTAL: i64 = 62515;
const TRACKED: [&str; 2] = ["dealname", "amount"];

pub(crate) struct Setup {
    pub fake: FakeHubSpot,
    pub clock: ManualClock,
    /// The app's client-credentials client (journal).
    pub app: Client,
    /// A private-app client (deals).
    pub crm: Client,
}

pub(crate) async fn setup(options: JournalOptions) -> Setup {
    let clock = ManualClock::default();
    let fake = oauth_fake(&clock).journal(options).start().await.unwrap();
    let scopes = [
        "developer.webhooks_journal.read",
        "developer.webhooks_journal.subscriptions.read",
        "developer.webhooks_journal.subscriptions.write",
        "developer.webhooks_journal.snapshots.read",
        "developer.webhooks_journal.snapshots.write",
    ];
    let app = OAuth::client_credentials(CLIENT_ID, CLIENT_SECRET, scopes);
    let app = oauth_client(&fake, &clock, app);
    let crm = pat_client(&fake, &clock, RetryPolicy::default());
    journal::subscribe_deals(&app, PORTAL, &[]).await.unwrap();
    Setup {
        fake,
        clock,
        app,
        crm,
    }
}

pub(crate) async fn create(crm: &Client, name: &str, amount: &str) -> String {
    let body = deal_types::NewDeal {
        properties: [
            ("dealname".to_string(), name.to_string()),
            ("amount".to_string(), amount.to_string()),
        ]
        .into(),
        ..Default::default()
    };
    crm.create()
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner()
        .id
}

pub(crate) async fn update(crm: &Client, id: &str, name: &str, value: &str) {
    let body = deal_types::DealUpdate {
        properties: [(name.to_string(), value.to_string())].into(),
    };
    crm.update().deal_id(id).body(body).send().await.unwrap();
}

async fn associate(crm: &Client, id: &str, contact: &str) {
    crm.associations()
        .create_default_association()
        .from_object_id(id)
        .to_object_type("contacts")
        .to_object_id(contact)
        .send()
        .await
        .unwrap();
}

async fn disassociate(crm: &Client, id: &str, contact: &str) {
    crm.associations()
        .remove_associations()
        .object_id(id)
        .to_object_type("contacts")
        .to_object_id(contact)
        .send()
        .await
        .unwrap();
}

/// Every entry the feed has now.
pub(crate) async fn drain(feed: &mut Feed) -> Result<Vec<JournalEntry>, Error> {
    let mut all = Vec::new();
    loop {
        let entries = feed.poll().await?;
        if entries.is_empty() {
            return Ok(all);
        }
        all.extend(entries);
    }
}

fn changes(entries: &[JournalEntry]) -> Vec<DealChange> {
    entries.iter().flat_map(|e| e.changes.clone()).collect()
}

/// Live deals' tracked values, and their contacts.
type State = (
    BTreeMap<u64, BTreeMap<String, String>>,
    BTreeSet<(u64, String)>,
);

/// A consumer's copy of deals: tracked values, live ids, associations with contacts.
#[derive(Debug, Default, Clone, PartialEq)]
struct Mirror {
    deals: BTreeMap<u64, BTreeMap<String, String>>,
    archived: BTreeSet<u64>,
    contacts: BTreeSet<(u64, String)>,
    last_applied: Option<chrono::DateTime<chrono::Utc>>,
}

fn tracked(properties: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    properties
        .into_iter()
        .filter(|(name, value)| TRACKED.contains(&name.as_str()) && !value.is_empty())
        .collect()
}

impl Mirror {
    fn apply(&mut self, change: &DealChange) {
        let Some(id) = change.deal_id else { return };
        match &change.kind {
            ChangeKind::Created { properties } => {
                self.deals.insert(id, tracked(properties.clone()));
                self.archived.remove(&id);
            }
            ChangeKind::PropertyChanged { name, new, .. } => {
                let deal = self.deals.entry(id).or_default();
                match new.as_deref().filter(|_| TRACKED.contains(&name.as_str())) {
                    Some(value) if !value.is_empty() => {
                        deal.insert(name.clone(), value.to_string());
                    }
                    _ => {
                        deal.remove(name);
                    }
                }
            }
            ChangeKind::Deleted => {
                self.archived.insert(id);
            }
            ChangeKind::Restored => {
                self.archived.remove(&id);
            }
            ChangeKind::Merged { merged, properties } => {
                self.deals.insert(id, tracked(properties.clone()));
                for gone in merged {
                    self.deals.remove(gone);
                    self.archived.remove(gone);
                    self.contacts.retain(|(deal, _)| deal != gone);
                }
            }
            ChangeKind::AssociationAdded(a) if a.object_type_id == "0-1" => {
                self.contacts.insert((id, a.object_id.clone()));
            }
            ChangeKind::AssociationRemoved(a) if a.object_type_id == "0-1" => {
                self.contacts.remove(&(id, a.object_id.clone()));
            }
            _ => {}
        }
        self.last_applied = change.occurred_at.or(self.last_applied);
    }

    fn apply_all(&mut self, entries: &[JournalEntry], skip_covered: bool) {
        for change in changes(entries) {
            if !(skip_covered && change.covered) {
                self.apply(&change);
            }
        }
    }

    fn apply_bridge(&mut self, bridge: &journal::Bridge) {
        for deal in &bridge.changed {
            let values = deal
                .properties
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.clone()?)));
            let id = deal.id.parse().unwrap();
            self.deals.insert(id, tracked(values));
            self.archived.remove(&id);
        }
        let live: BTreeSet<u64> = bridge.live_ids.iter().map(|i| i.parse().unwrap()).collect();
        self.deals.retain(|id, _| live.contains(id));
        self.archived.retain(|id| live.contains(id));
        for id in &live {
            // Live now: restored if it was archived.
            self.archived.remove(id);
        }
        self.contacts = bridge.associations["contacts"]
            .iter()
            .flat_map(|(deal, found)| {
                found
                    .iter()
                    .map(move |a| (deal.parse().unwrap(), a.to_object_id.as_str().to_string()))
            })
            .collect();
    }

    /// The live deals as the consumer sees them.
    fn live(&self) -> State {
        let deals = self
            .deals
            .iter()
            .filter(|(id, _)| !self.archived.contains(id))
            .map(|(id, values)| (*id, values.clone()))
            .collect();
        let contacts = self
            .contacts
            .iter()
            .filter(|(id, _)| !self.archived.contains(id) && self.deals.contains_key(id))
            .cloned()
            .collect();
        (deals, contacts)
    }
}

/// The fake's live deals and their contacts, read through the API.
async fn truth(crm: &Client) -> State {
    let deals: Vec<_> = crm
        .deals()
        .list()
        .properties(TRACKED)
        .stream()
        .map(|d| d.unwrap())
        .collect()
        .await;
    let ids: Vec<String> = deals.iter().map(|d| d.id.clone()).collect();
    let values = deals
        .into_iter()
        .map(|d| {
            let id = d.id.parse().unwrap();
            let values = d.properties.into_iter().filter_map(|(k, v)| Some((k, v?)));
            (id, tracked(values))
        })
        .collect();
    let contacts = hubspot_deals::associations::read_many(crm, "contacts", ids)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|(deal, found)| {
            found
                .into_iter()
                .map(move |a| (deal.parse().unwrap(), a.to_object_id.as_str().to_string()))
        })
        .collect();
    (values, contacts)
}

#[tokio::test]
async fn a_feed_resumed_after_a_stored_offset_gives_each_later_entry_once_in_order() {
    let s = setup(JournalOptions::default()).await;
    let first = create(&s.crm, "First", "10").await;
    update(&s.crm, &first, "amount", "12").await;
    let mut feed = Feed::new(&s.app, Start::Earliest).local(PORTAL as i32);
    let entries = drain(&mut feed).await.unwrap();
    let seen = changes(&entries);
    assert!(
        matches!(&seen[0].kind, ChangeKind::Created { properties } if properties["dealname"] == "First")
    );
    assert_eq!(
        seen[1].kind,
        ChangeKind::PropertyChanged {
            name: "amount".into(),
            old: Some("10".into()),
            new: Some("12".into())
        }
    );
    assert!(seen.iter().all(|c| c.deal_id == first.parse().ok()));
    let stored = entries.last().unwrap().offset.clone();
    assert_eq!(feed.position(), &Start::After(stored.clone()));

    // Nothing new: nothing given again.
    assert!(feed.poll().await.unwrap().is_empty());

    let second = create(&s.crm, "Second", "20").await;
    s.crm.archive().deal_id(&first).send().await.unwrap();
    assert!(s.fake.restore_deal(&first));
    // A new feed from the stored offset: exactly the later changes, in the journal's order
    // though the first download (of several at once) is the last to finish.
    s.fake.add_fault(
        Fault::new(FaultKind::Slow(Duration::from_millis(300)))
            .on("journal_content")
            .times(1),
    );
    let mut resumed = Feed::new(&s.app, Start::After(stored));
    let later = changes(&drain(&mut resumed).await.unwrap());
    let kinds: Vec<(Option<u64>, &str)> = later
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ChangeKind::Created { .. } => "created",
                ChangeKind::Deleted => "deleted",
                ChangeKind::Restored => "restored",
                _ => "other",
            };
            (c.deal_id, kind)
        })
        .collect();
    let (first, second) = (first.parse().ok(), second.parse().ok());
    assert_eq!(
        kinds,
        [(second, "created"), (first, "deleted"), (first, "restored")]
    );
    // A feed from the latest entry sees only what comes after it.
    let mut latest = Feed::new(&s.app, Start::Latest);
    assert!(latest.poll().await.unwrap().is_empty());
    update(&s.crm, &second.unwrap().to_string(), "dealname", "Later").await;
    assert_eq!(changes(&latest.poll().await.unwrap()).len(), 1);
}

#[tokio::test]
async fn association_only_changes_come_with_the_object_and_type() {
    let s = setup(JournalOptions::default()).await;
    let deal = create(&s.crm, "Associated", "1").await;
    let mut feed = Feed::new(&s.app, Start::Latest);
    assert!(feed.poll().await.unwrap().is_empty());
    associate(&s.crm, &deal, "901").await;
    disassociate(&s.crm, &deal, "901").await;
    let seen = changes(&drain(&mut feed).await.unwrap());
    assert_eq!(seen.len(), 2, "{seen:?}");
    let ChangeKind::AssociationAdded(added) = &seen[0].kind else {
        panic!("{seen:?}")
    };
    assert_eq!(
        (
            added.object_type_id.as_str(),
            added.object_id.as_str(),
            added.type_id
        ),
        ("0-1", "901", 3)
    );
    assert_eq!(added.category, "HUBSPOT_DEFINED");
    assert!(matches!(&seen[1].kind, ChangeKind::AssociationRemoved(a) if a.object_id == "901"));
    assert_eq!(seen[1].deal_id, deal.parse().ok());
}

#[tokio::test]
async fn a_content_url_that_expired_is_asked_for_again() {
    let s = setup(JournalOptions::default().url_lifetime(Duration::from_secs(60))).await;
    let deal = create(&s.crm, "Expiring", "5").await;
    // Listed, then fetched too late: the storage refuses it.
    let listed = s
        .app
        .journal()
        .journal_batch_earliest()
        .count(std::num::NonZeroU32::MIN)
        .send()
        .await
        .unwrap()
        .into_inner();
    s.clock.advance(Duration::from_secs(61));
    let refused = crate::support::plain_http()
        .get(&listed.results[0].url)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    // The feed meets the same between its listing and its download (the fault stands in
    // for the clock moving between them), asks for the entry again and goes on.
    s.fake.add_fault(
        Fault::new(FaultKind::Status(403))
            .on("journal_content")
            .times(1),
    );
    let mut feed = Feed::new(&s.app, Start::Earliest);
    let seen = changes(&drain(&mut feed).await.unwrap());
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].deal_id, deal.parse().ok());
    let calls = feed.calls();
    assert_eq!(calls.downloads, 2, "one refused, one fresh: {calls:?}");
    let counters = s.fake.counters();
    assert_eq!(counters.by_operation.get("journal_batch_read"), Some(&1));

    // A URL that never works is an error naming the entry, not a silent skip.
    s.fake
        .add_fault(Fault::new(FaultKind::Status(403)).on("journal_content"));
    update(&s.crm, &deal, "amount", "6").await;
    let error = drain(&mut feed).await.unwrap_err();
    assert!(matches!(error, Error::JournalContent { .. }), "{error}");
    assert!(!error.to_string().contains("expires="), "no URL in {error}");
}

#[tokio::test]
async fn an_expired_offset_is_bridged_with_no_change_lost() {
    let s = setup(JournalOptions::default()).await;
    // The consumer loads every deal, then follows the journal.
    let mut ids = Vec::new();
    for i in 0..8 {
        let id = create(&s.crm, &format!("Deal {i}"), &format!("{i}00")).await;
        associate(&s.crm, &id, &format!("70{i}")).await;
        ids.push(id);
    }
    let mut feed = Feed::new(&s.app, Start::Earliest);
    let mut mirror = Mirror::default();
    mirror.apply_all(&drain(&mut feed).await.unwrap(), false);
    assert_eq!(mirror.live(), truth(&s.crm).await, "in step before the gap");
    let Start::After(stored) = feed.position().clone() else {
        panic!()
    };

    // Stopped: deals deleted, merged, updated, archived and restored, re-associated…
    s.clock.advance(Duration::from_secs(60));
    update(&s.crm, &ids[0], "amount", "999").await;
    s.crm.archive().deal_id(&ids[1]).send().await.unwrap();
    // GDPR deletion (not in every deals document the client may be generated from).
    let gdpr = crate::support::plain_http()
        .post(format!(
            "{}/crm/v3/objects/deals/gdpr-delete",
            s.fake.base_url()
        ))
        .bearer_auth(PAT)
        .json(&json!({ "objectId": ids[2] }))
        .send()
        .await
        .unwrap();
    assert_eq!(gdpr.status(), 204);
    s.crm
        .merge()
        .body(deal_types::MergeRequest {
            primary_object_id: ids[3].clone(),
            object_id_to_merge: ids[4].clone(),
        })
        .send()
        .await
        .unwrap();
    disassociate(&s.crm, &ids[5], "705").await;
    associate(&s.crm, &ids[5], "805").await;
    s.crm.archive().deal_id(&ids[6]).send().await.unwrap();
    assert!(s.fake.restore_deal(&ids[6]));
    let fresh = create(&s.crm, "Made in the gap", "42").await;
    // …for longer than the journal keeps entries, then more changes the journal holds.
    s.clock.advance(Duration::from_secs(4 * 24 * 3600));
    update(&s.crm, &ids[7], "dealname", "After the gap").await;
    associate(&s.crm, &fresh, "900").await;
    s.crm.archive().deal_id(&ids[0]).send().await.unwrap();

    // The stored offset is gone: said so, not skipped.
    let mut resumed = Feed::new(&s.app, Start::After(stored.clone()));
    let error = resumed.poll().await.unwrap_err();
    assert!(
        matches!(&error, Error::JournalOffsetExpired { offset } if *offset == stored),
        "{error:?}"
    );
    assert!(error.to_string().contains("bridge_gap"), "{error}");

    // Bridged: the CRM read since the last change applied, then the journal from its
    // earliest entry. A consumer skipping covered changes and one applying them all agree
    // with the fake.
    let since = mirror.last_applied.unwrap();
    // The changes after the gap are older than the bridge's overlap when it reads: covered.
    s.clock.advance(Duration::from_secs(600));
    let bridge = journal::bridge_gap(&s.crm, since, &TRACKED, &["contacts"])
        .await
        .unwrap();
    // Changes while the consumer applies the bridge: not covered, the replay brings them.
    update(&s.crm, &ids[5], "amount", "555").await;
    associate(&s.crm, &fresh, "901").await;
    let merged = bridge.merged();
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert!(merged[0].1.contains(&ids[3]) && merged[0].1.contains(&ids[4]));
    mirror.apply_bridge(&bridge);
    let replay = drain(&mut bridge.feed(&s.app)).await.unwrap();
    assert!(!replay.is_empty());
    let covered = changes(&replay).iter().filter(|c| c.covered).count();
    assert!(
        covered > 0 && covered < changes(&replay).len(),
        "{covered} covered"
    );
    let (mut skipping, mut applying) = (mirror.clone(), mirror);
    skipping.apply_all(&replay, true);
    applying.apply_all(&replay, false);
    let truth = truth(&s.crm).await;
    assert_eq!(skipping.live(), truth);
    assert_eq!(applying.live(), truth);
    assert!(truth.0.contains_key(&fresh.parse().unwrap()));
    assert!(!truth.0.contains_key(&ids[0].parse().unwrap()));
}

#[tokio::test]
async fn more_than_ten_thousand_deals_changed_in_one_second_all_come() {
    let s = setup(JournalOptions::default()).await;
    let count = 10_050;
    let ids = s
        .fake
        .seed_deals((0..count).map(|i| [("dealname".to_string(), format!("D{i}"))]))
        .unwrap();
    assert_eq!(ids, count);
    let mut feed = Feed::new(&s.app, Start::Latest);
    assert!(feed.poll().await.unwrap().is_empty());
    // Every deal updated at one instant of the clock.
    let listed: Vec<String> = s
        .crm
        .deals()
        .list()
        .stream()
        .map(|d| d.unwrap().id)
        .collect()
        .await;
    let updates: Vec<deal_types::BatchUpdateInput> = listed
        .iter()
        .map(|id| deal_types::BatchUpdateInput {
            id: id.clone(),
            properties: [("amount".to_string(), "1".to_string())].into(),
            ..Default::default()
        })
        .collect();
    let done: Vec<_> = s.crm.deals().update_all(updates).stream().collect().await;
    assert_eq!(done.len(), count);
    let seen = changes(&drain(&mut feed).await.unwrap());
    let updated: BTreeSet<u64> = seen
        .iter()
        .filter(|c| matches!(&c.kind, ChangeKind::PropertyChanged { name, .. } if name == "amount"))
        .filter_map(|c| c.deal_id)
        .collect();
    assert_eq!(updated.len(), count, "every deal, once");
    assert_eq!(seen.len(), count, "nothing twice");
    let at: BTreeSet<_> = seen.iter().map(|c| c.occurred_at).collect();
    assert_eq!(at.len(), 1, "all in one instant");
}

#[tokio::test]
async fn events_of_unknown_types_are_kept_whole_in_order() {
    let s = setup(JournalOptions::default()).await;
    let deal = create(&s.crm, "Known", "1").await;
    let unknown = json!({"type": "OBJECT", "action": "SPLIT", "objectTypeId": "0-3",
                         "objectId": 5, "occurredAt": 0});
    s.fake.append_journal_events(vec![unknown.clone()]);
    update(&s.crm, &deal, "amount", "2").await;
    let seen = changes(
        &drain(&mut Feed::new(&s.app, Start::Earliest))
            .await
            .unwrap(),
    );
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[1].kind,
        ChangeKind::Other {
            action: "SPLIT".into(),
            event: unknown
        }
    );
    assert!(matches!(seen[2].kind, ChangeKind::PropertyChanged { .. }));
}

#[tokio::test]
async fn a_snapshot_puts_a_deals_values_in_the_journal() {
    let s = setup(JournalOptions::default()).await;
    let deal = create(&s.crm, "Snapshotted", "77").await;
    let mut feed = Feed::new(&s.app, Start::Latest);
    assert!(feed.poll().await.unwrap().is_empty());
    let request = types::CrmObjectSnapshotRequest {
        object_id: deal.parse().unwrap(),
        object_type_id: journal::DEALS.into(),
        portal_id: PORTAL,
        properties: vec!["amount".into()],
    };
    let made = s
        .app
        .journal()
        .create_crm_snapshots()
        .body(types::CrmObjectSnapshotBatchRequest {
            snapshot_requests: vec![request],
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let status = s
        .app
        .journal()
        .journal_status()
        .status_id(made.snapshot_responses[0].snapshot_status_id.to_string())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.status.to_string(), "SUCCESS");
    let seen = changes(&feed.poll().await.unwrap());
    assert_eq!(
        seen[0].kind,
        ChangeKind::Snapshot {
            properties: [("amount".to_string(), "77".to_string())].into()
        }
    );
}

#[tokio::test]
async fn each_subscription_asking_for_a_change_gets_its_event() {
    let s = setup(JournalOptions::default()).await;
    let deal = create(&s.crm, "Twice watched", "1").await;
    // Beside the deals feed's DELETE: a subscription to GDPR deletions.
    let gdpr = types::GdprPrivacyDeletionSubscriptionUpsertRequest {
        actions: vec![types::GdprPrivacyDeletionSubscriptionUpsertRequestActionsItem::GdprDelete],
        object_type_id: journal::DEALS.into(),
        portal_id: PORTAL,
        subscription_type:
            types::GdprPrivacyDeletionSubscriptionUpsertRequestSubscriptionType::GdprPrivacyDeletion,
    };
    s.app
        .journal()
        .upsert_journal_subscription()
        .body(types::SubscriptionUpsertRequest::GdprPrivacyDeletionSubscriptionUpsertRequest(gdpr))
        .send()
        .await
        .unwrap();
    let mut feed = Feed::new(&s.app, Start::Latest);
    assert!(feed.poll().await.unwrap().is_empty());
    let gdpr = crate::support::plain_http()
        .post(format!(
            "{}/crm/v3/objects/deals/gdpr-delete",
            s.fake.base_url()
        ))
        .bearer_auth(PAT)
        .json(&json!({ "objectId": deal }))
        .send()
        .await
        .unwrap();
    assert_eq!(gdpr.status(), 204);
    let seen = changes(&drain(&mut feed).await.unwrap());
    assert_eq!(seen.len(), 2, "one event per subscription: {seen:?}");
    assert!(
        seen.iter()
            .all(|c| c.kind == ChangeKind::Deleted && c.deal_id == deal.parse().ok())
    );
}

/// A journal on loopback (so the client's API is loopback) whose one entry's content is at
/// `url`; the app's client for it.
async fn hostile_journal(url: &str) -> (crate::support::recorder::Recorder, Client) {
    use crate::support::recorder::{Recorder, json as canned};
    let entry = canned(
        200,
        json!({"completedAt": "2026-01-01T00:00:00Z", "startedAt": "2026-01-01T00:00:00Z", "status": "COMPLETE",
               "results": [{"currentOffset": "7f0c1a52-0000-4000-8000-000000000001",
                            "expiresAt": "2030-01-01T00:00:00Z", "url": url}]}),
    );
    let journal = Recorder::start(vec![entry]).await;
    let clock = ManualClock::default();
    let app = crate::support::fake::pat_builder(&journal.base_url, &clock)
        .build()
        .unwrap();
    (journal, app)
}

#[tokio::test]
async fn a_hostile_journals_content_url_is_never_fetched() {
    let (journal, app) = hostile_journal("http://10.255.255.1/latest/meta-data").await;
    let error = match Feed::new(&app, Start::Earliest).next().await {
        Ok(entry) => panic!("fetched: {} changes", entry.changes.len()),
        Err(error) => error,
    };
    let Error::JournalContent { reason, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(
        reason.contains("not fetched") && reason.contains("10.255.255.1"),
        "{reason}"
    );
    assert!(
        !error.to_string().contains("meta-data"),
        "the URL is not repeated: {error}"
    );
    assert_eq!(
        journal.requests().len(),
        1,
        "only the journal read: nothing else was asked"
    );
}

#[tokio::test]
async fn an_entry_with_more_events_than_hubspot_sends_is_refused_not_held() {
    use crate::support::recorder::{Recorder, json as canned};
    let event = json!({"type": "OBJECT", "action": "DELETE", "objectTypeId": "0-3",
                       "objectId": 5, "occurredAt": 0});
    let content = Recorder::start(vec![canned(
        200,
        json!({"journalEvents": vec![event; journal::MAX_EVENTS + 1]}),
    )])
    .await;
    let (_journal, app) = hostile_journal(&format!("{}/content/1", content.base_url)).await;
    let error = match Feed::new(&app, Start::Earliest).next().await {
        Ok(entry) => panic!("held {} changes", entry.changes.len()),
        Err(error) => error,
    };
    let Error::JournalContent { reason, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(reason.contains("more than 1000 events"), "{reason}");
    assert_eq!(
        content.requests().len(),
        1,
        "one download, not asked again with a fresh URL"
    );
}
