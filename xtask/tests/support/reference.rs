//! HubSpot's own documents, which this repository does not hold. Tests that read them are
//! `#[ignore]`d with the reason and run where `HUBSPOT_DEALS_REFERENCE` names their folder
//! (`.ci/run` sets it and runs them with `--ignored`); a test that finds the variable unset or
//! naming a missing folder fails, so a reference check never passes without checking.
//! Shared by `update_spec.rs` and, through `#[path]`, by the unit tests in `src/`.

#![allow(dead_code)] // each test crate uses part of it

use std::path::PathBuf;

/// The variable naming the folder of HubSpot's reference documents.
pub const VARIABLE: &str = "HUBSPOT_DEALS_REFERENCE";

/// The folder of HubSpot's deals documents.
pub fn deals_dir() -> PathBuf {
    let root = std::env::var_os(VARIABLE).unwrap_or_else(|| {
        panic!("{VARIABLE} is not set: set it to the folder holding hubspot-deals-spec/")
    });
    let dir = PathBuf::from(root).join("hubspot-deals-spec");
    assert!(
        dir.is_dir(),
        "{VARIABLE} names {}, which is not a folder",
        dir.display()
    );
    dir
}

/// One of HubSpot's deals documents, e.g. `v3.json`.
pub fn deals_document(name: &str) -> PathBuf {
    let path = deals_dir().join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// HubSpot's document of an API around deals (`pipelines`, `properties`), e.g. `v3.json`.
pub fn neighbour_document(api: &str, name: &str) -> PathBuf {
    let root = std::env::var_os(VARIABLE).unwrap_or_else(|| {
        panic!("{VARIABLE} is not set: set it to the folder holding hubspot-{api}-spec/")
    });
    let path = PathBuf::from(root)
        .join(format!("hubspot-{api}-spec"))
        .join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// The folder of HubSpot's documents of an API (`hubspot-{reference}-spec/`).
pub fn api_dir(reference: &str) -> PathBuf {
    let root = std::env::var_os(VARIABLE).unwrap_or_else(|| {
        panic!("{VARIABLE} is not set: set it to the folder holding hubspot-{reference}-spec/")
    });
    let dir = PathBuf::from(root).join(format!("hubspot-{reference}-spec"));
    assert!(
        dir.is_dir(),
        "{VARIABLE} names {}, which is not a folder",
        dir.display()
    );
    dir
}
