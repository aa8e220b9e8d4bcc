//! Generates a client with Progenitor for every API of the registry (`src/registry.rs`) that
//! has a document in `spec/`: deals (`spec/deals.json`) and the APIs around deals.
//!
//! Each document is normalized first (a no-op for a committed `spec/`, a safety net for hand
//! edits), then generated with the settings in `spec/generate.rs`, formatted, and written to
//! `$OUT_DIR/{api}_client.rs`, which the API's module includes. `$OUT_DIR/api.rs` records the
//! version each document is of. Any failure becomes one readable `cargo::error` line instead
//! of a panic backtrace.

#[allow(dead_code)] // the names table serves xtask too
#[path = "spec/generate.rs"]
mod generate;
#[allow(dead_code)] // strip_descriptions serves xtask and the tests
#[path = "spec/normalize.rs"]
mod normalize;

use normalize::registry::{self, Api};
use std::path::{Path, PathBuf};

fn main() {
    for api in generated() {
        println!("cargo::rerun-if-changed=spec/{}.json", api.name);
    }
    for input in [
        "spec/normalize.rs",
        "spec/generate.rs",
        "src/registry.rs",
        "build.rs",
    ] {
        println!("cargo::rerun-if-changed={input}");
    }
    if let Err(message) = run() {
        println!("cargo::error={message}");
    }
}

/// The APIs with a document to generate from.
fn generated() -> impl Iterator<Item = &'static Api> {
    registry::APIS.iter().filter(|api| api.document.is_some())
}

fn run() -> Result<(), String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or("CARGO_MANIFEST_DIR is not set; run the build through cargo")?;
    let out_dir =
        std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set; run the build through cargo")?;
    let mut versions = Vec::new();
    for api in generated() {
        let path = manifest_dir.join(format!("spec/{}.json", api.name));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {}: {e}; restore it from git or run `cargo xtask update-spec --document {}`",
                path.display(),
                api.name
            )
        })?;
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not valid JSON ({e}); restore it from git or run `cargo xtask update-spec --document {}`",
                path.display(),
                api.name
            )
        })?;
        let doc =
            normalize::normalize(&doc, api).map_err(|e| format!("{}: {e}", path.display()))?;
        let source =
            generate::generate(&doc, api).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = format!("{}_client.rs", api.name);
        write_if_changed(&Path::new(&out_dir).join(file), &source)?;
        let version = doc["info"]["version"].as_str().unwrap_or("").to_string();
        if api.name == registry::DEALS.name {
            announce_operations(&doc);
            write_if_changed(
                &Path::new(&out_dir).join("deals_paths.rs"),
                &deals_paths(&doc)?,
            )?;
        }
        versions.push((api.name, version));
    }
    write_if_changed(
        &Path::new(&out_dir).join("api.rs"),
        &api_versions(&versions),
    )?;
    write_if_changed(&Path::new(&out_dir).join("oauth_paths.rs"), &oauth_paths()?)?;
    Ok(())
}

/// The OAuth version the client uses by default and its endpoints' paths.
fn oauth_paths() -> Result<String, String> {
    let oauth = &registry::OAUTH;
    let version = oauth.default_version();
    let path = |operation: &str| {
        oauth
            .path(version, operation)
            .ok_or_else(|| format!("the registry's OAuth API has no {operation} in {version}"))
    };
    let (token, introspect, revoke) = (
        path("oauth_token")?,
        path("oauth_introspect")?,
        path("oauth_revoke")?,
    );
    Ok(format!(
        "/// The version of HubSpot's OAuth API the client calls (its current one).\n\
         pub const OAUTH_VERSION: &str = {version:?};\n\
         /// HubSpot's token endpoint, relative to the API's base URL.\n\
         pub const TOKEN_PATH: &str = {token:?};\n\
         /// The introspection endpoint, relative to the API's base URL.\n\
         pub const INTROSPECT_PATH: &str = {introspect:?};\n\
         /// The revocation endpoint, relative to the API's base URL.\n\
         pub const REVOKE_PATH: &str = {revoke:?};\n\
         /// HubSpot's token endpoint.\n\
         pub const DEFAULT_TOKEN_URL: &str = \"https://api.hubapi.com{token}\";\n"
    ))
}

/// The version each generated client was generated from, as constants of `operations`.
fn api_versions(versions: &[(&str, String)]) -> String {
    let deals = versions
        .iter()
        .find(|(name, _)| *name == registry::DEALS.name)
        .map_or("", |(_, version)| version.as_str());
    let rows: Vec<String> = versions
        .iter()
        .map(|(name, version)| format!("    ({name:?}, {version:?}),\n"))
        .collect();
    format!(
        "/// The API version this build's deals client speaks (`2026-09`, or `v3` for a client\n\
         /// regenerated from an older document).\n\
         pub const API_VERSION: &str = {deals:?};\n\
         /// Each generated API and the version of the document it was generated from.\n\
         pub const GENERATED_VERSIONS: &[(&str, &str)] = &[\n{}];\n",
        rows.concat()
    )
}

/// The path deals live under in this build's version.
fn deals_paths(doc: &serde_json::Value) -> Result<String, String> {
    let object_path = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.iter())
        .find(|(_, item)| item["get"]["operationId"] == "get_page")
        .map(|(path, _)| path.clone())
        .ok_or("the document has no get_page operation (GET on the deals object path)")?;
    Ok(format!(
        "/// The path deals live under in this build's API version.\n\
         pub const OBJECT_PATH: &str = {object_path:?};\n"
    ))
}

/// `cfg(hubspot_deals_op = "…")` for each operation the deals document has, so tests of
/// operations only some versions have compile where they exist.
fn announce_operations(doc: &serde_json::Value) {
    let values: Vec<String> = registry::APIS
        .iter()
        .flat_map(|api| api.operations.iter())
        .map(|operation| format!("{:?}", operation.name))
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
