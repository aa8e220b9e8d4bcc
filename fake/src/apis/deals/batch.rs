//! The batch operations: at most 100 inputs; duplicate ids rejected (update, upsert);
//! partial failures as 207 with `errors` and `numErrors`.

use crate::apis::deals::objects::{associations_of, properties_of};
use crate::apis::request::{string_field, strings};
use crate::errors::Answer;
use crate::errors::ApiError;
use crate::query::Query;
use crate::store::render::{self, Selection};
use crate::store::{Lookup, timestamp};
use crate::world::World;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The most inputs one batch call takes.
use hubspot_deals::limits::BATCH_INPUTS as MAX_INPUTS;

fn inputs(body: &Value) -> Result<&Vec<Value>, ApiError> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::validation("Invalid input JSON: inputs is required and must be an array")
        })?;
    if inputs.len() > MAX_INPUTS {
        return Err(ApiError::validation(format!(
            "Batch input may contain at most {MAX_INPUTS} inputs, got {}",
            inputs.len()
        ))
        .with("context", json!({"limit": [MAX_INPUTS.to_string()]})));
    }
    Ok(inputs)
}

fn ids(inputs: &[Value]) -> Result<Vec<&str>, ApiError> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, input)| string_field(input, "id", &format!("inputs[{i}].")))
        .collect()
}

fn reject_duplicates(ids: &[&str]) -> Result<(), ApiError> {
    let mut seen = BTreeSet::new();
    let duplicates: BTreeSet<&str> = ids.iter().copied().filter(|id| !seen.insert(*id)).collect();
    if duplicates.is_empty() {
        return Ok(());
    }
    let list: Vec<&str> = duplicates.into_iter().collect();
    Err(ApiError::validation(format!(
        "Duplicate IDs found in batch input: [{}]. IDs must be unique",
        list.join(", ")
    ))
    .with("context", json!({"ids": list})))
}

/// An entry of a 207's `errors`: HubSpot's own schema requires `errors` and `links`, which
/// real bodies omit; empty ones satisfy the schema and tell clients nothing false.
fn standard_error(mut error: Value) -> Value {
    for (key, empty) in [
        ("errors", json!([])),
        ("links", json!({})),
        ("context", json!({})),
    ] {
        if error.get(key).is_none() {
            error[key] = empty;
        }
    }
    error
}

