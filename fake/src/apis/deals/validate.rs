//! Request bodies checked against the request schemas of the crate's own `spec/deals.json`:
//! wrong types, `null` for a non-nullable field and unknown enum values are HubSpot's 400
//! "Invalid input JSON" before any handler runs. Required-field presence is left to the
//! handlers, because HubSpot accepts bodies its schema calls incomplete (a create without
//! `associations`, an empty search).

use crate::errors::ApiError;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

struct Spec {
    doc: Value,
    /// Operation name -> request body schema.
    bodies: HashMap<String, Value>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc: Value =
            serde_json::from_str(hubspot_deals::operations::DOCUMENT).unwrap_or(Value::Null);
        let mut bodies = HashMap::new();
        for item in doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
        {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let (Some(name), Some(schema)) = (
                    operation["operationId"].as_str(),
                    operation.pointer("/requestBody/content/application~1json/schema"),
                ) {
                    bodies.insert(name.to_string(), schema.clone());
                }
            }
        }
        Spec { doc, bodies }
    })
}

/// Checks the body of `operation` against its request schema.
pub(crate) fn request_body(operation: &str, body: &Value) -> Result<(), ApiError> {
    let spec = spec();
    match spec.bodies.get(operation) {
        Some(schema) => check(&spec.doc, schema, body, "")
            .map_err(|problem| ApiError::validation(format!("Invalid input JSON: {problem}"))),
        None => Ok(()),
    }
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

fn field(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer))
            .ok_or_else(|| format!("unresolvable schema {reference}"))?;
        return check(doc, target, value, at);
    }
    let place = if at.is_empty() { "the body" } else { at };
    if value.is_null() {
        return if schema["nullable"] == true || schema.get("type").is_none() {
            Ok(())
        } else {
            Err(format!("{place} must not be null"))
        };
    }
    let expected = schema["type"].as_str();
    let fits = match expected {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("integer") => match schema["format"].as_str() {
            Some("int32") => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            _ => value.is_i64() || value.is_u64(),
        },
        Some("number") => value.is_number(),
        _ => true,
    };
    if !fits {
        return Err(format!(
            "{place} must be {}, got {}",
            expected.unwrap_or("valid"),
            kind(value)
        ));
    }
    if let (Some(allowed), Some(text)) = (schema["enum"].as_array(), value.as_str())
        && !allowed.iter().any(|a| a == text)
    {
        return Err(format!(
            "{place} is {text:?}, not one of {}",
            Value::Array(allowed.clone())
        ));
    }
    match value {
        Value::Object(object) => {
            let fields = schema["properties"].as_object();
            for (name, child) in object {
                let child_schema = match fields.and_then(|f| f.get(name)) {
                    Some(s) => s,
                    None => match schema.get("additionalProperties") {
                        Some(s) if s.is_object() => s,
                        _ => continue,
                    },
                };
                check(doc, child_schema, child, &field(at, name))?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check(doc, &schema["items"], item, &format!("{place}[{i}]"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(operation: &str, body: Value) -> String {
        request_body(operation, &body).unwrap_err().body["message"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn checks_types_nulls_enums_and_required_fields() {
        assert!(
            request_body(
                "create",
                &json!({"properties": {"dealname": "x"}, "associations": []})
            )
            .is_ok()
        );
        assert_eq!(
            problem("create", json!({"properties": {}, "associations": null})),
            "Invalid input JSON: associations must not be null"
        );
        assert!(
            request_body("create", &json!({"properties": {}})).is_ok(),
            "HubSpot takes a create without associations"
        );
        assert_eq!(
            problem(
                "batch_create",
                json!({"inputs": [{"associations": [], "properties": {"a": {}}}]})
            ),
            "Invalid input JSON: inputs[0].properties.a must be string, got an object"
        );
        assert_eq!(
            problem(
                "search",
                json!({"limit": null, "filterGroups": [], "properties": [], "sorts": []})
            ),
            "Invalid input JSON: limit must not be null"
        );
        assert_eq!(
            problem(
                "search",
                json!({"limit": 5_000_000_000_i64, "filterGroups": [], "properties": [], "sorts": []})
            ),
            "Invalid input JSON: limit must be integer, got a number"
        );
        assert!(problem(
            "search",
            json!({"limit": 1, "properties": [], "sorts": [], "filterGroups": [{"filters": [{"propertyName": "a", "operator": "LIKE"}]}]})
        )
        .contains("not one of"));
        assert!(
            request_body("get_page", &json!(null)).is_ok(),
            "operations without a body"
        );
    }
}
