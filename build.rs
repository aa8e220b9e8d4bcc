//! Generates the Deals client from `spec/deals.json` with Progenitor.
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
    for input in [SPEC, "spec/normalize.rs", "spec/generate.rs", "build.rs"] {
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
    write_if_changed(&Path::new(&out_dir).join("deals_client.rs"), &source)
}

/// Leaves the file alone when its content is the same, so nothing downstream rebuilds.
fn write_if_changed(path: &Path, content: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
