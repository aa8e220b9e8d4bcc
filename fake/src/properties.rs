//! Deal property definitions: what each property the fake knows is (type, field type,
//! options, read-only, unique), served by the properties API (`/crm/v3/properties/deals`:
//! list, read one, batch read, create) and by the legacy v2 list
//! (`GET /properties/v2/{deal|deals}/properties`) that connectors still read.
//!
//! Types come from the same lists the fake checks written values against (`values.rs`), the
//! enumeration options from the account's pipelines, and a property created here is checked
//! by its type from then on: what a client learns here is what the fake enforces. A
//! property of the account's (not HubSpot's) can be changed (label, type, options) and
//! archived, one at a time or in batches; property groups are listed, created, changed and
//! archived (HubSpot's `dealinformation` stays).

use super::errors::ApiError;
use super::objects::Answer;
use super::state::World;
use super::store::{CustomProperty, READ_ONLY, Schema, account_created, timestamp};
use super::values::{DATETIMES, NUMBERS};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// HubSpot's labels for its default properties and stages (others are labelled by name).
const LABELS: &[(&str, &str)] = &[
    ("dealname", "Deal Name"),
    ("amount", "Amount"),
    ("closedate", "Close Date"),
    ("pipeline", "Pipeline"),
    ("dealstage", "Deal Stage"),
    ("dealtype", "Deal Type"),
    ("description", "Deal Description"),
    ("hubspot_owner_id", "Deal owner"),
    ("hs_priority", "Priority"),
    ("createdate", "Create Date"),
    ("hs_lastmodifieddate", "Last Modified Date"),
    ("hs_object_id", "Record ID"),
    ("hs_merged_object_ids", "Merged Deal IDs"),
    ("hs_is_closed", "Is Closed"),
    ("hs_deal_stage_probability", "Deal Stage Probability"),
    ("default", "Sales Pipeline"),
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
    ("newbusiness", "New Business"),
    ("existingbusiness", "Existing Business"),
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
];

/// HubSpot's label for a default property or option; the name itself for the rest.
fn label(name: &str) -> &str {
    LABELS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, label)| label)
}

/// One property's definition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Definition {
    pub name: String,
    pub label: String,
    /// HubSpot's type: `string`, `number`, `date`, `datetime`, `enumeration`, `bool`.
    pub kind: String,
    /// How HubSpot's forms show it: `text`, `number`, `date`, `select`, `booleancheckbox`, …
    pub field_type: String,
    /// The values an enumeration takes, with their labels, in display order.
    pub options: Vec<(String, String)>,
    pub read_only: bool,
    pub unique: bool,
    /// Defined by HubSpot (not created in the account).
    pub hubspot_defined: bool,
    /// When it was created (HubSpot's own: the account's creation).
    pub created_at: DateTime<Utc>,
}

