//! The object types deals associate with in the fake, and how the store records an
//! association's type.

use crate::errors::ApiError;
use crate::store::Store;
use serde_json::{Value, json};

/// An object type deals associate with: its plural name, its type id, the default
/// association type from deals, and the label deals carry for it.
pub(crate) struct Target {
    pub name: &'static str,
    pub singular: &'static str,
    pub type_id: &'static str,
    pub default_type: i64,
    pub label: &'static str,
    /// HubSpot's other (labelled) types from deals to it.
    pub defined: &'static [(i64, &'static str)],
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

pub(crate) fn target(name: &str) -> Result<&'static Target, ApiError> {
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

/// How the store records an association's type: the default type by its v3 name
/// (`deal_to_contact`, which v3 listings show), any other as `CATEGORY/typeId`.
pub(crate) fn kind(target: &Target, category: &str, type_id: i64) -> String {
    if category == "HUBSPOT_DEFINED" && type_id == target.default_type {
        target.label.to_string()
    } else {
        format!("{category}/{type_id}")
    }
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

/// An association type as v4 answers it (`{category, typeId, label}`), from its record.
pub(crate) fn spec_of(store: &Store, target: &Target, kind: &str) -> Value {
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
            store
                .schema
                .association_labels
                .iter()
                .find(|l| l.target == target.name && l.type_id == type_id)
                .map(|l| l.label.clone())
        });
    json!({"category": category, "typeId": type_id, "label": label})
}

/// The category and type id `spec` (`{associationCategory, associationTypeId}` or
/// `{category, typeId}`) names, if deals may associate with `target` by it.
pub(crate) fn type_of(
    store: &Store,
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
        ("USER_DEFINED", Some(id)) => store
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
