//! Checks of `spec/` against HubSpot's own documents (run with `--ignored` where
//! `HUBSPOT_DEALS_REFERENCE` names their folder) and of the committed surface snapshot against
//! what the shared generator produces from `spec/deals.json`.

#[path = "../tests/support/reference.rs"]
mod reference;

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

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn every_reference_document_normalizes_idempotently_and_generates() {
    let dir = reference::deals_dir();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let once = normalize::normalize(&read_json(&path))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            normalize::normalize(&once).unwrap(),
            once,
            "{}: not idempotent",
            path.display()
        );
        let source =
            generate::generate(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let surface = surface::surface(&source).unwrap();
        for operation in [
            "get_page",
            "create",
            "get_by_id",
            "update",
            "archive",
            "batch_read",
            "batch_create",
            "batch_update",
            "batch_upsert",
            "batch_archive",
            "search",
            "merge",
        ] {
            assert!(
                surface.contains(&format!("operation {operation}: ")),
                "{}: no `{operation}` operation",
                path.display()
            );
        }
        seen += 1;
    }
    assert_eq!(seen, 6, "expected HubSpot's six deals documents");
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn the_apis_around_deals_match_hubspots_structure_in_every_version() {
    for neighbour in normalize::neighbours() {
        let ours = read_json(&workspace().join(format!("spec/{}.json", neighbour.name)));
        let (followed, others) = neighbour.upstream.files.split_first().unwrap();
        let followed = reference::neighbour_document(neighbour.upstream.api, followed);
        let theirs = normalize::normalize_neighbour(&read_json(&followed), neighbour).unwrap();
        assert!(
            theirs == ours,
            "spec/{}.json differs from HubSpot's structure at {}; rerun `cargo xtask update-spec --document {}`",
            neighbour.name,
            first_difference(&theirs, &ours, String::new()),
            neighbour.name
        );
        assert_eq!(
            normalize::normalize_neighbour(&ours, neighbour).unwrap(),
            ours,
            "{}: not idempotent",
            neighbour.name
        );
        // Every route is in one of HubSpot's documents, and each of them generates.
        let mut surfaces = vec![surface::surface(&generate::generate(&ours).unwrap()).unwrap()];
        for file in others {
            let other = reference::neighbour_document(neighbour.upstream.api, file);
            let other = normalize::normalize_neighbour(&read_json(&other), neighbour)
                .unwrap_or_else(|e| panic!("{} {file}: {e}", neighbour.name));
            surfaces.push(surface::surface(&generate::generate(&other).unwrap()).unwrap());
        }
        for route in neighbour.routes {
            assert!(
                surfaces
                    .iter()
                    .any(|s| s.contains(&format!("operation {}: ", route.name))),
                "{}: no document has `{}`",
                neighbour.name,
                route.name
            );
        }
    }
}

#[test]
fn committed_surface_snapshots_of_the_apis_around_deals_match() {
    for neighbour in normalize::neighbours() {
        let ours = read_json(&workspace().join(format!("spec/{}.json", neighbour.name)));
        let doc = normalize::normalize_neighbour(&ours, neighbour).unwrap();
        let actual = surface::surface(&generate::generate(&doc).unwrap()).unwrap();
        let path = workspace().join(format!("spec/{}-surface.txt", neighbour.name));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == actual,
            "{} is stale; rerun `cargo xtask update-spec --document {}` and review the diff",
            path.display(),
            neighbour.name
        );
    }
}

#[test]
fn every_schema_of_spec_has_a_readable_name() {
    let spec = read_json(&workspace().join("spec/deals.json"));
    assert_eq!(generate::unnamed_schemas(&spec), Vec::<String>::new());
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn every_schema_of_every_version_has_a_readable_name_that_generates() {
    let dir = reference::deals_dir();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let doc = normalize::normalize(&read_json(&path)).unwrap();
        assert_eq!(
            generate::unnamed_schemas(&doc),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        let source = generate::generate(&doc).unwrap();
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
                "{}: no type {name}",
                path.display()
            );
        }
    }
}

#[test]
#[ignore = "needs HubSpot's documents: set HUBSPOT_DEALS_REFERENCE to their folder (CI does)"]
fn spec_has_the_structure_of_normalized_upstream_v3() {
    let dir = reference::deals_dir();
    let upstream = normalize::normalize(&read_json(&dir.join("v3.json"))).unwrap();
    let ours = read_json(&workspace().join("spec/deals.json"));
    let (upstream, ours) = (
        normalize::strip_descriptions(&upstream),
        normalize::strip_descriptions(&ours),
    );
    if upstream != ours {
        let changes = crate::diff::api_changes(&upstream, &ours);
        panic!("spec/deals.json differs structurally from normalized v3: {changes:#?}");
    }
}

#[test]
fn spec_is_normalized_and_fully_described() {
    let ours = read_json(&workspace().join("spec/deals.json"));
    let normalized = normalize::normalize(&ours).unwrap();
    assert!(
        normalized == ours,
        "spec/deals.json is not in normalized form at {}; run `cargo xtask update-spec`",
        first_difference(&normalized, &ours, String::new())
    );
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

#[test]
fn committed_surface_snapshot_matches_the_generated_client() {
    let ours = read_json(&workspace().join("spec/deals.json"));
    let source = generate::generate(&normalize::normalize(&ours).unwrap()).unwrap();
    let actual = surface::surface(&source).unwrap();
    let snapshot_path = workspace().join("spec/surface.txt");
    let committed = std::fs::read_to_string(&snapshot_path).unwrap_or_default();
    if committed != actual {
        if std::env::var_os("UPDATE_SNAPSHOT").is_some() {
            std::fs::write(&snapshot_path, &actual).unwrap();
            return;
        }
        let first = committed
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b);
        panic!(
            "spec/surface.txt is stale (first differing line: {first:?}); rerun \
             `cargo xtask update-spec` or `UPDATE_SNAPSHOT=1 cargo test -p xtask` and review the diff"
        );
    }
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
