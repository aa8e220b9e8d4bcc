//! The reads connectors make around deals on HubSpot's oldest APIs: the account's custom
//! object schemas (`GET /crm/v3/schemas`: none, as in an account without custom objects) and
//! deal property definitions in the legacy v2 shape (`GET /properties/v2/deals/properties`).
//! HubSpot ends these with its numbered APIs (the registry's `legacy_crm` row).

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::store::Schema;
use crate::store::definitions::{Definition, definitions};
use crate::world::World;
use serde_json::{Value, json};

/// Runs one of the legacy reads.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    match request.call.operation.name {
        "legacy_schemas" => Ok((200, Some(json!({"results": []})))),
        "legacy_deal_properties" => v2_get_all(&world.store.schema),
        _ => Err(ApiError::not_found()),
    }
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

/// `GET /properties/v2/{deal|deals}/properties`: every definition, as a bare JSON array.
pub(crate) fn v2_get_all(schema: &Schema) -> Answer {
    let all: Vec<Value> = definitions(schema).iter().map(v2).collect();
    Ok((200, Some(Value::Array(all))))
}
