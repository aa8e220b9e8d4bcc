//! Deals as HubSpot returns them: the chosen properties (or the defaults) plus the system
//! ones, `null` for a property without a value, history and associations when asked for.

use crate::store::{DEFAULT_PROPERTIES, Deal, SYSTEM_PROPERTIES, Schema, Store, timestamp};
use serde_json::{Map, Value, json};

/// What a read asked to see.
#[derive(Debug, Default, Clone)]
pub(crate) struct Selection {
    /// `None`: HubSpot's default properties.
    pub properties: Option<Vec<String>>,
    pub with_history: Vec<String>,
    pub associations: Vec<String>,
}

impl Selection {
    pub fn properties(properties: Vec<String>) -> Self {
        Self {
            properties: if properties.is_empty() {
                None
            } else {
                Some(properties)
            },
            ..Self::default()
        }
    }
}

/// Deal `id` as a write returns it: the default properties.
pub(crate) fn stored(store: &Store, id: u64) -> Option<Value> {
    store
        .get(id)
        .map(|d| deal(d, &store.schema, &Selection::default()))
}

pub(crate) fn deal(deal: &Deal, schema: &Schema, selection: &Selection) -> Value {
    let names: Vec<&str> = match &selection.properties {
        None => DEFAULT_PROPERTIES.to_vec(),
        Some(asked) => asked
            .iter()
            .map(String::as_str)
            .filter(|p| schema.readable(p))
            .collect(),
    };
    let mut properties = Map::new();
    for name in names.into_iter().chain(SYSTEM_PROPERTIES.iter().copied()) {
        properties.insert(
            name.to_string(),
            deal.value_in(schema, name)
                .map_or(Value::Null, Value::String),
        );
    }
    let mut out = json!({
        "id": deal.id.to_string(),
        "properties": properties,
        "createdAt": timestamp(deal.created_at),
        "updatedAt": timestamp(deal.updated_at),
        "archived": deal.archived_at.is_some(),
    });
    if let Some(at) = deal.archived_at {
        out["archivedAt"] = timestamp(at).into();
    }
    let history: Map<String, Value> = selection
        .with_history
        .iter()
        .filter(|name| schema.properties.contains(*name))
        .map(|name| {
            let changes: Vec<Value> = deal
                .history
                .get(name)
                .into_iter()
                .flatten()
                .rev()
                .map(|c| json!({"value": c.value, "timestamp": timestamp(c.at), "sourceType": "API"}))
                .collect();
            (name.clone(), Value::Array(changes))
        })
        .collect();
    if !selection.with_history.is_empty() {
        out["propertiesWithHistory"] = Value::Object(history);
    }
    let mut associations = Map::new();
    for kind in &selection.associations {
        let results: Vec<Value> = deal
            .associations
            .iter()
            .filter(|(object, _, _)| object == kind)
            .map(|(_, id, label)| json!({"id": id, "type": label}))
            .collect();
        if !results.is_empty() {
            associations.insert(kind.clone(), json!({"results": results}));
        }
    }
    if !associations.is_empty() {
        out["associations"] = Value::Object(associations);
    }
    out
}
