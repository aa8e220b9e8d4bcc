//! The webhooks journal's subscriptions (`/webhooks-journal/subscriptions/2026-03`): what an
//! app asks the journal to record, by object type and action (`OBJECT`), association
//! changes (`ASSOCIATION`), and the filters on them. A subscription is upserted: asking again
//! for the same kind, object type, account and associated types changes the one there is
//! (actions, properties) instead of adding another, so a client can make sure of its
//! subscriptions by asking for them. Callers need the journal's subscription scopes
//! (`developer.webhooks_journal.subscriptions.read` / `.write`), which an app's
//! client-credentials token carries.
//!
//! Which changes a subscription asks for ([`Subscriptions::asking_for`]) decides what the
//! journal (`journal_log`) records.

use crate::errors::Answer;
use crate::errors::ApiError;
use crate::store::changes::Change;
use crate::store::timestamp;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The kinds of subscription HubSpot takes.
const KINDS: &[&str] = &[
    "OBJECT",
    "ASSOCIATION",
    "EVENT",
    "APP_LIFECYCLE_EVENT",
    "LIST_MEMBERSHIP",
    "GDPR_PRIVACY_DELETION",
];

/// The actions a subscription may record.
const ACTIONS: &[&str] = &[
    "CREATE",
    "UPDATE",
    "DELETE",
    "MERGE",
    "RESTORE",
    "ASSOCIATION_ADDED",
    "ASSOCIATION_REMOVED",
    "SNAPSHOT",
    "APP_INSTALL",
    "APP_UNINSTALL",
    "ADDED_TO_LIST",
    "REMOVED_FROM_LIST",
    "GDPR_DELETE",
];

/// One subscription.
#[derive(Debug, Clone, PartialEq)]
struct Subscription {
    id: i64,
    kind: String,
    object_type: Option<String>,
    portal: Option<i64>,
    associated: Vec<String>,
    actions: Vec<String>,
    properties: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// One filter of a subscription.
#[derive(Debug, Clone, PartialEq)]
struct Filter {
    id: i64,
    subscription: i64,
    filter: Value,
    created_at: DateTime<Utc>,
}

/// The most subscriptions, and filters, the fake keeps (a bound on what requests can make it
/// hold).
const MOST: usize = 1_000;

/// The app's journal subscriptions and their filters.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    subscriptions: Vec<Subscription>,
    filters: Vec<Filter>,
    next_id: i64,
}

/// The strings of an array field (absent: none), each checked by `known` when given.
fn strings(body: &Value, field: &str, known: Option<&[&str]>) -> Result<Vec<String>, ApiError> {
    let Some(items) = body.get(field).filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let items = items.as_array().ok_or_else(|| {
        ApiError::validation(format!("Invalid input JSON: {field} must be an array"))
    })?;
    items
        .iter()
        .map(|item| {
            let text = item.as_str().ok_or_else(|| {
                ApiError::validation(format!("Invalid input JSON: {field} holds text"))
            })?;
            match known {
                Some(known) if !known.contains(&text) => Err(ApiError::validation(format!(
                    "{field}: {text:?} is not one of {}",
                    known.join(", ")
                ))),
                _ => Ok(text.to_string()),
            }
        })
        .collect()
}

impl Subscription {
    fn render(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "appId": crate::WEBHOOK_APP_ID,
            "subscriptionType": self.kind,
            "actions": self.actions,
            "properties": self.properties,
            "associatedObjectTypeIds": self.associated,
            "objectTypeId": self.object_type.clone().unwrap_or_default(),
            "createdAt": timestamp(self.created_at),
            "updatedAt": timestamp(self.updated_at),
        });
        if let Some(portal) = self.portal {
            out["portalId"] = json!(portal);
        }
        out
    }

    /// Whether `other` names the same thing to record (then it replaces this one's actions
    /// and properties).
    fn same_target(&self, other: &Subscription) -> bool {
        self.kind == other.kind
            && self.object_type == other.object_type
            && self.portal == other.portal
            && self.associated == other.associated
    }
}

