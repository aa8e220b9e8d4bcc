//! Deal property definitions: what each property the fake knows is (type, field type,
//! options, read-only, unique), as the properties API and the legacy v1 and v2 lists serve
//! them. Types come from the same lists the fake checks written values against
//! (`values.rs`), the enumeration options from the account's pipelines, and a property
//! created through the API is checked by its type from then on.

use crate::store::values::{DATETIMES, NUMBERS};
use crate::store::{READ_ONLY, Schema, account_created};
use chrono::{DateTime, Utc};

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
    ("hs_is_closed_won", "Is Closed Won"),
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
                "hs_is_closed" | "hs_is_closed_won" => ("bool", "booleancheckbox", Vec::new()),
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
