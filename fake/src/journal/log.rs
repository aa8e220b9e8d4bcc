//! The webhooks journal's entries (`/webhooks-journal/journal[-local]/2026-03/…`): every change
//! the fake makes to a deal, through any route, that one of the app's journal subscriptions
//! asks for, appended in order as entries of at most [`EVENTS_PER_ENTRY`] events, each entry
//! named by a UUID offset. A read answers where an entry's content is (`url`, valid until
//! `expiresAt`: [`JournalOptions::url_lifetime`]) and its `currentOffset`; the content is served
//! at that URL without credentials, as a presigned download is. Entries older than the
//! retention (three days, as HubSpot keeps them; [`JournalOptions::retention`]) are gone, on
//! the fake's clock: reading after one of them answers 404. CRM snapshots append a `SNAPSHOT`
//! event with the properties asked for.
//!
//! **The content's shape is an assumption.** HubSpot's OpenAPI document does not describe
//! the file at `url`; the fake writes `{"offset", "publishedAt", "journalEvents": [...]}` with
//! object events (`type: "OBJECT"`, `action`, `objectTypeId`, `objectId`, `occurredAt` in
//! epoch milliseconds, `propertyChanges: [{propertyName, oldValue, newValue}]`, for merges
//! `primaryObjectId`, `mergedObjectIds`, `newObjectId`) and association events
//! (`type: "ASSOCIATION"`, `fromObjectTypeId`, `fromObjectId`, `toObjectTypeId`,
//! `toObjectId`, `associationTypeId`, `associationCategory`, `isPrimary`), as a secondary
//! description of HubSpot's journal gives them. The client reads it leniently.

use crate::errors::Answer;
use crate::errors::ApiError;
use crate::store::Store;
use crate::store::changes::Change;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use uuid::Uuid;

/// The most events one entry carries.
pub const EVENTS_PER_ENTRY: usize = 100;

/// The most entries one batch read names or answers.
pub const BATCH_ENTRIES: usize = 100;

/// How long the fake keeps journal entries and how long a content URL is valid.
#[derive(Debug, Clone, Copy)]
pub struct JournalOptions {
    retention: Duration,
    url_lifetime: Duration,
}

impl Default for JournalOptions {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(3 * 24 * 3600),
            url_lifetime: Duration::from_secs(600),
        }
    }
}

impl JournalOptions {
    /// How long entries are kept (default three days, as HubSpot's), on the fake's clock.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How long an entry's content URL is valid (default ten minutes), on the fake's clock.
    pub fn url_lifetime(mut self, lifetime: Duration) -> Self {
        self.url_lifetime = lifetime;
        self
    }
}

/// One journal entry.
#[derive(Debug)]
struct Entry {
    offset: Uuid,
    published_at: DateTime<Utc>,
    events: Vec<Value>,
}

/// A snapshot request's outcome.
#[derive(Debug)]
struct Snapshot {
    initiated_at: DateTime<Utc>,
    failure: Option<String>,
}

/// The journal: entries in order, the offsets' positions, snapshots.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    options: JournalOptions,
    entries: VecDeque<Entry>,
    /// The position of the first entry kept (positions only grow).
    first: u64,
    /// Offset -> position.
    positions: HashMap<Uuid, u64>,
    snapshots: HashMap<Uuid, Snapshot>,
}

/// Refuses a batch of more than [`BATCH_ENTRIES`] `what`.
fn at_most_a_batch(given: usize, what: &str) -> Result<(), ApiError> {
    if given > BATCH_ENTRIES {
        return Err(ApiError::validation(format!(
            "At most {BATCH_ENTRIES} {what} a call; {given} given"
        )));
    }
    Ok(())
}