impl Filter {
    fn render(&self) -> Value {
        json!({"id": self.id, "filter": self.filter,
               "createdAt": self.created_at.timestamp_millis()})
    }
}

impl Subscriptions {
    /// The subscriptions that ask the journal to record `change` to a deal (each gets an
    /// event).
    pub fn asking_for(&self, change: &Change) -> Vec<i64> {
        let (kind, action, property, associated) = match change {
            Change::Created(_) => ("OBJECT", "CREATE", None, None),
            Change::PropertyChanged { name, .. } => ("OBJECT", "UPDATE", Some(name), None),
            Change::Deleted { .. } => ("OBJECT", "DELETE", None, None),
            Change::Restored(_) => ("OBJECT", "RESTORE", None, None),
            Change::Merged { .. } => ("OBJECT", "MERGE", None, None),
            Change::AssociationChanged {
                object, removed, ..
            } => (
                "ASSOCIATION",
                if *removed {
                    "ASSOCIATION_REMOVED"
                } else {
                    "ASSOCIATION_ADDED"
                },
                None,
                crate::store::targets::object_type_id(object),
            ),
        };
        let gdpr = matches!(change, Change::Deleted { gdpr: true, .. });
        self.subscriptions
            .iter()
            .filter(|s| {
                let deals = s.object_type.as_deref() == Some(crate::DEALS_TYPE_ID)
                    && s.portal.is_none_or(|p| p as u64 == crate::PORTAL_ID);
                let asked = s.kind == kind
                    && s.actions.iter().any(|a| a == action)
                    && property.is_none_or(|p| s.properties.is_empty() || s.properties.contains(p))
                    && associated.is_none_or(|t| s.associated.iter().any(|a| a == t));
                let gdpr_asked = gdpr
                    && s.kind == "GDPR_PRIVACY_DELETION"
                    && s.actions.iter().any(|a| a == "GDPR_DELETE");
                deals && (asked || gdpr_asked)
            })
            .map(|s| s.id)
            .collect()
    }

