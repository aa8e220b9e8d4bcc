//! Association labels and limits from deals (HubSpot's associations schema API): the labels
//! a deal's associations with another object type may carry (list, create, rename, remove)
//! and the limits on how many there may be (kept and listed, not enforced).

use crate::apis::request::{Request, association_inputs as inputs, batch_answer, string_field};
use crate::errors::{Answer, ApiError};
use crate::store::targets::{Target, kind, spec_of, target, type_of};
use crate::store::{UserLabel, timestamp};
use crate::world::World;
use serde_json::{Value, json};

/// Runs an association labels operation.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    let answer = run(world, request);
    crate::apis::request::versioned_batch(answer, request, world.now(), true)
}

/// Runs the operation, answering as v3 and v4 do.
fn run(world: &mut World, request: &Request) -> Answer {
    let to_type = request.param("toObjectType");
    match request.call.operation.name {
        "list_association_labels" => list_labels(world, to_type),
        "create_association_label" => create_label(world, to_type, &request.json()?),
        "update_association_label" => update_label(world, to_type, &request.json()?),
        "archive_association_label" => {
            archive_label(world, to_type, request.param("associationTypeId"))
        }
        "list_association_limits" => list_limits(world, to_type),
        "batch_create_association_limits" => set_limits(world, to_type, &request.json()?, true),
        "batch_update_association_limits" => set_limits(world, to_type, &request.json()?, false),
        "batch_archive_association_limits" => purge_limits(world, to_type, &request.json()?),
        _ => Err(ApiError::not_found()),
    }
}

/// Every association type deals may have with `target`: HubSpot's and the account's labels.
fn labels(world: &World, target: &Target) -> Vec<Value> {
    let mut out = vec![spec_of(&world.store, target, target.label)];
    out.extend(
        target.defined.iter().map(
            |(id, label)| json!({"category": "HUBSPOT_DEFINED", "typeId": id, "label": label}),
        ),
    );
    out.extend(
        world
            .store
            .schema
            .association_labels
            .iter()
            .filter(|l| l.target == target.name)
            .map(|l| json!({"category": "USER_DEFINED", "typeId": l.type_id, "label": l.label})),
    );
    out
}

/// `GET /crm/associations/v4/deals/{toObjectType}/labels`.
pub(crate) fn list_labels(world: &mut World, to_type: &str) -> Answer {
    let target = target(to_type)?;
    Ok((200, Some(json!({"results": labels(world, target)}))))
}

/// `POST /crm/associations/v4/deals/{toObjectType}/labels`: a new `USER_DEFINED` label
/// (`label` and `name` required; a name already used is refused).
pub(crate) fn create_label(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let label = string_field(body, "label", "")?.trim().to_string();
    let name = string_field(body, "name", "")?.trim().to_string();
    if label.is_empty() || name.is_empty() {
        return Err(ApiError::validation("label and name must not be empty"));
    }
    let labels = &mut world.store.schema.association_labels;
    if labels
        .iter()
        .any(|l| l.target == target.name && l.name == name)
    {
        return Err(ApiError::conflict(format!(
            "An association label named {name:?} from deals to {} already exists",
            target.name
        )));
    }
    if labels.len() >= MAX_LABELS {
        return Err(ApiError::validation(format!(
            "An account keeps at most {MAX_LABELS} association labels in the fake"
        )));
    }
    // Never the id of a label there is (one removed may leave a gap below the highest).
    let type_id = labels
        .iter()
        .map(|l| l.type_id + 1)
        .max()
        .unwrap_or(1001)
        .max(1001);
    labels.push(UserLabel {
        target: target.name,
        type_id,
        name,
        label: label.clone(),
    });
    Ok((
        200,
        Some(json!({"results": [{"category": "USER_DEFINED", "typeId": type_id, "label": label}]})),
    ))
}

/// The most association labels the fake keeps (a bound on what requests can make it hold).
const MAX_LABELS: usize = 1_000;