/// Every deal property the account has, by name.
pub(crate) fn definitions(schema: &Schema) -> Vec<Definition> {
    schema
        .properties
        .iter()
        .map(|name| {
            let described = |pipeline: &str, stage: &str| {
                let key = (pipeline.to_string(), stage.to_string());
                let given = schema.described.get(&key).map(|d| d.label.clone());
                let value = if stage.is_empty() { pipeline } else { stage };
                (
                    value.to_string(),
                    given.unwrap_or_else(|| label(value).to_string()),
                )
            };
            let listed = |values: &[&str]| -> Vec<(String, String)> {
                values
                    .iter()
                    .map(|v| (v.to_string(), label(v).to_string()))
                    .collect()
            };
            let enumeration = |options: Vec<(String, String)>| ("enumeration", "select", options);
            let (kind, field_type, options) = match name.as_str() {
                n if NUMBERS.contains(&n) => ("number", "number", Vec::new()),
                n if DATETIMES.contains(&n) || n == "hs_lastmodifieddate" => {
                    ("datetime", "date", Vec::new())
                }
                "hs_is_closed" => ("bool", "booleancheckbox", Vec::new()),
                "hs_deal_stage_probability" | "hs_object_id" => ("number", "number", Vec::new()),
                "pipeline" => enumeration(
                    schema
                        .pipelines
                        .iter()
                        .map(|p| described(&p.id, ""))
                        .collect(),
                ),
                "dealstage" => enumeration(
                    schema
                        .pipelines
                        .iter()
                        .flat_map(|p| p.stages.iter().map(|s| described(&p.id, s)))
                        .collect(),
                ),
                "dealtype" => enumeration(listed(&["newbusiness", "existingbusiness"])),
                "hs_priority" => enumeration(listed(&["low", "medium", "high"])),
                "description" => ("string", "textarea", Vec::new()),
                _ => ("string", "text", Vec::new()),
            };
            if let Some(custom) = schema.custom.get(name) {
                return Definition {
                    name: name.clone(),
                    label: custom.label.clone(),
                    kind: custom.kind.clone(),
                    field_type: custom.field_type.clone(),
                    options: custom.options.clone(),
                    read_only: false,
                    unique: schema.unique.contains(name),
                    hubspot_defined: false,
                    created_at: custom.created_at,
                };
            }
            Definition {
                name: name.clone(),
                label: label(name).to_string(),
                kind: kind.to_string(),
                field_type: field_type.to_string(),
                options,
                read_only: READ_ONLY.contains(&name.as_str()),
                unique: schema.unique.contains(name),
                hubspot_defined: LABELS.iter().any(|(n, _)| n == name),
                created_at: account_created(),
            }
        })
        .collect()
}

/// A definition in the v2 API's shape.
fn v2(definition: &Definition) -> Value {
    let options: Vec<Value> = definition
        .options
        .iter()
        .enumerate()
        .map(|(order, (value, label))| {
            json!({"value": value, "label": label, "displayOrder": order,
                   "hidden": false, "readOnly": false, "description": null})
        })
        .collect();
    json!({
        "name": definition.name,
        "label": definition.label,
        "description": "",
        "groupName": "dealinformation",
        "type": definition.kind,
        "fieldType": definition.field_type,
        "options": options,
        "readOnlyValue": definition.read_only,
        "readOnlyDefinition": definition.read_only,
        "calculated": definition.read_only,
        "externalOptions": false,
        "hasUniqueValue": definition.unique,
        "hidden": false,
        "hubspotDefined": definition.hubspot_defined,
        "formField": !definition.read_only,
        "displayOrder": -1,
        "deleted": false,
    })
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

/// `GET /properties/v2/{deal|deals}/properties`: every definition, as a bare JSON array.
pub(crate) fn v2_get_all(schema: &Schema) -> Answer {
    let all: Vec<Value> = definitions(schema).iter().map(v2).collect();
    Ok((200, Some(Value::Array(all))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Pipeline;

    #[test]
    fn types_follow_what_the_fake_checks_and_options_follow_the_pipelines() {
        let mut schema = Schema::default();
        schema.pipelines.push(Pipeline::new("77", ["101", "102"]));
        schema.properties.insert("external_id".into());
        schema.unique.insert("external_id".into());
        let all = definitions(&schema);
        let find = |name: &str| all.iter().find(|d| d.name == name).unwrap();
        assert_eq!(find("amount").kind, "number");
        assert_eq!(find("closedate").kind, "datetime");
        assert_eq!(find("dealname").kind, "string");
        assert!(find("hs_object_id").read_only && !find("dealname").read_only);
        assert!(find("external_id").unique && !find("dealname").unique);
        let values = |name: &str| -> Vec<String> {
            find(name).options.iter().map(|(v, _)| v.clone()).collect()
        };
        assert_eq!(values("pipeline"), ["default", "77"]);
        assert!(values("dealstage").contains(&"102".to_string()));
        let won = find("dealstage")
            .options
            .iter()
            .find(|(v, _)| v == "closedwon")
            .cloned();
        assert_eq!(won, Some(("closedwon".into(), "Closed Won".into())));
        assert_eq!(all.len(), schema.properties.len(), "every property, once");
    }
}
