//! Associations from the deal's side, as the date-versioned APIs and associations v4 serve
//! them: associate with labels, associate with the default type, list, remove, the v4
//! batches (read, create, default, archive, archive labels), the association labels
//! (list, create, rename, remove) and their limits; and GDPR deletion.
//!
//! Deals associate with contacts (`contacts`, `0-1`, default type 3), companies
//! (`companies`, `0-2`, default type 5, and HubSpot's `Primary` 341) and line items
//! (`line_items`, `0-8`, default type 19): the fake knows no other objects, and takes any id
//! for them (it does not keep contacts, companies or line items). Labels created through
//! the API (`USER_DEFINED`, numbered from 1001) may be used once they exist; any other type
//! is refused with the reason. Ids of associated objects are answered as JSON numbers, as
//! HubSpot sends them (its documents say text). Limits set through the API are kept and
//! listed, not enforced.

use crate::apis::request::Request;
use crate::apis::request::{association_inputs as inputs, batch_answer};
use crate::errors::{Answer, ApiError};
use crate::query::Query;
use crate::store::targets::{Target, kind, spec_of, target, type_of};
use crate::store::{Lookup, timestamp};
use crate::world::World;
use hubspot_deals::limits::ASSOCIATIONS_PAGE;
use serde_json::{Value, json};

/// The deal and object an association path names.
pub(crate) struct Params {
    /// The deal id (or unique value).
    pub id: String,
    /// `{toObjectType}`.
    pub to_type: String,
    /// `{toObjectId}`.
    pub to_id: String,
}

/// Runs an associations operation.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    let answer = run(world, request);
    crate::apis::request::versioned_batch(answer, request, world.now(), true)
}

/// Runs the operation, answering as v3 and v4 do.
fn run(world: &mut World, request: &Request) -> Answer {
    let deal = match request.param("objectId") {
        "" => request.param("fromObjectId"),
        id => id,
    };
    let params = Params {
        id: deal.to_string(),
        to_type: request.param("toObjectType").to_string(),
        to_id: request.param("toObjectId").to_string(),
    };
    let to_type = params.to_type.as_str();
    match request.call.operation.name {
        "read_associations" => list(world, &params, &request.query),
        "create_labelled_association" => associate(world, &params, &request.json()?),
        "create_default_association" => associate_default(world, &params),
        "remove_associations" => disassociate(world, &params),
        "batch_read_associations" => batch_read_v4(world, to_type, &request.json()?),
        "batch_create_associations" => batch_create(world, to_type, &request.json()?),
        "batch_create_default_associations" => batch_default(world, to_type, &request.json()?),
        "batch_archive_associations" => batch_archive(world, to_type, &request.json()?),
        "batch_archive_association_labels" => {
            batch_archive_labels(world, to_type, &request.json()?)
        }
        _ => Err(ApiError::not_found()),
    }
}

/// The live deal a path names.
fn deal(world: &World, key: &str) -> Result<u64, ApiError> {
    match world.store.resolve(key, None, false)? {
        Lookup::Found(id) => Ok(id),
        Lookup::Missing => Err(ApiError::not_found()),
    }
}

/// The live deal a batch input names, if any.
fn live(world: &World, key: &str) -> Option<u64> {
    match world.store.resolve(key, None, false) {
        Ok(Lookup::Found(id)) => Some(id),
        _ => None,
    }
}

/// The record of the association type `spec` (`{associationCategory, associationTypeId}`
/// or `{category, typeId}`) names, if deals may associate with `target` by it.
fn kind_of(world: &World, target: &Target, spec: &Value, at: &str) -> Result<String, ApiError> {
    let (category, type_id) = type_of(&world.store, target, spec, at)?;
    Ok(kind(target, &category, type_id))
}