/// The created label `type_id` of `target`, or 404.
fn user_label<'a>(
    world: &'a mut World,
    target: &Target,
    type_id: i64,
) -> Result<&'a mut UserLabel, ApiError> {
    world
        .store
        .schema
        .association_labels
        .iter_mut()
        .find(|l| l.target == target.name && l.type_id == type_id)
        .ok_or_else(ApiError::not_found)
}

/// `PUT …/labels`: renames a created label (`associationTypeId`, `label`).
pub(crate) fn update_label(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let type_id = body["associationTypeId"].as_i64().ok_or_else(|| {
        ApiError::validation("Invalid input JSON: associationTypeId is required (a number)")
    })?;
    let label = string_field(body, "label", "")?.trim().to_string();
    if label.is_empty() {
        return Err(ApiError::validation("label must not be empty"));
    }
    user_label(world, target, type_id)?.label = label;
    Ok((204, None))
}

/// `DELETE …/labels/{associationTypeId}`: removes a created label, and the associations
/// of that type.
pub(crate) fn archive_label(world: &mut World, to_type: &str, type_id: &str) -> Answer {
    let target = target(to_type)?;
    let type_id: i64 = type_id.parse().map_err(|_| {
        ApiError::validation(format!("associationTypeId {type_id:?} is not a number"))
    })?;
    user_label(world, target, type_id)?;
    world
        .store
        .schema
        .association_labels
        .retain(|l| !(l.target == target.name && l.type_id == type_id));
    world
        .store
        .remove_association_kind(target.name, &kind(target, "USER_DEFINED", type_id));
    Ok((204, None))
}

/// `GET /crm/associations/v4/definitions/configurations/deals/{toObjectType}`: the limits
/// set, with their labels.
pub(crate) fn list_limits(world: &mut World, to_type: &str) -> Answer {
    let target = target(to_type)?;
    let results: Vec<Value> = world
        .store
        .schema
        .association_limits
        .iter()
        .filter(|((t, _, _), _)| *t == target.name)
        .map(|((_, category, type_id), max)| {
            let mut row = spec_of(&world.store, target, &kind(target, category, *type_id));
            row["userEnforcedMaxToObjectIds"] = json!(max);
            row
        })
        .collect();
    Ok((200, Some(json!({"results": results}))))
}

/// `POST …/batch/create|update` of limits: `{category, typeId, maxToObjectIds}` each, for a
/// type deals may associate by (201 for create, 200 for update).
pub(crate) fn set_limits(world: &mut World, to_type: &str, body: &Value, created: bool) -> Answer {
    let target = target(to_type)?;
    let started = timestamp(world.now());
    let mut planned = Vec::new();
    for (i, input) in inputs(body)?.iter().enumerate() {
        let at = format!("inputs[{i}]");
        let (category, type_id) = type_of(&world.store, target, input, &at)?;
        let max = input["maxToObjectIds"]
            .as_i64()
            .filter(|max| *max > 0)
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "Invalid input JSON: {at}.maxToObjectIds is required (a positive number)"
                ))
            })?;
        planned.push((category, type_id, max));
    }
    let mut results = Vec::new();
    for (category, type_id, max) in planned {
        let mut row = spec_of(&world.store, target, &kind(target, &category, type_id));
        row["userEnforcedMaxToObjectIds"] = json!(max);
        results.push(row);
        world
            .store
            .schema
            .association_limits
            .insert((target.name, category, type_id), max);
    }
    batch_answer(
        world,
        started,
        if created { 201 } else { 200 },
        results,
        Vec::new(),
    )
}

/// `POST …/batch/purge` of limits: `{category, typeId}` each (204).
pub(crate) fn purge_limits(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    for (i, input) in inputs(body)?.iter().enumerate() {
        let category = string_field(input, "category", &format!("inputs[{i}]."))?.to_string();
        let type_id = input["typeId"].as_i64().ok_or_else(|| {
            ApiError::validation(format!(
                "Invalid input JSON: inputs[{i}].typeId is required"
            ))
        })?;
        world
            .store
            .schema
            .association_limits
            .remove(&(target.name, category, type_id));
    }
    Ok((204, None))
}
