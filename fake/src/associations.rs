//! The association operations of the date-versioned APIs, from the deal's side: associate
//! with labels, associate with the default label, list, remove; and GDPR deletion.
//!
//! Deals associate with contacts (`contacts`, `0-1`, default type 3), companies
//! (`companies`, `0-2`, default type 5) and line items (`line_items`, `0-8`, default type 19):
//! the fake knows no other objects, and takes any id for them (it does not keep contacts,
//! companies or line items). Only HubSpot's default association types are accepted; labelled
//! (`USER_DEFINED`) types are refused with the reason. Associations v4's batch read
//! (`POST /crm/v4/associations/deals/{toObjectType}/batch/read`) reads them too.

use super::errors::ApiError;
use super::objects::{Answer, string_field};
use super::query::Query;
use super::routes::Params;
use super::state::World;
use super::store::{Lookup, timestamp};
use hubspot_deals::limits::{ASSOCIATIONS_BATCH_READ_INPUTS, ASSOCIATIONS_PAGE};
use serde_json::{Value, json};

/// An object type deals associate with: its plural name, its type id, the default
/// association type from deals, and the label deals carry for it.
struct Target {
    name: &'static str,
    singular: &'static str,
    type_id: &'static str,
    default_type: i64,
    label: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        name: "contacts",
        singular: "contact",
        type_id: "0-1",
        default_type: 3,
        label: "deal_to_contact",
    },
    Target {
        name: "companies",
        singular: "company",
        type_id: "0-2",
        default_type: 5,
        label: "deal_to_company",
    },
    Target {
        name: "line_items",
        singular: "line_item",
        type_id: "0-8",
        default_type: 19,
        label: "deal_to_line_item",
    },
];

fn target(name: &str) -> Result<&'static Target, ApiError> {
    let name = name.to_ascii_lowercase();
    TARGETS
        .iter()
        .find(|t| [t.name, t.singular, t.type_id].contains(&name.as_str()))
        .ok_or_else(|| {
            ApiError::validation(format!(
                "Unknown object type {name:?} for associations from deals: use contacts (0-1), companies (0-2) or line_items (0-8)"
            ))
        })
}

/// The object type (plural) that `name` (plural, singular or type id) names, if deals
/// associate with it.
pub(crate) fn target_name(name: &str) -> Option<&'static str> {
    target(name).ok().map(|t| t.name)
}

/// The live deal a path names.
fn deal(world: &World, key: &str) -> Result<u64, ApiError> {
    match world.store.resolve(key, None, false)? {
        Lookup::Found(id) => Ok(id),
        Lookup::Missing => Err(ApiError::not_found()),
    }
}

/// `PUT …/{id}/associations/{toObjectType}/{toObjectId}` with a list of association specs.
pub(crate) fn associate(world: &mut World, params: &Params, body: &Value) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    let specs = body.as_array().ok_or_else(|| {
        ApiError::validation("Invalid input JSON: the body must be an array of association specs")
    })?;
    if specs.is_empty() {
        return Err(ApiError::validation(
            "At least one association spec is required",
        ));
    }
    for (i, spec) in specs.iter().enumerate() {
        let category = string_field(spec, "associationCategory", &format!("[{i}]."))?;
        let type_id = spec.get("associationTypeId").and_then(Value::as_i64);
        if category != "HUBSPOT_DEFINED" || type_id != Some(target.default_type) {
            return Err(ApiError::validation(format!(
                "[{i}]: association {category}/{} is not defined from deals to {} (use HUBSPOT_DEFINED/{})",
                type_id.map_or("(missing)".to_string(), |t| t.to_string()),
                target.name,
                target.default_type
            )));
        }
    }
    world
        .store
        .associate(id, target.name, &params.to_id, target.label);
    Ok((
        201,
        Some(json!({
            "fromObjectTypeId": "0-3",
            "fromObjectId": id.to_string(),
            "toObjectTypeId": target.type_id,
            "toObjectId": params.to_id,
            "labels": [],
        })),
    ))
}

/// `PUT …/{id}/associations/default/{toObjectType}/{toObjectId}`.
pub(crate) fn associate_default(world: &mut World, params: &Params) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    world
        .store
        .associate(id, target.name, &params.to_id, target.label);
    let now = timestamp(world.now());
    Ok((
        200,
        Some(json!({
            "status": "COMPLETE",
            "results": [{
                "from": {"id": id.to_string()},
                "to": {"id": params.to_id},
                "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": target.default_type},
            }],
            "startedAt": now,
            "completedAt": now,
        })),
    ))
}

/// `DELETE …/{id}/associations/{toObjectType}/{toObjectId}`: 204 whether or not they were
/// associated.
pub(crate) fn disassociate(world: &mut World, params: &Params) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    world.store.disassociate(id, target.name, &params.to_id);
    Ok((204, None))
}

