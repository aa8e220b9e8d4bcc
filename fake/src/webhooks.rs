//! Signed webhook delivery: with a subscriber configured, each request that changes deals
//! posts HubSpot's event array (at most 100 events a request) to the subscriber, signed with
//! the app's client secret (v3, and v1 beside it as HubSpot sends both), retried with a
//! rising `attemptNumber` until it answers 2xx or the attempts run out.
//!
//! Subscription types: `deal.creation`, `deal.propertyChange` (one event per property whose
//! value changed), `deal.deletion` (archive, GDPR deletion), `deal.merge` and
//! `deal.associationChange`. Deliveries go one at a time,
//! in the order the changes happened.

use crate::store::changes::Change;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Full;
use hubspot_deals::clock::SharedClock;
use hubspot_deals::webhooks::{
    SIGNATURE, SIGNATURE_V3, SIGNATURE_VERSION, TIMESTAMP, sign_v1, sign_v3,
};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The app id the fake's webhook events carry.
pub const WEBHOOK_APP_ID: u64 = 1_160_452;

/// The most events one delivery carries, as HubSpot's.
pub const EVENTS_PER_REQUEST: usize = 100;

/// The most deliveries [`FakeHubSpot::webhook_deliveries`](crate::FakeHubSpot::webhook_deliveries)
/// keeps (the latest).
pub const DELIVERY_LOG_CAPACITY: usize = 10_000;

/// Where the fake posts webhook events, and the client secret it signs them with.
#[derive(Clone)]
pub struct WebhookSubscriber {
    url: String,
    client_secret: String,
    max_attempts: u32,
    first_retry: Duration,
}

impl fmt::Debug for WebhookSubscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSubscriber")
            .field("url", &self.url)
            .field("client_secret", &"<redacted>")
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

impl WebhookSubscriber {
    /// Posts to `url` (plain `http://`), signing with `client_secret`; three attempts a
    /// delivery, the first retry after 100 ms, doubling.
    pub fn new(url: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            client_secret: client_secret.into(),
            max_attempts: 3,
            first_retry: Duration::from_millis(100),
        }
    }

    /// How many times a delivery is tried (at least once).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry (real time), doubling after each.
    pub fn first_retry(mut self, wait: Duration) -> Self {
        self.first_retry = wait;
        self
    }
}

/// One attempt at delivering a request of events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// How many events it carried.
    pub events: usize,
    /// The attempt, from 0 (the events' `attemptNumber`).
    pub attempt: u32,
    /// The subscriber's status, or 0 when it did not answer.
    pub status: u16,
}

/// The subscription id the fake gives each event type.
fn subscription(kind: &str) -> u64 {
    match kind {
        "deal.creation" => 1,
        "deal.propertyChange" => 2,
        "deal.deletion" => 3,
        "deal.merge" => 4,
        _ => 5,
    }
}

/// HubSpot's name of the association type from deals to `object`.
fn association_type(object: &str) -> String {
    match object {
        "contacts" => "DEAL_TO_CONTACT".into(),
        "companies" => "DEAL_TO_COMPANY".into(),
        other => format!("DEAL_TO_{}", other.to_ascii_uppercase()),
    }
}

/// Turns changes into events and hands them to the delivery task.
pub(crate) struct Outbox {
    sender: mpsc::UnboundedSender<Vec<Value>>,
    next_event_id: u64,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("next_event_id", &self.next_event_id)
            .finish()
    }
}

/// The deliveries made so far.
pub(crate) type Deliveries = Arc<Mutex<VecDeque<WebhookDelivery>>>;

