//! The operation table (`hubspot_deals::operations`) against the documents: every operation of
//! `spec/deals.json`, and of every document `cargo xtask update-spec` imports, has a row, and
//! the row agrees with what the document states.

#[allow(dead_code)] // only `normalize` is used here
#[path = "../../spec/normalize.rs"]
mod normalize;

use hubspot_deals::operations::{Budget, Operation};
use serde_json::Value;

/// Differences between a normalized document's operations and the table.
fn disagreements(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let Some(name) = operation["operationId"].as_str() else {
                continue;
            };
            let Some(row) = Operation::find(name) else {
                problems.push(format!("{name} ({method} {path}) has no row in OPERATIONS"));
                continue;
            };
            if !row.method.eq_ignore_ascii_case(method) {
                problems.push(format!("{name}: method {method}, table {}", row.method));
            }
            let generic = |p: &str| -> String {
                p.split('/')
                    .map(|s| if s.starts_with('{') { "{}" } else { s })
                    .collect::<Vec<_>>()
                    .join("/")
            };
            if !generic(path).ends_with(&generic(row.route)) {
                problems.push(format!("{name}: path {path} does not end in {}", row.route));
            }
            let body = operation.get("requestBody").is_some();
            if body != row.body {
                problems.push(format!("{name}: body {body}, table {}", row.body));
            }
            let exempt = operation["x-hubspot-rate-limit-exemptions"]
                .as_array()
                .is_some_and(|e| e.iter().any(|v| v == "ten-secondly"));
            let budget = if exempt {
                Budget::Search
            } else {
                Budget::TenSecondly
            };
            if budget != row.budget {
                problems.push(format!("{name}: budget {budget:?}, table {:?}", row.budget));
            }
            let scopes: Vec<&str> = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|requirement| requirement.values())
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !scopes.contains(&row.scope.as_str()) {
                problems.push(format!(
                    "{name}: the document's scopes {scopes:?} lack the table's {}",
                    row.scope.as_str()
                ));
            }
        }
    }
    problems
}

#[test]
fn the_table_covers_and_agrees_with_spec_deals_json() {
    let doc: Value = serde_json::from_str(include_str!("../../spec/deals.json")).unwrap();
    let problems = disagreements(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_table_covers_and_agrees_with_the_apis_around_deals() {
    for (name, text) in [
        ("pipelines", include_str!("../../spec/pipelines.json")),
        ("properties", include_str!("../../spec/properties.json")),
    ] {
        let doc: Value = serde_json::from_str(text).unwrap();
        let problems = disagreements(&doc);
        assert!(problems.is_empty(), "spec/{name}.json: {problems:#?}");
    }
}

#[test]
fn a_spec_operation_without_a_row_fails_the_check() {
    let mut doc: Value = serde_json::from_str(include_str!("../../spec/deals.json")).unwrap();
    let paths = doc["paths"].as_object_mut().unwrap();
    let mut extra = paths["/crm/v3/objects/0-3/search"].clone();
    extra["post"]["operationId"] = "batch_search".into();
    paths.insert("/crm/v3/objects/0-3/batch/search".into(), extra);
    let problems = disagreements(&doc);
    assert_eq!(
        problems,
        ["batch_search (post /crm/v3/objects/0-3/batch/search) has no row in OPERATIONS"]
    );
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn reference_documents_agree_with_the_table() {
    for (name, doc) in crate::support::reference::deals_documents() {
        let doc = normalize::normalize(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let problems = disagreements(&doc);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn the_normalizer_names_every_route_of_the_table_as_hubspots_documents_spell_it() {
    for operation in hubspot_deals::operations::OPERATIONS {
        // HubSpot's parameter names, under v3's and a date version's object path.
        let path = operation.route.replace("{id}", "{dealId}");
        for base in ["/crm/v3/objects/0-3", "/crm/objects/2026-03/0-3"] {
            assert_eq!(
                normalize::operation_name(operation.method, &format!("{base}{path}")),
                operation.name,
                "{} {base}{path}",
                operation.method
            );
        }
    }
    assert_eq!(
        normalize::operation_name("get", "/crm/v3/objects/0-3/{dealId}/history"),
        "get_deal_id_history",
        "an operation the table lacks gets a name from its path"
    );
}