/// A paging cursor: an offset into a deal's associations of one type.
fn offset(after: Option<&str>) -> Result<usize, ApiError> {
    match after {
        None | Some("") => Ok(0),
        Some(after) => after
            .parse::<usize>()
            .map_err(|_| ApiError::validation(format!("Invalid paging cursor after={after:?}"))),
    }
}

/// One page of a deal's associations with `target`, in v4's shape, and the cursor of the
/// next page if there is one.
fn page(
    world: &World,
    id: u64,
    target: &Target,
    from: usize,
    limit: usize,
) -> (Vec<Value>, Option<usize>) {
    let Some(deal) = world.store.get(id) else {
        return (Vec::new(), None);
    };
    let mut ids: Vec<&str> = deal
        .associations
        .iter()
        .filter(|(object, _, _)| object == target.name)
        .map(|(_, to, _)| to.as_str())
        .collect();
    ids.dedup();
    let results = ids
        .iter()
        .skip(from)
        .take(limit)
        .map(|to| {
            json!({"toObjectId": to, "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": target.default_type, "label": null}
            ]})
        })
        .collect();
    let next = (from + limit < ids.len()).then_some(from + limit);
    (results, next)
}

/// `GET …/{id}/associations/{toObjectType}`, paged by `after` and `limit` (at most 500).
pub(crate) fn list(world: &mut World, params: &Params, query: &Query) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    let max = ASSOCIATIONS_PAGE as u32;
    let limit = query.limit(max, max)? as usize;
    let (results, next) = page(world, id, target, offset(query.get("after"))?, limit);
    let mut body = json!({"results": results});
    if let Some(next) = next {
        body["paging"] = json!({"next": {"after": next.to_string()}});
    }
    Ok((200, Some(body)))
}

/// `POST /crm/v4/associations/deals/{toObjectType}/batch/read`: each input deal's
/// associations with `to_type` (500 a deal, `after` for the rest). A deal with none, or that
/// does not exist, is an error of the answer (207), as HubSpot reports it
/// (`NO_ASSOCIATIONS_FOUND`), not an empty result.
pub(crate) fn batch_read_v4(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let inputs = body["inputs"].as_array().ok_or_else(|| {
        ApiError::validation("Invalid input JSON: inputs is required (an array of {\"id\"})")
    })?;
    if inputs.len() > ASSOCIATIONS_BATCH_READ_INPUTS {
        return Err(ApiError::validation(format!(
            "Too many inputs: {} (at most {ASSOCIATIONS_BATCH_READ_INPUTS} in one batch read)",
            inputs.len()
        )));
    }
    let started = timestamp(world.now());
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let key = match &input["id"] {
            Value::String(id) => id.clone(),
            Value::Number(id) => id.to_string(),
            _ => {
                return Err(ApiError::validation(format!(
                    "Invalid input JSON: inputs[{i}].id is required"
                )));
            }
        };
        let from = offset(input["after"].as_str())?;
        let found = match world.store.resolve(&key, None, false) {
            Ok(Lookup::Found(id)) => Some(id),
            _ => None,
        };
        let (to, next) = match found {
            Some(id) => page(world, id, target, from, ASSOCIATIONS_PAGE),
            None => (Vec::new(), None),
        };
        if to.is_empty() {
            errors.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": format!("No {} is associated with deal {key}.", target.singular),
                "context": {"fromObjectId": [key]},
                "errors": [],
                "links": {},
            }));
            continue;
        }
        let mut result = json!({"from": {"id": key}, "to": to});
        if let Some(next) = next {
            result["paging"] = json!({"next": {"after": next.to_string()}});
        }
        results.push(result);
    }
    let mut answer = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": timestamp(world.now()),
    });
    let status = if errors.is_empty() {
        200
    } else {
        answer["numErrors"] = errors.len().into();
        answer["errors"] = errors.into();
        207
    };
    Ok((status, Some(answer)))
}

/// `POST …/gdpr-delete`: removes the deal for good (it cannot be restored, and its id no
/// longer resolves).
pub(crate) fn gdpr_delete(world: &mut World, body: &Value) -> Answer {
    let key = string_field(body, "objectId", "")?;
    let id_property = body.get("idProperty").and_then(Value::as_str);
    let id = match world.store.resolve(key, id_property, false)? {
        Lookup::Found(id) => id,
        Lookup::Missing => match world.store.resolve(key, id_property, true)? {
            Lookup::Found(id) => id,
            Lookup::Missing => return Err(ApiError::not_found()),
        },
    };
    world.store.remove(id);
    Ok((204, None))
}
