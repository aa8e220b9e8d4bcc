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

use super::errors::ApiError;
use super::objects::{Answer, string_field};
use super::query::Query;
use super::routes::Params;
use super::state::World;
use super::store::{Lookup, UserLabel, timestamp};
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
    /// HubSpot's other (labelled) types from deals to it.
    defined: &'static [(i64, &'static str)],
}

const TARGETS: &[Target] = &[
    Target {
        name: "contacts",
        singular: "contact",
        type_id: "0-1",
        default_type: 3,
        label: "deal_to_contact",
        defined: &[],
    },
    Target {
        name: "companies",
        singular: "company",
        type_id: "0-2",
        default_type: 5,
        label: "deal_to_company",
        defined: &[(341, "Primary")],
    },
    Target {
        name: "line_items",
        singular: "line_item",
        type_id: "0-8",
        default_type: 19,
        label: "deal_to_line_item",
        defined: &[],
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

/// The object type (plural) `name` names and how the store records its default
/// association type, if deals associate with it.
pub(crate) fn default_kind(name: &str) -> Option<(&'static str, &'static str)> {
    target(name).ok().map(|t| (t.name, t.label))
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

/// How the store records an association's type: the default type by its v3 name
/// (`deal_to_contact`, which v3 listings show), any other as `CATEGORY/typeId`.
fn kind(target: &Target, category: &str, type_id: i64) -> String {
    if category == "HUBSPOT_DEFINED" && type_id == target.default_type {
        target.label.to_string()
    } else {
        format!("{category}/{type_id}")
    }
}

/// An association type as v4 answers it (`{category, typeId, label}`), from its record.
fn spec_of(world: &World, target: &Target, kind: &str) -> Value {
    if kind == target.label {
        return json!({"category": "HUBSPOT_DEFINED", "typeId": target.default_type, "label": null});
    }
    let (category, type_id) = kind.split_once('/').unwrap_or(("HUBSPOT_DEFINED", "0"));
    let type_id: i64 = type_id.parse().unwrap_or_default();
    let label = target
        .defined
        .iter()
        .find(|(id, _)| *id == type_id)
        .map(|(_, label)| label.to_string())
        .or_else(|| {
            world
                .store
                .schema
                .association_labels
                .iter()
                .find(|l| l.target == target.name && l.type_id == type_id)
                .map(|l| l.label.clone())
        });
    json!({"category": category, "typeId": type_id, "label": label})
}

/// The record of the association type `spec` (`{associationCategory, associationTypeId}`
/// or `{category, typeId}`) names, if deals may associate with `target` by it.
fn kind_of(world: &World, target: &Target, spec: &Value, at: &str) -> Result<String, ApiError> {
    let (category, type_id) = type_of(world, target, spec, at)?;
    Ok(kind(target, &category, type_id))
}

/// The category and type id `spec` (`{associationCategory, associationTypeId}` or
/// `{category, typeId}`) names, if deals may associate with `target` by it.
fn type_of(
    world: &World,
    target: &Target,
    spec: &Value,
    at: &str,
) -> Result<(String, i64), ApiError> {
    let category = spec
        .get("associationCategory")
        .or_else(|| spec.get("category"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::validation(format!(
                "Invalid input JSON: {at}associationCategory is required"
            ))
        })?;
    let type_id = spec
        .get("associationTypeId")
        .or_else(|| spec.get("typeId"))
        .and_then(Value::as_i64);
    let known = match (category, type_id) {
        ("HUBSPOT_DEFINED", Some(id)) => {
            id == target.default_type || target.defined.iter().any(|(d, _)| *d == id)
        }
        ("USER_DEFINED", Some(id)) => world
            .store
            .schema
            .association_labels
            .iter()
            .any(|l| l.target == target.name && l.type_id == id),
        _ => false,
    };
    match (known, type_id) {
        (true, Some(id)) => Ok((category.to_string(), id)),
        _ => Err(ApiError::validation(format!(
            "{at}: association {category}/{} is not defined from deals to {} (use HUBSPOT_DEFINED/{}, or a label of GET /crm/associations/v4/deals/{}/labels)",
            type_id.map_or("(missing)".to_string(), |t| t.to_string()),
            target.name,
            target.default_type,
            target.name
        ))),
    }
}

/// An object id as HubSpot's associations v4 answers it: a JSON number when it is one.
fn object_id(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

/// The labels of the association types `kinds` (`[]` for the unlabelled default).
fn labels_of(world: &World, target: &Target, kinds: &[String]) -> Vec<Value> {
    kinds
        .iter()
        .map(|k| spec_of(world, target, k)["label"].clone())
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
            let types: Vec<Value> = kinds.iter().map(|k| spec_of(world, target, k)).collect();
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

/// The `inputs` of a batch body, at most 1,000 (HubSpot's cap for associations batches).
fn inputs(body: &Value) -> Result<&Vec<Value>, ApiError> {
    let inputs = body["inputs"]
        .as_array()
        .ok_or_else(|| ApiError::validation("Invalid input JSON: inputs is required (an array)"))?;
    if inputs.len() > ASSOCIATIONS_BATCH_READ_INPUTS {
        return Err(ApiError::validation(format!(
            "Too many inputs: {} (at most {ASSOCIATIONS_BATCH_READ_INPUTS} in one associations batch)",
            inputs.len()
        )));
    }
    Ok(inputs)
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

/// A batch answer: `results`, and the errors when there are any (then 207).
fn batch_answer(
    world: &World,
    started: String,
    ok: u16,
    results: Vec<Value>,
    errors: Vec<Value>,
) -> Answer {
    let mut answer = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": timestamp(world.now()),
    });
    if errors.is_empty() {
        return Ok((ok, Some(answer)));
    }
    answer["numErrors"] = errors.len().into();
    answer["errors"] = errors.into();
    Ok((207, Some(answer)))
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

/// The labels of deals' associations with `target`: HubSpot's, then those created.
fn labels(world: &World, target: &Target) -> Vec<Value> {
    let mut out = vec![spec_of(world, target, target.label)];
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
            let mut row = spec_of(world, target, &kind(target, category, *type_id));
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
        let (category, type_id) = type_of(world, target, input, &at)?;
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
        let mut row = spec_of(world, target, &kind(target, &category, type_id));
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

/// HubSpot's type id of an object type deals associate with (`0-1` for contacts).
pub(crate) fn object_type_id(name: &str) -> Option<&'static str> {
    target(name).ok().map(|t| t.type_id)
}

/// What the journal says of a recorded association: the object's type id and the
/// association's category and type id (`None` for an object type deals do not associate with).
pub(crate) fn journal_spec(object: &str, kind: &str) -> Option<(&'static str, String, i64)> {
    let target = target(object).ok()?;
    if kind == target.label {
        return Some((
            target.type_id,
            "HUBSPOT_DEFINED".into(),
            target.default_type,
        ));
    }
    let (category, type_id) = kind.split_once('/')?;
    Some((target.type_id, category.to_string(), type_id.parse().ok()?))
}
