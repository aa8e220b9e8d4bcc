//! What changed in the API surface between two normalized documents: operations and schemas
//! added, removed or changed. Descriptions do not count.

use crate::normalize::strip_descriptions;
use serde_json::Value;
use std::collections::BTreeMap;

/// One change to the API surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Removed(String),
    Changed(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Added(what) => write!(f, "+ {what}"),
            Self::Removed(what) => write!(f, "- {what}"),
            Self::Changed(what) => write!(f, "~ {what}"),
        }
    }
}

/// Operations by name (`name (METHOD path)`) with their structure.
fn operations(doc: &Value) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if let Some(name) = operation.get("operationId").and_then(Value::as_str) {
                let label = format!("{} {path}", method.to_ascii_uppercase());
                out.insert(name.to_string(), (label, operation.clone()));
            }
        }
    }
    out
}

/// The changes from `old` to `new`, operations first, then schemas, each sorted by name.
pub fn api_changes(old: &Value, new: &Value) -> Vec<Change> {
    let (old, new) = (strip_descriptions(old), strip_descriptions(new));
    let mut changes = Vec::new();
    let (old_ops, new_ops) = (operations(&old), operations(&new));
    for (name, (label, op)) in &new_ops {
        match old_ops.get(name) {
            None => changes.push(Change::Added(format!("operation {name} ({label})"))),
            Some((old_label, old_op)) if old_label != label || old_op != op => {
                let what = changed_parts(old_op, op);
                changes.push(Change::Changed(format!(
                    "operation {name} ({label}): {what}"
                )));
            }
            Some(_) => {}
        }
    }
    for (name, (label, _)) in &old_ops {
        if !new_ops.contains_key(name) {
            changes.push(Change::Removed(format!("operation {name} ({label})")));
        }
    }
    let empty = serde_json::Map::new();
    let schemas = |doc: &Value| {
        doc.pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (old_schemas, new_schemas) = (schemas(&old), schemas(&new));
    for (name, schema) in &new_schemas {
        match old_schemas.get(name) {
            None => changes.push(Change::Added(format!("schema {name}"))),
            Some(old_schema) if old_schema != schema => {
                let what = changed_parts(
                    old_schema.get("properties").unwrap_or(&Value::Null),
                    schema.get("properties").unwrap_or(&Value::Null),
                );
                changes.push(Change::Changed(format!("schema {name}: {what}")));
            }
            Some(_) => {}
        }
    }
    for name in old_schemas.keys() {
        if !new_schemas.contains_key(name) {
            changes.push(Change::Removed(format!("schema {name}")));
        }
    }
    let rest = |doc: &Value| {
        let mut doc = doc.clone();
        if let Some(map) = doc.as_object_mut() {
            map.remove("paths");
            if let Some(components) = map.get_mut("components").and_then(Value::as_object_mut) {
                components.remove("schemas");
            }
        }
        doc
    };
    if rest(&old) != rest(&new) {
        changes.push(Change::Changed(
            "document metadata (info, servers, security, tags)".into(),
        ));
    }
    changes
}

/// Names the top-level keys that differ, e.g. `parameters, responses`.
fn changed_parts(old: &Value, new: &Value) -> String {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return "structure".into();
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let differing: Vec<&str> = keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(String::as_str)
        .collect();
    if differing.is_empty() {
        "path".into()
    } else {
        differing.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_added_removed_and_changed_items_ignoring_descriptions() {
        let old = json!({"paths": {"/a": {"get": {"operationId": "get_page", "parameters": [], "description": "x"}},
                                   "/b": {"post": {"operationId": "merge"}}},
                         "components": {"schemas": {"A": {"properties": {"x": {"type": "string"}}},
                                                    "Gone": {}}}});
        let new = json!({"paths": {"/a": {"get": {"operationId": "get_page", "parameters": [{"name": "limit"}], "description": "y"}},
                                   "/c": {"post": {"operationId": "search"}}},
                         "components": {"schemas": {"A": {"properties": {"x": {"type": "integer"}}},
                                                    "New": {}}}});
        let changes: Vec<String> = api_changes(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            changes,
            vec![
                "~ operation get_page (GET /a): parameters",
                "+ operation search (POST /c)",
                "- operation merge (POST /b)",
                "~ schema A: x",
                "+ schema New",
                "- schema Gone",
            ]
        );
        assert!(api_changes(&old, &old).is_empty());
    }
}
