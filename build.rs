//! Generates the Deals client from `spec/deals.json` with Progenitor, and in the same way a
//! client for each API around deals (`spec/pipelines.json`, `spec/properties.json`,
//! `spec/associations.json`, `spec/association_labels.json`).
//!
//! The document is normalized first (a no-op for a committed `spec/`, a safety net for hand
//! edits), then generated with the settings in `spec/generate.rs`, formatted, and written to
//! `$OUT_DIR/deals_client.rs`, which `src/generated.rs` includes. Any failure becomes one
//! readable `cargo::error` line instead of a panic backtrace.

#[allow(dead_code)] // the names table serves xtask too
#[path = "spec/generate.rs"]
mod generate;
#[allow(dead_code)] // strip_descriptions serves xtask and the tests
#[path = "spec/normalize.rs"]
mod normalize;

use std::path::{Path, PathBuf};

const SPEC: &str = "spec/deals.json";

fn main() {
    for neighbour in normalize::neighbours() {
        println!("cargo::rerun-if-changed=spec/{}.json", neighbour.name);
    }
    for input in [
        SPEC,
        "spec/normalize.rs",
        "spec/generate.rs",
        "src/routes.rs",
        "build.rs",
    ] {
        println!("cargo::rerun-if-changed={input}");
    }
    if let Err(message) = run() {
        println!("cargo::error={message}");
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or("CARGO_MANIFEST_DIR is not set; run the build through cargo")?;
    let spec_path = manifest_dir.join(SPEC);
    let text = std::fs::read_to_string(&spec_path).map_err(|e| {
        format!(
            "cannot read {}: {e}; restore it from git or run `cargo xtask update-spec`",
            spec_path.display()
        )
    })?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}); restore it from git or run `cargo xtask update-spec`",
            spec_path.display()
        )
    })?;
    let doc = normalize::normalize(&doc).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let source = generate::generate(&doc).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let out_dir =
        std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set; run the build through cargo")?;
    write_if_changed(&Path::new(&out_dir).join("deals_client.rs"), &source)?;
    write_if_changed(&Path::new(&out_dir).join("api.rs"), &api_constants(&doc)?)?;
    announce_operations(&doc);
    for neighbour in normalize::neighbours() {
        let path = manifest_dir.join(format!("spec/{}.json", neighbour.name));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {}: {e}; restore it from git or run `cargo xtask update-spec --document {}`",
                path.display(),
                neighbour.name
            )
        })?;
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not valid JSON ({e}); restore it from git",
                path.display()
            )
        })?;
        let doc = normalize::normalize_neighbour(&doc, neighbour)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let source = generate::generate(&doc).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = format!("{}_client.rs", neighbour.name);
        write_if_changed(&Path::new(&out_dir).join(file), &source)?;
    }
    Ok(())
}

/// The API version and the path deals live under, as constants of `operations`.
fn api_constants(doc: &serde_json::Value) -> Result<String, String> {
    let version = doc["info"]["version"].as_str().unwrap_or("v3");
    let object_path = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.iter())
        .find(|(_, item)| item["get"]["operationId"] == "get_page")
        .map(|(path, _)| path.clone())
        .ok_or("the document has no get_page operation (GET on the deals object path)")?;
    Ok(format!(
        "/// The API version this build's client speaks (`v3`, or a date version such as `2026-03`).\n\
         pub const API_VERSION: &str = {version:?};\n\
         /// The path deals live under in this build's API version.\n\
         pub const OBJECT_PATH: &str = {object_path:?};\n"
    ))
}

/// `cfg(hubspot_deals_op = "…")` for each operation the document has, so tests of operations
/// only some versions have compile where they exist.
fn announce_operations(doc: &serde_json::Value) {
    let values: Vec<String> = normalize::operation_names()
        .map(|name| format!("{name:?}"))
        .collect();
    println!(
        "cargo::rustc-check-cfg=cfg(hubspot_deals_op, values({}))",
        values.join(", ")
    );
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(name) = operation["operationId"].as_str() {
                println!("cargo::rustc-cfg=hubspot_deals_op={name:?}");
            }
        }
    }
}

/// Leaves the file alone when its content is the same, so nothing downstream rebuilds.
fn write_if_changed(path: &Path, content: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
