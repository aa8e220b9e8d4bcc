//! Checks of `spec/` against HubSpot's own documents (run with `--ignored` where
//! `HUBSPOT_DEALS_REFERENCE` names their folder) and of the committed surface snapshots
//! against what the shared generator produces from each `spec/` document.

#[path = "../tests/support/reference.rs"]
mod reference;

use crate::normalize::registry::{self, Api};
use crate::{generate, normalize, surface};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The APIs generated from a document.
fn documented() -> impl Iterator<Item = &'static Api> {
    registry::APIS.iter().filter(|api| api.document.is_some())
}

/// `spec/{api}.json`.
fn spec(api: &Api) -> Value {
    read_json(&workspace().join(format!("spec/{}.json", api.name)))
}

/// HubSpot's documents of `api` in the reference folder: each version's that is there, and
/// the extra files the registry names.
fn reference_documents(api: &Api) -> Vec<(String, Value)> {
    let document = api.document.unwrap();
    let dir = reference::api_dir(document.reference);
    let mut files: Vec<String> = api
        .versions()
        .iter()
        .filter_map(|v| api.file(v.name))
        .collect();
    files.extend(document.also.iter().map(|f| f.to_string()));
    files
        .into_iter()
        .filter(|file| dir.join(file).is_file())
        .map(|file| {
            let doc = read_json(&dir.join(&file));
            (file, doc)
        })
        .collect()
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn every_reference_document_normalizes_idempotently_generates_and_names_every_operation() {
    // Every document of every API, normalized and generated once.
    let mut surfaces: Vec<(&str, String, String)> = Vec::new();
    for api in documented() {
        for (file, doc) in reference_documents(api) {
            let at = format!("{} {file}", api.name);
            let once = normalize::normalize(&doc, api).unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!(
                normalize::normalize(&once, api).unwrap(),
                once,
                "{at}: not idempotent"
            );
            let unknown = crate::update_spec::unknown_operations(&once, api);
            assert!(
                unknown.is_empty(),
                "{at}: operations without a registry row: {unknown:?}"
            );
            let source = generate::generate(&once, api).unwrap_or_else(|e| panic!("{at}: {e}"));
            surfaces.push((api.name, file, surface::surface(&source).unwrap()));
        }
    }
    assert!(
        surfaces.len() >= 20,
        "expected HubSpot's documents of every API, found {}",
        surfaces.len()
    );
    // Every row of the registry is in one of HubSpot's documents (an association operation
    // of a deals document counts for the associations API).
    for api in documented() {
        for operation in api.operations {
            let named = format!("operation {}: ", operation.name);
            assert!(
                surfaces
                    .iter()
                    .any(|(_, _, surface)| surface.contains(&named)),
                "{}: no document has `{}`",
                api.name,
                operation.name
            );
        }
    }
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn every_spec_document_has_the_structure_of_hubspots_at_its_version() {
    for api in documented() {
        let ours = spec(api);
        let version = ours["info"]["version"].as_str().unwrap();
        assert_eq!(
            version,
            api.default_version(),
            "spec/{}.json is of version {version}, not the API's default",
            api.name
        );
        let file = api.file(version).unwrap();
        let path = reference::api_dir(api.document.unwrap().reference).join(&file);
        let theirs = normalize::normalize(&read_json(&path), api).unwrap();
        let (theirs, ours) = (
            normalize::strip_descriptions(&theirs),
            normalize::strip_descriptions(&ours),
        );
        if theirs != ours {
            let changes = crate::diff::api_changes(&theirs, &ours);
            panic!(
                "spec/{}.json differs structurally from HubSpot's {file} normalized, at {}: \
                 {changes:#?}; rerun `cargo xtask update-spec --document {}`",
                api.name,
                first_difference(&theirs, &ours, String::new()),
                api.name
            );
        }
    }
}

#[test]
fn committed_surface_snapshots_match_the_generated_clients() {
    for api in documented() {
        let doc = normalize::normalize(&spec(api), api).unwrap();
        let actual = surface::surface(&generate::generate(&doc, api).unwrap()).unwrap();
        let path = workspace().join(format!("spec/{}-surface.txt", api.name));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != actual {
            if std::env::var_os("UPDATE_SNAPSHOT").is_some() {
                std::fs::write(&path, &actual).unwrap();
                continue;
            }
            let first = committed
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b);
            panic!(
                "{} is stale (first differing line: {first:?}); rerun `cargo xtask update-spec \
                 --document {}` or `UPDATE_SNAPSHOT=1 cargo test -p xtask` and review the diff",
                path.display(),
                api.name
            );
        }
    }
}

#[test]
fn every_spec_document_is_normalized_and_its_operations_are_ours() {
    for api in documented() {
        let ours = spec(api);
        let normalized = normalize::normalize(&ours, api).unwrap();
        assert!(
            normalized == ours,
            "spec/{}.json is not in normalized form at {}; run `cargo xtask update-spec --document {}`",
            api.name,
            first_difference(&normalized, &ours, String::new()),
            api.name
        );
        assert_eq!(
            crate::update_spec::unknown_operations(&ours, api),
            Vec::<String>::new(),
            "spec/{}.json",
            api.name
        );
    }
}

#[test]
fn every_schema_of_spec_deals_has_a_readable_name() {
    let spec = spec(&registry::DEALS);
    assert_eq!(
        generate::unnamed_schemas(&spec, &registry::DEALS),
        Vec::<String>::new()
    );
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn every_schema_of_every_deals_version_has_a_readable_name_that_generates() {
    let deals = &registry::DEALS;
    for (file, doc) in reference_documents(deals) {
        let doc = normalize::normalize(&doc, deals).unwrap();
        assert_eq!(
            generate::unnamed_schemas(&doc, deals),
            Vec::<String>::new(),
            "{file}"
        );
        let source = generate::generate(&doc, deals).unwrap();
        for name in [
            "Deal",
            "DealPage",
            "NewDeal",
            "DealUpdate",
            "DealUpsert",
            "BatchResult",
            "SearchRequest",
            "SearchPage",
            "ErrorBody",
        ] {
            assert!(
                source.contains(&format!("pub struct {name} ")),
                "{file}: no type {name}"
            );
        }
    }
}

#[test]
fn spec_deals_is_fully_described() {
    let ours = spec(&registry::DEALS);
    let mut undescribed = Vec::new();
    for (path, item) in ours["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for key in ["summary", "description"] {
                if op.get(key).is_none() {
                    undescribed.push(format!("{method} {path} {key}"));
                }
            }
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                if parameter.get("description").is_none() {
                    undescribed.push(format!("{method} {path} {}", parameter["name"]));
                }
            }
        }
    }
    for (name, schema) in ours["components"]["schemas"].as_object().unwrap() {
        if schema.get("description").is_none() {
            undescribed.push(name.clone());
        }
        for (field, field_schema) in schema["properties"].as_object().into_iter().flatten() {
            if field_schema.get("description").is_none() {
                undescribed.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(
        undescribed.is_empty(),
        "without our description: {undescribed:?}"
    );
}

/// The JSON pointer of the first place where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: String) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) if u == v => {}
                    (Some(u), Some(v)) => return first_difference(u, v, format!("{at}/{key}")),
                    _ => return format!("{at}/{key} (present on one side only)"),
                }
            }
            at
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let i = x.iter().zip(y).position(|(u, v)| u != v).unwrap_or(0);
            first_difference(&x[i], &y[i], format!("{at}/{i}"))
        }
        _ => format!("{at}: {a} vs {b}"),
    }
}
