//! Carries this project's own descriptions from the current `spec/deals.json` onto a freshly
//! normalized document whose upstream prose was stripped.
//!
//! Descriptions are keyed by what they describe, not by where it sits: an operation by its
//! normalized name (so a description survives a move from `/crm/v3/objects/0-3` to
//! `/crm/objects/2026-03/0-3`), a parameter by its name, a schema and its fields by name.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

const PROSE_KEYS: &[&str] = &["description", "summary"];

/// Every description and summary in `doc`, keyed by a stable identity.
pub fn collect(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    walk(doc, &mut |identity, object| {
        for key in PROSE_KEYS {
            if let Some(text) = object.get(*key) {
                out.insert(format!("{identity}#{key}"), text.clone());
            }
        }
    });
    out
}

/// Sets each description of `doc` whose identity is in `known`; returns how many were set.
pub fn apply(doc: &mut Value, known: &BTreeMap<String, Value>) -> usize {
    let mut applied = 0;
    walk_mut(doc, String::new(), &mut |identity, object| {
        for key in PROSE_KEYS {
            if let Some(text) = known.get(&format!("{identity}#{key}")) {
                object.insert((*key).to_string(), text.clone());
                applied += 1;
            }
        }
    });
    applied
}

/// OpenAPI requires a description on every response: give the ones still without one a plain
/// line derived from the status code.
pub fn fill_response_descriptions(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                if let Some(response) = response.as_object_mut() {
                    response
                        .entry("description")
                        .or_insert_with(|| Value::String(status_text(status).into()));
                }
            }
        }
    }
}

fn status_text(status: &str) -> &'static str {
    match status {
        "200" => "Success.",
        "201" => "Created.",
        "204" => "Done; no body.",
        "207" => "Partly done: the failed inputs are listed in `errors`.",
        s if s.starts_with('4') => "A client error, with HubSpot's error body.",
        s if s.starts_with('5') => "A server error, with HubSpot's error body.",
        _ => "A response.",
    }
}

fn walk(doc: &Value, f: &mut dyn FnMut(&str, &Map<String, Value>)) {
    let mut copy = doc.clone();
    walk_mut(&mut copy, String::new(), &mut |identity, object| {
        f(identity, object)
    });
}

/// The identity segment for a child: operations become `op:<name>`, parameters `param:<name>`.
fn child_identity(parent: &str, key: &str, child: &Value) -> String {
    if let Some(id) = child.get("operationId").and_then(Value::as_str) {
        return format!("op:{id}");
    }
    format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn walk_mut(value: &mut Value, identity: String, f: &mut dyn FnMut(&str, &mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            f(&identity, map);
            for (key, child) in map.iter_mut() {
                let next = child_identity(&identity, key, child);
                walk_mut(child, next, f);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                let next = match child.get("name").and_then(Value::as_str) {
                    Some(name) => format!("{identity}/param:{name}"),
                    None => format!("{identity}/{index}"),
                };
                walk_mut(child, next, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_operations_across_paths_and_parameters_across_positions() {
        let ours = json!({"paths": {"/crm/v3/objects/0-3": {"get": {
            "operationId": "get_page", "summary": "List deals",
            "parameters": [{"name": "limit", "description": "Page size"},
                           {"name": "after", "description": "Cursor"}]}}},
            "components": {"schemas": {"Deal": {"description": "A deal",
                "properties": {"id": {"type": "string", "description": "Its id"}}}}}});
        let mut theirs = json!({"paths": {"/crm/objects/2026-03/0-3": {"get": {
            "operationId": "get_page",
            "parameters": [{"name": "after"}, {"name": "limit"}, {"name": "new"}]}}},
            "components": {"schemas": {"Deal": {"properties": {"id": {"type": "string"}}}}}});
        let applied = apply(&mut theirs, &collect(&ours));
        assert_eq!(applied, 5);
        let op = &theirs["paths"]["/crm/objects/2026-03/0-3"]["get"];
        assert_eq!(op["summary"], "List deals");
        assert_eq!(op["parameters"][0]["description"], "Cursor");
        assert_eq!(op["parameters"][1]["description"], "Page size");
        assert!(op["parameters"][2].get("description").is_none());
        assert_eq!(
            theirs["components"]["schemas"]["Deal"]["description"],
            "A deal"
        );
        assert_eq!(
            theirs["components"]["schemas"]["Deal"]["properties"]["id"]["description"],
            "Its id"
        );
    }
}
