//! The association operations of the date-versioned APIs, from the deal's side: associate
//! with labels, associate with the default label, list, remove; and GDPR deletion.
//!
//! Deals associate with contacts (`contacts`, `0-1`, default type 3) and companies
//! (`companies`, `0-2`, default type 5): the fake knows no other objects, and takes any id
//! for them (it does not keep contacts or companies). Only HubSpot's default association
//! types are accepted; labelled (`USER_DEFINED`) types are refused with the reason.

use super::errors::ApiError;
use super::objects::{Answer, string_field};
use super::query::Query;
use super::routes::Params;
use super::state::World;
use super::store::{Lookup, timestamp};
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
];

fn target(name: &str) -> Result<&'static Target, ApiError> {
    let name = name.to_ascii_lowercase();
    TARGETS
        .iter()
        .find(|t| [t.name, t.singular, t.type_id].contains(&name.as_str()))
        .ok_or_else(|| {
            ApiError::validation(format!(
                "Unknown object type {name:?} for associations from deals: use contacts (0-1) or companies (0-2)"
            ))
        })
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

/// `GET …/{id}/associations/{toObjectType}`, paged by `after` and `limit` (at most 500).
pub(crate) fn list(world: &mut World, params: &Params, query: &Query) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    let limit = query.limit(500, 500)? as usize;
    let from = match query.get("after") {
        None | Some("") => 0,
        Some(after) => after
            .parse::<usize>()
            .map_err(|_| ApiError::validation(format!("Invalid paging cursor after={after:?}")))?,
    };
    let deal = world.store.get(id).ok_or_else(ApiError::not_found)?;
    let mut ids: Vec<&str> = deal
        .associations
        .iter()
        .filter(|(object, _, _)| object == target.name)
        .map(|(_, to, _)| to.as_str())
        .collect();
    ids.dedup();
    let results: Vec<Value> = ids
        .iter()
        .skip(from)
        .take(limit)
        .map(|to| {
            json!({"toObjectId": to, "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": target.default_type, "label": null}
            ]})
        })
        .collect();
    let mut body = json!({"results": results});
    if from + limit < ids.len() {
        body["paging"] = json!({"next": {"after": (from + limit).to_string()}});
    }
    Ok((200, Some(body)))
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
