//! Deal property definitions, served by the properties API (`/crm/properties/{version}/deals`,
//! `/crm/v3/properties/deals`: list, read one, batch read, create).
//!
//! What a client learns here is what the fake enforces (`store::definitions`). A
//! property of the account's (not HubSpot's) can be changed (label, type, options) and
//! archived, one at a time or in batches; property groups are listed, created, changed and
//! archived (HubSpot's `dealinformation` stays).

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::store::definitions::{Definition, definitions};
use crate::store::{CustomProperty, timestamp};
use crate::world::World;
use serde_json::{Value, json};

/// Runs a properties operation.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    let answer = run(world, request);
    crate::apis::request::versioned_batch(answer, request, world.now(), false)
}

/// Runs the operation, answering as v3 and v4 do.
fn run(world: &mut World, request: &Request) -> Answer {
    let (property, group) = (request.param("propertyName"), request.param("groupName"));
    match request.call.operation.name {
        "list_properties" => get_all(world),
        "create_property" => create(world, &request.json()?),
        "batch_archive_properties" => batch_archive(world, &request.json()?),
        "batch_create_properties" => batch_create(world, &request.json()?),
        "batch_read_properties" => batch_read(world, &request.json()?),
        "list_property_groups" => groups(world),
        "create_property_group" => create_group(world, &request.json()?),
        "get_property_group" => get_group(world, group),
        "archive_property_group" => archive_group(world, group),
        "update_property_group" => update_group(world, group, &request.json()?),
        "get_property" => get_by_name(world, property),
        "archive_property" => archive(world, property),
        "update_property" => update(world, property, &request.json()?),
        _ => Err(ApiError::not_found()),
    }
}

/// A definition in the v3 API's shape.
fn v3(definition: &Definition) -> Value {
    let options: Vec<Value> = definition
        .options
        .iter()
        .enumerate()
        .map(|(order, (value, label))| {
            json!({"value": value, "label": label, "displayOrder": order, "hidden": false})
        })
        .collect();
    let at = timestamp(definition.created_at);
    json!({
        "name": definition.name,
        "label": definition.label,
        "type": definition.kind,
        "fieldType": definition.field_type,
        "description": "",
        "groupName": "dealinformation",
        "options": options,
        "displayOrder": -1,
        "calculated": definition.read_only,
        "externalOptions": false,
        "hasUniqueValue": definition.unique,
        "hidden": false,
        "hubspotDefined": definition.hubspot_defined,
        "formField": !definition.read_only,
        "modificationMetadata": {
            "archivable": !definition.hubspot_defined,
            "readOnlyDefinition": definition.hubspot_defined,
            "readOnlyValue": definition.read_only,
        },
        "createdAt": at,
        "updatedAt": at,
        "archived": false,
    })
}

/// `GET /crm/v3/properties/deals`: every definition.
pub(crate) fn get_all(world: &World) -> Answer {
    let all: Vec<Value> = definitions(&world.store.schema).iter().map(v3).collect();
    Ok((200, Some(json!({ "results": all }))))
}

/// `GET /crm/v3/properties/deals/{propertyName}`.
pub(crate) fn get_by_name(world: &World, name: &str) -> Answer {
    definitions(&world.store.schema)
        .iter()
        .find(|d| d.name == name)
        .map(|d| (200, Some(v3(d))))
        .ok_or_else(ApiError::not_found)
}