/// An object id as HubSpot's associations v4 answers it: a JSON number when it is one.
fn object_id(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

/// The labels of the association types `kinds` (`[]` for the unlabelled default).
fn labels_of(world: &World, target: &Target, kinds: &[String]) -> Vec<Value> {
    kinds
        .iter()
        .map(|k| spec_of(&world.store, target, k)["label"].clone())
        .filter(|label| !label.is_null())
        .collect()
}

/// What a labelled association's creation answers (HubSpot's `LabelsBetweenObjectPair`).
fn pair(world: &World, target: &Target, from: u64, to: &str, kinds: &[String]) -> Value {
    json!({
        "fromObjectTypeId": "0-3",
        "fromObjectId": from,
        "toObjectTypeId": target.type_id,
        "toObjectId": object_id(to),
        "labels": labels_of(world, target, kinds),
    })
}

/// The association types of a list of specs, each checked.
fn kinds_of(
    world: &World,
    target: &Target,
    specs: &Value,
    at: &str,
) -> Result<Vec<String>, ApiError> {
    let specs = specs.as_array().ok_or_else(|| {
        ApiError::validation(format!(
            "Invalid input JSON: {at}types must be an array of association specs"
        ))
    })?;
    if specs.is_empty() {
        return Err(ApiError::validation(format!(
            "{at}: at least one association spec is required"
        )));
    }
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| kind_of(world, target, spec, &format!("{at}[{i}].")))
        .collect()
}

/// `PUT …/{id}/associations/{toObjectType}/{toObjectId}` with a list of association specs.
pub(crate) fn associate(world: &mut World, params: &Params, body: &Value) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    let kinds = kinds_of(world, target, body, "")?;
    for kind in &kinds {
        world.store.associate(id, target.name, &params.to_id, kind);
    }
    Ok((201, Some(pair(world, target, id, &params.to_id, &kinds))))
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
            "results": [default_result(target, &id.to_string(), &params.to_id)],
            "startedAt": now,
            "completedAt": now,
        })),
    ))
}

/// One result of a default association (`PublicDefaultAssociation`).
fn default_result(target: &Target, from: &str, to: &str) -> Value {
    json!({
        "from": {"id": from},
        "to": {"id": to},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": target.default_type},
    })
}

