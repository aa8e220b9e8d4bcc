//! Typed deal changes from the content of a journal entry.
//!
//! **What is assumed.** HubSpot's OpenAPI document describes how to find an entry's content
//! (a URL) but not the content itself. This module reads the shape a secondary description of
//! the journal gives: `{"offset", "publishedAt", "journalEvents": [event, …]}`, object events
//! with `action` (`CREATE`, `UPDATE`, `DELETE`, `MERGE`, `RESTORE`, `SNAPSHOT`),
//! `objectTypeId`, `objectId`, `occurredAt` and `propertyChanges`, association events with
//! `fromObjectTypeId`/`fromObjectId`, `toObjectTypeId`/`toObjectId`, `associationTypeId`,
//! `associationCategory`. It reads leniently: ids as numbers or text, times as epoch
//! milliseconds or RFC 3339, a bare array of events, `propertyName`/`propertyValue` as
//! webhooks v3 give them; an event it cannot place is kept whole as [`ChangeKind::Other`],
//! never dropped.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// HubSpot's object type id of deals.
const DEALS: &str = super::DEALS;

/// One journal entry: its offset (store it once its changes are applied, and resume after
/// it) and the changes it holds, in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The entry's offset (a UUID).
    pub offset: String,
    /// When the journal published it, when the content says.
    pub published_at: Option<DateTime<Utc>>,
    /// Its changes, in the journal's order.
    pub changes: Vec<DealChange>,
}

/// One change to a deal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DealChange {
    /// The deal (for a merge, the deal that remains); `None` for an event not about a deal.
    pub deal_id: Option<u64>,
    /// When it happened, when the event says.
    pub occurred_at: Option<DateTime<Utc>>,
    /// What happened.
    pub kind: ChangeKind,
    /// A gap bridge's reads already reflect it (see [`Bridge`](super::Bridge)): applying it
    /// is harmless, skipping it is safe.
    pub covered: bool,
}

/// What happened to a deal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Created, with the values the event carries.
    Created {
        /// Property values (may be empty: read the deal when you need them all).
        properties: BTreeMap<String, String>,
    },
    /// One property changed (`None`: no value).
    PropertyChanged {
        /// The property.
        name: String,
        /// The value before, when HubSpot gives it.
        old: Option<String>,
        /// The value after.
        new: Option<String>,
    },
    /// Archived or deleted.
    Deleted,
    /// Brought back from the archive.
    Restored,
    /// Other deals were merged into this one (`deal_id`); the merged ids no longer exist.
    Merged {
        /// The ids merged away (never the remaining id).
        merged: Vec<u64>,
        /// Property values of the remaining deal, when the event carries them.
        properties: BTreeMap<String, String>,
    },
    /// An association was added.
    AssociationAdded(AssociationChange),
    /// An association was removed.
    AssociationRemoved(AssociationChange),
    /// A CRM snapshot's values.
    Snapshot {
        /// Property values.
        properties: BTreeMap<String, String>,
    },
    /// An event this library does not know: its action and the event as it came.
    Other {
        /// The event's `action` (or `subscriptionType`), if any.
        action: String,
        /// The whole event.
        event: Value,
    },
}

/// An association of a deal, as an event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssociationChange {
    /// The other object's type id (`0-1` contacts, `0-2` companies).
    pub object_type_id: String,
    /// The other object's id.
    pub object_id: String,
    /// `HUBSPOT_DEFINED` or `USER_DEFINED` (a label).
    pub category: String,
    /// The association type id (the label's id for `USER_DEFINED`).
    pub type_id: i64,
    /// Whether it is the primary association.
    pub primary: bool,
}

/// An id given as a number or as digits.
fn id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Text given as text or as a number.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A time given as text: RFC 3339, or epoch milliseconds.
pub(crate) fn time_of(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| DateTime::from_timestamp_millis(text.trim().parse().ok()?))
}

/// A time given as epoch milliseconds or RFC 3339.
pub(crate) fn time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => DateTime::from_timestamp_millis(n.as_i64()?),
        Value::String(s) => time_of(s),
        _ => None,
    }
}