/// The batch response, 207 with errors when any input failed.
fn respond(world: &World, ok_status: u16, results: Vec<Value>, errors: Vec<Value>) -> Answer {
    let now = timestamp(world.now());
    let mut body =
        json!({"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now});
    if errors.is_empty() {
        return Ok((ok_status, Some(body)));
    }
    body["numErrors"] = errors.len().into();
    body["errors"] = Value::Array(errors);
    Ok((207, Some(body)))
}

fn not_found_error(ids: &[String], trace: Option<&str>) -> Value {
    let mut context = json!({"ids": ids});
    if let Some(trace) = trace {
        context["objectWriteTraceId"] = json!([trace]);
    }
    standard_error(json!({"status": "error", "category": "OBJECT_NOT_FOUND",
           "message": "Could not get some DEAL objects, they may be deleted or not exist. Check that ids are valid.",
           "context": context}))
}

pub(crate) fn read(world: &mut World, query: &Query, body: &Value) -> Answer {
    let inputs = inputs(body)?;
    let archived = query.flag("archived")?;
    let id_property = body.get("idProperty").and_then(Value::as_str);
    let selection = Selection {
        properties: Some(strings(body, "properties")).filter(|p| !p.is_empty()),
        with_history: strings(body, "propertiesWithHistory"),
        associations: Vec::new(),
    };
    let mut results = Vec::new();
    let mut missing = Vec::new();
    let mut seen = BTreeSet::new();
    for id in ids(inputs)? {
        match world.store.resolve(id, id_property, archived) {
            Ok(Lookup::Found(found)) => {
                if seen.insert(found)
                    && let Some(deal) = world.store.get(found)
                {
                    results.push(render::deal(deal, &world.store.schema, &selection));
                }
            }
            Ok(Lookup::Missing) => missing.push(id.to_string()),
            Err(e) if e.status == 404 => missing.push(id.to_string()),
            Err(e) => return Err(e),
        }
    }
    let errors = if missing.is_empty() {
        vec![]
    } else {
        vec![not_found_error(&missing, None)]
    };
    respond(world, 200, results, errors)
}

pub(crate) fn create(world: &mut World, body: &Value) -> Answer {
    let inputs = inputs(body)?;
    let traced = !inputs.is_empty()
        && inputs.iter().all(|i| {
            i.get("objectWriteTraceId")
                .and_then(Value::as_str)
                .is_some()
        });
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    let mut batch_uniques = BTreeSet::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("inputs[{i}].");
        let checked = properties_of(input, &at).and_then(|values| {
            let associations = associations_of(input, &at)?;
            world.validate_deal(&values, None)?;
            for property in &world.store.schema.unique {
                if let Some(value) = values.get(property).filter(|v| !v.is_empty())
                    && !batch_uniques.insert((property.clone(), value.clone()))
                {
                    return Err(ApiError::validation(format!(
                        "{property}={value} appears twice in this batch"
                    )));
                }
            }
            Ok((values, associations))
        });
        match checked {
            Ok(ok) => valid.push(ok),
            Err(error) if traced => {
                let mut body = error.body;
                body["context"] = json!({"objectWriteTraceId": [input["objectWriteTraceId"]]});
                errors.push(standard_error(body));
            }
            Err(error) => return Err(error),
        }
    }
    let now = world.now();
    let mut results = Vec::new();
    for (values, associations) in valid {
        let id = world.create_deal(values, associations, now);
        results.extend(render::stored(&world.store, id));
    }
    respond(world, 201, results, errors)
}

pub(crate) fn update(world: &mut World, body: &Value) -> Answer {
    let inputs = inputs(body)?;
    reject_duplicates(&ids(inputs)?)?;
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("inputs[{i}].");
        let id = string_field(input, "id", &at)?;
        let values = properties_of(input, &at)?;
        let trace = input.get("objectWriteTraceId").and_then(Value::as_str);
        let found = if world.store.is_alias(id) {
            Lookup::Missing
        } else {
            match world
                .store
                .resolve(id, input.get("idProperty").and_then(Value::as_str), false)
            {
                Ok(found) => found,
                Err(e) if e.status == 404 => Lookup::Missing,
                Err(e) => return Err(e),
            }
        };
        match found {
            Lookup::Found(deal) => {
                world.validate_deal(&values, Some(deal))?;
                planned.push((deal, values));
            }
            Lookup::Missing => errors.push(not_found_error(&[id.to_string()], trace)),
        }
    }
    let now = world.now();
    let mut results = Vec::new();
    for (id, values) in planned {
        world.store.update(id, values, now);
        results.extend(render::stored(&world.store, id));
    }
    respond(world, 200, results, errors)
}

pub(crate) fn upsert(world: &mut World, body: &Value) -> Answer {
    let inputs = inputs(body)?;
    reject_duplicates(&ids(inputs)?)?;
    let mut planned = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("inputs[{i}].");
        let key = string_field(input, "id", &at)?;
        let property = input
            .get("idProperty")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "Invalid input JSON: {at}idProperty is required for upsert"
                ))
            })?;
        let mut values = properties_of(input, &at)?;
        let existing = match world.store.resolve(key, Some(property), false)? {
            Lookup::Found(id) => Some(id),
            Lookup::Missing => None,
        };
        values.insert(property.to_string(), key.to_string());
        world.validate_deal(&values, existing)?;
        planned.push((existing, values));
    }
    let now = world.now();
    let mut results = Vec::new();
    for (existing, values) in planned {
        let (id, new) = match existing {
            Some(id) => {
                world.store.update(id, values, now);
                (id, false)
            }
            None => {
                let id = world.create_deal(values, Vec::new(), now);
                (id, true)
            }
        };
        if let Some(mut rendered) = render::stored(&world.store, id) {
            rendered["new"] = new.into();
            results.push(rendered);
        }
    }
    respond(world, 200, results, Vec::new())
}

pub(crate) fn archive(world: &mut World, body: &Value) -> Answer {
    let inputs = inputs(body)?;
    let now = world.now();
    for id in ids(inputs)? {
        world.store.archive(id, now);
    }
    Ok((204, None))
}