/// `DELETE …/{id}/associations/{toObjectType}/{toObjectId}`: 204 whether or not they were
/// associated.
pub(crate) fn disassociate(world: &mut World, params: &Params) -> Answer {
    let id = deal(world, &params.id)?;
    let target = target(&params.to_type)?;
    world
        .store
        .disassociate(id, target.name, &params.to_id, None);
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

/// One page of a deal's associations with `target`, in v4's shape (each associated object
/// once, with every type it is associated by), and the cursor of the next page if any.
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
    let mut objects: Vec<(&str, Vec<String>)> = Vec::new();
    for (object, to, kind) in &deal.associations {
        if object != target.name {
            continue;
        }
        match objects.iter_mut().find(|(id, _)| id == to) {
            Some((_, kinds)) => kinds.push(kind.clone()),
            None => objects.push((to, vec![kind.clone()])),
        }
    }
    let results = objects
        .iter()
        .skip(from)
        .take(limit)
        .map(|(to, kinds)| {
            let types: Vec<Value> = kinds
                .iter()
                .map(|k| spec_of(&world.store, target, k))
                .collect();
            json!({"toObjectId": object_id(to), "associationTypes": types})
        })
        .collect();
    let next = (from + limit < objects.len()).then_some(from + limit);
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

/// An `{id}` object's id (text or a number), or the error naming where it is missing.
fn id_at(value: &Value, at: &str) -> Result<String, ApiError> {
    match &value["id"] {
        Value::String(id) if !id.is_empty() => Ok(id.clone()),
        Value::Number(id) => Ok(id.to_string()),
        _ => Err(ApiError::validation(format!(
            "Invalid input JSON: {at}.id is required"
        ))),
    }
}

/// The `from` and `to` ids of batch input `i`.
fn from_to(input: &Value, i: usize) -> Result<(String, String), ApiError> {
    let at = format!("inputs[{i}]");
    Ok((
        id_at(&input["from"], &format!("{at}.from"))?,
        id_at(&input["to"], &format!("{at}.to"))?,
    ))
}

/// A batch error for a deal that does not exist.
fn missing_deal(key: &str) -> Value {
    json!({
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": format!("No deal with id {key} exists."),
        "context": {"fromObjectId": [key]},
        "errors": [],
        "links": {},
    })
}

/// `POST /crm/v4/associations/deals/{toObjectType}/batch/read`: each input deal's
/// associations with `to_type` (500 a deal, `after` for the rest). A deal with none, or that
/// does not exist, is an error of the answer (207), as HubSpot reports it
/// (`NO_ASSOCIATIONS_FOUND`), not an empty result.
pub(crate) fn batch_read_v4(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let started = timestamp(world.now());
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs(body)?.iter().enumerate() {
        let key = id_at(input, &format!("inputs[{i}]"))?;
        let from = offset(input["after"].as_str())?;
        let (to, next) = match live(world, &key) {
            Some(id) => page(world, id, target, from, ASSOCIATIONS_PAGE),
            None => (Vec::new(), None),
        };
        if to.is_empty() {
            errors.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": format!("No {} is associated with deal {key}.", target.singular),
                "context": {"fromObjectId": [key], "fromObjectType": ["deal"],
                            "toObjectType": [target.singular]},
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
    batch_answer(world, started, 200, results, errors)
}

/// The `{from, to, types}` inputs of a labelled batch, each checked.
fn labelled_inputs(
    world: &World,
    target: &Target,
    body: &Value,
) -> Result<Vec<(String, String, Vec<String>)>, ApiError> {
    let mut planned = Vec::new();
    for (i, input) in inputs(body)?.iter().enumerate() {
        let (key, to) = from_to(input, i)?;
        let at = format!("inputs[{i}].types");
        planned.push((key, to, kinds_of(world, target, &input["types"], &at)?));
    }
    Ok(planned)
}

/// `POST …/batch/create`: labelled associations, `{from, to, types}` each (201, or 207 with
/// the inputs whose deal does not exist).
pub(crate) fn batch_create(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let started = timestamp(world.now());
    let planned = labelled_inputs(world, target, body)?;
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (key, to, kinds) in planned {
        let Some(id) = live(world, &key) else {
            errors.push(missing_deal(&key));
            continue;
        };
        for kind in &kinds {
            world.store.associate(id, target.name, &to, kind);
        }
        results.push(pair(world, target, id, &to, &kinds));
    }
    batch_answer(world, started, 201, results, errors)
}

/// `POST …/batch/associate/default`: default associations, `{from, to}` each (200, with
/// the inputs whose deal does not exist in `errors`: HubSpot declares no 207 here).
pub(crate) fn batch_default(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let started = timestamp(world.now());
    let mut planned = Vec::new();
    for (i, input) in inputs(body)?.iter().enumerate() {
        planned.push(from_to(input, i)?);
    }
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (key, to) in planned {
        let Some(id) = live(world, &key) else {
            errors.push(missing_deal(&key));
            continue;
        };
        world.store.associate(id, target.name, &to, target.label);
        results.push(default_result(target, &id.to_string(), &to));
    }
    let (_, answer) = batch_answer(world, started, 200, results, errors)?;
    Ok((200, answer))
}

/// `POST …/batch/archive`: every association between each `from` and its `to` list (204).
pub(crate) fn batch_archive(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let mut planned = Vec::new();
    for (i, input) in inputs(body)?.iter().enumerate() {
        let at = format!("inputs[{i}]");
        let key = id_at(&input["from"], &format!("{at}.from"))?;
        let to = input["to"].as_array().ok_or_else(|| {
            ApiError::validation(format!("Invalid input JSON: {at}.to must be an array"))
        })?;
        let to = to
            .iter()
            .enumerate()
            .map(|(j, to)| id_at(to, &format!("{at}.to[{j}]")))
            .collect::<Result<Vec<_>, _>>()?;
        planned.push((key, to));
    }
    for (key, to) in planned {
        if let Some(id) = live(world, &key) {
            for to in to {
                world.store.disassociate(id, target.name, &to, None);
            }
        }
    }
    Ok((204, None))
}

/// `POST …/batch/labels/archive`: the named association types between each pair, leaving
/// the pair's other types (204).
pub(crate) fn batch_archive_labels(world: &mut World, to_type: &str, body: &Value) -> Answer {
    let target = target(to_type)?;
    let planned = labelled_inputs(world, target, body)?;
    for (key, to, kinds) in planned {
        if let Some(id) = live(world, &key) {
            world.store.disassociate(id, target.name, &to, Some(&kinds));
        }
    }
    Ok((204, None))
}