impl Outbox {
    /// Starts the delivery task in the current runtime.
    pub fn start(
        subscriber: WebhookSubscriber,
        clock: SharedClock,
        deliveries: Deliveries,
    ) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(deliver(subscriber, clock, receiver, deliveries));
        Self {
            sender,
            next_event_id: 1,
        }
    }

    /// Queues the events of one request's changes.
    pub fn publish(&mut self, changes: Vec<Change>, portal_id: u64, now: DateTime<Utc>) {
        if changes.is_empty() {
            return;
        }
        let events: Vec<Value> = changes
            .into_iter()
            .map(|change| {
                let (kind, object_id, extra) = match change {
                    Change::Created(id) => ("deal.creation", id, json!({})),
                    Change::PropertyChanged { id, name, value, .. } => (
                        "deal.propertyChange",
                        id,
                        json!({"propertyName": name, "propertyValue": value}),
                    ),
                    Change::Deleted { id, .. } => ("deal.deletion", id, json!({})),
                    // HubSpot's webhooks v3 have no restore event: a restored deal is told
                    // as created again.
                    Change::Restored(id) => ("deal.creation", id, json!({})),
                    Change::Merged {
                        primary,
                        merged,
                        new_id,
                    } => (
                        "deal.merge",
                        new_id,
                        json!({"primaryObjectId": primary, "mergedObjectIds": merged,
                               "newObjectId": new_id}),
                    ),
                    Change::AssociationChanged {
                        id,
                        object,
                        to,
                        removed,
                        ..
                    } => (
                        "deal.associationChange",
                        id,
                        json!({"associationType": association_type(&object),
                               "fromObjectId": id, "toObjectId": to.parse::<u64>().map_or(json!(to), Value::from),
                               "associationRemoved": removed, "isPrimaryAssociation": false}),
                    ),
                };
                let event_id = self.next_event_id;
                self.next_event_id += 1;
                let mut event = json!({
                    "eventId": event_id,
                    "subscriptionId": subscription(kind),
                    "portalId": portal_id,
                    "appId": WEBHOOK_APP_ID,
                    "occurredAt": now.timestamp_millis(),
                    "subscriptionType": kind,
                    "attemptNumber": 0,
                    "objectId": object_id,
                    "changeFlag": "NEW",
                    "changeSource": "API",
                });
                if let (Some(event), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
                    event.extend(extra.clone());
                }
                event
            })
            .collect();
        for chunk in events.chunks(EVENTS_PER_REQUEST) {
            // The task ends only with the fake, which drops the outbox first.
            let _ = self.sender.send(chunk.to_vec());
        }
    }
}

/// Posts each request of events in turn, retrying as the subscriber allows.
async fn deliver(
    subscriber: WebhookSubscriber,
    clock: SharedClock,
    mut queue: mpsc::UnboundedReceiver<Vec<Value>>,
    deliveries: Deliveries,
) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    while let Some(mut events) = queue.recv().await {
        let mut wait = subscriber.first_retry;
        for attempt in 0..subscriber.max_attempts {
            for event in &mut events {
                event["attemptNumber"] = attempt.into();
            }
            let body = Value::Array(events.clone()).to_string();
            let status = post(&client, &subscriber, &clock, body).await;
            record(
                &deliveries,
                WebhookDelivery {
                    events: events.len(),
                    attempt,
                    status,
                },
            );
            if (200..300).contains(&status) {
                break;
            }
            if attempt + 1 < subscriber.max_attempts {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
        }
    }
}

fn record(deliveries: &Deliveries, delivery: WebhookDelivery) {
    let mut log = deliveries.lock().unwrap_or_else(|e| e.into_inner());
    if log.len() == DELIVERY_LOG_CAPACITY {
        log.pop_front();
    }
    log.push_back(delivery);
}

type HttpClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

/// One signed POST; the status, or 0 without an answer in 5 s (HubSpot's own limit).
async fn post(
    client: &HttpClient,
    subscriber: &WebhookSubscriber,
    clock: &SharedClock,
    body: String,
) -> u16 {
    let timestamp = clock.now().timestamp_millis().to_string();
    let secret = &subscriber.client_secret;
    let v3 = sign_v3(secret, "POST", &subscriber.url, body.as_bytes(), &timestamp);
    let v1 = sign_v1(secret, body.as_bytes());
    let Ok(request) = hyper::Request::post(&subscriber.url)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_V3, v3)
        .header(TIMESTAMP, timestamp)
        .header(SIGNATURE, v1)
        .header(SIGNATURE_VERSION, "v1")
        .body(Full::new(Bytes::from(body)))
    else {
        return 0;
    };
    match tokio::time::timeout(Duration::from_secs(5), client.request(request)).await {
        Ok(Ok(response)) => response.status().as_u16(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delivery_log_keeps_the_newest() {
        let deliveries = Deliveries::default();
        for attempt in 0..DELIVERY_LOG_CAPACITY as u32 + 2 {
            let delivery = WebhookDelivery {
                events: 1,
                attempt,
                status: 200,
            };
            record(&deliveries, delivery);
        }
        let log = deliveries.lock().unwrap();
        assert_eq!(log.len(), DELIVERY_LOG_CAPACITY);
        assert_eq!(log.front().map(|d| d.attempt), Some(2));
    }
}
