//! The reads connectors make around deals on HubSpot's oldest APIs: the account's custom
//! object schemas (`GET /crm/v3/schemas`: none, as in an account without custom objects),
//! deal property definitions in the legacy v1/v2 shape (`GET /properties/v2/deals/properties`)
//! and deals a page at a time in v1's shape (`GET /deals/v1/deal/paged`, which Singer's
//! tap-hubspot reads). HubSpot ends these with its numbered APIs (the registry's `legacy_crm`
//! row).

use crate::apis::request::Request;
use crate::errors::{Answer, ApiError};
use crate::query::Query;
use crate::store::definitions::{Definition, definitions};
use crate::store::values::datetime;
use crate::store::{Deal, PastValue, Schema};
use crate::world::World;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// v1's page size when `limit` is absent, and its largest.
const V1_PAGE: (u32, u32) = (100, 250);

/// Runs one of the legacy reads.
pub(crate) fn handle(world: &mut World, request: &Request) -> Answer {
    match request.call.operation.name {
        "legacy_schemas" => Ok((200, Some(json!({"results": []})))),
        "legacy_deal_properties" => v2_get_all(&world.store.schema),
        "legacy_deals_paged" => deals_paged(world, &request.query),
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

/// `GET /deals/v1/deal/paged`: live deals by id after `offset` (the last id of the page
/// before), `limit` at a time. Properties come as v1 gives them: none unless named in
/// `properties` or `propertiesWithHistory`, or all with `includeAllProperties`; each with its
/// value, when and how it was set, and its versions (newest first: every one for a property
/// named in `propertiesWithHistory`, or for all properties unless
/// `allPropertiesFetchMode=latest_version`; else the latest).
pub(crate) fn deals_paged(world: &mut World, query: &Query) -> Answer {
    let limit = query.limit(V1_PAGE.0, V1_PAGE.1)? as usize;
    let after = match query.get("offset") {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<u64>().map_err(|_| {
            ApiError::validation(format!(
                "offset must be a deal id from the page before, got {raw:?}"
            ))
        })?),
    };
    let all = query.flag("includeAllProperties")?;
    let every_version = all && query.get("allPropertiesFetchMode") != Some("latest_version");
    let with_history = query.list("propertiesWithHistory");
    let mut named = query.list("properties");
    named.extend(with_history.iter().cloned());
    let associations = query.flag("includeAssociations")?;
    let schema = &world.store.schema;
    // v1 gives dates and date-times as epoch milliseconds.
    let dates: BTreeSet<String> = definitions(schema)
        .into_iter()
        .filter(|d| d.kind == "date" || d.kind == "datetime")
        .map(|d| d.name)
        .collect();
    let from = after.map_or(0, |id| id.saturating_add(1));
    let mut deals = world.store.range(from, false);
    let page: Vec<&Deal> = deals.by_ref().take(limit).collect();
    let has_more = deals.next().is_some();
    let rendered: Vec<Value> = page
        .iter()
        .map(|deal| {
            let names: Vec<&str> = if all {
                schema.properties.iter().map(String::as_str).collect()
            } else {
                named
                    .iter()
                    .map(String::as_str)
                    .filter(|n| schema.readable(n))
                    .collect()
            };
            let mut properties = Map::new();
            for name in names {
                let full = every_version || with_history.iter().any(|n| n == name);
                let date = dates.contains(name);
                if let Some(property) = v1_property(deal, schema, name, full, date) {
                    properties.insert(name.to_string(), property);
                }
            }
            let mut out = json!({
                "portalId": crate::PORTAL_ID,
                "dealId": deal.id,
                "isDeleted": false,
                "properties": properties,
                "imports": [],
                "stateChanges": [],
            });
            if associations {
                out["associations"] = v1_associations(deal);
            }
            out
        })
        .collect();
    let offset = page.last().map_or(after.unwrap_or(0), |d| d.id);
    Ok((
        200,
        Some(json!({"deals": rendered, "hasMore": has_more, "offset": offset})),
    ))
}

/// One property of `deal` in v1's shape, or `None` when it has no value (v1 leaves it out);
/// a `date` one's values in epoch milliseconds.
fn v1_property(
    deal: &Deal,
    schema: &Schema,
    name: &str,
    every_version: bool,
    date: bool,
) -> Option<Value> {
    let v1_value = |value: &str| match datetime(value) {
        Some(at) if date => at.timestamp_millis().to_string(),
        _ => value.to_string(),
    };
    let value = v1_value(&deal.value_in(schema, name)?);
    let past = deal.history.get(name).map_or(&[][..], Vec::as_slice);
    let millis = |at: DateTime<Utc>| at.timestamp_millis();
    let version = |past: &PastValue| {
        json!({"name": name, "value": v1_value(&past.value), "timestamp": millis(past.at),
               "source": "API", "sourceId": null, "sourceVid": []})
    };
    let mut versions: Vec<Value> = past.iter().rev().map(version).collect();
    let set_at = past.last().map_or(deal.updated_at, |p| p.at);
    if versions.is_empty() {
        // Values HubSpot computes (an id, a modification time) have one version: the current.
        versions.push(version(&PastValue {
            value: value.clone(),
            at: set_at,
        }));
    }
    if !every_version {
        versions.truncate(1);
    }
    Some(
        json!({"value": value, "timestamp": millis(set_at), "source": "API",
                "sourceId": null, "versions": versions}),
    )
}

/// `deal`'s associations in v1's shape: ids of contacts, companies, deals and tickets.
fn v1_associations(deal: &Deal) -> Value {
    let ids = |kind: &str| -> Vec<Value> {
        deal.associations
            .iter()
            .filter(|(object, _, _)| object == kind)
            .map(|(_, id, _)| id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n)))
            .collect()
    };
    json!({
        "associatedVids": ids("contacts"),
        "associatedCompanyIds": ids("companies"),
        "associatedDealIds": ids("deals"),
        "associatedTicketIds": ids("tickets"),
    })
}
