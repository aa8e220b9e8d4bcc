//! HubSpot's own documents, which this repository does not hold: tests that read them are
//! `#[ignore]`d with the reason, and run where `HUBSPOT_DEALS_REFERENCE` names their folder
//! (`.ci/run` sets it and runs them with `--ignored`).

use std::path::PathBuf;

/// The variable naming the folder of HubSpot's reference documents.
pub const VARIABLE: &str = "HUBSPOT_DEALS_REFERENCE";

/// The folder of HubSpot's deals documents; fails the test when the variable is unset or
/// names a folder that is not there, so a reference test never passes without checking.
pub fn deals_documents() -> Vec<(String, serde_json::Value)> {
    let root = std::env::var_os(VARIABLE).unwrap_or_else(|| {
        panic!("{VARIABLE} is not set: set it to the folder holding hubspot-deals-spec/")
    });
    let dir = PathBuf::from(root).join("hubspot-deals-spec");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{VARIABLE} names {}, which cannot be read: {e}",
            dir.display()
        )
    });
    let mut documents: Vec<(String, serde_json::Value)> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).expect("JSON"))
        })
        .collect();
    documents.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        documents.len() >= 6,
        "expected HubSpot's six deals documents in {}",
        dir.display()
    );
    documents
}

/// HubSpot's documents of `api` (`hubspot-{reference}-spec/*.json`, by file stem), read from
/// the reference folder; fails like [`deals_documents`] when the folder is not there.
pub fn documents(api: &hubspot_deals::registry::Api) -> Vec<(String, serde_json::Value)> {
    let reference = api.document.expect("a generated API").reference;
    let root = std::env::var_os(VARIABLE).unwrap_or_else(|| {
        panic!("{VARIABLE} is not set: set it to the folder holding hubspot-{reference}-spec/")
    });
    let dir = PathBuf::from(root).join(format!("hubspot-{reference}-spec"));
    let mut documents = Vec::new();
    for version in api.versions() {
        let Some(file) = api.file(version.name) else {
            continue;
        };
        let path = dir.join(&file);
        if path.is_file() {
            let text = std::fs::read_to_string(&path).expect("readable");
            documents.push((file, serde_json::from_str(&text).expect("JSON")));
        }
    }
    assert!(
        !documents.is_empty(),
        "no document of the {} API in {}",
        api.name,
        dir.display()
    );
    documents
}