    fn next(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// `GET …/subscriptions/2026-03`.
    pub fn list(&self) -> Answer {
        let results: Vec<Value> = self
            .subscriptions
            .iter()
            .map(Subscription::render)
            .collect();
        Ok((200, Some(json!({ "results": results }))))
    }

    /// `POST …/subscriptions/2026-03`: a new subscription, or the one for the same target
    /// changed.
    pub fn upsert(&mut self, body: &Value, now: DateTime<Utc>) -> Answer {
        let kind = body["subscriptionType"]
            .as_str()
            .unwrap_or("OBJECT")
            .to_string();
        if !KINDS.contains(&kind.as_str()) {
            return Err(ApiError::validation(format!(
                "subscriptionType {kind:?} is not one of {}",
                KINDS.join(", ")
            )));
        }
        let actions = strings(body, "actions", Some(ACTIONS))?;
        if actions.is_empty() {
            return Err(ApiError::validation(
                "actions is required: at least one action",
            ));
        }
        let object_type = body["objectTypeId"].as_str().map(str::to_string);
        if matches!(kind.as_str(), "OBJECT" | "ASSOCIATION") && object_type.is_none() {
            return Err(ApiError::validation(format!(
                "objectTypeId is required for an {kind} subscription (deals: 0-3)"
            )));
        }
        let associated = strings(body, "associatedObjectTypeIds", None)?;
        if kind == "ASSOCIATION" && associated.is_empty() {
            return Err(ApiError::validation(
                "associatedObjectTypeIds is required for an ASSOCIATION subscription",
            ));
        }
        let wanted = Subscription {
            id: 0,
            kind,
            object_type,
            portal: body["portalId"].as_i64(),
            associated,
            actions,
            properties: strings(body, "properties", None)?,
            created_at: now,
            updated_at: now,
        };
        let new = !self.subscriptions.iter().any(|s| s.same_target(&wanted));
        if new && self.subscriptions.len() >= MOST {
            return Err(ApiError::validation(format!(
                "An app keeps at most {MOST} journal subscriptions in the fake"
            )));
        }
        let rendered = match self
            .subscriptions
            .iter_mut()
            .find(|s| s.same_target(&wanted))
        {
            Some(existing) => {
                existing.actions = wanted.actions;
                existing.properties = wanted.properties;
                existing.updated_at = now;
                existing.render()
            }
            None => {
                let created = Subscription {
                    id: self.next(),
                    ..wanted
                };
                let rendered = created.render();
                self.subscriptions.push(created);
                rendered
            }
        };
        Ok((200, Some(rendered)))
    }

    fn id(text: &str) -> Result<i64, ApiError> {
        text.parse()
            .map_err(|_| ApiError::validation(format!("{text:?} is not an id (a number)")))
    }

    /// `GET …/{subscriptionId}`.
    pub fn get(&self, id: &str) -> Answer {
        let id = Self::id(id)?;
        self.subscriptions
            .iter()
            .find(|s| s.id == id)
            .map(|s| (200, Some(s.render())))
            .ok_or_else(ApiError::not_found)
    }

    /// `DELETE …/{subscriptionId}`: it and its filters.
    pub fn archive(&mut self, id: &str) -> Answer {
        let id = Self::id(id)?;
        let before = self.subscriptions.len();
        self.subscriptions.retain(|s| s.id != id);
        if self.subscriptions.len() == before {
            return Err(ApiError::not_found());
        }
        self.filters.retain(|f| f.subscription != id);
        Ok((204, None))
    }

    /// `DELETE …/portals/{portalId}`: the subscriptions for one account.
    pub fn archive_portal(&mut self, portal: &str) -> Answer {
        let portal = Self::id(portal)?;
        let gone: Vec<i64> = self
            .subscriptions
            .iter()
            .filter(|s| s.portal == Some(portal))
            .map(|s| s.id)
            .collect();
        self.subscriptions.retain(|s| s.portal != Some(portal));
        self.filters.retain(|f| !gone.contains(&f.subscription));
        Ok((204, None))
    }

    /// `POST …/filters`: a filter (`conditions`) on a subscription.
    pub fn create_filter(&mut self, body: &Value, now: DateTime<Utc>) -> Answer {
        let subscription = body["subscriptionId"].as_i64().ok_or_else(|| {
            ApiError::validation("Invalid input JSON: subscriptionId is required (a number)")
        })?;
        if !self.subscriptions.iter().any(|s| s.id == subscription) {
            return Err(ApiError::not_found());
        }
        if self.filters.len() >= MOST {
            return Err(ApiError::validation(format!(
                "An app keeps at most {MOST} subscription filters in the fake"
            )));
        }
        let filter = body["filter"].clone();
        if !filter["conditions"].is_array() {
            return Err(ApiError::validation(
                "Invalid input JSON: filter.conditions is required (an array)",
            ));
        }
        let id = self.next();
        self.filters.push(Filter {
            id,
            subscription,
            filter,
            created_at: now,
        });
        Ok((200, Some(json!({ "filterId": id }))))
    }

    /// `GET …/filters/{filterId}`.
    pub fn filter(&self, id: &str) -> Answer {
        let id = Self::id(id)?;
        self.filters
            .iter()
            .find(|f| f.id == id)
            .map(|f| (200, Some(f.render())))
            .ok_or_else(ApiError::not_found)
    }

    /// `GET …/filters/subscription/{subscriptionId}`.
    pub fn filters(&self, subscription: &str) -> Answer {
        let subscription = Self::id(subscription)?;
        let listed: Vec<Value> = self
            .filters
            .iter()
            .filter(|f| f.subscription == subscription)
            .map(Filter::render)
            .collect();
        Ok((200, Some(Value::Array(listed))))
    }

    /// `DELETE …/filters/{filterId}`.
    pub fn archive_filter(&mut self, id: &str) -> Answer {
        let id = Self::id(id)?;
        let before = self.filters.len();
        self.filters.retain(|f| f.id != id);
        if self.filters.len() == before {
            return Err(ApiError::not_found());
        }
        Ok((204, None))
    }
}
