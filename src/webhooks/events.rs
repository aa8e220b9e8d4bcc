//! The events of a webhook request, typed: one JSON array of up to 100 events per request.
//! Deal events (`deal.*`, and generic `object.*` events for object type `0-3`) get their own
//! variants; any other event is kept whole as [`DealChange::Other`], so a new event type
//! never breaks a handler.

use super::WebhookError;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The object type id of deals in HubSpot's generic (`object.*`) subscriptions.
const DEAL_OBJECT_TYPE: &str = "0-3";

/// One event of a webhook request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DealEvent {
    /// HubSpot's id of the event. Not unique on its own: deduplicate on it together with
    /// `subscription_id`, `object_id` and `occurred_at`.
    pub event_id: u64,
    /// The subscription that matched.
    pub subscription_id: u64,
    /// The HubSpot account.
    pub portal_id: u64,
    /// The app the subscription belongs to.
    pub app_id: u64,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// The subscription type as sent (`deal.creation`, `object.propertyChange`, …).
    pub subscription_type: String,
    /// Which delivery attempt this is, from 0.
    pub attempt_number: u32,
    /// The deal (for merges, the deal that results).
    pub object_id: u64,
    /// What made the change (`CRM_UI`, `API`, `IMPORT`, …), when HubSpot says.
    pub change_source: Option<String>,
    /// What changed.
    pub change: DealChange,
}

/// What a deal event says changed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DealChange {
    /// The deal was created (`deal.creation`).
    Created,
    /// A property changed (`deal.propertyChange`).
    PropertyChanged {
        /// The property's name.
        name: String,
        /// Its new value (empty when cleared).
        value: String,
    },
    /// The deal was archived or deleted (`deal.deletion`).
    Deleted,
    /// Deals were merged (`deal.merge`).
    Merged {
        /// The deal whose values won.
        primary_object_id: u64,
        /// The deals merged into it.
        merged_object_ids: Vec<u64>,
        /// The deal that results, when HubSpot says.
        new_object_id: Option<u64>,
        /// How many property values were moved, when HubSpot says.
        number_of_properties_moved: Option<u64>,
    },
    /// An archived deal was restored (`deal.restore`).
    Restored,
    /// An association was added or removed (`deal.associationChange`).
    AssociationChanged {
        /// The association type (`DEAL_TO_CONTACT`, …).
        association_type: String,
        /// The object the association goes from.
        from_object_id: u64,
        /// The object it goes to.
        to_object_id: u64,
        /// Whether it was removed (else added).
        removed: bool,
        /// Whether it is the primary association.
        primary: bool,
    },
    /// An event this version does not know (another object's, or a new type): kept whole.
    Other(Map<String, Value>),
}

