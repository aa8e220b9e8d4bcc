//! The single-deal operations: list, create, read, update, archive, merge.

use crate::apis::request::string_field;
use crate::errors::Answer;
use crate::errors::ApiError;
use crate::query::Query;
use crate::store::Lookup;
use crate::store::render::{self, Selection};
use crate::world::World;
use hubspot_deals::limits;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The request's `properties` object (its value types were checked against the spec).
pub(crate) fn properties_of(body: &Value, at: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let Some(object) = body.get("properties").and_then(Value::as_object) else {
        return Err(ApiError::validation(format!(
            "Invalid input JSON: {at}properties is required"
        )));
    };
    Ok(object
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_string()))
        .collect())
}

/// `associations` of a create input, as (object type, id, label).
pub(crate) fn associations_of(
    body: &Value,
    at: &str,
) -> Result<Vec<(String, String, String)>, ApiError> {
    let mut out = Vec::new();
    let items = match body.get("associations") {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::validation(format!(
                "Invalid input JSON: {at}associations must be an array"
            )));
        }
    };
    for (i, item) in items.iter().enumerate() {
        let to = item
            .pointer("/to/id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "Invalid input JSON: {at}associations[{i}].to.id is required"
                ))
            })?;
        let types = item.get("types").and_then(Value::as_array).ok_or_else(|| {
            ApiError::validation(format!(
                "Invalid input JSON: {at}associations[{i}].types is required"
            ))
        })?;
        for spec in types {
            let (object, label) = match spec.get("associationTypeId").and_then(Value::as_i64) {
                Some(3) => ("contacts", "deal_to_contact"),
                Some(5) => ("companies", "deal_to_company"),
                other => {
                    return Err(ApiError::validation(format!(
                        "{at}associations[{i}]: association type {} is not defined from deals (use 3 for contacts, 5 for companies)",
                        other.map_or("(missing)".to_string(), |t| t.to_string())
                    )));
                }
            };
            out.push((object.to_string(), to.to_string(), label.to_string()));
        }
    }
    Ok(out)
}

fn selection(query: &Query) -> Selection {
    Selection {
        properties: Some(query.list("properties")).filter(|p| !p.is_empty()),
        with_history: query.list("propertiesWithHistory"),
        associations: query.list("associations"),
    }
}

pub(crate) fn get_page(world: &mut World, query: &Query) -> Answer {
    let selection = selection(query);
    let max = if selection.with_history.is_empty() {
        limits::LIST_PAGE
    } else {
        limits::LIST_PAGE_WITH_HISTORY
    } as u32;
    let limit = query.limit(10, max)? as usize;
    let archived = query.flag("archived")?;
    let from = match query.get("after") {
        None | Some("") => 0,
        Some(after) => after
            .parse::<u64>()
            .map_err(|_| ApiError::validation(format!("Invalid paging cursor after={after:?}")))?,
    };
    let mut page: Vec<Value> = Vec::with_capacity(limit);
    let mut next = None;
    for deal in world.store.range(from, archived) {
        if page.len() == limit {
            next = Some(deal.id);
            break;
        }
        page.push(render::deal(deal, &world.store.schema, &selection));
    }
    let mut body = json!({"results": page});
    if let Some(next) = next {
        let link = format!("{}/crm/v3/objects/deals?after={next}", world.base_url);
        body["paging"] = json!({"next": {"after": next.to_string(), "link": link}});
    }
    Ok((200, Some(body)))
}

pub(crate) fn create(world: &mut World, body: &Value) -> Answer {
    let values = properties_of(body, "")?;
    let associations = associations_of(body, "")?;
    world.validate_deal(&values, None)?;
    let now = world.now();
    let id = world.create_deal(values, associations, now);
    let deal = render::stored(&world.store, id).ok_or_else(ApiError::not_found)?;
    Ok((201, Some(deal)))
}

pub(crate) fn get_by_id(world: &mut World, key: &str, query: &Query) -> Answer {
    let archived = query.flag("archived")?;
    match world
        .store
        .resolve(key, query.get("idProperty"), archived)?
    {
        Lookup::Found(id) => {
            let deal = world.store.get(id).ok_or_else(ApiError::not_found)?;
            Ok((
                200,
                Some(render::deal(deal, &world.store.schema, &selection(query))),
            ))
        }
        Lookup::Missing => Err(ApiError::not_found()),
    }
}

pub(crate) fn update(world: &mut World, key: &str, query: &Query, body: &Value) -> Answer {
    let values = properties_of(body, "")?;
    let Lookup::Found(id) = world.store.resolve(key, query.get("idProperty"), false)? else {
        return Err(ApiError::not_found());
    };
    world.validate_deal(&values, Some(id))?;
    world.store.update(id, values, world.now());
    let deal = render::stored(&world.store, id).ok_or_else(ApiError::not_found)?;
    Ok((200, Some(deal)))
}

pub(crate) fn archive(world: &mut World, key: &str) -> Answer {
    let now = world.now();
    world.store.archive(key, now);
    Ok((204, None))
}

pub(crate) fn merge(world: &mut World, body: &Value) -> Answer {
    let primary = string_field(body, "primaryObjectId", "")?;
    let other = string_field(body, "objectIdToMerge", "")?;
    let resolve = |key: &str| match world.store.resolve(key, None, false)? {
        Lookup::Found(id) => Ok(id),
        Lookup::Missing => Err(ApiError::validation(format!(
            "Deal {key} does not exist or is archived"
        ))
        .with("context", json!({"id": [key]}))),
    };
    let (primary, other) = (resolve(primary)?, resolve(other)?);
    if primary == other {
        return Err(ApiError::validation("Cannot merge a deal with itself"));
    }
    let id = world.store.merge(primary, other, world.now());
    world.index(id);
    let deal = world.store.get(id).ok_or_else(ApiError::not_found)?;
    let selection = Selection::properties(vec![
        "dealname".into(),
        "amount".into(),
        "closedate".into(),
        "pipeline".into(),
        "dealstage".into(),
        "hs_merged_object_ids".into(),
    ]);
    Ok((
        200,
        Some(render::deal(deal, &world.store.schema, &selection)),
    ))
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
