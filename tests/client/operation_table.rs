//! The operation table (`hubspot_deals::operations`, a view of the registry) against the
//! documents: every operation of every `spec/` document, and of every document of HubSpot's
//! that `cargo xtask update-spec` imports, has a row, and the row agrees with what the
//! document states.

#[allow(dead_code)] // only `normalize` and the registry are used here
#[path = "../../spec/normalize.rs"]
mod normalize;

use hubspot_deals::operations::{Body, Budget, Operation};
use hubspot_deals::registry::{self, Api};
use serde_json::Value;

/// APIs whose documents mark operations exempt from the ten-second budget that the client
/// still counts against it: HubSpot's 2026-09 associations documents exempt their batches and
/// schema calls, the journal's document every read, which no other source confirms;
/// counting them is the safe side (slower, never a 429).
const COUNTED_DESPITE_EXEMPTION: &[&str] =
    &["associations", "association_labels", "webhooks_journal"];

/// APIs whose documents name their scopes otherwise than HubSpot's guides: the webhooks
/// journal's document says `webhooks-journal-data-access`, its guide
/// `developer.webhooks_journal.read` (the registry follows the guide).
const SCOPES_NAMED_OTHERWISE: &[&str] = &["webhooks_journal"];

/// Differences between a normalized document of `api` and the table.
fn disagreements(doc: &Value, api: &Api) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let Some(name) = operation["operationId"].as_str() else {
                continue;
            };
            let Some(row) = Operation::find(name) else {
                problems.push(format!(
                    "{name} ({method} {path}) has no row in the registry"
                ));
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
            if !generic(path).ends_with(&generic(row.path)) {
                problems.push(format!("{name}: path {path} does not end in {}", row.path));
            }
            let body = operation.get("requestBody").is_some();
            if body != (row.body != Body::None) {
                problems.push(format!("{name}: body {body}, table {:?}", row.body));
            }
            let exempt = operation["x-hubspot-rate-limit-exemptions"]
                .as_array()
                .is_some_and(|e| e.iter().any(|v| v == "ten-secondly"));
            let budget = if exempt && !COUNTED_DESPITE_EXEMPTION.contains(&api.name) {
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
            if !SCOPES_NAMED_OTHERWISE.contains(&api.name) && !scopes.contains(&row.scope) {
                problems.push(format!(
                    "{name}: the document's scopes {scopes:?} lack the table's {}",
                    row.scope
                ));
            }
        }
    }
    problems
}

/// The `spec/` document of `api`.
fn spec(api: &Api) -> Value {
    let path = format!("{}/spec/{}.json", env!("CARGO_MANIFEST_DIR"), api.name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_table_covers_and_agrees_with_every_spec_document() {
    for api in registry::APIS.iter().filter(|api| api.document.is_some()) {
        let problems = disagreements(&spec(api), api);
        assert!(problems.is_empty(), "spec/{}.json: {problems:#?}", api.name);
    }
}

#[test]
fn a_spec_operation_without_a_row_fails_the_check() {
    let mut doc = spec(&registry::DEALS);
    let paths = doc["paths"].as_object_mut().unwrap();
    let (search_path, search) = paths
        .iter()
        .find(|(path, _)| path.ends_with("/search"))
        .map(|(p, v)| (p.clone(), v.clone()))
        .unwrap();
    let mut extra = search;
    extra["post"]["operationId"] = "batch_search".into();
    let extra_path = search_path.replace("/search", "/batch/search");
    paths.insert(extra_path.clone(), extra);
    let problems = disagreements(&doc, &registry::DEALS);
    assert_eq!(
        problems,
        [format!(
            "batch_search (post {extra_path}) has no row in the registry"
        )]
    );
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn reference_documents_agree_with_the_table() {
    for api in [
        &registry::DEALS,
        &registry::PIPELINES,
        &registry::PROPERTIES,
    ] {
        for (name, doc) in crate::support::reference::documents(api) {
            let doc = normalize::normalize(&doc, normalize::registry::api(api.name).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let problems = disagreements(&doc, api);
            assert!(problems.is_empty(), "{name}: {problems:#?}");
        }
    }
}

#[test]
fn the_deals_client_calls_the_registrys_paths() {
    let deals = &registry::DEALS;
    let version = hubspot_deals::operations::API_VERSION;
    assert_eq!(
        version,
        deals.default_version(),
        "spec/deals.json's version"
    );
    assert_eq!(
        hubspot_deals::operations::OBJECT_PATH,
        deals.path(version, "get_page").unwrap()
    );
    for (api, version) in hubspot_deals::operations::GENERATED_VERSIONS {
        let api = registry::api(api).unwrap();
        assert_eq!(*version, api.default_version(), "{}", api.name);
    }
}