/// Reads the events of a webhook body (after [`Verifier::verify`](super::Verifier::verify)).
///
/// ```
/// use hubspot_deals::webhooks::{DealChange, parse_events};
/// let body = br#"[{"eventId":1,"subscriptionId":2,"portalId":3,"appId":4,
///   "occurredAt":1700000000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,
///   "objectId":42,"changeSource":"CRM_UI","propertyName":"amount","propertyValue":"90"}]"#;
/// let events = parse_events(body)?;
/// assert_eq!(events[0].object_id, 42);
/// assert!(matches!(&events[0].change, DealChange::PropertyChanged { name, .. } if name == "amount"));
/// # Ok::<(), hubspot_deals::webhooks::WebhookError>(())
/// ```
pub fn parse_events(body: &[u8]) -> Result<Vec<DealEvent>, WebhookError> {
    let events: Vec<Value> = serde_json::from_slice(body).map_err(|error| {
        WebhookError::Body(format!(
            "the body is not a JSON array of events ({error}); HubSpot sends one array per request"
        ))
    })?;
    events
        .into_iter()
        .enumerate()
        .map(|(index, event)| match event {
            Value::Object(fields) => {
                event_of(fields).map_err(|why| WebhookError::Body(format!("event {index}: {why}")))
            }
            other => Err(WebhookError::Body(format!(
                "event {index} is {}, not an object",
                kind(&other)
            ))),
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One event's fields, typed.
fn event_of(fields: Map<String, Value>) -> Result<DealEvent, String> {
    let subscription_type = text(&fields, "subscriptionType")?.unwrap_or_default();
    let occurred_ms = number(&fields, "occurredAt")?.unwrap_or(0);
    let occurred_at = i64::try_from(occurred_ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(|| format!("occurredAt {occurred_ms} is not a time"))?;
    let change = change_of(&subscription_type, &fields)?;
    Ok(DealEvent {
        event_id: number(&fields, "eventId")?.unwrap_or(0),
        subscription_id: number(&fields, "subscriptionId")?.unwrap_or(0),
        portal_id: number(&fields, "portalId")?.unwrap_or(0),
        app_id: number(&fields, "appId")?.unwrap_or(0),
        occurred_at,
        attempt_number: number(&fields, "attemptNumber")?
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        object_id: number(&fields, "objectId")?.unwrap_or(0),
        change_source: text(&fields, "changeSource")?,
        change: match change {
            Some(change) => change,
            None => DealChange::Other(fields),
        },
        subscription_type,
    })
}

/// The change a deal event describes; `None` for events that are not a deal's or are unknown.
fn change_of(kind: &str, fields: &Map<String, Value>) -> Result<Option<DealChange>, String> {
    let action = match kind.split_once('.') {
        Some(("deal", action)) => action,
        Some(("object", action))
            if text(fields, "objectTypeId")?.as_deref() == Some(DEAL_OBJECT_TYPE) =>
        {
            action
        }
        _ => return Ok(None),
    };
    Ok(Some(match action {
        "creation" => DealChange::Created,
        "deletion" => DealChange::Deleted,
        "restore" => DealChange::Restored,
        "propertyChange" => DealChange::PropertyChanged {
            name: required_text(fields, "propertyName")?,
            value: text(fields, "propertyValue")?.unwrap_or_default(),
        },
        "merge" => DealChange::Merged {
            primary_object_id: required_number(fields, "primaryObjectId")?,
            merged_object_ids: numbers(fields, "mergedObjectIds")?,
            new_object_id: number(fields, "newObjectId")?,
            number_of_properties_moved: number(fields, "numberOfPropertiesMoved")?,
        },
        "associationChange" => DealChange::AssociationChanged {
            association_type: required_text(fields, "associationType")?,
            from_object_id: required_number(fields, "fromObjectId")?,
            to_object_id: required_number(fields, "toObjectId")?,
            removed: flag(fields, "associationRemoved")?,
            primary: flag(fields, "isPrimaryAssociation")?,
        },
        _ => return Ok(None),
    }))
}

/// A string field, if present; HubSpot sends some values as numbers or booleans, which are
/// read as their text.
fn text(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(value.to_string())),
        Some(other) => Err(format!("{name} is {}, not text", kind(other))),
    }
}

fn required_text(fields: &Map<String, Value>, name: &str) -> Result<String, String> {
    text(fields, name)?.ok_or_else(|| format!("{name} is missing"))
}

/// A non-negative integer field, if present, sent as a number or as a string of digits.
fn number(fields: &Map<String, Value>, name: &str) -> Result<Option<u64>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => id(value)
            .map(Some)
            .ok_or_else(|| format!("{name} is {value}, not a non-negative integer")),
    }
}

fn required_number(fields: &Map<String, Value>, name: &str) -> Result<u64, String> {
    number(fields, name)?.ok_or_else(|| format!("{name} is missing"))
}

fn id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn numbers(fields: &Map<String, Value>, name: &str) -> Result<Vec<u64>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| id(item).ok_or_else(|| format!("{name} holds {item}, not an id")))
            .collect(),
        Some(other) => Err(format!("{name} is {}, not a list of ids", kind(other))),
    }
}