/// The `propertyChanges` of an event as (name, old, new), or its webhooks-v3 style
/// `propertyName`/`propertyValue`.
fn property_changes(event: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    if let Some(changes) = event["propertyChanges"].as_array() {
        return changes
            .iter()
            .filter_map(|c| {
                let name = c["propertyName"].as_str().or(c["name"].as_str())?;
                let new = ["newValue", "propertyValue", "value"]
                    .iter()
                    .find_map(|f| text(&c[*f]));
                let old = ["oldValue", "previousValue"]
                    .iter()
                    .find_map(|f| text(&c[*f]));
                Some((name.to_string(), old, new))
            })
            .collect();
    }
    match event["propertyName"].as_str() {
        Some(name) => vec![(name.to_string(), None, text(&event["propertyValue"]))],
        None => Vec::new(),
    }
}

fn values(event: &Value) -> BTreeMap<String, String> {
    property_changes(event)
        .into_iter()
        .filter_map(|(name, _, new)| Some((name, new?)))
        .collect()
}

/// The changes one event stands for (an update of several properties is one change each).
pub(crate) fn changes_of(event: &Value) -> Vec<DealChange> {
    let occurred_at = time(&event["occurredAt"]);
    let action = event["action"]
        .as_str()
        .or(event["subscriptionType"].as_str())
        .or(event["eventType"].as_str())
        .unwrap_or_default()
        .to_ascii_uppercase();
    let other = || {
        vec![DealChange {
            deal_id: None,
            occurred_at,
            kind: ChangeKind::Other {
                action: action.clone(),
                event: event.clone(),
            },
            covered: false,
        }]
    };
    let one = |deal_id, kind| {
        vec![DealChange {
            deal_id: Some(deal_id),
            occurred_at,
            kind,
            covered: false,
        }]
    };
    if action.starts_with("ASSOCIATION_") {
        let from_deal = event["fromObjectTypeId"].as_str() == Some(DEALS);
        let to_deal = event["toObjectTypeId"].as_str() == Some(DEALS);
        let (deal, other_side) = match (from_deal, to_deal) {
            (true, _) => ("from", "to"),
            (false, true) => ("to", "from"),
            _ => return other(),
        };
        let (Some(deal_id), Some(object_id), Some(object_type_id)) = (
            id(&event[format!("{deal}ObjectId")]),
            text(&event[format!("{other_side}ObjectId")]),
            text(&event[format!("{other_side}ObjectTypeId")]),
        ) else {
            return other();
        };
        let association = AssociationChange {
            object_type_id,
            object_id,
            category: event["associationCategory"]
                .as_str()
                .unwrap_or("HUBSPOT_DEFINED")
                .to_string(),
            type_id: event["associationTypeId"].as_i64().unwrap_or_default(),
            primary: event["isPrimary"].as_bool().unwrap_or(false),
        };
        return match action.as_str() {
            "ASSOCIATION_ADDED" => one(deal_id, ChangeKind::AssociationAdded(association)),
            "ASSOCIATION_REMOVED" => one(deal_id, ChangeKind::AssociationRemoved(association)),
            _ => other(),
        };
    }
    let about_deals = event["objectTypeId"].as_str() == Some(DEALS);
    let Some(deal_id) = id(&event["objectId"]).filter(|_| about_deals) else {
        return other();
    };
    match action.as_str() {
        "CREATE" => one(
            deal_id,
            ChangeKind::Created {
                properties: values(event),
            },
        ),
        "UPDATE" => {
            let changes = property_changes(event);
            if changes.is_empty() {
                return other();
            }
            changes
                .into_iter()
                .map(|(name, old, new)| DealChange {
                    deal_id: Some(deal_id),
                    occurred_at,
                    kind: ChangeKind::PropertyChanged { name, old, new },
                    covered: false,
                })
                .collect()
        }
        "DELETE" => one(deal_id, ChangeKind::Deleted),
        "RESTORE" => one(deal_id, ChangeKind::Restored),
        "MERGE" => {
            let survivor = id(&event["newObjectId"]).unwrap_or(deal_id);
            let mut merged: Vec<u64> = event["mergedObjectIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(id)
                .chain(id(&event["primaryObjectId"]))
                .filter(|merged| *merged != survivor)
                .collect();
            merged.sort_unstable();
            merged.dedup();
            one(
                survivor,
                ChangeKind::Merged {
                    merged,
                    properties: values(event),
                },
            )
        }
        "SNAPSHOT" => one(
            deal_id,
            ChangeKind::Snapshot {
                properties: values(event),
            },
        ),
        _ => other(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_of_several_properties_is_one_change_each_with_old_and_new() {
        let event = json!({"action": "UPDATE", "objectTypeId": "0-3", "objectId": "42",
            "occurredAt": 1_700_000_000_000i64,
            "propertyChanges": [{"propertyName": "amount", "oldValue": "5", "newValue": "7"},
                                {"propertyName": "dealname", "newValue": "X"}]});
        let changes = changes_of(&event);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].deal_id, Some(42));
        assert_eq!(
            changes[0].kind,
            ChangeKind::PropertyChanged {
                name: "amount".into(),
                old: Some("5".into()),
                new: Some("7".into())
            }
        );
        assert_eq!(
            changes[0].occurred_at,
            DateTime::from_timestamp_millis(1_700_000_000_000)
        );
    }

    #[test]
    fn values_given_as_numbers_or_booleans_read_as_text() {
        let event = json!({"action": "UPDATE", "objectTypeId": "0-3", "objectId": 1,
            "propertyChanges": [{"propertyName": "hs_is_closed", "oldValue": false, "newValue": true},
                                {"propertyName": "amount", "newValue": 12.5}]});
        let kinds: Vec<ChangeKind> = changes_of(&event).into_iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::PropertyChanged {
                    name: "hs_is_closed".into(),
                    old: Some("false".into()),
                    new: Some("true".into())
                },
                ChangeKind::PropertyChanged {
                    name: "amount".into(),
                    old: None,
                    new: Some("12.5".into())
                }
            ]
        );
    }

    #[test]
    fn a_merge_names_every_merged_id_but_the_survivor() {
        let event = json!({"action": "MERGE", "objectTypeId": "0-3", "objectId": 9,
            "primaryObjectId": 3, "mergedObjectIds": [4, 9], "newObjectId": 9});
        let change = &changes_of(&event)[0];
        assert_eq!(change.deal_id, Some(9));
        let ChangeKind::Merged { merged, .. } = &change.kind else {
            panic!("{change:?}")
        };
        assert_eq!(merged, &[3, 4]);
    }

    #[test]
    fn an_association_seen_from_the_other_side_names_the_deal() {
        let event = json!({"action": "ASSOCIATION_REMOVED", "fromObjectTypeId": "0-1",
            "fromObjectId": 7, "toObjectTypeId": "0-3", "toObjectId": "12",
            "associationTypeId": 4, "associationCategory": "HUBSPOT_DEFINED"});
        let change = &changes_of(&event)[0];
        assert_eq!(change.deal_id, Some(12));
        let ChangeKind::AssociationRemoved(a) = &change.kind else {
            panic!("{change:?}")
        };
        assert_eq!(
            (a.object_type_id.as_str(), a.object_id.as_str()),
            ("0-1", "7")
        );
    }

    #[test]
    fn unknown_events_and_other_objects_are_kept_whole() {
        for event in [
            json!({"action": "TELEPORT", "objectTypeId": "0-3", "objectId": 1}),
            json!({"action": "CREATE", "objectTypeId": "0-1", "objectId": 1}),
            json!({"action": "UPDATE", "objectTypeId": "0-3", "objectId": 1}),
            json!("not an object"),
        ] {
            let changes = changes_of(&event);
            assert_eq!(changes.len(), 1, "{event}");
            assert!(
                matches!(&changes[0].kind, ChangeKind::Other { event: e, .. } if *e == event),
                "{changes:?}"
            );
        }
    }
}