/// A fresh offset from the fake's draws.
fn offset(rng: &mut fastrand::Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

/// A time as the journal gives it: epoch milliseconds.
fn epoch_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

impl Journal {
    pub fn new(options: JournalOptions) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    /// Drops entries past the retention.
    fn expire(&mut self, now: DateTime<Utc>) {
        let retention =
            chrono::Duration::from_std(self.options.retention).unwrap_or(chrono::Duration::MAX);
        while let Some(entry) = self.entries.front() {
            let kept_until = entry
                .published_at
                .checked_add_signed(retention)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            if kept_until > now {
                break;
            }
            self.positions.remove(&entry.offset);
            self.entries.pop_front();
            self.first += 1;
        }
    }

    /// Appends `events` as entries of at most [`EVENTS_PER_ENTRY`].
    fn append(&mut self, events: Vec<Value>, now: DateTime<Utc>, rng: &mut fastrand::Rng) {
        for chunk in events.chunks(EVENTS_PER_ENTRY) {
            let entry = Entry {
                offset: offset(rng),
                published_at: now,
                events: chunk.to_vec(),
            };
            let position = self.first + self.entries.len() as u64;
            self.positions.insert(entry.offset, position);
            self.entries.push_back(entry);
        }
    }

    /// Records the changes one request made, as `events_for` renders those the app's
    /// subscriptions ask for.
    pub fn record(&mut self, events: Vec<Value>, now: DateTime<Utc>, rng: &mut fastrand::Rng) {
        self.expire(now);
        if !events.is_empty() {
            self.append(events, now, rng);
        }
    }

    /// The entry at `offset`'s index in `entries`, if it is kept.
    fn index_of(&self, offset: &str) -> Option<usize> {
        let offset = Uuid::parse_str(offset).ok()?;
        let position = *self.positions.get(&offset)?;
        Some((position - self.first) as usize)
    }

    /// What a read answers for one entry.
    fn fetch(&self, entry: &Entry, base_url: &str, now: DateTime<Utc>) -> Value {
        let lifetime =
            chrono::Duration::from_std(self.options.url_lifetime).unwrap_or(chrono::Duration::MAX);
        let expires = now.checked_add_signed(lifetime).unwrap_or(now);
        json!({
            "url": format!("{base_url}/__fake/journal/{}?expires={}", entry.offset, epoch_ms(expires)),
            "expiresAt": crate::store::timestamp(expires),
            "currentOffset": entry.offset.to_string(),
        })
    }

    fn batch(&self, entries: &[&Entry], base_url: &str, now: DateTime<Utc>) -> Value {
        let results: Vec<Value> = entries
            .iter()
            .map(|e| self.fetch(e, base_url, now))
            .collect();
        let at = crate::store::timestamp(now);
        json!({"status": "COMPLETE", "results": results, "startedAt": at, "completedAt": at})
    }

    /// `GET …/earliest`, `…/latest`, `…/offset/{offset}/next`: one entry, or 404.
    pub fn one(&mut self, read: &JournalRead, base_url: &str, now: DateTime<Utc>) -> Answer {
        self.expire(now);
        let entry = match read {
            JournalRead::Earliest => self.entries.front(),
            JournalRead::Latest => self.entries.back(),
            JournalRead::Next(offset) => self
                .index_of(offset)
                .and_then(|at| self.entries.get(at + 1)),
            _ => None,
        };
        let entry = entry.ok_or_else(ApiError::not_found)?;
        Ok((200, Some(self.fetch(entry, base_url, now))))
    }

    /// `GET …/batch/earliest|latest/{count}`, `…/batch/{offset}/next/{count}`: up to `count`
    /// entries in order; after an offset that is not kept, 404.
    pub fn many(&mut self, read: &JournalRead, base_url: &str, now: DateTime<Utc>) -> Answer {
        self.expire(now);
        let count = |text: &str| -> Result<usize, ApiError> {
            match text.parse::<usize>() {
                Ok(count) if (1..=BATCH_ENTRIES).contains(&count) => Ok(count),
                _ => Err(ApiError::validation(format!(
                    "count {text:?} must be a number from 1 to {BATCH_ENTRIES}"
                ))),
            }
        };
        let (from, count) = match read {
            JournalRead::BatchEarliest(n) => (0, count(n)?),
            JournalRead::BatchLatest(n) => {
                let n = count(n)?;
                (self.entries.len().saturating_sub(n), n)
            }
            JournalRead::BatchNext(offset, n) => {
                let n = count(n)?;
                (
                    self.index_of(offset).ok_or_else(ApiError::not_found)? + 1,
                    n,
                )
            }
            _ => return Err(ApiError::not_found()),
        };
        let entries: Vec<&Entry> = self.entries.iter().skip(from).take(count).collect();
        Ok((200, Some(self.batch(&entries, base_url, now))))
    }

    /// `POST …/batch/read`: the entries named by offset; those not kept are listed in
    /// `errors` (207).
    pub fn read(&mut self, body: &Value, base_url: &str, now: DateTime<Utc>) -> Answer {
        self.expire(now);
        let inputs = body["inputs"].as_array().ok_or_else(|| {
            ApiError::validation("Invalid input JSON: inputs is required (an array of offsets)")
        })?;
        at_most_a_batch(inputs.len(), "offsets")?;
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for input in inputs {
            let text = input.as_str().unwrap_or_default();
            match self.index_of(text).and_then(|at| self.entries.get(at)) {
                Some(entry) => found.push(entry),
                None => missing.push(text.to_string()),
            }
        }
        let mut answer = self.batch(&found, base_url, now);
        if missing.is_empty() {
            return Ok((200, Some(answer)));
        }
        answer["numErrors"] = json!(missing.len());
        answer["errors"] = json!([{
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "These offsets are not in the journal (expired, or never given)",
            "context": {"offsets": missing},
            "errors": [],
            "links": {},
        }]);
        Ok((207, Some(answer)))
    }

    /// `GET /__fake/journal/{offset}?expires=…`: an entry's content, as the presigned URL
    /// serves it; `None` with the status when the URL expired (403) or the entry did (404).
    pub fn content(
        &mut self,
        offset: &str,
        expires: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Value, u16> {
        self.expire(now);
        if expires.is_none_or(|at| epoch_ms(now) > at) {
            return Err(403);
        }
        let entry = self
            .index_of(offset)
            .and_then(|at| self.entries.get(at))
            .ok_or(404u16)?;
        Ok(json!({
            "offset": entry.offset.to_string(),
            "publishedAt": crate::store::timestamp(entry.published_at),
            "journalEvents": entry.events,
        }))
    }

    /// `POST /webhooks-journal/snapshots/2026-03/crm`: each deal asked for gets a `SNAPSHOT`
    /// event with the properties asked for; each request a status.
    pub fn snapshot(
        &mut self,
        body: &Value,
        store: &Store,
        now: DateTime<Utc>,
        rng: &mut fastrand::Rng,
    ) -> Answer {
        let requests = body["snapshotRequests"].as_array().ok_or_else(|| {
            ApiError::validation("Invalid input JSON: snapshotRequests is required (an array)")
        })?;
        at_most_a_batch(requests.len(), "snapshot requests")?;
        let mut events = Vec::new();
        let mut responses = Vec::new();
        for request in requests {
            let (Some(object_id), Some(type_id), Some(portal)) = (
                request["objectId"].as_u64(),
                request["objectTypeId"].as_str(),
                request["portalId"].as_u64(),
            ) else {
                return Err(ApiError::validation(
                    "Invalid input JSON: each snapshot request needs objectId, objectTypeId and portalId",
                ));
            };
            let deal = (type_id == "0-3" && portal == crate::PORTAL_ID)
                .then(|| store.get(object_id))
                .flatten()
                .filter(|d| d.archived_at.is_none());
            let failure = match deal {
                Some(deal) => {
                    let changes: Vec<Value> = request["properties"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .filter_map(|name| {
                            deal.values
                                .get(name)
                                .map(|value| json!({"propertyName": name, "newValue": value}))
                        })
                        .collect();
                    events.push(json!({
                        "type": "OBJECT", "action": "SNAPSHOT", "portalId": portal,
                        "occurredAt": epoch_ms(now), "objectTypeId": "0-3", "objectId": object_id,
                        "propertyChanges": changes,
                    }));
                    None
                }
                None => Some(format!(
                    "No live object {object_id} of type {type_id} in account {portal}"
                )),
            };
            let id = offset(rng);
            self.snapshots.insert(
                id,
                Snapshot {
                    initiated_at: now,
                    failure,
                },
            );
            responses.push(json!({
                "objectId": object_id, "objectTypeId": type_id, "portalId": portal,
                "snapshotStatusId": id.to_string(),
            }));
        }
        self.record(events, now, rng);
        Ok((200, Some(json!({ "snapshotResponses": responses }))))
    }

    /// `GET …/status/{statusId}`: a snapshot's status.
    pub fn status(&self, id: &str) -> Answer {
        let id = Uuid::parse_str(id).map_err(|_| ApiError::not_found())?;
        let snapshot = self.snapshots.get(&id).ok_or_else(ApiError::not_found)?;
        let mut answer = json!({
            "id": id.to_string(),
            "initiatedAt": epoch_ms(snapshot.initiated_at),
            "completedAt": epoch_ms(snapshot.initiated_at),
            "status": "SUCCESS",
        });
        if let Some(message) = &snapshot.failure {
            answer["status"] = json!("FAILED");
            answer["errorCode"] = json!("VALIDATION_ERROR");
            answer["message"] = json!(message);
        }
        Ok((200, Some(answer)))
    }
}

/// A read of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JournalRead {
    Earliest,
    Latest,
    /// `offset/{offset}/next`.
    Next(String),
    /// `batch/earliest/{count}`.
    BatchEarliest(String),
    /// `batch/latest/{count}`.
    BatchLatest(String),
    /// `batch/{offset}/next/{count}`.
    BatchNext(String, String),
    /// `batch/read`.
    BatchRead,
    /// `status/{statusId}`.
    Status(String),
}

impl JournalRead {
    /// The read the journal operation `name` (`journal_next`, `local_journal_batch_next`)
    /// makes, from its path parameters (`param`).
    pub fn of(name: &str, param: impl Fn(&str) -> String) -> Option<JournalRead> {
        Some(match name.strip_prefix("local_").unwrap_or(name) {
            "journal_earliest" => JournalRead::Earliest,
            "journal_latest" => JournalRead::Latest,
            "journal_next" => JournalRead::Next(param("offset")),
            "journal_batch_earliest" => JournalRead::BatchEarliest(param("count")),
            "journal_batch_latest" => JournalRead::BatchLatest(param("count")),
            "journal_batch_next" => JournalRead::BatchNext(param("offset"), param("count")),
            "journal_batch_read" => JournalRead::BatchRead,
            "journal_status" => JournalRead::Status(param("statusId")),
            _ => return None,
        })
    }
}

/// The journal events of one change, as the subscription `subscription` asked for it.
pub(crate) fn event(
    change: &Change,
    subscription: i64,
    store: &Store,
    now: DateTime<Utc>,
) -> Value {
    let values = |id: u64| -> Vec<Value> {
        store
            .get(id)
            .map(|deal| {
                deal.values
                    .iter()
                    .map(|(name, value)| json!({"propertyName": name, "newValue": value}))
                    .collect()
            })
            .unwrap_or_default()
    };
    let object = |action: &str, id: u64| {
        json!({
            "type": "OBJECT", "action": action, "subscriptionId": subscription,
            "portalId": crate::PORTAL_ID, "occurredAt": epoch_ms(now),
            "objectTypeId": "0-3", "objectId": id,
        })
    };
    match change {
        Change::Created(id) => {
            let mut event = object("CREATE", *id);
            event["propertyChanges"] = json!(values(*id));
            event
        }
        Change::PropertyChanged {
            id,
            name,
            old,
            value,
        } => {
            let mut event = object("UPDATE", *id);
            event["propertyChanges"] =
                json!([{"propertyName": name, "oldValue": old, "newValue": value}]);
            event
        }
        Change::Deleted { id, .. } => object("DELETE", *id),
        Change::Restored(id) => object("RESTORE", *id),
        Change::Merged {
            primary,
            merged,
            new_id,
        } => {
            let mut event = object("MERGE", *new_id);
            event["primaryObjectId"] = json!(primary);
            event["mergedObjectIds"] = json!(merged);
            event["newObjectId"] = json!(new_id);
            event["propertyChanges"] = json!(values(*new_id));
            event
        }
        Change::AssociationChanged {
            id,
            object,
            to,
            kind,
            removed,
        } => {
            let (to_type, category, type_id) = crate::store::targets::journal_spec(object, kind)
                .unwrap_or(("", "HUBSPOT_DEFINED".into(), 0));
            json!({
                "type": "ASSOCIATION",
                "action": if *removed { "ASSOCIATION_REMOVED" } else { "ASSOCIATION_ADDED" },
                "subscriptionId": subscription, "portalId": crate::PORTAL_ID,
                "occurredAt": epoch_ms(now),
                "fromObjectTypeId": "0-3", "fromObjectId": id,
                "toObjectTypeId": to_type, "toObjectId": to.parse::<u64>().map_or(json!(to), Value::from),
                "associationTypeId": type_id, "associationCategory": category,
                "isPrimary": type_id == 341,
            })
        }
    }
}