/// `POST /crm/v3/properties/deals/batch/read`: the named definitions; unknown names are
/// left out of the results.
pub(crate) fn batch_read(world: &World, body: &Value) -> Answer {
    let inputs = body["inputs"]
        .as_array()
        .ok_or_else(|| ApiError::validation("Invalid input JSON: inputs is required"))?;
    let names: Vec<&str> = inputs.iter().filter_map(|i| i["name"].as_str()).collect();
    if names.len() != inputs.len() {
        return Err(ApiError::validation(
            "Invalid input JSON: each input needs a name",
        ));
    }
    let all = definitions(&world.store.schema);
    let results: Vec<Value> = names
        .iter()
        .filter_map(|n| all.iter().find(|d| d.name == *n))
        .map(v3)
        .collect();
    let now = timestamp(world.now());
    Ok((
        200,
        Some(
            json!({"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}),
        ),
    ))
}

/// The field types HubSpot takes for each property type.
const FIELD_TYPES: &[(&str, &[&str])] = &[
    (
        "string",
        &["text", "textarea", "html", "phonenumber", "file"],
    ),
    ("number", &["number", "calculation_equation"]),
    ("date", &["date"]),
    ("datetime", &["date"]),
    (
        "enumeration",
        &["select", "radio", "checkbox", "booleancheckbox"],
    ),
    ("bool", &["booleancheckbox"]),
];

/// `POST /crm/v3/properties/deals`: a custom property. Its name is lowercase letters, digits
/// and underscores, not already taken; an enumeration needs options; `hasUniqueValue` makes
/// it an id property for upserts (only a string or number may be unique).
pub(crate) fn create(world: &mut World, body: &Value) -> Answer {
    let name = create_one(world, body)?;
    let (_, created) = get_by_name(world, &name)?;
    Ok((201, created))
}

/// A `{value, label}` option list.
fn options_of(body: &Value) -> Vec<(String, String)> {
    body["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            Some((
                o["value"].as_str()?.to_string(),
                o["label"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Whether `field_type` goes with `kind`, or the reason it does not.
fn field_type_fits(kind: &str, field_type: &str) -> Result<(), ApiError> {
    let Some((_, fields)) = FIELD_TYPES.iter().find(|(k, _)| *k == kind) else {
        let kinds: Vec<&str> = FIELD_TYPES.iter().map(|(k, _)| *k).collect();
        return Err(ApiError::validation(format!(
            "type {kind:?} is not one of {}",
            kinds.join(", ")
        )));
    };
    if fields.contains(&field_type) {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "fieldType {field_type:?} does not go with type {kind:?} (use one of {})",
        fields.join(", ")
    )))
}

/// The account's own property `name` (one HubSpot defines cannot change), as it stands.
fn changeable(world: &World, name: &str) -> Result<Definition, ApiError> {
    let definition = definitions(&world.store.schema)
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(ApiError::not_found)?;
    if definition.hubspot_defined || definition.read_only {
        return Err(ApiError::validation(format!(
            "{name} is defined by HubSpot: its definition cannot be changed or archived"
        )));
    }
    Ok(definition)
}

/// `PATCH /crm/v3/properties/deals/{propertyName}`: a new label, type and field type,
/// options (an enumeration keeps at least one); values already stored are kept.
pub(crate) fn update(world: &mut World, name: &str, body: &Value) -> Answer {
    let current = changeable(world, name)?;
    let text = |field: &str| body[field].as_str().filter(|v| !v.trim().is_empty());
    let kind = text("type").unwrap_or(&current.kind).to_string();
    let field_type = text("fieldType").unwrap_or(&current.field_type).to_string();
    field_type_fits(&kind, &field_type)?;
    let options = if body["options"].is_array() {
        options_of(body)
    } else {
        current.options.clone()
    };
    if kind == "enumeration" && options.is_empty() {
        return Err(ApiError::validation(
            "an enumeration needs options, each with a label and a value",
        ));
    }
    if world.store.schema.unique.contains(name) && kind != "string" && kind != "number" {
        return Err(ApiError::validation(format!(
            "{name} has unique values: it stays a string or a number"
        )));
    }
    let label = text("label").unwrap_or(&current.label).to_string();
    world.store.schema.custom.insert(
        name.to_string(),
        CustomProperty {
            label,
            kind,
            field_type,
            options,
            created_at: current.created_at,
        },
    );
    get_by_name(world, name)
}

/// `DELETE /crm/v3/properties/deals/{propertyName}`: the account's property is archived
/// (no longer listed, read or written; HubSpot's own cannot be).
pub(crate) fn archive(world: &mut World, name: &str) -> Answer {
    changeable(world, name)?;
    let schema = &mut world.store.schema;
    schema.properties.remove(name);
    schema.unique.remove(name);
    schema.custom.remove(name);
    Ok((204, None))
}

/// `POST …/batch/create`: several properties, each as `create` takes it (201; 207 with the
/// inputs refused and why).
pub(crate) fn batch_create(world: &mut World, body: &Value) -> Answer {
    let inputs = body["inputs"]
        .as_array()
        .ok_or_else(|| ApiError::validation("Invalid input JSON: inputs is required"))?;
    let started = timestamp(world.now());
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for input in inputs {
        match create_one(world, input) {
            Ok(name) => results.push(get_by_name(world, &name)?.1.unwrap_or_default()),
            Err(error) => errors.push(json!({
                "status": "error",
                "category": error.body["category"],
                "message": error.body["message"],
                "context": {"name": [input["name"].as_str().unwrap_or_default()]},
                "errors": [],
                "links": {},
            })),
        }
    }
    let mut answer = json!({"status": "COMPLETE", "results": results, "startedAt": started,
                            "completedAt": timestamp(world.now())});
    if errors.is_empty() {
        return Ok((201, Some(answer)));
    }
    answer["numErrors"] = errors.len().into();
    answer["errors"] = errors.into();
    Ok((207, Some(answer)))
}

/// `POST …/batch/archive`: the named properties of the account (204; HubSpot's own stay).
pub(crate) fn batch_archive(world: &mut World, body: &Value) -> Answer {
    let inputs = body["inputs"]
        .as_array()
        .ok_or_else(|| ApiError::validation("Invalid input JSON: inputs is required"))?;
    let mut names = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let name = input["name"].as_str().ok_or_else(|| {
            ApiError::validation(format!("Invalid input JSON: inputs[{i}].name is required"))
        })?;
        names.push(name.to_string());
    }
    for name in names {
        if changeable(world, &name).is_ok() {
            archive(world, &name)?;
        }
    }
    Ok((204, None))
}

/// A body's text field that must be there and not blank.
fn required_text(body: &Value, field: &str) -> Result<String, ApiError> {
    body[field]
        .as_str()
        .filter(|v| !v.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::validation(format!("{field} is required")))
}

/// HubSpot's deal property group, which every property above is in.
const DEFAULT_GROUP: (&str, &str) = ("dealinformation", "Deal information");

/// A group in the API's shape.
fn group(name: &str, label: &str, order: i64) -> Value {
    json!({"name": name, "label": label, "displayOrder": order, "archived": false})
}

/// `GET …/groups`: HubSpot's group, then those created.
pub(crate) fn groups(world: &World) -> Answer {
    let mut results = vec![group(DEFAULT_GROUP.0, DEFAULT_GROUP.1, -1)];
    results.extend(
        world
            .store
            .schema
            .property_groups
            .iter()
            .map(|(name, (label, order))| group(name, label, *order)),
    );
    Ok((200, Some(json!({ "results": results }))))
}

/// `GET …/groups/{groupName}`.
pub(crate) fn get_group(world: &World, name: &str) -> Answer {
    if name == DEFAULT_GROUP.0 {
        return Ok((200, Some(group(DEFAULT_GROUP.0, DEFAULT_GROUP.1, -1))));
    }
    let (label, order) = world
        .store
        .schema
        .property_groups
        .get(name)
        .ok_or_else(ApiError::not_found)?;
    Ok((200, Some(group(name, label, *order))))
}

/// `POST …/groups`: a group (`name`, `label`, optional `displayOrder`); a name taken is 409.
pub(crate) fn create_group(world: &mut World, body: &Value) -> Answer {
    let text = |field: &str| required_text(body, field);
    let (name, label) = (text("name")?, text("label")?);
    if name == DEFAULT_GROUP.0 || world.store.schema.property_groups.contains_key(&name) {
        return Err(ApiError::conflict(format!(
            "A property group named '{name}' already exists."
        )));
    }
    let order = body["displayOrder"].as_i64().unwrap_or(-1);
    world
        .store
        .schema
        .property_groups
        .insert(name.clone(), (label.clone(), order));
    Ok((201, Some(group(&name, &label, order))))
}

/// `PATCH …/groups/{groupName}`: a new label or display order (HubSpot's group stays).
pub(crate) fn update_group(world: &mut World, name: &str, body: &Value) -> Answer {
    let (label, order) = world
        .store
        .schema
        .property_groups
        .get_mut(name)
        .ok_or_else(|| {
            if name == DEFAULT_GROUP.0 {
                ApiError::validation("HubSpot's dealinformation group cannot be changed")
            } else {
                ApiError::not_found()
            }
        })?;
    if let Some(new) = body["label"].as_str().filter(|l| !l.trim().is_empty()) {
        *label = new.to_string();
    }
    if let Some(new) = body["displayOrder"].as_i64() {
        *order = new;
    }
    let (label, order) = (label.clone(), *order);
    Ok((200, Some(group(name, &label, order))))
}

/// `DELETE …/groups/{groupName}`: 204 (HubSpot's group stays).
pub(crate) fn archive_group(world: &mut World, name: &str) -> Answer {
    if name == DEFAULT_GROUP.0 {
        return Err(ApiError::validation(
            "HubSpot's dealinformation group cannot be archived",
        ));
    }
    world
        .store
        .schema
        .property_groups
        .remove(name)
        .ok_or_else(ApiError::not_found)?;
    Ok((204, None))
}

/// Creates one property as `create` describes; its name.
fn create_one(world: &mut World, body: &Value) -> Result<String, ApiError> {
    let text = |field: &str| required_text(body, field);
    let name = text("name")?;
    let (label, kind, field_type) = (text("label")?, text("type")?, text("fieldType")?);
    text("groupName")?;
    let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_name {
        return Err(ApiError::validation(format!(
            "name {name:?}: a property name is lowercase letters, digits and underscores, starting with a letter"
        )));
    }
    if world.store.schema.properties.contains(&name) {
        return Err(ApiError::conflict(format!(
            "Property named '{name}' already exists."
        )));
    }
    field_type_fits(&kind, &field_type)?;
    let options = options_of(body);
    if kind == "enumeration" && options.is_empty() {
        return Err(ApiError::validation(
            "an enumeration needs options, each with a label and a value",
        ));
    }
    let unique = body["hasUniqueValue"].as_bool().unwrap_or(false);
    if unique && kind != "string" && kind != "number" {
        return Err(ApiError::validation(format!(
            "hasUniqueValue: a {kind} property cannot be unique (use a string or a number)"
        )));
    }
    let created_at = world.now();
    let schema = &mut world.store.schema;
    schema.properties.insert(name.clone());
    if unique {
        schema.unique.insert(name.clone());
    }
    schema.custom.insert(
        name.clone(),
        CustomProperty {
            label,
            kind,
            field_type,
            options,
            created_at,
        },
    );
    Ok(name)
}