fn flag(fields: &Map<String, Value>, name: &str) -> Result<bool, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(format!("{name} is {other}, not true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(event: Value) -> Result<DealEvent, WebhookError> {
        parse_events(json!([event]).to_string().as_bytes()).map(|mut e| e.remove(0))
    }

    fn base(kind: &str) -> Value {
        json!({"eventId": 100, "subscriptionId": 200, "portalId": 300, "appId": 400,
               "occurredAt": 1_700_000_000_123_i64, "subscriptionType": kind,
               "attemptNumber": 2, "objectId": 42, "changeSource": "API"})
    }

    fn with(kind: &str, extra: Value) -> Value {
        let mut event = base(kind);
        for (k, v) in extra.as_object().unwrap() {
            event[k] = v.clone();
        }
        event
    }

    #[test]
    fn every_deal_event_type_is_typed() {
        let created = one(base("deal.creation")).unwrap();
        assert_eq!(created.change, DealChange::Created);
        assert_eq!(
            (
                created.event_id,
                created.subscription_id,
                created.portal_id,
                created.app_id
            ),
            (100, 200, 300, 400)
        );
        assert_eq!((created.object_id, created.attempt_number), (42, 2));
        assert_eq!(created.occurred_at.timestamp_millis(), 1_700_000_000_123);
        assert_eq!(created.change_source.as_deref(), Some("API"));
        assert_eq!(
            one(base("deal.deletion")).unwrap().change,
            DealChange::Deleted
        );
        assert_eq!(
            one(base("deal.restore")).unwrap().change,
            DealChange::Restored
        );
        let changed = with(
            "deal.propertyChange",
            json!({"propertyName": "amount", "propertyValue": "90"}),
        );
        assert_eq!(
            one(changed).unwrap().change,
            DealChange::PropertyChanged {
                name: "amount".into(),
                value: "90".into()
            }
        );
        let merged = with(
            "deal.merge",
            json!({"primaryObjectId": 1, "mergedObjectIds": [2, "3"], "newObjectId": 4, "numberOfPropertiesMoved": 5}),
        );
        assert_eq!(
            one(merged).unwrap().change,
            DealChange::Merged {
                primary_object_id: 1,
                merged_object_ids: vec![2, 3],
                new_object_id: Some(4),
                number_of_properties_moved: Some(5)
            }
        );
        let associated = with(
            "deal.associationChange",
            json!({"associationType": "DEAL_TO_CONTACT", "fromObjectId": 42, "toObjectId": 7,
                   "associationRemoved": true, "isPrimaryAssociation": "false"}),
        );
        assert_eq!(
            one(associated).unwrap().change,
            DealChange::AssociationChanged {
                association_type: "DEAL_TO_CONTACT".into(),
                from_object_id: 42,
                to_object_id: 7,
                removed: true,
                primary: false
            }
        );
    }

    #[test]
    fn generic_deal_events_are_deal_events_and_others_are_kept_whole() {
        let generic = with("object.creation", json!({"objectTypeId": "0-3"}));
        assert_eq!(one(generic).unwrap().change, DealChange::Created);
        let contact = with(
            "object.creation",
            json!({"objectTypeId": "0-1", "extra": [1]}),
        );
        let DealChange::Other(fields) = one(contact).unwrap().change else {
            panic!()
        };
        assert_eq!(fields["extra"], json!([1]));
        for kind in ["contact.creation", "deal.somethingNew", "", "deal"] {
            assert!(
                matches!(one(base(kind)).unwrap().change, DealChange::Other(_)),
                "{kind}"
            );
        }
        let minimal = one(json!({"subscriptionType": "deal.creation"})).unwrap();
        assert_eq!(minimal.object_id, 0, "absent ids read as 0, not an error");
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let message = |body: &str| parse_events(body.as_bytes()).unwrap_err().to_string();
        assert!(
            message("{").contains("not a JSON array"),
            "{}",
            message("{")
        );
        assert!(message(r#"{"a":1}"#).contains("not a JSON array"));
        assert!(message("[1]").contains("event 0 is a number"));
        let bad = json!([
            base("deal.creation"),
            with("deal.creation", json!({"objectId": -1}))
        ]);
        let text = message(&bad.to_string());
        assert!(text.contains("event 1: objectId is -1"), "{text}");
        let missing = json!([base("deal.propertyChange")]).to_string();
        assert!(message(&missing).contains("propertyName is missing"));
        let late = json!([with("deal.creation", json!({"occurredAt": u64::MAX}))]).to_string();
        assert!(message(&late).contains("not a time"), "{}", message(&late));
        let flag = json!([with(
            "deal.associationChange",
            json!({"associationType": "x",
            "fromObjectId": 1, "toObjectId": 2, "associationRemoved": "maybe"})
        )]);
        assert!(message(&flag.to_string()).contains("not true or false"));
        assert!(parse_events(b"[]").unwrap().is_empty());
    }
}
